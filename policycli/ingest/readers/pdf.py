"""PDF files (pdfplumber, on pdfminer.six) → Blocks: paragraphs rebuilt from the page geometry, ruled
tables as rows.

What is read
    The text layer, page by page, top to bottom. Characters are joined as printed (full-width
    punctuation kept, no space between CJK characters; a space only where the gap between two
    non-CJK characters shows one). Running headers and footers (the same text, digits aside, at the
    top or bottom of at least two pages and 40% of them) and page numbers ("— 3 —", "-3-", "第3页",
    "3/20") in the top or bottom band of a page are dropped.

Paragraphs, from the geometry
    A line continues the paragraph above it when it has the same size, follows at the usual line
    pitch (or opens the next page), is not indented, and the line above was full: the first
    unbreakable piece of the new line (a CJK character with the punctuation that may not start or end
    a line, a Latin word or a number) would not have fitted in the room left at the right margin.
    Chinese paragraphs open with a two-character indent and end short of the margin; headings
    (一、…) are lines of their own. Lines of title size centred on the same middle run on. Each
    paragraph becomes one RawLine (Blocks.whole_paragraphs), numbered by its first line.

Tables
    Ruled tables (pdfplumber find_tables over the page's ruling lines: its "lines" strategy, given the
    edges read here), two columns or more: each row is one line of
    tab-separated cells, a cell's lines joined as its paragraph's are; a merged cell's text is in its
    first row and column, the cells it covers are empty. Their characters are not read as paragraphs.
    A table that goes on at the top of the next page with the same columns is the same table: its
    repeated header row is dropped, and a row broken across the page (the first row of the part, no
    序号, no row number, every filled cell going on from a filled cell above) is joined to the row it
    continues. A 1-column box (a 专栏 frame) is read as text.

Line numbers (unit "page-line")
    The lines of a page are counted top to bottom, running headers, footers and page numbers not
    counted, a table's row by the lines its cells print; numbering runs on across pages without gaps
    (segments: each page's first number), so a paragraph's number says 第3页第5行. source_lines is the
    count of numbered lines.

Refused, one line each (BadInput, exit 2), nothing read
    a file over 50 MiB or 500 pages; a password-protected PDF; a file pdfminer cannot parse; a scan (pages
    with images and no text layer at all: OCR is not done); a PDF with no text at all; a PDF whose
    fonts do not map more than a tenth of its glyphs to Unicode (its text would be "(cid:123)"; fewer
    are shown as U+FFFD, with a warning). A page that is an image only in a PDF that otherwise has
    text is skipped with a warning.

Bounds on work, so that a hostile file cannot hang or exhaust memory
    * every Flate-compressed stream but images (content, fonts, object streams) is measured before
      parsing: more than 64 MiB decompressed is refused (a compression bomb);
    * at most 200,000 drawn objects (characters, lines, rectangles, curves, images, forms) a page,
      counted while the page is interpreted: the page is left unread with a warning (a drawing, or
      forms nested to multiply), and a file with no other text is refused;
    * at most 4,000 ruling edges (a rectangle is four) a page are searched for tables; beyond that
      the page's text is read without tables, with a warning;
    * 60 seconds for the whole file, checked while pages are interpreted: slower is refused.
"""

from __future__ import annotations

import io
import logging
import re
import time
import unicodedata
import zlib
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from policycli.errors import BadInput
from policycli.folding import fold
from policycli.ingest.layout import RawLine
from policycli.ingest.patterns import starts_heading
from policycli.ingest.readers import Blocks, read_bytes, sha256, stat_regular

MAX_BYTES = 50 * 1024 * 1024
MAX_PAGES = 500
MAX_STREAM_BYTES = 64 * 1024 * 1024
MAX_OBJECTS_PER_PAGE = 200_000
MAX_TABLE_EDGES = 4_000
MAX_TABLE_CROSSINGS = (
    5_000  # vertical × horizontal ruling lines on one page (a real 分工表 page: a few hundred)
)
MAX_SECONDS = 60.0

