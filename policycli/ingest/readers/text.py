"""Plain text, Markdown and HTML: decoded (decoding.py), then reduced to lines (markup.py)."""

from __future__ import annotations

from pathlib import Path

from policycli.ingest import limits
from policycli.ingest.decoding import read_source
from policycli.ingest.layout import raw_lines
from policycli.ingest.markup import html_lines, markdown_lines
from policycli.ingest.readers import Blocks


def read(path: Path, encoding: str | None = None) -> Blocks:
    source = read_source(path, encoding)
    source_lines = len(source.text.splitlines())
    limits.check("lines", source_lines, str(path))  # before a RawLine is made for each of them
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        lines, kind = markdown_lines(source.text), "markdown"
    elif suffix in (".html", ".htm"):
        lines, kind = html_lines(source.text), "html"
    else:
        lines, kind = raw_lines(source.text), "text"
    limits.check("lines", len(lines), str(path))  # an HTML page's blocks, not its lines
    return Blocks(
        source.path, lines, kind, source.encoding, source.sha256, source.size, source_lines=source_lines
    )
