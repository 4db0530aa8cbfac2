"""What is overdue or falls due soon, per agency — for cron — and the same dates as a calendar."""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import NamedTuple

from policycli.checklist import agency_condition, days_left
from policycli.checklist.lookup import part_filters
from policycli.checklist.periods import counted_sql
from policycli.errors import BadInput
from policycli.kinds import FINISHED_SQL, KINDS_SQL, UNASSIGNED_LABEL, rule_label, status_label
from policycli.store import Database


def _open_from(today: date, rows: str, by_document: bool = False, documents: bool = True) -> str:
    """The parts of measures with their document and progress; `rows` (periods.counted_sql): of
    measures that do not recur ("once"), or of recurring ones, once per period that counts today
    ("periodic": `occ.value` is the period's due date). `by_document`: read document by document
    (CROSS JOIN keeps that order), for a question about a few documents. `documents` False: without
    the document (`d`), for a query that leaves documents out by their ids."""
    counted = counted_sql(today, rows)
    tables = (
        "documents d CROSS JOIN measures m ON m.doc_id = d.id CROSS JOIN assignments a ON a.measure_id = m.id"
        if by_document
        else "assignments a JOIN measures m ON m.id = a.measure_id"
        + (" JOIN documents d ON d.id = m.doc_id" if documents else "")
    )
    return (
        f"FROM {tables} {counted.join} LEFT JOIN progress p ON p.measure_id = a.measure_id "
        f"AND p.agency = a.agency AND p.period = {counted.label}"
    )


def _open(db: Database, agency: str | None, today: date, rows: str) -> tuple[list[str], list]:
    """The conditions (and their parameters) of an open part of a current measure of a document that
    still binds someone (not repealed or replaced), the agency's own (or a predecessor's) if given;
    `rows` as in _open_from."""
    where = [
        f"m.kind IN ({KINDS_SQL})",
        "m.obsolete = 0",
        "a.obsolete = 0",
        f"coalesce(p.status, 'todo') NOT IN ({FINISHED_SQL})",
        _NOT_RETIRED,
        counted_sql(today, rows).condition,
    ]
    params: list = []
    if agency:
        condition, names = agency_condition(db, agency, "a.agency")
        where.append(condition)
        params += names
    return where, params


def _open_parts(
    db: Database,
    agency: str | None,
    today: date,
    horizon: date,
    expired_since: date | None,
    rows: tuple[str, ...] = ("once", "periodic"),
    doc: str | None = None,
):
    """(agency, measure, due, period, doc, seq) of open parts due by `horizon` — a recurring
    measure's once per open period that counts today — of documents in force or expired on
    `expired_since` or later (None: every document). Read through the assignments' due index
    (a recurring measure's parts have no due date there)."""
    for branch, due, period, dated in (
        ("once", "a.due", "''", "a.due <= ?"),
        ("periodic", "occ.value", counted_sql(today, "periodic").label, "a.due IS NULL AND occ.value <= ?"),
    ):
        if branch not in rows:
            continue
        where, params = _open(db, agency, today, branch)
        if expired_since is not None:
            where.append("(d.effective_until IS NULL OR d.effective_until >= ?)")
            params.append(expired_since.isoformat())
        if doc is not None:
            where.append("m.doc_id = ?")
            params.append(doc)
        yield from db.conn.execute(
            f"SELECT a.agency, m.id, {due}, {period}, m.doc_id, m.seq {_open_from(today, branch)} "
            f"WHERE {' AND '.join([*where, dated])}",
            [*params, horizon.isoformat()],
        )


class Reminded(NamedTuple):
    """remind()'s answer: the totals (known before any item is read, for the summary line) and the
    agencies' groups in order, each read when it is reached (`size` of them)."""

    overdue: int
    due_soon: int
    expired_open: int  # open parts summed up per expired document
    size: int
    groups: Iterator[dict]


