"""Hard cases of matching a revision's measures to the loaded ones (issue 14), each found by trying to
break it: progress must end on the measure it was recorded on, or be kept aside and reported.

In-process, through the library: each case is a few one-line measures in structured documents.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policycli.checklist import mark, measure_detail, resolve_measure
from policycli.load import load_files
from policycli.store import connect

A = "甲项任务建设数字平台。"
B = "乙项任务完善协调机制。"
C = "丙项任务强化金融监督。"
N = "戊项新增任务优化营商环境。"


class Versions:
    """A database and the versions of one document loaded into it."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.db, self.count = folder, connect(folder / "policy.db"), 0

    def load(self, measures: list[tuple[str, list[str]]]):
        self.count += 1
        path = self.folder / f"v{self.count}.json"
        document = {
            "format": "policy-document/1",
            "id": "doc",
            "title": "测试方案",
            "issued_on": "2021-01-01",
            "measures": [
                {
                    "id": f"doc/{k + 1}",
                    "path": str(k + 1),
                    "number": f"{k + 1}.",
                    "parent": None,
                    "kind": "task",
                    "title": text.split("。")[0],
                    "text": text,
                    "units": [{"printed": u, "name": u, "agency": u, "role": "unspecified"} for u in units],
                }
                for k, (text, units) in enumerate(measures)
            ],
        }
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return load_files(self.db, [path])[0]

    def progress(self) -> dict[str, tuple]:
        """note → (the text of the measure it is on, whether that measure is still in the document)"""
        return {
            note: (text, not obsolete)
            for note, text, obsolete in self.db.conn.execute(
                "SELECT p.note, m.text, m.obsolete FROM progress p JOIN measures m ON m.id = p.measure_id"
            )
        }


@pytest.fixture
def versions(tmp_path) -> Versions:
    return Versions(tmp_path)


def test_two_items_swapped_and_both_reworded_find_each_other(versions):
    a, b = "2021年底前建成跨境贸易数字服务平台。", "2021年底前完善外商投资企业投诉协调机制。"
    versions.load([(a, ["上海海关"]), (b, ["市商务委"])])
    mark(versions.db, "doc/1", "done", agency="上海海关", note="A", by="测试")
    mark(versions.db, "doc/2", "blocked", agency="市商务委", note="B", by="测试")
    result = versions.load(
        [(b.replace("2021", "2022"), ["市商务委"]), (a.replace("2021", "2022"), ["上海海关"])]
    )
    assert versions.progress() == {
        "A": (a.replace("2021", "2022"), True),
        "B": (b.replace("2021", "2022"), True),
    }
    assert (result.added, result.obsoleted, result.reworded) == (0, 0, 2)


def test_a_measure_at_its_old_number_does_not_take_a_better_match_from_another(versions):
    xuhui, changning = (
        "在徐汇区开展公共数据开放试点，形成可复制推广经验。",
        "在长宁区开展公共数据开放试点，形成可复制推广经验。",
    )
    versions.load([(A, ["上海海关"]), (xuhui, ["市经济信息化委"]), (changning, ["市经济信息化委"])])
    mark(versions.db, "doc/2", "done", agency="市经济信息化委", note="徐汇", by="测试")
    mark(versions.db, "doc/3", "blocked", agency="市经济信息化委", note="长宁", by="测试")
    reworded = "在长宁区开展公共数据开放试点，年底前形成可复制推广经验。"
    versions.load([(A, ["上海海关"]), (reworded, ["市经济信息化委"])])  # 徐汇's item deleted
    assert versions.progress() == {"徐汇": (xuhui, False), "长宁": (reworded, True)}


def test_the_same_text_twice_is_told_apart_by_its_units(versions):
    text = "加强重点区域招商引资工作。"
    versions.load([(text, ["上海海关"]), (B, ["市财政局"]), (text, ["市商务委"])])
    mark(versions.db, "doc/1", "done", agency="上海海关", note="海关", by="测试")
    mark(versions.db, "doc/3", "blocked", agency="市商务委", note="商务委", by="测试")
    versions.load([(text, ["市商务委"]), (B, ["市财政局"]), (text, ["上海海关"])])  # the two swapped
    on = {
        note: (measure_id, agency)
        for note, measure_id, agency in versions.db.conn.execute(
            "SELECT p.note, p.measure_id, p.agency FROM progress p JOIN assignments a "
            "ON a.measure_id = p.measure_id AND a.agency = p.agency WHERE a.obsolete = 0"
        )
    }
    assert on == {"海关": ("doc/3", "上海海关"), "商务委": ("doc/1", "市商务委")}


