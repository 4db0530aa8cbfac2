"""`policy report` (issue 15): the progress report, its numbers equal to `policy stats`, progress as of
a past day replayed from the history, what changed since a day, finished parts over time; one
self-contained HTML page looked at in headless Chromium, an Excel workbook, Markdown."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import openpyxl
import pytest
from clitools import as_json, bundled_variant, ok, run_policy

TRADE = "hfg-2020-24"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.fixture
def marked(tmp_path) -> Path:
    """Four changes on known days (the recorded times set as if made then): 2021-03-01 two marks,
    2021-05-10 one, 2021-06-20 an undo of the 2021-05-10 one."""
    db = tmp_path / "policy.db"
    ok(run_policy("done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", "--note", "已报送", db=db))
    ok(run_policy("start", f"{TRADE}/2.1.3.7", "--agency", "市商务委", db=db))
    ok(run_policy("done", f"{TRADE}/2.1.3.8", "--agency", "市商务委", db=db))
    ok(run_policy("undo", "--any", db=db))
    conn = sqlite3.connect(db)
    for event, at in (
        (1, "2021-03-01T02:00:00+00:00"),
        (2, "2021-03-01T03:00:00+00:00"),
        (3, "2021-05-10T02:00:00+00:00"),
        (4, "2021-06-20T17:00:00+00:00"),  # 2021-06-21 01:00 in Shanghai
    ):
        conn.execute("UPDATE events SET at = ? WHERE id = ?", [at, event])
    conn.execute(
        "UPDATE progress SET at = (SELECT max(at) FROM events WHERE events.measure_id = progress.measure_id)"
    )
    conn.commit()
    conn.close()
    return db


def report(db: Path, *args: str) -> dict:
    return as_json(run_policy("report", "-f", "json", *args, db=db))


@pytest.mark.parametrize("scope", [[], ["--agency", "市商务委"], ["--doc", TRADE]])
def test_the_numbers_are_those_of_stats(marked, scope):
    for today in ("2021-07-01", "2024-01-10"):
        stats = as_json(run_policy("stats", "-f", "json", "--today", today, *scope, db=marked))
        numbers = report(marked, "--today", today, *scope)
        assert (numbers["agencies"], numbers["documents"]) == (stats["agencies"], stats["documents"])
    if "--doc" in scope:
        return  # remind has no --doc
    remind = as_json(
        run_policy(
            "remind", "-f", "json", "--within", "0", "--max", "0", "--today", "2024-01-10", *scope, db=marked
        )
    )
    groups = report(marked, "--today", "2024-01-10", *scope)["overdue"]
    assert {g["agency"]: g["count"] for g in groups} == {
        g["agency"]: g["overdue_count"] for g in remind if g["overdue_count"]
    }
    # each agency's longest overdue, as many as the report lists (ITEMS), are remind's first
    listed = {g["agency"]: [(i["id"], i["period"]) for i in g["items"]] for g in groups}
    assert listed == {
        g["agency"]: [(i["id"], i["period"]) for i in g["overdue"][:20]] for g in remind if g["overdue_count"]
    }
    assert any(g["count"] > len(g["items"]) == 20 for g in groups)  # some are left out, and said


def test_as_of_replays_the_history(marked):
    def commerce(day: str) -> tuple:
        numbers = report(marked, "--as-of", day, "--agency", "市商务委", "--today", "2021-07-01")
        (row,) = numbers["agencies"]
        return numbers["replayed"], row["done"], row["doing"]

    assert commerce("2021-02-28") == (True, 0, 0)
    assert commerce("2021-03-01") == (True, 1, 1)
    assert commerce("2021-05-10") == (True, 2, 1)
    assert commerce("2021-06-20") == (True, 2, 1)  # the undo came on 2021-06-21, Shanghai time
    assert commerce("2021-06-21") == (True, 1, 1)
    # nothing of the replay stays behind: stats reads what is recorded
    stats = as_json(run_policy("stats", "-f", "json", "--agency", "市商务委", db=marked))
    assert (stats["agencies"][0]["done"], stats["agencies"][0]["doing"]) == (1, 1)


def test_changes_since_a_day_and_the_trend(marked):
    numbers = report(marked, "--since", "2021-05-01", "--today", "2021-07-01")
    assert [(c["id"], c["before"], c["after"], c["undo"]) for c in numbers["changes"]] == [
        (f"{TRADE}/2.1.3.8", "todo", "done", False),
        (f"{TRADE}/2.1.3.8", "done", "todo", True),
    ]
    assert numbers["trend"] == [
        {"day": "2021-03-01", "finished": 1},
        {"day": "2021-05-10", "finished": 2},
        {"day": "2021-06-21", "finished": 1},
    ]
    assert report(marked, "--today", "2021-07-01")["changes"] == []


def test_the_page_is_self_contained_and_escapes_what_it_shows(tmp_path):
    db = tmp_path / "policy.db"

    def hostile(document):
        document["title"] = '<script>alert("x")</script>静安意见'
        document["measures"][4]["units"] = [
            {"printed": "<b>局</b>", "name": "<b>局</b>", "role": "unspecified", "group": 1}
        ]

    ok(run_policy("load", str(bundled_variant(tmp_path, "hostile", hostile)), db=db))
    out = tmp_path / "报告.html"
    ok(run_policy("report", "-o", str(out), "--since", "2021-01-01", db=db))
    page = out.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;局&lt;/b&gt;" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page
    assert "<svg" in page and "@page" in page and "各单位完成情况" in page


def test_excel_and_markdown_reports(marked, tmp_path):
    ok(
        run_policy(
            "report",
            "-o",
            str(tmp_path / "报告.xlsx"),
            "--since",
            "2021-01-01",
            "--today",
            "2021-07-01",
            db=marked,
        )
    )
    book = openpyxl.load_workbook(tmp_path / "报告.xlsx")
    assert book.sheetnames == ["按单位", "按文件", "逾期事项", "变化", "累计"]
    rows = {r[0]: r for r in book["按单位"].iter_rows(min_row=2, values_only=True)}
    stats = as_json(run_policy("stats", "-f", "json", "--today", "2021-07-01", db=marked))
    commerce = next(a for a in stats["agencies"] if a["agency"] == "市商务委")
    assert rows["市商务委"][1:3] == (commerce["total"], commerce["done"])
    assert [r[1] for r in book["累计"].iter_rows(min_row=2, values_only=True)] == [1, 2, 1]
    text = ok(run_policy("report", "--today", "2021-07-01", "--agency", "市商务委", db=marked)).stdout
    assert (
        text.startswith("# 政策任务落实情况报告（市商务委）")
        and f"| 市商务委 | {commerce['total']} | 1 |" in text
    )
    for args, message in (
        (["-o", str(tmp_path / "r.html"), "-f", "md"], "--format is md"),
        (["-f", "html"], "give -o 报告.html"),
        (["-o", str(tmp_path / "r.txt")], "name the report"),
        (["--as-of", "昨天"], "--as-of must be a date"),
    ):
        refused = run_policy("report", *args, db=marked)
        assert refused.returncode == 2 and message in refused.stderr, refused.stderr


@pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium: apt-get install chromium fonts-noto-cjk (.ci/run does)"
)
def test_chromium_renders_the_report_and_prints_it_on_a4(marked, tmp_path):
    """Looked at the way a person would: rendered to PNG and printed to PDF in headless Chromium."""
    page = tmp_path / "报告.html"
    ok(run_policy("report", "-o", str(page), "--since", "2021-01-01", "--today", "2024-01-10", db=marked))
    flags = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    png, pdf = tmp_path / "report.png", tmp_path / "report.pdf"
    subprocess.run(
        [*flags, f"--screenshot={png}", "--window-size=820,1400", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    subprocess.run(
        [*flags, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from PIL import Image

    image = Image.open(png).convert("L")
    assert image.size == (820, 1400)
    dark = sum(image.histogram()[:128])
    assert dark > 5_000  # text and bars, not a blank page
    import pdfplumber

    with pdfplumber.open(pdf) as document:
        first = document.pages[0]
        assert abs(first.width - 595) < 3 and abs(first.height - 842) < 3  # A4 in points
        text = first.extract_text() or ""
    assert "政策任务落实情况报告" in text.replace(" ", "")  # Chinese glyphs, not boxes


def test_an_undone_correction_is_not_a_change_of_status(tmp_path):
    db = tmp_path / "policy.db"
    ok(run_policy("done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", db=db))
    ok(run_policy("unassign", f"{TRADE}/2.1.1.2", "市商务委", db=db))
    ok(run_policy("undo", "--any", db=db))  # the unassign undone
    for args in (("--today", "2100-01-01"), ("--as-of", "2100-12-31")):  # both after the real clock
        numbers = report(db, "--agency", "市商务委", *args)
        assert numbers["agencies"][0]["done"] == 1, args
        assert [p["finished"] for p in numbers["trend"]] == [1], args
