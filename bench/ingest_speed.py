"""Ingest (parse) throughput on the bundled seed texts: target ≥ 1 MB/s, all five well under 1 s.

Run: make bench-ingest   (or .venv/bin/python bench/ingest_speed.py)
"""

from __future__ import annotations

import time
from pathlib import Path

from policycli.ingest.document import build_document
from policycli.ingest.readers import read_blocks

SOURCES = Path(__file__).resolve().parent.parent / "data" / "sources"


def measure(rounds: int = 5) -> tuple[float, int]:
    """Best time to parse all seed texts, and their size in bytes."""
    sources = [read_blocks(p) for p in sorted(SOURCES.iterdir())]
    size = sum(s.size for s in sources)
    build_document(sources[0])  # warm imports (pypinyin's dictionary) outside the timing
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for source in sources:
            build_document(source)
        best = min(best, time.perf_counter() - start)
    return best, size


def main(rounds: int = 5) -> None:
    best, size = measure(rounds)
    sources = list(SOURCES.iterdir())
    print(
        f"ingest of {len(sources)} seed documents ({size / 1e6:.2f} MB): "
        f"best of {rounds} = {best * 1000:.0f} ms, "
        f"{size / 1e6 / best:.2f} MB/s (target ≥ 1 MB/s; whole set < 1 s)"
    )


if __name__ == "__main__":
    main()
