"""The .docx reader (policycli/ingest/readers/docx.py) on the fixtures of tests/make_docx_fixtures.py."""

from __future__ import annotations

import io
import json
import re
import struct
import time
import zipfile
from pathlib import Path

import docx
import make_docx_fixtures as fx
import pytest
from clitools import run_policy
from conftest import SOURCES
from docx.oxml import parse_xml

from policycli.errors import BadInput
from policycli.ingest import ingest_path
from policycli.ingest.readers import docx as reader
from policycli.ingest.readers import read_blocks

FORMATS = Path(__file__).resolve().parent / "formats"
SEEDS = {"cn004": "004", "hfg001": "001"}
FENGONG = FORMATS / "docx_fengong_table.docx"


def texts(path: Path) -> list[str]:
    return [line.text for line in read_blocks(path).lines]


def measure_view(measure: dict) -> dict:
    return {
        "id": measure["id"],
        "number": measure["number"],
        "text": measure["text"],
        "kind": measure["kind"],
        "due": measure.get("due"),
        "units": [(u["printed"], u["name"], u["role"]) for u in measure["units"]],
    }


def document_view(document: dict) -> dict:
    return {
        "id": document["id"],
        "title": document["title"],
        "doc_number": document["doc_number"],
        "issued_on": document["issued_on"],
        "effective_from": document.get("effective_from"),
        "effective_until": document.get("effective_until"),
        "validity": [{k: v for k, v in entry.items() if k != "lines"} for entry in document["validity"]],
    }


# --- the same document as .txt and as .docx -------------------------------------------------


@pytest.mark.parametrize("variant", ["typed", "autonum"])
@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_as_docx_gives_the_same_measures_as_the_text(name, variant):
    (text_file,) = SOURCES.glob(f"{SEEDS[name]}_*.txt")
    from_text = ingest_path(text_file)
    from_docx = ingest_path(FORMATS / f"docx_{name}_{variant}.docx")
    assert from_docx["source"]["format"] == "docx" and from_docx["source"]["unit"] == "paragraph"
    assert document_view(from_docx) == document_view(from_text)
    assert len(from_docx["measures"]) == len(from_text["measures"]) > 50
    for ours, theirs in zip(from_docx["measures"], from_text["measures"], strict=True):
        assert measure_view(ours) == measure_view(theirs)
    assert sum(1 for m in from_docx["measures"] if m["units"]) > 30


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_autonum_fixture_has_no_typed_markers_only_numbering(name):
    """The markers are not in the text of the automatic-numbering variant: only numbering gives them back."""
    document = docx.Document(FORMATS / f"docx_{name}_autonum.docx")
    typed = re.compile(
        r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|[0-9]{1,3}[、.](?![0-9]))"
    )
    assert not [p.text for p in document.paragraphs if typed.match(p.text)]
    numbered = [
        p
        for p in document.paragraphs
        if p._p.pPr is not None
        and (p._p.pPr.numPr is not None or (p.style is not None and p.style.style_id.startswith("CNHeading")))
    ]
    assert len(numbered) >= 30


def test_automatic_numbering_restores_every_printed_marker():
    lines = texts(FORMATS / "docx_cn004_autonum.docx")
    starts = [line[:8] for line in lines]
    assert "一、指导思想" in starts and "二、主要任务" in starts and "三、加强组织实施"[:8] in starts
    items = [int(m.group(1)) for line in lines if (m := re.match(r"^([0-9]+)、(?!长宁区)", line))]
    assert items == list(range(1, 39))  # lvlRestart 0: 1、…38、 run on across （一）…（六）
    headings = [line[:3] for line in lines if re.match(r"^（[一二三四五六]）", line) and "\t" not in line]
    assert headings == [
        "（一）",
        "（二）",
        "（三）",
        "（四）",
        "（五）",
        "（六）",
        "（一）",
        "（二）",
        "（三）",
    ]
    assert any(line.startswith("2、长宁区") for line in lines)  # startOverride 2
    attachment = lines[next(k for k, line in enumerate(lines) if line.startswith("附件 1")) :]
    assert [line[:2] for line in attachment if re.match(r"^[一二三四五六七八]、", line)] == [
        "一、",
        "二、",
        "三、",
        "四、",
        "五、",
        "六、",
        "七、",
        "八、",
    ]  # a new list starts again at 一
    assert not any("\t" in line for line in lines[:60])  # Word's tab after "一、" is not a cell separator
    hfg = texts(FORMATS / "docx_hfg001_autonum.docx")
    assert "(一)全面探索完善管理体制" in hfg and any(line.startswith("22.完善评估分析体系") for line in hfg)


