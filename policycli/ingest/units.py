"""Responsible-unit annotations: find them in a measure's text and split them as printed.

Which brackets are annotations is decided by `ANNOTATION_RULES`, tried in this order on every
bracket of a measure's text (matched on folded text, so full- and half-width alike):

    labelled     （责任单位：区发改委、市场监管局）          a role label and a colon
                 （牵头单位：A、B，支撑单位：C）              the second label starts a new role group
    role verbs   （市局X处牵头，Y处、Z处按职责分工负责）     units followed by 牵头 / 负责 / 配合 …
                 （X牵头负责，Y组织落实）  （X负责）
    bare list    （各街镇、区规划资源局、区土储中心）         only unit names, closing the paragraph

A bracket that is none of these (contact details, 以下简称, a citation, a date range) gives no unit.
Inside an annotation the clauses are read by `CLAUSE_RULES`:

    label        责任单位：A、B                              the units after it take the label's role
    carried      …为实施单位，下同                           the clause's units go on to later measures
    carry-over   以下均需区市场监管局落实                     a unit for every later measure
    verb         A、B按职责分工负责  /  A牵头                 the verb gives the units before it a role
    for role     A、B为实施单位                              a role named after the units
    unit         A                                         a unit; its role comes from its group

Roles: 牵头… is lead; 配合/协办/支撑/组织落实 … is co; 责任/负责/实施 is unspecified, except that
beside a lead group it is co ("牵头指导处室：A，B为实施单位") and beside a co group it is lead
("责任单位：A，配合单位：B").

Turning the printed names into canonical agencies is the agency registry's job; here each unit
keeps its printed form, plus `name` with what the list shares distributed over it:

    区发改委、市场监管局             → 区市场监管局            the level prefix
    市交通委科技信息处、港务监管处    → 市交通委港务监管处       the office a division belongs to
    浦东新区、徐汇区、嘉定区政府      → 浦东新区政府, 徐汇区政府  the suffix of the last place name
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from policycli.folding import fold

# Labels, matched at the start of a clause before a colon: any short run of characters ending
# in one of these nouns ("牵头指导处室", "支撑单位", "责任主体"). The role is read from its words.
_LABEL = re.compile(r"([\u4e00-\u9fa5]{0,6}?(?:单位|部门|处室|科室|主体|机构))\s*[:：]\s*")
_LEAD_WORDS = re.compile(r"牵头|主责|主办")
_CO_WORDS = re.compile(r"配合|协办|协同|参与|协助|支撑|支持|协作")
LEAD_LABELS = ("牵头单位", "牵头部门", "主责单位", "主责部门", "牵头")
CO_LABELS = ("配合单位", "配合部门", "协办单位", "协同单位", "参与单位", "协助单位", "支撑单位")
PLAIN_LABELS = (
    "责任单位",
    "责任部门",
    "负责单位",
    "负责部门",
    "实施单位",
    "实施部门",
    "责任主体",
    "实施主体",
)
# A bare label opening a clause outside brackets: "牵头单位：市经济信息化委 配合单位：…".
_BARE = re.compile(
    r"(?:^|(?<=[\s。.;；]))((?:牵头|主责|配合|协办|协同|参与|协助|支撑|责任|负责|实施)(?:单位|部门))\s*[:：]"
)

# Verbs that close a run of units and give them a role: "A、B按职责分工负责", "X牵头负责".
_VERBS: list[tuple[str, str]] = [
    ("牵头负责", "lead"),
    ("牵头落实", "lead"),
    ("牵头", "lead"),
    ("主责", "lead"),
    ("按职责分工负责", "plain"),
    ("按职责分工落实", "co"),
    ("按职责负责", "plain"),
    ("分工负责", "plain"),
    ("共同负责", "plain"),
    ("组织落实", "co"),
    ("配合", "co"),
    ("协助", "co"),
    ("参与", "co"),
    ("协同", "co"),
    ("负责", "plain"),
    ("落实", "co"),
]
_VERB = re.compile("(" + "|".join(v for v, _ in _VERBS) + ")")
_VERB_ROLE = dict(_VERBS)
_VERB_ENDINGS = frozenset(verb[-1] for verb, _ in _VERBS)
_BY = re.compile(r"^(?:具体|并|均|统一)?由")
# "以下均需区市场监管局落实" / "以下各项由X负责": a unit for every later measure.
_CARRY_OVER = re.compile(r"^以下(?:均|各项|任务)?(?:需|由|要|均由)?(.+?)(?:落实|负责|组织实施|实施)")
_DOWN_SAME = re.compile(r"^(?:下同|以下同|以下相同)$")
# "A、B为实施单位": the role is named after the units.
_FOR_ROLE = re.compile(r"^(.+?)为([\u4e00-\u9fa5]{0,6}?(?:单位|部门|处室|主体))$")

# Separators between units and clauses. "、" separates units only; "，；。" end a clause too.
_UNIT_SEPARATORS = "、，,;；/ \u3000"
_CLAUSE_ENDS = "，,;；。."
# A fragment that cannot stand alone continues the collective before it: "各街道、镇".
_DANGLING = {"镇", "乡", "街道", "街镇", "村", "居委会"}
# Units printed without a level prefix take the list's prefix; these already name their level
# or their place ("市场监管局" starts with 市 but is 市场, a market, so it does take a prefix).
_HAS_OWN_LEVEL = re.compile(
    r"^(?:区|市(?!场)|县|镇|乡|省|各|国家|国务院|中国|中央|全国|上海|人民银行|民航|海关|长三角|公安|"
    r"[\u4e00-\u9fa5]{1,4}(?:新区|区|县|市(?!场))|[\u4e00-\u9fa5]{1,8}(?:街道|镇|乡)$)"
)
# Names a shared 市/区 prefix does not belong to: a district's or town's own body (嘉定海关, 嘉定一中),
# schools, firms, residents' committees.
_NOT_PREFIXED = re.compile(
    r"^(?:浦东|黄浦|徐汇|长宁|静安|普陀|虹口|杨浦|闵行|宝山|嘉定|金山|松江|青浦|奉贤|崇明|临港)|"
    r"(?:海关|中学|小学|一中|二中|幼儿园|航空|汽车城|居委会|村委会)$"
)
_OWN_NAME = re.compile(
    r"(?:大学|学院|学校|公司|集团|医院|银行|交易所|研究院|研究所)$|^[\u4e00-\u9fa5]{2,6}部(?!门)"
)
_NATIONAL = re.compile(r"(?:总局|总署|总会|总站|总队|^国家|^中国)")

UNIT_SUFFIXES = (
    "委",
    "办",
    "局",
    "部",
    "院",
    "会",
    "组",
    "站",
    "署",
    "厅",
    "所",
    "司",
    "中心",
    "政府",
    "集团",
    "公司",
    "单位",
    "部门",
    "街道",
    "镇",
    "乡",
    "总部",
    "分局",
    "管委会",
    "小组",
    "海关",
    "联",
    "处",
    "科",
    "队",
    "馆",
    "行",
    "校",
    "协会",
    "商会",
    "办公室",
    "分公司",
    "交易所",
    "专班",
    "处室",
    "科室",
    "机构",
    "企业",
    "国企",
    "街镇",
    "区",
    "县",
    "大学",
    "学院",
    "医院",
    "平台",
    "园区",
)
# What a unit's name cannot start with: prose, scope notes and citations ("含装修垃圾", "以下简称").
_NOT_A_NAME_START = re.compile(
    r"^(?:含|包括|如|即|指|详见|见|其中|以下|简称|由|在|对|按|经|为|和|与|及|或|等|注|系|督促|推动|加强|支持|鼓励|引导|"
    r"组织|开展|推进|建立|完善|落实|做好|强化|提升|加快|实施|确保|依托|结合|通过|发挥|严格|积极|进一步|全面|重点|针对|"
    r"要求|明确|不再|不得|负责|牵头|配合|协助|参与|共同|统筹|指导|会同|联合|具体|所需)"
)
_NOT_A_NAME = re.compile(
    r"[的是了把被将从向于以《》“”\"0-9]|简称|联系|电话|地址|邮箱|^(?:试行|暂行|修订|草案)$"
)
# Division endings: "市交通委科技信息处、港务监管处" distributes 市交通委 over the divisions.
# How a government body's name starts in an unlabelled annotation: its level, a collective, or a
# district's own name (松江区规划资源局); "区级平台", "市级财政" are adjectives, not bodies.
_OFFICIAL_START = re.compile(
    r"^(?:区|市|县|镇|乡|各|属地|相关|有关|上海|公安|(?:浦东|黄浦|徐汇|长宁|静安|普陀|虹口|杨浦|闵行|宝山|嘉定|金山|"
    r"松江|青浦|奉贤|崇明|临港)[\u4e00-\u9fa5]*?(?:局|委|办|中心|政府|分局|支队|管委会))"
)
_NOT_OFFICIAL = re.compile(
    r"^[区市县]级|^(?:区|市|县|镇|乡)$|[区县]$|(?:^(?:各|相关|有关)(?:企业|单位|学校|医院|机构))"
)
_DIVISION = re.compile(r"(?:处|科|室|处室|科室|办公室|总队|大队|中队|支队|分队)$")
_OFFICE = re.compile(r"^(.{1,12}?(?:局|委|厅|办|部|院|中心|政府))(.+)$")
# A place name that can take the suffix of the last one in its list: 浦东新区 … 嘉定区政府.
_PLACE = re.compile(r"^[\u4e00-\u9fa5]{1,6}?(?:新区|区|县|镇|街道|乡)$")
_PLACE_WITH_SUFFIX = re.compile(r"^([\u4e00-\u9fa5]{1,6}?(?:新区|区|县|镇|乡))((?:人民)?政府)$")


@dataclass
class Unit:
    printed: str  # exactly as printed (original characters)
    name: str  # printed, with what the list shares distributed (区发改委、市场监管局 → 区市场监管局)
    role: str  # lead | co | unspecified
    group: int  # 1-based ；-separated group the unit was printed in
    agency: str | None = None  # canonical name from the agency registry (set by the pipeline)
    resolution: str | None = None  # exact | alias | typo | unresolved
    collective: bool = False
    carried: bool = False  # printed on an earlier measure and carried here (下同, 以下均需…)

    def to_dict(self) -> dict:
        out = {
            "printed": self.printed,
            "name": self.name,
            "agency": self.agency or self.name,
            "resolution": self.resolution,
            "collective": self.collective,
            "role": self.role,
            "group": self.group,
        }
        if self.carried:
            out["carried"] = True
        return out


@dataclass
class Annotation:
    raw: str  # the whole annotation as printed, e.g. "（责任单位：区府办等）"
    units: list[Unit] = field(default_factory=list)
    open_list: bool = False
    rule: str = ""  # the ANNOTATION_RULES entry that read it
    carry: list[Unit] = field(default_factory=list)  # units the annotation hands on to later measures
    other: list[str] = field(default_factory=list)  # its clauses that name no unit ("完成时限：2025年底")
    start: int = 0  # offsets in the text it was found in
    end: int = 0


_SPACES = re.compile(r"\s+")
_LAST_BRACKETED = re.compile(r"\([^()]*\)$")


def looks_like_unit(name: str) -> bool:
    """Does a short piece of text read as one unit's name ("区规划资源局", "各街镇", "杨浦区")?"""
    folded = _SPACES.sub("", fold(name)).removesuffix("等")
    folded = _LAST_BRACKETED.sub("", folded)  # 市水务局(海洋局)
    if not 2 <= len(folded) <= 30 or _NOT_A_NAME_START.match(folded) or _NOT_A_NAME.search(folded):
        return False
    return folded in _DANGLING or folded.endswith(UNIT_SUFFIXES)


