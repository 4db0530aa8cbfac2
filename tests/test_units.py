from __future__ import annotations

from policycli.ingest.units import find_annotations, looks_like_unit_list, parse_units_text


def units(text: str) -> list[tuple[str, str, str, int]]:
    (annotation,) = find_annotations(text)
    return [(u.printed, u.name, u.role, u.group) for u in annotation.units]


def test_full_and_half_width_brackets_alike():
    assert units("加快建设。（责任单位：市商务委、市财政局）") == units(
        "加快建设。(责任单位:市商务委、市财政局)"
    )


def test_trailing_deng_opens_the_list_and_is_not_a_unit():
    (annotation,) = find_annotations("推进。（责任单位：区投促办、司法局、商务委、科委等）")
    assert [u.printed for u in annotation.units] == ["区投促办", "司法局", "商务委", "科委"]
    assert annotation.open_list


def test_district_prefix_distribution_and_shichang_trap():
    got = units("（责任单位：区发改委、市场监管局、建管委、区府办）")
    assert [name for _, name, _, _ in got] == ["区发改委", "区市场监管局", "区建管委", "区府办"]
    assert [printed for printed, _, _, _ in got] == ["区发改委", "市场监管局", "建管委", "区府办"]


def test_city_list_keeps_units_with_their_own_level():
    annotation = parse_units_text("市委网信办、上海海关、人民银行上海总部、浦东新区政府、商务委")
    assert [u.name for u in annotation.units] == [
        "市委网信办",
        "上海海关",
        "人民银行上海总部",
        "浦东新区政府",
        "市商务委",
    ]


def test_lead_and_co_roles_with_groups():
    got = units("（牵头单位：市商务委；配合单位：市发展改革委、市交通委（市道运局））")
    assert got == [
        ("市商务委", "市商务委", "lead", 1),
        ("市发展改革委", "市发展改革委", "co", 2),
        ("市交通委（市道运局）", "市交通委（市道运局）", "co", 2),
    ]


def test_bare_labels_without_brackets():
    got = units("牵头单位：市经济信息化委 配合单位：市商务委、市科委。")
    assert [(p, r) for p, _, r, _ in got] == [
        ("市经济信息化委", "lead"),
        ("市商务委", "co"),
        ("市科委", "co"),
    ]


def test_collective_with_dangling_suffix():
    annotation = parse_units_text("区地区办、规划资源局、各街道、镇")
    assert [u.printed for u in annotation.units] == ["区地区办", "规划资源局", "各街道、镇"]


def test_annotation_is_found_only_once_per_bracket():
    assert len(find_annotations("甲。（责任单位：市教委）乙。")) == 1
    assert find_annotations("没有责任单位的句子。") == []


def test_unit_list_cells_versus_flags_and_text():
    assert looks_like_unit_list("区投促办、财政局")
    assert looks_like_unit_list("市推进上海国际贸易中心建设领导小组成员单位")
    assert not looks_like_unit_list("对标落实")
    assert not looks_like_unit_list("完善技术进出口监测体系。")


def test_national_body_in_a_city_list_keeps_its_level():
    annotation = parse_units_text("市科委、市经济信息化委、市商务委、市场监管总局")
    assert [u.name for u in annotation.units][-1] == "市场监管总局"
