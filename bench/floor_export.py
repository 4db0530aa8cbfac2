"""Floor for `policy export --format csv` (the whole ledger to stdout): the same CSV bytes with plain
sqlite3, each line rendered by SQLite's printf (%w doubles quotes: CSV's escaping) and written by
Python as it comes — the fastest plain way we know (fetching the 23 cells into Python and writing
them with the csv module took twice as long at 100k measures).

    python bench/floor_export.py DB

The work, as policy defines it: one row per current part (measure × responsible unit; a recurring
measure's once per period that counts today) in due-date order, 23 columns — the document, the
measure, the unit, its role, the period, the status and what was recorded with it (time in
Asia/Shanghai), the due date, the source lines, the corrections behind the unit and the date, the
completion date, and the row key `policy import` reads ([measure, unit, period, version = the last
status change's event id, the last batch of measure moves]). Cells a spreadsheet would run as a
formula (= + - @ tab CR LF, past any control) get a leading apostrophe; every cell is quoted; a BOM
and CRLF, for Excel.
"""

from __future__ import annotations

import sys

from floor_common import (
    KINDS_SQL,
    STATUS_LABELS,
    UNASSIGNED_LABEL,
    connect,
    in_view_sql,
    period_label_sql,
    today,
)

HEADER = (
    "文件编号 文件名称 文号 措施编号 序号 类别 措施 内容 责任单位 角色 期次 状态 备注 佐证 更新人 更新时间 "
    "截止日期 来源文件 起始行 结束行 更正 完成时间 行键"
).split()
KIND_LABELS = {
    "task": "任务",
    "target": "目标",
    "indicator": "指标",
    "safeguard": "保障措施",
    "section": "章节",
}
ROLE_LABELS = {"lead": "牵头", "co": "配合", "unspecified": ""}
FORMULA_START = [ord(c) for c in "=+-@\t\r\n"]
SKIPPED = [
    *range(1, 9),
    11,
    12,
    *range(14, 32),
    *range(0x7F, 0xA0),
    0x61C,
    0x200E,
    0x200F,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
]


def cases(mapping: dict[str, str], column: str) -> str:
    return (
        f"(CASE {column} "
        + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
        + f" ELSE {column} END)"
    )


def safe(expression: str) -> str:
    """The cell with a leading apostrophe if a spreadsheet would read a formula in it."""
    starts = ", ".join(map(str, FORMULA_START))
    skipped = ", ".join(map(str, SKIPPED))
    return (
        f"(CASE WHEN unicode({expression}) IN ({starts}, {skipped}) AND "
        f"unicode(ltrim({expression}, char({skipped}))) IN ({starts}) THEN '''' || {expression} "
        f"ELSE {expression} END)"
    )


def main(db: str) -> None:
    conn = connect(db)
    label = f"(CASE WHEN m.recurrence IS NULL THEN '' ELSE {period_label_sql()} END)"
    changes = "(e.action = 'mark' OR (e.action = 'undo' AND e.detail IS NULL))"
    (batch,) = conn.execute("SELECT coalesce(max(batch), 0) FROM measure_moves").fetchone()
    columns = [
        "d.id",
        "d.title",
        "d.doc_number",
        "m.id",
        "m.number",
        cases(KIND_LABELS, "m.kind"),
        "m.title",
        "m.text",
        f"(CASE WHEN a.agency = '' THEN '{UNASSIGNED_LABEL}' ELSE a.agency END)",
        cases(ROLE_LABELS, "a.role"),
        f"nullif({label}, '')",
        cases(STATUS_LABELS, "coalesce(p.status, 'todo')"),
        "p.note",
        "p.evidence",
        "p.by",
        "coalesce(strftime('%Y-%m-%d %H:%M:%S', p.at, '+480 minutes'), p.at)",  # Asia/Shanghai
        "(CASE WHEN m.recurrence IS NULL THEN m.due ELSE occ.value END)",
        "d.source_file",
        "m.line_first",
        "m.line_last",
        """nullif(trim(
            coalesce((SELECT '指定责任单位（' || c.by || ' ' || substr(c.at, 1, 10) || '）'
                      FROM corrections c WHERE c.id = a.corrected_by AND c.action = 'assign'), '') || '；' ||
            coalesce((SELECT '更正截止日期（' || c.by || ' ' || substr(c.at, 1, 10) || '）'
                      FROM corrections c WHERE c.id = m.corrected_by), ''), '；'), '')""",
        "p.done_on",
        f"""json_array(m.id, a.agency, {label}, coalesce((SELECT max(e.id) FROM events e
                WHERE e.measure_id = a.measure_id AND e.agency = a.agency AND e.period = {label}
                AND {changes}), 0), {int(batch)})""",
    ]
    line = (
        "CAST(printf('"
        + ",".join('"%w"' for _ in columns)
        + "', "
        + ", ".join(f"coalesce({safe(c)}, '')" for c in columns)
        + ") AS BLOB)"
    )
    rows = conn.execute(
        f"""SELECT {line}
            FROM measures m CROSS JOIN assignments a ON a.measure_id = m.id
            JOIN documents d ON d.id = m.doc_id
            LEFT JOIN json_each(CASE WHEN m.recurrence IS NOT NULL THEN m.due_info END, '$.occurrences') occ
            LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency AND p.period = {label}
            WHERE m.kind IN ({KINDS_SQL}) AND m.obsolete = 0 AND a.obsolete = 0
              AND (m.recurrence IS NULL OR {in_view_sql(today())})
            ORDER BY m.due NULLS LAST, m.doc_id, m.seq, a.seq, occ.key"""
    )
    out = sys.stdout.buffer
    out.write(("\ufeff" + ",".join(f'"{h}"' for h in HEADER) + "\r\n").encode())
    while lines := rows.fetchmany(2000):
        out.write(b"\r\n".join(r[0] for r in lines) + b"\r\n")
    out.flush()


if __name__ == "__main__":
    main(sys.argv[1])
