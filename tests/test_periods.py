"""A recurring measure has a status per period (issue 14): 市商务委's 2021 "done" does not cover 2022.

The service-trade plan (hfg-2020-24, in force 2020-11-06 to 2023-11-05) asks 市商务委, 市发展改革委
and 市财政局 to 每年更新《上海市服务贸易促进指导目录》 (measure 2.7.19.70): its periods are 2020, 2021 and
2022, each due on 31 December, and 2023, cut short by the plan's end on 2023-11-05. The dates below are
read from the document; the quarterly and monthly measures are the 静安 opinions' first measure with a
recurrence written in by hand (tests/clitools.bundled_variant).
"""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import date

import pytest
from clitools import as_json, bundled_variant, ok, run_policy

from policycli.checklist.periods import Period, choose, display, in_view, label, open_period
from policycli.errors import BadInput
from policycli.store import SCHEMA_VERSION

YEARLY = "hfg-2020-24/2.7.19.70"
UNITS = ["市商务委", "市发展改革委", "市财政局"]


@pytest.fixture
def db(tmp_path):
    return tmp_path / "policy.db"


def tasks(db, today: str, *more: str) -> list[tuple]:
    rows = as_json(
        run_policy(
            "tasks", "--agency", "市商务委", "--today", today, "--status", "all", "-f", "json", *more, db=db
        )
    )
    return [(r["period"], r["due"], r["agency_status"], r["deadline"]) for r in rows if r["id"] == YEARLY]


# --- the rules ----------------------------------------------------------------------------------


def test_labels_name_the_period_containing_a_date():
    assert label("yearly", "2022-12-31") == "2022"
    assert label("yearly", "2023-11-05") == "2023"  # a last period cut short by the end of validity
    assert [label("quarterly", d) for d in ("2022-03-31", "2022-04-01", "2022-12-31")] == [
        "2022-Q1",
        "2022-Q2",
        "2022-Q4",
    ]
    assert [label("half-yearly", d) for d in ("2022-06-30", "2022-07-01")] == ["2022-H1", "2022-H2"]
    assert label("monthly", "2022-02-28") == "2022-02"
    assert [display(p) for p in ("2022", "2022-H2", "2022-Q3", "2022-03", None)] == [
        "2022年",
        "2022年下半年",
        "2022年第3季度",
        "2022年3月",
        "",
    ]


def test_the_periods_that_count_are_those_due_and_the_open_one():
    periods = [Period("2020", "2020-12-31"), Period("2021", "2021-12-31"), Period("2022", "2022-12-31")]
    assert open_period(periods, date(2020, 1, 1)).label == "2020"
    assert open_period(periods, date(2021, 12, 31)).label == "2021"  # due today: still open
    assert open_period(periods, date(2022, 1, 1)).label == "2022"
    assert open_period(periods, date(2030, 1, 1)).label == "2022"  # all passed: the last
    assert [p.label for p in in_view(periods, date(2021, 7, 1))] == ["2020", "2021"]
    assert [p.label for p in in_view(periods, date(2019, 7, 1))] == ["2020"]
    assert [p.label for p in in_view(periods, date(2030, 1, 1))] == ["2020", "2021", "2022"]


QUARTERS = [Period(f"2022-Q{q}", d) for q, d in enumerate(("2022-03-31", "2022-06-30", "2022-09-30"), 1)]


@pytest.mark.parametrize(
    "typed, wanted",
    [
        ("2022-Q3", "2022-Q3"),
        ("2022q3", "2022-Q3"),
        ("2022年第3季度", "2022-Q3"),
        ("2022年三季度", "2022-Q3"),
        ("2022-08", "2022-Q3"),  # a month names its quarter
        ("2022年8月", "2022-Q3"),
        ("2022-09-30", "2022-Q3"),  # so does a date
        ("2022年7月1日", "2022-Q3"),
        ("２０２２－Ｑ３", "2022-Q3"),  # full-width, as a Chinese input method types it
        (None, "2022-Q2"),  # the period open on 2022-05-10
    ],
)
def test_period_options_name_a_quarter(typed, wanted):
    assert choose("x/1", QUARTERS, typed, date(2022, 5, 10)).label == wanted


