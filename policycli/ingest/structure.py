"""Paragraphs → a tree of numbered headings, items, boxes and tables.

Heading levels are not fixed by the marker: a plan may go 一、 → （一） → 1. while a notice goes
1. → （1） → ①, and a regulation 第一章 → 第一条. The first marker type seen opens the first level,
a new type nests under the current one, and a type already open closes everything below it.
Attachments (附件 1) start a new tree beside the body; 专栏 boxes hang under the item they
follow without becoming a level.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from policycli.ingest.layout import Paragraph
from policycli.ingest.patterns import (
    ATTACHMENT_LIST,
    ATTACHMENT_START,
    OFFICE_ENDING,
    Marker,
    first_sentence,
    is_date_line,
    match_marker,
)
from policycli.ingest.tables import (
    Table,
    TableRow,
    flat_header_length,
    indicator_fields,
    indicator_header,
    indicator_row,
    is_tab_row,
    parse_tab_table,
    read_flat_table,
)
from policycli.ingest.units import Unit
from policycli.text import fold

# The class a heading gives the items below it. Matched on the heading's title.
_CLASS_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("safeguard", re.compile(r"保障|组织实施|实施保障|工作要求|组织领导|推进机制|监督检查|实施要求")),
    ("target", re.compile(r"目标|指标$")),
    ("background", re.compile(r"发展基础|发展现状|发展形势|面临形势|总体要求|指导思想|基本原则|发展方针|总体思路|"
                               r"重要意义|背景|^总则|^附则|总体考虑|基本情况")),
    ("task", re.compile(r"任务|举措|措施|工作要点|重点工作|主要工作|布局|行动|工程|项目")),
]
# Lines that end the document proper: distribution lists and the issuing office's stamp line.
_TAIL_START = re.compile(r"^(?:抄送|主送|抄报|联系人|联系电话)\s*[:：]")
# The closing clause of the body: "本办法自2018年6月1日起执行，有效期至2020年12月31日。" belongs to
# the document, not to the last measure before it.
_CLOSING = re.compile(
    r"^本(?:办法|方案|意见|规定|细则|实施方案|行动方案|工作方案|规划|通知|决定|措施|计划|若干措施|实施意见|要点)"
    r"[^。]{0,40}(?:施行|执行|实施|生效|有效期)"
)
# The signer above it: an office, or a 中心 / 领导小组 (not an issuer, but they sign too).
_SIGNATURE = re.compile(rf"^[\u4e00-\u9fa5（）()]{{2,30}}(?:{OFFICE_ENDING}|中心|小组)$")
_SIGN_OFF = re.compile(r"^(?:特此通知|特此公告|特此通告|此复)[。.]?$")
# Web-page furniture left in copies of government pages.
_WEB_NOISE = re.compile(r"^(?:我要留言|留言选登|打印本页|关闭窗口|【?打印】?|【?关闭】?|分享到.*|扫一扫.*|\(此件公开发布\)|（此件公开发布）)$")


def classify_title(title: str) -> str | None:
    folded = fold(title)
    for klass, pattern in _CLASS_RULES:
        if pattern.search(folded):
            return klass
    return None


@dataclass
class Node:
    marker: str  # root | attachment | chapter | part | article | cn | cn_paren | num | num_paren | circled | box | bullet | row | indicator
    number: int | None
    printed: str
    title: str = ""
    parts: list[str] = field(default_factory=list)  # own text, original characters, one per paragraph
    first_line: int = 0
    last_line: int = 0
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None
    klass: str | None = None  # set on headings whose title names a class (任务, 目标, 保障措施 …)
    tables: list[Table] = field(default_factory=list)
    width: int = 0  # PDF text: the widest line of the box's paragraphs
    token: str = ""
    # filled in later
    units: list[Unit] = field(default_factory=list)
    units_raw: str | None = None
    open_list: bool = False
    flags: list[str] = field(default_factory=list)
    indicator: dict | None = None
    deadline: str | None = None
    kind: str = "section"
    standalone_annotation: bool = False  # its annotation was a paragraph of its own

    def add(self, child: Node) -> Node:
        child.parent = self
        self.children.append(child)
        return child

    def add_text(self, text: str, first: int, last: int) -> None:
        if text.strip():
            self.parts.append(text.strip())
        self.first_line = self.first_line or first
        self.last_line = max(self.last_line, last)

    @property
    def text(self) -> str:
        return "\n".join(self.parts)

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def section_class(self) -> str | None:
        """The class of the section this node is in. The outermost heading decides ("一、发展基础"
        keeps "（五）多种创新措施并举" background), except that a target heading inside a
        background one ("二、总体要求" › "（三）发展目标") makes targets, and any class beats none."""
        klass: str | None = None
        for node in reversed([self, *self.ancestors()]):
            if not node.klass:
                continue
            if klass is None or (klass == "background" and node.klass == "target"):
                klass = node.klass
        return klass

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Outline:
    root: Node
    attachments: list[Node]
    attachment_titles: list[str]
    tail: list[Paragraph]
    tables: list[tuple[Node, Table]]  # measure tables with the node they appeared under


def _title_of(rest: str) -> str:
    """The heading's title: a short bracketed caption, else the first sentence."""
    caption = re.match(r"^\(([^()]{1,14})\)", fold(rest))
    if caption:
        return rest[1 : caption.end() - 1].strip()
    return first_sentence(rest).strip(" \u3000")