HEADERS = ("长宁区人民政府 网络发布稿", "上海市人民政府规范性文件", fx.FENGONG_HEADER)


def test_header_footer_and_page_fields_are_never_text():
    for path in [
        *(FORMATS / f"docx_{name}_{variant}.docx" for name in SEEDS for variant in ("typed", "autonum")),
        FENGONG,
    ]:
        joined = "\n".join(texts(path))
        for furniture in (*HEADERS, "第 1 页", "共 9 页", "PAGE", "NUMPAGES", "— 2 —", "— —"):
            assert furniture not in joined, (path.name, furniture)
        with zipfile.ZipFile(path) as archive:  # they are in the file, in its header and footer parts
            parts = "".join(
                archive.read(n).decode("utf-8")
                for n in archive.namelist()
                if re.match(r"word/(header|footer)", n)
            )
        assert any(header in parts for header in HEADERS) and "NUMPAGES" in parts


# --- a 分工表 as a Word table with merged cells ---------------------------------------------------


def test_table_rows_are_tab_joined_with_merged_values_in_every_row():
    lines = texts(FENGONG)
    header = lines.index("序号\t工作任务\t主要工作内容\t牵头单位\t配合单位\t完成时限")
    rows = [line.split("\t") for line in lines[header + 1 :] if "\t" in line]
    assert all(len(cells) == 6 for cells in rows)  # one cell per grid column
    # gridSpan: a group label spanning the row is one cell, not repeated across the columns
    assert rows[0] == ["（一）完善养老服务设施", "", "", "", "", ""]
    assert rows[4] == ["（二）提升养老服务能力", "", "", "", "", ""]
    data = [cells for cells in rows if cells[1]]
    # the 序号 column is Word's automatic numbering; vMerge gives 序号 and 工作任务 to every row they span
    assert [cells[0] for cells in data] == ["1", "1", "1", "2", "3", "3", "4"]
    assert [cells[1] for cells in data[:3]] == ["完善社区养老设施网络"] * 3
    assert [cells[1] for cells in data[4:6]] == ["推进智慧养老服务"] * 2
    assert [cells[3] for cells in data[:3]] == [
        "区民政局",
        "区民政局",
        "区卫生健康委",
    ]  # 牵头单位 merged over two rows
    assert data[6][3:5] == ["区卫生健康委", ""]  # 牵头 and 配合 merged across: the value once


def test_table_rows_become_measures_with_roles_and_due_dates():
    document = ingest_path(FENGONG)
    assert document_view(document)["doc_number"] == "嘉府办发〔2024〕9号"
    assert (document["effective_from"], document["effective_until"]) == ("2024-04-01", "2025-12-31")
    rows = {m["text"]: m for m in document["measures"] if m["parent"] == f"{document['id']}/2"}
    expected = {
        "新建社区长者食堂10家，实现街镇全覆盖。": ("1", ["区民政局"], ["各街镇"], "2024-06-30"),
        "改造提升综合为老服务中心3家。": ("1", ["区民政局"], ["区建设管理委", "各街镇"], "2024-12-31"),
        "新增家庭照护床位500张。": ("1", ["区卫生健康委"], ["区民政局"], "2025-06-30"),
        "开展养老护理员职业技能培训2000人次。": ("2", ["区人力资源社会保障局"], ["区民政局"], "2024-12-31"),
        "建设区级智慧养老服务平台，接入全区养老服务机构。": (
            "3",
            ["区民政局"],
            ["区科委", "区大数据中心"],
            "2025-03-31",
        ),
        "为独居老人安装智能水表、烟感报警器等设备3000户。": (
            "3",
            ["各街镇"],
            ["区民政局", "区消防救援支队"],
            "2024-09-30",
        ),
        "推动社区卫生服务中心与养老机构签约服务全覆盖。": ("4", ["区卫生健康委"], [], "2025-12-31"),
    }
    assert set(rows) == set(expected)
    for text, (number, lead, co, due) in expected.items():
        measure = rows[text]
        assert measure["kind"] == "task"
        assert measure["number"] == number
        assert [u["printed"] for u in measure["units"] if u["role"] == "lead"] == lead, text
        assert [u["printed"] for u in measure["units"] if u["role"] == "co"] == co, text
        assert measure["due"] == due, text


