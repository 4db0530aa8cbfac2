"""Build the .docx test fixtures in tests/formats/ (run: .venv/bin/python tests/make_docx_fixtures.py).

* docx_<seed>_typed.docx    a bundled seed text as Word paragraphs, numbers typed in the text, its
                            tab-separated 分工表 as a real Word table; a running header and a
                            "第 N 页 共 M 页" footer made of PAGE / NUMPAGES fields;
* docx_<seed>_autonum.docx  the same with the printed markers 一、/（一）/1./（1） taken out of the
                            text and put on Word's automatic numbering (list styles with a basedOn
                            chain, direct w:numPr, lvlRestart, startOverride), so only the numbering
                            definitions can give them back;
* docx_fengong_table.docx   a short district plan written for these tests whose 任务分工表 is a Word
                            table with merged cells (vMerge over 序号 / 工作任务 / 牵头单位, gridSpan on
                            group rows and across 牵头/配合), an automatically numbered 序号 column,
                            a text box (mc:AlternateContent, Choice and Fallback), a footnote, a
                            hidden run, a page-number field in the body, header and footer;
* refusals: docx_encrypted.docx (an OLE container with EncryptionInfo / EncryptedPackage, as Word
  saves a file with a password), docx_xxe.docx (a DOCTYPE with an external entity on /etc/passwd and
  a billion-laughs entity), docx_corrupt_xml.docx (document.xml cut short), docx_truncated.docx (the
  zip cut in half), docx_empty.docx (no text).

The seeds are the bundled texts data/sources/001 (沪府规〔2020〕24号) and 004 (长宁区 2021 行动方案);
their lines are grouped into paragraphs the way the text reader groups them (a line cut by a stray
line break is one paragraph in Word). Zip entries get a fixed date so the files are reproducible.
"""

from __future__ import annotations

import io
import re
import struct
import sys
import zipfile
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import qn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policycli.ingest.layout import paragraphs, raw_lines  # noqa: E402

OUT = Path(__file__).resolve().parent / "formats"
SOURCES = ROOT / "data" / "sources"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NSDECL = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


# --- small builders, also used by tests/test_reader_docx.py ----------------------------------


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def run_xml(text: str, extra: str = "") -> str:
    return f'<w:r {NSDECL}>{extra}<w:t xml:space="preserve">{esc(text)}</w:t></w:r>'


def field_runs(instr: str, result: str) -> list[str]:
    """A complex field (w:fldChar begin / instrText / separate / result / end) as runs."""
    return [
        f'<w:r {NSDECL}><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {NSDECL}><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>',
        f'<w:r {NSDECL}><w:fldChar w:fldCharType="separate"/></w:r>',
        run_xml(result),
        f'<w:r {NSDECL}><w:fldChar w:fldCharType="end"/></w:r>',
    ]


def append_runs(paragraph, runs: list[str]) -> None:
    for xml in runs:
        paragraph._p.append(parse_xml(xml))


def text_box_run(lines: list[str], shape_id: int = 1) -> str:
    """A floating text box as Word 2010+ writes it: wps in mc:Choice, the same text as VML in mc:Fallback."""
    paras = "".join(f'<w:p><w:r><w:t xml:space="preserve">{esc(line)}</w:t></w:r></w:p>' for line in lines)
    return (
        f'<w:r {NSDECL}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" '
        'relativeHeight="251659264" '
        'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="5274310" cy="495300"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        "<wp:wrapTopAndBottom/>"
        f'<wp:docPr id="{shape_id}" name="文本框 {shape_id}"/><wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/>'
        '<a:ext cx="5274310" cy="495300"/>'
        '</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr>'
        f"<wps:txbx><w:txbxContent>{paras}</w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp>"
        "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
        '<mc:Fallback><w:pict><v:shape id="_x0000_s1026" type="#_x0000_t202" style="width:415pt;height:39pt">'
        f"<v:textbox><w:txbxContent>{paras}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r>"
    )


def header_and_footer(document, header: str) -> None:
    """A running header and a "第 N 页 共 M 页" footer made of fields (never body text)."""
    section = document.sections[0]
    section.header.paragraphs[0].text = header
    footer = section.footer.paragraphs[0]
    append_runs(
        footer,
        [
            run_xml("第 "),
            *field_runs("PAGE", "1"),
            run_xml(" 页 共 "),
            *field_runs("NUMPAGES", "9"),
            run_xml(" 页"),
        ],
    )