_TABLE_SETTINGS = {"snap_tolerance": 3, "join_tolerance": 3, "intersection_tolerance": 3}
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－~～]*\s*[0-9]{1,4}\s*[-—–－~～]*|第\s*[0-9]{1,4}\s*页(?:\s*[,，/]?\s*共\s*[0-9]{1,4}\s*页)?"
    r"|[0-9]{1,4}\s*/\s*[0-9]{1,4}|(?:page|p\.)\s*[0-9]{1,4}(?:\s*of\s*[0-9]{1,4})?)$",
    re.IGNORECASE,
)
_SPACES = " \u3000\xa0\t"
_TERMINAL = tuple("。！？；：!?;:")
_NO_LINE_START = set("，。、；：？！）》」』”’,.;:?!)]}%…—·〕】〉")
_NO_LINE_END = set("（《「『“‘([{〔【〈")
_SEQ_WORDS = {"序号", "编号", "号", "序"}
_BARE_NUMBER = re.compile(r"^[0-9]{1,3}$")

logging.getLogger("pdfminer").setLevel(
    logging.ERROR
)  # pdfminer warns on every odd object; the reader says what matters


@dataclass
class _Line:
    page: int
    top: float
    bottom: float
    chars: list[tuple[str, float, float]]  # (text, x0, x1) in reading order, spaces included
    size: float
    gaps: int = 0  # gaps wider than 1.5 characters inside the line: cells of a table without rules
    number: int = 0

    @property
    def text(self) -> str:
        return "".join(c[0] for c in self.chars).strip(_SPACES)

    @property
    def joinable(self) -> str:
        """The text, ending in one space where the line ended in a space (Latin words wrapped at a space)."""
        raw = "".join(c[0] for c in self.chars).lstrip(_SPACES)
        body = raw.rstrip(_SPACES)
        return body + " " if " " in raw[len(body) :] else body

    @property
    def x0(self) -> float:
        return next((c[1] for c in self.chars if c[0] not in _SPACES), self.chars[0][1])

    @property
    def x1(self) -> float:
        return next((c[2] for c in reversed(self.chars) if c[0] not in _SPACES), self.chars[-1][2])


@dataclass
class _Row:
    top: float
    bottom: float
    cells: list[str]
    lines: list[tuple[float, float]]  # (top, bottom) of every text line printed in the row
    number: int = 0


@dataclass
class _Table:
    page: int
    top: float
    bottom: float
    columns: list[float]  # the x of every column's left edge
    rows: list[_Row]


@dataclass
class _Page:
    number: int  # 1-based
    width: float
    height: float
    lines: list[_Line] = field(default_factory=list)
    tables: list[_Table] = field(default_factory=list)
    images: int = 0
    chars: int = 0
    busy: str = ""  # why the page was not read
    unnamed: int = 0  # characters whose font does not map them to Unicode


def read(path: Path) -> Blocks:
    size = stat_regular(path, MAX_BYTES, "PDF")
    data = read_bytes(path)
    if not data.startswith(b"%PDF"):
        raise BadInput(
            f"{path}: not a PDF file (it does not start with %PDF); "
            "save it as PDF again or ingest the Word file"
        )
    _refuse_bombs(path, data)
    pages, warnings = _read_pages(path, data)
    if not any(p.chars for p in pages):
        busy = next((p.busy for p in pages if p.busy), None)
        if busy:
            raise BadInput(f"{path}: {busy}, and no other page has text; refused as not a text document")
        if any(p.images for p in pages):
            raise BadInput(
                f"{path}: a scanned PDF (images, no text layer); "
                "OCR is not done — ingest a text PDF or the Word file"
            )
        raise BadInput(f"{path}: no text in this PDF; nothing to ingest")
    unnamed, printed = sum(p.unnamed for p in pages), sum(p.chars for p in pages)
    if unnamed > 0.1 * printed:
        raise BadInput(
            f"{path}: its fonts do not say which characters they draw ({unnamed:,} of {printed:,} have no "
            "Unicode mapping), so the text cannot be read; "
            "ingest the Word file or a PDF printed with Unicode fonts"
        )
    if unnamed:
        warnings.append(f"{unnamed} characters the PDF's fonts do not name are shown as \ufffd")
    for page in pages:
        if not page.chars and page.images:
            warnings.append(
                f"page {page.number}: an image with no text layer (scanned?); its content is not read"
            )
    _drop_running_lines(pages)
    segments, total = _number_lines(pages)
    lines = _assemble(pages)
    if not any(line.text.strip() for line in lines):
        raise BadInput(f"{path}: no text in this PDF but page numbers and running headers; nothing to ingest")
    return Blocks(
        path,
        lines,
        "pdf",
        "pdf",
        sha256(data),
        size,
        unit="page-line",
        segments=segments,
        warnings=warnings,
        source_lines=total,
        whole_paragraphs=True,
    )


