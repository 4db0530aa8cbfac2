"""When a document starts and stops applying: effective_from / effective_until, each with its quote and rule.

What the parser understands is the rule tables below, each rule a name, a pattern, the example it reads and
what it gives; they are tried in this order:

  KIND_RULES (the title decides which sentences count)
    extension notice      关于延长《X》有效期的通知, 关于《X》继续有效的通知: only the new end counts;
                          the old 有效期至 of X (or of its appended text) is superseded;
                          继续有效 without a date: no end
    repeal notice         关于废止《X》的通知: starts on its issue date, no end of its own
  CLAUSE_RULES (sentences about this document: 本办法/本通知/本细则… as subject, or a clause that opens
                with 自…起施行 / 有效期; an extension notice also reads its 延长至 sentence)
    range                 本办法有效期自2026年1月1日起至2027年12月31日止          from, until
    from issue, later     自发布之日起30日后施行                                  from = issue date + N days
    from issue            本意见自印发之日起施行, 自发布之日起实行                from = issue date (DERIVED)
    start                 本办法自2024年3月1日起施行, 本通知自2022年9月1日开始执行   from
    end                   有效期至2026年12月31日, 有效期延长至2031年9月19日止       until
    end (截止)            有效期于2025年12月31日截止                              until
    extended by           有效期延长两年 (extension notices: old end + N)          until
    old end               有效期将于2026年9月19日届满 (read only by "extended by")
    length                有效期五年, 有效期两年, 试行一年                         until = from + N − 1 day
    pilot period          试点工作从2023年4月启动，至2024年底结束，为期两年       from, until
                                                                                  (printed end wins)
    pilot length          通过3年试点 (with a start)                              until = from + N − 1 day,
                                                                                  inferred
  TITLE_RULES (when no clause gave an end; never for extension or repeal notices)
    plan period           …三年行动计划（2024-2026年）, （2019—2021）             until = 31 Dec of
                                                                                  the last year
    five-year plan        上海市城市数字化转型“十四五”规划                until = 2025-12-31
    annual plan           2026年…工作要点, …2025年度实施计划, 若干举措（2026年）,
                          2025年本市…工作要求                                     until = 31 Dec of that year

The first start found wins, the clause of the carried text (本办法 in a 办法) before the notice's (本通知);
the end is the first printed end, else start + length, else the title's. Pilot rules apply when the title
names a 试点. effective_from is the stated start only (or the issue date where the text says
自印发/发布之日起, and for a repeal notice); where no start is stated it is null, and the issue date stays in
issued_on. A length without a stated start counts from the issue date and is marked inferred. Goals
(到2025年), windows of other things (中标有效期限自…至…, 适用于2022-2026年投产的项目), dates of other
documents and durations that are not the document's (证书有效期5年, 一年内) are not read: they are not clauses
about this document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from policycli.folding import fold
from policycli.ingest.dates import FIVE_YEAR_LABEL, find_dates, find_duration, five_year_plan_end
from policycli.ingest.patterns import cn_to_int

_NUMBER = r"[0-9]{1,3}|[一二三四五六七八九十两半]{1,3}"
_STOP = r"[,。;；、]"  # folded text: ，→,  ；→;
# The words of one date, up to the next clause stop: 1 to 25 characters, the shortest that lets the rule go
# on, neither first nor last a white space (white space after it is the rule's \s*). Ending on a non-space is
# what the shortest one does anyway; saying so keeps each of the 25 tries from running on through a long run
# of spaces after it ("本办法于于于…" and a megabyte of spaces: seconds).
_DATE_TEXT = r"[^\s,。;；、](?:[^,。;；、]{0,23}?[^\s,。;；、])??"
_VERB = r"(?:正式)?(?:施行|执行|实施|生效|实行|试行)"

# The document itself as the subject: 本办法, 本实施细则, 本界定标准, 本操作办法, 本通知.
_THIS_DOCUMENT = re.compile(
    r"本[\u4e00-\u9fa5]{0,5}?(办法|通知|细则|方案|规定|意见|标准|决定|计划|措施|规则|指引|要点|制度|规范|公告|通告|条例"
    r"|规划|导则|指南|目录|清单|准则|举措|要求|纲要)"
)
# An article or item number, and a bracketed article title, before a clause:
# 第三十八条 【施行时间】, （二）, 4．, 六、
_LEAD_IN = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇0-9]{1,5}条|\([一二三四五六七八九十0-9]{1,3}\)|[一二三四五六七八九十0-9]{1,3}\s*[、.])?"
    r"\s*(?:【[^】]{0,12}】)?\s*"
)
# A clause without a subject is about the document when it opens like one: 自2020年1月1日起施行, 有效期至…
_OPENS_A_CLAUSE = re.compile(rf"(?:自|从)[^,。;；]{{0,25}}?(?:起|开始){_VERB}|有效期")


@dataclass(frozen=True)
class Sentence:
    text: str  # as printed
    folded: str
    lines: list[int] | None
    rank: int  # 0: names the title's own kind (本办法 in a 办法), 1: other clauses about this document


@dataclass(frozen=True)
class Found:
    edge: str  # from | until | length | extended | old-end
    rule: str
    value: date | None = None
    years: float | None = None  # length / extended: the period, in years
    months: int | None = None
    inferred: bool = False


@dataclass
class Context:
    title: str
    issued: date | None
    issued_quote: str
    sentences: list[Sentence]
    kind: str = "document"  # document | extension | repeal


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    example: str
    read: Callable[[re.Match[str], Context], list[Found]]


def _first_date(text: str, edge: str = "end") -> date | None:
    found = find_dates(text, edge=edge)
    return found[0].date if found else None


def _last_date(text: str) -> date | None:
    found = find_dates(text)
    return found[-1].date if found else None


def _length(text: str) -> tuple[float | None, int | None]:
    duration = find_duration(text)
    if duration is None or duration.unit not in ("years", "months"):
        return None, None
    if duration.unit == "years":
        return float(duration.amount), None
    return None, int(duration.amount) if duration.amount == int(duration.amount) else None


def _add(start: date, years: float | None, months: int | None) -> date:
    """The last day of a period of that length beginning on `start` (start + N years − 1 day)."""
    total = round((years or 0) * 12) + (months or 0)
    return start + relativedelta(months=total) - timedelta(days=1)


# --- kind of document ----------------------------------------------------------------------

KIND_RULES: list[tuple[str, re.Pattern[str], str]] = [
    (
        "extension",
        re.compile(r"延长[^。]{0,120}?有效期|(?:继续有效|继续施行|继续执行|继续适用)的(?:通知|决定)"),
        "关于延长《上海市建筑工程施工许可管理实施细则》有效期的通知",
    ),
    (
        "repeal",
        re.compile(r"废止[^。]{0,120}?的(?:通知|决定)$"),
        "关于废止规范性文件《徐汇区既有玻璃幕墙建筑管理办法》的通知",
    ),
]


def _cited_masked(title: str, keep_length: bool) -> str:
    """Each cited title 《…》 (from a 《 to the first 》 after it, as re.sub(r"《[^》]*》", …) reads them)
    emptied to "《》", or, with `keep_length`, filled with "_":
    关于印发《关于X《Y》的通知》的通知 → 《》的通知》的通知.

    Found with str.find, not that regex: it scanned from every 《 to the end of a title with no 》
    ("《《《…", 100,000 of them: minutes)."""
    out: list[str] = []
    pos = 0
    while True:
        start = title.find("《", pos)
        end = title.find("》", start + 1) if start >= 0 else -1
        if end < 0:
            break  # no 》 after this 《, so none after any later one either
        out += [title[pos:start], "《", "_" * (end - start - 1) if keep_length else "", "》"]
        pos = end + 1
    out.append(title[pos:])
    return "".join(out)


def _kind(title: str) -> str:
    core = _cited_masked(title, keep_length=False)  # a cited title's words are not the notice's
    for name, pattern, _example in KIND_RULES:
        if pattern.search(core):
            return name
    return "document"


# --- clauses -------------------------------------------------------------------------------


def _range(m: re.Match[str], ctx: Context) -> list[Found]:
    start, end = _first_date(m.group("from"), "start"), _last_date(m.group("until"))
    out = [Found("from", "explicit range (有效期自…起至…止)", start)] if start else []
    return out + ([Found("until", "explicit range (有效期自…起至…止)", end)] if end else [])


def _from_issue_later(m: re.Match[str], ctx: Context) -> list[Found]:
    days = cn_to_int(m.group("n"))
    if not ctx.issued or not days:
        return []
    return [
        Found(
            "from", "N days after the issue date (自发布之日起N日后施行)", ctx.issued + timedelta(days=days)
        )
    ]


def _from_issue(m: re.Match[str], ctx: Context) -> list[Found]:
    return [Found("from", "from the issue date (自印发之日起施行)", ctx.issued)] if ctx.issued else []


def _start(m: re.Match[str], ctx: Context) -> list[Found]:
    start = _first_date(m.group("date"), "start")
    return [Found("from", "stated start (自…起施行)", start)] if start else []


def _end(m: re.Match[str], ctx: Context) -> list[Found]:
    end = _last_date(m.group("date"))
    if end is None:
        return []
    if m.group("extended"):
        return [Found("until", "extension (有效期延长至)", end)]
    return [Found("until", "stated end (有效期至)", end)]


def _end_by(m: re.Match[str], ctx: Context) -> list[Found]:
    end = _last_date(m.group("date"))
    return [Found("until", "stated end (于…截止)", end)] if end else []


def _length_of(m: re.Match[str]) -> tuple[float | None, int | None]:
    """The period a rule's n and unit groups print ("两年", "6个月"), with a trailing 半 (有效期三年半)."""
    years, months = _length(m.group("n") + m.group("unit"))
    if m.groupdict().get("half") and years:
        years += 0.5
    return years, months


