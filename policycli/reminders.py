"""What is overdue or falls due soon, per agency — for cron — and the same dates as a calendar."""

from __future__ import annotations

import json
from datetime import date, timedelta

from policycli.checklist import agency_scope, days_left, effective_due
from policycli.errors import BadInput
from policycli.kinds import MEASURE_KINDS
from policycli.store import Database

_KINDS_SQL = ", ".join(f"'{k}'" for k in MEASURE_KINDS)


def _parts(db: Database, agency: str | None, horizon: date | None, today: date, include_expired: bool):
    """Open parts (measure × agency) with their measure's due data; by default only of documents
    still in force today (an expired document no longer binds anyone)."""
    where = [f"m.kind IN ({_KINDS_SQL})", "m.obsolete = 0", "a.obsolete = 0", "coalesce(p.status, 'todo') NOT IN ('done', 'n/a')"]
    params: list = []
    if not include_expired:
        where.append("(d.effective_until IS NULL OR d.effective_until >= ?)")
        params.append(today.isoformat())
    if agency:
        _, scope = agency_scope(db, agency)
        where.append(f"a.agency IN ({', '.join('?' for _ in scope)})")
        params += list(scope)
    if horizon is not None:
        where.append("(m.due <= ? OR m.recurrence IS NOT NULL)")
        params.append(horizon.isoformat())
    else:
        where.append("(m.due IS NOT NULL OR m.recurrence IS NOT NULL)")
    sql = f"""
        SELECT a.agency, m.id, m.doc_id, m.number, m.kind, m.title, m.due, m.due_info, coalesce(p.status, 'todo'), m.seq,
               d.title, d.source_file, m.line_first, m.line_last, m.text, a.role
        FROM assignments a JOIN measures m ON m.id = a.measure_id JOIN documents d ON d.id = m.doc_id
        LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency
        WHERE {' AND '.join(where)}
    """
    return db.conn.execute(sql, params)


def reminders(db: Database, today: date, within: int = 30, agency: str | None = None, include_expired: bool = False) -> list[dict]:
    """[{agency, overdue: [...], due_soon: [...]}], agencies with the most urgent item first."""
    if within < 0:
        raise BadInput("--within takes a number of days, 0 or more")
    horizon = today + timedelta(days=within)
    groups: dict[str, dict] = {}
    for row in _parts(db, agency, horizon, today, include_expired):
        name, measure_id, doc, number, kind, title, due, due_info, status, seq, doc_title, source, first, last, _, role = row
        due = effective_due(due, due_info, today)
        if due is None or due > horizon.isoformat():
            continue
        item = {
            "id": measure_id, "doc": doc, "doc_title": doc_title, "number": number, "kind": kind, "title": title, "due": due,
            "days_left": days_left(due, today), "status": status, "role": role, "source": f"{source} {first}-{last}", "seq": seq,
        }
        group = groups.setdefault(name, {"agency": name or None, "overdue": [], "due_soon": []})
        group["overdue" if due < today.isoformat() else "due_soon"].append(item)
    out = []
    for group in groups.values():
        for key in ("overdue", "due_soon"):
            group[key].sort(key=lambda i: (i["due"], i["doc"], i["seq"]))
            for item in group[key]:
                item.pop("seq")
        out.append(group)
    out.sort(key=lambda g: (min(i["due"] for i in g["overdue"] + g["due_soon"]), g["agency"] is None, g["agency"] or ""))
    return out


def calendar_events(db: Database, agency: str | None = None) -> list[dict]:
    """One event per due date (each occurrence of a recurring measure) × responsible unit."""
    events = []
    for row in _parts_for_calendar(db, agency):
        name, measure_id, doc, number, title, due, due_info, doc_title, source, first, last, text, status = row
        info = json.loads(due_info) if due_info else {}
        dates = info.get("occurrences") or ([due] if due else [])
        for when in dates:
            events.append({
                "uid": f"{measure_id}/{name or 'unassigned'}/{when}@policy",
                "date": date.fromisoformat(when), "agency": name or None, "id": measure_id, "doc_title": doc_title,
                "title": title, "text": text, "source": f"{source} 第{first}–{last}行", "status": status,
                "rule": info.get("rule"), "quote": info.get("quote"),
            })
    events.sort(key=lambda e: (e["date"], e["id"], e["agency"] or ""))
    return events


def _parts_for_calendar(db: Database, agency: str | None):
    where = [f"m.kind IN ({_KINDS_SQL})", "m.obsolete = 0", "a.obsolete = 0", "(m.due IS NOT NULL OR m.recurrence IS NOT NULL)"]
    params: list = []
    if agency:
        _, scope = agency_scope(db, agency)
        where.append(f"a.agency IN ({', '.join('?' for _ in scope)})")
        params += list(scope)
    return db.conn.execute(
        f"""SELECT a.agency, m.id, m.doc_id, m.number, m.title, m.due, m.due_info, d.title, d.source_file, m.line_first, m.line_last,
                   m.text, coalesce(p.status, 'todo')
            FROM assignments a JOIN measures m ON m.id = a.measure_id JOIN documents d ON d.id = m.doc_id
            LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency
            WHERE {' AND '.join(where)} ORDER BY m.doc_id, m.seq, a.seq""",
        params,
    )


def ics_bytes(events: list[dict], stamp) -> bytes:
    """An iCalendar file: all-day events, stable UIDs, Chinese summaries (icalendar folds long lines)."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//policy//compliance checklist//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "政策任务截止日期")
    for item in events:
        event = Event()
        event.add("uid", item["uid"])
        event.add("dtstamp", stamp)
        event.add("dtstart", item["date"])
        event.add("dtend", item["date"] + timedelta(days=1))
        who = item["agency"] or "未指定责任单位"
        event.add("summary", f"【截止】{item['title']}（{who}）")
        lines = [item["text"] or "", "", f"文件：{item['doc_title']}", f"编号：{item['id']}", f"来源：{item['source']}"]
        if item.get("quote"):
            lines.append(f"期限依据：{item['quote']}（{item['rule']}）")
        lines.append(f"状态：{item['status']}")
        event.add("description", "\n".join(lines))
        event.add("categories", [who])
        cal.add_component(event)
    return cal.to_ical()
