"""Validity periods, due dates, reminders and the calendar export."""

from __future__ import annotations

import json

import pytest
from clitools import as_json, ok, run_policy
from conftest import FIXTURES, by_path, seed

from policycli.ingest import ingest_path


@pytest.fixture
def db(tmp_path):
    return tmp_path / "policy.db"


@pytest.mark.parametrize(
    "prefix, start, end, rule, inferred",
    [
        ("000", "2018-06-01", "2020-12-31", "explicit range", False),
        ("001", "2020-11-06", "2023-11-05", "start plus pilot period (通过N年试点)", True),
        # no start is stated in 002-004: effective_from is null, the issue date stays in issued_on
        ("002", None, "2025-12-31", "plan horizon (五年规划)", False),
        ("003", None, "2025-12-31", "plan horizon (五年规划)", False),
        ("004", None, "2021-12-31", "annual plan (YYYY年行动方案)", False),
    ],
)
def test_seed_validity_periods(prefix, start, end, rule, inferred):
    document = seed(prefix)
    assert (document["effective_from"], document["effective_until"]) == (start, end)
    assert (document["validity_rules"]["from"] is None) == (start is None)
    until = document["validity_rules"]["until"]
    assert until["rule"] == rule and until["inferred"] is inferred and until["quote"]


def test_start_plus_duration_and_explicit_end_in_fixtures():
    lead = ingest_path(FIXTURES / "lead_co.txt")  # 本方案自2022年3月1日起施行，有效期5年。
    assert (lead["effective_from"], lead["effective_until"]) == ("2022-03-01", "2027-02-28")
    assert lead["validity_rules"]["until"]["rule"] == "start plus duration (有效期N年)"
    regulation = ingest_path(FIXTURES / "regulation.txt")
    assert (regulation["effective_from"], regulation["effective_until"]) == ("2023-01-01", "2027-12-31")
    notice = ingest_path(FIXTURES / "utf16.txt")  # 本通知自印发之日起施行。
    assert notice["effective_from"] == "2023-05-08" and notice["effective_until"] is None


def test_extension_notice_gives_the_new_end(tmp_path):
    source = tmp_path / "extend.txt"
    source.write_text(
        "上海市人民政府关于延长《上海市某某办法》有效期的通知\n沪府规〔2022〕9号\n"
        "各区人民政府，市政府各委、办、局：\n《上海市某某办法》自2017年1月1日起施行。经研究，决定将其有效期延长至2024年12月31日。\n"
        "上海市人民政府\n2022年12月20日\n",
        encoding="utf-8",
    )
    document = ingest_path(source)
    assert document["effective_until"] == "2024-12-31"
    assert document["validity_rules"]["until"]["rule"].startswith("extension")


def test_unknown_stays_unknown(tmp_path):
    source = tmp_path / "plain.txt"
    source.write_text(
        "关于加强某项工作的意见\n一、主要任务\n1.加强统筹。（责任单位：市商务委）\n", encoding="utf-8"
    )
    document = ingest_path(source)
    assert document["effective_from"] is None and document["effective_until"] is None


def test_measure_due_dates_own_recurring_and_inherited():
    trade = by_path(seed("001"))
    yearly = trade["2.7.19.70"]["due_info"]  # 每年更新《上海市服务贸易促进指导目录》
    assert yearly["recurrence"] == "yearly"
    assert yearly["occurrences"] == ["2020-12-31", "2021-12-31", "2022-12-31", "2023-11-05"]
    inherited = trade["2.1.1.2"]["due_info"]
    assert (
        inherited["inherited"]
        and inherited["date"] == "2023-11-05"
        and inherited["rule"].startswith("document end")
    )
    plan = by_path(seed("003"))
    target = plan["2.3.1"]["due_info"]  # 到２０２５年,服务业增加值占全市生产总值比重达到７５％左右
    assert (target["date"], target["precision"], target["inherited"]) == ("2025-12-31", "year", False)
    assert plan["2.3.zb1"]["due"] == "2025-12-31"
    notice = by_path(ingest_path(FIXTURES / "utf16.txt"))
    assert notice["1.1"]["due_info"]["date"] == "2023-06-01"  # 6月1日前完成整改 (year from the document)
    # a baseline year cited in background text is not a deadline
    assert all(
        m["due_info"] is None or m["due_info"]["date"] != "2020-12-31"
        for m in seed("002")["measures"]
        if m["kind"] == "task"
    )


