"""Counts kept in step with every write, so `policy stats`, `remind`, `agencies` and the title of
`tasks --agency` answer from a few thousand rows instead of reading every part (at 1M measures:
4.4M parts, 26 s for stats before).

What is counted: the parts (measure × responsible unit) of current measures that do not recur —
the same parts the listings count as "once" rows (periods.counted_sql). A recurring measure's
parts count once per period that counts *today*: they are kept one row per period, with the day
from which each counts, in period_parts (period_parts.py), and counted there.

- `tally(scope, kind, key, bucket, n)`: per agency (scope 'agency') and per document ('doc'), the
  parts by status (kind 'state', bucket = the status), and the open parts that have a due date by
  that date at three grains (kind 'year' 2021, 'month' 2021-07, 'day' 2021-07-15). How many are
  due before any day D is then a sum of at most ~50 rows: the whole years before D's year, the
  months of D's year before D's month, the days of D's month before D (`due_before_sum`).
- `pair_tally(doc_id, agency, undated, within, late)`: per document and agency, the open parts
  without a due date, with one on or before the document's end (effective_until), and after it.
  A document that ended long ago drops out of `remind`; its open parts due within its term were
  all due before today, so they are subtracted without reading them.
- `measure_state(measure_id, doc_id, finished)` and `doc_measures(doc_id, measures, finished)`:
  the whole measures per document that have a part, and how many have every part finished.

They are kept by triggers (one definition, below, for every write path: marks, imports, loads,
corrections, moves, undo, and any SQL a person runs), so no command has to remember them. `load`
rewrites a document with its counts taken out (`suspended`: `tally_suspended` names it) and puts
them back in one read. `rebuild` recomputes everything (the migration, `policy doctor --recount`);
`differences` says where the counts and the tables disagree (`policy doctor`, the tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from policycli.kinds import FINISHED_SQL, KINDS_SQL

_OPEN = f"s.state NOT IN ({FINISHED_SQL})"
# (scope, kind) of every tally row a part adds to; the grains of a due date only for open parts
_FACETS = " UNION ALL ".join(
    f"SELECT '{scope}' AS scope, '{kind}' AS kind"
    for scope in ("agency", "doc")
    for kind in ("state", "year", "month", "day")
)
_BUCKET = (
    "CASE f.kind WHEN 'state' THEN s.state WHEN 'year' THEN substr(s.due, 1, 4) "
    "WHEN 'month' THEN substr(s.due, 1, 7) ELSE s.due END"
)
_NO_END = "'9999-12-31'"


def _counted(kind: str, obsolete: str, recurrence: str) -> str:
    return f"{obsolete} = 0 AND {kind} IN ({KINDS_SQL}) AND {recurrence} IS NULL"


def _active(doc: str) -> str:
    """Not a document `load` is rewriting (its counts are taken out before and put back after)."""
    return f"{doc} NOT IN (SELECT doc_id FROM tally_suspended)"


def _add(sign: int, source: str) -> list[str]:
    """Statements adding `sign` × the parts `source` selects (columns doc_id, agency, due, state,
    until) to tally and pair_tally."""
    return [
        f"""INSERT INTO tally (scope, key, kind, bucket, n)
            SELECT f.scope, CASE f.scope WHEN 'agency' THEN s.agency ELSE s.doc_id END, f.kind, {_BUCKET},
                   {sign} * count(*)
            FROM ({source}) s JOIN ({_FACETS}) f ON f.kind = 'state' OR ({_OPEN} AND s.due IS NOT NULL)
            GROUP BY 1, 2, 3, 4
            ON CONFLICT (scope, key, kind, bucket) DO UPDATE SET n = n + excluded.n""",
        f"""INSERT INTO pair_tally (doc_id, agency, undated, within, late)
            SELECT s.doc_id, s.agency,
                   {sign} * sum(CASE WHEN s.due IS NULL THEN 1 ELSE 0 END),
                   {sign} * sum(CASE WHEN s.due <= coalesce(s.until, {_NO_END}) THEN 1 ELSE 0 END),
                   {sign} * sum(CASE WHEN s.due > coalesce(s.until, {_NO_END}) THEN 1 ELSE 0 END)
            FROM ({source}) s WHERE {_OPEN} GROUP BY 1, 2
            ON CONFLICT (doc_id, agency) DO UPDATE SET undated = undated + excluded.undated,
                within = within + excluded.within, late = late + excluded.late""",
    ]


def _until(doc: str) -> str:
    return f"(SELECT effective_until FROM documents WHERE id = {doc})"


def _measure_parts(row: str) -> str:
    """The counted parts of the measure `row` (OLD or NEW of a measures trigger), with its values."""
    return f"""SELECT {row}.doc_id AS doc_id, a.agency AS agency, {row}.due AS due,
                      coalesce(p.status, 'todo') AS state, {_until(f"{row}.doc_id")} AS until
               FROM assignments a LEFT JOIN progress p ON p.measure_id = a.measure_id
                    AND p.agency = a.agency AND p.period = ''
               WHERE a.measure_id = {row}.id AND a.obsolete = 0 AND {_active(f"{row}.doc_id")}
                     AND {_counted(f"{row}.kind", f"{row}.obsolete", f"{row}.recurrence")}"""


def _assignment_part(row: str) -> str:
    """The part the assignment `row` (OLD or NEW) makes, if it counts, with its current status."""
    return f"""SELECT m.doc_id AS doc_id, {row}.agency AS agency, m.due AS due,
                      coalesce(p.status, 'todo') AS state, {_until("m.doc_id")} AS until
               FROM measures m LEFT JOIN progress p ON p.measure_id = m.id AND p.agency = {row}.agency
                    AND p.period = ''
               WHERE m.id = {row}.measure_id AND {row}.obsolete = 0 AND {_active("m.doc_id")}
                     AND {_counted("m.kind", "m.obsolete", "m.recurrence")}"""


def _status_part(row: str, state: str) -> str:
    """The part a progress `row` (OLD or NEW) is the status of, if it counts, as if its status
    were `state` (an SQL expression)."""
    return f"""SELECT m.doc_id AS doc_id, a.agency AS agency, m.due AS due, {state} AS state,
                      {_until("m.doc_id")} AS until
               FROM assignments a JOIN measures m ON m.id = a.measure_id
               WHERE a.measure_id = {row}.measure_id AND a.agency = {row}.agency AND {row}.period = ''
                     AND a.obsolete = 0 AND {_active("m.doc_id")}
                     AND {_counted("m.kind", "m.obsolete", "m.recurrence")}"""


def _whole_measure(measure_id: str) -> list[str]:
    """Statements recomputing one measure's row in measure_state (its triggers keep doc_measures)."""
    return [
        f"DELETE FROM measure_state WHERE measure_id = {measure_id} AND {_active('doc_id')}",
        f"""INSERT INTO measure_state (measure_id, doc_id, finished)
            SELECT m.id, m.doc_id, min(coalesce(p.status, 'todo') IN ({FINISHED_SQL}))
            FROM measures m JOIN assignments a ON a.measure_id = m.id AND a.obsolete = 0
                 LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency
                      AND p.period = ''
            WHERE m.id = {measure_id} AND {_active("m.doc_id")}
                  AND {_counted("m.kind", "m.obsolete", "m.recurrence")}
            GROUP BY m.id""",
    ]


