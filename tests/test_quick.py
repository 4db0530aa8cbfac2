"""Every command is declared once (commands.COMMANDS); the Typer app and the Typer-free fast path
(policycli/quick.py) are both built from the declarations, and every invocation must come out the
same through both paths."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from clitools import ok, run_policy
from conftest import ROOT

from policycli.cli import build_app
from policycli.commands import COMMANDS
from policycli.declare import parameters
from policycli.quick import FAST, parse

TRADE = "hfg-2020-24"


def click_command(command):
    """The click command Typer builds for a command of the table (Typer vendors its own click)."""
    import typer.main

    group = typer.main.get_command(build_app([command.words[0]]))
    found = (
        group.commands[command.words[0]]
        if len(command.words) == 1 or command.words[0] in group.commands
        else group
    )
    if len(command.words) == 2:
        found = found.commands[command.words[1]]
    return found


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_the_typer_app_has_exactly_the_declared_parameters(command):
    clicked = click_command(command)
    built = {p.name: p for p in clicked.params if p.name != "ctx"}
    declared = {p.name: p for p in parameters(command.function)}
    assert built.keys() == declared.keys()
    for name, parameter in declared.items():
        option = built[name]
        assert option.param_type_name == ("argument" if parameter.kind == "argument" else "option"), name
        if parameter.kind != "argument":
            assert set(option.opts) == set(parameter.names), name
            assert option.is_flag == (parameter.kind == "flag"), name
        assert option.required == parameter.required, name
        if not parameter.required and not parameter.many:
            assert option.default == parameter.default, name


def test_every_option_string_is_written_once():
    """Option names live in commands.py only: cli.py and quick.py hold none of their own."""
    for module in ("cli.py", "quick.py"):
        code = (ROOT / "policycli" / module).read_text(encoding="utf-8")
        written = set(re.findall(r'"(--[a-z][a-z-]+|-[a-z])"', code))
        assert written <= {"--version"}, (module, written)
    # and one function for the five marks, the status bound
    marks = [c for c in COMMANDS if c.name in ("done", "start", "block", "reopen", "mark")]
    assert len({getattr(c.function, "func", c.function) for c in marks}) == 1


def test_no_import_cycle():
    """The library and the command table never import the entry point or the Typer app."""
    code = (
        "import sys, importlib\n"
        "for name in ('policycli.errors', 'policycli.commands', 'policycli.quick', "
        "'policycli.checklist', 'policycli.store'):\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in ('policycli.main', 'policycli.cli', 'typer') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


@pytest.mark.parametrize("name", FAST)
def test_the_fast_path_reads_what_typer_reads(name, tmp_path):
    """Parsed by the fast path and by Typer's click command, the same argv gives the same values."""
    command = next(c for c in COMMANDS if c.name == name)
    declared = parameters(command.function)
    argv: list[str] = []
    for parameter in declared:
        if parameter.kind == "argument":
            argv.append("x/1")
        elif parameter.kind == "flag":
            argv.append(parameter.names[-1])
        else:
            value = {int: "7", Path: str(tmp_path / "p.db")}.get(parameter.type, "值")
            argv += [parameter.names[0], value]
    fast = parse([name, *argv])
    assert fast is not None and fast[0] == name
    context = click_command(command).make_context(name, list(argv))
    # click leaves a path as a string; Typer's wrapper makes it a Path before calling the command
    kinds = {p.name: p.type for p in declared}
    typed = {k: Path(v) if kinds[k] is Path else v for k, v in context.params.items() if k in fast[1]}
    assert typed == fast[1]
    assert {p.name for p in declared} == set(fast[1])


