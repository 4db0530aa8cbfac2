from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest

from policycli.ingest import ingest_path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "data" / "sources"
GOLD = Path(__file__).resolve().parent / "gold"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@cache
def seed(prefix: str) -> dict:
    """The structured document of the seed whose file name starts with `prefix` ("001")."""
    (path,) = SOURCES.glob(f"{prefix}_*.txt")
    return ingest_path(path)


def by_path(document: dict) -> dict[str, dict]:
    return {m["path"]: m for m in document["measures"]}


def gold_rows(name: str) -> list[dict]:
    with (GOLD / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Never touch the user's database or clock from a test."""
    monkeypatch.setenv("POLICY_DB", str(tmp_path / "policy.db"))
    monkeypatch.setenv("POLICY_TODAY", "2021-07-01")
    # nor the user's cache (the compiled agency registry, agencies.py)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    # nor the user's settings (policy config): no configured agency or name applies
    monkeypatch.setenv("POLICY_CONFIG", str(tmp_path / "config.toml"))
    for variable in ("POLICY_AGENCY", "POLICY_BY", "POLICY_GRACE", "POLICY_TZ", "POLICY_READONLY"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(autouse=True)
def _tallies_in_step(tmp_path):
    """After every test, each policy database it left has its summary counts (tallies.py) equal to
    what its tables say: the whole suite's writes — marks, imports, loads, revisions, corrections,
    undo, moves — check the triggers that keep them."""
    yield
    import sqlite3

    from policycli import tallies

    for path in sorted(tmp_path.rglob("*.db")):
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'doc_measures'").fetchone():
                continue
            differences = tallies.differences(conn)
        except sqlite3.Error:
            continue  # not a database, damaged on purpose, or locked by a test's own process
        finally:
            conn.close()
        assert not differences, f"{path.name}: tallies out of step: {differences[:5]}"


@pytest.fixture
def busy_timeout(monkeypatch) -> float:
    """The busy timeout, 1 s instead of 5 for an in-process run (a test of waiting need not wait long);
    a real process (POLICY_TEST_SUBPROCESS=1) still waits its 5 s. Returns the shorter wait, in seconds."""
    from policycli import store

    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 1000)
    return 1.0


def examples(count: int) -> int:
    """Hypothesis examples per fuzz test: `count` in the everyday suite, more for a longer campaign
    (POLICY_FUZZ_SCALE=10 make test runs ten times as many)."""
    import os

    return max(1, round(count * float(os.environ.get("POLICY_FUZZ_SCALE", "1"))))


def pytest_collection_modifyitems(items):
    """The slow tests first: run on several cores (make test), the long ones start early and the short
    ones fill in around them, instead of one long test finishing alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
