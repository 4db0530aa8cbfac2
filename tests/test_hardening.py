"""Issue #12's holes, each tried the way it was found: real processes, real files, real limits.

Progress lost or hidden (marks racing a renaming load, undo after a rename, outputs over the
database, short writes reported as success, foreign and newer databases, doctor's advice,
read-only mounts) and full disks.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clitools import as_json, ok, run_policy
from conftest import ROOT
from test_reliability import big_document

from policycli.errors import BadInput
from policycli.store import APPLICATION_ID, SCHEMA_VERSION

# Real processes, signals, concurrency or big inputs: the whole suite runs them, `make test-fast` does not.
pytestmark = pytest.mark.slow

TRADE = "hfg-2020-24"
BANKING = f"{TRADE}/2.2.4.11"  # 上海银保监局、市地方金融监管局
OLD, NEW = "上海银保监局", "金融监管总局上海监管局"


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "policy.db"
    ok(run_policy("docs", db=path))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def renamed_trade_document(tmp_path: Path) -> Path:
    """The bundled trade plan as re-issued after the 2023 reform: 上海银保监局 → its successor."""
    document = json.loads((ROOT / "data" / "measures" / f"{TRADE}.json").read_text(encoding="utf-8"))
    for measure in document["measures"]:
        for unit in measure["units"]:
            if unit["agency"] == OLD:
                unit.update(printed=NEW, name=NEW, agency=NEW)
    path = tmp_path / f"{TRADE}.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def parts(db: Path, measure: str) -> dict[str, str]:
    return {
        p["agency"]: p["status"]
        for p in as_json(run_policy("show", measure, "--format", "json", db=db))["agencies"]
    }


def holds_write_lock(db: Path) -> bool:
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


# --- 1. a mark racing a load that renames its agency ---------------------------------------


def test_a_mark_racing_a_renaming_load_lands_on_the_part_everyone_sees(db, tmp_path):
    renamed = renamed_trade_document(tmp_path)
    big = tmp_path / "big.json"
    # big enough that the load is still in its transaction when the mark starts, small enough that
    # it commits within the mark's 5 s busy timeout on a busy CI machine
    big.write_text(json.dumps(big_document("V1", 5000), ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "POLICY_DB": str(db), "PYTHONIOENCODING": "utf-8"}
    loader = subprocess.Popen(
        [sys.executable, "-m", "policycli", "load", str(renamed), str(big)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not holds_write_lock(db):  # the load is inside its transaction, not yet committed
        assert loader.poll() is None and time.monotonic() < deadline, (
            "the load ended before it could be raced"
        )
        time.sleep(0.005)
    # The mark starts while the database still says 上海银保监局, and writes after the rename.
    marked = run_policy("done", BANKING, "--agency", NEW, "--note", "并发", db=db)
    loader.communicate(timeout=60)
    assert loader.returncode == 0
    ok(marked)
    reported = marked.stderr.strip().splitlines()[-1]
    assert reported == f"{BANKING} [{NEW}]: todo → done"
    assert parts(db, BANKING)[NEW] == "done"  # what was reported is what everyone sees
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM progress WHERE agency = ?", [OLD]).fetchone()[0] == 0
    assert conn.execute("SELECT agency FROM events WHERE measure_id = ?", [BANKING]).fetchall() == [(NEW,)]


def test_concurrent_marks_and_renaming_loads_lose_nothing(db, tmp_path):
    """Writers marking the successor's and others' parts while loads rename and rename back: every
    mark reported done is visible afterwards, under a name that is assigned."""
    renamed = renamed_trade_document(tmp_path)
    original = tmp_path / "original" / f"{TRADE}.json"
    original.parent.mkdir()
    shutil.copy(ROOT / "data" / "measures" / f"{TRADE}.json", original)
    measures = [
        m
        for m, _ in sqlite3.connect(db).execute(
            "SELECT measure_id, agency FROM assignments WHERE agency = ? AND obsolete = 0", [OLD]
        )
    ]
    assert len(measures) >= 3
    env = {**os.environ, "POLICY_DB": str(db), "PYTHONIOENCODING": "utf-8"}
    script = (
        "import sys\nfrom policycli.main import main\n"
        "for m in sys.argv[1:]:\n"
        "    try:\n        main(['done', m, '--agency', '" + NEW + "'])\n"
        "    except SystemExit as e:\n        print(m, e.code, file=sys.stderr)\n"
    )
    loads = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\nfrom policycli.main import main\n"
            "for k in range(6):\n    try:\n        main(['load', sys.argv[1 + k % 2]])\n"
            "    except SystemExit:\n        pass\n",
            str(renamed),
            str(original),
        ],
        env=env,
        stderr=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", script, *measures],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    outcomes = [w.communicate(timeout=120)[1] for w in writers]
    loads.wait(timeout=120)
    conn = sqlite3.connect(db)
    reported = 0
    for stderr in outcomes:
        assert "Traceback" not in stderr
        for line in stderr.splitlines():
            # a writer marking a part the other one has marked already is told so (nothing recorded)
            if " → " not in line and "already done; nothing recorded" not in line:
                assert line.endswith(" 3"), (
                    line
                )  # the only failure allowed: busy past the timeout, nothing written
                continue
            measure, agency = line.split(" [")[0], line.split(" [")[1].split("]")[0]
            assert agency in (OLD, NEW), line
            reported += 1
            # the part it reported is done now, under whichever name the part carries at the end
            live = {
                a
                for (a,) in conn.execute(
                    "SELECT agency FROM assignments WHERE measure_id = ? AND obsolete = 0", [measure]
                )
            }
            done = {
                a
                for (a,) in conn.execute(
                    "SELECT agency FROM progress WHERE measure_id = ? AND status = 'done'", [measure]
                )
            }
            assert done & live & {OLD, NEW}, (line, done, live)
            assert done <= live, (line, done, live)  # nothing recorded on a part nobody sees
    assert reported >= len(measures)


# --- 4. undo after a successor rename ------------------------------------------------------


def test_undo_after_a_successor_rename_reverts_the_renamed_part(db, tmp_path):
    ok(run_policy("done", BANKING, "--agency", OLD, db=db))
    ok(run_policy("load", str(renamed_trade_document(tmp_path)), db=db))
    assert parts(db, BANKING)[NEW] == "done"
    undone = ok(run_policy("undo", db=db))
    assert f"{BANKING} [{NEW}] done → todo" in undone.stderr
    assert parts(db, BANKING)[NEW] == "todo"
    history = as_json(run_policy("history", BANKING, "--format", "json", db=db))
    assert [(h["action"], h["agency"], h["after"], h["undone"]) for h in history] == [
        ("undo", NEW, "todo", False),
        ("mark", NEW, "done", True),
    ]


def test_undo_refuses_when_the_part_no_longer_holds_the_change(db):
    ok(run_policy("done", BANKING, "--agency", OLD, db=db))
    conn = sqlite3.connect(db)  # the part's progress moved without its history (an old database's rename)
    conn.execute("UPDATE progress SET agency = ? WHERE agency = ?", [NEW, OLD])
    conn.commit()
    before = sqlite3.connect(db).execute("SELECT * FROM progress").fetchall()
    result = run_policy("undo", db=db)
    assert result.returncode == 2 and "cannot undo" in result.stderr and "Traceback" not in result.stderr
    assert sqlite3.connect(db).execute("SELECT * FROM progress").fetchall() == before
    assert sqlite3.connect(db).execute("SELECT count(*) FROM events WHERE action = 'undo'").fetchone()[0] == 0


# --- 2. outputs never over the database, FIFOs or devices; no clobbering -------------------


@pytest.mark.parametrize(
    "command",
    [
        ("export", "-o", "{db}", "--force"),
        ("export", "-o", "{db}-wal", "--force"),
        ("export", "-f", "json", "-o", "{db}-shm", "--force"),
        ("export", "-f", "ics", "-o", "{db}", "--force"),
        ("backup", "{db}", "--force"),
        ("backup", "{db}-wal", "--force"),
        ("backup", "{link}", "--force"),
        ("export", "-o", "{hardlink}", "--force"),
    ],
    ids=[
        "export-db",
        "export-wal",
        "json-shm",
        "ics-db",
        "backup-db",
        "backup-wal",
        "backup-symlink",
        "export-hardlink",
    ],
)
def test_no_output_lands_on_the_live_database(db, tmp_path, command):
    ok(run_policy("done", BANKING, "--agency", OLD, db=db))
    (tmp_path / "link.db").symlink_to(db)
    os.link(db, tmp_path / "hard.db")
    args = [a.format(db=db, link=tmp_path / "link.db", hardlink=tmp_path / "hard.db") for a in command]
    result = run_policy(*args, db=db)
    assert result.returncode == 2 and "database" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert parts(db, BANKING)[OLD] == "done"
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize(
    "command", [("export", "-o"), ("export", "-f", "json", "-o"), ("backup",)], ids=["csv", "json", "backup"]
)
def test_force_replaces_regular_files_only(db, tmp_path, command):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run_policy(*command, str(fifo), "--force", db=db)
    assert result.returncode == 2 and "not a regular file" in result.stderr
    assert fifo.exists() and not fifo.is_file()
    for device in ("/dev/null",):
        result = run_policy(*command, device, "--force", db=db)
        assert result.returncode == 2 and "not a regular file" in result.stderr
    regular = tmp_path / "old.out"
    regular.write_text("old")
    ok(run_policy(*command, str(regular), "--force", db=db))
    assert regular.read_bytes() != b"old"


def test_the_overwrite_check_and_the_write_are_one_step(tmp_path):
    """A file created after the check and before the rename is not clobbered without --force."""
    from policycli.files import atomic_writer

    target = tmp_path / "ledger.csv"
    with pytest.raises(BadInput, match="exists"):
        with atomic_writer(target, replace=False) as handle:
            handle.write(b"ours")
            target.write_text("someone else's")  # appears while we write
    assert target.read_text() == "someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["ledger.csv"]  # no temporary file left


# --- 3 and 13. short writes and full disks are errors -------------------------------------


def _limited(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def run_limited(args: list[str], db: Path, out: Path, limit: int = 33 * 1024, stdout_to_file: bool = True):
    """Run policy with a file-size limit (`ulimit -f`): just above the 32 KiB of the -shm file SQLite
    needs."""
    env = {
        **os.environ,
        "POLICY_DB": str(db),
        "PYTHONIOENCODING": "utf-8",
        "COLUMNS": "80",
        "NO_COLOR": "1",
        "TERM": "dumb",
    }
    with out.open("wb") as handle:
        return subprocess.run(
            [sys.executable, "-m", "policycli", *args],
            env=env,
            stdout=handle if stdout_to_file else None,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_limited(limit),
            timeout=120,
        )


@pytest.fixture(scope="module")
def _busy_template(tmp_path_factory):
    """Built once per module: the bundled documents and 50 marks with long notes."""
    from policycli.checklist import mark
    from policycli.store import connect

    db = tmp_path_factory.mktemp("busy") / "policy.db"
    ok(run_policy("docs", db=db))
    database = connect(db)
    ids = [
        r[0]
        for r in database.conn.execute(
            "SELECT measure_id FROM assignments WHERE agency = '' AND obsolete = 0 "
            "ORDER BY measure_id LIMIT 50"
        )
    ]
    for measure in ids:
        mark(database, measure, "doing", note="推进中" * 400, by="测试")
    database.conn.close()
    return db


@pytest.fixture
def busy_db(_busy_template, tmp_path):
    """A database with a long history (50 marks with long notes), so every listing is large: a copy of
    the module's template (the tests only read it)."""
    copy = tmp_path / "policy.db"
    for suffix in ("", "-wal"):
        if Path(f"{_busy_template}{suffix}").exists():
            shutil.copyfile(f"{_busy_template}{suffix}", f"{copy}{suffix}")
    return copy