def set_num(paragraph, num_id: int, ilvl: int | None = None) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    numpr = parse_xml(
        f"<w:numPr {NSDECL}>"
        + (f'<w:ilvl w:val="{ilvl}"/>' if ilvl is not None else "")
        + f'<w:numId w:val="{num_id}"/></w:numPr>'
    )
    ppr.append(numpr)  # python-docx orders pPr children on write? keep schema order: pStyle first
    style = ppr.find(qn("w:pStyle"))
    if style is not None:
        ppr.remove(style)
        ppr.insert(0, style)


class Lists:
    """Numbering definitions added to a document's numbering part (ids above the template's own)."""

    def __init__(self, document) -> None:
        self.root = document.part.numbering_part.element
        ids = [int(e.get(qn("w:abstractNumId"))) for e in self.root.findall(qn("w:abstractNum"))]
        nums = [int(e.get(qn("w:numId"))) for e in self.root.findall(qn("w:num"))]
        self.next_abstract = max(ids, default=0) + 10
        self.next_num = max(nums, default=0) + 10

    def abstract(self, levels: list[dict]) -> int:
        """levels: dicts with fmt, text, and optionally start, restart, suff, style, legal."""
        key = self.next_abstract
        self.next_abstract += 1
        body = []
        for ilvl, lvl in enumerate(levels):
            parts = [f'<w:start w:val="{lvl.get("start", 1)}"/>', f'<w:numFmt w:val="{lvl["fmt"]}"/>']
            if "restart" in lvl:
                parts.append(f'<w:lvlRestart w:val="{lvl["restart"]}"/>')
            if lvl.get("style"):
                parts.append(f'<w:pStyle w:val="{lvl["style"]}"/>')
            if lvl.get("legal"):
                parts.append("<w:isLgl/>")
            if lvl.get("suff"):
                parts.append(f'<w:suff w:val="{lvl["suff"]}"/>')
            parts.append(f'<w:lvlText w:val="{esc(lvl["text"])}"/><w:lvlJc w:val="left"/>')
            body.append(f'<w:lvl w:ilvl="{ilvl}">{"".join(parts)}</w:lvl>')
        element = parse_xml(
            f'<w:abstractNum {NSDECL} w:abstractNumId="{key}"><w:multiLevelType w:val="multilevel"/>'
            f"{''.join(body)}</w:abstractNum>"
        )
        first_num = self.root.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(element)
        else:
            self.root.append(element)
        return key

    def num(self, abstract: int, starts: dict[int, int] | None = None) -> int:
        key = self.next_num
        self.next_num += 1
        overrides = "".join(
            f'<w:lvlOverride w:ilvl="{k}"><w:startOverride w:val="{v}"/></w:lvlOverride>'
            for k, v in (starts or {}).items()
        )
        self.root.append(
            parse_xml(
                f'<w:num {NSDECL} w:numId="{key}"><w:abstractNumId w:val="{abstract}"/>{overrides}</w:num>'
            )
        )
        return key


def add_style(
    document, style_id: str, based_on: str | None = None, num_id: int | None = None, ilvl: int | None = None
):
    """A paragraph style, optionally carrying numbering (w:numPr in its pPr) and based on another."""
    styles = document.styles.element
    numpr = ""
    if num_id is not None:
        numpr = (
            "<w:numPr>"
            + (f'<w:ilvl w:val="{ilvl}"/>' if ilvl is not None else "")
            + f'<w:numId w:val="{num_id}"/></w:numPr>'
        )
    based = f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
    styles.append(
        parse_xml(
            f'<w:style {NSDECL} w:type="paragraph" w:customStyle="1" w:styleId="{style_id}">'
            f'<w:name w:val="{style_id}"/>'
            f"{based}<w:qFormat/><w:pPr>{numpr}</w:pPr></w:style>"
        )
    )


