"""One small hand-written document per annotation form and table shape (issue 10), gold beside it.

Each case is a short document in the shape of a real Shanghai text (own sentences, not corpus
text), written to a temporary file and read by `ingest_path`. A measure is found by the first words
of its text (as the corpus scorer does: `head in m["text"][:80]`), never by its path, so a test
names the form it checks and survives a renumbering. Units compare as `(name, role)` in printed
order: `name` with a shared prefix/suffix distributed, `printed` exactly as printed; role is
lead | co | unspecified; a trailing 等 is dropped and sets `open_list`.

Roles follow the development corpus gold (../shared/corpus/agencies/README.md): 牵头 (牵头单位,
牵头指导处室, X牵头, X牵头负责, 责任单位 beside a 配合单位) is lead, the other group of the same
annotation (配合, 支撑, 实施单位, 按职责分工负责, 组织落实) is co; where nothing tells lead apart
(责任单位 alone, X负责, a bare list) every unit is unspecified. Units carried by 下同 /
以下均需…落实 keep the name and role they had where printed.
"""

from __future__ import annotations

from pathlib import Path

from policycli.ingest import ingest_path

# --- helpers ----------------------------------------------------------------------------------------------


def ingest_text(tmp_path: Path, lines: list[str], name: str = "plan.txt") -> dict:
    """Write the document (one string per line) and ingest it."""
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ingest_path(path)


def measure(document: dict, head: str) -> dict:
    """The one measure whose text starts with (or holds, in its first 80 characters) `head`."""
    found = [m for m in document["measures"] if head in m["text"][:80]]
    if len(found) > 1:  # a section heading repeating the words is not the measure
        found = [m for m in found if m["kind"] != "section"]
    assert len(found) == 1, f"{head!r}: {len(found)} measures: {[m['text'][:20] for m in found]}"
    return found[0]


def roles(m: dict) -> list[tuple[str, str]]:
    return [(u["name"], u["role"]) for u in m["units"]]


def printed(m: dict) -> list[str]:
    return [u["printed"] for u in m["units"]]


def tasks(document: dict) -> list[dict]:
    return [m for m in document["measures"] if m["kind"] == "task"]


def check(document: dict, expected: dict[str, list[tuple[str, str]]]) -> None:
    for head, units in expected.items():
        assert roles(measure(document, head)) == units, head


# --- 1. （X牵头，Y配合） ------------------------------------------------------------------------------------


def test_lead_and_co_clause(tmp_path):
    document = ingest_text(
        tmp_path,
        [
            "上海市长宁区人民政府办公室关于印发《长宁区老旧小区综合改造实施方案》的通知",
            "长府办发〔2024〕9号",
            "区政府各委、办、局，各街道办事处，新泾镇人民政府：",
            "　　现将《长宁区老旧小区综合改造实施方案》印发给你们，请认真按照执行。",
            "上海市长宁区人民政府办公室",
            "2024年4月8日",
            "长宁区老旧小区综合改造实施方案",
            "一、主要任务",
            "　　1.推进屋面及外立面整治。对房龄较长的住宅小区开展屋面防水和外墙安全排查，分批实施整治。"
            "（区房管局牵头，区建设管理委配合）",
            "　　2.挖潜小区停车资源。利用小区边角空间增设非机动车停放点，推动周边单位错峰共享车位。"
            "（区交通委牵头，区房管局、各街道配合）",
            "　　3.完善适老化设施。在小区出入口、楼道等部位增设扶手和坡道，推进既有多层住宅加装电梯。",
            "二、保障措施",
            "　　各街道要加强统筹协调，及时研究解决改造中的困难和问题。",
        ],
    )
    check(
        document,
        {
            "推进屋面及外立面整治": [("区房管局", "lead"), ("区建设管理委", "co")],
            "挖潜小区停车资源": [("区交通委", "lead"), ("区房管局", "co"), ("各街道", "co")],
            "完善适老化设施": [],
        },
    )
    assert len(tasks(document)) == 3


# --- 2. （X牵头负责，Y组织落实） ----------------------------------------------------------------------------


def test_lead_responsible_and_organises(tmp_path):
    document = ingest_text(
        tmp_path,
        [
            "上海市宝山区人民政府办公室关于印发《宝山区河湖长效管护工作方案》的通知",
            "宝山区河湖长效管护工作方案",
            "一、重点任务",
            "　　1.开展河湖水质监测。在全区骨干河道设置水质自动监测站点，按月发布监测结果。"
            "（区水务局牵头负责，各街镇组织落实）",
            "　　2.整治入河排污口。对排查发现的入河排污口实施分类整治，建立整治销号台账。"
            "（区生态环境局牵头负责，区水务局、区城管执法局组织落实）",
        ],
    )
    check(
        document,
        {
            "开展河湖水质监测": [("区水务局", "lead"), ("各街镇", "co")],
            "整治入河排污口": [("区生态环境局", "lead"), ("区水务局", "co"), ("区城管执法局", "co")],
        },
    )


