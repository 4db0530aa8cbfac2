"""`policy tasks`: the measures matching a query, most urgent first, driven by an index so the
first rows come without reading the rest; and how many there are."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from math import isqrt

from policycli import search
from policycli.checklist.lookup import _SCOPE_ORDER, agency_scope, require_document
from policycli.checklist.periods import Period, counted_sql
from policycli.checklist.status import (
    DUE_SOON_DAYS,
    STATUS_FILTERS,
    UNASSIGNED,
    days_left,
    deadline_status,
    overall_status,
    progress_text,
)
from policycli.errors import BadInput
from policycli.kinds import (
    FINISHED,
    FINISHED_SQL,
    KIND_LABELS,
    KINDS_SQL,
    MEASURE_KINDS,
    STATUS_LABELS,
    kind_from_input,
    status_from_input,
)
from policycli.store import Database


@dataclass
class TaskQuery:
    """What `policy tasks` asks for. `today` comes from the caller (--today, $POLICY_TODAY or the
    clock, read once in commands.py): library functions never read the clock themselves."""

    today: date
    agency: str | None = None
    doc: str | None = None
    status: str = "open"
    kind: str | None = None
    unassigned: bool = False
    search: str | None = None
    include_obsolete: bool = False
    limit: int | None = None
    due_within: int | None = None  # due between today and today + N days
    overdue: bool = False
    due_before: date | None = None
    soon_days: int = DUE_SOON_DAYS


_PARTS_SQL = """(SELECT json_group_array(json_array(a.agency, coalesce(p.status, 'todo')))
                  FROM (SELECT * FROM assignments WHERE measure_id = m.id AND obsolete = 0 ORDER BY seq) a
                  LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency
                       AND p.period = '')"""
_MEASURE_COLUMNS = (
    "m.id, m.doc_id, m.number, m.kind, m.title, m.text, m.due, m.obsolete, m.seq, m.path, m.due_info"
)


@dataclass
class TaskRow:
    """One measure of a `policy tasks` listing, as views and exports read it (JSON: views.TASK_FIELDS)."""

    id: str
    doc: str
    number: str | None
    kind: str
    title: str
    text: str
    due: str | None  # ISO; a recurring measure's: its period's
    obsolete: bool
    seq: int
    path: str | None
    agencies: list[str]  # the responsible units in the document's order; [""] for none
    status: str  # the whole measure's, from every part (status.overall_status)
    progress: str  # "1/3" of the parts finished
    days_left: int | None
    deadline: str | None = None  # overdue / due soon / done / None (status.deadline_status)
    agency_status: str | None = None  # with --agency: that agency's own part
    via: str | None = None  # with --agency, when not its own part: "predecessor: 上海银保监局"
    period: str | None = None  # a recurring measure's period ("2022", "2022-Q3"): one row per period

    def fields(self) -> dict:
        return dict(self.__dict__)


@dataclass
class AgencySummary:
    """The title of `policy tasks --agency`: "市商务委 · 34 项未完成，其中逾期 34"."""

    agency: str  # canonical name
    open: int
    overdue: int


def list_tasks(db: Database, query: TaskQuery) -> list[TaskRow]:
    """Measures matching `query`, due date first, then document order.

    With an agency (or --unassigned), the listing is driven by that agency's assignments in due
    order through the (agency, obsolete, due, measure_id) index, so its first rows come without
    reading the other agencies' measures. A recurring measure has a row per period that counts
    today (those already due and the open one, periods.in_view), each with its own status; these
    are merged in from a second small query. Without a limit: iter_tasks' rows.
    """
    query = _normalised(query)
    if not query.limit:
        return list(iter_tasks(db, query))
    today = query.today
    where, params = _measure_filters(db, query)
    scope = _scope(db, query)
    driver, budget = _search_plan(db, query)
    if scope is not None:
        if driver is not None:
            where, params = [*where, f"m.rowid IN ({search.ROWIDS})"], [*params, driver]
        return _agency_tasks(db, query, scope, where, params, today)
    # Read in due order and stop once `limit` rows match (the overall status needs every part, so
    # it is checked row by row); recurring measures, a row per period, come apart.
    horizon = _due_horizon(query, today)
    select = f"SELECT {_MEASURE_COLUMNS}, {_PARTS_SQL} FROM measures m WHERE "

    def read(driver: str | None) -> list[TaskRow]:
        rows: list[TaskRow] = []

        def take(conditions: list[str], values: list, order: str) -> None:
            if driver is None:
                records = db.conn.execute(select + " AND ".join(conditions) + order, values)
            else:
                records = _search_hits(db, conditions, values, order, driver, query.limit)
            for record in records:
                item = _task_row(record, today)
                item.deadline = deadline_status(item.status, item.due, today, query.soon_days)
                if _status_matches(query.status, item.status) and _due_matches(query, item.due, today):
                    rows.append(item)
                    if query.limit and len(rows) >= query.limit:
                        return

        dated = [*where, "m.recurrence IS NULL", "m.due IS NOT NULL"] + (["m.due <= ?"] if horizon else [])
        take(dated, params + ([horizon.isoformat()] if horizon else []), " ORDER BY m.due, m.doc_id, m.seq")
        if horizon is None and not (query.limit and len(rows) >= query.limit):
            take([*where, "m.recurrence IS NULL", "m.due IS NULL"], params, " ORDER BY m.doc_id, m.seq")
        return rows

    if budget is None:
        rows = read(driver)
    else:  # a common term, read in due order: for no longer than the index would have taken
        try:
            with _step_budget(db, budget):
                rows = read(None)
        except _OverBudget:
            rows = read(search.expression(search.terms(query.search)))
    if driver is not None:  # a rare term: its recurring measures among the index's candidates too
        where, params = [*where, f"m.rowid IN ({search.ROWIDS})"], [*params, driver]
    # With `limit` rows already found, a recurring measure's period due after the last of them
    # cannot be among the most urgent: only those due by then are read (at 1M measures, 20k
    # recurring ones with 60k periods otherwise, for a table of 100).
    full = bool(query.limit) and len(rows) >= query.limit and rows[-1].due is not None
    rows += _period_rows(db, query, where, params, None, today, due_by=rows[-1].due if full else None)
    rows.sort(key=_urgency)
    return rows[: query.limit] if query.limit else rows


def iter_tasks(db: Database, query: TaskQuery) -> Iterator[TaskRow]:
    """list_tasks' rows in its order, one at a time: a listing of every row (JSON, CSV, Markdown) is
    written as it is read, in memory that does not grow with it (150k rows of one agency at 1M
    measures). With a `limit`, list_tasks' rows (at most `limit` of them).

    Two sources, each read from SQLite in the listing's order, are merged as they come: the
    measures that do not recur (an agency's: its assignments' measure ids sorted first, so that the
    measures, their parts and the rest are read in the tables' order, not at random across the
    file, and SQLite sorts the rows by due date, spilling to a temporary file past its cache), and
    the recurring measures' periods (_period_stream)."""
    import heapq

    query = _normalised(query)
    if query.limit:
        yield from list_tasks(db, query)
        return
    today = query.today
    where, params = _measure_filters(db, query)
    scope = _scope(db, query)
    driver = search.expression(search.terms(query.search)) if search.terms(query.search) else None
    if driver is not None:
        searched, searched_params = [*where, f"m.rowid IN ({search.ROWIDS})"], [*params, driver]
    else:
        searched, searched_params = where, params
    if scope is not None:
        once = _agency_stream(db, query, scope, searched, searched_params, today)
    else:
        once = _measure_stream(db, query, where, params, driver, today)
    periodic = _period_stream(db, query, searched, searched_params, scope, today)
    yield from heapq.merge(once, periodic, key=_urgency)


