"""From decoded text to logical paragraphs with source line ranges.

Three input shapes reach the parser as the same list of `Paragraph`s:

* plain text, one paragraph per line (most web copies), where a paragraph is sometimes cut
  in two by a stray line break ("…，统筹" / "推进服务业…", a PDF page break pasted into the page);
* PDF-extracted text with hard wraps every ~30 characters and a blank line after every line
  ("１．服务业成为上海经济增量的主导引擎.２０２０年,全市服务" / "" / "业增加值达到…"), with page
  numbers such as "—７—" between pages;
* Markdown and HTML, first reduced to lines (headings, paragraphs, table rows as tab-separated
  cells) by `markup.py`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from policycli.folding import fold
from policycli.ingest.patterns import SENTENCE_END, starts_heading
from policycli.ingest.units import looks_like_unit_list

# "—７—", "- 12 -", "第3页", "3/20" alone on a line.
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]+\s*[0-9]+\s*[-—–－]+|第\s*[0-9]+\s*页(?:\s*共\s*[0-9]+\s*页)?|[0-9]+\s*/\s*[0-9]+)\s*$"
)
_TERMINAL = tuple('。.!！?？；;:：」』”"）)')
_OPEN_ENDING = tuple("，,、(（“《")


@dataclass
class RawLine:
    number: int  # 1-based line number in the source file
    text: str  # original text, without the line break
    last: int | None = None  # the last source line, when a reader gives a whole paragraph as one line
    after_frame: bool = False  # the first line after a framed box (a Word 专栏 drawn as a one-cell table)


@dataclass
class Paragraph:
    first_line: int
    last_line: int
    text: str  # original characters, wrapped lines joined
    folded: str  # fold(text): same length, parse on this
    width: int  # longest source line in the paragraph (PDF text: tells a box from the body)
    after_frame: bool = False  # a reader saw the box above end here (see RawLine)


def raw_lines(text: str) -> list[RawLine]:
    return [RawLine(i, line) for i, line in enumerate(text.splitlines(), start=1)]


def paragraphs(lines: list[RawLine], whole: bool = False) -> tuple[list[Paragraph], bool]:
    """Join wrapped lines into paragraphs; return them and whether the text was hard-wrapped.

    `whole`: each line already is a whole paragraph (a Word paragraph, a PDF paragraph rebuilt from
    its layout, a table row): nothing is joined."""
    content = [ln for ln in lines if ln.text.strip() and not _PAGE_NUMBER.match(fold(ln.text))]
    if not content:
        return [], False
    if whole:
        return [_make([line]) for line in content], False
    # Each line's body and its fold, read by several of the tests below (a line is tested as the one
    # that may go on and as the next one): worked out once per line.
    bodies = [_body(ln.text) for ln in content]
    folded = [fold(body) for body in bodies]
    lengths = [len(body) for body in bodies]
    wrapped = _looks_hard_wrapped(lengths, folded)
    typical = Counter(lengths).most_common(1)[0][0]
    out: list[Paragraph] = []
    start = 0  # the paragraph being read is content[start : i + 1]
    for i, line in enumerate(content):
        nxt = content[i + 1] if i + 1 < len(content) else None
        if nxt is None:
            break
        if wrapped:
            local = max(typical, *lengths[max(0, i - 2) : i + 3])
            join = _joins_wrapped(nxt.text, folded[i], folded[i + 1], lengths[i], local)
        else:
            join = _joins_plain(line.text, nxt.text, folded[i], folded[i + 1])
        if not join:
            out.append(_make(content[start : i + 1], bodies[start : i + 1]))
            start = i + 1
    out.append(_make(content[start:], bodies[start:]))
    return out, wrapped


def _body(text: str) -> str:
    """The line without trailing white space and without a stray leading ASCII space."""
    return text.rstrip().lstrip(" \t")


def _make(lines: list[RawLine], bodies: list[str] | None = None) -> Paragraph:
    """The paragraph of `lines`; `bodies`: their _body(), when already worked out."""
    if len(lines) == 1 and "\t" in lines[0].text:
        # A table row: empty leading and trailing cells are part of its shape.
        text = lines[0].text.rstrip("\r\n")
        return Paragraph(
            lines[0].number,
            lines[0].last or lines[0].number,
            text,
            fold(text),
            len(text.strip()),
            lines[0].after_frame,
        )
    if bodies is None:
        bodies = [_body(ln.text) for ln in lines]
    parts = [body.strip("\u3000 ") for body in bodies]
    text = "".join(_glue(parts))
    return Paragraph(
        first_line=lines[0].number,
        last_line=lines[-1].last or lines[-1].number,
        text=text,
        folded=fold(text),
        width=max(len(body) for body in bodies),
        after_frame=lines[0].after_frame,
    )


def _glue(parts: list[str]):
    # Chinese wraps need no space; a wrap between two Latin words does ("hard" / "X射线").
    for k, part in enumerate(parts):
        if (
            k
            and parts[k - 1][-1:].isascii()
            and parts[k - 1][-1:].isalnum()
            and part[:1].isascii()
            and part[:1].isalpha()
        ):
            yield " "
        yield part


def _looks_hard_wrapped(lengths: list[int], folded: list[str]) -> bool:
    """PDF text: most lines are about one width and most lines end mid-sentence (lengths and folds of
    the lines' bodies)."""
    if len(lengths) < 20:
        return False
    width, _ = Counter(lengths).most_common(1)[0]
    if not 15 <= width <= 60 or sum(1 for n in lengths if abs(n - width) <= 2) < 0.4 * len(lengths):
        return False
    unfinished = sum(1 for body in folded if not body.endswith(_TERMINAL))
    return unfinished >= 0.5 * len(lengths)


def _joins_wrapped(nxt: str, folded: str, following: str, length: int, local_width: int) -> bool:
    """In hard-wrapped text a line cut mid-sentence continues on the next line.

    Justified PDF lines vary by a few characters ("," and "." were full-width in the PDF), so
    "full" is judged loosely: a line that stops mid-word and is at least 75% of the
    usual width continues; a line ending a sentence continues only when it is full and
    the next line neither is indented nor starts a heading.
    """
    if nxt.lstrip(" ").startswith("\u3000"):
        return False  # the next line is indented: a new paragraph
    if _spaced_cells(folded) or _spaced_cells(following):
        return False  # a table row ("１ 服务业增加值占… ％ 预期性 ７５左右") or a spaced-out header
    if folded.endswith(_TERMINAL):
        return length >= local_width - 2 and not starts_heading(following)
    return length >= 0.75 * local_width or folded.endswith(_OPEN_ENDING)


def _spaced_cells(folded: str) -> bool:
    return len(folded.split()) >= 3


def _joins_plain(line: str, nxt: str, line_folded: str, next_folded: str) -> bool:
    """In one-paragraph-per-line text, join only a line that was visibly cut mid-sentence (the lines, and
    the folds of their bodies)."""
    folded = line_folded.rstrip("\u3000 ")
    if not folded or folded.endswith(_TERMINAL) or "\t" in line or "\t" in nxt:
        return False
    # A line that stops open ("…，统筹") goes on. A title or heading is short and has no sentence stop
    # inside; a cut paragraph is long or already holds a sentence ("23、提升园区服务。不断完善园区服务“软”
    # 环境，在"). (Asked first: the two tests below cost more, and only a line that may go on needs them.)
    if not (folded.endswith(_OPEN_ENDING) or len(folded) >= 40 or SENTENCE_END.search(folded)):
        return False
    if starts_heading(next_folded.lstrip("\u3000 ")):
        return False
    # a cell of a flattened table: "区数据局、区水务局和属地街镇" / "加强…管理。"
    return not looks_like_unit_list(folded)
