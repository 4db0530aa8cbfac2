"""Responsible-unit annotations: find them in a measure's text and split them as printed.

Shapes seen in Shanghai documents (matched on folded text, so full- and half-width alike):

    （责任单位：区发改委、市场监管局、建管委）      one list; 区 applies to the whole list
    （责任部门：区临空办、商务委、科委等）           trailing 等: an open list
    （牵头单位：市商务委；配合单位：市财政局）       lead and co-operating roles
    市交通委（市道运局）                           nested brackets: one unit
    区地区办、规划资源局、各街道、镇                 "各街道、镇" is one collective unit

Turning the printed names into canonical agencies is the agency registry's job; here each unit
keeps its printed form, plus `name` with a shared level prefix distributed over the list
("区发改委、市场监管局" → 区发改委, 区市场监管局).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policycli.text import fold

LEAD_LABELS = ("牵头单位", "牵头部门", "主责单位", "主责部门", "牵头")
CO_LABELS = ("配合单位", "配合部门", "协办单位", "协同单位", "参与单位", "协助单位")
PLAIN_LABELS = ("责任单位", "责任部门", "负责单位", "负责部门", "实施单位", "实施部门", "责任主体", "实施主体")
_ALL_LABELS = LEAD_LABELS[:-1] + CO_LABELS + PLAIN_LABELS
_LABEL_RE = "|".join(sorted(_ALL_LABELS, key=len, reverse=True))
# "(责任单位:" opening an annotation, or a bare "牵头单位:" at the start of a clause.
_BRACKETED = re.compile(rf"\(\s*({_LABEL_RE})\s*[:：]")
_BARE = re.compile(rf"(?:^|(?<=[\s。.;；]))({_LABEL_RE})\s*[:：]")
_ROLE_SWITCH = re.compile(rf"({_LABEL_RE})\s*[:：]\s*")
_SEPARATORS = "、，,;；/ \u3000"
# A fragment that cannot stand alone continues the collective before it: "各街道、镇".
_DANGLING = {"镇", "乡", "街道", "街镇", "村", "居委会"}
# Units printed without a level prefix take the list's prefix; these already name their level
# or their place ("市场监管局" starts with 市 but is 市场, a market, so it does take a prefix).
_HAS_OWN_LEVEL = re.compile(
    r"^(?:区|市(?!场)|县|镇|乡|省|各|国家|国务院|中国|中央|全国|上海|人民银行|民航|海关|长三角|"
    r"[\u4e00-\u9fa5]{1,4}(?:新区|区|县|市(?!场)))"
)

_NATIONAL = re.compile(r"(?:总局|总署|总会|总站|总队|^国家|^中国)")

UNIT_SUFFIXES = (
    "委", "办", "局", "部", "院", "会", "组", "站", "署", "厅", "所", "司", "中心", "政府", "集团", "公司",
    "单位", "部门", "街道", "镇", "总部", "分局", "管委会", "小组", "海关", "联", "处", "科", "队", "馆", "行",
    "校", "协会", "商会", "办公室", "分公司", "交易所",
)


@dataclass
class Unit:
    printed: str  # exactly as printed (original characters)
    name: str  # printed, with the list's level prefix distributed (区发改委、市场监管局 → 区市场监管局)
    role: str  # lead | co | unspecified
    group: int  # 1-based ；-separated group the unit was printed in
    agency: str | None = None  # canonical name from the agency registry (set by the pipeline)
    resolution: str | None = None  # exact | alias | typo | unresolved
    collective: bool = False

    def to_dict(self) -> dict:
        return {
            "printed": self.printed, "name": self.name, "agency": self.agency or self.name, "resolution": self.resolution,
            "collective": self.collective, "role": self.role, "group": self.group,
        }


@dataclass
class Annotation:
    raw: str  # the whole annotation as printed, e.g. "（责任单位：区府办等）"
    units: list[Unit] = field(default_factory=list)
    open_list: bool = False


def find_annotations(text: str) -> list[Annotation]:
    """Every responsible-unit annotation in a measure's (original) text."""
    folded = fold(text)
    found: list[Annotation] = []
    taken_until = -1
    for m in _BRACKETED.finditer(folded):
        if m.start() < taken_until:
            continue
        end = _closing_bracket(folded, m.start())
        annotation = parse_units_text(text[m.start() + 1 : end - 1 if folded[end - 1] == ")" else end])
        annotation.raw = text[m.start() : end]
        found.append(annotation)
        taken_until = end
    if found:
        return found
    for m in _BARE.finditer(folded):
        # Bare "牵头单位：X 配合单位：Y" runs to the end of the clause.
        stop = len(folded)
        for k in range(m.end(), len(folded)):
            if folded[k] in "。\n" or (folded[k] == "." and not folded[k + 1 : k + 2].isdigit()):
                stop = k + 1
                break
        annotation = parse_units_text(text[m.start() : stop])
        annotation.raw = text[m.start() : stop]
        found.append(annotation)
        break
    return found