def _extended_by(m: re.Match[str], ctx: Context) -> list[Found]:
    years, months = _length_of(m)
    return (
        [Found("extended", "extension by a length (有效期延长N年)", years=years, months=months)]
        if years or months
        else []
    )


def _old_end(m: re.Match[str], ctx: Context) -> list[Found]:
    end = _last_date(m.group("date"))
    return [Found("old-end", "the end being extended", end)] if end else []


def _duration(m: re.Match[str], ctx: Context) -> list[Found]:
    years, months = _length_of(m)
    rule = (
        "start plus trial period (试行N年)"
        if m.group(0).startswith("试行")
        else "start plus duration (有效期N年)"
    )
    return [Found("length", rule, years=years, months=months)] if years or months else []


def _pilot_period(m: re.Match[str], ctx: Context) -> list[Found]:
    if "试点" not in ctx.title:
        return []
    start, end = _first_date(m.group("from"), "start"), _last_date(m.group("until"))
    out = [Found("from", "pilot period (试点从…启动，至…结束)", start)] if start else []
    return out + ([Found("until", "pilot period (试点从…启动，至…结束)", end)] if end else [])


def _pilot_length(m: re.Match[str], ctx: Context) -> list[Found]:
    if "试点" not in ctx.title:
        return []
    years, months = _length(next(g for g in m.groups() if g))
    return (
        [Found("length", "start plus pilot period (通过N年试点)", years=years, months=months, inferred=True)]
        if years
        else []
    )


