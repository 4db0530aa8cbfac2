"""Validity rules and document facts, one small hand-written document per form (expected values read by hand).

Each case names the form it covers, so a failure says which form the parser stopped reading.
"""

from __future__ import annotations

import re

import pytest

from policycli.folding import fold
from policycli.ingest import ingest_path
from policycli.ingest.validity import CLAUSE_RULES, KIND_RULES, TITLE_RULES, _plan_name


def ingest_text(tmp_path, text: str, name: str = "doc.txt") -> dict:
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    return ingest_path(source)


def notice(title: str, body: str, date: str = "2024年7月4日", issuer: str = "上海市某某管理局") -> str:
    """A notice as published: title, greeting, body, signature, date."""
    return f"{title}\n各区人民政府，各有关单位：\n{body}\n{issuer}\n{date}\n"


# (form, document text, effective_from, effective_until)
CASES = [
    (
        "plan period in the title (2024-2026年)",
        notice(
            "上海市某某局关于印发《上海市某某推广应用三年行动计划（2024-2026年）》的通知",
            "现将行动计划印发给你们，请认真贯彻执行。",
        ),
        None,
        "2026-12-31",
    ),
    (
        "plan period with an em dash (2026—2027年)",
        notice(
            "关于印发《某某工作实施方案（2026—2027年）》的通知", "现将实施方案印发给你们。", "2025年7月8日"
        ),
        None,
        "2027-12-31",
    ),
    (
        "plan period without 年 (2019—2021)",
        notice(
            "关于转发区消防支队《某区消防救援发展三年行动计划（2019—2021）》的通知",
            "现转发给你们。",
            "2019年8月21日",
        ),
        None,
        "2021-12-31",
    ),
    (
        "annual 工作要点: year opening the title",
        notice("关于印发《2026年某某城市建设工作要点》的通知", "现印发给你们。", "2026年4月27日"),
        None,
        "2026-12-31",
    ),
    (
        "annual 年度实施计划",
        notice(
            "关于转发区建设管理委制订的《某区城市更新2025年度实施计划》的通知",
            "现转发给你们。",
            "2025年7月15日",
        ),
        None,
        "2025-12-31",
    ),
    (
        "annual 工作要求 without brackets",
        notice(
            "上海市某某委员会关于发布2025年本市某某建设工作要求的通知",
            "为做好2025年某某建设工作，现就有关要求通知如下：",
            "2025年1月27日",
        ),
        None,
        "2025-12-31",
    ),
    (
        "annual 若干举措（2026年）",
        notice("关于印发《某某局信息化赋能若干举措（2026年）》的通知", "现印发给你们。", "2026年2月13日"),
        None,
        "2026-12-31",
    ),
    (
        "a version label （2025版） is not a year plan",
        notice("关于印发《某某技术导则（2025版）》的通知", "现印发给你们。", "2025年3月1日"),
        None,
        None,
    ),
    (
        "有效期自…起至…止",
        notice(
            "关于印发《某区应急避难场所管理办法（试行）》的通知",
            "现印发给你们。\n第三十二条 本办法有效期自2026年1月1日起至2027年12月31日止。",
            "2025年12月31日",
        ),
        "2026-01-01",
        "2027-12-31",
    ),
    (
        "于…截止",
        notice(
            "关于印发《某某补贴办法》的通知",
            "本办法自2024年3月1日起施行，有效期于2025年12月31日截止。",
            "2024年2月1日",
        ),
        "2024-03-01",
        "2025-12-31",
    ),
    (
        "试行一年",
        notice(
            "关于印发《某某管理办法（试行）》的通知", "本办法自2024年3月1日起试行，试行一年。", "2024年2月1日"
        ),
        "2024-03-01",
        "2025-02-28",
    ),
    (
        "有效期两年 (Chinese numeral)",
        notice(
            "关于印发《某区绿色生态城区建设管理办法（试行）》的通知",
            "第二十条 本办法自2025年3月20日起施行，有效期两年。",
            "2025年2月10日",
        ),
        "2025-03-20",
        "2027-03-19",
    ),
    (
        "有效期五年 after 自…起施行, with other durations that are not validity",
        notice(
            "关于印发《某某执法管理办法》的通知",
            "违法行为在二年内未被发现的，不再给予处罚；处一年以上三年以下的限制。\n"
            "第四十四条 本办法自2022年1月1日起施行，有效期五年。",
            "2021年12月31日",
        ),
        "2022-01-01",
        "2026-12-31",
    ),
    (
        "自…开始执行",
        notice(
            "上海市某某委员会关于在本市进一步加快绿色建材推广应用的通知（试行）",
            "一、2023年1月1日起，政府投资项目应全面使用绿色建材。\n二、评估论证采信证书有效期5年。\n三、本通知自2022年9月1日开始执行。",
            "2022年7月15日",
        ),
        "2022-09-01",
        None,
    ),
    (
        "a pilot period stated in the text: the printed end wins over 为期两年",
        notice(
            "关于印发本区农村集体经营性建设用地入市试点推进工作方案的通知",
            "本区农村集体经营性建设用地入市试点工作从2023年4月启动，至2024年底结束，为期两年。",
            "2023年6月27日",
        ),
        "2023-04-01",
        "2024-12-31",
    ),
    (
        "extension notice: the new end",
        notice(
            "上海市某某委员会关于延长《上海市某某管理实施细则》有效期的通知",
            "经评估，《上海市某某管理实施细则》（沪某〔2016〕893 号）需继续实施，"
            "有效期延长至 2026年10月31日。",
            "2021年10月3日",
        ),
        None,
        "2026-10-31",
    ),
    (
        "extension notice: the old end in the same sentence is superseded",
        notice(
            "上海市某某委员会关于延长《某某裁量基准》有效期的通知",
            "《某某裁量基准》（沪某〔2021〕6号）有效期将于2026年9月19日届满，经评估需继续实施，有效期延长至2031年9月19日止。",
            "2026年8月19日",
        ),
        None,
        "2031-09-19",
    ),
    (
        "extension notice appending the original text with its old 有效期至",
        notice(
            "关于延长《某某管理办法》有效期的通知",
            "经评估，《某某管理办法》需继续实施，有效期延长至2028年6月30日。\n附件：某某管理办法\n"
            "第一条 为规范某某管理，制定本办法。\n"
            "第二十条 本办法自2021年7月1日起施行，有效期至2026年6月30日。",
            "2026年5月6日",
        ),
        None,
        "2028-06-30",
    ),
    (
        "extension notice by a length from the old end",
        notice(
            "关于延长《某某管理办法》有效期的通知",
            "《某某管理办法》有效期将于2025年6月30日届满。经评估，有效期延长两年。",
            "2025年6月1日",
        ),
        None,
        "2027-06-30",
    ),
    (
        "继续有效 without a date gives no end",
        notice(
            "上海市人民政府关于《上海市人民政府关于印发〈上海市某某暂行办法〉的通知》继续有效的通知",
            "《上海市人民政府关于印发〈上海市某某暂行办法〉的通知》（沪府发〔2011〕3号）经评估继续有效，请继续按照执行。",
            "2018年11月28日",
        ),
        None,
        None,
    ),
    (
        "repeal notice: starts on its issue date, no end",
        notice(
            "关于废止规范性文件《某区既有玻璃幕墙建筑管理办法》的通知",
            "经研究，现决定对《某区既有玻璃幕墙建筑管理办法》(某建规〔2021〕1号)予以废止，废止文件自本通知印发之日起停止执行。",
            "2025年2月7日",
        ),
        "2025-02-07",
        None,
    ),
    (
        "自印发之日起施行 (DERIVED from the issue date)",
        notice(
            "关于印发《某区历史风貌保护实施意见》的通知",
            "本实施意见自印发之日起施行。2022年7月印发的《某区历史风貌保护实施意见》（某府办发〔2022〕6号）同时废止。",
            "2025年4月14日",
        ),
        "2025-04-14",
        None,
    ),
    (
        "自发布之日起实行",
        notice(
            "关于印发《某区水资源调度实施细则（试行）》的通知",
            "本细则自发布之日起实行，原细则同时废止。",
            "2024年4月24日",
        ),
        "2024-04-24",
        None,
    ),
    (
        "自发布之日起30日后施行",
        notice(
            "关于印发《某区建筑垃圾管理实施意见》的通知", "本意见自发布之日起30日后施行。", "2022年3月1日"
        ),
        "2022-03-31",
        None,
    ),
    (
        "自印发之日起实施，有效期至…, with a back-dated subsidy window",
        notice(
            "关于印发《某区耕地质量保护补贴实施细则》的通知",
            "4．本实施细则自印发之日起实施，有效期至2026年10月30日，其中有机肥补贴自2023年4月7日起至印发之日参照实施。",
            "2024年5月6日",
        ),
        "2024-05-06",
        "2026-10-30",
    ),
    (
        "a start and an end in the same sentence, beside a window of other things",
        notice(
            "关于印发《上海市某某专项资金扶持办法》的通知",
            "（二）本办法适用于本市2022-2026年投产发电的项目，自2022年12月15日起实施，有效期至2026年12月31日。",
            "2022年11月18日",
        ),
        "2022-12-15",
        "2026-12-31",
    ),
    (
        "a window that is not the document's validity (中标有效期限自…至…止)",
        notice(
            "关于规范本区建筑垃圾运输处置的实施办法",
            "一、经公开招标，确定中标运输企业，中标有效期限自2024年1月1日起至2027年12月31日止。",
            "2024年2月29日",
        ),
        None,
        None,
    ),
    (
        "goals are not validity (到2025年 / 到2035年)",
        notice(
            "关于印发《关于加快推进某某建设的实施意见》的通知",
            "到2025年，某某体系基本形成。到2035年，某某基本建成。\n按照市政府印发的《关于本市2021年工作方案》要求推进。",
            "2021年5月20日",
        ),
        None,
        None,
    ),
    (
        "a regulation repealing a 关于延长…有效期的通知 is not an extension",
        notice(
            "关于印发《上海市某某行政执法管理办法》的通知",
            "本办法自2022年1月1日起施行，有效期五年。《关于延长<上海市某某管理办法>有效期的通知》(沪某〔2016〕17号)同时废止。",
            "2021年12月31日",
        ),
        "2022-01-01",
        "2026-12-31",
    ),
    (
        "a duration that is not the document's (自核定公布之日起一年内)",
        notice(
            "关于印发《某镇文物保护管理办法》的通知",
            "第十条 文物保护单位应当自核定公布之日起一年内划定保护范围。",
            "2023年10月13日",
        ),
        None,
        None,
    ),
    (
        "“十四五” labelling a programme is not a plan horizon",
        notice(
            "上海市某某委员会关于某某审批权限下放各区的通知",
            "拟将“十四五”重点基础设施市对区支持政策中部分项目审批权限下放各区。",
            "2022年12月8日",
        ),
        None,
        None,
    ),
    (
        "有效期为…至… (a range without 自)",
        notice(
            "关于印发《上海市某某管理办法》的通知",
            "第三十条 本办法有效期为2024年4月1日至2029年3月31日。",
            "2024年3月1日",
        ),
        "2024-04-01",
        "2029-03-31",
    ),
    (
        "自…起施行，至…止 (a start and an end without 有效期)",
        notice(
            "关于印发《上海市某某管理办法》的通知",
            "第三十条 本办法自2024年4月1日起施行，至2029年3月31日止。",
            "2024年3月1日",
        ),
        "2024-04-01",
        "2029-03-31",
    ),
    (
        "有效期三年半 (a half year counts)",
        notice(
            "关于印发《上海市某某管理办法》的通知",
            "第三十条 本办法自2024年4月1日起施行，有效期三年半。",
            "2024年3月1日",
        ),
        "2024-04-01",
        "2027-09-30",
    ),
    (
        "a five-year plan in the title",
        notice("关于印发《上海市城市数字化转型“十四五”规划》的通知", "现印发给你们。", "2021年10月1日"),
        None,
        "2025-12-31",
    ),
]