# --- 3. （X负责） -------------------------------------------------------------------------------------------


def test_responsible_only(tmp_path):
    document = ingest_text(
        tmp_path,
        [
            "上海市闵行区人民政府办公室关于印发《闵行区公共绿地品质提升行动方案》的通知",
            "闵行区公共绿地品质提升行动方案",
            "一、主要任务",
            "　　1.实施口袋公园建设。利用城市零星空地新建一批口袋公园，方便居民就近休憩。"
            "（区绿化市容局负责）",
            "　　2.推进林荫道创建。结合道路改造同步补植行道树，形成连续林荫空间。"
            "（区建设管理委、区绿化市容局负责）",
        ],
    )
    check(
        document,
        {
            "实施口袋公园建设": [("区绿化市容局", "unspecified")],
            "推进林荫道创建": [("区建设管理委", "unspecified"), ("区绿化市容局", "unspecified")],
        },
    )


# --- 4. （市局X处牵头，Y处、Z处按职责分工负责） -------------------------------------------------------------


def test_division_lead_and_divisions_by_duty(tmp_path):
    document = ingest_text(
        tmp_path,
        [
            "上海市市场监督管理局关于印发《本市预付式消费领域专项整治工作方案》的通知",
            "沪市监网监〔2024〕51号",
            "各区市场监管局，市局各处室、执法总队：",
            "一、主要任务",
            "（一）规范经营行为",
            "　　1．开展预付卡经营者排查。对美容美发、健身、教育培训等行业经营者开展全面排查，"
            "建立重点经营者名录。"
            "（市局网络交易监督管理处牵头，消费者权益保护处、信用监督管理处按职责分工负责）",
            "　　2．加强价格行为监管。依法查处虚构原价、虚假优惠折价等价格违法行为。"
            "（市局价格监督检查处、广告监督管理处按职责分工负责）",
            "　　3．强化信用约束。将拒不退款的经营者依法列入经营异常名录。（市局信用监督管理处负责）",
        ],
    )
    first = measure(document, "开展预付卡经营者排查")
    assert roles(first) == [
        ("市局网络交易监督管理处", "lead"),
        ("市局消费者权益保护处", "co"),
        ("市局信用监督管理处", "co"),
    ]
    assert printed(first) == ["市局网络交易监督管理处", "消费者权益保护处", "信用监督管理处"]
    # no 牵头: nobody is lead
    check(
        document,
        {
            "加强价格行为监管": [
                ("市局价格监督检查处", "unspecified"),
                ("市局广告监督管理处", "unspecified"),
            ],
            "强化信用约束": [("市局信用监督管理处", "unspecified")],
        },
    )


# --- 5. （牵头指导处室：…，A、B为实施单位，下同） -----------------------------------------------------------


def test_xiatong_carries_implementing_units(tmp_path):
    document = ingest_text(
        tmp_path,
        [
            "上海市市场监督管理局关于加强校园周边食品安全治理的实施意见",
            "各区市场监管局，临港新片区市场监管局，市局有关处室、执法总队：",
            "　　为进一步加强本市校园周边食品安全监管，保障学生饮食安全，现提出如下实施意见。",
            "一、主要任务",
            "（一）加强日常监管",
            "　　1．开展校园周边食品经营者排查。以中小学校周边200米范围为重点，"
            "摸清食品经营者底数，建立监管名录。"
            "（牵头指导处室：市局食品经营安全监督管理处，各区市场监管局、临港新片区市场监管局为实施单位，下同）",
            "　　2．加强校外托餐机构监管。督促托餐机构落实进货查验和留样制度，规范加工制作行为。"
            "（牵头指导处室：市局食品经营安全监督管理处、特殊食品安全监督管理处）",
            "　　3．规范网络订餐配送。督促网络餐饮服务平台落实入网审查责任，及时下线无证经营者。"
            "（牵头指导处室：市局网络交易监督管理处）",
            "（二）强化技术支撑",
            "　　4．强化抽检监测。每学期开学前组织开展校园周边食品专项抽检。"
            "（牵头指导处室：市局食品安全抽检监测处，市局食品安全抽检中心为实施单位，下同）",
            "　　5．公开抽检结果。定期在门户网站公布校园周边食品抽检结果，曝光不合格产品。"
            "（牵头指导处室：市局食品安全抽检监测处、新闻宣传处）",
        ],
    )
    implementers = [("各区市场监管局", "co"), ("临港新片区市场监管局", "co")]
    check(
        document,
        {
            "开展校园周边食品经营者排查": [("市局食品经营安全监督管理处", "lead"), *implementers],
            # 下同: the 实施单位 of item 1 carried; 市局 distributed over the second 处
            "加强校外托餐机构监管": [
                ("市局食品经营安全监督管理处", "lead"),
                ("市局特殊食品安全监督管理处", "lead"),
                *implementers,
            ],
            "规范网络订餐配送": [("市局网络交易监督管理处", "lead"), *implementers],
            # a new 下同 replaces the carried units, across the section boundary too
            "强化抽检监测": [("市局食品安全抽检监测处", "lead"), ("市局食品安全抽检中心", "co")],
            "公开抽检结果": [
                ("市局食品安全抽检监测处", "lead"),
                ("市局新闻宣传处", "lead"),
                ("市局食品安全抽检中心", "co"),
            ],
        },
    )
    second = printed(measure(document, "加强校外托餐机构监管"))
    assert second[:2] == ["市局食品经营安全监督管理处", "特殊食品安全监督管理处"]


