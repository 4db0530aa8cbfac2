"""Due-date phrases and the choice of a measure's own due date, one hand-written sentence per form."""

from __future__ import annotations

from datetime import date

import pytest

from policycli.folding import fold
from policycli.ingest.deadlines import DEADLINE_RULES, deadlines_in, measure_deadline


def read(text: str, ref_year: int | None = 2021, not_before: date | None = None) -> list[str]:
    return [d.date.isoformat() for d in deadlines_in(fold(text), ref_year, not_before)]


# (form, sentence, reference year, deadlines read)
PHRASES = [
    ("到“十四五”末", "到“十四五”末，建成一批示范项目。", None, ["2025-12-31"]),
    ("“十四五”期间", "“十四五”期间，外环绿带内新增城市公园35座以上。", None, ["2025-12-31"]),
    ("“十三五”时期 (each five-year plan)", "“十三五”时期完成改造。", None, ["2020-12-31"]),
    ("“十四五”规划 names a plan", "结合本市“十四五”林地专项规划编制，推进造林。", None, []),
    ("a year opening the sentence", "完善技术体系。2027年，制定海绵城市建设管理办法。", None, ["2027-12-31"]),
    ("a year opening a clause", "聚焦重点项目，2021年上半年研究明确政策路径。", None, ["2021-06-30"]),
    (
        "…年底 followed by the work",
        "提出支持政策，2021年底基本形成可落地、可操作的实施方案。",
        None,
        ["2021-12-31"],
    ),
    ("…年上半年 followed by the work", "2021年上半年确定造林空间落地方案。", None, ["2021-06-30"]),
    ("…年底前", "2024年底前，完成系统方案编制。", None, ["2024-12-31"]),
    ("6月底前 takes the reference year", "6月底前完成排查。", 2024, ["2024-06-30"]),
    ("一季度", "一季度完成方案制定。", 2026, ["2026-03-31"]),
    ("至…年", "完善源头控制措施，至2035年，全区排水系统基本达到3-5年一遇。", None, ["2035-12-31"]),
    (
        "到…年 in a measure",
        "培育一批区域公用品牌。到2025年，地产稻米品牌化比例达到50%。",
        None,
        ["2025-12-31"],
    ),
    (
        "a range's yearless end takes the year before it",
        "集中攻坚阶段（2023年8月至11月）",
        None,
        ["2023-11-30"],
    ),
    ("a range with a dash", "全面巩固提升阶段（2023年12月—2024年6月）", None, ["2024-06-30"]),
    ("中旬前", "11月中旬前完成验收。", 2026, ["2026-11-20"]),
    (
        "a year naming a requirement is not a deadline",
        "编制控制指标，落实2030年海绵城市建设达标要求。",
        None,
        [],
    ),
    ("a start is not a deadline", "总结推广。2023年起，按照项目清单进行考核。", None, []),
    (
        "years inside a cited title are not deadlines",
        "按照《上海市城市总体规划（2017-2035年）》要求推进。",
        None,
        [],
    ),
    ("past years reported are not deadlines", "2024年及2025年我区已累计完成约4180亩整治任务量。", None, []),
    ("a validity window is not a deadline", "中标有效期限自2024年1月1日起至2027年12月31日止。", None, []),
    (
        "the document's 有效期至 is not a measure's deadline",
        "本办法自2024年3月1日起施行，有效期至2026年12月31日。",
        None,
        [],
    ),
    (
        "a date qualifying a noun (…前已取得…的企业)",
        "对2025年6月30日前已取得许可的企业给予过渡期。",
        None,
        [],
    ),
    ("a date qualifying a standard (…前的标准)", "按照2025年12月31日前的标准执行。", None, []),
    ("a baseline (在…的基础上)", "在2024年的基础上，进一步提升覆盖率。", None, []),
    ("an event's period (于…期间)", "于2025年世博会期间做好安全保障。", None, []),
]