@pytest.mark.parametrize(
    "args",
    [
        ["export"],
        ["export", "-f", "json"],
        ["export", "-f", "ics"],
        ["export", "-f", "md"],
        ["tasks", "--limit", "0"],
        ["tasks", "-f", "json"],
        ["tasks", "-f", "csv", "--status", "all"],
        ["history", "--limit", "0"],
        ["history", "-f", "json"],
        ["remind", "--today", "2026-01-01", "--within", "3000", "--max", "0", "--include-expired"],
    ],
    ids=lambda a: " ".join(a[:3]),
)
def test_a_short_write_to_stdout_is_an_error(busy_db, tmp_path, args):
    out = tmp_path / "out"
    full = run_limited(args, busy_db, out, limit=10**9)
    assert full.returncode == 0 and out.stat().st_size > 33 * 1024, (
        "the output must exceed the limit for the test to mean anything"
    )
    cut = run_limited(args, busy_db, out)
    assert cut.returncode == 1, cut.stderr
    lines = cut.stderr.strip().splitlines()
    assert lines[-1].startswith("error: cannot write to standard output") and "Traceback" not in cut.stderr


@pytest.mark.parametrize("args", [["tasks"], ["export", "-f", "json"], ["docs", "-f", "json"]])
def test_a_full_disk_on_stdout_is_an_error(db, args):
    env = {**os.environ, "POLICY_DB": str(db), "PYTHONIOENCODING": "utf-8"}
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [sys.executable, "-m", "policycli", *args],
            env=env,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1 and "the disk is full" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["export", "-o", "{out}"],
        ["export", "-f", "json", "-o", "{out}"],
        ["export", "-f", "ics", "-o", "{out}"],
        ["backup", "{out}"],
    ],
)
def test_a_full_disk_writing_a_file_leaves_nothing(busy_db, tmp_path, args):
    target = tmp_path / "out" / "ledger"
    target.parent.mkdir()
    result = run_limited([a.format(out=target) for a in args], busy_db, tmp_path / "stdout", limit=96 * 1024)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "nothing was written" in result.stderr
    assert list(target.parent.iterdir()) == []


