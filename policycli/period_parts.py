"""Every part of a recurring measure in each of its periods, kept in step with every write, so
`stats`, `remind` and the title of `tasks --agency` count them in SQL instead of working out each
measure's periods in Python (at 1M measures: 20k recurring measures, 330k periods × units, 1 s).

Which periods count depends on the day (periods.in_view: those already due and the open one), but
not in a way a stored row cannot say: a period counts on day D exactly when the occurrence before
it is before D (periods.PREVIOUS_OCCURRENCE_SQL has an example). So each row keeps `shown_after`,
that occurrence ('' for the first), and "the periods that count on D" is `shown_after < D` — a
condition that, once true, stays true, so the rows can also be counted by that day like a due date.

- `period_parts(measure_id, agency, due, period, shown_after, doc_id, seq, status)`: one row per
  current assignment of a current recurring measure and occurrence in its due_info; `status` is the
  part's progress for that period ('todo' when none is recorded).
- `period_measures(measure_id, doc_id, unfinished_from)`: per measure, the earliest shown_after of
  a period not finished (NULL: all finished): the measure is finished on D when that is not before D.
- Their counts in the tally (kinds period-…, below): per agency and document, the rows by the day
  they count from and status, the open rows by due date, and the measures by unfinished_from.

The triggers (named tally_period_*, beside tallies.py's) keep them: a status recorded, an
assignment added, dropped or corrected, a measure added, revised, moved or dropped. While `load`
rewrites a document (tallies.suspended) its rows and counts are taken out and put back whole.
"""

from __future__ import annotations

from datetime import date

from policycli.checklist.periods import OCCURRENCE_ROWS_SQL, PREVIOUS_OCCURRENCE_SQL, label_sql
from policycli.kinds import FINISHED_SQL, KINDS_SQL

TABLE = """
CREATE TABLE period_parts (
    measure_id TEXT NOT NULL,
    agency TEXT NOT NULL,
    due TEXT NOT NULL,          -- the occurrence: the period's due date
    period TEXT NOT NULL,       -- its label (periods.label): 2022, 2022-H1, 2022-Q3, 2022-03
    shown_after TEXT NOT NULL,  -- the previous occurrence ('' for the first): counts on days after it
    doc_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,       -- the part's status for the period ('todo' when none is recorded)
    PRIMARY KEY (measure_id, agency, due)
) WITHOUT ROWID;
-- an agency's periods in remind's order (due, document, place), with what it filters on: its most
-- urgent are read without a sort or a lookup
CREATE INDEX period_parts_agency ON period_parts(agency, due, doc_id, seq, shown_after, status, period);
-- a few documents' periods (load rewriting one, remind's ended documents), and the periods due in
-- the days remind looks ahead
CREATE INDEX period_parts_doc ON period_parts(doc_id, shown_after, status);
CREATE INDEX period_parts_due ON period_parts(due, shown_after, status);
-- per recurring measure: from which day it has a period not finished (the earliest shown_after of
-- one, NULL when every period is finished) — stats' "whole measures done" of a day without reading them
CREATE TABLE period_measures (
    measure_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    unfinished_from TEXT
) WITHOUT ROWID;
CREATE INDEX period_measures_doc ON period_measures(doc_id)
"""

_LABEL = label_sql("o.value")
_ACTIVE = "m.doc_id NOT IN (SELECT doc_id FROM tally_suspended)"

# The counts of period_parts in the tally (tallies.py), all under kinds named period-…, per agency
# and per document: the rows by the day they count from and their status ('period-shown-year'
# 2020|todo, '-month' 2020-12|todo, '-day' 2020-12-31|todo; the first period, shown from the start,
# under 0000), the open rows by due date ('period-due-…', as tallies' year, month, day), and per
# document the recurring measures ('period-measures', bucket '') and by the day each first has an
# unfinished period ('period-unfinished-…').
_GRAINS = (("year", 4), ("month", 7), ("day", 10))
_FROM_START = "'0000-00-00'"
_PART_FACETS = " UNION ALL ".join(
    f"SELECT '{scope}' AS scope, 'period-{what}-{grain}' AS kind, {width} AS width"
    for scope in ("agency", "doc")
    for what in ("shown", "due")
    for grain, width in _GRAINS
)
_MEASURE_FACETS = " UNION ALL ".join(
    [f"SELECT 'period-unfinished-{grain}' AS kind, {width} AS width" for grain, width in _GRAINS]
    + ["SELECT 'period-measures' AS kind, 0 AS width"]
)


