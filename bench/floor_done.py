"""Floor for `policy done ID --agency NAME` on a measure that does not recur: the rows policy writes,
with plain sqlite3 in one write transaction (BEGIN IMMEDIATE, as policy), and its message.

    python bench/floor_done.py DB MEASURE_ID AGENCY

policy/checklist/marking.py records a mark as: the part's row in `progress` upserted (status,
note, evidence, by, at, done_on) and one `events` row (action 'mark', the status, note, evidence
and completion date before and after, by, at), after reading the part's current row (a part
already done records nothing). The floor does those reads and writes: it checks that the agency
has a current part of the measure, reads the part's row, writes both rows and commits.

The counts policy keeps for stats and remind (m015_tallies) are kept in step by triggers, which
fire for these writes too: the floor's writes cost what policy's do.
"""

from __future__ import annotations

import getpass
import sqlite3
import sys
from datetime import UTC, datetime


def main(db: str, measure_id: str, agency: str) -> None:
    by = getpass.getuser()
    at = datetime.now(UTC).isoformat(timespec="seconds")
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("BEGIN IMMEDIATE")
    part = [measure_id, agency, ""]
    if not conn.execute(
        "SELECT 1 FROM assignments WHERE measure_id = ? AND agency = ? AND obsolete = 0", part[:2]
    ).fetchone():
        conn.execute("ROLLBACK")
        sys.exit(f"{measure_id}: {agency} has no part of it")
    before = conn.execute(
        "SELECT status, note, evidence, done_on FROM progress "
        "WHERE measure_id = ? AND agency = ? AND period = ?",
        part,
    ).fetchone()
    old = before or (None, None, None, None)
    if before is not None and before[0] == "done":  # with no note given, a done part stays as it is
        conn.execute("COMMIT")
        print(f"{measure_id} [{agency}]: already done; nothing recorded", file=sys.stderr)
        return
    conn.execute(
        "INSERT INTO progress (measure_id, agency, period, status, note, evidence, by, at, done_on) "
        "VALUES (?, ?, ?, 'done', NULL, NULL, ?, ?, NULL) "
        "ON CONFLICT (measure_id, agency, period) DO UPDATE SET status = excluded.status, "
        "note = excluded.note, evidence = excluded.evidence, by = excluded.by, at = excluded.at, "
        "done_on = excluded.done_on",
        [*part, by, at],
    )
    conn.execute(
        "INSERT INTO events (measure_id, agency, period, action, before_status, after_status, "
        "before_note, before_evidence, before_done_on, note, evidence, done_on, by, at) "
        "VALUES (?, ?, ?, 'mark', ?, 'done', ?, ?, ?, NULL, NULL, NULL, ?, ?)",
        [*part, *old, by, at],
    )
    conn.execute("COMMIT")
    print(f"{measure_id} [{agency}]: {old[0] or 'todo'} → done", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:4])
