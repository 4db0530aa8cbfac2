"""What is overdue or falls due soon, per agency — for cron — and the same dates as a calendar."""

from __future__ import annotations

import heapq
import json
from datetime import date, timedelta

from policycli.checklist import agency_condition, days_left
from policycli.checklist.lookup import part_filters
from policycli.checklist.periods import counted_sql
from policycli.errors import BadInput
from policycli.kinds import FINISHED_SQL, KINDS_SQL, UNASSIGNED_LABEL, rule_label, status_label
from policycli.store import Database


def _open_from(today: date, rows: str, by_document: bool = False) -> str:
    """The parts of measures with their document and progress; `rows` (periods.counted_sql): of
    measures that do not recur ("once"), or of recurring ones, once per period that counts today
    ("periodic": `occ.value` is the period's due date). `by_document`: read document by document
    (CROSS JOIN keeps that order), for a question about a few documents."""
    counted = counted_sql(today, rows)
    tables = (
        "documents d CROSS JOIN measures m ON m.doc_id = d.id CROSS JOIN assignments a ON a.measure_id = m.id"
        if by_document
        else "assignments a JOIN measures m ON m.id = a.measure_id JOIN documents d ON d.id = m.doc_id"
    )
    return (
        f"FROM {tables} {counted.join} LEFT JOIN progress p ON p.measure_id = a.measure_id "
        f"AND p.agency = a.agency AND p.period = {counted.label}"
    )


def _open(db: Database, agency: str | None, today: date, rows: str) -> tuple[list[str], list]:
    """The conditions (and their parameters) of an open part of a current measure of a document that
    still binds someone (not repealed or replaced), the agency's own (or a predecessor's) if given;
    `rows` as in _open_from."""
    where = [
        f"m.kind IN ({KINDS_SQL})",
        "m.obsolete = 0",
        "a.obsolete = 0",
        f"coalesce(p.status, 'todo') NOT IN ({FINISHED_SQL})",
        _NOT_RETIRED,
        counted_sql(today, rows).condition,
    ]
    params: list = []
    if agency:
        condition, names = agency_condition(db, agency, "a.agency")
        where.append(condition)
        params += names
    return where, params


def _open_parts(db: Database, agency: str | None, today: date, horizon: date, expired_since: date | None):
    """(agency, measure, due, period, doc, seq) of open parts due by `horizon` — a recurring
    measure's once per open period that counts today — of documents in force or expired on
    `expired_since` or later (None: every document). Read through the assignments' due index
    (a recurring measure's parts have no due date there)."""
    for rows, due, period, dated in (
        ("once", "a.due", "''", "a.due <= ?"),
        ("periodic", "occ.value", counted_sql(today, "periodic").label, "a.due IS NULL AND occ.value <= ?"),
    ):
        where, params = _open(db, agency, today, rows)
        if expired_since is not None:
            where.append("(d.effective_until IS NULL OR d.effective_until >= ?)")
            params.append(expired_since.isoformat())
        yield from db.conn.execute(
            f"SELECT a.agency, m.id, {due}, {period}, m.doc_id, m.seq {_open_from(today, rows)} "
            f"WHERE {' AND '.join([*where, dated])}",
            [*params, horizon.isoformat()],
        )


