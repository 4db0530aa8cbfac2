"""`policy show`: everything about one measure."""

from __future__ import annotations

import json
from datetime import date

from policycli.checklist.corrections import corrections_of
from policycli.checklist.lookup import moves_into, resolve_measure
from policycli.checklist.marking import history
from policycli.checklist.periods import NO_PERIOD, Period, in_view, open_period, periods_of
from policycli.checklist.status import (
    days_left,
    deadline_status,
    overall_status,
    progress_text,
)
from policycli.store import Database


def measure_detail(db: Database, measure_id: str, today: date) -> dict:
    """Everything `policy show` prints about one measure."""
    measure = resolve_measure(db, measure_id)
    conn = db.conn
    document = dict(
        zip(
            ["id", "title", "doc_number", "source_file", "source"],
            conn.execute(
                "SELECT id, title, doc_number, source_file, json_extract(data, '$.source') FROM documents "
                "WHERE id = ?",
                [measure["doc_id"]],
            ).fetchone(),
            strict=True,
        )
    )
    document["source"] = json.loads(document["source"]) if document["source"] else {}  # unit, pages, sheets
    # A recurring measure: its parts as they stand in the period open today, and every period that
    # counts (or has something recorded) with its own statuses.
    periods = periods_of(measure.get("recurrence"), measure.get("due_info"))
    current = open_period(periods, today)
    parts = _parts(db, measure, current.label if current else NO_PERIOD)
    parents = []
    parent = measure["parent_id"]
    while parent:
        row = conn.execute(
            "SELECT id, number, title, parent_id FROM measures WHERE id = ?", [parent]
        ).fetchone()
        if not row:
            break
        parents.insert(0, {"id": row[0], "number": row[1], "title": row[2]})
        parent = row[3]
    statuses = [p["status"] for p in parts]
    due = current.due if current else measure["due"]
    for part in parts:
        part["deadline"] = deadline_status(part["status"], due, today)
    return {
        "due": due,
        "period": current.label if current else None,
        "periods": _periods(db, measure, periods, today),
        "due_info": _due_info(db, measure),
        "deadline": deadline_status(overall_status(statuses), due, today),
        "days_left": days_left(due, today),
        "measure": measure,
        "document": document,
        "parents": parents,
        "parts": parts,
        "status": overall_status(statuses),
        "progress": progress_text(statuses),
        "history": [change.fields() for change in history(db, measure["id"])],
        "moves": _moves(db, measure["id"]),
        "corrections": [c.__dict__ for c in corrections_of(db, measure["id"])],
    }


def _parts(db: Database, measure: dict, period: str) -> list[dict]:
    """The measure's parts with the status recorded for `period` ("" for a measure that does not recur)."""
    return [
        dict(
            zip(
                ["agency", "printed", "role", "status", "note", "evidence", "by", "at", "corrected_by"],
                r,
                strict=True,
            )
        )
        for r in db.conn.execute(
            "SELECT a.agency, a.printed, a.role, coalesce(p.status, 'todo'), p.note, p.evidence, p.by, p.at, "
            "a.corrected_by FROM assignments a "
            "LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency AND p.period = ? "
            # a measure removed from its document shows the parts it had, with their progress
            "WHERE a.measure_id = ? AND (a.obsolete = 0 OR ?) ORDER BY a.seq",
            [period, measure["id"], bool(measure["obsolete"])],
        )
    ]


def _periods(db: Database, measure: dict, periods: list, today: date) -> list[dict]:
    """The periods that count today, and any other with a status recorded (a later one marked ahead;
    one a revision of the document, or a corrected due date, left without its date: due None), each
    with its parts: [{period, due, status, progress, deadline, parts: [{agency, status, note, evidence,
    by, at}]}]."""
    recorded = {
        r[0]
        for r in db.conn.execute(
            "SELECT DISTINCT period FROM progress WHERE measure_id = ? AND period != ''", [measure["id"]]
        )
    }
    counted = in_view(periods, today)
    known = {period.label for period in periods}
    out = []
    for period in periods + [Period(label, None) for label in sorted(recorded - known)]:
        if period not in counted and period.label not in recorded:
            continue
        parts = [
            {k: part[k] for k in ("agency", "status", "note", "evidence", "by", "at")}
            for part in _parts(db, measure, period.label)
        ]
        statuses = [part["status"] for part in parts]
        out.append(
            {
                "period": period.label,
                "due": period.due,
                "status": overall_status(statuses),
                "progress": progress_text(statuses),
                "deadline": deadline_status(overall_status(statuses), period.due, today),
                "parts": parts,
            }
        )
    return out


def _moves(db: Database, measure_id: str) -> list[dict]:
    """How this measure got its id: the revisions that renumbered it, the links users made, the
    removal that set it aside ("from": its id before), oldest first."""
    return [
        dict(zip(("from", "how", "score", "by", "at"), row, strict=True))
        for row in moves_into(db, measure_id)
    ]


def _due_info(db: Database, measure: dict) -> dict | None:
    """Where the due date comes from: the document's rule and quote, or the coordinator's correction."""
    if measure.get("corrected_by"):
        row = db.conn.execute(
            "SELECT note, by, at FROM corrections WHERE id = ?", [measure["corrected_by"]]
        ).fetchone()
        if row:
            return {"rule": "corrected", "quote": row[0] or "", "by": row[1], "at": row[2]}
    return json.loads(measure["due_info"]) if measure.get("due_info") else None