def _document_parts(doc: str) -> str:
    """The counted parts of one document, read through its measures."""
    return f"""SELECT m.doc_id AS doc_id, a.agency AS agency, m.due AS due,
                      coalesce(p.status, 'todo') AS state, {_until("m.doc_id")} AS until
               FROM measures m JOIN assignments a ON a.measure_id = m.id AND a.obsolete = 0
                    LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency
                         AND p.period = ''
               WHERE m.doc_id = {doc} AND {_counted("m.kind", "m.obsolete", "m.recurrence")}"""


# one document's rows of measure_state (its measures' parts; the document id is the parameter)
_DOCUMENT_MEASURES = f"""INSERT INTO measure_state (measure_id, doc_id, finished)
    SELECT measure_id, doc_id, min(state IN ({FINISHED_SQL}))
    FROM ({_document_parts("?").replace("AS until", "AS until, m.id AS measure_id")})
    GROUP BY measure_id"""


def _pair_rows(doc: str) -> list[str]:
    """Statements recomputing a document's pair_tally rows (its end date changed)."""
    return [
        f"DELETE FROM pair_tally WHERE doc_id = {doc} AND {_active(doc)}",
        _add(1, f"SELECT * FROM ({_document_parts(doc)}) WHERE {_active(doc)}")[1],
    ]