CLAUSE_RULES: list[Rule] = [
    # Possessive white space (\s*+) where two runs meet around an optional word (\s*起?\s*): white space is
    # never 起 or 至, so nothing is given back, and a long run of spaces is not split every way.
    Rule(
        "range",
        re.compile(
            rf"有效期(?:为)?自?\s*(?P<from>{_DATE_TEXT})\s*+(?:起\s*+)?至\s*(?P<until>{_DATE_TEXT})\s*(?:止|为止|{_STOP}|$)"
        ),
        "本办法有效期自2026年1月1日起至2027年12月31日止。",
        _range,
    ),
    Rule(
        "start to end",
        re.compile(
            rf"(?:自|从)\s*(?P<from>{_DATE_TEXT})\s*起\s*{_VERB}\s*,\s*(?:至|到)\s*(?P<until>{_DATE_TEXT})\s*(?:止|为止)"
        ),
        "本办法自2024年4月1日起施行，至2029年3月31日止。",
        _range,
    ),
    Rule(
        "from issue, later",
        re.compile(
            rf"(?:自|从)(?:本[\u4e00-\u9fa5]{{0,5}}?)?(?:印发|发布|公布)之日起\s*(?P<n>{_NUMBER})\s*(?:日|天)后\s*{_VERB}"
        ),
        "本意见自发布之日起30日后施行。",
        _from_issue_later,
    ),
    Rule(
        "from issue",
        re.compile(
            rf"(?:自|从)\s*(?:本[\u4e00-\u9fa5]{{0,5}}?)?(?:印发|发布|公布|下发|即日)(?:之日)?\s*起\s*{_VERB}"
        ),
        "本意见自发布之日起施行。",
        _from_issue,
    ),
    Rule(
        "start",
        re.compile(
            rf"(?:自|从|于)\s*(?P<date>[^\s,。;；、自从](?:[^,。;；、自从]{{0,23}}?[^\s,。;；、自从])??)\s*(?:起|开始)\s*{_VERB}"
        ),
        "本通知自2022年9月1日开始执行。",
        _start,
    ),
    Rule(
        "end",
        re.compile(
            rf"有效期\s*(?:为\s*)?(?P<extended>延长\s*)?(?:至|到|截至)\s*(?P<date>{_DATE_TEXT})\s*(?:止|为止|届满|{_STOP}|$)"
        ),
        "本办法自2024年3月1日起施行，有效期至2026年12月31日。",
        _end,
    ),
    Rule(
        "end (截止)",
        re.compile(rf"有效期\s*(?:于|至)\s*(?P<date>{_DATE_TEXT})\s*截止"),
        "本办法有效期于2025年12月31日截止。",
        _end_by,
    ),
    Rule(
        "extended by",
        re.compile(rf"有效期\s*(?:再\s*)?延长\s*(?P<n>{_NUMBER})\s*(?:个\s*)?(?P<unit>年|月)"),
        "有效期延长两年。",
        _extended_by,
    ),
    Rule(
        "old end",
        re.compile(rf"有效期\s*(?:将\s*)?(?:于|至)\s*(?P<date>{_DATE_TEXT})\s*(?:届满|到期|截止)"),
        "有效期将于2026年9月19日届满",
        _old_end,
    ),
    Rule(
        "length",
        re.compile(
            rf"(?:有效期|试行期?)\s*(?:为\s*)?(?P<n>{_NUMBER})\s*(?:个\s*)?(?P<unit>年|月)(?P<half>半)?"
        ),
        "本办法自2022年1月1日起施行，有效期五年。",
        _duration,
    ),
    Rule(
        "pilot period",
        re.compile(
            rf"(?:从|自|于)\s*(?P<from>{_DATE_TEXT})\s*+(?:起\s*+)?(?:启动|开始|实施)\s*+(?:,\s*+)?(?:至|到)\s*(?P<until>{_DATE_TEXT})\s*(?:结束|止)"
        ),
        "本区农村集体经营性建设用地入市试点工作从2023年4月启动，至2024年底结束，为期两年",
        _pilot_period,
    ),
    Rule(
        "pilot length",
        re.compile(
            r"(?:通过|开展|为期|试点期(?:限)?为?)\s*([0-9一二三四五六七八九十两]{1,3}\s*年)\s*+(?:的\s*+)?试点|试点期(?:限)?\s*+(?:为\s*+)?([0-9一二三四五六七八九十两]{1,3}\s*年)"
        ),
        "通过3年试点，形成可复制可推广的经验",
        _pilot_length,
    ),
]


