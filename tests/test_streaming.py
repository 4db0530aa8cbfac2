"""A listing of every row (`policy tasks -f json/csv/md`) is written as it is read: its rows match a
gold worked out here from the tables themselves, in the listing's order (due date, document,
order, period), for an agency (with a predecessor's parts), for everyone, by status; the bytes of
each format are those of the whole-list renderers (render.json_text, csv_bytes, markdown); and the
memory it takes does not grow with the rows."""

from __future__ import annotations

import io
import json
import random
import sys
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

import pytest
from clitools import generated_document, generated_measure

from policycli import render, views
from policycli.checklist.listing import TaskQuery, iter_tasks, list_tasks
from policycli.checklist.lookup import _SCOPE_ORDER, agency_scope
from policycli.checklist.marking import mark
from policycli.checklist.periods import in_view, periods_of
from policycli.checklist.status import overall_status
from policycli.kinds import FINISHED
from policycli.load import load_files
from policycli.store import connect

TODAY = date(2021, 7, 1)
# 上海银保监局 is 金融监管总局上海监管局's predecessor: --agency 金融监管总局上海监管局 sees its parts too
AGENCIES = ["市商务委", "市发展改革委", "金融监管总局上海监管局", "上海银保监局", "长宁区商务委"]
# Text a renderer must escape or neutralise: a formula start, a pipe, a bidi control, C1, a newline.
ODD = ["=1+1", "+86", "a|b", "\u202e反", "\x85", "行一\n行二", "“引号”", '"q"', " 前后空格 "]


def _document(rng: random.Random, doc_id: str, count: int) -> dict:
    items = []
    for k in range(1, count + 1):
        recurrence = rng.choice(["yearly", "quarterly"]) if rng.random() < 0.05 else None
        if recurrence == "yearly":
            occurrences = ["2020-12-31", "2021-12-31", "2022-12-31"]
        elif recurrence == "quarterly":
            occurrences = ["2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31"]
        else:
            occurrences = []
        # few distinct dates, so that many rows share one (the order then by document and order)
        due = None if recurrence or rng.random() < 0.1 else TODAY + timedelta(days=rng.randint(-60, 60))
        due = due.isoformat() if due else None
        text = "".join(rng.choice("金融服务贸易发展数字人民币试点") for _ in range(rng.randint(5, 60)))
        title = rng.choice(ODD) + text[:6] if rng.random() < 0.1 else text[:10]
        kind = rng.choice(["task", "task", "target"])
        units = rng.sample(AGENCIES, rng.randint(0, 3))
        items.append(
            generated_measure(
                doc_id,
                k,
                kind=kind,
                title=title,
                text=text,
                units=units,
                due=due,
                recurrence=recurrence,
                occurrences=occurrences,
            )
        )
    return generated_document(doc_id, f"流式测试文件{doc_id}", "沪流〔2021〕1号", items)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """Three generated documents of 1,000 measures each, a few parts and periods marked."""
    folder = tmp_path_factory.mktemp("stream")
    rng = random.Random(23)
    docs = folder / "docs"
    docs.mkdir()
    for d in range(3):
        document = _document(rng, f"strm-{d}", 1000)
        (docs / f"strm-{d}.json").write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    path = folder / "stream.db"
    db = connect(path)
    load_files(db, [docs])
    parts = db.conn.execute(
        "SELECT a.measure_id, a.agency, m.recurrence FROM assignments a "
        "JOIN measures m ON m.id = a.measure_id WHERE a.agency != '' ORDER BY a.measure_id, a.agency"
    ).fetchall()
    for measure_id, agency, recurrence in rng.sample(parts, 400):
        status = rng.choice(["done", "doing", "blocked", "n/a"])
        period = rng.choice(["2020", "2021"] if recurrence == "yearly" else ["2021-Q1", "2021-Q2"])
        mark(
            db,
            measure_id,
            status,
            agency=agency,
            by="测试",
            today=TODAY,
            period=period if recurrence else None,
        )
    db.conn.close()
    return path


@pytest.fixture
def db(generated):
    database = connect(generated)
    yield database
    database.conn.close()


def _gold(db, agency: str | None, status: str) -> list[tuple]:
    """The listing worked out from the tables: (id, period, due, status, agency_status, via) in the
    listing's order."""
    conn = db.conn
    units: dict[str, list[str]] = {}
    for measure_id, unit in conn.execute(
        "SELECT measure_id, agency FROM assignments WHERE obsolete = 0 ORDER BY measure_id, seq"
    ):
        units.setdefault(measure_id, []).append(unit)
    recorded = {
        (m, a, p): s for m, a, p, s in conn.execute("SELECT measure_id, agency, period, status FROM progress")
    }
    scope = agency_scope(db, agency)[1] if agency else None

    def wanted(value: str) -> bool:
        return value not in FINISHED if status == "open" else status == "all" or value == status

    rows = []
    for id_, doc, seq, due, recurrence, due_info in conn.execute(
        "SELECT id, doc_id, seq, due, recurrence, due_info FROM measures WHERE obsolete = 0 "
        "AND kind IN ('task', 'target', 'indicator', 'safeguard')"
    ):
        periods = in_view(periods_of(recurrence, due_info), TODAY) if recurrence else [None]
        for period in periods:
            label = period.label if period else ""
            when = period.due if period else due
            parts = [(u, recorded.get((id_, u, label), "todo")) for u in units.get(id_, [])]
            whole = overall_status([s for _, s in parts])
            own = via = None
            if scope is not None:
                names = sorted(
                    (n for n in scope if n in units.get(id_, [])), key=lambda n: (_SCOPE_ORDER[scope[n]], n)
                )
                if not names:
                    continue
                matching = [n for n in names if wanted(recorded.get((id_, n, label), "todo"))]
                if not matching and not recurrence:
                    continue
                name = (matching or names)[0]
                own = recorded.get((id_, name, label), "todo")
                via = None if scope[name] == "own" else f"{scope[name]}: {name}"
            if not wanted(own if scope is not None else whole):
                continue
            key = (when is None, when or "", doc, seq, label)
            rows.append((key, (id_, label or None, when, whole, own, via)))
    rows.sort(key=lambda r: r[0])
    return [row for _, row in rows]