def reminders(
    db: Database,
    today: date,
    within: int = 30,
    agency: str | None = None,
    include_expired: bool = False,
    per_agency: int = 20,
    grace: int = 90,
    doc: str | None = None,
) -> list[dict]:
    """[{agency, overdue: [...], due_soon: [...], overdue_count, due_soon_count, expired_documents}],
    the agency with the most urgent item first; each list holds its `per_agency` most urgent items
    (0: all), the counts say how many there are. Memory stays bounded however many parts are due.

    A document that expired with work left does not go silent: its unfinished measures stay overdue
    for `grace` days after its end, and are then summed up, one line per document
    (`expired_documents`: doc, title, doc_number, effective_until, open), unless `include_expired`
    lists them one by one. `doc`: only that document's parts (the report of one document).

    The counts come from the tallies (tallies.py) and each agency's most urgent items from its own
    index; with `per_agency` 0, `doc`, or a replayed history every open part due is read."""
    return list(
        remind(db, today, within, agency, include_expired, per_agency, grace, doc, streamed=False).groups
    )


def remind(
    db: Database,
    today: date,
    within: int = 30,
    agency: str | None = None,
    include_expired: bool = False,
    per_agency: int = 20,
    grace: int = 90,
    doc: str | None = None,
    streamed: bool = True,
) -> Reminded:
    """reminders() with its totals first and its groups read one by one, so that `policy remind`
    prints its summary line and the most urgent agency before the others are read (`streamed`
    False: every group read at once, in fewer reads, for a caller that wants them all)."""
    if within < 0:
        raise BadInput("--within takes a number of days, 0 or more")
    if grace < 0:
        raise BadInput("--grace takes a number of days, 0 or more")
    expired_since = None if include_expired else today - timedelta(days=grace)
    horizon = today + timedelta(days=within)
    from policycli.tallies import usable

    if per_agency and doc is None and usable(db.conn):
        names = agency_condition(db, agency, "a.agency")[1] if agency else None
        return _counted_groups(db, names, today, horizon, expired_since, per_agency, streamed)
    groups: dict[str, dict] = {}
    first_soon = today.isoformat()
    for name, measure_id, due, period, part_doc, seq in _open_parts(
        db, agency, today, horizon, expired_since, doc=doc
    ):
        group = groups.setdefault(name, _group(name))
        key = "overdue" if due < first_soon else "due_soon"
        group[f"{key}_count"] += 1
        entry = (due, part_doc, seq, measure_id, period)
        heap = group[key]  # the most urgent `per_agency`, kept as a max-heap of negated keys
        if not per_agency:
            heap.append(entry)
        elif len(heap) < per_agency:
            heapq.heappush(heap, _Reverse(entry))
        elif entry < heap[0].key:
            heapq.heapreplace(heap, _Reverse(entry))
    for group in [g for g in groups.values() if not g["overdue_count"] + g["due_soon_count"]]:
        del groups[group["agency"] or ""]
    for group in groups.values():
        for key in ("overdue", "due_soon"):
            group[key] = sorted(e.key if isinstance(e, _Reverse) else e for e in group[key])
    if expired_since is not None:
        _add_expired(groups, _expired_documents(db, agency, today, expired_since), doc)
    return _in_order(db, groups, today)


def _in_order(db: Database, groups: dict[str, dict], today: date, details: dict | None = None) -> Reminded:
    """Groups whose entries are read, made items and put in order: the agency with the most urgent
    item first."""
    out = [_with_details(db, group, today, details) for group in groups.values()]
    out.sort(key=lambda g: (min([i["due"] for i in g["overdue"] + g["due_soon"]] or ["9999"]), *_last(g)))
    return _totals(out, iter(out))


def _last(group: dict) -> tuple[bool, str]:
    """The rest of an agency's place in the order: by name, the parts of no unit last."""
    return group["agency"] is None, group["agency"] or ""


def _totals(groups: list[dict], reading: Iterator[dict]) -> Reminded:
    return Reminded(
        sum(g["overdue_count"] for g in groups),
        sum(g["due_soon_count"] for g in groups),
        sum(d["open"] for g in groups for d in g["expired_documents"]),
        len(groups),
        reading,
    )


