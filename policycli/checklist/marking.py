"""Recording progress: a part's status (mark), reverting the last change (undo), and the record of
every change (history).

`policy done` imports this module at start-up: its records are NamedTuples (a frozen dataclass costs
about 1 ms to create, and the dataclasses module brings inspect, ~8 ms), their annotations evaluated
(typing compiles each string annotation of a NamedTuple: no `from __future__ import annotations`), and
periods.py is imported only for a measure that recurs."""

from datetime import date
from typing import NamedTuple

from policycli.checklist.lookup import _SCOPE_ORDER, agency_condition, agency_scope, resolve_measure
from policycli.checklist.status import STATUSES, UNASSIGNED, current_user, now_iso
from policycli.errors import BadInput
from policycli.kinds import (
    MEASURE_KINDS,
    STATUS_LABELS,
    UNASSIGNED_LABEL,
    status_from_input,
)
from policycli.store import Database, write_transaction

NO_PERIOD = ""  # periods.NO_PERIOD: the period of a measure that does not recur

# --- marking -------------------------------------------------------------------------------


class Marked(NamedTuple):
    """A recorded change of one part (measure, agency, period): the event's id, the status before and
    after."""

    id: int | None  # None when nothing changed, so nothing was recorded
    measure_id: str
    agency: str  # "" for a measure with no responsible unit
    before: str
    after: str
    by: str
    at: str  # UTC, ISO with offset
    period: str = NO_PERIOD  # a recurring measure's period ("2022", "2022-Q3"); "" for others

    @property
    def changed(self) -> bool:
        return self.id is not None


class Undone(NamedTuple):
    """An undone change: the event reverted, the part, the status it is back to and the one it had."""

    undone: int
    measure_id: str
    agency: str
    status: str
    was: str
    by: str | None  # who had made the change that was undone
    action: str = "mark"  # or the correction undone: assign | unassign | due
    detail: str | None = None  # a correction's role or date
    period: str = NO_PERIOD  # the period of a recurring measure the undone mark was for


class Change(NamedTuple):
    """One recorded change (an event), as `policy history` and `policy show` list it (the JSON fields)."""

    id: int
    at: str  # UTC, ISO with offset
    by: str
    measure: str
    agency: str  # "" for a measure with no responsible unit
    action: str  # mark | undo | assign | unassign | due (the last three: corrections)
    before: str
    after: str | None  # a mark's new status; None for a correction
    note: str | None
    evidence: str | None
    undone: bool  # a later undo reverted it
    detail: str | None = None  # a correction's role (assign) or date (due); an undo's: what it undid
    period: str | None = None  # a recurring measure's period the mark was for; None for others

    def fields(self) -> dict:
        return self._asdict()


def mark(
    db: Database,
    measure_id: str,
    status: str,
    agency: str | None = None,
    note: str | None = None,
    evidence: str | None = None,
    by: str | None = None,
    default_agency: str | None = None,
    period: str | None = None,
    today: date | None = None,
) -> Marked:
    """Record `agency`'s status on a measure; returns the event. `default_agency` (the person's
    configured unit) stands in for a missing `agency`, except on a measure with no responsible unit.
    A recurring measure is marked for one period: `period` as the user wrote it (2022, 2022-Q3,
    2022年第3季度, a date in it), by default the one open on `today` (periods.choose).

    Everything the write depends on (the measure, its parts, which part is the agency's) is read
    inside the write transaction: a `load` committing in between may rename the part to a
    successor (上海银保监局 → 金融监管总局上海监管局), and a part chosen before the lock would be
    written under a name nobody sees any more."""
    try:
        status = status_from_input(status)
    except ValueError:
        raise BadInput(
            f"unknown status {status!r}; use one of {', '.join(STATUSES)} "
            f"({'、'.join(STATUS_LABELS.values())})"
        ) from None
    by = by or current_user()
    at = now_iso()
    with write_transaction(db):
        measure = resolve_measure(db, measure_id)
        if measure["kind"] not in MEASURE_KINDS:
            raise BadInput(
                f"{measure['id']} is a heading ({measure['title']}), not a measure; `policy tasks --doc "
                f"{measure['doc_id']}` lists its measures"
            )
        assigned = [
            r[0]
            for r in db.conn.execute(
                "SELECT agency FROM assignments WHERE measure_id = ? AND obsolete = 0 ORDER BY seq",
                [measure["id"]],
            )
        ]
        if agency is None and assigned != [UNASSIGNED]:
            agency = default_agency
        key = _assignment_key(db, measure, assigned, agency)
        slot = _period(measure, period, today)
        return record(db.conn, measure["id"], key, slot, status, note, evidence, by, at, keep=True)


