"""The PDF reader (policycli/ingest/readers/pdf.py): the same document as .txt and as a typeset PDF gives
the same measures; scans, password-protected, damaged and hostile PDFs are refused in one line."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from clitools import run_policy
from conftest import SOURCES

from policycli.errors import BadInput
from policycli.ingest import ingest_path
from policycli.ingest.readers import pdf as pdf_reader
from policycli.ingest.readers import read_blocks

FORMATS = Path(__file__).resolve().parent / "formats"
TYPESET = FORMATS / "pdf_hfg_2020_24.pdf"  # data/sources/001 typeset by tests/make_pdf_fixtures.py
SCANNED = FORMATS / "pdf_scanned.pdf"
PASSWORD = FORMATS / "pdf_password.pdf"
RUNNING_HEADER = "上海市人民政府规范性文件"


@cache
def from_txt() -> dict:
    (path,) = SOURCES.glob("001_*.txt")
    return ingest_path(path)


@cache
def from_pdf() -> dict:
    return ingest_path(TYPESET)


@cache
def typeset_blocks():
    return read_blocks(TYPESET)


def without_lines(value):
    """The value with every line number taken out (they count different things in a .txt and a PDF)."""
    if isinstance(value, dict):
        return {k: without_lines(v) for k, v in value.items() if k != "lines"}
    if isinstance(value, list):
        return [without_lines(v) for v in value]
    if isinstance(value, str):
        return re.sub(r"^(?:page [0-9]+ )?line [0-9]+:", "line N:", value)
    return value


# --- the same document as .txt and as PDF -------------------------------------------------------


def test_fixtures_are_small():
    for path in (TYPESET, SCANNED, PASSWORD):
        assert path.stat().st_size < 300_000, path


def test_typeset_pdf_gives_the_measures_of_the_txt_it_came_from():
    txt, pdf = from_txt(), from_pdf()
    assert [m["id"] for m in pdf["measures"]] == [m["id"] for m in txt["measures"]]
    assert len(pdf["measures"]) == 114
    for a, b in zip(txt["measures"], pdf["measures"], strict=True):
        for key in (
            "id",
            "number",
            "text",
            "kind",
            "title",
            "parent",
            "units_raw",
            "due",
            "deadline_raw",
            "flags",
        ):
            assert a[key] == b[key], (a["id"], key)
        assert [(u["printed"], u["name"], u["role"]) for u in a["units"]] == [
            (u["printed"], u["name"], u["role"]) for u in b["units"]
        ], a["id"]
        assert without_lines(a) == without_lines(b), a["id"]  # and everything else but line numbers


def test_typeset_pdf_gives_the_document_facts_of_the_txt():
    txt, pdf = from_txt(), from_pdf()
    for key in (
        "id",
        "title",
        "notice_title",
        "doc_number",
        "issuer",
        "level",
        "issued_on",
        "effective_from",
        "effective_until",
    ):
        assert txt[key] == pdf[key], key
    assert pdf["doc_number"] == "沪府规〔2020〕24号" and pdf["effective_from"] == "2020-11-06"
    assert without_lines(txt["validity"]) == without_lines(pdf["validity"])
    assert without_lines({k: v for k, v in txt.items() if k != "source"}) == without_lines(
        {k: v for k, v in pdf.items() if k != "source"}
    )


def test_table_rows_are_the_measures_of_the_txt_table():
    rows = [m for m in from_pdf()["measures"] if m["kind"] == "task"]
    assert len(rows) == 80
    assert sum(1 for m in rows if m["units"]) == 79


def test_running_header_and_page_numbers_are_in_no_measure():
    document = from_pdf()
    for measure in document["measures"]:
        assert RUNNING_HEADER not in measure["text"]
        assert not re.search(r"—\s*[0-9]+\s*—", measure["text"])
    assert RUNNING_HEADER not in document["text"]
    blocks = typeset_blocks()
    assert not any(
        RUNNING_HEADER in line.text or re.fullmatch(r"—\s*[0-9]+\s*—", line.text) for line in blocks.lines
    )


def test_pdf_provenance_is_page_and_line():
    blocks = typeset_blocks()
    assert (blocks.format, blocks.encoding, blocks.unit, blocks.whole_paragraphs) == (
        "pdf",
        "pdf",
        "page-line",
        True,
    )
    pages = blocks.segments
    assert [s["name"] for s in pages] == [str(n) for n in range(1, len(pages) + 1)]
    assert pages[0]["first_line"] == 1
    assert all(a["first_line"] <= b["first_line"] for a, b in zip(pages, pages[1:], strict=False))
    assert blocks.source_lines >= pages[-1]["first_line"]
    numbers = [line.number for line in blocks.lines]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert blocks.lines[0].text == "上海市人民政府文件" and blocks.lines[0].number == 1


def test_fixture_exercises_page_breaks_inside_paragraphs_and_table_rows():
    """The typeset fixture must keep the hard cases: a paragraph and a table row going on over a page."""
    import pdfplumber

    continued_paragraphs = continued_rows = repeated_headers = 0
    with pdfplumber.open(TYPESET) as document:
        for page in document.pages[1:]:
            tables = page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"})
            below_header = sorted((c for c in page.chars if c["top"] > 80), key=lambda c: c["top"])
            words = [c for c in below_header if not tables or c["bottom"] < tables[0].bbox[1]]
            if (
                words
                and min(c["x0"] for c in words if abs(c["top"] - words[0]["top"]) < 2) < 28 * 72 / 25.4 + 1
            ):
                continued_paragraphs += (
                    1  # the page opens with a line at the left margin: a paragraph goes on
                )
            if tables:
                rows = tables[0].extract()
                repeated_headers += rows[0][:3] == ["试点任务", "任务细化", "序号"]
                continued_rows += len(rows) > 1 and not any((c or "").strip().isdigit() for c in rows[1])
    assert continued_paragraphs >= 3
    assert repeated_headers >= 10
    assert continued_rows >= 3


def test_show_prints_page_and_line(tmp_path):
    out, db = tmp_path / "out", tmp_path / "policy.db"
    result = run_policy("ingest", str(TYPESET), "--out", str(out))
    assert result.returncode == 0, result.stderr
    document = json.loads((out / "hfg-2020-24.json").read_text(encoding="utf-8"))
    assert document["source"]["format"] == "pdf" and document["source"]["unit"] == "page-line"
    assert run_policy("load", str(out), db=db).returncode == 0
    shown = run_policy("show", "hfg-2020-24/2.2.4.15", db=db)
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"pdf_hfg_2020_24\.pdf 第1[0-9]页第[0-9]+", shown.stdout), shown.stdout
    body = run_policy("show", "hfg-2020-24/2.1.1", db=db)
    assert re.search(r"第[0-9]页第[0-9]+", body.stdout), body.stdout


# --- refused, one line, exit 2, nothing written -------------------------------------------------


def refused(tmp_path: Path, path: Path) -> str:
    out = tmp_path / "out"
    result = run_policy("ingest", str(path), "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    return result.stderr


def test_scan_is_refused(tmp_path):
    message = refused(tmp_path, SCANNED)
    assert "pdf_scanned.pdf: a scanned PDF (images, no text layer); OCR is not done" in message


def test_password_protected_is_refused(tmp_path):
    assert "password-protected" in refused(tmp_path, PASSWORD)


def test_damaged_pdfs_are_refused(tmp_path):
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(TYPESET.read_bytes()[:4000])
    assert "not a readable PDF" in refused(tmp_path, truncated)
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    assert "not a readable PDF" in refused(tmp_path, garbage)
    named = tmp_path / "notes.pdf"
    named.write_text("关于加强管理的通知\n", encoding="utf-8")
    assert "not a PDF file" in refused(tmp_path, named)


def test_a_pdf_without_its_extension_is_read_as_pdf(tmp_path, monkeypatch):
    copy = tmp_path / "download.txt"
    copy.write_bytes(TYPESET.read_bytes())
    monkeypatch.setattr(pdf_reader, "MAX_PAGES", 1)  # the PDF reader's own refusal: it got the file
    with pytest.raises(BadInput, match="more than 1 pages"):
        read_blocks(copy)


def test_limits(monkeypatch):
    monkeypatch.setattr(pdf_reader, "MAX_PAGES", 5)
    with pytest.raises(BadInput, match="more than 5 pages"):
        read_blocks(TYPESET)
    monkeypatch.undo()
    monkeypatch.setattr(pdf_reader, "MAX_SECONDS", 0)
    with pytest.raises(BadInput, match="reading took over"):
        read_blocks(TYPESET)
    monkeypatch.undo()
    monkeypatch.setattr(pdf_reader, "MAX_BYTES", 10_000)
    with pytest.raises(BadInput, match="bytes is over the"):
        read_blocks(TYPESET)


def hand_made_pdf(objects: dict[int, str], page_resources: str, contents: str) -> bytes:
    """A one-page PDF: catalog 1, pages 2, page 3 (its /Resources given), contents 4, then `objects`
    (5, 6, …)."""
    bodies = {
        1: "<< /Type /Catalog /Pages 2 0 R >>",
        2: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: (
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Contents 4 0 R /Resources {page_resources} >>"
        ),
        4: f"<< /Length {len(contents)} >>\nstream\n{contents}\nendstream",
        **objects,
    }
    out, offsets = "%PDF-1.4\n", {}
    for k in sorted(bodies):
        offsets[k] = len(out.encode())
        out += f"{k} 0 obj\n{bodies[k]}\nendobj\n"
    size = max(bodies) + 1
    xref = len(out.encode())
    out += f"xref\n0 {size}\n0000000000 65535 f \n" + "".join(
        f"{offsets[k]:010d} 00000 n \n" for k in range(1, size)
    )
    return (out + f"trailer << /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").encode()


def nested_forms(levels: int) -> bytes:
    """Form k draws form k-1 ten times; form 0 prints two letters: 2·10^(levels-1) characters on one page."""
    font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    objects = {5: font}
    for k in range(levels):
        inner = "<< /Font << /F1 5 0 R >> >>" if k == 0 else f"<< /XObject << /X {5 + k} 0 R >> >>"
        data = "BT /F1 12 Tf 100 100 Td (AB) Tj ET" if k == 0 else " ".join(["/X Do"] * 10)
        objects[6 + k] = (
            f"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources {inner} /Length {len(data)} >>"
            f"\nstream\n{data}\nendstream"
        )
    return hand_made_pdf(objects, f"<< /XObject << /X {5 + levels} 0 R >> >>", "/X Do")


def test_a_page_that_draws_too_much_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_reader, "MAX_OBJECTS_PER_PAGE", 2_000)
    path = tmp_path / "forms.pdf"
    path.write_bytes(nested_forms(3))  # 200 characters, all in one place: read, and the copies taken as one
    assert [line.text for line in read_blocks(path).lines] == ["AB"]
    path.write_bytes(nested_forms(5))  # 20,000: not read, and nothing else has text
    with pytest.raises(
        BadInput, match="page 1 draws over 2,000 objects .a drawing.., and no other page has text"
    ):
        read_blocks(path)


def test_compression_bomb_is_refused_before_parsing(tmp_path, monkeypatch):
    import zlib

    monkeypatch.setattr(pdf_reader, "MAX_STREAM_BYTES", 4 * 1024 * 1024)
    bomb = zlib.compress(b"0 0 m " * (1024 * 1024), 9)  # 6 MiB of content from ~10 KB
    body = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >> endobj\n"
        b"4 0 obj << /Length "
        + str(len(bomb)).encode()
        + b" /Filter /FlateDecode >>\nstream\n"
        + bomb
        + b"\nendstream\nendobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )
    path = tmp_path / "bomb.pdf"
    path.write_bytes(body)
    with pytest.raises(BadInput, match="compression bomb"):
        read_blocks(path)


# --- layout rules, on small PDFs written here -----------------------------------------------------

reportlab = pytest.importorskip("reportlab")
PAGE_H = 842.0


def write_pdf(path: Path, pages: list[list[tuple[float, float, str, float]]], image_pages=()) -> Path:
    """Pages of (x, baseline from the top, text, size) drawn in STSong-Light; image_pages get only a
    picture."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=(595.0, PAGE_H), invariant=1)
    for number, items in enumerate(pages):
        if number in image_pages:
            c.rect(50, 50, 400, 600, fill=1)  # vector art, no text; drawImage would need Pillow
            c.drawInlineImage(_tiny_image(), 60, 60, 100, 100)
        for x, y, text, size in items:
            c.setFont("STSong-Light", size)
            c.drawString(x, PAGE_H - y, text)
        c.showPage()
    c.save()
    return path


