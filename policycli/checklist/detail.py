"""`policy show`: everything about one measure."""

from __future__ import annotations

import json
from datetime import date

from policycli.checklist.corrections import corrections_of
from policycli.checklist.lookup import moves_into, resolve_measure
from policycli.checklist.marking import history
from policycli.checklist.status import (
    days_left,
    deadline_status,
    effective_due,
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
    parts = [
        dict(
            zip(
                ["agency", "printed", "role", "status", "note", "evidence", "by", "at", "corrected_by"],
                r,
                strict=True,
            )
        )
        for r in conn.execute(
            "SELECT a.agency, a.printed, a.role, coalesce(p.status, 'todo'), p.note, p.evidence, p.by, p.at, "
            "a.corrected_by FROM assignments a "
            "LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency "
            # a measure removed from its document shows the parts it had, with their progress
            "WHERE a.measure_id = ? AND (a.obsolete = 0 OR ?) ORDER BY a.seq",
            [measure["id"], bool(measure["obsolete"])],
        )
    ]
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
    due = effective_due(measure["due"], measure.get("due_info"), today)
    for part in parts:
        part["deadline"] = deadline_status(part["status"], due, today)
    return {
        "due": due,
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