def test_relative_deadline_from_the_issue_date(tmp_path):
    source = tmp_path / "relative.txt"
    source.write_text(
        "上海市某某委员会关于印发《某某工作方案》的通知\n2022年3月1日\n某某工作方案\n一、主要任务\n"
        "1.完成清单梳理。本方案印发之日起一个月内完成梳理并报送。（责任单位：市商务委）\n"
        "2.建立工作机制。（责任单位：市商务委）\n",
        encoding="utf-8",
    )
    measures = by_path(ingest_path(source))
    assert measures["1.1"]["due_info"]["date"] == "2022-04-01"
    assert measures["1.1"]["due_info"]["rule"] == "from the issue date"


def test_remind_lists_unassigned_measures_of_000_before_its_end(db):
    result = ok(run_policy("remind", "--today", "2020-12-01", "--within", "60", db=db))
    assert "未指定责任单位（逾期 0，将到期 27）" in result.stdout
    groups = as_json(
        run_policy("remind", "--today", "2020-12-01", "--within", "60", "--format", "json", db=db)
    )
    unassigned = next(g for g in groups if g["agency"] is None)
    assert {i["doc"] for i in unassigned["due_soon"]} == {"qmtjjaqg-2018"}
    assert all(i["due"] == "2020-12-31" and i["days_left"] == 30 for i in unassigned["due_soon"])


def test_remind_prints_nothing_when_nothing_is_due(db):
    result = run_policy("remind", "--today", "2019-01-01", "--within", "30", db=db)
    assert result.returncode == 0 and result.stdout == ""
    result = run_policy(
        "remind", "--today", "2019-01-01", "--within", "30", db=db, env={"POLICY_TODAY": "2020-12-01"}
    )
    assert result.stdout == ""  # --today wins over POLICY_TODAY
    result = run_policy("remind", "--within", "60", db=db, env={"POLICY_TODAY": "2020-12-01"})
    assert "将到期" in result.stdout


def test_remind_exit_status_option_and_agency_filter(db):
    result = run_policy("remind", "--today", "2020-12-01", "--within", "60", "--exit-status", db=db)
    assert result.returncode == 4
    result = ok(
        run_policy("remind", "--today", "2020-12-01", "--within", "60", "--agency", "市商务委", db=db)
    )
    assert "市商务委" in result.stdout and "unassigned" not in result.stdout
    # the yearly measure's part for 2020, the period open on 2020-12-01
    ok(run_policy("done", "hfg-2020-24/2.7.19.70", "--agency", "市商务委", "--today", "2020-12-01", db=db))
    assert (
        ok(
            run_policy("remind", "--today", "2020-12-01", "--within", "60", "--agency", "市商务委", db=db)
        ).stdout
        == ""
    )