def build_outline(paragraphs: list[Paragraph], wrapped: bool) -> Outline:
    root = Node("root", None, "")
    stack: list[Node] = [root]
    attachments: list[Node] = []
    listing: list[str] = []
    tail: list[Paragraph] = []
    tables: list[tuple[Node, Table]] = []
    body_width = Counter(p.width for p in paragraphs).most_common(1)[0][0] if paragraphs else 0
    box: Node | None = None
    pending_rows: list[Paragraph] = []
    indicator: tuple[Node, list[str], Table] | None = None
    in_listing = False
    in_tail = False
    last_plain: Paragraph | None = None  # the last paragraph added as plain text (a table's caption?)

    def top() -> Node:
        return stack[-1]

    def flush_rows() -> None:
        if pending_rows:
            tables.append((top(), parse_tab_table(list(pending_rows))))
            pending_rows.clear()

    def table_ends(paragraph: Paragraph) -> bool:
        folded = paragraph.folded.strip(" \u3000")
        return bool(_TAIL_START.match(folded) or ATTACHMENT_START.match(folded) or is_date_line(folded))

    k = 0
    while k < len(paragraphs):
        para = paragraphs[k]
        k += 1
        folded = para.folded.strip(" \u3000")
        if in_tail:
            tail.append(para)
            continue
        if _TAIL_START.match(folded):
            flush_rows()
            in_tail = True
            tail.append(para)
            continue
        if _WEB_NOISE.match(folded):
            continue
        if is_date_line(folded) and stack[0] is root and root.children:
            # A date alone on a line closes the document ("2023年5月8日"), usually under the
            # issuer's name on the line above it: both go to the document's own text.
            holder = box or top()
            if holder.parts and _SIGNATURE.match(fold(holder.parts[-1]).strip()):
                root.parts.append(holder.parts.pop())
            root.add_text(para.text, para.first_line, para.last_line)
            box = None
            continue
        if (_CLOSING.match(folded) or _SIGN_OFF.match(folded)) and stack[0] is root:
            flush_rows()
            root.add_text(para.text, para.first_line, para.last_line)
            box = None
            continue
        if is_tab_row(para):
            pending_rows.append(para)
            continue
        flush_rows()
        header = flat_header_length(paragraphs, k - 1)
        if header:
            table, k = read_flat_table(paragraphs, k - 1, header, table_ends)
            tables.append((top(), table))
            box = None
            continue

        if indicator is not None:
            owner, header, table = indicator
            cells = indicator_row(para, header)
            if cells is not None:
                fields = indicator_fields(header, cells)
                table.rows.append(TableRow(para.first_line, para.last_line, fields["seq"], cells[0], fields["name"] or "", None))
                table.last_line = para.last_line
                node = owner.add(Node("indicator", fields["seq"], cells[0], title=fields["name"] or ""))
                node.indicator = {k: fields[k] for k in ("unit", "attribute", "target", "year")}
                node.add_text(" ".join(cells[1:]), para.first_line, para.last_line)
                continue
            indicator = None
        header = indicator_header(para)
        if header is not None:
            owner = next((n for n in reversed(stack) if n.klass), top())
            # The line above the header is the table's caption ("上海“十四五”服务业发展主要指标"):
            # it moves from the item it follows to the section that holds the table.
            previous = top().parts[-1] if top().parts else ""
            title = previous if previous and len(previous) <= 40 and not re.search(r"[。.,，]", fold(previous)) else None
            if title:
                top().parts.pop()
                caption = last_plain if last_plain is not None and last_plain.text.strip() == title else None
                last = caption.last_line if caption else top().last_line
                owner.add_text(title, caption.first_line if caption else last, last)
            table = Table(para.first_line, para.last_line, [])
            owner.tables.append(table)
            indicator = (owner, header, table)
            box = None
            continue

        listed = ATTACHMENT_LIST.match(folded)
        if listed and not attachments:
            listing.append(para.text.split(":", 1)[-1].split("：", 1)[-1].strip())
            in_listing = True
            continue
        marker = match_marker(folded)
        if in_listing and marker is not None and marker.kind == "num" and not attachments:
            listing.append(para.text.strip())
            continue
        in_listing = False

        start = ATTACHMENT_START.match(folded)
        if start or (listed and attachments):
            number = int(start.group(1)) if start and start.group(1) else len(attachments) + 1
            node = root.add(Node("attachment", number, para.text.strip()))
            node.first_line = node.last_line = para.first_line
            if listed:
                node.title = para.text.split("：", 1)[-1].split(":", 1)[-1].strip()
            attachments.append(node)
            stack[:] = [node]
            box = None
            continue
        if stack[0].marker == "attachment" and not stack[0].title and marker is None and len(stack) == 1:
            stack[0].title = para.text.strip()
            stack[0].last_line = para.last_line
            continue

        if marker is not None and marker.kind == "bullet":
            owner = box or top()
            if owner.section_class() == "target" and owner.marker != "box":
                _new_item(owner, marker, para, bullet_number=sum(1 for c in owner.children if c.marker == "bullet") + 1)
                continue
            marker = None  # a bullet inside a task or background section is part of its text
        if marker is not None and marker.kind == "box":
            box = _new_item(top(), marker, para)
            continue
        if marker is not None:
            box = None
            while len(stack) > 1 and any(n.marker == marker.kind for n in stack[1:]):
                if stack.pop().marker == marker.kind:
                    break
            stack.append(_new_item(top(), marker, para))
            continue
        # plain paragraph
        if box is not None and wrapped and para.width <= body_width + 3 and box.width:
            box = None  # back to body-width lines: the box has ended
        target = box or top()
        target.add_text(para.text, para.first_line, para.last_line)
        last_plain = para
        if box is not None:
            box.width = max(box.width, para.width)
    flush_rows()
    return Outline(root, attachments, listing, tail, tables)


def _new_item(parent: Node, marker: Marker, para: Paragraph, bullet_number: int = 0) -> Node:
    rest = para.text[marker.end :].strip(" \u3000")
    number = bullet_number or marker.number
    node = parent.add(Node(marker.kind, number, para.text[: marker.end].strip(" \u3000")))
    node.title = _title_of(rest) if rest else ""
    node.klass = classify_title(node.title) if marker.kind not in ("bullet", "box") else None
    node.add_text(rest, para.first_line, para.last_line)
    node.first_line = para.first_line
    return node