def _count_parts(sign: int, source: str) -> str:
    """Add `sign` × the period_parts rows `source` selects (agency, doc_id, due, shown_after,
    status) to the tally."""
    bucket = (
        f"CASE WHEN f.kind LIKE 'period-shown-%' "
        f"THEN substr(coalesce(nullif(r.shown_after, ''), {_FROM_START}), 1, f.width) || '|' || r.status "
        "ELSE substr(r.due, 1, f.width) END"
    )
    return f"""INSERT INTO tally (scope, key, kind, bucket, n)
        SELECT f.scope, CASE f.scope WHEN 'agency' THEN r.agency ELSE r.doc_id END, f.kind, {bucket},
               {sign} * count(*)
        FROM ({source}) r JOIN ({_PART_FACETS}) f
             ON f.kind LIKE 'period-shown-%' OR r.status NOT IN ({FINISHED_SQL})
        GROUP BY 1, 2, 3, 4
        ON CONFLICT (scope, key, kind, bucket) DO UPDATE SET n = n + excluded.n"""


def _count_measures(sign: int, source: str) -> str:
    """Add `sign` × the period_measures rows `source` selects (doc_id, unfinished_from)."""
    bucket = f"substr(coalesce(nullif(r.unfinished_from, ''), {_FROM_START}), 1, f.width)"
    return f"""INSERT INTO tally (scope, key, kind, bucket, n)
        SELECT 'doc', r.doc_id, f.kind, CASE f.width WHEN 0 THEN '' ELSE {bucket} END, {sign} * count(*)
        FROM ({source}) r JOIN ({_MEASURE_FACETS}) f ON f.width = 0 OR r.unfinished_from IS NOT NULL
        GROUP BY 1, 2, 3, 4
        ON CONFLICT (scope, key, kind, bucket) DO UPDATE SET n = n + excluded.n"""


_MEASURE_ROW = f"""SELECT measure_id, doc_id,
        min(CASE WHEN status NOT IN ({FINISHED_SQL}) THEN shown_after END) FROM period_parts"""


def rows_sql(where: str, suspended_too: bool = False) -> str:
    """A SELECT of the period_parts rows of the parts `where` picks (over `assignments a JOIN
    measures m`): current assignments of current recurring measures of documents not suspended
    (or also those: `suspended_too`)."""
    active = "1" if suspended_too else _ACTIVE
    return f"""SELECT m.id, a.agency, o.value, {_LABEL}, {PREVIOUS_OCCURRENCE_SQL}, m.doc_id, m.seq,
                      coalesce(p.status, 'todo')
               FROM measures m JOIN assignments a ON a.measure_id = m.id JOIN {OCCURRENCE_ROWS_SQL} o
                    LEFT JOIN progress p ON p.measure_id = m.id AND p.agency = a.agency
                         AND p.period = {_LABEL}
               WHERE a.obsolete = 0 AND m.obsolete = 0 AND m.kind IN ({KINDS_SQL})
                     AND m.recurrence IS NOT NULL AND {active} AND {where}"""


def _insert(where: str, suspended_too: bool = False) -> str:
    # OR IGNORE: an occurrence listed twice is one period (the first); not OR REPLACE, whose delete
    # would fire no trigger and leave the replaced row counted
    return f"INSERT OR IGNORE INTO period_parts {rows_sql(where, suspended_too)}"


def _set_status(row: str, status: str) -> str:
    return (
        f"UPDATE period_parts SET status = {status} WHERE measure_id = {row}.measure_id "
        f"AND agency = {row}.agency AND period = {row}.period"
    )


def _trigger(name: str, event: str, body: list[str], when: str | None = None) -> str:
    condition = f" WHEN {when}" if when else ""
    statements = "".join(f"    {s};\n" for s in body)
    return f"CREATE TRIGGER {name} AFTER {event}{condition}\nBEGIN\n{statements}END"


def _part(row: str) -> str:
    return (
        f"SELECT {row}.agency AS agency, {row}.doc_id AS doc_id, {row}.due AS due, "
        f"{row}.shown_after AS shown_after, {row}.status AS status"
    )