def _add_expired(groups: dict[str, dict], expired, doc: str | None = None) -> None:
    for name, expired_doc, title, number, until, count in expired:
        if doc is not None and expired_doc != doc:
            continue
        groups.setdefault(name, _group(name))["expired_documents"].append(
            {
                "doc": expired_doc,
                "title": title,
                "doc_number": number,
                "effective_until": until,
                "open": count,
            }
        )


def _with_details(db: Database, group: dict, today: date, details: dict[str, dict] | None = None) -> dict:
    """The group with its entries (due, doc, seq, measure, period), in order, made items (with the
    `details` of their measures, read here if not given)."""
    if details is None:
        details = _details(db, {e[3] for key in ("overdue", "due_soon") for e in group[key]})
    for key in ("overdue", "due_soon"):
        group[key] = [
            details[measure_id] | {"due": due, "days_left": days_left(due, today), "period": period or None}
            for due, _, _, measure_id, period in group[key]
        ]
    return group


# A document repealed, or replaced by a new version, binds no one any more: its measures are not
# reminded of (the new version's are); one that simply ran out is.
_NOT_RETIRED = "(d.until_by IS NULL OR json_extract(d.until_by, '$.kind') = 'extends')"


def _group(name: str) -> dict:
    return {
        "agency": name or None,
        "overdue": [],
        "due_soon": [],
        "overdue_count": 0,
        "due_soon_count": 0,
        "expired_documents": [],
    }


def _expired_documents(db: Database, agency: str | None, today: date, before: date):
    """(agency, doc, title, 文号, effective_until, open parts) of documents that expired before
    `before` with parts still open (a recurring measure's: once per open period), the longest
    expired first."""
    selects, values = [], []
    for rows in ("once", "periodic"):
        where, params = _open(db, agency, today, rows)
        selects.append(
            f"SELECT a.agency AS agency, d.id AS doc {_open_from(today, rows, by_document=True)} "
            f"WHERE {' AND '.join([*where, 'd.effective_until < ?'])}"
        )
        values += [*params, before.isoformat()]
    return db.conn.execute(
        "SELECT x.agency, d.id, d.title, d.doc_number, d.effective_until, count(*) "
        f"FROM ({' UNION ALL '.join(selects)}) x JOIN documents d ON d.id = x.doc "
        "GROUP BY x.agency, d.id ORDER BY d.effective_until, d.id",
        values,
    )


def _excluded_documents(db: Database, expired_since: date | None) -> tuple[list[str], list[tuple[str, str]]]:
    """The documents remind leaves out: those repealed or replaced (ids), and those that ended
    before `expired_since` ((id, effective_until), longest ended first)."""
    retired = [
        doc for (doc,) in db.conn.execute(f"SELECT id FROM documents d WHERE NOT {_NOT_RETIRED} ORDER BY id")
    ]
    ended = []
    if expired_since is not None:
        ended = db.conn.execute(
            f"SELECT id, effective_until FROM documents d WHERE {_NOT_RETIRED} AND effective_until < ? "
            "ORDER BY effective_until, id",
            [expired_since.isoformat()],
        ).fetchall()
    return retired, ended