# --- safety ------------------------------------------------------------------------------------


def _refuse_bombs(path: Path, data: bytes) -> None:
    """Measure every Flate stream (images aside) before pdfminer decompresses it all in one go."""
    # Every stream is tried, whatever its dictionary says: a filter can hide behind padding or an
    # indirect reference (/Filter 5 0 R). Data that is not zlib stops at the first error.
    for m in re.finditer(rb"stream\r?\n", data):
        if data[max(0, m.start() - 3) : m.start()] == b"end":
            continue
        end = data.find(b"endstream", m.end())
        chunk = data[m.end() : end if end >= 0 else len(data)]
        inflater = zlib.decompressobj()
        total = 0
        try:
            while chunk:
                total += len(inflater.decompress(chunk, 1 << 20))
                if total > MAX_STREAM_BYTES:
                    raise BadInput(
                        f"{path}: a compressed stream inflates past {MAX_STREAM_BYTES >> 20} MiB "
                        "(a compression bomb?); refused"
                    )
                chunk = inflater.unconsumed_tail
        except zlib.error:
            continue  # encrypted or damaged: pdfminer judges it


class _Busy(Exception):
    """The page draws more objects than a page of text ever does."""


class _Budget:
    """Objects drawn on the page being read, and the time the file has taken."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.deadline = time.monotonic() + MAX_SECONDS
        self.count = 0
        self.page = 0

    def tick(self) -> None:
        self.count += 1
        if self.count > MAX_OBJECTS_PER_PAGE:
            raise _Busy
        if not self.count & 1023:
            self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise BadInput(
                f"{self.path}: reading took over {MAX_SECONDS:.0f} s (at page {self.page}); refused"
            )


def _bounded_layout(page, budget: _Budget):
    """Interpret the page as pdfplumber does (its device, its page model), counting what it draws."""
    from pdfminer.pdfinterp import PDFPageInterpreter
    from pdfplumber.page import PDFPageAggregatorWithMarkedContent

    class Device(PDFPageAggregatorWithMarkedContent):
        def render_char(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            budget.tick()
            return super().render_char(*args, **kwargs)

        def render_image(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            budget.tick()
            return super().render_image(*args, **kwargs)

        def paint_path(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            budget.tick()
            return super().paint_path(*args, **kwargs)

        def begin_figure(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            budget.tick()
            return super().begin_figure(*args, **kwargs)

    device = Device(page.pdf.rsrcmgr, pageno=page.page_number, laparams=page.pdf.laparams)
    PDFPageInterpreter(page.pdf.rsrcmgr, device).process_page(page.page_obj)
    return device.get_result()


# --- reading pages -----------------------------------------------------------------------------


def _read_pages(path: Path, data: bytes) -> tuple[list[_Page], list[str]]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfpage import PDFPage

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many kinds on a damaged file
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
        if isinstance(cause, PDFPasswordIncorrect) or "password" in str(cause).lower():
            raise BadInput(
                f"{path}: the PDF is password-protected; "
                "open it, save a copy without a password, and ingest that"
            ) from None
        if "encrypt" in f"{type(cause).__name__} {cause}".lower():
            raise BadInput(
                f"{path}: the PDF is encrypted in a way that cannot be opened here ({_reason(cause)}); "
                "save a copy without protection and ingest that"
            ) from None
        raise BadInput(f"{path}: not a readable PDF ({_reason(cause)}); save it as PDF again") from None
    budget = _Budget(path)
    warnings: list[str] = []
    try:
        try:
            count = sum(1 for _ in zip(PDFPage.create_pages(pdf.doc), range(MAX_PAGES + 1), strict=False))
            if count > MAX_PAGES:
                raise BadInput(
                    f"{path}: more than {MAX_PAGES} pages; split it and ingest the part with the policy"
                )
            document_pages = pdf.pages
        except BadInput:
            raise
        except Exception as exc:
            raise BadInput(f"{path}: not a readable PDF ({_reason(exc)}); save it as PDF again") from None
        if not document_pages:
            raise BadInput(f"{path}: the PDF has no pages")
        pages: list[_Page] = []
        for page in document_pages:
            budget.page, budget.count = page.page_number, 0
            try:
                pages.append(_read_page(page, _bounded_layout(page, budget), warnings))
            except _Busy:
                busy = f"page {page.page_number} draws over {MAX_OBJECTS_PER_PAGE:,} objects (a drawing?)"
                warnings.append(f"{busy}; not read")
                pages.append(_Page(page.page_number, float(page.width), float(page.height), busy=busy))
            except BadInput:
                raise
            except Exception as exc:
                raise BadInput(f"{path}: page {page.page_number} cannot be read ({_reason(exc)})") from None
            finally:
                page.close()  # nothing of the page is kept but what _read_page took
            budget.check_time()
        return pages, warnings
    finally:
        try:
            pdf.close()
        except Exception:  # closing a damaged file may fail again; there is nothing left to read
            pass


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0][:80] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _read_page(page, layout, warnings: list[str]) -> _Page:
    out = _Page(page.page_number, float(page.width), float(page.height))
    chars, edges, out.images = _objects(page, layout)
    out.chars = sum(1 for c in chars if c["text"] not in _SPACES)
    out.unnamed = sum(1 for c in chars if c["text"] == "\ufffd")
    if not out.chars:
        return out
    tables = []
    # distinct rule positions, not segments: Word draws a cell's border as its own segment
    columns = {round(e["x0"]) for e in edges if e["orientation"] == "v"}
    rows = {round(e["top"]) for e in edges if e["orientation"] == "h"}
    crossings = len(columns) * len(rows)
    if len(edges) > MAX_TABLE_EDGES or crossings > MAX_TABLE_CROSSINGS:
        # pdfplumber's cell finding grows with the crossings of the lines (a 400×400 grid never ends)
        warnings.append(
            f"page {page.page_number}: {len(edges):,} ruling edges; "
            "tables on it are not looked for, its text is read as lines"
        )
    elif (
        sum(e["orientation"] == "v" for e in edges) >= 2 and sum(e["orientation"] == "h" for e in edges) >= 2
    ):
        # The "lines" strategy, given the page's ruling lines as read here (pdfplumber's own object
        # dictionaries for every character would cost a quarter of the reading time).
        settings = {
            **_TABLE_SETTINGS,
            "vertical_strategy": "explicit",
            "horizontal_strategy": "explicit",
            "explicit_vertical_lines": [e for e in edges if e["orientation"] == "v"],
            "explicit_horizontal_lines": [e for e in edges if e["orientation"] == "h"],
        }
        tables = [t for t in page.find_tables(settings) if _columns(t) >= 2]
    boxes = [t.bbox for t in tables]
    free = [c for c in chars if not any(_inside(c, b) for b in boxes)]
    out.lines = [_Line(page.page_number, *line) for line in _group_lines(free)]
    for table in tables:
        inside = [c for c in chars if _inside(c, table.bbox)]
        read = _read_table(table, inside, page.page_number)
        if read.rows:
            out.tables.append(read)
    return out


def _objects(page, layout) -> tuple[list[dict], list[dict], int]:
    """The page's upright characters inside the page, its ruling edges and its image count, in
    pdfplumber's coordinates (top-down, from the MediaBox)."""
    from pdfminer.layout import LTChar, LTContainer, LTCurve, LTImage, LTLine, LTRect

    height = float(page.height)
    mb_x0, mb_top = (float(v) for v in page.mediabox[:2])
    bx0, btop, bx1, bbottom = (float(v) for v in page.bbox)
    chars: list[dict] = []
    edges: list[dict] = []
    images = 0

    def edge(x0: float, top: float, x1: float, bottom: float, orientation: str) -> None:
        length = (bottom - top) if orientation == "v" else (x1 - x0)
        if length >= 1:
            edges.append(
                {
                    "object_type": "rule_edge",
                    "x0": x0,
                    "x1": x1,
                    "top": top,
                    "bottom": bottom,
                    "doctop": top,
                    "width": x1 - x0,
                    "height": bottom - top,
                    "orientation": orientation,
                }
            )

    stack = [iter(layout)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            continue
        if isinstance(item, LTChar):
            if not item.upright:
                continue
            text = item.get_text()
            if text.startswith("(cid:"):
                text = "\ufffd"  # the font does not say which character it draws
            c = {
                "text": text,
                "x0": item.x0 + mb_x0,
                "x1": item.x1 + mb_x0,
                "top": height - item.y1 + mb_top,
                "bottom": height - item.y0 + mb_top,
                "size": float(item.size),
            }
            if (
                c["text"]
                and bx0 - 1 <= c["x0"]
                and c["x1"] <= bx1 + 1
                and btop - 1 <= c["top"]
                and c["bottom"] <= bbottom + 1
            ):
                chars.append(c)
        elif isinstance(item, LTCurve):
            x0, x1 = item.x0 + mb_x0, item.x1 + mb_x0
            top, bottom = height - item.y1 + mb_top, height - item.y0 + mb_top
            if isinstance(item, LTRect):
                edge(x0, top, x1, top, "h")
                edge(x0, bottom, x1, bottom, "h")
                edge(x0, top, x0, bottom, "v")
                edge(x1, top, x1, bottom, "v")
            elif isinstance(item, LTLine) and (top == bottom or x0 == x1):
                edge(x0, top, x1, bottom, "h" if top == bottom else "v")
            else:
                points = [(x + mb_x0, height - y + mb_top) for x, y in item.pts]
                for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
                    if ax == bx or ay == by:
                        edge(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by), "v" if ax == bx else "h")
        elif isinstance(item, LTImage):
            images += 1
        elif isinstance(item, LTContainer):
            stack.append(iter(item))  # a form XObject (LTFigure): its content is the page's
    return chars, edges, images


