"""A .docx or .xlsx is a zip package: checked here, for both readers, before any XML parser sees it.

A zip bomb is refused by the sizes its directory declares (zipfile enforces them while unpacking),
an encrypted member says the file is password-protected, and a part that declares a DOCTYPE or an
entity (XML external entities, entity bombs: neither Word nor Excel ever writes one) is refused.
Pictures and embedded files are not XML the readers parse (an SVG may well carry a DOCTYPE).
"""

from __future__ import annotations

import zipfile

from policycli.errors import BadInput

MiB = 1024 * 1024
_OPAQUE = (
    "word/media/",
    "word/embeddings/",
    "xl/media/",
    "xl/embeddings/",
    "xl/printerSettings/",
    "docProps/thumbnail",
)
# In UTF-8 and in either UTF-16.
_FORBIDDEN = [
    word.encode(enc) for word in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be")
]
_CHUNK = MiB


def check_package(
    archive: zipfile.ZipFile,
    name: str,
    what: str,
    *,
    required: str,
    max_members: int,
    max_unpacked: int,
    max_part: int,
) -> None:
    """Refuse the package `name` (a `what`: "Word file", "Excel workbook") or return without a word."""
    members = archive.infolist()
    if len(members) > max_members:
        raise BadInput(
            f"{name}: {len(members):,} parts in the package, "
            f"over the limit of {max_members:,} for a {what}; refused"
        )
    total = sum(m.file_size for m in members)
    if total > max_unpacked:
        raise BadInput(
            f"{name}: unpacks to {total:,} bytes, over the {max_unpacked // MiB} MiB limit for a {what} "
            "(a zip bomb?); refused"
        )
    if required not in {m.filename for m in members}:
        raise BadInput(f"{name}: a zip archive, not a {what} (no {required}); open it and save it again")
    for member in members:
        if member.flag_bits & 0x1:
            raise BadInput(f"{name}: the file is password-protected; remove the password and save it again")
        if member.is_dir() or member.filename.startswith(_OPAQUE):
            continue
        if member.file_size > max_part:
            raise BadInput(
                f"{name}: part {member.filename} unpacks to {member.file_size:,} bytes, over the "
                f"{max_part // MiB} MiB limit for one XML part; refused"
            )
        if _declares_entities(archive, member, name, what):
            raise BadInput(
                f"{name}: part {member.filename} declares a DOCTYPE or entities, which a {what} never "
                "holds (an XML external entity or entity-bomb attack?); refused"
            )


def _declares_entities(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, what: str) -> bool:
    """Stream the part (bounded by its declared size) looking for a DOCTYPE or an ENTITY declaration."""
    overlap = max(len(word) for word in _FORBIDDEN)
    tail = b""
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(_CHUNK):
                window = tail + chunk
                if any(word in window for word in _FORBIDDEN):
                    return True
                tail = window[-overlap:]
    except Exception as exc:  # BadZipFile, EOFError, zlib.error …: a damaged member
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise BadInput(
            f"{name}: not a readable {what}, damaged ({member.filename}: {message}); "
            "open it and save it again"
        ) from None
    return False