# --- titles --------------------------------------------------------------------------------

_YEAR = r"(?:19|20)[0-9]{2}"
# What a plan for one year is called at the end of its title.
_PLAN = (
    r"(?:工作要点|要点|工作计划|年度计划|实施计划|行动计划|计划|工作方案|实施方案|行动方案|方案|工作要求"
    r"|要求|若干举措|举措|措施|任务清单|清单|重点工作|工作安排|安排)"
)
_PLAN_END = rf"{_PLAN}(?:\s*[(（](?:试行|暂行)[)）])?$"


def _plan_name(title: str) -> str:
    """The plan's own name in a title:
    关于发布2025年本市海绵城市建设工作要求的通知 → 2025年本市海绵城市建设工作要求."""
    name = _cited_masked(fold(title), keep_length=True)  # cited titles masked
    name = re.sub(r"的(?:通知|决定|函)$", "", name.strip())
    ends = [m.end() for m in _NOTICE_WORDS.finditer(name)]
    return name[ends[-1] :] if ends else name


_NOTICE_WORDS = re.compile(r"关于|印发|发布|转发|下发")


def _period_title(m: re.Match[str], ctx: Context) -> list[Found]:
    first, last = int(m.group("first")), int(m.group("last"))
    return (
        [Found("until", "plan period in the title (YYYY-YYYY年)", date(last, 12, 31))]
        if first <= last <= first + 15
        else []
    )


