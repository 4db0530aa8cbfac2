"""The five seed documents against gold files written by reading them (tests/gold/README.md)."""

from __future__ import annotations

from collections import Counter

from conftest import by_path, gold_rows, seed

KINDS = ("task", "target", "indicator", "safeguard")


def printed_units(measure: dict) -> list[str]:
    return [u["printed"] for u in measure["units"]]


def counts_under(document: dict, prefix: str, kind: str) -> int:
    return sum(
        1 for m in document["measures"] if m["kind"] == kind and (m["path"] + ".").startswith(prefix + ".")
    )


# --- 001: the 80-row 责任分工表 is authoritative ---------------------------------------------


def test_001_every_table_row_is_a_measure_under_its_body_item_with_its_units():
    document = seed("001")
    measures = by_path(document)
    gold = gold_rows("001_table.tsv")
    assert len(gold) == 80
    for row in gold:
        path = f"2.{row['task_no']}.{row['detail_no']}.{row['seq']}"
        assert path in measures, f"row {row['seq']} should be at {path}"
        measure = measures[path]
        assert measure["kind"] == "task"
        assert measure["number"] == row["seq"]
        expected = row["units"].split("、") if row["units"] else []
        assert printed_units(measure) == expected, f"row {row['seq']}"
    tasks = [m for m in document["measures"] if m["kind"] == "task"]
    assert len(tasks) == 80


def test_001_body_items_are_the_rows_parents_not_measures():
    measures = by_path(seed("001"))
    assert measures["2.5.11"]["kind"] == "section"
    assert measures["2.5.11"]["title"] == "健全跨境科技服务体系"
    assert measures["2.5.11.39"]["parent"] == "hfg-2020-24/2.5.11"


def test_001_row_79_is_kept_and_reported_unassigned():
    document = seed("001")
    row = by_path(document)["2.8.21.79"]
    assert row["units"] == [] and row["lines"] == [209, 209]
    assert any("2.8.21.79" in w and "no responsible unit" in w for w in document["warnings"])


def test_001_metadata():
    document = seed("001")
    assert document["id"] == "hfg-2020-24"
    assert document["doc_number"] == "沪府规〔2020〕24号"
    assert document["title"] == "上海市全面深化服务贸易创新发展试点实施方案"
    assert document["issuer"] == "上海市人民政府"
    assert document["level"] == "市"
    assert document["issued_on"] == "2020-11-05"
    dates = [d for v in document["validity"] for d in v["dates"]]
    assert dates == ["2020-11-06"]
    assert any("通过3年试点" in v["text"] for v in document["validity"])
    start = next(v for v in document["validity"] if v["dates"])
    assert start["lines"] == [107, 107]


def test_001_collective_and_long_units_stay_whole():
    measures = by_path(seed("001"))
    assert printed_units(measures["2.1.1.1"]) == ["市推进上海国际贸易中心建设领导小组成员单位"]
    assert printed_units(measures["2.2.5.20"])[-1] == "各相关部门和单位"


# --- 004: inline 责任单位, reconciled with the 分工表 ----------------------------------------


def test_004_every_body_measure_with_its_printed_units():
    measures = by_path(seed("004"))
    for row in gold_rows("004_measures.tsv"):
        measure = measures[f"2.{row['section_no']}.{row['number']}"]
        assert measure["kind"] == "task"
        # joined, because the gold's "、" cannot show that 各街道、镇 is one collective unit
        assert "、".join(printed_units(measure)) == row["units_printed"], row["number"]
        assert measure["open_list"] == (row["open_list"] == "1"), row["number"]


def test_004_collective_with_a_dangling_suffix_is_one_unit():
    measure = by_path(seed("004"))["2.4.28"]
    assert printed_units(measure) == ["区地区办", "规划资源局", "各街道、镇"]


def test_004_district_prefix_is_distributed_over_the_list():
    measure = by_path(seed("004"))["2.1.1"]
    names = [u["name"] for u in measure["units"]]
    assert names[:3] == ["区发改委", "区市场监管局", "区建管委"]
    assert "区区府办" not in names and "区府办" in names


def test_004_table_rows_become_sub_measures_or_merge():
    measures = by_path(seed("004"))
    gold = gold_rows("004_table.tsv")
    per_measure: dict[str, list[dict]] = {}
    for row in gold:
        per_measure.setdefault(row["measure"], []).append(row)
    section_of = {r["number"]: r["section_no"] for r in gold_rows("004_measures.tsv")}
    for number, rows in per_measure.items():
        path = f"2.{section_of[number]}.{number}"
        children = [m for m in measures.values() if m["parent"] and m["parent"].endswith("/" + path)]
        if len(rows) == 1:
            assert children == [], f"measure {number} is restated by one row: no sub-measures"
            assert measures[path]["flags"] == ([rows[0]["flag"]] if rows[0]["flag"] else []), number
            continue
        assert len(children) == len(rows), f"measure {number}"
        for k, (child, row) in enumerate(zip(children, rows, strict=True), start=1):
            assert child["path"] == f"{path}.{k}"
            assert child["text"].startswith(row["text_start"]), (number, k)
            assert "、".join(printed_units(child)) == row["units_printed"], (number, k)
            assert child["flags"] == ([row["flag"]] if row["flag"] else []), (number, k)