@pytest.mark.parametrize(
    "typed, message",
    [
        ("2022", "is a year; x/1 recurs per quarter: give one, e.g. --period 2022-Q3"),
        ("2022-H1", "is a half-year"),
        ("2022-Q4", "x/1 has no period 2022-Q4; its periods are 2022-Q1、2022-Q2、2022-Q3"),
        ("2022-13", "is not a period"),
        ("2022-02-30", "is not a period"),
        ("明年", "is not a period"),
    ],
)
def test_a_period_that_does_not_fit_is_refused_with_what_would(typed, message):
    with pytest.raises(BadInput) as refused:
        choose("x/1", QUARTERS, typed, date(2022, 5, 10))
    assert message in str(refused.value)


# --- the command line, in real processes ----------------------------------------------------------


def test_2021_done_does_not_cover_2022(db):
    """The issue's example: 市商务委 marks 2021 done; in 2022 its 2022 is still to do, and once 2022
    has passed undone it is overdue while 2021 stays done."""
    first = run_policy(
        "done",
        YEARLY,
        "--agency",
        "市商务委",
        "--today",
        "2021-11-20",
        "--note",
        "已更新目录",
        db=db,
        real=True,
    )
    assert first.returncode == 0 and first.stderr.splitlines()[-1] == f"{YEARLY} [市商务委] 2021: todo → done"
    assert tasks(db, "2021-11-20") == [
        ("2020", "2020-12-31", "todo", "overdue"),
        ("2021", "2021-12-31", "done", "done"),
    ]
    assert tasks(db, "2022-03-01") == [
        ("2020", "2020-12-31", "todo", "overdue"),
        ("2021", "2021-12-31", "done", "done"),
        ("2022", "2022-12-31", "todo", "open"),
    ]
    assert tasks(db, "2023-01-10")[-2:] == [
        ("2022", "2022-12-31", "todo", "overdue"),
        ("2023", "2023-11-05", "todo", "open"),
    ]
    # the open filter (the default) lists the undone periods only
    open_rows = as_json(
        run_policy("tasks", "--agency", "市商务委", "--today", "2022-03-01", "-f", "json", db=db)
    )
    assert [r["period"] for r in open_rows if r["id"] == YEARLY] == ["2020", "2022"]
    overdue = as_json(
        run_policy("tasks", "--agency", "市商务委", "--today", "2022-03-01", "--overdue", "-f", "json", db=db)
    )
    assert [(r["id"], r["period"]) for r in overdue] == [(YEARLY, "2020")]


def test_period_option_marks_that_period_and_says_which(db):
    late = run_policy(
        "done",
        YEARLY,
        "--agency",
        "市商务委",
        "--period",
        "2020年",
        "--today",
        "2022-03-01",
        db=db,
        real=True,
    )
    assert late.returncode == 0 and late.stderr.splitlines()[-1] == f"{YEARLY} [市商务委] 2020: todo → done"
    again = run_policy("done", YEARLY, "--agency", "市商务委", "-p", "2020", db=db, real=True)
    assert again.stderr.strip() == f"{YEARLY} [市商务委] 2020: already done; nothing recorded"
    assert [p[:3] for p in tasks(db, "2022-03-01")] == [
        ("2020", "2020-12-31", "done"),
        ("2021", "2021-12-31", "todo"),
        ("2022", "2022-12-31", "todo"),
    ]
    for typed, message in (
        ("2019", "has no period 2019; its periods are 2020、2021、2022、2023"),
        ("下一年", "is not a period"),
    ):
        refused = run_policy("done", YEARLY, "--agency", "市商务委", "--period", typed, db=db, real=True)
        assert refused.returncode == 2 and message in refused.stderr and len(refused.stderr.splitlines()) == 1
    plain = run_policy(
        "done", "hfg-2020-24/2.1.1.2", "--agency", "市商务委", "--period", "2021", db=db, real=True
    )
    assert plain.returncode == 2 and "does not recur" in plain.stderr
    events = sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()[0]
    assert events == 1  # the refusals wrote nothing