@pytest.mark.parametrize("form, text, start, end", CASES, ids=[c[0] for c in CASES])
def test_validity_form(tmp_path, form, text, start, end):
    document = ingest_text(tmp_path, text)
    assert (document["effective_from"], document["effective_until"]) == (start, end), form
    for edge, value in (("from", start), ("until", end)):
        record = document["validity_rules"][edge]
        assert (record is None) == (value is None)
        if record:
            assert (
                set(record) == {"date", "quote", "rule", "lines", "inferred"}
                and record["quote"]
                and record["rule"]
            )


def test_no_start_stated_keeps_the_issue_date_in_issued_on_only(tmp_path):
    document = ingest_text(tmp_path, CASES[0][1])
    assert document["issued_on"] == "2024-07-04"
    assert document["effective_from"] is None and document["validity_rules"]["from"] is None


def test_a_length_without_a_stated_start_counts_from_the_issue_date_and_says_so(tmp_path):
    document = ingest_text(
        tmp_path, notice("关于印发《某某办法》的通知", "本办法有效期两年。", "2024年3月1日")
    )
    until = document["validity_rules"]["until"]
    assert (document["effective_from"], until["date"], until["inferred"]) == (None, "2026-02-28", True)


def test_the_pilot_length_is_an_inference_from_the_stated_start(tmp_path):
    text = notice(
        "关于印发《某某创新发展试点实施方案》的通知",
        "通过3年试点，形成可复制的经验。\n本实施方案自2020年11月6日起施行。",
        "2020年11月5日",
    )
    until = ingest_text(tmp_path, text)["validity_rules"]["until"]
    assert (until["date"], until["inferred"]) == ("2023-11-05", True)


