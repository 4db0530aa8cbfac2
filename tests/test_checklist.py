"""The everyday loop through the real CLI on a temporary database."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil

import pytest
from clitools import as_json, bundled_variant, ok, run_policy, table_column
from conftest import ROOT, gold_rows

TRADE = "hfg-2020-24"


@pytest.fixture
def db(tmp_path):
    return tmp_path / "policy.db"


def expected_commerce_ids() -> set[str]:
    """From the hand-written gold of the service-trade plan's 分工表: rows whose units include 市商务委."""
    return {
        f"{TRADE}/2.{r['task_no']}.{r['detail_no']}.{r['seq']}"
        for r in gold_rows("001_table.tsv")
        if "市商务委" in r["units"].split("、")
    }


def test_fresh_install_lists_exactly_the_commerce_commissions_measures(db):
    rows = as_json(run_policy("tasks", "--agency", "市商务委", "--format", "json", db=db))
    assert {r["id"] for r in rows} == expected_commerce_ids()
    # one row per measure, but the yearly one (2.7.19.70): 2020 (passed undone) and 2021 (open) on 2021-07-01
    yearly = [(r["period"], r["due"], r["deadline"]) for r in rows if r["period"]]
    assert yearly == [("2020", "2020-12-31", "overdue"), ("2021", "2021-12-31", "open")]
    assert len(rows) == len(expected_commerce_ids()) + 1 > 30
    first = rows[0]
    assert set(first) == {
        "id",
        "doc",
        "number",
        "kind",
        "title",
        "text",
        "agencies",
        "status",
        "progress",
        "due",
        "deadline",
        "days_left",
        "period",
        "agency_status",
        "via",
    }
    assert first["agency_status"] == "todo" and first["status"] == "todo"
    assert "市商务委" in first["agencies"]


def test_first_use_message_goes_to_stderr_only(db):
    result = ok(run_policy("tasks", "--agency", "市商务委", "--format", "csv", db=db))
    assert "first use" in result.stderr
    assert result.stdout.startswith("\ufeff")


def test_co_owned_measure_progress_and_own_status(db):
    measure = f"{TRADE}/2.2.5.17"  # eight responsible units
    for agency in ("人民银行上海总部", "上海证监局", "市规划资源局"):
        ok(run_policy("done", measure, "--agency", agency, "--note", "已报送", db=db))
    row = next(
        r
        for r in as_json(
            run_policy("tasks", "--agency", "上海证监局", "--status", "all", "--format", "json", db=db)
        )
        if r["id"] == measure
    )
    assert row["progress"] == "3/8" and row["status"] == "doing" and row["agency_status"] == "done"
    # the agency's own open list no longer shows it; another co-owner's still does
    assert measure not in {
        r["id"] for r in as_json(run_policy("tasks", "--agency", "上海证监局", "--format", "json", db=db))
    }
    assert measure in {
        r["id"] for r in as_json(run_policy("tasks", "--agency", "上海海事局", "--format", "json", db=db))
    }


def test_measure_done_when_every_unit_is_done(db):
    measure = f"{TRADE}/2.1.1.2"
    ok(run_policy("done", measure, "--agency", "市商务委", db=db))
    ok(run_policy("mark", measure, "--agency", "市政府发展研究中心", "--status", "done", db=db))
    detail = as_json(run_policy("show", measure, "--format", "json", db=db))
    assert detail["status"] == "done" and detail["progress"] == "2/2"
    assert detail["source"] == {
        "file": "001_ba29fc60ce853ee2.txt",
        "lines": [117, 117],
        "where": "第117–117行",
    }