def _measure_stream(
    db: Database, query: TaskQuery, where: list[str], params: list, driver: str | None, today: date
) -> Iterator[TaskRow]:
    """Every matching measure that does not recur, in due order (undated last), judged by its
    overall status: through the due index, or among the search index's candidates."""
    select = f"SELECT {_MEASURE_COLUMNS}, {_PARTS_SQL} FROM measures m WHERE "
    horizon = _due_horizon(query, today)
    dated = [*where, "m.recurrence IS NULL", "m.due IS NOT NULL"] + (["m.due <= ?"] if horizon else [])
    reads = [
        (dated, [*params, *([horizon.isoformat()] if horizon else [])], " ORDER BY m.due, m.doc_id, m.seq")
    ]
    if horizon is None:
        reads.append(([*where, "m.recurrence IS NULL", "m.due IS NULL"], params, " ORDER BY m.doc_id, m.seq"))
    for conditions, values, order in reads:
        if driver is None:
            records = db.conn.execute(select + " AND ".join(conditions) + order, values)
        else:
            records = _search_hits(db, conditions, values, order, driver, None)
        for record in records:
            item = _task_row(record, today)
            item.deadline = deadline_status(item.status, item.due, today, query.soon_days)
            if _status_matches(query.status, item.status) and _due_matches(query, item.due, today):
                yield item