def _counted_groups(
    db: Database,
    names: list[str] | None,
    today: date,
    horizon: date,
    expired_since: date | None,
    per_agency: int,
    streamed: bool,
) -> Reminded:
    """remind() from the tallies: each agency's counts of open parts overdue and due by `horizon`
    without reading the parts (_counts), the documents summed up as expired, and each agency's
    place in the order from its most urgent part alone; then, agency by agency as the groups are
    read, its `per_agency` most urgent parts through its own indexes. `names`: the assignment
    names asked for, None for all. Not `streamed`: every agency's parts read first, their order
    taken from them and their measures' details read together (the report: 200 agencies)."""
    once, periodic, left_out = _counts(db, names, today, horizon, expired_since)
    groups: dict[str, dict] = {}
    for name in sorted(set(once) | set(periodic)):
        counts = [a + b for a, b in zip(once.get(name, [0, 0]), periodic.get(name, [0, 0]), strict=True)]
        if counts[0] + counts[1]:
            group = groups[name] = _group(name)
            group["overdue_count"], group["due_soon_count"] = counts
    if expired_since is not None:
        _add_expired(groups, _expired_counted(db, names, today, expired_since))
    reader = _UrgentParts(db, today, horizon, left_out, per_agency)
    if not streamed:
        for name, group in groups.items():
            if group["overdue_count"] + group["due_soon_count"]:
                group["overdue"], group["due_soon"] = reader.most_urgent(
                    name, once.get(name, [0, 0]), periodic.get(name, [0, 0])
                )
        entries = {e[3] for g in groups.values() for key in ("overdue", "due_soon") for e in g[key]}
        return _in_order(db, groups, today, _details(db, entries))
    first = {
        name: reader.first_due(name, once.get(name, [0, 0]), periodic.get(name, [0, 0])) for name in groups
    }
    ordered = sorted(groups.values(), key=lambda g: (first[g["agency"] or ""], *_last(g)))

    def read() -> Iterator[dict]:
        for group in ordered:
            name = group["agency"] or ""
            if name in first and first[name] != "9999":
                group["overdue"], group["due_soon"] = reader.most_urgent(
                    name, once.get(name, [0, 0]), periodic.get(name, [0, 0])
                )
            yield _with_details(db, group, today)

    return _totals(ordered, read())


def _counts(
    db: Database, names: list[str] | None, today: date, horizon: date, expired_since: date | None
) -> tuple[dict[str, list[int]], dict[str, list[int]], str]:
    """Per agency, [overdue, due soon] of the open parts of measures that do not recur, and of the
    recurring measures' open periods that count today, and the documents remind leaves out (a JSON
    list): the tally's sums over every document, less those of the documents left out (an ended
    document's open parts due within its term were all due before today: pair_tally counts them)."""
    from policycli import period_parts
    from policycli.tallies import due_before_sum

    first_soon, after = today.isoformat(), (horizon + timedelta(days=1)).isoformat()
    counts: dict[str, list[int]] = {}  # name: [overdue, due soon]
    chosen, chosen_values = period_parts.chosen(names, "key")
    for sign, day in ((1, first_soon), (-1, after)):
        before_day, bounds = due_before_sum("agency", "k.key", day)
        for name, before in db.conn.execute(
            f"""SELECT k.key, {before_day}
                FROM (SELECT DISTINCT key FROM tally WHERE scope = 'agency' AND kind = 'state'{chosen}) k""",
            [*bounds, *chosen_values],
        ):
            row = counts.setdefault(name, [0, 0])
            if sign == 1:  # due before today: overdue; due before the day after horizon, less those: soon
                row[0] += before
                row[1] -= before
            else:
                row[1] += before
    retired, ended = _excluded_documents(db, expired_since)
    anyone, params = _open(db, None, today, "once")
    where = list(anyone)
    if names is not None:
        where.append(f"a.agency IN ({', '.join('?' for _ in names)})")
        params = [*params, *names]
    # the open parts of repealed or replaced documents, and those of ended documents due after
    # their end (pair_tally's `late`): read, document by document
    late_docs = [doc for doc, _ in ended]
    if late_docs:
        late_docs = [
            doc
            for (doc,) in db.conn.execute(
                "SELECT DISTINCT doc_id FROM pair_tally WHERE late != 0 AND doc_id IN "
                "(SELECT value FROM json_each(?))",
                [json.dumps(late_docs, ensure_ascii=False)],
            )
        ]
    read_whole = [(doc, "1") for doc in retired] + [(doc, "m.due > d.effective_until") for doc in late_docs]
    for doc, which in read_whole:
        for name, due in db.conn.execute(
            f"SELECT a.agency, m.due {_open_from(today, 'once', by_document=True)} "
            f"WHERE d.id = ? AND m.due IS NOT NULL AND m.due < ? AND {which} AND "
            + " AND ".join(w for w in where if w != _NOT_RETIRED),
            [doc, after, *params],
        ):
            row = counts.setdefault(name, [0, 0])
            row[0 if due < first_soon else 1] -= 1
    chosen_names, chosen_values = period_parts.chosen(names)
    if ended:
        for name, within in db.conn.execute(
            "SELECT agency, sum(within) FROM pair_tally WHERE doc_id IN (SELECT value FROM json_each(?))"
            f"{chosen_names} GROUP BY agency",
            [json.dumps([doc for doc, _ in ended], ensure_ascii=False), *chosen_values],
        ):
            counts.setdefault(name, [0, 0])[0] -= within
    # the recurring measures' open periods that count today, due by the horizon, per agency: those
    # overdue from the tally, those due soon through the due index (a few days' periods), less
    # those of the documents remind leaves out (read through the document index)
    left_out = json.dumps(retired + [doc for doc, _ in ended], ensure_ascii=False)
    shown, day = period_parts.in_view(today)
    wanted = None if names is None else set(names)
    periodic_counts: dict[str, list[int]] = {}
    for name, overdue in period_parts.before(db.conn, "agency", "due", today).items():
        if overdue and (wanted is None or name in wanted):
            periodic_counts[name] = [overdue, 0]
    open_period = f"{shown} AND status NOT IN ({FINISHED_SQL}){chosen_names}"
    for name, soon in db.conn.execute(
        f"SELECT agency, count(*) FROM period_parts WHERE due >= ? AND due < ? AND {open_period} "
        "GROUP BY agency",
        [first_soon, after, *day, *chosen_values],
    ):
        periodic_counts.setdefault(name, [0, 0])[1] += soon
    for name, overdue, soon in db.conn.execute(
        f"SELECT agency, sum(due < ?), sum(due >= ?) FROM period_parts "
        f"WHERE doc_id IN (SELECT value FROM json_each(?)) AND due < ? AND {open_period} GROUP BY agency",
        [first_soon, first_soon, left_out, after, *day, *chosen_values],
    ):
        row = periodic_counts.setdefault(name, [0, 0])
        row[0] -= overdue
        row[1] -= soon
    return counts, periodic_counts, left_out


