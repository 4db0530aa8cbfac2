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
from collections.abc import Callable
from dataclasses import dataclass, field

from policycli.folding import fold
from policycli.ingest import limits
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

# The class a heading gives the items below it. Matched on the heading's title.
_CLASS_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("safeguard", re.compile(r"保障|组织实施|实施保障|工作要求|组织领导|推进机制|监督检查|实施要求")),
    ("target", re.compile(r"目标|指标$")),
    (
        "background",
        re.compile(
            r"发展基础|发展现状|发展形势|面临形势|总体要求|指导思想|基本原则|发展方针|总体思路|"
            r"重要意义|背景|^总则|^附则|总体考虑|基本情况"
        ),
    ),
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
_FOOTNOTE = re.compile(r"^注\s*(?:[0-9]{1,3}|[\u2460-\u2473])\s*[:：]")
_SIGN_OFF = re.compile(r"^(?:特此通知|特此公告|特此通告|此复)[。.]?$")
# Web-page furniture left in copies of government pages.
_WEB_NOISE = re.compile(
    r"^(?:我要留言|留言选登|打印本页|关闭窗口|【?打印】?|【?关闭】?|分享到.*|扫一扫.*|\(此件公开发布\)|（此件公开发布）)$"
)


def classify_title(title: str) -> str | None:
    folded = fold(title)
    for klass, pattern in _CLASS_RULES:
        if pattern.search(folded):
            return klass
    return None


@dataclass
class Node:
    # marker: root | attachment | chapter | part | article | cn | cn_paren | num | num_paren | circled | box
    #   | bullet | row | indicator
    marker: str
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


_CAPTION = re.compile(r"^\(([^()]{1,14})\)")


def _title_of(rest: str) -> str:
    """The heading's title: a short bracketed caption, else the first sentence."""
    caption = _CAPTION.match(fold(rest))
    if caption:
        return rest[1 : caption.end() - 1].strip()
    return first_sentence(rest).strip(" \u3000")


class _Outliner:
    """The state of reading paragraphs into the outline; each rule below reads one paragraph."""

    def __init__(self, paragraphs: list[Paragraph], wrapped: bool, name: str = "input") -> None:
        self.paragraphs = paragraphs
        self.name = name
        self.items = 0  # items and table rows read so far (see policycli.ingest.limits)
        self.wrapped = wrapped
        self.root = Node("root", None, "")
        self.stack: list[Node] = [self.root]
        self.attachments: list[Node] = []
        self.listing: list[str] = []
        self.tail: list[Paragraph] = []
        self.tables: list[tuple[Node, Table]] = []
        self.body_width = Counter(p.width for p in paragraphs).most_common(1)[0][0] if paragraphs else 0
        self.box: Node | None = None  # the 专栏 being read, if any
        self.pending_rows: list[Paragraph] = []  # tab-separated rows of a table being read
        self.indicator: tuple[Node, list[str], Table] | None = None  # an indicator table being read
        self.in_listing = False  # inside the body's list of attachments
        self.in_tail = False  # past 抄送 / 联系人: the distribution list
        self.last_plain: Paragraph | None = None  # the last paragraph added as plain text (a caption?)
        self.next = 0  # index of the paragraph after the one being read
        self.marker: Marker | None = None  # the current paragraph's numbering marker
        self.bullets: dict[int, int] = {}  # target bullets read so far under each node (by id)

    def top(self) -> Node:
        return self.stack[-1]

    def counted(self, items: int = 1) -> None:
        """Count items (and table rows) as they are read: past MAX_ITEMS the document is refused."""
        self.items += items
        limits.check("items", self.items, self.name)

    def flush_rows(self) -> None:
        if self.pending_rows:
            table = parse_tab_table(list(self.pending_rows))
            self.counted(len(table.rows))
            self.tables.append((self.top(), table))
            self.pending_rows.clear()

    def table_ends(self, paragraph: Paragraph) -> bool:
        folded = paragraph.folded.strip(" \u3000")
        return bool(_TAIL_START.match(folded) or ATTACHMENT_START.match(folded) or is_date_line(folded))


def _rule_tail(o: _Outliner, para: Paragraph, folded: str) -> bool:
    if not (o.in_tail or _TAIL_START.match(folded)):
        return False
    o.flush_rows()
    o.in_tail = True
    o.tail.append(para)
    return True


def _rule_web_noise(o: _Outliner, para: Paragraph, folded: str) -> bool:
    return bool(_WEB_NOISE.match(folded))