# --- 6. 以下均需区市场监管局落实 ----------------------------------------------------------------------------


def test_yixia_junxu_carries_a_unit_to_later_items(tmp_path):
    document = ingest_text(
        tmp_path,
        [
            "上海市市场监督管理局关于印发《本市电梯安全隐患专项排查整治工作方案》的通知",
            "一、主要任务",
            "（一）加强制造安装环节监管",
            "　　1．开展电梯制造单位监督检查。对本市电梯整机制造单位开展全覆盖检查，"
            "督促落实质量安全主体责任。"
            "（市局特种设备安全监察处牵头，质量发展处按职责分工负责；区市场监管局组织落实。"
            "以下均需区市场监管局落实，不再单独列出）",
            "　　2．规范电梯安装改造修理。加强对安装改造修理单位的许可条件核查，严肃查处无证施工行为。"
            "（市局特种设备安全监察处牵头，执法稽查处按职责分工负责）",
            "（二）加强使用维保环节监管",
            "　　1．督促落实维保责任。对维保质量差、故障率高的电梯开展重点抽查。"
            "（市局特种设备安全监察处负责）",
            "　　2．推进电梯物联网应用。推动住宅电梯加装运行监测装置，实现故障自动报警。"
            "（市局特种设备安全监察处、科技和信息化处按职责分工负责）",
        ],
    )
    check(
        document,
        {
            # 区市场监管局 printed once here (组织落实 and 以下均需…落实 name the same unit)
            "开展电梯制造单位监督检查": [
                ("市局特种设备安全监察处", "lead"),
                ("市局质量发展处", "co"),
                ("区市场监管局", "co"),
            ],
            "规范电梯安装改造修理": [
                ("市局特种设备安全监察处", "lead"),
                ("市局执法稽查处", "co"),
                ("区市场监管局", "co"),
            ],
            "督促落实维保责任": [("市局特种设备安全监察处", "unspecified"), ("区市场监管局", "co")],
            "推进电梯物联网应用": [
                ("市局特种设备安全监察处", "unspecified"),
                ("市局科技和信息化处", "unspecified"),
                ("区市场监管局", "co"),
            ],
        },
    )


# --- 7. bare bracketed unit lists, and brackets that are not about units ----------------------------------


def test_bare_unit_list(tmp_path):
    document = ingest_text(
        tmp_path,
        [
            "上海市奉贤区人民政府关于印发《奉贤区低效产业用地盘活行动方案》的通知",
            "奉贤区低效产业用地盘活行动方案",
            "二、重点举措",
            "　　1.推进低效用地收储。对连续两年亩均税收明显偏低的工业地块，依法启动收储程序。"
            "（各街镇、区规划资源局、区土储中心）",
            "　　2.完善盘活资金保障。统筹安排土地出让收入，支持低效用地盘活项目。"
            "（区发展改革委、区财政局等）",
            "　　3.引导企业自主更新。支持企业通过厂房加层、技术改造等方式提高容积率。（区经委、各街镇）。",
        ],
    )
    check(
        document,
        {
            "推进低效用地收储": [
                ("各街镇", "unspecified"),
                ("区规划资源局", "unspecified"),
                ("区土储中心", "unspecified"),
            ],
            "完善盘活资金保障": [("区发展改革委", "unspecified"), ("区财政局", "unspecified")],
            "引导企业自主更新": [("区经委", "unspecified"), ("各街镇", "unspecified")],
        },
    )
    assert measure(document, "推进低效用地收储")["open_list"] is False
    assert measure(document, "完善盘活资金保障")["open_list"] is True


def test_brackets_that_are_not_units(tmp_path):
    document = ingest_text(
        tmp_path,
        [
            "上海市奉贤区人民政府办公室关于印发《奉贤区建筑垃圾规范处置工作方案》的通知",
            "奉贤区建筑垃圾规范处置工作方案",
            "二、主要任务",
            "　　1.建设处置监管平台。建设建筑垃圾全过程监管信息系统（以下简称“平台”）。",
            "　　2.设立咨询服务专窗。在区行政服务中心设立建筑垃圾处置咨询窗口，为施工单位提供政策解答。"
            "（联系人：张三，电话：12345678）",
            "　　3.落实规范性文件要求。严格执行《关于进一步加强本市建筑垃圾管理的实施意见》"
            "（沪府规〔2020〕24号）。",
            "　　4.规范分类收运。施工单位应当分类收集、单独运输建筑垃圾（含装修垃圾）。",
            "　　5.完善考核办法。研究制定建筑垃圾处置考核办法（试行）。",
            "　　6.规范收费行为。严格执行本区建筑垃圾处置收费标准（2023年修订）。",
        ],
    )
    for head in (
        "建设处置监管平台",
        "设立咨询服务专窗",
        "落实规范性文件要求",
        "规范分类收运",
        "完善考核办法",
        "规范收费行为",
    ):
        m = measure(document, head)
        assert (m["units"], m["open_list"]) == ([], False), head
    assert len(tasks(document)) == 6