def test_the_clause_of_the_carried_text_wins_over_the_notices(tmp_path):
    text = notice(
        "关于印发《某某管理办法》的通知",
        "本通知自印发之日起施行。\n某某管理办法\n"
        "第二十条 本办法自2024年3月1日起施行，有效期至2026年12月31日。",
        "2024年1月17日",
    )
    document = ingest_text(tmp_path, text)
    assert (document["effective_from"], document["effective_until"]) == ("2024-03-01", "2026-12-31")


def test_every_rule_reads_its_own_example():
    for rule in CLAUSE_RULES:
        m = rule.pattern.search(fold(rule.example))
        assert m, rule.name
    for rule in TITLE_RULES:
        assert rule.pattern.search(_plan_name(rule.example)), rule.name
    for name, pattern, example in KIND_RULES:
        assert pattern.search(re.sub(r"《[^》]*》", "《》", fold(example))), name


def test_validity_patterns_are_linear_on_long_runs():
    """No pattern backtracks on a long run of spaces or characters (ingest must stay ≥ 1 MB/s)."""
    import time

    hostile = [
        "有效期" + " " * 20000 + "至",
        "自" + "2" * 20000 + "起",
        "试点" + "从" * 20000,
        "本" * 20000 + "办法",
    ]
    for rule in CLAUSE_RULES:
        for text in hostile:
            start = time.perf_counter()
            rule.pattern.search(text)
            assert time.perf_counter() - start < 0.5, rule.name


