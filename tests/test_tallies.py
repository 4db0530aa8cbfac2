"""The counts kept in step by triggers (tallies.py): equal to what the tables say after any write,
and `stats` and `remind` answer from them exactly as they answer by reading every part."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import date

import pytest
from clitools import as_json, ok, run_policy

from policycli import reminders as reminders_module
from policycli import tallies
from policycli.reminders import reminders
from policycli.statistics import statistics
from policycli.store import connect

TRADE = "hfg-2020-24"
STATUSES = ["todo", "doing", "done", "blocked", "n/a"]
# recurring measures' periods: labels of years and months, and occurrence lists (an occurrence
# listed twice, one list empty)
PERIODS = ["2020", "2021", "2022", "2021-06", "2021-07", "2021-08", "1999"]
OCCURRENCES = [
    ["2020-12-31", "2021-12-31", "2022-10-25"],
    ["2021-06-30", "2021-07-31", "2021-08-31", "2021-09-30"],
    ["2021-12-31"],
    ["2020-12-31", "2020-12-31", "2021-12-31"],
    [],
]


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "policy.db"
    ok(run_policy("docs", db=path))
    return path


def live(function, *args, **kwargs):
    """What `function` answers by reading every part (as before the tallies, and as a replay does)."""
    saved = tallies.usable
    tallies.usable = lambda conn: False
    try:
        return function(*args, **kwargs)
    finally:
        tallies.usable = saved


def _random_writes(conn: sqlite3.Connection, rng: random.Random, steps: int) -> None:
    """Every kind of row change the triggers must follow, single and many rows at once: statuses
    recorded, changed, deleted and moved to another part or measure; parts added, dropped and
    renamed; measures re-dated, made obsolete, recurring, another kind, moved to another id or
    document; documents' ends changed; and documents rewritten while suspended (load)."""
    parts = conn.execute("SELECT measure_id, agency FROM assignments").fetchall()
    measures = [r[0] for r in conn.execute("SELECT id FROM measures")]
    documents = [r[0] for r in conn.execute("SELECT id FROM documents")]
    for step in range(steps):
        measure_id, agency = rng.choice(parts)
        choice = rng.randrange(17)
        if choice == 14:  # a status for a recurring measure's period (any label: some are not its)
            conn.execute(
                "INSERT INTO progress (measure_id, agency, period, status, at) VALUES (?, ?, ?, ?, 'x') "
                "ON CONFLICT (measure_id, agency, period) DO UPDATE SET status = excluded.status",
                [measure_id, agency, rng.choice(PERIODS), rng.choice(STATUSES)],
            )
        elif choice == 15:  # a measure's occurrences changed (a revision, a corrected due date)
            conn.execute(
                "UPDATE measures SET recurrence = ?, due_info = ? WHERE id = ?",
                [
                    rng.choice(["yearly", "monthly"]),
                    json.dumps({"occurrences": rng.choice(OCCURRENCES)}),
                    measure_id,
                ],
            )
        elif choice == 16:  # a period's status deleted or moved to another period
            conn.execute(
                "UPDATE OR IGNORE progress SET period = ? "
                "WHERE measure_id = ? AND agency = ? AND period != ''",
                [rng.choice(PERIODS), measure_id, agency],
            )
            if rng.random() < 0.3:
                conn.execute(
                    "DELETE FROM progress WHERE measure_id = ? AND agency = ? AND period != ''",
                    [measure_id, agency],
                )
        elif choice <= 3:
            conn.execute(
                "INSERT INTO progress (measure_id, agency, period, status, at) VALUES (?, ?, '', ?, 'x') "
                "ON CONFLICT (measure_id, agency, period) DO UPDATE SET status = excluded.status",
                [measure_id, agency, rng.choice(STATUSES)],
            )
        elif choice == 4:
            conn.execute("DELETE FROM progress WHERE measure_id = ? AND agency = ?", [measure_id, agency])
        elif choice == 5:  # a status moved to another part (a rename, an alias, a revision)
            other = rng.choice(parts)
            conn.execute(
                "UPDATE OR IGNORE progress SET measure_id = ?, agency = ? "
                "WHERE measure_id = ? AND agency = ?",
                [*other, measure_id, agency],
            )
        elif choice == 6:
            conn.execute(
                "UPDATE assignments SET obsolete = 1 - obsolete WHERE measure_id = ? AND agency = ?",
                [measure_id, agency],
            )
        elif choice == 7:
            conn.execute(
                "INSERT OR IGNORE INTO assignments (measure_id, agency, due) VALUES (?, ?, NULL)",
                [measure_id, rng.choice(["市商务委", "长宁区政府", f"新单位{step % 5}"])],
            )
        elif choice == 8:
            conn.execute(
                "UPDATE measures SET due = ? WHERE id = ?",
                [rng.choice([None, "2020-01-01", "2021-06-30", "2021-07-01", "2023-12-31"]), measure_id],
            )
        elif choice == 9:
            conn.execute(
                "UPDATE measures SET obsolete = ?, kind = ? WHERE doc_id = ? AND seq % 7 = ?",
                [
                    rng.randrange(2),
                    rng.choice(["task", "heading", "target"]),
                    rng.choice(documents),
                    step % 7,
                ],
            )
        elif choice == 10:
            conn.execute(
                "UPDATE measures SET recurrence = ? WHERE id = ?", [rng.choice([None, "yearly"]), measure_id]
            )
        elif choice == 11:
            conn.execute(
                "UPDATE documents SET effective_until = ? WHERE id = ?",
                [rng.choice([None, "2019-12-31", "2021-01-01", "2025-12-31"]), rng.choice(documents)],
            )
        elif choice == 12:  # a measure to a new id, its parts and statuses after it (a renumbering)
            new = f"{measure_id}~{step}"
            conn.execute("PRAGMA defer_foreign_keys = ON")
            conn.execute("UPDATE measures SET id = ? WHERE id = ?", [new, measure_id])
            conn.execute("UPDATE assignments SET measure_id = ? WHERE measure_id = ?", [new, measure_id])
            conn.execute("UPDATE progress SET measure_id = ? WHERE measure_id = ?", [new, measure_id])
            parts = [(new if m == measure_id else m, a) for m, a in parts]
            measures = [new if m == measure_id else m for m in measures]
        else:  # a document rewritten as `load` does, a measure moving in from another meanwhile
            doc = rng.choice(documents)
            with tallies.suspended(conn, doc):
                conn.execute(
                    "UPDATE progress SET status = 'done' WHERE measure_id IN "
                    "(SELECT id FROM measures WHERE doc_id = ? AND seq % 3 = 0)",
                    [doc],
                )
                conn.execute("UPDATE measures SET doc_id = ? WHERE id = ?", [doc, rng.choice(measures)])
                conn.execute("UPDATE documents SET effective_until = '2020-06-30' WHERE id = ?", [doc])
    conn.commit()