# --- annotation rules: which brackets are annotations ---------------------------------------------


def _rule_labelled(inner: str, at_end: bool) -> bool:
    return bool(_LABEL.match(inner)) and _has_role_label(inner)


_ROLE_WORDS = re.compile(r"牵头|主责|配合|协办|协同|参与|协助|支撑|责任|负责|实施|指导")


def _has_role_label(inner: str) -> bool:
    label = _LABEL.match(inner)
    return bool(label) and bool(_ROLE_WORDS.search(label.group(1)))


def official(name: str) -> bool:
    """Does a name read as a government body of this document's world, not a third party or a place?
    "区规划资源局", "各街镇", "市局特种设备安全监察处", "属地街镇" are; "施工单位", "医院", "老城区",
    "区级平台" are not. Only the unlabelled forms ask this: without a label nothing else says a
    bracket is about responsibility."""
    folded = _SPACES.sub("", fold(name)).removesuffix("等")
    return (
        looks_like_unit(folded) and bool(_OFFICIAL_START.match(folded)) and not _NOT_OFFICIAL.search(folded)
    )


_CLAUSE_STOP = re.compile(r"[，,;；。]")


def _first_clause(inner: str) -> str:
    stop = _CLAUSE_STOP.search(inner)
    return inner[: stop.start()] if stop else inner