def record(
    conn,
    measure_id: str,
    agency: str,
    period: str,
    status: str,
    note: str | None,
    evidence: str | None,
    by: str,
    at: str,
    done_on: str | None = None,
    keep: bool = False,
) -> Marked:
    """Inside a write transaction: set one part's status (its note, evidence and completion date)
    and log the change; nothing when nothing changes. `keep`: a note, evidence or completion date
    not given (None) leaves the recorded one in the no-change test, as `policy done` does after
    `--note`; otherwise (a returned ledger's row) the values are the whole new state."""
    before = conn.execute(
        "SELECT status, note, evidence, done_on FROM progress WHERE measure_id = ? AND agency = ? "
        "AND period = ?",
        [measure_id, agency, period],
    ).fetchone()
    old = before or (None, None, None, None)
    now = ("todo", *old[1:]) if before is None else tuple(before)
    details = zip((note, evidence, done_on), now[1:], strict=True)
    if status == now[0] and all(given == had or (keep and given is None) for given, had in details):
        # done → done changes nothing: no change is recorded (undo and history stay meaningful)
        return Marked(None, measure_id, agency, now[0], status, by, at, period)
    conn.execute(
        "INSERT INTO progress (measure_id, agency, period, status, note, evidence, by, at, done_on) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (measure_id, agency, period) DO UPDATE SET status = excluded.status, "
        "note = excluded.note, evidence = excluded.evidence, by = excluded.by, at = excluded.at, "
        "done_on = excluded.done_on",
        [measure_id, agency, period, status, note, evidence, by, at, done_on],
    )
    cursor = conn.execute(
        "INSERT INTO events (measure_id, agency, period, action, before_status, after_status, "
        "before_note, before_evidence, before_done_on, note, evidence, done_on, by, at) "
        "VALUES (?, ?, ?, 'mark', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [measure_id, agency, period, old[0], status, *old[1:], note, evidence, done_on, by, at],
    )
    return Marked(cursor.lastrowid, measure_id, agency, now[0], status, by, at, period)


def _period(measure: dict, wanted: str | None, today: date | None) -> str:
    """The period a mark is for: "" for a measure that does not recur, else the one `wanted` names
    or, by default, the one open today."""
    if measure.get("recurrence"):
        from policycli.checklist.periods import choose, periods_of

        periods = periods_of(measure["recurrence"], measure.get("due_info"))
        if periods:
            return choose(measure["id"], periods, wanted, today or date.today()).label
    if wanted is not None and wanted.strip():
        raise BadInput(f"{measure['id']} does not recur (每年, 每季度 …): mark it without --period")
    return NO_PERIOD


def _assignment_key(db: Database, measure: dict, assigned: list[str], agency: str | None) -> str:
    if not assigned:  # every part obsolete: the measure left its document's units behind
        raise BadInput(
            f"{measure['id']} has no current responsible unit to mark; `policy show {measure['id']}` shows "
            "its history"
        )
    if assigned == [UNASSIGNED]:
        if agency:
            raise BadInput(f"{measure['id']} has no responsible unit; mark it without --agency")
        return UNASSIGNED
    if agency is None:
        if len(assigned) == 1:
            return assigned[0]
        raise BadInput(
            f"{measure['id']} has {len(assigned)} responsible units; pass --agency (one of "
            f"{'、'.join(assigned)})"
        )
    canonical, scope = agency_scope(db, agency)
    mine = sorted((_SCOPE_ORDER[scope[a]], a) for a in assigned if a in scope)
    if mine and scope[mine[0][1]] != "collective":
        return mine[0][1]
    if mine:
        collective = mine[0][1]
        raise BadInput(
            f"{measure['id']} is assigned to the collective {collective}; mark it with --agency {collective}"
        )
    raise BadInput(f"{canonical} is not responsible for {measure['id']}; its units are {'、'.join(assigned)}")


