"""The search index behind `policy tasks --search`: which measures may hold a term, for a term of
any length, found through an index instead of by reading every measure.

What a search means (the LIKE it replaces, now for every term length): a term matches a measure when
it is a substring of the measure's title or of its text, ASCII letters compared without case and
every other character exactly; several terms must all match. No NFKC or Unicode case folding: ＡＩ
is not AI, as LIKE had it (the trigram table used for 3+ characters folded Unicode case, so the
two lengths disagreed). The index narrows the measures to candidates and `like_condition` decides,
so the index only has to keep every match among its candidates.

The index, `measure_grams`: an FTS5 table holding, for every row of `measures` (under the same
rowid, current and obsolete alike), the characters and the pairs of adjacent characters of its title
and of its text. Python's sqlite3 cannot register an FTS5 tokenizer, so the grams are made here and
written out space-separated, and the built-in 'ascii' tokenizer only splits them at the spaces: it
keeps every non-ASCII character (CJK, full-width forms, 、, ideographic spaces) as part of a token
and folds ASCII letters to lower case (LIKE's comparison); the ASCII characters it would treat as
separators (punctuation, quotes, %, _, spaces) are written as private-use characters first, so that
a gram is one token whatever it holds. A term of one character is looked up as that character; a
longer one as all its pairs (金融 → "金融"; 人工智能 → "人工" AND "工智" AND "智能"), which every measure
holding the term has.

Why this shape: FTS5's trigram tokenizer (measures_fts) cannot find terms under three characters,
and Chinese search terms are often two (金融, 智能) or one (局). Unigrams as tokens of their own
rather than prefix queries over the pairs ("局"*): a one-character lookup reads one doclist, not the
merge of hundreds. detail='none': a lookup needs only which rows hold a gram, not where (the
adjacency of a long term's pairs is LIKE's to check), so the index stores rowids only; contentless
(content=''): the grams are not stored a second time. Size: 23 MB at 100k measures (+7% on a 314 MB
database; the trigram table is 126 MB), 229 MB at 1M (the trigram table: 1.2 GB).

A contentless FTS5 table deletes a row only when given the grams it was written with, so `refresh`
computes them again from the row as it was: the grams must depend on nothing but the title and text
(a change to `grams` needs a migration that rebuilds the table). The index is keyed by `measures`'
rowid, which a measure keeps when a revision moves it to a new id (load.move_measure_records updates
the id in place), and which VACUUM keeps; anything that rebuilds the measures table must call
`rebuild`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from operator import add

from policycli.errors import BadInput

TABLE = "measure_grams"
# (columnsize stays: without its row sizes a contentless table cannot be read whole, and a dump —
# Connection.iterdump, the tests' before/after — must read every table.)
CREATE = f"CREATE VIRTUAL TABLE {TABLE} USING fts5(grams, tokenize='ascii', content='', detail='none')"
# The rowids of the measures that may hold every term of the expression bound to it.
ROWIDS = f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH ?"

# The ASCII characters the 'ascii' tokenizer would split at (all but letters and digits) become
# private-use characters (U+E000 + code), so that each is one token character; the tokenizer itself
# folds ASCII letters to lower case, as LIKE compares them, in the index and in queries alike.
_SEPARATORS = "".join(chr(code) for code in range(128) if not chr(code).isalnum())
_PRIVATE = {char: chr(0xE000 + ord(char)) for char in _SEPARATORS}
_SEPARATOR = re.compile("[" + re.escape(_SEPARATORS) + "]")


def _fold(text: str) -> str:
    return _SEPARATOR.sub(lambda found: _PRIVATE[found.group()], text)


def terms(search: str | None) -> list[str]:
    """The terms of a search box: split at whitespace, each one literal (quotes, 、, % and _ too)."""
    found = (search or "").split()
    for term in found:
        try:
            term.encode("utf-8")
        except UnicodeEncodeError:  # bytes a terminal passed that are not UTF-8 (surrogate escapes)
            raise BadInput(
                f"the search term {term!r} is not UTF-8 text; type it again in a UTF-8 terminal"
            ) from None
    return found


def grams(title: str | None, text: str | None) -> str:
    """The index content of a measure: the characters and adjacent pairs of its title and of its
    text, folded, space-separated (repeats are left to FTS5, which keeps a row once per gram).
    Pairs never span the two (a term across the title and the text is no match, as with LIKE); a
    title the text repeats adds nothing."""
    parts = []
    for field in (text, None if title and text and title in text else title):
        if field:
            folded = _fold(field)
            parts.append(" ".join(folded))
            parts.append(" ".join(map(add, folded, folded[1:])))
    return " ".join(parts)


def expression(search_terms: Iterable[str]) -> str:
    """The FTS5 query for measures that may hold every term: each a phrase of one gram (a
    single-character term's character, a longer term's pairs), ANDed. Grams hold no '"' or space
    (folded away), so quoting each is enough to make it literal."""
    found: dict[str, None] = {}
    for term in search_terms:
        folded = _fold(term)
        found.update(dict.fromkeys([folded] if len(folded) == 1 else map(add, folded, folded[1:])))
    return " AND ".join(f'"{gram}"' for gram in found)


def like_condition(search_terms: Iterable[str], alias: str = "m") -> tuple[list[str], list[str]]:
    """The exact test, one condition per term: a substring of the title or of the text (LIKE, with
    its wildcards escaped)."""
    conditions, params = [], []
    for term in search_terms:
        conditions.append(f"({alias}.title LIKE ? ESCAPE '\\' OR {alias}.text LIKE ? ESCAPE '\\')")
        like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params += [like, like]
    return conditions, params


def candidates(conn: sqlite3.Connection, query: str, cap: int) -> int:
    """How many measures the index offers for an expression, counted up to `cap` (the count stops
    there: the doclists are read only that far)."""
    return conn.execute(f"SELECT count(*) FROM ({ROWIDS} LIMIT ?)", [query, cap]).fetchone()[0]


def snapshot(conn: sqlite3.Connection, doc_id: str) -> dict[int, tuple[str | None, str | None]]:
    """A document's measures as the index holds them (rowid → title, text), taken before a load
    rewrites them, for `refresh`."""
    return {
        rowid: (title, text)
        for rowid, title, text in conn.execute(
            "SELECT rowid, title, text FROM measures WHERE doc_id = ?", [doc_id]
        )
    }


def refresh(conn: sqlite3.Connection, doc_id: str, before: dict[int, tuple[str | None, str | None]]) -> None:
    """Bring the index in step with a document's measures after a load wrote them: rows whose title
    or text changed are deleted with the grams they were written with and written again; new rows
    written; unchanged ones (most of a re-load) left alone."""
    after = snapshot(conn, doc_id)
    conn.executemany(
        f"INSERT INTO {TABLE} ({TABLE}, rowid, grams) VALUES ('delete', ?, ?)",
        [(rowid, grams(*old)) for rowid, old in before.items() if after.get(rowid) != old],
    )
    conn.executemany(
        f"INSERT INTO {TABLE} (rowid, grams) VALUES (?, ?)",
        [(rowid, grams(*new)) for rowid, new in after.items() if before.get(rowid) != new],
    )


def rebuild(conn: sqlite3.Connection) -> None:
    """The index made afresh from every measure (the migration that creates it; after anything
    that renumbers the measures' rowids)."""
    conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    conn.execute(CREATE)
    # written at once: a large in-memory hash and no merging on the way (3× faster), then one merge
    _configure(conn, hashsize=64 << 20, automerge=0)
    conn.create_function("policy_search_grams", 2, grams, deterministic=True)
    try:
        conn.execute(
            f"INSERT INTO {TABLE} (rowid, grams) SELECT rowid, policy_search_grams(title, text) FROM measures"
        )
    finally:
        conn.create_function("policy_search_grams", 2, None)
    # one b-tree per gram instead of the segments of many small inserts: smaller and faster to read
    conn.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')")
    _configure(conn, hashsize=1 << 20, automerge=4)  # FTS5's defaults, for the loads to come


def _configure(conn: sqlite3.Connection, **settings: int) -> None:
    for name, value in settings.items():
        conn.execute(f"INSERT INTO {TABLE} ({TABLE}, rank) VALUES (?, ?)", [name, value])