def _rule_role_verbs(inner: str, at_end: bool) -> bool:
    """The bracket opens with units and a role verb: "市局X处牵头，…", "（市局Y处负责）"."""
    first = _first_clause(inner)
    if first.rstrip()[-1:] not in _VERB_ENDINGS:
        return False  # the verb ends the clause: no need to search one that does not end like a verb
    m = _VERB.search(first)
    if not m or first[m.end() :].strip():
        return False
    # The units one at a time (a bracket of hundreds of "、" is judged by its first names, not split whole).
    units = (u.group(0) for u in re.finditer(r"[^、]+", first[: m.start()]))
    head = next(units, None)
    # after an official first unit, bare divisions share its office: "市局X处、Y处按职责分工负责"
    return head is not None and official(head) and all(official(u) or _division(u) for u in units)


def _division(name: str) -> bool:
    return looks_like_unit(name) and bool(_DIVISION.search(fold(name)))


def _rule_carry_over(inner: str, at_end: bool) -> bool:
    """ "（以下均需区市场监管局落实，不再单独列出）": a unit for this and every later measure."""
    if not inner.startswith("以下"):
        return False
    m = _CARRY_OVER.match(_first_clause(inner))
    return bool(m) and official(m.group(1))


def _rule_bare_list(inner: str, at_end: bool) -> bool:
    """Only unit names, and the bracket closes its paragraph: "…予以支持。（各街镇、区财政局）"."""
    if not at_end:
        return False
    parts = (p for p in (m.group(0) for m in re.finditer(r"[^、，,;；]+", inner)) if p.strip())
    head = next(parts, None)
    return head is not None and official(head) and all(official(p) for p in parts)