class _UrgentParts:
    """An agency's most urgent open parts due by the horizon, of the documents remind reads: those
    of measures that do not recur through (agency, obsolete, due), the recurring measures' periods
    through period_parts' (agency, due, doc, seq); the documents left out (repealed and replaced
    ones among them) by their ids, without reading each part's document."""

    def __init__(self, db: Database, today: date, horizon: date, left_out: str, limit: int) -> None:
        from policycli import period_parts

        self.db, self.left_out, self.limit = db, left_out, limit
        self.first_soon, self.after = today.isoformat(), (horizon + timedelta(days=1)).isoformat()
        anyone, _ = _open(db, None, today, "once")
        self.once = (
            f"SELECT a.agency, m.id, a.due, '', m.doc_id, m.seq {_open_from(today, 'once', documents=False)} "
            f"WHERE a.agency = ? AND {' AND '.join(w for w in anyone if w != _NOT_RETIRED)} "
            "AND m.doc_id NOT IN (SELECT value FROM json_each(?)) AND a.due < ?"
        )
        shown, self.day = period_parts.in_view(today)
        self.periodic = (
            f"SELECT agency, measure_id, due, period, doc_id, seq FROM period_parts WHERE agency = ? "
            f"AND {shown} AND status NOT IN ({FINISHED_SQL}) "
            "AND doc_id NOT IN (SELECT value FROM json_each(?)) AND due < ?"
        )

    def first_due(self, name: str, once: list[int], periodic: list[int]) -> str:
        """The due date of the agency's most urgent part ("9999" for none): its place in the order."""
        dues = []
        if sum(once):
            dues += self.db.conn.execute(
                f"{self.once} ORDER BY a.due LIMIT 1", [name, self.left_out, self.after]
            ).fetchall()
        if sum(periodic):
            dues += self.db.conn.execute(
                f"{self.periodic} ORDER BY due LIMIT 1", [name, *self.day, self.left_out, self.after]
            ).fetchall()
        return min((row[2] for row in dues), default="9999")

    def most_urgent(self, name: str, once: list[int], periodic: list[int]) -> tuple[list, list]:
        """(overdue, due soon): each the `limit` most urgent (due, doc, seq, measure, period)."""
        lists = []
        for which, low, high in ((0, None, self.first_soon), (1, self.first_soon, self.after)):
            entries = []
            if once[which]:
                entries += self.db.conn.execute(
                    f"{self.once}{' AND a.due >= ?' if low else ''} "
                    f"ORDER BY a.due, m.doc_id, m.seq LIMIT {int(self.limit)}",
                    [name, self.left_out, high, *([low] if low else [])],
                ).fetchall()
            if periodic[which]:
                entries += self.db.conn.execute(
                    f"{self.periodic}{' AND due >= ?' if low else ''} "
                    f"ORDER BY due, doc_id, seq LIMIT {int(self.limit)}",
                    [name, *self.day, self.left_out, high, *([low] if low else [])],
                ).fetchall()
            lists.append(
                sorted(
                    (due, doc, seq, measure_id, period) for _, measure_id, due, period, doc, seq in entries
                )[: self.limit]
            )
        return lists[0], lists[1]


