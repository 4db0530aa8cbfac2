"""Floor for `policy load DIR`: the same measures and parts into a fresh database with stdlib
executemany in one transaction (the schema is policy's own, created by connecting once; the counts
of m015_tallies are kept by their triggers, row by row, where policy counts a document once).

Less work than policy's load: no search index of characters and pairs (m016, search.py), no
identity matching of revised measures, no validation. bench/run.py's check says so; the ratio is
an upper bound on what policy adds."""

import json
import sqlite3
import sys
from pathlib import Path


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
    conn.execute("COMMIT")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