def _tiny_image():
    from PIL import Image

    return Image.new("L", (8, 8), 128)


MARGIN = "以上工作由各单位按照职责分工抓好落实并确保取得实效。"  # 26 characters: indented, a full line


def body_page(
    lines: list[str],
    first: float = 120,
    left: float = 80,
    indent=frozenset(),
    size: float = 16,
    header: str | None = "某某区人民政府规范性文件",
    footer: str | None = None,
    margin: bool = True,
) -> list:
    """A page of 16 pt lines 28 characters wide (x 80 to 528), 29 pt apart; an indented full line at the
    foot of the page marks the right margin."""
    items = []
    if header:
        items.append((250, 60, header, 10.5))
    for k, text in enumerate(lines):
        items.append((left + (2 * size if k in indent else 0), first + k * 29, text, size))
    if margin:
        items.append((left + 2 * size, 700, MARGIN, size))
    if footer:
        items.append((280, 800, footer, 14))
    return items


def paragraphs_of(path: Path) -> list[str]:
    return [line.text for line in read_blocks(path).lines if line.text != MARGIN]


FULL = 28  # characters on a full 16 pt line from x=80: the right margin is at 80 + 28 * 16 = 528
A = "一二三四五六七八九十" * 3
assert len(MARGIN) == FULL - 2


