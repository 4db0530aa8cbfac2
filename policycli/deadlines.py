"""Validity periods of documents and due dates of measures, each with its quote and rule.

Document validity, first rule that applies (each recorded):
  1. explicit range        自2018年6月1日起执行，有效期至2020年12月31日
  2. start plus duration   自2021年3月1日起施行，有效期5年 → 2026-02-28 (start + N years − 1 day)
  3. start plus pilot      自2020年11月6日起施行 … 通过3年试点 → 2023-11-05 (inferred)
  4. plan horizon          “十四五”规划, 到2025年 → 2025-12-31
  5. annual plan           2021年行动方案 / 2022年工作要点 → 2021-12-31
  6. from the issue date   自印发之日起施行 (with 有效期N年 when stated)
  an extension (延长…有效期至…) gives the new end; otherwise unknown. Unknown is a fine answer.

A measure's due date: its own deadline when its text states one (…年底前, 到2025年, 6月1日前,
…印发之日起一个月内, a 完成时限 cell), recurring dates for 每年/每季度/每月 inside the validity
period, else its parent's, else the document's end (marked inherited).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from policycli.dates import DateValue, find_dates, find_duration, find_recurrence, occurrences
from policycli.text import fold

_START = re.compile(r"自\s*(.{0,30}?)\s*起\s*(?:施行|执行|实施|生效)")
_UNTIL = re.compile(r"有效期\s*(?:延长)?\s*至\s*(.{0,25}?)(?:止|[。.;；,，]|$)")
_DURATION_OF_VALIDITY = re.compile(r"有效期\s*(?:为)?\s*([0-9一二三四五六七八九十两半]+\s*(?:个)?\s*(?:年|月))")
_PILOT = re.compile(r"(?:通过|开展|为期|试点期(?:限)?为?)\s*([0-9一二三四五六七八九十两]+\s*年)\s*(?:的)?\s*试点|试点期(?:限)?\s*(?:为)?\s*([0-9一二三四五六七八九十两]+\s*年)")
_FROM_ISSUE = re.compile(r"(?:自|从)\s*(?:印发|发布|公布)\s*之日起\s*(?:施行|执行|实施|生效)")
_EXTENSION = re.compile(r"(?:延长.{0,40}?有效期|有效期\s*延长)\s*至\s*(.{0,25}?)(?:止|[。.;；,，]|$)")
_FIVE_YEAR = {"十一五": 2010, "十二五": 2015, "十三五": 2020, "十四五": 2025, "十五五": 2030, "十六五": 2035}
_ANNUAL = re.compile(r"((?:19|20)[0-9]{2})\s*年(?:度)?.{0,8}(?:行动方案|工作要点|工作计划|实施计划|行动计划|工作方案|任务清单|重点工作)")
_DEADLINE_BEFORE = re.compile(r"(?:到|至|截至|截止|于|在)\s*$")
_DEADLINE_AFTER = re.compile(r"^\s*(?:前|之前|以前|内|完成|底前|年底前|实现|达到)")
_FROM_ISSUE_RELATIVE = re.compile(
    r"(?:印发|发布|出台|实施)(?:之日)?(?:起|后)\s*(?P<n>[0-9一二三四五六七八九十两半]+\s*(?:个)?\s*(?:年|月|周|工作日|日|天))\s*内"
)


def _rule(value: date | None, quote: str, rule: str, lines: list[int] | None, inferred: bool = False) -> dict:
    return {"date": value.isoformat() if value else None, "quote": quote, "rule": rule, "lines": lines, "inferred": inferred}


# A validity that runs for a stated period from its start: (pattern, rule, inferred). The
# period is the pattern's first group that matched.
_FROM_START = [
    (_DURATION_OF_VALIDITY, "start plus duration (有效期N年)", False),
    (_PILOT, "start plus pilot period (通过N年试点)", True),
]


def document_validity(document: dict) -> dict:
    """{"from": rule-dict or None, "until": rule-dict or None} for a structured document."""
    sentences = document.get("validity") or []
    issued = date.fromisoformat(document["issued_on"]) if document.get("issued_on") else None
    start = until = None
    for sentence in sentences:
        folded = fold(sentence["text"])
        if start is None:
            m = _START.search(folded)
            found = find_dates(m.group(1)) if m else []
            if found:
                start = _rule(found[0].date, sentence["text"], "stated start (自…起施行)", sentence["lines"])
            elif issued and _FROM_ISSUE.search(folded):
                start = _rule(issued, sentence["text"], "from the issue date (自印发之日起施行)", sentence["lines"])
        extension = _EXTENSION.search(folded)
        m = extension or _UNTIL.search(folded)
        if m:
            found = find_dates(m.group(1))
            if found:
                rule = "extension (延长…有效期至)" if extension else ("explicit range" if start else "stated end (有效期至)")
                until = _rule(found[-1].date, sentence["text"], rule, sentence["lines"])
    for pattern, rule, inferred in _FROM_START:
        if until is not None or start is None:
            break
        for sentence in sentences:
            m = pattern.search(fold(sentence["text"]))
            duration = find_duration(next(g for g in m.groups() if g)) if m else None
            if duration:
                end = duration.add_to(date.fromisoformat(start["date"]))
                until = _rule(end, sentence["text"], rule, sentence["lines"], inferred=inferred)
                break
    if until is None:
        horizon = _horizon(fold(document.get("title") or ""))
        if horizon:
            first, last, rule = horizon
            until = _rule(last, document.get("title") or "", rule, None)
            start = start or _rule(issued or first, document.get("issued_on_quote") or document.get("title") or "",
                                   "issue date" if issued else rule, None)
    if start is None and issued is not None:
        start = _rule(issued, document.get("issued_on_quote") or "", "issue date (no start stated)", None, inferred=True)
    return {"from": start, "until": until}


def _horizon(title: str) -> tuple[date, date, str] | None:
    """(first day, last day, rule) of the period a plan's title names: “十四五”规划, 2021年行动方案."""
    plan = next((year for word, year in _FIVE_YEAR.items() if word in title), None)
    if plan:
        return date(plan - 4, 1, 1), date(plan, 12, 31), "plan horizon (五年规划)"
    m = _ANNUAL.search(title)
    if m:
        year = int(m.group(1))
        return date(year, 1, 1), date(year, 12, 31), "annual plan (YYYY年行动方案)"
    return None


