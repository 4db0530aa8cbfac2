"""Corrections by the coordinator: `policy assign`, `unassign` and `due`.

The parser is sometimes wrong or silent (a measure with no responsible unit, work assigned only in
prose). A correction is kept beside what the document says (table `corrections`), recorded in the
history, undoable, and applied again after every load of its document, so a re-ingested or revised
document never undoes it. A correction whose measure left the document is reported and kept
(state "gone"); one the document now agrees with is reported and retired (state "redundant").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from policycli.checklist.lookup import agency_scope, resolve_measure
from policycli.checklist.periods import settle
from policycli.checklist.status import UNASSIGNED, current_user, now_iso
from policycli.errors import BadInput
from policycli.kinds import MEASURE_KINDS
from policycli.store import Database, write_transaction

ACTIONS = ("assign", "unassign", "due")
ROLES = ("lead", "co", "unspecified")


@dataclass(frozen=True)
class Correction:
    id: int
    measure_id: str
    action: str  # assign | unassign | due
    agency: str | None
    role: str | None
    due: str | None
    note: str | None
    by: str
    at: str
    state: str  # active | undone | gone | redundant


_COLUMNS = "id, measure_id, action, agency, role, due, note, by, at, state"


def correct(
    db: Database,
    measure_id: str,
    action: str,
    agency: str | None = None,
    role: str = "unspecified",
    due: str | None = None,
    note: str | None = None,
    by: str | None = None,
) -> Correction:
    """Record one correction and apply it at once."""
    if action not in ACTIONS:
        raise BadInput(f"unknown correction {action!r}")
    if role not in ROLES:
        raise BadInput(f"unknown role {role!r}; use lead (牵头) or co (配合)")
    if action == "due":
        due = _iso_date(due)
    by, at = by or current_user(), now_iso()
    with write_transaction(db):
        measure = resolve_measure(db, measure_id)
        if measure["kind"] not in MEASURE_KINDS or measure["obsolete"]:
            raise BadInput(
                f"{measure['id']} is not a current measure; correct the measure the document has now"
            )
        conn = db.conn
        current = _current_units(conn, measure["id"])
        if action != "due":
            agency = agency_scope(db, agency or "")[0]
            if action == "assign" and agency in current:
                raise BadInput(f"{agency} is already responsible for {measure['id']}")
            if action == "unassign" and agency not in current:
                units = "、".join(current) or "none"
                raise BadInput(f"{agency} is not responsible for {measure['id']}; its units are {units}")
        elif measure["due"] == due and measure["corrected_by"] is None:
            raise BadInput(f"{measure['id']} is due {due} already")
        detail = role if action == "assign" else due if action == "due" else None
        event = conn.execute(
            "INSERT INTO events (measure_id, agency, action, note, by, at, detail) VALUES (?, ?, ?, ?, ?, "
            "?, ?)",
            [measure["id"], agency or "", action, note, by, at, detail],
        ).lastrowid
        correction_id = conn.execute(
            "INSERT INTO corrections (measure_id, action, agency, role, due, note, by, at, event_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                measure["id"],
                action,
                agency,
                role if action == "assign" else None,
                due,
                note,
                by,
                at,
                event,
            ],
        ).lastrowid
        _apply(conn, _by_id(conn, correction_id))
        return _by_id(conn, correction_id)


def corrections_of(db: Database, measure_id: str) -> list[Correction]:
    """The corrections recorded on a measure, oldest first (every state)."""
    return [
        Correction(*r)
        for r in db.conn.execute(
            f"SELECT {_COLUMNS} FROM corrections WHERE measure_id = ? ORDER BY id", [measure_id]
        )
    ]


def reapply(conn, doc_id: str) -> list[str]:
    """After a load of `doc_id`: the corrections of its measures applied again, in the order they were
    made; what no longer applies is reported (one line each): a correction the document now agrees with
    is retired, one whose measure left the document is kept aside (its measure's parts with it) and
    applied again if the measure comes back."""
    said = []
    rows = conn.execute(
        f"SELECT {', '.join('c.' + c for c in _COLUMNS.split(', '))}, m.obsolete FROM corrections c "
        "JOIN measures m ON m.id = c.measure_id WHERE m.doc_id = ? AND c.state IN ('active', 'gone') "
        "ORDER BY c.id",
        [doc_id],
    ).fetchall()
    for *fields, obsolete in rows:
        correction = Correction(*fields)
        if obsolete:
            if correction.state == "active":
                conn.execute("UPDATE corrections SET state = 'gone' WHERE id = ?", [correction.id])
                # a removed measure has no current part, not even one a correction gave it
                conn.execute(
                    "UPDATE assignments SET obsolete = 1 WHERE measure_id = ?", [correction.measure_id]
                )
                said.append(
                    f"{_describe(correction)}: the measure is no longer in the document; kept, not applied"
                )
            continue
        if correction.state == "gone":
            conn.execute("UPDATE corrections SET state = 'active' WHERE id = ?", [correction.id])
            said.append(f"{_describe(correction)}: the measure is back in the document; applied again")
        if correction.action == "due" and _later_due(conn, correction):
            continue  # a later due correction decides the date (this one stays, for undo)
        if correction.action == "due" and _document_due(conn, correction.measure_id) == correction.due:
            # the document gives the date now: this and the earlier due corrections are retired
            conn.execute(
                "UPDATE corrections SET state = 'redundant' WHERE measure_id = ? AND action = 'due' "
                "AND state = 'active' AND id <= ?",
                [correction.measure_id, correction.id],
            )
            said.append(
                f"{_describe(correction)}: the document now says so itself; the correction is retired"
            )
            continue
        if not _apply(conn, correction):
            conn.execute("UPDATE corrections SET state = 'redundant' WHERE id = ?", [correction.id])
            said.append(
                f"{_describe(correction)}: the document now says so itself; the correction is retired"
            )
    return said


def undo_correction(conn, event_id: int) -> Correction:
    """Revert the correction recorded as history event `event_id` (policy undo): the measure goes back
    to what its document says, with its other corrections applied again on top."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM corrections WHERE event_id = ?", [event_id]).fetchone()
    if row is None:
        raise BadInput(f"change {event_id} has no correction recorded; nothing was undone")
    correction = Correction(*row)
    conn.execute("UPDATE corrections SET state = 'undone' WHERE id = ?", [correction.id])
    recompute(conn, correction.measure_id)
    return correction