def test_paragraph_goes_on_over_a_page_and_page_numbers_go(tmp_path):
    first = ["为加强管理，" + A[: FULL - 8], A[:FULL], A[:FULL]]  # the last line of page 1 is full
    second = ["接上页的文字。", "一、总体要求", "新的段落从这里开始，" + A[:16], "结束。"]
    path = write_pdf(
        tmp_path / "p.pdf",
        [
            body_page(first, indent={0}, footer="— 1 —", margin=False),
            body_page(second, indent={1, 2}, footer="-2-", margin=False),
            body_page(["第三页的段落。"], indent={0}, footer="第3页", margin=False),
            body_page(["最后一页。"], indent={0}, footer="4/4", margin=False),
        ],
    )
    assert paragraphs_of(path) == [
        "为加强管理，" + A[: FULL - 8] + A[:FULL] + A[:FULL] + "接上页的文字。",
        "一、总体要求",
        "新的段落从这里开始，" + A[:16] + "结束。",
        "第三页的段落。",
        "最后一页。",
    ]
    blocks = read_blocks(path)
    assert [s["first_line"] for s in blocks.segments] == [1, 4, 8, 9]
    assert blocks.source_lines == 9
    assert [line.number for line in blocks.lines] == [1, 5, 6, 8, 9]  # 一、总体要求 is 第2页第2行


