"""`policy stats`: progress per agency and per document, counted by parts (one per measure ×
responsible unit) and, for documents, by whole measures too.

A part is done when its status is done or n/a (as everywhere), overdue when it is not done and its
due date is before `today`. A recurring measure's part counts once per period that counts today
(checklist/periods.py: those already due, and the open one), each with its own status and date.
Filters choose the parts counted: those of one document (`doc`), of the names an agency sees
(`agency`: its own, its predecessors', its collectives'), of the agencies of a level or a district
(the registry's). A document's whole measures are those with a chosen part; one is done when all
its chosen parts are.
Without filters the JSON keys of earlier versions keep their meaning: `agencies[].total/done` count
parts, `documents[].total/done` whole measures.
"""

from __future__ import annotations

import json
from datetime import date

from policycli.checklist.periods import CountedSQL, counted_sql
from policycli.kinds import FINISHED_SQL, KINDS_SQL, UNASSIGNED_JSON
from policycli.store import Database


def _percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def _names_at(db: Database, level: str | None, district: str | None) -> list[str]:
    """The assignment names whose agency has this level and district in the registry."""
    from policycli.agency_store import registry_for

    registry = registry_for(db)
    out = []
    for (name,) in db.conn.execute("SELECT DISTINCT agency FROM assignments WHERE agency != ''"):
        agency = registry.agency(name)
        if agency is None:
            continue
        if (level is None or agency.level == level) and (district is None or agency.district == district):
            out.append(name)
    return out