def _agency_stream(
    db: Database, query: TaskQuery, scope: dict[str, str], where: list[str], params: list, today: date
) -> Iterator[TaskRow]:
    """The agency's measures that do not recur, each once (its own part; else a predecessor's,
    else a collective's, as _agency_tasks chooses), in due order (undated last).

    Its assignments are read through its index, sorted by measure id (a materialised CTE; the
    LIMIT keeps SQLite from dropping the ORDER BY), so that measures, parts and progress are then
    looked up in the order they are stored in — at 1M measures, reading 150k measures in due order
    jumped across a 3 GB file and took twice as long — and SQLite sorts the finished rows."""
    names = list(scope)
    own_where, own_params = _own_part_conditions(query, names, where, params)
    picked = [f"agency IN ({', '.join('?' for _ in names)})"]
    picked_params: list = list(names)
    if not query.include_obsolete:
        picked.append("obsolete = 0")
    horizon = _due_horizon(query, today)
    if horizon is not None:
        picked += ["due IS NOT NULL", "due <= ?"]
        picked_params.append(horizon.isoformat())
    if query.due_within is not None:
        picked.append("due >= ?")
        picked_params.append(today.isoformat())
    sql = (
        "WITH own AS MATERIALIZED (SELECT measure_id, agency, obsolete, due FROM assignments "
        f"WHERE {' AND '.join(picked)} ORDER BY measure_id LIMIT -1) "
        f"SELECT {_MEASURE_COLUMNS}, {_PARTS_SQL}, own.agency, coalesce(op.status, 'todo') "
        "FROM own CROSS JOIN measures m ON m.id = own.measure_id "
        "LEFT JOIN progress op ON op.measure_id = own.measure_id AND op.agency = own.agency "
        f"AND op.period = '' WHERE {' AND '.join([*own_where, 'm.recurrence IS NULL'])} "
        "ORDER BY m.due IS NULL, m.due, m.doc_id, m.seq, m.id, own.agency"
    )
    chosen: tuple | None = None  # the best record of the measure being read, its rank
    for record in db.conn.execute(sql, [*picked_params, *own_params]):
        rank = _SCOPE_ORDER[scope[record[-2]]]
        if chosen is not None and chosen[0][0] == record[0]:
            if rank < chosen[1]:
                chosen = (record, rank)
            continue
        if chosen is not None and (item := _agency_row(chosen[0], scope, query, today)) is not None:
            yield item
        chosen = (record, rank)
    if chosen is not None and (item := _agency_row(chosen[0], scope, query, today)) is not None:
        yield item


def _agency_row(record: tuple, scope: dict[str, str], query: TaskQuery, today: date) -> TaskRow | None:
    """A row of an agency's listing from _MEASURE_COLUMNS, _PARTS_SQL, the name in scope and its
    part's status; None if its due date is not asked for."""
    name, own_status = record[-2], record[-1]
    item = _task_row(record[:-2], today)
    # The agency's own part; else a predecessor's (上海银保监局 for 金融监管总局上海监管局);
    # else a collective's it belongs to (各区政府 for 长宁区政府), marked as such.
    item.agency_status = own_status
    item.via = None if scope[name] == "own" else f"{scope[name]}: {name}"
    item.deadline = deadline_status(own_status, item.due, today, query.soon_days)
    return item if _due_matches(query, item.due, today) else None


