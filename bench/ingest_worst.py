"""Ingest of a 10 MiB worst case (issue 12, item 9): target < 60 s and < 1 GB, as one `policy ingest` process.

The input is built at run time into bench/.work/ (not committed): the bundled seed documents repeated (their
headings, items, annotations, 分工表 and dates), then the shapes that once made a stage quadratic, each as one
long line or block of its own (ADVERSARIAL below): runs of spaces, tabs and U+3000 next to headings, dates
and 附件; runs of "（", "（市", "、", "[", "![" and Markdown table rules; dates and annotations printed
thousands of times in one item; a tab row of thousands of cells; many small tables. It is a Markdown file,
so the Markdown reader's patterns are exercised too (the rest of its lines read as plain text), and it stays
within policycli.ingest.limits, so it is parsed, not refused. The structured JSON is written as usual.

Run: make bench-ingest   (or .venv/bin/python bench/ingest_worst.py [MiB])
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
POLICY = ROOT / ".venv" / "bin" / "policy"
SECONDS, MEGABYTES = 60.0, 1024.0
MiB = 1024 * 1024


def _run(unit: str, size: int) -> str:
    """`unit` repeated to about `size` bytes."""
    return unit * max(1, size // len(unit.encode()))


# (what, text of about `size` bytes): one shape each, every one a class of input a stage was quadratic on.
ADVERSARIAL = [
    ("run of 《 in the title field", lambda n: "标题：" + _run("《", n) + "\n"),  # first: the preamble
    ("spaces in an item", lambda n: "1.推进" + " " * n + "2025年底前完成。\n"),
    ("tabs after 附件", lambda n: "附件" + "\t" * (n // 2) + "说明\n"),
    ("U+3000 after a heading", lambda n: "（一）" + "\u3000" * (n // 3) + "年\n"),
    ("spaces after 印发之日起1", lambda n: "2.本方案印发之日起1" + " " * n + "个月内完成。\n"),
    ("validity clause with spaces", lambda n: "本办法有效期自2025年1月1日" + " " * n + "起至2026年。\n"),
    ("run of （", lambda n: "3.做好" + _run("（", n) + "\n"),
    ("run of （市", lambda n: "4.做好" + _run("（市", n) + "\n"),
    ("run of 、", lambda n: "5.做好" + _run("、", n) + "\n"),
    ("run of 第 and 年月日", lambda n: _run("第年月日", n) + "\n"),
    ("dates in one sentence", lambda n: "6.推进" + _run("2025年底前完成，", n) + "\n"),
    ("annotations in one item", lambda n: "7.推进" + _run("（责任单位：市商务委）", n) + "\n"),
    ("a bare label list", lambda n: "8.推进 牵头单位：各街道，" + _run("镇，", n) + "\n"),
    ("Markdown links", lambda n: _run("[", n // 2) + "\n" + _run("![", n // 2) + "\n"),
    ("Markdown table rule of spaces", lambda n: " " * n + "\n"),
    ("a tab row of many cells", lambda n: "".join(f"附{k}\t" for k in range(n // 8)) + "\n"),
    (
        "many small flattened tables",
        lambda n: "序号\n工作任务\n牵头单位\n1\n推进工作建设。\n区商务委\n一、保障\n" * (n // 90),
    ),
    (
        "many small tab tables",
        lambda n: "序号\t具体举措\t责任单位\n1\t推进工作\t市商务委\n说明\n" * (n // 80),
    ),
]


def build(path: Path, size: int) -> int:
    """Write the worst case of about `size` bytes; return its size."""
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "sources").iterdir())]
    shape_size = size // (2 * len(ADVERSARIAL))  # half the bytes: the adversarial shapes, a share each
    parts: list[str] = []
    used = 0
    for _, make in ADVERSARIAL:
        text = make(shape_size)
        parts.append(text)
        used += len(text.encode())
    k = 0
    body: list[str] = []
    while used < size:  # the other half: real documents, one after another
        seed = seeds[k % len(seeds)]
        body.append(seed if seed.endswith("\n") else seed + "\n")
        used += len(body[-1].encode())
        k += 1
    data = ("".join(parts[:1] + body[:1] + parts[1:] + body[1:])).encode()[:size]
    path.write_bytes(data.decode("utf-8", "ignore").encode())
    return path.stat().st_size


def main() -> None:
    mib = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / "ingest_worst.md"
    size = build(path, int(mib * MiB) - 4096)  # just under the 10 MiB limit
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        done = subprocess.run(
            [str(POLICY), "ingest", str(path), "--out", out], capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        written = sum(p.stat().st_size for p in Path(out).iterdir())
    summary = next(
        (line for line in done.stderr.splitlines() if ": " in line and "—" in line),
        done.stderr.strip()[-200:],
    )
    if len(summary) > 200:
        summary = summary[:80] + " … " + summary[-100:]  # its title is one of the shapes: 《 by the thousand
    ok = done.returncode == 0 and seconds < SECONDS and peak < MEGABYTES
    print(
        f"{path.name}: {size / MiB:.2f} MiB, {len(ADVERSARIAL)} adversarial shapes + "
        "the seed documents repeated; "
        f"exit {done.returncode}; {summary}",
        file=sys.stderr,
    )
    print("| job | time | target | peak memory | target | |")
    print("|---|---:|---|---:|---|---|")
    print(
        f"| ingest of a {size / MiB:.1f} MiB worst case ({len(ADVERSARIAL)} adversarial shapes + seeds; "
        f"{written / MiB:.1f} MiB written) | {seconds:.1f} s | < {SECONDS:.0f} s | "
        f"{peak:.0f} MB | < {MEGABYTES:.0f} MB | "
        f"{'ok' if ok else 'FAIL'} |"
    )
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
