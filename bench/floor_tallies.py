"""What the floors of stats, remind, report and the title of `tasks --agency` read: the counts
policy keeps in step with every write (migration m015, policycli/tallies.py), as issue 17 allows
("the floor script then reads the same tables"), and the recurring measures' parts per period,
each with the day from which it counts (period_parts, migration m019: policycli/period_parts.py).
Plain Python + sqlite3, nothing from policycli.

- tally(scope, key, kind, bucket, n): per agency ('agency') and per document ('doc'), parts by
  status (kind 'state') and open parts by due year / month / day;
- pair_tally(doc_id, agency, undated, within, late): open parts per document and unit, due within
  the document's term or after it;
- doc_measures(doc_id, measures, finished): whole measures per document;
- period_parts(measure_id, agency, due, period, shown_after, doc_id, seq, status): a period counts
  on the days after shown_after (the occurrence before it).
"""

from __future__ import annotations

import json
from datetime import date

from floor_common import FINISHED, FINISHED_SQL, KINDS_SQL


def due_before(conn, scope: str, key: str, day: str) -> int:
    """Open parts of `key` due before `day`: whole years, then months of its year, then days of
    its month — three range reads of the primary key."""
    year, month = day[:4], day[:7]
    total = 0
    for kind, low, high in (("year", "", year), ("month", f"{year}-01", month), ("day", f"{month}-01", day)):
        (n,) = conn.execute(
            "SELECT coalesce(sum(n), 0) FROM tally WHERE scope = ? AND kind = ? AND key = ? "
            "AND bucket >= ? AND bucket < ?",
            [scope, kind, key, low, high],
        ).fetchone()
        total += n
    return total


def state_counts(conn, scope: str) -> dict[str, list[int]]:
    """{key: [parts, done, doing, blocked]} of measures that do not recur."""
    out = {}
    for key, bucket, n in conn.execute(
        "SELECT key, bucket, n FROM tally WHERE scope = ? AND kind = 'state'", [scope]
    ):
        row = out.setdefault(key, [0, 0, 0, 0])
        row[0] += n
        if bucket in FINISHED:
            row[1] += n
        elif bucket == "doing":
            row[2] += n
        elif bucket == "blocked":
            row[3] += n
    return out


def recurring_parts(conn, day: date, names: list[str] | None = None) -> list[tuple]:
    """(agency, measure, doc, seq, period label, due, status) of each part of a current recurring
    measure in each period that counts on `day`: the rows of period_parts (m019) whose previous
    occurrence is before the day."""
    chosen = "" if names is None else f" AND agency IN ({', '.join('?' * len(names))})"
    return conn.execute(
        "SELECT agency, measure_id, doc_id, seq, period, due, status FROM period_parts "
        f"WHERE shown_after < ?{chosen}",
        [day.isoformat(), *(names or [])],
    ).fetchall()


def open_once_parts(conn, agency: str, low: str | None, high: str, left_out: list[str], limit: int):
    """(agency, measure, due, '', doc, seq) of the agency's `limit` most urgent open parts of
    measures that do not recur, due in [low, high), of documents not `left_out`."""
    bounds = ("a.due >= ? AND " if low else "") + "a.due < ?"
    return conn.execute(
        f"""SELECT a.agency, m.id, a.due, '', m.doc_id, m.seq FROM assignments a
            JOIN measures m ON m.id = a.measure_id JOIN documents d ON d.id = m.doc_id
            LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency AND p.period = ''
            WHERE a.agency = ? AND a.obsolete = 0 AND m.obsolete = 0 AND m.kind IN ({KINDS_SQL})
              AND m.recurrence IS NULL AND coalesce(p.status, 'todo') NOT IN ({FINISHED_SQL})
              AND d.id NOT IN (SELECT value FROM json_each(?)) AND {bounds}
            ORDER BY a.due, m.doc_id, m.seq LIMIT {int(limit)}""",
        [agency, json.dumps(left_out, ensure_ascii=False), *([low] if low else []), high],
    ).fetchall()