def test_undo_restores_the_period_it_changed(db):
    ok(run_policy("start", YEARLY, "--agency", "市商务委", "--period", "2021", "--by", "王五", db=db))
    ok(run_policy("done", YEARLY, "--agency", "市商务委", "--period", "2022", "--by", "王五", db=db))
    ok(run_policy("done", YEARLY, "--agency", "市商务委", "--period", "2021", "--by", "王五", db=db))
    undone = ok(run_policy("undo", "--by", "王五", db=db))
    assert undone.stderr.strip().endswith(f"{YEARLY} [市商务委] 2021 done → doing")
    assert [p[2] for p in tasks(db, "2022-03-01")] == ["todo", "doing", "done"]
    ok(run_policy("undo", "--by", "王五", db=db))
    assert [p[2] for p in tasks(db, "2022-03-01")] == ["todo", "doing", "todo"]
    history = as_json(run_policy("history", YEARLY, "-f", "json", db=db))
    assert [(h["action"], h["period"]) for h in history] == [
        ("undo", "2022"),
        ("undo", "2021"),
        ("mark", "2021"),
        ("mark", "2022"),
        ("mark", "2021"),
    ]
    plain = as_json(run_policy("history", "-f", "json", db=db))
    assert all("period" in h for h in plain)
    table = ok(run_policy("history", YEARLY, db=db, env={"COLUMNS": "120"})).stdout
    assert "期次" in table and "2021年" in table


def test_show_lists_each_period_with_its_status(db):
    ok(run_policy("done", YEARLY, "--agency", "市商务委", "--period", "2021", "--note", "已报送", db=db))
    ok(run_policy("done", YEARLY, "--agency", "市财政局", "--period", "2021", db=db))
    info = as_json(run_policy("show", YEARLY, "--today", "2022-03-01", "-f", "json", db=db))
    assert (info["period"], info["due"], info["status"], info["progress"]) == (
        "2022",
        "2022-12-31",
        "todo",
        "0/3",
    )
    assert [(p["period"], p["due"], p["status"], p["progress"], p["deadline"]) for p in info["periods"]] == [
        ("2020", "2020-12-31", "todo", "0/3", "overdue"),
        ("2021", "2021-12-31", "doing", "2/3", "overdue"),  # passed with a part undone
        ("2022", "2022-12-31", "todo", "0/3", "open"),
    ]
    parts_2021 = {p["agency"]: (p["status"], p["note"]) for p in info["periods"][1]["parts"]}
    assert parts_2021 == {
        "市商务委": ("done", "已报送"),
        "市发展改革委": ("todo", None),
        "市财政局": ("done", None),
    }
    text = ok(run_policy("show", YEARLY, "--today", "2022-03-01", db=db, env={"COLUMNS": "100"})).stdout
    assert "2021年（2021-12-31）推进中 2/3，逾期" in text and "状态 2022年：未开始（0/3）" in text
    plain = as_json(run_policy("show", "hfg-2020-24/2.1.1.2", "-f", "json", db=db))
    assert plain["period"] is None and plain["periods"] == []


def test_remind_export_and_stats_count_each_period(db):
    ok(run_policy("done", YEARLY, "--agency", "市商务委", "--period", "2021", db=db))
    groups = as_json(
        run_policy(
            "remind", "--agency", "市商务委", "--today", "2022-12-15", "--within", "30", "-f", "json", db=db
        )
    )
    (group,) = groups
    assert [(i["period"], i["due"]) for i in group["overdue"] if i["id"] == YEARLY] == [
        ("2020", "2020-12-31")
    ]
    assert [(i["period"], i["due"]) for i in group["due_soon"] if i["id"] == YEARLY] == [
        ("2022", "2022-12-31")
    ]
    text = ok(run_policy("remind", "--agency", "市商务委", "--today", "2022-12-15", db=db)).stdout
    assert f"{YEARLY} 2020年" in text and f"{YEARLY} 2022年" in text
    exported = ok(run_policy("export", "--doc", "hfg-2020-24", "--today", "2022-03-01", db=db)).stdout
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    yearly = sorted(
        (r["期次"], r["责任单位"], r["状态"], r["截止日期"]) for r in rows if r["措施编号"] == YEARLY
    )
    assert yearly == sorted(
        (period, unit, "已完成" if (period, unit) == ("2021", "市商务委") else "未开始", f"{period}-12-31")
        for period in ("2020", "2021", "2022")
        for unit in UNITS
    )
    ledger = as_json(
        run_policy("export", "--agency", "市商务委", "-f", "json", "--today", "2022-03-01", db=db)
    )
    assert [(r["period"], r["status"]) for r in ledger if r["id"] == YEARLY] == [
        ("2020", "todo"),
        ("2021", "done"),
        ("2022", "todo"),
    ]
    assert all(r["period"] is None for r in ledger if r["id"] != YEARLY)
    stats = as_json(run_policy("stats", "--agency", "市财政局", "--today", "2022-03-01", "-f", "json", db=db))
    finance = stats["agencies"][0]
    measures_of_finance = len(
        {
            r["id"]
            for r in as_json(
                run_policy("tasks", "--agency", "市财政局", "--status", "all", "-f", "json", db=db)
            )
        }
    )
    # every measure once, the yearly one three times (2020, 2021, 2022); 2020 and 2021 passed undone
    assert finance["total"] == measures_of_finance + 2
    calendar = ok(run_policy("export", "--format", "ics", "--agency", "市商务委", db=db)).stdout
    assert calendar.count(f"UID:{YEARLY}/市商务委/") == 4  # every period, done or not


