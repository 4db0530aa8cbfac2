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
from collections.abc import Callable
from dataclasses import dataclass, field

from policycli.folding import fold
from policycli.ingest.layout import Paragraph
from policycli.ingest.units import looks_like_unit_list

HEADER_WORDS = {
    "序号",
    "号",
    "编号",
    "试点任务",
    "任务细化",
    "主要任务",
    "重点任务",
    "工作任务",
    "任务",
    "具体举措",
    "具体措施",
    "举措",
    "措施",
    "工作内容",
    "主要内容",
    "责任单位",
    "责任部门",
    "牵头单位",
    "配合单位",
    "牵头部门",
    "配合部门",
    "完成时限",
    "完成时间",
    "时间节点",
    "时限",
    "备注",
    "类别",
    "领域",
    "指标名称",
    "指标",
    "单位",
    "指标属性",
    "属性",
}
_GROUP_LABEL = re.compile(r"^\(\s*([一二三四五六七八九十]+)\s*\)\s*(\S.*)$")
_DETAIL_LABEL = re.compile(r"^([0-9]{1,2})\s*[.、]\s*(\S.*)$")
_DEADLINE = re.compile(r"(?:[0-9]{4}\s*年|[0-9]{1,2}\s*月|季度|年底|年内|长期|持续|常态|底前|之前)")
_TAG = re.compile(r"<[^>]{0,40}>")
_ROW_NUMBER = re.compile(r"[0-9]{1,3}")
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
    return "".join(fold(text).split())  # str's white space is re's \s; three times as fast as \s+ → ""


def _is_header(cells: list[str]) -> bool:
    words = [_squeezed(c) for c in cells if c.strip()]
    return sum(1 for w in words if w in HEADER_WORDS) >= 2


def _fragments(cell: str) -> list[str]:
    parts = [_TAG.sub("", p).strip() for p in _PARA_SPLIT.split(cell)]
    return [p for p in parts if p]


def parse_tab_table(paragraphs: list[Paragraph]) -> Table:
    # Each row's cells and whether they are a header, read once: both ways of reading the table ask.
    cells = [_cells(para.text) for para in paragraphs]
    headers = [_is_header(row) for row in cells]
    by_header = _parse_by_header(paragraphs, cells, headers)
    if by_header is not None:
        return by_header
    rows: list[TableRow] = []
    warnings: list[str] = []
    for para, row, header in zip(paragraphs, cells, headers, strict=True):
        if not header:  # the header, repeated at every page break
            rows.extend(_parse_row(row, para, warnings))
    return Table(paragraphs[0].first_line, paragraphs[-1].last_line, rows, warnings=warnings)


