"""Old Office and WPS files, converted by LibreOffice; OFD, encrypted files and other zips refused.

    .doc .wps   old Word / WPS Writer     → .docx by LibreOffice, then readers.docx
    .xls .et    old Excel / WPS Sheets    → .xlsx by LibreOffice, then readers.xlsx
    .ofd        China's fixed-layout format: no converter here, refused
    OLE file with an EncryptionInfo stream (how an encrypted .docx/.xlsx is stored): refused
    a zip that is neither Word nor Excel (or a damaged one): refused

The conversion runs `soffice --headless --convert-to docx --outdir TMP FILE` (found on PATH as
`soffice` or `libreoffice`) on a copy of the file in a private temporary directory, with a
profile of its own there (two conversions at once, or an open LibreOffice window, do not clash),
and is stopped after TIMEOUT seconds. The Blocks keep the original file's name, sha256 and size;
their `format` is the original's ("doc", "xls", …). Without LibreOffice the error names the format
and the command that converts it. Limit: 50 MiB for a file to convert (the converted file then
meets the .docx / .xlsx reader's own limits).

A ".doc" that is really a web page (web systems save HTML under that name) is read as HTML.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

from policycli.errors import BadInput
from policycli.ingest.readers import Blocks, read_bytes, sha256, stat_regular

TIMEOUT = 120  # seconds for one conversion
MAX_FILE = 50 * 1024 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# suffix → (what it is, in a message; the format LibreOffice converts it to)
KINDS: dict[str, tuple[str, str]] = {
    ".doc": ("an old Word (.doc) file", "docx"),
    ".wps": ("a WPS Writer (.wps) file", "docx"),
    ".xls": ("an old Excel (.xls) file", "xlsx"),
    ".et": ("a WPS Spreadsheets (.et) file", "xlsx"),
}


def _has_stream(data: bytes, name: str) -> bool:
    """Does the OLE file have a stream or storage called `name`? Its directory entries are 128 bytes,
    aligned on 128 in the file: the name in UTF-16 at the start, its length in bytes (with the
    terminating NUL) at offset 64. (Not any UTF-16 text that happens to spell it.)"""
    encoded = name.encode("utf-16-le")
    length = (len(name) + 1) * 2
    at = data.find(encoded)
    while at != -1:
        if at % 128 == 0 and int.from_bytes(data[at + 64 : at + 66], "little") == length:
            return True
        at = data.find(encoded, at + 1)
    return False


def read(path: Path) -> Blocks:
    size = stat_regular(path, MAX_FILE, "Office file")
    data = read_bytes(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix == ".ofd" or (data.startswith(b"PK") and _is_ofd(data)):
        raise BadInput(
            f"{name}: an OFD file; no OFD converter is available here — open it in an OFD reader "
            "(数科, 福昕) and save it as PDF or Word, then ingest that"
        )
    if data.startswith(_OLE):
        if _has_stream(data, "EncryptionInfo") or _has_stream(data, "EncryptedPackage"):
            raise BadInput(f"{name}: password-protected; remove the password and save again")
        suffix = _ole_suffix(data, suffix)
    elif data.startswith(b"PK"):
        _refuse_zip(data, name)
    elif suffix in (".doc", ".wps") and _looks_html(data):
        return _as_html(path)
    if suffix not in KINDS:
        raise BadInput(
            f"{name}: not a file format policy reads (.txt .md .html .docx .pdf .xlsx .doc .wps .xls .et)"
        )
    what, target = KINDS[suffix]
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        raise BadInput(
            f"{name}: {what}; convert it to .{target} first "
            f"(soffice --headless --convert-to {target} {name}) or install LibreOffice"
        )
    with tempfile.TemporaryDirectory(prefix="policy-convert-") as tmp:
        converted = convert(program, path, suffix, target, Path(tmp), what)
        try:
            if target == "docx":
                from policycli.ingest.readers import docx

                blocks = docx.read(converted)
            else:
                from policycli.ingest.readers import xlsx

                blocks = xlsx.read(converted)
        except BadInput as exc:  # said of the converted copy: say it of the user's file
            raise BadInput(str(exc).replace(str(converted), name).replace(converted.name, name)) from None
    blocks.path, blocks.sha256, blocks.size = path, sha256(data), size
    blocks.format = suffix.lstrip(".")
    blocks.encoding = f"{suffix.lstrip('.')} (converted to {target} by LibreOffice)"
    blocks.warnings = [w.replace(converted.name, name) for w in blocks.warnings]
    return blocks


def convert(program: str, path: Path, suffix: str, target: str, tmp: Path, what: str) -> Path:
    """Convert `path` with LibreOffice into `tmp`; the converted file, or BadInput in one line."""
    source = tmp / f"input{suffix}"  # an ASCII name LibreOffice cannot misread as an option
    shutil.copyfile(path, source)
    outdir = tmp / "out"
    outdir.mkdir()
    command = [
        program,
        f"-env:UserInstallation={(tmp / 'profile').as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        target,
        "--outdir",
        str(outdir),
        str(source),
    ]
    converted = outdir / f"input.{target}"
    deadline = time.monotonic() + TIMEOUT
    for _ in range(
        2
    ):  # a new profile makes soffice.bin ask for a restart (exit 81); its wrapper script does that
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=tmp,
            )
        except OSError as exc:
            raise BadInput(
                f"{path.name}: cannot run LibreOffice ({program}: {exc.strerror or exc})"
            ) from None
        try:
            output, _ = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _stop(process)
            raise BadInput(
                f"{path.name}: LibreOffice did not convert it within {TIMEOUT} s; convert it by hand "
                f"(soffice --headless --convert-to {target} {path.name})"
            ) from None
        if process.returncode != 81 or converted.is_file():
            break
    if process.returncode != 0 or not converted.is_file() or converted.stat().st_size == 0:
        said = " ".join(output.decode("utf-8", "replace").split())[:160] if output else ""
        raise BadInput(
            f"{path.name}: LibreOffice could not convert {what} to .{target}"
            f"{f' ({said})' if said else ''}; if it has a password, remove it and save again"
        )
    return converted


def _stop(process: subprocess.Popen) -> None:
    """End the conversion and anything it started (its own session), then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def _ole_suffix(data: bytes, suffix: str) -> str:
    """What an OLE file holds, by its streams: a Word file named .xls is converted as Word."""
    word = _has_stream(data, "WordDocument")
    book = _has_stream(data, "Workbook") or _has_stream(data, "Book")
    if word and not book:
        return suffix if suffix in (".doc", ".wps") else ".doc"
    if book and not word:
        return suffix if suffix in (".xls", ".et") else ".xls"
    return suffix


def _is_ofd(data: bytes) -> bool:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "OFD.xml" in archive.namelist()[:2000]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


def _refuse_zip(data: bytes, name: str) -> None:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise BadInput(
            f"{name}: a damaged zip file (a truncated or corrupt .docx or .xlsx?); open it in Word, WPS or "
            "Excel and save it again"
        ) from None
    if "[Content_Types].xml" in names and any(n.startswith("ppt/") for n in names):
        raise BadInput(f"{name}: a PowerPoint file, not a Word or Excel file; policy does not read slides")
    raise BadInput(f"{name}: a zip archive, not a Word or Excel file; unpack it and ingest the files inside")


def _looks_html(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml")) and b"<html" in data[:4096].lower()


def _as_html(path: Path) -> Blocks:
    """A web page saved as .doc: the HTML reader's lines, under the file's own name."""
    from policycli.ingest.decoding import read_source
    from policycli.ingest.markup import html_lines

    source = read_source(path, None)
    return Blocks(
        source.path,
        html_lines(source.text),
        "html",
        source.encoding,
        source.sha256,
        source.size,
        source_lines=len(source.text.splitlines()),
    )
