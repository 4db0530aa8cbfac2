"""The Typer-free fast path (policycli/quick.py) must read exactly what the Typer app reads, and
every invocation must come out the same through both paths."""

from __future__ import annotations

import inspect
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from clitools import ok, run_policy

from policycli import commands
from policycli.cli import build_app
from policycli.quick import SPECS, parse

TRADE = "hfg-2020-24"
BODIES = {"tasks": commands.tasks, **{name: commands.mark for name in ("done", "start", "block", "reopen", "mark")}}


def typer_command(name: str):
    """The click command Typer builds for `name` (Typer vendors its own click: compare by name)."""
    import typer.main

    return typer.main.get_command(build_app([name])).commands[name]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_fast_path_reads_the_options_the_typer_command_declares(name):
    spec = SPECS[name]
    command = typer_command(name)
    options = [p for p in command.params if p.param_type_name == "option"]
    arguments = [p.name for p in command.params if p.param_type_name == "argument"]
    assert tuple(arguments) == spec.arguments
    declared: dict[str, str] = {}
    for option in options:
        assert option.envvar is None and not option.multiple and not option.secondary_opts, option.name
        names = {o: option.name for o in option.opts}
        if option.is_flag:
            assert {spec.flags.get(o) for o in option.opts} == {option.name}
        else:
            assert {spec.options.get(o) for o in option.opts} == {option.name}
            kind = type(option.type).__name__
            assert kind in ("StringParamType", "IntParamType", "TyperPath"), (option.name, kind)
            assert (option.name in spec.ints) == (kind == "IntParamType"), option.name
            assert (option.name in spec.paths) == (kind == "TyperPath"), option.name
            if kind == "TyperPath":  # the checks the fast path makes: existing files readable, nothing more
                assert option.type.readable and option.type.file_okay and option.type.dir_okay, option.name
                assert not (option.type.exists or option.type.writable or option.type.resolve_path or option.type.allow_dash), option.name
        assert (option.name in spec.required) == option.required, option.name
        declared.update(names)
    # nothing the fast path accepts is unknown to Typer
    assert {**spec.options, **spec.flags} == declared
    # the defaults the fast path leaves to the body are Typer's defaults
    body = inspect.signature(BODIES[name]).parameters
    for option in options:
        if not option.required and option.name not in spec.fixed:
            assert body[option.name].default == option.default, option.name


def test_plain_invocations_parse_and_anything_else_goes_to_typer():
    assert parse(["done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", "--note=已报送"]) == (
        "done", {"measure_id": f"{TRADE}/2.1.1.2", "status": "done", "agency": "市商务委", "note": "已报送"})
    assert parse(["tasks", "-a", "市商务委", "--limit", "5", "--overdue", "--db", "x.db"]) == (
        "tasks", {"agency": "市商务委", "limit": 5, "overdue": True, "db": Path("x.db")})
    assert parse(["start", "x/1", "--note", "-减少10%"])[1]["note"] == "-减少10%"  # click takes it as the value too
    for argv in (
        [], ["docs"], ["tasks", "--help"], ["done", "--help"], ["tasks", "--agency"], ["tasks", "--limit", "five"],
        ["tasks", "-a", "A", "--agency", "B"], ["tasks", "--all=yes"], ["tasks", "-a=市商务委"], ["tasks", "-a市商务委"],
        ["done"], ["done", "a", "b"], ["done", "--", "-x"], ["mark", "x/1"], ["tasks", "--db", ""], ["tasks", "extra"],
    ):
        assert parse(argv) is None, argv


def test_a_fast_command_imports_no_typer(tmp_path):
    db = tmp_path / "p.db"
    ok(run_policy("docs", db=db))
    code = ("import sys; from policycli.main import main; main(['done', sys.argv[1], '--agency', '市商务委']); "
            "print(sorted(m for m in ('typer', 'sqlite_utils', 'rich') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code, f"{TRADE}/2.1.1.2"], capture_output=True, text=True,
                            env={**os.environ, "POLICY_DB": str(db)}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]" and "todo → done" in result.stderr