def _measure_again(measure_id: str) -> list[str]:
    return [
        f"DELETE FROM period_measures WHERE measure_id = {measure_id}",
        f"INSERT INTO period_measures {_MEASURE_ROW} WHERE measure_id = {measure_id} GROUP BY measure_id",
    ]


def triggers() -> list[str]:
    """The triggers that keep period_parts from the tables (assignments, measures, progress)."""
    # a measure's own rows follow it: deleting them needs no check of suspension (a suspended
    # document's rows are taken out whole), writing them does (they are written back whole)
    new_measure = _insert("m.id = NEW.id")
    new_part = _insert("a.measure_id = NEW.measure_id AND a.agency = NEW.agency")
    old_measure = "DELETE FROM period_parts WHERE measure_id = OLD.id"
    old_part = "DELETE FROM period_parts WHERE measure_id = OLD.measure_id AND agency = OLD.agency"
    return [
        # a status recorded for a period ('' is a measure that does not recur: no row has it)
        _trigger(
            "tally_period_progress_insert",
            "INSERT ON progress",
            [_set_status("NEW", "NEW.status")],
            "NEW.period != ''",
        ),
        _trigger(
            "tally_period_progress_delete",
            "DELETE ON progress",
            [_set_status("OLD", "'todo'")],
            "OLD.period != ''",
        ),
        _trigger(
            "tally_period_progress_update",
            "UPDATE OF measure_id, agency, period, status ON progress",
            [_set_status("OLD", "'todo'"), _set_status("NEW", "NEW.status")],
            "OLD.period != '' OR NEW.period != ''",
        ),
        _trigger("tally_period_assignment_insert", "INSERT ON assignments", [new_part], "NEW.obsolete = 0"),
        _trigger("tally_period_assignment_delete", "DELETE ON assignments", [old_part]),
        _trigger(
            "tally_period_assignment_update",
            "UPDATE OF measure_id, agency, obsolete ON assignments",
            [old_part, new_part],
        ),
        _trigger(
            "tally_period_measure_insert", "INSERT ON measures", [new_measure], "NEW.recurrence IS NOT NULL"
        ),
        _trigger("tally_period_measure_delete", "DELETE ON measures", [old_measure]),
        _trigger(
            "tally_period_measure_update",
            "UPDATE OF id, doc_id, seq, kind, obsolete, recurrence, due_info ON measures",
            [old_measure, new_measure],
            "OLD.recurrence IS NOT NULL OR NEW.recurrence IS NOT NULL",
        ),
    ]


def _not_suspended(row: str) -> str:
    return f"{row}.doc_id NOT IN (SELECT doc_id FROM tally_suspended)"


def count_triggers() -> list[str]:
    """The triggers that keep the tally's period-… rows and period_measures from period_parts, row
    by row, but for a document `load` rewrites (take_out and put_back count it whole)."""
    return [
        _trigger(
            "tally_period_row_insert",
            "INSERT ON period_parts",
            [_count_parts(1, _part("NEW")), *_measure_again("NEW.measure_id")],
            _not_suspended("NEW"),
        ),
        _trigger(
            "tally_period_row_delete",
            "DELETE ON period_parts",
            [_count_parts(-1, _part("OLD")), *_measure_again("OLD.measure_id")],
            _not_suspended("OLD"),
        ),
        _trigger(
            "tally_period_row_update",
            "UPDATE ON period_parts",
            [
                _count_parts(-1, _part("OLD")),
                _count_parts(1, _part("NEW")),
                *_measure_again("OLD.measure_id"),
                *_measure_again("NEW.measure_id"),
            ],
            _not_suspended("NEW"),
        ),
        _trigger(
            "tally_period_measures_insert",
            "INSERT ON period_measures",
            [_count_measures(1, "SELECT NEW.doc_id AS doc_id, NEW.unfinished_from AS unfinished_from")],
            _not_suspended("NEW"),
        ),
        _trigger(
            "tally_period_measures_delete",
            "DELETE ON period_measures",
            [_count_measures(-1, "SELECT OLD.doc_id AS doc_id, OLD.unfinished_from AS unfinished_from")],
            _not_suspended("OLD"),
        ),
    ]


def install(conn) -> None:
    """Create the tables and their triggers, and fill them (the migration)."""
    for statement in TABLE.split(";"):
        if statement.strip():
            conn.execute(statement)
    for statement in triggers():
        conn.execute(statement)
    rebuild(conn)