@pytest.mark.parametrize("form, text, ref_year, expected", PHRASES, ids=[p[0] for p in PHRASES])
def test_deadline_phrase(form, text, ref_year, expected):
    assert read(text, ref_year) == expected, form


def test_a_baseline_before_the_document_is_not_a_deadline():
    assert read("对照2020年水平，到2025年，增加值翻一番。", not_before=date(2021, 6, 1)) == ["2025-12-31"]


def test_every_deadline_rule_reads_its_example():
    for rule in DEADLINE_RULES:
        assert deadlines_in(fold(rule.example), 2021), rule.name


# --- a measure's due -----------------------------------------------------------------------------


def validity(
    start: str | None = None, until: str | None = None, until_rule: str = "stated end (有效期至)"
) -> dict:
    record = lambda value, rule: {"date": value, "quote": "…", "rule": rule, "lines": None, "inferred": False}  # noqa: E731
    return {
        "from": record(start, "stated start (自…起施行)") if start else None,
        "until": record(until, until_rule) if until else None,
    }


def due(
    text: str,
    valid: dict | None = None,
    issued: str | None = "2021-05-20",
    parent: dict | None = None,
    **measure,
) -> dict | None:
    document = {"issued_on": issued}
    return measure_deadline({"text": text, "lines": [1, 1], **measure}, document, valid or validity(), parent)


def test_a_deadline_cell_gives_the_rows_due():
    info = due("编制专项规划", deadline_raw="2019年3月")
    assert (info["date"], info["precision"], info["rule"], info["inherited"]) == (
        "2019-03-31",
        "month",
        "deadline cell (完成时限)",
        False,
    )
    assert due("推进海绵型公园建设", deadline_raw="“十四五”期间")["date"] == "2025-12-31"
    assert due("推进", deadline_raw="2021年6月—2022年6月")["date"] == "2022-06-30"  # a range: its end


def test_one_date_is_the_measures_own_due():
    info = due("2021年底，基本完成控制性详细规划编制。2021年底前报市政府。")  # the same date twice
    assert (info["date"], info["inherited"]) == ("2021-12-31", False)


def test_several_different_dates_give_no_own_due_and_no_inherited_one():
    info = due(
        "2021年底，基本完成控制性详细规划编制。“十四五”期间，新增绿地面积400公顷以上。",
        validity(until="2025-12-31"),
    )
    assert (
        info["date"] is None and info["milestones"] == ["2021-12-31", "2025-12-31"] and not info["inherited"]
    )


def test_a_recurrence_gives_no_own_due():
    info = due("每半年开展一次耕地种粮情况监测评价。2021年，组织开展撂荒地专项检查。")
    assert (info["date"], info["recurrence"], info["occurrences"]) == (None, "half-yearly", [])


def test_a_recurrence_without_a_stated_start_counts_from_the_issue_date():
    info = due(
        "每半年通报一次工作进展。",
        validity(until="2022-12-31", until_rule="annual plan (YYYY年行动方案)"),
        issued="2022-03-01",
    )
    assert info["occurrences"] == ["2022-06-30", "2022-12-31"] and "from the issue date" in info["rule"]


def test_a_year_naming_a_requirement_leaves_the_measure_to_inherit():
    info = due("落实2030年海绵城市建设达标要求。", validity(until="2025-12-31"))
    assert (info["date"], info["inherited"]) == ("2025-12-31", True) and info["rule"].startswith(
        "document end"
    )


def test_a_parents_own_deadline_is_inherited():
    parent = due("2021年底前，完成全部整改。")
    info = due("开展排查。", parent=parent)
    assert (info["date"], info["inherited"]) == ("2021-12-31", True) and info["rule"].startswith("parent's")


def test_yearless_dates_take_the_year_of_an_annual_plan():
    valid = validity(until="2026-12-31", until_rule="annual plan (YYYY年行动方案)")
    assert due("一季度完成方案制定。", valid, issued="2025-12-20")["date"] == "2026-03-31"


def test_no_date_and_no_validity_gives_no_due():
    assert due("加强统筹协调。") is None