def test_ingest_of_several_files_is_all_or_nothing(tmp_path):
    sources = sorted((ROOT / "data" / "sources").iterdir())[:3]
    sizes = sorted((ROOT / "data" / "measures").glob("*.json"), key=lambda p: p.stat().st_size)
    out = tmp_path / "out"
    out.mkdir()
    # A limit the smallest structured file fits under and the largest does not.
    limit = (sizes[0].stat().st_size + sizes[-1].stat().st_size) // 2
    result = run_limited(
        ["ingest", *map(str, sorted((ROOT / "data" / "sources").iterdir())), "--out", str(out)],
        tmp_path / "unused.db",
        tmp_path / "stdout",
        limit=limit,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        result.stderr.strip().splitlines()[-1].startswith("error: cannot write")
        and "nothing was written" in result.stderr
    )
    assert list(out.iterdir()) == []
    assert sources  # and without the limit, the same run writes them all
    ok(
        run_policy(
            "ingest",
            *map(str, sorted((ROOT / "data" / "sources").iterdir())),
            "--out",
            str(out),
            db=tmp_path / "unused.db",
        )
    )
    assert len(list(out.iterdir())) == len(sizes)


def test_ingest_never_writes_over_the_database(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    database = out / "cnqjqggx-2021.json"  # what ingest of the 长宁区 plan would write
    ok(run_policy("docs", db=database))
    before = sha(database)
    structured = json.loads((ROOT / "data" / "measures" / "cnqjqggx-2021.json").read_text(encoding="utf-8"))
    source = ROOT / "data" / "sources" / structured["source"]["file"]
    result = run_policy("ingest", str(source), "--out", str(out), "--id", "cnqjqggx-2021", db=database)
    assert result.returncode == 2 and "database" in result.stderr
    assert sha(database) == before


# --- 5 and 6. whose database is it ---------------------------------------------------------


def _foreign(path: Path, tables: str) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(tables)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "tables",
    [
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine');",
        "CREATE TABLE documents (name TEXT); INSERT INTO documents VALUES ('合同');",
        "PRAGMA application_id = 1234; CREATE TABLE t (x);",
    ],
    ids=["other-tables", "own-documents-table", "other-application"],
)
@pytest.mark.parametrize("command", [("tasks",), ("done", BANKING), ("load",), ("undo",)])
def test_a_foreign_sqlite_database_is_refused_untouched(tmp_path, tables, command):
    path = tmp_path / "theirs.db"
    _foreign(path, tables)
    before = sha(path)
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    result = run_policy(*command, db=path)
    assert (
        result.returncode == 2
        and "not a policy database" in result.stderr
        and "Traceback" not in result.stderr
    )
    assert sha(path) == before
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == mode == "delete"
    assert not Path(f"{path}-wal").exists()
    doctor = run_policy("doctor", db=path)
    assert doctor.returncode == 1 and "not a policy database" in doctor.stdout and sha(path) == before