# --- document facts: 文号, title, issuers, issue date ----------------------------------------------


def test_a_doc_number_on_the_line_after_the_title_is_not_part_of_the_title(tmp_path):
    text = (
        "上海市人民政府办公厅关于推进某某更新提升的实施意见\n沪府办发〔2025〕13号\n各区人民政府，市政府各委、办、局：\n"
        "为推动某某高质量发展，现提出如下实施意见。\n一、主要任务\n（一）推进某某。（责任单位：市商务委）\n上海市人民政府办公厅\n2025年7月3日\n"
    )
    document = ingest_text(tmp_path, text, "doc.md")  # markdown: the two lines come out as one paragraph
    assert document["doc_number"] == "沪府办发〔2025〕13号"
    assert document["title"] == "上海市人民政府办公厅关于推进某某更新提升的实施意见"


def test_front_matter_lines_run_together_are_read_field_by_field(tmp_path):
    text = (
        "---\n标题: 上海市某某局关于延长《某某管理办法》有效期的通知\n"
        "文号: 沪某规〔2026〕2号\n发布单位: 上海市某某总队\n"
        "发布日期: 2026-06-30\n---\n\n# 上海市某某局关于延长《某某管理办法》有效期的通知\n\n"
        "上海市某某局关于延长《某某管理办法》有效期的通知\n\n"
        "各有关单位：\n\n经评估，《某某管理办法》（沪某规〔2021〕3号）需继续实施，有效期延长至2027年6月30日。\n\n特此通知。\n\n上海市某某局\n\n2026年6月29日\n"
    )
    document = ingest_text(tmp_path, text, "page.md")
    assert document["doc_number"] == "沪某规〔2026〕2号"
    # an extension notice is its own document: its title is the notice's, not the extended text's
    assert document["title"] == "上海市某某局关于延长《某某管理办法》有效期的通知"
    assert document["issued_on"] == "2026-06-29"  # the signature's date, not the front matter's
    assert document["issuer"] == "上海市某某局"  # the notice's issuer, not the page's publisher
    assert document["effective_until"] == "2027-06-30"