def test_an_indented_line_after_a_full_line_starts_a_paragraph(tmp_path):
    path = write_pdf(
        tmp_path / "p.pdf",
        [body_page([A[: FULL - 2], A[:FULL], A[: FULL - 2], A[:4]], indent={0, 2}, header=None)],
    )
    assert paragraphs_of(path) == [A[: FULL - 2] + A[:FULL], A[: FULL - 2] + A[:4]]


def test_a_line_ended_short_ends_its_paragraph_even_unindented(tmp_path):
    path = write_pdf(tmp_path / "p.pdf", [body_page(["各区人民政府：", "现将方案印发给你们。"], header=None)])
    assert paragraphs_of(path) == ["各区人民政府：", "现将方案印发给你们。"]


def test_a_line_that_could_not_take_the_next_word_was_full(tmp_path):
    # 27 characters: one character's room, and the next line opens with a 4-digit number
    path = write_pdf(tmp_path / "p.pdf", [body_page([A[:26] + "于", "2020年完成。"], header=None)])
    assert paragraphs_of(path) == [A[:26] + "于2020年完成。"]
    # 26 characters, and the next line opens with one that would have fitted: the line was ended
    path = write_pdf(tmp_path / "q.pdf", [body_page([A[:26], "完成。"], header=None)])
    assert paragraphs_of(path) == [A[:26], "完成。"]


