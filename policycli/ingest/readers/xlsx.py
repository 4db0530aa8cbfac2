"""Excel .xlsx workbooks (openpyxl) → Blocks.

A 任务分工表 workbook becomes the lines a pasted table would give the parser:

* every visible worksheet that holds anything is read, in order; empty and hidden ones are skipped
  (a hidden one with a warning). Each sheet's rows follow the previous sheet's: row r of a sheet
  is line `first_line + r - 1`, and the sheet's `first_line` is the previous one's plus the rows it
  used (`segments`), so `show` says 工作表“任务分工”第3行;
* the rows above a sheet's first row of two or more cells (the title merged across the columns,
  "附件1", a subtitle) are paragraphs; from that row on (the header) every row is a table row,
  its cells joined by tabs over the table's columns, so an empty cell keeps its column;
* a cell merged down over several rows (a 序号 or 工作任务 printed once for two rows of work)
  gives its value to every row it spans; a cell merged across columns is printed once, in its
  first column;
* numbers stored as numbers read as printed (1.0 → "1", 0.85 in a percent format → "85%"), dates
  stored as Excel dates read as 2024年6月30日 so the due-date rules read them; a line break in a
  cell becomes a space, as a <br> does in an HTML table.

Limits, checked on the zip before openpyxl parses anything:

    file                 20 MiB
    uncompressed parts   100 MiB in all (a zip bomb, or huge shared strings, is refused by it);
                         Python's zipfile stops a member at its declared size, so a lie is an error
    members              10,000
    DOCTYPE / ENTITY     refused in every part but pictures and embedded files (Excel never writes
                         one: external entities and entity bombs cannot reach a parser); openpyxl
                         parses with defusedxml besides (a dependency for that)
and while reading:
    rows with text       50,000 in all sheets; columns past the 64th are not read
    merged cells         at most 200,000 filled in per sheet; past that, none (with a warning)

Sheets are always streamed (openpyxl's read-only mode: memory for the text only, a stray cell at
XFD1048576 costs nothing). Read-only mode does not report merged cells, so they are read from the
sheet's own <mergeCell ref="A3:A4"/> elements (`merged_ranges`); openpyxl's normal mode, which does
report them, makes an object for every cell of every merged or hyperlinked range, so a 2 KB file
with `<mergeCell ref="A1:XFD1048576"/>` would never finish loading.
"""

from __future__ import annotations

import datetime as dt
import io
import operator
import re
import warnings as pywarnings
import zipfile
from itertools import repeat
from pathlib import Path

from policycli.errors import BadInput
from policycli.ingest.layout import RawLine
from policycli.ingest.readers import Blocks, package, read_bytes, sha256, stat_regular

MAX_FILE = 20 * 1024 * 1024
MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_FILLED = 200_000  # cells a sheet's merged ranges may fill in
MAX_ROWS = 50_000
MAX_COLUMNS = 64
_CHUNK = 1024 * 1024


def read(path: Path) -> Blocks:
    size = stat_regular(path, MAX_FILE, "Excel workbook")
    data = read_bytes(path)
    name = path.name
    archive = _open_zip(data, name)
    with archive:
        package.check_package(
            archive,
            name,
            "Excel workbook",
            required="xl/workbook.xml",
            max_members=MAX_MEMBERS,
            max_unpacked=MAX_UNCOMPRESSED,
            max_part=MAX_UNCOMPRESSED,
        )
    sheets, skipped, warnings = _load(data, name)
    lines: list[RawLine] = []
    segments: list[dict] = []
    warnings[:0] = [f"{name}: sheet “{title}” is hidden; not read" for title in skipped]
    first_line = 1
    read_rows = 0
    for title, rows in sheets:
        if not rows:
            continue  # an empty sheet
        segments.append({"name": title, "first_line": first_line})
        lines.extend(_sheet_lines(rows, first_line))
        read_rows += len(rows)
        first_line += max(rows)
    if not lines:
        raise BadInput(f"{path}: the workbook has no text in any sheet")
    return Blocks(
        path,
        lines,
        "xlsx",
        "xlsx",
        sha256(data),
        size,
        unit="sheet-row",
        segments=segments,
        warnings=warnings,
        source_lines=read_rows,
        whole_paragraphs=True,
    )


