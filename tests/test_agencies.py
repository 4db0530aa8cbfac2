"""The agency registry and --agency resolution (issue: one canonical name per unit)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date

import pytest
from clitools import as_json, bundled_variant, ok, run_policy
from conftest import ROOT, gold_rows

from policycli.agencies import LEVELS, TYPES, Registry, key, read_registry

REGISTRY = ROOT / "data" / "agencies.csv"


@pytest.fixture
def db(tmp_path):
    return tmp_path / "policy.db"


def ids(result) -> set[str]:
    return {r["id"] for r in as_json(result)}


def test_registry_file_is_consistent():
    with REGISTRY.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    canon = [r["canonical"] for r in rows]
    assert len(canon) == len(set(canon))
    owner: dict[str, str] = {}
    for r in rows:
        assert r["level"] in LEVELS, r["canonical"]
        assert r["type"] in TYPES, r["canonical"]
        names = [r["canonical"], r["full_name"], *r["aliases"].split("|"), *r["typos"].split("|")]
        for name in filter(None, names):
            assert owner.setdefault(key(name), r["canonical"]) == r["canonical"], f"{name} names two units"
        for target in filter(None, [r["successor"], *r["member_of"].split("|")]):
            assert target in canon, f"{r['canonical']} points to unknown {target}"


def test_every_unit_in_the_bundled_documents_is_resolved():
    for path in (ROOT / "data" / "measures").glob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        for measure in document["measures"]:
            for unit in measure["units"]:
                assert unit["resolution"] != "unresolved", (path.name, unit)


def test_no_unit_appears_under_two_names(db):
    ok(run_policy("load", db=db))
    names = [r["agency"] for r in as_json(run_policy("agencies", "--format", "json", db=db)) if r["total"]]
    registry = Registry(read_registry(REGISTRY))
    canonical = [registry.resolve_printed(n).agency for n in names]
    assert len(canonical) == len(set(canonical))
    assert set(canonical) == set(names)  # every stored name is already canonical


def test_aliases_and_full_name_find_the_same_measures(db):
    results = [
        ids(run_policy("tasks", "--agency", name, "--status", "all", "--format", "json", db=db))
        for name in ("市发改委", "市发展改革委", "上海市发展和改革委员会")
    ]
    assert results[0] == results[1] == results[2] and len(results[0]) >= 8


def test_city_and_district_commerce_commissions_never_mix(db):
    city = ids(run_policy("tasks", "--agency", "市商务委", "--status", "all", "--format", "json", db=db))
    district = ids(
        run_policy("tasks", "--agency", "长宁区商务委", "--status", "all", "--format", "json", db=db)
    )
    assert city and district
    assert all(i.startswith("hfg-2020-24/") for i in city)
    assert all(i.startswith("cnqjqggx-2021/") for i in district)


def test_successor_finds_the_predecessors_measures(db):
    old = ids(run_policy("tasks", "--agency", "上海银保监局", "--status", "all", "--format", "json", db=db))
    new = as_json(
        run_policy(
            "tasks", "--agency", "金融监管总局上海监管局", "--status", "all", "--format", "json", db=db
        )
    )
    assert {r["id"] for r in new} == old and len(old) == 7
    assert all(r["via"] == "predecessor: 上海银保监局" for r in new)
    ok(run_policy("done", "hfg-2020-24/2.2.4.11", "--agency", "金融监管总局上海监管局", db=db))
    detail = as_json(run_policy("show", "hfg-2020-24/2.2.4.11", "--format", "json", db=db))
    assert next(p for p in detail["agencies"] if p["agency"] == "上海银保监局")["status"] == "done"


def test_ambiguous_and_unknown_input(db):
    result = run_policy("tasks", "--agency", "商务委", db=db)
    assert result.returncode == 2 and "市商务委" in result.stderr and "长宁区商务委" in result.stderr
    result = run_policy("tasks", "--agency", "市商委", db=db)
    assert result.returncode == 2 and "did you mean 市商务委" in result.stderr


def test_district_units_resolve_in_their_documents_context():
    document = json.loads((ROOT / "data" / "measures" / "cnqjqggx-2021.json").read_text(encoding="utf-8"))
    first = next(m for m in document["measures"] if m["path"] == "2.1.1")
    assert [u["agency"] for u in first["units"][:3]] == ["长宁区发改委", "长宁区市场监管局", "长宁区建管委"]
    collective = next(m for m in document["measures"] if m["path"] == "2.4.28")
    assert collective["units"][-1] == collective["units"][-1] | {
        "agency": "长宁区各街道、镇",
        "collective": True,
    }


def test_misprints_are_fixed_with_a_warning():
    document = json.loads((ROOT / "data" / "measures" / "hfg-2020-24.json").read_text(encoding="utf-8"))
    row = next(m for m in document["measures"] if m["path"] == "2.2.5.17")
    unit = next(u for u in row["units"] if u["printed"] == "市房城乡建设管理委")
    assert unit["agency"] == "市住房城乡建设管理委" and unit["resolution"] == "typo"
    assert any("市房城乡建设管理委 read as 市住房城乡建设管理委" in w for w in document["warnings"])


def test_measures_per_unit_in_the_trade_plan_match_a_hand_count(db):
    """Counted from the gold table (written by reading the document), merging the spellings that
    name one office — a fact about these offices, written down here by hand."""
    same_office = {
        "市地方金融监督管理局": "市地方金融监管局",
        "市卫生健康委员会": "市卫生健康委",
        "市政府外事办": "市政府外办",
        "市房城乡建设管理委": "市住房城乡建设管理委",
        "长宁区区政府": "长宁区政府",
    }
    expected = Counter()
    for row in gold_rows("001_table.tsv"):
        for unit in filter(None, row["units"].split("、")):
            expected[same_office.get(unit, unit)] += 1
    from policycli.checklist import TaskQuery, list_tasks
    from policycli.load import open_checklist

    database = open_checklist(db)
    for agency, count in expected.items():
        rows = list_tasks(
            database, TaskQuery(agency=agency, doc="hfg-2020-24", status="all", today=date(2021, 7, 1))
        )
        own = {r.id for r in rows if r.via is None}  # a yearly measure is listed once per period
        assert len(own) == count, agency


def test_user_alias_survives_reload_and_moves_unknown_units(db, tmp_path):
    ok(run_policy("agencies", "alias", "市商委", "市商务委", db=db))
    assert ids(run_policy("tasks", "--agency", "市商委", "--format", "json", db=db)) == ids(
        run_policy("tasks", "--agency", "市商务委", "--format", "json", db=db)
    )

    def unknown_unit(document):
        document["measures"][4]["units"] = [
            {
                "printed": "市某某办",
                "name": "市某某办",
                "agency": "市某某办",
                "role": "unspecified",
                "group": 1,
            }
        ]

    path = bundled_variant(tmp_path, "extra", unknown_unit)
    ok(run_policy("load", str(path), db=db))
    measure = "extra/3.1.1"
    ok(run_policy("done", measure, "--agency", "市某某办", db=db))
    result = ok(run_policy("agencies", "alias", "市某某办", "市商务委", db=db))
    assert "1 assignment(s) moved" in result.stderr
    ok(run_policy("load", str(path), db=db))  # reload: the alias still applies
    detail = as_json(run_policy("show", measure, "--format", "json", db=db))
    assert [(p["agency"], p["status"]) for p in detail["agencies"]] == [("市商务委", "done")]
    result = run_policy("agencies", "alias", "市发改委", "市商务委", db=db)
    assert result.returncode == 2 and "already means 市发展改革委" in result.stderr


def test_collective_assignments_are_seen_by_members(db, tmp_path):
    def collective(document):
        document["measures"][4]["units"] = [
            {
                "printed": "各区政府",
                "name": "各区政府",
                "agency": "各区政府",
                "role": "unspecified",
                "group": 1,
                "collective": True,
            }
        ]

    ok(run_policy("load", str(bundled_variant(tmp_path, "coll", collective)), db=db))
    rows = as_json(run_policy("tasks", "--agency", "长宁区政府", "--doc", "coll", "--format", "json", db=db))
    assert [r["via"] for r in rows] == ["collective: 各区政府"]
    result = run_policy("done", rows[0]["id"], "--agency", "长宁区政府", db=db)
    assert result.returncode == 2 and "collective 各区政府" in result.stderr
    ok(run_policy("done", rows[0]["id"], "--agency", "各区政府", db=db))
    # a member sees the collective's change in its history, but cannot undo it
    assert [
        e["agency"]
        for e in as_json(run_policy("history", "--agency", "长宁区政府", "--format", "json", db=db))
    ] == ["各区政府"]
    result = run_policy("undo", "--agency", "长宁区政府", db=db)
    assert result.returncode == 2 and "nothing to undo" in result.stderr
    assert as_json(
        run_policy(
            "tasks", "--agency", "各区政府", "--doc", "coll", "--status", "done", "--format", "json", db=db
        )
    )


def test_agencies_listing_filters_and_show(db):
    rows = as_json(run_policy("agencies", "--district", "长宁区", "--format", "json", db=db))
    assert rows and all(r["district"] == "长宁区" for r in rows)
    assert set(rows[0]) == {
        "agency",
        "full_name",
        "level",
        "district",
        "type",
        "total",
        "open",
        "done",
        "flag",
    }
    central = as_json(run_policy("agencies", "--level", "central", "--format", "json", db=db))
    assert "上海海关" in {r["agency"] for r in central}
    info = as_json(run_policy("agencies", "show", "金融监管总局上海监管局", "--format", "json", db=db))
    assert info["predecessors"] == ["上海银保监局"] and info["documents"][0]["doc"] == "hfg-2020-24"
    text = ok(run_policy("agencies", "show", "上海银保监局", db=db)).stdout
    assert "金融监管总局上海监管局" in text


def test_ingest_reports_units_not_in_the_registry(tmp_path):
    source = tmp_path / "plan.txt"
    source.write_text(
        "上海市某某实施方案\n一、主要任务\n1.推进试点。（责任单位：市商务委员、市发展改革委）\n2.完善机制。（责任单位：市财政局）\n",
        encoding="utf-8",
    )
    result = run_policy("ingest", "--check", str(source))
    assert result.returncode == 0
    assert (
        "市商务委员 is not in the agency registry" in result.stderr
        and "did you mean 市商务委" in result.stderr
    )
