"""The checklist: what each agency must do, what it has done, and the record of every change.

A measure is co-owned by its responsible units; each marks its own part (an assignment). The
measure's overall status follows from its parts: done when every part is done (or n/a),
blocked when any is blocked, doing once any has started. A measure with no responsible unit has
one part of its own, under the agency "" (shown as kinds.UNASSIGNED_LABEL).

Times are recorded in UTC with the offset ("2026-11-29T15:00:00+00:00") and shown in the user's
zone (timezone.py).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime

from policycli.errors import BadInput, NotFound
from policycli.kinds import (
    FINISHED,
    FINISHED_SQL,
    KIND_LABELS,
    KINDS_SQL,
    MEASURE_KINDS,
    ROLE_LABELS,
    STATUS_LABELS,
    UNASSIGNED_LABEL,
    kind_from_input,
    status_from_input,
)
from policycli.store import Database, write_transaction

STATUSES = ("todo", "doing", "done", "blocked", "n/a")
STATUS_FILTERS = ("open", "all", *STATUSES)
UNASSIGNED = ""


def now_iso() -> str:
    """The time a change is recorded: the real clock, in UTC with its offset."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def current_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in cron's empty environment
        return os.environ.get("USER") or "unknown"


def overall_status(statuses: list[str]) -> str:
    if not statuses:
        return "todo"
    if all(s in FINISHED for s in statuses):
        return "n/a" if all(s == "n/a" for s in statuses) else "done"
    if "blocked" in statuses:
        return "blocked"
    if any(s in ("doing", "done", "n/a") for s in statuses):
        return "doing"
    return "todo"


def progress_text(statuses: list[str]) -> str:
    return f"{sum(1 for s in statuses if s in FINISHED)}/{len(statuses)}"


DUE_SOON_DAYS = 30


def effective_due(due: str | None, due_info: str | dict | None, today: date) -> str | None:
    """A recurring measure is due at its next occurrence (or its last one, once all have passed)."""
    info = json.loads(due_info) if isinstance(due_info, str) else due_info
    dates = (info or {}).get("occurrences") or []
    if dates:
        upcoming = [d for d in dates if d >= today.isoformat()]
        return upcoming[0] if upcoming else dates[-1]
    return due


def deadline_status(status: str, due: str | None, today: date, soon_days: int = DUE_SOON_DAYS) -> str:
    """done | overdue | due soon | open — for one part, or a whole measure by its overall status."""
    if status in FINISHED:
        return "done"
    if due is None:
        return "open"
    days = (date.fromisoformat(due) - today).days
    if days < 0:
        return "overdue"
    return "due soon" if days <= soon_days else "open"


def days_left(due: str | None, today: date) -> int | None:
    return (date.fromisoformat(due) - today).days if due else None


# --- agencies ------------------------------------------------------------------------------

_SCOPE_ORDER = {"own": 0, "predecessor": 1, "collective": 2}


def agency_scope(db: Database, name: str) -> tuple[str, dict[str, str]]:
    """--agency NAME → its canonical name and the assignment names it sees (see agencies.Registry.scope)."""
    from policycli.agency_store import resolve

    return resolve(db, name)


def agency_condition(db: Database, name: str, column: str = "agency", collectives: bool = True) -> tuple[str, list[str]]:
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
    raise NotFound(f"unknown document {doc_id!r}; " + (f"did you mean {' or '.join(near)}?" if near else f"documents: {', '.join(docs)}"))


