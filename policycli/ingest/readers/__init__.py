"""Readers: one module per file format, each turning a file into the same `Blocks`.

Every reader gives the parser the same intermediate form, so the parser never knows the file type:
numbered lines, one per paragraph (or per wrapped line, for plain text), and tables as lines of
tab-separated cells (a merged cell's value repeated in every row it spans, or left empty where the
format prints it once). How a line number reads for a person is the reader's to say (`unit` and
`segments`, see `policycli.provenance`): a text's line, a Word document's paragraph, a PDF's page and
line, a workbook's sheet and row.

    format      module     library       limit
    .txt        text       —             10 MiB
    .md         text       —             10 MiB (Markdown reduced by markup.py)
    .html/.htm  text       —             10 MiB (HTML reduced by markup.py)
    .docx       docx       python-docx   see docx.py
    .pdf        pdf        pdfplumber    see pdf.py
    .xlsx       xlsx       openpyxl      see xlsx.py
    .doc .wps   office     LibreOffice   converted to .docx, then read as one
    .xls .et    office     LibreOffice   converted to .xlsx, then read as one
    .ofd        —          —             refused: no converter is available
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from policycli.errors import BadInput
from policycli.ingest.layout import RawLine


@dataclass
class Blocks:
    """A document as the parser reads it, whatever file it came in."""

    path: Path
    lines: list[RawLine]  # paragraphs and table rows ("\t" between cells), numbered as `unit` says
    format: str  # text | markdown | html | docx | pdf | xlsx
    encoding: str  # the text encoding, or the format for binary files
    sha256: str
    size: int  # bytes of the file as given
    unit: str = "line"  # line | paragraph | page-line | sheet-row: what a line number counts
    segments: list[dict] = field(default_factory=list)  # pages / sheets: {"name", "first_line"}, in order
    warnings: list[str] = field(default_factory=list)  # what the reader had to skip or guess
    source_lines: int = 0  # lines of a text file; paragraphs, PDF lines or sheet rows read otherwise
    whole_paragraphs: bool = False  # each line is a whole paragraph already (Word, PDF, Excel): join none

    def provenance(self) -> dict:
        out: dict = {"format": self.format, "unit": self.unit}
        if self.segments:
            out["segments"] = self.segments
        return out


def stat_regular(path: Path, limit: int, what: str) -> int:
    """The size of a regular file no larger than `limit`, or BadInput with a one-line reason."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except PermissionError:
        raise BadInput(f"{path}: permission denied") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise BadInput(f"{path}: is a directory; name the files inside it")
    if not stat.S_ISREG(st.st_mode):
        raise BadInput(f"{path}: not a regular file")  # FIFOs, sockets and devices would block or never end
    if st.st_size > limit:
        raise BadInput(
            f"{path}: {st.st_size:,} bytes is over the {limit // (1024 * 1024)} MiB limit for one {what}"
        )
    return st.st_size


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError:
        raise BadInput(f"{path}: permission denied") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror or exc})") from None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


MAX_ANY_BYTES = 50 * 1024 * 1024  # the largest any reader takes (PDF); each reader has its own limit


def sniff(path: Path) -> str | None:
    """The format a file's first bytes show, whatever its name says:
    pdf, docx, xlsx, ole (old Office), zip."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        return None  # the reader says why, in one line
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        import zipfile

        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist()[:2000])
        except (zipfile.BadZipFile, OSError, ValueError):
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    return None


def read_blocks(path: str | os.PathLike[str], encoding: str | None = None) -> Blocks:
    """Read one input file of any supported format into `Blocks`, or raise BadInput.

    The format comes from the file's first bytes where they tell (a .docx saved as .doc, a PDF
    without its extension), else from its name."""
    p = Path(path)
    suffix = p.suffix.lower()
    if p.is_file():
        stat_regular(p, MAX_ANY_BYTES, "document")  # before sniffing: a huge zip's directory alone costs
    kind = sniff(p) if p.is_file() else None
    if kind == "docx" or (kind is None and suffix == ".docx"):
        from policycli.ingest.readers import docx

        return docx.read(p)
    if kind == "pdf" or (kind is None and suffix == ".pdf"):
        from policycli.ingest.readers import pdf

        return pdf.read(p)
    if kind == "xlsx" or (kind is None and suffix in (".xlsx", ".xlsm")):
        from policycli.ingest.readers import xlsx

        return xlsx.read(p)
    if kind in ("ole", "zip") or suffix in office_suffixes():
        from policycli.ingest.readers import office

        return office.read(p)
    from policycli.ingest.readers import text

    return text.read(p, encoding)


def office_suffixes() -> tuple[str, ...]:
    return (".doc", ".wps", ".xls", ".et", ".ofd")
