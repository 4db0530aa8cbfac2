"""Ingest: policy text → structured document. Public entry point: `ingest_path`."""

from __future__ import annotations

import os

from policycli.ingest.document import FORMAT, MEASURE_KINDS, build_document
from policycli.text import read_source


def ingest_path(path: str | os.PathLike[str], encoding: str | None = None, doc_id: str | None = None) -> dict:
    """Read one .txt/.md/.html policy document and return its structured form."""
    return build_document(read_source(path, encoding), doc_id)


__all__ = ["ingest_path", "FORMAT", "MEASURE_KINDS"]
