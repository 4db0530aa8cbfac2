"""The registry knows the Shanghai government: municipal departments, every district's departments,
街道, 镇 and zones (data/agencies.csv, data/district_units.csv, data/subdistricts.csv); names it does
not know are kept as printed, reported by `policy agencies unknown`, and never given to a near name."""

from __future__ import annotations

import csv
import tomllib
from collections import Counter

import pytest
from clitools import as_json, bundled_variant, ok, run_policy
from conftest import ROOT

from policycli.agencies import (
    LEVELS,
    TYPES,
    Registry,
    bundled_agencies,
    bundled_generated,
    bundled_registry,
    key,
)
from policycli.districts import DISTRICTS, fill
from policycli.errors import NotFound


@pytest.fixture
def db(tmp_path):
    return tmp_path / "policy.db"


def registry() -> Registry:
    return bundled_registry()


# --- the registry as a whole ------------------------------------------------------------------


def test_every_name_names_one_unit_and_every_collective_exists():
    units = registry().agencies
    owner: dict[str, str] = {}
    for agency in units.values():
        assert agency.level in LEVELS and agency.type in TYPES, agency.canonical
        for name in filter(None, [agency.canonical, agency.full_name, *agency.aliases, *agency.typos]):
            owner.setdefault(key(name), agency.canonical)
            assert owner[key(name)] == agency.canonical, f"{name} names two units"
        for target in filter(None, [agency.successor, *agency.member_of]):
            assert target in units, f"{agency.canonical} points to unknown {target}"
        if agency.level in ("district", "subdistrict"):
            assert agency.district in DISTRICTS, agency.canonical
    assert len(units) > 1500  # 16 districts × the department kinds, 215 街道/镇/乡, the city


def test_one_collectives_members_are_those_of_the_full_expansion():
    r = registry()
    for collective, members in r.members.items():
        assert sorted(r.members_of(collective)) == sorted(members), collective
    assert len(r.members["各区政府"]) == 16 and len(r.members["各涉农区政府"]) == 9


def test_generated_names_are_written_folded():
    """The loader does not fold the tables' names (it would cost milliseconds); they must already be."""
    for kind, district in bundled_generated().units():
        for name, _ in kind.names():
            filled = fill(name, district)
            assert key(filled) == filled, filled


