"""Excel .xlsx workbooks (openpyxl) → Blocks."""

from __future__ import annotations

from pathlib import Path

from policycli.errors import BadInput
from policycli.ingest.readers import Blocks


def read(path: Path) -> Blocks:
    raise BadInput(f"{path}: .xlsx files are not read yet")
