"""Output: rich tables for people, CSV/JSON/Markdown for machines. Data goes to stdout only.

Chinese text has no spaces, and rich wraps only at spaces, so every text column folds
(overflow="fold") instead of cutting with "…"; every value is escaped so a title containing
"[/]" or "[red]" prints as written.

Text from a document or a user (titles, ids, units, notes …) passes through the one sanitiser of
the kind of output it is written to, where it is written: terminal_text (tables, text views,
stderr), markdown_text, neutralise (CSV; csv_line_sql is its SQL twin), ics_text, json_text.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from policycli.errors import BadInput

FORMATS = ("table", "csv", "json", "md")
# Rows written at a time by the streaming writers (json_records, csv_records, markdown_records).
_BATCH = 1000
# Excel runs a cell starting with one of these as a formula ("=HYPERLINK(…)", "+1", "@SUM").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# Bidi controls reorder what the reader sees ("Trojan source"): LRM RLM ALM, the embeddings and
# overrides LRE RLE PDF LRO RLO, the isolates LRI RLI FSI PDI. No Chinese policy text needs one.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Control characters a terminal acts on: C0 but tab and newline, DEL, C1 (U+009B is an 8-bit CSI).
_CONTROLS = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
# What a spreadsheet may pass over in front of a formula: the controls but tab, CR and LF (which
# are formula starts themselves), DEL, C1 and bidi controls. NUL is not here: load refuses it.
_SKIPPED_IN_FRONT = "".join(
    map(
        chr,
        [
            *range(1, 9),
            11,
            12,
            *range(14, 32),
            *range(0x7F, 0xA0),
            0x61C,
            0x200E,
            0x200F,
            *range(0x202A, 0x202F),
            *range(0x2066, 0x206A),
        ],
    )
)
# Whole escape sequences, so that no parameter ("[31m") or hidden hyperlink target is left behind:
# CSI (ESC [ or 8-bit CSI) with its parameters; OSC, DCS, SOS, PM, APC strings up to their BEL or
# ST (a string that never ends loses only its introducer); the other ESC sequences.
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x90\x98\x9c-\x9f]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
)
# JSON's bytes: raw DEL, C1 and bidi controls (JSON itself escapes C0) become \u escapes.
_JSON_RAW = re.compile(f"[\x7f-\x9f{_BIDI}]")


class Column:
    """One column of a listing. `whole` (or `no_wrap`): ids, numbers, dates, statuses — never
    wrapped nor cut, as wide as its widest line (a cell may hold several lines, each whole). Every
    other column is text: it folds (with Chinese line breaking, see wrap) down to its minimum width,
    the larger of its header and MIN_TEXT cells; text columns give way in ascending `give_way`
    order, first down to their `ratio` share of the width, then down to their minimum. `style`
    colours a cell from its row (a rich style name, or None)."""

    # a plain class, not a dataclass: importing dataclasses (and inspect) cost 8 ms of each `remind`
    __slots__ = ("key", "header", "ratio", "no_wrap", "justify", "show", "whole", "give_way", "style")

    def __init__(
        self,
        key: str,
        header: str,
        ratio: int | None = None,
        no_wrap: bool = False,
        justify: str = "left",
        show: Callable[[object], str] | None = None,
        whole: bool = False,
        give_way: int = 0,
        style: Callable[[dict], str | None] | None = None,
    ) -> None:
        self.key, self.header, self.ratio, self.no_wrap, self.justify = key, header, ratio, no_wrap, justify
        self.show, self.whole, self.give_way, self.style = show, whole, give_way, style

    @property
    def is_whole(self) -> bool:
        return self.whole or self.no_wrap


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list | tuple):
        return "、".join(cell_text(v) for v in value)
    return str(value)


def _plain_lines(text: str) -> str:
    """Without escape sequences, control characters (but tab and newline) or bidi controls; a
    carriage return (which lets later text overwrite a line) becomes a newline."""
    if _CONTROLS.search(text) is None:  # the common case: every sequence starts with a control
        return text
    text = _SEQUENCES.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text)


def terminal_text(text: str) -> str:
    """Text for a terminal (tables, text views, stderr messages): guarantees no character a
    terminal acts on or that reorders what is seen: no escape sequence (7-bit or 8-bit, removed
    whole, parameters included), no C0 control but newline (a carriage return becomes a newline,
    a tab a space), no DEL, no C1 control (U+0080–U+009F), no bidi control (U+061C, U+200E/F,
    U+202A–U+202E, U+2066–U+2069). Every other character, and so every word, is kept. Rich
    markup is not escaped here: rich_table and the text views escape it as well."""
    return _plain_lines(text).replace("\t", " ")


def markdown_text(text: str) -> str:
    """A value in Markdown (a table cell, a reminder line): terminal_text's guarantees, and HTML
    shown as text (& < > escaped: a Markdown viewer renders raw HTML such as <script>), a pipe
    and a backslash escaped, a newline as <br>: the value stays in its cell or line."""
    text = terminal_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def neutralise(text: str) -> str:
    """A CSV cell's text: guarantees no cell a spreadsheet runs as a formula. A cell whose first
    character, past any control, DEL, C1 or bidi character (an application that drops those
    must not find "=" behind them), is = + - @ tab CR or LF gets a leading apostrophe.

    Otherwise the text is kept verbatim, controls included: CSV is data, like JSON (the ledger
    says what the document and the notes say), and Excel and LibreOffice neither run nor choke
    on a control in a quoted cell (NUL, the one that truncates, is refused by load). Stripping
    them would also cost the ledger export a scan of every cell, which SQLite cannot do at the
    export's speed (see csv_line_sql). Output meant for a person goes through terminal_text or
    markdown_text instead."""
    return "'" + text if text.lstrip(_SKIPPED_IN_FRONT).startswith(_FORMULA_START) else text


def ics_text(text: str) -> str:
    """An iCalendar TEXT value (SUMMARY, DESCRIPTION, CATEGORIES …), before icalendar escapes
    it: guarantees no CONTROL character RFC 5545 (3.1, 3.3.11) forbids, i.e. none but HTAB and
    the newlines icalendar writes as "\\n"; no C1 control and no bidi control either, as a calendar
    shows the text to people. Escape sequences go whole, as for a terminal."""
    return _plain_lines(text)


def json_text(data: object) -> str:
    """A JSON document (indented, UTF-8, ending in a newline) that decodes to exactly `data`:
    JSON is machine data, so nothing is dropped. Its bytes carry nothing a terminal acts on:
    json.dumps escapes C0 controls, and DEL, C1 and bidi controls, left raw by ensure_ascii=False,
    are written as \\u escapes too (they occur only inside strings, where the escape means the
    same character)."""
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        # a listing: one record per line, each by json's C encoder (indent= takes its pure-Python
        # one, 8 s of a 100k-row `tasks -f json`), still a JSON document a person can read
        text = "[\n" + ",\n".join(f"  {json.dumps(item, ensure_ascii=False)}" for item in data) + "\n]\n"
    else:
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if not _JSON_RAW.search(text):
        return text
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_records(records: Iterable[dict], handle: BinaryIO) -> None:
    """json_text(list(records)) written to a binary handle as the records come, a batch at a time:
    the same bytes, in memory that does not grow with the listing."""
    first = True
    batch: list[str] = []
    for record in records:
        batch.append(("[\n  " if first else ",\n  ") + json.dumps(record, ensure_ascii=False))
        first = False
        if len(batch) >= _BATCH:
            handle.write(_json_safe("".join(batch)).encode("utf-8"))
            batch = []
    batch.append("[]\n" if first else "\n]\n")
    handle.write(_json_safe("".join(batch)).encode("utf-8"))


def _json_safe(text: str) -> str:
    """DEL, C1 and bidi controls as \\u escapes (json_text's rule)."""
    if not _JSON_RAW.search(text):
        return text
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def write_stdout(text: str) -> None:
    """Write text to stdout in UTF-8 (or the terminal's encoding with replacements): never crash."""
    stream = sys.stdout
    try:
        stream.write(text)
    except UnicodeEncodeError:
        stream.buffer.write(text.encode(stream.encoding or "utf-8", errors="replace"))
    stream.flush()


def csv_bytes(rows: Sequence[dict], columns: Sequence[Column]) -> bytes:
    """UTF-8 with BOM (Excel on Chinese Windows), every cell formula-neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    for row in rows:
        writer.writerow([neutralise(_value(row, c)) for c in columns])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def csv_records(rows: Iterable[dict], columns: Sequence[Column], handle: BinaryIO) -> None:
    """csv_bytes(rows, columns) written to a binary handle as the rows come, a batch at a time."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    handle.write(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    batch: list[list[str]] = []
    for row in rows:
        batch.append([neutralise(_value(row, c)) for c in columns])
        if len(batch) >= _BATCH:
            handle.write(_csv_text(batch).encode("utf-8"))
            batch = []
    handle.write(_csv_text(batch).encode("utf-8"))


def _csv_text(lines: list[list[str]]) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(lines)
    return buffer.getvalue()


def _value(row: dict, column: Column) -> str:
    value = row.get(column.key)
    return column.show(value) if column.show else cell_text(value)


def markdown(rows: Sequence[dict], columns: Sequence[Column]) -> str:
    from tabulate import tabulate

    body = [[markdown_text(_value(row, c)) for c in columns] for row in rows]
    return (
        tabulate(body, headers=[c.header for c in columns], tablefmt="github", disable_numparse=True) + "\n"
    )


def markdown_records(
    rows: Iterable[dict], columns: Sequence[Column], handle: BinaryIO, optional: str | None = None
) -> None:
    """markdown(rows, columns) written to a binary handle without holding the rows: the column
    keyed `optional` only when one of its cells is not empty (a listing's 期次).

    A Markdown table pads each column to its widest cell, known only at the end: the cells go to a
    temporary file as they come (one line per row, cells apart by U+001F, which markdown_text
    removes with the other controls), then the table is written from it by tabulate, a batch of
    rows at a time, each batch led by a row of the widest cells (as tabulate measures them: display
    width, wcwidth, of the stripped text), so that every batch is padded as the whole table would
    be; that row and the repeated header are left out."""
    import tempfile

    from tabulate import tabulate

    widest = [""] * len(columns)
    widths = [-1] * len(columns)
    filled = [False] * len(columns)
    count = 0
    with tempfile.TemporaryFile() as spool:
        for row in rows:
            cells = [markdown_text(_value(row, c)) for c in columns]
            for k, cell in enumerate(cells):
                width = _display_width(cell)
                if width > widths[k]:
                    widest[k], widths[k] = cell, width
                filled[k] = filled[k] or bool(cell)
            spool.write("\x1f".join(cells).encode("utf-8") + b"\n")
            count += 1
        keep = [k for k, c in enumerate(columns) if c.key != optional or filled[k]]
        headers = [columns[k].header for k in keep]
        if not count:
            handle.write(markdown([], [columns[k] for k in keep]).encode("utf-8"))
            return
        spool.seek(0)
        lead = [widest[k] for k in keep]
        batch: list[list[str]] = []
        first = True

        def flush() -> None:
            nonlocal first
            text = tabulate([lead, *batch], headers=headers, tablefmt="github", disable_numparse=True)
            lines = text.split("\n")
            kept = lines[:2] + lines[3:] if first else lines[3:]
            handle.write(("\n".join(kept) + "\n").encode("utf-8"))
            first = False

        for line in spool:
            cells = line[:-1].decode("utf-8").split("\x1f")
            batch.append([cells[k] for k in keep])
            if len(batch) >= _BATCH:
                flush()
                batch = []
        if batch:
            flush()


def _display_width(text: str) -> int:
    """A cell's width as tabulate pads it: the display width of the stripped text."""
    try:
        from wcwidth import wcswidth
    except ImportError:  # tabulate counts characters then
        return len(text.strip())
    return wcswidth(text.strip())


def console(stderr: bool = False):
    """A rich console: colour only on a terminal (rich's own test), none at all with NO_COLOR (not
    even bold: rich alone would keep it), and as wide as the terminal or $COLUMNS."""
    import os

    from rich.console import Console

    plain = bool(os.environ.get("NO_COLOR"))
    return Console(
        stderr=stderr,
        highlight=False,
        emoji=False,
        soft_wrap=False,
        no_color=plain,
        **({"color_system": None} if plain else {}),
    )


# --- tables: widths computed here, Chinese line breaking, a record layout when a table cannot fit --

GAP = 2  # spaces between columns
MIN_TEXT = 10  # the narrowest a text column folds to (5 Chinese characters), unless its header is wider
# Kinsoku: no line starts with a closing mark, none ends with an opening one.
NO_LINE_START = frozenset("，。、；：？！）」』”’》〉】〕〗｝…‥・·％,.;:?!)]}%")
NO_LINE_END = frozenset("（「『“‘《〈【〔〖｛([{")
# Latin words, numbers, dates and ids inside a text stay on one line (folded only when wider than it).
_TOKENS = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-./_:%@#&+]*|[ \t]+|.", re.S)


def _atoms(paragraph: str) -> list[str]:
    """The paragraph cut where a line may break: between characters, not inside a Latin word or
    number, never before a closing mark or after an opening one."""
    atoms: list[str] = []
    opening = ""
    for token in _TOKENS.findall(paragraph):
        if token in NO_LINE_START:
            if opening:
                opening += token
            elif atoms and not atoms[-1].isspace():
                atoms[-1] += token
            else:
                atoms.append(token)
        elif token in NO_LINE_END:
            opening += token
        else:
            atoms.append(opening + token)
            opening = ""
    if opening:
        atoms.append(opening)
    return atoms


def _fold(text: str, width: int) -> list[str]:
    """Cut text into pieces of at most `width` cells, between any characters (the last resort)."""
    from rich.cells import cell_len

    pieces, current = [], ""
    for char in text:
        if current and cell_len(current + char) > width:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current]


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` cells (width >= 2): Chinese breaks between any two characters but
    never puts ，。、；：）」” … at the start of a line or （「“ at its end (the character before a
    closing mark goes down with it); a Latin word or a number (2021-12-31) is not broken unless it
    is wider than a line; spaces at a break are dropped; newlines are kept."""
    from rich.cells import cell_len

    lines: list[str] = []
    for paragraph in text.split("\n"):
        current, used = "", 0
        for atom in _atoms(paragraph):
            size = cell_len(atom)
            if used + size <= width:
                current, used = current + atom, used + size
                continue
            if current.strip():
                lines.append(current.rstrip())
            current, used = "", 0
            if atom.isspace():
                continue
            if size > width:
                *full, atom = _fold(atom, width)
                lines += full
                size = cell_len(atom)
            current, used = atom, size
        lines.append(current.rstrip())
    return lines


def _cells(rows: Sequence[dict], columns: Sequence[Column]) -> list[list[str]]:
    return [[terminal_text(_value(row, c)) for c in columns] for row in rows]


def _natural(texts: Sequence[str]) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for text in texts for line in text.split("\n")), default=0)


def column_widths(cells: Sequence[Sequence[str]], columns: Sequence[Column], width: int) -> list[int] | None:
    """Each column's width for a table `width` cells wide, or None when it cannot fit (whole columns
    at their widest and text columns at their minimum are wider than that)."""
    from rich.cells import cell_len

    natural = [max(cell_len(c.header), _natural([row[i] for row in cells])) for i, c in enumerate(columns)]
    minimum = [
        n if c.is_whole else min(n, max(cell_len(c.header), MIN_TEXT))
        for c, n in zip(columns, natural, strict=True)
    ]
    room = width - GAP * (len(columns) - 1)
    if sum(minimum) > room:
        return None
    widths = list(natural)
    text = [i for i, c in enumerate(columns) if not c.is_whole]
    over = sum(widths) - room
    if over <= 0:
        return widths
    text_room = room - sum(w for i, w in enumerate(widths) if i not in text)
    ratios = sum(columns[i].ratio or 1 for i in text)
    share = {i: max(minimum[i], text_room * (columns[i].ratio or 1) // ratios) for i in text}
    order = sorted(text, key=lambda i: (columns[i].give_way, -i))
    for floor in (share, {i: minimum[i] for i in text}):
        for i in order:
            if over <= 0:
                return widths
            cut = min(over, max(0, widths[i] - floor[i]))
            widths[i] -= cut
            over -= cut
    return widths if over <= 0 else None


def _pad(text: str, width: int, justify: str) -> str:
    from rich.cells import cell_len

    space = " " * max(0, width - cell_len(text))
    return space + text if justify == "right" else text + space


def _styles(
    row: dict, columns: Sequence[Column], row_style: Callable[[dict], str | None] | None
) -> list[str | None]:
    base = row_style(row) if row_style else None
    return [(c.style(row) if c.style else None) or base for c in columns]


def table_lines(
    rows: Sequence[dict],
    columns: Sequence[Column],
    width: int,
    title: str | None = None,
    row_style: Callable[[dict], str | None] | None = None,
) -> list:
    """The listing as rich Text lines at most `width` cells wide: a table when it fits, else one
    block of "header value" lines per row (records). Nothing is cut: ids, numbers and dates stay
    whole; text folds. Values are plain text (no markup), made safe by terminal_text."""
    from rich.text import Span, Text

    cells = _cells(rows, columns)
    widths = column_widths(cells, columns, width)
    out = [Text(terminal_text(title), style="bold")] if title else []
    if widths is None:
        return out + _record_lines(cells, rows, columns, width, row_style)
    header = Text()
    for i, (c, w) in enumerate(zip(columns, widths, strict=True)):
        header.append((" " * GAP if i else "") + _pad(c.header, w, c.justify), style="bold")
    header.rstrip()
    out += [header, Text("─" * (sum(widths) + GAP * (len(widths) - 1)))]
    for row, values in zip(rows, cells, strict=True):
        styles = _styles(row, columns, row_style)
        blocks = [
            value.split("\n") if c.is_whole else wrap(value, w)
            for c, w, value in zip(columns, widths, values, strict=True)
        ]
        for k in range(max(len(b) for b in blocks)):
            # the line as one string with a span per styled cell, not a Text appended to cell by
            # cell (a third of a 1,200-row table's time went to Text.append)
            text, spans = "", []
            for i, (c, w, block, style) in enumerate(zip(columns, widths, blocks, styles, strict=True)):
                piece = block[k] if k < len(block) else ""
                padded = ("" if not i else " " * GAP) + _pad(piece, w, c.justify)
                if piece and style:
                    start = len(text) + (GAP if i else 0)
                    spans.append(Span(start, len(text) + len(padded), style))
                text += padded
            line = Text(text, spans=spans)
            line.rstrip()
            out.append(line)
    return out


def _record_lines(cells, rows, columns, width, row_style) -> list:
    from rich.cells import cell_len
    from rich.text import Text

    label = max(cell_len(c.header) for c in columns)
    room = max(MIN_TEXT, width - label - GAP)
    out: list = []
    for n, (row, values) in enumerate(zip(rows, cells, strict=True)):
        if n:
            out.append(Text(""))
        styles = _styles(row, columns, row_style)
        for c, value, style in zip(columns, values, styles, strict=True):
            if value == "":
                continue
            lines = value.split("\n") if c.is_whole else wrap(value, room)
            for k, piece in enumerate(lines):
                line = Text(_pad(c.header if k == 0 else "", label, "left") + " " * GAP, style="bold")
                line.append(piece, style=style)
                line.rstrip()
                out.append(line)
    return out


def print_table(
    rows: Sequence[dict],
    columns: Sequence[Column],
    title: str | None = None,
    out=None,
    row_style: Callable[[dict], str | None] | None = None,
) -> None:
    """Print a listing for a person at the console's width (see table_lines)."""
    from rich.text import Text

    out = out or console()
    lines = table_lines(rows, columns, out.width, title, row_style)
    # In batches: one print per line costs rich's terminal checks 10,000 times for a long history
    for start in range(0, len(lines), 500):
        out.print(Text("\n").join(lines[start : start + 500]), soft_wrap=True)


def emit(
    rows: Sequence[dict],
    columns: Sequence[Column],
    fmt: str,
    *,
    json_rows: Sequence[dict] | None = None,
    empty: str | None = None,
    output: Path | None = None,
    replace: bool = False,
    title: str | None = None,
    row_style: Callable[[dict], str | None] | None = None,
) -> None:
    """Print a listing in one of FORMATS (or write it to `output`)."""
    if fmt not in FORMATS:
        raise BadInput(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "csv":
        data = csv_bytes(rows, columns)
    elif fmt == "json":
        data = json_text(list(json_rows if json_rows is not None else rows)).encode("utf-8")
    elif fmt == "md":
        data = markdown(rows, columns).encode("utf-8")
    else:
        data = None
    if output is not None:
        from policycli.files import write_atomically

        if data is None:
            raise BadInput("-o writes csv, json or md; pick one with --format")
        write_atomically(output, data, replace)
        return
    if data is not None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    if not rows:
        if empty:
            console(stderr=True).print(empty, markup=False)
        return
    print_table(rows, columns, title, row_style=row_style)


def csv_line_sql(expressions: Sequence[str]) -> str:
    """SQL for a whole CSV line of the given cell expressions, as a blob of UTF-8 bytes.

    SQLite renders 100k lines several times faster than Python can turn 2M cells into objects
    and back: printf's %w doubles double quotes, which is CSV's escaping, so every cell is
    quoted and each line is built in one pass (a chain of || copies the growing line once per
    cell). Each cell is what neutralise makes of it, the CSV rule in SQL: verbatim, with a
    leading apostrophe when a spreadsheet would run it as a formula; unicode() reads only the
    first character, and only a cell starting with a formula character or a control is trimmed
    (ltrim) to look past the controls. Dropping controls inside cells would need a scan of every
    cell: a GLOB '*[…]*' test alone made the export ten times slower.
    printf stops at a NUL character, which is why load refuses documents containing one.
    """
    starts = ", ".join(str(ord(c)) for c in _FORMULA_START)
    skipped = ", ".join(str(ord(c)) for c in _SKIPPED_IN_FRONT)
    apostrophe = "''''"  # the SQL literal for one '
    # one IN test for the common cell (a ltrim on every cell, or two tests, cost the export 10-30%)
    cells = [
        f"(CASE WHEN unicode({e}) IN ({starts}, {skipped}) AND unicode(ltrim({e}, char({skipped}))) IN "
        f"({starts})"
        f" THEN {apostrophe} || {e} ELSE coalesce({e}, '') END)"
        for e in expressions
    ]
    return "CAST(printf('" + ",".join('"%w"' for _ in expressions) + "', " + ", ".join(cells) + ") AS BLOB)"


def csv_lines(header: Sequence[str], lines, handle) -> None:
    """Write a CSV for Excel (BOM, CRLF) from a cursor of one-column rows made by csv_line_sql."""
    quoted = ",".join('"' + h.replace('"', '""') + '"' for h in header)
    handle.write(f"\ufeff{quoted}\r\n".encode())
    while batch := lines.fetchmany(2000):
        handle.write(b"\r\n".join([row[0] for row in batch]) + b"\r\n")
