"""Every query the everyday commands run is index-driven: SQLite's EXPLAIN QUERY PLAN of each
statement they send shows no full read of a large table. At a million measures a scan of
measures, assignments, progress or the history costs seconds where an index costs milliseconds,
and a test on a small database is the only place such a plan change is seen before a user does.

The statements are the ones the commands really send (captured by sqlite3's trace callback), so a
query added later is checked without being listed here."""

from __future__ import annotations

import re
import sqlite3

import pytest
from clitools import ok, run_policy

TRADE = "hfg-2020-24"
MEASURE = f"{TRADE}/2.1.1.2"

# Table names and the aliases the queries give them (m: measures, a/own: assignments, p/op:
# progress, e: events, t: tally): a SCAN of one of these reads every row.
LARGE = (
    r"(?:measures|assignments|progress|events|tally|pair_tally|measure_state|measure_moves|period_parts"
    r"|period_measures|m|a|own|p|op|e|t)"
)
# Scans through these indexes are bounded: the recurring measures only (a partial index), and the
# measures in due order for a listing that stops at its limit.
BOUNDED = {"measures_recurring", "measures_due"}

COMMANDS = [
    ["tasks"],
    ["tasks", "--agency", "市商务委"],
    ["tasks", "--agency", "市商务委", "-f", "json"],
    ["tasks", "--doc", TRADE],
    ["tasks", "--overdue"],
    ["tasks", "--agency", "市商务委", "--due-within", "30"],
    ["tasks", "--search", "金融"],
    ["tasks", "--search", "局"],
    ["tasks", "--search", "人工智能"],
    ["tasks", "--search", "人工智能", "--agency", "市商务委"],
    ["stats"],
    ["stats", "-f", "json"],
    ["remind", "--within", "30"],
    ["remind", "--within", "30", "--agency", "市商务委"],
    ["show", MEASURE],
    ["done", MEASURE, "--agency", "市商务委"],
    ["start", f"{TRADE}/2.1.3.7", "--agency", "市商务委", "--note", "推进中"],
    ["history", MEASURE],
    ["undo", "--agency", "市商务委"],
]


@pytest.fixture
def traced(tmp_path, monkeypatch):
    """Run commands in this process with every SQL statement they send recorded."""
    db = tmp_path / "policy.db"
    ok(run_policy("docs", db=db))
    statements: list[str] = []
    real = sqlite3.connect

    def connect(*args, **kwargs):
        conn = real(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    return db, statements


def _plan(conn: sqlite3.Connection, statement: str) -> list[str] | None:
    try:
        return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + statement)]
    except sqlite3.Error:  # a temporary table of another connection, a statement that cannot be planned
        return None


def full_scans(conn: sqlite3.Connection, statement: str) -> list[str]:
    plan = _plan(conn, statement) or []
    # "SCAN a" is also how a plan reads the rows of a subquery named a (made just before it)
    subqueries = {m.group(1) for line in plan if (m := re.match(r"(?:CO-ROUTINE|MATERIALIZE) (\w+)", line))}
    found = []
    for line in plan:
        scan = re.match(rf"SCAN ({LARGE})\b(?: USING (?:COVERING )?INDEX (\w+))?", line)
        if scan and scan.group(1) not in subqueries and scan.group(2) not in BOUNDED:
            found.append(line)
    return found


def _read_statements(statements: list[str]) -> list[str]:
    skipped = ("--", "PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "CREATE", "DROP")
    return [s for s in dict.fromkeys(statements) if not s.lstrip().upper().startswith(skipped)]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_every_query_of_an_everyday_command_uses_an_index(traced, command):
    db, statements = traced
    ok(run_policy("block", MEASURE, "--agency", "市商务委", db=db))  # a change for undo and history
    statements.clear()
    ok(run_policy(*command, db=db, env={"POLICY_TODAY": "2021-07-01"}))
    checked = _read_statements(statements)
    assert checked, "no statement was captured"
    conn = sqlite3.Connection(str(db))  # not the traced connect
    bad = {s: scans for s in checked if (scans := full_scans(conn, s))}
    assert not bad, "\n\n".join(f"{' '.join(s.split())[:400]}\n  → {scans}" for s, scans in bad.items())


def test_the_check_finds_a_full_scan(tmp_path):
    """The check can fail: a query on an unindexed column of measures is reported."""
    db = tmp_path / "policy.db"
    ok(run_policy("docs", db=db))
    conn = sqlite3.Connection(str(db))
    assert full_scans(conn, "SELECT * FROM measures m WHERE m.title = 'x'")
    assert full_scans(conn, "SELECT count(*) FROM assignments a JOIN measures m ON m.id = a.measure_id")
    assert not full_scans(conn, "SELECT * FROM measures m WHERE m.id = 'x'")
    assert not full_scans(conn, "SELECT * FROM (SELECT * FROM assignments WHERE measure_id = 'x' LIMIT 5) a")