def test_a_new_database_is_stamped(tmp_path):
    path = tmp_path / "new.db"
    ok(run_policy("tasks", db=path))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_an_earlier_policy_database_is_upgraded_and_stamped(db):
    ok(run_policy("done", BANKING, "--agency", OLD, "--note", "旧版", db=db))
    conn = sqlite3.connect(db)  # as a policy from before the stamp and the last migration left it
    conn.execute("PRAGMA application_id = 0")
    conn.execute("PRAGMA user_version = 0")
    conn.execute("DROP INDEX assignments_due")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_due_index'")
    conn.commit()
    conn.close()
    assert parts(db, BANKING)[OLD] == "done"
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'assignments_due'").fetchone()


@pytest.mark.parametrize(
    "newer",
    [
        "PRAGMA user_version = 99",
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('policy', 'm099_future', 'x')",
    ],
)
def test_a_newer_policy_database_is_read_but_never_written(db, newer):
    conn = sqlite3.connect(db)
    conn.execute(newer)
    conn.commit()
    conn.close()
    before = sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()[0]
    for command in (
        ("done", BANKING, "--agency", OLD),
        ("undo",),
        ("load",),
        ("agencies", "alias", "市商委", "市商务委"),
    ):
        result = run_policy(*command, db=db)
        assert (
            result.returncode == 2 and "newer policy" in result.stderr and "schema version" in result.stderr
        ), (command, result.stderr)
    assert sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()[0] == before
    ok(run_policy("tasks", "--agency", "市商务委", db=db))  # reading what it understands still works
    doctor = run_policy("doctor", db=db)
    assert (
        "schema is current" not in doctor.stdout
        and "newer policy" in doctor.stdout
        and doctor.returncode == 1
    )