def _five_year_title(m: re.Match[str], ctx: Context) -> list[Found]:
    end = five_year_plan_end(m.group("plan"))
    return [Found("until", "plan horizon (五年规划)", end)] if end else []


def _annual_title(m: re.Match[str], ctx: Context) -> list[Found]:
    return [Found("until", "annual plan (YYYY年行动方案)", date(int(m.group("year")), 12, 31))]


TITLE_RULES: list[Rule] = [
    Rule(
        "plan period",
        re.compile(rf"(?P<first>{_YEAR})\s*(?:年\s*)?[-—–－~～至到]{{1,2}}\s*(?P<last>{_YEAR})"),
        "上海市花白玉兰推广应用三年行动计划（2024-2026年）",
        _period_title,
    ),
    Rule(
        "five-year plan",
        re.compile(rf"{FIVE_YEAR_LABEL}\s*(?:规划|时期|期间)"),
        "上海市城市数字化转型“十四五”规划",
        _five_year_title,
    ),
    Rule(
        "annual plan: year first",
        re.compile(
            rf"^(?:本市|本区|全市|全区)?(?P<year>{_YEAR})\s*年(?:度)?[^《》()（）]{{0,40}}?{_PLAN_END}"
        ),
        "2026年上海量子城市空间智能建设工作要点",
        _annual_title,
    ),
    Rule(
        "annual plan: year before the plan word",
        re.compile(rf"(?P<year>{_YEAR})\s*年(?:度)?\s*{_PLAN_END}"),
        "松江区城市更新2025年度实施计划",
        _annual_title,
    ),
    Rule(
        "annual plan: year after the plan word",
        re.compile(rf"{_PLAN}\s*[(（]\s*(?P<year>{_YEAR})\s*年(?:度)?\s*[)）]$"),
        "上海市绿化和市容管理局信息化赋能事业高质量发展若干举措（2026年）",
        _annual_title,
    ),
]


# --- putting it together -------------------------------------------------------------------


def _sentences(document: dict, kind: str, title: str) -> list[Sentence]:
    """The validity sentences that speak about this document, best first (see the module docstring)."""
    own_word = re.search(
        r"(办法|通知|细则|方案|规定|意见|标准|决定|计划|措施|规则|指引|要点|规划|导则|指南|纲要)", title[-12:]
    )
    out = []
    for sentence in document.get("validity") or []:
        folded = fold(sentence["text"])
        clause = folded[_LEAD_IN.match(folded).end() :]
        subject = _THIS_DOCUMENT.search(clause)
        about = subject is not None or _OPENS_A_CLAUSE.match(clause) is not None
        if kind == "extension":
            about = about or "延长" in clause or "届满" in clause
        if not about and not ("试点" in clause and "试点" in title):
            continue
        rank = 0 if subject and own_word and subject.group(1) == own_word.group(1) else 1
        out.append(Sentence(sentence["text"], folded, sentence.get("lines"), rank))
    return sorted(out, key=lambda s: s.rank)


