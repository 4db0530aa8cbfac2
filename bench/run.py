"""`make bench`: every command at 10k, 100k and 1M measures against a floor script doing the same
work, timed in pairs; writes docs/benchmarks.md, which says which targets are met.

How a row is measured:
- a warm-up run of policy and one of the floor, untimed; their stdout (and, for `done`, the rows
  written) is compared: the floor must print the same bytes, or the same table rows (a page: the
  same measures listed and the same numbers);
- then pairs, policy then floor (A B A B …), each a whole process, start-up included (the pages of
  `policy serve`: one HTTP request to a server started once per database, signed in, from opening
  the connection to the page's last byte, against floor_serve.py); at least
  --rounds pairs, more — up to --max-rounds — while the 90% interval of a median (the pairs'
  ratios, or policy's time) straddles one of the row's targets; a row whose one run takes over 20 s
  gets 3 pairs; a row stops adding pairs after --row-budget seconds;
- reported: the medians with their min–max, the first line on stdout (listings), the growth per 10×
  of data, and each target ok / over (with "?" when the interval still straddles it at the cap).
Python's bytecode is compiled before each row (a warm cache); the load average is recorded. A floor
that fails (or prints something else) is reported as such; the row keeps policy's times.

Corpora and databases live in bench/.work (not committed); they are built once and reused. A full
run writes docs/benchmarks.md; a partial one (--only, other --sizes) bench/.work/benchmarks-partial.md
unless --out says otherwise.

    python bench/run.py [--sizes 10000,100000,1000000] [--rounds 5] [--max-rounds 15] [--row-budget 90]
                        [--only PATTERN] [--list] [--load-sizes 10000] [--out FILE] [--db-dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import html
import http.client
import json
import math
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / ".work"
OUT = WORK / "out"
PY = sys.executable
POLICY = (
    [str(Path(PY).parent / "policy")] if (Path(PY).parent / "policy").exists() else [PY, "-m", "policycli"]
)
AGENCY = "市商务委"
TODAY = "2021-07-01"
SIZES = (10_000, 100_000, 1_000_000)
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("POLICY_")},
    "COLUMNS": "100",
    "PYTHONIOENCODING": "utf-8",
    "POLICY_TODAY": TODAY,
    "POLICY_CONFIG": str(WORK / "no-config.toml"),  # no one's configured agency or name
}
SLOW = 20.0  # seconds: a row whose run takes longer gets 3 pairs
KEEP = 4 << 20  # bytes of a warm-up's stdout kept for a table's check (beyond: compared by hash only;
# the runner stays small, as a child's peak memory counts the runner's until its exec)
RUN_TIMEOUT = 1800.0


# --- one run ---------------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    first_line: float | None  # seconds to the first newline on stdout (stdout read from a pipe)
    rss_kib: int
    status: int
    stderr: bytes
    out_size: int = 0
    out_hash: str = ""
    out: bytes | None = None  # the whole stdout, on a warm-up (None beyond KEEP)


def execute(argv: list[str], env: dict, sink: str, keep: bool = False) -> Run:
    """One whole process. `sink`: "pipe" — stdout read here, the first newline timed — or "null"
    (/dev/null). `keep`: stdout kept (and hashed) for the check."""
    OUT.mkdir(parents=True, exist_ok=True)
    errors = OUT / "stderr"
    with errors.open("wb") as err:
        stdout = subprocess.PIPE if keep or sink == "pipe" else subprocess.DEVNULL
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err, env=env)
        watchdog = threading.Timer(RUN_TIMEOUT, process.kill)
        watchdog.start()
        first, size, digest, kept = None, 0, hashlib.sha256(), []
        if process.stdout is not None:
            fd = process.stdout.fileno()
            while chunk := os.read(fd, 1 << 16):
                if first is None and b"\n" in chunk:
                    first = time.perf_counter() - start
                if keep:
                    digest.update(chunk)
                    if size < KEEP:
                        kept.append(chunk)
                size += len(chunk)
            process.stdout.close()
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        watchdog.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        elapsed,
        first,
        usage.ru_maxrss,
        process.returncode,
        errors.read_bytes()[-4000:],
        size,
        digest.hexdigest() if keep else "",
        b"".join(kept) if keep and size <= KEEP else None,
    )


# --- rows and targets -------------------------------------------------------------------------------


@dataclass
class Target:
    # "ratio": policy / floor, per pair; "time": policy's; "first": policy's first line; "rate": bytes/s
    what: str
    limit: float
    label: str
    at_least: bool = False  # the value must be ≥ limit (a rate), else ≤
    judged: bool = True  # False: the value is shown, not judged

    def values(self, pairs: list[tuple[Run, Run | None]], amount: float = 0.0) -> list[float]:
        if self.what == "ratio":
            return [a.seconds / b.seconds for a, b in pairs if b is not None]
        if self.what == "first":
            return [a.first_line for a, _ in pairs if a.first_line is not None]
        if self.what == "rate":
            return [amount / a.seconds for a, _ in pairs]
        return [a.seconds for a, _ in pairs]


@dataclass
class Row:
    name: str  # the command as a person types it; --only matches it, growth is per name
    size: int | None  # measures in the database; None for rows that need none
    ours: Callable[[int], list[str]]  # the argv of run k (0: the warm-up)
    floor: Callable[[int], list[str]] | None
    floor_note: str  # what the floor does
    check: str  # "bytes" | "table" | "done" | "load" | "page" | "none"
    targets: list[Target] = field(default_factory=list)
    env: dict = field(default_factory=lambda: dict(ENV))
    sink: str = "pipe"
    before: Callable[[int], None] | None = None  # untimed, before each run
    observe: Callable[[str, int], object] | None = None  # after a warm-up run: what it wrote
    amount: float = 0.0  # bytes of input, for a rate
    note: str = ""
    uses: str = ""  # what policy may read that the floor does not yet (USES)
    unchecked: str = "not compared"  # why the outputs are not compared (check "none")
    # a request to a running server instead of a process: (side "ours" | "floor", keep) → its Run;
    # ours/floor then only name what is asked
    fetch: Callable[[str, bool], Run] | None = None


@dataclass
class Result:
    row: Row
    pairs: list[tuple[Run, Run | None]] = field(default_factory=list)
    warm: tuple[Run | None, Run | None] = (None, None)
    check: str = ""
    check_ok: bool | None = None
    error: str = ""  # policy failed
    floor_error: str = ""
    load: tuple[float, float] = (0.0, 0.0)
    seconds: float = 0.0

    def ours(self) -> list[float]:
        return [a.seconds for a, _ in self.pairs]

    def floors(self) -> list[float]:
        return [b.seconds for _, b in self.pairs if b is not None]


def median_interval(values: list[float], confidence: float = 0.90) -> tuple[float, float]:
    """A distribution-free interval for the median: order statistics k and n+1-k, k the largest with
    P(Binomial(n, 1/2) < k) ≤ (1 - confidence) / 2 (the range when n is too small for that)."""
    ordered = sorted(values)
    n = len(ordered)
    k, cumulative = 0, 0.0
    for j in range(n):
        cumulative += math.comb(n, j) / 2**n
        if cumulative > (1 - confidence) / 2:
            break
        k = j + 1
    if k == 0:
        return ordered[0], ordered[-1]
    return ordered[k - 1], ordered[n - k]


def verdict(target: Target, values: list[float]) -> tuple[str, float | None]:
    """ok / over (the interval is on one side of the limit), ok? / over? (it straddles: the median's
    side), or "" with no values."""
    if not values:
        return "", None
    middle = statistics.median(values)
    if not target.judged:
        return "shown", middle
    low, high = median_interval(values)
    good = (lambda v: v >= target.limit) if target.at_least else (lambda v: v <= target.limit)
    if good(low) and good(high):
        return "ok", middle
    if not good(low) and not good(high):
        return "over" if not target.at_least else "under", middle
    return ("ok?" if good(middle) else ("over?" if not target.at_least else "under?")), middle


def decided(row: Row, pairs) -> bool:
    return all(not verdict(t, t.values(pairs, row.amount))[0].endswith("?") for t in row.targets)


# --- checks ---------------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+%?|\d+/\d+|\d{4}-\d{2}-\d{2}")


def table_digest(text: str) -> tuple[str, list[tuple[str, ...]]]:
    """A table's title line and, per row, its first cell and its numbers (counts, 1/3, dates): what
    policy's table and a rich table of the same rows share, however each folds its text columns."""
    lines = text.splitlines()
    rows = []
    for line in lines:
        if not line or line[0].isspace() or set(line.strip()) <= {"─"}:
            continue
        first, *rest = line.split()
        rows.append((first, *(t for t in rest if _NUMBER.fullmatch(t))))
    return (" ".join(lines[0].split()) if lines else ""), rows