def test_every_district_has_its_townships_and_the_counts_are_shanghais():
    with (ROOT / "data" / "subdistricts.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    counts = Counter(r["kind"] for r in rows)
    assert (counts["街道"], counts["镇"], counts["乡"]) == (107, 106, 2)
    assert {r["district"] for r in rows if r["kind"] in ("街道", "镇", "乡")} == set(DISTRICTS)
    assert len({(r["district"], r["name"]) for r in rows}) == len(rows)


@pytest.mark.parametrize("district", DISTRICTS)
def test_every_district_resolves_its_departments_in_its_documents(district):
    r = registry()
    expected = {
        "区水务局": "水务局",
        "区规划资源局": "规划资源局",
        "区规土局": "规划资源局",
        "区绿化市容局": "绿化市容局",
        "区生态环境局": "生态环境局",
        "区房管局": "房管局",
        "区住房保障房屋管理局": "房管局",
        "区城管执法局": "城管执法局",
        "区市场监管局": "市场监管局",
        "区财政局": "财政局",
        "区民政局": "民政局",
        "区卫生健康委": "卫生健康委",
        "区应急局": "应急局",
        "区公安分局": "公安分局",
        "区消防支队": "消防救援支队",
        "区税务局": "税务局",
        "区人力资源社会保障局": "人社局",
        "区司法局": "司法局",
        "区数据局": "数据局",
        "区大数据中心": "大数据中心",
        "区融媒体中心": "融媒体中心",
        "区政府办公室": "府办",
        "区政府办": "府办",
        "区土储中心": "土储中心",
        "区城运中心": "城运中心",
        "区医保局": "医保局",
        "区退役军人局": "退役军人局",
        "区信访办": "信访办",
        "区民防办": "民防办",
        "区发展改革委": "发改委",
        "区商务委": "商务委",
        "区政府": "政府",
        "区人民政府": "政府",
        "各街镇": "各街道、镇",
        "区委组织部": "委组织部",
    }
    for printed, unit in expected.items():
        found = r.resolve_printed(printed, district)
        assert found.how != "unresolved" and found.agency == district + unit, (district, printed, found)
    short = district.removesuffix("新区").removesuffix("区")
    assert r.resolve_printed(f"公安{short}分局", district).agency == f"{district}公安分局"
    assert r.resolve_printed(f"公安{district}分局").agency == f"{district}公安分局"  # in any document
    assert r.resolve_printed(district).agency == f"{district}政府"


def test_pudong_keeps_its_own_commissions():
    r = registry()
    assert r.resolve_printed("区建设管理委", "嘉定区").agency == "嘉定区建管委"
    found = r.resolve_printed("区建设管理委", "浦东新区")  # 浦东新区 has a 建设和交通委员会: no such office
    assert found.how == "unresolved" and found.agency == "浦东新区建设管理委"
    assert r.resolve_printed("浦东新区建设和交通委员会").agency == "浦东新区建交委"


def test_changning_rows_written_by_hand_take_the_generated_names():
    r = registry()
    assert r.resolve_printed("区建设管理委", "长宁区").agency == "长宁区建管委"
    assert r.resolve_printed("区发展改革委", "长宁区").agency == "长宁区发改委"
    assert "各区发展改革委" in r.agency("长宁区发改委").member_of
    assert (
        r.resolve_printed("区商务委", "长宁区").agency
        == "长宁区商务委"
        != r.resolve_printed("市商务委").agency
    )


# --- municipal units -----------------------------------------------------------------------------


def test_water_bureau_spellings_and_never_the_tax_bureau():
    r = registry()
    for printed in (
        "市水务局",
        "市海洋局",
        "市水务局（海洋局）",
        "市水务局（市海洋局）",
        "上海市水务局",
        "上海市海洋局",
    ):
        found = r.resolve_printed(printed)
        assert (found.agency, found.how) in {("市水务局", "exact"), ("市水务局", "alias")}, printed
    assert r.resolve_printed("市税务局").agency == "市税务局"
    assert r.resolve_input("市水务局") == "市水务局"


def test_an_unknown_name_is_kept_as_printed_not_given_to_the_nearest_unit():
    # Without its row the registry does not know 市水务局: it must stay 市水务局 (unresolved), not
    # become 市税务局 (one character away) nor one of the districts' 水务局.
    without = Registry(
        [a for a in bundled_agencies() if a.canonical != "市水务局"], generated=bundled_generated
    )
    found = without.resolve_printed("市水务局")
    assert (found.agency, found.how) == ("市水务局", "unresolved")
    assert "市税务局" in found.suggestions  # a suggestion for people, nothing more
    with pytest.raises(NotFound) as error:
        without.resolve_input("市水务局")
    assert type(error.value) is NotFound and "嘉定区水务局" not in str(error.value)
    assert registry().resolve_printed("市水利局").how == "unresolved"
    assert registry().resolve_printed("区水利局", "嘉定区").agency == "嘉定区水利局"


def test_main_municipal_departments_resolve():
    r = registry()
    names = (
        "市绿化市容局 市生态环境局 市房屋管理局 市消防救援局 市消防救援总队 市住房城乡建设管理委 "
        "市规划资源局 市交通委 市城管执法局 "
        "市大数据中心 市国资委 市数据局 市道路运输管理局 市应急局 市农业农村委 市民政局 市卫生健康委 "
        "市文化旅游局 市体育局 市机管局 "
        "市政府外办 市政府合作交流办 市民族宗教局 市地方金融监管局 市委金融办 市统计局 市审计局 "
        "市司法局 市公安局 市教委 市科委 "
        "市经济信息化委 市财政局 市人力资源社会保障局 市医保局 市药品监管局 市知识产权局 "
        "市粮食物资储备局 市退役军人局 市信访办 "
        "市重大办 市人防办 市民防办 市残联 团市委 市妇联 市总工会 市科协 市气象局 市城运中心 上海市林业局"
    ).split()
    for name in names:
        assert r.resolve_printed(name).how != "unresolved", name
    assert r.resolve_printed("市消防救援局").agency == "市消防救援总队"
    assert r.agency("市消防救援总队").level == "central"
    assert r.scope("市委金融办")["市地方金融监管局"] == "predecessor"


def test_a_district_unit_in_a_city_document_is_every_districts():
    found = registry().resolve_printed("区市场监管局")
    assert (found.agency, found.collective) == ("各区市场监管局", True)
    assert "嘉定区市场监管局" in registry().members["各区市场监管局"]
    assert registry().scope("嘉定区市场监管局")["各区市场监管局"] == "collective"


# --- 街道, 镇 and zones ----------------------------------------------------------------------


def test_a_street_resolves_and_belongs_to_its_districts_streets_and_towns():
    r = registry()
    assert r.resolve_printed("永丰街道", "松江区").agency == "松江区永丰街道"
    assert (
        r.resolve_printed("永丰街道").agency == "松江区永丰街道"
    )  # unique in Shanghai: also in a city document
    assert r.resolve_printed("上海市松江区永丰街道办事处").agency == "松江区永丰街道"
    assert r.resolve_printed("泗泾镇人民政府", "松江区").agency == "松江区泗泾镇"
    assert r.scope("松江区永丰街道")["松江区各街道、镇"] == "collective"
    assert "松江区永丰街道" in r.members["松江区各街道、镇"]
    collective = r.resolve_printed("各街镇", "松江区")
    assert (collective.agency, collective.collective) == ("松江区各街道、镇", True)
    assert r.resolve_printed("属地街镇", "青浦区").agency == "青浦区相关街镇"
    assert r.resolve_printed("各乡镇政府", "崇明区").agency == "崇明区各乡镇"
    assert "崇明区横沙乡" in r.members["崇明区各乡镇"]
    assert r.resolve_printed("宝山路街道").agency == "静安区宝山路街道"  # 宝山 in a 静安区 street's name
    assert r.resolve_printed("菊园新区管委会", "嘉定区").agency == "嘉定区菊园新区管委会"
    assert "嘉定工业区管委会" in r.members["嘉定区各街道、镇"]
    assert r.resolve_printed("经开区", "松江区").agency == "松江经济技术开发区管委会"


def test_a_member_street_sees_its_districts_streets_and_towns_measures(db, tmp_path):
    def collective(document):
        unit = {
            "printed": "各街镇",
            "name": "各街镇",
            "agency": "松江区各街道、镇",
            "role": "unspecified",
            "group": 1,
        }
        document["measures"][4]["units"] = [unit | {"collective": True}]

    ok(run_policy("load", str(bundled_variant(tmp_path, "sj", collective)), db=db))
    rows = as_json(run_policy("tasks", "--agency", "永丰街道", "--doc", "sj", "--format", "json", db=db))
    assert [(r["id"], r["via"]) for r in rows] == [("sj/3.1.1", "collective: 松江区各街道、镇")]

    def seen_by(name: str) -> list[dict]:
        return as_json(run_policy("tasks", "--agency", name, "--doc", "sj", "--format", "json", db=db))

    assert len(seen_by("泗泾镇")) == 1
    assert seen_by("新成路街道") == []  # a 嘉定区 street


# --- speed: the generated tables stay unread for the city's names -----------------------------


def test_city_names_never_read_the_generated_tables():
    def refuse():
        raise AssertionError("the generated tables were read")

    r = Registry(list(bundled_agencies()), generated=refuse)
    assert r.resolve_input("市商务委") == "市商务委"
    assert set(r.scope("市商务委")) == {"市商务委"}
    assert r.resolve_printed("市发改委").agency == "市发展改革委"
    assert r.scope("金融监管总局上海监管局")["上海银保监局"] == "predecessor"


def test_installed_copies_ship_the_registry_tables():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = set(project["tool"]["setuptools"]["data-files"]["share/policy"])
    assert {"data/agencies.csv", "data/district_units.csv", "data/subdistricts.csv"} <= shipped


# --- loading and `policy agencies unknown` -------------------------------------------------------


def _units(*names: tuple[str, str, str]):
    """An edit for bundled_variant: measure 3.1.1 gets these (printed, agency, resolution) units."""

    def edit(document):
        document["level"], document["district"] = "区", "嘉定区"
        document["measures"][4]["units"] = [
            {
                "printed": printed,
                "name": printed,
                "agency": agency,
                "resolution": how,
                "role": "unspecified",
                "group": 1,
            }
            for printed, agency, how in names
        ]

    return edit


def test_agencies_unknown_lists_what_does_not_resolve(db, tmp_path):
    edit = _units(
        ("市水利局", "市水利局", "unresolved"),
        ("市商务委", "市商务委", "exact"),
        ("同济大学", "同济大学", "unresolved"),
    )
    ok(run_policy("load", str(bundled_variant(tmp_path, "extra", edit)), db=db))
    rows = as_json(run_policy("agencies", "unknown", "--format", "json", db=db))
    assert [(r["agency"], r["printed"], r["measures"], r["documents"]) for r in rows] == [
        ("同济大学", ["同济大学"], 1, ["extra"]),
        ("市水利局", ["市水利局"], 1, ["extra"]),
    ]
    assert set(rows[0]) == {"agency", "printed", "measures", "documents", "suggestions"}
    assert "市水务局" in rows[1]["suggestions"]
    csv_out = ok(run_policy("agencies", "unknown", "--doc", "extra", "--format", "csv", db=db)).stdout
    assert (
        csv_out.splitlines()[0].lstrip("\ufeff").startswith("单位,原文,措施,文件") and "市水利局" in csv_out
    )
    table = ok(run_policy("agencies", "unknown", db=db)).stdout
    assert "同济大学" in table and "市商务委" not in table
    # a user alias resolves it: the list is then empty
    ok(run_policy("agencies", "alias", "同济大学", "市教委", db=db))
    ok(run_policy("agencies", "alias", "市水利局", "市水务局", db=db))
    result = ok(run_policy("agencies", "unknown", db=db))
    assert result.stdout == "" and "every unit resolves" in result.stderr
    assert as_json(run_policy("agencies", "unknown", "--format", "json", db=db)) == []
    result = run_policy("agencies", "unknown", "--doc", "nosuch", db=db)
    assert result.returncode == 2 and "unknown document" in result.stderr


def test_load_looks_unresolved_units_up_again_in_todays_registry(db, tmp_path):
    """A file ingested before the registry knew a unit says `unresolved`; loading finds the unit now,
    exactly (in the document's district), and leaves a still-unknown name as it is."""
    edit = _units(
        ("区水务局", "嘉定区水务局", "unresolved"),
        ("区建设管理委", "嘉定区建设管理委", "unresolved"),
        ("区水利局", "嘉定区水利局", "unresolved"),
    )
    ok(run_policy("load", str(bundled_variant(tmp_path, "again", edit)), db=db))
    detail = as_json(run_policy("show", "again/3.1.1", "--format", "json", db=db))
    assert [p["agency"] for p in detail["agencies"]] == ["嘉定区水务局", "嘉定区建管委", "嘉定区水利局"]
    unknown = as_json(run_policy("agencies", "unknown", "--format", "json", db=db))
    assert [r["agency"] for r in unknown] == ["嘉定区水利局"]


def test_agencies_listing_shows_generated_units_with_measures_or_when_asked(db, tmp_path):
    ok(
        run_policy(
            "load", str(bundled_variant(tmp_path, "jd", _units(("区水务局", "嘉定区水务局", "exact")))), db=db
        )
    )
    default = {r["agency"]: r for r in as_json(run_policy("agencies", "--format", "json", db=db))}
    assert default["嘉定区水务局"]["total"] == 1 and default["嘉定区水务局"]["level"] == "district"
    assert "嘉定区绿化市容局" not in default and "市商务委" in default
    listed = as_json(run_policy("agencies", "--district", "嘉定区", "--format", "json", db=db))
    district = {r["agency"] for r in listed}
    assert {"嘉定区绿化市容局", "嘉定区新成路街道", "嘉定区各街道、镇", "嘉定工业区管委会"} <= district
    everything = as_json(run_policy("agencies", "--all", "--format", "json", db=db))
    assert len(everything) > 1500
    info = as_json(run_policy("agencies", "show", "松江区各街道、镇", "--format", "json", db=db))
    assert "松江区永丰街道" in info["members"] and "松江区泗泾镇" in info["members"]