def _open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise BadInput(
            f"{name}: a damaged .xlsx file (not a readable zip archive); "
            "open it in Excel or WPS and save it again"
        ) from None


Row = dict[int, str]  # column → the cell's text, only cells with text
Sheet = tuple[str, dict[int, Row]]


def _load(data: bytes, name: str) -> tuple[list[Sheet], list[str], list[str]]:
    """Each visible worksheet as (title, {row: {column: text}}) with merged values filled in; the
    hidden sheets' titles; warnings."""
    import openpyxl

    sheets: list[Sheet] = []
    hidden: list[str] = []
    warnings: list[str] = []
    total = 0
    try:
        with pywarnings.catch_warnings():
            pywarnings.simplefilter("ignore")  # "Data Validation extension is not supported" and such
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
            try:
                for sheet in book.worksheets:
                    if sheet.sheet_state != "visible":
                        hidden.append(sheet.title)
                        continue
                    rows = _rows(sheet, MAX_ROWS - total)
                    total += len(rows)
                    if total > MAX_ROWS:
                        raise BadInput(
                            f"{name}: more than {MAX_ROWS:,} rows with text; a 分工表 has far fewer — "
                            "save the sheet that holds it as a workbook of its own"
                        )
                    with sheet._get_source() as xml:  # the worksheet's part, as openpyxl found it
                        spans = merged_ranges(xml)
                    unfilled = _fill_merged(rows, spans)
                    if unfilled:
                        warnings.append(
                            f"{name}: sheet “{sheet.title}”: merged cells span {unfilled:,} rows of cells, "
                            f"over the {MAX_FILLED:,} filled in; "
                            "merged values are left in their first row only"
                        )
                    sheets.append((sheet.title, rows))
            finally:
                book.close()
    except BadInput:
        raise
    except Exception as exc:  # openpyxl and its XML parsers raise anything on a damaged file
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise BadInput(
            f"{name}: a damaged or unreadable .xlsx file ({reason}); "
            "open it in Excel or WPS and save it again"
        ) from None
    return sheets, hidden, warnings


def _rows(sheet, room: int = MAX_ROWS) -> dict[int, Row]:
    """The sheet's cells with text, streamed (read-only mode: memory for the text only); at most
    `room` + 1 rows with text are read, so a sheet of millions of rows stops early."""
    from openpyxl.cell.read_only import EMPTY_CELL

    sheet.reset_dimensions()  # a stated dimension of A1:XFD1048576 must not pad every row to 16,384 cells
    rows: dict[int, Row] = {}
    blank = None  # rows missing from the file come as one empty tuple, again and again (a million
    for r, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):  # before a row at 1048576)
        if cells is blank:
            continue
        if not any(map(operator.is_not, cells, repeat(EMPTY_CELL))):
            blank = cells
            continue
        row: Row = {}
        for c, cell in enumerate(cells, start=1):
            text = cell_text(getattr(cell, "value", None), getattr(cell, "number_format", "General"))
            if text:
                row[c] = text
        if row:
            rows[r] = row
            if len(rows) > room:
                break  # over the limit: the caller refuses without reading the rest
    return rows


# <mergeCell ref="A3:A4"/>, with or without a namespace prefix, in either quotes.
_MERGE = re.compile(
    rb"""<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref\s*=\s*["']([A-Za-z]{1,3}[0-9]{1,7}):([A-Za-z]{1,3}[0-9]{1,7})["']"""
)