def _first_difference(a: list, b: list) -> int:
    """Where two lists first differ (the shorter one's length when one is the other's start)."""
    return next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def compare(row: Row, a: Run, b: Run, seen_a: object, seen_b: object) -> tuple[bool, str]:
    if row.check == "none":
        return True, row.unchecked
    if row.check == "load":
        if seen_a != seen_b:
            return False, f"DIFFERENT: {seen_a} / {seen_b}"
        return True, "same rows written: " + ", ".join(
            f"{name} {value:,}" if isinstance(value, int) else f"{name} {value}"
            for name, value in seen_a.items()  # type: ignore[union-attr]
        )
    if row.check == "done":
        return seen_a == seen_b, (
            "same rows written" if seen_a == seen_b else f"DIFFERENT: {seen_a} / {seen_b}"
        )
    if row.check == "page":
        if a.out is None or b.out is None:
            return False, "page too large to compare"
        (ids_a, numbers_a), (ids_b, numbers_b) = page_digest(a.out), page_digest(b.out)
        if (ids_a, numbers_a) == (ids_b, numbers_b):
            return True, f"same page rows ({len(ids_a)} measures listed, {len(numbers_a)} numbers)"
        where = _first_difference(numbers_a, numbers_b)
        return False, (
            f"DIFFERENT page ({len(ids_a)} / {len(ids_b)} measures listed"
            + (", other ids" if len(ids_a) == len(ids_b) and ids_a != ids_b else "")
            + f"; {len(numbers_a)} / {len(numbers_b)} numbers, the first difference at {where}: "
            f"{numbers_a[where : where + 3]} / {numbers_b[where : where + 3]})"
        )
    if row.check == "bytes":
        same = (a.out_size, a.out_hash) == (b.out_size, b.out_hash)
        lines = a.out.count(b"\n") if a.out is not None else None
        what = f"{_bytes(a.out_size)}" + (f", {lines:,} lines" if lines is not None else "")
        return same, (f"same bytes ({what})" if same else f"DIFFERENT bytes ({what} / {_bytes(b.out_size)})")
    if a.out is None or b.out is None:
        return False, "output too large to compare as a table"
    title_a, rows_a = table_digest(a.out.decode("utf-8", "replace"))
    title_b, rows_b = table_digest(b.out.decode("utf-8", "replace"))
    if (title_a, rows_a) == (title_b, rows_b):
        return True, f"same table rows ({len(rows_a)} lines: first cells and numbers)"
    where = _first_difference(rows_a, rows_b)
    return False, (
        f"DIFFERENT table ({len(rows_a)} / {len(rows_b)} lines; title {title_a!r} / {title_b!r}; "
        f"first difference at line {where}: {rows_a[where : where + 1]} / {rows_b[where : where + 1]})"
    )


_TAG = re.compile(r"<[^>]*>")
_HIDDEN = re.compile(r"(?is)<head\b.*?</head>|<title>.*?</title>|<(script|style)\b.*?</\1>")
_NUMERIC = re.compile(r"\d+%（\d+/\d+）|\d+/\d+|\d{4}-\d{2}-\d{2}|\d+ 天|\d+")
_COUNTS = re.compile(r"（\d+ 项）|\d+ 项未完成|另有 \d+ 项")


def page_digest(page: bytes) -> tuple[list[str], list[str]]:
    """What a page shows, whatever its markup: the measures it links (/m/ID, in order: its rows) and
    its numbers in order — every piece of text that is a number (a count, done/total, a percentage with
    done/total, a date, days) and the counts in headings ("（12 项）", "N 项未完成", "另有 N 项")."""
    text = _HIDDEN.sub("", page.decode("utf-8", "replace"))
    ids = [html.unescape(i) for i in re.findall(r'href="/m/([^"]+)"', text)]
    numbers: list[str] = []
    for node in _TAG.split(text):
        node = html.unescape(node).strip()
        if _NUMERIC.fullmatch(node):
            numbers.append(node)
        elif node:
            numbers += _COUNTS.findall(node)
    return ids, numbers


def _bytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB" if n >= 1e3 else f"{n} B"


def _failure(run: Run) -> str:
    text = run.stderr.decode("utf-8", "replace").strip().splitlines()
    return f"exit {run.status}: {text[-1][:300] if text else ''}"


# --- measuring a row ---------------------------------------------------------------------------------


def compile_all() -> None:
    """A warm bytecode cache: policycli and the floors compiled before anything is timed, and again
    (only what changed) before each row. With PYTHONDONTWRITEBYTECODE set, a module edited since it
    was compiled would otherwise be compiled again by every process."""
    subprocess.run(
        [PY, "-m", "compileall", "-q", "-x", r"\.work", "policycli", "bench"], cwd=ROOT, check=False
    )