def count_tasks(db: Database, query: TaskQuery) -> int:
    """How many rows list_tasks(db, query) returns without its limit, counted in SQL (for "showing
    the 100 most urgent of 271"). With an agency or --unassigned: one COUNT through the agency's
    index (milliseconds at 1M measures). Without: every matching measure's parts are read to know
    its overall status, a scan of the measures the other filters leave (seconds at 1M unfiltered),
    so call it only when the listing was cut. The rows of recurring measures (one per period) are
    counted as list_tasks makes them."""
    query = _normalised(query)
    today = query.today.isoformat()
    where, params = _measure_filters(db, query)
    scope = _scope(db, query)
    if scope is not None and _counted_by_tallies(db, query):
        # the agency's open measures (overdue ones) from the tallies, and its recurring measures' open
        # periods from the periods that count today (read once per connection, tallies.py)
        from policycli.tallies import open_measures, recurring_parts

        overdue = today if query.overdue else None
        periodic = {
            (measure_id, period)
            for _, measure_id, _, _, period, due, status in recurring_parts(db.conn, query.today, list(scope))
            if status not in FINISHED and (overdue is None or due < overdue)
        }
        return len(periodic) + open_measures(db.conn, list(scope), overdue)
    periodic = len(_period_rows(db, query, list(where), list(params), scope, query.today))
    if search.terms(query.search):  # the others are counted among the search index's candidates
        where.append(f"m.rowid IN ({search.ROWIDS})")
        params.append(search.expression(search.terms(query.search)))
    where.append("m.recurrence IS NULL")
    horizon = _due_horizon(query, today=date.fromisoformat(today))
    if horizon is not None:
        where.append("m.due <= ?")
        params.append(horizon.isoformat())
        if query.due_within is not None:
            where.append("m.due >= ?")
            params.append(today)
    if scope is not None:
        own, values = _own_part_conditions(query, list(scope), where, params)
        sql = (
            "SELECT count(DISTINCT m.id) FROM assignments own JOIN measures m ON m.id = own.measure_id "
            "LEFT JOIN progress op ON op.measure_id = own.measure_id AND op.agency = own.agency "
            "AND op.period = '' WHERE " + " AND ".join(own)
        )
        return periodic + db.conn.execute(sql, values).fetchone()[0]
    # overall_status() in SQL, from each measure's counts of parts
    overall = (
        "CASE WHEN n = 0 THEN 'todo' WHEN fin = n THEN (CASE WHEN na = n THEN 'n/a' ELSE 'done' END) "
        "WHEN blk > 0 THEN 'blocked' WHEN st > 0 THEN 'doing' ELSE 'todo' END"
    )
    status = "coalesce(p.status, 'todo')"
    per_measure = (
        f"SELECT count(a.agency) AS n, sum({status} IN ({FINISHED_SQL})) AS fin, sum({status} = 'n/a') AS "
        "na, "
        f"sum({status} = 'blocked') AS blk, sum({status} IN ('doing', 'done', 'n/a')) AS st "
        "FROM measures m LEFT JOIN assignments a ON a.measure_id = m.id AND a.obsolete = 0 "
        "LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency AND p.period = '' "
        f"WHERE {' AND '.join(where)} GROUP BY m.id"
    )
    if query.status == "open":
        condition = f"({overall}) NOT IN ({FINISHED_SQL})"
    elif query.status == "all":
        condition = "1"
    else:
        condition = f"({overall}) = ?"
        params.append(query.status)
    return (
        periodic
        + db.conn.execute(f"SELECT count(*) FROM ({per_measure}) WHERE {condition}", params).fetchone()[0]
    )


def _counted_by_tallies(db: Database, query: TaskQuery) -> bool:
    """Whether count_tasks can answer from the tallies: an agency's open measures, or its overdue
    ones, with no other filter."""
    from policycli.tallies import usable

    plain = not (query.doc or query.kind or query.search or query.include_obsolete or query.due_before)
    return plain and query.status == "open" and query.due_within is None and usable(db.conn)


def agency_summary(db: Database, agency: str, today: date, soon_days: int = DUE_SOON_DAYS) -> AgencySummary:
    """The agency's open measures (its own part, a predecessor's or a collective's) and how many of
    them are overdue."""
    canonical, _ = agency_scope(db, agency)
    base = TaskQuery(agency=agency, status="open", today=today, soon_days=soon_days)
    from dataclasses import replace

    return AgencySummary(canonical, count_tasks(db, base), count_tasks(db, replace(base, overdue=True)))