def _inside(char: dict, box: tuple) -> bool:
    x = (char["x0"] + char["x1"]) / 2
    y = (char["top"] + char["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _columns(table) -> int:
    return len({round(cell[0], 1) for cell in table.cells})


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char[:1]) in "WF"


def _group_lines(chars: list[dict]) -> list[tuple[float, float, list[tuple[str, float, float]], float, int]]:
    """Characters → lines (top, bottom, characters left to right, size, wide gaps), top to bottom."""
    lines: list[list[dict]] = []
    span: list[float] = []
    for char in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        middle = (char["top"] + char["bottom"]) / 2
        if lines and span[0] - 0.5 <= middle <= span[1] + 0.5:
            lines[-1].append(char)
            span[0], span[1] = min(span[0], char["top"]), max(span[1], char["bottom"])
        else:
            lines.append([char])
            span = [char["top"], char["bottom"]]
    out = []
    for line in lines:
        line.sort(key=lambda c: c["x0"])
        sizes = sorted(c["size"] for c in line if c["text"] not in _SPACES) or [line[0]["size"]]
        size = float(sizes[len(sizes) // 2])
        placed: list[tuple[str, float, float]] = []
        gaps = 0
        for char in line:
            text = char["text"]
            if placed:
                previous, _, right = placed[-1]
                if text == previous and abs(char["x0"] - placed[-1][1]) < 0.3 * (
                    char["x1"] - char["x0"] or 1
                ):
                    continue  # the same glyph drawn twice (shadow, fake bold)
                if (
                    text not in _SPACES
                    and previous not in _SPACES
                    and char["x0"] - right > _space_gap(previous, text, size)
                ):
                    placed.append((" ", right, char["x0"]))
                if char["x0"] - right > 1.5 * size:
                    gaps += 1
            placed.append((text, float(char["x0"]), float(char["x1"])))
        if any(c[0] not in _SPACES for c in placed):
            out.append((min(c["top"] for c in line), max(c["bottom"] for c in line), placed, size, gaps))
    return out


def _space_gap(before: str, after: str, size: float) -> float:
    """How wide a gap between two characters must be to read as a space that was not printed as one:
    a whole character between CJK characters, half one beside CJK (Word's automatic spacing between
    Chinese and Latin is a quarter), 0.15 between Latin letters and digits."""
    wide = _wide(before) + _wide(after)
    return (0.15, 0.5, 1.0)[wide] * size


def _read_table(table, chars: list[dict], page: int) -> _Table:
    """A pdfplumber table → rows of cell texts, each cell's lines joined as a paragraph's."""
    cells = [tuple(float(v) for v in c) for c in table.cells]
    xs = sorted({round(c[0], 1) for c in cells})
    ys = sorted({round(c[1], 1) for c in cells})
    x_end, y_end = float(table.bbox[2]), float(table.bbox[3])
    owner: dict[tuple[int, int], int] = {}
    for k, (cx0, ctop, cx1, cbottom) in enumerate(cells):
        for i, y in enumerate(ys):
            if ctop - 1 <= y < cbottom - 1:
                for j, x in enumerate(xs):
                    if cx0 - 1 <= x < cx1 - 1:
                        owner.setdefault((i, j), k)
    found: dict[int, list[dict]] = {}
    for char in chars:
        x = (char["x0"] + char["x1"]) / 2
        y = (char["top"] + char["bottom"]) / 2
        i, j = bisect_right(ys, y) - 1, bisect_right(xs, x) - 1
        if i < 0 or j < 0 or x > x_end or y > y_end or (i, j) not in owner:
            continue
        found.setdefault(owner[(i, j)], []).append(char)
    rows: list[_Row] = []
    for i, y in enumerate(ys):
        texts = [""] * len(xs)
        printed: list[tuple[float, float]] = []
        bottom = ys[i + 1] if i + 1 < len(ys) else y_end
        for j in range(len(xs)):
            k = owner.get((i, j))
            if k is None or (i > 0 and owner.get((i - 1, j)) == k) or (j > 0 and owner.get((i, j - 1)) == k):
                continue  # a merged cell: its text is in its first row and column
            lines = _group_lines(found.get(k, []))
            texts[j] = _join([_Line(page, *line).joinable for line in lines])
            printed += [(line[0], line[1]) for line in lines]
        if any(texts):
            rows.append(_Row(y, bottom, texts, printed))
    return _Table(page, float(table.bbox[1]), y_end, xs, rows)


def _join(parts: list[str]) -> str:
    """Lines of one paragraph or cell: no space for Chinese; a space printed at a line's end is kept,
    and one goes between two Latin words wrapped where the space was not printed ("load" / "/usr")."""
    out = ""
    for part in parts:
        part = part.lstrip(_SPACES)
        if not part.strip(_SPACES):
            continue
        if out and _latin_break(out[-1], part[0]):
            out += " "
        out += part
    return out.strip(_SPACES)


def _latin_break(before: str, after: str) -> bool:
    return (
        bool(before)
        and bool(after)
        and before.isascii()
        and after.isascii()
        and not before.isspace()
        and not after.isspace()
        and before not in "-/"
        and after not in ".,;:!?)]}%"
    )


# --- running headers, footers, page numbers -----------------------------------------------------


def _drop_running_lines(pages: list[_Page]) -> None:
    """Drop running headers and footers, page numbers, and watermarks printed on every page."""

    def key(line: _Line) -> str:
        return re.sub(r"[0-9]+", "#", re.sub(r"\s+", "", fold(line.text)))

    def edges(page: _Page) -> list[_Line]:
        lines = sorted(page.lines, key=lambda ln: ln.top)
        band = 0.15 * page.height
        heads = [ln for ln in lines[:2] if ln.bottom <= band]
        feet = [ln for ln in lines[-2:] if ln.top >= page.height - band and all(ln is not h for h in heads)]
        return heads + feet

    with_text = [p for p in pages if p.lines or p.tables]
    needed = max(2, int(0.4 * len(with_text) + 0.999))
    at_edge = Counter(key(ln) for p in with_text for ln in edges(p))

    # the same text in the same place on many pages, anywhere on them: a watermark or a form's print
    def place(line: _Line) -> tuple:
        return key(line), round(line.top / 3), round(line.x0 / 3)

    placed = Counter(spot for p in with_text for spot in {place(ln) for ln in p.lines})
    for page in with_text:
        drop = {
            id(ln)
            for ln in edges(page)
            if at_edge[key(ln)] >= needed or _PAGE_NUMBER.match(re.sub(r"\s+", " ", fold(ln.text)).strip())
        }
        drop |= {id(ln) for ln in page.lines if placed[place(ln)] >= needed}
        page.lines = [ln for ln in page.lines if id(ln) not in drop]


# --- numbering --------------------------------------------------------------------------------


def _page_boxes(page: _Page) -> list[tuple[float, float]]:
    boxes = [(ln.top, ln.bottom) for ln in page.lines]
    for table in page.tables:
        for row in table.rows:
            boxes += row.lines
    return boxes


def _clusters(boxes: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for top, bottom in sorted(boxes):
        middle = (top + bottom) / 2
        if out and out[-1][0] - 0.5 <= middle <= out[-1][1] + 0.5:
            out[-1][1] = max(out[-1][1], bottom)
        else:
            out.append([top, bottom])
    return [(a, b) for a, b in out]


def _number_lines(pages: list[_Page]) -> tuple[list[dict], int]:
    """Number every page's lines (running on across pages); return the segments and the count."""
    segments = []
    first = 1
    for page in pages:
        clusters = _clusters(_page_boxes(page))
        tops = [c[0] for c in clusters]

        def number(top: float, bottom: float, tops=tops, clusters=clusters, first=first) -> int:
            middle = (top + bottom) / 2
            k = max(0, bisect_right(tops, middle) - 1)
            while k + 1 < len(clusters) and clusters[k][1] + 0.5 < middle:
                k += 1
            return first + k

        for line in page.lines:
            line.number = number(line.top, line.bottom)
        for table in page.tables:
            for row in table.rows:
                row.number = min((number(a, b) for a, b in row.lines), default=first)
        segments.append({"name": str(page.number), "first_line": first})
        first += len(clusters)
    return segments, first - 1


# --- paragraphs and tables, in reading order ----------------------------------------------------


@dataclass
class _Geometry:
    left: float
    right: float
    pitch: dict[float, float]
    body_size: float


def _geometry(pages: list[_Page]) -> dict[tuple[int, int], _Geometry]:
    """Margins, usual line pitch and body size for every page size in the file."""
    groups: dict[tuple[int, int], list[_Page]] = {}
    for page in pages:
        groups.setdefault((round(page.width), round(page.height)), []).append(page)
    out = {}
    for shape, group in groups.items():
        lines = [ln for p in group for ln in p.lines]
        if not lines:
            continue
        # The right margin is the furthest end shared by two lines (a line may stick out); with few
        # lines, margins are taken to be alike on both sides of the page.
        ends = [ln.x1 for ln in lines]
        shared = [x for x in ends if sum(1 for y in ends if abs(x - y) <= 1) >= 2]
        right = max(shared or ends)
        if len(lines) < 8:
            right = max(right, group[0].width - min(ln.x0 for ln in lines))
        # The left margin is where full lines start (headings set out into the margin are not);
        # failing that, the leftmost start shared by two lines.
        starts = Counter(round(ln.x0) for ln in lines)
        full = [round(ln.x0) for ln in lines if ln.x1 >= right - ln.size and starts[round(ln.x0)] >= 2]
        left = float(min(full or [x for x, n in starts.items() if n >= 2] or list(starts)))
        pitches: dict[float, Counter] = {}
        for page in group:
            ordered = sorted(page.lines, key=lambda ln: ln.top)
            for a, b in zip(ordered, ordered[1:], strict=False):
                if abs(a.size - b.size) < 0.5:
                    pitches.setdefault(round(a.size), Counter())[round(b.bottom - a.bottom, 0)] += 1
        sizes = Counter()
        for ln in lines:
            sizes[round(ln.size)] += len(ln.chars)
        out[shape] = _Geometry(
            left,
            right,
            {s: float(c.most_common(1)[0][0]) for s, c in pitches.items()},
            float(sizes.most_common(1)[0][0]),
        )
    return out


def _first_piece_width(line: _Line) -> float:
    """Width of the line's first unbreakable piece: what would have had to fit on the line above."""
    chars = line.chars
    start = next((k for k, c in enumerate(chars) if c[0] not in _SPACES), 0)
    end = start + 1
    while end < len(chars):
        before, after = chars[end - 1][0], chars[end][0]
        if after in _SPACES:
            break
        if (_wide(before) or _wide(after)) and after not in _NO_LINE_START and before not in _NO_LINE_END:
            break
        end += 1
    return chars[end - 1][2] - chars[start][1]


def _continues(prev: _Line, cur: _Line, g: _Geometry, same_page: bool) -> bool:
    """Does `cur` go on with the paragraph whose last line is `prev`?"""
    if abs(prev.size - cur.size) > 1.0 or prev.gaps >= 2 or cur.gaps >= 2:
        return False  # another size, or a row of a table drawn without rules
    if same_page:
        usual = g.pitch.get(round(prev.size), 1.8 * prev.size)
        step = cur.bottom - prev.bottom
        if step <= 0 or step > 1.3 * usual + 1:
            return False
    if cur.size >= 1.2 * g.body_size and abs((prev.x0 + prev.x1) - (cur.x0 + cur.x1)) <= cur.size:
        return not prev.text.endswith(_TERMINAL)  # a title set over centred lines
    if cur.x0 - g.left >= 0.8 * cur.size:
        return False  # indented: a new paragraph (or a centred or right-set line)
    room = g.right - max(prev.x1, prev.chars[-1][2])  # a space printed at the line's end took room too
    need = _first_piece_width(cur)
    if prev.joinable[-1:] != " " and _latin_break(prev.text[-1:], cur.text[:1]):
        need += 0.3 * cur.size  # the space between two Latin words
    if room >= need + 0.15 * cur.size:
        return False  # the next piece would have fitted: the line was ended on purpose
    return not (prev.text.endswith(_TERMINAL) and starts_heading(fold(cur.text)))


def _assemble(pages: list[_Page]) -> list[RawLine]:
    geometry = _geometry(pages)
    out: list[RawLine] = []
    paragraph: list[_Line] = []
    chain: list[list[str]] = []  # rows of the table being read, for a continuation on the next page
    chain_open = False  # the table was the last thing on its page
    seq_column: int | None = None
    last_line: _Line | None = None  # last line of the open paragraph, for a page-break join

    def flush() -> None:
        nonlocal paragraph
        if paragraph:
            out.append(
                RawLine(paragraph[0].number, _join([ln.joinable for ln in paragraph]), paragraph[-1].number)
            )
        paragraph = []

    for page in pages:
        g = geometry.get((round(page.width), round(page.height)))
        items: list[tuple[float, object]] = [(ln.top, ln) for ln in page.lines] + [
            (t.top, t) for t in page.tables
        ]
        items.sort(key=lambda item: item[0])
        for position, (_, item) in enumerate(items):
            if isinstance(item, _Table):
                flush()
                last_line = None
                continued = chain_open and position == 0 and chain and len(chain[0]) == len(item.columns)
                rows = list(item.rows)
                if continued and rows and _squeeze(rows[0].cells) == _squeeze(chain[0]):
                    rows = rows[1:]  # the header row again
                if not continued:
                    chain = []
                    seq_column = _seq_column(rows[0].cells) if rows else None
                elif rows and _continues_row(chain, rows[0].cells, seq_column):
                    merged = [_join([a, b]) for a, b in zip(chain[-1], rows[0].cells, strict=True)]
                    chain[-1] = merged
                    out[-1] = RawLine(out[-1].number, "\t".join(merged))
                    rows = rows[1:]
                for row in rows:
                    chain.append(row.cells)
                    out.append(RawLine(row.number, "\t".join(row.cells)))
                chain_open = position == len(items) - 1
                continue
            line = item
            assert isinstance(line, _Line) and g is not None
            chain_open = False
            if paragraph and last_line is not None:
                same_page = last_line.page == line.page
                if same_page or position == 0:
                    if _continues(last_line, line, g, same_page):
                        paragraph.append(line)
                        last_line = line
                        continue
            flush()
            paragraph = [line]
            last_line = line
    flush()
    return out


def _squeeze(cells: list[str]) -> list[str]:
    return [re.sub(r"\s+", "", fold(c)) for c in cells]


def _seq_column(cells: list[str]) -> int | None:
    return next((j for j, c in enumerate(_squeeze(cells)) if c in _SEQ_WORDS), None)


def _continues_row(chain: list[list[str]], cells: list[str], seq_column: int | None) -> bool:
    """The first row of a table's part on a new page goes on with the row above the page break:
    no row number in it, no cell opening with a heading marker, every filled cell under a filled cell
    that is not a row number, and the table numbers its rows (this one has none) or a cell above
    stops mid-sentence."""
    if len(chain) < 2:
        return False
    previous = chain[-1]
    if any(_BARE_NUMBER.match(fold(c).strip()) for c in cells):
        return False
    going_on = [j for j, c in enumerate(cells) if c.strip()]
    if not going_on or any(
        not previous[j].strip() or _BARE_NUMBER.match(fold(previous[j]).strip()) for j in going_on
    ):
        return False
    if any(starts_heading(fold(cells[j]).strip()) for j in going_on):
        return False  # a label of its own ("（二）…", "5.推动…"): a new row
    data = chain[1:]
    numbered = (
        seq_column is not None
        and not cells[seq_column].strip()
        and sum(1 for r in data if _BARE_NUMBER.match(fold(r[seq_column]).strip())) >= 0.8 * len(data)
    )
    return numbered or any(not fold(previous[j]).rstrip().endswith(_TERMINAL + (".",)) for j in going_on)
