"""The date layer, on sentences taken from the documents."""

from __future__ import annotations

from datetime import date

import pytest

from policycli.folding import fold
from policycli.ingest.dates import add_workdays, find_dates, find_duration, find_recurrence, occurrences


def dates(text: str, ref_year: int | None = None, edge: str = "end"):
    return [(d.date, d.precision) for d in find_dates(fold(text), ref_year, edge)]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "本办法自2018年6月1日起执行，有效期至2020年12月31日。",
            [(date(2018, 6, 1), "day"), (date(2020, 12, 31), "day")],
        ),
        ("本实施方案自 2020 年 11 月 6 日起施行", [(date(2020, 11, 6), "day")]),
        ("２０２１年６月１６日", [(date(2021, 6, 16), "day")]),  # full-width digits (PDF text)
        ("长宁区国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要", [(date(2035, 12, 31), "year")]),
        ("二○三五年远景目标", [(date(2035, 12, 31), "year")]),  # ○ (white circle) written for 〇
        ("二〇二一年十二月三十一日", [(date(2021, 12, 31), "day")]),
        ("到2025年,服务业增加值占全市生产总值比重达到75%左右", [(date(2025, 12, 31), "year")]),
        ("2021年底前完成", [(date(2021, 12, 31), "year")]),
        ("2022年第三季度", [(date(2022, 9, 30), "quarter")]),
        ("2022年上半年", [(date(2022, 6, 30), "half")]),
        ("2023年6月", [(date(2023, 6, 30), "month")]),
    ],
)
def test_absolute_and_partial_dates(text, expected):
    assert dates(text) == expected


def test_dates_without_a_year_take_the_documents_year():
    assert dates("6月1日前完成整改", ref_year=2023) == [(date(2023, 6, 1), "day")]
    assert dates("6月底前", ref_year=2023) == [(date(2023, 6, 30), "month")]
    assert dates("年底前完成", ref_year=2021) == [(date(2021, 12, 31), "year")]
    assert dates("第三季度", ref_year=2021) == [(date(2021, 9, 30), "quarter")]
    assert dates("6月底前") == []  # no year known: unresolved, never guessed


def test_partial_dates_as_starts():
    assert dates("2022年上半年", edge="start") == [(date(2022, 1, 1), "half")]
    assert dates("2025年", edge="start") == [(date(2025, 1, 1), "year")]


def test_durations():
    assert find_duration(fold("有效期5年")).add_to(date(2021, 3, 1)) == date(2026, 2, 28)
    assert find_duration(fold("通过3年试点")).add_to(date(2020, 11, 6)) == date(2023, 11, 5)
    assert find_duration(fold("新出台涉企政策一个月内")).add_to(date(2021, 3, 1)) == date(2021, 3, 31)
    assert find_duration(fold("审批时限由现在的30个工作日缩短至15个工作日")).unit == "workdays"


def test_half_durations():
    # 半个月 is 15 days, never zero months (which would end before it starts)
    assert find_duration(fold("半个月内")).add_to(date(2022, 3, 2)) == date(2022, 3, 16)
    assert find_duration(fold("有效期半年")).add_to(date(2022, 3, 2)) == date(2022, 9, 1)
    # half a day or a week has no calendar meaning for a deadline: no duration rather than a wrong one
    for text in ("半天内", "半日", "半周", "半个工作日"):
        assert find_duration(fold(text)) is None, text


def test_working_days_use_the_holiday_calendar():
    # 2021-09-30 + 3 working days skips the National Day holiday (1–7 October)
    assert add_workdays(date(2021, 9, 30), 3) == date(2021, 10, 11)
    assert add_workdays(date(2040, 1, 1), 3) is None  # beyond the calendar's data: unresolved


def test_recurrences():
    assert find_recurrence(fold("每年更新《上海市服务贸易促进指导目录》")) == ("yearly", "每年")
    assert find_recurrence(fold("每季度报送")) == ("quarterly", "每季度")
    assert find_recurrence(fold("每月通报")) == ("monthly", "每月")
    assert find_recurrence(fold("定期对阶段评估情况进行通报"))[0] == "periodic"
    assert find_recurrence(fold("加强统筹协调")) is None
    assert occurrences("yearly", date(2020, 11, 6), date(2023, 11, 5)) == [
        date(2020, 12, 31),
        date(2021, 12, 31),
        date(2022, 12, 31),
        date(2023, 11, 5),
    ]
    assert occurrences("quarterly", date(2021, 1, 1), date(2021, 12, 31))[-1] == date(2021, 12, 31)


def test_never_the_fuzzy_parser_mistake():
    # dateutil's fuzzy parser reads this as 6 November of the current year
    assert dates("自2020年11月6日起") == [(date(2020, 11, 6), "day")]