@pytest.mark.parametrize("seed", range(4))
def test_the_tallies_follow_every_kind_of_write(db, seed):
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = ON")
    assert tallies.differences(conn) == []
    _random_writes(conn, random.Random(seed), 400)
    assert tallies.differences(conn) == []
    # and a rebuild from scratch gives the same counts
    before = sorted(conn.execute("SELECT * FROM tally WHERE n != 0"))
    tallies.rebuild(conn)
    assert sorted(conn.execute("SELECT * FROM tally WHERE n != 0")) == before
    assert tallies.differences(conn) == []


def test_a_bad_tally_is_found(db):
    """The check itself can fail: one count changed by hand is reported."""
    conn = sqlite3.connect(db)
    conn.execute(
        "UPDATE tally SET n = n + 1 WHERE (scope, kind, key, bucket) = "
        "(SELECT scope, kind, key, bucket FROM tally WHERE kind = 'day' LIMIT 1)"
    )
    conn.execute("UPDATE doc_measures SET finished = finished + 1 WHERE doc_id = ?", [TRADE])
    found = tallies.differences(conn)
    assert any(line.startswith("tally ") for line in found)
    assert any(line.startswith("doc_measures ") for line in found)
    tallies.rebuild(conn)  # and a rebuild mends them
    assert tallies.differences(conn) == []
    conn.commit()