def _parse_row(cells: list[str], para: Paragraph, warnings: list[str]) -> list[TableRow]:
    seq_printed = ""
    unit_cells: list[str] = []
    flags: list[str] = []
    deadline: str | None = None
    text_candidates: list[str] = []
    for cell in cells:
        if not cell:
            continue  # (cells come stripped: a row of 100,000 tabs is that many empty ones)
        clean = _TAG.sub(" ", cell).strip()
        folded = _squeezed(clean)
        if not folded:
            continue
        if _ROW_NUMBER.fullmatch(folded) and not seq_printed and not text_candidates:
            seq_printed = folded
            continue
        # A merged cell's label ("（一）…", "7.推进人员流动便利化"): not the row's text, and
        # otherwise ignored (reconcile matches rows by their text, not by these labels).
        if _GROUP_LABEL.match(fold(clean)) and len(folded) <= 40 and not folded.endswith("。"):
            continue
        if _DETAIL_LABEL.match(fold(clean)) and len(folded) <= 40 and not folded.endswith(("。", ".")):
            continue
        if text_candidates and looks_like_unit_list(clean):
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
            TableRow(
                para.first_line,
                para.last_line,
                seq if k == 0 else None,
                seq_printed if k == 0 else "",
                text,
                unit,
                [f] if f else list(flag_parts),
                deadline,
            )
            for k, (text, unit, f) in enumerate(zip(texts, units, per_flag, strict=True))
        ]
    return [
        TableRow(
            para.first_line,
            para.last_line,
            seq,
            seq_printed,
            "".join(texts),
            "、".join(units) if units else None,
            list(dict.fromkeys(flag_parts)),
            deadline,
        )
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
    result: dict = {
        "seq": int(fold(cells[0])),
        "name": None,
        "unit": None,
        "attribute": None,
        "target": None,
        "year": None,
    }
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


# --- tables read by their header: flattened web tables and tables with role columns ------------
#
# A 任务分工表 saved from a government site often arrives flattened, one cell per line:
#     序号 / 工作任务 / 主要工作内容 / 牵头单位 / 配合单位          the header, a word per line
#     （四） / 落实码头规划 / 根据…建设转运码头。 / 区建设管理委 / ——
#     开展码头规划、备案工作。 / 区绿化市容局 / ——                 a merged 序号/任务 cell printed once
#     区土方工作 / 专班                                           a cell wrapped over two lines
# The header says what each column holds; the lines are dealt into the columns in order.

# What a header word says about its column, first match wins.
COLUMN_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("seq", re.compile(r"^(?:序号|编号|号)$")),
    ("lead", re.compile(r"牵头|主责|主办")),
    ("co", re.compile(r"配合|协办|协同|参与|协助|支撑")),
    ("units", re.compile(r"(?:责任|负责|实施)?(?:单位|部门|处室|主体)$")),
    ("deadline", re.compile(r"时限|时间|节点|进度|期限")),
    ("content", re.compile(r"内容|举措|措施|工作要点|具体任务|任务内容|事项")),
    ("label", re.compile(r"任务|类型|类别|领域|方面|板块")),
    ("other", re.compile(r"文件|依据|备注|成果|形式|说明|目标|指标")),
]
_HEADER_NOUN = re.compile(
    r"^[\u4e00-\u9fa5]{0,6}(?:序号|编号|任务|内容|举措|措施|单位|部门|处室|时限|时间|节点|文件|备注|类型|类别|领域|"
    r"成果|形式|事项|依据|主体)$"
)
_SEQ_CELL = re.compile(r"^(?:[0-9]{1,3}[.、]?|\(?[一二三四五六七八九十]{1,3}\)?[、.]?|[—–－-])$")
# A heading of the body with its title ("二、保障措施", "（一）加强组织领导"): the table has ended.
_BODY_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}、|\([一二三四五六七八九十]{1,3}\)|第[一二三四五六七八九十]+[章条])\S"
)
_NAME_START = re.compile(r"^(?:区|市|县|镇|各|属地|上海|公安|相关|有关)")
_EMPTY_CELL = re.compile(r"^(?:[—–－-]{1,}|/|无|／)$")
_DASH = re.compile(r"[—–－-]")
_PUNCTUATION = re.compile(r"[。.,，;；:：、()]")


def column_kind(word: str) -> str | None:
    squeezed = _squeezed(word)
    for kind, pattern in COLUMN_RULES:
        if pattern.search(squeezed):
            return kind
    return None


def header_columns(words: list[str]) -> list[str] | None:
    """The column kinds of a header, if the words are a 分工表's header (units and some text)."""
    if len(words) < 3 or not all(_HEADER_NOUN.match(_squeezed(w)) for w in words if w.strip()):
        return None
    kinds = [column_kind(w) or "other" for w in words]
    if "content" not in kinds and "label" in kinds:
        kinds[kinds.index("label")] = "content"  # "序号 / 重点任务 / 责任单位": the task is the text
    has_units = any(k in ("lead", "co", "units") for k in kinds)
    has_text = any(k in ("content", "label") for k in kinds)
    return kinds if has_units and has_text else None


