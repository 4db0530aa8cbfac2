"""`load` checks a structured file completely against its schema (policycli/data/policy-document.schema.json)
before writing anything (issue 12, item 12): a value some reader would crash on — now or for every user
later — is refused with exit 2 and one line naming the file, the field and the problem, and the database
stays as it was."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from clitools import as_json, bundled_variant, ok, run_policy
from conftest import FIXTURES, ROOT

from policycli import schema

FORMATS = Path(__file__).resolve().parent / "formats"
# The test files of tests/formats that ingest reads (the others are broken on purpose).
GOOD_FORMATS = [
    "docx_cn004_autonum.docx",
    "docx_cn004_typed.docx",
    "docx_fengong_table.docx",
    "docx_hfg001_autonum.docx",
    "docx_hfg001_typed.docx",
    "pdf_hfg_2020_24.pdf",
    "renwu_fengong.xlsx",
    "renwu_notice.txt",
]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    """A database with the bundled documents (first use), copied for each test that writes to it."""
    path = tmp_path_factory.mktemp("bundled") / "policy.db"
    ok(run_policy("docs", db=path))
    return path


@pytest.fixture
def db(loaded, tmp_path) -> Path:
    copy = tmp_path / "policy.db"
    source, target = sqlite3.connect(loaded), sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    return copy


def dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def refused(result, *words: str) -> str:
    """Exit 2, one line on stderr holding every word, no traceback; the line."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def _set(*keys_and_value):
    *keys, value = keys_and_value

    def edit(document: dict) -> None:
        target = document
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return edit


RECURRING = {
    "date": None,
    "precision": "day",
    "quote": "每年",
    "rule": "recurring (yearly) within the validity period",
    "inherited": False,
    "recurrence": "yearly",
    "occurrences": ["2018-12-31", "soon", 2020],
    "lines": [20, 20],
}

# (case, edit of the bundled document, the field the message names, words of the problem)
BAD_VALUES = [
    (
        "due not a date",
        _set("measures", 4, "due", "not-a-date"),
        "measures[4].due",
        "'not-a-date' is not a date (YYYY-MM-DD)",
    ),
    (
        "due 30 February",
        _set("measures", 4, "due", "2021-02-30"),
        "measures[4].due",
        "'2021-02-30' is not a date",
    ),
    ("due year 9999", _set("measures", 4, "due", "9999-12-31"), "measures[4].due", "outside 1900–2199"),
    (
        "occurrences garbage",
        _set("measures", 4, "due_info", RECURRING),
        "measures[4].due_info.occurrences[1]",
        "'soon' is not a date",
    ),
    (
        "occurrences a string",
        _set("measures", 4, "due_info", dict(RECURRING, occurrences="2019-12-31")),
        "measures[4].due_info.occurrences",
        "is not a list or null",
    ),
    (
        "effective_until garbage",
        _set("effective_until", "長期有效"),
        "effective_until",
        "is not a date (YYYY-MM-DD)",
    ),
    (
        "validity_rules a string",
        _set("validity_rules", "自2018年6月1日起执行"),
        "validity_rules",
        "is not an object or null",
    ),
    (
        "validity_rules edge without a date",
        _set("validity_rules", "until", {"quote": "有效期至2020年12月31日", "rule": "stated end"}),
        "validity_rules.until",
        "missing field 'date'",
    ),
    (
        "units a string",
        _set("measures", 4, "units", "市商务委"),
        "measures[4].units",
        "'市商务委' is not a list or null",
    ),
    (
        "a unit a string",
        _set("measures", 4, "units", ["市商务委"]),
        "measures[4].units[0]",
        "is not an object",
    ),
    ("measures strings", _set("measures", ["1.1", "1.2"]), "measures[0]", "'1.1' is not an object"),
    ("lines 5", _set("measures", 4, "lines", 5), "measures[4].lines", "5 is not a list or null"),
    (
        "lines [10**30]",
        _set("measures", 4, "lines", [10**30]),
        "measures[4].lines[0]",
        f"{10**30} is more than 1000000000",
    ),
    ("lines one number", _set("measures", 4, "lines", [7]), "measures[4].lines", "[7] has 1 item, not 2"),
    ("lines 1.5", _set("measures", 4, "lines", [1.5, 2]), "measures[4].lines[0]", "1.5 is not an integer"),
    (
        "source a string",
        _set("source", "qmtjjaqg-2018.txt"),
        "source",
        "'qmtjjaqg-2018.txt' is not an object or null",
    ),
    (
        "segment start a string",
        _set("source", "segments", [{"name": "1", "first_line": "1"}]),
        "source.segments[0].first_line",
        "'1' is not an integer",
    ),
    ("flags numbers", _set("measures", 4, "flags", [1]), "measures[4].flags[0]", "1 is not a string"),
    (
        "unit agency a number",
        _set("measures", 4, "units", [{"agency": 5}]),
        "measures[4].units[0].agency",
        "5 is not a string",
    ),
    ("district a list", _set("district", ["静安区"]), "district", "is not a string or null"),
    (
        "kind misspelt",
        _set("measures", 4, "kind", "tsk"),
        "measures[4].kind",
        "'tsk' is not one of 'section', 'task'",
    ),
    (
        "measure id with a space",
        _set("measures", 4, "id", "bad/3.1.1 "),
        "measures[4].id",
        "'bad/3.1.1 ' is not an id",
    ),
    ("measure without a path", lambda d: d["measures"][4].pop("path"), "measures[4]", "missing field 'path'"),
    (
        "validity sentence lines missing",
        _set("validity", [{"text": "有效期至2020年12月31日"}]),
        "validity[0]",
        "missing field 'lines'",
    ),
]


