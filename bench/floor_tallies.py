"""What the floors of stats, remind, report and the title of `tasks --agency` read: the counts
policy keeps in step with every write (migration m015, policycli/tallies.py), as issue 17 allows
("the floor script then reads the same tables"), and the recurring measures' periods, which no
stored count can hold as they change with the day. Plain Python + sqlite3, nothing from policycli.

- tally(scope, key, kind, bucket, n): per agency ('agency') and per document ('doc'), parts by
  status (kind 'state') and open parts by due year / month / day;
- pair_tally(doc_id, agency, undated, within, late): open parts per document and unit, due within
  the document's term or after it;
- doc_measures(doc_id, measures, finished): whole measures per document.
"""

from __future__ import annotations

import json
from datetime import date

from floor_common import FINISHED, FINISHED_SQL, KINDS_SQL, periods_in_view


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
    measure in each period that counts on `day`."""
    current = f"m.obsolete = 0 AND m.kind IN ({KINDS_SQL}) AND m.recurrence IS NOT NULL"
    found: dict[str, list] = {}
    if names is None:
        rows = conn.execute(
            f"""SELECT m.id, m.doc_id, m.seq, m.recurrence, m.due_info, a.agency
                FROM measures m CROSS JOIN assignments a ON a.measure_id = m.id
                WHERE a.obsolete = 0 AND {current}"""
        )
    else:
        rows = conn.execute(
            f"""SELECT m.id, m.doc_id, m.seq, m.recurrence, m.due_info, a.agency
                FROM assignments a JOIN measures m ON m.id = a.measure_id
                WHERE a.agency IN ({", ".join("?" * len(names))}) AND a.obsolete = 0 AND a.due IS NULL
                      AND {current}""",
            names,
        )
    for measure, doc, seq, recurrence, due_info, agency in rows:
        found.setdefault(measure, [doc, seq, recurrence, due_info, []])[4].append(agency)
    statuses: dict[tuple, str] = {}
    ids = list(found)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for measure, agency, period, status in conn.execute(
            f"SELECT measure_id, agency, period, status FROM progress "
            f"WHERE measure_id IN ({', '.join('?' * len(chunk))}) AND period != ''",
            chunk,
        ):
            statuses[(measure, agency, period)] = status
    out = []
    for measure, (doc, seq, recurrence, due_info, agencies) in found.items():
        periods = periods_in_view(recurrence, due_info, day)
        for agency in agencies:
            for label, due in periods:
                out.append(
                    (agency, measure, doc, seq, label, due, statuses.get((measure, agency, label), "todo"))
                )
    return out


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
