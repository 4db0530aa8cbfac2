"""Word .docx files (python-docx) → Blocks: one numbered line per paragraph, table rows as tab-joined cells.

What a reader of the printed document sees, in document order:

* body paragraphs and tables as they are interleaved in the body (w:p, w:tbl, content controls);
  a paragraph's text without hidden runs, deleted revisions, field codes or page-number fields
  (PAGE, NUMPAGES, PAGEREF, TOC); a tab as a space (a tab separates table cells only);
* Word's automatic numbering turned back into the printed marker ("一、", "（一）", "1.", "（1）", "①"):
  `w:numPr` from the paragraph or its style (basedOn chain), the numbering definitions (numFmt,
  lvlText, start, lvlOverride/startOverride, lvlRestart), counters kept as Word keeps them;
* table rows as cells joined by "\\t", one cell per grid column: a `gridSpan` cell once, the columns
  it covers left empty; a `vMerge` cell's value in every row it spans; a cell's paragraphs joined (no
  separator in Chinese, a space between Latin words, "、" between paragraphs that are each a unit's
  name); a nested table flattened into its cell (its cells joined by spaces, a row a paragraph); a
  one-column table is a frame and its paragraphs are read as paragraphs;
* text boxes (w:txbxContent; of mc:AlternateContent only the first mc:Choice, else mc:Fallback) as
  their own paragraphs after the paragraph that anchors them;
* footnotes and endnotes appended at the end, each prefixed "注<mark>：" with its printed mark.

Headers and footers are not in the body and are never read. Empty paragraphs are not lines: a line
number (shown as 第N段) counts the paragraphs and table rows that hold text.

Limits, checked before anything is parsed: the file at most 20 MiB; the package's parts, by the
sizes its zip directory declares (which zipfile enforces while unpacking), at most 100 MiB together,
one XML part at most 50 MiB, at most 5,000 parts. An XML part that declares a DOCTYPE is refused
(Word never writes one; it is how external entities and entity bombs arrive), and python-docx's own
parser resolves no entities and loads no DTD. A password-protected file (an OLE container with
EncryptionInfo, or an encrypted zip entry) and a corrupt one are refused in one line.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from policycli.errors import BadInput
from policycli.ingest.layout import RawLine
from policycli.ingest.readers import Blocks, package, read_bytes, sha256, stat_regular

MiB = 1024 * 1024
MAX_FILE_BYTES = 20 * MiB
MAX_UNPACKED_BYTES = 100 * MiB
MAX_PART_BYTES = 50 * MiB
MAX_PARTS = 5000
FRAME_END = "\x1d"  # between the reader's passes: a framed box closed here (never document text)
MAX_COLUMNS = 64  # table columns read (a grid of 100,000 columns would pad every row with tabs)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
MATH = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"

# Fields whose result is furniture of the printed page, not document text.
_PAGE_FIELDS = {"PAGE", "NUMPAGES", "SECTIONPAGES", "SECTION", "PAGEREF", "TOC"}
# What is left of "— 3 —" or "第 3 页 共 9 页" once the numbers of its fields are dropped.
_PAGE_FURNITURE = re.compile(r"^[\s\-—–－_/|·.第页共]*$")
# Bullet glyphs the parser reads as markers ("——现代服务业…"); other bullets print as decoration.
_DASH_BULLETS = {"—", "——", "－", "－－", "-", "--"}


# --- entry point ----------------------------------------------------------------------------


def read(path: Path) -> Blocks:
    """Read a .docx file into Blocks, or raise BadInput with a one-line reason."""
    size = stat_regular(path, MAX_FILE_BYTES, "Word file")
    data = read_bytes(path)
    if data.startswith(OLE_MAGIC):
        raise BadInput(ole_message(path, data))
    check_package(path, data)
    document = _open(path, data)
    reader = _Reader(document)
    try:
        texts = reader.read()
    except RecursionError:
        raise BadInput(f"{path}: the Word file nests too deeply to read; refused") from None
    lines: list[RawLine] = []
    after_frame = False
    for text in texts:
        if text == FRAME_END:
            after_frame = True
            continue
        lines.append(RawLine(len(lines) + 1, text, after_frame=after_frame))
        after_frame = False
    if not lines:
        raise BadInput(f"{path}: the file has no text (an empty Word document, or only images)")
    return Blocks(
        path,
        lines,
        "docx",
        "docx",
        sha256(data),
        size,
        unit="paragraph",
        warnings=reader.warnings,
        source_lines=len(lines),
        whole_paragraphs=True,
    )


def is_password_protected(data: bytes) -> bool:
    """An OLE container holding an encrypted OOXML package (how Word and WPS save a file with a password)."""
    names = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
    return data.startswith(OLE_MAGIC) and all(name in data for name in names)


def ole_message(path: Path, data: bytes) -> str:
    """The one-line refusal for an OLE file given where a .docx was expected."""
    if is_password_protected(data):
        return (
            f"{path}: the file is password-protected (encrypted); remove the password in Word or WPS "
            "(文件 › 信息 › 保护文档 › 用密码进行加密) and save it again"
        )
    return (
        f"{path}: an old-format Word file (.doc/.wps), not .docx; convert it: "
        f"soffice --headless --convert-to docx {path.name}"
    )


# --- the package: sizes and DOCTYPEs, before python-docx parses anything ---------------------


def check_package(path: Path, data: bytes) -> None:
    """Refuse a zip bomb by its declared sizes and any part declaring a DOCTYPE (readers/package.py)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise BadInput(
            f"{path}: not a readable Word file ({_one_line(exc)}); open it in Word or WPS and save it again"
        ) from None
    with archive:
        package.check_package(
            archive,
            str(path),
            "Word file",
            required="[Content_Types].xml",
            max_members=MAX_PARTS,
            max_unpacked=MAX_UNPACKED_BYTES,
            max_part=MAX_PART_BYTES,
        )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


