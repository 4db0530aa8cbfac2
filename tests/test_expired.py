"""An expired document with work left does not go silent in `remind` (issue 14): its unfinished measures
stay overdue for a grace period, then are summed up in one line per document; --exit-status says so.

The service-trade plan (hfg-2020-24) ends 2023-11-05 (通过3年试点, from 2020-11-06); 市商务委 has 34
measures in it, none done (the hand count of its 分工表, tests/gold/001_table.tsv). One of them, 2.7.19.70
(每年更新《上海市服务贸易促进指导目录》), recurs yearly: its four periods 2020–2023 are four items, so
37 are left undone.
"""

from __future__ import annotations

import json

from clitools import as_json, ok, run_policy

TRADE = "hfg-2020-24"


def remind(db, today: str, *more: str):
    return run_policy("remind", "--today", today, "--agency", "市商务委", "--exit-status", *more, db=db)


def groups(result) -> list[dict]:
    assert result.returncode in (0, 4), result.stderr  # 4: something is due or left undone
    return json.loads(result.stdout)


def test_within_the_grace_period_the_measures_are_overdue_one_by_one(tmp_path):
    db = tmp_path / "p.db"
    result = remind(db, "2024-01-15", "-f", "json", "--max", "0")  # 71 days after the end: within 90
    assert result.returncode == 4
    (group,) = groups(result)
    assert group["overdue_count"] == 37 and group["expired_documents"] == []
    yearly = [i for i in group["overdue"] if i["id"] == f"{TRADE}/2.7.19.70"]
    assert [(i["period"], i["due"]) for i in yearly] == [
        ("2020", "2020-12-31"),
        ("2021", "2021-12-31"),
        ("2022", "2022-12-31"),
        ("2023", "2023-11-05"),  # the last period ends with the plan
    ]


def test_after_it_they_are_summed_up_per_document_and_still_make_the_exit_status(tmp_path):
    db = tmp_path / "p.db"
    ok(run_policy("done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", db=db))
    result = remind(db, "2024-03-01")  # 117 days after: past the grace period
    assert result.returncode == 4
    lines = result.stdout.splitlines()
    assert lines[0].endswith("已过期文件中仍有 36 项未完成")
    summary = [line for line in lines if "[已过期]" in line]
    assert len(summary) == 1 and "沪府规〔2020〕24号" in summary[0] and "有效期至 2023-11-05" in summary[0]
    assert "仍有 36 项未完成" in summary[0] and not any("[逾期]" in line for line in lines)
    (group,) = groups(remind(db, "2024-03-01", "-f", "json"))
    assert group["expired_documents"] == [
        {
            "doc": TRADE,
            "title": "上海市全面深化服务贸易创新发展试点实施方案",
            "doc_number": "沪府规〔2020〕24号",
            "effective_until": "2023-11-05",
            "open": 36,
        }
    ]


def test_the_grace_period_is_an_option_and_a_setting(tmp_path):
    db = tmp_path / "p.db"
    (group,) = groups(remind(db, "2024-01-15", "-f", "json", "--grace", "30"))
    assert group["overdue_count"] == 0 and group["expired_documents"][0]["open"] == 37
    ok(run_policy("config", "set", "grace", "30", db=db))
    (group,) = groups(remind(db, "2024-01-15", "-f", "json"))
    assert group["expired_documents"][0]["open"] == 37
    (group,) = groups(remind(db, "2024-01-15", "-f", "json", "--grace", "120"))  # the option wins
    assert group["overdue_count"] == 37
    (group,) = groups(remind(db, "2030-01-01", "-f", "json", "--include-expired"))  # one by one, ever
    assert group["overdue_count"] == 37 and group["expired_documents"] == []
    refused = run_policy("config", "set", "grace", "三个月", db=db)
    assert refused.returncode == 2 and "number of days" in refused.stderr
    bad = run_policy("remind", "--grace", "-1", db=db)
    assert bad.returncode == 2 and "--grace" in bad.stderr


def test_nothing_left_means_nothing_said(tmp_path):
    db = tmp_path / "p.db"
    listed = as_json(
        run_policy(
            "tasks", "--agency", "市商务委", "--doc", TRADE, "-f", "json", "--today", "2024-03-01", db=db
        )
    )
    for measure in listed:  # the yearly measure once per period
        period = ["--period", measure["period"]] if measure["period"] else []
        ok(run_policy("done", measure["id"], "--agency", "市商务委", *period, db=db))
    assert len(listed) == 37
    result = remind(db, "2024-03-01", "--within", "0")
    assert (result.returncode, result.stdout) == (0, "")