def _marked_database(db, tmp_path):
    """The bundled documents with statuses on once and recurring measures, a document ended long
    ago, one repealed, and a recurring measure: what stats and remind have to get right."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = ON")
    rng = random.Random(5)
    parts = conn.execute("SELECT measure_id, agency FROM assignments WHERE obsolete = 0").fetchall()
    for measure_id, agency in rng.sample(parts, len(parts) // 3):
        conn.execute(
            "INSERT OR REPLACE INTO progress (measure_id, agency, period, status, at) "
            "VALUES (?, ?, '', ?, 'x')",
            [measure_id, agency, rng.choice(STATUSES)],
        )
    documents = [r[0] for r in conn.execute("SELECT id FROM documents ORDER BY id")]
    conn.execute("UPDATE documents SET effective_until = '2020-12-31' WHERE id = ?", [documents[0]])
    conn.execute(
        "UPDATE documents SET until_by = ? WHERE id = ?",
        [json.dumps({"kind": "repeals", "by": documents[2]}), documents[1]],
    )
    # a measure recurring yearly, with a status for one of its periods
    measure_id, agency = parts[0]
    info = json.dumps({"occurrences": ["2020-12-31", "2021-12-31", "2022-12-31"]})
    conn.execute(
        "UPDATE measures SET recurrence = 'yearly', due = NULL, due_info = ? WHERE id = ?", [info, measure_id]
    )
    conn.execute("UPDATE assignments SET due = NULL WHERE measure_id = ?", [measure_id])
    conn.execute(
        "INSERT INTO progress (measure_id, agency, period, status, at) VALUES (?, ?, '2020', 'done', 'x')",
        [measure_id, agency],
    )
    # a monthly and a quarterly measure of several units with statuses for some of their periods:
    # two monthly periods fall within 30 days, of which only the open one counts
    current = [m for m, _ in parts if m.startswith(documents[-1] + "/")]  # neither ended nor repealed
    for monthly, kind, dates in (
        (current[3], "monthly", ["2021-06-30", "2021-07-31", "2021-08-31", "2021-09-30"]),
        (current[-1], "quarterly", ["2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31"]),
    ):
        conn.execute(
            "UPDATE measures SET recurrence = ?, due = NULL, due_info = ? WHERE id = ?",
            [kind, json.dumps({"occurrences": dates}), monthly],
        )
        conn.execute("UPDATE assignments SET due = NULL WHERE measure_id = ?", [monthly])
        for unit in ("市商务委", "长宁区", "市发展改革委"):
            conn.execute(
                "INSERT OR IGNORE INTO assignments (measure_id, agency) VALUES (?, ?)", [monthly, unit]
            )
        for label, status in (
            ("2021-06", "done"),
            ("2021-07", "doing"),
            ("2021-Q1", "done"),
            ("2021-Q2", "n/a"),
        ):
            conn.execute(
                "INSERT OR IGNORE INTO progress (measure_id, agency, period, status, at) "
                "VALUES (?, '市商务委', ?, ?, 'x')",
                [monthly, label, status],
            )
    # and a measure due after its document's end, in a document that ended
    late = conn.execute(
        "SELECT id FROM measures WHERE doc_id = ? AND due IS NOT NULL LIMIT 1", [documents[0]]
    )
    (late_id,) = late.fetchone()
    conn.execute("UPDATE measures SET due = '2021-07-20' WHERE id = ?", [late_id])
    conn.execute("UPDATE assignments SET due = '2021-07-20' WHERE measure_id = ?", [late_id])
    conn.commit()
    assert tallies.differences(conn) == []
    conn.close()
    return connect(db)


DAYS = [date(2019, 6, 1), date(2021, 7, 1), date(2021, 7, 15), date(2022, 1, 1), date(2026, 11, 29)]


def test_stats_from_the_tallies_are_the_stats_of_every_part(db, tmp_path):
    opened = _marked_database(db, tmp_path)
    for day in [*DAYS, None]:
        assert statistics(opened, day) == live(statistics, opened, day)
    # and some parts are finished, some overdue, some not: the comparison means something
    numbers = statistics(opened, date(2021, 7, 1))
    assert sum(a["done"] for a in numbers["agencies"]) > 0
    assert sum(a["overdue"] for a in numbers["agencies"]) > 0
    assert sum(d["done"] for d in numbers["documents"]) > 0


@pytest.mark.parametrize("agency", [None, "市商务委", "长宁区"])
def test_remind_from_the_tallies_is_remind_of_every_part(db, tmp_path, agency):
    opened = _marked_database(db, tmp_path)
    compared = 0
    for day in DAYS:
        for within in (0, 30, 365):
            for include_expired in (False, True):
                for per_agency in (1, 20):
                    arguments = (opened, day, within, agency, include_expired, per_agency)
                    got = reminders(*arguments)
                    assert got == live(reminders, *arguments), (day, within, include_expired)
                    streamed = reminders_module.remind(*arguments)  # as `policy remind` reads them
                    assert list(streamed.groups) == got
                    assert streamed.size == len(got)
                    assert streamed.overdue == sum(g["overdue_count"] for g in got)
                    compared += sum(g["overdue_count"] + g["due_soon_count"] for g in got)
    assert compared > 0
    # the document that ended long ago is summed up for every unit with open parts in it, as counted
    # from the tables themselves
    conn = sqlite3.connect(db)
    (ended,) = conn.execute("SELECT id FROM documents ORDER BY id LIMIT 1").fetchone()
    expected = dict(
        conn.execute(
            "SELECT a.agency, count(*) FROM measures m JOIN assignments a ON a.measure_id = m.id "
            "LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency AND p.period = '' "
            "WHERE m.doc_id = ? AND m.obsolete = 0 AND a.obsolete = 0 AND m.recurrence IS NULL "
            "AND m.kind IN ('task', 'target', 'indicator', 'safeguard') "
            "AND coalesce(p.status, 'todo') NOT IN ('done', 'n/a') GROUP BY a.agency",
            [ended],
        ).fetchall()
    )
    if agency is not None:
        expected = {name: n for name, n in expected.items() if name == agency}
    summed = {
        g["agency"] or "": d["open"]
        for g in reminders(opened, date(2021, 7, 1), 30, agency)
        for d in g["expired_documents"]
        if d["doc"] == ended
    }
    assert summed == expected


def test_the_agency_list_from_the_tallies_is_the_list_from_every_part(db, tmp_path):
    from policycli.agency_store import agency_rows

    opened = _marked_database(db, tmp_path)
    for day in DAYS:
        for level in (None, "municipal"):
            assert agency_rows(opened, day, level=level) == live(agency_rows, opened, day, level=level)
    assert any(row["done"] for row in agency_rows(opened, date(2021, 7, 1)))


@pytest.mark.parametrize("agency", ["市商务委", "长宁区商务委", "长宁区政府"])
def test_an_agencys_counts_from_the_tallies_are_its_counts_of_every_part(db, tmp_path, agency):
    """`tasks --agency`'s title and "of N": measures with an open part (overdue ones) of the names
    the agency sees — its own and a collective's (各区商务委) counted once where both have one."""
    from policycli.checklist import TaskQuery, agency_summary, count_tasks

    opened = _marked_database(db, tmp_path)
    conn = sqlite3.connect(db)  # a measure both the unit and its collective are responsible for
    conn.execute("PRAGMA foreign_keys = ON")
    for name in ("长宁区商务委", "各区商务委", "长宁区政府", "各区政府"):
        conn.execute(
            "INSERT OR IGNORE INTO assignments (measure_id, agency, due) SELECT id, ?, due FROM measures "
            "WHERE doc_id = ? AND recurrence IS NULL AND seq % 5 = 0",
            [name, TRADE],
        )
    conn.commit()
    assert tallies.differences(conn) == []
    for day in DAYS:
        got = agency_summary(opened, agency, day)
        assert got == live(agency_summary, opened, agency, day)
        query = TaskQuery(today=day, agency=agency)
        assert count_tasks(opened, query) == live(count_tasks, opened, query) == got.open
    assert agency_summary(opened, agency, date(2026, 11, 29)).overdue > 0


