"""`policy stats`: parts, not only whole measures; 已完成 / 推进中 / 受阻 / 逾期; filters; JSON keys kept.

Gold values are read from the structured documents (data/measures), not from the output."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from clitools import as_json, ok, run_policy
from conftest import ROOT

from policycli.kinds import MEASURE_KINDS

TRADE = "hfg-2020-24"
JINGAN = "qmtjjaqg-2018"


def document(doc_id: str) -> dict:
    return json.loads((ROOT / "data" / "measures" / f"{doc_id}.json").read_text(encoding="utf-8"))


def measures(doc_id: str) -> list[dict]:
    return [m for m in document(doc_id)["measures"] if m["kind"] in MEASURE_KINDS]


def periods(measure: dict, today: date) -> int:
    """A recurring measure counts once per period already due and for the one open on `today` (the
    first whose date is not past; the last once all are); any other measure once."""
    dates = (measure.get("due_info") or {}).get("occurrences") or []
    if not dates:
        return 1
    return next((k + 1 for k, day in enumerate(dates) if day >= today.isoformat()), len(dates))


def parts(doc_id: str, today: date = date(2021, 7, 1)) -> int:
    """A measure has one part per responsible unit, or one of its own when it has none (per period,
    for a recurring measure). The tests' today is 2021-07-01 (conftest)."""
    return sum(max(1, len(m.get("units") or [])) * periods(m, today) for m in measures(doc_id))


@pytest.fixture
def marked(tmp_path) -> Path:
    db = tmp_path / "policy.db"
    ok(run_policy("done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", db=db))
    ok(
        run_policy("done", f"{TRADE}/2.1.1.2", "--agency", "市政府发展研究中心", db=db)
    )  # the measure's second part
    ok(run_policy("start", f"{TRADE}/2.1.3.8", "--agency", "市商务委", db=db))
    ok(run_policy("block", f"{TRADE}/2.1.3.8", "--agency", "市政府办公厅", db=db))
    ok(run_policy("mark", f"{TRADE}/2.1.3.7", "--agency", "市商务委", "--status", "n/a", db=db))
    return db


def test_documents_count_parts_and_whole_measures(marked):
    data = as_json(run_policy("stats", "--format", "json", db=marked))
    trade = next(d for d in data["documents"] if d["doc"] == TRADE)
    assert trade["total"] == len(measures(TRADE)) == 81  # today's key: whole measures
    assert trade["done"] == 1  # 2.1.1.2: both its parts done
    assert trade["parts"] == parts(TRADE)
    assert (trade["parts_done"], trade["parts_doing"], trade["parts_blocked"]) == (
        3,
        1,
        1,
    )  # n/a counts as done
    assert trade["percent"] == round(100 * 3 / parts(TRADE))
    commerce = next(a for a in data["agencies"] if a["agency"] == "市商务委")
    assert (commerce["done"], commerce["doing"], commerce["blocked"]) == (2, 1, 0)


def test_overdue_parts_as_of_today(marked):
    # the 静安 opinions' measures have no unit and are due 2020-12-31 (the document's end)
    due = {m["id"]: m.get("due") for m in measures(JINGAN)}
    late = sum(1 for d in due.values() if d and d < "2021-07-01")
    from policycli.statistics import statistics
    from policycli.store import connect

    data = statistics(connect(marked), date(2021, 7, 1))
    jingan = next(d for d in data["documents"] if d["doc"] == JINGAN)
    assert late == len(due) == 27 and jingan["parts_overdue"] == late


def test_library_filters(marked):
    from policycli.statistics import statistics
    from policycli.store import connect

    db = connect(marked)
    today = date(2024, 1, 1)  # after the service-trade plan's end, 2023-11-05
    one = statistics(db, today, agency="市商务委")
    assert [a["agency"] for a in one["agencies"]] == ["市商务委"]
    commerce_parts = sum(
        periods(m, today)
        for m in measures(TRADE)
        for u in m.get("units") or []
        if u.get("name") == "市商务委"
    )
    # 34 measures; the yearly 2.7.19.70 counts for 2020, 2021, 2022 and 2023
    assert one["agencies"][0]["total"] == commerce_parts == 37
    assert one["agencies"][0]["overdue"] == 37 - 2  # all but the done and the n/a part
    assert [d["doc"] for d in one["documents"]] == [TRADE] and one["documents"][0]["parts"] == 37
    changning = statistics(db, today, level="district", district="长宁区")
    assert changning["agencies"] and all(a["agency"].startswith("长宁区") for a in changning["agencies"])
    docs = [p.stem for p in sorted((ROOT / "data" / "measures").glob("*.json"))]
    # a unit written with a bare 区 in a 长宁区 document is 长宁区's (区商务委 → 长宁区商务委)
    naming = {
        doc
        for doc in docs
        for m in measures(doc)
        for u in m.get("units") or []
        if (u.get("name") or "").startswith("长宁区")
        or (document(doc)["district"] == "长宁区" and u["name"].startswith("区"))
    }
    assert {d["doc"] for d in changning["documents"]} == naming and JINGAN not in naming
    by_doc = statistics(db, today, doc=JINGAN)
    assert [d["doc"] for d in by_doc["documents"]] == [JINGAN]
    assert by_doc["agencies"] == [
        {
            "agency": "(unassigned)",
            "total": 27,
            "done": 0,
            "doing": 0,
            "blocked": 0,
            "overdue": 27,
            "percent": 0,
        }
    ]
    assert statistics(db)["agencies"][0]["overdue"] is None  # no today given: not counted
    from policycli.checklist import statistics as reexported

    assert reexported is statistics


def test_table_shows_counts_and_a_bar(marked):
    table = ok(run_policy("stats", db=marked, env={"COLUMNS": "100"})).stdout
    assert "按责任单位" in table and "按文件" in table
    header = next(line for line in table.splitlines() if line.startswith("责任单位"))
    assert header.split() == ["责任单位", "分项", "已完成", "推进中", "受阻", "逾期", "完成率"]
    commerce = next(line for line in table.splitlines() if line.startswith("市商务委 "))
    # 34 measures, the yearly one for 2020 and 2021: 35 parts on 2021-07-01
    assert commerce.split()[1:4] == ["35", "2", "1"] and "█" in commerce and commerce.endswith("6%")
