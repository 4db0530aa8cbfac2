"""The Excel reader (policycli/ingest/readers/xlsx.py) and `ingest --attach-to` (policycli/ingest/attach.py):
a 任务分工表 workbook gives one measure per row with its lead and co units and due date; attached to its
notice it gives the same measures as the table pasted into the notice; hostile workbooks are refused."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from clitools import ok, run_policy

from policycli.errors import BadInput
from policycli.ingest import ingest_path
from policycli.ingest.readers import read_blocks
from policycli.ingest.readers import xlsx as xlsx_reader

FORMATS = Path(__file__).resolve().parent / "formats"
TABLE = FORMATS / "renwu_fengong.xlsx"  # written by tests/make_xlsx_fixtures.py
NOTICE = FORMATS / "renwu_notice.txt"
NOTICE_ID = "cfb-2024-7"

# What the workbook holds, as the reader must give it: the title row as a paragraph; the merged 序号 and
# 工作任务 repeated on row 4; 2.0 read as 2; Excel dates read as dates; the empty third sheet absent;
# the second sheet's rows numbered on from the first sheet's six.
EXPECTED_LINES = [
    (1, "长宁区2024年优化营商环境重点任务分工表"),
    (2, "序号\t工作任务\t主要工作内容\t牵头单位\t配合单位\t完成时限"),
    (
        3,
        "1\t提升企业开办效率\t推行企业开办“一表申报”，营业执照、公章刻制、发票申领一日办结。\t区市场监管局\t区税务局、区公安分局\t2024年6月30日",
    ),
    (
        4,
        "1\t提升企业开办效率\t在区行政服务中心设立企业开办专区，为新办企业提供免费帮办服务。\t区府办\t区市场监管局\t2024年底前",
    ),
    (
        5,
        "2\t优化工程建设项目审批\t社会投资低风险产业类项目实行“拿地即开工”，审批时间压缩至10个工作日以内。\t区建管委\t"
        "区规划资源局、区生态环境局\t2024年9月30日",
    ),
    (
        6,
        "3\t加强涉企政策服务\t依托“一网通办”平台建立惠企政策清单，推动政策免申即享。\t区发展改革委\t区财政局、区商务委、区科委\t2024年12月31日",
    ),
    (7, "序号\t工作任务\t主要工作内容\t牵头单位\t配合单位\t完成时限"),
    (
        8,
        "4\t维护公平竞争秩序\t清理妨碍统一市场和公平竞争的政策措施，每季度通报一次清理进展。\t区市场监管局\t区司法局\t每季度",
    ),
    (
        9,
        "5\t优化人才服务\t为重点企业人才办理落户、子女入学等事项提供“一站式”服务。\t区人社局\t区教育局、区房管局\t2024年11月15日",
    ),
    (
        10,
        "6\t提升知识产权保护水平\t建立知识产权快速维权通道，全年办理维权援助案件不少于100件。\t区科委\t区法院、区检察院\t2024年底前",
    ),
]

# Each row's lead, co units and due date, in order.
EXPECTED_ROWS = [
    (["区市场监管局"], ["区税务局", "区公安分局"], "2024-06-30"),
    (["区府办"], ["区市场监管局"], "2024-12-31"),
    (["区建管委"], ["区规划资源局", "区生态环境局"], "2024-09-30"),
    (["区发展改革委"], ["区财政局", "区商务委", "区科委"], "2024-12-31"),
    (["区市场监管局"], ["区司法局"], None),  # 每季度: recurring, no single due date
    (["区人社局"], ["区教育局", "区房管局"], "2024-11-15"),
    (["区科委"], ["区法院", "区检察院"], "2024-12-31"),
]


def roles(measure: dict) -> tuple[list[str], list[str]]:
    units = measure["units"]
    return [u["name"] for u in units if u["role"] == "lead"], [u["name"] for u in units if u["role"] == "co"]


def tasks(document: dict) -> list[dict]:
    return [m for m in document["measures"] if m["kind"] == "task"]


# --- the reader ---------------------------------------------------------------------------------


def test_workbook_rows_become_numbered_lines_with_merged_values_numbers_and_dates():
    blocks = read_blocks(TABLE)
    assert [(ln.number, ln.text) for ln in blocks.lines] == EXPECTED_LINES
    assert (blocks.format, blocks.unit, blocks.whole_paragraphs) == ("xlsx", "sheet-row", True)
    assert blocks.segments == [
        {"name": "任务分工", "first_line": 1},
        {"name": "续表", "first_line": 7},
    ]  # Sheet3 is empty
    assert blocks.size == TABLE.stat().st_size and blocks.source_lines == 10
    assert blocks.warnings == []


def test_a_table_on_its_own_gives_one_measure_per_row_with_units_and_due_dates():
    document = ingest_path(TABLE)
    rows = tasks(document)
    assert [(*roles(m), m["due"]) for m in rows] == EXPECTED_ROWS
    assert [m["number"] for m in rows] == ["1", "1", "2", "3", "4", "5", "6"]
    assert rows[0]["text"].startswith("推行企业开办“一表申报”")
    assert rows[1]["text"].startswith("在区行政服务中心")  # the second row under the merged 序号 1
    assert [m["lines"] for m in rows] == [[3, 3], [4, 4], [5, 5], [6, 6], [8, 8], [9, 9], [10, 10]]
    source = document["source"]
    assert (source["format"], source["unit"], source["file"]) == ("xlsx", "sheet-row", "renwu_fengong.xlsx")
    assert [s["name"] for s in source["segments"]] == ["任务分工", "续表"]


def test_show_says_sheet_and_row(tmp_path):
    out = tmp_path / "out"
    db = tmp_path / "policy.db"
    ok(run_policy("ingest", str(TABLE), "--out", str(out)))
    (written,) = out.iterdir()
    document = json.loads(written.read_text(encoding="utf-8"))
    ok(run_policy("load", str(out), db=db))
    second_sheet = tasks(document)[5]  # 为重点企业人才…: sheet 续表, row 3
    shown = ok(run_policy("show", second_sheet["id"], db=db, env={"POLICY_TODAY": "2024-05-01"})).stdout
    assert "renwu_fengong.xlsx 工作表“续表”第3" in shown
    assert "第9" not in shown  # not the running line number
    merged = ok(
        run_policy("show", tasks(document)[1]["id"], db=db, env={"POLICY_TODAY": "2024-05-01"})
    ).stdout
    assert "工作表“任务分工”第4" in merged and "2024-12-31" in merged


def test_cell_values_read_as_printed():
    text = xlsx_reader.cell_text
    assert text(1.0) == "1" and text(2) == "2" and text(12.5) == "12.5" and text(0.1) == "0.1"
    assert text(0.85, "0%") == "85%" and text(0.125, "0.0%") == "12.5%"
    assert text(dt.datetime(2024, 6, 30)) == "2024年6月30日" and text(dt.date(2025, 1, 5)) == "2025年1月5日"
    assert text(dt.datetime(2024, 6, 30, 17, 30)) == "2024年6月30日17:30"
    # a date shown as a month (yyyy"年"m"月") is that month, due at its end — not its first day
    assert text(dt.datetime(2024, 6, 1), 'yyyy"年"m"月"') == "2024年6月"
    assert text(dt.datetime(2024, 6, 1), "yyyy-mm-dd") == "2024年6月1日"
    assert text("区发改委\n区财政局") == "区发改委 区财政局"  # a line break in a cell, as <br> in HTML
    assert text("a\tb") == "a b"  # a tab in a cell must not make a column
    assert text(None) == "" and text("  ") == "" and text(True) == "是"


def test_merged_ranges_are_read_from_the_sheet_xml_across_chunks(monkeypatch):
    xml = (
        b'<worksheet><sheetData/><x:mergeCells count="3"><x:mergeCell ref="A3:A4"/>'
        b"<mergeCell ref='b3:B4'/><mergeCell  ref=\"C1:F1\"/></x:mergeCells></worksheet>"
    )
    expected = [(1, 3, 1, 4), (2, 3, 2, 4), (3, 1, 6, 1)]
    for chunk in (1, 7, 13, 1 << 20):  # every cut through a tag
        monkeypatch.setattr(xlsx_reader, "_CHUNK", chunk)
        assert xlsx_reader.merged_ranges(io.BytesIO(xml)) == expected, chunk


def test_too_many_merged_cells_are_left_unfilled_and_said(monkeypatch):
    monkeypatch.setattr(xlsx_reader, "MAX_FILLED", 1)
    blocks = read_blocks(TABLE)
    assert blocks.warnings == [
        "renwu_fengong.xlsx: sheet “任务分工”: merged cells span 2 rows of cells, over the 1 "
        "filled in; merged values are left in their first row only"
    ]
    lines = {ln.number: ln.text for ln in blocks.lines}
    assert lines[4].split("\t")[:3] == [
        "",
        "",
        "在区行政服务中心设立企业开办专区，为新办企业提供免费帮办服务。",
    ]
    assert {n: t for n, t in lines.items() if n != 4} == {n: t for n, t in EXPECTED_LINES if n != 4}


def _rewrite(tmp_path: Path, name: str, edit) -> Path:
    """A copy of the fixture workbook with `edit(filename, bytes) -> bytes | None` applied to its parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(TABLE) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = edit(info.filename, source.read(info.filename))
            if data is not None:
                target.writestr(info.filename, data)
        extra = edit("", b"")
        if extra:
            target.writestr(*extra)
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