def rebuild(conn) -> None:
    """Rewrite every row and its counts from the tables, in bulk: the counting triggers are set
    aside meanwhile, so that 330k rows (at 1M measures) are counted in one grouping, not one by one."""
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' "
        "AND tbl_name IN ('period_parts', 'period_measures')"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DELETE FROM period_parts")
    conn.execute("DELETE FROM period_measures")
    conn.execute("DELETE FROM tally WHERE kind LIKE 'period-%'")
    conn.execute(_insert("1"))
    conn.execute(f"INSERT INTO period_measures {_MEASURE_ROW} GROUP BY measure_id")
    conn.execute(_count_parts(1, "SELECT agency, doc_id, due, shown_after, status FROM period_parts"))
    conn.execute(_count_measures(1, "SELECT doc_id, unfinished_from FROM period_measures"))
    for statement in count_triggers():
        conn.execute(statement)


_DOCUMENT_PARTS = "SELECT agency, doc_id, due, shown_after, status FROM period_parts WHERE doc_id = ?"
_DOCUMENT_MEASURES = "SELECT doc_id, unfinished_from FROM period_measures WHERE doc_id = ?"


def take_out(conn, doc_id: str) -> None:
    """A document `load` is about to rewrite, once it is suspended (tallies.suspended): its rows and
    their counts go in one read, and come back whole (put_back) — not row by row, each changing its
    measure's row in passing."""
    for statement in (_count_parts(-1, _DOCUMENT_PARTS), _count_measures(-1, _DOCUMENT_MEASURES)):
        conn.execute(statement, [doc_id])
    conn.execute("DELETE FROM period_measures WHERE doc_id = ?", [doc_id])
    conn.execute("DELETE FROM period_parts WHERE doc_id = ?", [doc_id])


def put_back(conn, doc_id: str) -> None:
    """The document's rows and counts from its tables, while it is still suspended."""
    conn.execute(_insert("m.doc_id = ?", suspended_too=True), [doc_id])
    conn.execute(f"INSERT INTO period_measures {_MEASURE_ROW} WHERE doc_id = ? GROUP BY measure_id", [doc_id])
    for statement in (_count_parts(1, _DOCUMENT_PARTS), _count_measures(1, _DOCUMENT_MEASURES)):
        conn.execute(statement, [doc_id])


def differences(conn) -> list[str]:
    """Where period_parts, period_measures and the tally's period-… rows disagree with the tables:
    each worked out again in Python, the measures' periods by periods.periods_of (not by the SQL
    that writes them)."""
    import json
    from collections import Counter

    from policycli.checklist.periods import periods_of
    from policycli.kinds import FINISHED

    true: dict[tuple, tuple] = {}
    statuses = {
        (m, a, p): s for m, a, p, s in conn.execute("SELECT measure_id, agency, period, status FROM progress")
    }
    for measure_id, agency, recurrence, due_info, doc_id, seq in conn.execute(
        f"""SELECT m.id, a.agency, m.recurrence, m.due_info, m.doc_id, m.seq
            FROM measures m JOIN assignments a ON a.measure_id = m.id
            WHERE a.obsolete = 0 AND m.obsolete = 0 AND m.kind IN ({KINDS_SQL})
                  AND m.recurrence IS NOT NULL"""
    ):
        previous = ""
        for period in periods_of(recurrence, json.loads(due_info) if due_info else None):
            status = statuses.get((measure_id, agency, period.label), "todo")
            true.setdefault((measure_id, agency, period.due), (period.label, previous, doc_id, seq, status))
            previous = period.due
    stored = {tuple(row[:3]): tuple(row[3:]) for row in conn.execute("SELECT * FROM period_parts")}
    out = [
        f"period_parts {key}: stored {stored.get(key)}, true {true.get(key)}"
        for key in sorted(set(stored) | set(true), key=repr)
        if stored.get(key) != true.get(key)
    ]
    measures: dict[str, tuple[str, str | None]] = {}
    counts: Counter = Counter()
    for (measure_id, agency, due), (_, shown_after, doc_id, _, status) in true.items():
        is_open = status not in FINISHED
        unfinished = measures.get(measure_id, (doc_id, None))[1]
        if is_open and (unfinished is None or shown_after < unfinished):
            unfinished = shown_after
        measures[measure_id] = (doc_id, unfinished)
        for scope, key in (("agency", agency), ("doc", doc_id)):
            for grain, width in _GRAINS:
                shown = (shown_after or "0000-00-00")[:width]
                counts[(scope, key, f"period-shown-{grain}", f"{shown}|{status}")] += 1
                if is_open:
                    counts[(scope, key, f"period-due-{grain}", due[:width])] += 1
    for doc_id, unfinished in measures.values():
        counts[("doc", doc_id, "period-measures", "")] += 1
        if unfinished is not None:
            for grain, width in _GRAINS:
                counts[
                    ("doc", doc_id, f"period-unfinished-{grain}", (unfinished or "0000-00-00")[:width])
                ] += 1
    stored_measures = {m: (d, u) for m, d, u in conn.execute("SELECT * FROM period_measures")}
    out += [
        f"period_measures {key}: stored {stored_measures.get(key)}, true {measures.get(key)}"
        for key in sorted(set(stored_measures) | set(measures))
        if stored_measures.get(key) != measures.get(key)
    ]
    stored_counts = Counter(
        {
            (scope, key, kind, bucket): n
            for scope, kind, key, bucket, n in conn.execute(
                "SELECT scope, kind, key, bucket, n FROM tally WHERE kind LIKE 'period-%'"
            )
            if n
        }
    )
    out += [
        f"tally {key}: stored {stored_counts[key]}, true {counts[key]}"
        for key in sorted(set(stored_counts) | set(counts), key=repr)
        if stored_counts[key] != counts[key]
    ]
    return out