def measure(row: Row, args) -> Result:
    compile_all()
    result = Result(row)
    started = time.perf_counter()
    load_before = os.getloadavg()[0]

    def go(side: str, k: int, keep: bool = False) -> Run:
        if row.before:
            row.before(2 * k + (side == "floor"))
        if row.fetch is not None:
            return row.fetch(side, keep)
        argv = row.ours(k) if side == "ours" else row.floor(k)
        return execute(argv, row.env, row.sink, keep)

    a = go("ours", 0, keep=True)
    if a.status != 0:
        result.error = "failed: " + _failure(a)
        return _finish(result, started, load_before)
    seen_a = row.observe("ours", 0) if row.observe else None
    b = None
    if row.floor is not None:
        b = go("floor", 0, keep=True)
        if b.status != 0:
            result.floor_error = "floor failed: " + _failure(b)
            b = None
        else:
            seen_b = row.observe("floor", 0) if row.observe else None
            result.check_ok, result.check = compare(row, a, b, seen_a, seen_b)
            b.out = None
    a.out = None
    result.warm = (a, b)
    slow = max(a.seconds, b.seconds if b else 0.0) > SLOW
    least, most = (3, 3) if slow else (args.rounds, max(args.rounds, args.max_rounds))
    for k in range(1, most + 1):
        a = go("ours", k)
        if a.status != 0:
            result.error = "failed: " + _failure(a)
            break
        b = None
        if row.floor is not None and not result.floor_error:
            b = go("floor", k)
            if b.status != 0:
                result.floor_error = "floor failed: " + _failure(b)
                b = None
        result.pairs.append((a, b))
        if k >= least and (decided(row, result.pairs) or time.perf_counter() - started > args.row_budget):
            break
    return _finish(result, started, load_before)


def _finish(result: Result, started: float, load_before: float) -> Result:
    result.seconds = time.perf_counter() - started
    result.load = (load_before, os.getloadavg()[0])
    show(result)
    return result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _times(values: list[float]) -> str:
    """Median (min–max) in one unit: ms below 10 s, else s."""
    if not values:
        return "—"
    if statistics.median(values) < 10:
        return (
            f"{statistics.median(values) * 1000:.0f} ms ({min(values) * 1000:.0f}–{max(values) * 1000:.0f})"
        )
    return f"{statistics.median(values):.1f} s ({min(values):.1f}–{max(values):.1f})"