# --- 8. two role labels in one bracket --------------------------------------------------------------------


def test_two_role_labels_in_one_bracket(tmp_path):
    document = ingest_text(
        tmp_path,
        [
            "上海市虹口区人民政府办公室关于印发《虹口区城市更新2024年度工作计划》的通知",
            "虹口区城市更新2024年度工作计划",
            "一、重点项目",
            "　　1.推进北外滩核心区地块开发，完成2个地块出让。（牵头单位：北外滩开发办、北外滩街道，"
            "支撑单位：区规划资源局）",
            "　　2.实施旧住房成套改造，完成改造面积3万平方米。（责任单位：区房管局、区旧改总办，"
            "配合单位：区财政局）",
            "　　3.推进滨江绿地贯通，新建绿道1.5公里。（牵头单位：区绿化市容局。"
            "配合单位：区建设管理委、北外滩街道）",
        ],
    )
    check(
        document,
        {
            "推进北外滩核心区": [("北外滩开发办", "lead"), ("北外滩街道", "lead"), ("区规划资源局", "co")],
            # 责任单位 beside a 配合单位: the 责任单位 units lead (corpus 17)
            "实施旧住房成套改造": [("区房管局", "lead"), ("区旧改总办", "lead"), ("区财政局", "co")],
            "推进滨江绿地贯通": [("区绿化市容局", "lead"), ("区建设管理委", "co"), ("北外滩街道", "co")],
        },
    )
    names = [u["name"] + u["printed"] for m in tasks(document) for u in m["units"]]
    assert not [n for n in names if "单位" in n or ":" in n or "：" in n]


# --- 9. where the annotation sits -------------------------------------------------------------------------

_CHARGING = [
    "上海市普陀区人民政府办公室关于印发《普陀区新能源汽车充电设施建设实施方案》的通知",
    "普陀区新能源汽车充电设施建设实施方案",
    "一、主要任务",
    "　　1.推进公共充电设施建设。",
    "　　（1）新建住宅小区按规定比例配建充电设施。",
    "　　（2）推动既有小区利用公共停车位改建充电设施。",
    "　　（3）鼓励商务楼宇向社会开放内部充电设施。",
    "　　（责任单位：区发展改革委、区建设管理委、各街镇）",
    "　　2.加强充电设施安全管理。建立充电设施安全巡查制度，定期开展隐患排查。",
    "　　对排查发现的问题，督促运营单位限期整改，整改不到位的依法处理。"
    "（责任单位：区应急局、区消防救援支队）",
    "　　3.推广智能有序充电。鼓励充电运营企业应用峰谷电价引导用户错峰充电。",
]


def test_annotation_after_sub_items_belongs_to_their_item(tmp_path):
    document = ingest_text(tmp_path, _CHARGING)
    parent = measure(document, "推进公共充电设施建设")
    assert parent["kind"] == "task"
    assert roles(parent) == [
        ("区发展改革委", "unspecified"),
        ("区建设管理委", "unspecified"),
        ("各街镇", "unspecified"),
    ]
    for head in ("新建住宅小区按规定", "推动既有小区利用", "鼓励商务楼宇向社会"):
        assert measure(document, head)["units"] == [], head
    assert measure(document, "推广智能有序充电")["units"] == []


def test_annotation_ending_an_items_second_paragraph(tmp_path):
    document = ingest_text(tmp_path, _CHARGING)
    item = measure(document, "加强充电设施安全管理")
    assert "限期整改" in item["text"]
    assert roles(item) == [("区应急局", "unspecified"), ("区消防救援支队", "unspecified")]
    assert not [m for m in document["measures"] if m["text"].startswith("对排查发现的问题")]


# --- 10. shared prefix ------------------------------------------------------------------------------------


