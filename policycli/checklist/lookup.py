"""Finding things by what people type: measure and document ids (with the nearest suggested),
and --agency names (the agencies a name sees: its own, its predecessors', its collectives')."""

from __future__ import annotations

from policycli.errors import NotFound
from policycli.kinds import (
    KINDS_SQL,
)
from policycli.store import Database

# --- agencies ------------------------------------------------------------------------------

_SCOPE_ORDER = {"own": 0, "predecessor": 1, "collective": 2}


def agency_scope(db: Database, name: str) -> tuple[str, dict[str, str]]:
    """--agency NAME → its canonical name and the assignment names it sees (see agencies.Registry.scope)."""
    from policycli.agency_store import resolve

    return resolve(db, name)


def agency_condition(
    db: Database, name: str, column: str = "agency", collectives: bool = True
) -> tuple[str, list[str]]:
    """See agency_store.agency_condition (imported when an --agency is given)."""
    from policycli.agency_store import agency_condition as condition

    return condition(db, name, column, collectives)


# --- measures ------------------------------------------------------------------------------


def _nearest(word: str, pool: list[str], cutoff: float) -> list[str]:
    import difflib  # only on the error path

    return difflib.get_close_matches(word, pool, n=3, cutoff=cutoff)


def require_document(db: Database, doc_id: str) -> None:
    """NotFound, with the nearest ids, unless the document is loaded."""
    if db.conn.execute("SELECT 1 FROM documents WHERE id = ?", [doc_id]).fetchone():
        return
    docs = [r[0] for r in db.conn.execute("SELECT id FROM documents ORDER BY id")]
    near = _nearest(doc_id, docs, 0.3)
    raise NotFound(
        f"unknown document {doc_id!r}; "
        + (f"did you mean {' or '.join(near)}?" if near else f"documents: {', '.join(docs)}")
    )


def resolve_measure(db: Database, measure_id: str) -> dict:
    """A measure row by id, or NotFound with the nearest ids."""
    measure_id = measure_id.strip()
    cursor = db.conn.execute("SELECT * FROM measures WHERE id = ?", [measure_id])
    row = cursor.fetchone()
    if row:
        return dict(zip([d[0] for d in cursor.description], row, strict=True))
    moved_to = _moved_to(db, measure_id)
    if moved_to is not None:
        return resolve_measure(db, moved_to)
    doc = measure_id.split("/", 1)[0]
    pool = [
        r[0]
        for r in db.conn.execute(f"SELECT id FROM measures WHERE doc_id = ? AND kind IN ({KINDS_SQL})", [doc])
    ]
    if not pool:
        docs = [r[0] for r in db.conn.execute("SELECT id FROM documents")]
        near_docs = _nearest(doc, docs, 0.3)
        hint = f"; documents: {', '.join(near_docs or docs[:5])}" if docs else ""
        raise NotFound(f"no measure {measure_id!r}{hint}")
    near = _nearest(measure_id, pool, 0.5)
    suffix = [p for p in pool if p.endswith("." + measure_id.rsplit("/", 1)[-1].rsplit(".", 1)[-1])][:3]
    hint = near or suffix
    raise NotFound(f"no measure {measure_id!r}" + (f"; did you mean {' or '.join(hint)}?" if hint else ""))


def _moved_to(db: Database, measure_id: str) -> str | None:
    """Where a revision moved the measure that had this id (asked only when no measure has it now):
    its id after the latest move, followed through later revisions."""
    import sqlite3

    seen = {measure_id}
    try:
        for _ in range(1000):
            row = db.conn.execute(
                "SELECT new_id FROM measure_moves WHERE old_id = ? ORDER BY id DESC LIMIT 1", [measure_id]
            ).fetchone()
            if row is None or row[0] in seen:
                return None
            measure_id = row[0]
            seen.add(measure_id)
            if db.conn.execute("SELECT 1 FROM measures WHERE id = ?", [measure_id]).fetchone():
                return measure_id
    except sqlite3.OperationalError:  # a database from before measure_moves, opened read-only
        return None
    return None


def part_filters(
    db: Database, doc: str | None, agency: str | None, column: str = "a.agency"
) -> tuple[list[str], list]:
    """SQL conditions and values for the parts of one document and of what one agency sees (its own,
    its predecessors', its collectives'), either or both; NotFound for an unknown document or agency."""
    where: list[str] = []
    params: list = []
    if doc:
        require_document(db, doc)
        where.append("m.doc_id = ?")
        params.append(doc)
    if agency:
        condition, names = agency_condition(db, agency, column)
        where.append(condition)
        params += names
    return where, params