def recompute(conn, measure_id: str) -> None:
    """The measure as its document has it, then its active corrections applied in order: the due date
    and the parts a correction changed are set back, the rest stays as the last load left it."""
    row = conn.execute(
        "SELECT own_due, own_recurrence, obsolete FROM measures WHERE id = ?", [measure_id]
    ).fetchone()
    if row is None:
        return
    own_due, own_recurrence, obsolete = row
    conn.execute(
        "UPDATE measures SET due = ?, recurrence = ?, corrected_by = NULL WHERE id = ?",
        [own_due, own_recurrence, measure_id],
    )
    conn.execute("UPDATE assignments SET due = ? WHERE measure_id = ?", [own_due, measure_id])
    # a part a correction added is set aside; one a correction took off the document's is its again
    conn.execute(
        "UPDATE assignments SET obsolete = 1, corrected_by = NULL WHERE measure_id = ? AND added_by IS NOT "
        "NULL",
        [measure_id],
    )
    conn.execute(
        "UPDATE assignments SET obsolete = 0, corrected_by = NULL, role = coalesce(own_role, role) "
        "WHERE measure_id = ? AND corrected_by IS NOT NULL AND added_by IS NULL",
        [measure_id],
    )
    if obsolete:
        conn.execute("UPDATE assignments SET obsolete = 1 WHERE measure_id = ?", [measure_id])
        return
    _keep_a_part(conn, measure_id)
    _drop_the_unassigned_part(conn, measure_id)
    for fields in conn.execute(
        f"SELECT {_COLUMNS} FROM corrections WHERE measure_id = ? AND state = 'active' ORDER BY id",
        [measure_id],
    ).fetchall():
        _apply(conn, Correction(*fields))
    settle(conn, measure_id)  # recurring again (a due correction undone): statuses back to periods


