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
# "| --- | :---: |". Possessive quantifiers (*+, ?+): white space, "|", ":" and "-" never stand for each
# other, so nothing is given back, and a line of 60,000 spaces is not tried in every split between its
# two \s* runs (that took seconds).
_MD_TABLE_RULE = re.compile(r"^\s*+\|?+\s*+:?+-{2,}+:?+\s*+(?:\|\s*+:?+-{2,}+:?+\s*+)*+\|?+\s*+$")
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
        line = _links(line, "![", keep_text=False)  # ![图](a.png): an image goes
        line = _links(line, "[", keep_text=True)  # [《实施方案》](a.html): a link keeps its text
        out.append(RawLine(number, _MD_EMPHASIS.sub("", line.lstrip("> "))))
    return out


def _links(line: str, opener: str, keep_text: bool) -> str:
    r"""Markdown links (or images, opener "![") replaced by their text (or nothing): what
    re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line) gives, read in one pass.

    The regex tries every "[" again and scans to the next "]" and ")" from each: a line of 30,000
    "[" or "![" took seconds. Every opener before the same "]" fails or succeeds alike, so after a
    failure the search goes on after that "]"; with no "]" or ")" left, nothing later can match."""
    out: list[str] = []
    pos = 0  # copied up to here
    search = 0
    while True:
        start = line.find(opener, search)
        if start < 0:
            break
        close = line.find("]", start + len(opener))
        if close < 0:
            break
        if line[close + 1 : close + 2] != "(":
            search = close + 1
            continue
        end = line.find(")", close + 2)
        if end < 0:
            break
        out.append(line[pos:start])
        if keep_text:
            out.append(line[start + len(opener) : close])
        pos = search = end + 1
    out.append(line[pos:])
    return "".join(out)


_BLOCKS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "br",
    "tr",
    "section",
    "article",
    "title",
    "pre",
    "blockquote",
}
_SKIP = {
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "form",
    "button",
    "select",
    "iframe",
    "svg",
}


def _tail_as_text(text: str) -> str:
    """The page with any "<" after its last ">" written as text ("&lt;").

    No tag, comment or declaration can close there, and html.parser retries each such "<" to the end
    of the page before giving it up as text: "<a<a<a…" or "<a b='" repeated, 60 KiB of it, took
    minutes. Saved pages end with "</html>"; what follows it is read as the text it is (the parser
    passed it through raw, so "&" there is escaped too), after an empty comment that keeps the text
    before it a piece of its own, as the parser left it."""
    last = text.rfind(">")
    first = text.find("<", last + 1)
    if first < 0:
        return text
    rest = text[first:].replace("&", "&amp;").replace("<", "&lt;")
    return text[:first] + "<!---->" + rest


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[RawLine] = []
        self._buf: list[str] = []
        self._buf_has_text = (
            False  # any non-space character in _buf (not "".join(_buf) at every chunk: quadratic)
        )
        self._line = 1
        self._skip = 0
        self._cells: list[str] | None = None
        self._cell: list[str] | None = None

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        """ "<![CDATA[…]]>", "<![if !supportLists]>" (Word's HTML) as html.parser reads them; any other
        "<![…" ("<![b", "<![ 1") made Python 3.11's parser raise AssertionError, a traceback for a page
        a browser shows: it is skipped to its ">" as a comment, the way browsers (and Python 3.13) do."""
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1

    def _flush(self) -> None:
        text = re.sub(r"[ \t\r\n]+", " ", "".join(self._buf)).strip()
        if text:
            self.lines.append(RawLine(self._line, text))
        self._buf = []
        self._buf_has_text = False

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
            if not self._buf_has_text:
                self._line = self.getpos()[0]
            self._buf.append(data)
            self._buf_has_text = self._buf_has_text or bool(data.strip())


def html_lines(text: str) -> list[RawLine]:
    reader = _Reader()
    reader.feed(_tail_as_text(text))
    reader.close()
    reader._flush()
    return reader.lines