def _expired_counted(db: Database, names: list[str] | None, today: date, before: date) -> list[tuple]:
    """_expired_documents() from pair_tally (the open parts of measures that do not recur), and the
    recurring measures' open periods that count `today` from period_parts."""
    from policycli import period_parts

    ended = {
        row[0]: row
        for row in db.conn.execute(
            f"SELECT id, title, doc_number, effective_until FROM documents d "
            f"WHERE effective_until < ? AND {_NOT_RETIRED}",
            [before.isoformat()],
        )
    }
    if not ended:
        return []
    chosen, chosen_values = period_parts.chosen(names, "p.agency")
    open_parts: dict[tuple[str, str], int] = {}
    for name, doc, count in db.conn.execute(
        "SELECT p.agency, p.doc_id, p.undated + p.within + p.late FROM documents d "
        f"CROSS JOIN pair_tally p ON p.doc_id = d.id WHERE d.id IN (SELECT value FROM json_each(?)){chosen}",
        [json.dumps(list(ended), ensure_ascii=False), *chosen_values],
    ):
        open_parts[(name, doc)] = open_parts.get((name, doc), 0) + count
    shown, day = period_parts.in_view(today)
    chosen_names, chosen_values = period_parts.chosen(names)
    for name, doc, count in db.conn.execute(
        f"SELECT agency, doc_id, count(*) FROM period_parts WHERE doc_id IN (SELECT value FROM json_each(?)) "
        f"AND {shown} AND status NOT IN ({FINISHED_SQL}){chosen_names} GROUP BY doc_id, agency",
        [json.dumps(list(ended), ensure_ascii=False), *day, *chosen_values],
    ):
        open_parts[(name, doc)] = open_parts.get((name, doc), 0) + count
    rows = [(name, *ended[doc], count) for (name, doc), count in open_parts.items() if count > 0]
    rows.sort(key=lambda r: (r[4], r[1], r[0]))
    return rows


class _Reverse:
    """Orders entries backwards, so heapq's min-heap keeps the largest (least urgent) on top."""

    __slots__ = ("key",)

    def __init__(self, key: tuple) -> None:
        self.key = key

    def __lt__(self, other: _Reverse) -> bool:
        return self.key > other.key