def _apply(conn, correction: Correction) -> bool:
    """Make the correction true; False when the document already says what it says."""
    m, agency = correction.measure_id, correction.agency
    if correction.action == "assign":
        row = conn.execute(
            "SELECT obsolete, corrected_by, added_by FROM assignments WHERE measure_id = ? AND agency = ?",
            [m, agency],
        ).fetchone()
        if row and not row[0] and row[1] is None and row[2] is None:
            return False  # the document names the unit itself
        (due,) = conn.execute("SELECT due FROM measures WHERE id = ?", [m]).fetchone()
        if row:
            # a part the document dropped, brought back: the correction's, not the document's; one a
            # correction took off the document's list stays the document's
            added = correction.id if row[0] and row[1] is None else row[2]
            conn.execute(
                "UPDATE assignments SET obsolete = 0, role = ?, corrected_by = ?, due = ?, added_by = ? "
                "WHERE measure_id = ? AND agency = ?",
                [correction.role, correction.id, due, added, m, agency],
            )
        else:
            conn.execute(
                "INSERT INTO assignments (measure_id, agency, printed, role, grp, seq, due, obsolete, "
                "corrected_by, added_by) VALUES (?, ?, NULL, ?, 1, 1000 + ?, ?, 0, ?, ?)",
                [m, agency, correction.role, correction.id, due, correction.id, correction.id],
            )
        _drop_the_unassigned_part(conn, m)
        return True
    if correction.action == "unassign":
        row = conn.execute(
            "SELECT obsolete, corrected_by FROM assignments WHERE measure_id = ? AND agency = ?", [m, agency]
        ).fetchone()
        if row is None or (row[0] and row[1] is None):
            return False  # the document no longer names the unit
        conn.execute(
            "UPDATE assignments SET obsolete = 1, corrected_by = ? WHERE measure_id = ? AND agency = ?",
            [correction.id, m, agency],
        )
        _keep_a_part(conn, m)
        return True
    conn.execute(
        "UPDATE measures SET due = ?, recurrence = NULL, corrected_by = ? WHERE id = ?",
        [correction.due, correction.id, m],
    )
    conn.execute("UPDATE assignments SET due = ? WHERE measure_id = ?", [correction.due, m])
    settle(conn, m)  # a recurring measure given one date: its statuses per period to the one status
    return True


def _later_due(conn, correction: Correction) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM corrections WHERE measure_id = ? AND action = 'due' AND state = 'active' AND id "
            "> ?",
            [correction.measure_id, correction.id],
        ).fetchone()
    )


def _document_due(conn, measure_id: str) -> str | None:
    return conn.execute("SELECT own_due FROM measures WHERE id = ?", [measure_id]).fetchone()[0]


def _current_units(conn, measure_id: str) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT agency FROM assignments WHERE measure_id = ? AND obsolete = 0 AND agency != '' ORDER BY "
            "seq",
            [measure_id],
        )
    ]


def _keep_a_part(conn, measure_id: str) -> None:
    """A measure left with no unit has its own part again (listed under 未指定责任单位)."""
    if _current_units(conn, measure_id):
        return
    (due,) = conn.execute("SELECT due FROM measures WHERE id = ?", [measure_id]).fetchone()
    conn.execute(
        "INSERT INTO assignments (measure_id, agency, role, grp, seq, due, obsolete) "
        "VALUES (?, ?, 'unspecified', 1, 0, ?, 0) ON CONFLICT (measure_id, agency) DO UPDATE SET obsolete = "
        "0, "
        "due = excluded.due",
        [measure_id, UNASSIGNED, due],
    )


def _drop_the_unassigned_part(conn, measure_id: str) -> None:
    """A measure given a unit is no longer one without: its own part is set aside (progress kept)."""
    if _current_units(conn, measure_id):
        conn.execute(
            "UPDATE assignments SET obsolete = 1 WHERE measure_id = ? AND agency = ?",
            [measure_id, UNASSIGNED],
        )


def _by_id(conn, correction_id: int) -> Correction:
    return Correction(
        *conn.execute(f"SELECT {_COLUMNS} FROM corrections WHERE id = ?", [correction_id]).fetchone()
    )


def _describe(correction: Correction) -> str:
    what = {
        "assign": f"assign {correction.agency}",
        "unassign": f"unassign {correction.agency}",
        "due": f"due {correction.due}",
    }[correction.action]
    return f"correction {correction.id} ({what} on {correction.measure_id}, {correction.by})"


def _iso_date(value: str | None) -> str:
    try:
        return date.fromisoformat((value or "").strip()).isoformat()
    except ValueError:
        raise BadInput(f"not a date: {value!r}; use YYYY-MM-DD, e.g. 2022-06-30") from None