# --- 7 and 8. doctor's advice per cause; read-only mounts ----------------------------------


def test_doctor_does_not_advise_a_restore_for_a_locked_file(db, busy_timeout):
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE events SET note = note")
    try:
        result = run_policy("doctor", db=db)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 1 and "lock" in result.stdout
    assert "restore your latest" not in result.stdout and "do not restore" in result.stdout


def test_doctor_on_a_full_disk_says_free_space_not_restore(db, monkeypatch):
    from policycli import store

    class Full:
        f_bavail, f_frsize, f_flag = 10, 4096, 0

    monkeypatch.setattr(store.os, "statvfs", lambda path: Full())
    findings = store.doctor(db)
    disk = [text for check, state, text in findings if check == "disk"]
    assert disk and "free some space" in disk[0] and "do not restore" in disk[0]
    assert not any("restore your latest" in text for _, _, text in findings)


def _read_only_mount(directory: Path, command: str) -> subprocess.CompletedProcess[str] | None:
    """Run `command` with `directory` bind-mounted read-only (a user and mount namespace: no root
    needed, nothing outside changes); None where the kernel does not allow it."""
    if shutil.which("unshare") is None:
        return None
    script = f"mount --bind {directory} {directory} && mount -o remount,bind,ro {directory} && {command}"
    result = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "80"},
        timeout=120,
    )
    if (
        "unshare failed" in result.stderr
        or "mount:" in result.stderr
        and result.returncode
        and "Operation not permitted" in result.stderr
    ):
        return None
    return result


@pytest.mark.parametrize("readonly_env", ["", "POLICY_READONLY=1 "])
def test_a_wal_database_on_a_read_only_mount_can_be_read(tmp_path, readonly_env):
    folder = tmp_path / "mounted"
    folder.mkdir()
    path = folder / "policy.db"
    ok(run_policy("done", BANKING, "--agency", OLD, db=path))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    policy = f"{sys.executable} -m policycli"
    result = _read_only_mount(folder, f"{readonly_env}POLICY_DB={path} {policy} show {BANKING} --format json")
    if result is None:
        pytest.skip("this kernel allows no unprivileged read-only bind mount (unshare)")
    assert result.returncode == 0, result.stderr
    assert {p["agency"]: p["status"] for p in json.loads(result.stdout)["agencies"]}[OLD] == "done"
    refused = _read_only_mount(folder, f"POLICY_DB={path} {policy} done {BANKING} --agency 市地方金融监管局")
    assert refused.returncode == 2 and "read-only" in refused.stderr and "Traceback" not in refused.stderr
    doctor = _read_only_mount(folder, f"POLICY_DB={path} {policy} doctor")
    assert "read-only file system" in doctor.stdout and "restore your latest" not in doctor.stdout
    assert "integrity" in doctor.stdout and "nothing wrong" in doctor.stdout


# --- found in review: the same holes by other routes -----------------------------------------