def undo(db: Database, agency: str | None = None, by: str | None = None, anyone: bool = False) -> Undone:
    """Revert the most recent change not yet undone that `by` made (`anyone`: made by anyone),
    optionally only among the agency's own."""
    by = by or current_user()
    with write_transaction(db):
        sql = (
            "SELECT id, measure_id, agency, before_status, after_status, before_note, before_evidence, by, "
            "action, detail, period, before_done_on FROM events "
            "WHERE action IN ('mark', 'assign', 'unassign', 'due') AND undone = 0"
        )
        params: list = []
        if agency is not None:
            # Not a collective's change: 长宁区华阳路街道 must not undo what 长宁区各街道、镇 recorded
            # (it may not mark that part either, see _assignment_key).
            condition, params = agency_condition(db, agency, collectives=False)
            sql += f" AND {condition}"
        if not anyone:
            sql += " AND by = ?"
            params = [*params, by]
        last = db.conn.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
        if not last:
            whose = "" if anyone else f" made by {by} (undo --any undoes anyone's last change)"
            raise BadInput(f"nothing to undo{whose}")
        (event_id, measure_id, key, before_status, after_status, before_note, before_evidence, made_by) = (
            last[:8]
        )
        action, detail, slot, before_done_on = last[8:]
        at = now_iso()
        if action != "mark":
            from policycli.checklist.corrections import undo_correction

            undo_correction(db.conn, event_id)
            db.conn.execute("UPDATE events SET undone = 1 WHERE id = ?", [event_id])
            db.conn.execute(
                "INSERT INTO events (measure_id, agency, action, note, by, at, undoes, detail) "
                "VALUES (?, ?, 'undo', ?, ?, ?, ?, ?)",
                [measure_id, key, f"undo of change {event_id}", by, at, event_id, action],
            )
            return Undone(event_id, measure_id, key, "", "", made_by, action, detail)
        current = db.conn.execute(
            "SELECT status FROM progress WHERE measure_id = ? AND agency = ? AND period = ?",
            [measure_id, key, slot],
        ).fetchone()
        if current is None or current[0] != after_status:
            # The part's state is no longer what the change left (its progress moved with a rename
            # the log does not show, say): reverting blindly would report a change that did not happen.
            now = current[0] if current else "no recorded status"
            raise BadInput(
                f"cannot undo change {event_id}: {measure_id} [{key or UNASSIGNED_LABEL}]"
                f"{' ' + slot if slot else ''} is now {now}, not {after_status}; "
                f"record the status you want with `policy mark {measure_id} --status …`"
            )
        if before_status is None:
            db.conn.execute(
                "DELETE FROM progress WHERE measure_id = ? AND agency = ? AND period = ?",
                [measure_id, key, slot],
            )
        else:
            db.conn.execute(
                "UPDATE progress SET status = ?, note = ?, evidence = ?, done_on = ?, by = ?, at = ? "
                "WHERE measure_id = ? AND agency = ? AND period = ?",
                [before_status, before_note, before_evidence, before_done_on, by, at, measure_id, key, slot],
            )
        db.conn.execute("UPDATE events SET undone = 1 WHERE id = ?", [event_id])
        db.conn.execute(
            "INSERT INTO events (measure_id, agency, period, action, before_status, after_status, note, by, "
            "at, undoes) VALUES (?, ?, ?, 'undo', ?, ?, ?, ?, ?, ?)",
            [
                measure_id,
                key,
                slot,
                after_status,
                before_status or "todo",
                f"undo of change {event_id}",
                by,
                at,
                event_id,
            ],
        )
    return Undone(event_id, measure_id, key, before_status or "todo", after_status, made_by, period=slot)


def history(
    db: Database, measure_id: str | None = None, agency: str | None = None, limit: int | None = None
) -> list[Change]:
    """Recorded changes, newest first: of one measure, of one agency's parts (and its predecessors' and
    collectives'), or all."""
    where, params = [], []
    if measure_id:
        where.append("measure_id = ?")
        params.append(resolve_measure(db, measure_id)["id"])
    if agency is not None:
        condition, names = agency_condition(db, agency)
        where.append(condition)
        params += names
    sql = (
        "SELECT id, at, by, measure_id, agency, action, coalesce(before_status, 'todo'), after_status, "
        "note, evidence, undone, detail, nullif(period, '') FROM events"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [
        Change(*r[:-3], undone=bool(r[-3]), detail=r[-2], period=r[-1]) for r in db.conn.execute(sql, params)
    ]