def test_a_notice_carrying_a_plan_that_cites_a_regulation_has_the_plans_title(tmp_path):
    text = notice(
        "上海市人民政府办公厅关于印发贯彻《上海市生活垃圾管理条例》推进全程分类体系建设实施方案的通知",
        "现将实施方案印发给你们。",
        "2019年3月1日",
        "上海市人民政府办公厅",
    )
    assert (
        ingest_text(tmp_path, text)["title"] == "贯彻《上海市生活垃圾管理条例》推进全程分类体系建设实施方案"
    )


def test_a_loosely_named_plan_takes_its_own_heading(tmp_path):
    text = (
        notice(
            "上海市崇明区人民政府办公室关于印发本区农村公路管理养护改革实施方案的通知",
            "现印发给你们。",
            "2021年7月24日",
            "上海市崇明区人民政府办公室",
        )
        + "崇明区农村公路管理养护改革实施方案\n一、工作目标\n到2022年，基本建立管理养护体制。\n"
    )
    assert ingest_text(tmp_path, text)["title"] == "崇明区农村公路管理养护改革实施方案"


def _metadata(text: str):
    from policycli.ingest.layout import paragraphs, raw_lines
    from policycli.ingest.metadata import extract
    from policycli.ingest.structure import build_outline

    paras, wrapped = paragraphs(raw_lines(text))
    outline = build_outline(paras, wrapped)
    first = min((c.first_line for c in outline.root.children if c.first_line), default=None)
    return extract([p for p in paras if first is None or p.last_line < first], paras, outline.tail)


def test_joint_issuers_in_a_notice_title_are_a_list():
    meta = _metadata(
        notice(
            "上海市商务委员会、上海市发展和改革委员会关于印发《某某若干措施》的通知",
            "现印发给你们。",
            "2022年3月1日",
            "",
        )
    )
    assert meta.issuers == ["上海市商务委员会", "上海市发展和改革委员会"]
    assert meta.issuer == "上海市商务委员会"


def test_joint_issuers_signing_on_one_or_several_lines_are_a_list():
    text = (
        "关于印发《某区绿色生态城区建设管理办法（试行）》的通知\n各有关单位：\n现印发给你们。\n"
        "上海市嘉定区建设和管理委员会    上海市嘉定区规划和自然资源局\n"
        "上海市嘉定区财政局上海市嘉定区发展和改革委员会\n2024年1月17日\n"
    )
    meta = _metadata(text)
    assert meta.issuers == [
        "上海市嘉定区建设和管理委员会",
        "上海市嘉定区规划和自然资源局",
        "上海市嘉定区财政局",
        "上海市嘉定区发展和改革委员会",
    ]
    assert (meta.issuer, meta.issuer_source, meta.issued_on) == (
        "上海市嘉定区建设和管理委员会",
        "signature",
        "2024-01-17",
    )
