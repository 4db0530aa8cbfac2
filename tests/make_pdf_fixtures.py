"""Write the PDF fixtures in tests/formats/
(run from the checkout: .venv/bin/python tests/make_pdf_fixtures.py).

* pdf_hfg_2020_24.pdf — the bundled seed data/sources/001_ba29fc60ce853ee2.txt (沪府规〔2020〕24号, with its
  80-row 责任分工表) typeset the way Word prints a 公文: A4, 28 mm / 26 mm margins, 16 pt text 28
  characters wide, every paragraph wrapped at the text width with a two-character first-line indent,
  headings on lines of their own, titles centred, dates set right; a running header line and a page
  number "— N —" (right on odd pages, left on even ones) on every page. The 分工表 is a ruled table
  (reportlab `Table`, GRID, header row repeated on every page, rows allowed to break across a page as
  Word allows: the rest of a row goes on under the repeated header with its 序号 cell empty). Its
  cells are those of the .txt, shifted cells and all: the PDF must give the measures the .txt gives.
  The .txt's own repeated header rows (page breaks of the PDF it was copied from) are left out; the
  table's header repeats where this PDF's pages break.
* pdf_scanned.pdf — a "scan": one page holding a raster image and no text layer (refused).
* pdf_password.pdf — a short text PDF that opens only with a password (refused).

What the seed's paragraphs are comes from the project's own reading of the .txt (read_blocks +
paragraphs), so the PDF holds exactly the paragraphs and table rows the .txt gives the parser.
Lines are broken between CJK characters, between CJK and Latin, or after a space (kept at the end of
the line, as Word prints it); never inside a run of Latin letters or digits, never before closing
punctuation nor after opening punctuation (避头尾).
The files are committed; CI does not run this script. invariant=1: running it again writes the same bytes.
"""

from __future__ import annotations

import re
import sys
import unicodedata
import zlib
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, Table, TableStyle

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policycli.ingest.layout import paragraphs  # noqa: E402
from policycli.ingest.readers import read_blocks  # noqa: E402

FORMATS = Path(__file__).resolve().parent / "formats"
SEED = ROOT / "data" / "sources" / "001_ba29fc60ce853ee2.txt"
FONT = "STSong-Light"
RUNNING_HEADER = "上海市人民政府规范性文件"

PAGE_W, PAGE_H = A4
LEFT = 28 * mm
BODY = 16.0  # 三号
TEXT_W = 28 * BODY  # 28 characters a line
RIGHT = LEFT + TEXT_W
TOP = PAGE_H - 37 * mm  # baseline of the first line sits below this
BOTTOM = 35 * mm
PITCH = 28.9  # 22 lines a page

_NO_LINE_START = set("，。、；：？！）》」』”’,.;:?!)]%…—·")
_NO_LINE_END = set("（《「『“‘([")
_DATE = re.compile(r"^[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日$")
_DOC_NUMBER = re.compile(r"^\S{1,12}〔[0-9]{4}〕[0-9]+号$")
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|[0-9]+[.、．])")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def _may_break(text: str, k: int) -> bool:
    """May a line end before text[k]? After a space (which stays at the end of the line, as Word
    prints it), not before one, not inside a Latin word or number, not before closing punctuation
    nor after opening punctuation."""
    before, after = text[k - 1], text[k]
    if after.isspace():
        return False
    if before.isspace():
        return True
    if not _wide(before) and not _wide(after):
        return False
    return after not in _NO_LINE_START and before not in _NO_LINE_END


def wrap(text: str, size: float, first: float, rest: float) -> list[str]:
    """Break text into lines no wider than `first` (the first line) and `rest` points."""
    lines: list[str] = []
    start, used, limit, last_break = 0, 0.0, first, None
    k = 0
    while k < len(text):
        if k > start and _may_break(text, k):
            last_break = k
        w = width(text[k], size)
        if used + w > limit + 0.01 and k > start:
            cut = last_break if last_break and last_break > start else k
            lines.append(text[start:cut])
            start, used, limit, last_break = cut, 0.0, rest, None
            k = cut
            continue
        used += w
        k += 1
    lines.append(text[start:])
    return lines