def _trigger(name: str, event: str, body: list[str], when: str | None = None) -> str:
    condition = f" WHEN {when}" if when else ""
    statements = "".join(f"    {s};\n" for s in body)
    return f"CREATE TRIGGER {name} AFTER {event}{condition}\nBEGIN\n{statements}END"


def _triggers() -> list[str]:
    measure_columns = "id, doc_id, kind, obsolete, recurrence, due"
    return [
        # what people record: a part's status (a recurring measure's periods are not counted here)
        _trigger(
            "tally_progress_insert",
            "INSERT ON progress",
            [
                *_add(-1, _status_part("NEW", "'todo'")),
                *_add(1, _status_part("NEW", "NEW.status")),
                *_whole_measure("NEW.measure_id"),
            ],
            "NEW.period = ''",
        ),
        _trigger(
            "tally_progress_delete",
            "DELETE ON progress",
            [
                *_add(-1, _status_part("OLD", "OLD.status")),
                *_add(1, _status_part("OLD", "'todo'")),
                *_whole_measure("OLD.measure_id"),
            ],
            "OLD.period = ''",
        ),
        _trigger(
            "tally_progress_update",
            "UPDATE OF measure_id, agency, period, status ON progress",
            [
                *_add(-1, _status_part("OLD", "OLD.status")),
                *_add(1, _status_part("OLD", "'todo'")),
                *_add(-1, _status_part("NEW", "'todo'")),
                *_add(1, _status_part("NEW", "NEW.status")),
                *_whole_measure("OLD.measure_id"),
                *_whole_measure("NEW.measure_id"),
            ],
            "OLD.period = '' OR NEW.period = ''",
        ),
        # what the documents (and corrections) say: who is responsible
        _trigger(
            "tally_assignment_insert",
            "INSERT ON assignments",
            [*_add(1, _assignment_part("NEW")), *_whole_measure("NEW.measure_id")],
        ),
        _trigger(
            "tally_assignment_delete",
            "DELETE ON assignments",
            [*_add(-1, _assignment_part("OLD")), *_whole_measure("OLD.measure_id")],
        ),
        _trigger(
            "tally_assignment_update",
            "UPDATE OF measure_id, agency, obsolete ON assignments",
            [
                *_add(-1, _assignment_part("OLD")),
                *_add(1, _assignment_part("NEW")),
                *_whole_measure("OLD.measure_id"),
                *_whole_measure("NEW.measure_id"),
            ],
        ),
        # the measures: current or not, recurring or not, their document and due date
        _trigger(
            "tally_measure_insert",
            "INSERT ON measures",
            [*_add(1, _measure_parts("NEW")), *_whole_measure("NEW.id")],
        ),
        _trigger(
            "tally_measure_delete",
            "DELETE ON measures",
            [*_add(-1, _measure_parts("OLD")), *_whole_measure("OLD.id")],
        ),
        _trigger(
            "tally_measure_update",
            f"UPDATE OF {measure_columns} ON measures",
            [
                *_add(-1, _measure_parts("OLD")),
                *_add(1, _measure_parts("NEW")),
                *_whole_measure("OLD.id"),
                *_whole_measure("NEW.id"),
            ],
        ),
        # a document's end date decides which of its open parts are "within" its term
        _trigger("tally_document_insert", "INSERT ON documents", _pair_rows("NEW.id")),
        _trigger("tally_document_delete", "DELETE ON documents", _pair_rows("OLD.id")),
        _trigger(
            "tally_document_update",
            "UPDATE OF id, effective_until ON documents",
            [*_pair_rows("OLD.id"), *_pair_rows("NEW.id")],
        ),
        # whole measures per document, from the measures' rows
        _trigger(
            "tally_measure_state_insert",
            "INSERT ON measure_state",
            [
                """INSERT INTO doc_measures (doc_id, measures, finished) VALUES (NEW.doc_id, 1, NEW.finished)
                   ON CONFLICT (doc_id) DO UPDATE SET measures = measures + 1,
                       finished = finished + excluded.finished"""
            ],
        ),
        _trigger(
            "tally_measure_state_delete",
            "DELETE ON measure_state",
            [
                """UPDATE doc_measures SET measures = measures - 1, finished = finished - OLD.finished
                   WHERE doc_id = OLD.doc_id"""
            ],
        ),
    ]


