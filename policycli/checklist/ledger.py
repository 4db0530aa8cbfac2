"""The ledger (台账): one row per measure × responsible unit (× period, for a recurring measure:
each period that counts on the day of the export), for export."""

from __future__ import annotations

from datetime import date

from policycli.checklist.lookup import part_filters
from policycli.checklist.periods import counted_sql
from policycli.checklist.status import status_changes
from policycli.kinds import (
    KIND_LABELS,
    KINDS_SQL,
    ROLE_LABELS,
    STATUS_LABELS,
    UNASSIGNED_LABEL,
)
from policycli.store import Database

LEDGER_FIELDS = (
    "doc",
    "doc_title",
    "doc_number",
    "id",
    "number",
    "kind",
    "title",
    "text",
    "agency",
    "role",
    "period",  # a recurring measure's period ("2022", "2022-Q3"); None for others
    "status",
    "note",
    "evidence",
    "by",
    "at",
    "due",
    "source_file",
    "line_first",
    "line_last",
    "correction",  # what the coordinator corrected: the unit given, the due date set (by whom, when)
    "done_on",  # 完成时间: the date the part was finished, as a returned ledger gave it
    "key",  # the row's key for a returned ledger (returns.py): [measure, agency, period, version, batch]
)

# The row's version: the last change of the part's status (a mark or an undo), 0 for none. A returned
# ledger's row whose part has changed since is a conflict, not an update (returns.py).
VERSION_SQL = f"""coalesce((SELECT max(e.id) FROM events e WHERE e.measure_id = a.measure_id
    AND e.agency = a.agency AND e.period = {{period}} AND {status_changes("e")}), 0)"""

# the correction behind the part and the date:
# "指定责任单位（王五 2026-11-29）；更正截止日期（王五 2026-11-29）"
_CORRECTION_SQL = """nullif(trim(
    coalesce((SELECT '指定责任单位（' || c.by || ' ' || substr(c.at, 1, 10) || '）'
              FROM corrections c WHERE c.id = a.corrected_by AND c.action = 'assign'), '') || '；' ||
    coalesce((SELECT '更正截止日期（' || c.by || ' ' || substr(c.at, 1, 10) || '）'
              FROM corrections c WHERE c.id = m.corrected_by), ''), '；'), '')"""


def ledger(
    db: Database,
    today: date,
    agency: str | None = None,
    doc: str | None = None,
    include_obsolete: bool = False,
) -> list[dict]:
    """One row per measure × responsible unit (× period that counts `today`): the 台账 an office prints."""
    return [
        dict(zip(LEDGER_FIELDS, r, strict=True))
        for r in ledger_rows(db, today, agency, doc, include_obsolete)
    ]


def ledger_rows(
    db: Database,
    today: date,
    agency: str | None = None,
    doc: str | None = None,
    include_obsolete: bool = False,
    for_csv: bool = False,
):
    """The ledger as a cursor of tuples in LEDGER_FIELDS order (streamed: 100k rows need no memory).

    `for_csv`: one column instead, the whole CSV line as UTF-8 bytes, its cells as the spreadsheet
    shows them (Chinese kinds, roles and statuses, 未指定责任单位 for no unit, times in the user's zone);
    see render.csv_line_sql.
    """
    where = [f"m.kind IN ({KINDS_SQL})"]
    params: list = []
    filters, more = part_filters(db, doc, agency)
    where += filters
    params += more
    if not include_obsolete:
        where += ["m.obsolete = 0", "a.obsolete = 0"]
    counted = counted_sql(today)
    where.append(counted.condition)
    # the last batch of measure moves at export: a revision loaded later may renumber the measures
    # (returns.py follows a key's measure through the moves of later batches)
    (batch,) = db.conn.execute("SELECT coalesce(max(batch), 0) FROM measure_moves").fetchone()
    columns = [
        "d.id",
        "d.title",
        "d.doc_number",
        "m.id",
        "m.number",
        "m.kind",
        "m.title",
        "m.text",
        "a.agency",
        "a.role",
        f"nullif({counted.label}, '')",
        "coalesce(p.status, 'todo')",
        "p.note",
        "p.evidence",
        "p.by",
        "p.at",
        counted.due,
        "d.source_file",
        "m.line_first",
        "m.line_last",
        _CORRECTION_SQL,
        "p.done_on",
        f"json_array(m.id, a.agency, {counted.label}, {VERSION_SQL.format(period=counted.label)}, {batch})",
    ]
    if for_csv:
        from policycli.render import csv_line_sql
        from policycli.timezone import sql_local_time

        def labels(mapping: dict[str, str]) -> str:
            return " ".join(f"WHEN '{key}' THEN '{label}'" for key, label in mapping.items())

        # as views shows them: Chinese kinds, roles and statuses, the one label for no unit, and the
        # time in the user's zone as "YYYY-MM-DD HH:MM:SS" (Excel reads it as a date and time)
        columns[5] = f"(CASE m.kind {labels(KIND_LABELS)} ELSE m.kind END)"
        columns[8] = f"(CASE WHEN a.agency = '' THEN '{UNASSIGNED_LABEL}' ELSE a.agency END)"
        columns[9] = f"(CASE a.role {labels(ROLE_LABELS)} ELSE a.role END)"
        columns[11] = f"(CASE coalesce(p.status, 'todo') {labels(STATUS_LABELS)} ELSE p.status END)"
        columns[15] = sql_local_time(db.conn, "p.at")
        columns = [csv_line_sql(columns)]
    # One agency's ledger starts from its index on assignments. The whole ledger walks measures in
    # due order (CROSS JOIN fixes the order of the loops): left to itself, SQLite's planner drives it
    # from the assignments index instead and sorts 100k whole rows, 1.5x slower. Each line is written
    # as it is read; only the lines of one due date are sorted among themselves.
    # Measured at 1M measures (4.4M lines, 3 GB; CPU seconds, user + sys): this plan 67 s; the tables
    # read in their stored order (no random page reads) and the lines sorted by SQLite 69 s (its
    # sorter writes and reads the 3 GB through temporary files, several times over), 67 s with 32 MB
    # for the sorter (96 MB peak); a larger page cache for this plan, no change. Reading in stored
    # order without any sort, the least this could cost, is 55 s, and grows from 100k as much
    # (x10.6) as this plan does (x10.3).
    measures_first = "measures m CROSS JOIN assignments a ON a.measure_id = m.id"
    assignments_first = "assignments a JOIN measures m ON m.id = a.measure_id"
    sql = f"""
        SELECT {", ".join(columns)}
        FROM {assignments_first if agency else measures_first} JOIN documents d ON d.id = m.doc_id
        {counted.join}
        LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency
             AND p.period = {counted.label}
        WHERE {" AND ".join(where)}
        ORDER BY m.due NULLS LAST, m.doc_id, m.seq, a.seq, occ.key
    """
    return db.conn.execute(sql, params)