def test_shared_prefix(tmp_path):
    document = ingest_text(
        tmp_path,
        [
            "上海市交通委员会关于印发《本市智慧港航建设三年行动方案》的通知",
            "本市智慧港航建设三年行动方案",
            "一、主要任务",
            "　　1.建设港航数据共享平台。汇聚船舶、码头、航道等基础数据，实现跨部门实时共享。"
            "（责任单位：市交通委科技信息处、港务监管处）",
            "　　2.推进内河航道智能感知。在主要内河航道布设视频监控和水位监测设施。"
            "（责任单位：市交通委航务处、市道运局、上海海事局）",
            "　　3.完善港航发展政策。研究制定促进智慧港口建设的支持政策。（责任单位：市发展改革委、商务委）",
        ],
    )
    first = measure(document, "建设港航数据共享平台")
    assert roles(first) == [("市交通委科技信息处", "unspecified"), ("市交通委港务监管处", "unspecified")]
    assert printed(first) == ["市交通委科技信息处", "港务监管处"]
    check(
        document,
        {
            "推进内河航道智能感知": [
                ("市交通委航务处", "unspecified"),
                ("市道运局", "unspecified"),
                ("上海海事局", "unspecified"),
            ],
            "完善港航发展政策": [("市发展改革委", "unspecified"), ("市商务委", "unspecified")],
        },
    )
    district = ingest_text(
        tmp_path,
        [
            "上海市静安区人民政府办公室关于印发《静安区促进楼宇经济发展实施方案》的通知",
            "一、主要任务",
            "　　1.加强楼宇招商。建立重点楼宇招商信息库，推动楼宇空置面积去化。"
            "（责任单位：区发展改革委、商务委）",
        ],
        name="district.txt",
    )
    item = measure(district, "加强楼宇招商")
    assert roles(item) == [("区发展改革委", "unspecified"), ("区商务委", "unspecified")]
    assert printed(item) == ["区发展改革委", "商务委"]


# --- 11. shared suffix ------------------------------------------------------------------------------------


def test_shared_suffix(tmp_path):
    document = ingest_text(
        tmp_path,
        [
            "上海市人民政府办公厅关于印发《关于推进环城绿带功能提升的实施意见》的通知",
            "关于推进环城绿带功能提升的实施意见",
            "一、主要任务",
            "　　1.推进环城绿带节点建设。按照成熟一个、建设一个的原则，有序推进绿带沿线节点公园建设。"
            "（责任单位：浦东新区、徐汇区、闵行区政府）",
            "　　2.完善绿带配套设施。在绿带沿线增设驿站和公共停车场。（责任单位：杨浦区、市规划资源局）",
            "　　3.加强生态修复。对绿带内受损林地开展补植和土壤改良。"
            "（牵头单位：市绿化市容局。配合单位：宝山区、嘉定区、青浦区政府）",
        ],
    )
    first = measure(document, "推进环城绿带节点建设")
    assert roles(first) == [
        ("浦东新区政府", "unspecified"),
        ("徐汇区政府", "unspecified"),
        ("闵行区政府", "unspecified"),
    ]
    assert printed(first) == ["浦东新区", "徐汇区", "闵行区政府"]
    # nothing to share: 杨浦区 stays 杨浦区
    second = measure(document, "完善绿带配套设施")
    assert roles(second) == [("杨浦区", "unspecified"), ("市规划资源局", "unspecified")]
    assert printed(second) == ["杨浦区", "市规划资源局"]
    check(
        document,
        {
            "加强生态修复": [
                ("市绿化市容局", "lead"),
                ("宝山区政府", "co"),
                ("嘉定区政府", "co"),
                ("青浦区政府", "co"),
            ],
        },
    )


# --- 12. mixed half-/full-width brackets --------------------------------------------------------------------


def test_mixed_brackets(tmp_path):
    document = ingest_text(
        tmp_path,
        [
            "上海市金山区人民政府办公室关于印发《金山区农村宅基地管理工作方案》的通知",
            "金山区农村宅基地管理工作方案",
            "一、主要任务",
            "　　1.编制村庄规划。按照应编尽编的要求，完成保留村村庄规划编制。(责任单位：区规划资源局）",
            "　　2.规范宅基地审批。优化宅基地建房审批流程，推行联审联办。（责任单位：区农业农村委、各镇)",
            "　　3.建立宅基地信息台账。全面登记宅基地使用和建房情况。(责任单位:区农业农村委、区规划资源局)",
        ],
    )
    check(
        document,
        {
            "编制村庄规划": [("区规划资源局", "unspecified")],
            "规范宅基地审批": [("区农业农村委", "unspecified"), ("各镇", "unspecified")],
            "建立宅基地信息台账": [("区农业农村委", "unspecified"), ("区规划资源局", "unspecified")],
        },
    )
    assert printed(measure(document, "编制村庄规划")) == ["区规划资源局"]


# --- 13. the 任务分工表 as a government site publishes it ---------------------------------------------------