def table_from_rows(document, rows: list[list[str]]):
    width = max(len(r) for r in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for r, cells in enumerate(rows):
        for c, cell in enumerate(row_cells(table, r)):
            cell.text = cells[c] if c < len(cells) else ""
    return table


def tc_pr(cell):
    return cell._tc.get_or_add_tcPr()


def v_merge(cell, restart: bool) -> None:
    tc_pr(cell).append(parse_xml(f"<w:vMerge {NSDECL}" + (' w:val="restart"' if restart else "") + "/>"))


def grid_span_row(table, row: int, columns: int, text: str) -> None:
    """Replace row `row`'s cells by one cell spanning `columns` grid columns (w:gridSpan)."""
    tr = table.rows[row]._tr
    cells = tr.findall(qn("w:tc"))
    for tc in cells[1:columns]:
        tr.remove(tc)
    first = cells[0]
    first.get_or_add_tcPr().append(parse_xml(f'<w:gridSpan {NSDECL} w:val="{columns}"/>'))
    for p in first.findall(qn("w:p"))[1:]:
        first.remove(p)
    p = first.find(qn("w:p"))
    for r in p.findall(qn("w:r")):
        p.remove(r)
    p.append(parse_xml(run_xml(text)))


def merge_across(table, row: int, column: int, text: str) -> None:
    """Cells `column` and `column`+1 of a row as one cell spanning two grid columns."""
    tr = table.rows[row]._tr
    cells = tr.findall(qn("w:tc"))
    tr.remove(cells[column + 1])
    cells[column].get_or_add_tcPr().append(parse_xml(f'<w:gridSpan {NSDECL} w:val="2"/>'))


def row_cells(table, row: int) -> list:
    """The w:tc cells of a row as python-docx cells, one per w:tc (no merge logic applied)."""
    from docx.table import _Cell

    return [_Cell(tc, table) for tc in table.rows[row]._tr.findall(qn("w:tc"))]


def clear_cell(cell) -> None:
    for p in cell._tc.findall(qn("w:p"))[1:]:
        cell._tc.remove(p)
    p = cell._tc.find(qn("w:p"))
    for r in p.findall(qn("w:r")):
        p.remove(r)


def add_footnote(document, paragraph, text: str, note_id: int = 1) -> None:
    """A footnote (python-docx has no API for them): the footnotes part, its relationship, the reference."""
    xml = (
        f"<w:footnotes {NSDECL}>"
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0">'
        "<w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>"
        f'<w:footnote w:id="{note_id}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
        '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
        f'<w:r><w:t xml:space="preserve"> {esc(text)}</w:t></w:r></w:p></w:footnote></w:footnotes>'
    )
    part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_CT, xml.encode("utf-8"), document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)
    paragraph._p.append(
        parse_xml(
            f'<w:r {NSDECL}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:footnoteReference w:id="{note_id}"/></w:r>'
        )
    )


def docx_bytes(document) -> bytes:
    """The saved document with fixed zip dates, so a regenerated fixture is byte-identical."""
    raw = io.BytesIO()
    document.save(raw)
    return rezip(raw.getvalue())


def rezip(data: bytes, replace: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = (replace or {}).get(info.filename, source.read(info.filename))
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, content)
    return out.getvalue()


# --- (a) and (b): a bundled seed as Word --------------------------------------------------------

_CN = "[一二三四五六七八九十]+"
# (level, pattern): the printed markers taken out of the text in the automatic-numbering variant.
_MARKERS = [
    (0, re.compile(rf"^({_CN})、")),
    (1, re.compile(rf"^[（(]({_CN})[）)]")),
    (2, re.compile(r"^([0-9]{1,3})[、.](?![0-9])")),
    (3, re.compile(r"^[（(]([0-9]{1,3})[）)]")),
]
_CN_VALUES = {c: k for k, c in enumerate("一二三四五六七八九", start=1)}


def _cn_value(text: str) -> int:
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _cn_value(text[1:])
    if "十" in text:
        tens, _, units = text.partition("十")
        return _CN_VALUES[tens] * 10 + (_CN_VALUES[units] if units else 0)
    return _CN_VALUES[text]


def seed_paragraphs(prefix: str) -> list[str]:
    """The seed's paragraphs as the text reader joins its lines (table rows keep their tabs)."""
    (path,) = SOURCES.glob(f"{prefix}_*.txt")
    paras, wrapped = paragraphs(raw_lines(path.read_text(encoding="utf-8")))
    assert not wrapped, "a hard-wrapped seed would not be one paragraph per Word paragraph"
    return [p.text for p in paras]


def _marker(text: str) -> tuple[int, int, str, str] | None:
    """(level, number, marker as printed, rest) of a heading or item paragraph."""
    for level, pattern in _MARKERS:
        m = pattern.match(text)
        if m:
            value = int(m.group(1)) if m.group(1).isdigit() else _cn_value(m.group(1))
            return level, value, m.group(0), text[m.end() :]
    return None