def test_remind_reads_one_agencys_parts_not_everyones(db, tmp_path, monkeypatch):
    """With the tallies, the parts remind reads are the agencies' most urgent (and the recurring
    measures'): not every open part of the database."""
    opened = _marked_database(db, tmp_path)
    read = []
    original = reminders_module._UrgentParts.most_urgent

    def counting(self, *args, **kwargs):
        overdue, soon = original(self, *args, **kwargs)
        read.extend(overdue + soon)
        return overdue, soon

    monkeypatch.setattr(reminders_module._UrgentParts, "most_urgent", counting)
    groups = reminders(opened, date(2026, 11, 29), 30, None, include_expired=True, per_agency=2)
    total = sum(g["overdue_count"] + g["due_soon_count"] for g in groups)
    once = [entry for entry in read if not entry[4]]  # those of measures that do not recur
    assert 0 < len(once) <= 2 * 2 * len(groups) < total  # two lists of two per agency, of many more
    assert all(len(g["overdue"]) <= 2 for g in groups)


def test_a_replayed_day_is_counted_from_the_history_not_the_tallies(db):
    """report --as-of shadows progress with the replayed history: stats must not read today's
    tallies then (tallies.usable)."""
    ok(
        run_policy(
            "done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", db=db, env={"POLICY_TODAY": "2022-03-01"}
        )
    )
    before = as_json(run_policy("report", "--as-of", "2020-01-01", "-f", "json", db=db))
    after = as_json(run_policy("report", "-f", "json", db=db, env={"POLICY_TODAY": "2022-03-01"}))
    done = {a["agency"]: a["done"] for a in after["agencies"]}
    done_then = {a["agency"]: a["done"] for a in before["agencies"]}
    assert done["市商务委"] == done_then.get("市商务委", 0) + 1