# (first words of 主要工作内容, units in printed order, due from 完成时限), one per printed row.
TABLE_ROWS: list[tuple[str, list[tuple[str, str]], str]] = [
    (
        "在新建项目设计文件中",
        [("区建设管理委", "lead"), ("区规划资源局", "co"), ("区绿化市容局", "co")],
        "2024-06-30",
    ),
    (
        "编制全区建筑垃圾消纳",
        [("区绿化市容局", "lead"), ("区规划资源局", "co"), ("区生态环境局", "co")],
        "2024-12-31",
    ),
    # sub-row without 序号 under the merged 工作任务; lead cell wrapped over two lines; 配合 cell ——
    ("推进临时消纳点选址", [("区土方工作专班", "lead")], "2024-09-30"),
    # after the repeated header
    (
        "对建筑垃圾运输车辆",
        [("区城管执法局", "lead"), ("公安金山分局", "co"), ("区交通委", "co")],
        "2024-12-31",
    ),
    # own 序号, 工作任务 merged with the row above (no task line)
    (
        "开展跨区域倾倒专项",
        [("区生态环境局", "lead"), ("区城管执法局", "co"), ("各街镇", "co")],
        "2025-03-31",
    ),
]

_NOTICE = [
    "上海市金山区人民政府办公室关于印发《金山区建筑垃圾治理工作任务分工》的通知",
    "金府办〔2024〕7号",
    "各镇人民政府、街道办事处，区政府各委、办、局：",
    "　　经区政府同意，现将《金山区建筑垃圾治理工作任务分工》印发给你们，请认真抓好落实。",
    "上海市金山区人民政府办公室",
    "2024年3月15日",
    "附件",
    "金山区建筑垃圾治理工作任务分工表",
]
_HEADER = ["序号", "工作任务", "主要工作内容", "牵头单位", "配合单位", "完成时限"]
_CONTENT = {
    "1": "在新建项目设计文件中明确土方平衡方案，推动片区内土方就地利用。",
    "2": "编制全区建筑垃圾消纳场所布局规划，明确近期建设项目。",
    "2a": "推进临时消纳点选址和备案，落实属地日常管理责任。",
    "3": "对建筑垃圾运输车辆实施全程定位监控，建立违规企业名单。",
    "4": "开展跨区域倾倒专项执法，严肃查处非法倾倒行为。",
}


def check_task_table(document: dict) -> None:
    found = tasks(document)
    assert len(found) == len(TABLE_ROWS), [m["text"][:12] for m in found]
    for head, units, due in TABLE_ROWS:
        m = measure(document, head)
        assert m["kind"] == "task", head
        assert roles(m) == units, head
        assert m["due"] == due, head
    order = [next(k for k, m in enumerate(found) if head in m["text"][:80]) for head, _, _ in TABLE_ROWS]
    assert order == sorted(order)


def test_flattened_web_table(tmp_path):
    # One cell per paragraph (a blank line between cells, as the page's text extraction gives it); a cell that
    # wraps is two lines of one paragraph ("区土方工作" / "专班").
    cells = [
        *_HEADER,
        "1",
        "推进源头减量",
        _CONTENT["1"],
        "区建设管理委",
        "区规划资源局、区绿化市容局",
        "2024年6月",
        "2",
        "完善消纳设施布局",
        _CONTENT["2"],
        "区绿化市容局",
        "区规划资源局、区生态环境局",
        "2024年底前",
        _CONTENT["2a"],
        "区土方工作\n专班",
        "——",
        "2024年9月",
        *_HEADER,
        "3",
        "加强运输过程监管",
        _CONTENT["3"],
        "区城管执法局",
        "公安金山分局、区交通委",
        "2024年底前",
        "4",
        _CONTENT["4"],
        "区生态环境局",
        "区城管执法局、各街镇",
        "2025年3月",
    ]
    text = "\n\n".join([*_NOTICE, *cells])
    document = ingest_text(tmp_path, text.split("\n"))
    check_task_table(document)


def test_markdown_pipe_table(tmp_path):
    rows = [
        _HEADER,
        ["---"] * 6,
        ["1", "推进源头减量", _CONTENT["1"], "区建设管理委", "区规划资源局、区绿化市容局", "2024年6月"],
        ["2", "完善消纳设施布局", _CONTENT["2"], "区绿化市容局", "区规划资源局、区生态环境局", "2024年底前"],
        ["", "", _CONTENT["2a"], "区土方工作专班", "——", "2024年9月"],
        ["3", "加强运输过程监管", _CONTENT["3"], "区城管执法局", "公安金山分局、区交通委", "2024年底前"],
        ["4", "", _CONTENT["4"], "区生态环境局", "区城管执法局、各街镇", "2025年3月"],
    ]
    lines = [f"# {_NOTICE[0]}", "", *[line for para in _NOTICE[1:] for line in (para, "")]]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    document = ingest_text(tmp_path, lines, name="plan.md")
    check_task_table(document)


