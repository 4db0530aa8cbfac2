"""What must hold for the one thing policy cannot regenerate: people's recorded progress."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clitools import as_json, ok, run_policy
from conftest import ROOT

from policycli.store import connect

# Real processes, signals, concurrency or big inputs: the whole suite runs them, `make test-fast` does not.
pytestmark = pytest.mark.slow

TRADE = "hfg-2020-24"


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "policy.db"
    ok(run_policy("docs", db=path))  # first use: bundled documents loaded
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_connection_is_wal_with_busy_timeout_and_foreign_keys(db):
    conn = connect(db).conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


WORKER = """
import os, sys
from policycli.main import main
measure, agency, shared, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for k in range(count):
    target = shared if k % 2 else measure
    sys.argv = ["policy", "done" if k % 4 < 2 else "reopen", target,
                "--agency", agency, "--by", "worker-" + agency]
    try:
        main()
    except SystemExit as exc:
        if exc.code:
            sys.exit(exc.code)
"""


def test_eight_processes_lose_no_update(db):
    """8 processes × 100 done/reopen calls, half on one shared measure, half on their own."""
    calls = 100
    rows = as_json(run_policy("tasks", "--agency", "市商务委", "--format", "json", db=db))
    shared = f"{TRADE}/2.2.5.17"  # eight responsible units
    agencies = [
        "人民银行上海总部",
        "上海证监局",
        "市经济信息化委",
        "市住房城乡建设管理委",
        "市规划资源局",
        "上海海事局",
        "市地方金融监管局",
        "市人力资源社会保障局",
    ]
    own = [r["id"] for r in rows if not r["period"]][:8]  # eight measures (a recurring one lists per period)
    env = {**os.environ, "POLICY_DB": str(db), "PYTHONIOENCODING": "utf-8"}
    workers = []
    for k in range(8):
        # each worker marks its own agency's part of the shared measure, and 市商务委's part of its own
        # measure
        script = WORKER.replace(
            '"--agency", agency', '"--agency", (agency if target == shared else "市商务委")'
        )
        workers.append(
            subprocess.Popen(
                [sys.executable, "-c", script, own[k], agencies[k], shared, str(calls)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = [w.communicate(timeout=600) for w in workers]
    for worker, (_, stderr) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, stderr[-2000:]
        assert "Traceback" not in stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM events WHERE action = 'mark'").fetchone()[0] == 8 * calls
    for k in range(8):
        per_worker = conn.execute(
            "SELECT count(*) FROM events WHERE by = ?", [f"worker-{agencies[k]}"]
        ).fetchone()[0]
        assert per_worker == calls
    # the last call of each loop (k = 99: odd → shared, 99 % 4 = 3 → reopen) set todo on the shared part;
    # the last own-measure call (k = 98: 98 % 4 = 2 → reopen) set todo too
    statuses = dict(
        conn.execute("SELECT agency, status FROM progress WHERE measure_id = ?", [shared]).fetchall()
    )
    assert statuses == {a: "todo" for a in agencies}
    # every before/after chain is consistent: each event's before is the previous event's after
    for measure_id, agency in conn.execute("SELECT DISTINCT measure_id, agency FROM events").fetchall():
        chain = conn.execute(
            "SELECT before_status, after_status FROM events WHERE measure_id = ? AND agency = ? ORDER BY id",
            [measure_id, agency],
        ).fetchall()
        for (before, _), (_, previous_after) in zip(chain[1:], chain, strict=False):
            assert before == previous_after


def test_a_lock_held_too_long_is_database_busy_and_writes_nothing(db, busy_timeout):
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        start = time.monotonic()
        result = run_policy("done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", db=db)
        assert time.monotonic() - start >= 0.9 * busy_timeout  # waited for the busy timeout
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 3
    assert "database busy" in result.stderr and "Traceback" not in result.stderr
    assert sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()[0] == 0


def big_document(version: str, measures: int = 20000) -> dict:
    units = ["市商务委", "市发展改革委", "市财政局", "市经济信息化委"]
    return {
        "format": "policy-document/1",
        "id": "big",
        "title": f"大文件 {version}",
        "issued_on": "2021-01-01",
        "measures": [
            {
                "id": f"big/{k}",
                "path": str(k),
                "number": f"{k}.",
                "parent": None,
                "kind": "task",
                "title": f"措施{k}",
                "text": f"{version} 第{k}项措施的内容，推进改革试点。",
                "lines": [k, k],
                "units": [
                    {"printed": u, "name": u, "agency": u, "role": "unspecified", "group": 1}
                    for u in units[: 1 + k % 4]
                ],
            }
            for k in range(1, measures + 1)
        ],
    }


def versions(db: Path) -> tuple[int, int]:
    conn = sqlite3.connect(db)
    v1 = conn.execute("SELECT count(*) FROM measures WHERE doc_id = 'big' AND text LIKE 'V1 %'").fetchone()[0]
    v2 = conn.execute("SELECT count(*) FROM measures WHERE doc_id = 'big' AND text LIKE 'V2 %'").fetchone()[0]
    return v1, v2


def test_kill_9_during_load_leaves_old_or_new_never_half(db, tmp_path):
    # 10,000 measures: a load long enough (about a second) for the kills below to land inside it
    size = 10000
    v1, v2 = tmp_path / "v1.json", tmp_path / "v2.json"
    v1.write_text(json.dumps(big_document("V1", size), ensure_ascii=False), encoding="utf-8")
    v2.write_text(json.dumps(big_document("V2", size), ensure_ascii=False), encoding="utf-8")
    ok(run_policy("load", str(v1), db=db))
    ok(run_policy("done", "big/7", "--agency", "市商务委", "--note", "保留", db=db))
    progress_before = (
        sqlite3.connect(db).execute("SELECT * FROM progress ORDER BY measure_id, agency").fetchall()
    )
    env = {**os.environ, "POLICY_DB": str(db)}
    for delay in (0.15, 0.3, 0.5, 0.8, 1.2, 1.8):
        loader = subprocess.Popen(
            [sys.executable, "-m", "policycli", "load", str(v2)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        loader.send_signal(signal.SIGKILL)
        loader.wait()
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        old, new = versions(db)
        assert (old, new) in ((size, 0), (0, size)), (delay, old, new)
        assert (
            conn.execute("SELECT * FROM progress ORDER BY measure_id, agency").fetchall() == progress_before
        )
        conn.close()
        if new:
            break
    ok(run_policy("load", str(v2), db=db))
    assert versions(db) == (0, size)
    assert (
        sqlite3.connect(db).execute("SELECT * FROM progress ORDER BY measure_id, agency").fetchall()
        == progress_before
    )


def test_ctrl_c_rolls_back_and_exits_130(db, tmp_path):
    # a small first version, a big second one: the interrupt lands inside the second load
    v1, v2 = tmp_path / "v1.json", tmp_path / "v2.json"
    v1.write_text(json.dumps(big_document("V1", 1000), ensure_ascii=False), encoding="utf-8")
    v2.write_text(json.dumps(big_document("V2", 40000), ensure_ascii=False), encoding="utf-8")
    ok(run_policy("load", str(v1), db=db))
    env = {**os.environ, "POLICY_DB": str(db), "PYTHONIOENCODING": "utf-8"}
    loader = subprocess.Popen(
        [sys.executable, "-m", "policycli", "load", str(v2)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    loader.send_signal(signal.SIGINT)
    _, stderr = loader.communicate(timeout=60)
    if loader.returncode == 0:
        pytest.skip("the load finished before the interrupt arrived")
    assert loader.returncode == 130 and "interrupted" in stderr and "Traceback" not in stderr
    assert versions(db) == (1000, 0)


def test_load_never_uses_destructive_writes():
    import ast

    tree = ast.parse((ROOT / "policycli" / "load.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):  # drop docstrings: they may name what the code must not do
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            body[0].value.value = ""
    code = ast.unparse(tree)
    for forbidden in ("replace=True", "INSERT OR REPLACE", "REPLACE INTO", "upsert_all", ".upsert("):
        assert forbidden not in code


def test_updated_document_with_a_renamed_agency_keeps_progress(db, tmp_path):
    measure = f"{TRADE}/2.2.4.11"  # 上海银保监局、市地方金融监管局
    ok(run_policy("done", measure, "--agency", "上海银保监局", "--note", "已完成", db=db))
    document = json.loads((ROOT / "data" / "measures" / f"{TRADE}.json").read_text(encoding="utf-8"))
    for m in document["measures"]:
        for unit in m["units"]:
            if unit["agency"] == "上海银保监局":
                unit.update(
                    printed="金融监管总局上海监管局",
                    name="金融监管总局上海监管局",
                    agency="金融监管总局上海监管局",
                )
    path = tmp_path / f"{TRADE}.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    ok(run_policy("load", str(path), db=db))
    detail = as_json(run_policy("show", measure, "--format", "json", db=db))
    assert [(p["agency"], p["status"], p["note"]) for p in detail["agencies"]][0] == (
        "金融监管总局上海监管局",
        "done",
        "已完成",
    )


def test_read_only_database_serves_reads(db):
    env = {"POLICY_READONLY": "1"}
    assert as_json(run_policy("tasks", "--agency", "市商务委", "--format", "json", db=db, env=env))
    ok(run_policy("export", "--agency", "市商务委", db=db, env=env))
    ok(run_policy("remind", "--today", "2020-12-01", "--within", "60", db=db, env=env))
    result = run_policy("done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", db=db, env=env)
    assert result.returncode == 2 and "read-only" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files")
def test_read_only_file(db):
    os.chmod(db, 0o444)
    assert as_json(run_policy("tasks", "--agency", "市商务委", "--format", "json", db=db))


def test_reads_work_while_a_load_runs(db, tmp_path):
    v1 = tmp_path / "v1.json"
    v1.write_text(json.dumps(big_document("V1", 20000), ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "POLICY_DB": str(db)}
    loader = subprocess.Popen(
        [sys.executable, "-m", "policycli", "load", str(v1)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.3)
        if loader.poll() is not None:
            pytest.skip("the load finished before the read could start; nothing was tested")
        rows = as_json(run_policy("tasks", "--agency", "市商务委", "--doc", TRADE, "--format", "json", db=db))
        assert rows
        assert loader.poll() is None  # the read finished while the load still ran: it did not wait
    finally:
        loader.wait(timeout=120)
    assert loader.returncode == 0


def test_backup_uses_the_backup_api_and_has_the_latest_changes(db, tmp_path):
    ok(run_policy("done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", db=db))
    target = tmp_path / "backup.db"
    ok(run_policy("backup", str(target), db=db))
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT status FROM progress").fetchall() == [("done",)]
    result = run_policy("backup", str(target), db=db)
    assert result.returncode == 2 and "--force" in result.stderr


def test_doctor_explains_damage_without_touching_the_file(db, tmp_path):
    assert "integrity: SQLite's integrity check found nothing wrong" in ok(run_policy("doctor", db=db)).stdout
    damaged = tmp_path / "damaged.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db.read_bytes())
    page = 4096
    for offset in range(page * 3, min(len(data), page * 12), 7):
        data[offset] = 0xA5
    damaged.write_bytes(bytes(data))
    before = sha(damaged)
    result = run_policy("doctor", db=damaged)
    assert result.returncode == 1 and "PROBLEM" in result.stdout and "backup" in result.stdout
    assert sha(damaged) == before


def test_a_non_sqlite_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("我的笔记，不是数据库", encoding="utf-8")
    before = sha(path)
    for args in (["tasks"], ["done", f"{TRADE}/2.1.1.2", "--agency", "市商务委"], ["load"], ["remind"]):
        result = run_policy(*args, db=path)
        assert result.returncode == 2 and "not a policy database" in result.stderr
    assert sha(path) == before


@pytest.mark.parametrize(
    "name, data",
    [
        ("empty.txt", b""),
        ("blank.txt", b"   \n\n  "),
        ("image.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 64),
        ("nul.txt", "正文\x00正文".encode() * 50),
    ],
)
def test_bad_ingest_inputs_leave_everything_untouched(tmp_path, name, data):
    source = tmp_path / name
    source.write_bytes(data)
    out = tmp_path / "out"
    out.mkdir()
    (out / "existing.json").write_text("{}", encoding="utf-8")
    result = run_policy("ingest", str(source), "--out", str(out))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in out.iterdir()) == ["existing.json"]


def test_fifo_and_oversized_inputs(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    result = run_policy("ingest", str(fifo), "--check")
    assert result.returncode == 2 and "not a regular file" in result.stderr
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(11 * 1024 * 1024)
    result = run_policy("ingest", str(big), "--check")
    assert result.returncode == 2 and "MiB limit" in result.stderr


def test_hostile_content_is_stored_verbatim_and_shown_safely(tmp_path):
    source = tmp_path / "hostile.txt"
    long_line = "很长的一行" * 200_000  # 1 MB of text on one line
    source.write_text(
        "关于推进[red]试点[/]的通知\n一、主要任务\n1.加强\x1b[31m统筹[/]。（责任单位：市商务委）\n2."
        + long_line
        + "。（责任单位：市财政局）\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    ok(run_policy("ingest", str(source), "--out", str(out)))
    (written,) = out.glob("*.json")
    document = json.loads(written.read_text(encoding="utf-8"))
    texts = {m["path"]: m["text"] for m in document["measures"]}
    assert texts["1.1"] == "加强\x1b[31m统筹[/]。"
    assert texts["1.2"] == long_line + "。"
    db = tmp_path / "h.db"
    ok(run_policy("load", str(written), db=db))
    table = ok(run_policy("tasks", "--agency", "市商务委", "--doc", document["id"], db=db)).stdout
    assert "\x1b" not in table and "[/]" in table


def test_non_utf8_terminals_and_pipes_never_crash(db):
    for env in ({"PYTHONIOENCODING": "ascii"}, {"PYTHONIOENCODING": "latin-1", "LANG": "C", "LC_ALL": "C"}):
        for args in (
            ["tasks", "--agency", "市商务委"],
            ["remind", "--today", "2020-12-01", "--within", "60"],
            ["show", f"{TRADE}/2.1.1.2"],
        ):
            result = subprocess.run(
                [sys.executable, "-m", "policycli", *args],
                capture_output=True,
                env={**os.environ, "POLICY_DB": str(db), **env},
                timeout=60,
            )
            assert result.returncode == 0, result.stderr
            assert b"UnicodeEncodeError" not in result.stderr


def test_the_one_agency_listing_uses_the_index(db):
    """The queries of `policy tasks --agency` start from the agency index or fetch by id: none scans a
    table."""
    from policycli.checklist import TaskQuery, list_tasks
    from policycli.paths import today

    database = connect(db)
    statements: list[str] = []
    database.conn.set_trace_callback(statements.append)  # the statements with their values filled in
    assert list_tasks(database, TaskQuery(agency="市商务委", today=today(), limit=101))
    database.conn.set_trace_callback(None)
    listings = [s for s in statements if s.lstrip().startswith("SELECT") and "own.agency IN" in s]
    assert len(listings) >= 2  # the dated rows and the recurring ones at least
    uses_the_index = 0
    for statement in listings:
        steps = [r[-1] for r in database.conn.execute("EXPLAIN QUERY PLAN " + statement)]
        uses_the_index += any("INDEX assignments_agency" in step for step in steps)
        subqueries = {step.split()[-1] for step in steps if step.startswith(("CO-ROUTINE", "MATERIALIZE"))}
        tables_scanned = [
            step
            for step in steps
            if step.startswith("SCAN") and "INDEX" not in step and step.split()[1] not in subqueries
        ]
        assert not tables_scanned, steps
    assert uses_the_index >= 2  # the dated rows and the recurring ones; the rest fetch by measure id
    database.conn.close()


def test_load_refuses_a_parent_cycle_and_a_dangling_parent(tmp_path):
    # issue 12, item 11: a cycle in the parent chain made `show` loop forever.
    db = tmp_path / "p.db"
    base = json.loads((ROOT / "data" / "measures" / "hfg-2020-24.json").read_text(encoding="utf-8"))
    for case, edit in (("cycle", "cycle"), ("dangling", "dangling")):
        document = json.loads(json.dumps(base))
        first, second = document["measures"][0], document["measures"][1]
        if edit == "cycle":
            first["parent"], second["parent"] = second["id"], first["id"]
        else:
            second["parent"] = "hfg-2020-24/no.such.measure"
        path = tmp_path / case / "hfg-2020-24.json"
        path.parent.mkdir()
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        result = run_policy("load", str(path), db=db)
        assert result.returncode == 2, result.stderr
        assert "parent" in result.stderr and result.stderr.count("\n") == 1
        assert "Traceback" not in result.stderr


def test_the_recurring_measures_are_found_through_their_index(db):
    """`policy tasks` with no filter reads the recurring measures apart (a row per period): through
    the partial index on them, not a scan of every measure."""
    from policycli.checklist import TaskQuery, list_tasks
    from policycli.paths import today

    database = connect(db)
    statements: list[str] = []
    database.conn.set_trace_callback(statements.append)
    assert list_tasks(database, TaskQuery(today=today(), limit=100))
    database.conn.set_trace_callback(None)
    (recurring,) = [
        s for s in statements if "m.recurrence IS NOT NULL" in s and s.lstrip().startswith("SELECT")
    ]
    steps = [r[-1] for r in database.conn.execute("EXPLAIN QUERY PLAN " + recurring)]
    assert any("INDEX measures_recurring" in step for step in steps), steps
    database.conn.close()