TABLES = """
CREATE TABLE tally (
    scope TEXT NOT NULL,       -- agency | doc
    key TEXT NOT NULL,         -- the agency ('' for the unassigned part) or the document id
    kind TEXT NOT NULL,        -- state | year | month | day
    bucket TEXT NOT NULL,      -- the status, or the due date's year / month / day (open parts only)
    n INTEGER NOT NULL,
    PRIMARY KEY (scope, kind, key, bucket)  -- kind first: the state rows of every key are together
) WITHOUT ROWID;
CREATE TABLE pair_tally (
    doc_id TEXT NOT NULL,
    agency TEXT NOT NULL,
    undated INTEGER NOT NULL,  -- open parts without a due date
    within INTEGER NOT NULL,   -- open parts due on or before the document's end (or it has none)
    late INTEGER NOT NULL,     -- open parts due after the document's end
    PRIMARY KEY (doc_id, agency)
) WITHOUT ROWID;
CREATE TABLE measure_state (
    measure_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    finished INTEGER NOT NULL  -- every part done or n/a
) WITHOUT ROWID;
CREATE INDEX measure_state_doc ON measure_state(doc_id);
CREATE TABLE tally_suspended (
    doc_id TEXT PRIMARY KEY    -- a document `load` is rewriting: counted once it is written
) WITHOUT ROWID;
CREATE TABLE doc_measures (
    doc_id TEXT PRIMARY KEY,
    measures INTEGER NOT NULL, -- current measures (not recurring) with a part
    finished INTEGER NOT NULL
) WITHOUT ROWID;
"""

TABLE_NAMES = (
    "tally",
    "pair_tally",
    "measure_state",
    "doc_measures",
    "tally_suspended",
    "period_parts",
    "period_measures",
)


def _has_period_parts(conn) -> bool:
    """Whether m019 made the recurring measures' table (period_parts.py): a database migrating
    through m015 to m018 does not have it yet."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'period_parts'").fetchone() is not None


def truth_parts_sql() -> str:
    """The counted parts, read from the tables themselves (what the tallies must sum to)."""
    return f"""SELECT m.doc_id AS doc_id, a.agency AS agency, m.due AS due,
                      coalesce(p.status, 'todo') AS state, d.effective_until AS until, m.id AS measure_id
               FROM assignments a JOIN measures m ON m.id = a.measure_id
                    LEFT JOIN documents d ON d.id = m.doc_id
                    LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency
                         AND p.period = ''
               WHERE a.obsolete = 0 AND {_counted("m.kind", "m.obsolete", "m.recurrence")}"""


def rebuild(conn) -> None:
    """Recompute every tally from the tables (the triggers then keep them), document by document:
    each one's parts read through its measures and grouped in memory (one grouping of all 4.4M
    parts at 1M measures spilled to disk and took minutes)."""
    # measure_state's own triggers would count each of its rows into doc_measures one by one
    conn.execute("DROP TRIGGER IF EXISTS tally_measure_state_insert")
    conn.execute("DROP TRIGGER IF EXISTS tally_measure_state_delete")
    for name in TABLE_NAMES[:5]:  # period_parts.rebuild rewrites its own
        conn.execute(f"DELETE FROM {name}")
    for (doc_id,) in conn.execute("SELECT DISTINCT doc_id FROM measures").fetchall():
        for statement in [*_add(1, _document_parts("?")), _DOCUMENT_MEASURES]:
            conn.execute(statement, [doc_id])
    conn.execute(
        "INSERT INTO doc_measures SELECT doc_id, count(*), sum(finished) FROM measure_state GROUP BY doc_id"
    )
    for statement in _triggers()[-2:]:
        conn.execute(statement)
    if _has_period_parts(conn):
        from policycli import period_parts

        period_parts.rebuild(conn)


@contextmanager
def suspended(conn, doc_id: str) -> Iterator[None]:
    """While `load` rewrites a document: its counts are taken out first, its rows are written
    without a trigger counting each one (4.4M parts at 1M measures), and its counts are put back
    in one read of its parts. Writes to other documents are counted as always, and a measure that
    moves between this document and another is counted on the other's side by the triggers."""
    for statement in _add(-1, _document_parts("?")):
        conn.execute(statement, [doc_id])
    conn.execute("DELETE FROM measure_state WHERE doc_id = ?", [doc_id])
    conn.execute("INSERT INTO tally_suspended (doc_id) VALUES (?)", [doc_id])
    periods = _has_period_parts(conn)
    if periods:
        from policycli import period_parts

        period_parts.take_out(conn, doc_id)
    yield
    if periods:
        period_parts.put_back(conn, doc_id)
    conn.execute("DELETE FROM tally_suspended WHERE doc_id = ?", [doc_id])
    for statement in [*_add(1, _document_parts("?")), _DOCUMENT_MEASURES]:
        conn.execute(statement, [doc_id])