@pytest.mark.parametrize(
    "edit, field, problem", [case[1:] for case in BAD_VALUES], ids=[case[0] for case in BAD_VALUES]
)
def test_a_bad_value_is_refused_naming_file_and_field_and_nothing_is_written(
    db, tmp_path, edit, field, problem
):
    path = bundled_variant(tmp_path, "bad", edit)
    before = dump(db)
    line = refused(run_policy("load", str(path), db=db), str(path), problem)
    assert f"{path}: {field}: " in line
    assert dump(db) == before


def test_a_lone_surrogate_is_refused(db, tmp_path):
    path = bundled_variant(tmp_path, "surrogate", _set("measures", 4, "title", "SURROGATE"))
    path.write_text(
        path.read_text(encoding="utf-8").replace("SURROGATE", "推进\\ud800改革"), encoding="utf-8"
    )
    before = dump(db)
    refused(run_policy("load", str(path), db=db), f"{path}: measures[4].title: ", "lone surrogate (\\ud800)")
    assert dump(db) == before


def test_a_surrogate_pair_and_an_escaped_backslash_u_are_text(db, tmp_path):
    path = bundled_variant(tmp_path, "emoji", _set("measures", 4, "title", "EMOJI"))
    path.write_text(
        path.read_text(encoding="utf-8").replace("EMOJI", "推进\\ud83d\\ude00改革 \\\\ud800"),
        encoding="utf-8",
    )
    ok(run_policy("load", str(path), db=db))
    shown = as_json(run_policy("show", "emoji/3.1.1", "--format", "json", db=db))
    assert shown["title"] == "推进\U0001f600改革 \\ud800"


@pytest.mark.parametrize("depth", [100_000, 500])
def test_deep_nesting_is_refused(db, tmp_path, depth):
    path = tmp_path / "deep.json"
    path.write_text(
        '{"format": "policy-document/2", "id": "deep", "measures": [], "note": '
        + "[" * depth
        + "]" * depth
        + "}",
        encoding="utf-8",
    )
    before = dump(db)
    refused(run_policy("load", str(path), db=db), str(path), "nested")
    assert dump(db) == before


def test_a_deep_value_where_the_schema_wants_an_object_is_refused(db, tmp_path):
    path = bundled_variant(tmp_path, "deep", _set("measures", 4, "due_info", "DEEP"))
    path.write_text(
        path.read_text(encoding="utf-8").replace('"DEEP"', "[" * 800 + "]" * 800), encoding="utf-8"
    )
    before = dump(db)
    refused(run_policy("load", str(path), db=db), str(path), "nested more than")
    assert dump(db) == before


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "1" * 5000])
def test_numbers_json_cannot_carry_are_refused(db, tmp_path, number):
    path = bundled_variant(tmp_path, "number", _set("measures", 4, "due_info", {"rule": "NUMBER"}))
    path.write_text(path.read_text(encoding="utf-8").replace('"NUMBER"', number), encoding="utf-8")
    before = dump(db)
    refused(run_policy("load", str(path), db=db), str(path), "number")
    assert dump(db) == before


