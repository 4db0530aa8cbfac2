"""Reading policy texts: decoding, and refusing what is not text (a PDF renamed .txt, NUL bytes, Big5)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from policycli.errors import BadInput

# Policy documents are tens of kilobytes; a whole five-year plan is under 200 KB. Anything
# beyond this is almost certainly not a single document.
MAX_INPUT_BYTES = 10 * 1024 * 1024

_BINARY_SIGNATURES = {
    b"%PDF": "a PDF file",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"PK\x03\x04": "a zip archive",
    b"\xd0\xcf\x11\xe0": "an old Office document",
    b"\x7fELF": "a program",
}

_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]

# charset-normalizer names for the GB family; every GB2312/GBK text is valid GB18030, and
# GB18030 also covers the characters GBK lacks (e.g. 䶮 U+4DAE), so always decode as gb18030.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "hz", "euc_cn", "ms936"}


@dataclass(frozen=True)
class SourceText:
    """A decoded input file."""

    path: Path
    text: str
    encoding: str
    sha256: str
    size: int


def read_source(path: str | os.PathLike[str], encoding: str | None = None) -> SourceText:
    """Read and decode one input file, or raise BadInput with a one-line reason."""
    from policycli.ingest.readers import read_bytes, stat_regular  # the one place files are checked

    p = Path(path)
    stat_regular(p, MAX_INPUT_BYTES, "document")
    data = read_bytes(p)
    text, used = decode_bytes(data, encoding, name=str(p))
    import hashlib  # only when a file is read

    return SourceText(p, text, used, hashlib.sha256(data).hexdigest(), len(data))


def decode_bytes(data: bytes, encoding: str | None = None, name: str = "input") -> tuple[str, str]:
    """Decode a document's bytes; return (text, encoding used)."""
    if not data:
        raise BadInput(f"{name}: the file is empty")
    for signature, what in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise BadInput(f"{name}: not a text file (looks like {what})")
    if encoding:
        try:
            text = data.decode(encoding)
        except LookupError:
            raise BadInput(f"{name}: unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            raise BadInput(
                f"{name}: not valid {encoding} (byte {exc.start}); try another --encoding"
            ) from None
        return _checked(text.lstrip("\ufeff"), name), encoding
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(codec).lstrip("\ufeff"), name), codec
            except UnicodeDecodeError:
                raise BadInput(
                    f"{name}: starts with a {codec} byte-order mark but is not valid {codec}"
                ) from None
    if b"\x00" in data:
        raise BadInput(f"{name}: not a text file (contains NUL bytes)")
    try:
        return _checked(data.decode("utf-8"), name), "utf-8"
    except UnicodeDecodeError:
        pass
    text, used = _detect(data, name)
    return _checked(text, name), used


def _detect(data: bytes, name: str) -> tuple[str, str]:
    from charset_normalizer import from_bytes  # only needed for non-UTF-8 input

    best = from_bytes(data).best()
    guess = (best.encoding if best else "").lower().replace("-", "_")
    if guess in _GB_FAMILY:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            pass
    if guess in {"big5", "cp950", "big5hkscs"}:
        raise BadInput(f"{name}: looks like Big5 (traditional Chinese); if so, pass --encoding big5")
    # Last resort for Chinese government texts: GB18030, but only if it decodes cleanly and
    # the result is mostly CJK (random bytes also "decode" as GB18030).
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    if text and _cjk_share(text) > 0.3:
        return text, "gb18030"
    raise BadInput(f"{name}: cannot tell the text encoding; pass --encoding (e.g. gb18030, utf-16)")


def _cjk_share(text: str) -> float:
    letters = [c for c in text if not c.isspace()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if "\u3400" <= c <= "\u9fff" or "\U00020000" <= c <= "\U0003ffff") / len(
        letters
    )


def _checked(text: str, name: str) -> str:
    if not text.strip():
        raise BadInput(f"{name}: the file has no text (only white space)")
    if "\x00" in text:
        raise BadInput(f"{name}: not a text file (contains NUL characters)")
    return text