def remove(conn) -> None:
    """Drop the tallies' triggers and tables, period_parts' too (what a database from before m015
    has)."""
    triggers = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tally_%'")
    for (name,) in triggers.fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    for name in TABLE_NAMES:
        conn.execute(f"DROP TABLE IF EXISTS {name}")


def install(conn) -> None:
    """Create the tables and triggers and fill them (the migration)."""
    for statement in TABLES.split(";"):
        if statement.strip():
            conn.execute(statement)  # not executescript: it would commit the migration's transaction
    for statement in _triggers():
        conn.execute(statement)
    rebuild(conn)


def differences(conn) -> list[str]:
    """Where the tallies disagree with the tables (empty when they are in step): each line names
    the table, the key, the stored and the true count."""
    from collections import Counter

    tally: Counter = Counter()
    pairs: Counter = Counter()
    whole: dict[str, tuple[str, bool]] = {}
    for doc, agency, due, state, until, measure_id in conn.execute(truth_parts_sql()):
        is_open = state not in ("done", "n/a")
        for scope, key in (("agency", agency), ("doc", doc)):
            tally[(scope, key, "state", state)] += 1
            if is_open and due is not None:
                for kind, bucket in (("year", due[:4]), ("month", due[:7]), ("day", due)):
                    tally[(scope, key, kind, bucket)] += 1
        if is_open:
            column = 0 if due is None else 1 if due <= (until or "9999-12-31") else 2
            pairs[(doc, agency, column)] += 1
        before = whole.get(measure_id, (doc, True))[1]
        whole[measure_id] = (doc, before and not is_open)
    stored_tally = Counter(
        {
            (s, k, kind, b): n
            for s, k, kind, b, n in conn.execute("SELECT * FROM tally WHERE kind NOT LIKE 'period-%'")
            if n
        }
    )
    stored_pairs: Counter = Counter()
    for doc, agency, *counts in conn.execute("SELECT * FROM pair_tally"):
        for column, n in enumerate(counts):
            if n:
                stored_pairs[(doc, agency, column)] = n
    documents: Counter = Counter()
    for doc, finished in whole.values():
        documents[(doc, "measures")] += 1
        documents[(doc, "finished")] += finished
    stored_documents: Counter = Counter()
    for doc, measures, finished in conn.execute("SELECT * FROM doc_measures"):
        stored_documents[(doc, "measures")] += measures
        stored_documents[(doc, "finished")] += finished
    stored_whole = {m: (d, bool(f)) for m, d, f in conn.execute("SELECT * FROM measure_state")}
    out = []
    for name, stored, true in (
        ("tally", stored_tally, tally),
        ("pair_tally", stored_pairs, pairs),
        ("doc_measures", +stored_documents, +documents),
    ):
        for key in sorted(set(stored) | set(true), key=repr):
            if stored[key] != true[key]:
                out.append(f"{name} {key}: stored {stored[key]}, true {true[key]}")
    if stored_whole != whole:
        for key in sorted(set(stored_whole) | set(whole)):
            if stored_whole.get(key) != whole.get(key):
                out.append(f"measure_state {key}: stored {stored_whole.get(key)}, true {whole.get(key)}")
    if _has_period_parts(conn):
        from policycli import period_parts

        out += period_parts.differences(conn)
    return out


