"""`policy link OLD NEW`: the user says two measures are the same, where `policy load` was not sure
(a measure reworded beyond recognition, a 分工表 row split in two). The progress and history recorded
on OLD move to NEW, and the link is kept in measure_moves, so `show NEW` says where it came from."""

from __future__ import annotations

from dataclasses import dataclass

from policycli.checklist.lookup import resolve_measure
from policycli.checklist.status import current_user, now_iso
from policycli.errors import BadInput, NotFound
from policycli.kinds import MEASURE_KINDS
from policycli.store import Database, write_transaction


@dataclass(frozen=True)
class Linked:
    old_id: str
    new_id: str
    agencies: list[str]  # the parts whose progress moved ("" for a measure without a unit)
    events: int  # recorded changes moved
    not_units: list[str]  # of those, the agencies that are not responsible units of NEW


def link(db: Database, old_id: str, new_id: str, by: str | None = None) -> Linked:
    by = by or current_user()
    with write_transaction(db):
        old_id = old_id.strip()
        # OLD: a measure a revision removed, or one of a version a newer one replaced
        old = db.conn.execute(
            "SELECT m.obsolete OR coalesce(json_extract(d.until_by, '$.kind') = 'supersedes', 0) "
            "FROM measures m JOIN documents d ON d.id = m.doc_id WHERE m.id = ?",
            [old_id],
        ).fetchone()
        if old is None:
            raise NotFound(f"no measure {old_id!r} (OLD is an id as `policy show` or `policy load` gives it)")
        if not old[0]:
            raise BadInput(
                f"{old_id} is still in its document; link carries progress over from a measure a revision "
                "removed (an id `policy load` proposed)"
            )
        new = resolve_measure(db, new_id)
        if new["id"] == old_id:
            raise BadInput(f"{old_id} and {new_id} are the same measure")
        if new["obsolete"] or new["kind"] not in MEASURE_KINDS:
            raise BadInput(f"{new['id']} is not a current measure; link to the measure the revision has now")
        conn = db.conn
        old_parts = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT agency FROM progress WHERE measure_id = ? ORDER BY agency", [old_id]
            )
        ]
        both = clashes(conn, old_id, new["id"])
        if both:
            names = "、".join(a or "(no unit)" for a in both)
            raise BadInput(
                f"{new['id']} has progress of its own for {names}; link would overwrite it, so nothing was "
                "changed (mark the measure instead)"
            )
        units = {
            r[0]
            for r in conn.execute(
                "SELECT agency FROM assignments WHERE measure_id = ? AND obsolete = 0", [new["id"]]
            )
        }
        (batch,) = conn.execute("SELECT coalesce(max(batch), 0) + 1 FROM measure_moves").fetchone()
        moved = move_progress(conn, old_id, new["id"], new["doc_id"], "linked", by, now_iso(), batch)
    return Linked(old_id, new["id"], old_parts, moved, [a for a in old_parts if a not in units])


def clashes(conn, old_id: str, new_id: str) -> list[str]:
    """The units with progress recorded on both measures for the same period: carrying it over would
    overwrite one."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT p.agency FROM progress p JOIN progress o ON o.agency = p.agency "
            "AND o.period = p.period AND o.measure_id = ? WHERE p.measure_id = ? ORDER BY p.agency",
            [old_id, new_id],
        )
    ]


def move_progress(
    conn, old_id: str, new_id: str, doc_id: str, how: str, by: str | None, at: str, batch: int
) -> int:
    """What was recorded on measure `old_id` — progress, history, the coordinator's corrections (the
    active or set-aside ones apply to the new measure) — moves to `new_id`, and the move is kept
    (measure_moves, `how`: linked or carried). Returns the number of history lines moved."""
    from policycli.checklist.corrections import recompute

    conn.execute("UPDATE progress SET measure_id = ? WHERE measure_id = ?", [new_id, old_id])
    moved = conn.execute("UPDATE events SET measure_id = ? WHERE measure_id = ?", [new_id, old_id]).rowcount
    if conn.execute(
        "UPDATE corrections SET measure_id = ?, "
        "state = CASE WHEN state IN ('active', 'gone') THEN 'active' ELSE state END WHERE measure_id = ?",
        [new_id, old_id],
    ).rowcount:
        recompute(conn, old_id)
        recompute(conn, new_id)
    conn.execute(
        "INSERT INTO measure_moves (old_id, new_id, doc_id, how, score, by, at, batch) "
        "VALUES (?, ?, ?, ?, NULL, ?, ?, ?)",
        [old_id, new_id, doc_id, how, by, at, batch],
    )
    from policycli.checklist.periods import settle

    settle(conn, new_id)  # one recurs and the other does not: the statuses to the periods that count
    return moved