def _level_texts(texts: list[str]) -> list[str]:
    """How this document prints each level: "%1、", "（%2）" or "(%2)", "%3." or "%3、", "（%4）"."""
    printed = ["%1、", "（%2）", "%3、", "（%4）"]
    for text in texts:
        found = _marker(text) if "\t" not in text else None
        if found is None:
            continue
        level, _, marker, _ = found
        if level == 1:
            printed[1] = "(%2)" if marker.startswith("(") else "（%2）"
        elif level == 2:
            printed[2] = "%3." if marker.endswith(".") else "%3、"
        elif level == 3:
            printed[3] = "(%4)" if marker.startswith("(") else "（%4）"
    return printed


def _cn_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    return ("" if n < 20 else digits[n // 10]) + "十" + (digits[n % 10] if n % 10 else "")


def _rendered(template: str, level: int, value: int) -> str:
    return template.replace(f"%{level + 1}", _cn_number(value) if level < 2 else str(value))


def seed_document(prefix: str, autonum: bool, header: str) -> bytes:
    texts = seed_paragraphs(prefix)
    document = docx.Document()
    header_and_footer(document, header)
    lists = Lists(document) if autonum else None
    if lists is not None:
        printed = _level_texts(texts)
        abstract = lists.abstract(
            [
                {
                    "fmt": "chineseCounting",
                    "text": printed[0],
                    "style": "CNHeading1",
                },  # suffix: Word's default tab
                {"fmt": "chineseCounting", "text": printed[1], "suff": "nothing"},
                {
                    "fmt": "decimal",
                    "text": printed[2],
                    "suff": "nothing",
                    "restart": 0,
                },  # items run on across sections
                {"fmt": "decimal", "text": printed[3], "suff": "nothing"},
            ]
        )
        body_num = lists.num(abstract)
        # 一、 by a style that carries the list (its level found through the level's w:pStyle);
        # （一） by a style based on one that carries it (the basedOn chain).
        add_style(document, "CNHeading1", num_id=body_num)
        add_style(document, "CNHeading2Base", num_id=body_num, ilvl=1)
        add_style(document, "CNHeading2", based_on="CNHeading2Base")
        current = body_num
        counts: list[int | None] = [None] * 4
    k = 0
    while k < len(texts):
        if "\t" in texts[k]:
            rows = []
            while k < len(texts) and "\t" in texts[k]:
                rows.append(texts[k].split("\t"))
                k += 1
            table_from_rows(document, rows)
            continue
        text = texts[k]
        k += 1
        found = _marker(text) if lists is not None else None
        if found is not None and _rendered(printed[found[0]], found[0], found[1]) != found[2]:
            found = None  # printed in another way than the list would print it: stays typed
        if found is None:
            document.add_paragraph(text)
            continue
        level, value, _, rest = found
        expected = 1 if counts[level] is None else counts[level] + 1
        if value != expected:
            # Printed numbering starts again (附件1's 一、) or jumps: a list of its own from that value.
            current = lists.num(abstract, {level: value})
            counts = [None] * 4
        counts[level] = value
        for lower in range(level + 1, 4):
            if lower != 2:  # level 2 never restarts (lvlRestart 0)
                counts[lower] = None
        paragraph = document.add_paragraph(rest)
        if level == 0:
            paragraph.style = document.styles["CNHeading1"]
            if current != body_num:
                set_num(paragraph, current, 0)
        elif level == 1:
            paragraph.style = document.styles["CNHeading2"]
            if current != body_num:
                set_num(paragraph, current, 1)
        else:
            set_num(paragraph, current, level)
    return docx_bytes(document)


# --- (c): a 分工表 as a Word table with merged cells ---------------------------------------------

FENGONG_TITLE = "嘉定区社区养老服务提升行动方案（2024—2025年）"
FENGONG_HEADER = "嘉定区人民政府办公室 内部运行版"
TEXT_BOX = "到2025年底，全区老年人对社区养老服务的满意度达到90%以上。"
FOOTNOTE = "“15分钟养老服务圈”指老年人步行15分钟范围内可获得的基本养老服务。"
HIDDEN = "此段为起草说明不予印发"
# 序号 (numbered by Word), 工作任务, 主要工作内容, 牵头单位, 配合单位, 完成时限; None: merged with the row
# above.
FENGONG_ROWS: list[tuple | str] = [
    "（一）完善养老服务设施",
    (
        1,
        "完善社区养老设施网络",
        "新建社区长者食堂10家，实现街镇全覆盖。",
        "区民政局",
        "各街镇",
        "2024年6月底前",
    ),
    (None, None, "改造提升综合为老服务中心3家。", None, "区建设管理委、各街镇", "2024年12月底前"),
    (None, None, "新增家庭照护床位500张。", "区卫生健康委", "区民政局", "2025年6月底前"),
    "（二）提升养老服务能力",
    (
        2,
        "加强养老服务人才队伍建设",
        "开展养老护理员职业技能培训2000人次。",
        "区人力资源社会保障局",
        "区民政局",
        "2024年12月底前",
    ),
    (
        3,
        "推进智慧养老服务",
        "建设区级智慧养老服务平台，接入全区养老服务机构。",
        "区民政局",
        "区科委、区大数据中心",
        "2025年3月底前",
    ),
    (
        None,
        None,
        "为独居老人安装智能水表、烟感报警器等设备3000户。",
        "各街镇",
        "区民政局、区消防救援支队",
        "2024年9月底前",
    ),
    (
        4,
        "提升医养结合水平",
        "推动社区卫生服务中心与养老机构签约服务全覆盖。",
        ("区卫生健康委",),
        None,
        "2025年12月底前",
    ),
]


def fengong_document() -> bytes:
    document = docx.Document()
    header_and_footer(document, FENGONG_HEADER)
    lists = Lists(document)
    seq_num = lists.num(lists.abstract([{"fmt": "decimal", "text": "%1", "suff": "nothing"}]))
    add = document.add_paragraph
    add("上海市嘉定区人民政府办公室文件")
    add("嘉府办发〔2024〕9号")
    add(f"上海市嘉定区人民政府办公室关于印发《{FENGONG_TITLE}》的通知")
    add("各镇人民政府、街道办事处，嘉定工业区、菊园新区管委会，区政府各委、办、局：")
    add(f"《{FENGONG_TITLE}》已经区政府同意，现印发给你们，请认真按照执行。")
    add("上海市嘉定区人民政府办公室")
    add("2024年3月15日")
    add(FENGONG_TITLE)
    add(
        "为进一步完善本区社区养老服务体系，满足老年人多层次、多样化的养老服务需求，结合本区实际，制定本方案。"
    )
    add("一、工作目标")
    goal = add("到2025年底，基本建成布局均衡、功能完善的“15分钟养老服务圈”")
    add_footnote(document, goal, FOOTNOTE)
    append_runs(
        goal, [run_xml("，社区养老服务设施覆盖所有街镇。"), run_xml(HIDDEN, "<w:rPr><w:vanish/></w:rPr>")]
    )
    anchor = add("")
    append_runs(anchor, [text_box_run([TEXT_BOX])])
    add("二、重点任务")
    add("各项任务分工如下表。")

    header = ["序号", "工作任务", "主要工作内容", "牵头单位", "配合单位", "完成时限"]
    table = document.add_table(rows=1 + len(FENGONG_ROWS), cols=6)
    table.style = "Table Grid"
    for c, word in enumerate(header):
        table.cell(0, c).text = word
    table.rows[0]._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {NSDECL}/>"))
    for r, row in enumerate(FENGONG_ROWS, start=1):
        if isinstance(row, str):
            grid_span_row(table, r, 6, row)
            continue
        seq, task, content, lead, co, due = row
        cells = row_cells(table, r)
        if seq is not None:
            set_num(cells[0].paragraphs[0], seq_num, 0)  # the 序号 is Word's numbering, not text
        for c, value in ((1, task), (2, content), (5, due)):
            cells[c].text = value or ""
        for column, value in ((0, seq), (1, task), (3, lead)):
            nxt = FENGONG_ROWS[r] if r < len(FENGONG_ROWS) else None
            continues = isinstance(nxt, tuple) and nxt[column] is None
            if value is None:
                v_merge(cells[column], restart=False)
            elif continues:
                v_merge(cells[column], restart=True)
        if isinstance(lead, tuple):
            cells[3].text = lead[0]
            merge_across(table, r, 3, lead[0])
        else:
            cells[3].text = lead or ""
            cells[4].text = co or ""

    page = add("— ")
    append_runs(page, [*field_runs("PAGE", "2"), run_xml(" —")])
    add("三、保障措施")
    add(
        "（一）加强组织领导。建立由区民政局牵头、各相关部门参加的工作推进机制，定期研究解决推进中的重大问题。"
    )
    add("（二）强化资金保障。统筹用好福利彩票公益金和区级财政资金，对符合条件的项目给予支持。")
    add("本方案自2024年4月1日起施行，有效期至2025年12月31日。")
    add("抄送：区委办公室，区人大常委会办公室，区政协办公室。")
    add("上海市嘉定区人民政府办公室 2024年3月15日印发")
    return docx_bytes(document)


# --- refusals -----------------------------------------------------------------------------------


def small_document(text: str = "测试文本") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    return docx_bytes(document)


def xxe_document() -> bytes:
    """document.xml with an external entity on /etc/passwd and a billion-laughs entity, both used."""
    base = small_document("PLACEHOLDER")
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    laughs = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{k} "{f"&lol{k - 1};" * 10}">' for k in range(1, 10)]
    doctype = (
        '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        '<!ENTITY remote SYSTEM "http://127.0.0.1:9/evil.dtd">' + "".join(laughs) + "]>"
    )
    head, rest = xml.split("?>", 1)
    xml = head + "?>" + doctype + rest.replace("PLACEHOLDER", "&xxe;&lol9;&remote;")
    return rezip(base, {"word/document.xml": xml.encode("utf-8")})


def corrupt_xml_document() -> bytes:
    base = small_document("一段正文")
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        xml = archive.read("word/document.xml")
    return rezip(base, {"word/document.xml": xml[: len(xml) // 2]})


def encrypted_document() -> bytes:
    """A compound file (CFB v3, 512-byte sectors) with the two streams of an encrypted OOXML package."""
    sector = 512
    free, end, fat_mark, nostream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    info = (
        struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"/>'
    ).ljust(4096, b" ")
    package = struct.pack("<Q", 12345) + bytes((k * 37) % 256 for k in range(8192 - 8))
    streams = [("EncryptionInfo", info), ("EncryptedPackage", package)]
    fat = [fat_mark, end]  # sector 0: the FAT; sector 1: the directory
    starts = []
    for _, data in streams:
        count = len(data) // sector
        starts.append(len(fat))
        fat.extend(range(len(fat) + 1, len(fat) + count))
        fat.append(end)
    fat.extend([free] * (sector // 4 - len(fat)))

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le") if name else b""
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", left, right, child)
            + b"\0" * 16
            + struct.pack("<I", 0)
            + b"\0" * 16
            + struct.pack("<IQ", start, size)
        )

    directory = (
        entry("Root Entry", 5, nostream, nostream, 1, end, 0)
        + entry("EncryptionInfo", 2, nostream, 2, nostream, starts[0], len(info))
        + entry("EncryptedPackage", 2, nostream, nostream, nostream, starts[1], len(package))
        + entry("", 0, nostream, nostream, nostream, 0, 0)
    )
    header = (
        bytes.fromhex("d0cf11e0a1b11ae1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    assert len(header) == sector
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + info + package


def fixtures() -> dict[str, bytes]:
    """Every committed .docx fixture by name, as this script makes it."""
    files = {
        "docx_cn004_typed.docx": seed_document("004", autonum=False, header="长宁区人民政府 网络发布稿"),
        "docx_cn004_autonum.docx": seed_document("004", autonum=True, header="长宁区人民政府 网络发布稿"),
        "docx_hfg001_typed.docx": seed_document("001", autonum=False, header="上海市人民政府规范性文件"),
        "docx_hfg001_autonum.docx": seed_document("001", autonum=True, header="上海市人民政府规范性文件"),
        "docx_fengong_table.docx": fengong_document(),
        "docx_encrypted.docx": encrypted_document(),
        "docx_xxe.docx": xxe_document(),
        "docx_corrupt_xml.docx": corrupt_xml_document(),
        "docx_empty.docx": small_document(""),
    }
    files["docx_truncated.docx"] = files["docx_fengong_table.docx"][
        : len(files["docx_fengong_table.docx"]) // 2
    ]
    return files


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, data in fixtures().items():
        (OUT / name).write_bytes(data)
        print(f"{name}: {len(data):,} bytes")


if __name__ == "__main__":
    main()