def merged_ranges(xml) -> list[tuple[int, int, int, int]]:
    """The merged ranges (min_col, min_row, max_col, max_row) of a worksheet's XML, read from the
    stream in chunks: read-only mode does not give them, and normal mode would make an object for
    every cell of every range (`<mergeCell ref="A1:XFD1048576"/>` in a 2 KB file never finishes)."""
    from openpyxl.utils.cell import coordinate_to_tuple

    found: list[tuple[int, int, int, int]] = []
    carry = b""
    while True:
        chunk = xml.read(_CHUNK)
        buffer = carry + chunk
        cut = len(buffer) if not chunk else buffer.rfind(b"<")  # a tag cut by the chunk goes on in the next
        cut = cut if cut >= 0 else len(buffer)
        for match in _MERGE.finditer(buffer, 0, cut):
            (r1, c1), (r2, c2) = (coordinate_to_tuple(g.decode("ascii").upper()) for g in match.groups())
            found.append((min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)))
        if not chunk:
            return found
        carry = buffer[cut:][-4096:]


def _fill_merged(rows: dict[int, Row], spans: list[tuple[int, int, int, int]]) -> int:
    """Give a range's value to every row it spans, in its first column (across columns it is printed
    once). A range reaching past the sheet's last row with text stops there. Returns 0, or the cells
    that would have been filled when that is over MAX_FILLED (then nothing is filled)."""
    last = max(rows, default=0)
    todo = [
        (c1, r1, min(r2, last))
        for c1, r1, _c2, r2 in spans
        if c1 <= MAX_COLUMNS and r2 > r1 and rows.get(r1, {}).get(c1)
    ]
    cells = sum(max(0, r2 - r1) for _, r1, r2 in todo)
    if cells > MAX_FILLED:
        return cells
    for c1, r1, r2 in todo:
        value = rows[r1][c1]
        for r in range(r1 + 1, r2 + 1):
            rows.setdefault(r, {})[c1] = value
    filled = dict(sorted(rows.items()))
    rows.clear()
    rows.update(filled)
    return 0


_PERCENT = re.compile(r"(?<!\\)%")
_DECIMALS = re.compile(r"0\.(0+)")


_MONTH_ONLY = re.compile(r"[yY].*[mM]")  # a date format with a year and a month…
_DAY = re.compile(r"[dD]")  # …and no day


def cell_text(value: object, number_format: str | None = "General") -> str:
    """A cell's value as a person reads it in the sheet (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if (
        isinstance(value, dt.date)
        and _MONTH_ONLY.search(number_format or "")
        and not _DAY.search(number_format or "")
    ):
        # shown as 2024年6月 (format yyyy"年"m"月"): a month, due at its end, not on its first day
        return f"{value.year}年{value.month}月"
    if isinstance(value, dt.datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return f"{value.year}年{value.month}月{value.day}日"
        return f"{value.year}年{value.month}月{value.day}日{value.hour:02d}:{value.minute:02d}"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, dt.time):
        return f"{value.hour:02d}:{value.minute:02d}"
    if isinstance(value, int | float):
        return _number(value, number_format or "General")
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[ \t]*[\n\t\v\f][ \t]*", " ", text).strip()


def _number(value: float, number_format: str) -> str:
    if isinstance(value, float) and value != value:  # NaN
        return ""
    if _PERCENT.search(number_format):
        decimals = _DECIMALS.search(number_format)
        places = len(decimals.group(1)) if decimals else 0
        return f"{value * 100:.{places}f}%"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)


def _sheet_lines(rows: dict[int, Row], first_line: int) -> list[RawLine]:
    """Paragraphs above the sheet's first row of several cells; tab rows over the table's columns from it
    on."""
    header_row = next((r for r, cells in rows.items() if len(cells) >= 2), None)
    table = [cells for r, cells in rows.items() if header_row is not None and r >= header_row]
    left = min((min(cells) for cells in table), default=1)
    right = max((max(cells) for cells in table), default=1)
    lines: list[RawLine] = []
    for r, cells in rows.items():
        number = first_line + r - 1
        if header_row is None or r < header_row:
            lines.append(RawLine(number, " ".join(cells[c] for c in sorted(cells))))
        else:
            row = "\t".join(cells.get(c, "") for c in range(left, right + 1))
            if "\t" not in row:
                row += "\t"  # a one-column table: still a table row
            lines.append(RawLine(number, row))
    return lines
