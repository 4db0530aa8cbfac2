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
    """Where a revision moved the measure that had this id (asked only when no measure has it now).

    The measure is followed, not the id: it left `measure_id` in the latest move out of it; from
    there on, follow_moves."""
    import sqlite3

    try:
        last = db.conn.execute(
            "SELECT batch, new_id FROM measure_moves WHERE old_id = ? ORDER BY batch DESC, id DESC LIMIT 1",
            [measure_id],
        ).fetchone()
    except sqlite3.OperationalError:  # a database from before measure_moves, opened read-only
        return None
    if last is None:
        return None
    moved = follow_moves(db, last[1], last[0])
    return moved if db.conn.execute("SELECT 1 FROM measures WHERE id = ?", [moved]).fetchone() else None


def follow_moves(db: Database, measure_id: str, after: int) -> str:
    """Where the measure that had `measure_id` after the load of batch `after` is now: from its id
    it left only in a move made by a later load (one measure holds an id at a time; the moves of one
    load happen at once), and so on; where no later move takes it away, it is."""
    for _ in range(10_000):  # one step per move: bounded by the moves recorded
        moved = db.conn.execute(
            "SELECT batch, new_id FROM measure_moves WHERE old_id = ? AND batch > ? "
            "ORDER BY batch, id LIMIT 1",
            [measure_id, after],
        ).fetchone()
        if moved is None:
            break
        after, measure_id = moved
    return measure_id


def moves_into(db: Database, measure_id: str) -> list[tuple]:
    """The moves that brought the measure now at `measure_id` there, oldest first: (old_id, how,
    score, by, at). Followed backwards like _moved_to: the latest move into the id with no move out
    of it by a later load, then the latest move into that move's old id by an earlier load, …"""
    import sqlite3

    found: list[tuple] = []
    try:
        before = None
        for _ in range(10_000):
            earlier = " AND batch < ?" if before is not None else ""
            row = db.conn.execute(
                "SELECT batch, old_id, how, score, by, at FROM measure_moves WHERE new_id = ?"
                + earlier
                + " ORDER BY batch DESC, id DESC LIMIT 1",
                [measure_id, *([before] if before is not None else [])],
            ).fetchone()
            if row is None:
                break
            # a move out of the id by a later load: the measure there now arrived otherwise
            left = db.conn.execute(
                "SELECT 1 FROM measure_moves WHERE old_id = ? AND batch > ?"
                + (" AND batch < ?" if earlier else ""),
                [measure_id, row[0], *([before] if before is not None else [])],
            ).fetchone()
            if left:
                break
            found.insert(0, row[1:])
            if row[2] in ("linked", "carried"):
                break  # what came over was the progress of another measure, not this one
            before, measure_id = row[0], row[1]
    except sqlite3.OperationalError:  # a database from before measure_moves, opened read-only
        return []
    return found


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