def test_004_attachment_1_adds_no_measures():
    document = seed("004")
    under_fj1 = [m for m in document["measures"] if m["path"].startswith("fj1")]
    assert under_fj1 and all(m["kind"] == "section" for m in under_fj1)
    assert Counter(m["kind"] for m in document["measures"])["task"] == 38 + 37


def test_004_metadata():
    document = seed("004")
    assert document["level"] == "区" and document["district"] == "长宁区"
    assert document["title"] == "长宁区加强改革系统集成持续深化国际一流营商环境建设2021年行动方案"


# --- 000, 002, 003: counts per section, indicators -------------------------------------------


def test_000_measures_unassigned_safeguards_and_validity():
    document = seed("000")
    assert [counts_under(document, f"3.{k}", "task") for k in (1, 2, 3, 4)] == [6, 5, 6, 5]
    assert counts_under(document, "4", "safeguard") == 4
    assert counts_under(document, "2", "target") == 1
    assert all(not m["units"] for m in document["measures"])
    names = {u["name"] for u in document["coordinating_units"]}
    assert {"市服务业发展改革工作领导小组", "市发展改革委"} <= names
    assert [d for v in document["validity"] for d in v["dates"]] == ["2018-06-01", "2020-12-31"]
    assert document["issuer"] == "上海市人民政府" and document["level"] == "市"
    # the closing sentence belongs to the document, not to the last safeguard
    assert "2018年6月1日" not in by_path(document)["4.4"]["text"]


def test_002_tasks_targets_safeguards():
    document = seed("002")
    assert [counts_under(document, f"3.{k}", "task") for k in range(1, 7)] == [3, 3, 4, 3, 5, 4]
    targets = [m for m in document["measures"] if m["kind"] == "target"]
    assert [m["path"] for m in targets] == ["2.4.b1", "2.4.b2", "2.4.b3", "2.4.b4"]
    assert "跨国公司地区总部五年累计新增18家" in targets[3]["text"]
    assert counts_under(document, "4", "safeguard") == 6
    assert counts_under(document, "1", "task") == counts_under(document, "2", "task") == 0
    assert document["doc_number"] == "长发改〔2021〕47号"
    assert (document["level"], document["district"], document["issued_on"]) == ("区", "长宁区", "2021-11-05")


def test_003_pdf_text_tasks_boxes_targets():
    document = seed("003")
    measures = by_path(document)
    boxes = [m for m in document["measures"] if m["path"].split(".")[-1].startswith("zl")]
    assert len(boxes) == 11 and all(m["kind"] == "task" for m in boxes)
    items = [
        m
        for m in document["measures"]
        if m["kind"] == "task" and m["path"].startswith("3.") and "zl" not in m["path"]
    ]
    assert len(items) == 11
    assert counts_under(document, "4", "task") == 4
    assert counts_under(document, "2.3", "target") == 5
    assert counts_under(document, "5", "safeguard") == 5
    # wrapped lines are joined, page numbers dropped, the box ends where body-width text resumes
    assert (
        "—８１—" not in measures["3.2.2"]["text"] and "服务信息化、标准化建设." in measures["3.2.2"]["text"]
    )
    assert "节能环保服务" in measures["3.2.3"]["text"] and "节能环保服务" not in measures["3.2.3.zl6"]["text"]
    assert measures["3.1.1.zl1"]["title"] == "提升金融服务能级专项行动"
    assert document["doc_number"] == "沪府办发〔2021〕7号" and document["issued_on"] == "2021-06-16"


def test_003_indicator_table():
    document = seed("003")
    indicators = [m for m in document["measures"] if m["kind"] == "indicator"]
    gold = gold_rows("003_indicators.tsv")
    assert len(indicators) == len(gold) == 10
    for measure, row in zip(indicators, gold, strict=True):
        assert measure["path"] == f"2.3.zb{row['seq']}"
        assert measure["title"] == row["name"]
        assert measure["indicator"] == {
            "unit": row["unit"],
            "attribute": row["attribute"],
            "target": row["target"],
            "year": 2025,
        }
    # the caption above the header stays in the output, with the section that holds the table
    caption = "上海“十四五”服务业发展主要指标"
    measures = by_path(document)
    assert measures["2.3"]["text"].endswith(caption) and measures["2.3"]["lines"][1] == 299
    assert caption not in measures["2.3.5"]["text"]


# --- every seed ------------------------------------------------------------------------------


def test_every_measure_has_provenance_and_a_title():
    for prefix in ("000", "001", "002", "003", "004"):
        document = seed(prefix)
        lines = document["source"]["lines"]
        for m in document["measures"]:
            first, last = m["lines"]
            assert 1 <= first <= last <= lines, (prefix, m["id"])
            assert m["id"] == f"{document['id']}/{m['path']}"
            if m["kind"] in KINDS:
                assert m["title"] and m["text"], (prefix, m["id"])
        ids = [m["id"] for m in document["measures"]]
        assert len(ids) == len(set(ids)), prefix