def test_outputs_never_land_on_the_real_files_of_a_symlinked_database(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    ok(run_policy("docs", db=real / "a.db"))
    link = tmp_path / "link.db"
    link.symlink_to(real / "a.db")
    for args in (
        ("export", "-o", str(real / "a.db-wal"), "--force"),
        ("backup", str(real / "a.db-shm"), "--force"),
    ):
        result = run_policy(*args, db=link)
        assert result.returncode == 2 and "database" in result.stderr, (args, result.stderr)


@pytest.mark.parametrize(
    "script",
    [
        "CREATE VIEW v AS SELECT 1;",
        "PRAGMA user_version = 7;",
        f"PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 99;",
    ],
    ids=["only-a-view", "only-a-version", "stamped-newer-but-empty"],
)
def test_files_with_nothing_of_policy_in_them_are_refused_untouched(tmp_path, script):
    path = tmp_path / "x.db"
    _foreign(path, script)
    before = sha(path)
    for command in (("docs",), ("tasks",), ("done", BANKING)):
        result = run_policy(*command, db=path)
        assert result.returncode == 2 and "Traceback" not in result.stderr, (command, result.stderr)
        assert "not a policy database" in result.stderr or "newer policy" in result.stderr, result.stderr
    assert sha(path) == before


def test_a_foreign_wal_database_is_identified_without_opening_it_for_writing(tmp_path):
    live = tmp_path / "live"
    live.mkdir()
    holder = sqlite3.connect(live / "theirs.db", isolation_level=None)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    holder.execute("CREATE TABLE notes (body TEXT)")
    holder.execute("INSERT INTO notes VALUES ('still only in the -wal')")
    copied = tmp_path / "copied"
    copied.mkdir()
    for suffix in ("", "-wal", "-shm"):
        shutil.copy(live / f"theirs.db{suffix}", copied / f"theirs.db{suffix}")
    holder.close()
    path = copied / "theirs.db"
    data = ("theirs.db", "theirs.db-wal")  # the -shm is only an index every reader writes its read marks to
    before = {name: sha(copied / name) for name in data}
    assert run_policy("tasks", db=path).returncode == 2
    doctor = run_policy("doctor", db=path)
    assert "not a policy database" in doctor.stdout
    assert {name: sha(copied / name) for name in data} == before  # nothing checkpointed into the file
    assert sorted(p.name for p in copied.iterdir()) == ["theirs.db", "theirs.db-shm", "theirs.db-wal"]


def test_a_database_that_cannot_be_written_for_lack_of_space_says_so(db, tmp_path):
    Path(f"{db}-shm").unlink(missing_ok=True)  # SQLite must create it again: 32 KiB, over the limit
    Path(f"{db}-wal").unlink(missing_ok=True)
    result = run_limited(["done", BANKING, "--agency", OLD], db, tmp_path / "out", limit=1024)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        "disk is full or a file-size limit" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    )


def test_a_read_only_mount_shows_the_changes_still_in_the_wal(tmp_path):
    live = tmp_path / "live"
    live.mkdir()
    path = live / "policy.db"
    ok(run_policy("docs", db=path))
    holder = sqlite3.connect(path, isolation_level=None)  # keeps the -wal from being checkpointed
    holder.execute(
        "SELECT count(*) FROM documents"
    ).fetchone()  # the -wal open: the last to close is not `done`
    ok(run_policy("done", BANKING, "--agency", OLD, "--note", "只在wal里", db=path, real=True))
    mounted = tmp_path / "mounted"
    mounted.mkdir()
    shutil.copy(path, mounted / "policy.db")
    shutil.copy(f"{path}-wal", mounted / "policy.db-wal")  # and no -shm: it cannot be created on the mount
    holder.close()
    assert (mounted / "policy.db-wal").stat().st_size > 0
    result = _read_only_mount(
        mounted,
        f"POLICY_DB={mounted / 'policy.db'} {sys.executable} -m policycli show {BANKING} --format json",
    )
    if result is None:
        pytest.skip("this kernel allows no unprivileged read-only bind mount (unshare)")
    assert result.returncode == 0, result.stderr
    assert {p["agency"]: p["note"] for p in json.loads(result.stdout)["agencies"]}[OLD] == "只在wal里"


def test_an_error_message_cannot_forge_a_second_line(db):
    result = run_policy("done", BANKING, "--agency", "X\rerror: forged\nline", db=db)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_written_files_get_the_users_umask_not_0600(db, tmp_path):
    """Colleagues on a shared drive can read the ledger, the backup and the structured files."""
    previous = os.umask(0o022)
    try:
        ok(run_policy("export", "-o", str(tmp_path / "台账.csv"), db=db))
        ok(run_policy("backup", str(tmp_path / "copy.db"), db=db))
        ok(
            run_policy(
                "ingest",
                str(ROOT / "data" / "sources" / "000_d931d1a5793d598d.txt"),
                "--out",
                str(tmp_path / "out"),
                db=db,
            )
        )
    finally:
        os.umask(previous)
    for written in (tmp_path / "台账.csv", tmp_path / "copy.db", *(tmp_path / "out").iterdir()):
        assert written.stat().st_mode & 0o777 == 0o644, written