def _normalised(query: TaskQuery) -> TaskQuery:
    """The query with its status filter and kind as stored: --status 已完成 / 完成 / 未完成 / 全部 …,
    --kind 任务 / 指标 … are read as done, open, all, task, indicator …"""
    from dataclasses import replace

    try:
        status = status_from_input(query.status, filters=True)
    except ValueError:
        words = [*STATUS_FILTERS, "未完成", "全部", *STATUS_LABELS.values()]
        raise BadInput(f"unknown status {query.status!r}; use one of {', '.join(words)}") from None
    kind = query.kind
    if kind:
        try:
            kind = kind_from_input(kind)
        except ValueError:
            words = [*MEASURE_KINDS, *(KIND_LABELS[k] for k in MEASURE_KINDS)]
            raise BadInput(f"unknown kind {query.kind!r}; use one of {', '.join(words)}") from None
    return query if (status, kind) == (query.status, query.kind) else replace(query, status=status, kind=kind)


def _measure_filters(db: Database, query: TaskQuery) -> tuple[list[str], list]:
    where = [f"m.kind IN ({KINDS_SQL})"]
    params: list = []
    if not query.include_obsolete:
        where.append("m.obsolete = 0")
    if query.doc:
        require_document(db, query.doc)
        where.append("m.doc_id = ?")
        params.append(query.doc)
    if query.kind:
        where.append("m.kind = ?")
        params.append(query.kind)
    # A term matches as a substring of the title or of the text; the search index (search.py)
    # narrows the candidates where that pays (_search_plan), LIKE decides.
    conditions, values = search.like_condition(search.terms(query.search))
    where += conditions
    params += values
    return where, params


# Up to this many candidates, a search is always served through the index (milliseconds).
FEW_CANDIDATES = 1000
# The due-order read of a common term gives up after about the SQLite steps the index would have
# taken for the candidates counted, plus those of the rows it shows (measured at 1M measures: ~3.5 µs
# a candidate by the index; ~14 steps, ~4.5 µs, a measure read in due order; ~300 steps for the parts
# of a row shown).
STEPS_PER_CANDIDATE = 12
STEPS_PER_ROW = 400


def _search_plan(db: Database, query: TaskQuery) -> tuple[str | None, int | None]:
    """How a search is served: (the search index's expression when it drives the listing; else the
    SQLite steps the due-order read may take). (None, None) without a search.

    The index offers candidates in rowid order, the listing wants them in due order. When it
    offers few (or every row is wanted), they are fetched by rowid and sorted: work in proportion to
    the candidates. When it offers many, the measures are read in due order as without a search,
    each tested with LIKE, stopping at `limit` rows: about limit × measures / matches rows read. The
    two cost the same near sqrt(limit × measures) candidates; the index is counted up to twice that
    (it stops counting there). Matches bunched late in the due order (a term of the last year's
    measures) would make the due-order read long: it stops after what the index would have cost,
    and the index serves the listing. Relevance ranking is not used: this is a checklist, the most
    urgent first."""
    found = search.terms(query.search)
    if not found:
        return None, None
    expression = search.expression(found)
    if not query.limit:
        return expression, None
    (measures,) = db.conn.execute("SELECT coalesce(max(rowid), 0) FROM measures").fetchone()
    cap = max(FEW_CANDIDATES, 2 * isqrt(query.limit * measures))
    if search.candidates(db.conn, expression, cap) < cap:
        return expression, None
    return None, STEPS_PER_CANDIDATE * cap + STEPS_PER_ROW * query.limit


class _OverBudget(Exception):
    pass


@contextmanager
def _step_budget(db: Database, steps: int) -> Iterator[None]:
    """Interrupt the statements run inside after `steps` SQLite steps in all, as _OverBudget."""
    spent = [0]

    def tick() -> bool:
        spent[0] += 1000
        return spent[0] > steps

    db.conn.set_progress_handler(tick, 1000)
    try:
        yield
    except sqlite3.OperationalError:
        if spent[0] > steps:
            raise _OverBudget from None
        raise
    finally:
        db.conn.set_progress_handler(None, 1000)


