"""Write the Excel fixtures in tests/formats/ (run from the checkout: python tests/make_xlsx_fixtures.py).

* renwu_fengong.xlsx — a 任务分工表 as offices receive it: a title row merged across the columns above
  the header 序号 / 工作任务 / 主要工作内容 / 牵头单位 / 配合单位 / 完成时限; 序号 and 工作任务 merged
  over two rows; 序号 stored as numbers (one as 2.0); 完成时限 stored as Excel dates and as text
  (2024年底前); a second sheet with more rows under the header again; an empty third sheet.
* renwu_notice.txt — the short notice the table belongs to (its body names the tasks, not who does
  them), for --attach-to.
* renwu_fengong_password.xlsx — the same workbook encrypted with the password "pw" the way Excel does
  (an OLE file with EncryptionInfo and EncryptedPackage streams), written only where msoffcrypto-tool is
  installed (pip install msoffcrypto-tool; not a dependency): the encryption is salted, so each run
  writes different bytes, and the committed file is kept otherwise.

The content is made up for the tests. The files are committed; CI does not run this script.
Zip entries get a fixed timestamp, so running it again writes the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

FORMATS = Path(__file__).resolve().parent / "formats"
HEADER = ["序号", "工作任务", "主要工作内容", "牵头单位", "配合单位", "完成时限"]
TITLE = "长宁区2024年优化营商环境重点任务分工表"

SHEET1 = [
    (
        1,
        "提升企业开办效率",
        "推行企业开办“一表申报”，营业执照、公章刻制、发票申领一日办结。",
        "区市场监管局",
        "区税务局、区公安分局",
        dt.datetime(2024, 6, 30),
    ),
    (
        None,
        None,
        "在区行政服务中心设立企业开办专区，为新办企业提供免费帮办服务。",
        "区府办",
        "区市场监管局",
        "2024年底前",
    ),
    (
        2.0,
        "优化工程建设项目审批",
        "社会投资低风险产业类项目实行“拿地即开工”，审批时间压缩至10个工作日以内。",
        "区建管委",
        "区规划资源局、区生态环境局",
        dt.date(2024, 9, 30),
    ),
    (
        3,
        "加强涉企政策服务",
        "依托“一网通办”平台建立惠企政策清单，推动政策免申即享。",
        "区发展改革委",
        "区财政局、区商务委、区科委",
        "2024年12月31日",
    ),
]
SHEET2 = [
    (
        4,
        "维护公平竞争秩序",
        "清理妨碍统一市场和公平竞争的政策措施，每季度通报一次清理进展。",
        "区市场监管局",
        "区司法局",
        "每季度",
    ),
    (
        5,
        "优化人才服务",
        "为重点企业人才办理落户、子女入学等事项提供“一站式”服务。",
        "区人社局",
        "区教育局、区房管局",
        dt.datetime(2024, 11, 15),
    ),
    (
        6,
        "提升知识产权保护水平",
        "建立知识产权快速维权通道，全年办理维权援助案件不少于100件。",
        "区科委",
        "区法院、区检察院",
        "2024年底前",
    ),
]

NOTICE = """长宁区人民政府办公室关于印发《长宁区2024年优化营商环境重点任务》的通知
长府办〔2024〕7号
各街道办事处、新泾镇人民政府，区政府各委、办、局：
经区政府同意，现将《长宁区2024年优化营商环境重点任务》印发给你们，请认真贯彻落实。
一、提升企业开办效率。推行企业开办“一表申报”，营业执照、公章刻制、发票申领一日办结；在区行政服务中心设立企业开办专区，为新办企业提供免费帮办服务。
二、优化工程建设项目审批。社会投资低风险产业类项目实行“拿地即开工”，审批时间压缩至10个工作日以内。
三、加强涉企政策服务。依托“一网通办”平台建立惠企政策清单，推动政策免申即享。
四、维护公平竞争秩序。清理妨碍统一市场和公平竞争的政策措施，每季度通报一次清理进展。
五、优化人才服务。为重点企业人才办理落户、子女入学等事项提供“一站式”服务。
六、提升知识产权保护水平。建立知识产权快速维权通道，全年办理维权援助案件不少于100件。
长宁区人民政府办公室
2024年3月15日
"""


def task_table() -> bytes:
    book = Workbook()
    book.properties.creator = "policy tests"
    book.properties.created = book.properties.modified = dt.datetime(2024, 3, 15)
    first = book.active
    first.title = "任务分工"
    first.append([TITLE])
    first.merge_cells("A1:F1")
    first["A1"].font = Font(bold=True, size=16)
    first["A1"].alignment = Alignment(horizontal="center")
    first.append(HEADER)
    for row in SHEET1:
        first.append(list(row))
    first.merge_cells("A3:A4")  # 序号 1 over its two rows of work
    first.merge_cells("B3:B4")  # 工作任务 too
    for cell in ("F3", "F5"):
        first[cell].number_format = "yyyy/m/d"
    second = book.create_sheet("续表")
    second.append(HEADER)
    for row in SHEET2:
        second.append(list(row))
    second["F3"].number_format = "yyyy年m月d日"
    book.create_sheet("Sheet3")  # left empty
    raw = io.BytesIO()
    book.save(raw)
    return _fixed_timestamps(raw.getvalue())


def _fixed_timestamps(data: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 3, 15, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time there, whatever was set
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-03-15T00:00:00Z", content)
            target.writestr(fixed, content)
    return out.getvalue()


def encrypted(workbook: bytes) -> bytes | None:
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        return None
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(workbook)).encrypt("pw", out)
    return out.getvalue()


def main() -> None:
    FORMATS.mkdir(exist_ok=True)
    workbook = task_table()
    (FORMATS / "renwu_fengong.xlsx").write_bytes(workbook)
    (FORMATS / "renwu_notice.txt").write_text(NOTICE, encoding="utf-8")
    locked = encrypted(workbook)
    if locked is None:
        print("renwu_fengong_password.xlsx: kept as committed (msoffcrypto-tool is not installed)")
    else:
        (FORMATS / "renwu_fengong_password.xlsx").write_bytes(locked)
    for name in ("renwu_fengong.xlsx", "renwu_notice.txt", "renwu_fengong_password.xlsx"):
        if (FORMATS / name).exists():
            print(f"{FORMATS / name}: {(FORMATS / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