def _rule_date_line(o: _Outliner, para: Paragraph, folded: str) -> bool:
    # A date alone on a line closes the document ("2023年5月8日"), usually under the issuer's
    # name on the line above it: both go to the document's own text.
    if not (is_date_line(folded) and o.stack[0] is o.root and o.root.children):
        return False
    holder = o.box or o.top()
    if holder.parts and _SIGNATURE.match(fold(holder.parts[-1]).strip()):
        o.root.parts.append(holder.parts.pop())
    o.root.add_text(para.text, para.first_line, para.last_line)
    o.box = None
    return True


def _rule_closing(o: _Outliner, para: Paragraph, folded: str) -> bool:
    if not ((_CLOSING.match(folded) or _SIGN_OFF.match(folded)) and o.stack[0] is o.root):
        return False
    o.flush_rows()
    o.root.add_text(para.text, para.first_line, para.last_line)
    o.box = None
    return True


def _rule_footnote(o: _Outliner, para: Paragraph, folded: str) -> bool:
    # "注1：…" / "注①：…": a footnote (Word's, read out at the end) is the document's, not an item's text.
    if not _FOOTNOTE.match(folded):
        return False
    o.root.add_text(para.text, para.first_line, para.last_line)
    return True


def _rule_tab_row(o: _Outliner, para: Paragraph, folded: str) -> bool:
    if is_tab_row(para):
        o.pending_rows.append(para)
        return True
    o.flush_rows()  # any other paragraph ends the table being collected
    return False


def _rule_flat_table(o: _Outliner, para: Paragraph, folded: str) -> bool:
    header = flat_header_length(o.paragraphs, o.next - 1)
    if not header:
        return False
    table, o.next = read_flat_table(o.paragraphs, o.next - 1, header, o.table_ends)
    o.counted(len(table.rows))
    o.tables.append((o.top(), table))
    o.box = None
    return True


def _rule_indicator_row(o: _Outliner, para: Paragraph, folded: str) -> bool:
    if o.indicator is None:
        return False
    owner, header, table = o.indicator
    cells = indicator_row(para, header)
    if cells is None:
        o.indicator = None
        return False
    fields = indicator_fields(header, cells)
    table.rows.append(
        TableRow(para.first_line, para.last_line, fields["seq"], cells[0], fields["name"] or "", None)
    )
    table.last_line = para.last_line
    o.counted()
    node = owner.add(Node("indicator", fields["seq"], cells[0], title=fields["name"] or ""))
    node.indicator = {k: fields[k] for k in ("unit", "attribute", "target", "year")}
    node.add_text(" ".join(cells[1:]), para.first_line, para.last_line)
    return True


def _rule_indicator_header(o: _Outliner, para: Paragraph, folded: str) -> bool:
    header = indicator_header(para)
    if header is None:
        return False
    top = o.top()
    owner = next((n for n in reversed(o.stack) if n.klass), top)
    # The line above the header is the table's caption ("上海“十四五”服务业发展主要指标"):
    # it moves from the item it follows to the section that holds the table.
    previous = top.parts[-1] if top.parts else ""
    title = (
        previous if previous and len(previous) <= 40 and not re.search(r"[。.,，]", fold(previous)) else None
    )
    if title:
        top.parts.pop()
        caption = o.last_plain if o.last_plain is not None and o.last_plain.text.strip() == title else None
        last = caption.last_line if caption else top.last_line
        owner.add_text(title, caption.first_line if caption else last, last)
    table = Table(para.first_line, para.last_line, [])
    owner.tables.append(table)
    o.indicator = (owner, header, table)
    o.box = None
    return True


def _rule_attachment_listing(o: _Outliner, para: Paragraph, folded: str) -> bool:
    listed = ATTACHMENT_LIST.match(folded)
    if listed and not o.attachments:
        o.listing.append(para.text.split(":", 1)[-1].split("：", 1)[-1].strip())
        o.in_listing = True
        return True
    marker = o.marker
    if o.in_listing and marker is not None and marker.kind == "num" and not o.attachments:
        o.listing.append(para.text.strip())
        return True
    o.in_listing = False
    return False


def _rule_attachment_start(o: _Outliner, para: Paragraph, folded: str) -> bool:
    start = ATTACHMENT_START.match(folded)
    listed = ATTACHMENT_LIST.match(folded)
    if not (start or (listed and o.attachments)):
        return False
    number = int(start.group(1)) if start and start.group(1) else len(o.attachments) + 1
    o.counted()
    node = o.root.add(Node("attachment", number, para.text.strip()))
    node.first_line = node.last_line = para.first_line
    if listed:
        node.title = para.text.split("：", 1)[-1].split(":", 1)[-1].strip()
    o.attachments.append(node)
    o.stack[:] = [node]
    o.box = None
    return True


def _rule_attachment_title(o: _Outliner, para: Paragraph, folded: str) -> bool:
    head = o.stack[0]
    if not (head.marker == "attachment" and not head.title and o.marker is None and len(o.stack) == 1):
        return False
    head.title = para.text.strip()
    head.last_line = para.last_line
    return True