def test_hidden_sheets_are_skipped_and_said(tmp_path):
    def hide(filename, data):
        if filename == "xl/workbook.xml":
            return data.replace(
                'name="续表" sheetId="2" state="visible"'.encode(),
                'name="续表" sheetId="2" state="hidden"'.encode(),
            )
        return data or None

    blocks = read_blocks(_rewrite(tmp_path, "hidden.xlsx", hide))
    assert [s["name"] for s in blocks.segments] == ["任务分工"]
    assert blocks.warnings == ["hidden.xlsx: sheet “续表” is hidden; not read"]


def test_a_merged_range_over_the_whole_sheet_does_not_hang(tmp_path):
    """openpyxl's normal mode would make an object per merged cell: 17 billion for A5:XFD1048575."""

    def huge(filename, data):
        if filename == "xl/worksheets/sheet1.xml":
            data = data.replace(
                b"</sheetData>",
                b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c>'
                b'<c r="XFD1048576" t="inlineStr"><is><t>far</t></is></c></row></sheetData>',
            )
            return data.replace(
                b'<mergeCell ref="A3:A4"/>', b'<mergeCell ref="A3:A4"/><mergeCell ref="A5:XFD1048575"/>'
            )
        return data or None

    path = _rewrite(tmp_path, "huge_merge.xlsx", huge)
    assert path.stat().st_size < 20_000
    started = time.monotonic()
    blocks = read_blocks(path)
    assert time.monotonic() - started < 20
    assert blocks.warnings == [
        "huge_merge.xlsx: sheet “任务分工”: merged cells span 1,048,572 rows of cells, over "
        "the 200,000 filled in; merged values are left in their first row only"
    ]
    lines = {ln.number: ln.text for ln in blocks.lines}
    assert (
        lines[1_048_576].split("\t")[0] == "x" and "far" not in lines[1_048_576]
    )  # past column 64: not read
    assert blocks.segments[1] == {"name": "续表", "first_line": 1_048_577}


