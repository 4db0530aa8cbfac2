"""Tables pasted into policy texts: the 责任分工表 and the indicator table.

A 分工表 arrives as tab-separated lines (or Markdown/HTML rows turned into tab-separated lines)
with the header repeated at every page break and cells that slid sideways when merged cells
were flattened: "8.推进数据安全有序流动 ⇥ 7.推进人员流动便利化 ⇥ 25 ⇥ …" puts a 任务细化 label
in the 试点任务 column, and "⇥ 10 ⇥ 争取… ⇥ 市药品监管局 ⇥" drops a column. So cells are read by
what they contain (a row number, a label, the measure text, a list of units, a flag), not by
their position. HTML fragments left in cells ("<p>…</p> <p>…</p>") split one printed row into
sub-rows when the text and unit cells have the same number of fragments.

An indicator table in PDF text is space-separated:
    序号 指标名称 单位 指标属性 ２０２５年
    １ 服务业增加值占全市生产总值比重 ％ 预期性 ７５左右
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policycli.ingest.layout import Paragraph
from policycli.ingest.units import looks_like_unit_list
from policycli.text import fold

HEADER_WORDS = {
    "序号", "号", "编号", "试点任务", "任务细化", "主要任务", "重点任务", "工作任务", "任务", "具体举措", "具体措施",
    "举措", "措施", "工作内容", "主要内容", "责任单位", "责任部门", "牵头单位", "配合单位", "牵头部门", "配合部门",
    "完成时限", "完成时间", "时间节点", "时限", "备注", "类别", "领域", "指标名称", "指标", "单位", "指标属性", "属性",
}
_GROUP_LABEL = re.compile(r"^\(\s*([一二三四五六七八九十]+)\s*\)\s*(\S.*)$")
_DETAIL_LABEL = re.compile(r"^([0-9]{1,2})\s*[.、]\s*(\S.*)$")
_DEADLINE = re.compile(r"(?:[0-9]{4}\s*年|[0-9]{1,2}\s*月|季度|年底|年内|长期|持续|常态|底前|之前)")
_TAG = re.compile(r"<[^>]{0,40}>")
_PARA_SPLIT = re.compile(r"</p>\s*<p>|</p>|<p>", re.IGNORECASE)


@dataclass
class TableRow:
    first_line: int
    last_line: int
    seq: int | None  # the row's number as printed (may be damaged: "0" printed for 10)
    seq_printed: str
    text: str  # the measure text, original characters, tags removed
    units_raw: str | None
    flags: list[str] = field(default_factory=list)
    deadline: str | None = None


@dataclass
class Table:
    first_line: int
    last_line: int
    rows: list[TableRow]
    warnings: list[str] = field(default_factory=list)


def is_tab_row(paragraph: Paragraph) -> bool:
    return "\t" in paragraph.text


def _cells(text: str) -> list[str]:
    return [c.strip() for c in text.split("\t")]


def _squeezed(text: str) -> str:
    """Folded, every space removed (a cell's words as the header list spells them)."""
    return re.sub(r"\s+", "", fold(text))


def _is_header(cells: list[str]) -> bool:
    words = [_squeezed(c) for c in cells if c.strip()]
    return sum(1 for w in words if w in HEADER_WORDS) >= 2


def _fragments(cell: str) -> list[str]:
    parts = [_TAG.sub("", p).strip() for p in _PARA_SPLIT.split(cell)]
    return [p for p in parts if p]


def parse_tab_table(paragraphs: list[Paragraph]) -> Table:
    rows: list[TableRow] = []
    warnings: list[str] = []
    for para in paragraphs:
        cells = _cells(para.text)
        if not _is_header(cells):  # the header, repeated at every page break
            rows.extend(_parse_row(cells, para, warnings))
    return Table(paragraphs[0].first_line, paragraphs[-1].last_line, rows, warnings=warnings)


def _parse_row(cells: list[str], para: Paragraph, warnings: list[str]) -> list[TableRow]:
    seq_printed = ""
    unit_cells: list[str] = []
    flags: list[str] = []
    deadline: str | None = None
    text_candidates: list[str] = []
    for cell in cells:
        clean = _TAG.sub(" ", cell).strip()
        folded = _squeezed(clean)
        if not folded:
            continue
        if re.fullmatch(r"[0-9]{1,3}", folded) and not seq_printed and not text_candidates:
            seq_printed = folded
            continue
        # A merged cell's label ("（一）…", "7.推进人员流动便利化"): not the row's text, and
        # otherwise ignored (reconcile matches rows by their text, not by these labels).
        if _GROUP_LABEL.match(fold(clean)) and len(folded) <= 40 and not folded.endswith("。"):
            continue
        if _DETAIL_LABEL.match(fold(clean)) and len(folded) <= 40 and not folded.endswith(("。", ".")):
            continue
        if looks_like_unit_list(clean) and text_candidates:
            unit_cells.append(cell)
        elif len(folded) <= 12 and _DEADLINE.search(folded) and text_candidates:
            deadline = clean
        elif len(folded) <= 8 and text_candidates:
            flags.append(cell)
        else:
            text_candidates.append(cell)
    if not text_candidates:
        return []  # a label-only row ("5.推动自然人跨境执业" left alone on its line)
    text_cell = max(text_candidates, key=lambda c: len(_squeezed(c)))
    units_cell = unit_cells[-1] if unit_cells else None
    texts = _fragments(text_cell)
    units = _fragments(units_cell) if units_cell else []
    flag_parts = [f for cell in flags for f in _fragments(cell)]
    seq = int(seq_printed) if seq_printed else None
    if len(texts) > 1 and len(units) == len(texts):
        # "<p>开展帮办服务…</p> <p>加强“店小二”…</p> ⇥ <p>区府办等</p> <p>区投促办、商务委等</p>"
        per_flag = flag_parts if len(flag_parts) == len(texts) else [None] * len(texts)
        return [
            TableRow(para.first_line, para.last_line, seq if k == 0 else None, seq_printed if k == 0 else "",
                     text, unit, [f] if f else list(flag_parts), deadline)
            for k, (text, unit, f) in enumerate(zip(texts, units, per_flag, strict=True))
        ]
    return [
        TableRow(para.first_line, para.last_line, seq, seq_printed, "".join(texts),
                 "、".join(units) if units else None, sorted(set(flag_parts), key=flag_parts.index), deadline)
    ]


# --- space-separated indicator tables -------------------------------------------------------

_YEAR_COLUMN = re.compile(r"^(20[0-9]{2})\s*年?(?:目标值?)?$")


def indicator_header(paragraph: Paragraph) -> list[str] | None:
    """The column names if this paragraph is an indicator table's header line."""
    if "\t" in paragraph.text:
        return None
    tokens = paragraph.folded.split()
    if len(tokens) >= 3 and tokens[0] in ("序号", "编号") and any("指标" in t for t in tokens):
        return tokens
    return None


def indicator_row(paragraph: Paragraph, header: list[str]) -> list[str] | None:
    tokens = paragraph.folded.split()
    if len(tokens) != len(header) or not tokens[0].isdigit():
        return None
    # Slice the original by the folded token positions (fold keeps offsets).
    out, pos = [], 0
    for token in tokens:
        start = paragraph.folded.index(token, pos)
        out.append(paragraph.text[start : start + len(token)])
        pos = start + len(token)
    return out


def indicator_fields(header: list[str], cells: list[str]) -> dict:
    """Map an indicator row to name / unit / attribute / target / year by the header's words."""
    result: dict = {"seq": int(fold(cells[0])), "name": None, "unit": None, "attribute": None, "target": None, "year": None}
    for name, value in zip(header[1:], cells[1:], strict=True):
        folded_value = fold(value)
        year = _YEAR_COLUMN.match(name)
        if year:
            result["target"], result["year"] = folded_value, int(year.group(1))
        elif "名称" in name or name == "指标":
            result["name"] = value
        elif "属性" in name:
            result["attribute"] = value
        elif name == "单位":
            result["unit"] = folded_value
        elif "目标" in name:
            result["target"] = folded_value
    return result