def _details(db: Database, measure_ids: set[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    ids = sorted(measure_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in db.conn.execute(
            f"""SELECT m.id, m.doc_id, d.title, m.number, m.kind, m.title, d.source_file,
                       m.line_first, m.line_last
                FROM measures m JOIN documents d ON d.id = m.doc_id WHERE m.id IN ({marks})""",
            chunk,
        ):
            measure_id, doc, doc_title, number, kind, title, source, first, last = row
            out[measure_id] = {
                "id": measure_id,
                "doc": doc,
                "doc_title": doc_title,
                "number": number,
                "kind": kind,
                "title": title,
                "source": f"{source} {first}-{last}",
            }
    return out


def calendar_events(db: Database, agency: str | None = None, doc: str | None = None) -> list[dict]:
    """One event per due date (each period of a recurring measure, with its status) × responsible
    unit."""
    events = []
    for row in _parts_for_calendar(db, agency, doc):
        name, measure_id, doc, number, title, when, due_info, doc_title, source, first, last, text, status = (
            row
        )
        info = json.loads(due_info) if due_info else {}
        if when:
            events.append(
                {
                    "uid": f"{measure_id}/{name or 'unassigned'}/{when}@policy",
                    "date": date.fromisoformat(when),
                    "agency": name or None,
                    "id": measure_id,
                    "doc_title": doc_title,
                    "title": title,
                    "text": text,
                    "source": f"{source} 第{first}–{last}行",
                    "status": status,
                    "rule": info.get("rule"),
                    "quote": info.get("quote"),
                }
            )
    events.sort(key=lambda e: (e["date"], e["id"], e["agency"] or ""))
    return events


def _parts_for_calendar(db: Database, agency: str | None, doc: str | None):
    filters, params = part_filters(db, doc, agency)
    where = [
        f"m.kind IN ({KINDS_SQL})",
        "m.obsolete = 0",
        "a.obsolete = 0",
        "(m.due IS NOT NULL OR m.recurrence IS NOT NULL)",
        *filters,
    ]
    every = counted_sql(None)
    return db.conn.execute(
        f"""SELECT a.agency, m.id, m.doc_id, m.number, m.title, {every.due}, m.due_info, d.title,
                   d.source_file, m.line_first, m.line_last, m.text, coalesce(p.status, 'todo')
            FROM assignments a JOIN measures m ON m.id = a.measure_id JOIN documents d ON d.id = m.doc_id
            {every.join} LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency
                 AND p.period = {every.label}
            WHERE {" AND ".join(where)} ORDER BY m.doc_id, m.seq, a.seq, occ.key""",
        params,
    )


def ics_bytes(events: list[dict], stamp) -> bytes:
    """An iCalendar file: all-day events, stable UIDs, Chinese summaries (icalendar folds long lines
    and escapes TEXT's , ; \\ and newlines). Every text value goes through render.ics_text, as
    icalendar keeps the controls RFC 5545 forbids; the one-line ones (UID, SUMMARY, CATEGORIES)
    have their newlines turned into spaces."""
    from icalendar import Calendar, Event

    from policycli.render import ics_text

    def one_line(text: str) -> str:
        return ics_text(text).replace("\n", " ")

    cal = Calendar()
    cal.add("prodid", "-//policy//compliance checklist//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "政策任务截止日期")
    for item in events:
        event = Event()
        event.add("uid", one_line(item["uid"]))
        event.add("dtstamp", stamp)
        event.add("dtstart", item["date"])
        event.add("dtend", item["date"] + timedelta(days=1))
        who = one_line(item["agency"] or UNASSIGNED_LABEL)
        event.add("summary", one_line(f"【截止】{item['title']}（{who}）"))
        lines = [
            item["text"] or "",
            "",
            f"文件：{item['doc_title']}",
            f"编号：{item['id']}",
            f"来源：{item['source']}",
        ]
        if item.get("quote"):
            lines.append(f"期限依据：{item['quote']}（{rule_label(item['rule'])}）")
        lines.append(f"状态：{status_label(item['status'])}")
        event.add("description", ics_text("\n".join(lines)))
        event.add("categories", [who])
        cal.add_component(event)
    return cal.to_ical()
