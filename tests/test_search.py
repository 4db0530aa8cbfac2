"""`policy tasks --search`: a term of any length found through the search index (search.py), with
the meaning LIKE gave it — a substring of the title or of the text, ASCII letters without case — checked
against a brute-force search of generated Chinese text, on both of the listing's paths (the index
driving, the due order read with a test per row); the query plans; and the index kept in step with
loads, revisions and the migration that builds it."""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from clitools import as_json, generated_document, generated_measure, ok, run_policy

from policycli import search
from policycli.checklist import listing
from policycli.checklist.listing import TaskQuery, count_tasks, list_tasks
from policycli.checklist.marking import mark
from policycli.load import load_files
from policycli.store import connect

TODAY = date(2021, 7, 1)
AGENCIES = ["市商务委", "市发展改革委", "市经济信息化委"]
# Weighted: common characters (so that a term of one or two has many matches), rarer ones, ASCII in
# both cases, full-width forms (ＡＩ is not AI to LIKE), punctuation LIKE and FTS5 would read as syntax,
# whitespace of both kinds.
ALPHABET = (
    "金融金融局局市场市场人工智能服务区政府发展金融局" * 3
    + "数字人民币试点贸易"
    + "AaIiBb12"
    + "ＡａＩｉ"
    + "、，。（）“”"
    + "%_\\\"'(),.-*:"
    + " \u3000\n"
)


def _text(rng: random.Random, shortest: int, longest: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(shortest, longest)))


def _document(rng: random.Random, doc_id: str, count: int, edit: int = 0) -> dict:
    """A structured document of `count` generated measures; `edit` > 0 rewrites some texts, drops a
    few measures and adds others (a revision)."""
    items = []
    for k in range(1, count + 1):
        if edit and k % 9 == 0:
            continue  # removed by the revision
        text = _text(rng, 0, 40)
        shape = rng.random()
        title = text[:8] if shape < 0.4 else None if shape < 0.5 else _text(rng, 1, 10)
        recurring = rng.random() < 0.03
        due = None if recurring or rng.random() < 0.15 else (TODAY + timedelta(days=rng.randint(-400, 400)))
        due = due.isoformat() if due else None
        items.append(
            generated_measure(
                doc_id,
                k,
                kind="task",
                title=title,
                text=text,
                units=rng.sample(AGENCIES, rng.randint(1, 2)),
                due=due,
                recurrence="yearly" if recurring else None,
                occurrences=["2020-12-31", "2021-12-31"] if recurring else [],
            )
        )
    return generated_document(doc_id, f"检索测试文件{doc_id}", "沪检〔2021〕1号", items)