def flat_header_length(paragraphs: list[Paragraph], start: int) -> int:
    """How many paragraphs from `start` form a flattened header (0 if none)."""
    end = start
    while end < len(paragraphs) and end - start < 12:
        text = _squeezed(paragraphs[end].text)
        if "\t" in paragraphs[end].text or not _HEADER_NOUN.match(text):
            break
        end += 1
    words = [p.text for p in paragraphs[start:end]]
    kinds = header_columns(words)
    # A flattened table is only taken with a 序号 column: three short lines such as 申报单位 /
    # 申报内容 / 申报时间 are a form's labels, not a table that would swallow the text after them.
    return end - start if kinds and "seq" in kinds else 0


def _is_units_cell(text: str) -> bool:
    folded = _squeezed(text).rstrip("、，,;；")
    return bool(folded) and looks_like_unit_list(folded)


def _is_date_cell(text: str) -> bool:
    folded = _squeezed(text)
    return len(folded) <= 24 and bool(_DEADLINE.search(folded)) and not folded.endswith("。")


def _accepts(kind: str, text: str, filled: bool, joined: str | None) -> bool:
    folded = _squeezed(text)
    if kind in ("lead", "co", "units"):
        return (
            bool(_EMPTY_CELL.match(folded))
            or _is_units_cell(text)
            or (joined is not None and _is_units_cell(joined))
        )
    if kind == "deadline":
        return bool(_EMPTY_CELL.match(folded)) or _is_date_cell(text)
    if kind == "label":
        return len(folded) <= 24 and not folded.endswith("。") and not _is_units_cell(text)
    if kind == "content":
        return not _EMPTY_CELL.match(folded)
    return kind == "other"