# --- hostile and broken workbooks -----------------------------------------------------------------

XXE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
    b"<si><t>&xxe;</t></si></sst>"
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "lollollollol">'
    + b"".join(b'<!ENTITY %c "%s">' % (98 + k, b"&%c;" % (97 + k) * 10) for k in range(9))
    + b"]>"
)


def _with_shared_strings(payload: bytes):
    def edit(filename, data):
        if filename == "":
            return ("xl/sharedStrings.xml", payload)
        if filename == "xl/worksheets/sheet1.xml":  # make cell A2 read string 0 of the shared strings
            return data.replace(
                b'<c r="A2" t="inlineStr"><is><t>&#24207;&#21495;</t></is></c>',
                b'<c r="A2" t="s"><v>0</v></c>',
            )
        return data or None

    return edit


def _sheet_with_entities(doctype: bytes, reference: bytes):
    def edit(filename, data):
        if filename == "xl/worksheets/sheet1.xml":
            data = data.replace(b"<worksheet", doctype + b"<worksheet", 1)
            return data.replace(b"<is><t>&#24207;&#21495;</t></is>", b"<is><t>" + reference + b"</t></is>", 1)
        return data or None

    return edit


def hostile(tmp_path: Path) -> dict[str, Path]:
    bomb = io.BytesIO()
    with zipfile.ZipFile(TABLE) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        with target.open("xl/sharedStrings.xml", "w") as handle:  # 120 MiB of one shared string
            handle.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            chunk = b"\xe4\xbb\xbb" * (1 << 18)
            for _ in range(160):
                handle.write(chunk)
            handle.write(b"</t></si></sst>")
    (tmp_path / "bomb.xlsx").write_bytes(bomb.getvalue())
    data = TABLE.read_bytes()
    (tmp_path / "truncated.xlsx").write_bytes(data[: len(data) // 2])
    (tmp_path / "garbage.xlsx").write_bytes(b"\x00\x01not a workbook" * 100)
    entries = b"".join(  # OLE directory entries: 128 bytes, the name in UTF-16, its byte length at 64
        (n.encode("utf-16-le").ljust(64, b"\x00") + ((len(n) + 1) * 2).to_bytes(2, "little")).ljust(
            128, b"\x00"
        )
        for n in ("Root Entry", "EncryptionInfo", "EncryptedPackage")
    )
    (tmp_path / "encrypted.xlsx").write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + entries + b"\x00" * 512
    )
    return {
        "bomb": tmp_path / "bomb.xlsx",
        "xxe_strings": _rewrite(tmp_path, "xxe_strings.xlsx", _with_shared_strings(XXE)),
        "xxe_sheet": _rewrite(
            tmp_path,
            "xxe_sheet.xlsx",
            _sheet_with_entities(
                b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', b"&xxe;"
            ),
        ),
        "laughs": _rewrite(tmp_path, "laughs.xlsx", _sheet_with_entities(LAUGHS, b"&j;")),
        "truncated": tmp_path / "truncated.xlsx",
        "garbage": tmp_path / "garbage.xlsx",
        "encrypted": tmp_path / "encrypted.xlsx",
        "password": FORMATS
        / "renwu_fengong_password.xlsx",  # encrypted as Excel does (make_xlsx_fixtures.py)
    }


REASONS = {
    "bomb": "over the 100 MiB limit",
    "xxe_strings": "declares a DOCTYPE or entities",
    "xxe_sheet": "declares a DOCTYPE or entities",
    "laughs": "declares a DOCTYPE or entities",
    "truncated": "damaged",
    "garbage": "damaged",
    "encrypted": "password-protected; remove the password and save again",
    "password": "password-protected; remove the password and save again",
}


def test_hostile_and_broken_workbooks_are_refused_in_one_line_and_nothing_is_written(tmp_path):
    files = hostile(tmp_path)
    assert files["bomb"].stat().st_size < 1024 * 1024  # small on disk, 120 MiB inside
    out = tmp_path / "out"
    for kind, path in files.items():
        started = time.monotonic()
        result = run_policy("ingest", str(NOTICE), str(path), "--out", str(out))
        assert result.returncode == 2, (kind, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, (kind, result.stderr)
        assert REASONS[kind] in result.stderr, (kind, result.stderr)
        assert path.name in result.stderr and "Traceback" not in result.stderr
        assert "root:" not in result.stderr
        assert time.monotonic() - started < 30, kind
        assert not out.exists(), kind


def test_entities_never_reach_openpyxl_and_openpyxl_would_not_expand_them(tmp_path):
    """The DOCTYPE check comes first; behind it openpyxl parses with defusedxml (and lxml without
    entities)."""
    import openpyxl

    assert openpyxl.DEFUSEDXML, "defusedxml is a dependency: openpyxl uses it when it is installed"
    files = hostile(tmp_path)
    for kind in ("xxe_strings", "xxe_sheet", "laughs"):
        data = files[kind].read_bytes()
        with pytest.raises(BadInput) as refused:
            xlsx_reader.read(files[kind])
        assert "DOCTYPE" in str(refused.value)
        # Past the check (called directly): still no file contents, no expansion, no hang.
        try:
            sheets, _, _ = xlsx_reader._load(data, files[kind].name)
        except BadInput as exc:
            assert "root:" not in str(exc)
        else:
            text = json.dumps(sheets, ensure_ascii=False)
            assert "root:" not in text and "lollollol" not in text


def test_size_limit_is_checked_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_reader, "MAX_FILE", 1000)
    with pytest.raises(BadInput, match="over the 0 MiB limit for one Excel workbook"):
        xlsx_reader.read(TABLE)


# --- --attach-to ----------------------------------------------------------------------------------


def pasted(tmp_path: Path) -> Path:
    """The notice with the same table pasted after it as tab-separated lines, under 附件."""
    text = NOTICE.read_text(encoding="utf-8") + "附件\n" + "".join(line + "\n" for _, line in EXPECTED_LINES)
    path = tmp_path / "renwu_notice.txt"  # same name: the documents differ only in their source
    path.write_text(text, encoding="utf-8")
    return path


def without_source(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "source"}


def test_attached_rows_are_the_notices_measures_as_a_pasted_table_would_be(tmp_path):
    out, reference = tmp_path / "out", tmp_path / "reference"
    result = ok(run_policy("ingest", str(NOTICE), str(TABLE), "--attach-to", NOTICE_ID, "--out", str(out)))
    assert [p.name for p in out.iterdir()] == [f"{NOTICE_ID}.json"]  # the table is no document of its own
    assert f"{NOTICE_ID}: 长宁区2024年优化营商环境重点任务 — 7 tasks" in result.stderr
    attached = json.loads((out / f"{NOTICE_ID}.json").read_text(encoding="utf-8"))
    ok(run_policy("ingest", str(pasted(tmp_path)), "--out", str(reference)))
    expected = json.loads((reference / f"{NOTICE_ID}.json").read_text(encoding="utf-8"))
    assert without_source(attached) == without_source(expected)
    rows = [m for m in attached["measures"] if m["units"]]
    assert [(*roles(m), m["due"]) for m in rows] == EXPECTED_ROWS
    assert {m["parent"] for m in rows if m["parent"]} >= {
        f"{NOTICE_ID}/1",
        f"{NOTICE_ID}/3",
    }  # under the items they restate
    (record,) = attached["source"]["attachments_files"]
    assert (
        record["file"] == "renwu_fengong.xlsx" and record["format"] == "xlsx" and record["first_line"] == 14
    )
    assert attached["source"]["file"] == "renwu_notice.txt" and attached["source"]["unit"] == "line"


def test_attach_to_a_document_already_in_out_and_keep_it_on_reingest(tmp_path):
    out, db = tmp_path / "out", tmp_path / "policy.db"
    ok(run_policy("ingest", str(NOTICE), "--out", str(out)))
    alone = json.loads((out / f"{NOTICE_ID}.json").read_text(encoding="utf-8"))
    assert not any(m["units"] for m in alone["measures"])
    ok(
        run_policy("ingest", str(TABLE), "--attach-to", NOTICE_ID, "--out", str(out))
    )  # the notice is found beside it
    attached = json.loads((out / f"{NOTICE_ID}.json").read_text(encoding="utf-8"))
    ok(
        run_policy(
            "ingest", str(NOTICE), str(TABLE), "--attach-to", NOTICE_ID, "--out", str(tmp_path / "same_run")
        )
    )
    assert attached == json.loads((tmp_path / "same_run" / f"{NOTICE_ID}.json").read_text(encoding="utf-8"))
    # Ingesting the notice again alone (make data) keeps the table it was given.
    again = ok(run_policy("ingest", str(NOTICE), "--out", str(out)))
    assert "note:" not in again.stderr
    assert json.loads((out / f"{NOTICE_ID}.json").read_text(encoding="utf-8")) == attached
    # show names the attached file, its sheet and row.
    ok(run_policy("load", str(out), db=db))
    row = next(m for m in attached["measures"] if m["text"].startswith("建立知识产权快速维权通道"))
    shown = ok(run_policy("show", row["id"], db=db, env={"POLICY_TODAY": "2024-05-01"})).stdout
    assert "附件“renwu_fengong.xlsx”工作表“续表”第4" in shown


def test_attach_to_errors_are_one_line_and_write_nothing(tmp_path):
    out = tmp_path / "out"
    unknown = run_policy("ingest", str(NOTICE), str(TABLE), "--attach-to", "no-such-doc", "--out", str(out))
    assert unknown.returncode == 2 and len(unknown.stderr.strip().splitlines()) == 1
    assert "--attach-to no-such-doc: no document with that id" in unknown.stderr
    assert not out.exists()
    # The notice is in --out but its file is nowhere to be found: say how to pass it.
    moved = tmp_path / "moved"
    moved.mkdir()
    notice = moved / NOTICE.name
    shutil.copyfile(NOTICE, notice)
    ok(run_policy("ingest", str(notice), "--out", str(out)))
    notice.unlink()
    before = (out / f"{NOTICE_ID}.json").read_bytes()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    table = elsewhere / TABLE.name
    shutil.copyfile(TABLE, table)
    lost = run_policy("ingest", str(table), "--attach-to", NOTICE_ID, "--out", str(out), cwd=elsewhere)
    assert lost.returncode == 2 and len(lost.stderr.strip().splitlines()) == 1
    assert "its source renwu_notice.txt is not next to the attached file" in lost.stderr
    assert f"policy ingest renwu_notice.txt renwu_fengong.xlsx --attach-to {NOTICE_ID}" in lost.stderr
    assert (out / f"{NOTICE_ID}.json").read_bytes() == before
    both = run_policy("ingest", str(NOTICE), "--id", "x", "--attach-to", NOTICE_ID, "--out", str(out))
    assert both.returncode == 2 and "do not go together" in both.stderr
    twice = run_policy(
        "ingest", str(NOTICE), str(TABLE), str(TABLE), "--attach-to", NOTICE_ID, "--out", str(out)
    )
    assert (
        twice.returncode == 2
        and "given twice" in twice.stderr
        and len(twice.stderr.strip().splitlines()) == 1
    )
    # An id is a plain name: "../planted" would read and overwrite a file outside --out.
    planted = tmp_path / "planted.json"
    planted.write_text("{}", encoding="utf-8")
    escape = run_policy("ingest", str(NOTICE), str(TABLE), "--attach-to", "../planted", "--out", str(out))
    assert escape.returncode == 2 and "plain name" in escape.stderr
    assert planted.read_text(encoding="utf-8") == "{}"
    assert (out / f"{NOTICE_ID}.json").read_bytes() == before


def test_a_dropped_attachment_is_said(tmp_path):
    out = tmp_path / "out"
    here = tmp_path / "here"
    here.mkdir()
    for path in (NOTICE, TABLE):
        shutil.copyfile(path, here / path.name)
    ok(
        run_policy(
            "ingest",
            str(here / NOTICE.name),
            str(here / TABLE.name),
            "--attach-to",
            NOTICE_ID,
            "--out",
            str(out),
        )
    )
    (here / TABLE.name).unlink()
    again = ok(run_policy("ingest", str(here / NOTICE.name), "--out", str(out), cwd=here))
    assert (
        "note: cfb-2024-7: renwu_fengong.xlsx was attached to it and is not found beside it" in again.stderr
    )
    document = json.loads((out / f"{NOTICE_ID}.json").read_text(encoding="utf-8"))
    assert "attachments_files" not in document["source"]


def test_attach_to_a_document_ingested_under_its_own_id(tmp_path):
    out = tmp_path / "out"
    ok(run_policy("ingest", str(NOTICE), "--id", "yhyshj", "--out", str(out)))
    ok(run_policy("ingest", str(NOTICE), str(TABLE), "--attach-to", "yhyshj", "--out", str(out)))
    assert sorted(p.name for p in out.iterdir()) == ["yhyshj.json"]
    document = json.loads((out / "yhyshj.json").read_text(encoding="utf-8"))
    assert document["source"]["attachments_files"][0]["file"] == TABLE.name
    assert sum(1 for m in document["measures"] if m["units"]) == len(EXPECTED_ROWS)
    alone = run_policy("ingest", str(NOTICE), "--attach-to", "yhyshj", "--out", str(out))
    assert alone.returncode == 2 and "nothing to attach; pass the 分工表 file too" in alone.stderr


def test_an_attached_word_file_keeps_its_paragraphs_beside_a_hard_wrapped_text():
    # A PDF-extracted .txt joins its wrapped lines; the Word file's paragraphs must not be joined with them.
    from policycli.ingest.attach import combine
    from policycli.ingest.layout import paragraphs
    from policycli.ingest.readers import read_blocks

    word = read_blocks(FORMATS / "docx_fengong_table.docx")
    combined = combine(
        read_blocks(FORMATS.parent.parent / "data" / "sources" / "003_176c92806e5df7f3.txt"), [word]
    )
    texts = [p.text for p in paragraphs(combined.lines, whole=combined.whole_paragraphs)[0]]
    assert all(line.text in texts for line in word.lines)
