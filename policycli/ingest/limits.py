"""How much structure one document may have: beyond these it is refused (BadInput, exit 2), not parsed.

Each stage of ingest is linear in its input (or n log n), but its constant is a Python rule table per
line and a dict per measure: a 10 MiB file of five-character items ("1.a" on every line, two
million measures) would take minutes and gigabytes for a result nobody can review. Real documents are
far inside these numbers (a whole five-year plan is a few thousand lines and a few hundred measures; the
largest 分工表 seen has about a thousand rows), so the limits only ever meet generated or damaged input.
Bytes are limited by each reader (10 MiB of text, see ingest/decoding.py).
"""

from __future__ import annotations

from policycli.errors import BadInput

MAX_LINES = (
    1_000_000  # lines a reader hands on, blank ones included (a 10 MiB file of "a\n" has five million)
)
MAX_TEXT_LINES = 200_000  # non-blank lines (or Word / PDF paragraphs) the parser reads
MAX_ITEMS = 50_000  # numbered items, bullets, indicators and table rows: each becomes a measure
# Responsible units of all measures together, carried ones included: "…，下同" hands a list on to every
# later measure, so units can multiply (a real document: a few thousand).
MAX_UNITS = 200_000
# Period ends listed for recurring measures, all of them together: 每月 over a stated validity of a century
# is 1,200 dates per measure, and 20,000 such items made a 1 MiB text a 475 MB structured file. A real
# document: a few hundred recurring measures over five years, some tens of thousands.
MAX_PERIODS = 500_000


# What each limit counts (the name of its constant, read when checked), and the one line a refusal
# says ({count} and {limit} filled in).
_REFUSALS = {
    "lines": (
        "MAX_LINES",
        "{count:,} lines is over the limit of {limit:,} for one document; "
        "is it one policy document? Split it, or remove the blank lines",
    ),
    "text lines": (
        "MAX_TEXT_LINES",
        "{count:,} lines of text is over the limit of {limit:,} for one document; "
        "is it one policy document? Split it and ingest the parts",
    ),
    "units": (
        "MAX_UNITS",
        "over {limit:,} responsible units named (and carried on by 下同) in one document, "
        "more than one policy document has; split it and ingest the parts",
    ),
    "periods": (
        "MAX_PERIODS",
        "its recurring measures (每年, 每月 …) have over {limit:,} periods within its validity "
        "period, more than one policy document has; check the validity dates it states, or split it",
    ),
    "items": (
        "MAX_ITEMS",
        "over {limit:,} numbered items and table rows, more than one policy document "
        "has (a five-year plan has a few hundred); split it and ingest the parts",
    ),
}


def check(kind: str, count: int, name: str) -> None:
    """Refuse the document `name` (BadInput) when `count` of `kind` (a key of _REFUSALS) is over its limit."""
    constant, refusal = _REFUSALS[kind]
    limit = globals()[constant]
    if count > limit:
        raise BadInput(f"{name}: " + refusal.format(count=count, limit=limit))