def reminders(
    db: Database,
    today: date,
    within: int = 30,
    agency: str | None = None,
    include_expired: bool = False,
    per_agency: int = 20,
    grace: int = 90,
) -> list[dict]:
    """[{agency, overdue: [...], due_soon: [...], overdue_count, due_soon_count, expired_documents}],
    the agency with the most urgent item first; each list holds its `per_agency` most urgent items
    (0: all), the counts say how many there are. Memory stays bounded however many parts are due.

    A document that expired with work left does not go silent: its unfinished measures stay overdue
    for `grace` days after its end, and are then summed up, one line per document
    (`expired_documents`: doc, title, doc_number, effective_until, open), unless `include_expired`
    lists them one by one."""
    if within < 0:
        raise BadInput("--within takes a number of days, 0 or more")
    if grace < 0:
        raise BadInput("--grace takes a number of days, 0 or more")
    expired_since = None if include_expired else today - timedelta(days=grace)
    horizon = today + timedelta(days=within)
    groups: dict[str, dict] = {}
    first_soon = today.isoformat()
    for name, measure_id, due, period, doc, seq in _open_parts(db, agency, today, horizon, expired_since):
        group = groups.setdefault(name, _group(name))
        key = "overdue" if due < first_soon else "due_soon"
        group[f"{key}_count"] += 1
        entry = (due, doc, seq, measure_id, period)
        heap = group[key]  # the most urgent `per_agency`, kept as a max-heap of negated keys
        if not per_agency:
            heap.append(entry)
        elif len(heap) < per_agency:
            heapq.heappush(heap, _Reverse(entry))
        elif entry < heap[0].key:
            heapq.heapreplace(heap, _Reverse(entry))
    details = _details(
        db,
        {
            e.key[3] if isinstance(e, _Reverse) else e[3]
            for g in groups.values()
            for e in g["overdue"] + g["due_soon"]
        },
    )
    if expired_since is not None:
        for name, doc, title, number, until, count in _expired_documents(db, agency, today, expired_since):
            groups.setdefault(name, _group(name))["expired_documents"].append(
                {"doc": doc, "title": title, "doc_number": number, "effective_until": until, "open": count}
            )
    out = []
    for group in groups.values():
        for key in ("overdue", "due_soon"):
            entries = sorted(e.key if isinstance(e, _Reverse) else e for e in group[key])
            group[key] = [
                details[measure_id]
                | {"due": due, "days_left": days_left(due, today), "period": period or None}
                for due, _, _, measure_id, period in entries
            ]
        out.append(group)
    out.sort(
        key=lambda g: (
            min([i["due"] for i in g["overdue"] + g["due_soon"]] or ["9999"]),
            g["agency"] is None,
            g["agency"] or "",
        )
    )
    return out


# A document repealed, or replaced by a new version, binds no one any more: its measures are not
# reminded of (the new version's are); one that simply ran out is.
_NOT_RETIRED = "(d.until_by IS NULL OR json_extract(d.until_by, '$.kind') = 'extends')"


def _group(name: str) -> dict:
    return {
        "agency": name or None,
        "overdue": [],
        "due_soon": [],
        "overdue_count": 0,
        "due_soon_count": 0,
        "expired_documents": [],
    }


def _expired_documents(db: Database, agency: str | None, today: date, before: date):
    """(agency, doc, title, 文号, effective_until, open parts) of documents that expired before
    `before` with parts still open (a recurring measure's: once per open period), the longest
    expired first."""
    selects, values = [], []
    for rows in ("once", "periodic"):
        where, params = _open(db, agency, today, rows)
        selects.append(
            f"SELECT a.agency AS agency, d.id AS doc {_open_from(today, rows, by_document=True)} "
            f"WHERE {' AND '.join([*where, 'd.effective_until < ?'])}"
        )
        values += [*params, before.isoformat()]
    return db.conn.execute(
        "SELECT x.agency, d.id, d.title, d.doc_number, d.effective_until, count(*) "
        f"FROM ({' UNION ALL '.join(selects)}) x JOIN documents d ON d.id = x.doc "
        "GROUP BY x.agency, d.id ORDER BY d.effective_until, d.id",
        values,
    )


class _Reverse:
    """Orders entries backwards, so heapq's min-heap keeps the largest (least urgent) on top."""

    __slots__ = ("key",)

    def __init__(self, key: tuple) -> None:
        self.key = key

    def __lt__(self, other: _Reverse) -> bool:
        return self.key > other.key