def test_remind_never_says_nothing_due_after_an_error(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database at all" * 10)
    result = run_policy("remind", "--today", "2020-12-01", db=bad)
    assert result.returncode != 0 and result.stdout == "" and "error" in result.stderr


def test_remind_in_crons_empty_environment(db):
    import os
    import subprocess
    import sys

    ok(run_policy("docs", db=db))  # create it
    env = {"POLICY_DB": str(db), "PATH": os.path.dirname(sys.executable)}
    result = subprocess.run(
        [sys.executable, "-m", "policycli", "remind", "--today", "2020-12-01", "--within", "60"],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0 and "将到期".encode() in result.stdout and b"\x1b[" not in result.stdout


def test_tasks_due_filters(db):
    soon = as_json(
        run_policy("tasks", "--today", "2020-12-01", "--due-within", "60", "--format", "json", db=db)
    )
    assert soon and all(r["due"] <= "2021-01-30" and r["deadline"] == "due soon" for r in soon)
    overdue = as_json(run_policy("tasks", "--today", "2021-02-01", "--overdue", "--format", "json", db=db))
    assert overdue and all(
        r["due"] < "2021-02-01" and r["deadline"] == "overdue" and r["days_left"] < 0 for r in overdue
    )
    before = as_json(
        run_policy("tasks", "--today", "2020-12-01", "--due-before", "2022-01-01", "--format", "json", db=db)
    )
    assert before and all(r["due"] < "2022-01-01" for r in before)
    result = run_policy("tasks", "--due-before", "next week", db=db)
    assert result.returncode == 2 and "YYYY-MM-DD" not in result.stderr and "2021-07-01" in result.stderr


def test_show_and_docs_show_the_source_of_dates(db):
    detail = as_json(
        run_policy("show", "hfg-2020-24/2.7.19.70", "--today", "2021-07-01", "--format", "json", db=db)
    )
    assert detail["due"] == "2021-12-31" and detail["due_info"]["quote"] == "每年"
    text = ok(run_policy("docs", "show", "hfg-2020-24", "--today", "2021-07-01", db=db)).stdout
    assert "2023-11-05" in text and "通过3年试点" in text and "推断" in text
    documents = {
        d["id"]: d for d in as_json(run_policy("docs", "--today", "2021-07-01", "--format", "json", db=db))
    }
    assert documents["qmtjjaqg-2018"]["status"] == "expired"
    assert documents["cfg-2021-47"]["status"] == "not yet in force"
    assert documents["hfg-2020-24"]["status"] == "in force" and documents["hfg-2020-24"]["days_left"] == 857
    assert (
        as_json(run_policy("docs", "--today", "2021-11-01", "--format", "json", db=db))[3]["status"]
        == "expiring"
    )


def test_ics_export(db, tmp_path):
    out = tmp_path / "due.ics"
    ok(run_policy("export", "--format", "ics", "--agency", "市商务委", "-o", str(out), db=db))
    from icalendar import Calendar

    calendar = Calendar.from_ical(out.read_bytes())
    events = [c for c in calendar.walk("VEVENT")]
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids))
    assert "hfg-2020-24/2.7.19.70/市商务委/2021-12-31@policy" in uids  # one per occurrence
    first = events[0]
    assert str(first["SUMMARY"]).startswith("【截止】") and "DTSTAMP" in first
    assert "来源：001_ba29fc60ce853ee2.txt" in str(first["DESCRIPTION"])
    again = tmp_path / "again.ics"
    ok(run_policy("export", "--format", "ics", "--agency", "市商务委", "-o", str(again), db=db))
    assert [str(e["UID"]) for e in Calendar.from_ical(again.read_bytes()).walk("VEVENT")] == uids
    assert all(len(line) <= 75 for line in out.read_bytes().split(b"\r\n"))  # folded


def test_structured_files_carry_due_information():
    from policycli.ingest.run import to_json

    document = json.loads(
        to_json(seed("001"))
    )  # what `policy ingest` writes, from the parser, not the committed file
    assert document["id"] == "hfg-2020-24"
    assert document["effective_until"] == "2023-11-05"
    assert all("due_info" in m for m in document["measures"])


def test_a_periodic_measure_keeps_its_inherited_due_date(tmp_path):
    source = tmp_path / "periodic.txt"
    source.write_text(
        "上海市某某委员会关于印发《某某工作方案》的通知\n2022年3月1日\n某某工作方案\n一、主要任务\n"
        "1.定期通报工作进展。（责任单位：市商务委）\n本方案自2022年3月1日起施行，有效期2年。\n",
        encoding="utf-8",
    )
    measure = by_path(ingest_path(source))["1.1"]
    assert measure["due"] == "2024-02-29" and measure["due_info"]["recurrence"] == "periodic"