def _search_hits(
    db: Database, conditions: list[str], values: list, order: str, expression: str, limit: int | None
) -> Iterator[tuple]:
    """The measures meeting `conditions` among the search index's candidates, in `order`, as
    _MEASURE_COLUMNS and _PARTS_SQL (and the rowid): the candidates are sorted on their own columns
    first, then read whole (with their parts) `limit` at a time at first, more if the status filter
    leaves too few, so that a listing stopping at its limit reads few more parts than it shows."""
    rowids = [
        rowid
        for (rowid,) in db.conn.execute(
            f"SELECT m.rowid FROM {search.TABLE} CROSS JOIN measures m ON m.rowid = {search.TABLE}.rowid "
            f"WHERE {search.TABLE} MATCH ? AND {' AND '.join(conditions)}{order}",
            [expression, *values],
        )
    ]
    start, size = 0, min(limit or 500, 500)
    while start < len(rowids):
        chunk = rowids[start : start + size]
        sql = (
            f"SELECT {_MEASURE_COLUMNS}, {_PARTS_SQL}, m.rowid FROM measures m "
            f"WHERE m.rowid IN ({', '.join('?' for _ in chunk)})"
        )
        found = {record[-1]: record for record in db.conn.execute(sql, chunk)}
        yield from (found[rowid] for rowid in chunk)
        start, size = start + size, min(size * 2, 500)


def _task_row(record: tuple, today: date, parts: list[tuple[str, str]] | None = None, period=None) -> TaskRow:
    """A row from _MEASURE_COLUMNS and _PARTS_SQL (a measure that does not recur); for a recurring
    measure's `period` (periods.Period), its `parts` (unit, status in that period) instead."""
    id_, doc, number, kind, title, text, due, obsolete, seq, path, _, parts_json = record[:12]
    if parts is None:
        parts = json.loads(parts_json or "[]")
    due = period.due if period else due
    statuses = [s for _, s in parts]
    return TaskRow(
        id=id_,
        doc=doc,
        number=number,
        kind=kind,
        title=title,
        text=text,
        due=due,
        obsolete=bool(obsolete),
        seq=seq,
        path=path,
        agencies=[a for a, _ in parts if a],
        status=overall_status(statuses),
        progress=progress_text(statuses),
        days_left=days_left(due, today),
        period=period.label if period else None,
    )


def _urgency(row: TaskRow) -> tuple:
    """Due date first (undated last), then the document's order."""
    return (row.due is None, row.due or "", row.doc, row.seq, row.period or "")


def _status_matches(wanted: str, status: str) -> bool:
    if wanted == "open":
        return status not in FINISHED
    return wanted == "all" or status == wanted


def _scope(db: Database, query: TaskQuery) -> dict[str, str] | None:
    """The assignment names the listing is driven by (an agency's, or the unassigned part), or None."""
    if query.unassigned:
        return {UNASSIGNED: "own"}
    if query.agency:
        return agency_scope(db, query.agency)[1]
    return None


def _own_part_conditions(
    query: TaskQuery, names: list[str], where: list[str], params: list
) -> tuple[list[str], list]:
    """Conditions on the agency's own part (`own`, its progress `op`): one of `names`, current unless
    obsolete ones are asked for, in the status asked for."""
    conditions = [f"own.agency IN ({', '.join('?' for _ in names)})", *where]
    values = [*names, *params]
    if not query.include_obsolete:
        conditions.append("own.obsolete = 0")
    if query.status == "open":
        conditions.append(f"coalesce(op.status, 'todo') NOT IN ({FINISHED_SQL})")
    elif query.status != "all":
        conditions.append("coalesce(op.status, 'todo') = ?")
        values.append(query.status)
    return conditions, values