def test_load_counts_a_document_once_and_a_reload_changes_nothing(db, tmp_path):
    conn = sqlite3.connect(db)
    before = sorted(conn.execute("SELECT * FROM tally"))
    conn.close()
    from conftest import ROOT

    ok(run_policy("load", str(ROOT / "data" / "measures"), db=db))
    conn = sqlite3.connect(db)
    assert sorted(conn.execute("SELECT * FROM tally")) == before
    assert conn.execute("SELECT count(*) FROM tally_suspended").fetchone() == (0,)
    assert tallies.differences(conn) == []


@pytest.mark.parametrize("agency", [None, "市商务委"])
def test_the_most_urgent_rows_are_the_first_rows_of_the_whole_listing(db, tmp_path, agency):
    """A listing cut at `limit` reads less (a recurring measure's periods due after the last row
    found are skipped), and shows exactly the first rows of the listing uncut."""
    from dataclasses import replace

    from policycli.checklist import TaskQuery, list_tasks

    opened = _marked_database(db, tmp_path)
    conn = sqlite3.connect(db)  # recurring measures with early and late periods among the others
    info = json.dumps({"occurrences": ["2020-12-31", "2021-12-31", "2022-12-31"]})
    conn.execute(
        "UPDATE measures SET recurrence = 'yearly', due = NULL, due_info = ? WHERE seq % 9 = 4", [info]
    )
    conn.execute(
        "UPDATE assignments SET due = NULL WHERE measure_id IN (SELECT id FROM measures WHERE seq % 9 = 4)"
    )
    conn.commit()
    for day in (date(2020, 6, 1), date(2021, 7, 1)):
        whole = list_tasks(opened, TaskQuery(today=day, agency=agency, status="all"))
        assert any(row.period for row in whole[:150]) and any(not row.period for row in whole[:150])
        for limit in (1, 7, 40, 150):
            query = TaskQuery(today=day, agency=agency, status="all", limit=limit)
            assert [(r.id, r.period) for r in list_tasks(opened, query)] == [
                (r.id, r.period) for r in whole[:limit]
            ]
            assert (
                list_tasks(opened, replace(query, status="open"))
                == [r for r in list_tasks(opened, replace(query, status="open", limit=None))][:limit]
            )


def test_doctor_finds_a_wrong_count_and_recount_mends_it(db):
    assert "counts stats and remind read agree" in ok(run_policy("doctor", db=db)).stdout
    conn = sqlite3.connect(db)
    conn.execute("UPDATE doc_measures SET measures = measures + 3 WHERE doc_id = ?", [TRADE])
    conn.commit()
    conn.close()
    found = run_policy("doctor", db=db)
    assert found.returncode == 1 and "disagree with the checklist" in found.stdout
    mended = run_policy("doctor", "--recount", db=db)
    assert mended.returncode == 0 and "recounted: 1 counts were wrong" in mended.stderr
    assert tallies.differences(sqlite3.connect(db)) == []


