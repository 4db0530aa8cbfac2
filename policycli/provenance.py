"""Where a measure's words are in its source file, said the way a person finds them there.

A structured file's `source` says what its line numbers count (`unit`) and, for PDFs and workbooks,
where each page or sheet starts (`segments`: {"name", "first_line"} in order; numbering runs on
without gaps, so a page's or sheet's own line is the number minus its first line, plus one):

    line        a text file's line                 第207–209行
    paragraph   a Word document's paragraph        第12–14段
    page-line   a PDF's page and line on the page  第3页第5–7行, 第3页第40行–第4页第2行
    sheet-row   a workbook's sheet and row         工作表“任务分工”第3–4行

Lines of a file attached to the document (`ingest --attach-to`, `attachments_files`: {"file", "unit",
"first_line", "segments"}, segments numbered as in that file) are said in that file's own terms:
附件“分工表.xlsx”工作表“任务分工”第3行.
"""

from __future__ import annotations


def _segment(segments: list[dict], line: int) -> tuple[str, int]:
    name, first = "", 1
    for segment in segments:
        if segment.get("first_line", 1) > line:
            break
        name, first = str(segment.get("name", "")), int(segment.get("first_line", 1))
    return name, line - first + 1


def describe(source: dict | None, first: int | None, last: int | None) -> str:
    """ "第207–209行" or the format's own way of saying it (see the module docstring)."""
    if first is None:
        return ""
    last = last if last is not None else first
    source = source or {}
    for attached in reversed(source.get("attachments_files") or []):
        start = int(attached.get("first_line", 0) or 0)
        if start and first >= start:
            own = {"unit": attached.get("unit"), "segments": attached.get("segments") or []}
            return f"附件“{attached.get('file', '')}”" + describe(own, first - start + 1, last - start + 1)
    unit = source.get("unit") or "line"
    if unit == "paragraph":
        return f"第{first}–{last}段"
    segments = source.get("segments") or []
    if unit in ("page-line", "sheet-row") and segments:
        (page, a), (page_b, b) = _segment(segments, first), _segment(segments, last)
        if page == page_b:
            return f"{_place(unit, page)}第{a}–{b}行"
        return f"{_place(unit, page)}第{a}行–{_place(unit, page_b)}第{b}行"
    return f"第{first}–{last}行"


def _place(unit: str, name: str) -> str:
    return f"第{name}页" if unit == "page-line" else f"工作表“{name}”"


def in_words(source: dict | None, line: int) -> str:
    """A warning's location in English, as `describe` says it in Chinese: "line 12", "paragraph 12",
    "page 3 line 5", "sheet 任务分工 row 4"."""
    source = source or {}
    for attached in reversed(source.get("attachments_files") or []):
        start = int(attached.get("first_line", 0) or 0)
        if start and line >= start:
            own = {"unit": attached.get("unit"), "segments": attached.get("segments") or []}
            return f"attached {attached.get('file', '')} " + in_words(own, line - start + 1)
    unit = source.get("unit") or "line"
    if unit == "paragraph":
        return f"paragraph {line}"
    segments = source.get("segments") or []
    if unit in ("page-line", "sheet-row") and segments:
        name, k = _segment(segments, line)
        return f"page {name} line {k}" if unit == "page-line" else f"sheet {name} row {k}"
    return f"line {line}"
