"""Floor for `policy done ID --agency A`: one stdlib sqlite3 UPDATE (an upsert) and commit."""

import sqlite3
import sys


def main(db: str, measure_id: str, agency: str) -> None:
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO progress (measure_id, agency, status, at) VALUES (?, ?, 'done', datetime('now')) "
        "ON CONFLICT (measure_id, agency, period) DO UPDATE SET status = 'done', at = excluded.at",
        [measure_id, agency],
    )
    conn.commit()


if __name__ == "__main__":
    main(*sys.argv[1:4])