class Writer:
    """Pages of a Word-like 公文: body text drawn line by line, a header and a page number on each page."""

    def __init__(self, path: Path) -> None:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        self.c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
        self.c.setTitle("fixture")
        self.page = 1
        self.y = TOP
        self._decorate()

    def _decorate(self) -> None:
        c = self.c
        c.setFont(FONT, 10.5)
        c.drawCentredString(PAGE_W / 2, PAGE_H - 20 * mm, RUNNING_HEADER)
        c.setLineWidth(0.5)
        c.line(LEFT, PAGE_H - 22 * mm, RIGHT, PAGE_H - 22 * mm)
        number = f"— {self.page} —"
        c.setFont(FONT, 14)
        if self.page % 2:
            c.drawRightString(RIGHT - 14, 22 * mm, number)
        else:
            c.drawString(LEFT + 14, 22 * mm, number)

    def new_page(self) -> None:
        self.c.showPage()
        self.page += 1
        self.y = TOP
        self._decorate()

    def line(self, text: str, size: float, x: float, pitch: float, color=colors.black) -> None:
        if self.y - pitch < BOTTOM:
            self.new_page()
        self.y -= pitch
        self.c.setFillColor(color)
        self.c.setFont(FONT, size)
        self.c.drawString(x, self.y, text)
        self.c.setFillColor(colors.black)

    def paragraph(self, text: str, size: float = BODY, indent: float = 2, pitch: float = PITCH) -> None:
        first = indent * size
        for k, line in enumerate(wrap(text, size, TEXT_W - first, TEXT_W)):
            self.line(line, size, LEFT + (first if k == 0 else 0), pitch)

    def centred(self, text: str, size: float, pitch: float, color=colors.black) -> None:
        for line in wrap(text, size, TEXT_W, TEXT_W):
            self.line(line, size, LEFT + (TEXT_W - width(line, size)) / 2, pitch, color)

    def right(self, text: str, size: float = BODY, inset: float = 4) -> None:
        self.line(text, size, RIGHT - inset * size - width(text, size), PITCH)

    def space(self, points: float) -> None:
        self.y -= points

    def table(self, rows: list[list[str]], col_widths: list[float]) -> None:
        """A ruled table: header row repeated on every page, a row allowed to break across pages."""
        style = ParagraphStyle("cell", fontName=FONT, fontSize=10.5, leading=14, wordWrap="CJK")
        data = []
        for row in rows:
            cells = []
            for text, w in zip(row, col_widths, strict=True):
                lines = wrap(text, 10.5, w - 12.5, w - 12.5) if text else [""]
                # a line a Paragraph: a row broken across pages is split between lines, not reflowed
                cells.append([Paragraph(_escape(line), style) for line in lines])
            data.append(cells)
        part: Table | None = Table(data, colWidths=col_widths, repeatRows=1, splitByRow=0, splitInRow=1)
        part.setStyle(
            TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")])
        )
        while part is not None:
            available = self.y - BOTTOM
            _, height = part.wrapOn(self.c, TEXT_W, available)
            if height <= available:
                here, part = part, None
            else:
                pieces = part.split(TEXT_W, available)
                if not pieces:
                    self.new_page()
                    continue
                here, part = pieces[0], pieces[1] if len(pieces) > 1 else None
                here.wrapOn(self.c, TEXT_W, available)
            top = self.y
            here.drawOn(self.c, LEFT, top - here._height)
            # reportlab leaves a row broken across pages open at the break; Word rules it on both sides.
            self.c.setLineWidth(0.5)
            self.c.rect(LEFT, top - here._height, sum(col_widths), here._height)
            header = here._rowHeights[0]
            self.c.line(LEFT, top - header, LEFT + sum(col_widths), top - header)
            self.y = top - here._height
            if part is not None:
                self.new_page()

    def save(self) -> None:
        self.c.showPage()
        self.c.save()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _is_title(text: str) -> bool:
    return len(text) <= 45 and not re.search(r"[，。,；：:（）()]", text) and not _HEADING.match(text)