# --- what the commands read ---------------------------------------------------------------------


def in_view(today: date) -> tuple[str, list[str]]:
    """The condition (and its value) of a row whose period counts on `today` (periods.in_view)."""
    return "shown_after < ?", [today.isoformat()]


def chosen(names: list[str] | None, column: str = "agency") -> tuple[str, list[str]]:
    """' AND agency IN (…)' (or another `column`) and its values for these assignment names (nothing
    for None: every agency)."""
    if names is None:
        return "", []
    return f" AND {column} IN ({', '.join('?' for _ in names)})", list(names)


def before(conn, scope: str, what: str, day: date) -> dict:
    """The tally's period counts of `scope` ('agency', 'doc') before `day`, per key: `what`
    'shown' — the rows that count on `day`, {(key, status): n}; 'due' — the open rows due before
    it, {key: n}; 'unfinished' — the recurring measures with a period not finished among those
    that count on it, {key: n}. Per key, the whole years before its year, its year's months before
    its month, its month's days before it: three range reads of the primary key (scope, kind, key,
    bucket), a few rows each whatever the number of periods."""
    iso = day.isoformat()
    year, month = iso[:4], iso[:7]
    ranges = [("year", "", year), ("month", f"{year}-01", month), ("day", f"{month}-01", iso)]
    keys = f"SELECT DISTINCT key FROM tally WHERE scope = ? AND kind = 'period-{what}-year'"
    reads = " UNION ALL ".join(
        "SELECT t.key AS key, t.bucket AS bucket, t.n AS n FROM keys CROSS JOIN tally t "
        f"ON t.scope = ? AND t.kind = 'period-{what}-{grain}' AND t.key = keys.key "
        "AND t.bucket >= ? AND t.bucket < ?"
        for grain, _, _ in ranges
    )
    values = [scope, *(value for _, low, high in ranges for value in (scope, low, high))]
    if what == "shown":  # bucket: the day's grain, then |status
        return {
            (key, status): n
            for key, status, n in conn.execute(
                f"WITH keys AS ({keys}) SELECT key, substr(bucket, instr(bucket, '|') + 1), sum(n) "
                f"FROM ({reads}) GROUP BY 1, 2",
                values,
            )
        }
    return dict(conn.execute(f"WITH keys AS ({keys}) SELECT key, sum(n) FROM ({reads}) GROUP BY 1", values))


def measures(conn) -> dict[str, int]:
    """The recurring measures with a part, per document."""
    return dict(conn.execute("SELECT key, n FROM tally WHERE scope = 'doc' AND kind = 'period-measures'"))


__all__ = [
    "TABLE",
    "before",
    "chosen",
    "count_triggers",
    "differences",
    "in_view",
    "install",
    "measures",
    "put_back",
    "rebuild",
    "rows_sql",
    "take_out",
    "triggers",
]