def _agency_tasks(
    db: Database,
    query: TaskQuery,
    scope: dict[str, str],
    where: list[str],
    params: list,
    today: date,
    fetch_all: bool = False,
) -> list[TaskRow]:
    names = list(scope)
    own_where, own_params = _own_part_conditions(query, names, where, params)
    select = (
        f"SELECT {_MEASURE_COLUMNS}, {_PARTS_SQL}, own.agency, coalesce(op.status, 'todo') "
        "FROM assignments own JOIN measures m ON m.id = own.measure_id "
        "LEFT JOIN progress op ON op.measure_id = own.measure_id AND op.agency = own.agency "
        "AND op.period = ''"
    )
    # Several names in scope (a predecessor, a collective) can list one measure twice: fetch a
    # little more than asked, keep each measure once (and fetch everything if that fell short).
    fetch = None if fetch_all or not query.limit else query.limit + 50 if len(names) > 1 else query.limit
    limit = f" LIMIT {int(fetch)}" if fetch else ""
    horizon = _due_horizon(query, today)
    dated = [*own_where, "m.recurrence IS NULL", "own.due IS NOT NULL"]
    dated_params = list(own_params)
    if horizon is not None:
        dated.append("own.due <= ?")
        dated_params.append(horizon.isoformat())
    if query.due_within is not None:  # due within N days: from today on, not the overdue
        dated.append("own.due >= ?")
        dated_params.append(today.isoformat())
    records = db.conn.execute(
        f"{select} WHERE {' AND '.join(dated)} ORDER BY own.due, m.doc_id, m.seq{limit}", dated_params
    ).fetchall()
    if horizon is None and (not fetch or len(records) < fetch):
        undated = [*own_where, "m.recurrence IS NULL", "own.due IS NULL"]
        more = f" LIMIT {int(fetch - len(records))}" if fetch else ""
        records += db.conn.execute(
            f"{select} WHERE {' AND '.join(undated)} ORDER BY m.doc_id, m.seq{more}", own_params
        ).fetchall()
    best: dict[str, tuple[int, TaskRow]] = {}
    for record in records:
        name, own_status = record[-2], record[-1]
        rank = _SCOPE_ORDER[scope[name]]
        if record[0] in best and best[record[0]][0] <= rank:
            continue
        item = _task_row(record[:-2], today)
        # The agency's own part; else a predecessor's (上海银保监局 for 金融监管总局上海监管局);
        # else a collective's it belongs to (各区政府 for 长宁区政府), marked as such.
        item.agency_status = own_status
        item.via = None if scope[name] == "own" else f"{scope[name]}: {name}"
        item.deadline = deadline_status(own_status, item.due, today, query.soon_days)
        if _due_matches(query, item.due, today):
            best[item.id] = (rank, item)
    if fetch and len(records) >= fetch and len(best) < query.limit:
        return _agency_tasks(db, query, scope, where, params, today, fetch_all=True)
    # as in list_tasks: with `limit` rows found, only the periods due by the last of them can be among them
    found = sorted((item for _, item in best.values()), key=_urgency)
    full = bool(query.limit) and len(found) >= query.limit and found[query.limit - 1].due is not None
    due_by = found[query.limit - 1].due if full else None
    rows = found + _period_rows(db, query, where, params, scope, today, due_by=due_by)
    rows.sort(key=_urgency)
    return rows[: query.limit] if query.limit else rows


def _period_rows(
    db: Database,
    query: TaskQuery,
    where: list[str],
    params: list,
    scope: dict[str, str] | None,
    today: date,
    due_by: str | None = None,
) -> list[TaskRow]:
    """_period_stream's rows, as a list."""
    return list(_period_stream(db, query, where, params, scope, today, due_by))