def statistics(
    db: Database,
    today: date | None = None,
    *,
    doc: str | None = None,
    agency: str | None = None,
    level: str | None = None,
    district: str | None = None,
) -> dict:
    """{"agencies": [...], "documents": [...]}. Per agency: agency, total, done (parts; as before) and
    doing, blocked, overdue, percent. Per document: doc, title, total, done (whole measures; as before)
    and parts, parts_done, parts_doing, parts_blocked, parts_overdue, percent (of parts done).
    `today` comes from the caller; without it the overdue counts are None (and recurring measures
    count the periods of the clock's day)."""
    from policycli.checklist.lookup import part_filters
    from policycli.tallies import usable

    if not (doc or agency or level or district) and usable(db.conn):
        return _from_tallies(db, today)
    filters, params = part_filters(db, doc, agency)
    where = ["a.obsolete = 0", "m.obsolete = 0", f"m.kind IN ({KINDS_SQL})", *filters]
    if level or district:
        where.append("a.agency IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(_names_at(db, level, district), ensure_ascii=False))
    status = "coalesce(p.status, 'todo')"

    def part_rows(counted: CountedSQL) -> str:
        overdue = f"({status} NOT IN ({FINISHED_SQL}) AND {counted.due} < ?)" if today else "0"
        return f"""SELECT a.agency, m.id AS measure, m.doc_id, {status} IN ({FINISHED_SQL}) AS finished,
                       {status} = 'doing' AS doing, {status} = 'blocked' AS blocked, {overdue} AS late
                FROM assignments a JOIN measures m ON m.id = a.measure_id {counted.join}
                LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency
                     AND p.period = {counted.label}
                WHERE {" AND ".join([*where, counted.condition])}"""

    # the parts of measures that do not recur, then those of recurring ones per period: two reads
    # of the measures in their order (1.5x faster at 100k than one pass joining json_each to each)
    day = today or date.today()
    branches = [part_rows(counted_sql(day, rows)) for rows in ("once", "periodic")]
    parts = " UNION ALL ".join(branches)
    # per measure, each branch on its own: a measure is in one of them, and the first is grouped as
    # it is read (in the measures' order) instead of sorted whole
    per_measure = " UNION ALL ".join(
        f"""SELECT measure, doc_id, count(*) AS parts, sum(finished) AS finished, sum(doing) AS doing,
                   sum(blocked) AS blocked, sum(late) AS late FROM ({branch}) GROUP BY measure"""
        for branch in branches
    )
    values = (([today.isoformat()] if today else []) + params) * 2
    per_agency = [
        _agency_row(r[0], r[1:], today)
        for r in db.conn.execute(
            f"""SELECT agency, count(*), sum(finished), sum(doing), sum(blocked), sum(late) FROM ({parts})
                GROUP BY agency ORDER BY count(*) DESC, agency""",
            values,
        )
    ]
    # Per document: the parts, and whole measures (done when every chosen part is), in one pass.
    doc_filter = "WHERE d.obsolete = 0" + (" AND d.id = ?" if doc else "")
    filtered = bool(agency or level or district)
    per_document = []
    for r in db.conn.execute(
        f"""SELECT d.id, d.title, count(x.measure), sum(x.parts = x.finished), sum(x.parts), sum(x.finished),
                   sum(x.doing), sum(x.blocked), sum(x.late)
            FROM documents d LEFT JOIN ({per_measure}) x ON x.doc_id = d.id
            {doc_filter} GROUP BY d.id {"HAVING count(x.measure) > 0" if filtered else ""}
            ORDER BY d.issued_on IS NULL, d.issued_on, d.id""",
        values + ([doc] if doc else []),
    ):
        per_document.append(_document_row(r[0], r[1], r[2:4], r[4:], today))
    return {"agencies": per_agency, "documents": per_document}


def _agency_row(name: str, counts, today: date | None) -> dict:
    """An agency's JSON record from its [parts, done, doing, blocked, overdue]."""
    total, done, doing, blocked, late = counts
    return {
        "agency": name or UNASSIGNED_JSON,
        "total": total,
        "done": done,
        "doing": doing,
        "blocked": blocked,
        "overdue": late if today else None,
        "percent": _percent(done, total),
    }


def _document_row(doc: str, title: str | None, whole, counts, today: date | None) -> dict:
    """A document's JSON record from its [measures, measures done] and [parts, done, doing,
    blocked, overdue] (None for none)."""
    total, finished = (n or 0 for n in whole)
    parts, done, doing, blocked, late = (n or 0 for n in counts)
    return {
        "doc": doc,
        "title": title,
        "total": total,
        "done": finished,
        "parts": parts,
        "parts_done": done,
        "parts_doing": doing,
        "parts_blocked": blocked,
        "parts_overdue": late if today else None,
        "percent": _percent(done, parts),
    }


def _tally_counts(db: Database, today: date | None, scopes: tuple[str, ...]) -> tuple[dict, dict, dict]:
    """[parts, done, doing, blocked, overdue] per agency (raw assignment names) and per document of
    the `scopes` asked for ("agency", "doc"), and the recurring measures' whole measures per
    document, {doc: [measures, finished]}: the parts of measures that do not recur from the counts
    kept in step (tallies.py: a few rows per agency and document, whatever the size), the recurring
    measures' parts per period that counts today from its period-… counts (period_parts.py)."""
    from policycli import period_parts
    from policycli.kinds import FINISHED
    from policycli.tallies import due_before_sum

    agencies: dict[str, list[int]] = {}
    documents: dict[str, list[int]] = {}
    whole: dict[str, list[int]] = {}
    day = today or date.today()
    for scope, counts in (("agency", agencies), ("doc", documents)):
        if scope not in scopes:
            continue
        for (key, status), n in period_parts.before(db.conn, scope, "shown", day).items():
            row = counts.setdefault(key, [0] * 5)
            row[0] += n
            row[1] += n if status in FINISHED else 0
            row[2] += n if status == "doing" else 0
            row[3] += n if status == "blocked" else 0
        if today:  # an open period due before today counts today (the period after it is shown)
            for key, n in period_parts.before(db.conn, scope, "due", today).items():
                counts.setdefault(key, [0] * 5)[4] += n
    if "doc" in scopes:  # a measure is finished when every one of its periods that count is
        unfinished = period_parts.before(db.conn, "doc", "unfinished", day)
        for doc, count in period_parts.measures(db.conn).items():
            whole[doc] = [count, count - unfinished.get(doc, 0)]
    states = f"""SELECT key, sum(n), sum(CASE WHEN bucket IN ({FINISHED_SQL}) THEN n ELSE 0 END),
                       sum(CASE WHEN bucket = 'doing' THEN n ELSE 0 END),
                       sum(CASE WHEN bucket = 'blocked' THEN n ELSE 0 END)
                FROM tally WHERE scope = ? AND kind = 'state' GROUP BY key"""
    for scope, counts in (("agency", agencies), ("doc", documents)):
        if scope not in scopes:
            continue
        for key, *numbers in db.conn.execute(states, [scope]):
            row = counts.setdefault(key, [0] * 5)
            for i, value in enumerate(numbers):
                row[i] += value
        if today:
            before, bounds = due_before_sum(scope, "k.key", today.isoformat())
            for key, late in db.conn.execute(
                f"""SELECT k.key, {before}
                    FROM (SELECT DISTINCT key FROM tally WHERE scope = ? AND kind = 'state') k""",
                [*bounds, scope],
            ):
                counts.setdefault(key, [0] * 5)[4] += late
    return agencies, documents, whole


def agency_part_counts(db: Database, today: date) -> dict[str, list[int]] | None:
    """{assignment name: [parts, done, doing, blocked, overdue]} of the whole database, from the
    tallies; None where they cannot be read (`policy agencies` then counts every part)."""
    from policycli.tallies import usable

    return _tally_counts(db, today, ("agency",))[0] if usable(db.conn) else None


def _from_tallies(db: Database, today: date | None) -> dict:
    """statistics() of the whole database, from _tally_counts."""
    agencies, documents, whole_measures = _tally_counts(db, today, ("agency", "doc"))
    for doc, measures_count, finished in db.conn.execute(
        "SELECT doc_id, measures, finished FROM doc_measures"
    ):
        row = whole_measures.setdefault(doc, [0, 0])
        row[0] += measures_count
        row[1] += finished
    per_agency = [
        _agency_row(name, c, today)
        for name, c in sorted(agencies.items(), key=lambda item: (-item[1][0], item[0]))
        if c[0]
    ]
    per_document = [
        _document_row(
            doc_id, title, whole_measures.get(doc_id, [0, 0]), documents.get(doc_id, [0] * 5), today
        )
        for doc_id, title in db.conn.execute(
            "SELECT id, title FROM documents WHERE obsolete = 0 ORDER BY issued_on IS NULL, issued_on, id"
        )
    ]
    return {"agencies": per_agency, "documents": per_document}


__all__ = ["statistics"]