def test_history_and_undo(db):
    measure = f"{TRADE}/2.1.1.2"
    ok(run_policy("start", measure, "--agency", "市商务委", "--by", "李四", db=db))
    ok(
        run_policy(
            "done",
            measure,
            "--agency",
            "市商务委",
            "--note",
            "已报送",
            "--evidence",
            "https://example.org/1",
            db=db,
        )
    )
    events = as_json(run_policy("history", measure, "--format", "json", db=db))
    assert [(e["before"], e["after"]) for e in events] == [("doing", "done"), ("todo", "doing")]
    assert events[1]["by"] == "李四"
    me = events[0]["by"]  # the login name: the done had no --by
    result = ok(run_policy("undo", db=db))  # a bare undo: my own last change
    assert f"by {me}: " in result.stderr and "done → doing" in result.stderr
    detail = as_json(run_policy("show", measure, "--format", "json", db=db))
    part = next(p for p in detail["agencies"] if p["agency"] == "市商务委")
    assert part["status"] == "doing"
    result = run_policy("undo", db=db)  # 李四's start is not mine to undo without --any
    assert result.returncode == 2 and f"nothing to undo made by {me}" in result.stderr
    result = ok(run_policy("undo", "--any", db=db))
    assert "by 李四: " in result.stderr and "doing → todo" in result.stderr
    result = run_policy("undo", "--any", db=db)
    assert result.returncode == 2 and "nothing to undo" in result.stderr
    assert len(as_json(run_policy("history", measure, "--format", "json", db=db))) == 4


def test_a_mark_that_changes_nothing_is_not_recorded(db):
    measure = f"{TRADE}/2.1.1.2"
    ok(run_policy("done", measure, "--agency", "市商务委", "--note", "已报送", "--by", "王五", db=db))
    again = ok(run_policy("done", measure, "--agency", "市商务委", "--by", "王五", db=db))
    assert "already done; nothing recorded" in again.stderr
    again = ok(run_policy("done", measure, "--agency", "市商务委", "--note", "已报送", db=db))
    assert "nothing recorded" in again.stderr
    reopened = ok(run_policy("reopen", f"{TRADE}/2.1.3.7", "--agency", "市商务委", db=db))  # todo → todo
    assert "already todo; nothing recorded" in reopened.stderr
    events = as_json(run_policy("history", "--format", "json", db=db))
    assert [(e["measure"], e["after"], e["note"]) for e in events] == [(measure, "done", "已报送")]
    detail = as_json(run_policy("show", measure, "--format", "json", db=db))
    assert next(p for p in detail["agencies"] if p["agency"] == "市商务委")["note"] == "已报送"  # kept
    renoted = ok(run_policy("done", measure, "--agency", "市商务委", "--note", "已报送并归档", db=db))
    assert "done → done" in renoted.stderr  # a new note is a change
    assert len(as_json(run_policy("history", "--format", "json", db=db))) == 2


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_unknown_measure_and_agency_suggest_and_exit_2(db):
    result = run_policy("done", f"{TRADE}/2.1.1.99", "--agency", "市商务委", db=db)
    assert result.returncode == 2 and f"{TRADE}/2.1.1.2" in result.stderr and len(errors(result)) == 1
    result = run_policy("tasks", "--agency", "市商委", db=db)
    assert result.returncode == 2 and "市商务委" in result.stderr and "Traceback" not in result.stderr
    result = run_policy("done", f"{TRADE}/2.1.1.2", db=db)
    assert result.returncode == 2 and "--agency" in result.stderr
    result = run_policy("done", f"{TRADE}/2.1.1.2", "--agency", "市教委", db=db)
    assert result.returncode == 2 and "not responsible" in result.stderr


def test_unassigned_measures(db):
    rows = as_json(run_policy("tasks", "--unassigned", "--doc", "qmtjjaqg-2018", "--format", "json", db=db))
    assert len(rows) == 22 + 1 + 4
    ok(run_policy("done", "qmtjjaqg-2018/3.1.1", db=db))
    rows = as_json(run_policy("tasks", "--unassigned", "--doc", "qmtjjaqg-2018", "--format", "json", db=db))
    assert len(rows) == 26