def test_a_copy_removed_earlier_does_not_take_the_place_of_the_live_measure(versions):
    versions.load([(A, ["上海海关"]), (B, ["市财政局"])])
    versions.load([(A, ["上海海关"]), (B, ["市财政局"]), (B, ["市财政局"])])
    versions.load([(A, ["上海海关"]), (B, ["市财政局"])])  # the copy at doc/3 removed
    mark(versions.db, "doc/2", "done", agency="市财政局", note="B", by="测试")
    result = versions.load([(A, ["上海海关"]), (C, ["市商务委"]), (B, ["市财政局"])])
    assert versions.progress() == {"B": (B, True)}
    assert (result.added, result.obsoleted) == (1, 0)


def test_an_old_id_follows_its_measure_not_the_id(versions):
    versions.load([(A, ["上海海关"]), (B, ["市财政局"]), (C, ["市商务委"])])
    versions.load([(A, ["上海海关"]), (C, ["市商务委"])])  # C: doc/3 → doc/2
    versions.load([(C, ["市商务委"]), (N, ["市发展改革委"])])  # C: doc/2 → doc/1; N takes doc/2
    assert resolve_measure(versions.db, "doc/3")["text"] == C  # where C went, not who has doc/2 now
    assert [m["from"] for m in measure_detail(versions.db, "doc/1", _today())["moves"]] == ["doc/3", "doc/2"]
    assert measure_detail(versions.db, "doc/2", _today())["moves"] == []  # N is new
    # the search index finds each measure's text under its id now (search.py keys it by rowid)
    from policycli.checklist import TaskQuery, list_tasks

    found = list_tasks(versions.db, TaskQuery(today=_today(), search=C[:2], status="all"))
    assert [row.id for row in found if row.text == C] == ["doc/1"]


def _today():
    from datetime import date

    return date(2021, 7, 1)


def test_a_dry_run_writes_nothing_not_even_a_new_database(tmp_path):
    from clitools import ok, run_policy
    from conftest import ROOT

    db = tmp_path / "new.db"
    result = ok(run_policy("load", str(ROOT / "data" / "measures"), "--dry-run", db=db))
    assert "dry run: nothing was written" in result.stderr and "added" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_parallel_items_that_differ_by_a_district_keep_their_own_progress(versions):
    # a long shared text: the district's name is a small part of it
    base = (
        "开展公共数据开放试点，推动政务数据与社会数据融合应用，建立数据共享交换机制，完善数据安全管理制度，"
        "2021年底前形成可复制推广的经验做法。"
    )
    xuhui, changning = "在徐汇区" + base, "在长宁区" + base
    versions.load([(xuhui, ["市经济信息化委"]), (changning, ["市经济信息化委"])])
    mark(versions.db, "doc/1", "done", agency="市经济信息化委", note="徐汇", by="测试")
    mark(versions.db, "doc/2", "blocked", agency="市经济信息化委", note="长宁", by="测试")
    later = [t.replace("2021", "2022") for t in (xuhui, changning)]  # an item inserted above, both reworded
    versions.load([(N, ["市财政局"]), (later[0], ["市经济信息化委"]), (later[1], ["市经济信息化委"])])
    assert versions.progress() == {"徐汇": (later[0], True), "长宁": (later[1], True)}


def test_identical_items_keep_their_order_when_an_item_is_inserted_above(versions):
    same = "加强宣传引导，营造良好氛围。"
    versions.load([(same, ["市商务委"]), (A, ["上海海关"]), (same, ["市商务委"])])
    mark(versions.db, "doc/1", "done", agency="市商务委", note="first", by="测试")
    mark(versions.db, "doc/3", "blocked", agency="市商务委", note="second", by="测试")
    versions.load([(N, ["市发展改革委"]), (same, ["市商务委"]), (A, ["上海海关"]), (same, ["市商务委"])])
    on = dict(versions.db.conn.execute("SELECT note, measure_id FROM progress").fetchall())
    assert on == {"first": "doc/2", "second": "doc/4"}


def test_a_user_alias_does_not_hide_the_same_units(versions):
    from policycli.agency_store import add_alias

    same = "加强重点区域招商引资工作。"
    versions.load([(same, ["上海海关"]), (B, ["市财政局"]), (same, ["市商务委"])])
    add_alias(versions.db, "商务委员会", "市商务委", "测试", "2021-07-01T00:00:00+00:00")
    versions.load([(same, ["上海海关"]), (B, ["市财政局"]), (same, ["商务委员会"])])  # the file's own name
    mark(versions.db, "doc/1", "done", agency="上海海关", note="海关", by="测试")
    mark(versions.db, "doc/3", "blocked", agency="市商务委", note="商务委", by="测试")
    result = versions.load([(same, ["商务委员会"]), (B, ["市财政局"]), (same, ["上海海关"])])  # swapped
    on = dict(versions.db.conn.execute("SELECT note, measure_id FROM progress").fetchall())
    assert on == {"海关": "doc/3", "商务委": "doc/1"} and result.units_changed == 0