def _rule_bullet(o: _Outliner, para: Paragraph, folded: str) -> bool:
    marker = o.marker
    if marker is None or marker.kind != "bullet":
        return False
    owner = o.box or o.top()
    if owner.section_class() == "target" and owner.marker != "box":
        # Numbered by a count kept per owner: counting the owner's children again at every bullet was
        # quadratic.
        number = o.bullets[id(owner)] = o.bullets.get(id(owner), 0) + 1
        o.counted()
        _new_item(owner, marker, para, bullet_number=number)
        return True
    o.marker = None  # a bullet inside a task or background section is part of its text
    return False


def _rule_box(o: _Outliner, para: Paragraph, folded: str) -> bool:
    if o.marker is None or o.marker.kind != "box":
        return False
    o.counted()
    o.box = _new_item(o.top(), o.marker, para)
    return True


def _rule_numbered(o: _Outliner, para: Paragraph, folded: str) -> bool:
    marker = o.marker
    if marker is None:
        return False
    o.box = None
    while len(o.stack) > 1 and any(n.marker == marker.kind for n in o.stack[1:]):
        if o.stack.pop().marker == marker.kind:
            break
    o.counted()
    o.stack.append(_new_item(o.top(), marker, para))
    return True


def _rule_plain(o: _Outliner, para: Paragraph, folded: str) -> bool:
    if o.box is not None and (
        para.after_frame or (o.wrapped and para.width <= o.body_width + 3 and o.box.width)
    ):
        o.box = None  # the frame closed (Word), or back to body-width lines (PDF text): the box has ended
    target = o.box or o.top()
    target.add_text(para.text, para.first_line, para.last_line)
    o.last_plain = para
    if o.box is not None:
        o.box.width = max(o.box.width, para.width)
    return True


# What the outline understands, tried in this order on every paragraph; the first rule that
# takes a paragraph ends its reading. (name, example, rule)
BLOCK_RULES: list[tuple[str, str, Callable[[_Outliner, Paragraph, str], bool]]] = [
    ("tail", "抄送：市委办公厅", _rule_tail),
    ("web noise", "【打印】", _rule_web_noise),
    ("date line", "2023年5月8日", _rule_date_line),
    ("closing", "本方案自2022年3月1日起施行。", _rule_closing),
    ("footnote", "注1：本方案所称重点区域…", _rule_footnote),
    ("tab row", "序号⇥具体举措⇥责任单位", _rule_tab_row),
    (
        "flattened table",
        "序号 / 工作任务 / 主要工作内容 / 牵头单位 / 配合单位, a cell a line",
        _rule_flat_table,
    ),
    ("indicator row", "１ 服务业增加值占全市生产总值比重 ％ 预期性 ７５左右", _rule_indicator_row),
    ("indicator header", "序号 指标名称 单位 指标属性 ２０２５年", _rule_indicator_header),
    ("attachment listing", "附件：1.上海市…任务分工表", _rule_attachment_listing),
    ("attachment", "附件2", _rule_attachment_start),
    ("attachment title", "（the line after 附件2）", _rule_attachment_title),
    ("target bullet", "——现代服务业核心功能更加凸显。", _rule_bullet),
    ("box", "专栏1 重点项目", _rule_box),
    ("numbered", "一、 （一） 1. （1） ① 第一章 第一条", _rule_numbered),
    ("plain", "any other paragraph: text of the item above", _rule_plain),
]


def build_outline(paragraphs: list[Paragraph], wrapped: bool, name: str = "input") -> Outline:
    """The outline of a document's paragraphs; BadInput when it has more items than one document can
    (policycli.ingest.limits: each item becomes a measure, so the count is checked as they are read)."""
    outliner = _Outliner(paragraphs, wrapped, name)
    while outliner.next < len(paragraphs):
        para = paragraphs[outliner.next]
        outliner.next += 1
        folded = para.folded.strip(" \u3000")
        outliner.marker = match_marker(folded)
        for _, _, rule in BLOCK_RULES:
            if rule(outliner, para, folded):
                break
    outliner.flush_rows()
    return Outline(outliner.root, outliner.attachments, outliner.listing, outliner.tail, outliner.tables)


def _new_item(parent: Node, marker: Marker, para: Paragraph, bullet_number: int = 0) -> Node:
    rest = para.text[marker.end :].strip(" \u3000")
    number = bullet_number or marker.number
    node = parent.add(Node(marker.kind, number, para.text[: marker.end].strip(" \u3000")))
    node.title = _title_of(rest) if rest else ""
    node.klass = classify_title(node.title) if marker.kind not in ("bullet", "box") else None
    node.add_text(rest, para.first_line, para.last_line)
    node.first_line = para.first_line
    return node