def _quarterly(document):
    measure = next(m for m in document["measures"] if m["kind"] == "task")
    measure["units"] = [{"printed": "市商务委", "name": "市商务委", "role": "unspecified", "group": 1}]
    measure["due"] = None
    measure["due_info"] = {
        "recurrence": "quarterly",
        "occurrences": ["2022-03-31", "2022-06-30", "2022-09-30", "2022-12-31"],
        "rule": "recurring (quarterly) within the validity period",
        "quote": "每季度",
    }


def test_a_quarterly_measure_is_marked_per_quarter(db, tmp_path):
    ok(run_policy("load", str(bundled_variant(tmp_path, "quarterly", _quarterly)), db=db))
    listed = as_json(run_policy("tasks", "--doc", "quarterly", "--today", "2022-05-10", "-f", "json", db=db))
    (measure,) = {r["id"] for r in listed if r["period"]}
    marked = run_policy("done", measure, "--period", "2022年一季度", db=db, real=True)
    assert marked.stderr.strip() == f"{measure} [市商务委] 2022-Q1: todo → done"
    by_date = ok(run_policy("start", measure, "--period", "2022-05-10", db=db))
    assert "2022-Q2: todo → doing" in by_date.stderr
    default = ok(run_policy("block", measure, "--today", "2022-08-01", db=db))
    assert "2022-Q3: todo → blocked" in default.stderr
    refused = run_policy("done", measure, "--period", "2022", db=db)
    assert refused.returncode == 2 and "--period 2022-Q3" in refused.stderr
    rows = as_json(
        run_policy(
            "tasks", "--doc", "quarterly", "--status", "all", "--today", "2022-08-01", "-f", "json", db=db
        )
    )
    assert [(r["period"], r["status"]) for r in rows if r["id"] == measure] == [
        ("2022-Q1", "done"),
        ("2022-Q2", "doing"),
        ("2022-Q3", "blocked"),
    ]
    table = ok(
        run_policy("tasks", "--doc", "quarterly", "--today", "2022-08-01", db=db, env={"COLUMNS": "100"})
    ).stdout
    assert "期次" in table and "2022年第2季度" in table and "2022年第1季度" not in table  # done: not open


# --- databases from before periods ------------------------------------------------------------------