def test_text_box_footnote_hidden_text_and_body_page_field():
    lines = texts(FENGONG)
    joined = "\n".join(lines)
    assert joined.count(fx.TEXT_BOX) == 1  # mc:Choice read, mc:Fallback (the same box as VML) not
    box = lines.index(fx.TEXT_BOX)
    assert lines[box - 1].startswith("到2025年底，基本建成")  # at its anchor
    assert fx.HIDDEN not in joined
    # the footnote reference leaves no mark in the text; the note comes at the end with its number
    assert "养老服务圈”，社区养老服务设施覆盖所有街镇。" in lines[box - 1]
    assert lines[-1] == f"注1：{fx.FOOTNOTE}"
    document = ingest_path(FENGONG)
    goal = next(m for m in document["measures"] if m["number"] == "一、")
    assert fx.TEXT_BOX in goal["text"]
    assert all(fx.FOOTNOTE not in m["text"] for m in document["measures"])  # after 抄送: the tail


def test_show_says_which_paragraph(tmp_path):
    out, db = tmp_path / "out", tmp_path / "policy.db"
    result = run_policy("ingest", str(FENGONG), "--out", str(out), db=db)
    assert result.returncode == 0, result.stderr
    document = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
    assert document["source"]["unit"] == "paragraph"
    measure = next(m for m in document["measures"] if m["text"] == "改造提升综合为老服务中心3家。")
    first, last = measure["lines"]
    assert (
        texts(FENGONG)[first - 1].split("\t")[2] == measure["text"]
    )  # the number is the paragraph's position
    assert run_policy("load", str(out), db=db).returncode == 0
    shown = run_policy("show", measure["id"], db=db, env={"COLUMNS": "120"})
    assert shown.returncode == 0, shown.stderr
    assert f"docx_fengong_table.docx 第{first}–{last}段" in shown.stdout
    assert "行" not in shown.stdout.split("来源", 1)[1].splitlines()[0]


# --- refusals ---------------------------------------------------------------------------------


