"""`load` over generated structured files (issue 12): never a traceback or a hang, only a load or a one-line
refusal (BadInput, exit 2) that writes nothing; and whatever it accepts, every reader of the database
can read — the checklist, `show`, `docs`, reminders, the calendar. Documents are made by mutating a valid
one: fields replaced by JSON values of other types, keys dropped, unknown keys added, date-like strings,
weird text, damaged bytes. Also: the schema's fast checker and jsonschema agree on every document."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import sqlite3
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from clitools import run_policy
from conftest import ROOT, examples
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from policycli import schema, views
from policycli.checklist import (
    TaskQuery,
    document_detail,
    ledger,
    list_documents,
    list_tasks,
    measure_detail,
    statistics,
)
from policycli.errors import BadInput
from policycli.load import load_files
from policycli.reminders import calendar_events, ics_bytes, remind, reminders
from policycli.store import connect

# Real processes, signals, concurrency or big inputs: the whole suite runs them, `make test-fast` does not.
pytestmark = pytest.mark.slow

BUNDLED = "qmtjjaqg-2018"
TODAYS = [date(2021, 7, 1), date(2019, 1, 1)]


def base_document() -> dict:
    """A small valid document: a few measures of a bundled one (sections, a target, tasks with units),
    a recurring one, an indicator, and a source with pages and an attached file."""
    bundled = json.loads((ROOT / "data" / "measures" / f"{BUNDLED}.json").read_text(encoding="utf-8"))
    document = copy.deepcopy(bundled)
    document["id"] = "fz"
    measures = []
    for measure in bundled["measures"][:6]:
        measure = copy.deepcopy(measure)
        measure["id"] = f"fz/{measure['path']}"
        measure["parent"] = f"fz/{measure['parent'].split('/', 1)[1]}" if measure["parent"] else None
        measures.append(measure)
    recurring = copy.deepcopy(measures[-1])
    recurring.update(
        id="fz/3.1.9",
        path="3.1.9",
        number="（九）",
        due=None,
        units=[
            {
                "printed": "区商务委",
                "name": "区商务委",
                "agency": "静安区商务委",
                "resolution": "exact",
                "collective": False,
                "role": "lead",
                "group": 1,
            },
            {
                "printed": "某某办",
                "name": "某某办",
                "agency": "某某办",
                "resolution": "unresolved",
                "collective": False,
                "role": "co",
                "group": 2,
                "carried": True,
            },
        ],
    )
    recurring["due_info"] = {
        "date": None,
        "precision": "day",
        "quote": "每半年",
        "rule": "recurring (half-yearly) within the validity period",
        "inherited": False,
        "recurrence": "half-yearly",
        "occurrences": ["2019-06-30", "2019-12-31", "2020-06-30"],
        "lines": [30, 31],
    }
    indicator = copy.deepcopy(measures[1])
    indicator.update(
        id="fz/2.zb1",
        path="2.zb1",
        parent="fz/2",
        kind="indicator",
        number="1",
        units=[],
        indicator={"unit": "%", "attribute": "预期性", "target": "75左右", "year": 2020},
        due="2020-12-31",
    )
    document["measures"] = [*measures[:2], indicator, *measures[2:], recurring]
    document["source"] = dict(
        document["source"],
        unit="page-line",
        segments=[{"name": "1", "first_line": 1}, {"name": "2", "first_line": 30}],
        attachments_files=[
            {
                "file": "分工表.xlsx",
                "sha256": "0" * 64,
                "bytes": 10,
                "format": "xlsx",
                "unit": "sheet-row",
                "first_line": 40,
                "segments": [{"name": "任务分工", "first_line": 1}],
            }
        ],
    )
    return document


BASE = base_document()

WEIRD_TEXT = [
    "not-a-date",
    "2021-02-30",
    "9999-12-31",
    "0001-01-01",
    "1899-12-31",
    "2200-01-01",
    "2021-W01-1",
    "20210101",
    "２０２１-０１-０１",
    "2021-01-01T00:00",
    "2021-1-1",
    "",
    " ",
    "\x00",
    "\ud800",
    "\udfff",
    "\ud83d\ude00",
    "a\u202eb",
    "[red]x[/]",
    "\x1b[31m",
    "\n",
    "task",
    "section",
    "indicator",
    "lead",
    "co",
    "unresolved",
    "policy-document/1",
    "policy-document/3",
    "fz",
    "fz/1",
    "fz/3",
    "fz/3.1",
    " fz/1 ",
    "fz/zz",
    "yearly",
    "half-yearly",
    "periodic",
    "page-line",
    "sheet-row",
    "paragraph",
    "1" * 60,
    "市商务委",
    "区发展改革委",
    "区",
    "NaN",
    "Infinity",
    "null",
    "[]",
    "{}",
]
DATES = [
    "2020-12-31",
    "1900-01-01",
    "2199-12-31",
    "2021-07-01",
    "2021-02-28",
    "2024-02-29",
    "2023-02-29",
    "2021-13-01",
    "2021-00-10",
    "2021-12-32",
    "2021-7-1",
    "21-07-01",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.sampled_from([0, -1, 10**9, 10**9 + 1, 2**53, 2**63, 1.0, 0.5, -0.0, 1e308])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(WEIRD_TEXT + DATES)
    | st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(WEIRD_TEXT) | st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=10,
)


def places(value):
    """Every (container, key) of the document, the root's keys included."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield value, key
            yield from places(item)
    elif isinstance(value, list):
        for k, item in enumerate(value):
            yield value, k
            yield from places(item)


