"""Start-up (issue 17): `policy done` imports only what it needs, and what stands in for the heavier way
(the compiled agency registry, the key shortcut, the plain Linux user directories, the Shanghai date,
reading a command's declarations without inspect) gives what the heavier way gives."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import get_args

import pytest
from clitools import ok, run_policy

from policycli import agencies, paths
from policycli.commands import COMMANDS
from policycli.declare import parameters
from policycli.folding import fold

TRADE = "hfg-2020-24"

# Never imported by a plain `policy done`: the Typer app and what it brings, platformdirs (~6 ms),
# zoneinfo (~3 ms), load.py, the dataclasses module (and inspect: ~9 ms), json, the other checklist
# modules (periods.py only for a measure that recurs) and, once the registry is compiled, the csv
# module and folding.
NOT_FOR_A_MARK = (
    "typer", "click", "rich", "sqlite_utils", "dateutil", "platformdirs", "zoneinfo", "csv", "tempfile",
    "policycli.cli", "policycli.views", "policycli.render", "policycli.folding", "policycli.districts",
    "policycli.load", "dataclasses", "inspect", "json", "policycli.checklist.listing",
    "policycli.checklist.ledger", "policycli.checklist.documents", "policycli.checklist.periods",
)  # fmt: skip


def test_a_mark_imports_only_what_it_needs(tmp_path):
    db = tmp_path / "p.db"
    ok(run_policy("docs", db=db))
    home = tmp_path / "home"  # the user directories as on a plain Linux account: no POLICY_CONFIG
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "POLICY_"))}
    env |= {"HOME": str(home), "POLICY_DB": str(db), "PYTHONIOENCODING": "utf-8"}
    code = (
        "import sys\nfrom policycli.main import main\n"
        "try:\n    main(['done', sys.argv[1], '--agency', '市商务委'])\n"
        "finally:\n    print(' '.join(sorted(sys.modules)))\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, f"{TRADE}/2.1.1.2"], capture_output=True, text=True, env=env
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    assert "todo → done" in runs[0].stderr and "already done" in runs[1].stderr
    assert (home / ".cache" / "policy").is_dir()  # the first compiled the registry, the second read it
    imported = set(runs[1].stdout.split())
    assert "policycli.checklist.marking" in imported  # (the list is the mark's)
    assert sorted(imported & set(NOT_FOR_A_MARK)) == []


# --- the compiled registry --------------------------------------------------------------------


@pytest.fixture
def compiled(tmp_path, monkeypatch):
    """A cache directory of its own; the process's registry read again before and after."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    agencies._bundled.cache_clear()
    yield tmp_path / "cache" / "policy" / f"agencies.{sys.implementation.cache_tag}.marshal"
    agencies._bundled.cache_clear()


def _from_csv() -> tuple[list, dict]:
    rows = agencies.read_registry(paths.bundled_file("agencies.csv"))
    return rows, agencies._index(rows)


def test_the_compiled_registry_is_the_csv_and_is_read_instead_of_it(compiled, monkeypatch):
    rows, index = _from_csv()
    assert agencies._bundled() == (tuple(rows), index) and compiled.is_file()
    agencies._bundled.cache_clear()
    monkeypatch.setattr(agencies, "read_registry", lambda path: pytest.fail("the CSV was read again"))
    assert agencies._bundled() == (tuple(rows), index)
    registry = agencies.Registry(list(agencies.bundled_agencies()), index=agencies.bundled_index())
    assert registry.resolve_input("上海市商务委员会") == "市商务委"