def read_flat_table(paragraphs: list[Paragraph], start: int, header: int, stop) -> tuple[Table, int]:
    """Read a flattened table whose header is paragraphs[start:start+header]; return it and the
    index of the first paragraph after it. `stop(paragraph)` says where the document goes on."""
    words = [p.text.strip() for p in paragraphs[start : start + header]]
    header_words = [_squeezed(w) for w in words]  # to tell the header repeated after a page break
    kinds = header_columns(words) or []
    # The cells are read only as far as the table goes: reading every paragraph after each header
    # made a document of many small flattened tables quadratic.
    paras = _CellParagraphs(paragraphs, start, header, stop)
    start = 0
    grid: list[tuple[list[list[str]], int, int]] = []  # rows of cells (lines per column), lines
    row: list[list[str]] = [[] for _ in kinds]
    first = last = 0
    cursor = 0
    inherited: dict[int, list[str]] = {}

    def commit() -> None:
        nonlocal row
        if any(row):
            grid.append((row, first, last))
        row = [[] for _ in kinds]

    k = start + header
    while paras.has(k):
        para = paras[k]
        if stop(para):
            break
        text = para.text.strip()
        folded = _squeezed(text)
        if paras.has(k + header - 1) and all(
            _squeezed(paras[j].text) == word for j, word in enumerate(header_words, start=k)
        ):
            k += header  # the header again, after a page break
            continue
        nxt = paras[k + 1].text.strip() if paras.has(k + 1) else ""
        # A unit's name cut over two cells' worth of lines ("区土方工作" / "专班"): no punctuation in it.
        fragment = (
            len(folded) <= 12
            and bool(_NAME_START.match(folded))
            and not _PUNCTUATION.search(folded)
            and not _is_units_cell(text)
        )
        # …and only onto a bare ending ("专班"), never onto a name of its own ("区大数据中心").
        joined = (
            text + nxt if fragment and nxt and (len(_squeezed(nxt)) <= 2 or not _is_units_cell(nxt)) else None
        )
        # A lone dash is a 序号 only where a row starts (06's first group row); elsewhere an empty cell.
        at_row_start = not any(row) or cursor == len(kinds) - 1
        lone_dash = bool(_DASH.fullmatch(folded))
        if _BODY_HEADING.match(folded):
            break  # "二、保障措施": the body goes on after the table
        if (
            "seq" in kinds
            and _SEQ_CELL.match(folded)
            and (not _EMPTY_CELL.match(folded) or (lone_dash and at_row_start))
        ):
            commit()
            seq = kinds.index("seq")
            row[seq].append(text)
            inherited = {}
            cursor, first, last = seq + 1, para.first_line, para.last_line
            k += 1
            continue
        placed = False
        for attempt in range(2):
            for j in range(cursor, len(kinds)):
                kind = kinds[j]
                filled = bool(row[j])
                if filled and j == cursor and kind in ("lead", "co", "units"):
                    # a unit cell goes on only while its last line ends in a separator
                    if not fold(row[j][-1]).rstrip().endswith(("、", "，", ",")) or not _accepts(
                        kind, text, True, None
                    ):
                        continue
                elif filled and kind not in ("content", "label", "other"):
                    continue
                elif filled and kind == "label" and not _accepts(kind, text, True, None):
                    continue
                if kind == "content" and (_is_units_cell(text) or (joined and _is_units_cell(joined))):
                    continue  # a unit cell, maybe wrapped ("区土方工作" / "专班"): not the measure's text
                alone = _accepts(kind, text, filled, None)
                if not alone and not _accepts(kind, text, filled, joined):
                    continue
                if not alone and joined:
                    row[j].append(joined)
                    k += 1
                    last = paras[k].last_line
                else:
                    row[j].append(text)
                cursor = j
                placed = True
                break
            if placed or attempt:
                break
            # Nothing after the cursor takes it: a new row under the same merged 序号 / 任务 cells.
            inherited = inherited or {
                j: list(row[j]) for j, kind in enumerate(kinds) if kind in ("seq", "label")
            }
            commit()
            for j, cells in inherited.items():
                row[j] = list(cells)
            cursor = next((j for j, kind in enumerate(kinds) if kind == "content"), 0)
            first = para.first_line
        if not placed:
            break  # the table has ended
        last = max(last, para.last_line)
        if not first:
            first = para.first_line
        k += 1
    commit()
    ends = paras.ends or [paras.start + header]
    k = ends[min(k, len(ends)) - 1] if k else ends[0]
    table = Table(paras[start].first_line, last or paras[start + header - 1].last_line, [])
    table.rows = rows_from_grid(
        words,
        kinds,
        [
            (
                [
                    "".join(c) if kinds[j] not in ("lead", "co", "units") else "".join(c)
                    for j, c in enumerate(cells)
                ],
                a,
                b,
            )
            for cells, a, b in grid
        ],
    )
    return table, k


class _CellParagraphs:
    """The table's paragraphs from its header on, with a cell wrapped over lines made one, read as far
    as they are asked for (`has`), up to the first paragraph where `stop` says the document goes on.

    Where the header's words are separated by blank lines, so is every cell, and lines that
    follow each other without one are a single cell ("海绵城市" / "建设管理")."""

    def __init__(
        self, paragraphs: list[Paragraph], start: int, header: int, stop: Callable[[Paragraph], bool]
    ) -> None:
        heads = paragraphs[start : start + header]
        self.blank_separated = all(
            b.first_line - a.last_line >= 2 for a, b in zip(heads, heads[1:], strict=False)
        )
        self.source, self.start, self.header, self.stop = paragraphs, start, header, stop
        self.merged: list[list[Paragraph]] = []
        self.ends: list[int] = []  # for each merged cell, the index in `paragraphs` just after it
        self.cells: list[Paragraph] = []  # merged cells made one paragraph, as far as complete
        self.next = start  # the next source paragraph to read
        self.done = False

    def _read_one(self) -> None:
        k = self.next
        if k >= len(self.source) or self.stop(self.source[k]):
            self.done = True
            return
        para = self.source[k]
        self.next = k + 1
        merged = self.merged
        if (
            k >= self.start + self.header
            and self.blank_separated
            and merged
            and para.first_line == merged[-1][-1].last_line + 1
        ):
            merged[-1].append(para)
            self.ends[-1] = k + 1
            return
        merged.append([para])
        self.ends.append(k + 1)

    def has(self, i: int) -> bool:
        """Is there a cell i? (Reads until cell i is complete: the cell after it has begun, or the table
        ended.)"""
        while not self.done and len(self.merged) <= i + 1:
            self._read_one()
        return 0 <= i < len(self.merged)

    def __getitem__(self, i: int) -> Paragraph:
        if not self.has(i):
            raise IndexError(i)
        while len(self.cells) <= i:
            self.cells.append(_joined(self.merged[len(self.cells)]))
        return self.cells[i]