INVOCATIONS = [
    ["tasks", "--agency", "市商务委"],
    ["tasks", "-a", "市商务委", "-s", "all", "-f", "csv", "--limit=5"],
    ["tasks", "--agency", "市商务委", "--format", "json", "--today", "2021-01-01"],
    ["tasks", "--due-within", "60", "--today", "2020-12-01", "--format", "md"],
    ["tasks", "--overdue", "--unassigned", "--today", "2022-01-01", "--format", "json"],
    ["tasks", "--search", "数字人民币", "--status", "all", "--kind", "task", "--doc", TRADE, "--all"],
    ["tasks", "--due-before", "2021-06-30", "--format", "csv"],
    ["tasks", "--agency", "市商务局"],
    ["tasks", "--limit", "-1"],
    ["tasks", "--due-before", "2021-13-01"],
    ["tasks", "--status", "finished"],
    ["tasks", "--format", "xml"],
    ["done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", "--note", "已报送", "--evidence", "https://x.example/1", "--by", "张三"],
    ["done", f"{TRADE}/2.1.1.2"],
    ["done", f"{TRADE}/9.9.9"],
    ["start", f"{TRADE}/2.1.1.2", "-a", "市政府发展研究中心", "-n", "-减少10%", "--by", "李四"],
    ["block", "qmtjjaqg-2018/3.1.2", "--note", "待批复", "--by", "王五"],
    ["block", "qmtjjaqg-2018/3.1.2", "--agency", "市商务委"],
    ["reopen", f"{TRADE}/2.1.1.2", "--agency", "市商务委", "--by", "张三"],
    ["mark", f"{TRADE}/2.1.1.2", "--agency", "市商务委", "--status", "n/a", "--by", "张三"],
    ["mark", f"{TRADE}/2.1.1.2", "--agency", "市商务委", "--status", "finished"],
]


def _state(db: Path) -> tuple[list, list]:
    conn = sqlite3.connect(db)
    try:
        progress = conn.execute("SELECT measure_id, agency, status, note, evidence, by FROM progress ORDER BY 1, 2").fetchall()
        events = conn.execute("SELECT id, measure_id, agency, action, before_status, after_status, note, evidence, by "
                              "FROM events ORDER BY id").fetchall()
    finally:
        conn.close()
    return progress, events


def test_both_paths_give_the_same_output_exit_code_and_records(tmp_path):
    loaded = tmp_path / "loaded.db"
    ok(run_policy("docs", db=loaded))
    fast_db, typer_db = tmp_path / "fast.db", tmp_path / "typer.db"
    for target in (fast_db, typer_db):
        shutil.copy(loaded, target)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}
    typer_only = "import sys; from policycli.main import main; main(sys.argv[1:], quick=False)"
    fast_used = 0
    for argv in INVOCATIONS:
        fast_used += parse(argv) is not None
        fast = subprocess.run([sys.executable, "-m", "policycli", *argv], capture_output=True, text=True,
                              env={**env, "POLICY_DB": str(fast_db)}, timeout=60)
        slow = subprocess.run([sys.executable, "-c", typer_only, *argv], capture_output=True, text=True,
                              env={**env, "POLICY_DB": str(typer_db)}, timeout=60)
        assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr), argv
        assert "Traceback" not in fast.stderr, argv
    assert fast_used == len(INVOCATIONS)  # every case above exercised the fast path
    assert _state(fast_db) == _state(typer_db)
    progress, events = _state(fast_db)
    assert len(events) == 5 and ("qmtjjaqg-2018/3.1.2", "", "blocked", "待批复", None, "王五") in progress


def test_a_closed_pipe_ends_both_paths_alike(tmp_path):
    db = tmp_path / "p.db"
    ok(run_policy("docs", db=db))
    typer_only = "import sys; from policycli.main import main; main(sys.argv[1:], quick=False)"
    outcomes = []
    for command in (["-m", "policycli"], ["-c", typer_only]):
        # the reader is gone before policy writes a byte: every write meets EPIPE
        process = subprocess.Popen([sys.executable, *command, "tasks", "--status", "all", "--format", "csv"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "POLICY_DB": str(db)})
        process.stdout.close()
        stderr = process.stderr.read().decode("utf-8")
        outcomes.append((process.wait(timeout=60), stderr))
    assert outcomes[0] == outcomes[1] == (1, "")