def test_search_long_and_short_terms(db):
    long_hits = as_json(
        run_policy("tasks", "--search", "数字人民币", "--status", "all", "--format", "json", db=db)
    )
    assert f"{TRADE}/2.7.20.78" in {r["id"] for r in long_hits}
    short_hits = as_json(
        run_policy("tasks", "--search", "智能", "--status", "all", "--format", "json", db=db)
    )
    assert short_hits and all("智能" in r["title"] + r["text"] for r in short_hits)
    both = as_json(
        run_policy("tasks", "--search", "数字人民币 试点", "--status", "all", "--format", "json", db=db)
    )
    assert both and {r["id"] for r in both} <= {r["id"] for r in long_hits}


def test_export_csv_is_an_excel_ledger(db, tmp_path):
    out = tmp_path / "台账.csv"
    ok(run_policy("export", "--agency", "市商务委", "-o", str(out), db=db))
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {r["措施编号"] for r in rows} == expected_commerce_ids()
    assert all(r["责任单位"] == "市商务委" for r in rows)
    again = run_policy("export", "--agency", "市商务委", "-o", str(out), db=db)
    assert again.returncode == 2 and "--force" in again.stderr
    ok(run_policy("export", "--agency", "市商务委", "-o", str(out), "--force", db=db))


def test_export_one_row_per_measure_and_unit(db):
    result = ok(run_policy("export", "--doc", TRADE, db=db))
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    expected = sum(
        max(1, len(r["units"].split("、")) if r["units"] else 1) for r in gold_rows("001_table.tsv")
    )
    # the yearly measure 2.7.19.70 (three units) has a row per unit for 2020 and 2021 on 2021-07-01
    yearly = [r["期次"] for r in rows if r["措施编号"] == f"{TRADE}/2.7.19.70"]
    assert sorted(yearly) == ["2020"] * 3 + ["2021"] * 3
    assert not any(r["期次"] for r in rows if r["措施编号"] != f"{TRADE}/2.7.19.70")
    assert len([r for r in rows if r["类别"] == "任务"]) == expected + 3  # kinds in Chinese, as in the tables


def test_formula_cells_are_neutralised(db, tmp_path):
    def evil(document):
        document["measures"][4]["title"] = '=HYPERLINK("http://x.example","点我")'
        document["measures"][4]["units"] = [
            {"printed": "+市商务委", "name": "@市商务委", "role": "unspecified", "group": 1}
        ]
        document["measures"][5]["title"] = "\t-1+2"

    ok(run_policy("load", str(bundled_variant(tmp_path, "evil", evil)), db=db))
    ok(run_policy("done", "evil/3.1.2", "--note", "-减少10%", db=db))  # measures[5], no responsible unit
    result = ok(run_policy("export", "--doc", "evil", db=db))
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    titles = {r["措施"] for r in rows}
    assert '\'=HYPERLINK("http://x.example","点我")' in titles and "'\t-1+2" in titles
    assert "'@市商务委" in {r["责任单位"] for r in rows}
    assert "'-减少10%" in {r["备注"] for r in rows}
    assert not [
        cell for r in rows for cell in r.values() if cell[:1] in ("=", "+", "-", "@", "\t", "\r", "\n")
    ]
    # the listings' CSV (written in Python, not by SQLite) neutralises the same cells
    listing = ok(run_policy("tasks", "--doc", "evil", "--status", "all", "--format", "csv", db=db)).stdout
    cells = [cell for row in csv.reader(io.StringIO(listing.lstrip("\ufeff"))) for cell in row]
    assert '\'=HYPERLINK("http://x.example","点我")' in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r", "\n")]


