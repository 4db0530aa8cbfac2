"""Output: rich tables for people, CSV/JSON/Markdown for machines. Data goes to stdout only.

Chinese text has no spaces, and rich wraps only at spaces, so every text column folds
(overflow="fold") instead of cutting with "…"; every value is escaped so a title containing
"[/]" or "[red]" prints as written.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from policycli.errors import BadInput

FORMATS = ("table", "csv", "json", "md")
# Excel runs a cell starting with one of these as a formula ("=HYPERLINK(…)", "+1", "@SUM").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    ratio: int | None = None
    no_wrap: bool = False
    justify: str = "left"
    show: Callable[[object], str] | None = None


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list | tuple):
        return "、".join(cell_text(v) for v in value)
    return str(value)


def safe_terminal_text(text: str) -> str:
    """Drop escape sequences and control characters a terminal would act on."""
    return _ANSI.sub("", text)


def neutralise(text: str) -> str:
    """A CSV cell Excel would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(_FORMULA_START) else text


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


def _value(row: dict, column: Column) -> str:
    value = row.get(column.key)
    return column.show(value) if column.show else cell_text(value)


def markdown(rows: Sequence[dict], columns: Sequence[Column]) -> str:
    from tabulate import tabulate

    def md_cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")

    body = [[md_cell(_value(row, c)) for c in columns] for row in rows]
    return tabulate(body, headers=[c.header for c in columns], tablefmt="github", disable_numparse=True) + "\n"


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, emoji=False, soft_wrap=False)


def rich_table(rows: Sequence[dict], columns: Sequence[Column], title: str | None = None):
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(title) if title else None, box=box.SIMPLE_HEAD, show_lines=False, pad_edge=False, expand=False)
    for c in columns:
        table.add_column(c.header, overflow="fold", ratio=c.ratio, no_wrap=c.no_wrap, justify=c.justify)
    for row in rows:
        table.add_row(*(escape(safe_terminal_text(_value(row, c))) for c in columns))
    return table


def emit(
    rows: Sequence[dict],
    columns: Sequence[Column],
    fmt: str,
    *,
    json_rows: Sequence[dict] | None = None,
    empty: str | None = None,
    output: Path | None = None,
) -> None:
    """Print a listing in one of FORMATS (or write it to `output`)."""
    if fmt not in FORMATS:
        raise BadInput(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "csv":
        data = csv_bytes(rows, columns)
    elif fmt == "json":
        data = (json.dumps(list(json_rows if json_rows is not None else rows), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    elif fmt == "md":
        data = markdown(rows, columns).encode("utf-8")
    else:
        data = None
    if output is not None:
        from policycli.files import write_atomically

        if data is None:
            raise BadInput("-o writes csv, json or md; pick one with --format")
        write_atomically(output, data)
        return
    if data is not None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    out = console()
    if not rows:
        if empty:
            console(stderr=True).print(empty)
        return
    out.print(rich_table(rows, columns))


def csv_line_sql(expressions: Sequence[str]) -> str:
    """SQL for a whole CSV line of the given cell expressions, as a blob of UTF-8 bytes.

    SQLite renders 100k lines several times faster than Python can turn 2M cells into objects
    and back: printf's %w doubles double quotes, which is CSV's escaping, so every cell is
    quoted and each line is built in one pass (a chain of || copies the growing line once per
    cell). A cell Excel would run as a formula gets a leading apostrophe; unicode() reads only
    the first character. printf stops at a NUL character, which is why load refuses documents
    containing one.
    """
    starts = ", ".join(str(ord(c)) for c in _FORMULA_START)
    apostrophe = "''''"  # the SQL literal for one '
    cells = [f"(CASE WHEN unicode({e}) IN ({starts}) THEN {apostrophe} || {e} ELSE coalesce({e}, '') END)" for e in expressions]
    return "CAST(printf('" + ",".join('"%w"' for _ in expressions) + "', " + ", ".join(cells) + ") AS BLOB)"


def csv_lines(header: Sequence[str], lines, handle) -> None:
    """Write a CSV for Excel (BOM, CRLF) from a cursor of one-column rows made by csv_line_sql."""
    quoted = ",".join('"' + h.replace('"', '""') + '"' for h in header)
    handle.write(f"\ufeff{quoted}\r\n".encode())
    while batch := lines.fetchmany(2000):
        handle.write(b"\r\n".join([row[0] for row in batch]) + b"\r\n")