def test_plain_invocations_parse_and_anything_else_goes_to_typer():
    assert parse(["done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", "--note=已报送"]) == (
        "done",
        {"measure_id": f"{TRADE}/2.1.1.2", "agency": "市商务委", "note": "已报送"},
    )
    assert parse(["tasks", "-a", "市商务委", "--limit", "5", "--overdue", "--db", "x.db"]) == (
        "tasks",
        {"agency": "市商务委", "limit": 5, "overdue": True, "db": Path("x.db")},
    )
    assert (
        parse(["start", "x/1", "--note", "-减少10%"])[1]["note"] == "-减少10%"
    )  # click takes it as the value too
    for argv in (
        [],
        ["docs"],
        ["tasks", "--help"],
        ["done", "--help"],
        ["tasks", "--agency"],
        ["tasks", "--limit", "five"],
        ["tasks", "-a", "A", "--agency", "B"],
        ["tasks", "--all=yes"],
        ["tasks", "-a=市商务委"],
        ["tasks", "-a市商务委"],
        ["done"],
        ["done", "a", "b"],
        ["done", "--", "-x"],
        ["mark", "x/1"],
        ["tasks", "--db", ""],
        ["tasks", "extra"],
    ):
        assert parse(argv) is None, argv


def test_a_fast_command_imports_no_typer(tmp_path):
    db = tmp_path / "p.db"
    ok(run_policy("docs", db=db))
    code = (
        "import sys; from policycli.main import main; main(['done', sys.argv[1], '--agency', '市商务委']); "
        "print(sorted(m for m in ('typer', 'sqlite_utils', 'rich') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, f"{TRADE}/2.1.1.2"],
        capture_output=True,
        text=True,
        env={**os.environ, "POLICY_DB": str(db)},
        timeout=60,
    )
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
    [
        "done",
        f"{TRADE}/2.1.1.2",
        "--agency",
        "市商务委",
        "--note",
        "已报送",
        "--evidence",
        "https://x.example/1",
        "--by",
        "张三",
    ],
    ["done", f"{TRADE}/2.1.1.2"],
    ["done", f"{TRADE}/9.9.9"],
    ["start", f"{TRADE}/2.1.1.2", "-a", "市政府发展研究中心", "-n", "-减少10%", "--by", "李四"],
    ["block", "qmtjjaqg-2018/3.1.2", "--note", "待批复", "--by", "王五"],
    ["block", "qmtjjaqg-2018/3.1.2", "--agency", "市商务委"],
    ["reopen", f"{TRADE}/2.1.1.2", "--agency", "市商务委", "--by", "张三"],
    ["mark", f"{TRADE}/2.1.1.2", "--agency", "市商务委", "--status", "n/a", "--by", "张三"],
    ["mark", f"{TRADE}/2.1.1.2", "--agency", "市商务委", "--status", "finished"],
    ["stats", "--today", "2022-01-01"],
    ["stats", "-f", "json", "--level", "district"],
    ["stats", "--agency", "市商务委", "--format", "md", "--today", "2021-06-01"],
    ["stats", "--format", "yaml"],
    ["remind", "--within", "60", "--today", "2022-01-01"],
    [
        "remind",
        "-a",
        "市商务委",
        "--format",
        "json",
        "--max",
        "2",
        "--include-expired",
        "--today",
        "2026-11-29",
    ],
    ["remind", "--within", "-1"],
    ["remind", "--exit-status", "--grace", "10", "--all-agencies", "--today", "2023-01-01"],
]


def _state(db: Path) -> tuple[list, list]:
    conn = sqlite3.connect(db)
    try:
        progress = conn.execute(
            "SELECT measure_id, agency, status, note, evidence, by FROM progress ORDER BY 1, 2"
        ).fetchall()
        events = conn.execute(
            "SELECT id, measure_id, agency, action, before_status, after_status, note, evidence, by "
            "FROM events ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    return progress, events


@pytest.mark.slow  # 2 × 20 real processes
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
        fast = subprocess.run(
            [sys.executable, "-m", "policycli", *argv],
            capture_output=True,
            text=True,
            env={**env, "POLICY_DB": str(fast_db)},
            timeout=60,
        )
        slow = subprocess.run(
            [sys.executable, "-c", typer_only, *argv],
            capture_output=True,
            text=True,
            env={**env, "POLICY_DB": str(typer_db)},
            timeout=60,
        )
        assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr), (
            argv
        )
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
        process = subprocess.Popen(
            [sys.executable, *command, "tasks", "--status", "all", "--format", "csv"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "POLICY_DB": str(db)},
        )
        process.stdout.close()
        stderr = process.stderr.read().decode("utf-8")
        outcomes.append((process.wait(timeout=60), stderr))
    assert outcomes[0] == outcomes[1] == (1, "")