def _write(folder: Path, documents: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for document in documents:
        (folder / f"{document['id']}.json").write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    return folder


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A database of three generated documents (~600 measures), a few measures marked."""
    folder = tmp_path_factory.mktemp("search")
    rng = random.Random(17)
    db_path = folder / "search.db"
    db = connect(db_path)
    load_files(db, [_write(folder / "docs", [_document(rng, f"srch-{d}", 200) for d in range(3)])])
    for k in range(1, 200, 5):  # some measures done (every part), some begun (one part)
        for doc, status in (("srch-1", "done"), ("srch-2", "doing")):
            agencies = db.conn.execute(
                "SELECT agency FROM assignments WHERE measure_id = ?", [f"{doc}/{k}"]
            ).fetchall()
            for (agency,) in agencies[: None if status == "done" else 1]:
                mark(db, f"{doc}/{k}", status, agency=agency, by="测试", today=TODAY)
    db.conn.close()
    return db_path


@pytest.fixture
def db(generated, tmp_path):
    copy = tmp_path / "search.db"
    copy.write_bytes(generated.read_bytes())
    database = connect(copy)
    yield database
    database.conn.close()


def like(term: str, value: str | None) -> bool:
    """SQLite's LIKE '%term%': ASCII letters without case, every other character exactly."""
    if not value:
        return False
    lower = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
    return term.translate(lower) in value.translate(lower)


def matches(terms: str, title: str | None, text: str | None) -> bool:
    return all(like(term, title) or like(term, text) for term in terms.split())


def _terms(db) -> list[str]:
    """Search terms: every character of the alphabet; pairs and longer runs cut from the measures;
    runs across the title and the text (a match only if LIKE finds one); case and width variants;
    punctuation only; several terms."""
    rng = random.Random(5)
    found = sorted(set(ALPHABET) - set(" \u3000\n"))
    rows = db.conn.execute("SELECT title, text FROM measures WHERE text != ''").fetchall()
    for title, text in rng.sample(rows, 40):
        for size in (2, 3, 5):
            if len(text) >= size:
                start = rng.randrange(len(text) - size + 1)
                found.append(text[start : start + size])
        if title and not text.startswith(title):
            found.append(title[-2:] + text[:2])
    found += ["ai", "AI", "aI", "ＡＩ", "ａｉ", "1a", "A1", "金融局", "人工智能", "数字人民币", "没有的词"]
    found += ["%", "_", "%%", "_%", "\\", '"', "'", "(", "*", "-", ":", "、", "“", "（）", "\"'", "\\%"]
    found += ["AND", "OR", "NOT", "NEAR", "and", '"金融"', "金*", "^金", "金 融", "局 人工", "金融 AI 、"]
    return [term.strip() for term in dict.fromkeys(found) if term.strip()]


def _ids(rows) -> list[tuple[str, str | None]]:
    return [(row.id, row.period) for row in rows]


def test_terms_of_every_length_find_exactly_what_a_substring_search_finds(db, generated):
    """Against the documents themselves: every current measure whose title or text holds the
    term(s), nothing else, and no crash on punctuation or FTS5 syntax."""
    measures = {}
    for path in sorted((generated.parent / "docs").glob("*.json")):
        for measure in json.loads(path.read_text("utf-8"))["measures"]:
            measures[measure["id"]] = measure
    checked = 0
    for terms in _terms(db):
        rows = list_tasks(db, TaskQuery(today=TODAY, search=terms, status="all"))
        expected = {i for i, m in measures.items() if matches(terms, m["title"], m["text"])}
        assert {row.id for row in rows} == expected, terms
        checked += bool(expected)
    assert checked > 100  # most terms have matches


@pytest.mark.parametrize("path", ["index", "due order", "chosen"])
def test_the_listing_with_a_search_is_the_listing_filtered(db, monkeypatch, path):
    """The same rows in the same order as the listing without the search, filtered by a substring
    test: with status filters, an agency, a document, a limit; whichever path serves it."""
    if path == "index":
        monkeypatch.setattr(search, "candidates", lambda conn, query, cap: 0)
    elif path == "due order":
        monkeypatch.setattr(search, "candidates", lambda conn, query, cap: cap)
    else:  # the real choice, without its floor: common terms read in due order, rare ones by index
        monkeypatch.setattr(listing, "FEW_CANDIDATES", 0, raising=False)
    terms = _terms(db)[::3]
    for base in (
        TaskQuery(today=TODAY, status="all"),
        TaskQuery(today=TODAY),
        TaskQuery(today=TODAY, status="done"),
        TaskQuery(today=TODAY, agency="市商务委"),
        TaskQuery(today=TODAY, agency="市发展改革委", status="all"),
        TaskQuery(today=TODAY, doc="srch-1", status="all"),
        TaskQuery(today=TODAY, overdue=True),
    ):
        unsearched = list_tasks(db, base)
        for terms_ in terms:
            expected = [row for row in unsearched if matches(terms_, row.title, row.text)]
            for limit in (None, 1, 7, 40):
                query = replace(base, search=terms_, limit=limit)
                assert _ids(list_tasks(db, query)) == _ids(expected[:limit]), (terms_, query)
            assert count_tasks(db, replace(base, search=terms_)) == len(expected), (terms_, base)


def test_the_measures_a_revision_removed_are_searched_with_all(tmp_path):
    """--all lists the measures a revision removed; a search finds them too, whatever the term's
    length (the trigram index dropped them: 3+ character terms missed them)."""
    document = _document(random.Random(11), "gone", 60)
    db = connect(tmp_path / "p.db")
    load_files(db, [_write(tmp_path / "v1", [document])])
    removed = [m for m in document["measures"] if m["text"].strip()][:6]
    revision = dict(document, measures=[m for m in document["measures"] if m not in removed])
    load_files(db, [_write(tmp_path / "v2", [revision])])
    for measure in removed:
        assert db.conn.execute("SELECT obsolete FROM measures WHERE id = ?", [measure["id"]]).fetchone() == (
            1,
        )
        text = measure["text"]
        for term in {text[:1], text[:2], text[:4], text[-3:]}:
            if not term.strip():
                continue
            query = TaskQuery(today=TODAY, search=term, status="all", include_obsolete=True)
            assert measure["id"] in {row.id for row in list_tasks(db, query)}, term
            assert measure["id"] not in {
                row.id for row in list_tasks(db, replace(query, include_obsolete=False))
            }
    db.conn.close()


def _plans(db, run) -> list[tuple[str, list[str], list[str]]]:
    """The SELECTs over measures with a search that `run` makes: (statement, every step of its plan,
    the steps of the statement itself — not of its subqueries)."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)  # the statements with their values filled in
    try:
        run()
    finally:
        db.conn.set_trace_callback(None)
    plans = []
    for statement in statements:
        if statement.lstrip().startswith("SELECT") and " m" in statement and "LIKE" in statement:
            steps = db.conn.execute("EXPLAIN QUERY PLAN " + statement).fetchall()
            plans.append((statement, [s[-1] for s in steps], [s[-1] for s in steps if s[1] == 0]))
    return plans


def _on_measures(steps: list[str]) -> list[str]:
    return [s for s in steps if s.split()[:2] in (["SCAN", "m"], ["SEARCH", "m"])]


@pytest.mark.parametrize("term", ["局", "金融", "人工智能", "AI", "金融 局"])
def test_a_search_is_served_by_the_index_not_a_scan(db, term):
    """With a search of any length the measures are reached through the search index (by rowid from
    it), never by reading measures in some order and testing each with LIKE — but for the recurring
    ones, through their own small index, and a document's, through the document's index."""
    for query in (
        TaskQuery(today=TODAY, search=term, limit=101),
        TaskQuery(today=TODAY, search=term),
        TaskQuery(today=TODAY, search=term, doc="srch-1"),
    ):
        plans = _plans(db, lambda query=query: (list_tasks(db, query), count_tasks(db, query)))
        assert len(plans) >= 4  # dated, undated, recurring; the count
        for statement, steps, _ in plans:
            on_measures = _on_measures(steps)
            assert len(on_measures) == 1, steps
            if "m.recurrence IS NOT NULL" in statement and "INDEX measures_recurring" in on_measures[0]:
                continue  # the recurring measures (the count's), through their own small index
            assert any(f"SCAN {search.TABLE} VIRTUAL TABLE" in s for s in steps), (statement, steps)
            by_rowid = "USING INTEGER PRIMARY KEY (rowid=?)" in on_measures[0]
            assert by_rowid or query.doc and "INDEX measures_doc (doc_id=?)" in on_measures[0], steps


def test_an_agency_search_reads_the_agencys_parts_and_the_index(db):
    """With --agency the listing stays driven by the agency's index (in due order, stopping at the
    limit), the search index's candidates tested beside it; nothing scans measures."""
    for term in ("局", "金融", "人工智能"):
        query = TaskQuery(today=TODAY, agency="市商务委", search=term, limit=20)
        plans = _plans(db, lambda query=query: (list_tasks(db, query), count_tasks(db, query)))
        assert len(plans) >= 4
        for _, steps, _ in plans:
            assert any("INDEX assignments_agency" in s for s in steps), steps
            assert all("sqlite_autoindex_measures_1 (id=?)" in s for s in _on_measures(steps)), steps
        assert (
            sum(any(f"SCAN {search.TABLE} VIRTUAL TABLE" in s for s in steps) for _, steps, _ in plans) >= 3
        )


