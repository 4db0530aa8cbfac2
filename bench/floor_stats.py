"""Floor for `policy stats` (table or JSON): progress per agency and per document with plain sqlite3.

    python bench/floor_stats.py DB [--format table|json]

The work, as policy defines it: every current part (measure × responsible unit) of a current
measure — a recurring measure's once per period that counts today — is done (done or n/a), doing,
blocked, and overdue when not done and due before today. Per agency: the parts and those counts,
most parts first. Per document (in order of issue): its parts and counts, and its whole measures
(those with a part) and how many are done (every part done).

The parts of measures that do not recur are counted from the tallies policy keeps in step with
every write (tables tally and doc_measures, see floor_tallies.py), as issue 17 allows.
"""

from __future__ import annotations

import sys

from floor_common import (
    FINISHED,
    STATUS_LABELS,
    UNASSIGNED_JSON,
    UNASSIGNED_LABEL,
    connect,
    console,
    json_out,
    today,
)
from floor_tallies import due_before, recurring_parts, state_counts


def counts(conn, day) -> tuple[list[tuple], list[tuple]]:
    """(per agency: agency, parts, done, doing, blocked, overdue — most parts first;
    per document: id, title, measures, measures done, parts, done, doing, blocked, overdue — in
    order of issue): the parts of measures that do not recur from the tallies policy keeps
    (floor_tallies), the recurring measures' periods that count today from period_parts."""
    iso = day.isoformat()
    agencies: dict[str, list[int]] = {}
    documents: dict[str, list[int]] = {}
    recurring: dict[str, list] = {}
    for agency, measure, doc, _, _, due, status in recurring_parts(conn, day):
        finished = status in FINISHED
        values = (1, finished, status == "doing", status == "blocked", not finished and due < iso)
        for row in (agencies.setdefault(agency, [0] * 5), documents.setdefault(doc, [0] * 5)):
            for k, value in enumerate(values):
                row[k] += value
        whole = recurring.setdefault(measure, [doc, True])
        whole[1] = whole[1] and finished
    for scope, rows in (("agency", agencies), ("doc", documents)):
        for key, numbers in state_counts(conn, scope).items():
            row = rows.setdefault(key, [0] * 5)
            for k, value in enumerate(numbers):
                row[k] += value
            row[4] += due_before(conn, scope, key, iso)
    whole = {
        doc: [n, done] for doc, n, done in conn.execute("SELECT doc_id, measures, finished FROM doc_measures")
    }
    for doc, finished in recurring.values():
        row = whole.setdefault(doc, [0, 0])
        row[0] += 1
        row[1] += finished
    by_agency = sorted(
        ((name, *row) for name, row in agencies.items() if row[0]), key=lambda r: (-r[1], r[0])
    )
    by_document = []
    for doc, title in conn.execute(
        "SELECT id, title FROM documents WHERE obsolete = 0 ORDER BY issued_on IS NULL, issued_on, id"
    ):
        row = documents.get(doc, [0] * 5)
        by_document.append((doc, title, *whole.get(doc, [0, 0]), *row))
    return by_agency, by_document


def percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def bar(done: int, total: int) -> str:
    filled = max(1, round(8 * done / total)) if total and done else 0
    return "█" * filled + "░" * (8 - filled) + f" {percent(done, total):>3}%"


def json_data(agencies: list[tuple], documents: list[tuple]) -> dict:
    """The counts as `policy stats --format json` gives them."""
    return {
        "agencies": [
            {
                "agency": agency or UNASSIGNED_JSON,
                "total": total,
                "done": done,
                "doing": doing,
                "blocked": blocked,
                "overdue": late,
                "percent": percent(done, total),
            }
            for agency, total, done, doing, blocked, late in agencies
        ],
        "documents": [
            {
                "doc": doc,
                "title": title,
                "total": measures,
                "done": finished,
                "parts": parts,
                "parts_done": done,
                "parts_doing": doing,
                "parts_blocked": blocked,
                "parts_overdue": late,
                "percent": percent(done, parts),
            }
            for doc, title, measures, finished, parts, done, doing, blocked, late in documents
        ],
    }


def main(argv: list[str]) -> None:
    db, options = argv[0], dict(zip(argv[1::2], argv[2::2], strict=True))
    agencies, documents = counts(connect(db), today())
    if options.get("--format", "table") == "json":
        json_out(json_data(agencies, documents))
        return
    from rich.table import Table
    from rich.text import Text

    out = console()
    headers = [STATUS_LABELS["done"], STATUS_LABELS["doing"], STATUS_LABELS["blocked"], "逾期"]
    by_agency = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    by_agency.add_column("责任单位", overflow="fold")
    for header in ("分项", *headers):
        by_agency.add_column(header, justify="right", no_wrap=True)
    by_agency.add_column("完成率", no_wrap=True)
    for agency, total, done, doing, blocked, late in agencies:
        cells = [agency or UNASSIGNED_LABEL, *map(str, (total, done, doing, blocked, late)), bar(done, total)]
        by_agency.add_row(*(Text(c) for c in cells))
    by_document = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    by_document.add_column("文件", no_wrap=True)
    by_document.add_column("标题", overflow="fold")
    for header in ("分项", *headers):
        by_document.add_column(header, justify="right", no_wrap=True)
    by_document.add_column("完成率", no_wrap=True)
    for doc, title, _, _, parts, done, doing, blocked, late in documents:
        cells = [doc, title or "", *map(str, (parts, done, doing, blocked, late)), bar(done, parts)]
        by_document.add_row(*(Text(c) for c in cells))
    out.print(Text("按责任单位"))
    out.print(by_agency)
    out.print()
    out.print(Text("按文件"))
    out.print(by_document)


if __name__ == "__main__":
    main(sys.argv[1:])