def seed_paragraphs(path: Path = SEED) -> list[str]:
    """The paragraphs (and tab-separated table rows) the project's reader makes of a text file."""
    blocks = read_blocks(path)
    return [p.text for p in paragraphs(blocks.lines, whole=blocks.whole_paragraphs)[0]]


def typeset(paras: list[str], out: Path) -> int:
    """Typeset paragraphs (tab-separated rows as ruled tables) as a 公文; return the page count."""
    doc = Writer(out)
    k = 0
    while k < len(paras):
        text = paras[k]
        if "\t" in text:
            rows = []
            while k < len(paras) and "\t" in paras[k]:
                rows.append(paras[k].split("\t"))
                k += 1
            header = rows[0]
            body = [
                r
                for r in rows[1:]
                if [c.strip() for c in r if c.strip()] != [c.strip() for c in header if c.strip()]
            ]
            columns = max(max((j + 1 for j, c in enumerate(r) if c), default=0) for r in rows)
            cells = [(r + [""] * columns)[:columns] for r in [header, *body]]
            doc.space(8)
            doc.table(cells, [62, 64, 40, 150, 82, 50][:columns])
            doc.space(8)
            continue
        if k == 0:
            doc.space(20)
            doc.centred(text, 26, 40, colors.red)
            doc.space(10)
        elif _DOC_NUMBER.match(text):
            doc.centred(text, BODY, PITCH)
            doc.c.setStrokeColor(colors.red)
            doc.c.line(LEFT, doc.y - 12, RIGHT, doc.y - 12)
            doc.c.setStrokeColor(colors.black)
            doc.space(24)
        elif _DATE.match(text):
            doc.right(text)
        elif text == "附件":
            doc.new_page()
            doc.paragraph(text, indent=0)
        elif text.startswith("抄送") or text.endswith("印发") or text.endswith("办公厅"):
            doc.paragraph(text, size=14, indent=1, pitch=24)
        elif text.endswith("：") and text.startswith("各"):
            doc.space(8)
            doc.paragraph(text, indent=0)
        elif _is_title(text) and not text.endswith("号"):
            doc.space(12)
            doc.centred(text, 22, 34)
            doc.space(12)
        else:
            doc.paragraph(text)
        k += 1
    doc.save()
    return doc.page


def scanned(out: Path) -> None:
    """One A4 page holding a grey raster image (lines of "text" as a scanner sees them), no text layer."""
    from reportlab.lib.utils import ImageReader

    w, h = 300, 424
    rows = bytearray()
    for y in range(h):
        rows.append(0)  # PNG filter byte
        inked = 40 <= y < 400 and (y // 6) % 3 == 0
        for x in range(w):
            rows.append(60 if inked and 30 <= x < 270 and (x * 7 + y) % 11 else 235)
    png = _png(w, h, bytes(rows))
    c = canvas.Canvas(str(out), pagesize=A4, invariant=1)
    import io

    c.drawImage(ImageReader(io.BytesIO(png)), 0, 0, PAGE_W, PAGE_H)
    c.showPage()
    c.save()


def _png(w: int, h: int, raw: bytes) -> bytes:
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def password(out: Path) -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    c = canvas.Canvas(str(out), pagesize=A4, invariant=1, encrypt=StandardEncryption("secret", canPrint=1))
    c.setFont(FONT, BODY)
    c.drawString(LEFT, TOP, "关于加强管理的通知")
    c.showPage()
    c.save()


def main() -> None:
    FORMATS.mkdir(exist_ok=True)
    typeset(seed_paragraphs(), FORMATS / "pdf_hfg_2020_24.pdf")
    scanned(FORMATS / "pdf_scanned.pdf")
    password(FORMATS / "pdf_password.pdf")
    for name in ("pdf_hfg_2020_24.pdf", "pdf_scanned.pdf", "pdf_password.pdf"):
        print(f"{name}: {(FORMATS / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