def _due(value: str | None, precision: str | None, quote: str, rule: str, lines: list[int] | None, inherited: bool = False,
         recurrence: str | None = None, dates: list[str] | None = None) -> dict:
    return {"date": value, "precision": precision, "quote": quote, "rule": rule, "inherited": inherited,
            "recurrence": recurrence, "occurrences": dates or [], "lines": lines}


def measure_deadline(measure: dict, document: dict, validity: dict, parent_due: dict | None) -> dict | None:
    """The due-date record for one measure (see the module docstring)."""
    start = date.fromisoformat(validity["from"]["date"]) if validity.get("from") else None
    end = date.fromisoformat(validity["until"]["date"]) if validity.get("until") else None
    issued = date.fromisoformat(document["issued_on"]) if document.get("issued_on") else start
    ref_year = (start or end).year if (start or end) else None
    folded = fold(measure.get("text") or "")
    lines = measure.get("lines")
    own = _own_deadline(folded, ref_year, start or issued)
    if measure.get("deadline_raw"):
        cell = find_dates(fold(measure["deadline_raw"]), ref_year)
        if cell:
            own = own or cell[-1]
    if measure.get("indicator") and measure["indicator"].get("year"):
        year = measure["indicator"]["year"]
        own = own or DateValue(date(year, 12, 31), "year", f"{year}年", "indicator year")
    relative = _FROM_ISSUE_RELATIVE.search(folded)
    if own is None and relative and issued:
        duration = find_duration(relative.group("n"))
        value = duration.add_to(issued + timedelta(days=1)) if duration else None
        if value:
            own = DateValue(value, "day", relative.group(0), "from the issue date")
        elif duration and duration.unit == "workdays":
            return _due(None, None, relative.group(0), "working days beyond the holiday calendar: unresolved", lines)
    if own is not None:
        return _due(own.date.isoformat(), own.precision, own.quote, own.rule, lines)
    recurrence = find_recurrence(folded)
    if recurrence and start and end:
        kind, quote = recurrence
        dates = occurrences(kind, start, end)
        if dates:
            return _due(None, "day", quote, f"recurring ({kind}) within the validity period", lines,
                        recurrence=kind, dates=[d.isoformat() for d in dates])
    if parent_due and not parent_due.get("inherited") and parent_due.get("date"):
        return parent_due | {"rule": f"parent's: {parent_due['rule']}", "inherited": True}
    if validity.get("until"):
        until = validity["until"]
        return _due(until["date"], "day", until["quote"], f"document end: {until['rule']}", until["lines"],
                    inherited=True, recurrence=recurrence[0] if recurrence else None)
    return None


def _own_deadline(folded: str, ref_year: int | None, not_before: date | None) -> DateValue | None:
    """The earliest date the text sets as a deadline ("…前", "到…", "于…"), not one it merely cites."""
    best: DateValue | None = None
    for found in find_dates(folded, ref_year):
        before, after = folded[max(0, found.start - 3) : found.start], folded[found.end : found.end + 4]
        if not (_DEADLINE_BEFORE.search(before) or _DEADLINE_AFTER.match(after)):
            continue
        if not_before and found.date < not_before:
            continue  # a past year cited as a baseline ("对照2020年…")
        if best is None or found.date < best.date:
            best = found
    return best


def apply(document: dict) -> None:
    """Add effective_from / effective_until / validity_rules and each measure's due and due_info."""
    validity = document_validity(document)
    document["effective_from"] = validity["from"]["date"] if validity["from"] else None
    document["effective_until"] = validity["until"]["date"] if validity["until"] else None
    document["validity_rules"] = validity
    by_id: dict[str, dict] = {}
    for measure in document["measures"]:
        parent = by_id.get(measure.get("parent") or "")
        info = measure_deadline(measure, document, validity, parent.get("due_info") if parent else None)
        # A recurring measure has no single due date: each occurrence is one (see due_info).
        measure["due"] = info["date"] if info and not info["occurrences"] else None
        measure["due_info"] = info
        by_id[measure["id"]] = measure