@dataclass
class _Package:
    body: object  # the w:body element
    styles: object | None
    numbering: object | None
    settings: object | None
    footnotes: object | None
    endnotes: object | None


def _open(path: Path, data: bytes) -> _Package:
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        parts = {rel.reltype: rel.target_part for rel in document.part.rels.values() if not rel.is_external}
        elements = {
            kind: _element(parts.get(kind))
            for kind in (RT.STYLES, RT.NUMBERING, RT.SETTINGS, RT.FOOTNOTES, RT.ENDNOTES)
        }
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        etree.XMLSyntaxError,
        OSError,
        EOFError,
        AttributeError,
        TypeError,
        NotImplementedError,
    ) as exc:
        raise BadInput(
            f"{path}: not a readable Word file ({_one_line(exc)}); open it in Word or WPS and save it again"
        ) from None
    if body is None:
        raise BadInput(f"{path}: not a readable Word file (the document has no body)")
    return _Package(
        body,
        elements[RT.STYLES],
        elements[RT.NUMBERING],
        elements[RT.SETTINGS],
        elements[RT.FOOTNOTES],
        elements[RT.ENDNOTES],
    )


def _element(part):
    """A part's XML root: python-docx's own for the parts it models, else its bytes parsed by its safe
    parser."""
    if part is None:
        return None
    element = getattr(part, "element", None)
    if element is not None:
        return element
    from docx.oxml.parser import parse_xml

    return parse_xml(part.blob)


# --- numbers as Word prints them ------------------------------------------------------------

_CN = "〇一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"