def test_a_stale_or_damaged_compiled_registry_is_read_from_the_csv(compiled):
    rows, index = _from_csv()
    sources = agencies._sources(paths.bundled_file("agencies.csv"))
    fake = ("假单位", "", "other", "", "government", [], [], [], "", "", "", "")
    agencies._write_compiled(
        compiled, (agencies._COMPILED_FORMAT, sources, [fake], {"假单位": ("假单位", "exact")})
    )
    assert [a.canonical for a in agencies._bundled()[0]] == ["假单位"]  # current: used as it is
    # the CSV or the code that reads it changed since (another size or time)
    stale = tuple((name, size + 1, time) for name, size, time in sources)
    for damage in (
        None,
        b"",
        b"\x00garbage",
        compiled.read_bytes()[:100],
    ):
        if damage is None:
            agencies._write_compiled(compiled, (agencies._COMPILED_FORMAT, stale, [fake], {}))
        else:
            compiled.write_bytes(damage)
        agencies._bundled.cache_clear()
        assert agencies._bundled() == (tuple(rows), index)
        agencies._bundled.cache_clear()
        assert agencies._bundled() == (tuple(rows), index)  # written again, current
    assert compiled.stat().st_size > 1000


def test_no_cache_directory_to_write_is_no_compiled_registry(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # its policy directory cannot be made
    agencies._bundled.cache_clear()
    try:
        rows, index = _from_csv()
        assert agencies._bundled() == (tuple(rows), index)
    finally:
        agencies._bundled.cache_clear()
    assert list(tmp_path.iterdir()) == [blocked]


# --- the shortcuts give what the long way gives ---------------------------------------------


def test_a_name_of_plain_characters_is_its_own_key():
    plain = [chr(c) for c in range(0x110000) if 0x4E00 <= c <= 0x9FFF or 0x21 <= c <= 0x7E]
    assert [c for c in plain if fold(c) != c] == []
    # str.split's whitespace is the \s the key was made with
    assert [c for c in map(chr, range(0x110000)) if bool(re.match(r"\s", c)) != c.isspace()] == []
    names = [n for a in agencies.bundled_agencies() for n in (a.canonical, a.full_name, *a.aliases, *a.typos)]
    for name in [*names, " 市 商务委\u3000", "市交通委（市道运局）", "２０２５", "①号", "", "a\tb"]:
        assert agencies.key(name) == re.sub(r"\s+", "", fold(name)), name


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"XDG_DATA_HOME": "/x/data", "XDG_CONFIG_HOME": "/x/config/", "XDG_CACHE_HOME": "/x//cache"},
        {"XDG_DATA_HOME": "relative", "XDG_CONFIG_HOME": " ", "XDG_CACHE_HOME": ""},
        {"HOME": "/home/wang/"},
        {"HOME": "/"},
        {"HOME": "relative"},
    ],
    ids=["home", "xdg", "odd xdg", "home with a slash", "root", "relative home"],
)
def test_the_user_directories_are_platformdirs(environment, monkeypatch):
    import platformdirs

    for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    for kind, found in (
        ("data", platformdirs.user_data_dir),
        ("config", platformdirs.user_config_dir),
        ("cache", platformdirs.user_cache_dir),
    ):
        assert paths.user_dir(kind) == Path(found("policy", appauthor=False)), kind


def test_today_in_shanghai_without_zoneinfo(monkeypatch):
    from zoneinfo import ZoneInfo

    monkeypatch.delenv("POLICY_TODAY")
    for zone in (None, "Asia/Shanghai", "America/Los_Angeles"):
        if zone:
            monkeypatch.setenv("POLICY_TZ", zone)
        assert paths.today() == datetime.now(ZoneInfo(zone or "Asia/Shanghai")).date()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_a_commands_declarations_are_its_signature(command):
    """parameters() reads the code, defaults and annotations: what inspect.signature gives."""
    function = command.function
    bound = function.keywords if isinstance(function, partial) else {}
    signature = inspect.signature(function.func if isinstance(function, partial) else function)
    expected = [p for p in signature.parameters.values() if p.name not in bound]
    assert all(p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) for p in expected)
    declared = parameters(function)
    assert [p.name for p in declared] == [p.name for p in expected]
    for mine, theirs in zip(declared, expected, strict=True):
        assert mine.required == (theirs.default is theirs.empty), mine.name
        assert mine.default == (None if theirs.default is theirs.empty else theirs.default), mine.name
        assert mine.annotation == get_args(theirs.annotation)[0], mine.name