def same_kind(data, value):
    """Another value of the same JSON type: what a careful hand edit would put there."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return data.draw(st.integers(0, 10**9) | st.sampled_from([0, 1, 10**9]), label="integer")
    if isinstance(value, str):
        return data.draw(st.text(max_size=20) | st.sampled_from(WEIRD_TEXT + DATES), label="string")
    if isinstance(value, list):
        return (
            value[::-1]
            if data.draw(st.booleans(), label="reverse")
            else value[: data.draw(st.integers(0, len(value)), label="keep")]
        )
    if isinstance(value, dict):
        keep = data.draw(
            st.sets(st.sampled_from(sorted(value))) if value else st.just(set()), label="keys kept"
        )
        return {k: v for k, v in value.items() if k in keep}
    return data.draw(json_values, label="value")


def mutate(data, document: dict) -> dict:
    actions = (
        ["replace"] * 2
        + ["same kind"] * 4
        + ["null"] * 2
        + ["drop"] * 2
        + ["add"] * 2
        + ["date", "text", "copy"]
    )
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        targets = list(places(document))
        container, key = data.draw(st.sampled_from(targets), label="where")
        action = data.draw(st.sampled_from(actions), label="action")
        if action == "replace":
            container[key] = data.draw(json_values, label="value")
        elif action == "same kind":
            container[key] = same_kind(data, container[key])
        elif action == "null":  # a field present but null: .get(key, default) gives None, not the default
            container[key] = None
        elif action == "drop":
            del container[key]
        elif action == "add":
            if isinstance(container[key], dict):
                container[key][
                    data.draw(st.sampled_from(WEIRD_TEXT) | st.text(max_size=6), label="new key")
                ] = data.draw(json_values)
            elif isinstance(container[key], list):
                container[key].append(data.draw(json_values, label="new item"))
        elif action == "date":
            container[key] = data.draw(st.sampled_from(DATES + WEIRD_TEXT[:10]), label="date")
        elif action == "text":
            container[key] = data.draw(st.sampled_from(WEIRD_TEXT), label="text")
        elif action == "copy":  # another measure's value (an id, a parent, a whole measure)
            container[key] = copy.deepcopy(
                data.draw(
                    st.sampled_from([v for _, v in places(BASE["measures"])] + BASE["measures"]),
                    label="copied",
                )
            )
    return document


def serialise(data, document: dict) -> bytes:
    text = json.dumps(document, ensure_ascii=data.draw(st.booleans(), label="ascii"))
    raw = text.encode("utf-8", "surrogatepass")  # a lone surrogate unescaped: not UTF-8 at all
    damage = data.draw(st.sampled_from(["none"] * 16 + ["truncate", "bom", "deep", "byte"]), label="damage")
    if damage == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    elif damage == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif damage == "deep":
        depth = data.draw(st.sampled_from([40, 900, 5000]))
        raw = raw[:-1] + b', "x": ' + b"[" * depth + b"]" * depth + b"}"
    elif damage == "byte":
        at = data.draw(st.integers(0, len(raw) - 1))
        raw = raw[:at] + bytes([data.draw(st.integers(0, 255))]) + raw[at + 1 :]
    return raw


def dump(conn: sqlite3.Connection) -> list[str]:
    return list(conn.iterdump())


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Path]:
    """Databases to load into: one with a bundled document, one with the base document loaded too
    (the generated file then updates it: obsolete measures, renamed units)."""
    folder = tmp_path_factory.mktemp("templates")
    out = {}
    for name, files in (("fresh", [ROOT / "data" / "measures" / f"{BUNDLED}.json"]), ("loaded", None)):
        path = folder / f"{name}.db"
        db = connect(path)
        if files is None:
            base = folder / "fz.json"
            base.write_text(json.dumps(BASE, ensure_ascii=False), encoding="utf-8")
            files = [ROOT / "data" / "measures" / f"{BUNDLED}.json", base]
        load_files(db, files)
        db.conn.close()
        out[name] = path
    return out


def read_everything(db) -> None:
    """What every reader of the database does with what was loaded (each must simply work), and what
    the commands print of it (on one day: the views cost most)."""
    conn = db.conn
    doc_ids = [r[0] for r in conn.execute("SELECT id FROM documents")]
    measure_ids = [r[0] for r in conn.execute("SELECT id FROM measures WHERE doc_id != ?", [BUNDLED])]
    agencies = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT a.agency FROM assignments a JOIN measures m ON m.id = a.measure_id "
            "WHERE m.doc_id != ? AND a.agency != '' LIMIT 2",
            [BUNDLED],
        )
    ]
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # views write text, and bytes to .buffer
    with contextlib.redirect_stdout(out):
        for today in TODAYS:
            shown = today == TODAYS[0]
            rows = list_tasks(db, TaskQuery(status="all", include_obsolete=True, today=today))
            list_tasks(db, TaskQuery(today=today, due_within=60))
            list_tasks(db, TaskQuery(today=today, overdue=True, limit=5))
            list_tasks(db, TaskQuery(today=today, unassigned=True))
            for agency in agencies:
                try:
                    list_tasks(db, TaskQuery(agency=agency, today=today, status="all"))
                except BadInput:
                    # a name --agency cannot take (one the registry resolves elsewhere): a message, not
                    # a crash
                    pass
            details = [measure_detail(db, measure_id, today) for measure_id in measure_ids]
            documents = list_documents(db, today)
            doc_details = [document_detail(db, doc_id, today) for doc_id in doc_ids]
            groups = remind(db, today, within=3650, include_expired=True, per_agency=0)
            reminders(db, today)
            if shown:
                views.tasks(rows, "table", None)
                views.tasks(rows, "json", None)
                for info in details:
                    views.detail(info, "text")
                    views.detail(info, "json")
                views.documents(documents, "json")
                for info in doc_details:
                    views.document_detail(info, "text")
                    views.document_detail(info, "json")
                views.reminders(groups, "text", today, 30)
                views.reminders(
                    remind(db, today, within=3650, include_expired=True, per_agency=0), "md", today, 30
                )
        ics_bytes(calendar_events(db), datetime(2021, 7, 1, tzinfo=UTC))
        statistics(db)
        ledger(db, today, include_obsolete=True)


@settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_load_takes_or_refuses_and_what_it_takes_every_reader_reads(templates, data):
    document = mutate(data, copy.deepcopy(BASE))
    raw = serialise(data, document)
    template = templates[data.draw(st.sampled_from(["fresh", "loaded"]), label="database")]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fz.json"
        path.write_bytes(raw)
        database = Path(folder) / "policy.db"
        with (
            contextlib.closing(sqlite3.connect(template)) as source,
            contextlib.closing(sqlite3.connect(database)) as target,
        ):
            source.backup(target)
        db = connect(database)
        try:
            before = dump(db.conn)
            try:
                load_files(db, [path])
            except BadInput as refusal:
                event("refused")
                message = str(refusal)
                assert message.startswith(str(path)) and "\n" not in message, message
                assert dump(db.conn) == before
            else:
                event("loaded")
                read_everything(db)
        finally:
            db.conn.close()


@settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_the_fast_checker_and_jsonschema_agree(data):
    document = mutate(data, copy.deepcopy(BASE))
    assert schema.is_valid(document) == (schema.schema_errors(document) == []), schema.schema_errors(
        document
    )[:1]


def test_the_fast_checker_knows_every_keyword_of_the_schema():
    schema._fast_check.cache_clear()
    assert schema.is_valid(BASE)
    with pytest.raises(ValueError, match="does not know"):
        schema._compile({"type": "object", "additionalProperties": False})


# --- the real command ---------------------------------------------------------------------------


def test_odd_but_valid_values_load_and_every_command_reads_them(tmp_path):
    document = copy.deepcopy(BASE)
    first = document["measures"][5]
    first.update(
        lines=[0, 10**9],
        due="2199-12-31",
        title="推进\U0001f600[red]改革[/]\u202e",
        flags=["对标落实", ""],
        units=[
            dict(
                first["units"][0] if first["units"] else {},
                group=10**9,
                printed=None,
                name=None,
                agency="区 商务委",
            )
        ],
        note={"reviewer": "张三", "checked": [1, 2.5, None]},
    )
    document["measures"][-1]["due_info"]["occurrences"] = ["1900-01-01", "2199-12-31"]
    document.update(
        effective_until="2199-12-31",
        issued_on="1900-01-01",
        reviewer_note="手工核对",
        source=None,
        validity_rules=None,
    )
    path = tmp_path / "fz.json"
    path.write_text(json.dumps(document, ensure_ascii=True), encoding="utf-8")
    db = tmp_path / "odd.db"
    for args in (
        ["load", str(path)],
        ["tasks", "--doc", "fz", "--status", "all"],
        ["show", "fz/3.1.1"],
        ["show", "fz/3.1.9", "--format", "json"],
        ["docs"],
        ["docs", "show", "fz"],
        ["remind", "--within", "100000"],
        ["export", "--format", "ics"],
        ["export", "--format", "csv"],
    ):
        result = run_policy(*args, db=db)
        assert result.returncode == 0 and "Traceback" not in result.stderr, (args, result.stderr)


def test_a_refused_file_through_the_real_command(tmp_path):
    document = copy.deepcopy(BASE)
    document["measures"][-1]["due_info"]["occurrences"] = ["2019-06-30", {"date": "2019-12-31"}]
    path = tmp_path / "fz.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = run_policy("load", str(path), db=tmp_path / "r.db")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        == f"error: {path}: measures[7].due_info.occurrences[1]: {{'date': '2019-12-31'}} is not a string"
    )
