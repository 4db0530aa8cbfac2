"""Returned ledgers (`policy import`): the 台账 an agency filled in and sent back, as an Excel workbook
(workbook.py wrote it) or the CSV export, read row by row into marks.

Every row carries its key (行键: measure, agency, period, and the version of the part at export: the
id of the last change of its status, 0 for none). A row whose editable cells (状态, 进展情况/备注,
佐证材料, 完成时间) differ from what the database holds is

- a change, when the part has not changed since the export (its version is the key's);
- a conflict, when it has (someone marked it meanwhile) and the row was edited too: reported with
  both values and left alone, unless the user takes the returned value (`theirs`) or keeps the
  database's (`ours`);
- nothing, when the row still says what was exported: the database has simply moved on.

Everything is checked before anything is written: a key that does not parse or does not match its
row's 措施编号 / 责任单位 / 期次 means the file was damaged, and the whole import is refused; a row
with an unknown measure, a part of another agency than the sheet's, an unknown status word or a
completion date in the future is an error, reported and not applied. The changes are written in
one transaction, all of them (or, `strict`, none when anything was refused).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path

from policycli.checklist.lookup import agency_scope, follow_moves, resolve_measure
from policycli.checklist.marking import record
from policycli.checklist.periods import display as period_display
from policycli.checklist.periods import periods_of
from policycli.checklist.status import current_user, now_iso, status_changes
from policycli.errors import BadInput, PolicyError
from policycli.kinds import STATUS_LABELS, UNASSIGNED_LABEL, status_from_input
from policycli.store import Database, write_transaction

# The columns a return is read by, under the names the Excel ledger and the CSV export give them.
_HEADERS = {
    "id": ("措施编号",),
    "agency": ("责任单位",),
    "period": ("期次",),
    "status": ("状态",),
    "note": ("进展情况/备注", "进展情况", "备注"),
    "evidence": ("佐证材料", "佐证"),
    "reporter": ("填报人",),
    "done_on": ("完成时间",),
    "key": ("行键",),
}
META_SHEET = "_policy"


@dataclass
class Returned:
    """One row of a returned ledger, as read."""

    file: str
    sheet: str | None
    line: int  # the row's number in the sheet or CSV file (the header is 1)
    measure_id: str
    agency: str
    period: str
    version: int
    batch: int | None  # the last batch of measure moves at export (None: a key without it)
    status: str | None  # as typed
    note: str | None
    evidence: str | None
    reporter: str | None
    done_on: object  # a date, or the text typed
    sheet_agency: str | None  # the agency the sheet was exported for (None: the whole ledger)


@dataclass
class Outcome:
    """What became of one returned row (the JSON fields of `policy import`)."""

    file: str
    sheet: str | None
    row: int
    id: str
    agency: str
    period: str | None
    outcome: str  # applied | would apply | conflict | theirs | ours | error
    before: str | None  # the database's status
    after: str | None  # the returned status
    message: str = ""

    def fields(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ImportResult:
    outcomes: list[Outcome] = field(default_factory=list)
    unchanged: int = 0

    def count(self, *kinds: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome in kinds)


# --- reading ------------------------------------------------------------------------------------


def read_returns(path: Path) -> list[Returned]:
    """The rows of a returned ledger (.xlsx or .csv). BadInput when it is not a ledger policy
    exported, or its key column is damaged."""
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_workbook(path)
    if suffix == ".csv":
        return _read_csv(path)
    raise BadInput(f"{path.name}: a returned ledger is an .xlsx workbook or a .csv file")


def _read_workbook(path: Path) -> list[Returned]:
    # python-calamine (Rust) reads a 10,000-row return in 0.2 s where openpyxl takes 5 s
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    except Exception as exc:  # calamine's errors: not a zip, not a workbook, a broken part
        raise BadInput(f"{path.name}: not an Excel workbook that can be read ({exc})") from None
    agencies = {}
    for row in sheets.pop(META_SHEET, [])[1:]:
        if row and row[0]:
            agencies[str(row[0])] = None if row[1] in (None, "", "*") else str(row[1])
    rows: list[Returned] = []
    found = False
    for title, values in sheets.items():
        header = values[0] if values else ()
        columns = _columns(header)
        if columns is None:
            names = {str(h).strip() for h in header if h is not None}
            if title in agencies or {"措施编号", "状态"} <= names:
                # an exported sheet that lost its key column: its edits cannot be matched
                raise BadInput(
                    f"{path.name} sheet {title}: the key column 行键 is missing; the ledger was edited in a "
                    "way that removed it; nothing was imported"
                )
            continue  # a sheet of the user's own (notes, a summary)
        found = True
        for number, cells in enumerate(values[1:], start=2):
            item = _row(path.name, title, number, cells, columns, agencies.get(title))
            if item is not None:
                rows.append(item)
    if not found:
        raise BadInput(
            f"{path.name}: no sheet with the key column 行键; is this a ledger `policy export` wrote?"
        )
    return rows


def _read_csv(path: Path) -> list[Returned]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{path.name}: not UTF-8 text; save the ledger as CSV UTF-8") from None
    lines = csv.reader(io.StringIO(text, newline=""))
    header = next(lines, None)
    columns = _columns(header or ())
    if columns is None:
        raise BadInput(f"{path.name}: no key column 行键; is this a ledger `policy export` wrote?")
    out = []
    for number, values in enumerate(lines, start=2):
        item = _row(path.name, None, number, values, columns, None)
        if item is not None:
            out.append(item)
    return out


def _columns(header) -> dict[str, int] | None:
    names = [str(h).strip() if h is not None else "" for h in header]
    columns = {}
    for key, choices in _HEADERS.items():
        for choice in choices:
            if choice in names:
                columns[key] = names.index(choice)
                break
    return columns if "key" in columns and "id" in columns and "status" in columns else None


def _cell(values, columns: dict[str, int], key: str) -> object:
    k = columns.get(key)
    if k is None or k >= len(values):
        return None
    value = values[k]
    if isinstance(value, str):
        value = value.strip()
        # the CSV export neutralises a cell that would run as a formula with a leading apostrophe
        # ("'-减少10%"): the cell says what follows it
        if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@", "\t", "\r", "\n"):
            value = value[1:]
        return value or None
    return value


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _row(
    file: str, sheet: str | None, number: int, values, columns: dict[str, int], sheet_agency: str | None
) -> Returned | None:
    values = list(values or ())
    if not any(v not in (None, "") for v in values):
        return None  # a blank row
    where = f"{file}{' ' + sheet if sheet else ''} row {number}"
    raw = _text(_cell(values, columns, "key"))
    if raw is None:
        raise BadInput(
            f"{where}: no key (行键); rows cannot be added to a ledger by hand; nothing was imported"
        )
    try:
        measure_id, agency, period, version, *rest = json.loads(raw)
        batch = rest[0] if rest else None
        if (
            not all(isinstance(v, str) for v in (measure_id, agency, period))
            or not isinstance(version, int)
            or not (batch is None or isinstance(batch, int))
            or len(rest) > 1
        ):
            raise ValueError
    except (ValueError, TypeError):
        raise BadInput(f"{where}: the key (行键) {raw!r} is damaged; nothing was imported") from None
    # the visible cells must name the same part: a sort of some columns only, or a pasted key,
    # would otherwise import one part's cells as another's
    shown_id = _text(_cell(values, columns, "id"))
    shown_agency = _text(_cell(values, columns, "agency"))
    shown_period = _text(_cell(values, columns, "period")) or ""
    if (
        shown_id != measure_id
        or ("agency" in columns and shown_agency != (agency or UNASSIGNED_LABEL))
        or ("period" in columns and shown_period not in (period, period_display(period)))
    ):
        raise BadInput(
            f"{where}: the key (行键) does not match the row's 措施编号/责任单位/期次; the ledger was edited "
            "in a way that mixed up its rows; nothing was imported"
        )
    return Returned(
        file=file,
        sheet=sheet,
        line=number,
        measure_id=measure_id,
        agency=agency,
        period=period,
        version=version,
        batch=batch,
        status=_text(_cell(values, columns, "status")),
        note=_text(_cell(values, columns, "note")),
        evidence=_text(_cell(values, columns, "evidence")),
        reporter=_text(_cell(values, columns, "reporter")),
        done_on=_cell(values, columns, "done_on"),
        sheet_agency=sheet_agency,
    )


# --- checking and applying ------------------------------------------------------------------


def import_returns(
    db: Database,
    paths: list[Path],
    today: date,
    by: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
    resolve: str | None = None,
) -> ImportResult:
    """Read every file first (a damaged one refuses the whole import), then check and apply in one
    write transaction. `resolve`: "theirs" takes a conflicting row's returned value, "ours" keeps
    the database's; None reports the conflict and applies nothing for that row. A dry run reads
    without taking the write lock."""
    from contextlib import nullcontext

    rows = [row for path in paths for row in read_returns(path)]
    result = ImportResult()
    fallback = by or current_user()
    at = now_iso()
    with nullcontext() if dry_run else write_transaction(db):
        conn = db.conn
        checked = [(row, *_check(db, row, today)) for row in rows]
        _refuse_duplicates(checked)
        planned: list[tuple[Returned, tuple, str, str]] = []
        for row, outcome, state, measure_id, agency in checked:
            if outcome is None:
                result.unchanged += 1
                continue
            if outcome.outcome == "conflict" and resolve:
                outcome.outcome = resolve
                outcome.message = (
                    "taken from the returned ledger (--theirs)" if resolve == "theirs" else "kept (--ours)"
                )
            result.outcomes.append(outcome)
            if outcome.outcome in ("change", "theirs"):
                planned.append((row, state, measure_id, agency))
        refused = result.count("error", "conflict")
        if dry_run or (strict and refused):
            for outcome in result.outcomes:
                if outcome.outcome in ("change", "theirs"):
                    outcome.outcome = "would apply" if dry_run else "not applied (--strict)"
            return result
        for row, (status, note, evidence, done_on), measure_id, agency in planned:
            record(
                conn,
                measure_id,
                agency,
                row.period,
                status,
                note,
                evidence,
                row.reporter or fallback,
                at,
                done_on,
            )
        for outcome in result.outcomes:
            if outcome.outcome in ("change", "theirs"):
                outcome.outcome = "applied"
    return result


def _refuse_duplicates(checked: list) -> None:
    """A part in two rows (a sheet copied, two files) that say different things: neither applies.
    Rows that say the same are one."""
    by_part: dict[tuple, list[int]] = {}
    for k, (row, _, state, measure_id, agency) in enumerate(checked):
        if state:
            by_part.setdefault((measure_id, agency, row.period), []).append(k)
    for indexes in by_part.values():
        if len({checked[k][2] for k in indexes}) < 2:
            for k in indexes[1:]:  # the same state again: counted once
                row, _, state, measure_id, agency = checked[k]
                checked[k] = (row, None, state, measure_id, agency)
            continue
        places = "、".join(
            f"{checked[k][0].file} {checked[k][0].sheet or ''} row {checked[k][0].line}".replace("  ", " ")
            for k in indexes
        )
        for k in indexes:
            row, _, _, measure_id, agency = checked[k]
            refused = _outcome(
                row, "error", f"the same part in {places} says different things; neither is applied"
            )
            checked[k] = (row, refused, (), measure_id, agency)


def _outcome(
    row: Returned, kind: str, message: str = "", before: str | None = None, after: str | None = None
) -> Outcome:
    return Outcome(
        row.file,
        row.sheet,
        row.line,
        row.measure_id,
        row.agency,
        row.period or None,
        kind,
        before,
        after,
        message,
    )


def _clean(state: tuple) -> tuple:
    """A part's (status, note, evidence, done_on) as compared: text without surrounding blanks,
    empty text as none (a spreadsheet cell keeps neither)."""
    status, *details = state
    return (status, *[(str(v).strip() or None) if v is not None else None for v in details])


def _check(db: Database, row: Returned, today: date) -> tuple[Outcome | None, tuple, str, str]:
    """(the outcome, or None when the row changes nothing; the returned state; the measure's id
    now; the part's agency now)."""
    conn = db.conn

    outcome = partial(_outcome, row)

    measure = _measure_now(db, row)
    if measure is None:
        return outcome("error", f"unknown measure {row.measure_id}"), (), row.measure_id, row.agency
    measure_id = measure["id"]
    agency = _agency_now(db, measure_id, row.agency)
    try:
        status = status_from_input(row.status or "")
    except ValueError:
        words = "、".join(STATUS_LABELS.values())
        return outcome("error", f"unknown status {row.status!r}; use one of {words}"), (), measure_id, agency
    done_on = _date(row.done_on)
    if done_on == "invalid":
        return (
            outcome("error", f"完成时间 {row.done_on!r} is not a date (2022-05-10)"),
            (),
            measure_id,
            agency,
        )
    returned = _clean((status, row.note, row.evidence, done_on))
    untouched = returned == _clean(_state_after(conn, row.version))
    if agency is None:
        if untouched:  # a row nobody edited, of a part that is gone: nothing to say
            return None, (), measure_id, row.agency
        who = row.agency or UNASSIGNED_LABEL
        message = f"{who} is not (or no longer) a responsible unit of {measure_id}"
        return outcome("error", message), (), measure_id, row.agency
    if row.sheet_agency is not None:
        canonical, scope = agency_scope(db, row.sheet_agency)
        if agency not in scope:
            message = f"{agency or UNASSIGNED_LABEL}'s part in {canonical}'s ledger; not applied"
            return outcome("error", message), (), measure_id, agency
    periods = {p.label for p in periods_of(measure.get("recurrence"), measure.get("due_info"))}
    if (row.period and row.period not in periods) or (not row.period and periods):
        if untouched:
            return None, (), measure_id, agency
        return (
            outcome("error", f"{measure_id} has no period {row.period or '(none)'} now"),
            (),
            measure_id,
            agency,
        )
    if done_on and done_on > today.isoformat():
        return outcome("error", f"完成时间 {done_on} is in the future", after=status), (), measure_id, agency
    current = _clean(_current_state(conn, measure_id, agency, row.period))
    if returned == current:
        return None, returned, measure_id, agency
    version = _version(conn, measure_id, agency, row.period)
    if version == row.version:
        return outcome("change", before=current[0], after=status), returned, measure_id, agency
    if untouched:
        return None, returned, measure_id, agency  # the row says what was exported: the database moved on
    message = (
        f"changed since the export: now {STATUS_LABELS.get(current[0], current[0])}"
        f"{'（' + current[1] + '）' if current[1] else ''}, returned {STATUS_LABELS.get(status, status)}"
        f"{'（' + returned[1] + '）' if returned[1] else ''}"
    )
    return outcome("conflict", message, before=current[0], after=status), returned, measure_id, agency


def _measure_now(db: Database, row: Returned) -> dict | None:
    """The measure the row was exported for, where it is now: a revision loaded since the export
    (a move of a later batch than the key's) may have renumbered it, and its old id may now be
    another measure's."""
    measure_id = row.measure_id if row.batch is None else follow_moves(db, row.measure_id, row.batch)
    try:
        return resolve_measure(db, measure_id)
    except PolicyError:
        return None


def _agency_now(db: Database, measure_id: str, agency: str) -> str | None:
    """The part's name now: as exported, or the agency a user alias made of it since (policy
    agencies alias moves the progress to the canonical name); None when it is not a current part."""
    names = [agency]
    if agency:
        try:
            names.append(agency_scope(db, agency)[0])
        except PolicyError:
            pass
    for name in names:
        if db.conn.execute(
            "SELECT 1 FROM assignments WHERE measure_id = ? AND agency = ? AND obsolete = 0",
            [measure_id, name],
        ).fetchone():
            return name
    return None


def _current_state(conn, measure_id: str, agency: str, period: str) -> tuple:
    row = conn.execute(
        "SELECT status, note, evidence, done_on FROM progress "
        "WHERE measure_id = ? AND agency = ? AND period = ?",
        [measure_id, agency, period],
    ).fetchone()
    return tuple(row) if row else ("todo", None, None, None)


def _version(conn, measure_id: str, agency: str, period: str) -> int:
    (version,) = conn.execute(
        "SELECT coalesce(max(id), 0) FROM events WHERE measure_id = ? AND agency = ? AND period = ? "
        f"AND {status_changes()}",
        [measure_id, agency, period],
    ).fetchone()
    return version


def _state_after(conn, event_id: int) -> tuple:
    """The part's (status, note, evidence, done_on) right after change `event_id` (0: before any)."""
    if not event_id:
        return ("todo", None, None, None)
    row = conn.execute(
        "SELECT action, after_status, note, evidence, done_on, undoes FROM events WHERE id = ?", [event_id]
    ).fetchone()
    if row is None:
        return ("", None, None, None)  # never matches: a version the log does not have
    action, after, note, evidence, done_on, undoes = row
    if action == "mark":
        return (after, note, evidence, done_on)
    undone = conn.execute(
        "SELECT before_status, before_note, before_evidence, before_done_on FROM events WHERE id = ?",
        [undoes],
    ).fetchone()
    if undone is None:
        return ("", None, None, None)
    return (undone[0] or "todo", undone[1], undone[2], undone[3])


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def _date(value: object) -> str | None:
    """A completion date as ISO, None when empty, "invalid" when it is not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    m = _DATE.fullmatch(str(value).strip().split(" ")[0])
    if not m:
        return "invalid"
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return "invalid"


__all__ = ["ImportResult", "Outcome", "import_returns", "read_returns"]