def nested_documents(tmp_path: Path) -> tuple[Path, Path]:
    """Document "clash" with a measure clash/b/1, and document "clash/b" whose measure 1 is clash/b/1 too."""
    outer = bundled_variant(tmp_path, "clash", lambda d: d["measures"][4].update(id="clash/b/1", path="b/1"))
    inner = bundled_variant(tmp_path, "clash-b", lambda d: None)
    document = json.loads(inner.read_text(encoding="utf-8"))
    document["id"] = "clash/b"
    for measure in document["measures"]:
        measure["id"] = f"clash/b/{measure['path']}"
    inner.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return outer, inner


def test_a_measure_id_of_another_document_in_the_database_is_refused(db, tmp_path):
    outer, inner = nested_documents(tmp_path)
    ok(run_policy("load", str(outer), db=db))
    before = dump(db)
    refused(
        run_policy("load", str(inner), db=db),
        f"{inner}: measure id clash/b/1 already belongs to document clash",
    )
    assert dump(db) == before


def test_a_document_whose_measure_id_another_document_has_is_refused(db, tmp_path):
    outer, inner = nested_documents(tmp_path)
    ok(run_policy("load", str(inner), db=db))
    before = dump(db)
    refused(
        run_policy("load", str(outer), db=db),
        f"{outer}: measure id clash/b/1 already belongs to document clash/b",
    )
    assert dump(db) == before


def test_two_files_of_one_load_that_share_a_measure_id_are_refused(db, tmp_path):
    outer, inner = nested_documents(tmp_path)
    before = dump(db)
    refused(run_policy("load", str(outer), str(inner), db=db), "measure id clash/b/1", str(outer), str(inner))
    assert dump(db) == before


def test_a_refusal_in_the_second_file_writes_nothing_of_the_first(db, tmp_path):
    good = bundled_variant(tmp_path, "good", lambda d: None)
    bad = bundled_variant(tmp_path, "worse", _set("measures", 4, "due", "2021-13-01"))
    before = dump(db)
    refused(run_policy("load", str(good), str(bad), db=db), f"{bad}: measures[4].due: ")
    assert dump(db) == before


# --- what must still load -------------------------------------------------------------------------


def test_the_bundled_documents_match_the_schema():
    for path in sorted((ROOT / "data" / "measures").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        assert schema.is_valid(document), path
        assert schema.schema_errors(document) == [], path


def test_a_format_1_file_loads(db, tmp_path):
    document = {
        "format": "policy-document/1",
        "id": "old",
        "title": "旧格式文件",
        "issued_on": "2021-01-01",
        "measures": [
            {
                "id": "old/1",
                "path": "1",
                "number": "1.",
                "parent": None,
                "kind": "task",
                "title": "措施一",
                "text": "推进改革试点。",
                "lines": [3, 3],
                "units": [
                    {
                        "printed": "市商务委",
                        "name": "市商务委",
                        "agency": "市商务委",
                        "role": "lead",
                        "group": 1,
                    }
                ],
                "due": "2021-12-31",
                "due_info": {
                    "date": "2021-12-31",
                    "precision": "day",
                    "quote": "2021年底前",
                    "rule": "stated",
                    "inherited": False,
                    "recurrence": None,
                    "occurrences": [],
                    "lines": [3, 3],
                },
            },
        ],
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    ok(run_policy("load", str(path), db=db))
    assert as_json(run_policy("show", "old/1", "--format", "json", db=db))["due"] == "2021-12-31"


def test_every_fixture_ingests_to_a_document_the_schema_accepts():
    from policycli.ingest import ingest_path

    sources = sorted(FIXTURES.iterdir()) + [FORMATS / name for name in GOOD_FORMATS]
    for source in sources:
        document = json.loads(json.dumps(ingest_path(source), ensure_ascii=False))
        assert schema.is_valid(document), source
        assert schema.schema_errors(document) == [], source


def test_ingested_fixtures_load(tmp_path):
    out = tmp_path / "out"
    ok(run_policy("ingest", *map(str, sorted(FIXTURES.iterdir())), "--out", str(out)))
    ok(
        run_policy(
            "ingest",
            str(FORMATS / "renwu_notice.txt"),
            str(FORMATS / "renwu_fengong.xlsx"),
            "--attach-to",
            "cfb-2024-7",
            "--out",
            str(out / "attached"),
        )
    )
    db = tmp_path / "fixtures.db"
    ok(run_policy("load", str(out), str(out / "attached"), db=db))
    assert len(as_json(run_policy("docs", "--format", "json", db=db))) == len(list(out.glob("*.json"))) + 1
