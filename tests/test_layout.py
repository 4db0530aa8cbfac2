"""Tables at 60, 80 and 120 columns with the bundled Chinese documents: nothing is cut.

Every id, number and date of a listing (read from its JSON) appears whole — as one token on one
line — in the table, no line is wider than the terminal, and Chinese text breaks by the kinsoku
rules. A table that cannot fit becomes one block per row (records) instead of cutting."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from clitools import as_json, ok, run_policy
from rich.cells import cell_len

from policycli.render import NO_LINE_END, NO_LINE_START, Column, column_widths, table_lines, wrap

WIDTHS = (60, 80, 120)
TRADE = "hfg-2020-24"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    """The bundled documents with a few recorded changes (so history and show have rows)."""
    path = tmp_path_factory.mktemp("layout") / "policy.db"
    env = {"POLICY_DB": str(path), "POLICY_TODAY": "2021-07-01"}
    ok(
        run_policy(
            "done", f"{TRADE}/2.7.20.77", "--agency", "市商务委", "--note", "已报送", "--by", "王五", env=env
        )
    )
    ok(run_policy("start", f"{TRADE}/2.1.3.8", "--agency", "市商务委", "--by", "张三", env=env))
    ok(
        run_policy(
            "block",
            f"{TRADE}/2.1.3.8",
            "--agency",
            "市政府办公厅",
            "--note",
            "待国家部委批复",
            "--by",
            "李四",
            env=env,
        )
    )
    return path


def policy(db: Path, width: int, *args: str) -> str:
    result = ok(run_policy(*args, db=db, env={"COLUMNS": str(width), "POLICY_TODAY": "2021-07-01"}))
    assert "\x1b" not in result.stdout  # NO_COLOR and a pipe: no escape codes at all
    return result.stdout


def tokens(output: str) -> set[str]:
    return {token for line in output.splitlines() for token in line.split()}


def assert_fits(output: str, width: int) -> None:
    wide = [line for line in output.splitlines() if cell_len(line) > width]
    assert not wide, wide[:3]


def assert_kinsoku(output: str) -> None:
    """No piece of text (cells are separated by two or more spaces) starts with a closing mark or
    ends with an opening one."""
    for line in output.splitlines():
        for piece in re.split(r" {2,}", line.strip()):
            if piece and not piece.startswith("?～"):  # an open-ended period (no stated start), a whole value
                assert piece[0] not in NO_LINE_START or piece in ("…",), (piece, line)
                assert piece[-1] not in NO_LINE_END, (piece, line)


def whole(values) -> set[str]:
    return {str(v) for v in values if v not in (None, "")}


@pytest.mark.parametrize("width", WIDTHS)
def test_tasks_keep_ids_dates_and_progress_whole(loaded, width):
    table = policy(loaded, width, "tasks", "--limit", "0")
    rows = as_json(run_policy("tasks", "--format", "json", db=loaded))
    assert_fits(table, width)
    assert_kinsoku(table)
    assert whole(r["id"] for r in rows) | whole(r["due"] for r in rows) | whole(
        r["progress"] for r in rows
    ) <= tokens(table)


@pytest.mark.parametrize("width", WIDTHS)
def test_agency_tasks_keep_ids_and_dates_whole(loaded, width):
    table = policy(loaded, width, "tasks", "--agency", "市商务委", "--status", "all")
    rows = as_json(
        run_policy("tasks", "--agency", "市商务委", "--status", "all", "--format", "json", db=loaded)
    )
    assert_fits(table, width)
    assert_kinsoku(table)
    # 市商务委's rows of the 分工表 (see test_checklist.expected_commerce_ids); the yearly one twice
    # on 2021-07-01 (its periods 2020 and 2021)
    assert len({r["id"] for r in rows}) == 34 and len(rows) == 35
    assert whole(r["id"] for r in rows) | whole(r["due"] for r in rows) | whole(
        r["progress"] for r in rows
    ) <= tokens(table)
    assert {"未开始", "推进中", "已完成"} <= tokens(table)  # its own statuses, in Chinese


@pytest.mark.parametrize("width", WIDTHS)
def test_history_keeps_ids_and_times_whole(loaded, width):
    table = policy(loaded, width, "history")
    rows = as_json(run_policy("history", "--format", "json", db=loaded))
    assert_fits(table, width)
    assert len(rows) == 3
    assert whole(r["measure"] for r in rows) <= tokens(table)
    for row in rows:  # each time shown in Shanghai time, date and time each whole
        day, time = row["at"][:10], row["at"][11:16]
        assert row["at"].endswith("+00:00")
        from policycli.timezone import local_time

        shown = local_time(row["at"])
        assert shown[:10] in tokens(table) and shown[11:] in tokens(table), (day, time, shown)


@pytest.mark.parametrize("width", WIDTHS)
def test_docs_keep_ids_numbers_and_dates_whole(loaded, width):
    table = policy(loaded, width, "docs")
    rows = as_json(run_policy("docs", "--format", "json", db=loaded))
    assert_fits(table, width)
    assert_kinsoku(table)
    expected = (
        whole(r["id"] for r in rows)
        | whole(r["doc_number"] for r in rows)
        | whole(r["measures"] for r in rows)
    )
    assert expected <= tokens(table)
    for r in rows:  # 2020-11-06～ / 2023-11-05: each date whole
        assert r["effective_until"] in table and (
            r["effective_from"] is None or f"{r['effective_from']}～" in tokens(table)
        )
    if width >= 80:  # the title gets more than a few cells (it had 6 at 80 columns while 文号 took 20)
        assert "上海市全面深化" in table


@pytest.mark.parametrize("width", WIDTHS)
def test_agencies_keep_every_count_and_column(loaded, width):
    table = policy(loaded, width, "agencies")
    rows = as_json(run_policy("agencies", "--format", "json", db=loaded))
    assert_fits(table, width)
    commerce = next(r for r in rows if r["agency"] == "市商务委")
    # 34 measures, the yearly one counted for 2020 and 2021 (the fixture's today is 2021-07-01)
    assert (commerce["total"], commerce["open"], commerce["done"]) == (35, 34, 1)
    # every header whole, 备注 kept (it was dropped at 80 columns, 未完成/已完成 cut to 未完/已)
    assert {"措施", "未完成", "已完成", "备注"} <= tokens(table)
    assert whole(r["total"] for r in rows) | whole(r["open"] for r in rows) <= tokens(table)
    if width >= 80:  # a table: 市商务委's row holds its three counts
        line = next(line for line in table.splitlines() if line.startswith("市商务委 "))
        assert line.split()[-3:] == ["35", "34", "1"]


@pytest.mark.parametrize("width", WIDTHS)
def test_stats_keep_counts_whole(loaded, width):
    table = policy(loaded, width, "stats")
    data = as_json(run_policy("stats", "--format", "json", db=loaded))
    assert_fits(table, width)
    assert whole(r["total"] for r in data["agencies"]) | whole(r["doc"] for r in data["documents"]) <= tokens(
        table
    )
    assert whole(r["parts"] for r in data["documents"]) <= tokens(table)


@pytest.mark.parametrize("width", WIDTHS)
def test_show_keeps_its_parts_table_whole(loaded, width):
    text = policy(loaded, width, "show", f"{TRADE}/2.1.3.8")
    assert_fits(text, width)
    assert_kinsoku(text)
    assert {f"{TRADE}/2.1.3.8", "推进中", "受阻", "待国家部委批复", "市政府办公厅", "市商务委"} <= tokens(
        text
    )
    assert re.search(r"^截止 2023-11-05（", text, re.M)  # the due date whole, beside its label


@pytest.mark.parametrize("width", WIDTHS)
def test_export_table_and_unknown_units(loaded, width, tmp_path):
    table = policy(loaded, width, "export", "--format", "table", "--agency", "市商务委")
    rows = as_json(run_policy("export", "--format", "json", "--agency", "市商务委", db=loaded))
    assert_fits(table, width)
    assert whole(r["id"] for r in rows) | whole(r["due"] for r in rows) <= tokens(table)
    # agencies unknown: a document with a unit nothing resolves
    db = tmp_path / "unknown.db"
    shutil.copy(loaded, db)
    from clitools import bundled_variant

    def odd(document):
        document["measures"][4]["units"] = [
            {
                "printed": "上海市某某研究院有限责任公司",
                "name": "上海市某某研究院有限责任公司",
                "role": "unspecified",
                "group": 1,
            }
        ]

    ok(run_policy("load", str(bundled_variant(tmp_path, "odd-2024", odd)), db=db))
    table = policy(db, width, "agencies", "unknown")
    assert_fits(table, width)
    assert "odd-2024" in tokens(table)


def test_a_table_that_cannot_fit_becomes_records():
    columns = [Column("id", "编号", whole=True), Column("title", "措施"), Column("due", "截止", whole=True)]
    rows = [
        {
            "id": "hfg-2020-24/2.7.19.70",
            "title": "优化本市服务贸易专项资金的支持方向和范围",
            "due": "2021-12-31",
        }
    ]
    wide = [line.plain for line in table_lines(rows, columns, 80)]
    assert wide[0].split() == ["编号", "措施", "截止"] and len(wide) == 3  # header, rule, one line
    narrow = [line.plain for line in table_lines(rows, columns, 30)]
    assert narrow[0] == "编号  hfg-2020-24/2.7.19.70" and narrow[-1] == "截止  2021-12-31"
    assert (
        "".join(re.sub(r"^(措施)? +", "", line) for line in narrow[1:-1])
        == "优化本市服务贸易专项资金的支持方向和范围"
    )
    assert column_widths([["hfg-2020-24/2.7.19.70", "x" * 40, "2021-12-31"]], columns, 30) is None


def test_text_columns_give_way_in_their_order():
    columns = [Column("a", "甲", give_way=2), Column("b", "乙", give_way=1), Column("n", "数", whole=True)]
    cells = [["一" * 20, "二" * 20, "12345"]]
    # 40 + 40 + 5 + 2 gaps = 89 wanted: 1 cell short, the first to give way (乙) gives it
    assert column_widths(cells, columns, 88) == [40, 39, 5]
    swapped = [Column("a", "甲", give_way=1), Column("b", "乙", give_way=2), Column("n", "数", whole=True)]
    assert column_widths(cells, swapped, 88) == [39, 40, 5]
    assert column_widths(cells, columns, 120) == [40, 40, 5]
    # 19 short: 乙 folds to its share (half of the 61 cells left for text), then 甲 gives the rest
    assert column_widths(cells, columns, 70) == [31, 30, 5]
    weighted = [
        Column("a", "甲", ratio=3, give_way=2),
        Column("b", "乙", give_way=1),
        Column("n", "数", whole=True),
    ]
    assert column_widths(cells, weighted, 70) == [40, 21, 5]  # 甲's share (3/4) is more than it needs
    widths = column_widths(cells, columns, 40)
    assert widths[2] == 5 and sum(widths) + 4 <= 40 and min(widths[:2]) >= 10


def test_wrap_follows_kinsoku():
    text = "探索放宽港澳专业人才执业资质，推行“一试三证”评价模式（试点），到2021-12-31完成。"
    for width in range(6, 40):
        lines = wrap(text, width)
        assert "".join(lines) == text
        assert all(cell_len(line) <= width for line in lines)
        assert not [line for line in lines[1:] if line[0] in NO_LINE_START], (width, lines)
        assert not [line for line in lines if line[-1] in NO_LINE_END], (width, lines)
        assert any("2021-12-31" in line for line in lines) or width < 10, (width, lines)
    # the character before a closing mark goes down with it
    assert wrap("一二三四，五", 8) == ["一二三", "四，五"]
    assert wrap("一二“三四", 6) == ["一二", "“三四"]
    assert wrap("ab cd", 3) == ["ab", "cd"]
    assert wrap("第一段\n第二段", 20) == ["第一段", "第二段"]


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch, capsys):
    from policycli import views
    from policycli.checklist import TaskRow

    common = dict(doc="x", kind="task", text="", obsolete=False, path=None, agencies=["市商务委"])
    rows = [
        TaskRow(
            id="x/1", number="1", seq=1, title="逾期的措施", status="todo", progress="0/1",
            due="2020-12-31", deadline="overdue", days_left=-182, **common,
        ),
        TaskRow(
            id="x/2", number="2", seq=2, title="完成的措施", status="done", progress="1/1",
            due="2021-07-15", deadline="done", days_left=14, **common,
        ),
    ]  # fmt: skip
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    views.tasks(rows, "table", None)
    coloured = capsys.readouterr().out
    assert "\x1b[31m2020-12-31" in coloured  # 逾期 red
    assert "\x1b[2m" in coloured  # 已完成 dim
    monkeypatch.setenv("NO_COLOR", "1")
    views.tasks(rows, "table", None)
    assert "\x1b" not in capsys.readouterr().out
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.delenv("FORCE_COLOR")
    views.tasks(rows, "table", None)  # captured: not a terminal
    plain = capsys.readouterr().out
    assert "\x1b" not in plain and "2020-12-31" in plain and "逾期" in plain


def test_agency_title_names_the_counts(loaded, monkeypatch, capsys):
    from datetime import date

    from policycli import views
    from policycli.checklist import TaskQuery, agency_summary, count_tasks, list_tasks
    from policycli.store import connect

    monkeypatch.setenv("COLUMNS", "80")
    db = connect(loaded)
    later = date(2024, 1, 1)  # after the plan's end (2023-11-05): all of 市商务委's open measures overdue
    # 33 open measures; the yearly one (2.7.19.70) counts once per period: 2020–2023 by then
    summary = agency_summary(db, "市商务委", later)
    assert (summary.agency, summary.open, summary.overdue) == ("市商务委", 36, 36)
    summary_then = agency_summary(db, "市商务委", date(2021, 7, 1))  # its 2020 passed undone
    assert (summary_then.agency, summary_then.open, summary_then.overdue) == ("市商务委", 34, 1)
    query = TaskQuery(agency="市商务委", today=later, limit=5)
    views.tasks(list_tasks(db, query), "table", agency="市商务委", summary=summary)
    assert capsys.readouterr().out.splitlines()[0] == "市商务委 · 36 项未完成，其中逾期 36"
    # the total behind "showing the 100 most urgent of N", for every kind of listing
    assert count_tasks(db, TaskQuery(today=later)) == len(list_tasks(db, TaskQuery(today=later)))
    assert count_tasks(db, TaskQuery(agency="市商务委", today=later, status="all")) == 37