@pytest.mark.parametrize("printed_space", [True, False])
def test_latin_words_wrapped_at_a_space(tmp_path, printed_space):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.pdfmetrics import stringWidth

    # registered here too: measured before write_pdf registers it (a worker may run this test first)
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    words = "The library itself should be portable to any C89 system, not even POSIX is required.".split()
    k = max(n for n in range(1, len(words)) if stringWidth(" ".join(words[:n]), "STSong-Light", 16) <= 448)
    first, rest = " ".join(words[:k]), " ".join(words[k:])
    path = write_pdf(
        tmp_path / "p.pdf", [body_page([first + (" " if printed_space else ""), rest], header=None)]
    )
    assert paragraphs_of(path) == [" ".join(words)]


def test_centred_title_over_two_lines_is_one_paragraph(tmp_path):
    line1, line2 = "上海市人民政府关于印发《上海市全面深化", "服务贸易实施方案》的通知"
    title = [
        (80 + (448 - 22 * len(line1)) / 2, 120, line1, 22),
        (80 + (448 - 22 * len(line2)) / 2, 152, line2, 22),
    ]
    body = [(112, 200, "各区人民政府：", 16), (112, 229, "现将方案印发给你们。", 16), (112, 258, MARGIN, 16)]
    path = write_pdf(tmp_path / "p.pdf", [title + body])
    assert paragraphs_of(path) == [line1 + line2, "各区人民政府：", "现将方案印发给你们。"]


def test_image_page_in_a_text_pdf_is_skipped_with_a_warning(tmp_path):
    pages = [
        body_page(["第一页。"], indent={0}, margin=False),
        [],
        body_page(["第三页。"], indent={0}, margin=False),
    ]
    blocks = read_blocks(write_pdf(tmp_path / "p.pdf", pages, image_pages={1}))
    assert [line.text for line in blocks.lines] == ["第一页。", "第三页。"]
    assert blocks.warnings == ["page 2: an image with no text layer (scanned?); its content is not read"]


def test_pdf_without_any_text_or_image_is_refused(tmp_path):
    path = write_pdf(tmp_path / "p.pdf", [[]])
    with pytest.raises(BadInput, match="no text in this PDF"):
        read_blocks(path)


def test_split_row_rules():
    header = ["序号", "具体举措", "责任单位"]
    chain = [header, ["1", "推进数据跨境流动，开展", "市委网信办、"]]
    assert pdf_reader._continues_row(chain, ["", "安全评估试点。", "市商务委"], 0)
    assert not pdf_reader._continues_row(chain, ["2", "另一项举措。", "市商务委"], 0)  # a numbered row
    assert not pdf_reader._continues_row(chain, ["", "", ""], 0)
    # an unnumbered row under a merged label is a row of its own, not the rest of row 1
    labelled = [["试点任务", "序号", "具体举措"], ["(一)全面探索", "1", "完善体系。"]]
    assert not pdf_reader._continues_row(labelled, ["5.推动自然人跨境执业", "", ""], 1)


