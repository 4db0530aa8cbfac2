"""The parse-side folding, shared by the parser and by agency-name resolution.

Parsing works on a *folded* copy of each line in which every character is replaced by its
NFKC form whenever that form is a single character (２０２５ → 2025, （一） → (一), ： → :).
Because the mapping is one character to one character, an offset in the folded line is the
same offset in the original line, so the parser can match on folded text and still quote and
store the original.
"""

from __future__ import annotations

import unicodedata


class _FoldTable(dict[int, str]):
    """str.translate table that folds a character to its NFKC form when that is one character."""

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        folded = unicodedata.normalize("NFKC", char)
        # Keep circled numbers (① is a list marker, NFKC would make it a plain 1) and any
        # character whose NFKC form is longer than one character (offsets must not move).
        if len(folded) != 1 or unicodedata.decomposition(char).startswith("<circle>"):
            folded = char
        self[codepoint] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Fold full-width forms to ASCII one character at a time; len(fold(s)) == len(s)."""
    return text.translate(_FOLD)