# (name, example, test on the bracket's folded inner text and whether it closes its paragraph)
ANNOTATION_RULES: list[tuple[str, str, Callable[[str, bool], bool]]] = [
    ("labelled", "（牵头单位：市商务委；配合单位：市财政局）", _rule_labelled),
    ("role verbs", "（市局特种设备安全监察处牵头，执法稽查处按职责分工负责）", _rule_role_verbs),
    ("bare list", "（各街镇、区规划资源局、区土储中心）", _rule_bare_list),
    ("carry-over", "（以下均需区市场监管局落实，不再单独列出）", _rule_carry_over),
]


def find_annotations(text: str) -> list[Annotation]:
    """Every responsible-unit annotation in a measure's (original) text, in order."""
    folded = fold(text)
    found: list[Annotation] = []
    pos = 0
    for start, end in _brackets(folded):
        if start < pos:
            continue  # inside an annotation already read
        inner_end = end - 1 if folded[end - 1] == ")" else end
        # Every rule reads a label, a unit's name or 以下 first: a bracket whose inside opens with anything
        # else ("（（（（…", "(1)") is none, and is passed over before its inside is cut out and read.
        first = start + 1
        while first < inner_end and folded[first].isspace():
            first += 1
        if first >= inner_end or not _MAY_OPEN_ANNOTATION.match(folded[first]):
            continue
        inner = folded[start + 1 : inner_end].strip()
        after = folded[end : end + 8].lstrip(" \u3000。.;；")  # a bounded look: texts can be long
        at_end = not after.strip(" \u3000") or after.startswith("\n")
        rule = next((name for name, _, test in ANNOTATION_RULES if test(inner, at_end)), None)
        if rule is None:
            continue
        annotation = parse_units_text(text[start + 1 : inner_end])
        if annotation.units or annotation.carry:
            annotation.raw, annotation.rule, annotation.start, annotation.end = (
                text[start:end],
                rule,
                start,
                end,
            )
            found.append(annotation)
        pos = end
    if found:
        return found
    m = _BARE.search(folded)
    if m:
        # Bare "牵头单位：X 配合单位：Y" runs to the end of the clause.
        stop = len(folded)
        for k in range(m.end(), len(folded)):
            if folded[k] in "。\n" or (folded[k] == "." and not folded[k + 1 : k + 2].isdigit()):
                stop = k + 1
                break
        annotation = parse_units_text(text[m.start() : stop])
        annotation.raw, annotation.rule, annotation.start, annotation.end = (
            text[m.start() : stop],
            "bare label",
            m.start(),
            stop,
        )
        if annotation.units:
            found.append(annotation)
    return found


