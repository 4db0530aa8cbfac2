"""Markdown and HTML pages reduced to the lines the plain-text parser reads.

Headings and paragraphs become lines; table rows become tab-separated cells (the same shape as
a table pasted from a PDF); list markers, emphasis, scripts, styles and navigation disappear.
Line numbers stay those of the source file, so provenance points into the page as saved.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from policycli.ingest.layout import RawLine

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|[0-9]+\))\s+")
_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")


def markdown_lines(text: str) -> list[RawLine]:
    out: list[RawLine] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if _MD_TABLE_RULE.match(line):
            continue
        stripped = line.strip()
        if stripped.startswith("|") or (stripped.count("|") >= 2 and not stripped.startswith(">")):
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            out.append(RawLine(number, "\t".join(_MD_EMPHASIS.sub("", c) for c in cells)))
            continue
        line = _MD_HEADING.sub("", line)
        line = _MD_LIST.sub("", line)
        line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)
        line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)
        out.append(RawLine(number, _MD_EMPHASIS.sub("", line.lstrip("> "))))
    return out


_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "section", "article", "title", "pre", "blockquote"}
_SKIP = {"script", "style", "noscript", "nav", "header", "footer", "form", "button", "select", "iframe", "svg"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[RawLine] = []
        self._buf: list[str] = []
        self._line = 1
        self._skip = 0
        self._cells: list[str] | None = None
        self._cell: list[str] | None = None

    def _flush(self) -> None:
        text = re.sub(r"[ \t\r\n]+", " ", "".join(self._buf)).strip()
        if text:
            self.lines.append(RawLine(self._line, text))
        self._buf = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP:
            self._skip += 1
            return
        if self._skip:
            return
        if tag == "tr":
            self._flush()
            self._cells, self._line = [], self.getpos()[0]
        elif tag in ("td", "th") and self._cells is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")
        elif tag in _BLOCKS and self._cell is None:
            self._flush()
            self._line = self.getpos()[0]

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
            return
        if self._skip:
            return
        if tag in ("td", "th") and self._cells is not None and self._cell is not None:
            self._cells.append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr" and self._cells is not None:
            if any(self._cells):
                self.lines.append(RawLine(self._line, "\t".join(self._cells)))
            self._cells = None
        elif tag in _BLOCKS and self._cell is None:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        else:
            if not "".join(self._buf).strip():
                self._line = self.getpos()[0]
            self._buf.append(data)


def html_lines(text: str) -> list[RawLine]:
    reader = _Reader()
    reader.feed(text)
    reader.close()
    reader._flush()
    return reader.lines
