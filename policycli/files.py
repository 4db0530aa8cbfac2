"""Writing files safely."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """A handle on a temporary file beside `path`, renamed over it once everything is written
    and synced: never a half-written file, also when the writer streams (the CSV ledger)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write the whole of `text` to `path` through atomic_writer."""
    with atomic_writer(path) as handle:
        handle.write(text.encode("utf-8") if isinstance(text, str) else text)