def _closing_bracket(folded: str, start: int) -> int:
    depth = 0
    for k in range(start, len(folded)):
        if folded[k] == "(":
            depth += 1
        elif folded[k] == ")":
            depth -= 1
            if depth == 0:
                return k + 1
    return len(folded)  # unclosed: the annotation runs to the end


def parse_units_text(text: str) -> Annotation:
    """Split "责任单位：A、B；配合单位：C等" (label optional) into units as printed."""
    folded = fold(text)
    role = "unspecified"
    units: list[Unit] = []
    open_list = False
    group = 1
    pos = 0
    # Walk the text splitting on separators outside brackets, switching role at labels.
    depth = 0
    token_start = 0

    def flush(end: int) -> None:
        nonlocal open_list
        raw = text[token_start:end].strip(_SEPARATORS + ":：。．.")
        raw_folded = fold(raw)
        if not raw:
            return
        if raw_folded.endswith("等") and len(raw_folded) > 1:
            raw = raw[:-1].rstrip()
            open_list = True
        elif raw_folded == "等":
            open_list = True
            return
        if raw in _DANGLING and units and units[-1].printed.startswith("各"):
            units[-1].printed += "、" + raw
            units[-1].name = units[-1].printed
            return
        units.append(Unit(printed=raw, name=raw, role=role, group=group))

    while pos < len(folded):
        char = folded[pos]
        if depth == 0:
            m = _ROLE_SWITCH.match(folded, pos)
            if m:
                flush(pos)
                label = m.group(1)
                role = "lead" if label in LEAD_LABELS else "co" if label in CO_LABELS else "unspecified"
                pos = token_start = m.end()
                continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and char in _SEPARATORS:
            flush(pos)
            if char in ";；":
                group += 1
            token_start = pos + 1
        pos += 1
    flush(len(folded))
    _distribute_prefix(units)
    return Annotation(raw=text, units=units, open_list=open_list)


def _distribute_prefix(units: list[Unit]) -> None:
    """区发改委、市场监管局、建管委: the first unit's 区 (or 市) belongs to every bare name."""
    if not units:
        return
    first = fold(units[0].printed)
    prefix = "区" if first.startswith("区") else "市" if first.startswith("市") and not first.startswith("市场") else ""
    if not prefix:
        return
    for unit in units[1:]:
        folded = fold(unit.printed)
        # 市场监管总局, 海关总署: national bodies printed inside a city list keep their own level.
        if not (_HAS_OWN_LEVEL.match(folded) or _NATIONAL.search(folded)):
            unit.name = prefix + unit.printed


def looks_like_unit_list(text: str) -> bool:
    """Does a table cell read as a list of units (every part ends like an office's name)?"""
    folded = fold(text).strip()
    if not folded or len(folded) > 200 or re.search(r"[。.!?？！]$", folded):
        return False
    parts = [p.strip() for p in re.split(r"[、，,；;]", folded) if p.strip()]
    if not parts:
        return False
    good = 0
    for part in parts:
        part = re.sub(r"\([^)]*\)$", "", part.removesuffix("等")).strip()
        if part.endswith(UNIT_SUFFIXES) or part in _DANGLING or part.startswith("各"):
            good += 1
    return good >= max(1, 0.75 * len(parts)) and all(len(p) <= 40 for p in parts)
