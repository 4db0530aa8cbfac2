"""Ingest: policy text → structured document. Public entry point: `ingest_path`."""

from __future__ import annotations

import os

from policycli.ingest.document import FORMAT, MEASURE_KINDS, build_document
from policycli.ingest.readers import read_blocks


def ingest_path(path: str | os.PathLike[str], encoding: str | None = None, doc_id: str | None = None) -> dict:
    """Read one policy document (.txt .md .html .docx .pdf .xlsx …) and return its structured form."""
    return build_document(read_blocks(path, encoding), doc_id)


__all__ = ["ingest_path", "FORMAT", "MEASURE_KINDS"]
