"""Plain text, Markdown and HTML: decoded (policycli.text), then reduced to lines (markup.py)."""

from __future__ import annotations

from pathlib import Path

from policycli.ingest.layout import raw_lines
from policycli.ingest.markup import html_lines, markdown_lines
from policycli.ingest.readers import Blocks
from policycli.text import read_source


def read(path: Path, encoding: str | None = None) -> Blocks:
    source = read_source(path, encoding)
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        lines, kind = markdown_lines(source.text), "markdown"
    elif suffix in (".html", ".htm"):
        lines, kind = html_lines(source.text), "html"
    else:
        lines, kind = raw_lines(source.text), "text"
    return Blocks(source.path, lines, kind, source.encoding, source.sha256, source.size,
                  source_lines=len(source.text.splitlines()))
