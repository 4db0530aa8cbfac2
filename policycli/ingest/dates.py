"""Chinese date expressions → dates with a precision, the quoted text and the rule that read them.

A small regex layer over `dateutil.relativedelta`, on folded text (full-width digits already
ASCII). Never dateutil's fuzzy parser: it reads 自2020年11月6日起 as this year's 6 November.

    2020年11月6日, 二〇二一年六月十六日      day
    2021年6月, 6月底前                      month   (end of month for a deadline; 上旬 10th, 中旬 20th)
    2021年第三季度, 第三季度, 一季度          quarter
    2021年上半年, 上半年                     half
    2021年底前, 2025年, 到2025年             year    (31 December for a deadline)
    一个月内, 3年, 30个工作日                durations (working days need the holiday calendar)
    每年, 每季度, 每月, 每半年, 定期          recurrences
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from policycli.ingest.patterns import YEAR_NUMERAL, cn_to_int

_N = r"[0-9]{1,4}|[一二三四五六七八九十两〇○零]{1,4}"
_YEAR = rf"(?P<year>{YEAR_NUMERAL})\s*年"


@dataclass(frozen=True)
class DateValue:
    date: date | None
    precision: str  # day | month | quarter | half | year
    quote: str
    rule: str
    start: int = 0  # offset of the quote in the text it was found in
    end: int = 0

    def to_dict(self) -> dict:
        return {
            "date": self.date.isoformat() if self.date else None,
            "precision": self.precision,
            "quote": self.quote,
            "rule": self.rule,
        }


def _num(text: str | None) -> int | None:
    return cn_to_int(text) if text else None


def _year(text: str | None) -> int | None:
    if not text:
        return None
    value = cn_to_int(text.replace("○", "〇"))
    return value if value and 1900 <= value <= 2100 else None


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# Ordered from the most precise: the first pattern that matches at a position wins. With each, a word
# every match of it prints: a text without that word is not scanned for the pattern (a scan tries each
# position of the text, and texts can be long).
_PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    ("day", re.compile(rf"(?:{_YEAR}\s*)?(?P<month>{_N})\s*月\s*(?P<day>{_N})\s*[日号]"), "月"),
    # 第三季度, 2021年一季度, 四季度末 (not 统一季度: the numeral must not end a word)
    (
        "quarter",
        re.compile(
            rf"(?:{_YEAR}\s*)?(?:第\s*|(?<![\u4e00-\u9fa5])|(?<=年))(?P<quarter>[一二三四1-4])\s*季度(?:末|底)?"
        ),
        "季度",
    ),
    ("half", re.compile(rf"(?:{_YEAR}\s*)?(?P<half>上|下)半年"), "半年"),
    (
        "month",
        re.compile(rf"(?:{_YEAR}\s*)?(?P<month>{_N})\s*月(?:份)?(?P<edge>底|末|初|中旬|上旬|下旬)?"),
        "月",
    ),
    ("year", re.compile(rf"{_YEAR}(?P<edge>底|末|年底|年末)?"), "年"),
    ("year", re.compile(r"(?P<edge>年底|年末)"), "年"),
]


def find_dates(folded: str, ref_year: int | None = None, edge: str = "end") -> list[DateValue]:
    """Every date expression in a folded text; partial dates resolve to the end (or start) of their period.

    A date without a year (6月底前, 年底前, 第三季度) takes the year of a dated expression earlier in the
    same sentence (2023年8月至11月 → 2023-11-30), else `ref_year`, or is skipped without either.
    """
    if "年" not in folded and "月" not in folded and "季度" not in folded:
        return []
    found: list[tuple[int, str, re.Match[str]]] = []
    taken = [False] * (len(folded) + 1)
    for precision, pattern, printed in _PATTERNS:
        if printed not in folded:
            continue
        for m in pattern.finditer(folded):
            if any(taken[m.start() : m.end()]):
                continue
            groups = m.groupdict()
            if groups.get("year") and _year(groups["year"]) is None:
                continue
            try:
                value = _resolve(precision, groups, _year(groups.get("year")) or 2000, edge)
            except (ValueError, TypeError):
                continue
            if value is None:
                continue
            for k in range(m.start(), m.end()):
                taken[k] = True
            found.append((m.start(), precision, m))
    found.sort(key=lambda f: f[0])
    out: list[DateValue] = []
    carried: tuple[int, int] | None = None  # (year, offset of the sentence end after it)
    stops = _Stops(folded)
    for start, precision, m in found:
        groups = m.groupdict()
        year = _year(groups.get("year"))
        rule = "stated"
        if year is None:
            if carried and start < carried[1]:
                year, rule = carried[0], "stated, year from the date before it"
            else:
                year, rule = ref_year, "stated, year from the document"
        else:
            carried = (year, stops.after(m.end()))
        if year is None:
            continue
        try:
            value = _resolve(precision, groups, year, edge)
        except (ValueError, TypeError):
            continue
        if value is not None:
            out.append(DateValue(value, precision, m.group(0).strip(), rule, m.start(), m.end()))
    return out


_SENTENCE_STOP = re.compile(r"[。;；!！?？]")


class _Stops:
    """Where the sentence after an offset ends (or the text's end), for offsets asked in increasing order.

    Searching afresh from every date made a run of dates without a stop quadratic
    ("2025年底前完成，2026年底前完成，…" over a whole line)."""

    def __init__(self, folded: str) -> None:
        self.folded = folded
        self.since = -1  # the last search started here …
        self.stop = -1  # … and found the stop here (len(folded): none)

    def after(self, offset: int) -> int:
        if not self.since <= offset <= self.stop:
            found = _SENTENCE_STOP.search(self.folded, offset)
            self.since, self.stop = offset, found.start() if found else len(self.folded)
        return self.stop


# 上旬 / 月初 end on the 10th, 中旬 on the 20th; 下旬 and 月底 at the month's end.
_TEN_DAYS_END = {"上旬": 10, "初": 10, "中旬": 20}
_TEN_DAYS_START = {"中旬": 11, "下旬": 21}


def _resolve(precision: str, groups: dict, year: int, edge: str) -> date | None:
    end = edge == "end"
    if precision == "day":
        return date(year, _num(groups["month"]), _num(groups["day"]))
    if precision == "month":
        month = _num(groups["month"])
        if not month or not 1 <= month <= 12:
            return None
        part = groups.get("edge")
        if end:
            return date(year, month, _TEN_DAYS_END[part]) if part in _TEN_DAYS_END else month_end(year, month)
        return date(year, month, _TEN_DAYS_START.get(part, 1))
    if precision == "quarter":
        quarter = _num(groups["quarter"])
        return month_end(year, quarter * 3) if end else date(year, quarter * 3 - 2, 1)
    if precision == "half":
        first = groups["half"] == "上"
        if end:
            return date(year, 6, 30) if first else date(year, 12, 31)
        return date(year, 1, 1) if first else date(year, 7, 1)
    if precision == "year":
        return date(year, 12, 31) if end or groups.get("edge") else date(year, 1, 1)
    return None


# --- five-year plans -----------------------------------------------------------------------

# The last year of each 五年规划 (十四五: 2021–2025).
FIVE_YEAR_PLANS = {
    "十一五": 2010,
    "十二五": 2015,
    "十三五": 2020,
    "十四五": 2025,
    "十五五": 2030,
    "十六五": 2035,
}
# “十四五”, "十四五", 十四五 (folded text keeps the curly quotes).
FIVE_YEAR_LABEL = r"[“\"']?(?P<plan>十[一二三四五六]五)[”\"']?"


def five_year_plan_end(label: str) -> date | None:
    """十四五 → 2025-12-31."""
    year = FIVE_YEAR_PLANS.get(label)
    return date(year, 12, 31) if year else None


# --- durations ------------------------------------------------------------------------------

_DURATION = re.compile(rf"(?P<n>{_N}|半)\s*(?:个\s*)?(?P<unit>年|月|周|星期|工作日|日|天)")


@dataclass(frozen=True)
class Duration:
    amount: int | float
    unit: str  # years | months | weeks | days | workdays
    quote: str

    def add_to(self, start: date) -> date | None:
        """The last day of the period starting on `start` (有效期5年 from 2021-03-01 → 2026-02-28).

        Working days need China's holiday calendar; outside the years it covers, None.
        """
        if self.unit == "workdays":
            return add_workdays(start, int(self.amount))
        if self.unit == "years":
            months = round(self.amount * 12)
            return start + relativedelta(months=months) - timedelta(days=1)
        if self.unit == "months":
            whole = int(self.amount)
            half = 15 if self.amount != whole else 0  # 半个月: 15 days
            return start + relativedelta(months=whole, days=half) - timedelta(days=1)
        if self.unit == "weeks":
            return start + timedelta(weeks=int(self.amount)) - timedelta(days=1)
        return start + timedelta(days=int(self.amount)) - timedelta(days=1)


def find_duration(folded: str) -> Duration | None:
    m = _DURATION.search(folded)
    if not m:
        return None
    amount = 0.5 if m.group("n") == "半" else cn_to_int(m.group("n"))
    if not amount:
        return None
    unit = {
        "年": "years",
        "月": "months",
        "周": "weeks",
        "星期": "weeks",
        "工作日": "workdays",
        "日": "days",
        "天": "days",
    }[m.group("unit")]
    if amount == 0.5 and unit not in ("years", "months"):
        return None  # 半天, 半周: no whole-day period to end a deadline on
    return Duration(amount, unit, m.group(0))


def add_workdays(start: date, count: int) -> date | None:
    """The `count`-th working day after `start` under China's official holiday calendar, or None
    when the calendar (chinesecalendar) has no data for those years."""
    import chinese_calendar

    current, done = start, 0
    try:
        while done < count:
            current += timedelta(days=1)
            if chinese_calendar.is_workday(current):
                done += 1
    except NotImplementedError:
        return None
    return current


# --- recurrences ----------------------------------------------------------------------------

_RECURRENCE = re.compile(r"每(?:一)?(年|季度|季|半年|月|周)|(定期)")


def find_recurrence(folded: str) -> tuple[str, str] | None:
    """('yearly' | 'quarterly' | 'half-yearly' | 'monthly' | 'weekly' | 'periodic', quote)."""
    m = _RECURRENCE.search(folded)
    if not m:
        return None
    word = m.group(1) or ""
    if m.group(2):
        return "periodic", m.group(0)
    kind = {
        "年": "yearly",
        "季度": "quarterly",
        "季": "quarterly",
        "半年": "half-yearly",
        "月": "monthly",
        "周": "weekly",
    }[word]
    return kind, m.group(0)


def occurrences(kind: str, start: date, until: date) -> list[date]:
    """Period ends of a recurrence within [start, until]: 每年 → every 31 December, and `until` itself
    when the last period is cut short by the end of validity."""
    if kind not in ("yearly", "half-yearly", "quarterly", "monthly"):
        return []
    step = {"yearly": 12, "half-yearly": 6, "quarterly": 3, "monthly": 1}[kind]
    out: list[date] = []
    month = ((start.month - 1) // step + 1) * step  # end month of the period containing start
    year = start.year
    while True:
        if month > 12:
            year, month = year + 1, month - 12
        end = month_end(year, month)
        if end > until:
            break
        if end >= start:
            out.append(end)
        month += step
    if until not in out and (not out or until > out[-1]):
        out.append(until)
    return out
