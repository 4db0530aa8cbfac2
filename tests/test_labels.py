"""One language per surface: Chinese in tables, CSV, Markdown and reminders; English JSON values;
one label for "no responsible unit"; times stored in UTC and shown in the user's zone."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from clitools import as_json, ok, run_policy

from policycli.kinds import STATUS_LABELS, UNASSIGNED_LABEL, rule_label, status_from_input
from policycli.timezone import local_time

TRADE = "hfg-2020-24"
JINGAN = "qmtjjaqg-2018"  # its measures have no responsible unit


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("done", "done"),
        ("已完成", "done"),
        ("完成", "done"),
        ("已办结", "done"),
        ("DONE", "done"),
        ("doing", "doing"),
        ("推进中", "doing"),
        ("正在推进", "doing"),
        ("进行中", "doing"),
        ("todo", "todo"),
        ("未开始", "todo"),
        ("blocked", "blocked"),
        ("受阻", "blocked"),
        ("阻塞", "blocked"),
        ("n/a", "n/a"),
        ("不适用", "n/a"),
        ("无需办理", "n/a"),
    ],
)
def test_status_words(word, status):
    assert status_from_input(word) == status


def test_filters_and_unknown_words():
    assert (
        status_from_input("未完成", filters=True) == "open"
        and status_from_input("全部", filters=True) == "all"
    )
    with pytest.raises(ValueError):
        status_from_input("未完成")  # a filter, not a status one can record
    with pytest.raises(ValueError):
        status_from_input("差不多")


def test_marks_and_filters_accept_chinese(db):
    ok(run_policy("mark", f"{TRADE}/2.1.1.2", "--agency", "市商务委", "--status", "已办结", db=db))
    ok(run_policy("mark", f"{TRADE}/2.1.3.8", "--agency", "市商务委", "--status", "正在推进", db=db))
    done = as_json(
        run_policy("tasks", "--agency", "市商务委", "--status", "已完成", "--format", "json", db=db)
    )
    assert [r["id"] for r in done] == [f"{TRADE}/2.1.1.2"] and done[0][
        "agency_status"
    ] == "done"  # JSON stays English
    doing = as_json(
        run_policy("tasks", "--agency", "市商务委", "--status", "推进中", "--format", "json", db=db)
    )
    assert [r["id"] for r in doing] == [f"{TRADE}/2.1.3.8"]
    everything = as_json(
        run_policy("tasks", "--agency", "市商务委", "--status", "全部", "--format", "json", db=db)
    )
    still_open = as_json(
        run_policy("tasks", "--agency", "市商务委", "--status", "未完成", "--format", "json", db=db)
    )
    # 34 measures; the yearly one (2.7.19.70) is listed once per period that has begun
    assert len({r["id"] for r in everything}) == 34 and len({r["id"] for r in still_open}) == 33
    assert len(everything) - 34 == len(still_open) - 33 == sum(1 for r in everything if r["period"]) - 1
    indicators = as_json(run_policy("tasks", "--kind", "指标", "--status", "all", "--format", "json", db=db))
    assert indicators and {r["kind"] for r in indicators} == {"indicator"}
    bad = run_policy("mark", f"{TRADE}/2.1.1.2", "--agency", "市商务委", "--status", "差不多", db=db)
    assert bad.returncode == 2 and "已完成" in bad.stderr


@pytest.fixture
def db(tmp_path):
    return tmp_path / "policy.db"


def test_table_csv_and_markdown_speak_chinese(db):
    ok(run_policy("block", f"{TRADE}/2.1.1.2", "--agency", "市商务委", db=db))
    table = ok(run_policy("tasks", "--doc", TRADE, "--status", "all", "--limit", "0", db=db)).stdout
    assert "受阻" in table and "未开始" in table
    assert not {"todo", "doing", "blocked", "done", "task"} & set(table.split())
    listing = ok(run_policy("tasks", "--doc", TRADE, "--status", "all", "--format", "csv", db=db)).stdout
    rows = list(csv.DictReader(io.StringIO(listing.lstrip("\ufeff"))))
    assert {r["状态"] for r in rows} <= set(STATUS_LABELS.values()) and "受阻" in {r["状态"] for r in rows}
    ledger = list(
        csv.DictReader(io.StringIO(ok(run_policy("export", "--doc", JINGAN, db=db)).stdout.lstrip("\ufeff")))
    )
    assert {r["类别"] for r in ledger} <= {"任务", "目标", "指标", "保障措施"}
    assert {r["责任单位"] for r in ledger} == {UNASSIGNED_LABEL} and {r["状态"] for r in ledger} == {"未开始"}
    md = ok(run_policy("export", "--doc", JINGAN, "--format", "md", db=db)).stdout
    assert UNASSIGNED_LABEL in md and "未开始" in md and "| todo" not in md
    # JSON keeps the documented English values and "" for no unit
    exported = as_json(run_policy("export", "--doc", JINGAN, "--format", "json", db=db))
    assert {r["agency"] for r in exported} == {""} and {r["status"] for r in exported} == {"todo"}


def test_one_label_for_no_responsible_unit(db):
    tasks = ok(run_policy("tasks", "--unassigned", "--doc", JINGAN, db=db, env={"COLUMNS": "120"})).stdout
    listing = ok(run_policy("tasks", "--unassigned", "--doc", JINGAN, "--format", "csv", db=db)).stdout
    assert {r["责任单位"] for r in csv.DictReader(io.StringIO(listing.lstrip("\ufeff")))} == {
        UNASSIGNED_LABEL
    }
    remind = ok(run_policy("remind", "--today", "2020-12-01", "--within", "60", db=db)).stdout
    ics = ok(run_policy("export", "--format", "ics", "--doc", JINGAN, db=db)).stdout
    assert UNASSIGNED_LABEL in tasks
    assert (
        f"{UNASSIGNED_LABEL}（逾期 0，将到期 27）" in remind
    )  # 27 measures of the 静安 opinions, due 2020-12-31
    assert UNASSIGNED_LABEL in ics.replace("\r\n ", "")
    for output in (tasks, remind):
        assert "(unassigned)" not in output and "（未指定）" not in output


def test_date_rules_in_chinese(db):
    shown = ok(run_policy("show", f"{TRADE}/2.7.20.77", db=db)).stdout
    assert "文件有效期届满" in shown and "document end" not in shown and "（任务）" in shown
    assert rule_label("stated: by (到/至…)") == "本条规定：到/至…"
    assert rule_label("parent's: indicator year") == "沿用上级条目：指标目标年份"


def test_events_are_stored_in_utc_and_shown_in_the_users_zone(db):
    ok(run_policy("done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", "--by", "张三", db=db))
    event = as_json(run_policy("history", "--format", "json", db=db))[0]
    stored = datetime.fromisoformat(event["at"])
    assert stored.utcoffset() == timedelta(0) and event["at"].endswith("+00:00")
    assert abs(datetime.now(UTC) - stored) < timedelta(minutes=5)
    # events written by an earlier version in another zone, and in UTC: shown in order, in Shanghai time
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET at = '2026-11-29T15:00:00+00:00'")
        conn.execute("UPDATE progress SET at = '2026-07-01T15:00:00+00:00'")
    table = ok(run_policy("history", db=db)).stdout
    assert "2026-11-29" in table and "23:00" in table and "15:00" not in table
    berlin = ok(run_policy("history", db=db, env={"POLICY_TZ": "Europe/Berlin"})).stdout
    assert "16:00" in berlin
    # CSV: a time Excel reads, in the zone, at each instant's own offset (New York: EDT in July)
    for zone, expected in (
        ("Asia/Shanghai", "2026-07-01 23:00:00"),
        ("America/New_York", "2026-07-01 11:00:00"),
    ):
        exported = ok(run_policy("export", "--agency", "市商务委", db=db, env={"POLICY_TZ": zone})).stdout
        rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
        assert [r["更新时间"] for r in rows if r["更新人"]] == [expected]
    assert as_json(run_policy("export", "--agency", "市商务委", "--format", "json", db=db))[0]["at"] in (
        None,
        "2026-07-01T15:00:00+00:00",
    )


def test_local_time_across_dst_and_without_tzdata(monkeypatch):
    from zoneinfo import ZoneInfo

    new_york = ZoneInfo("America/New_York")
    assert local_time("2026-01-15T15:00:00+00:00", new_york) == "2026-01-15 10:00"  # EST
    assert local_time("2026-07-15T15:00:00+00:00", new_york) == "2026-07-15 11:00"  # EDT
    assert local_time("2026-11-29T23:00:00+08:00", UTC) == "2026-11-29 15:00"
    assert local_time("not a time") == "not a time" and local_time(None) == ""
    import policycli.timezone as tz

    tz._zone.cache_clear()
    monkeypatch.setitem(__import__("sys").modules, "zoneinfo", None)  # no IANA data (Windows without tzdata)
    monkeypatch.setenv("POLICY_TZ", "Asia/Shanghai")
    try:
        assert tz.user_zone().utcoffset(None) == timedelta(hours=8)
        assert local_time("2026-11-29T15:00:00+00:00") == "2026-11-29 23:00"
    finally:
        tz._zone.cache_clear()