def test_csv_export_matches_the_json_ledger_cell_for_cell(db, tmp_path):
    note = '他说"好"，已报送,\n见附件'
    ok(run_policy("done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", "--note", note, "--by", "张三", db=db))
    ok(run_policy("export", "-o", str(tmp_path / "all.csv"), db=db))
    exported = (tmp_path / "all.csv").read_bytes().decode("utf-8")
    assert exported.startswith("\ufeff") and exported.count("\r\n") > 400
    first_row = exported.split("\r\n")[1]
    from policycli.checklist import LEDGER_FIELDS

    cells = next(csv.reader([first_row]))
    assert len(cells) == len(LEDGER_FIELDS) == 23
    assert (
        first_row.startswith('"') and first_row.endswith('"') and first_row.count('","') >= 22
    )  # all quoted
    rows = list(csv.reader(io.StringIO(exported[1:], newline="")))
    ledger = as_json(run_policy("export", "--format", "json", db=db))
    roles = {"lead": "牵头", "co": "配合"}
    kinds = {"task": "任务", "target": "目标", "indicator": "指标", "safeguard": "保障措施"}
    statuses = {"todo": "未开始", "doing": "推进中", "done": "已完成", "blocked": "受阻", "n/a": "不适用"}

    def shown(key, value):
        if key == "agency":
            return value or "未指定责任单位"
        if key == "role":
            return roles.get(value, "")
        if key == "kind":
            return kinds[value]
        if key == "status":
            return statuses[value]
        if key == "at" and value:  # UTC in JSON, Shanghai time (UTC+8, no DST) for Excel in the CSV
            from datetime import datetime, timedelta

            moment = datetime.fromisoformat(value)
            assert moment.utcoffset() == timedelta(0)
            return (moment + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
        return "" if value is None else str(value)

    assert rows[0][3] == "措施编号" and len(rows) == len(ledger) + 1 > 400
    assert rows[1:] == [[shown(k, v) for k, v in record.items()] for record in ledger]
    assert [note, "张三"] in [[r[12], r[14]] for r in rows]


def test_reload_keeps_progress_and_changes_nothing(db):
    ok(run_policy("done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", db=db))
    result = ok(run_policy("load", db=db))
    assert result.stderr.count("unchanged") == 5
    detail = as_json(run_policy("show", f"{TRADE}/2.1.1.2", "--format", "json", db=db))
    assert next(p for p in detail["agencies"] if p["agency"] == "市商务委")["status"] == "done"


def test_edited_document_keeps_progress_on_survivors(db, tmp_path):
    source = ROOT / "data" / "measures" / f"{TRADE}.json"
    ok(run_policy("done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", db=db))
    ok(run_policy("done", f"{TRADE}/2.1.2.3", "--agency", "市文化旅游局", db=db))
    ok(run_policy("done", f"{TRADE}/2.1.2.6", "--agency", "市教委", db=db))
    document = json.loads(source.read_text(encoding="utf-8"))
    by_id = {m["id"]: m for m in document["measures"]}
    by_id[f"{TRADE}/2.1.1.2"]["text"] = "加快建立服务贸易发展绩效综合评估体系。"  # reworded
    document["measures"] = [m for m in document["measures"] if m["id"] != f"{TRADE}/2.1.2.6"]  # removed
    inserted = dict(
        by_id[f"{TRADE}/2.1.2.5"],
        id=f"{TRADE}/2.1.2.5-1",
        path="2.1.2.5-1",
        title="新增举措",
        text="新增举措。",
    )
    position = document["measures"].index(by_id[f"{TRADE}/2.1.2.5"]) + 1
    document["measures"].insert(position, inserted)  # inserted mid-list
    edited = tmp_path / f"{TRADE}.json"
    edited.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = ok(run_policy("load", str(edited), db=db))
    assert "1 added, 1 updated (1 reworded), 1 removed" in result.stderr
    detail = as_json(run_policy("show", f"{TRADE}/2.1.1.2", "--format", "json", db=db))
    assert detail["text"] == "加快建立服务贸易发展绩效综合评估体系。"
    assert next(p for p in detail["agencies"] if p["agency"] == "市商务委")["status"] == "done"
    assert as_json(run_policy("show", f"{TRADE}/2.1.2.3", "--format", "json", db=db))["status"] == "done"
    visible = {
        r["id"]
        for r in as_json(run_policy("tasks", "--doc", TRADE, "--status", "all", "--format", "json", db=db))
    }
    assert f"{TRADE}/2.1.2.6" not in visible and f"{TRADE}/2.1.2.5-1" in visible
    with_all = {
        r["id"]
        for r in as_json(
            run_policy("tasks", "--doc", TRADE, "--status", "all", "--all", "--format", "json", db=db)
        )
    }
    assert f"{TRADE}/2.1.2.6" in with_all
    removed = as_json(run_policy("show", f"{TRADE}/2.1.2.6", "--format", "json", db=db))
    assert removed["obsolete"] and removed["history"][0]["after"] == "done"


def test_duplicate_measure_ids_are_rejected_with_the_list(db, tmp_path):
    document = json.loads((ROOT / "data" / "measures" / f"{TRADE}.json").read_text(encoding="utf-8"))
    document["measures"].append(dict(document["measures"][5]))
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = run_policy("load", str(path), db=db)
    assert (
        result.returncode == 2
        and "duplicate measure ids" in result.stderr
        and document["measures"][5]["id"] in result.stderr
    )


def test_a_structured_file_with_a_nul_is_refused_and_the_text_backslash_u0000_is_not(db, tmp_path):
    def documents():
        return [d["id"] for d in as_json(run_policy("docs", "--format", "json", db=db))]

    before = documents()

    def nul(document):
        document["measures"][5]["text"] = "推进\x00金融开放"

    result = run_policy("load", str(bundled_variant(tmp_path, "nul", nul)), db=db)
    assert result.returncode == 2 and "NUL" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert documents() == before and "nul" not in before

    def backslash(document):
        document["measures"][5]["text"] = "字面的 \\u0000 不是 NUL"

    ok(run_policy("load", str(bundled_variant(tmp_path, "nul", backslash)), db=db))
    shown = as_json(run_policy("show", "nul/3.1.2", "--format", "json", db=db))
    assert shown["text"] == "字面的 \\u0000 不是 NUL"


def test_docs_json_fields(db):
    documents = as_json(run_policy("docs", "--format", "json", db=db))
    assert len(documents) == 5
    for d in documents:
        assert {
            "id",
            "title",
            "doc_number",
            "issuer",
            "issued_on",
            "effective_from",
            "effective_until",
            "status",
        } <= set(d)
    trade = next(d for d in documents if d["id"] == TRADE)
    assert trade["doc_number"] == "沪府规〔2020〕24号" and trade["issued_on"] == "2020-11-05"


def test_every_listing_format(db):
    for command in (["tasks", "--agency", "市商务委"], ["docs"], ["history"], ["stats"]):
        for fmt in ("table", "csv", "json", "md"):
            result = ok(run_policy(*command, "--format", fmt, db=db))
            if fmt == "md" and command[0] == "tasks":
                assert result.stdout.startswith("| 编号")
    result = run_policy("tasks", "--format", "xml", db=db)
    assert result.returncode == 2 and "unknown format" in result.stderr


def test_table_folds_chinese_and_fits_80_columns(db):
    result = ok(run_policy("tasks", "--agency", "市商务委", db=db))
    lines = result.stdout.splitlines()
    from rich.cells import cell_len

    assert max(cell_len(line) for line in lines) <= 80
    titles = table_column(result.stdout, "措施")
    assert "加快建立服务贸易发展绩效综合评估体系与考核机制" in titles  # folded over lines, not cut
    assert "hfg-2020-24/2.8.22.80" in result.stdout  # ids are never folded


def test_rich_markup_in_data_is_printed_verbatim(db, tmp_path):
    def markup(document):
        document["measures"][4]["title"] = "推进[/]改革[red]试点\x1b[31m"

    ok(run_policy("load", str(bundled_variant(tmp_path, "markup", markup)), db=db))
    result = ok(run_policy("tasks", "--doc", "markup", db=db))
    assert "推进[/]改革[red]试点" in table_column(result.stdout, "措施") and "\x1b" not in result.stdout


def test_stats_counts_parts(db):
    ok(run_policy("done", f"{TRADE}/2.1.1.2", "--agency", "市商务委", db=db))
    data = as_json(run_policy("stats", "--format", "json", db=db))
    commerce = next(a for a in data["agencies"] if a["agency"] == "市商务委")
    # today's keys keep their meaning; the new counts come under new keys (see test_statistics.py);
    # the yearly measure 2.7.19.70 is two parts on 2021-07-01: its 2020 and its 2021
    assert {k: commerce[k] for k in ("agency", "total", "done")} == {
        "agency": "市商务委",
        "total": len(expected_commerce_ids()) + 1,
        "done": 1,
    }
    trade = next(d for d in data["documents"] if d["doc"] == TRADE)
    assert (trade["total"], trade["done"]) == (81, 0)  # one of the measure's two parts is not a measure done
    ok(run_policy("done", f"{TRADE}/2.1.1.2", "--agency", "市政府发展研究中心", db=db))
    data = as_json(run_policy("stats", "--format", "json", db=db))
    assert next(d for d in data["documents"] if d["doc"] == TRADE)["done"] == 1


@pytest.mark.slow  # real processes
def test_python_m_and_console_script_agree(db):
    import subprocess
    import sys
    from pathlib import Path

    script = shutil.which("policy", path=str(Path(sys.executable).parent))
    assert script, "the console script is installed beside the interpreter"
    env = {**os.environ, "POLICY_DB": str(db)}
    for args in (["docs", "--format", "json"], ["tasks", "--agency", "市商务委", "--format", "json"]):
        installed = subprocess.run([script, *args], capture_output=True, text=True, encoding="utf-8", env=env)
        module = subprocess.run(
            [sys.executable, "-m", "policycli", *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
        )
        assert installed.returncode == module.returncode == 0 and json.loads(installed.stdout)
        assert installed.stdout == module.stdout


def test_importing_the_cli_stays_light():
    import subprocess
    import sys

    code = "import sys, policycli.cli; print('sqlite_utils' in sys.modules, 'rich.table' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False"]


def test_every_command_has_help(db):
    from policycli.commands import COMMANDS

    result = ok(run_policy("--help"))
    commands = list(dict.fromkeys(c.words[0] for c in COMMANDS))
    assert {"tasks", "done", "remind", "agencies", "backup", "doctor"} <= set(commands)
    for command in commands:
        assert command in result.stdout
        help_text = ok(run_policy(command, "--help")).stdout
        assert "Example:" in help_text


def test_loading_many_files_is_quiet_without_a_terminal(db, tmp_path):
    for k in range(25):
        bundled_variant(tmp_path, f"copy{k:02d}", lambda document: None)
    result = ok(run_policy("load", str(tmp_path), db=db))
    assert result.stderr.strip().splitlines()[-1].startswith("25 documents: 0 unchanged, 25 changed")
    assert "\x1b[" not in result.stderr and "loading" not in result.stderr


def test_export_and_detail_views_refuse_what_they_cannot_do(db, tmp_path):
    calendar = tmp_path / "cnqj.ics"
    ok(run_policy("export", "--format", "ics", "--doc", "cnqjqggx-2021", "-o", str(calendar), db=db))
    uids = [line for line in calendar.read_text(encoding="utf-8").splitlines() if line.startswith("UID:")]
    assert uids and all(line.startswith("UID:cnqjqggx-2021/") for line in uids)
    for args, says in (
        (["export", "--doc", "nosuchdoc"], "unknown document 'nosuchdoc'"),
        (["export", "--format", "ics", "--doc", "nosuchdoc"], "unknown document 'nosuchdoc'"),
        (["export", "--format", "ics", "--all"], "--all"),
        (["export", "--format", "xls"], "csv, xlsx, json, md, table, ics"),
        (["export", "--format", "xlsx"], "give -o FILE.xlsx"),
        (["docs", "show", TRADE, "--format", "csv"], "use text or json"),
        (["agencies", "show", "市商务委", "--format", "xml"], "use text or json"),
        (["show", f"{TRADE}/2.1.1.2", "--format", "md"], "use text or json"),
    ):
        result = run_policy(*args, db=db)
        assert (
            result.returncode == 2 and says in result.stderr and len(result.stderr.strip().splitlines()) == 1
        ), args
        assert result.stdout == "", args


def test_a_recurring_measure_is_listed_per_period_even_if_its_file_names_a_date(db, tmp_path):
    def recurring(document):
        measure = document["measures"][4]
        measure["units"] = [
            {
                "printed": "市商务委",
                "name": "市商务委",
                "agency": "市商务委",
                "role": "unspecified",
                "group": 1,
            }
        ]
        measure["due"] = "2018-12-31"  # stale: a hand-made file, occurrences beside a fixed date
        measure["due_info"] = {
            "recurrence": "yearly",
            "occurrences": ["2018-12-31", "2019-12-31", "2020-12-31"],
        }

    ok(run_policy("load", str(bundled_variant(tmp_path, "yearly", recurring)), db=db))

    def listed():
        return [
            (r["id"], r["period"], r["due"], r["deadline"])
            for r in as_json(
                run_policy(
                    "tasks",
                    "--agency",
                    "市商务委",
                    "--doc",
                    "yearly",
                    "--today",
                    "2019-06-01",
                    "-f",
                    "json",
                    db=db,
                )
            )
        ]

    # 2018 has passed undone, 2019 is open; 2020 is not listed yet
    assert listed() == [
        ("yearly/3.1.1", "2018", "2018-12-31", "overdue"),
        ("yearly/3.1.1", "2019", "2019-12-31", "open"),
    ]
    ok(run_policy("done", "yearly/3.1.1", "--period", "2018", db=db))
    assert listed() == [("yearly/3.1.1", "2019", "2019-12-31", "open")]


def test_a_short_limit_still_finds_what_is_due_within_the_window(db, tmp_path):
    """The one-agency listing fetches only as many rows as it shows: the overdue ones, which sort
    first, must not use up the window of --due-within."""

    def dated(document):
        for measure, due in zip(
            document["measures"][4:7], ("2019-01-01", "2019-02-01", "2020-06-30"), strict=True
        ):
            measure["units"] = [
                {
                    "printed": "市商务委",
                    "name": "市商务委",
                    "agency": "市商务委",
                    "role": "unspecified",
                    "group": 1,
                }
            ]
            measure["due"] = due

    ok(run_policy("load", str(bundled_variant(tmp_path, "dated", dated)), db=db))
    window = ["tasks", "--agency", "市商务委", "--doc", "dated", "--today", "2020-06-01", "--format", "json"]
    assert [r["due"] for r in as_json(run_policy(*window, "--overdue", db=db))] == [
        "2019-01-01",
        "2019-02-01",
    ]
    assert [r["due"] for r in as_json(run_policy(*window, "--due-within", "60", db=db))] == ["2020-06-30"]
    assert [r["due"] for r in as_json(run_policy(*window, "--due-within", "60", "--limit", "1", db=db))] == [
        "2020-06-30"
    ]


def test_the_recurring_due_rule_and_the_no_unit_label_are_written_once():
    """A recurring measure's periods and their due dates (the open one: the next occurrence, else the
    last) are written in Python and SQL in checklist/periods.py only; the label for no responsible
    unit in kinds.py only."""
    code = {
        p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
        for p in (ROOT / "policycli").rglob("*.py")
    }
    occurrences = [name for name, text in code.items() if "'$.occurrences" in text]
    assert occurrences == ["policycli/checklist/periods.py"]
    labels = [name for name, text in code.items() if '"未指定责任单位"' in text or '(unassigned)"' in text]
    assert labels == ["policycli/kinds.py"]


def test_the_ledger_csv_header_names_the_columns_the_rows_hold():
    """The CSV's headers come from views, its cells from the ledger's SQL: one order for both."""
    from policycli import views
    from policycli.checklist import LEDGER_FIELDS

    assert [column.key for column in views.LEDGER_COLUMNS] == list(LEDGER_FIELDS)


def test_every_commands_first_line_reads_whole_in_the_help_at_80_columns():
    listing = ok(run_policy("--help", env={"COLUMNS": "80"})).stdout.split("Commands:")[1]
    lines = [line for line in listing.splitlines() if line.strip()]
    assert len(lines) >= 25 and not [line for line in lines if line.rstrip().endswith("...")]