def test_progress_recorded_before_periods_counts_for_the_period_it_was_recorded_in(db):
    """A database as policy left it before migration m010: progress keyed (measure, agency), the
    change log without periods. Opening it gives each status on a recurring measure the period of the
    time it was recorded (in Shanghai: 2021-12-31T20:00Z is 2022-01-01 there), with its whole history."""
    ok(run_policy("docs", db=db))
    conn = sqlite3.connect(db)
    from policycli import tallies

    tallies.remove(conn)  # and the migrations after m010 that read progress by period
    conn.execute("DELETE FROM _sqlite_migrations WHERE name IN ('m015_tallies', 'm019_period_parts')")
    conn.commit()
    conn.executescript(
        """
        DROP TABLE progress;
        CREATE TABLE progress (
            measure_id TEXT NOT NULL, agency TEXT NOT NULL, status TEXT NOT NULL, note TEXT,
            evidence TEXT, by TEXT, at TEXT NOT NULL, PRIMARY KEY (measure_id, agency)
        ) WITHOUT ROWID;
        ALTER TABLE events DROP COLUMN period;
        DELETE FROM _sqlite_migrations WHERE name = 'm010_periods';
        PRAGMA user_version = 9;
        """
    )
    recorded = [
        (YEARLY, "市商务委", "done", "目录已更新", "2021-06-01T02:00:00+00:00"),
        (YEARLY, "市发展改革委", "done", None, "2019-05-01T00:00:00+00:00"),  # before the first: 2020
        ("hfg-2020-24/2.1.1.2", "市商务委", "done", None, "2021-06-01T02:00:00+00:00"),  # does not recur
        (YEARLY, "市财政局", "doing", None, "2021-12-31T20:00:00+00:00"),  # 2022-01-01 in Shanghai
    ]
    for measure, agency, status, note, at in recorded:
        conn.execute(
            "INSERT INTO progress VALUES (?, ?, ?, ?, NULL, '王五', ?)", [measure, agency, status, note, at]
        )
        conn.execute(
            "INSERT INTO events (measure_id, agency, action, before_status, after_status, note, by, at) "
            "VALUES (?, ?, 'mark', NULL, ?, ?, '王五', ?)",
            [measure, agency, status, note, at],
        )
    conn.commit()
    conn.close()
    info = as_json(run_policy("show", YEARLY, "--today", "2022-03-01", "-f", "json", db=db))
    statuses = {(p["period"], part["agency"]): part["status"] for p in info["periods"] for part in p["parts"]}
    assert statuses[("2021", "市商务委")] == "done" and statuses[("2022", "市商务委")] == "todo"
    assert statuses[("2022", "市财政局")] == "doing" and statuses[("2021", "市财政局")] == "todo"
    assert statuses[("2020", "市发展改革委")] == "done"
    history = as_json(run_policy("history", "-f", "json", db=db))
    assert sorted((h["agency"], h["period"] or "") for h in history) == [
        ("市发展改革委", "2020"),
        ("市商务委", ""),  # hfg-2020-24/2.1.1.2 does not recur
        ("市商务委", "2021"),
        ("市财政局", "2022"),
    ]
    undone = ok(run_policy("undo", "--by", "王五", db=db))  # the last change: 市财政局's, now 2022's
    assert "[市财政局] 2022 doing → todo" in undone.stderr
    plain = as_json(run_policy("show", "hfg-2020-24/2.1.1.2", "-f", "json", db=db))
    assert {p["agency"]: p["status"] for p in plain["agencies"]}["市商务委"] == "done"
    conn = sqlite3.connect(db)
    assert [r[1] for r in conn.execute("PRAGMA table_info(progress)")][:3] == [
        "measure_id",
        "agency",
        "period",
    ]
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_statuses_follow_when_a_measure_stops_or_starts_recurring(db):
    """A corrected due date makes the yearly measure a one-off, its undo makes it yearly again: the
    statuses recorded meanwhile are not lost under a period the measure no longer has."""

    def recorded(today: str) -> list[tuple]:
        info = as_json(run_policy("show", YEARLY, "--today", today, "-f", "json", db=db))
        if not info["periods"]:
            return [(None, p["status"]) for p in info["agencies"] if p["agency"] == "市发展改革委"]
        return [
            (period["period"], part["status"])
            for period in info["periods"]
            for part in period["parts"]
            if part["agency"] == "市发展改革委" and part["status"] != "todo"
        ]

    ok(run_policy("done", YEARLY, "--agency", "市发展改革委", "--period", "2021", "--by", "丙", db=db))
    ok(run_policy("due", YEARLY, "2022-06-30", "--by", "协调", db=db))
    assert recorded("2022-03-01") == [(None, "done")]  # the one status of a one-off measure
    ok(run_policy("reopen", YEARLY, "--agency", "市发展改革委", "--by", "丙", db=db))
    ok(run_policy("done", YEARLY, "--agency", "市发展改革委", "--note", "已办结", "--by", "丙", db=db))
    ok(run_policy("undo", "--by", "协调", db=db))  # yearly again
    # the status recorded without a period counts for the period it was recorded in: the clock's
    # today is after the plan's end (2023-11-05), so its last period
    assert recorded("2024-01-01") == [("2023", "done")]
    undone = ok(run_policy("undo", "--by", "丙", db=db))
    assert "[市发展改革委] 2023 done → todo" in undone.stderr