def open_measures(conn, names: list[str], before: str | None = None) -> int:
    """How many current measures that do not recur have an open part (due before `before`, if
    given) of one of these assignment names: from the tallies, with the measures where two of the
    names have such a part counted once — read through the smaller names' parts only (a unit and
    the collective it belongs to, 长宁区商务委 and 各区商务委, rarely share one)."""
    per_name: dict[str, int] = {}
    for name in names:
        if before is None:
            (count,) = conn.execute(
                "SELECT coalesce(sum(n), 0) FROM tally WHERE scope = 'agency' AND kind = 'state' "
                f"AND key = ? AND bucket NOT IN ({FINISHED_SQL})",
                [name],
            ).fetchone()
        else:
            expression, bounds = due_before_sum("agency", "chosen.key", before)
            (count,) = conn.execute(
                f"SELECT {expression} FROM (SELECT ? AS key) chosen", [*bounds, name]
            ).fetchone()
        per_name[name] = count
    total = sum(per_name.values())
    if len(names) < 2:
        return total
    largest = max(names, key=lambda name: per_name[name])
    others = [name for name in names if name != largest]
    due = "" if before is None else " AND m.due < ?"
    part = f"""FROM assignments a JOIN measures m ON m.id = a.measure_id
               LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency AND p.period = ''
               WHERE a.obsolete = 0 AND {_counted("m.kind", "m.obsolete", "m.recurrence")}
                     AND coalesce(p.status, 'todo') NOT IN ({FINISHED_SQL}){due}"""
    shared: dict[str, int] = {}
    for (measure_id,) in conn.execute(
        f"SELECT a.measure_id {part} AND a.agency IN ({', '.join('?' for _ in others)})",
        [*([before] if before else []), *others],
    ):
        shared[measure_id] = shared.get(measure_id, 0) + 1
    ids = list(shared)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for (measure_id,) in conn.execute(
            f"SELECT a.measure_id {part} AND a.agency = ? "
            f"AND a.measure_id IN ({', '.join('?' for _ in chunk)})",
            [*([before] if before else []), largest, *chunk],
        ):
            shared[measure_id] += 1
    return total - sum(k - 1 for k in shared.values())


def recurring_parts(conn, today: date, names: list[str] | None = None) -> list[tuple]:
    """(agency, measure_id, doc_id, seq, period label, due, status) of every part of a current
    recurring measure in each period that counts `today` (periods.in_view: those already due and
    the open one), from period_parts (period_parts.py), of these assignment `names` (None: all)."""
    from policycli import period_parts

    shown, day = period_parts.in_view(today)
    chosen, names_given = period_parts.chosen(names)
    return conn.execute(
        "SELECT agency, measure_id, doc_id, seq, period, due, status FROM period_parts "
        f"WHERE {shown}{chosen}",
        [*day, *names_given],
    ).fetchall()


def usable(conn) -> bool:
    """Whether the counts describe what this connection reads: they exist (not a database opened
    read-only before m015 and m019) and `progress` is the stored one, not a replay of the history
    (report.replay_progress shadows it with a temporary table)."""
    return (
        conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name IN ('doc_measures', 'period_parts')"
        ).fetchone()[0]
        == 2
        and conn.execute("SELECT 1 FROM temp.sqlite_master WHERE name = 'progress'").fetchone() is None
    )


def due_before_sum(scope: str, key: str, day: str) -> tuple[str, list[str]]:
    """An SQL expression (and its values) for how many open parts of the tally's `scope` and `key`
    (an SQL expression: a column of the outer query) are due before `day` (ISO): the whole years
    before its year, its year's months before its month, its month's days before it — three
    range reads of the primary key, at most ~50 rows whatever the number of parts."""
    year, month = day[:4], day[:7]
    ranges = [("year", "", year), ("month", f"{year}-01", month), ("day", f"{month}-01", day)]
    sums = [
        f"coalesce((SELECT sum(n) FROM tally t WHERE t.scope = '{scope}' AND t.key = {key} "
        f"AND t.kind = '{kind}' AND t.bucket >= ? AND t.bucket < ?), 0)"
        for kind, _, _ in ranges
    ]
    return "(" + " + ".join(sums) + ")", [bound for _, low, high in ranges for bound in (low, high)]


__all__ = [
    "TABLE_NAMES",
    "differences",
    "due_before_sum",
    "install",
    "rebuild",
    "remove",
    "suspended",
    "usable",
    "truth_parts_sql",
]