def _joined(parts: list[Paragraph]) -> Paragraph:
    if len(parts) == 1:
        return parts[0]
    text = "".join(p.text.strip() for p in parts)
    return Paragraph(parts[0].first_line, parts[-1].last_line, text, fold(text), max(p.width for p in parts))


def rows_from_grid(
    words: list[str], kinds: list[str], grid: list[tuple[list[str], int, int]]
) -> list[TableRow]:
    """Rows of cells under a known header → table rows with their units labelled by column."""
    rows: list[TableRow] = []
    for cells, first, last in grid:
        value = {kind: "" for kind in kinds}
        labelled: list[str] = []
        for word, kind, cell in zip(words, kinds, cells, strict=False):
            cell = cell.strip()
            if _EMPTY_CELL.match(_squeezed(cell)):
                cell = ""
            if kind in ("lead", "co", "units") and cell:
                labelled.append(f"{_squeezed(word)}：{cell.rstrip('、，,;；')}")
            elif cell and not value.get(kind):
                value[kind] = cell
        text = value.get("content") or value.get("label") or ""
        if not text or not labelled:
            continue  # a group label row ("二 / 构建全链条…体系") or an empty one
        seq_printed = _squeezed(value.get("seq", ""))
        seq = int(seq_printed) if seq_printed.isdigit() else None
        row = TableRow(
            first, last, seq, seq_printed, text, "；".join(labelled), [], value.get("deadline") or None
        )
        rows.append(row)
    return rows


def _parse_by_header(paragraphs: list[Paragraph], rows: list[list[str]], headers: list[bool]) -> Table | None:
    """A tab table whose header names role or deadline columns (牵头单位 / 配合单位 / 完成时限) is
    read by its header, so the roles and dates are kept. A row short of cells lost them to cells
    merged from the rows above (HTML rowspan): the missing ones are the leftmost, inherited.
    (`rows`: each paragraph's cells; `headers`: whether they are a header.)"""
    if True not in headers:
        return None
    words = list(rows[headers.index(True)])
    while words and not words[-1]:
        words.pop()
    kinds = header_columns(words)
    if kinds is None or not any(k in ("lead", "co", "deadline") for k in kinds):
        return None
    grid: list[tuple[list[str], int, int]] = []
    previous: list[str] = [""] * len(kinds)
    for para, cells, header in zip(paragraphs, rows, headers, strict=True):
        cells = list(cells)
        while len(cells) > len(kinds) and not cells[-1]:
            cells.pop()
        if header or len(cells) > len(kinds) or not any(cells):  # (the empty cells popped made no header)
            continue
        cells = [""] * (len(kinds) - len(cells)) + [_TAG.sub(" ", c).strip() for c in cells]
        for j, kind in enumerate(kinds):
            if kind in ("seq", "label") and not cells[j]:
                cells[j] = previous[j]  # merged 序号 / 任务 cells
        previous = cells
        grid.append((cells, para.first_line, para.last_line))
    rows = rows_from_grid(words, kinds, grid)
    return Table(paragraphs[0].first_line, paragraphs[-1].last_line, rows)
