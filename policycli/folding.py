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

# The stages of the parser fold the same lines again and again (layout, structure, tables, units, dates:
# ~40M characters for a 10 MB input), and str.translate costs ~60 ns a character: each text's fold is
# kept. Bounded: emptied once it holds _CACHE_CHARS characters, so a long-lived process does not grow.
_CACHE: dict[str, str] = {}
_CACHE_CHARS = 1 << 23
_cached = 0


def fold(text: str) -> str:
    """Fold full-width forms to ASCII one character at a time; len(fold(s)) == len(s)."""
    global _cached
    folded = _CACHE.get(text)
    if folded is not None:
        return folded
    # A character that folds to another one is a compatibility character, which NFKC's quick check
    # flags wherever it stands: text that is already NFKC is its own fold (tests/test_text.py checks
    # every code point), and that check is C speed, not a look-up per character.
    folded = text if unicodedata.is_normalized("NFKC", text) else text.translate(_FOLD)
    if _cached > _CACHE_CHARS:
        _CACHE.clear()
        _cached = 0
    _CACHE[text] = folded
    _cached += len(text)
    return folded
