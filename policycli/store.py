"""The SQLite database: connection settings, schema migrations, write transactions.

Every connection runs in WAL mode with a busy timeout and foreign keys on. Writes that read
first go through `write_transaction`, which starts with BEGIN IMMEDIATE: Python's default
(deferred) transactions let two processes read the same row and both write, losing one update.

Tables: documents, measures, assignments (what the documents say; rewritten by `load`), and
progress and events (what people recorded; `load` never writes them).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from policycli.errors import BadInput, DatabaseBusy

BUSY_TIMEOUT_MS = 5000
SQLITE_MAGIC = b"SQLite format 3\x00"

migrations = Migrations("policy")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
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


@migrations()
def m002_agency_aliases(db: sqlite_utils.Database) -> None:
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


@migrations()
def m003_deadlines(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        ALTER TABLE measures ADD COLUMN due_info TEXT;      -- quote, rule, precision, recurrence (JSON)
        ALTER TABLE measures ADD COLUMN recurrence TEXT;    -- yearly | quarterly | … (due is then per occurrence)
        ALTER TABLE documents ADD COLUMN validity TEXT;     -- the rules that gave effective_from/until (JSON)
        CREATE INDEX measures_due ON measures(due) WHERE obsolete = 0;
        """
    )


def _check_file(path: Path) -> None:
    """Refuse a file at the database path that is not an SQLite database, without touching it."""
    if path.is_dir():
        raise BadInput(f"{path}: is a directory, not a database file")
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as handle:
            if handle.read(16) != SQLITE_MAGIC:
                raise BadInput(f"{path}: not a policy database (not SQLite); pass another --db or move the file away")


def connect(path: Path, *, create: bool = True) -> sqlite_utils.Database:
    """Open (and migrate) the database at `path`."""
    _check_file(path)
    if not path.exists() and not create:
        raise BadInput(f"{path}: no such database")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            try:
                conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                pass  # a read-only file: readers still work
        conn.execute("PRAGMA synchronous = NORMAL")
        db = sqlite_utils.Database(conn)
        if migrations.pending(db):
            with write_transaction(db):
                migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise _database_error(exc, path) from None
    return db


def _database_error(exc: sqlite3.Error, path: Path) -> Exception:
    message = str(exc)
    if "locked" in message or "busy" in message:
        return DatabaseBusy(f"{path}: database busy (another policy process holds the lock); try again")
    if "not a database" in message or "malformed" in message:
        return BadInput(f"{path}: the database is damaged ({message}); run `policy doctor`")
    if "readonly" in message or "read-only" in message:
        return BadInput(f"{path}: the database is read-only; this command needs to write")
    return BadInput(f"{path}: database error: {message}")


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """BEGIN IMMEDIATE … COMMIT; rolled back on any error (Ctrl-C included)."""
    conn = db.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise _database_error(exc, Path(db.conn.execute("PRAGMA database_list").fetchone()[2])) from None
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
