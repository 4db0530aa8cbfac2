"""Corrections by the coordinator (issue 14): policy assign / unassign / due, with real processes.

Each is recorded in the history, undoable, shown by `show` and carried by the export, and kept across
reloads of its document; one whose measure left the document, or that the document now agrees with,
is reported when the document is loaded.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from clitools import as_json, ok, run_policy

pytestmark = pytest.mark.slow  # real processes

DOC = "corr-test"


def write(path: Path, measures: list[tuple[str, str, list[str], str | None]]) -> Path:
    """A structured document of (path, text, units, due) measures."""
    document = {
        "format": "policy-document/1",
        "id": DOC,
        "title": "更正测试方案",
        "issued_on": "2021-01-01",
        "measures": [
            {
                "id": f"{DOC}/{p}",
                "path": p,
                "number": f"{p}.",
                "parent": None,
                "kind": "task",
                "title": text.split("。")[0],
                "text": text,
                "due": due,
                "units": [{"printed": u, "name": u, "agency": u, "role": "unspecified"} for u in units],
            }
            for p, text, units, due in measures
        ],
    }
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


FIRST = [
    ("1", "建立服务贸易统计监测制度。", [], None),  # the parser found no unit
    ("2", "优化跨境贸易通关流程。", ["上海海关", "市财政局"], "2021-12-31"),  # 市财政局 by mistake
    ("3", "完善外商投资服务体系。", ["市商务委"], None),  # no date found
]


def policy(db: Path, *args: str):
    """A real process for what writes (the contract: exit code, one-line errors, what is recorded);
    the reads that check it run in-process."""
    return run_policy(*args, db=db, real=args[0] in {"assign", "unassign", "due", "undo", "load", "done"})


def show(db: Path, measure_id: str) -> dict:
    return as_json(policy(db, "show", measure_id, "-f", "json"))


def units(detail: dict) -> list[str]:
    return [p["agency"] for p in detail["agencies"]]


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "policy.db"
    ok(run_policy("load", str(write(tmp_path / "v1.json", FIRST)), db=path))
    return path


def test_assign_unassign_and_due_are_kept_across_reloads_shown_exported_and_undoable(db, tmp_path):
    said = ok(
        policy(db, "assign", f"{DOC}/1", "市商务委", "--role", "lead", "--note", "据分工方案", "--by", "王五")
    )
    assert "市商务委 assigned (lead)" in said.stderr
    ok(policy(db, "unassign", f"{DOC}/2", "市财政局", "--note", "非本单位职责", "--by", "王五"))
    ok(policy(db, "due", f"{DOC}/3", "2022-06-30", "--note", "按年度计划", "--by", "王五"))
    ok(policy(db, "done", f"{DOC}/1", "--agency", "市商务委", "--by", "李四"))

    def check() -> None:
        first = show(db, f"{DOC}/1")
        assert units(first) == ["市商务委"] and first["agencies"][0]["status"] == "done"
        assert first["agencies"][0]["role"] == "lead"
        assert units(show(db, f"{DOC}/2")) == ["上海海关"]
        third = show(db, f"{DOC}/3")
        assert third["due"] == "2022-06-30" and third["due_info"]["rule"] == "corrected"
        mine = as_json(policy(db, "tasks", "--agency", "市商务委", "--status", "all", "-f", "json"))
        assert {r["id"] for r in mine} == {f"{DOC}/1", f"{DOC}/3"}
        assert not as_json(policy(db, "tasks", "--unassigned", "--doc", DOC, "-f", "json"))

    check()
    text = policy(db, "show", f"{DOC}/1").stdout
    assert "更正 指定责任单位 市商务委（牵头） · 王五" in text and "据分工方案" in text
    assert "市商务委（更正）" in text
    history = as_json(policy(db, "history", f"{DOC}/1", "-f", "json"))
    assert [(h["action"], h["detail"], h["by"]) for h in history][-1] == ("assign", "lead", "王五")
    assert "指定责任单位" in policy(db, "history", f"{DOC}/1").stdout
    exported = policy(db, "export", "--doc", DOC).stdout
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    by_id = {(r["措施编号"], r["责任单位"]): r for r in rows}
    assert by_id[(f"{DOC}/1", "市商务委")]["更正"].startswith("指定责任单位（王五 ")
    assert by_id[(f"{DOC}/3", "市商务委")]["更正"].startswith("更正截止日期（王五 ")
    assert by_id[(f"{DOC}/2", "上海海关")]["更正"] == ""

    # the document re-ingested (a changed title makes it a new version): every correction holds
    again = json.loads((tmp_path / "v1.json").read_text(encoding="utf-8"))
    again["title"] = "更正测试方案（修订）"
    (tmp_path / "v1b.json").write_text(json.dumps(again, ensure_ascii=False), encoding="utf-8")
    reloaded = ok(policy(db, "load", str(tmp_path / "v1b.json")))
    assert "correction" not in reloaded.stderr  # nothing to report
    check()

    # undo, newest first: each correction reverted, the document's own state back
    ok(policy(db, "undo", "--by", "王五"))  # the due date
    assert show(db, f"{DOC}/3")["due"] is None
    ok(policy(db, "undo", "--by", "王五"))  # the unassign
    assert units(show(db, f"{DOC}/2")) == ["上海海关", "市财政局"]
    ok(policy(db, "undo", "--by", "王五"))  # the assign: its part set aside, progress kept
    first = show(db, f"{DOC}/1")
    assert units(first) == [""] and first["status"] == "todo"
    ok(policy(db, "load", str(tmp_path / "v1.json")))  # and a reload brings none of them back
    assert units(show(db, f"{DOC}/1")) == [""] and units(show(db, f"{DOC}/2")) == ["上海海关", "市财政局"]


def test_a_correction_the_document_now_agrees_with_or_whose_measure_left_is_reported(db, tmp_path):
    ok(policy(db, "assign", f"{DOC}/1", "市商务委"))
    ok(policy(db, "due", f"{DOC}/2", "2022-03-31"))
    ok(policy(db, "unassign", f"{DOC}/2", "市财政局"))
    ok(policy(db, "assign", f"{DOC}/3", "市发展改革委"))
    revised = [
        ("1", FIRST[0][1], ["市商务委"], None),  # the revision names the unit itself
        ("2", FIRST[1][1], ["上海海关"], "2022-03-31"),  # drops 市财政局, gives the corrected date
        # item 3 removed
    ]
    loaded = ok(policy(db, "load", str(write(tmp_path / "v2.json", revised))))
    lines = [line for line in loaded.stderr.splitlines() if "correction" in line]
    assert len(lines) == 4, loaded.stderr
    assert sum("the document now says so itself" in line for line in lines) == 3
    assert any("assign 市发展改革委" in line and "no longer in the document" in line for line in lines)
    states = {c["action"]: c["state"] for c in show(db, f"{DOC}/2")["corrections"]}
    assert states == {"due": "redundant", "unassign": "redundant"}
    # a retired correction is not applied again, nor reported again; one kept aside is, when its
    # measure comes back
    again = ok(policy(db, "load", str(write(tmp_path / "v3.json", [*revised, FIRST[2]]))))
    lines = [line for line in again.stderr.splitlines() if "correction" in line]
    assert len(lines) == 1 and "assign 市发展改革委" in lines[0] and "applied again" in lines[0]
    assert units(show(db, f"{DOC}/3")) == ["市商务委", "市发展改革委"]


def test_a_correction_follows_its_measure_to_a_new_number(db, tmp_path):
    ok(policy(db, "assign", f"{DOC}/1", "市商务委", "--by", "王五"))
    inserted = [
        ("1", "推进数字贸易发展。", ["市经济信息化委"], None),
        *[(str(int(p) + 1), t, u, d) for p, t, u, d in FIRST],
    ]
    loaded = ok(policy(db, "load", str(write(tmp_path / "v2.json", inserted))))
    assert "correction" not in loaded.stderr
    moved = show(db, f"{DOC}/2")
    assert moved["title"] == "建立服务贸易统计监测制度" and units(moved) == ["市商务委"]
    assert units(show(db, f"{DOC}/1")) == ["市经济信息化委"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["assign", f"{DOC}/2", "上海海关"], "already responsible"),
        (["unassign", f"{DOC}/3", "上海海关"], "not responsible"),
        (["due", f"{DOC}/3", "2022-13-01"], "not a date"),
        (["assign", f"{DOC}/9", "市商务委"], "no measure"),
        (["assign", f"{DOC}/1", "市商务委", "--role", "boss"], "unknown role"),
    ],
)
def test_bad_corrections_are_refused_in_one_line_and_change_nothing(db, args, message):
    result = policy(db, *args)
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not as_json(policy(db, "history", "-f", "json"))


def test_undo_goes_back_to_what_the_document_says_now_with_the_other_corrections_on_top(db, tmp_path):
    def state(measure_id: str) -> tuple:
        detail = as_json(run_policy("show", measure_id, "-f", "json", db=db))
        parts = {p["agency"]: p for p in detail["agencies"]}
        ledger = as_json(run_policy("export", "--doc", DOC, "-f", "json", db=db))
        part_dues = {r["due"] for r in ledger if r["id"] == measure_id}
        return detail["due"], sorted(parts), part_dues

    # two due dates, one over the other: undoing the later one leaves the earlier one in force
    ok(run_policy("due", f"{DOC}/2", "2022-03-31", "--by", "甲", db=db))
    ok(run_policy("due", f"{DOC}/2", "2022-06-30", "--by", "乙", db=db))
    ok(run_policy("undo", "--by", "乙", db=db))
    assert state(f"{DOC}/2") == ("2022-03-31", ["上海海关", "市财政局"], {"2022-03-31"})
    # the document changes its own date meanwhile: undoing the correction gives the document's new one
    revised = [FIRST[0], (FIRST[1][0], FIRST[1][1], FIRST[1][2], "2023-01-01"), FIRST[2]]
    ok(run_policy("load", str(write(tmp_path / "v2.json", revised)), db=db))
    assert state(f"{DOC}/2")[0] == "2022-03-31"
    ok(run_policy("undo", "--by", "甲", db=db))
    assert state(f"{DOC}/2") == ("2023-01-01", ["上海海关", "市财政局"], {"2023-01-01"})
    # a unit assigned, then unassigned; both undone: it is not responsible, as the document says
    ok(run_policy("assign", f"{DOC}/3", "市财政局", "--by", "甲", db=db))
    ok(run_policy("unassign", f"{DOC}/3", "市财政局", "--by", "甲", db=db))
    ok(run_policy("undo", "--by", "甲", db=db))
    assert state(f"{DOC}/3")[1] == ["市商务委", "市财政局"]
    ok(run_policy("undo", "--by", "甲", db=db))
    assert state(f"{DOC}/3")[1] == ["市商务委"]


def test_a_correction_set_aside_with_its_measure_returns_with_it(db, tmp_path):
    ok(run_policy("assign", f"{DOC}/3", "市财政局", db=db))
    ok(run_policy("due", f"{DOC}/3", "2022-06-30", db=db))
    ok(run_policy("load", str(write(tmp_path / "v2.json", FIRST[:2])), db=db))  # item 3 removed
    removed = as_json(run_policy("show", f"{DOC}/3", "-f", "json", db=db))
    assert removed["obsolete"] and {c["state"] for c in removed["corrections"]} == {"gone"}
    listed = as_json(run_policy("tasks", "--agency", "市财政局", "--doc", DOC, "-f", "json", db=db))
    assert f"{DOC}/3" not in {r["id"] for r in listed}  # a removed measure's corrected part is not current
    back = ok(run_policy("load", str(write(tmp_path / "v3.json", FIRST)), db=db))
    assert back.stderr.count("the measure is back in the document; applied again") == 2
    returned = as_json(run_policy("show", f"{DOC}/3", "-f", "json", db=db))
    assert units(returned) == ["市商务委", "市财政局"] and returned["due"] == "2022-06-30"
    ok(run_policy("undo", "--any", db=db))
    ok(run_policy("undo", "--any", db=db))
    undone = as_json(run_policy("show", f"{DOC}/3", "-f", "json", db=db))
    assert units(undone) == ["市商务委"] and undone["due"] is None


def test_the_latest_due_correction_decides_and_is_retired_when_the_document_agrees(db, tmp_path):
    ok(run_policy("due", f"{DOC}/2", "2022-06-30", "--by", "甲", db=db))
    ok(run_policy("due", f"{DOC}/2", "2022-09-30", "--by", "甲", db=db))
    revised = [FIRST[0], (FIRST[1][0], FIRST[1][1], FIRST[1][2], "2022-09-30"), FIRST[2]]
    loaded = ok(run_policy("load", str(write(tmp_path / "v2.json", revised)), db=db))
    assert "due 2022-09-30" in loaded.stderr and "the document now says so itself" in loaded.stderr
    detail = as_json(run_policy("show", f"{DOC}/2", "-f", "json", db=db))
    assert detail["due"] == "2022-09-30" and {c["state"] for c in detail["corrections"]} == {"redundant"}


def test_an_assign_that_brings_back_a_dropped_unit_is_undone_cleanly(db, tmp_path):
    revised = [FIRST[0], (FIRST[1][0], FIRST[1][1], ["上海海关"], FIRST[1][3]), FIRST[2]]  # 市财政局 dropped
    ok(run_policy("load", str(write(tmp_path / "v2.json", revised)), db=db))
    ok(run_policy("assign", f"{DOC}/2", "市财政局", "--by", "甲", db=db))
    assert units(as_json(run_policy("show", f"{DOC}/2", "-f", "json", db=db))) == ["上海海关", "市财政局"]
    ok(run_policy("undo", "--by", "甲", db=db))
    assert units(as_json(run_policy("show", f"{DOC}/2", "-f", "json", db=db))) == ["上海海关"]


def test_the_part_without_a_unit_takes_the_measures_due_date(db, tmp_path):
    ok(run_policy("unassign", f"{DOC}/3", "市商务委", db=db))  # its only unit: the measure has none now
    revised = [FIRST[0], FIRST[1], (FIRST[2][0], FIRST[2][1], FIRST[2][2], "2022-06-30")]
    ok(run_policy("load", str(write(tmp_path / "v2.json", revised)), db=db))
    # the unassigned listing and remind read the part's own copy of the date
    rows = as_json(run_policy("tasks", "--unassigned", "--doc", DOC, "-f", "json", db=db))
    assert {(r["id"], r["due"]) for r in rows} == {(f"{DOC}/1", None), (f"{DOC}/3", "2022-06-30")}


def test_undoing_a_role_change_gives_back_the_documents_role(db, tmp_path):
    """A unit taken off and given back with another role (牵头 → 配合): undoing both restores the role
    the document gives, across a reload in between."""
    path = write(tmp_path / "v2.json", FIRST)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["measures"][1]["units"][0]["role"] = "lead"  # 上海海关 牵头
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    ok(policy(db, "load", str(path)))

    def roles() -> dict[str, str]:
        return {p["agency"]: p["role"] for p in show(db, f"{DOC}/2")["agencies"]}

    assert roles() == {"上海海关": "lead", "市财政局": "unspecified"}
    ok(policy(db, "unassign", f"{DOC}/2", "上海海关", "--by", "甲"))
    ok(policy(db, "assign", f"{DOC}/2", "上海海关", "--role", "co", "--by", "甲"))
    assert roles()["上海海关"] == "co"
    document["title"] = "更正测试方案（重新印发）"  # a reload that rewrites the parts
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    ok(policy(db, "load", str(path)))
    assert roles()["上海海关"] == "co"  # the correction holds
    ok(policy(db, "undo", "--by", "甲"))
    ok(policy(db, "undo", "--by", "甲"))
    assert roles() == {"上海海关": "lead", "市财政局": "unspecified"}