def zip_bomb(tmp_path: Path, name: str, member: str, size: int) -> Path:
    """A real .docx plus one member of `size` zero bytes (compressed ~1000:1), written in chunks."""
    path = tmp_path / name
    path.write_bytes(FENGONG.read_bytes())
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(member, "w", force_zip64=True) as handle:
            chunk = b"\0" * (1 << 20)
            for _ in range(size // len(chunk)):
                handle.write(chunk)
    assert path.stat().st_size < 1024 * 1024
    return path


def lying_sizes(tmp_path: Path) -> Path:
    """A .docx whose zip directory says document.xml is 1,000 bytes while its data inflates to more."""
    data = bytearray(FENGONG.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    assert info.file_size > 5000
    struct.pack_into("<I", data, info.header_offset + 22, 1000)  # local header: uncompressed size
    name = b"word/document.xml"
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, 1000)  # central directory: uncompressed size
    path = tmp_path / "lying.docx"
    path.write_bytes(bytes(data))
    return path


def test_refusals_by_the_reader(tmp_path, monkeypatch):
    cases = {
        FORMATS / "docx_encrypted.docx": "password-protected",
        FORMATS / "docx_xxe.docx": "DOCTYPE",
        FORMATS / "docx_corrupt_xml.docx": "not a readable Word file",
        FORMATS / "docx_truncated.docx": "not a readable Word file",
        FORMATS / "docx_empty.docx": "has no text",
        zip_bomb(tmp_path, "bomb.docx", "word/media/image9.png", 101 * 1024 * 1024): "zip bomb",
        zip_bomb(
            tmp_path, "bigxml.docx", "word/glossary.xml", 51 * 1024 * 1024
        ): "50 MiB limit for one XML part",
        lying_sizes(tmp_path): "not a readable Word file",
    }
    for path, said in cases.items():
        started = time.monotonic()
        with pytest.raises(BadInput) as refused:
            reader.read(path)
        message = str(refused.value)
        assert said in message, (path.name, message)
        assert "\n" not in message and message.startswith(str(path))
        assert time.monotonic() - started < 5, path.name
    big = tmp_path / "big.docx"
    with big.open("wb") as handle:
        handle.truncate(reader.MAX_FILE_BYTES + 1)
    with pytest.raises(BadInput, match="20 MiB limit"):
        reader.read(big)


def test_entities_are_not_resolved_even_past_the_doctype_check(tmp_path, monkeypatch):
    """Defence in depth: with the DOCTYPE refusal switched off, python-docx's parser still resolves
    no external entity (no /etc/passwd, no network) and refuses the entity bomb quickly."""
    monkeypatch.setattr(reader, "check_package", lambda path, data: None)
    base = fx.small_document("PLACEHOLDER")
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    head, rest = xml.split("?>", 1)
    external = (
        head
        + '?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        + rest.replace("PLACEHOLDER", "甲&xxe;乙")
    )
    path = tmp_path / "xxe_only.docx"
    path.write_bytes(fx.rezip(base, {"word/document.xml": external.encode("utf-8")}))
    read = "\n".join(line.text for line in reader.read(path).lines)
    assert "root:" not in read and "甲" in read
    started = time.monotonic()
    with pytest.raises(BadInput):
        reader.read(FORMATS / "docx_xxe.docx")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    "name, said",
    [
        ("docx_encrypted.docx", "password-protected"),
        ("docx_xxe.docx", "DOCTYPE"),
        ("docx_corrupt_xml.docx", "not a readable Word file"),
        ("docx_truncated.docx", ""),
        ("docx_empty.docx", "no text"),
        ("bomb", "zip bomb"),
    ],
)
def test_refused_files_exit_2_with_one_line_and_nothing_written(tmp_path, name, said):
    path = (
        zip_bomb(tmp_path, "bomb.docx", "word/media/image9.png", 101 * 1024 * 1024)
        if name == "bomb"
        else FORMATS / name
    )
    out = tmp_path / "out"
    result = run_policy("ingest", str(FENGONG), str(path), "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert said in result.stderr
    assert not out.exists()


# --- Word's numbering rules and other structures, on small documents built here ------------------


def test_number_formats():
    f = reader.format_number
    assert [f(n, "chineseCounting") for n in (1, 10, 11, 20, 23, 99)] == [
        "一",
        "十",
        "十一",
        "二十",
        "二十三",
        "九十九",
    ]
    assert [f(n, "chineseCountingThousand") for n in (10, 105, 110, 1010)] == [
        "十",
        "一百零五",
        "一百一十",
        "一千零一十",
    ]
    assert [f(n, "ideographDigital") for n in (3, 10, 21)] == ["三", "一〇", "二一"]
    assert [f(n, "decimalEnclosedCircle") for n in (1, 20, 21)] == ["①", "⑳", "21"]
    assert [f(n, "chineseLegalSimplified") for n in (3, 10, 12)] == ["叁", "壹拾", "壹拾贰"]
    assert [
        f(n, fmt)
        for n, fmt in (
            (2, "ideographTraditional"),
            (4, "upperRoman"),
            (28, "lowerLetter"),
            (7, "decimalZero"),
            (5, "decimalFullWidth"),
            (3, "none"),
        )
    ] == ["乙", "IV", "bb", "07", "５", ""]


def _para(document, text: str, num: int | None = None, ilvl: int | None = None, style: str | None = None):
    paragraph = document.add_paragraph(text)
    if style:
        paragraph.style = document.styles[style]
    if num is not None:
        fx.set_num(paragraph, num, ilvl)
    return paragraph


def _read(tmp_path: Path, document, name: str = "t.docx") -> list[str]:
    path = tmp_path / name
    path.write_bytes(fx.docx_bytes(document))
    return texts(path)


def test_numbering_levels_restarts_overrides_and_styles(tmp_path):
    document = docx.Document()
    lists = fx.Lists(document)
    a = lists.abstract(
        [
            {"fmt": "chineseCounting", "text": "%1、"},
            {"fmt": "chineseCounting", "text": "（%2）", "suff": "nothing"},
            {"fmt": "decimal", "text": "%3.", "suff": "nothing"},
            {"fmt": "decimal", "text": "（%4）", "suff": "nothing"},
            {"fmt": "decimalEnclosedCircle", "text": "%5", "suff": "nothing"},
        ]
    )
    first, same, again = lists.num(a), lists.num(a), lists.num(a, {0: 5})
    b = lists.abstract(
        [
            {"fmt": "chineseCounting", "text": "第%1部分", "suff": "space"},
            {"fmt": "decimal", "text": "%1.%2", "legal": True, "suff": "nothing"},
        ]
    )
    legal = lists.num(b)
    c = lists.abstract(
        [{"fmt": "chineseCounting", "text": "%1、"}, {"fmt": "decimal", "text": "%2.", "restart": 0}]
    )
    never = lists.num(c)
    fx.add_style(document, "Listed", num_id=first, ilvl=1)
    fx.add_style(document, "ListedChild", based_on="Listed")
    steps = [
        ("总体要求", first, 0, None),
        ("项目甲", first, 2, None),
        ("子项", first, 3, None),
        ("圈号", first, 4, None),
        ("圈号二", first, 4, None),
        ("项目乙", first, 2, None),
        ("子项二", first, 3, None),
        ("主要任务", same, 0, None),  # another w:num of the same list continues it
        ("由样式编号", None, None, "ListedChild"),  # numbering through the basedOn chain
        ("项目丙", same, 2, None),
        ("另起", again, 0, None),  # startOverride: a list of its own from 五
        ("不编号", 0, None, "ListedChild"),  # numId 0 takes the style's numbering away
        ("甲", legal, 0, None),
        ("乙", legal, 1, None),
        ("一级", never, 0, None),
        ("条目", never, 1, None),
        ("二级", never, 0, None),
        ("条目二", never, 1, None),
    ]
    for text, num, ilvl, style in steps:
        _para(document, text, num, ilvl, style)
    assert _read(tmp_path, document) == [
        "一、总体要求",
        "1.项目甲",
        "（1）子项",
        "①圈号",
        "②圈号二",
        "2.项目乙",
        "（1）子项二",
        "二、主要任务",
        "（一）由样式编号",
        "1.项目丙",
        "五、另起",
        "不编号",
        "第一部分 甲",
        "1.1乙",
        "一、一级",
        "1.条目",
        "二、二级",
        "2.条目二",
    ]


def test_line_breaks_tabs_nested_tables_frames_and_tables_of_contents(tmp_path):
    document = docx.Document()
    broken = document.add_paragraph("（一）加强领导。")
    fx.append_runs(
        broken,
        [
            f"<w:r {fx.NSDECL}><w:br/></w:r>",
            fx.run_xml("（二）强化保障。"),
            f"<w:r {fx.NSDECL}><w:br/></w:r>",
            fx.run_xml("续写的一句。"),
        ],
    )
    tabbed = document.add_paragraph("附件：")
    fx.append_runs(tabbed, [f"<w:r {fx.NSDECL}><w:tab/></w:r>", fx.run_xml("分工表")])
    latin = document.add_paragraph("Open")
    fx.append_runs(latin, [f"<w:r {fx.NSDECL}><w:br/></w:r>", fx.run_xml("Data")])
    body = document.element.body
    toc = parse_xml(
        f"<w:sdt {fx.NSDECL}><w:sdtPr><w:docPartObj>"
        '<w:docPartGallery w:val="Table of Contents"/></w:docPartObj>'
        "</w:sdtPr><w:sdtContent><w:p><w:r><w:t>一、目录里的标题 3</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    body.sectPr.addprevious(toc)
    field_toc = [
        document.add_paragraph(),
        document.add_paragraph("二、目录第二行 5"),
        document.add_paragraph(),
    ]
    fx.append_runs(field_toc[0], fx.field_runs('TOC \\o "1-3"', "一、目录第一行 3")[:-1])
    fx.append_runs(field_toc[2], [f'<w:r {fx.NSDECL}><w:fldChar w:fldCharType="end"/></w:r>'])
    frame = document.add_table(rows=2, cols=1)
    frame.cell(0, 0).text = "专栏1 重点项目"
    frame.cell(1, 0).text = "建设一批示范项目。"
    table = document.add_table(rows=2, cols=3)
    for c, word in enumerate(["序号", "措施", "责任单位"]):
        table.cell(0, c).text = word
    table.cell(1, 0).text = "1"
    table.cell(1, 1).text = "推进"
    table.cell(1, 1).add_paragraph("数据共享。")
    table.cell(1, 2).text = "区民政局"
    table.cell(1, 2).add_paragraph("区科委")  # a unit a line: kept apart
    inner = table.cell(1, 2).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "区数据局"
    inner.cell(0, 1).text = "区商务委"
    assert _read(tmp_path, document) == [
        "（一）加强领导。",
        "（二）强化保障。续写的一句。",
        "附件： 分工表",
        "Open Data",
        "专栏1 重点项目",
        "建设一批示范项目。",
        "序号\t措施\t责任单位",
        "1\t推进数据共享。\t区民政局、区科委、区数据局 区商务委",
    ]


def test_old_word_file_and_no_body(tmp_path):
    ole = tmp_path / "old.docx"
    ole.write_bytes(reader.OLE_MAGIC + b"\0" * 600 + "WordDocument".encode("utf-16-le"))
    with pytest.raises(BadInput, match="old-format Word file"):
        reader.read(ole)
    assert reader.is_password_protected((FORMATS / "docx_encrypted.docx").read_bytes())
    assert not reader.is_password_protected(ole.read_bytes())


def test_fixtures_are_what_the_script_makes():
    """The committed files are the script's output
    (regenerate: .venv/bin/python tests/make_docx_fixtures.py)."""
    made = fx.fixtures()
    assert sorted(made) == sorted(p.name for p in FORMATS.glob("docx_*.docx"))
    for name, data in made.items():
        assert (FORMATS / name).read_bytes() == data, name


def test_tracked_changes_read_as_accepted_with_a_warning(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("保留")
    fx.append_runs(
        paragraph,
        [
            f'<w:ins {fx.NSDECL} w:id="1" w:author="a"><w:r><w:t>新增</w:t></w:r></w:ins>',
            f'<w:del {fx.NSDECL} w:id="2" w:author="a"><w:r><w:delText>删去</w:delText></w:r></w:del>',
        ],
    )
    path = tmp_path / "tracked.docx"
    path.write_bytes(fx.docx_bytes(document))
    blocks = read_blocks(path)
    assert [line.text for line in blocks.lines] == ["保留新增"]
    assert any("tracked changes" in w for w in blocks.warnings)


def test_a_table_grid_of_100000_columns_is_cut_at_64(tmp_path):
    # A 39 KB file declaring 100,000 grid columns padded every row with tabs: 76 s and 1 GB.
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_paragraph("关于印发《某某方案》的通知")
    table = document.add_table(rows=200, cols=2)
    for k, row in enumerate(table.rows):
        row.cells[0].text, row.cells[1].text = str(k + 1), f"第{k + 1}项"
    grid = table._tbl.find(qn("w:tblGrid"))
    for _ in range(100_000):
        grid.append(grid.makeelement(qn("w:gridCol"), {}))
    span = table.rows[0].cells[1]._tc.get_or_add_tcPr()
    span.append(span.makeelement(qn("w:gridSpan"), {qn("w:val"): "5000"}))
    path = tmp_path / "grid.docx"
    document.save(str(path))
    blocks = reader.read(path)
    rows = [line.text for line in blocks.lines if "\t" in line.text]
    assert rows and all(line.count("\t") <= 63 for line in rows)


def test_a_box_framed_by_a_one_cell_table_ends_with_its_frame(tmp_path):
    # Word draws a 专栏 as a one-column table; the paragraphs after it are the body's again.
    document = docx.Document()
    for text in (
        "上海市某某发展规划",
        "二、主要任务",
        "（一）发展现代服务业",
        "推进服务业提质增效，打造一批服务业集聚区。",
    ):
        document.add_paragraph(text)
    frame = document.add_table(rows=1, cols=1)
    frame.rows[0].cells[0].text = "专栏1 重点服务业领域"
    frame.rows[0].cells[0].add_paragraph("数字服务：发展云计算和大数据服务。")
    document.add_paragraph("节能环保服务要加快发展，培育一批龙头企业。")
    path = tmp_path / "box.docx"
    document.save(str(path))
    measures = ingest_path(path)["measures"]
    box = next(m for m in measures if m["number"].startswith("专栏"))
    assert "节能环保服务" not in box["text"]
    assert any("节能环保服务" in m["text"] for m in measures if not m["number"].startswith("专栏"))
