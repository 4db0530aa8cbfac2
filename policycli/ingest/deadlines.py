"""Due dates of measures, each with its quote and rule; the document's validity (ingest/validity.py).

What the parser reads as a deadline is the table DEADLINE_RULES: each rule a name, the context it needs
around a date of the text (ingest.dates finds the dates), the example it reads. A date is a deadline when
a rule matches, tried in this order:

  by (…前)            2024年底前完成, 6月底前, 11月中旬前               a date followed by 前 / 之前 / 以前
  by (到/至…)         到2025年, 至2035年, 于2021年6月, 2023年12月—2024年6月
                                                                        a date after 到 / 至 / 截至 / 于 / 在,
                                                                        a range's end
  done by             2021年底基本形成…, 2026年应完成…                  a date followed by the work it sets
  opening             …。2027年，制定…, …，2021年上半年研究明确…         a date opening a sentence or clause
  opening the text    2021年底，基本完成…                              a date and a comma opening the text
  five-year plan      到“十四五”末, “十四五”期间, “十四五”时期          31 December of the plan's last year
  from the issue date 本方案印发之日起一个月内完成                      issue date + the period

Not deadlines: dates inside 《…》 (titles cite years), dates before the document's start or issue date
(baselines: 对照2020年…), dates that name a requirement (落实2030年…达标要求), starts (2023年起), “十四五”规划
(a plan's name), dates in a clause about how long something is valid (有效期至…, 中标有效期限自…起至…止). A
yearless date (6月底前, 一季度) takes the year of a date before it in the sentence, else the year of the
document's period (its start, else its issue date, else its end).

A measure's due, the first that applies:
  1. its table row's 完成时限 / 时间节点 cell (deadline_raw): 2019年3月 → 2019-03-31; a range → its end
  2. its own deadline: exactly one date the rules read in its text. Several different dates
     (2021年底… “十四五”期间…) or a recurrence (每半年, 每年) give no own due: the dates are kept as
     milestones, the recurrence as occurrences
  3. an indicator's target year
  4. a recurrence (每年/每半年/每季度/每月) inside the validity period → one occurrence per period end;
     the period starts at effective_from, or at the issue date when no start is stated
  5. its parent's own deadline, else the document's end (both marked inherited)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from policycli.folding import fold
from policycli.ingest import limits
from policycli.ingest.dates import (
    FIVE_YEAR_LABEL,
    DateValue,
    find_dates,
    find_duration,
    find_recurrence,
    five_year_plan_end,
    occurrences,
)
from policycli.ingest.validity import document_validity

_TEXT_START = "\x02"  # marks the start of the text in the characters before a date


@dataclass(frozen=True)
class DeadlineRule:
    name: str
    before: re.Pattern[str] | None  # searched in the few characters before the date (anchored at their end)
    after: re.Pattern[str] | None  # matched at the start of the characters after the date
    example: str


DEADLINE_RULES: list[DeadlineRule] = [
    DeadlineRule("by (…前)", None, re.compile(r"^\s*(?:之|以)?前"), "2024年底前，完成系统方案编制"),
    DeadlineRule(
        "by (到/至…)",
        re.compile(r"(?:到|至|截至|截止到|截止|于|在|[年月日]\s*[-—–~～])\s*$"),
        None,
        "到2025年，品牌化比例达到50%",
    ),
    DeadlineRule(
        "done by",
        None,
        re.compile(
            r"^\s*(?:(?:要|应|须|需|必须)\s*)?(?:(?:基本|全面|初步|全部|确保|力争|争取)\s*)?"
            r"(?:完成|实现|建成|达到|形成|出台|落地|到位|确定|制定|明确|启动|开展|组织)"
        ),
        "2021年底基本形成可落地、可操作的实施方案",
    ),
    DeadlineRule(
        "opening",
        re.compile(r"[,;。；!！?？]\s*$"),
        re.compile(r"^\s*(?:,|(?![以起开及和与、的度版同比前后至到中内来间-])[\u4e00-\u9fa5])"),
        "完善技术体系。2027年，制定…管理办法",
    ),
    DeadlineRule(
        "opening the text",
        re.compile(rf"{_TEXT_START}\s*$"),
        re.compile(r"^\s*,"),
        "2021年底，基本完成控制性详细规划编制",
    ),
]
# 到“十四五”末, “十四五”期间, “十四五”时期 (not “十四五”规划: that names a plan).
_FIVE_YEAR_DEADLINE = re.compile(rf"{FIVE_YEAR_LABEL}\s*(?:期间|时期|末|期末)")
# "印发之日起一个月内". `\s*+(?:个\s*+)?` (not `\s*(?:个)?\s*`): two white-space runs around an optional 个
# retried every split of a long run of spaces after "印发之日起1".
_FROM_ISSUE_RELATIVE = re.compile(
    r"(?:印发|发布|出台|实施)(?:之日)?(?:起|后)\s*+(?P<n>[0-9一二三四五六七八九十两半]++\s*+(?:个\s*+)?(?:年|月|周|工作日|日|天))\s*+内"
)
_CITED = re.compile(r"《[^《》]{0,80}》")
# A date that qualifies a noun, not work to be done by it: "2025年6月30日前已取得许可的企业",
# "2025年12月31日前的标准", "在2024年的基础上", "于2025年世博会期间".
_NOT_A_DEADLINE_AFTER = re.compile(
    r"^\s*(?:(?:之|以)?前(?:已|的|未)|的(?:基础|水平|标准|基数|数据|情况)|[^,，。;；]{0,8}期间)"
)
_CLAUSE_START = re.compile(r"[,;。；!！?？]")


def _due(
    value: str | None,
    precision: str | None,
    quote: str,
    rule: str,
    lines: list[int] | None,
    inherited: bool = False,
    recurrence: str | None = None,
    dates: list[str] | None = None,
) -> dict:
    return {
        "date": value,
        "precision": precision,
        "quote": quote,
        "rule": rule,
        "inherited": inherited,
        "recurrence": recurrence,
        "occurrences": dates or [],
        "lines": lines,
    }


def deadlines_in(folded: str, ref_year: int | None, not_before: date | None = None) -> list[DateValue]:
    """Every date the text sets as a deadline (DEADLINE_RULES), in text order."""
    masked = _CITED.sub(lambda m: "《" + "_" * (len(m.group(0)) - 2) + "》", folded)
    out: list[DateValue] = []
    for found in find_dates(masked, ref_year):
        before = (_TEXT_START if found.start <= 4 else "") + masked[max(0, found.start - 4) : found.start]
        after = masked[found.end : found.end + 12]
        rule = next(
            (
                r
                for r in DEADLINE_RULES
                if (r.before is None or r.before.search(before)) and (r.after is None or r.after.match(after))
            ),
            None,
        )
        if rule is None or (not_before and found.date < not_before) or _NOT_A_DEADLINE_AFTER.match(after):
            continue
        clause = _CLAUSE_START.split(masked[max(0, found.start - 40) : found.start])[-1]
        if "有效期" in clause:
            continue  # 有效期至…, 中标有效期限自…起至…止: how long something is valid, not work to finish
        out.append(
            DateValue(
                found.date,
                found.precision,
                folded[found.start : found.end].strip(),
                f"{found.rule}: {rule.name}",
                found.start,
                found.end,
            )
        )
    for m in _FIVE_YEAR_DEADLINE.finditer(masked):
        end = five_year_plan_end(m.group("plan"))
        if end and not (not_before and end < not_before):
            out.append(
                DateValue(
                    end,
                    "year",
                    folded[m.start() : m.end()],
                    "five-year plan (“十四五”期间/末)",
                    m.start(),
                    m.end(),
                )
            )
    return sorted(out, key=lambda d: d.start)


def _reference(validity: dict, issued: date | None) -> tuple[int | None, date | None]:
    """(year for dates printed without one, earliest date a deadline can be)."""
    start = date.fromisoformat(validity["from"]["date"]) if validity.get("from") else None
    end = date.fromisoformat(validity["until"]["date"]) if validity.get("until") else None
    anchor = start or issued or end
    if validity.get("until") and validity["until"]["rule"].startswith("annual plan"):
        anchor = end
    return (anchor.year if anchor else None), (start or issued)


@lru_cache(maxsize=64)
def _period_ends(kind: str, start: date, until: date) -> tuple[str, ...]:
    """occurrences() as ISO dates, worked out once for all the measures of a document that share them."""
    return tuple(d.isoformat() for d in occurrences(kind, start, until))


def measure_deadline(measure: dict, document: dict, validity: dict, parent_due: dict | None) -> dict | None:
    """The due-date record for one measure (see the module docstring)."""
    issued = date.fromisoformat(document["issued_on"]) if document.get("issued_on") else None
    start = date.fromisoformat(validity["from"]["date"]) if validity.get("from") else None
    end = date.fromisoformat(validity["until"]["date"]) if validity.get("until") else None
    ref_year, not_before = _reference(validity, issued)
    folded = fold(measure.get("text") or "")
    lines = measure.get("lines")

    if measure.get("deadline_raw"):  # 1. the row's deadline cell
        cell = fold(measure["deadline_raw"])
        found = deadlines_in(cell, ref_year) or find_dates(cell, ref_year)
        if found:
            last = max(found, key=lambda d: d.date)
            return _due(
                last.date.isoformat(),
                last.precision,
                measure["deadline_raw"],
                "deadline cell (完成时限)",
                lines,
            )

    recurrence = find_recurrence(folded)
    repeats = recurrence is not None and recurrence[0] != "periodic"
    own = deadlines_in(folded, ref_year, not_before)  # 2. the text's own deadline
    distinct = sorted({d.date for d in own})
    if len(distinct) == 1 and not repeats:
        first = own[0]
        return _due(first.date.isoformat(), first.precision, first.quote, first.rule, lines)
    if len(distinct) > 1 and not repeats:
        info = _due(
            None,
            None,
            " / ".join(d.quote for d in own),
            "several deadlines: none is the measure's own",
            lines,
        )
        return info | {"milestones": [d.isoformat() for d in distinct]}

    if measure.get("indicator") and measure["indicator"].get("year"):  # 3. an indicator's target year
        year = measure["indicator"]["year"]
        return _due(f"{year}-12-31", "year", f"{year}年", "indicator year", lines)

    relative = _FROM_ISSUE_RELATIVE.search(folded)
    if relative and issued and not repeats:
        duration = find_duration(relative.group("n"))
        value = duration.add_to(issued + timedelta(days=1)) if duration else None
        if value:
            return _due(value.isoformat(), "day", relative.group(0), "from the issue date", lines)
        if duration and duration.unit == "workdays":
            return _due(
                None, None, relative.group(0), "working days beyond the holiday calendar: unresolved", lines
            )

    period_start = start or issued  # 4. a recurrence inside the validity period
    if repeats and period_start and end:
        kind, quote = recurrence
        dates = _period_ends(kind, period_start, end)
        if dates:
            rule = f"recurring ({kind}) within the validity period" + (
                "" if start else ", from the issue date"
            )
            return _due(None, "day", quote, rule, lines, recurrence=kind, dates=list(dates))
    if repeats:
        return _due(
            None,
            None,
            recurrence[1],
            f"recurring ({recurrence[0]}): no validity period to count in",
            lines,
            recurrence=recurrence[0],
        )

    if parent_due and not parent_due.get("inherited") and parent_due.get("date"):  # 5. inherited
        return parent_due | {"rule": f"parent's: {parent_due['rule']}", "inherited": True}
    if validity.get("until"):
        until = validity["until"]
        return _due(
            until["date"],
            "day",
            until["quote"],
            f"document end: {until['rule']}",
            until["lines"],
            inherited=True,
            recurrence=recurrence[0] if recurrence else None,
        )
    return None


def apply(document: dict) -> None:
    """Add effective_from / effective_until / validity_rules and each measure's due and due_info."""
    validity = document_validity(document)
    document["effective_from"] = validity["from"]["date"] if validity["from"] else None
    document["effective_until"] = validity["until"]["date"] if validity["until"] else None
    document["validity_rules"] = validity
    by_id: dict[str, dict] = {}
    periods = 0
    for measure in document["measures"]:
        parent = by_id.get(measure.get("parent") or "")
        info = measure_deadline(measure, document, validity, parent.get("due_info") if parent else None)
        if info and info["occurrences"]:
            periods += len(info["occurrences"])
            limits.check("periods", periods, document.get("source", {}).get("file") or document["id"])
        # A recurring measure has no single due date: each occurrence is one (see due_info).
        measure["due"] = info["date"] if info and not info["occurrences"] else None
        measure["due_info"] = info
        by_id[measure["id"]] = measure


__all__ = ["apply", "document_validity", "measure_deadline", "deadlines_in", "DEADLINE_RULES"]
