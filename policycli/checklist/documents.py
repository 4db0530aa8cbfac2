"""The loaded documents and their validity (policy docs)."""

from __future__ import annotations

import json
from datetime import date

from policycli.checklist.lookup import require_document
from policycli.checklist.status import days_left
from policycli.kinds import (
    KINDS_SQL,
)
from policycli.store import Database

# --- documents, statistics, ledger ---------------------------------------------------------


EXPIRING_DAYS = 90


def document_status(
    effective_from: str | None,
    effective_until: str | None,
    today: date,
    expiring_days: int = EXPIRING_DAYS,
    issued_on: str | None = None,
) -> str:
    """not yet in force | in force | expiring | expired | unknown. Without a stated start, a document is not
    in force before its issue date either."""
    iso = today.isoformat()
    if (effective_from and iso < effective_from) or (not effective_from and issued_on and iso < issued_on):
        return "not yet in force"
    if effective_until and iso > effective_until:
        return "expired"
    if effective_until and (date.fromisoformat(effective_until) - today).days <= expiring_days:
        return "expiring"
    return "in force" if effective_from or effective_until else "unknown"


def list_documents(db: Database, today: date, expiring_days: int = EXPIRING_DAYS) -> list[dict]:
    rows = db.conn.execute(
        f"""SELECT d.id, d.title, d.doc_number, d.issuer, d.issued_on, d.effective_from, d.effective_until,
                   d.level, d.district,
                   (SELECT count(*) FROM measures m
                     WHERE m.doc_id = d.id AND m.obsolete = 0 AND m.kind IN ({KINDS_SQL}))
            FROM documents d WHERE d.obsolete = 0 ORDER BY d.issued_on IS NULL, d.issued_on, d.id"""
    ).fetchall()
    columns = [
        "id",
        "title",
        "doc_number",
        "issuer",
        "issued_on",
        "effective_from",
        "effective_until",
        "level",
        "district",
        "measures",
    ]
    out = []
    for row in rows:
        item = dict(zip(columns, row, strict=True))
        item["status"] = document_status(
            item["effective_from"], item["effective_until"], today, expiring_days, item["issued_on"]
        )
        item["days_left"] = days_left(item["effective_until"], today)
        out.append(item)
    return out


def document_detail(db: Database, doc_id: str, today: date) -> dict:
    """`policy docs show`: metadata, the validity period with the quotes and rules behind it."""
    require_document(db, doc_id)
    item = next(d for d in list_documents(db, today) if d["id"] == doc_id)
    data, validity, source, until_by = db.conn.execute(
        "SELECT data, validity, source_file, until_by FROM documents WHERE id = ?", [doc_id]
    ).fetchone()
    from policycli.relations import relations_of

    acts_on, acted_on_by = relations_of(db.conn, doc_id)
    meta = json.loads(data)
    return item | {
        "source_file": source,
        "validity_rules": json.loads(validity) if validity else {"from": None, "until": None},
        "validity_sentences": meta.get("validity") or [],
        "coordinating_units": meta.get("coordinating_units") or [],
        "warnings": meta.get("warnings") or [],
        "until_by": json.loads(until_by) if until_by else None,
        "acts_on": acts_on,
        "acted_on_by": acted_on_by,
    }
