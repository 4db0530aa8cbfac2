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
    ["tasks", "--agency", "市商务委", "-f", "csv", "--status", "all"],
    ["tasks", "--agency", "市商务委", "-f", "md", "--all"],
    ["tasks", "-f", "json"],
    ["tasks", "--unassigned", "-f", "json"],
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


def _ledger_plan(traced, *options: str) -> list[tuple[int, str]]:
    """The plan (parent, step) of the ledger's statement of `policy export -f csv OPTIONS`."""
    db, statements = traced
    statements.clear()
    ok(run_policy("export", "-f", "csv", *options, db=db, env={"POLICY_TODAY": "2021-07-01"}))
    (statement,) = [s for s in dict.fromkeys(statements) if "printf(" in s]
    conn = sqlite3.Connection(str(db))
    return [(row[1], row[3]) for row in conn.execute("EXPLAIN QUERY PLAN " + statement)]


def test_the_whole_ledger_streams_in_due_order(traced):
    """The whole ledger is read as it is written: the measures in due order through their index, each
    one's parts, document and progress by their keys, only the rows of one due date sorted among
    themselves (by document, order, part and period). A sort of the whole ledger would hold its
    first line until every row was read (3 GB at 1M measures, through temporary files), and a scan of
    the assignments or the progress would read them all for every measure. (Reading the tables in
    their stored order and sorting the lines instead cost as much at 1M measures: see ledger.py.)"""
    plan = _ledger_plan(traced)
    top = [step for parent, step in plan if parent == 0]
    assert top[0] == "SCAN m USING INDEX measures_due", plan
    assert "SEARCH a USING PRIMARY KEY (measure_id=?)" in top, plan
    assert "SEARCH d USING INDEX sqlite_autoindex_documents_1 (id=?)" in top, plan
    assert any(
        s.startswith("SEARCH p USING PRIMARY KEY (measure_id=? AND agency=? AND period=?)") for s in top
    )
    assert top[-1] == "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY", plan
    assert "USE TEMP B-TREE FOR ORDER BY" not in top, plan
    assert not [s for s in top if re.match(r"SCAN (a|p|d)\b", s)], plan


def test_an_agencys_ledger_starts_from_its_index(traced):
    plan = _ledger_plan(traced, "--agency", "市商务委")
    top = [step for parent, step in plan if parent == 0]
    assert top[0].startswith("SEARCH a USING INDEX assignments_agency (agency=?"), plan
    assert not [s for s in top if re.match(r"SCAN (m|a|p|d)\b", s)], plan