def _record(
    value: date | None, quote: str, rule: str, lines: list[int] | None, inferred: bool = False
) -> dict:
    return {
        "date": value.isoformat() if value else None,
        "quote": quote,
        "rule": rule,
        "lines": lines,
        "inferred": inferred,
    }


def notice_kind(document: dict) -> str:
    """The document's kind by its titles (KIND_RULES): "extension", "repeal", … or "document"."""
    title = document.get("title") or document.get("notice_title") or ""
    kind = _kind(fold(document.get("notice_title") or title))
    return _kind(fold(title)) if kind == "document" else kind


def document_validity(document: dict) -> dict:
    """{"from": record or None, "until": record or None} for a structured document; a record is
    {date, quote, rule, lines, inferred}."""
    title = document.get("title") or document.get("notice_title") or ""
    kind = _kind(fold(document.get("notice_title") or title))
    if kind == "document":
        kind = _kind(fold(title))
    issued = date.fromisoformat(document["issued_on"]) if document.get("issued_on") else None
    ctx = Context(
        fold(title) + " " + fold(document.get("notice_title") or ""),
        issued,
        document.get("issued_on_quote") or "",
        _sentences(document, kind, fold(title)),
        kind,
    )

    if kind == "repeal":
        sentence = next((s for s in ctx.sentences if "废止" in s.folded), None)
        quote, lines = (sentence.text, sentence.lines) if sentence else (ctx.issued_quote, None)
        start = _record(issued, quote, "repeal notice: from its issue date", lines) if issued else None
        return {"from": start, "until": None}

    found: list[tuple[Found, Sentence]] = []
    for sentence in ctx.sentences:
        for rule in CLAUSE_RULES:
            for m in rule.pattern.finditer(sentence.folded):
                found.extend((f, sentence) for f in rule.read(m, ctx))

    def first(edge: str) -> tuple[Found, Sentence] | None:
        return next(((f, s) for f, s in found if f.edge == edge), None)

    if kind == "extension":
        new_end = next(
            ((f, s) for f, s in found if f.edge == "until" and f.rule.startswith("extension")), None
        )
        if new_end is None:
            by, old = first("extended"), first("old-end")
            if by and old and old[0].value:
                value = _add(old[0].value + timedelta(days=1), by[0].years, by[0].months)
                new_end = (
                    Found("until", "extension by a length from the old end (有效期延长N年)", value),
                    by[1],
                )
        until = (
            _record(new_end[0].value, new_end[1].text, new_end[0].rule, new_end[1].lines) if new_end else None
        )
        return {"from": None, "until": until}

    start_found, end_found = first("from"), first("until")
    start = (
        _record(start_found[0].value, start_found[1].text, start_found[0].rule, start_found[1].lines)
        if start_found
        else None
    )
    until = None
    if end_found:
        f, s = end_found
        rule = (
            "explicit range" if start and f.rule == "stated end (有效期至)" else f.rule
        )  # 自…起施行，有效期至…
        until = _record(f.value, s.text, rule, s.lines)
    if until is None:
        length = first("length")
        if length:
            f, s = length
            if start:
                until = _record(
                    _add(date.fromisoformat(start["date"]), f.years, f.months),
                    s.text,
                    f.rule,
                    s.lines,
                    f.inferred,
                )
            elif issued and not f.inferred:
                until = _record(
                    _add(issued, f.years, f.months),
                    s.text,
                    f.rule + ", counted from the issue date",
                    s.lines,
                    True,
                )
    if until is None:
        name = _plan_name(title)
        for rule in TITLE_RULES:
            m = rule.pattern.search(name)
            result = rule.read(m, ctx) if m else []
            if result:
                until = _record(result[0].value, title, result[0].rule, None)
                break
    return {"from": start, "until": until}


__all__ = ["document_validity", "KIND_RULES", "CLAUSE_RULES", "TITLE_RULES"]
