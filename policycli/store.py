"""The SQLite database: connection settings, schema migrations, write transactions.

Every connection runs in WAL mode with a busy timeout and foreign keys on. Writes that read
first go through `write_transaction`, which starts with BEGIN IMMEDIATE: Python's default
(deferred) transactions let two processes read the same row and both write, losing one update.

Tables: documents, measures, assignments (what the documents say; rewritten by `load`), and
progress and events (what people recorded: `load` never rewrites them, it only moves them with a
measure a revision renumbered, see identity.py).
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from policycli.errors import BadInput, DatabaseBusy, PolicyError

BUSY_TIMEOUT_MS = 5000
SQLITE_MAGIC = b"SQLite format 3\x00"
MIGRATION_SET = "policy"


class Database:
    """An open database: its sqlite3 connection. (sqlite-utils, which costs ~60 ms to import, is
    loaded only when a schema migration has to run.)"""

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        self.conn = conn
        self.path = path
        self.newer: str | None = None  # why writes are refused: a newer policy's schema


def m001_initial(db) -> None:
    db.executescript(
        """
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            title TEXT,
            doc_number TEXT,
            issuer TEXT,
            level TEXT,
            district TEXT,
            issued_on TEXT,
            effective_from TEXT,
            effective_until TEXT,
            source_file TEXT,
            content_sha TEXT NOT NULL,
            data TEXT NOT NULL,            -- the structured document without its measures (JSON)
            loaded_at TEXT NOT NULL,
            obsolete INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE measures (
            id TEXT PRIMARY KEY,
            doc_id TEXT NOT NULL REFERENCES documents(id),
            seq INTEGER NOT NULL,          -- document order
            path TEXT NOT NULL,
            parent_id TEXT,
            number TEXT,
            kind TEXT NOT NULL,
            title TEXT,
            text TEXT,
            line_first INTEGER,
            line_last INTEGER,
            units_raw TEXT,
            open_list INTEGER NOT NULL DEFAULT 0,
            flags TEXT NOT NULL DEFAULT '[]',
            deadline_raw TEXT,
            indicator TEXT,
            due TEXT,
            obsolete INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX measures_doc ON measures(doc_id, seq);
        CREATE TABLE assignments (
            measure_id TEXT NOT NULL REFERENCES measures(id),
            agency TEXT NOT NULL,          -- '' for a measure with no responsible unit
            printed TEXT,
            role TEXT NOT NULL DEFAULT 'unspecified',
            grp INTEGER NOT NULL DEFAULT 1,
            seq INTEGER NOT NULL DEFAULT 0,
            due TEXT,                      -- copied from the measure for the one-agency listing
            obsolete INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (measure_id, agency)
        ) WITHOUT ROWID;
        CREATE INDEX assignments_agency ON assignments(agency, obsolete, due, measure_id);
        CREATE TABLE progress (
            measure_id TEXT NOT NULL,
            agency TEXT NOT NULL,
            status TEXT NOT NULL,
            note TEXT,
            evidence TEXT,
            by TEXT,
            at TEXT NOT NULL,
            PRIMARY KEY (measure_id, agency)
        ) WITHOUT ROWID;
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            measure_id TEXT NOT NULL,
            agency TEXT NOT NULL,
            action TEXT NOT NULL,          -- mark | undo
            before_status TEXT,
            after_status TEXT,
            before_note TEXT,
            before_evidence TEXT,
            note TEXT,
            evidence TEXT,
            by TEXT,
            at TEXT NOT NULL,
            undoes INTEGER REFERENCES events(id),
            undone INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX events_measure ON events(measure_id, id);
        CREATE VIRTUAL TABLE measures_fts USING fts5(measure_id UNINDEXED, title, text, tokenize='trigram');
        """
    )


def m002_agency_aliases(db) -> None:
    db.executescript(
        """
        CREATE TABLE agency_aliases (
            alias TEXT PRIMARY KEY,        -- a name users or documents use
            canonical TEXT NOT NULL,       -- the agency it means
            by TEXT,
            at TEXT NOT NULL
        );
        """
    )


def m003_deadlines(db) -> None:
    db.executescript(
        """
        ALTER TABLE measures ADD COLUMN due_info TEXT;      -- quote, rule, precision, recurrence (JSON)
        ALTER TABLE measures ADD COLUMN recurrence TEXT;    -- yearly | quarterly | … (due per occurrence)
        ALTER TABLE documents ADD COLUMN validity TEXT;     -- the rules that gave effective_from/until (JSON)
        CREATE INDEX measures_due ON measures(due) WHERE obsolete = 0;
        """
    )


def m004_due_index(db) -> None:
    # remind reads every open part due by a date, across agencies: by the assignments' own copy
    # of the due date (NULL for recurring measures, found by the same index).
    db.executescript("CREATE INDEX assignments_due ON assignments(due) WHERE obsolete = 0;")


def m005_measure_moves(db) -> None:
    # A measure's id is its position in the document: when a revision moves a measure (an item
    # inserted above it), its row, progress and history move to the new id, and the move is kept
    # here, so the old id still finds it and `show` says where it came from.
    db.executescript(
        """
        CREATE TABLE measure_moves (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            old_id TEXT NOT NULL,
            new_id TEXT NOT NULL,
            doc_id TEXT NOT NULL,
            how TEXT NOT NULL,             -- revised | removed | linked | carried
            score REAL,                    -- how alike the two texts were (identity.similarity)
            by TEXT,
            at TEXT NOT NULL
        );
        CREATE INDEX measure_moves_old ON measure_moves(old_id);
        CREATE INDEX measure_moves_new ON measure_moves(new_id);
        """
    )


def m006_corrections(db) -> None:
    # What the coordinator corrects (policy assign / unassign / due) is kept beside what the
    # document says and applied again after every load; `corrected_by` marks the parts and due
    # dates a correction set, so `show` and exports can say so.
    db.executescript(
        """
        CREATE TABLE corrections (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            measure_id TEXT NOT NULL,
            action TEXT NOT NULL,          -- assign | unassign | due
            agency TEXT,                   -- assign, unassign
            role TEXT,                     -- assign: lead | co | unspecified
            due TEXT,                      -- due: the date (ISO)
            document TEXT,                 -- unused since m009 (measures.own_due keeps it)
            note TEXT,
            by TEXT,
            at TEXT NOT NULL,
            event_id INTEGER,              -- its line in the history
            state TEXT NOT NULL DEFAULT 'active'  -- active | undone | gone | redundant
        );
        CREATE INDEX corrections_measure ON corrections(measure_id);
        ALTER TABLE assignments ADD COLUMN corrected_by INTEGER;
        ALTER TABLE measures ADD COLUMN corrected_by INTEGER;
        ALTER TABLE events ADD COLUMN detail TEXT;  -- a correction's agency role or date
        """
    )


def m007_lineage(db) -> None:
    # What documents do to each other (an extension notice, a repeal, a new version): kept per acting
    # document and applied to the documents they name whenever documents are loaded, in any order.
    # own_until is the end a document gives itself; effective_until the one in force, until_by why.
    db.executescript(
        """
        CREATE TABLE document_relations (
            doc_id TEXT NOT NULL,          -- the document that acts
            kind TEXT NOT NULL,            -- extends | repeals | supersedes
            title TEXT NOT NULL,           -- the document acted on, as it names it
            doc_number TEXT,
            until TEXT,                    -- the acted-on document's new last day (NULL: no end)
            quote TEXT,
            lines TEXT
        );
        CREATE INDEX document_relations_doc ON document_relations(doc_id);
        ALTER TABLE documents ADD COLUMN own_until TEXT;
        ALTER TABLE documents ADD COLUMN until_by TEXT;
        UPDATE documents SET own_until = effective_until;
        """
    )


def m008_move_batches(db) -> None:
    # The moves one load makes happen at once (2.2.3 → 2.2.4 while 2.2.4 → 2.2.5): a batch number
    # tells them apart from a later load's, so a measure is followed across loads, not within one.
    db.executescript(
        """
        ALTER TABLE measure_moves ADD COLUMN batch INTEGER NOT NULL DEFAULT 0;
        -- the moves one load made share its document and time; a link is a batch of its own
        UPDATE measure_moves SET batch = CASE WHEN how = 'linked' THEN id ELSE (
            SELECT min(m.id) FROM measure_moves m
            WHERE m.doc_id = measure_moves.doc_id AND m.at = measure_moves.at AND m.how != 'linked') END;
        """
    )


def m009_document_due(db) -> None:
    # The due date the document gives a measure, beside the one in force (a correction's): undoing
    # a correction goes back to what the document says now, not what it said when corrected.
    import json  # here, not at the top: opening a database needs no json (~1.5 ms of `policy done`)

    db.executescript(
        """
        ALTER TABLE measures ADD COLUMN own_due TEXT;
        ALTER TABLE measures ADD COLUMN own_recurrence TEXT;
        UPDATE measures SET own_due = due, own_recurrence = recurrence WHERE corrected_by IS NULL;
        CREATE INDEX corrections_event ON corrections(event_id);
        -- the correction that added a part the document does not name (policy assign)
        ALTER TABLE assignments ADD COLUMN added_by INTEGER;
        -- a part an assign correction inserted has no printed name and a sequence from 1000 on
        UPDATE assignments SET added_by = (
            SELECT max(c.id) FROM corrections c WHERE c.measure_id = assignments.measure_id
            AND c.agency = assignments.agency AND c.action = 'assign')
        WHERE printed IS NULL AND seq >= 1000;
        """
    )
    # A corrected measure: its document's date is in due_info (ingest's): a recurring one has no
    # single date, its recurrence instead (as load stored them when this migration was written).
    for measure_id, due_info in db.execute(
        "SELECT id, due_info FROM measures WHERE corrected_by IS NOT NULL"
    ).fetchall():
        info = json.loads(due_info) if due_info else {}
        recurring = bool(info.get("occurrences"))
        db.execute(
            "UPDATE measures SET own_due = ?, own_recurrence = ? WHERE id = ?",
            [
                None if recurring else info.get("date"),
                info.get("recurrence") if recurring else None,
                measure_id,
            ],
        )


def m010_periods(db) -> None:
    # A recurring measure (每年, 每季度 …) has a status per period (checklist/periods.py): progress
    # and the change log gain the period, "" for a measure that does not recur. The primary key of
    # a WITHOUT ROWID table cannot change in place, so progress is rebuilt.
    import json

    db.executescript(
        """
        CREATE TABLE progress_periods (
            measure_id TEXT NOT NULL,
            agency TEXT NOT NULL,
            period TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            note TEXT,
            evidence TEXT,
            by TEXT,
            at TEXT NOT NULL,
            PRIMARY KEY (measure_id, agency, period)
        ) WITHOUT ROWID;
        INSERT INTO progress_periods (measure_id, agency, period, status, note, evidence, by, at)
            SELECT measure_id, agency, '', status, note, evidence, by, at FROM progress;
        DROP TABLE progress;
        ALTER TABLE progress_periods RENAME TO progress;
        ALTER TABLE events ADD COLUMN period TEXT NOT NULL DEFAULT '';
        """
    )
    # What was recorded on a recurring measure before periods existed counts for the period it was
    # recorded in (its time in Shanghai; before the first period: the first, after the last: the
    # last), and every earlier change of that part with it, so undo finds the status it left.
    from datetime import datetime, timedelta, timezone

    shanghai = timezone(timedelta(hours=8))

    def period(kind: str, day: str) -> str:  # checklist/periods.label as it was when this was written
        year, month = day[:4], int(day[5:7])
        return {
            "yearly": year,
            "half-yearly": f"{year}-H{1 if month <= 6 else 2}",
            "quarterly": f"{year}-Q{(month + 2) // 3}",
            "monthly": day[:7],
        }.get(kind, day)

    rows = db.execute(
        "SELECT p.measure_id, p.agency, p.at, m.recurrence, m.due_info FROM progress p "
        "JOIN measures m ON m.id = p.measure_id WHERE m.recurrence IS NOT NULL"
    ).fetchall()
    for measure_id, agency, at, kind, due_info in rows:
        dates = (json.loads(due_info) if due_info else {}).get("occurrences") or []
        if not dates:
            continue
        try:
            day = datetime.fromisoformat(at).astimezone(shanghai).date().isoformat()
        except ValueError:
            day = at[:10]
        due = next((d for d in dates if period(kind, d) == period(kind, day)), None)
        due = due or (dates[0] if day < dates[0] else dates[-1])
        label = period(kind, due)
        db.execute(
            "UPDATE progress SET period = ? WHERE measure_id = ? AND agency = ? AND period = ''",
            [label, measure_id, agency],
        )
        db.execute(
            "UPDATE events SET period = ? WHERE measure_id = ? AND agency = ? AND action IN ('mark', 'undo')",
            [label, measure_id, agency],
        )


def m011_document_roles(db) -> None:
    # The role the document gives a unit (牵头/配合), beside the one in force: an assign correction
    # may change it, and undoing that goes back to the document's. A part a correction had changed
    # when this was written keeps its role until its document is loaded again.
    db.executescript(
        """
        ALTER TABLE assignments ADD COLUMN own_role TEXT;
        UPDATE assignments SET own_role = role WHERE corrected_by IS NULL AND added_by IS NULL;
        """
    )


def m012_completion_dates(db) -> None:
    # The date a part was finished (完成时间), as a returned ledger gives it; the change log keeps it
    # and the one before, so undo restores it.
    db.executescript(
        """
        ALTER TABLE progress ADD COLUMN done_on TEXT;
        ALTER TABLE events ADD COLUMN done_on TEXT;
        ALTER TABLE events ADD COLUMN before_done_on TEXT;
        """
    )


def m013_users(db) -> None:
    # Accounts of `policy serve` (accounts.py): who signs in, for which agency, with which role.
    db.executescript(
        """
        CREATE TABLE users (
            name TEXT PRIMARY KEY,
            agency TEXT,                   -- canonical agency; NULL for a coordinator of every agency
            role TEXT NOT NULL,            -- member | coordinator | viewer
            password TEXT NOT NULL,        -- scrypt$n$r$p$salt$hash (hex)
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            changed_at TEXT NOT NULL
        );
        """
    )


def m014_recurring_index(db) -> None:
    # The recurring measures, found without reading every measure: `policy tasks` with no filter
    # reads them apart (one row per period), and scanned all 1M measures for them (issue 17).
    db.executescript("CREATE INDEX measures_recurring ON measures(doc_id, seq) WHERE recurrence IS NOT NULL;")


def m015_tallies(db) -> None:
    # Counts kept in step by triggers, for stats and remind at a million measures (tallies.py).
    from policycli import tallies

    tallies.install(db.conn)


def m016_search_index(db) -> None:
    # Search terms of any length through an index (issue 17; search.py says how): the index of
    # characters and character pairs, made from the measures already loaded.
    from policycli.search import rebuild

    rebuild(db.conn)


def m017_events_by_author(db) -> None:
    # `policy undo` reverts the caller's last change: found through this index, not by reading the
    # history backwards until one of theirs turns up (all of it, for someone who never changed one).
    db.executescript("CREATE INDEX events_by ON events(by, id);")


def m018_drop_trigram_index(db) -> None:
    # The trigram index (m001) is read by nothing since the index of characters and pairs
    # (m016, search.py) serves search terms of every length: 1.2 GB at 1M measures, and load's time.
    db.execute("DROP TABLE IF EXISTS measures_fts")


def m019_period_parts(db) -> None:
    # The recurring measures' parts, one row per period with the day from which it counts, kept by
    # triggers: stats and remind count them in SQL instead of in Python (period_parts.py, issue 17).
    from policycli import period_parts

    period_parts.install(db.conn)


# Ordered schema migrations, applied with sqlite_utils.Migrations whenever the database opens.
MIGRATIONS = [
    m001_initial,
    m002_agency_aliases,
    m003_deadlines,
    m004_due_index,
    m005_measure_moves,
    m006_corrections,
    m007_lineage,
    m008_move_batches,
    m009_document_due,
    m010_periods,
    m011_document_roles,
    m012_completion_dates,
    m013_users,
    m014_recurring_index,
    m015_tallies,
    m016_search_index,
    m017_events_by_author,
    m018_drop_trigram_index,
    m019_period_parts,
]


# Who made a database file: policy stamps its own with this application_id (the bytes "PLCY") and
# the number of schema migrations it has applied as user_version, so a foreign SQLite file is
# recognised before anything is changed in it, and a file from a newer policy is not written.
APPLICATION_ID = 0x504C4359
SCHEMA_VERSION = len(MIGRATIONS)


class Identity:
    """What an SQLite file is, read without writing to it: new (no tables), policy's own (stamped,
    or an earlier policy's with its migration records), or foreign."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        self.user_version = conn.execute("PRAGMA user_version").fetchone()[0]
        self.objects = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[
            0
        ]  # tables, views, indexes, triggers
        self.tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        self.applied: list[str] = []
        if "_sqlite_migrations" in self.tables:
            columns = {r[1] for r in conn.execute("PRAGMA table_info(_sqlite_migrations)")}
            if {"migration_set", "name"} <= columns:
                self.applied = [
                    r[0]
                    for r in conn.execute(
                        "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]
                    )
                ]

    @property
    def is_new(self) -> bool:
        """Nothing in it at all: no table, view or index, and no other program's stamp."""
        return not self.objects and self.application_id == 0 and self.user_version == 0

    @property
    def is_policy(self) -> bool:
        # An earlier policy (before the stamp) is known by its migration records.
        return self.application_id == APPLICATION_ID or (
            self.application_id == 0 and "m001_initial" in self.applied
        )

    @property
    def pending(self) -> list[str]:
        applied = set(self.applied)
        return [m.__name__ for m in MIGRATIONS if m.__name__ not in applied]

    @property
    def newer(self) -> str | None:
        """Why a newer policy made this file (migrations this version does not know), or None."""
        if not self.is_policy:
            return None
        known = {m.__name__ for m in MIGRATIONS}
        unknown = [name for name in self.applied if name not in known]
        if self.user_version > SCHEMA_VERSION or unknown:
            version = max(self.user_version, len(self.applied))
            return (
                f"schema version {version}, made by a newer policy (this one knows version {SCHEMA_VERSION})"
            )
        return None

    def refusal(self, path: Path) -> str | None:
        """The one-line reason not to use the file, or None."""
        if self.is_new or self.is_policy:
            return None
        if self.application_id not in (0, APPLICATION_ID):
            return (
                f"{path}: not a policy database (another program's SQLite file, "
                f"application id {self.application_id:#x}); pass another --db"
            )
        if not self.tables:
            return (
                f"{path}: not a policy database (it holds views, indexes or a version stamp "
                "but no policy tables); pass another --db"
            )
        shown = ", ".join(self.tables[:5]) + (" …" if len(self.tables) > 5 else "")
        return (
            f"{path}: not a policy database (it holds other tables: {shown}); "
            "pass another --db or move the file away"
        )


def peek(path: Path) -> Identity | None:
    """What the file at `path` is, found without opening it for writing (SQLite would switch its
    journal, checkpoint its -wal or create files beside it): None for no file, an empty file, or
    policy's own current database (its header says so); else the Identity read through a look-only
    connection (immutable, or plain read-only where a -wal file holds changes the main file lacks)."""
    try:
        if not path.is_file() or path.stat().st_size < 100:
            return None
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return None
    # The database header: user_version at offset 60, application_id at 68 (big-endian).
    user_version, application_id = int.from_bytes(header[60:64], "big"), int.from_bytes(header[68:72], "big")
    if application_id == APPLICATION_ID and user_version == SCHEMA_VERSION:
        return None
    wal = Path(f"{path}-wal")
    live = wal.exists() and wal.stat().st_size > 0
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("" if live else "&immutable=1")
    look = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        return Identity(look)
    finally:
        look.close()


@contextmanager
def dry_run_database(path: Path) -> Iterator[Database]:
    """The database for a dry run (load --dry-run), which rolls back whatever it writes: the database
    itself when it is policy's current one; else — no file yet, or one an upgrade would change — a
    private copy, deleted afterwards, so that not even the schema is written."""
    import tempfile

    _check_file(path)
    peeked = peek(path)
    if peeked is not None and peeked.refusal(path):
        raise BadInput(peeked.refusal(path))
    if path.exists() and peeked is None:
        db = connect(path)
        try:
            yield db
        finally:
            db.conn.close()
        return
    with tempfile.TemporaryDirectory(prefix="policy-dry-run-") as work:
        copy = Path(work) / "policy.db"
        if path.exists():
            source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            target = sqlite3.connect(copy)
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        db = connect(copy)
        try:
            yield db
        finally:
            db.conn.close()


def apply_migrations(conn: sqlite3.Connection) -> None:
    import sqlite_utils
    from sqlite_utils import Migrations

    migrations = Migrations(MIGRATION_SET)
    for function in MIGRATIONS:
        migrations(name=function.__name__)(function)
    migrations.apply(sqlite_utils.Database(conn))
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _check_file(path: Path) -> None:
    """Refuse a file at the database path that is not an SQLite database, without touching it."""
    if path.is_dir():
        raise BadInput(f"{path}: is a directory, not a database file")
    if path.exists() and not path.is_file():
        raise BadInput(f"{path}: not a regular file; pass a database file with --db")
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as handle:
            if handle.read(16) != SQLITE_MAGIC:
                raise BadInput(
                    f"{path}: not a policy database (not SQLite); pass another --db or move the file away"
                )


def is_read_only(path: Path) -> bool:
    """A database file we may not write (or POLICY_READONLY=1): open it read-only."""
    if os.environ.get("POLICY_READONLY") == "1":
        return True
    if path.exists() and not os.access(path, os.W_OK):
        return True
    return _on_read_only_mount(path)


def _on_read_only_mount(path: Path) -> bool:
    """A file on a read-only file system (root's os.access says writable there)."""
    probe = path if path.exists() else path.parent
    try:
        return bool(os.statvfs(probe).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _open_read_only(path: Path) -> sqlite3.Connection:
    """Open for reading. A WAL database needs its -shm file: where it cannot be created (a read-only
    mount, a directory we may not write), SQLite refuses mode=ro, and the file is read as immutable
    instead: nothing can change it through this mount. Changes still in a -wal file are then not
    seen, and the user is told."""
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        if "unable to open" not in str(exc) and "readonly" not in str(exc) and "read-only" not in str(exc):
            raise
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size:
        copy = _private_copy(path, wal)
        if copy is not None:
            return copy
        print(
            f"warning: {path} is read-only and cannot be opened as a live database; reading it without the "
            f"{wal.stat().st_size:,} bytes of recent changes still in {wal.name}",
            file=sys.stderr,
        )
    return sqlite3.connect(
        f"{uri}?mode=ro&immutable=1", uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
    )


def _private_copy(path: Path, wal: Path) -> sqlite3.Connection | None:
    """The database and its -wal copied to a temporary directory and opened there, read-only (its
    changes still in the -wal are committed progress: they must be seen), removed at exit; None
    where the copy cannot be made (no space)."""
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="policy-read-only-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    try:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        shutil.copyfile(wal, f"{copy}-wal")
        conn = sqlite3.connect(str(copy), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute("PRAGMA query_only = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except (OSError, sqlite3.DatabaseError):
        shutil.rmtree(folder, ignore_errors=True)
        return None


def reconnect(path: Path) -> Database:
    """Another connection to a database this process has already opened with connect() (identified,
    migrated): SQLite's own open, nothing else. connect() reads the file's first bytes with Python's
    open(), and closing that handle drops every POSIX lock the process holds on the file — those of
    its other connections too (fcntl locks belong to the process, not the handle). A server's other
    threads would lose their WAL locks, and another process closing its connection could checkpoint
    and delete the -wal they are still writing to."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return Database(conn, path)


def connect(path: Path, *, create: bool = True) -> Database:
    """Open (and migrate) the database at `path`; a read-only file is opened read-only.

    The file is identified before anything is written to it (not even the journal mode): a foreign
    SQLite file is refused untouched, a new one gets the schema, an earlier policy's is upgraded,
    and a newer policy's is opened for reading only (writes are refused, naming its version)."""
    _check_file(path)
    read_only = is_read_only(path)
    if not path.exists() and (not create or read_only):
        raise BadInput(f"{path}: no such database")
    try:
        peeked = peek(path)
        if peeked is not None and peeked.refusal(path):
            raise BadInput(peeked.refusal(path))
        if read_only:
            conn = _open_read_only(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        identity = Identity(conn)
        refusal = identity.refusal(path)
        if refusal:
            conn.close()
            raise BadInput(refusal)
        db = Database(conn)
        db.path = path
        db.newer = identity.newer
        conn.execute("PRAGMA foreign_keys = ON")
        if db.newer:
            if "documents" not in identity.tables:
                conn.close()
                raise BadInput(f"{path}: {db.newer}, with no checklist this version can read; upgrade policy")
            conn.execute("PRAGMA query_only = ON")  # read what we understand; write_transaction refuses
            return db
        if not read_only and conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        if identity.pending:
            if read_only:
                raise BadInput(
                    f"{path}: the database needs an upgrade, and it is read-only; open it once with write "
                    "access"
                )
            with write_transaction(db):
                again = Identity(conn)  # another process may have migrated while we waited
                if again.refusal(path):
                    raise BadInput(again.refusal(path))
                if again.pending:
                    apply_migrations(conn)
        elif not read_only and identity.application_id != APPLICATION_ID:
            with write_transaction(db):  # an earlier policy's current database: stamp it
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except sqlite3.DatabaseError as exc:
        raise _database_error(exc, path) from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot open the database ({exc.strerror or exc})") from None
    return db


def _database_error(exc: sqlite3.Error, path: Path) -> Exception:
    message = str(exc)
    if "locked" in message or "busy" in message:
        return DatabaseBusy(f"{path}: database busy (another policy process holds the lock); try again")
    if "not a database" in message or "malformed" in message:
        return BadInput(f"{path}: the database is damaged ({message}); run `policy doctor`")
    if "readonly" in message or "read-only" in message:
        return BadInput(f"{path}: the database is read-only; this command needs to write")
    if "full" in message or "disk I/O" in message:
        # SQLite says "disk I/O error" when a write meets ENOSPC or a file-size limit (ulimit -f).
        return PolicyError(
            f"{path}: cannot write the database ({message}): the disk is full or a file-size limit was "
            "reached; free some space and try again (nothing was changed)"
        )
    return BadInput(f"{path}: database error: {message}")


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """BEGIN IMMEDIATE … COMMIT; rolled back on any error (Ctrl-C included)."""
    conn = db.conn
    if db.newer:
        raise BadInput(f"{db.path}: {db.newer}; this command writes, so it is refused: upgrade policy")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise _database_error(
            exc, db.path or Path(db.conn.execute("PRAGMA database_list").fetchone()[2])
        ) from None
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def backup(db: Database, target: Path, replace: bool = False) -> int:
    """Copy the live database with SQLite's backup API (a file copy of a WAL database loses the
    pages still in the -wal file); written beside the target and moved into place, so never
    half-written, and (without `replace`) never over a file that exists by then."""
    import tempfile

    from policycli.files import publish, umask

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        destination = sqlite3.connect(tmp)
        try:
            db.conn.backup(destination)
            destination.execute("PRAGMA journal_mode = DELETE")
        finally:
            destination.close()
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp's 0600 would keep colleagues on a shared drive out
        publish(tmp, target, replace)
    except sqlite3.OperationalError as exc:
        _remove_with_journal(tmp)
        if "full" in str(exc) or "disk I/O" in str(exc):
            raise PolicyError(
                f"cannot write {target}: the disk is full or the file size limit was reached; nothing was "
                "written"
            ) from None
        raise
    except BaseException:
        _remove_with_journal(tmp)
        raise
    return target.stat().st_size


def _remove_with_journal(path: str) -> None:
    """A failed copy leaves SQLite's rollback journal beside it too."""
    for leftover in (path, f"{path}-journal", f"{path}-wal", f"{path}-shm"):
        Path(leftover).unlink(missing_ok=True)


def doctor(path: Path) -> list[tuple[str, str, str]]:
    """(check, ok|problem|note, explanation) for `policy doctor`; never modifies the file.

    The advice follows the cause: only a damaged file calls for a backup (restoring one throws
    away the progress recorded since); a lock, a full disk or a read-only mount leave the file
    whole, and the advice says so."""
    findings: list[tuple[str, str, str]] = []
    if not path.exists():
        return [
            (
                "file",
                "problem",
                f"{path} does not exist; any policy command creates it where the directory is writable",
            )
        ]
    if not path.is_file():
        return [("file", "problem", f"{path} is not a regular file; pass a database file with --db")]
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
    except OSError as exc:
        return [
            (
                "file",
                "problem",
                f"{path} cannot be read ({exc.strerror}); check its permissions; the file itself may be fine",
            )
        ]
    if header != SQLITE_MAGIC and path.stat().st_size:
        return [
            (
                "file",
                "problem",
                f"{path} is not an SQLite database (it starts with {header[:8]!r}); move it away or pass "
                "another --db",
            )
        ]
    findings += _environment_findings(path)
    try:
        peeked = peek(path)
    except sqlite3.DatabaseError as exc:
        return findings + [_cause(exc, path)]
    if peeked is not None and peeked.refusal(path):
        return findings + [
            ("file", "problem", peeked.refusal(path).split(": ", 1)[1] + "; policy will not touch it")
        ]
    try:
        conn = _open_read_only(path)
    except sqlite3.DatabaseError as exc:
        return findings + [_cause(exc, path)]
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        identity = Identity(conn)
        refusal = identity.refusal(path)
        if refusal:
            return findings + [("file", "problem", refusal.split(": ", 1)[1] + "; policy will not touch it")]
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if rows == ["ok"]:
            findings.append(("integrity", "ok", "SQLite's integrity check found nothing wrong"))
        else:
            shown = "; ".join(rows[:5]) + (" …" if len(rows) > 5 else "")
            findings.append(
                (
                    "integrity",
                    "problem",
                    f"the file is damaged ({shown}); restore your latest `policy backup`, or "
                    "load the documents into a new database (progress since the backup is lost)",
                )
            )
        bad_keys = conn.execute("PRAGMA foreign_key_check").fetchall()
        findings.append(
            (
                "references",
                "ok" if not bad_keys else "problem",
                "every row points at a row that exists"
                if not bad_keys
                else f"{len(bad_keys)} rows point at missing rows",
            )
        )
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        findings.append(
            (
                "journal",
                "ok" if mode == "wal" else "note",
                "WAL: readers never wait for writers"
                if mode == "wal"
                else f"journal mode {mode}; policy switches it to WAL on next write",
            )
        )
        if identity.newer:
            findings.append(
                (
                    "schema",
                    "problem",
                    f"{identity.newer}; this policy only reads it: upgrade policy to write to it",
                )
            )
        elif identity.pending:
            findings.append(
                (
                    "schema",
                    "note",
                    f"{len(identity.pending)} schema upgrade(s) pending; the next command applies them",
                )
            )
        else:
            findings.append(("schema", "ok", f"schema is current (version {SCHEMA_VERSION})"))
        if not identity.pending and not identity.newer:
            counts = {
                t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("documents", "measures", "progress", "events")
            }
            findings.append(("contents", "ok", ", ".join(f"{n} {t}" for t, n in counts.items())))
            from policycli import tallies

            wrong = tallies.differences(conn)
            findings.append(
                (
                    "counts",
                    "ok" if not wrong else "problem",
                    "the counts stats and remind read agree with the checklist"
                    if not wrong
                    else f"{len(wrong)} of the counts stats and remind read disagree with the checklist "
                    f"(first: {wrong[0]}); `policy doctor --recount` counts them again",
                )
            )
    except sqlite3.DatabaseError as exc:
        findings.append(_cause(exc, path))
    finally:
        conn.close()
    return findings


def recount(path: Path) -> int:
    """Recount the tallies from the tables (tallies.rebuild), in one write transaction; how many
    counts were wrong."""
    from policycli import tallies

    db = connect(path, create=False)
    try:
        with write_transaction(db):
            wrong = len(tallies.differences(db.conn))
            tallies.rebuild(db.conn)
    finally:
        db.conn.close()
    return wrong


def _environment_findings(path: Path) -> list[tuple[str, str, str]]:
    """Notes on what stops writes without harming the file: a read-only mount, no write permission,
    a nearly full disk."""
    out: list[tuple[str, str, str]] = []
    if _on_read_only_mount(path):
        out.append(
            (
                "access",
                "note",
                "the file is on a read-only file system: reading works, recording progress needs "
                "a writable copy or mount; the file itself is fine",
            )
        )
    elif not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        out.append(
            (
                "access",
                "note",
                "you may not write the file or its directory: reading works, recording progress needs "
                "write permission; the file itself is fine",
            )
        )
    try:
        stats = os.statvfs(path.parent)
        free = stats.f_bavail * stats.f_frsize
    except OSError:
        return out
    if free < 16 * 1024 * 1024:
        out.append(
            (
                "disk",
                "problem",
                f"only {free:,} bytes free on the disk: writes will fail; free some space "
                "(the file is fine; do not restore a backup, it would lose progress)",
            )
        )
    return out


def _cause(exc: sqlite3.Error, path: Path) -> tuple[str, str, str]:
    """A finding for an error reading the file, with the advice its cause needs."""
    message = str(exc)
    if "locked" in message or "busy" in message:
        return (
            "lock",
            "problem",
            f"another process holds a lock on the file ({message}); wait for it to finish "
            "or stop it, then try again; the file is not damaged, do not restore a backup",
        )
    if "unable to open" in message or "readonly" in message or "read-only" in message:
        return (
            "access",
            "problem",
            f"SQLite cannot open the file ({message}); check permissions and that the disk is "
            "mounted writable; the file itself may be fine, do not restore a backup",
        )
    if "full" in message or "disk I/O" in message:
        return (
            "disk",
            "problem",
            f"SQLite cannot read or write the disk ({message}); free space or check the disk; "
            "the file itself may be fine, do not restore a backup",
        )
    return (
        "integrity",
        "problem",
        f"SQLite cannot read the file ({message}); it is damaged: restore your latest `policy backup`",
    )
