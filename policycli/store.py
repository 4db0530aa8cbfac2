"""The SQLite database: connection settings, schema migrations, write transactions.

Every connection runs in WAL mode with a busy timeout and foreign keys on. Writes that read
first go through `write_transaction`, which starts with BEGIN IMMEDIATE: Python's default
(deferred) transactions let two processes read the same row and both write, losing one update.

Tables: documents, measures, assignments (what the documents say; rewritten by `load`), and
progress and events (what people recorded; `load` never writes them).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from policycli.errors import BadInput, DatabaseBusy

BUSY_TIMEOUT_MS = 5000
SQLITE_MAGIC = b"SQLite format 3\x00"
MIGRATION_SET = "policy"


class Database:
    """An open database: its sqlite3 connection. (sqlite-utils, which costs ~60 ms to import, is
    loaded only when a schema migration has to run.)"""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


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
        ALTER TABLE measures ADD COLUMN recurrence TEXT;    -- yearly | quarterly | … (due is then per occurrence)
        ALTER TABLE documents ADD COLUMN validity TEXT;     -- the rules that gave effective_from/until (JSON)
        CREATE INDEX measures_due ON measures(due) WHERE obsolete = 0;
        """
    )


def m004_due_index(db) -> None:
    # remind reads every open part due by a date, across agencies: by the assignments' own copy
    # of the due date (NULL for recurring measures, found by the same index).
    db.executescript("CREATE INDEX assignments_due ON assignments(due) WHERE obsolete = 0;")


# Ordered schema migrations, applied with sqlite_utils.Migrations whenever the database opens.
MIGRATIONS = [m001_initial, m002_agency_aliases, m003_deadlines, m004_due_index]


def pending_migrations(conn: sqlite3.Connection) -> list[str]:
    """Names not yet applied, read with plain SQL (no sqlite-utils import on the common path)."""
    names = [m.__name__ for m in MIGRATIONS]
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'").fetchone()
    if not exists:
        return names
    applied = {r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET])}
    return [n for n in names if n not in applied]


def apply_migrations(conn: sqlite3.Connection) -> None:
    import sqlite_utils
    from sqlite_utils import Migrations

    migrations = Migrations(MIGRATION_SET)
    for function in MIGRATIONS:
        migrations(name=function.__name__)(function)
    migrations.apply(sqlite_utils.Database(conn))


def _check_file(path: Path) -> None:
    """Refuse a file at the database path that is not an SQLite database, without touching it."""
    if path.is_dir():
        raise BadInput(f"{path}: is a directory, not a database file")
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as handle:
            if handle.read(16) != SQLITE_MAGIC:
                raise BadInput(f"{path}: not a policy database (not SQLite); pass another --db or move the file away")


def is_read_only(path: Path) -> bool:
    """A database file we may not write (or POLICY_READONLY=1): open it read-only."""
    return os.environ.get("POLICY_READONLY") == "1" or (path.exists() and not os.access(path, os.W_OK))


def connect(path: Path, *, create: bool = True) -> Database:
    """Open (and migrate) the database at `path`; a read-only file is opened read-only."""
    _check_file(path)
    read_only = is_read_only(path)
    if not path.exists() and (not create or read_only):
        raise BadInput(f"{path}: no such database")
    try:
        if read_only:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal" and not read_only:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        db = Database(conn)
        if pending_migrations(conn):
            if read_only:
                raise BadInput(f"{path}: the database needs an upgrade, and it is read-only; open it once with write access")
            with write_transaction(db):
                if pending_migrations(conn):  # another process may have migrated while we waited
                    apply_migrations(conn)
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
    return BadInput(f"{path}: database error: {message}")


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
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


def backup(db: Database, target: Path) -> int:
    """Copy the live database with SQLite's backup API (a file copy of a WAL database loses the
    pages still in the -wal file); written beside the target and renamed, so never half-written."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        destination = sqlite3.connect(tmp)
        try:
            db.conn.backup(destination)
            destination.execute("PRAGMA journal_mode = DELETE")
        finally:
            destination.close()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target.stat().st_size


def doctor(path: Path) -> list[tuple[str, str, str]]:
    """(check, ok|problem|note, explanation) for `policy doctor`; never modifies the file."""
    findings: list[tuple[str, str, str]] = []
    if not path.exists():
        return [("file", "problem", f"{path} does not exist; any policy command creates it")]
    with path.open("rb") as handle:
        header = handle.read(16)
    if header != SQLITE_MAGIC and path.stat().st_size:
        return [("file", "problem", f"{path} is not an SQLite database (it starts with {header[:8]!r}); move it away or pass another --db")]
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if rows == ["ok"]:
            findings.append(("integrity", "ok", "SQLite's integrity check found nothing wrong"))
        else:
            shown = "; ".join(rows[:5]) + (" …" if len(rows) > 5 else "")
            findings.append(("integrity", "problem", f"the file is damaged ({shown}); restore your latest `policy backup`, or "
                             "load the documents into a new database (progress since the backup is lost)"))
        bad_keys = conn.execute("PRAGMA foreign_key_check").fetchall()
        findings.append(("references", "ok" if not bad_keys else "problem",
                         "every row points at a row that exists" if not bad_keys else f"{len(bad_keys)} rows point at missing rows"))
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        findings.append(("journal", "ok" if mode == "wal" else "note",
                         "WAL: readers never wait for writers" if mode == "wal" else f"journal mode {mode}; policy switches it to WAL on next write"))
        missing = pending_migrations(conn)
        findings.append(("schema", "ok" if not missing else "note",
                         "schema is current" if not missing else f"{len(missing)} schema upgrade(s) pending; the next command applies them"))
        if not missing:
            counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("documents", "measures", "progress", "events")}
            findings.append(("contents", "ok", ", ".join(f"{n} {t}" for t, n in counts.items())))
    except sqlite3.DatabaseError as exc:
        findings.append(("integrity", "problem", f"SQLite cannot read the file ({exc}); restore your latest `policy backup`"))
    finally:
        conn.close()
    return findings