def test_a_period_counts_from_the_day_after_the_occurrence_before_it():
    """period_parts' rule (shown_after < day) picks exactly the periods periods.in_view picks, for
    any sorted occurrences and any day: before, on, between and after them."""
    from datetime import timedelta

    from policycli.checklist.periods import in_view, periods_of

    rng = random.Random(7)
    checked = 0
    for _ in range(300):
        start = date(2020, 1, 1) + timedelta(days=rng.randrange(400))
        days = sorted({start + timedelta(days=rng.randrange(900)) for _ in range(rng.randrange(1, 7))})
        occurrences = [d.isoformat() for d in days]
        periods = periods_of("monthly", {"occurrences": occurrences})
        previous = [""] + occurrences[:-1]
        for day in [*days, *(d - timedelta(days=1) for d in days), *(d + timedelta(days=1) for d in days)]:
            shown = [p for p, before in zip(periods, previous, strict=True) if before < day.isoformat()]
            assert shown == in_view(periods, day), (occurrences, day)
            checked += 1
    assert checked > 1000


def test_the_periods_of_recurring_measures_are_kept_row_by_row(db):
    """Each unit of a recurring measure has one row per occurrence, with its label, the occurrence
    before it and its status for that period; a status recorded or a unit added shows at once."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = ON")
    measure_id = conn.execute(
        "SELECT measure_id FROM assignments WHERE agency = '市商务委' AND obsolete = 0 LIMIT 1"
    ).fetchone()[0]
    info = json.dumps({"occurrences": ["2021-03-31", "2021-06-30", "2021-09-30"]})
    conn.execute(
        "UPDATE measures SET recurrence = 'quarterly', due_info = ? WHERE id = ?", [info, measure_id]
    )
    conn.execute(
        "INSERT INTO progress (measure_id, agency, period, status, at) "
        "VALUES (?, '市商务委', '2021-Q2', 'done', 'x')",
        [measure_id],
    )
    conn.execute("INSERT INTO assignments (measure_id, agency) VALUES (?, '新单位')", [measure_id])
    rows = conn.execute(
        "SELECT agency, due, period, shown_after, status FROM period_parts WHERE measure_id = ? "
        "AND agency IN ('市商务委', '新单位') ORDER BY agency, due",
        [measure_id],
    ).fetchall()
    assert rows == [
        ("市商务委", "2021-03-31", "2021-Q1", "", "todo"),
        ("市商务委", "2021-06-30", "2021-Q2", "2021-03-31", "done"),
        ("市商务委", "2021-09-30", "2021-Q3", "2021-06-30", "todo"),
        ("新单位", "2021-03-31", "2021-Q1", "", "todo"),
        ("新单位", "2021-06-30", "2021-Q2", "2021-03-31", "todo"),
        ("新单位", "2021-09-30", "2021-Q3", "2021-06-30", "todo"),
    ]
    conn.execute("UPDATE measures SET recurrence = NULL WHERE id = ?", [measure_id])
    assert conn.execute(
        "SELECT count(*) FROM period_parts WHERE measure_id = ?", [measure_id]
    ).fetchone() == (0,)
    conn.commit()
    assert tallies.differences(conn) == []


def test_a_wrong_period_row_or_count_is_found(db):
    conn = sqlite3.connect(db)
    assert tallies.differences(conn) == []
    measure_id, agency, due = conn.execute(
        "SELECT measure_id, agency, due FROM period_parts LIMIT 1"
    ).fetchone()
    conn.execute(
        "UPDATE period_parts SET seq = seq + 1 WHERE measure_id = ? AND agency = ? AND due = ?",
        [measure_id, agency, due],
    )
    assert any(line.startswith("period_parts") for line in tallies.differences(conn))
    conn.rollback()
    scope, key, bucket = conn.execute(
        "SELECT scope, key, bucket FROM tally WHERE kind = 'period-shown-year' LIMIT 1"
    ).fetchone()
    conn.execute(
        "UPDATE tally SET n = n + 1 WHERE scope = ? AND key = ? AND kind = 'period-shown-year' "
        "AND bucket = ?",
        [scope, key, bucket],
    )
    assert any("period-shown-year" in line for line in tallies.differences(conn))
    conn.rollback()