def _cn_counting(
    n: int,
    digits: str = "零一二三四五六七八九",
    units: tuple[str, str, str] = ("十", "百", "千"),
    ten_alone: bool = True,
) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五, 1010 → 一千零一十 (to 9999; larger digit by digit)."""
    if n <= 0 or n >= 10000:
        return "".join(_CN[int(d)] for d in str(max(n, 0)))
    out: list[str] = []
    parts = [(n // 1000, units[2]), (n // 100 % 10, units[1]), (n // 10 % 10, units[0]), (n % 10, "")]
    started = zero = False
    for value, unit in parts:
        if value == 0:
            zero = started
            continue
        if zero:
            out.append(digits[0])
            zero = False
        if not (ten_alone and unit == units[0] and value == 1 and not started):
            out.append(digits[value])
        out.append(unit)
        started = True
    return "".join(out)


def _roman(n: int) -> str:
    if n <= 0 or n >= 4000:
        return str(n)
    out = []
    for value, letters in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def _letter(n: int) -> str:
    if n <= 0 or n > 26 * 30:
        return str(n)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)  # Word: Y, Z, AA, BB …


def format_number(n: int, fmt: str) -> str:
    """The number `n` in Word's numFmt `fmt` ("chineseCounting" 11 → 十一, "decimalEnclosedCircle" 3 → ③)."""
    if fmt in ("chineseCounting", "japaneseCounting", "taiwaneseCounting"):
        return _cn_counting(n) if n < 100 else "".join(_CN[int(d)] for d in str(n))
    if fmt in ("chineseCountingThousand", "taiwaneseCountingThousand", "japaneseLegal", "koreanCounting"):
        return _cn_counting(n)
    if fmt == "chineseLegalSimplified":
        return _cn_counting(n, _CN_LEGAL, ("拾", "佰", "仟"), ten_alone=False)
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand", "koreanDigital"):
        return "".join(_CN[int(d)] for d in str(max(n, 0)))
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10] if n > 0 else str(n)
    if fmt == "ideographZodiac":
        return _DIZHI[(n - 1) % 12] if n > 0 else str(n)
    if fmt == "ideographEnclosedCircle":
        return chr(0x3280 + n - 1) if 1 <= n <= 10 else _cn_counting(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "decimalEnclosedParen":
        return chr(0x2474 + n - 1) if 1 <= n <= 20 else f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return chr(0x2488 + n - 1) if 1 <= n <= 20 else f"{n}."
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return str(n).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    if fmt == "decimalZero":
        return f"{n:02d}" if 0 <= n < 10 else str(n)
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letter(n)
    if fmt == "lowerLetter":
        return _letter(n).lower()
    if fmt == "none":
        return ""
    return str(n)  # decimal, decimalHalfWidth, ordinal … and anything unknown


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _val(element, tag: str) -> str | None:
    """The w:val of the child `tag` of `element`, or None."""
    if element is None:
        return None
    child = element.find(W + tag)
    return child.get(W + "val") if child is not None else None


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = ""
    start: int = 1
    restart: int | None = None  # w:lvlRestart: None = after any higher level, 0 = never
    suffix: str = "tab"
    legal: bool = False  # w:isLgl: every number in the text as decimal
    style: str | None = None  # w:pStyle: the paragraph style this level belongs to


def _level(lvl) -> _Level:
    return _Level(
        fmt=_val(lvl, "numFmt") or "decimal",
        text=_val(lvl, "lvlText") or "",
        start=_int(_val(lvl, "start"), 1) or 0,
        restart=_int(_val(lvl, "lvlRestart")),
        suffix=_val(lvl, "suff") or "tab",
        legal=lvl.find(W + "isLgl") is not None and _val(lvl, "isLgl") not in ("0", "false"),
        style=_val(lvl, "pStyle"),
    )


@dataclass
class _Num:
    abstract: str
    starts: dict[int, int] = field(default_factory=dict)  # w:startOverride per level
    levels: dict[int, _Level] = field(default_factory=dict)  # a w:lvl given inside w:lvlOverride


@dataclass
class _Style:
    based_on: str | None
    num_id: str | None
    ilvl: int | None


class Numbering:
    """Word's list numbering: which paragraphs are numbered, and the marker each one prints.

    Counters belong to a list: paragraphs of every w:num that points at the same w:abstractNum
    continue one another, as in Word; a w:num with a w:startOverride is a list of its own (Word's
    "restart numbering"). Using a level advances it and resets the levels below it that restart
    after it (w:lvlRestart; by default every lower level)."""

    def __init__(self, numbering, styles) -> None:
        self.abstracts: dict[str, dict[int, _Level]] = {}
        self.style_links: dict[str, str] = {}  # abstractNumId → numbering style (w:numStyleLink)
        self.nums: dict[str, _Num] = {}
        self.styles: dict[str, _Style] = {}
        self.default_style: str | None = None
        self.counters: dict[tuple[str, str], list[int | None]] = {}
        if styles is not None:
            for style in styles.iter(W + "style"):
                style_id = style.get(W + "styleId")
                if not style_id:
                    continue
                ppr = style.find(W + "pPr")
                numpr = ppr.find(W + "numPr") if ppr is not None else None
                self.styles[style_id] = _Style(
                    _val(style, "basedOn"), _val(numpr, "numId"), _int(_val(numpr, "ilvl"))
                )
                if style.get(W + "type") == "paragraph" and style.get(W + "default") in ("1", "true", "on"):
                    self.default_style = style_id
        if numbering is None:
            return
        for abstract in numbering.iter(W + "abstractNum"):
            key = abstract.get(W + "abstractNumId") or ""
            self.abstracts[key] = {
                ilvl: _level(lvl)
                for lvl in abstract.iter(W + "lvl")
                if (ilvl := _int(lvl.get(W + "ilvl"))) is not None and 0 <= ilvl <= 8
            }
            link = _val(abstract, "numStyleLink")
            if link:
                self.style_links[key] = link
        for num in numbering.iter(W + "num"):
            num_id = num.get(W + "numId")
            abstract = _val(num, "abstractNumId")
            if num_id is None or abstract is None:
                continue
            entry = _Num(abstract)
            for override in num.iter(W + "lvlOverride"):
                ilvl = _int(override.get(W + "ilvl"))
                if ilvl is None or not 0 <= ilvl <= 8:
                    continue
                start = _int(_val(override, "startOverride"))
                if start is not None:
                    entry.starts[ilvl] = start
                lvl = override.find(W + "lvl")
                if lvl is not None:
                    entry.levels[ilvl] = _level(lvl)
            self.nums[num_id] = entry

    # which list and level a paragraph is in

    def _chain(self, style_id: str | None) -> Iterator[tuple[str, _Style]]:
        seen: set[str] = set()
        while style_id and style_id not in seen and len(seen) < 32:
            seen.add(style_id)
            style = self.styles.get(style_id)
            if style is None:
                return
            yield style_id, style
            style_id = style.based_on

    def resolve(self, paragraph) -> tuple[str, int] | None:
        """(numId, ilvl) of a paragraph: its own w:numPr, else its style's (following w:basedOn)."""
        ppr = paragraph.find(W + "pPr")
        numpr = ppr.find(W + "numPr") if ppr is not None else None
        num_id, ilvl = _val(numpr, "numId"), _int(_val(numpr, "ilvl"))
        style_id = _val(ppr, "pStyle") or self.default_style
        chain = list(self._chain(style_id))
        if num_id is None:
            for _, style in chain:
                if style.num_id is not None:
                    num_id = style.num_id
                    ilvl = ilvl if ilvl is not None else style.ilvl
                    break
        if num_id is None or num_id == "0" or num_id not in self.nums:
            return None
        if ilvl is None:
            levels = self._levels(num_id)
            names = [name for name, _ in chain]
            ilvl = next((k for k, lvl in sorted(levels.items()) if lvl.style and lvl.style in names), 0)
        return num_id, max(0, min(8, ilvl))

    def _levels(self, num_id: str) -> dict[int, _Level]:
        abstract = self.nums[num_id].abstract
        for _ in range(8):  # an abstractNum that only links to a numbering style: follow the link
            link = self.style_links.get(abstract)
            if link is None or self.abstracts.get(abstract):
                break
            target = next((s.num_id for _, s in self._chain(link) if s.num_id), None)
            if target is None or target not in self.nums:
                break
            abstract = self.nums[target].abstract
        return self.abstracts.get(abstract, {})

    def _level(self, num_id: str, ilvl: int) -> _Level | None:
        return self.nums[num_id].levels.get(ilvl) or self._levels(num_id).get(ilvl)

    def _start(self, num_id: str, ilvl: int) -> int:
        num = self.nums[num_id]
        if ilvl in num.starts:
            return num.starts[ilvl]
        level = self._level(num_id, ilvl)
        return level.start if level else 1

    # the marker

    def marker(self, paragraph) -> str:
        """The printed marker of a numbered paragraph ("（一）"), advancing its list; "" if not numbered."""
        found = self.resolve(paragraph)
        if found is None:
            return ""
        num_id, ilvl = found
        level = self._level(num_id, ilvl)
        if level is None:
            return ""
        num = self.nums[num_id]
        key = ("num", num_id) if num.starts else ("abstract", num.abstract)
        counts = self.counters.setdefault(key, [None] * 9)
        counts[ilvl] = self._start(num_id, ilvl) if counts[ilvl] is None else counts[ilvl] + 1
        for lower in range(ilvl + 1, 9):
            below = self._level(num_id, lower)
            restart = below.restart if below else None
            if restart is None or (restart > 0 and ilvl < restart):
                counts[lower] = None
        if level.fmt == "bullet":
            text = level.text.strip()
            return text if text in _DASH_BULLETS else ""

        def number(match: re.Match[str]) -> str:
            k = int(match.group(1)) - 1
            value = counts[k] if counts[k] is not None else self._start(num_id, k)
            of = self._level(num_id, k)
            return format_number(value, "decimal" if level.legal else (of.fmt if of else "decimal"))

        text = re.sub(r"%([1-9])", number, level.text)
        return text + (" " if level.suffix == "space" and text else "")


# --- the body, read in order ----------------------------------------------------------------


def glue(parts: Iterable[str], units: bool = False) -> str:
    """Paragraphs as one text: no separator in Chinese, a space between Latin words; with `units`
    (a table cell), "、" between paragraphs that each name units ("区民政局" / "区科委", one a line)."""
    from policycli.ingest.units import looks_like_unit_list

    out, previous = "", ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalpha():
            out += " "
        elif (
            units
            and out
            and not out.endswith(("、", "，", ",", "；", ";"))
            and looks_like_unit_list(previous)
            and looks_like_unit_list(part)
        ):
            out += "、"
        out += part
        previous = part
    return out


@dataclass
class _Field:
    instr: str = ""
    result: bool = False  # past w:fldChar separate
    hidden: bool = False  # a page-number field: its result is not text


@dataclass
class _Text:
    """What one paragraph holds while it is read."""

    pieces: list[list[str]] = field(default_factory=lambda: [[]])  # text between manual line breaks
    boxes: list[str] = field(default_factory=list)  # lines of the text boxes it anchors
    page_field: bool = False  # it held a page-number field, now dropped

    def add(self, text: str) -> None:
        self.pieces[-1].append(text)

    def brk(self) -> None:
        self.pieces.append([])

    def lines(self) -> list[str]:
        """The paragraph's text; a manual line break before a heading marker starts a new paragraph."""
        from policycli.folding import fold
        from policycli.ingest.patterns import starts_heading

        out: list[str] = []
        for piece in ("".join(p).replace("\t", " ") for p in self.pieces):
            if out and piece.strip() and not starts_heading(fold(piece.strip())):
                out[-1] = glue([out[-1], piece])
            else:
                out.append(piece)
        out = [line.strip() for line in out]
        if self.page_field:
            out = [line for line in out if not _PAGE_FURNITURE.match(line)]
        return [line for line in out if line]


def _branch(alternate):
    """The one branch of mc:AlternateContent to read: the first mc:Choice, else mc:Fallback."""
    choice = alternate.find(MC + "Choice")
    return choice if choice is not None else alternate.find(MC + "Fallback")


def _on(element) -> bool:
    return element is not None and element.get(W + "val") not in ("0", "false", "off")


def _hidden(run) -> bool:
    rpr = run.find(W + "rPr")
    return rpr is not None and (_on(rpr.find(W + "vanish")) or _on(rpr.find(W + "specVanish")))


def _is_toc(sdt) -> bool:
    pr = sdt.find(W + "sdtPr")
    if pr is None:
        return False
    gallery = pr.find(f"{W}docPartObj/{W}docPartGallery")
    return gallery is not None and "contents" in (gallery.get(W + "val") or "").lower()


class _Reader:
    def __init__(self, package: _Package) -> None:
        self.package = package
        self.numbering = Numbering(package.numbering, package.styles)
        self.fields: list[_Field] = []
        self.targets: list[list[str]] = [[]]  # where lines go: the body, or a cell / box being read
        self.cell_depth = 0
        self.notes: dict[tuple[str, str], int] = {}  # (footnote|endnote, id) → order of first reference
        self.warnings: list[str] = []
        self.revisions = False

    def read(self) -> list[str]:
        self.blocks(self.package.body)
        lines = self.targets[0]
        lines.extend(self.note_lines())
        if self.revisions:
            self.warn("the Word file has tracked changes; read as if every change were accepted")
        return lines

    def emit(self, line: str) -> None:
        self.targets[-1].append(line)

    def collect(self, container) -> list[str]:
        """The lines of a container (a cell, a text box, a note), not emitted."""
        self.targets.append([])
        try:
            self.blocks(container)
        finally:
            lines = self.targets.pop()
        return lines

    # blocks

    def blocks(self, container) -> None:
        for child in container:
            tag = child.tag
            if tag == W + "p":
                self.paragraph(child)
            elif tag == W + "tbl":
                self.table(child)
            elif tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None and not _is_toc(child):
                    self.blocks(content)
            elif tag in (W + "customXml", W + "ins", W + "moveTo"):
                self.revisions = self.revisions or tag != W + "customXml"
                self.blocks(child)
            elif tag in (W + "del", W + "moveFrom"):
                self.revisions = True
            elif tag == MC + "AlternateContent":
                branch = _branch(child)
                if branch is not None:
                    self.blocks(branch)
            elif tag == W + "altChunk":
                self.warn(
                    "the Word file embeds another document (w:altChunk: HTML or RTF); its text is not read"
                )

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def paragraph(self, p) -> None:
        marker = self.numbering.marker(p)
        text = _Text()
        self.inline(p, text)
        lines = text.lines()
        if marker:
            if lines:
                lines[0] = marker + lines[0]
            elif self.cell_depth:
                lines = [marker.strip()]  # an automatically numbered 序号 cell
        for line in lines:
            self.emit(line)
        for line in text.boxes:
            self.emit(line)

    def inline(self, element, text: _Text) -> None:
        for child in element:
            tag = child.tag
            if tag == W + "r":
                self.run(child, text, _hidden(child))
            elif tag in (W + "hyperlink", W + "smartTag", W + "customXml", W + "dir", W + "bdo"):
                self.inline(child, text)
            elif tag in (W + "ins", W + "moveTo"):
                self.revisions = True
                self.inline(child, text)
            elif tag in (W + "del", W + "moveFrom"):
                self.revisions = True
            elif tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None:
                    self.inline(content, text)
            elif tag == W + "fldSimple":
                if _field_name(child.get(W + "instr")) in _PAGE_FIELDS:
                    text.page_field = True
                elif not self.field_hides():
                    self.inline(child, text)
            elif tag == MC + "AlternateContent":
                branch = _branch(child)
                if branch is not None:
                    self.inline(branch, text)
            elif tag in (MATH + "oMath", MATH + "oMathPara"):
                if not self.field_hides():
                    text.add("".join(t.text or "" for t in child.iter(MATH + "t")))

    def field_hides(self) -> bool:
        return any(not f.result or f.hidden for f in self.fields)

    def run(self, run, text: _Text, hidden: bool) -> None:
        for child in run:
            tag = child.tag
            if tag == W + "fldChar":
                kind = child.get(W + "fldCharType")
                if kind == "begin":
                    self.fields.append(_Field())
                elif kind == "separate" and self.fields:
                    top = self.fields[-1]
                    top.result = True
                    top.hidden = _field_name(top.instr) in _PAGE_FIELDS
                    text.page_field = text.page_field or top.hidden
                elif kind == "end" and self.fields:
                    top = self.fields.pop()
                    if not top.result and _field_name(top.instr) in _PAGE_FIELDS:
                        text.page_field = True
                continue
            if tag == W + "instrText":
                if self.fields and not self.fields[-1].result:
                    self.fields[-1].instr += child.text or ""
                continue
            if tag in (W + "drawing", W + "pict", W + "object"):
                if tag == W + "object" and any("OLEObject" in str(e.tag) for e in child.iter()):
                    self.warn(
                        "the Word file holds an embedded object (an Excel sheet?); its contents are "
                        "not read — ingest that file on its own"
                    )
                self.boxes(child, text)
                continue
            if tag == MC + "AlternateContent":
                branch = _branch(child)
                if branch is not None:
                    self.run(branch, text, hidden)
                continue
            if tag in (W + "footnoteReference", W + "endnoteReference"):
                kind = "footnote" if tag == W + "footnoteReference" else "endnote"
                self.notes.setdefault((kind, child.get(W + "id") or ""), len(self.notes))
                continue
            if hidden or self.field_hides():
                continue
            if tag == W + "t":
                text.add(child.text or "")
            elif tag in (W + "tab", W + "ptab"):
                text.add(" ")
            elif tag in (W + "br", W + "cr"):
                if child.get(W + "type") in (None, "textWrapping"):
                    text.brk()
            elif tag == W + "noBreakHyphen":
                text.add("-")
            elif tag == W + "sym":
                code = _int_hex(child.get(W + "char"))
                if code is not None and not 0xE000 <= code <= 0xF8FF:  # symbol-font glyphs are private use
                    text.add(chr(code))
            elif tag == W + "ruby":
                base = child.find(W + "rubyBase")
                if base is not None:
                    self.inline(base, text)

    def boxes(self, element, text: _Text) -> None:
        for box in _text_boxes(element):  # in a cell, the box's lines are glued into the cell's text
            text.boxes.extend(self.collect(box))

    # tables

    def table(self, tbl) -> None:
        rows: list[list[str]] = []
        frames: list[list[list[str]]] = []  # per row, per cell: its lines (for a one-column frame)
        merged: dict[int, str] = {}
        grid = [_int(c.get(W + "w")) for c in tbl.findall(f"{W}tblGrid/{W}gridCol")][:MAX_COLUMNS]
        width = len(grid) or MAX_COLUMNS  # a span reaching past the grid is cut at its edge
        for tr in _rows(tbl):
            trpr = tr.find(W + "trPr")
            before = min(_int(_val(trpr, "gridBefore"), 0) or 0, 64)
            after = min(_int(_val(trpr, "gridAfter"), 0) or 0, 64)
            cells: list[str] = [""] * before
            cell_lines: list[list[str]] = []
            column = before
            for tc in _cells(tr):
                if column >= width:
                    break  # cells beyond the table's grid (or the 64-column limit) are not read
                tcpr = tc.find(W + "tcPr")
                span = max(1, min(_int(_val(tcpr, "gridSpan"), 1) or 1, width - column))
                vmerge = tcpr.find(W + "vMerge") if tcpr is not None else None
                hmerge = tcpr.find(W + "hMerge") if tcpr is not None else None
                lines = self.cell_lines(tc)
                value = glue(lines, units=True)
                if vmerge is not None and vmerge.get(W + "val") != "restart":
                    value = merged.get(column, value)  # the merged cell's value in every row it spans
                elif vmerge is not None:
                    merged[column] = value
                else:
                    for k in range(column, column + span):
                        merged.pop(k, None)
                if hmerge is not None and hmerge.get(W + "val") != "restart":
                    value, lines = "", []
                cells.append(value)
                cells.extend([""] * (span - 1))
                cell_lines.append(lines)
                column += span
            cells.extend([""] * after)
            cells = cells[:width]
            if len(cells) < len(grid):
                cells.extend([""] * (len(grid) - len(cells)))
            rows.append(cells)
            frames.append(cell_lines)
        if self.cell_depth:
            for cells in rows:  # a table in a cell: its text flattened into the cell, a row a line
                line = " ".join(cell for cell in cells if cell.strip())
                if line:
                    self.emit(line)
            return
        if max((len(c) for c in rows), default=0) <= 1:
            for cell_lines in frames:  # a one-column table frames paragraphs: read them as paragraphs
                for lines in cell_lines:
                    for line in lines:
                        self.emit(line)
            if not self.cell_depth:
                self.emit(FRAME_END)  # the box (专栏) ends with its frame: the next paragraph is the body's
            return
        for cells in rows:
            if any(cell.strip() for cell in cells):
                self.emit("\t".join(cell.replace("\t", " ") for cell in cells))

    def cell_lines(self, tc) -> list[str]:
        self.cell_depth += 1
        try:
            return self.collect(tc)
        finally:
            self.cell_depth -= 1

    # notes

    def note_lines(self) -> list[str]:
        out: list[str] = []
        formats = {
            "footnote": _note_format(self.package, "footnotePr", "decimal"),
            "endnote": _note_format(self.package, "endnotePr", "lowerRoman"),
        }
        parts = {"footnote": self.package.footnotes, "endnote": self.package.endnotes}
        seen = {"footnote": 0, "endnote": 0}
        for (kind, note_id), _ in sorted(self.notes.items(), key=lambda item: item[1]):
            part = parts[kind]
            if part is None:
                continue
            note = next((n for n in part.iter(W + kind) if n.get(W + "id") == note_id), None)
            if note is None or note.get(W + "type") not in (None, "normal"):
                continue
            fmt, start = formats[kind]
            mark = format_number(start + seen[kind], fmt)
            seen[kind] += 1
            self.targets.append([])
            try:
                self.blocks(note)
            finally:
                lines = self.targets.pop()
            if lines:
                lines[0] = f"注{mark}：{lines[0]}"
                out.extend(lines)
        return out


def _note_format(package: _Package, tag: str, default: str) -> tuple[str, int]:
    fmt, start = default, 1
    for holder in (package.settings, package.body.find(W + "sectPr") if package.body is not None else None):
        pr = holder.find(W + tag) if holder is not None else None
        if pr is not None:
            fmt = _val(pr, "numFmt") or fmt
            start = _int(_val(pr, "numStart"), start) or start
    return fmt, start


def _field_name(instr: str | None) -> str:
    """The field's name: " PAGE  \\* MERGEFORMAT " → "PAGE"."""
    words = (instr or "").split()
    return words[0].upper() if words else ""


def _int_hex(value: str | None) -> int | None:
    try:
        return int(value, 16) if value else None
    except ValueError:
        return None


def _text_boxes(element) -> Iterator:
    """The w:txbxContent elements under a drawing or picture, one branch of each mc:AlternateContent,
    not descending into a box (a box in a box is read with the outer box)."""
    for child in element:
        if child.tag == W + "txbxContent":
            yield child
        elif child.tag == MC + "AlternateContent":
            branch = _branch(child)
            if branch is not None:
                yield from _text_boxes(branch)
        else:
            yield from _text_boxes(child)


def _rows(tbl) -> Iterator:
    for child in tbl:
        if child.tag == W + "tr":
            yield child
        elif child.tag in (W + "sdt", W + "customXml", W + "sdtContent", W + "ins", W + "moveTo"):
            yield from _rows(child)


def _cells(tr) -> Iterator:
    for child in tr:
        if child.tag == W + "tc":
            yield child
        elif child.tag in (W + "sdt", W + "customXml", W + "sdtContent"):
            yield from _cells(child)
