"""The Excel ledger out and back (issue 15): `policy export -o 台账.xlsx` writes a real workbook, an
agency fills it in (here with openpyxl, as Excel would save it), `policy import` records what changed.

Expected outcomes are written from the edits the tests make, never read back from the import."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import openpyxl
import pytest
from clitools import as_json, bundled_variant, ok, run_policy

TRADE = "hfg-2020-24"
YEARLY = f"{TRADE}/2.7.19.70"


def export(db: Path, out: Path, *more: str) -> Path:
    ok(run_policy("export", "-o", str(out), "--today", "2022-03-01", *more, db=db))
    return out


def columns(sheet) -> dict[str, int]:
    return {cell.value: cell.column for cell in sheet[1]}


def row_of(sheet, measure_id: str, period: str | None = None) -> int:
    cols = columns(sheet)
    for r in range(2, sheet.max_row + 1):
        if sheet.cell(r, cols["措施编号"]).value == measure_id and (
            period is None or sheet.cell(r, cols["期次"]).value == period
        ):
            return r
    raise AssertionError(f"{measure_id} not in the sheet")


def parts(db: Path) -> dict[tuple[str, str, str], tuple]:
    return {
        (m, a, p): (s, n, e, d, b)
        for m, a, p, s, n, e, d, b in sqlite3.connect(db).execute(
            "SELECT measure_id, agency, period, status, note, evidence, done_on, by FROM progress"
        )
    }


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "policy.db"
    ok(run_policy("docs", db=path))
    return path


def test_the_workbook_is_a_real_ledger(db, tmp_path):
    out = export(db, tmp_path / "台账.xlsx", "--agency", "市商务委")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["市商务委", "_policy"] and book["_policy"].sheet_state == "hidden"
    sheet = book["市商务委"]
    cols = columns(sheet)
    assert list(cols)[:10] == [
        "措施编号",
        "文件",
        "序号",
        "措施",
        "内容",
        "责任单位",
        "角色",
        "期次",
        "截止日期",
        "状态",
    ]
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref.startswith("A1:")
    assert (
        sheet.protection.sheet and sheet.column_dimensions[sheet.cell(1, cols["行键"]).column_letter].hidden
    )
    # 36 rows: 34 measures, the yearly one for 2020, 2021 and 2022 (three periods by 2022-03-01)
    assert sheet.max_row == 1 + 36
    (status_list,) = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert status_list.formula1 == '"未开始,推进中,已完成,受阻,不适用"'
    assert str(status_list.sqref) == f"J2:J{sheet.max_row}"
    yearly = row_of(sheet, YEARLY, "2020年")
    due = sheet.cell(yearly, cols["截止日期"])
    assert due.is_date and due.value.date().isoformat() == "2020-12-31" and due.number_format == "yyyy-mm-dd"
    # the editable cells are unlocked and yellow, the rest locked; overdue rows red
    editable = [cols[h] for h in ("状态", "进展情况/备注", "佐证材料", "填报人", "完成时间")]
    assert all(not sheet.cell(yearly, c).protection.locked for c in editable)
    assert sheet.cell(yearly, cols["措施"]).protection.locked
    assert sheet.cell(yearly, cols["措施"]).fill.fgColor.rgb.endswith("F8CBAD")  # 2020 passed undone
    current = row_of(sheet, YEARLY, "2022年")
    assert not sheet.cell(current, cols["措施"]).fill.fgColor.rgb.endswith("F8CBAD")


def test_formats_and_files_agree_or_nothing_is_written(db, tmp_path):
    for args, message in (
        (["-f", "csv", "-o", str(tmp_path / "a.xlsx")], "--format is csv"),
        (["-f", "xlsx", "-o", str(tmp_path / "a.csv")], "--format is xlsx"),
        (["-f", "xlsx"], "give -o FILE.xlsx"),
        (["--split", "-o", str(tmp_path / "a.csv")], "Excel workbooks"),
    ):
        refused = run_policy("export", *args, db=db)
        assert refused.returncode == 2 and message in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert list(tmp_path.glob("a.*")) == []


def test_split_gives_each_agency_its_sheet_or_file(db, tmp_path):
    book = openpyxl.load_workbook(export(db, tmp_path / "all.xlsx", "--doc", TRADE, "--split"))
    assert {"市商务委", "市财政局", "上海海关"} <= set(book.sheetnames)
    finance = book["市财政局"]
    cols = columns(finance)
    assert {finance.cell(r, cols["责任单位"]).value for r in range(2, finance.max_row + 1)} == {"市财政局"}
    folder = tmp_path / "out"
    ok(run_policy("export", "--doc", TRADE, "--split-files", str(folder), "--today", "2022-03-01", db=db))
    assert (folder / "台账-市商务委.xlsx").is_file() and len(list(folder.glob("*.xlsx"))) == len(
        book.sheetnames
    ) - 1


def test_text_that_looks_like_a_formula_stays_text(db, tmp_path):
    def evil(document):
        document["measures"][4]["title"] = '=HYPERLINK("http://x.example","点我")'

    ok(run_policy("load", str(bundled_variant(tmp_path, "evil", evil)), db=db))
    sheet = openpyxl.load_workbook(export(db, tmp_path / "e.xlsx", "--doc", "evil")).active
    cells = [
        c for row in sheet.iter_rows() for c in row if c.value == '=HYPERLINK("http://x.example","点我")'
    ]
    assert cells and all(c.data_type == "s" for c in cells)


def test_a_returned_ledger_becomes_exactly_the_marks_it_asks_for(db, tmp_path):
    """The issue's round trip: status, note and evidence edited; rows untouched; a row of another
    agency pasted in; an unknown status; a row marked in the database since the export."""
    out = export(db, tmp_path / "商务委.xlsx", "--agency", "市商务委")
    whole = openpyxl.load_workbook(export(db, tmp_path / "all.xlsx"))["台账"]
    book = openpyxl.load_workbook(out)
    sheet = book["市商务委"]
    cols = columns(sheet)

    def edit(measure_id, period=None, **cells):
        r = row_of(sheet, measure_id, period)
        for header, value in cells.items():
            sheet.cell(r, cols[header]).value = value
        return r

    edit(
        f"{TRADE}/2.1.1.2",
        状态="已完成",
        **{"进展情况/备注": "已报送市政府", "填报人": "张三", "完成时间": "2022-02-28"},
    )
    edit(f"{TRADE}/2.1.3.7", 状态="正在推进", 佐证材料="https://example.gov.cn/1")
    edit(YEARLY, "2021年", 状态="已办结")  # a period of the yearly measure
    edit(f"{TRADE}/2.1.3.8", 状态="差不多")
    edit(f"{TRADE}/2.2.4.13", 状态="已完成", **{"进展情况/备注": "已完成备案"})  # marked meanwhile, see below
    # a row of 市财政局's, pasted from the whole ledger under the last row
    source = row_of(whole, f"{TRADE}/2.1.2.5")
    assert whole.cell(source, cols["责任单位"]).value != "市商务委"
    pasted = sheet.max_row + 1
    for c in range(1, len(cols) + 1):
        sheet.cell(pasted, c).value = whole.cell(source, c).value
    sheet.cell(pasted, cols["状态"]).value = "已完成"
    book.save(tmp_path / "返回.xlsx")
    ok(
        run_policy(
            "start", f"{TRADE}/2.2.4.13", "--agency", "市商务委", "--note", "办理中", "--by", "李四", db=db
        )
    )
    before = parts(db)

    result = run_policy(
        "import",
        str(tmp_path / "返回.xlsx"),
        "--by",
        "王五",
        "-f",
        "json",
        "--today",
        "2022-03-01",
        db=db,
        real=True,
    )
    assert result.returncode == 5, result.stderr  # rows were left: an error, a conflict
    outcomes = {
        (o["id"], o["period"]): (o["outcome"], o["before"], o["after"]) for o in json.loads(result.stdout)
    }
    assert outcomes == {
        (f"{TRADE}/2.1.1.2", None): ("applied", "todo", "done"),
        (f"{TRADE}/2.1.3.7", None): ("applied", "todo", "doing"),
        (YEARLY, "2021"): ("applied", "todo", "done"),
        (f"{TRADE}/2.1.3.8", None): ("error", None, None),
        (f"{TRADE}/2.2.4.13", None): ("conflict", "doing", "done"),
        (f"{TRADE}/2.1.2.5", None): ("error", None, None),
    }
    assert "recorded 3 change(s); 1 conflict(s), 2 refused" in result.stderr
    after = parts(db)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    assert changed == {
        (f"{TRADE}/2.1.1.2", "市商务委", ""): ("done", "已报送市政府", None, "2022-02-28", "张三"),
        (f"{TRADE}/2.1.3.7", "市商务委", ""): ("doing", None, "https://example.gov.cn/1", None, "王五"),
        (YEARLY, "市商务委", "2021"): ("done", None, None, None, "王五"),
    }
    # the same file again changes nothing; --theirs then settles the conflict with the returned value
    again = run_policy("import", str(tmp_path / "返回.xlsx"), "--today", "2022-03-01", "-f", "json", db=db)
    assert {o["outcome"] for o in json.loads(again.stdout)} == {"error", "conflict"} and parts(db) == after
    settled = run_policy(
        "import", str(tmp_path / "返回.xlsx"), "--theirs", "-f", "json", "--today", "2022-03-01", db=db
    )
    assert ("hfg-2020-24/2.2.4.13", "applied") in {
        (o["id"], o["outcome"]) for o in json.loads(settled.stdout)
    }
    assert parts(db)[(f"{TRADE}/2.2.4.13", "市商务委", "")][:2] == ("done", "已完成备案")
    history = as_json(run_policy("history", f"{TRADE}/2.1.1.2", "-f", "json", db=db))
    assert [(h["by"], h["after"], h["note"]) for h in history] == [("张三", "done", "已报送市政府")]


def test_strict_and_dry_run_write_nothing(db, tmp_path):
    out = export(db, tmp_path / "商务委.xlsx", "--agency", "市商务委")
    book = openpyxl.load_workbook(out)
    sheet = book["市商务委"]
    cols = columns(sheet)
    sheet.cell(row_of(sheet, f"{TRADE}/2.1.1.2"), cols["状态"]).value = "完成"
    sheet.cell(row_of(sheet, f"{TRADE}/2.1.3.7"), cols["状态"]).value = "大概完成了"
    book.save(out)
    for flag in ("--dry-run", "--strict"):
        result = run_policy("import", str(out), flag, "-f", "json", db=db)
        assert result.returncode == 5 and parts(db) == {}
        kinds = {o["id"]: o["outcome"] for o in json.loads(result.stdout)}
        assert kinds[f"{TRADE}/2.1.1.2"] == (
            "would apply" if flag == "--dry-run" else "not applied (--strict)"
        )
    result = run_policy("import", str(out), db=db)
    assert result.returncode == 5 and list(parts(db)) == [(f"{TRADE}/2.1.1.2", "市商务委", "")]


def test_a_damaged_key_column_refuses_the_whole_file(db, tmp_path):
    out = export(db, tmp_path / "商务委.xlsx", "--agency", "市商务委")
    book = openpyxl.load_workbook(out)
    sheet = book["市商务委"]
    cols = columns(sheet)
    sheet.cell(2, cols["状态"]).value = "已完成"
    # two rows' keys swapped (a sort of some columns only): each row would import into the other's part
    a, b = sheet.cell(3, cols["行键"]), sheet.cell(4, cols["行键"])
    a.value, b.value = b.value, a.value
    book.save(tmp_path / "swapped.xlsx")
    sheet.cell(3, cols["行键"]).value = "乱码"
    book.save(tmp_path / "garbled.xlsx")
    for name in ("swapped.xlsx", "garbled.xlsx"):
        refused = run_policy("import", str(tmp_path / name), db=db, real=True)
        assert refused.returncode == 2 and "nothing was imported" in refused.stderr, refused.stderr
        assert len(refused.stderr.splitlines()) == 1 and parts(db) == {}
    (tmp_path / "notes.xlsx").write_bytes(b"PK\x03\x04 not really")
    refused = run_policy("import", str(tmp_path / "notes.xlsx"), db=db)
    assert refused.returncode == 2 and "not an Excel workbook" in refused.stderr


def test_the_csv_ledger_comes_back_too(db, tmp_path):
    ok(run_policy("export", "--agency", "市商务委", "-o", str(tmp_path / "l.csv"), db=db))
    text = (tmp_path / "l.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    target = next(r for r in rows[1:] if r[header.index("措施编号")] == f"{TRADE}/2.1.1.2")
    target[header.index("状态")] = "推进中"
    target[header.index("备注")] = "-减少10%"  # a note a spreadsheet would read as a formula
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    (tmp_path / "back.csv").write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")
    result = ok(run_policy("import", str(tmp_path / "back.csv"), "--by", "王五", db=db))
    assert "recorded 1 change(s)" in result.stderr
    assert parts(db) == {(f"{TRADE}/2.1.1.2", "市商务委", ""): ("doing", "-减少10%", None, None, "王五")}
    # exported again, the neutralised note comes back as it is
    ok(run_policy("export", "--agency", "市商务委", "-o", str(tmp_path / "l2.csv"), db=db))
    assert "recorded 0 change(s)" in ok(run_policy("import", str(tmp_path / "l2.csv"), db=db)).stderr


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_workbook(db, tmp_path):
    out = export(db, tmp_path / "台账.xlsx", "--agency", "市商务委")
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        check=True,
        capture_output=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert (tmp_path / "台账.pdf").stat().st_size > 10_000


# --- returns edited the way people edit them (found by a review) -------------------------------------


def _document(path: Path, doc_id: str, items: list[tuple[str, str]], unit: str = "市商务委") -> Path:
    path.write_text(
        json.dumps(
            {
                "format": "policy-document/1",
                "id": doc_id,
                "title": "台账测试方案",
                "issued_on": "2021-01-01",
                "measures": [
                    {
                        "id": f"{doc_id}/{p}",
                        "path": p,
                        "number": f"{p}.",
                        "parent": None,
                        "kind": "task",
                        "title": text[:10],
                        "text": text,
                        "units": [{"printed": unit, "name": unit, "agency": unit, "role": "unspecified"}],
                    }
                    for p, text in items
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return path


def _set(path: Path, measure_id: str, **cells) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    cols = columns(sheet)
    r = row_of(sheet, measure_id)
    for header, value in cells.items():
        sheet.cell(r, cols[header]).value = value
    book.save(path)


def test_a_row_follows_its_measure_through_a_revision_loaded_after_the_export(db, tmp_path):
    first = [("1", "开展数据跨境流动试点，形成可复制经验。"), ("2", "完善服务贸易统计监测制度。")]
    ok(run_policy("load", str(_document(tmp_path / "v1.json", "rev", first)), db=db))
    out = export(db, tmp_path / "rev.xlsx", "--doc", "rev")
    revised = [("1", "推行证照联办，压缩企业开办时间。"), ("2", first[0][1]), ("3", first[1][1])]
    ok(run_policy("load", str(_document(tmp_path / "v2.json", "rev", revised)), db=db))
    _set(out, "rev/1", 状态="已完成", **{"进展情况/备注": "数据试点已完成"})
    ok(run_policy("import", str(out), "--by", "王五", db=db))
    # the row exported as rev/1 was the data pilot, rev/2 now; rev/1 is another measure
    assert parts(db) == {("rev/2", "市商务委", ""): ("done", "数据试点已完成", None, None, "王五")}


def test_a_copied_sheet_that_disagrees_applies_neither_row(db, tmp_path):
    out = export(db, tmp_path / "s.xlsx", "--agency", "市商务委")
    book = openpyxl.load_workbook(out)
    sheet = book["市商务委"]
    cols = columns(sheet)
    sheet.cell(row_of(sheet, f"{TRADE}/2.1.1.2"), cols["状态"]).value = "已完成"
    copy = book.copy_worksheet(sheet)
    copy.cell(row_of(copy, f"{TRADE}/2.1.1.2"), cols["状态"]).value = "受阻"
    book.save(tmp_path / "dup.xlsx")
    result = run_policy("import", str(tmp_path / "dup.xlsx"), "-f", "json", db=db)
    outcomes = json.loads(result.stdout)
    assert result.returncode == 5 and parts(db) == {}
    assert [(o["id"], o["outcome"]) for o in outcomes] == [
        (f"{TRADE}/2.1.1.2", "error")
    ] * 2  # the rest agree


def test_untouched_rows_change_nothing(db, tmp_path):
    ok(run_policy("start", f"{TRADE}/2.1.1.2", "--agency", "市商务委", "--note", "  已起草 ", db=db))
    ok(run_policy("done", f"{TRADE}/2.1.3.7", "--agency", "市商务委", db=db))
    ok(run_policy("unassign", f"{TRADE}/2.1.3.7", "市商务委", db=db))
    ok(run_policy("undo", "--any", db=db))  # the undo of a correction is not a change of status
    out = export(db, tmp_path / "s.xlsx", "--agency", "市商务委")
    csv_out = tmp_path / "s.csv"
    ok(run_policy("export", "--agency", "市商务委", "-o", str(csv_out), db=db))
    ok(run_policy("unassign", f"{TRADE}/2.1.3.8", "市商务委", db=db))  # a part gone since the export
    for path in (out, csv_out):
        result = run_policy("import", str(path), "-f", "json", db=db)
        assert (result.returncode, json.loads(result.stdout)) == (0, []), result.stderr


def test_a_sheet_that_lost_its_key_column_refuses_the_file(db, tmp_path):
    out = export(db, tmp_path / "sp.xlsx", "--doc", TRADE, "--split")
    book = openpyxl.load_workbook(out)
    second = book.worksheets[1]
    second.delete_cols(columns(second)["行键"])
    book.save(out)
    refused = run_policy("import", str(out), db=db)
    assert refused.returncode == 2 and "行键 is missing" in refused.stderr


def test_sheets_and_files_named_for_any_agency(db, tmp_path):
    ok(
        run_policy(
            "load",
            str(_document(tmp_path / "hx.json", "hx", [("1", "办理事项。")], "'区<b>&amp;\"办'")),
            db=db,
        )
    )
    out = export(db, tmp_path / "hx.xlsx", "--doc", "hx", "--split")
    assert openpyxl.load_workbook(out).sheetnames[0] == "区_b_&amp;_办"
    ok(run_policy("export", "--doc", "hx", "--split-files", str(tmp_path / "files"), db=db))
    assert [p.name for p in (tmp_path / "files").iterdir()] == ["台账-区_b_&amp;_办.xlsx"]


def test_a_ledger_exported_before_an_alias_still_finds_its_part(db, tmp_path):
    ok(
        run_policy(
            "load", str(_document(tmp_path / "al.json", "al", [("1", "推进数据工作。")], "区数据办甲")), db=db
        )
    )
    out = export(db, tmp_path / "al.xlsx", "--agency", "区数据办甲")
    ok(run_policy("agencies", "alias", "区数据办甲", "市商务委", db=db))
    _set(out, "al/1", 状态="推进中")
    result = run_policy("import", str(out), "-f", "json", db=db)
    assert result.returncode == 0, result.stdout
    assert list(parts(db)) == [("al/1", "市商务委", "")]