def resolve_measure(db: Database, measure_id: str) -> dict:
    """A measure row by id, or NotFound with the nearest ids."""
    measure_id = measure_id.strip()
    cursor = db.conn.execute("SELECT * FROM measures WHERE id = ?", [measure_id])
    row = cursor.fetchone()
    if row:
        return dict(zip([d[0] for d in cursor.description], row, strict=True))
    doc = measure_id.split("/", 1)[0]
    pool = [r[0] for r in db.conn.execute(f"SELECT id FROM measures WHERE doc_id = ? AND kind IN ({KINDS_SQL})", [doc])]
    if not pool:
        docs = [r[0] for r in db.conn.execute("SELECT id FROM documents")]
        near_docs = _nearest(doc, docs, 0.3)
        hint = f"; documents: {', '.join(near_docs or docs[:5])}" if docs else ""
        raise NotFound(f"no measure {measure_id!r}{hint}")
    near = _nearest(measure_id, pool, 0.5)
    suffix = [p for p in pool if p.endswith("." + measure_id.rsplit("/", 1)[-1].rsplit(".", 1)[-1])][:3]
    hint = near or suffix
    raise NotFound(f"no measure {measure_id!r}" + (f"; did you mean {' or '.join(hint)}?" if hint else ""))


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
                  LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency)"""
_MEASURE_COLUMNS = "m.id, m.doc_id, m.number, m.kind, m.title, m.text, m.due, m.obsolete, m.seq, m.path, m.due_info"
_ROW_FIELDS = ["id", "doc", "number", "kind", "title", "text", "due", "obsolete", "seq", "path", "due_info"]


def list_tasks(db: Database, query: TaskQuery) -> list[dict]:
    """Measures matching `query`, due date first, then document order.

    With an agency (or --unassigned), the listing is driven by that agency's assignments in due
    order through the (agency, obsolete, due, measure_id) index, so its first rows come without
    reading the other agencies' measures; recurring measures, whose due date moves with today,
    are merged in from a second small query.
    """
    query = _normalised(query)
    today = query.today
    where, params = _measure_filters(db, query)
    scope: dict[str, str] | None = None
    if query.agency:
        _, scope = agency_scope(db, query.agency)
    if query.unassigned:
        scope = {UNASSIGNED: "own"}
    if scope is not None:
        return _agency_tasks(db, query, scope, where, params, today)
    # Read in due order and stop once `limit` rows match (the overall status needs every part, so
    # it is checked row by row); recurring measures, due at their next occurrence, come apart.
    horizon = _due_horizon(query, today)
    select = f"SELECT {_MEASURE_COLUMNS}, {_PARTS_SQL} FROM measures m WHERE "
    rows: list[dict] = []

    def take(conditions: list[str], values: list, order: str, stop_at_limit: bool) -> None:
        for record in db.conn.execute(select + " AND ".join(conditions) + order, values):
            item = _task_row(record, today)
            item["deadline"] = deadline_status(item["status"], item["due"], today, query.soon_days)
            if _status_matches(query.status, item["status"]) and _due_matches(query, item, today):
                rows.append(item)
                if stop_at_limit and query.limit and len(rows) >= query.limit:
                    return

    dated = [*where, "m.recurrence IS NULL", "m.due IS NOT NULL"] + (["m.due <= ?"] if horizon else [])
    take(dated, params + ([horizon.isoformat()] if horizon else []), " ORDER BY m.due, m.doc_id, m.seq", True)
    if horizon is None and not (query.limit and len(rows) >= query.limit):
        take([*where, "m.recurrence IS NULL", "m.due IS NULL"], params, " ORDER BY m.doc_id, m.seq", True)
    take([*where, "m.recurrence IS NOT NULL"], params, "", False)
    rows.sort(key=lambda r: (r["due"] is None, r["due"] or "", r["doc"], r["seq"]))
    return rows[: query.limit] if query.limit else rows


# A measure's due date as effective_due() computes it, in SQL (binds today once): the next
# occurrence of a recurring measure, else its last, else its own due date.
_EFFECTIVE_DUE_SQL = """(CASE WHEN m.recurrence IS NOT NULL THEN coalesce(
    (SELECT o.value FROM json_each(m.due_info, '$.occurrences') o WHERE o.value >= ? ORDER BY o.key LIMIT 1),
    json_extract(m.due_info, '$.occurrences[#-1]'), m.due) ELSE m.due END)"""


def count_tasks(db: Database, query: TaskQuery) -> int:
    """How many measures list_tasks(db, query) returns without its limit, counted in SQL (for "showing
    the 100 most urgent of 271"). With an agency or --unassigned: one COUNT through the agency's
    index (milliseconds at 1M measures). Without: every matching measure's parts are read to know
    its overall status, a scan of the measures the other filters leave (seconds at 1M unfiltered),
    so call it only when the listing was cut."""
    query = _normalised(query)
    today = query.today.isoformat()
    where, params = _measure_filters(db, query)
    horizon = _due_horizon(query, today=date.fromisoformat(today))
    if horizon is not None:
        where.append(f"{_EFFECTIVE_DUE_SQL} <= ?")
        params += [today, horizon.isoformat()]
        if query.due_within is not None:
            where.append(f"{_EFFECTIVE_DUE_SQL} >= ?")
            params += [today, today]
    scope: dict[str, str] | None = None
    if query.agency:
        _, scope = agency_scope(db, query.agency)
    if query.unassigned:
        scope = {UNASSIGNED: "own"}
    if scope is not None:
        own = [f"own.agency IN ({', '.join('?' for _ in scope)})", *where]
        values = [*scope, *params]
        if not query.include_obsolete:
            own.append("own.obsolete = 0")
        if query.status == "open":
            own.append(f"coalesce(op.status, 'todo') NOT IN ({FINISHED_SQL})")
        elif query.status != "all":
            own.append("coalesce(op.status, 'todo') = ?")
            values.append(query.status)
        sql = ("SELECT count(DISTINCT m.id) FROM assignments own JOIN measures m ON m.id = own.measure_id "
               "LEFT JOIN progress op ON op.measure_id = own.measure_id AND op.agency = own.agency WHERE " + " AND ".join(own))
        return db.conn.execute(sql, values).fetchone()[0]
    # overall_status() in SQL, from each measure's counts of parts
    overall = ("CASE WHEN n = 0 THEN 'todo' WHEN fin = n THEN (CASE WHEN na = n THEN 'n/a' ELSE 'done' END) "
               "WHEN blk > 0 THEN 'blocked' WHEN st > 0 THEN 'doing' ELSE 'todo' END")
    status = "coalesce(p.status, 'todo')"
    per_measure = (f"SELECT count(a.agency) AS n, sum({status} IN ({FINISHED_SQL})) AS fin, sum({status} = 'n/a') AS na, "
                   f"sum({status} = 'blocked') AS blk, sum({status} IN ('doing', 'done', 'n/a')) AS st "
                   "FROM measures m LEFT JOIN assignments a ON a.measure_id = m.id AND a.obsolete = 0 "
                   "LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency "
                   f"WHERE {' AND '.join(where)} GROUP BY m.id")
    if query.status == "open":
        condition = f"({overall}) NOT IN ({FINISHED_SQL})"
    elif query.status == "all":
        condition = "1"
    else:
        condition = f"({overall}) = ?"
        params.append(query.status)
    return db.conn.execute(f"SELECT count(*) FROM ({per_measure}) WHERE {condition}", params).fetchone()[0]


def agency_summary(db: Database, agency: str, today: date, soon_days: int = DUE_SOON_DAYS) -> dict:
    """{agency (canonical), open, overdue}: the title of `policy tasks --agency` ("市商务委 · 34 项未完成，
    其中逾期 34"), the agency's open measures (its own part, a predecessor's or a collective's) and how
    many of them are overdue."""
    canonical, _ = agency_scope(db, agency)
    base = TaskQuery(agency=agency, status="open", today=today, soon_days=soon_days)
    from dataclasses import replace

    return {"agency": canonical, "open": count_tasks(db, base), "overdue": count_tasks(db, replace(base, overdue=True))}


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
    for term in (query.search or "").split():
        if len(term) >= 3:
            # FTS5 trigram finds 3+ character terms; quoted as a phrase so 、 and quotes are literal.
            where.append("m.id IN (SELECT measure_id FROM measures_fts WHERE measures_fts MATCH ?)")
            params.append('"' + term.replace('"', '""') + '"')
        else:
            # 1–2 character terms (智能, 局) are below the trigram size: scan with LIKE.
            where.append("(m.title LIKE ? ESCAPE '\\' OR m.text LIKE ? ESCAPE '\\')")
            like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            params += [like, like]
    return where, params


def _task_row(record: tuple, today: date) -> dict:
    item = dict(zip(_ROW_FIELDS, record[: len(_ROW_FIELDS)], strict=True))
    item["due"] = effective_due(item["due"], item.pop("due_info"), today)
    parts = json.loads(record[len(_ROW_FIELDS)] or "[]")
    statuses = [s for _, s in parts]
    item["agencies"] = [a for a, _ in parts if a]
    item["status"] = overall_status(statuses)
    item["progress"] = progress_text(statuses)
    item["obsolete"] = bool(item["obsolete"])
    item["days_left"] = days_left(item["due"], today)
    return item


def _status_matches(wanted: str, status: str) -> bool:
    if wanted == "open":
        return status not in FINISHED
    return wanted == "all" or status == wanted


def _agency_tasks(db: Database, query: TaskQuery, scope: dict[str, str], where: list[str], params: list, today: date,
                  fetch_all: bool = False) -> list[dict]:
    names = list(scope)
    own_where = [f"own.agency IN ({', '.join('?' for _ in names)})", *where]
    own_params = [*names, *params]
    if not query.include_obsolete:
        own_where.append("own.obsolete = 0")
    if query.status == "open":
        own_where.append(f"coalesce(op.status, 'todo') NOT IN ({FINISHED_SQL})")
    elif query.status != "all":
        own_where.append("coalesce(op.status, 'todo') = ?")
        own_params.append(query.status)
    select = (f"SELECT {_MEASURE_COLUMNS}, {_PARTS_SQL}, own.agency, coalesce(op.status, 'todo') "
              "FROM assignments own JOIN measures m ON m.id = own.measure_id "
              "LEFT JOIN progress op ON op.measure_id = own.measure_id AND op.agency = own.agency")
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
    records = db.conn.execute(f"{select} WHERE {' AND '.join(dated)} ORDER BY own.due, m.doc_id, m.seq{limit}", dated_params).fetchall()
    if horizon is None and (not fetch or len(records) < fetch):
        undated = [*own_where, "m.recurrence IS NULL", "own.due IS NULL"]
        more = f" LIMIT {int(fetch - len(records))}" if fetch else ""
        records += db.conn.execute(f"{select} WHERE {' AND '.join(undated)} ORDER BY m.doc_id, m.seq{more}", own_params).fetchall()
    records += _recurring_records(db, select, own_where, own_params, records if fetch and len(records) >= fetch else None, query, today)
    best: dict[str, dict] = {}
    for record in records:
        name, own_status = record[-2], record[-1]
        item = _task_row(record[:-2], today)
        rank = _SCOPE_ORDER[scope[name]]
        if item["id"] in best and best[item["id"]]["_rank"] <= rank:
            continue
        # The agency's own part; else a predecessor's (上海银保监局 for 金融监管总局上海监管局);
        # else a collective's it belongs to (各区政府 for 长宁区政府), marked as such.
        item.update(agency_status=own_status, via=None if scope[name] == "own" else f"{scope[name]}: {name}", _rank=rank)
        item["deadline"] = deadline_status(own_status, item["due"], today, query.soon_days)
        if _due_matches(query, item, today):
            best[item["id"]] = item
    if fetch and len(records) >= fetch and len(best) < query.limit:
        return _agency_tasks(db, query, scope, where, params, today, fetch_all=True)
    rows = sorted(best.values(), key=lambda r: (r["due"] is None, r["due"] or "", r["doc"], r["seq"]))
    for row in rows:
        row.pop("_rank")
    return rows[: query.limit] if query.limit else rows


def _recurring_records(db: Database, select: str, own_where: list[str], own_params: list, full: list | None, query: TaskQuery, today: date) -> list:
    """Recurring measures of the agency, due at their next occurrence. Their dates are read first
    (a small column); full rows are fetched only for those that can make the list: all of them,
    or — when the dated rows already fill it (`full`) — those due no later than its last one."""
    # The next occurrence, as effective_due() computes it, in SQL: 3,000 recurring measures (an
    # agency's at 1M) cost 30 ms more when each due_info is parsed in Python.
    next_due = ("coalesce((SELECT o.value FROM json_each(m.due_info, '$.occurrences') o WHERE o.value >= ? ORDER BY o.key LIMIT 1), "
                "(SELECT o.value FROM json_each(m.due_info, '$.occurrences') o ORDER BY o.key DESC LIMIT 1))")
    cheap = (f"SELECT m.id, {next_due} FROM assignments own JOIN measures m ON m.id = own.measure_id "
             "LEFT JOIN progress op ON op.measure_id = own.measure_id AND op.agency = own.agency WHERE "
             # own.due is NULL for recurring measures: the agency index finds them without a scan
             + " AND ".join([*own_where, "own.due IS NULL", "m.recurrence IS NOT NULL"]))
    threshold = max(r[6] for r in full) if full else None  # column 6 is m.due
    wanted = []
    for measure_id, due in db.conn.execute(cheap, [today.isoformat(), *own_params]):
        if due is None or threshold is None or due <= threshold:
            if _due_matches(query, {"due": due}, today):
                wanted.append(measure_id)
    records = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        conditions = " AND ".join([*own_where, f"m.id IN ({marks})"])
        records += db.conn.execute(f"{select} WHERE {conditions}", [*own_params, *chunk]).fetchall()
    return records


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


def _due_matches(query: TaskQuery, item: dict, today: date) -> bool:
    horizon = _due_horizon(query, today)
    if horizon is None:
        return True
    due = item["due"]
    return due is not None and due <= horizon.isoformat() and (query.due_within is None or due >= today.isoformat())


def measure_detail(db: Database, measure_id: str, today: date) -> dict:
    """Everything `policy show` prints about one measure."""
    measure = resolve_measure(db, measure_id)
    conn = db.conn
    document = dict(zip(["id", "title", "doc_number", "source_file", "source"], conn.execute(
        "SELECT id, title, doc_number, source_file, json_extract(data, '$.source') FROM documents WHERE id = ?",
        [measure["doc_id"]]).fetchone(), strict=True))
    document["source"] = json.loads(document["source"]) if document["source"] else {}  # unit, pages, sheets
    parts = [
        dict(zip(["agency", "printed", "role", "status", "note", "evidence", "by", "at"], r, strict=True))
        for r in conn.execute(
            "SELECT a.agency, a.printed, a.role, coalesce(p.status, 'todo'), p.note, p.evidence, p.by, p.at FROM assignments a "
            "LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency "
            "WHERE a.measure_id = ? AND a.obsolete = 0 ORDER BY a.seq",
            [measure["id"]],
        )
    ]
    parents = []
    parent = measure["parent_id"]
    while parent:
        row = conn.execute("SELECT id, number, title, parent_id FROM measures WHERE id = ?", [parent]).fetchone()
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
        "due_info": json.loads(measure["due_info"]) if measure.get("due_info") else None,
        "deadline": deadline_status(overall_status(statuses), due, today),
        "days_left": days_left(due, today),
        "measure": measure,
        "document": document,
        "parents": parents,
        "parts": parts,
        "status": overall_status(statuses),
        "progress": progress_text(statuses),
        "history": history(db, measure["id"]),
    }


# --- marking -------------------------------------------------------------------------------


def mark(
    db: Database,
    measure_id: str,
    status: str,
    agency: str | None = None,
    note: str | None = None,
    evidence: str | None = None,
    by: str | None = None,
    default_agency: str | None = None,
) -> dict:
    """Record `agency`'s status on a measure; returns the event. `default_agency` (the person's
    configured unit) stands in for a missing `agency`, except on a measure with no responsible unit.

    Everything the write depends on (the measure, its parts, which part is the agency's) is read
    inside the write transaction: a `load` committing in between may rename the part to a
    successor (上海银保监局 → 金融监管总局上海监管局), and a part chosen before the lock would be
    written under a name nobody sees any more."""
    try:
        status = status_from_input(status)
    except ValueError:
        raise BadInput(f"unknown status {status!r}; use one of {', '.join(STATUSES)} "
                       f"({'、'.join(STATUS_LABELS.values())})") from None
    by = by or current_user()
    at = now_iso()
    with write_transaction(db):
        measure = resolve_measure(db, measure_id)
        if measure["kind"] not in MEASURE_KINDS:
            raise BadInput(f"{measure['id']} is a heading ({measure['title']}), not a measure; `policy tasks --doc {measure['doc_id']}` lists its measures")
        assigned = [r[0] for r in db.conn.execute("SELECT agency FROM assignments WHERE measure_id = ? AND obsolete = 0 ORDER BY seq", [measure["id"]])]
        if agency is None and assigned != [UNASSIGNED]:
            agency = default_agency
        key = _assignment_key(db, measure, assigned, agency)
        before = db.conn.execute("SELECT status, note, evidence FROM progress WHERE measure_id = ? AND agency = ?", [measure["id"], key]).fetchone()
        db.conn.execute(
            "INSERT INTO progress (measure_id, agency, status, note, evidence, by, at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (measure_id, agency) DO UPDATE SET status = excluded.status, note = excluded.note, "
            "evidence = excluded.evidence, by = excluded.by, at = excluded.at",
            [measure["id"], key, status, note, evidence, by, at],
        )
        cursor = db.conn.execute(
            "INSERT INTO events (measure_id, agency, action, before_status, after_status, before_note, before_evidence, note, evidence, by, at) "
            "VALUES (?, ?, 'mark', ?, ?, ?, ?, ?, ?, ?, ?)",
            [measure["id"], key, before[0] if before else None, status, before[1] if before else None, before[2] if before else None,
             note, evidence, by, at],
        )
        event_id = cursor.lastrowid
    return {"id": event_id, "measure_id": measure["id"], "agency": key, "before": before[0] if before else "todo", "after": status, "by": by, "at": at}


def _assignment_key(db: Database, measure: dict, assigned: list[str], agency: str | None) -> str:
    if not assigned:  # every part obsolete: the measure left its document's units behind
        raise BadInput(f"{measure['id']} has no current responsible unit to mark; `policy show {measure['id']}` shows its history")
    if assigned == [UNASSIGNED]:
        if agency:
            raise BadInput(f"{measure['id']} has no responsible unit; mark it without --agency")
        return UNASSIGNED
    if agency is None:
        if len(assigned) == 1:
            return assigned[0]
        raise BadInput(f"{measure['id']} has {len(assigned)} responsible units; pass --agency (one of {'、'.join(assigned)})")
    canonical, scope = agency_scope(db, agency)
    mine = sorted((_SCOPE_ORDER[scope[a]], a) for a in assigned if a in scope)
    if mine and scope[mine[0][1]] != "collective":
        return mine[0][1]
    if mine:
        collective = mine[0][1]
        raise BadInput(f"{measure['id']} is assigned to the collective {collective}; mark it with --agency {collective}")
    raise BadInput(f"{canonical} is not responsible for {measure['id']}; its units are {'、'.join(assigned)}")


def undo(db: Database, agency: str | None = None, by: str | None = None) -> dict:
    """Revert the most recent change not yet undone (optionally: the agency's own)."""
    by = by or current_user()
    with write_transaction(db):
        sql = "SELECT id, measure_id, agency, before_status, after_status, before_note, before_evidence FROM events WHERE action = 'mark' AND undone = 0"
        params: list = []
        if agency is not None:
            # Not a collective's change: 长宁区华阳路街道 must not undo what 长宁区各街道、镇 recorded
            # (it may not mark that part either, see _assignment_key).
            condition, params = agency_condition(db, agency, collectives=False)
            sql += f" AND {condition}"
        last = db.conn.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
        if not last:
            raise BadInput("nothing to undo")
        event_id, measure_id, key, before_status, after_status, before_note, before_evidence = last
        at = now_iso()
        current = db.conn.execute("SELECT status FROM progress WHERE measure_id = ? AND agency = ?", [measure_id, key]).fetchone()
        if current is None or current[0] != after_status:
            # The part's state is no longer what the change left (its progress moved with a rename
            # the log does not show, say): reverting blindly would report a change that did not happen.
            now = current[0] if current else "no recorded status"
            raise BadInput(f"cannot undo change {event_id}: {measure_id} [{key or 'unassigned'}] is now {now}, not {after_status}; "
                           f"record the status you want with `policy mark {measure_id} --status …`")
        if before_status is None:
            db.conn.execute("DELETE FROM progress WHERE measure_id = ? AND agency = ?", [measure_id, key])
        else:
            db.conn.execute(
                "UPDATE progress SET status = ?, note = ?, evidence = ?, by = ?, at = ? WHERE measure_id = ? AND agency = ?",
                [before_status, before_note, before_evidence, by, at, measure_id, key],
            )
        db.conn.execute("UPDATE events SET undone = 1 WHERE id = ?", [event_id])
        db.conn.execute(
            "INSERT INTO events (measure_id, agency, action, before_status, after_status, note, by, at, undoes) VALUES (?, ?, 'undo', ?, ?, ?, ?, ?, ?)",
            [measure_id, key, after_status, before_status or "todo", f"undo of change {event_id}", by, at, event_id],
        )
    return {"undone": event_id, "measure_id": measure_id, "agency": key, "status": before_status or "todo", "was": after_status}


def history(db: Database, measure_id: str | None = None, agency: str | None = None, limit: int | None = None) -> list[dict]:
    where, params = [], []
    if measure_id:
        where.append("measure_id = ?")
        params.append(resolve_measure(db, measure_id)["id"])
    if agency is not None:
        condition, names = agency_condition(db, agency)
        where.append(condition)
        params += names
    sql = "SELECT id, at, by, measure_id, agency, action, coalesce(before_status, 'todo'), after_status, note, evidence, undone FROM events"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    columns = ["id", "at", "by", "measure", "agency", "action", "before", "after", "note", "evidence", "undone"]
    return [dict(zip(columns, r, strict=True)) | {"undone": bool(r[-1])} for r in db.conn.execute(sql, params)]


# --- documents, statistics, ledger ---------------------------------------------------------


EXPIRING_DAYS = 90


def document_status(effective_from: str | None, effective_until: str | None, today: date, expiring_days: int = EXPIRING_DAYS,
                    issued_on: str | None = None) -> str:
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
        f"""SELECT d.id, d.title, d.doc_number, d.issuer, d.issued_on, d.effective_from, d.effective_until, d.level, d.district,
                   (SELECT count(*) FROM measures m WHERE m.doc_id = d.id AND m.obsolete = 0 AND m.kind IN ({KINDS_SQL}))
            FROM documents d WHERE d.obsolete = 0 ORDER BY d.issued_on IS NULL, d.issued_on, d.id"""
    ).fetchall()
    columns = ["id", "title", "doc_number", "issuer", "issued_on", "effective_from", "effective_until", "level", "district", "measures"]
    out = []
    for row in rows:
        item = dict(zip(columns, row, strict=True))
        item["status"] = document_status(item["effective_from"], item["effective_until"], today, expiring_days, item["issued_on"])
        item["days_left"] = days_left(item["effective_until"], today)
        out.append(item)
    return out


def document_detail(db: Database, doc_id: str, today: date) -> dict:
    """`policy docs show`: metadata, the validity period with the quotes and rules behind it."""
    require_document(db, doc_id)
    item = next(d for d in list_documents(db, today) if d["id"] == doc_id)
    data, validity, source = db.conn.execute("SELECT data, validity, source_file FROM documents WHERE id = ?", [doc_id]).fetchone()
    meta = json.loads(data)
    return item | {
        "source_file": source,
        "validity_rules": json.loads(validity) if validity else {"from": None, "until": None},
        "validity_sentences": meta.get("validity") or [],
        "coordinating_units": meta.get("coordinating_units") or [],
        "warnings": meta.get("warnings") or [],
    }


# `policy stats` lives in statistics.py; imported here too, where earlier versions had it.
from policycli.statistics import statistics as statistics  # noqa: E402  (re-exported)

LEDGER_FIELDS = ("doc", "doc_title", "doc_number", "id", "number", "kind", "title", "text", "agency", "role",
                 "status", "note", "evidence", "by", "at", "due", "source_file", "line_first", "line_last")


def ledger(db: Database, agency: str | None = None, doc: str | None = None, include_obsolete: bool = False) -> list[dict]:
    """One row per measure × responsible unit: the 台账 an office prints."""
    return [dict(zip(LEDGER_FIELDS, r, strict=True)) for r in ledger_rows(db, agency, doc, include_obsolete)]


def ledger_rows(db: Database, agency: str | None = None, doc: str | None = None, include_obsolete: bool = False, for_csv: bool = False):
    """The ledger as a cursor of tuples in LEDGER_FIELDS order (streamed: 100k rows need no memory).

    `for_csv`: one column instead, the whole CSV line as UTF-8 bytes, its cells as the spreadsheet
    shows them (Chinese kinds, roles and statuses, 未指定责任单位 for no unit, times in the user's zone);
    see render.csv_line_sql.
    """
    where = [f"m.kind IN ({KINDS_SQL})"]
    params: list = []
    if agency:
        condition, names = agency_condition(db, agency, "a.agency")
        where.append(condition)
        params += names
    if doc:
        require_document(db, doc)
        where.append("m.doc_id = ?")
        params.append(doc)
    if not include_obsolete:
        where += ["m.obsolete = 0", "a.obsolete = 0"]
    columns = ["d.id", "d.title", "d.doc_number", "m.id", "m.number", "m.kind", "m.title", "m.text", "a.agency", "a.role",
               "coalesce(p.status, 'todo')", "p.note", "p.evidence", "p.by", "p.at", "m.due", "d.source_file", "m.line_first", "m.line_last"]
    if for_csv:
        from policycli.render import csv_line_sql
        from policycli.timezone import sql_local_time

        def labels(mapping: dict[str, str]) -> str:
            return " ".join(f"WHEN '{key}' THEN '{label}'" for key, label in mapping.items())

        # as views shows them: Chinese kinds, roles and statuses, the one label for no unit, and the
        # time in the user's zone as "YYYY-MM-DD HH:MM:SS" (Excel reads it as a date and time)
        columns[5] = f"(CASE m.kind {labels(KIND_LABELS)} ELSE m.kind END)"
        columns[8] = f"(CASE WHEN a.agency = '' THEN '{UNASSIGNED_LABEL}' ELSE a.agency END)"
        columns[9] = f"(CASE a.role {labels(ROLE_LABELS)} ELSE a.role END)"
        columns[10] = f"(CASE coalesce(p.status, 'todo') {labels(STATUS_LABELS)} ELSE p.status END)"
        columns[14] = sql_local_time(db.conn, "p.at")
        columns = [csv_line_sql(columns)]
    # One agency's ledger starts from its index on assignments. The whole ledger walks measures in
    # due order (CROSS JOIN fixes the order of the loops): left to itself, SQLite's planner drives it
    # from the assignments index instead and sorts 100k whole rows, 1.5x slower.
    measures_first = "measures m CROSS JOIN assignments a ON a.measure_id = m.id"
    assignments_first = "assignments a JOIN measures m ON m.id = a.measure_id"
    sql = f"""
        SELECT {', '.join(columns)}
        FROM {assignments_first if agency else measures_first} JOIN documents d ON d.id = m.doc_id
        LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency
        WHERE {' AND '.join(where)}
        ORDER BY m.due NULLS LAST, m.doc_id, m.seq, a.seq
    """
    return db.conn.execute(sql, params)