def _details(db: Database, measure_ids: set[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    ids = sorted(measure_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in db.conn.execute(
            f"""SELECT m.id, m.doc_id, d.title, m.number, m.kind, m.title, d.source_file,
                       m.line_first, m.line_last
                FROM measures m JOIN documents d ON d.id = m.doc_id WHERE m.id IN ({marks})""",
            chunk,
        ):
            measure_id, doc, doc_title, number, kind, title, source, first, last = row
            out[measure_id] = {
                "id": measure_id,
                "doc": doc,
                "doc_title": doc_title,
                "number": number,
                "kind": kind,
                "title": title,
                "source": f"{source} {first}-{last}",
            }
    return out


def calendar_events(db: Database, agency: str | None = None, doc: str | None = None) -> list[dict]:
    """One event per due date (each period of a recurring measure, with its status) × responsible
    unit."""
    events = []
    for row in _parts_for_calendar(db, agency, doc):
        name, measure_id, doc, number, title, when, due_info, doc_title, source, first, last, text, status = (
            row
        )
        info = json.loads(due_info) if due_info else {}
        if when:
            events.append(
                {
                    "uid": f"{measure_id}/{name or 'unassigned'}/{when}@policy",
                    "date": date.fromisoformat(when),
                    "agency": name or None,
                    "id": measure_id,
                    "doc_title": doc_title,
                    "title": title,
                    "text": text,
                    "source": f"{source} 第{first}–{last}行",
                    "status": status,
                    "rule": info.get("rule"),
                    "quote": info.get("quote"),
                }
            )
    events.sort(key=lambda e: (e["date"], e["id"], e["agency"] or ""))
    return events


def _parts_for_calendar(db: Database, agency: str | None, doc: str | None):
    filters, params = part_filters(db, doc, agency)
    where = [
        f"m.kind IN ({KINDS_SQL})",
        "m.obsolete = 0",
        "a.obsolete = 0",
        "(m.due IS NOT NULL OR m.recurrence IS NOT NULL)",
        *filters,
    ]
    every = counted_sql(None)
    return db.conn.execute(
        f"""SELECT a.agency, m.id, m.doc_id, m.number, m.title, {every.due}, m.due_info, d.title,
                   d.source_file, m.line_first, m.line_last, m.text, coalesce(p.status, 'todo')
            FROM assignments a JOIN measures m ON m.id = a.measure_id JOIN documents d ON d.id = m.doc_id
            {every.join} LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency
                 AND p.period = {every.label}
            WHERE {" AND ".join(where)} ORDER BY m.doc_id, m.seq, a.seq, occ.key""",
        params,
    )


def ics_bytes(events: list[dict], stamp) -> bytes:
    """An iCalendar file: all-day events, stable UIDs, Chinese summaries (icalendar folds long lines
    and escapes TEXT's , ; \\ and newlines). Every text value goes through render.ics_text, as
    icalendar keeps the controls RFC 5545 forbids; the one-line ones (UID, SUMMARY, CATEGORIES)
    have their newlines turned into spaces."""
    from icalendar import Calendar, Event

    from policycli.render import ics_text

    def one_line(text: str) -> str:
        return ics_text(text).replace("\n", " ")

    cal = Calendar()
    cal.add("prodid", "-//policy//compliance checklist//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "政策任务截止日期")
    for item in events:
        event = Event()
        event.add("uid", one_line(item["uid"]))
        event.add("dtstamp", stamp)
        event.add("dtstart", item["date"])
        event.add("dtend", item["date"] + timedelta(days=1))
        who = one_line(item["agency"] or UNASSIGNED_LABEL)
        event.add("summary", one_line(f"【截止】{item['title']}（{who}）"))
        lines = [
            item["text"] or "",
            "",
            f"文件：{item['doc_title']}",
            f"编号：{item['id']}",
            f"来源：{item['source']}",
        ]
        if item.get("quote"):
            lines.append(f"期限依据：{item['quote']}（{rule_label(item['rule'])}）")
        lines.append(f"状态：{status_label(item['status'])}")
        event.add("description", ics_text("\n".join(lines)))
        event.add("categories", [who])
        cal.add_component(event)
    return cal.to_ical()
