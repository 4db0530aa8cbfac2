"""Floor for `policy load DIR`: the same documents, measures and parts into a fresh database with stdlib
executemany in one transaction (the schema is policy's own, created by connecting once; the counts
of m015_tallies are kept by their triggers, row by row, where policy counts a document once), and
the same search index: every measure's characters and pairs of adjacent characters written to the
FTS5 table measure_grams under the measure's rowid (the rule of policycli/search.py, written out
again below), document by document as policy's load writes them.

Still less work than policy's load: no identity matching of revised measures (the database is
empty: there is nothing to match), no validation against the schema, no corrections or periods to
re-apply. bench/run.py checks that both write the same number of measures, parts and index rows,
and the same index (its grams and how many measures hold each)."""

import json
import re
import sqlite3
import sys
from pathlib import Path

# search.py's grams: the ASCII characters FTS5's 'ascii' tokenizer would split at (all but letters and
# digits) as private-use characters, U+E000 + their code, so that each gram is one token.
_SEPARATORS = "".join(chr(code) for code in range(128) if not chr(code).isalnum())
_PRIVATE = {char: chr(0xE000 + ord(char)) for char in _SEPARATORS}
_SEPARATOR = re.compile("[" + re.escape(_SEPARATORS) + "]")


def grams(title: str | None, text: str | None) -> str:
    """A measure's index content: the characters and adjacent pairs of its text and of its title
    (the title left out when the text holds it), folded, space-separated."""
    parts = []
    for field in (text, None if title and text and title in text else title):
        if field:
            folded = _SEPARATOR.sub(lambda found: _PRIVATE[found.group()], field)
            parts.append(" ".join(folded))
            parts.append(" ".join(a + b for a, b in zip(folded, folded[1:], strict=False)))
    return " ".join(parts)


def main(db: str, directory: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    for path in sorted(Path(directory).glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        conn.execute(
            "INSERT INTO documents (id, title, issued_on, content_sha, data, loaded_at) "
            "VALUES (?, ?, ?, '', '{}', '')",
            [document["id"], document["title"], document.get("issued_on")],
        )
        conn.executemany(
            "INSERT INTO measures (id, doc_id, seq, path, kind, title, text, due) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (m["id"], document["id"], k, m["path"], m["kind"], m["title"], m["text"], m.get("due"))
                for k, m in enumerate(document["measures"])
            ],
        )
        conn.executemany(
            "INSERT INTO assignments (measure_id, agency, printed, seq, due) VALUES (?, ?, ?, ?, ?)",
            [
                (m["id"], u["agency"], u["printed"], k, m.get("due"))
                for m in document["measures"]
                for k, u in enumerate(m["units"])
            ],
        )
        conn.executemany(
            "INSERT INTO measure_grams (rowid, grams) VALUES (?, ?)",
            [
                (rowid, grams(title, text))
                for rowid, title, text in conn.execute(
                    "SELECT rowid, title, text FROM measures WHERE doc_id = ?", [document["id"]]
                )
            ],
        )
    conn.execute("COMMIT")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
