"""The ledger as an Excel workbook (台账.xlsx), written with XlsxWriter: what the coordinating office
sends each agency, and what comes back filled in (checklist/returns.py reads it).

Each sheet: a frozen header and first column, an autofilter, Chinese headers, due dates as Excel
dates, wrapped text, overdue rows in red. The columns an agency fills in (状态 with a drop-down of
the Chinese statuses, 进展情况/备注, 佐证材料, 填报人, 完成时间) are pale yellow and unlocked; the rest are
locked (the sheet is protected without a password: a guard against slips, not a lock). The hidden
last column, 行键, says which part a row is and its version at export, so a return is matched
exactly. A hidden sheet, _policy, names the agency of each sheet and the day of the export.

Every cell is written as the value it is (write_string for text): nothing a document or a person
wrote can become a formula.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from policycli.checklist.periods import display as period_display
from policycli.checklist.status import deadline_status
from policycli.errors import BadInput
from policycli.kinds import ROLE_LABELS, STATUS_LABELS, UNASSIGNED_LABEL
from policycli.timezone import local_time

EXCEL_ROWS = 1_048_576  # rows in a sheet, the header included
META_SHEET = "_policy"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    width: float  # in Excel's character units (a Chinese character is about two)
    editable: bool = False
    kind: str = "text"  # text | date | wrap


COLUMNS = (
    Column("id", "措施编号", 22),
    Column("doc_title", "文件", 24, kind="wrap"),
    Column("number", "序号", 6),
    Column("title", "措施", 30, kind="wrap"),
    Column("text", "内容", 50, kind="wrap"),
    Column("agency", "责任单位", 18, kind="wrap"),
    Column("role", "角色", 6),
    Column("period", "期次", 12),
    Column("due", "截止日期", 12, kind="date"),
    Column("status", "状态", 10, editable=True),
    Column("note", "进展情况/备注", 40, editable=True, kind="wrap"),
    Column("evidence", "佐证材料", 30, editable=True, kind="wrap"),
    Column("reporter", "填报人", 10, editable=True),
    Column("done_on", "完成时间", 12, editable=True, kind="date"),
    Column("by", "上次填报人", 10),
    Column("at", "上次填报时间", 18),
    Column("correction", "更正", 20, kind="wrap"),
    Column("key", "行键", 10),
)
HEADERS = {c.field: c.header for c in COLUMNS}
STATUS_CHOICES = list(STATUS_LABELS.values())  # 未开始 推进中 已完成 受阻 不适用


def sheet_name(agency: str | None, taken: set[str]) -> str:
    """An Excel sheet name for an agency: at most 31 characters, none of []:*?/\\, unique."""
    # Excel refuses []:*?/\ and a leading or trailing apostrophe; the same name makes --split-files'
    # file names, so < > " | and controls go too (Windows refuses them in file names)
    text = agency if agency is not None else "台账"
    base = re.sub(r"[\[\]:*?/\\<>\"|\x00-\x1f\x7f]", "_", text).strip("' ") or UNASSIGNED_LABEL
    base = base[:31].strip("' ") or UNASSIGNED_LABEL
    name, k = base, 2
    while name.lower() in {t.lower() for t in taken} or name == META_SHEET:
        suffix = f"({k})"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    taken.add(name)
    return name


def workbook_bytes(sheets: Iterable[tuple[str | None, list[dict]]], today: date) -> bytes:
    """An .xlsx file: one sheet per (agency or None for the whole ledger, its ledger rows); the rows
    by due date (a recurring measure's periods among the others), undated last, in document order."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    book.set_properties({"title": "政策任务台账", "comments": f"policy export, {today.isoformat()}"})
    formats = _formats(book)
    taken: set[str] = set()
    written: list[tuple[str, str | None]] = []
    for agency, rows in sheets:
        if len(rows) + 1 > EXCEL_ROWS:
            raise BadInput(
                f"the ledger has {len(rows):,} rows, more than an Excel sheet holds; narrow it with "
                "--agency or --doc, split it with --split, or export CSV"
            )
        name = sheet_name(agency if agency is not None else None, taken)
        ordered = sorted(rows, key=lambda row: (row["due"] is None, row["due"] or ""))  # stable
        _sheet(book.add_worksheet(name), ordered, formats, today)
        written.append((name, agency))
    meta = book.add_worksheet(META_SHEET)
    meta.write_row(0, 0, ["sheet", "agency", "exported"])
    for k, (name, agency) in enumerate(written, start=1):
        meta.write_string(k, 0, name)
        meta.write_string(k, 1, agency if agency is not None else "*")
        meta.write_string(k, 2, today.isoformat())
    meta.hide()
    book.close()
    return buffer.getvalue()


def _formats(book) -> dict:
    base = {"valign": "top", "font_name": "等线", "font_size": 10}
    out = {
        "header": book.add_format(
            {**base, "bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True}
        )
    }
    out["header_edit"] = book.add_format(
        {**base, "bold": True, "bg_color": "#FFE699", "border": 1, "text_wrap": True}
    )
    for late in (False, True):
        for editable in (False, True):
            for kind in ("text", "wrap", "date"):
                spec = {**base, "locked": not editable, "border": 1, "border_color": "#BFBFBF"}
                if editable:
                    spec["bg_color"] = "#FFF2CC"
                elif late:
                    spec["bg_color"] = "#F8CBAD"
                if late:
                    spec["font_color"] = "#9C0006"
                if kind == "wrap":
                    spec["text_wrap"] = True
                if kind == "date":
                    spec["num_format"] = "yyyy-mm-dd"
                out[(late, editable, kind)] = book.add_format(spec)
    return out


def _cells(row: dict) -> dict:
    """What each column shows for a ledger row (checklist.ledger's fields)."""
    return {
        "id": row["id"],
        "doc_title": row["doc_title"] or "",
        "number": row["number"] or "",
        "title": row["title"] or "",
        "text": row["text"] or "",
        "agency": row["agency"] or UNASSIGNED_LABEL,
        "role": ROLE_LABELS.get(row["role"] or "", row["role"] or ""),
        "period": period_display(row["period"]),
        "due": row["due"],
        "status": STATUS_LABELS.get(row["status"], row["status"]),
        "note": row["note"] or "",
        "evidence": row["evidence"] or "",
        "reporter": "",
        "done_on": row["done_on"],
        "by": row["by"] or "",
        "at": local_time(row["at"]) if row["at"] else "",
        "correction": row["correction"] or "",
        "key": row["key"],
    }


def _widths(table: list[dict]) -> list[float]:
    """Column widths that fit: a short column (ids, units, dates) as wide as its widest cell, a
    Chinese character counting two (Excel's units are about one Latin character); a column of
    wrapped text keeps its width and wraps."""
    from rich.cells import cell_len

    widths = []
    for column in COLUMNS:
        if column.kind == "wrap" or column.field == "key":
            widths.append(column.width)
            continue
        widest = max(
            [cell_len(column.header)] + [cell_len(str(cells[column.field] or "")) for cells in table]
        )
        widths.append(min(max(widest + 2, 6), 40))
    return widths


def _sheet(sheet, rows: list[dict], formats: dict, today: date) -> None:
    table = [_cells(row) for row in rows]
    for k, (column, width) in enumerate(zip(COLUMNS, _widths(table), strict=True)):
        hidden = column.field == "key"
        sheet.set_column(k, k, width, None, {"hidden": hidden})
    sheet.set_row(0, 30)
    for k, column in enumerate(COLUMNS):
        sheet.write_string(0, k, column.header, formats["header_edit" if column.editable else "header"])
    status_column = [c.field for c in COLUMNS].index("status")
    for r, (row, cells) in enumerate(zip(rows, table, strict=True), start=1):
        late = deadline_status(row["status"], row["due"], today) == "overdue"
        for k, column in enumerate(COLUMNS):
            value = cells[column.field]
            style = formats[(late, column.editable, column.kind)]
            if column.kind == "date":
                if value:
                    sheet.write_datetime(r, k, datetime.fromisoformat(value), style)
                else:
                    sheet.write_blank(r, k, None, style)
            else:
                sheet.write_string(r, k, str(value), style)
    last = max(len(rows), 1)
    # printed on A4 landscape, as wide as the page, the header on every page
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, last, len(COLUMNS) - 2)
    sheet.data_validation(
        1,
        status_column,
        last,
        status_column,
        {
            "validate": "list",
            "source": STATUS_CHOICES,
            "error_title": "状态",
            "error_message": "请从列表中选择：" + "、".join(STATUS_CHOICES),
        },
    )
    done_column = [c.field for c in COLUMNS].index("done_on")
    sheet.data_validation(
        1,
        done_column,
        last,
        done_column,
        {
            "validate": "date",
            "criteria": "between",
            "minimum": datetime(1990, 1, 1),
            "maximum": datetime(2100, 12, 31),
            "error_title": "完成时间",
            "error_message": "请填写日期，例如 2022-05-10",
        },
    )
    sheet.protect(
        "",
        {
            "autofilter": True,
            "sort": True,
            "format_columns": True,
            "format_rows": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )
