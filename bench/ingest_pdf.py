"""Ingest of a ~50-page PDF with ruled tables: target < 5 s (issue 11), reading and parsing together.

The PDF is typeset at run time into bench/.work/ (not committed) by tests/make_pdf_fixtures.py's
typesetter: the bundled 沪府规〔2020〕24号 (body and its 80-row 分工表), the 静安区 opinions
(data/sources/000) and 001's table again: about 50 A4 pages, over half of them ruled tables.

Run: .venv/bin/python bench/ingest_pdf.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
TARGET = 5.0


def build(path: Path) -> int:
    sys.path.insert(0, str(ROOT / "tests"))
    from make_pdf_fixtures import seed_paragraphs, typeset

    first = seed_paragraphs()
    second = seed_paragraphs(next((ROOT / "data" / "sources").glob("000_*.txt")))
    table = [p for p in first if "\t" in p]
    return typeset(first + second + ["附件2", "分工表（续）"] + table, path)


def main(rounds: int = 3) -> None:
    from policycli.ingest import ingest_path
    from policycli.ingest.document import build_document
    from policycli.ingest.readers import read_blocks

    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / "ingest_pdf_50_pages.pdf"
    pages = build(path)
    ingest_path(path)  # warm imports (pdfminer, pypinyin's dictionary) outside the timing
    best = read_best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        blocks = read_blocks(path)
        read = time.perf_counter() - start
        document = build_document(blocks)
        best = min(best, time.perf_counter() - start)
        read_best = min(read_best, read)
    rows = sum(1 for line in blocks.lines if "\t" in line.text)
    tasks = sum(1 for m in document["measures"] if m["kind"] == "task")
    verdict = "ok" if best < TARGET else "TOO SLOW"
    print(
        f"ingest of a {pages}-page PDF ({path.stat().st_size / 1e3:.0f} kB, {rows} table rows, "
        f"{tasks} tasks): best of {rounds} = {best:.2f} s (reading the PDF {read_best:.2f} s); "
        f"target < {TARGET:.0f} s: {verdict}"
    )


if __name__ == "__main__":
    main()