def test_html_table_with_rowspan(tmp_path):
    def tr(*cells: str) -> str:
        return "<tr>" + "".join(c if c.startswith("<td") else f"<td><p>{c}</p></td>" for c in cells) + "</tr>"

    lines = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8"><title>金山区建筑垃圾治理工作任务分工</title></head>',
        '<body><div class="nav">首页 &gt; 政务公开 &gt; 规范性文件</div>',
        '<div class="Article_content">',
        *[f"<p>{para}</p>" for para in _NOTICE],
        '<table border="1" cellspacing="0"><tbody>',
        tr(*_HEADER),
        tr("1", "推进源头减量", _CONTENT["1"], "区建设管理委", "区规划资源局、区绿化市容局", "2024年6月"),
        tr(
            '<td rowspan="2"><p>2</p></td>',
            '<td rowspan="2"><p>完善消纳设施布局</p></td>',
            _CONTENT["2"],
            "区绿化市容局",
            "区规划资源局、区生态环境局",
            "2024年底前",
        ),
        tr(_CONTENT["2a"], "区土方工作专班", "——", "2024年9月"),
        tr(
            "3",
            '<td rowspan="2"><p>加强运输过程监管</p></td>',
            _CONTENT["3"],
            "区城管执法局",
            "公安金山分局、区交通委",
            "2024年底前",
        ),
        tr("4", _CONTENT["4"], "区生态环境局", "区城管执法局、各街镇", "2025年3月"),
        "</tbody></table>",
        "</div></body></html>",
    ]
    document = ingest_text(tmp_path, lines, name="plan.html")
    check_task_table(document)


# --- 14. a 责任单位 column with no lead/co split ------------------------------------------------------------


def test_responsibility_column_without_roles(tmp_path):
    cells = [
        "上海市松江区人民政府办公室关于印发《松江区海绵城市建设重点任务分解》的通知",
        "附件",
        "松江区海绵城市建设重点任务分解表",
        "序号",
        "重点任务",
        "责任单位",
        "完成时限",
        "1",
        "完成全区海绵城市建设专项规划修编。",
        "区建设管理委、区规划资源局",
        "2025年底前",
        "2",
        "推进老旧小区海绵化改造，完成改造面积20万平方米。",
        "区房管局、各街镇",
        "2026年6月",
    ]
    document = ingest_text(tmp_path, "\n\n".join(cells).split("\n"))
    assert len(tasks(document)) == 2
    first = measure(document, "完成全区海绵城市建设")
    assert roles(first) == [("区建设管理委", "unspecified"), ("区规划资源局", "unspecified")]
    assert first["due"] == "2025-12-31"
    second = measure(document, "推进老旧小区海绵化")
    assert roles(second) == [("区房管局", "unspecified"), ("各街镇", "unspecified")]
    assert second["due"] == "2026-06-30"


# --- 15. no annotations at all: prose that names units gives none -------------------------------------------


def test_prose_units_are_never_invented(tmp_path):
    document = ingest_text(
        tmp_path,
        [
            "上海市浦东新区人民政府关于印发《2024年浦东新区违法用地整治工作方案》的通知",
            "2024年浦东新区违法用地整治工作方案",
            "一、工作任务",
            "　　（一）开展全面排查。区规划资源局牵头开展全区违法用地图斑核查，各街镇于4月底前完成辖区排查。",
            "　　（二）分类推进整治。区城管执法局负责组织拆除违法建筑，区房管局配合做好群租整治。",
            "　　（三）加强执法衔接。由区公安分局会同区城管执法局建立联动机制，依法查处阻挠执法行为。",
            "二、保障措施",
            "　　（一）加强组织领导。成立区违法用地整治工作领导小组，组长由分管副区长担任。",
        ],
    )
    assert len(tasks(document)) == 3
    for m in document["measures"]:
        assert (m["units"], m["open_list"]) == ([], False), m["text"][:12]


# --- review cases: what must NOT be read as responsibility, and where units must not go --------------------

_PLAN_HEAD = [
    "上海市金山区人民政府办公室关于印发《金山区某某整治实施方案》的通知",
    "金府办发〔2024〕12号",
    "各街道办事处、镇人民政府，区政府各委、办、局：",
    "　　现将《金山区某某整治实施方案》印发给你们，请认真按照执行。",
    "上海市金山区人民政府办公室",
    "2024年3月1日",
    "金山区某某整治实施方案",
    "一、主要任务",
]


def test_brackets_with_unit_like_endings_that_name_no_one(tmp_path):
    # Lists of examples, places and third parties end like units but say nothing about who is responsible.
    items = [
        "1.加强重点场所巡查。对人员密集场所开展巡查（养老院、福利院）。",
        "2.规范加油设施管理。推动设施改造（加油站、充电站）。",
        "3.推进跨界协同。深化毗邻地区合作（青浦区、吴江区、嘉善县）。",
        "4.落实主体责任。督促工程项目落实措施（施工单位负责）。",
        "5.做好资金保障。按规定安排资金（所需经费由区财政局负责）。",
        "6.建设数据平台。推动数据互联（区级平台、市级平台）。",
    ]
    document = ingest_text(tmp_path, _PLAN_HEAD + ["　　" + i for i in items])
    for head in (
        "加强重点场所巡查",
        "规范加油设施管理",
        "推进跨界协同",
        "落实主体责任",
        "做好资金保障",
        "建设数据平台",
    ):
        assert measure(document, head)["units"] == [], head


