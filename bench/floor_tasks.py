"""Floor for `policy tasks` — an agency's open measures (--agency), every open measure (no filter),
what a search finds (--search) — with plain sqlite3: the same rows in the same order, printed as a
rich table of the 100 most urgent (for an agency with its title line, the open and overdue counts)
or as JSON (every row, the same fields).

    python bench/floor_tasks.py DB [--agency NAME] [--search WORDS] [--format table|json]

The work, as policy defines it: measures that do not recur, read in due-date order (an agency's
through its assignments) and kept while open (an agency's own part not done or n/a; else the whole
measure's status, from all its parts), up to the 101st for a table; then every period of a
recurring measure that counts today (those already due and the open one), one row each with that
period's statuses; all merged by (due, document, order, period).
"""

from __future__ import annotations

import json
import sys

from floor_common import (
    FINISHED,
    FINISHED_SQL,
    KINDS_SQL,
    STATUS_LABELS,
    TABLE_LIMIT,
    UNASSIGNED_LABEL,
    connect,
    console,
    days_left,
    deadline_status,
    json_out,
    overall_status,
    period_display,
    periods_in_view,
    progress_text,
    today,
)
from floor_tallies import due_before

# Each measure's current parts in the document's order, with their status (no period): [[agency, status], …]
PARTS = """(SELECT json_group_array(json_array(a.agency, coalesce(p.status, 'todo')))
            FROM (SELECT measure_id, agency FROM assignments WHERE measure_id = m.id AND obsolete = 0
                  ORDER BY seq) a
            LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency AND p.period = '')"""
COLUMNS = "m.id, m.doc_id, m.number, m.kind, m.title, m.text, m.due, m.seq"
OPEN = f"NOT IN ({FINISHED_SQL})"


def search_conditions(words: str | None) -> tuple[list[str], list]:
    """The search as SQL over `m`: every term by LIKE on the title and text, the plain way (policy
    narrows the measures through its index of characters and pairs first: search.py, m016)."""
    where: list[str] = []
    params: list = []
    for term in (words or "").split():
        like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append("(m.title LIKE ? ESCAPE '\\' OR m.text LIKE ? ESCAPE '\\')")
        params += [like, like]
    return where, params


def row(record, day, parts, due, period=None, own=None, agency_mode=False) -> tuple[tuple, dict]:
    """(sort key, JSON record) of one listed row."""
    id_, doc, number, kind, title, text, _, seq = record[:8]
    statuses = [s for _, s in parts]
    status = overall_status(statuses)
    item = {
        "id": id_,
        "doc": doc,
        "number": number,
        "kind": kind,
        "title": title,
        "text": text,
        "agencies": [a for a, _ in parts if a],
        "status": status,
        "progress": progress_text(statuses),
        "due": due,
        "deadline": deadline_status(own if agency_mode else status, due, day),
        "days_left": days_left(due, day),
        "period": period,
    }
    if agency_mode:
        item["agency_status"] = own
        item["via"] = None
    return (due is None, due or "", doc, seq, period or ""), item


def recurring(conn, sql: str, params: list, day, agency: str | None) -> list[tuple[tuple, dict]]:
    """The open rows of the recurring measures `sql` selects (COLUMNS, m.recurrence, m.due_info):
    one per period that counts today, judged by the agency's own part (or the whole measure)."""
    measures = conn.execute(sql, params).fetchall()
    parts: dict[str, list[str]] = {}
    recorded: dict[tuple[str, str, str], str] = {}
    ids = [r[0] for r in measures]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for measure_id, unit in conn.execute(
            f"SELECT measure_id, agency FROM assignments WHERE measure_id IN ({marks}) AND obsolete = 0 "
            "ORDER BY measure_id, seq",
            chunk,
        ):
            parts.setdefault(measure_id, []).append(unit)
        for measure_id, unit, period, status in conn.execute(
            f"SELECT measure_id, agency, period, status FROM progress WHERE measure_id IN ({marks})", chunk
        ):
            recorded[(measure_id, unit, period)] = status
    out = []
    for record in measures:
        id_, recurrence, due_info = record[0], record[8], record[9]
        units = parts.get(id_, [])
        for label, due in periods_in_view(recurrence, due_info, day):
            statuses = [(u, recorded.get((id_, u, label), "todo")) for u in units]
            if agency is None:
                if overall_status([s for _, s in statuses]) in FINISHED:
                    continue
                out.append(row(record, day, statuses, due, label))
            else:
                own = recorded.get((id_, agency, label), "todo")
                if own in FINISHED:
                    continue
                out.append(row(record, day, statuses, due, label, own, agency_mode=True))
    return out