def test_many_matches_are_read_in_due_order_and_stop_at_the_limit(db, monkeypatch):
    """A term most measures hold: the listing reads the measures in due order (no sort of every
    match) and stops once it has its rows — work in proportion to the rows shown, not the matches."""
    monkeypatch.setattr(
        listing, "FEW_CANDIDATES", 0, raising=False
    )  # as at scale: many candidates, cap below them
    query = TaskQuery(today=TODAY, search="金", limit=3)
    plans = _plans(db, lambda: list_tasks(db, query))
    (dated,) = [top for statement, _, top in plans if "m.due IS NOT NULL" in statement]
    assert any("INDEX measures_due" in step for step in dated), dated
    assert "USE TEMP B-TREE FOR ORDER BY" not in dated, dated  # only runs of one due date are sorted

    def steps_for(limit: int) -> int:
        count = [0]

        def tick() -> int:
            count[0] += 1
            return 0

        db.conn.set_progress_handler(tick, 100)
        try:
            rows = list_tasks(db, replace(query, limit=limit))
        finally:
            db.conn.set_progress_handler(None, 100)
        assert len(rows) == limit
        return count[0]

    assert steps_for(3) * 5 < steps_for(300)


def test_matches_bunched_late_in_the_due_order_switch_to_the_index(tmp_path, monkeypatch):
    """A common term found only in the measures due last: the due-order read would pass every other
    measure first; it gives up after what the index would have cost, and the index serves the
    listing (the same rows). A common term spread evenly is read in due order to the end."""
    monkeypatch.setattr(listing, "FEW_CANDIDATES", 0, raising=False)
    document = _document(random.Random(23), "late", 400)
    dated = sorted(m["due"] for m in document["measures"] if m["due"])
    for measure in document["measures"]:
        if measure["due"] and measure["due"] >= dated[-len(dated) // 3]:
            measure["text"] += "末期"
    db = connect(tmp_path / "p.db")
    load_files(db, [_write(tmp_path / "docs", [document])])
    unsearched = list_tasks(db, TaskQuery(today=TODAY))
    for term, switched in (("末期", True), ("金", False)):
        query = TaskQuery(today=TODAY, search=term, limit=3)
        statements: list[str] = []
        db.conn.set_trace_callback(statements.append)
        rows = list_tasks(db, query)
        db.conn.set_trace_callback(None)
        assert _ids(rows) == _ids([row for row in unsearched if matches(term, row.title, row.text)][:3])
        assert any("INDEX measures_due" in step for s in statements for step in _plan_of(db, s)), term
        assert any("CROSS JOIN measures m" in s for s in statements) == switched, term
    db.conn.close()


def _plan_of(db, statement: str) -> list[str]:
    if not (statement.lstrip().startswith("SELECT") and "LIKE" in statement):
        return []
    return [step[-1] for step in db.conn.execute("EXPLAIN QUERY PLAN " + statement)]


def test_the_choice_of_path_follows_the_number_of_candidates(db, monkeypatch):
    """Few candidates: fetched through the index and sorted; many: the due-order read."""
    monkeypatch.setattr(listing, "FEW_CANDIDATES", 0)
    measures = db.conn.execute("SELECT count(*) FROM measures").fetchone()[0]
    common = search.candidates(db.conn, search.expression(["金"]), 10**6)
    rare = search.candidates(db.conn, search.expression(["数字人民币"]), 10**6)
    assert common > measures / 2 and rare < 20
    for term, served_by_index in (("金", False), ("数字人民币", True)):
        query = TaskQuery(today=TODAY, search=term, limit=5)
        driver, budget = listing._search_plan(db, query)
        assert (driver is not None, budget is None) == (served_by_index, served_by_index)
        assert listing._search_plan(db, replace(query, limit=None))[0] is not None  # all rows: the index


def _expected_grams(db) -> dict[str, set[int]]:
    """Which rowids each gram should list: every character and adjacent pair of each measure's title
    and of its text, ASCII letters in lower case (written independently of search.grams)."""

    def fold(char: str) -> str:
        if char.isascii():
            return char.lower() if char.isalnum() else chr(0xE000 + ord(char))
        return char

    expected: dict[str, set[int]] = {}
    for rowid, title, text in db.conn.execute("SELECT rowid, title, text FROM measures"):
        for field in (title or "", text or ""):
            folded = "".join(map(fold, field))
            for gram in {*folded, *(folded[k : k + 2] for k in range(len(folded) - 1))}:
                expected.setdefault(gram, set()).add(rowid)
    return expected


def _assert_index_is_exact(db) -> None:
    db.conn.execute(f"INSERT INTO {search.TABLE} ({search.TABLE}) VALUES ('integrity-check')")
    expected = _expected_grams(db)
    db.conn.execute(
        f"CREATE VIRTUAL TABLE temp.grams_vocabulary USING fts5vocab(main, {search.TABLE}, 'row')"
    )
    try:
        vocabulary = {term for (term,) in db.conn.execute("SELECT term FROM temp.grams_vocabulary")}
    finally:
        db.conn.execute("DROP TABLE temp.grams_vocabulary")
    assert vocabulary == set(expected)
    for gram, rowids in expected.items():
        found = {r for (r,) in db.conn.execute(search.ROWIDS, [f'"{gram}"'])}
        assert found == rowids, gram


def test_the_index_follows_loads_revisions_and_moves(tmp_path):
    rng = random.Random(3)
    db = connect(tmp_path / "p.db")
    first = [_document(rng, "rev-a", 60), _document(rng, "rev-b", 40)]
    load_files(db, [_write(tmp_path / "v1", first)])
    _assert_index_is_exact(db)
    # a revision: texts rewritten, measures removed, added, and others renumbered (moved to new ids,
    # keeping their rowid) — the same texts under shifted numbers
    revised = _document(random.Random(3), "rev-a", 70, edit=1)
    for measure in revised["measures"][:10]:
        measure["text"] += "修订"
    kept = first[1]["measures"]
    shifted = dict(
        first[1], measures=[dict(m, id=f"rev-b/{k + 5}", path=str(k + 5)) for k, m in enumerate(kept)]
    )
    load_files(db, [_write(tmp_path / "v2", [revised, shifted])])
    assert db.conn.execute("SELECT count(*) FROM measure_moves").fetchone()[0] > 0
    _assert_index_is_exact(db)
    load_files(db, [_write(tmp_path / "v3", [first[0]])])  # back again
    _assert_index_is_exact(db)
    load_files(db, [tmp_path / "v2"], dry_run=True)  # rolled back with everything else
    _assert_index_is_exact(db)
    rows = list_tasks(db, TaskQuery(today=TODAY, search="修订", status="all", include_obsolete=True))
    assert rows and all("修订" in row.text for row in rows)
    db.conn.close()


def test_the_migration_builds_the_index_of_the_measures_already_loaded(generated, tmp_path):
    copy = tmp_path / "old.db"
    copy.write_bytes(generated.read_bytes())
    conn = sqlite3.connect(copy)  # as a policy from before the search index left it
    conn.execute(f"DROP TABLE {search.TABLE}")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm016_search_index'")
    conn.execute("PRAGMA user_version = 15")
    conn.commit()
    conn.close()
    db = connect(copy)
    _assert_index_is_exact(db)
    assert list_tasks(db, TaskQuery(today=TODAY, search="局", status="all"))
    db.conn.close()


def test_punctuation_and_syntax_as_terms_through_the_cli(generated, tmp_path):
    db = tmp_path / "cli.db"
    db.write_bytes(generated.read_bytes())
    for term in (
        "、",
        "%",
        "_",
        '"',
        "'",
        "\\",
        "*",
        "(",
        "AND",
        "NEAR(",
        "-金",
        "　",
        "，，，",
        "🙂",
        "金融 局",
    ):
        result = ok(run_policy("tasks", "--search", term, "--status", "all", "--format", "json", db=db))
        rows = json.loads(result.stdout)
        assert all(matches(term, row["title"], row["text"]) for row in rows), term
        if term == "%":
            assert rows and len(rows) < 600  # a literal percent sign, not LIKE's wildcard
    table = ok(run_policy("tasks", "--search", "金融", "--limit", "5", db=db))
    assert "showing the 5 most urgent" in table.stderr
    assert as_json(run_policy("tasks", "--search", "金融", "--agency", "市商务委", "--format", "json", db=db))


def test_a_term_that_is_not_utf8_is_refused_in_one_line(generated, tmp_path):
    db = tmp_path / "cli.db"
    db.write_bytes(generated.read_bytes())
    result = run_policy("tasks", "--search", "\udcff金", db=db)
    assert result.returncode == 2 and "not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
