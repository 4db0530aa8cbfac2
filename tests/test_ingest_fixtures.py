"""Small hand-made documents in the shapes the seeds lack (tests/fixtures), against hand-written gold."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from conftest import FIXTURES, GOLD

from policycli.ingest import ingest_path

CASES = sorted(p.name for p in FIXTURES.iterdir())


@pytest.mark.parametrize("name", CASES)
def test_fixture_matches_gold(name):
    gold = json.loads((GOLD / "fixtures" / f"{name}.json").read_text(encoding="utf-8"))
    document = ingest_path(FIXTURES / name)
    for key in ("doc_number", "level", "district", "issued_on"):
        assert document[key] == gold[key], key
    assert sorted({d for v in document["validity"] for d in v["dates"]}) == sorted(gold["validity_dates"])
    measures = {m["path"]: m for m in document["measures"] if m["kind"] != "section"}
    assert dict(Counter(m["kind"] for m in measures.values())) == gold["counts"]
    assert sorted(measures) == sorted(gold["measures"])
    for path, expected in gold["measures"].items():
        measure = measures[path]
        assert measure["kind"] == expected["kind"], path
        assert [[u["printed"], u["role"]] for u in measure["units"]] == expected["units"], path
        assert measure["open_list"] == expected["open_list"], path


def test_gb18030_characters_outside_gbk_survive():
    document = ingest_path(FIXTURES / "district_gb18030.txt")
    assert document["source"]["encoding"] == "gb18030"
    text = "".join(m["text"] for m in document["measures"])
    assert "𠀾" in text and "䶮" in text


def test_utf16_with_bom_is_read():
    document = ingest_path(FIXTURES / "utf16.txt")
    assert document["source"]["encoding"] == "utf-16"
    assert document["doc_number"] == "黄府办发〔2023〕15号"


def test_html_page_noise_is_dropped():
    document = ingest_path(FIXTURES / "page.html")
    text = "".join(m["text"] for m in document["measures"])
    assert "<" not in text and "function" not in text and "&ldquo;" not in text
    assert document["title"] == "上海市推动工业互联网创新发展若干措施"


def test_nested_brackets_keep_one_unit():
    document = ingest_path(FIXTURES / "lead_co.txt")
    printed = [u["printed"] for m in document["measures"] for u in m["units"]]
    assert "市交通委（市道运局）" in printed


def test_an_indicator_tables_caption_is_kept(tmp_path):
    source = tmp_path / "plan.txt"
    source.write_text(
        "某某区发展规划\n一、发展目标\n到2025年，主要指标如下。\n1.产业能级提升。\n某某区主要指标\n"
        "序号 指标名称 单位 指标属性 2025年\n1 产业增加值 亿元 预期性 100\n二、主要任务\n1.推进改革。\n",
        encoding="utf-8",
    )
    measures = {m["path"]: m for m in ingest_path(source)["measures"]}
    assert measures["1"]["text"].endswith("某某区主要指标") and measures["1"]["lines"] == [2, 5]
    assert "某某区主要指标" not in measures["1.1"]["text"]
    assert measures["1.zb1"]["indicator"]["target"] == "100"


def _notice(tmp_path, greeting: str, signature: str = "") -> dict:
    source = tmp_path / "notice.txt"
    source.write_text(
        f"{greeting}\n　　现提出加快某某工作的若干意见如下：\n一、主要任务\n"
        f"1.推进某某改革。（责任单位：市发展改革委）\n{signature}",
        encoding="utf-8",
    )
    return ingest_path(source)


def test_a_greeting_to_every_district_and_commission_marks_a_city_document(tmp_path):
    for greeting in (
        "各区人民政府，市政府各委、办、局：",
        "市政府各委、办、局，各区人民政府：",
        "各区、县人民政府，市政府各部门：",
    ):
        document = _notice(tmp_path, greeting)
        assert (document["issuer"], document["issuer_source"], document["level"]) == (
            "上海市人民政府",
            "inferred from addressees",
            "市",
        ), greeting


def test_the_greeting_is_only_a_last_resort_for_the_issuer(tmp_path):
    # the general office greets alike: its signature, when printed, names the issuer
    document = _notice(tmp_path, "各区人民政府，市政府各委、办、局：", "上海市人民政府办公厅\n2022年3月1日\n")
    assert (document["issuer"], document["issuer_source"]) == ("上海市人民政府办公厅", "signature")
    # 市政府有关委、办、局 (some of them) is how a commission greets too: no inference
    assert _notice(tmp_path, "各区人民政府，市政府有关委、办、局：")["issuer"] is None