def test_watermark_on_every_page_is_dropped(tmp_path):
    pages = [
        body_page([text], indent={0}, margin=False) + [(200, 400, "内部资料 注意保存", 30)]
        for text in ("第一页的段落。", "第二页的段落。", "第三页的段落。")
    ]
    assert paragraphs_of(write_pdf(tmp_path / "p.pdf", pages)) == [
        "第一页的段落。",
        "第二页的段落。",
        "第三页的段落。",
    ]


def test_rows_of_a_table_without_rules_are_lines_of_their_own(tmp_path):
    rows = [
        (80, 120, "序号", 16),
        (160, 120, "指标名称", 16),
        (420, 120, "属性", 16),
        (490, 120, "2025年", 16),
    ]
    for k, (name, kind, value) in enumerate(
        [
            ("服务业增加值占全市生产总值比重（%）", "预期性", "75"),
            ("数字贸易进出口额（亿美元）", "预期性", "400"),
        ],
        start=1,
    ):
        y = 120 + 29 * k
        rows += [(80, y, str(k), 16), (112, y, name, 16), (420, y, kind, 16), (500, y, value, 16)]
    assert paragraphs_of(write_pdf(tmp_path / "p.pdf", [rows])) == [
        "序号 指标名称 属性 2025年",
        "1 服务业增加值占全市生产总值比重（%） 预期性 75",
        "2 数字贸易进出口额（亿美元） 预期性 400",
    ]


# --- review cases: work bounded whatever the file says ---------------------------------------------------


def _bomb_pdf(path: Path, filter_entry: bytes, padding: bytes = b"") -> Path:
    import zlib

    bomb = zlib.compress(b" " * (80 * 1024 * 1024), 9)  # 80 MiB inflated, past the 64 MiB stream limit
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >> endobj\n"
        b"5 0 obj /FlateDecode endobj\n"
        b"4 0 obj << /Length "
        + str(len(bomb)).encode()
        + b" "
        + filter_entry
        + b" "
        + padding
        + b" >>\nstream\n"
        + bomb
        + b"\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    return path


@pytest.mark.parametrize("case", ["indirect filter", "padded dictionary"])
def test_a_compression_bomb_is_refused_however_its_filter_is_written(tmp_path, case):
    if case == "indirect filter":
        path = _bomb_pdf(tmp_path / "bomb.pdf", b"/Filter 5 0 R")
    else:
        path = _bomb_pdf(tmp_path / "bomb.pdf", b"/Filter /FlateDecode", b"/Pad (" + b"x" * 2000 + b")")
    result = run_policy("ingest", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "compression bomb" in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_a_dense_ruled_grid_is_read_as_lines_not_searched_for_cells(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "grid.pdf"
    page = canvas.Canvas(str(path), pagesize=(2000, 2000))
    page.setFont("Helvetica", 8)
    page.drawString(10, 1990, "hello world")
    for k in range(200):  # 200 × 200 rules: pdfplumber's cell finding took 37 s, a 400 grid never ended
        at = 10 + k * 9.5
        page.line(10, at, 1910, at)
        page.line(at, 10, at, 1910)
    page.save()
    blocks = pdf_reader.read(path)
    assert any("tables on it are not looked for" in w for w in blocks.warnings)
    assert any("hello world" in line.text for line in blocks.lines)


def test_page_numbers_alone_are_no_text(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "numbers.pdf"
    page = canvas.Canvas(str(path))
    for k in range(1, 6):
        page.setFont("Helvetica", 10)
        page.drawString(280, 30, f"- {k} -")
        page.showPage()
    page.save()
    with pytest.raises(BadInput, match="no text"):
        pdf_reader.read(path)