def _ratios(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{statistics.median(values):.2f}× ({min(values):.2f}–{max(values):.2f})"


def verdicts(result: Result) -> list[tuple[Target, str, float | None]]:
    return [(t, *verdict(t, t.values(result.pairs, result.row.amount))) for t in result.row.targets]


def show(result: Result) -> None:
    row = result.row
    label = f"{row.name} @ {size_label(row.size)}" if row.size else row.name
    if result.error:
        print(f"{label:60} {result.error}", file=sys.stderr)
        return
    ratios = [a.seconds / b.seconds for a, b in result.pairs if b is not None]
    judged = " ".join(f"[{t.label}: {v}]" for t, v, _ in verdicts(result) if v)
    print(
        f"{label:60} ours {_times(result.ours()):28} floor {_times(result.floors()):28} "
        f"{_ratios(ratios):22} n={len(result.pairs)} {judged} "
        f"{result.floor_error or ('' if result.check_ok else result.check)}",
        file=sys.stderr,
    )


# --- corpora and databases ----------------------------------------------------------------------------


def size_label(n: int | None) -> str:
    if n is None:
        return ""
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def fresh(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def corpus(measures: int) -> Path:
    out = WORK / f"corpus-{measures}"
    if not (out / "done").exists():
        shutil.rmtree(out, ignore_errors=True)
        sys.path.insert(0, str(BENCH))
        from generate import build

        build(out, measures)
        (out / "done").write_text("ok")
    return out


def database(measures: int, directory: Path = WORK) -> Path:
    """The database of `measures` generated measures (and the bundled documents), built once. One
    being built by another process (its file written to in the last 10 minutes, no .ok marker yet)
    is waited for, not rebuilt."""
    db = directory / f"db-{measures}.db"
    marker = directory / f"db-{measures}.ok"
    waited = False
    while not marker.exists():
        files = [p for p in (db, Path(f"{db}-wal")) if p.exists()]
        if not files or time.time() - max(p.stat().st_mtime for p in files) > 600:
            break
        if not waited:
            print(f"  waiting for {db.name}, being built by another process …", file=sys.stderr)
            waited = True
        time.sleep(15)
    if not marker.exists():
        fresh(db)
        env = {**ENV, "POLICY_DB": str(db)}
        for command in ([*POLICY, "docs"], [*POLICY, "load", str(corpus(measures))]):
            started = time.perf_counter()
            done = execute(command, env, "null")
            if done.status != 0:
                raise SystemExit(f"building {db.name} failed: {_failure(done)}")
        print(f"  built {db.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        marker.write_text("ok")
    return db


def read_only(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


# --- the rows -----------------------------------------------------------------------------------------


def floor(script: str, *arguments: str) -> list[str]:
    return [PY, str(BENCH / script), *arguments]


LISTING_FIRST = Target("first", 0.3, "first line < 300 ms")
# Indexes and tables policy keeps for a command that its floor does not read yet (issue 17 allows
# the floor to read them; each floor says where to change it).
USES = {
    "tallies": "the counts kept in step with every write (m015_tallies; policycli/tallies.py) and the "
    "recurring measures' parts per period with the day each counts from (m019_period_parts; "
    "policycli/period_parts.py), which the floor reads too (floor_tallies.py), as issue 17 allows; "
    "policy also counts those periods in the tally, the floor counts their rows",
    "title counts": "the title's counts from the tallies (m015_tallies), which the floor reads too",
    "search": "the index of characters and pairs (m016_search_index, search.py); the floor reads every "
    "measure with LIKE, the plain way",
}


def ratio(limit: float = 1.5) -> Target:
    return Target("ratio", limit, f"≤ {limit:g}× floor")


def database_rows(size: int, db: Path, load_sizes: tuple[int, ...] = (10_000,)) -> list[Row]:
    """The rows on one database: each command (words split at spaces) against its floor script."""
    env = {**ENV, "POLICY_DB": str(db)}

    def same(words: str, script: str, check: str, targets: list[Target], note: str, **options) -> Row:
        command, script_words = words.split(), script.split()
        return Row(
            "policy " + words,
            size,
            lambda k: [*POLICY, *command],
            lambda k: floor(script_words[0], str(db), *script_words[1:]),
            note,
            check,
            targets,
            env,
            **options,
        )

    listing = [ratio(), LISTING_FIRST]
    tasks = (
        "floor_tasks.py: the same reads (an agency's parts through its due index, or the measures in due "
        "order, stopping at the 101st open one; the recurring measures' periods), a rich table of the 100 "
        "most urgent"
    )
    search = "floor_tasks.py with the search as a condition on the measures ({})"
    stats = "floor_stats.py: the parts read in the measures' order, counted per agency and per document"
    remind = (
        "floor_remind.py: open parts due by the horizon through the due index, the 20 most urgent per agency "
        "kept, expired documents counted document by document"
    )
    soon, one = Target("time", 1.0, "< 1 s"), Target("time", 0.2, "< 200 ms")
    quick = Target("time", 2.0, "< 2 s")
    a = f"--agency {AGENCY}"
    rows = [
        same(
            f"tasks {a}",
            f"floor_tasks.py {a}",
            "table",
            listing,
            tasks + ", the title's two counts",
            uses="title counts",
        ),
        same(
            f"tasks {a} --format json",
            f"floor_tasks.py {a} --format json",
            "bytes",
            [ratio()],
            "floor_tasks.py: every row of the agency, as JSON",
            sink="null",
        ),
        same("tasks", "floor_tasks.py", "table", listing, tasks),
        same(
            "tasks --search 金融",
            "floor_tasks.py --search 金融",
            "table",
            listing,
            search.format("2 characters: LIKE on title and text"),
            uses="search",
        ),
        same(
            "tasks --search 局",
            "floor_tasks.py --search 局",
            "table",
            listing,
            search.format("1 character: LIKE on title and text"),
            uses="search",
        ),
        same(
            "tasks --search 人工智能",
            "floor_tasks.py --search 人工智能",
            "table",
            listing,
            search.format("3+ characters: the FTS5 trigram index"),
            uses="search",
        ),
        same("stats", "floor_stats.py", "table", [*listing, quick], stats + "; a rich table", uses="tallies"),
        same(
            "stats --format json",
            "floor_stats.py --format json",
            "bytes",
            [ratio(), quick],
            stats + "; JSON",
            uses="tallies",
        ),
        same(
            "remind --within 30",
            "floor_remind.py --within 30",
            "bytes",
            [*listing, soon],
            remind,
            uses="tallies",
        ),
        same(
            f"remind --within 30 {a}",
            f"floor_remind.py --within 30 {a}",
            "bytes",
            [*listing, one],
            "floor_remind.py for one agency",
            uses="tallies",
        ),
        same(
            "export --format csv",
            "floor_export.py",
            "bytes",
            [ratio()],
            "floor_export.py: the ledger's query, each CSV line rendered by SQLite's printf",
            sink="null",
        ),
        same(
            "report -f json",
            "floor_report.py",
            "bytes",
            [ratio()],
            "floor_report.py: floor_stats' counts, floor_remind's overdue items (all), the trend replayed "
            "from the events",
            sink="null",
            uses="tallies",
        ),
        done_row(size, db, env),
    ]
    rows += page_rows(size, db)
    if size in load_sizes:
        rows.append(load_row(size))
    return rows


def done_row(size: int, db: Path, env: dict) -> Row:
    """`policy done` and its floor mark a different part each run, one never marked (a part already
    done records nothing): the measures are chosen before the row, from the latest due dates."""
    measures: list[str] = []

    def pick(k: int) -> None:
        if not measures:
            with read_only(db) as conn:
                measures.extend(
                    r[0]
                    for r in conn.execute(
                        """SELECT a.measure_id FROM assignments a JOIN measures m ON m.id = a.measure_id
                           LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency
                           WHERE a.agency = ? AND a.obsolete = 0 AND m.obsolete = 0 AND m.recurrence IS NULL
                             AND m.kind IN ('task', 'target', 'indicator', 'safeguard')
                             AND p.measure_id IS NULL
                           ORDER BY a.due DESC, a.measure_id LIMIT 200""",
                        [AGENCY],
                    )
                )

    def written(side: str, k: int) -> object:
        measure = measures[2 * k + (side == "floor")]
        with read_only(db) as conn:
            progress = conn.execute(
                "SELECT agency, period, status, note, evidence, by, done_on FROM progress "
                "WHERE measure_id = ?",
                [measure],
            ).fetchall()
            events = conn.execute(
                "SELECT agency, period, action, before_status, after_status, before_note, before_evidence, "
                "before_done_on, note, evidence, done_on, by, undoes, undone, detail FROM events "
                "WHERE measure_id = ?",
                [measure],
            ).fetchall()
        message = read_stderr().replace(measure, "ID")
        return progress, events, message

    return Row(
        f"policy done ID --agency {AGENCY}",
        size,
        lambda k: [*POLICY, "done", measures[2 * k], "--agency", AGENCY],
        lambda k: floor("floor_done.py", str(db), measures[2 * k + 1], AGENCY),
        "floor_done.py: in one write transaction, the part's lookup, its progress row upserted and the "
        "event inserted (marking.record's rows); a fresh part each run",
        "done",
        targets=[ratio()],
        env=env,
        before=pick,
        observe=written,
        note="warm bytecode cache",
    )


def read_stderr() -> str:
    return (OUT / "stderr").read_text(encoding="utf-8", errors="replace").strip()


def load_row(size: int) -> Row:
    folder = WORK / f"corpus-{size}"
    target = WORK / "load-test.db"
    env = {**ENV, "POLICY_DB": str(target)}

    def empty(_: int) -> None:
        corpus(size)
        fresh(target)
        subprocess.run(
            [
                PY,
                "-c",
                "import sys; from pathlib import Path; from policycli.store import connect; "
                "connect(Path(sys.argv[1])).conn.close()",
                str(target),
            ],
            env=ENV,
            check=True,
        )

    def counts(side: str, k: int) -> object:
        """What the load wrote: the rows of measures and assignments, and the search index (m016,
        search.py): its rows (a contentless FTS5 table is counted through the row sizes it keeps)
        and, read through fts5vocab, its grams, how many measure–gram pairs, and a digest of every
        gram with the number of measures holding it (the same index, not only as large)."""
        import hashlib

        with read_only(target) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            rows = {
                t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("measures", "assignments")
            }
            if "measure_grams" in tables:
                rows["index rows"] = conn.execute("SELECT count(*) FROM measure_grams").fetchone()[0]
                conn.execute(
                    "CREATE VIRTUAL TABLE temp.grams_vocab USING fts5vocab(main, measure_grams, 'row')"
                )
                digest = hashlib.sha256()
                grams = pairs = 0
                for term, holding in conn.execute("SELECT term, doc FROM temp.grams_vocab ORDER BY term"):
                    digest.update(f"{term}\t{holding}\n".encode("utf-8", "surrogatepass"))
                    grams, pairs = grams + 1, pairs + holding
                rows |= {"index grams": grams, "index pairs": pairs, "index digest": digest.hexdigest()[:12]}
            return rows

    return Row(
        "policy load DIR",
        size,
        lambda k: [*POLICY, "load", str(folder)],
        lambda k: floor("floor_load.py", str(target), str(folder)),
        "floor_load.py: the same documents, measures and parts by executemany into policy's empty "
        "schema in one transaction, and the same search index (each measure's characters and pairs into "
        "the FTS5 table, search.py's rule written out again); no identity matching, no validation",
        "load",
        targets=[ratio(2.0)],
        env=env,
        before=empty,
        observe=counts,
    )


# --- the pages of policy serve --------------------------------------------------------------------

BENCH_USER = "bench-coordinator"  # the account the page rows sign in as (made on first use)
SERVERS: list[PageServer] = []  # running, stopped once their database's rows are done (stop_servers)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PageServer:
    """`policy serve` (signed in as a coordinator) or floor_serve.py over one database: started on
    its first request, untimed, and kept for the database's rows; each request timed on its own."""

    def __init__(self, db: Path, floor_side: bool) -> None:
        self.db, self.floor_side = db, floor_side
        self.process: subprocess.Popen | None = None
        self.port, self.cookie = 0, ""

    def start(self) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        env = {**ENV, "POLICY_DB": str(self.db)}
        self.port = free_port()
        if self.floor_side:
            argv = floor("floor_serve.py", str(self.db), str(self.port))
        else:
            password = self.account(env)
            argv = [*POLICY, "serve", "--port", str(self.port)]
        log = OUT / f"server-{'floor' if self.floor_side else 'policy'}.log"
        with log.open("wb") as err:
            self.process = subprocess.Popen(
                argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
            )
        SERVERS.append(self)
        deadline = time.monotonic() + 600  # policy serve opens (and migrates) the database first
        while True:
            try:
                status, _, _ = self.request("GET", "/login")
                if status == 200:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(encoding="utf-8", errors="replace").strip()[-300:]
                raise RuntimeError(f"{' '.join(argv[:3])} did not start: {tail}")
            time.sleep(0.1)
        if self.floor_side:
            self.cookie = f"floor_user={BENCH_USER}"
            return
        # policy's sign-in: the form's CSRF token in the session cookie, then name and password
        _, headers, body = self.request("GET", "/login")
        session = self.session_cookie(headers)
        token = re.search(rb'name="csrf" value="([^"]+)"', body)[1].decode()
        form = urlencode({"csrf": token, "name": BENCH_USER, "password": password})
        status, headers, _ = self.request(
            "POST",
            "/login",
            form,
            {"Cookie": session, "Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 303:
            raise RuntimeError(f"signing in to policy serve as {BENCH_USER} failed: HTTP {status}")
        self.cookie = self.session_cookie(headers)

    @staticmethod
    def account(env: dict) -> str:
        """The coordinator's password: a new account, or a new password for the one made before."""
        for action in ("add", "reset"):
            extra = ["--role", "coordinator"] if action == "add" else []
            done = subprocess.run(
                [*POLICY, "users", action, BENCH_USER, *extra], env=env, capture_output=True, text=True
            )
            if done.returncode == 0:
                return done.stdout.split(": ", 1)[1].strip()
        raise RuntimeError(f"policy users add/reset {BENCH_USER} failed: {done.stderr.strip()[-300:]}")

    @staticmethod
    def session_cookie(headers: list[tuple[str, str]]) -> str:
        return next(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            answer = connection.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            connection.close()

    def get(self, path: str, keep: bool) -> Run:
        """One GET as a browser's: from opening the connection to the page's last byte."""
        if self.process is None:
            self.start()
        assert self.process is not None
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=RUN_TIMEOUT)
        start = time.perf_counter()
        connection.request("GET", path, headers={"Cookie": self.cookie})
        answer = connection.getresponse()
        first, chunks = None, []
        while chunk := answer.read1(1 << 16):
            if first is None:
                first = time.perf_counter() - start
            chunks.append(chunk)
        elapsed = time.perf_counter() - start
        connection.close()
        body = b"".join(chunks)
        rss = 0
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
        failed = answer.status != 200
        return Run(
            elapsed,
            first,
            rss,
            answer.status if failed else 0,
            body[:300] if failed else b"",
            len(body),
            hashlib.sha256(body).hexdigest() if keep else "",
            body if keep else None,
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


def stop_servers() -> None:
    while SERVERS:
        SERVERS.pop().stop()


def page_rows(size: int, db: Path) -> list[Row]:
    """The overview and one agency's checklist from a running `policy serve`, against floor_serve.py."""
    servers = {"ours": PageServer(db, floor_side=False), "floor": PageServer(db, floor_side=True)}
    pages = [
        (
            "/dashboard",
            "the overview (coordinator)",
            "floor_serve.py /dashboard: the counts per agency and per document (floor_stats), each "
            "agency's overdue count and 20 longest overdue (floor_remind), as an HTML page; it reads "
            "no trend (the page shows none)",
        ),
        (
            f"/?agency={AGENCY}",
            f"{AGENCY}'s checklist",
            "floor_serve.py /?agency=: the agency's 200 most urgent open parts through its due index "
            "(floor_tasks), the open and overdue counts, as an HTML page",
        ),
    ]
    rows = []
    for path, what, note in pages:
        url = path.split("=")[0] + "=" + quote(AGENCY) if "=" in path else path

        def fetch(side: str, keep: bool, url: str = url) -> Run:
            return servers[side].get(url, keep)

        rows.append(
            Row(
                f"policy serve: GET {path}",
                size,
                lambda k, path=path: ["GET", path],
                lambda k, path=path: ["GET", path, "(floor_serve.py)"],
                note,
                "page",
                targets=[ratio()],
                fetch=fetch,
                note=f"{what}; one request, the server running",
                uses="tallies",
            )
        )
    return rows


def start_rows() -> list[Row]:
    help_text = OUT / "help.txt"

    def save_help(k: int) -> None:
        if k == 0:
            done = subprocess.run([*POLICY, "--help"], env=ENV, capture_output=True)
            OUT.mkdir(parents=True, exist_ok=True)
            help_text.write_bytes(done.stdout)

    return [
        Row(
            "policy --help",
            None,
            lambda k: [*POLICY, "--help"],
            lambda k: floor("floor_help.py", str(help_text)),
            "floor_help.py: Python starting and writing the same text (read from a file)",
            "bytes",
            targets=[ratio()],
            before=save_help,
        ),
        Row(
            "reference: a two-command Typer app that does nothing",
            None,
            lambda k: floor("floor_typer.py", "done", "x", "--agency", "y"),
            lambda k: [PY, "-c", "import sqlite3"],
            "Python starting and importing sqlite3",
            "none",
            unchecked="nothing to compare",
            note="what Typer costs before a command does anything",
        ),
    ]


def ingest_rows() -> list[Row]:
    """Ingest as a whole process: a bundled text, the five bundled texts, the 10 MB worst case and a
    50-page PDF (the last two built into bench/.work on first use, in a process of their own). The
    floor (start-up, reading, writing the same JSON) shows what the process costs besides parsing;
    throughput is judged where start-up is a small part of the time (the 10 MB file)."""
    sources = sorted((ROOT / "data" / "sources").iterdir())
    build_worst = "from ingest_worst import MiB, build; build(Path(sys.argv[1]), 10 * MiB - 4096)"
    inputs = [
        ([sources[0]], "a bundled text", None, [Target("rate", 1e6, "MB/s", at_least=True, judged=False)]),
        (sources, "the five bundled texts", None, [Target("rate", 1e6, "MB/s", at_least=True, judged=False)]),
        (
            [WORK / "ingest_worst.md"],
            "the 10 MB worst case",
            build_worst,
            [Target("rate", 1e6, "≥ 1 MB/s", at_least=True), Target("time", 60.0, "< 60 s")],
        ),
        (
            [WORK / "ingest_pdf_50_pages.pdf"],
            "a 50-page PDF",
            "from ingest_pdf import build; build(Path(sys.argv[1]))",
            [Target("time", 5.0, "< 5 s")],
        ),
    ]
    rows = []
    for k, (paths, what, build, targets) in enumerate(inputs):
        out = OUT / f"ingest-{k}"
        reference = OUT / f"ingest-{k}-reference"
        files = [str(p) for p in paths]
        row = Row(
            f"policy ingest {what}",
            None,
            lambda n, files=files, out=out: [*POLICY, "ingest", *files, "--out", str(out)],
            lambda n, files=files, out=out, reference=reference: floor(
                "floor_ingest.py", str(reference), str(out), *files
            ),
            "floor_ingest.py: start-up, reading the files and writing the same JSON (no parsing)",
            "none",
            targets=targets,
            unchecked="the floor writes policy's JSON: not compared",
        )

        def prepare(n: int, paths=paths, build=build, out=out, reference=reference, row=row) -> None:
            if n == 0:
                if build and not paths[0].exists():
                    code = f"import sys; from pathlib import Path; sys.path.insert(0, 'bench'); {build}"
                    subprocess.run([PY, "-c", code, str(paths[0])], cwd=ROOT, env=ENV, check=True)
                row.amount = sum(p.stat().st_size for p in paths)
                row.note = _bytes(row.amount)
            if n == 1:  # after policy's warm-up: its output is what the floor writes
                shutil.rmtree(reference, ignore_errors=True)
                shutil.copytree(out, reference)
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)

        row.before = prepare
        rows.append(row)
    return rows


# --- main ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="measures, comma-separated")
    parser.add_argument("--rounds", type=int, default=5, help="pairs at least (default 5)")
    parser.add_argument("--max-rounds", type=int, default=15, help="pairs at most (default 15)")
    parser.add_argument(
        "--row-budget", type=float, default=90.0, help="seconds after which a row adds no pairs"
    )
    parser.add_argument("--only", help="run only the rows whose command matches this regular expression")
    parser.add_argument("--out", type=Path, help="the report (default: docs/benchmarks.md for a full run)")
    parser.add_argument(
        "--db-dir", type=Path, default=WORK, help="where the databases are (default bench/.work)"
    )
    parser.add_argument(
        "--load-sizes",
        default="10000",
        help="sizes at which `policy load` is timed (default 10000: at 100k one pair takes 2.5 minutes)",
    )
    parser.add_argument("--list", action="store_true", help="list the rows' commands and exit")
    args = parser.parse_args()
    if args.list:
        names = [r.name for r in start_rows() + database_rows(10_000, WORK / "db.db") + ingest_rows()]
        print("\n".join(dict.fromkeys(names)))
        return
    sizes = sorted(int(s) for s in args.sizes.split(","))
    load_sizes = tuple(int(s) for s in args.load_sizes.split(","))
    full = args.only is None and tuple(sizes) == SIZES
    out = args.out or (ROOT / "docs" / "benchmarks.md" if full else WORK / "benchmarks-partial.md")
    wanted = re.compile(args.only, re.I) if args.only else None
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    compile_all()
    context = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_before": os.getloadavg(),
        "bytecode": os.environ.get("PYTHONDONTWRITEBYTECODE") or "unset",
        "machine": machine(),
        "sizes": sizes,
        "rounds": (args.rounds, args.max_rounds, args.row_budget),
        "only": args.only,
    }
    results: list[Result] = []

    def run_rows(rows: list[Row]) -> None:
        for row in rows:
            if wanted is None or wanted.search(row.name):
                results.append(measure(row, args))

    run_rows(start_rows())
    try:
        by_size(sizes, args, wanted, load_sizes, run_rows)
    finally:
        stop_servers()
    run_rows(ingest_rows())
    peer = (
        {"note": "not run (--only)"}
        if wanted
        else taskwarrior(100_000 if 100_000 in sizes else sizes[0], args.db_dir)
    )
    context["load_after"] = os.getloadavg()
    context["minutes"] = (time.perf_counter() - started) / 60
    save_raw(results, context)
    text = report(results, peer, context, full)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"wrote {out}", file=sys.stderr)


def by_size(sizes: list[int], args, wanted, load_sizes: tuple[int, ...], run_rows) -> None:
    """The rows on each database, in order of size; its servers stopped once its rows are done."""
    for size in sizes:
        db = args.db_dir / f"db-{size}.db"
        rows = [r for r in database_rows(size, db, load_sizes) if wanted is None or wanted.search(r.name)]
        if not rows:
            continue
        database(size, args.db_dir)
        # the first open migrates the database (other work may have added migrations): untimed
        warm = execute(
            [*POLICY, "tasks", "--agency", AGENCY, "--limit", "1"], {**ENV, "POLICY_DB": str(db)}, "null"
        )
        if warm.status != 0:
            print(f"  warning: policy on {db.name}: {_failure(warm)}", file=sys.stderr)
        run_rows(rows)
        stop_servers()


def save_raw(results: list[Result], context: dict) -> None:
    """Every time of the run, for a closer look: bench/.work/bench-results.json."""
    raw = {
        "context": {k: v for k, v in context.items()},
        "rows": [
            {
                "name": r.row.name,
                "size": r.row.size,
                "ours": r.ours(),
                "floor": r.floors(),
                "first_line": [a.first_line for a, _ in r.pairs],
                "floor_first_line": [b.first_line for _, b in r.pairs if b],
                "rss_kib": [a.rss_kib for a, _ in r.pairs],
                "warm": [w.seconds if w else None for w in r.warm],
                "check": r.check,
                "error": r.error,
                "floor_error": r.floor_error,
                "load": r.load,
                "seconds": r.seconds,
            }
            for r in results
        ],
    }
    (WORK / "bench-results.json").write_text(json.dumps(raw, ensure_ascii=False, indent=1), encoding="utf-8")


# --- Taskwarrior ------------------------------------------------------------------------------------------


def taskwarrior(size: int, db_dir: Path) -> dict:
    """Taskwarrior on the same tasks: `task list` and a change, against policy's list and done."""
    if not shutil.which("task"):
        return {"note": "Taskwarrior is not installed (apt-get install taskwarrior); skipped."}
    home = WORK / f"taskwarrior-{size}"
    data = home / "data"
    env = {**ENV, "HOME": str(home), "TASKRC": str(home / ".taskrc"), "TASKDATA": str(data)}
    if not (home / "imported").exists():
        shutil.rmtree(home, ignore_errors=True)
        data.mkdir(parents=True)
        (home / ".taskrc").write_text(
            f"data.location={data}\nconfirmation=no\nverbose=nothing\ngc=off\n", encoding="utf-8"
        )
        tasks = []
        for path in sorted(corpus(size).glob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            for m in document["measures"]:
                tagged = {"tags": [AGENCY]} if any(u["agency"] == AGENCY for u in m["units"]) else {}
                due = {"due": m["due"].replace("-", "") + "T000000Z"} if m.get("due") else {}
                tasks.append(
                    {
                        "description": m["title"],
                        "project": document["id"],
                        "status": "pending",
                        **due,
                        **tagged,
                    }
                )
        (home / "import.json").write_text(
            "\n".join(json.dumps(t, ensure_ascii=False) for t in tasks[:size]), encoding="utf-8"
        )
        try:
            subprocess.run(
                ["task", "import", str(home / "import.json")],
                env=env,
                capture_output=True,
                timeout=1800,
                check=True,
            )
        except (subprocess.TimeoutExpired, subprocess.CalledProcessError) as exc:
            return {"note": f"Taskwarrior import of {size:,} tasks failed ({type(exc).__name__}); skipped."}
        (home / "imported").write_text("ok")
    db = database(size, db_dir)
    policy_env = {**ENV, "POLICY_DB": str(db)}

    def median_of(argv: list[str], environment: dict) -> float:
        execute(argv, environment, "null")  # warm-up
        return statistics.median(execute(argv, environment, "null").seconds for _ in range(5))

    return {
        "size": size,
        "task_list": median_of(["task", f"+{AGENCY}", "list"], env),
        "task_modify": median_of(["task", "rc.confirmation=no", "1", "modify", "priority:H"], env),
        "policy_list": median_of([*POLICY, "tasks", "--agency", AGENCY], policy_env),
        "version": subprocess.run(["task", "--version"], capture_output=True, text=True).stdout.strip(),
    }


# --- the report -----------------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}"
    )


def growth(results: list[Result]) -> dict[tuple[str, int], tuple[float, float | None]]:
    """(name, size) → policy's median over its median at a tenth of the size (and the floor's)."""
    medians = {
        (r.row.name, r.row.size): (
            statistics.median(r.ours()) if r.pairs else None,
            statistics.median(r.floors()) if r.floors() else None,
        )
        for r in results
        if r.row.size
    }
    out = {}
    for (name, size), (ours, floor_) in medians.items():
        before = medians.get((name, size // 10))
        if size % 10 == 0 and before and ours and before[0]:
            out[(name, size)] = (ours / before[0], floor_ / before[1] if floor_ and before[1] else None)
    return out


def report(results: list[Result], peer: dict, context: dict, full: bool) -> str:
    sizes = context["sizes"]
    largest = max(sizes)
    grown = growth(results)
    lo, hi, budget = context["rounds"]
    load_before = "/".join(f"{x:.2f}" for x in context["load_before"])
    load_after = "/".join(f"{x:.2f}" for x in context["load_after"])
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (bench/run.py) on {context['started']}"
        + (
            ""
            if full
            else f" — a partial run ({'--only ' + repr(context['only']) if context['only'] else ''} "
            f"sizes {', '.join(size_label(s) for s in sizes)})"
        )
        + f", in {context['minutes']:.0f} minutes.",
        "",
        f"- Machine: {context['machine']}.",
        f"- Load average (1/5/15 min): {load_before} before, {load_after} after; each row's 1-minute load "
        "is in the table. Other work on the machine adds noise, which the paired design absorbs in the "
        "ratios and the intervals show.",
        "- Python bytecode: warm bytecode cache — `python -m compileall -q policycli bench` ran before "
        f"each row (untimed); PYTHONDONTWRITEBYTECODE={context['bytecode']}.",
        f"- Databases: {', '.join(size_label(s) for s in sizes)} generated measures (bench/generate.py: "
        "documents of 1,000 measures, about 200 agencies, 1–8 per measure, 2% recurring yearly) plus the "
        f"bundled documents; today is {TODAY}.",
        "",
        "## How it is measured",
        "",
        "Each row is one command against a floor script in `bench/` doing the same work in plain Python + "
        "sqlite3 (rich for a table), whole processes both, start-up included. First one warm-up run of "
        "each, untimed, whose output is compared: the floor must print the same bytes, or — for a table, "
        "which the floor draws with rich — the same rows (first cell and numbers of each line) and the "
        "same title; for `done`, write the same rows. Then pairs, policy then floor, A B A B …: at least "
        f"{lo}, more up to {hi} while a target is undecided — while the 90% interval of the median (order "
        "statistics, no assumption on the distribution) of the pairs' ratios, or of policy's time, "
        f"contains the target — and no more once a row has taken {budget:.0f} s; a row whose run takes "
        f"over {SLOW:.0f} s gets 3 pairs. Times are medians with (min–max); the ratio is the median of "
        "the pairs' ratios. *ok?* / *over?*: the interval still straddles the target at the cap, so the "
        "verdict could flip. First line: from the process's start to the first newline on its stdout, "
        "read from a pipe (where Python buffers a process's output: the first line comes with the first "
        "8 kB, or at exit). Growth: policy's median over its median at a tenth of the data (the floor's in "
        "brackets); over 10× is super-linear. The pages of `policy serve` are timed as a browser waits for "
        "them: one GET to a server already running (started once per database, untimed, signed in as a "
        "coordinator), from opening the connection to the page's last byte, against floor_serve.py (a plain "
        "http.server doing the same reads); their check compares the measures each page lists and its "
        "numbers, not the HTML.",
        "",
    ]
    lines += targets_section(results, grown, largest)
    lines += [
        "## Results",
        "",
        "| command | data | policy | floor | ratio | pairs | first line | growth per 10× | targets | "
        "peak memory | load avg | output check |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|",
    ]
    order = {name: k for k, name in reversed(list(enumerate(r.row.name for r in results)))}
    for r in sorted(results, key=lambda r: (order[r.row.name], r.row.size or 0)):
        lines.append(result_line(r, grown))
    lines += [
        "",
        "## The floors",
        "",
        "| command | floor: the same work | indexes and counts policy keeps for it |",
        "|---|---|---|",
    ]
    seen = set()
    for r in results:
        if r.row.name in seen:
            continue
        seen.add(r.row.name)
        uses = USES.get(r.row.uses, "")
        lines.append(f"| `{r.row.name}` | {r.row.floor_note} | {uses} |")
    lines += [
        "",
        "The floors import nothing from policy; bench/floor_common.py holds the rules they share (statuses, "
        "due dates, periods of recurring measures), written out again. A floor is what the same output "
        "costs done plainly — the same indexes, no framework — so a ratio near 1 means policy adds little "
        "to the work itself. Where a floor is slower than policy (ratio under 1), policy found a faster "
        "way than the plain one (the last column says what it reads, and whether the floor reads it too).",
        "",
        "## Taskwarrior, the peer a user would otherwise pick",
        "",
    ]
    if "note" in peer:
        lines.append(peer["note"])
    else:
        lines += [
            f"{peer['version']}, holding the same {peer['size']:,} tasks ({AGENCY}'s tagged); medians of 5:",
            "",
            "| job | Taskwarrior | policy | policy / Taskwarrior |",
            "|---|---:|---:|---:|",
            f"| list {AGENCY}'s tasks | {_ms(peer['task_list'])} | {_ms(peer['policy_list'])} | "
            f"{peer['policy_list'] / peer['task_list']:.2f}× |",
            f"| change one task (`task N modify`; policy: see `done` above) | "
            f"{_ms(peer['task_modify'])} | | |",
        ]
    lines.append("")
    return "\n".join(lines)


def targets_section(results: list[Result], grown: dict, largest: int) -> list[str]:
    at = size_label(largest)
    judged = [r for r in results if r.row.size in (None, largest) and not r.error]
    failed = [r for r in results if r.error]
    lines = [
        f"## Targets (judged at {at}{'' if largest == 1_000_000 else ': this run did not include 1M'})",
        "",
    ]

    def state(pick: Callable[[Target], bool], rows: list[Result]) -> tuple[list[str], list[str], list[str]]:
        met, over, open_ = [], [], []
        for r in rows:
            for t, v, value in verdicts(r):
                if not pick(t) or not v or v == "shown":
                    continue
                shown = f"`{r.row.name}` ({_value(t, value)})"
                if t.what == "ratio" and r.check_ok is False:  # not the same work: no verdict
                    open_.append(shown + ", but its floor's output differs")
                    continue
                (met if v == "ok" else over if v in ("over", "under") else open_).append(
                    shown + ("" if v in ("ok", "over", "under") else f" {v}")
                )
        return met, over, open_

    def line(title: str, pick: Callable[[Target], bool], rows: list[Result]) -> None:
        met, over, open_ = state(pick, rows)
        if not (met or over or open_):
            lines.append(f"- {title}: not measured in this run.")
            return
        status = "**not met**" if over else "**undecided**" if open_ else "**met**"
        parts = []
        if over:
            parts.append("over: " + ", ".join(over))
        if open_:
            parts.append("undecided: " + ", ".join(open_))
        if met:
            parts.append("ok: " + ", ".join(met))
        lines.append(f"- {title}: {status} — " + "; ".join(parts) + ".")

    sized = [r for r in judged if r.row.size]
    line(
        f"Every command ≤ 1.5× its floor at {at}",
        lambda t: t.what == "ratio" and t.limit == 1.5,
        [r for r in judged if not r.row.name.startswith("policy done")],
    )
    line(
        f"`done` ≤ 1.5× its floor, with a warm bytecode cache, at {at}",
        lambda t: t.what == "ratio",
        [r for r in sized if r.row.name.startswith("policy done")],
    )
    line(f"First line of a listing < 300 ms at {at}", lambda t: t.what == "first", sized)
    line(f"`stats` < 2 s at {at}", lambda t: t.what == "time" and t.limit == 2.0, sized)
    line(
        f"`remind` for the whole database < 1 s at {at}", lambda t: t.what == "time" and t.limit == 1.0, sized
    )
    line(f"`remind` for one agency < 200 ms at {at}", lambda t: t.what == "time" and t.limit == 0.2, sized)
    line(
        "Ingest ≥ 1 MB/s, the worst case < 60 s, the PDF < 5 s",
        lambda t: t.what in ("rate", "time"),
        [r for r in judged if r.row.name.startswith("policy ingest")],
    )
    loads = [r for r in results if r.row.name == "policy load DIR" and not r.error]
    if loads:
        biggest = max(r.row.size for r in loads)
        line(
            f"`load` ≤ 2× its floor (at {size_label(biggest)})",
            lambda t: t.what == "ratio",
            [r for r in loads if r.row.size == biggest],
        )
    steps = sorted(((name, size), g) for (name, size), g in grown.items())
    if steps:
        over = [
            f"`{name}` {size_label(size // 10)}→{size_label(size)} ×{g[0]:.1f}"
            for (name, size), g in steps
            if g[0] > 10
        ]
        lines.append(
            "- Growth ≤ 10× per 10× of data, every command: "
            + ("**not met** — super-linear: " + ", ".join(over) if over else "**met**")
            + f" ({len(steps)} steps measured; each in the table)."
        )
    else:
        lines.append("- Growth ≤ 10× per 10× of data: not measured (one size only).")
    if failed:
        lines.append(
            "- Rows where policy failed: "
            + ", ".join(f"`{r.row.name}` @ {size_label(r.row.size) or '—'} ({r.error})" for r in failed)
            + "."
        )
    bad = [r for r in results if r.floor_error or r.check_ok is False]
    if bad:
        lines.append(
            "- Rows whose floor failed or printed something else (their ratio compares different work): "
            + ", ".join(f"`{r.row.name}` @ {size_label(r.row.size) or '—'}" for r in bad)
            + "."
        )
    lines.append("")
    return lines


def _judged(target: Target, verdict_: str, value: float | None) -> str:
    """ "< 2 s: **over** (25.9 s)": a time's or a rate's value is given here (ratios and first lines
    have their columns); a value only shown has no verdict."""
    if verdict_ == "shown":
        return _value(target, value)
    shown = f" ({_value(target, value)})" if target.what in ("time", "rate") else ""
    if verdict_.startswith(("over", "under")):
        return f"{target.label}: **{verdict_}**{shown}"
    return f"{target.label}: {verdict_}{shown}"


def _value(target: Target, value: float | None) -> str:
    if value is None:
        return "—"
    if target.what == "ratio":
        return f"{value:.2f}×"
    if target.what == "rate":
        return f"{value / 1e6:.2f} MB/s"
    return _ms(value)


def result_line(r: Result, grown: dict) -> str:
    row = r.row
    name = f"`{row.name}`" + (f" ({row.note})" if row.note else "")
    data = size_label(row.size) or "—"
    if r.error:
        return f"| {name} | {data} | {r.error} | | | | | | | | {r.load[0]:.1f} | |"
    ratios = [a.seconds / b.seconds for a, b in r.pairs if b is not None]
    firsts = [a.first_line for a, _ in r.pairs if a.first_line is not None]
    first = _times(firsts) if any(t.what == "first" for t in row.targets) and firsts else ""
    g = grown.get((row.name, row.size))
    step = ""
    if g:
        step = (
            f"×{g[0]:.1f}" + (f" (×{g[1]:.1f})" if g[1] else "") + (" **super-linear**" if g[0] > 10 else "")
        )
    judged = "; ".join(
        f"{t.label}: not judged (the floor's output differs)"
        if t.what == "ratio" and r.check_ok is False
        else _judged(t, v, value)
        for t, v, value in verdicts(r)
        if v
    )
    peak = f"{max(a.rss_kib for a, _ in r.pairs) / 1024:.0f} MB" if r.pairs else ""
    check = r.floor_error or (r.check if r.check_ok or r.check_ok is None else f"**{r.check}**")
    floor_times = _times(r.floors()) if r.floors() else ("—" if row.floor else "no floor")
    ratio_cell = _ratios(ratios) + (
        "" if any(t.what == "ratio" for t in row.targets) or not ratios else ", no target"
    )
    return (
        f"| {name} | {data} | {_times(r.ours())} | {floor_times} | {ratio_cell} | {len(r.pairs)} | "
        f"{first} | "
        f"{step} | {judged} | {peak} | {r.load[0]:.1f} | {check} |"
    )


if __name__ == "__main__":
    main()