@pytest.mark.parametrize(
    "agency, status",
    [("市商务委", "open"), ("市商务委", "all"), ("金融监管总局上海监管局", "open"),
     ("金融监管总局上海监管局", "done"), (None, "open"), (None, "all"), (None, "blocked")],
)  # fmt: skip
def test_a_streamed_listing_is_the_gold_read_from_the_tables(db, agency, status):
    query = TaskQuery(today=TODAY, agency=agency, status=status)
    rows = [(r.id, r.period, r.due, r.status, r.agency_status, r.via) for r in iter_tasks(db, query)]
    gold = _gold(db, agency, status)
    assert len(gold) > 20
    assert rows == gold
    assert any(period for _, period, *_ in gold)  # recurring measures' periods merged in
    # and the limited listing (a table's) is the first rows of it
    table = list_tasks(db, TaskQuery(today=TODAY, agency=agency, status=status, limit=101))
    assert [(r.id, r.period) for r in table] == [(g[0], g[1]) for g in gold[:101]]


def _written(monkeypatch, rows, fmt: str, agency: str | None) -> bytes:
    out = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(out, encoding="utf-8"))
    views.tasks(rows, fmt, agency=agency)
    sys.stdout.flush()
    return out.getvalue()


@pytest.mark.parametrize("agency", ["金融监管总局上海监管局", None])
def test_every_format_streamed_has_the_bytes_of_the_whole_list(db, monkeypatch, agency):
    """In batches of 7 rows (batch edges inside the listing), JSON, CSV and Markdown are what the
    renderers of a whole list make of the same rows."""
    monkeypatch.setattr(render, "_BATCH", 7)
    tasks = list(iter_tasks(db, TaskQuery(today=TODAY, agency=agency, status="all")))
    assert any(any(c in row.title for c in "=|\u202e\x85\n") for row in tasks)
    cells = [views._task_cells(task, agency, table=False) for task in tasks]
    names = views.TASK_FIELDS + (("agency_status", "via") if agency else ())
    expected = {
        "json": render.json_text([{n: getattr(t, n) for n in names} for t in tasks]).encode(),
        "csv": render.csv_bytes(cells, views._task_columns(agency, period=True)),
        "md": render.markdown(cells, views._task_columns(agency, period=True)).encode(),
    }
    for fmt, whole in expected.items():
        assert _written(monkeypatch, iter(tasks), fmt, agency) == whole, fmt
    assert json.loads(expected["json"]) == [{n: getattr(t, n) for n in names} for t in tasks]
    # without a period in the rows, Markdown has no 期次 column (CSV keeps it); none at all: empty
    once = [t for t in tasks if t.period is None][:30]
    plain = [views._task_cells(task, agency, table=False) for task in once]
    assert (
        _written(monkeypatch, iter(once), "md", agency)
        == render.markdown(plain, views._task_columns(agency, period=False)).encode()
    )
    assert _written(monkeypatch, iter([]), "json", agency) == b"[]\n"
    assert (
        _written(monkeypatch, iter([]), "md", agency)
        == render.markdown([], views._task_columns(agency, False)).encode()
    )
    assert _written(monkeypatch, iter([]), "csv", agency) == render.csv_bytes(
        [], views._task_columns(agency, True)
    )


class _Sink(io.RawIOBase):
    """stdout that keeps only how much was written."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        return len(data)


def _peak(monkeypatch, db, fmt: str, query: TaskQuery) -> tuple[int, int]:
    """(the peak of Python's memory while the listing is written, the bytes written)."""
    sink = _Sink()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BufferedWriter(sink), encoding="utf-8"))
    tracemalloc.start()
    try:
        views.tasks(iter_tasks(db, query), fmt, agency=query.agency)
        sys.stdout.flush()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, sink.size


@pytest.mark.parametrize("fmt", ["json", "csv", "md"])
@pytest.mark.parametrize("agency", [None, "市商务委"])
def test_a_listing_of_every_row_holds_no_list_of_them(db, monkeypatch, fmt, agency):
    """The memory a listing takes at its peak does not grow with its rows: the listing of three
    documents takes no more than that of one (a list of the rows, or the whole text, would take
    three times as much)."""
    monkeypatch.setattr(render, "_BATCH", 20)
    _peak(monkeypatch, db, fmt, TaskQuery(today=TODAY, agency=agency, doc="strm-1"))  # modules imported
    one = _peak(monkeypatch, db, fmt, TaskQuery(today=TODAY, status="all", agency=agency, doc="strm-0"))
    three = _peak(monkeypatch, db, fmt, TaskQuery(today=TODAY, status="all", agency=agency))
    assert three[1] > 2.5 * one[1]
    assert three[0] < 1.3 * one[0] + 20_000, (one, three)