def test_a_deadline_inside_an_annotation_is_the_measures_not_a_unit(tmp_path):
    document = ingest_text(
        tmp_path,
        _PLAN_HEAD
        + [
            "　　1.推进源头减量。完成工地排查。（责任单位：区建设管理委；完成时限：2025年底）",
            "　　2.完善消纳设施。新建一处消纳场。（责任单位：区绿化市容局，2025年6月底前完成）",
        ],
    )
    first, second = measure(document, "推进源头减量"), measure(document, "完善消纳设施")
    assert roles(first) == [("区建设管理委", "unspecified")]
    assert first["due"] == "2025-12-31"
    assert roles(second) == [("区绿化市容局", "unspecified")]
    assert second["due"] == "2025-06-30"


def test_a_flattened_table_ends_where_the_body_goes_on(tmp_path):
    cells = [
        "序号",
        "工作任务",
        "牵头单位",
        "配合单位",
        "1",
        "推进源头减量，开展工地排查。",
        "区建设管理委",
        "区规划资源局",
    ]
    document = ingest_text(
        tmp_path,
        _PLAN_HEAD
        + [x for c in cells for x in (c, "")]
        + [
            "二、保障措施",
            "　　（一）加强组织领导。成立工作专班，统筹推进整治工作。（责任单位：区绿化市容局）",
            "上海市金山区人民政府办公室",
            "2024年3月1日",
        ],
    )
    assert roles(measure(document, "推进源头减量")) == [("区建设管理委", "lead"), ("区规划资源局", "co")]
    assert roles(measure(document, "加强组织领导")) == [("区绿化市容局", "unspecified")]


def test_form_labels_are_not_a_table(tmp_path):
    document = ingest_text(
        tmp_path,
        _PLAN_HEAD
        + [
            "　　1.开展项目申报。各单位按要求填写申报表。（责任单位：区发展改革委）",
            "申报单位",
            "申报内容",
            "申报时间",
            "　　2.组织专家评审。对申报项目进行评审。（责任单位：区科委）",
        ],
    )
    assert roles(measure(document, "组织专家评审")) == [("区科委", "unspecified")]


def test_a_dash_inside_a_row_is_an_empty_cell_and_a_short_task_is_not_a_unit(tmp_path):
    cells = [
        "序号",
        "工作任务",
        "牵头单位",
        "配合单位",
        "完成时限",
        "1",
        "推进源头减量，开展工地排查。",
        "区建设管理委",
        "—",
        "2024年底前",
        "2",
        "市级平台对接",
        "区大数据中心",
        "区数据局",
        "2025年6月",
    ]
    document = ingest_text(tmp_path, _PLAN_HEAD + [x for c in cells for x in (c, "")])
    first = measure(document, "推进源头减量")
    assert roles(first) == [("区建设管理委", "lead")] and first["due"] == "2024-12-31"
    second = measure(document, "市级平台对接")
    assert roles(second) == [("区大数据中心", "lead"), ("区数据局", "co")] and second["due"] == "2025-06-30"


def test_carried_units_stay_in_the_section_they_were_handed_on_in(tmp_path):
    document = ingest_text(
        tmp_path,
        _PLAN_HEAD
        + [
            "　　1.加强产品抽检。（牵头指导处室：市局质量处，各区市场监管局为实施单位，下同）",
            "　　2.加强执法办案。（牵头指导处室：市局执法处）",
            "二、保障措施",
            "　　（一）加强组织领导。明确分工，压实责任。（市局办公室负责）",
        ],
    )
    assert roles(measure(document, "加强执法办案")) == [("市局执法处", "lead"), ("各区市场监管局", "co")]
    assert roles(measure(document, "加强组织领导")) == [("市局办公室", "unspecified")]


def test_an_annotation_after_numbered_items_under_a_heading_stays_with_the_last_item(tmp_path):
    document = ingest_text(
        tmp_path,
        _PLAN_HEAD
        + [
            "（一）加强源头管控",
            "　　1.开展工地排查。全面排查在建工地。（责任单位：区建设管理委）",
            "　　2.推进分类处置。对建筑垃圾分类收运处置。",
            "（责任单位：区绿化市容局）",
        ],
    )
    assert roles(measure(document, "推进分类处置")) == [("区绿化市容局", "unspecified")]


def test_a_unit_named_only_in_prose_gives_a_warning_not_a_unit(tmp_path):
    document = ingest_text(
        tmp_path,
        _PLAN_HEAD
        + [
            "　　1.开展中期考核。对整治进度进行通报。区规划资源局牵头开展中期通报和年终考核。",
        ],
    )
    assert measure(document, "开展中期考核")["units"] == []
    assert any(
        w.startswith("line 9:") and "names a unit only in its prose (区规划资源局牵头…)" in w
        for w in document["warnings"]
    ), document["warnings"]