def agency_rows(conn, agency, where, params, day, limit):
    """An agency's open rows through its assignments' (agency, obsolete, due) index."""
    base = (
        f"FROM assignments own JOIN measures m ON m.id = own.measure_id LEFT JOIN progress op "
        f"ON op.measure_id = own.measure_id AND op.agency = own.agency AND op.period = '' "
        f"WHERE own.agency = ? AND own.obsolete = 0 AND coalesce(op.status, 'todo') {OPEN} "
        f"AND m.recurrence IS NULL AND {' AND '.join(where)}"
    )
    select = f"SELECT {COLUMNS}, {PARTS}, coalesce(op.status, 'todo') {base}"
    cut = f" LIMIT {limit}" if limit else ""
    records = conn.execute(
        f"{select} AND own.due IS NOT NULL ORDER BY own.due, m.doc_id, m.seq{cut}", [agency, *params]
    ).fetchall()
    if not limit or len(records) < limit:
        more = f" LIMIT {limit - len(records)}" if limit else ""
        records += conn.execute(
            f"{select} AND own.due IS NULL ORDER BY m.doc_id, m.seq{more}", [agency, *params]
        ).fetchall()
    rows = [row(r, day, json.loads(r[8]), r[6], None, r[9], agency_mode=True) for r in records]
    periodic = recurring(
        conn,
        f"SELECT {COLUMNS}, m.recurrence, m.due_info FROM assignments own JOIN measures m "
        f"ON m.id = own.measure_id WHERE own.agency = ? AND own.obsolete = 0 AND own.due IS NULL "
        f"AND m.recurrence IS NOT NULL AND {' AND '.join(where)}",
        [agency, *params],
        day,
        agency,
    )
    return rows + periodic, periodic, base


def all_rows(conn, where, params, day, limit):
    """Every open measure (or a search's) in due-date order through the measures' due index."""
    select = f"SELECT {COLUMNS}, {PARTS} FROM measures m WHERE {' AND '.join(where)} AND m.recurrence IS NULL"
    rows = []
    for condition in (
        "m.due IS NOT NULL ORDER BY m.due, m.doc_id, m.seq",
        "m.due IS NULL ORDER BY m.doc_id, m.seq",
    ):
        if limit and len(rows) >= limit:
            break
        for record in conn.execute(f"{select} AND {condition}", params):
            parts = json.loads(record[8])
            if overall_status([s for _, s in parts]) in FINISHED:
                continue
            rows.append(row(record, day, parts, record[6]))
            if limit and len(rows) >= limit:
                break
    rows += recurring(
        conn,
        f"SELECT {COLUMNS}, m.recurrence, m.due_info FROM measures m WHERE {' AND '.join(where)} "
        "AND m.recurrence IS NOT NULL",
        params,
        day,
        None,
    )
    return rows


def title_counts(conn, agency: str, day) -> tuple[int, int]:
    """The agency's open parts of measures that do not recur, and how many are overdue: from the
    tallies policy keeps (floor_tallies.py), as issue 17 allows."""
    (count,) = conn.execute(
        "SELECT coalesce(sum(n), 0) FROM tally WHERE scope = 'agency' AND kind = 'state' AND key = ? "
        f"AND bucket NOT IN ({FINISHED_SQL})",
        [agency],
    ).fetchone()
    return count, due_before(conn, "agency", agency, day.isoformat())


def table(items: list[dict], agency: str | None, title: str | None) -> None:
    from rich.table import Table
    from rich.text import Text

    out = console()
    if title:
        out.print(Text(title))
    grid = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    periods = any(i["period"] for i in items)
    grid.add_column("编号", no_wrap=True)
    if periods:
        grid.add_column("期次", no_wrap=True)
    grid.add_column("措施", overflow="fold", ratio=3)
    if not agency:
        grid.add_column("责任单位", overflow="fold", ratio=2)
    grid.add_column("本单位" if agency else "状态", no_wrap=True)
    grid.add_column("进度", justify="right", no_wrap=True)
    grid.add_column("截止", no_wrap=True)
    marks = {"overdue": "\n逾期", "due soon": "\n将到期"}
    for i in items:
        cells = [i["id"]] + ([period_display(i["period"])] if periods else []) + [i["title"] or ""]
        if not agency:
            cells.append("、".join(i["agencies"]) or UNASSIGNED_LABEL)
        cells.append(STATUS_LABELS.get(i["agency_status"] if agency else i["status"], ""))
        cells += [i["progress"], (i["due"] or "") + marks.get(i["deadline"], "")]
        grid.add_row(*(Text(c) for c in cells))
    out.print(grid)


def main(argv: list[str]) -> None:
    db, options = argv[0], dict(zip(argv[1::2], argv[2::2], strict=True))
    agency, fmt = options.get("--agency"), options.get("--format", "table")
    conn = connect(db)
    day = today()
    searched, params = search_conditions(options.get("--search"))
    where = [f"m.kind IN ({KINDS_SQL})", "m.obsolete = 0", *searched]
    limit = TABLE_LIMIT + 1 if fmt == "table" else None
    if agency:
        rows, periodic, base = agency_rows(conn, agency, where, params, day, limit)
    else:
        rows = all_rows(conn, where, params, day, limit)
    rows.sort(key=lambda r: r[0])
    items = [item for _, item in rows]
    if fmt == "json":
        json_out(items)
        return
    title = None
    if agency:  # the title line: open parts, and how many are overdue
        count, late = title_counts(conn, agency, day)
        count += len(periodic)
        late += sum(1 for _, item in periodic if item["due"] < day.isoformat())
        title = f"{agency} · {count} 项未完成，其中逾期 {late}"
    if len(items) > TABLE_LIMIT:
        of = f" of {count}" if agency else ""
        print(
            f"showing the {TABLE_LIMIT} most urgent{of}; --limit 0 shows all, --format csv exports them",
            file=sys.stderr,
        )
    if items:
        table(items[:TABLE_LIMIT], agency, title)
    else:
        print("no matching measures", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