def _period_stream(
    db: Database,
    query: TaskQuery,
    where: list[str],
    params: list,
    scope: dict[str, str] | None,
    today: date,
    due_by: str | None = None,
) -> Iterator[TaskRow]:
    """The rows of recurring measures matching `where`, in the listing's order: one per period
    that counts today (those already due, the open one: periods.counted_sql), with the status of
    that period — the agency's own part's with a `scope`, else the whole measure's — filtered by
    status and due date as the other rows are; with `due_by`, only the periods due by then.

    The periods are json_each rows of the measure's occurrences, sorted by SQLite (recurring
    measures are few: 2% of them in the benchmark's data), each with its parts' statuses in that
    period. With a scope, each period comes once per name in scope that has a part of the measure,
    best first (own, predecessor, collective): the agency's own part if it matches the status asked
    for, else a predecessor's or collective's that does."""
    counted = counted_sql(today, "periodic")
    parts = _PARTS_SQL.replace("p.period = ''", f"p.period = {counted.label}")
    conditions, values = list(where), list(params)
    if due_by is not None:  # before the open period's date, worked out from the measure's dates
        conditions.append(f"{counted.due} <= ?")
        values.append(due_by)
    conditions.append(counted.condition)
    if scope is None:
        # through the recurring measures' own small index, unless the search index's candidates
        # drive the listing (left to itself, SQLite's planner read every measure in due order)
        indexed = "" if f"m.rowid IN ({search.ROWIDS})" in where else " INDEXED BY measures_recurring"
        sql = (
            f"SELECT {_MEASURE_COLUMNS}, {parts}, {counted.due}, {counted.label}, NULL, NULL "
            f"FROM measures m{indexed} {counted.join} WHERE {' AND '.join(conditions)} "
            f"ORDER BY {counted.due}, m.doc_id, m.seq, {counted.label}, m.id, occ.key"
        )
    else:
        names = list(scope)
        # own.due is NULL for recurring measures: the agency index finds them without a scan
        conditions = [f"own.agency IN ({', '.join('?' for _ in names)})", "own.due IS NULL", *conditions]
        if not query.include_obsolete:
            conditions.append("own.obsolete = 0")
        values = [*names, *values]
        rank = (
            "(CASE own.agency "
            + " ".join(f"WHEN ? THEN {_SCOPE_ORDER[scope[name]]}" for name in names)
            + " END)"
        )
        sql = (
            f"SELECT {_MEASURE_COLUMNS}, {parts}, {counted.due}, {counted.label}, own.agency, "
            "coalesce(op.status, 'todo') FROM assignments own JOIN measures m ON m.id = own.measure_id "
            f"{counted.join} LEFT JOIN progress op ON op.measure_id = own.measure_id "
            f"AND op.agency = own.agency AND op.period = {counted.label} "
            f"WHERE {' AND '.join(conditions)} "
            f"ORDER BY {counted.due}, m.doc_id, m.seq, {counted.label}, m.id, occ.key, {rank}, own.agency"
        )
        values += names
    group: list[tuple] = []  # the rows of one period of one measure (one per name in scope)
    for record in db.conn.execute(sql, values):
        if group and (group[0][0], group[0][12], group[0][13]) != (record[0], record[12], record[13]):
            if (item := _period_row(group, scope, query, today)) is not None:
                yield item
            group = []
        group.append(record)
    if group and (item := _period_row(group, scope, query, today)) is not None:
        yield item


def _period_row(
    group: list[tuple], scope: dict[str, str] | None, query: TaskQuery, today: date
) -> TaskRow | None:
    """The row of one period of a recurring measure from _period_stream's records of it (one per
    name in scope, best first); None unless it matches the status and due date asked for."""
    first = group[0]
    row = _task_row(first[:12], today, period=Period(first[13], first[12]))
    judged = row.status
    if scope is not None:
        name, status = next(
            ((r[14], r[15]) for r in group if _status_matches(query.status, r[15])), (first[14], first[15])
        )
        judged = row.agency_status = status
        row.via = None if scope[name] == "own" else f"{scope[name]}: {name}"
    row.deadline = deadline_status(judged, row.due, today, query.soon_days)
    if _status_matches(query.status, judged) and _due_matches(query, row.due, today):
        return row
    return None


def _due_horizon(query: TaskQuery, today: date) -> date | None:
    limits = []
    if query.due_within is not None:
        if query.due_within < 0:
            raise BadInput("--due-within takes a number of days, 0 or more")
        limits.append(date.fromordinal(today.toordinal() + query.due_within))
    if query.overdue:
        limits.append(date.fromordinal(today.toordinal() - 1))
    if query.due_before:
        limits.append(date.fromordinal(query.due_before.toordinal() - 1))
    return min(limits) if limits else None


def _due_matches(query: TaskQuery, due: str | None, today: date) -> bool:
    horizon = _due_horizon(query, today)
    if horizon is None:
        return True
    return (
        due is not None
        and due <= horizon.isoformat()
        and (query.due_within is None or due >= today.isoformat())
    )
