"""Lineage between documents (issue 14): an extension notice moves the end of the document it names, a
repeal ends it, a new version supersedes the old one; loading them in either order gives the same result,
and `policy docs show` lists the relations both ways.

tests/lineage/ holds two real notices (the validity corpus's 03, an extension by 沪住建规范〔2020〕8号, and
06, a repeal by 徐建规〔2025〕1号) and, written for these tests, the two documents they act on, with the
titles and 文号 the notices name and ends of their own (2020-06-30, 2026-02-28).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clitools import as_json, ok, run_policy
from conftest import ROOT

from policycli.ingest import ingest_path

LINEAGE = Path(__file__).resolve().parent / "lineage"
RULES, EXTENSION = "hjg-2015-377", "hzjgf-2020-8"
WALLS, REPEAL = "xjg-2021-1", "xjg-2025-1"


def test_what_each_notice_acts_on_is_read_from_its_text():
    extension = ingest_path(LINEAGE / "extension_notice.md")
    assert [(a["kind"], a["title"], a["doc_number"], a["until"]) for a in extension["acts_on"]] == [
        ("extends", "上海市建筑工程施工许可管理实施细则", "沪建管〔2015〕377号", "2022-06-30")
    ]
    # 根据《上海市行政规范性文件管理规定》… 对《徐汇区既有玻璃幕墙建筑管理办法》予以废止: the second
    repeal = ingest_path(LINEAGE / "repeal_notice.md")
    assert [(a["kind"], a["title"], a["doc_number"], a["until"]) for a in repeal["acts_on"]] == [
        ("repeals", "徐汇区既有玻璃幕墙建筑管理办法", "徐建规〔2021〕1号", "2025-02-06")
    ]
    assert ingest_path(LINEAGE / "permit_rules.txt")["acts_on"] == []


@pytest.fixture(scope="module")
def structured(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("lineage")
    ok(run_policy("ingest", *map(str, sorted(LINEAGE.iterdir())), "--out", str(out)))
    return {path.stem: path for path in out.glob("*.json")}


def ends(db: Path) -> dict[str, str | None]:
    return {d["id"]: d["effective_until"] for d in as_json(run_policy("docs", "-f", "json", db=db))}


@pytest.mark.parametrize("order", ["acted-on first", "notices first"])
def test_either_order_gives_the_same_ends(structured, tmp_path, order):
    db = tmp_path / "policy.db"
    first, second = [structured[RULES], structured[WALLS]], [structured[EXTENSION], structured[REPEAL]]
    if order == "notices first":
        first, second = second, first
    ok(run_policy("load", *map(str, first), db=db))
    ok(run_policy("load", *map(str, second), db=db))
    got = ends(db)
    assert got[RULES] == "2022-06-30"  # extended from its own 2020-06-30
    assert got[WALLS] == "2025-02-06"  # repealed from the notice's issue date, before its own 2026-02-28
    shown = as_json(run_policy("docs", "show", RULES, "-f", "json", db=db))
    assert shown["until_by"]["kind"] == "extends" and shown["until_by"]["doc"] == EXTENSION
    assert "有效期延长至2022年6月30日" in shown["until_by"]["quote"]
    assert [(r["kind"], r["doc"]) for r in shown["acted_on_by"]] == [("extends", EXTENSION)]
    notice = as_json(run_policy("docs", "show", REPEAL, "-f", "json", db=db))
    assert [(r["kind"], r["doc"], r["until"]) for r in notice["acts_on"]] == [
        ("repeals", WALLS, "2025-02-06")
    ]
    text = run_policy("docs", "show", WALLS, db=db).stdout
    assert f"被废止 {REPEAL}，有效至 2025-02-06" in text
    # the repealed document is no longer in force, and remind no longer nags about it after the grace period
    status = {
        d["id"]: d["status"]
        for d in as_json(run_policy("docs", "--today", "2025-06-01", "-f", "json", db=db))
    }
    assert status[WALLS] == "expired"
    groups = json.loads(
        run_policy(
            "remind", "--today", "2025-06-01", "--within", "3650", "--include-expired", "-f", "json", db=db
        ).stdout
    )
    assert not any(item["doc"] == WALLS for g in groups for item in g["overdue"] + g["due_soon"])
    assert any(item["doc"] == RULES for g in groups for item in g["overdue"] + g["due_soon"])


def test_a_notice_that_names_nothing_loaded_changes_nothing_and_says_so(structured, tmp_path):
    db = tmp_path / "policy.db"
    ok(run_policy("load", str(structured[EXTENSION]), db=db))
    shown = as_json(run_policy("docs", "show", EXTENSION, "-f", "json", db=db))
    assert [(r["kind"], r["doc"]) for r in shown["acts_on"]] == [("extends", None)]
    assert "（未载入）" in run_policy("docs", "show", EXTENSION, db=db).stdout


def test_a_new_version_supersedes_the_old_one_with_the_same_title(tmp_path):
    old = tmp_path / "old.txt"
    old.write_text(
        "杨浦区历史风貌保护项目实施主体公开遴选实施意见\n\n杨府办发〔2022〕6号\n\n"
        "一、本实施意见自2022年7月1日起施行，有效期至2027年6月30日。\n\n上海市杨浦区人民政府办公室\n2022年6月20日\n",
        encoding="utf-8",
    )
    new = tmp_path / "new.txt"
    new.write_text(
        "杨浦区历史风貌保护项目实施主体公开遴选实施意见\n\n杨府办发〔2025〕5号\n\n"
        "一、本实施意见自2025年4月14日起施行。2022年7月印发的《杨浦区历史风貌保护项目实施主体公开遴选实施意见》"
        "（杨府办发〔2022〕6号）同时废止。\n\n上海市杨浦区人民政府办公室\n2025年4月14日\n",
        encoding="utf-8",
    )
    out, db = tmp_path / "out", tmp_path / "policy.db"
    ok(run_policy("ingest", str(old), str(new), "--out", str(out)))
    ok(run_policy("load", str(out), db=db))
    documents = {d["doc_number"]: d for d in as_json(run_policy("docs", "-f", "json", db=db))}
    assert documents["杨府办发〔2022〕6号"]["effective_until"] == "2025-04-13"
    assert documents["杨府办发〔2025〕5号"]["effective_until"] is None
    newer = json.loads(next(p for p in out.glob("*.json") if "2025" in p.name).read_text(encoding="utf-8"))
    assert [(a["kind"], a["doc_number"]) for a in newer["acts_on"]] == [("supersedes", "杨府办发〔2022〕6号")]


def test_a_new_version_carries_the_old_versions_progress_to_the_same_measures(tmp_path):
    """A revised plan re-issued under a new 文号, retiring the old one (同时废止): what the units recorded
    on the old version follows each measure to the new version's, once; the old version no longer
    reminds anyone."""
    items = [
        "1.建立历史风貌保护项目储备库，每年更新一次。（责任单位：区规划资源局）",
        "2.完善实施主体遴选评分标准，公开遴选结果。（责任单位：区房管局）",
        "3.加强项目全过程监管，建立退出机制。（责任单位：区建管委）",
    ]
    old = tmp_path / "old.txt"
    old.write_text(
        "杨浦区历史风貌保护项目实施主体公开遴选实施意见\n\n杨府办发〔2022〕6号\n\n一、主要任务\n"
        + "\n".join(items)
        + "\n二、本实施意见自2022年7月1日起施行，有效期至2027年6月30日。\n\n"
        "上海市杨浦区人民政府办公室\n2022年6月20日\n",
        encoding="utf-8",
    )
    new = tmp_path / "new.txt"
    new.write_text(
        "杨浦区历史风貌保护项目实施主体公开遴选实施意见\n\n杨府办发〔2025〕5号\n\n一、主要任务\n"
        + "\n".join(
            [
                items[0],
                "2.推进数字化监管平台建设。（责任单位：区数据局）",
                items[1].replace("2.", "3."),
                items[2].replace("3.", "4."),
            ]
        )
        + "\n二、本实施意见自2025年4月14日起施行。"
        "2022年7月印发的《杨浦区历史风貌保护项目实施主体公开遴选实施意见》（杨府办发〔2022〕6号）同时废止。\n\n上海市杨浦区人民政府办公室\n2025年4月14日\n",
        encoding="utf-8",
    )
    out_old, out_new, db = tmp_path / "o1", tmp_path / "o2", tmp_path / "policy.db"
    ok(run_policy("ingest", str(old), "--out", str(out_old)))
    ok(run_policy("ingest", str(new), "--out", str(out_new)))
    ok(run_policy("load", str(out_old), db=db))
    (old_doc,) = [p.stem for p in out_old.glob("*.json")]
    (new_doc,) = [p.stem for p in out_new.glob("*.json")]
    rows = as_json(run_policy("tasks", "--doc", old_doc, "--status", "all", "-f", "json", db=db))
    by_title = {r["title"]: r for r in rows}
    selection = by_title["完善实施主体遴选评分标准，公开遴选结果"]
    (unit,) = selection["agencies"]
    ok(run_policy("done", selection["id"], "--agency", unit, "--note", "已公开", db=db))
    loaded = ok(run_policy("load", str(out_new), db=db))
    assert "1 measure(s)' progress carried over from " + old_doc in loaded.stderr
    now = {
        r["title"]: r
        for r in as_json(run_policy("tasks", "--doc", new_doc, "--status", "all", "-f", "json", db=db))
    }
    carried = as_json(
        run_policy("show", now["完善实施主体遴选评分标准，公开遴选结果"]["id"], "-f", "json", db=db)
    )
    assert [(p["agency"], p["status"], p["note"]) for p in carried["agencies"]] == [(unit, "done", "已公开")]
    assert carried["moves"][-1]["how"] == "carried" and carried["moves"][-1]["from"] == selection["id"]
    assert as_json(run_policy("show", selection["id"], "-f", "json", db=db))["status"] == "todo"
    again = ok(run_policy("load", str(out_old), str(out_new), db=db))  # nothing carried twice
    assert "carried over" not in again.stderr
    other = ok(run_policy("load", str(ROOT / "data" / "measures"), db=db))  # nor said at a later load
    assert "carried over" not in other.stderr and "policy link" not in other.stderr
    # the retired version reminds no one, however long ago it ended
    groups = json.loads(
        run_policy(
            "remind", "--today", "2026-01-01", "--within", "0", "-f", "json", "--include-expired", db=db
        ).stdout
    )
    assert not any(item["doc"] == old_doc for g in groups for item in g["overdue"] + g["due_soon"])


def test_the_same_title_under_a_new_number_is_a_new_version_even_unsaid(tmp_path):
    """No 同时废止: a document with a loaded one's title (its version label aside) and a new 文号,
    issued later, is its new version all the same."""

    def write(name: str, title: str, number: str, issued: str, day: str) -> Path:
        path = tmp_path / name
        path.write_text(
            f"{title}\n\n{number}\n\n一、主要任务\n1.建立重点企业服务专员制度，一企一策解决企业诉求。（责任单位：市商务委）\n"
            f"二、本办法自{day}起施行。\n\n上海市商务委员会\n{issued}\n",
            encoding="utf-8",
        )
        return path

    old = write("old.txt", "上海市重点企业服务办法", "沪商规〔2021〕3号", "2021年3月1日", "2021年4月1日")
    new = write(
        "new.txt", "上海市重点企业服务办法（2023年修订）", "沪商规〔2023〕5号", "2023年3月1日", "2023年4月1日"
    )
    out_old, out_new, db = tmp_path / "o1", tmp_path / "o2", tmp_path / "policy.db"
    ok(run_policy("ingest", str(old), "--out", str(out_old)))
    ok(run_policy("ingest", str(new), "--out", str(out_new)))
    ok(run_policy("load", str(out_old), db=db))
    (old_doc,) = [p.stem for p in out_old.glob("*.json")]
    measures = as_json(run_policy("tasks", "--doc", old_doc, "-f", "json", db=db))
    (measure,) = [m for m in measures if m["title"].startswith("建立重点企业服务专员制度")]
    ok(run_policy("done", measure["id"], "--agency", "市商务委", "--note", "已建立", db=db))
    loaded = ok(run_policy("load", str(out_new), db=db))
    assert f"1 measure(s)' progress carried over from {old_doc}" in loaded.stderr
    documents = {d["doc_number"]: d for d in as_json(run_policy("docs", "-f", "json", db=db))}
    assert documents["沪商规〔2021〕3号"]["effective_until"] == "2023-03-31"
    (new_doc,) = [p.stem for p in out_new.glob("*.json")]
    shown = as_json(run_policy("docs", "show", old_doc, "-f", "json", db=db))
    assert [(r["kind"], r["doc"]) for r in shown["acted_on_by"]] == [("supersedes", new_doc)]
    listed = as_json(run_policy("tasks", "--doc", new_doc, "--status", "all", "-f", "json", db=db))
    (carried,) = [m for m in listed if m["title"].startswith("建立重点企业服务专员制度")]
    assert carried["status"] == "done"


def test_two_districts_plans_with_one_title_are_not_versions_of_each_other(tmp_path):
    def write(name: str, district: str, number: str, issued: str) -> Path:
        path = tmp_path / name
        path.write_text(
            f"优化营商环境行动方案\n\n{number}\n\n一、主要任务\n"
            f"1.建立重点企业服务专员制度，一企一策解决企业诉求。（责任单位：区商务委）\n\n"
            f"上海市{district}人民政府办公室\n{issued}\n",
            encoding="utf-8",
        )
        return path

    xuhui = write("xh.txt", "徐汇区", "徐府办发〔2021〕3号", "2021年3月1日")
    changning = write("cn.txt", "长宁区", "长府办发〔2022〕5号", "2022年5月1日")
    out, db = tmp_path / "out", tmp_path / "policy.db"
    ok(run_policy("ingest", str(xuhui), str(changning), "--out", str(out)))
    ok(run_policy("load", str(out), db=db))
    documents = as_json(run_policy("docs", "-f", "json", db=db))
    assert {d["doc_number"]: d["effective_until"] for d in documents} == {
        "徐府办发〔2021〕3号": None,
        "长府办发〔2022〕5号": None,
    }
    for document in documents:
        shown = as_json(run_policy("docs", "show", document["id"], "-f", "json", db=db))
        assert shown["acts_on"] == [] and shown["acted_on_by"] == []