# The first character of a bracket's inside that some ANNOTATION_RULES entry can read: a Chinese
# character (责任单位, 市商务委, 以下…) or a list separator before the first unit ("（、市商务委）").
_MAY_OPEN_ANNOTATION = re.compile(r"[\u4e00-\u9fa5、，,;；]")
_BRACKET_SPAN = 600  # an annotation is read at most this far: texts can be long, and brackets unclosed


def _brackets(folded: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each "(" in a folded text whose inside opens with what an annotation can open with
    (_MAY_OPEN_ANNOTATION, white space skipped), in order: end is just after its matching ")", or at the
    line break that comes first (an unclosed bracket runs to the end of its paragraph), and no further than
    _BRACKET_SPAN characters from the start.

    One pass with a stack of open brackets, not a scan from every "(": a run of 30,000 "（" read each
    bracket's 600 characters again. Kept in arrays: a 10 MiB run of "（市" has millions of them."""
    limit = len(folded)
    starts, ends = array("q"), array("q")
    open_starts, open_index = (
        array("q"),
        array("q"),
    )  # the open brackets: start, index in starts (-1: not kept)
    for m in re.finditer(r"[()\n]", folded):
        k, char = m.start(), m.group(0)
        if char == "(":
            first = k + 1
            while first < limit and folded[first].isspace():
                first += 1
            kept = first < limit and _MAY_OPEN_ANNOTATION.match(folded[first]) is not None
            open_starts.append(k)
            open_index.append(len(starts) if kept else -1)
            if kept:
                starts.append(k)
                ends.append(min(limit, k + _BRACKET_SPAN))  # unless its ")" or a line break comes first
        elif char == ")":
            if open_starts:
                start, index = open_starts.pop(), open_index.pop()
                if index >= 0 and k < start + _BRACKET_SPAN:
                    ends[index] = k + 1
        else:
            for start, index in zip(
                open_starts, open_index, strict=True
            ):  # unclosed: runs to the end of its paragraph
                if index >= 0 and k < start + _BRACKET_SPAN:
                    ends[index] = k
            del open_starts[:], open_index[:]
    return zip(starts, ends, strict=True)


# --- clause rules: reading one annotation ---------------------------------------------------------


@dataclass
class _Reader:
    """The state of reading one annotation left to right."""

    text: str  # original characters of the annotation's inside
    units: list[Unit] = field(default_factory=list)
    carry: list[Unit] = field(default_factory=list)
    open_list: bool = False
    group: int = 1
    label_role: str | None = None  # the role of the label in force, if any
    # units waiting for a verb: (printed, group); printed in pieces, "各街道、镇" as ["各街道", "镇"]
    pending: list[tuple[list[str], int]] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # per unit: lead | co | plain
    last_clause: list[int] = field(default_factory=list)  # indexes of the last clause's units
    other: list[str] = field(default_factory=list)  # clauses that are not units (a deadline, a phone number)
    # Fragments joining the last unit ("各街道" + "镇"), kept in pieces until it is read (settle): adding
    # them one by one to its name copied it each time, quadratic on "各街道，镇，镇，…" in a long bare clause.
    tail: list[str] = field(default_factory=list)
    printed: Counter[str] = field(default_factory=Counter)  # how many units have each printed name

    def settle(self) -> None:
        if self.tail:
            unit = self.units[-1]
            self.printed[unit.printed] -= 1
            unit.printed = "、".join([unit.printed, *self.tail])
            unit.name = unit.printed
            self.printed[unit.printed] += 1
            self.tail.clear()

    def add(self, printed: str, role: str) -> None:
        raw = printed.strip(_UNIT_SEPARATORS + ":：。．.")
        if not raw:
            return
        if fold(raw).endswith("等") and len(raw) > 1:
            raw, self.open_list = raw[:-1].rstrip(), True
        raw = _AND_OTHERS.sub("", raw)
        if raw in _DANGLING and self.units and self.units[-1].printed.startswith("各"):
            self.tail.append(raw)  # 各街道、镇: one collective
            return
        self.settle()
        self.units.append(Unit(printed=raw, name=raw, role=role, group=self.group))
        self.printed[raw] += 1
        self.roles.append(role)
        self.last_clause.append(len(self.units) - 1)

    def flush(self, role: str | None) -> None:
        if self.pending:
            self.last_clause = []
        for pieces, group in self.pending:
            saved, self.group = self.group, group
            self.add("、".join(pieces), role or self.label_role or "plain")
            self.group = saved
        self.pending.clear()


_AND_OTHERS = re.compile(r"等相关(?:部门|单位)$")


def _role_of_label(label: str) -> str:
    if _LEAD_WORDS.search(label):
        return "lead"
    if _CO_WORDS.search(label):
        return "co"
    return "plain"


def _clause_label(reader: _Reader, token: str) -> str | None:
    m = _LABEL.match(token)
    if not m or not _has_role_label(token):
        return None
    reader.flush(None)
    reader.label_role = _role_of_label(m.group(1))
    reader.last_clause = []
    return token[m.end() :]


def _clause_down_same(reader: _Reader, token: str, folded: str) -> bool:
    if not _DOWN_SAME.match(folded):
        return False
    reader.flush(None)
    reader.carry = [reader.units[k] for k in reader.last_clause]
    return True


def _clause_carry_over(reader: _Reader, token: str, folded: str) -> bool:
    m = _CARRY_OVER.match(folded)
    if not m or not looks_like_unit(m.group(1)):
        return False
    reader.flush(None)
    printed = token[m.start(1) : m.end(1)]
    unit = Unit(printed=printed, name=printed, role="co", group=reader.group)
    reader.carry.append(unit)
    reader.settle()
    if not reader.printed[unit.printed]:
        reader.units.append(unit)
        reader.printed[unit.printed] += 1
        reader.roles.append("co")
    return True


def _clause_for_role(reader: _Reader, token: str, folded: str) -> bool:
    m = _FOR_ROLE.match(folded)
    if not m or not looks_like_unit(m.group(1)):
        return False
    reader.pending.append(([token[: m.end(1)]], reader.group))
    reader.flush(_role_of_label(m.group(2)))
    return True


def _clause_verb(reader: _Reader, token: str, folded: str) -> bool:
    m = _VERB.search(folded)
    lead = _BY.match(folded)  # "具体由区发改委牵头": the unit is after 由
    start = lead.end() if lead and lead.end() < (m.start() if m else 0) else 0
    if not m or not looks_like_unit(folded[start : m.start()]):
        return False
    reader.pending.append(([token[start : m.start()]], reader.group))
    reader.flush(_VERB_ROLE[m.group(1)])
    return True


_PAIR = re.compile(r"(.+?)(?:和|及|以及)(.+)")
_PROSE_MARK = re.compile(r"[的。]")


def _clause_unit(reader: _Reader, token: str, folded: str) -> bool:
    # Under a label a name is taken unless it reads as prose (universities and firms have
    # endings of their own); without one it must look like a unit ("不再单独列出" is not).
    if folded in _DANGLING and reader.pending and reader.pending[-1][0][0].startswith("各"):
        reader.pending[-1][0].append(token)  # 各街道、镇: one collective
        return True
    pair = _PAIR.fullmatch(folded)
    # "各相关部门和单位" stays one: a bare noun after 和 is not a second unit.
    if pair and looks_like_unit(pair.group(1)) and looks_like_unit(pair.group(2)) and len(pair.group(2)) > 2:
        # "区城管执法局和属地街镇": two units joined by 和
        reader.pending += [([token[: pair.end(1)]], reader.group), ([token[pair.start(2) :]], reader.group)]
        return True
    if _NOT_A_UNIT_CLAUSE.search(folded):
        reader.other.append(token)  # "完成时限：2025年底", "2025年6月底前完成", "持续推进": not a unit
        return True
    labelled = reader.label_role is not None and len(folded) <= 30 and not _PROSE_MARK.search(folded)
    if labelled or looks_like_unit(folded):
        reader.pending.append(([token], reader.group))
    else:
        reader.other.append(token)
    return True


# A clause inside an annotation that is not a unit's name: another label, a date, a number, work.
_NOT_A_UNIT_CLAUSE = re.compile(
    r"[:：0-9]|[年月日]底?前?$|(?:完成|推进|落实|实施|开展|启动|持续|长期|常态|年底|月底|季度)$|^(?:完成|持续|长期|于|在)"
)


# (name, example, reader) tried in order on every clause token after any label is taken off.
CLAUSE_RULES: list[tuple[str, str, Callable[[_Reader, str, str], bool]]] = [
    ("carried", "下同", _clause_down_same),
    ("carry-over", "以下均需区市场监管局落实", _clause_carry_over),
    ("for role", "临港新片区市场监管局为实施单位", _clause_for_role),
    ("verb", "执法稽查处按职责分工负责", _clause_verb),
    ("unit", "区土储中心", _clause_unit),
]


def _tokens(folded: str) -> list[tuple[int, int, str]]:
    """(start, end, separator after) of each piece between separators outside brackets."""
    out: list[tuple[int, int, str]] = []
    depth = 0
    start = 0
    for k, char in enumerate(folded):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and (
            char in _UNIT_SEPARATORS or (char in "。." and not folded[k + 1 : k + 2].isdigit())
        ):
            out.append((start, k, char))
            start = k + 1
    out.append((start, len(folded), ""))
    return out


def parse_units_text(text: str) -> Annotation:
    """Split "责任单位：A、B；配合单位：C等" (label optional) into units as printed, with roles."""
    if len(text) > _READINGS_TEXT:
        return _read_units(text)
    reading = _READINGS.get(text)
    if reading is None:
        reading = _read_units(text)
        if len(_READINGS) >= _READINGS_KEPT:
            _READINGS.clear()
        _READINGS[text] = reading
    # A fresh copy each time: the caller resolves, carries and moves its units. A unit the annotation both
    # lists and hands on stays one object in the copy, as in the reading.
    copies: dict[int, Unit] = {}

    def fresh(unit: Unit) -> Unit:
        copied = copies.get(id(unit))
        if copied is None:
            copied = copies[id(unit)] = Unit.__new__(Unit)
            copied.__dict__.update(unit.__dict__)
        return copied

    return Annotation(
        raw=reading.raw,
        units=[fresh(u) for u in reading.units],
        open_list=reading.open_list,
        rule=reading.rule,
        carry=[fresh(u) for u in reading.carry],
        other=list(reading.other),
        start=reading.start,
        end=reading.end,
    )


# The same annotation comes back measure after measure (（责任单位：各区政府）, a 分工表's unit cells), and
# reading one costs tens of microseconds: the readings of short texts are kept (a bounded number).
_READINGS: dict[str, Annotation] = {}
_READINGS_KEPT = 4096
_READINGS_TEXT = 400


def _read_units(text: str) -> Annotation:
    """parse_units_text() of a text read for the first time."""
    folded = fold(text)
    reader = _Reader(text)
    for start, end, separator in _tokens(folded):
        token = text[start:end].strip()
        token_folded = fold(token)
        if token:
            rest = _clause_label(reader, token_folded)
            if rest is not None:
                token = token[len(token) - len(rest) :]
                token_folded = rest
            if token:
                for _, _, rule in CLAUSE_RULES:
                    if rule(reader, token, token_folded):
                        break
        if separator and separator in "，,;；。.":
            # A clause ends: units that no verb or 为…单位 claimed take the label's role.
            reader.flush(None)
            if separator in ";；":
                reader.group += 1
    reader.flush(None)
    reader.settle()
    _settle_roles(reader)
    units = reader.units
    _distribute_prefix(units)
    _distribute_office(units)
    _distribute_suffix(units)
    seen: set[str] = set()
    units = [
        u for u in units if not (u.name in seen or seen.add(u.name))
    ]  # printed in two role columns: once
    return Annotation(
        raw=text, units=units, open_list=reader.open_list, carry=reader.carry, other=reader.other
    )


def _settle_roles(reader: _Reader) -> None:
    """Plain roles read against the others in the same annotation (see the module docstring)."""
    roles = reader.roles
    has_lead, has_co = "lead" in roles, "co" in roles
    for unit, role in zip(reader.units, roles, strict=True):
        if role == "plain":
            role = "co" if has_lead else "lead" if has_co else "unspecified"
        unit.role = role


def _distribute_prefix(units: list[Unit]) -> None:
    """区发改委、市场监管局、建管委: the first unit's 区 (or 市) belongs to every bare name."""
    if not units:
        return
    first = fold(units[0].printed)
    prefix = (
        "区"
        if first.startswith("区")
        else "市"
        if first.startswith("市") and not first.startswith("市场")
        else ""
    )
    if not prefix:
        return
    for unit in units[1:]:
        folded = fold(unit.printed)
        # 市场监管总局, 海关总署: national bodies printed inside a city list keep their own level.
        if _DIVISION.search(folded) and not folded.startswith(("区", "市")):
            continue  # a division takes its office's name, not only the level (_distribute_office)
        if _OWN_NAME.search(folded) or _NOT_PREFIXED.search(folded):
            # 同济大学, 嘉定海关, 安亭汽车城, 居委会: a name of its own, not a 市/区 office's short form
            continue
        if not (_HAS_OWN_LEVEL.match(folded) or _NATIONAL.search(folded)) and unit.name == unit.printed:
            unit.name = prefix + unit.printed


def _distribute_office(units: list[Unit]) -> None:
    """市交通委科技信息处、港务监管处: a bare division belongs to the office of the division before it."""
    office = ""
    for unit in units:
        folded = fold(unit.name)
        m = _OFFICE.match(folded)
        if m and _DIVISION.search(m.group(2)) and _HAS_OWN_LEVEL.match(folded):
            office = unit.name[: len(m.group(1))]
            continue
        if office and _DIVISION.search(folded) and not _HAS_OWN_LEVEL.match(folded):
            unit.name = office + unit.printed
        elif not _DIVISION.search(folded):
            office = ""


def _distribute_suffix(units: list[Unit]) -> None:
    """浦东新区、徐汇区、嘉定区政府: bare place names before "X区政府" are each district's 政府."""
    k = 0
    while k < len(units):
        m = _PLACE_WITH_SUFFIX.match(fold(units[k].name))
        if m:
            j = k
            while (
                j > 0
                and _PLACE.match(fold(units[j - 1].name))
                and units[j - 1].role == units[k].role
                and not fold(units[j - 1].name).startswith(("各", "相关", "有关", "属地"))
            ):
                j -= 1
            for unit in units[j:k]:
                unit.name = unit.name + units[k].name[len(m.group(1)) :]
        k += 1


_ENDS_SENTENCE = re.compile(r"[。.!?？！]$")
_LIST_SEPARATOR = re.compile(r"[、，,；;]")
_LIST_TAIL = re.compile(r"等(?:相关)?(?:部门|单位)?$")
_LIST_BRACKETED = re.compile(r"\([^)]*\)$")
_COLLECTIVE_STARTS = ("各", "属地", "相关", "有关")


def looks_like_unit_list(text: str) -> bool:
    """Does a table cell read as a list of units (every part ends like an office's name)?"""
    folded = fold(text).strip()
    if not folded or len(folded) > 200 or _ENDS_SENTENCE.search(folded):
        return False
    parts = [p.strip() for p in _LIST_SEPARATOR.split(folded) if p.strip()]
    if not parts or any(len(p) > 40 for p in parts):
        return False
    good = 0
    for part in parts:
        part = _LIST_BRACKETED.sub("", _LIST_TAIL.sub("", part)).strip()
        if part.endswith(UNIT_SUFFIXES) or part in _DANGLING or part.startswith(_COLLECTIVE_STARTS):
            good += 1
    return good >= max(1, 0.75 * len(parts))
