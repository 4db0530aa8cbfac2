"""Document-level facts: title, 文号, issuer, level, district, issue date, validity sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from policycli.ingest.layout import Paragraph
from policycli.ingest.patterns import (
    DATE_CN,
    OFFICE_ENDING,
    OFFICE_ENDINGS,
    SENTENCE_END,
    cn_to_int,
    is_date_line,
)
from policycli.text import fold

SHANGHAI_DISTRICTS = (
    "黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区", "宝山区", "嘉定区",
    "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区",
)


def district_short_name(district: str) -> str:
    """长宁区 → 长宁, 浦东新区 → 浦东."""
    return district.removesuffix("新区").removesuffix("区")


# 沪府规〔2020〕24号, 沪府办发 〔２０２１〕７号, 长发改〔2021〕47号 (brackets vary: 〔〕 [] 【】 ())
DOC_NUMBER = re.compile(r"([\u4e00-\u9fa5]{1,10})\s*[〔\[【(]\s*((?:19|20)[0-9]{2})\s*[〕\]】)]\s*([0-9]{1,4})\s*号")
DATE_ISO = re.compile(r"((?:19|20)[0-9]{2})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})")
_FIELD = re.compile(r"^[•·\-*\s]*(发文机构|发文单位|发布机构|发文机关|发文字号|文号|发布日期|成文日期|印发日期|发文日期)\s*[:：]\s*(.+)$")
_VALIDITY = re.compile(
    r"有效期|起施行|起执行|起实施|起生效|之日起.{0,4}(?:施行|执行|实施|生效)|废止|失效|试点期|实施期|"
    r"[0-9一二三四五六七八九十]+\s*年(?:试点|内有效)"
)
# A greeting to every district government and to every (各, not 有关: a commission greets "some")
# department of the municipal government, in either order, spaces removed: "各区人民政府,市政府各委、办、局:",
# "市政府各部门,各区、县人民政府:".
_ADDRESSEES_OF_CITY = re.compile(r"^(?=[^:]*各区(?:、?县)?(?:人民)?政府)(?=[^:]*市(?:人民)?政府各)各?[^:]{4,60}:$")


@dataclass
class DateSentence:
    text: str
    first_line: int
    last_line: int
    dates: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"text": self.text, "lines": [self.first_line, self.last_line], "dates": self.dates}


@dataclass
class Metadata:
    title: str | None = None
    title_source: str | None = None
    notice_title: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    issuer_source: str | None = None
    level: str | None = None
    district: str | None = None
    issued_on: str | None = None
    issued_on_quote: str | None = None
    validity: list[DateSentence] = field(default_factory=list)


def parse_date(folded: str) -> date | None:
    """2020年11月5日, ２０２１年６月１６日 (folded), 二〇二一年六月十六日, 2021-11-05."""
    m = DATE_CN.search(folded) or DATE_ISO.search(folded)
    if not m:
        return None
    year, month, day = (cn_to_int(g) for g in m.groups())
    try:
        return date(year, month, day) if year and month and day else None
    except ValueError:
        return None


def _compact(text: str) -> str:
    """Drop the spaces PDF extraction puts between characters ("上 海 市 人 民 政 府")."""
    return re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text.strip())


def extract(preamble: list[Paragraph], everything: list[Paragraph], tail: list[Paragraph]) -> Metadata:
    meta = Metadata()
    fields: dict[str, tuple[str, Paragraph]] = {}
    for para in preamble:
        m = _FIELD.match(para.folded.strip())
        if m:
            fields.setdefault(m.group(1), (para.text[m.start(2) :].strip(), para))

    # 文号: a field, else the first one printed in the header (not one cited in the body).
    number_text = fields.get("发文字号") or fields.get("文号")
    candidates = [number_text[1]] if number_text else []
    candidates += [p for p in preamble if len(p.folded.strip()) <= 40]
    for para in candidates:
        m = DOC_NUMBER.search(fold(para.text))
        if m:
            meta.doc_number = f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号"
            break

    # Titles: "…关于印发《X》的通知" wraps the policy X; else a short line before the body.
    for k, para in enumerate(preamble):
        line = _compact(para.text)
        joined = line + (_compact(preamble[k + 1].text) if k + 1 < len(preamble) else "")
        if "关于" in line and ("印发" in line or "通知" in line or "意见" in line):
            notice = joined if "通知" not in line and "通知" in joined else line
            meta.notice_title = notice
            inner = re.search(r"[《«]([^》»]+)[》»]", notice)
            if inner:
                meta.title, meta.title_source = inner.group(1), "notice"
            issuer = notice.split("关于", 1)[0]
            if issuer and issuer.endswith(OFFICE_ENDINGS):
                meta.issuer, meta.issuer_source = issuer, "notice title"
            break
    header = next(
        (p for p in preamble if re.fullmatch(rf"[\u4e00-\u9fa5]{{2,26}}(?:{OFFICE_ENDING})文件", _compact(p.text))),
        None,
    )
    if header is not None and not meta.issuer:
        meta.issuer, meta.issuer_source = _compact(header.text)[:-2], "header"
    if "发文机构" in fields or "发文单位" in fields or "发布机构" in fields or "发文机关" in fields:
        value = next(fields[k][0] for k in ("发文机构", "发文单位", "发布机构", "发文机关") if k in fields)
        meta.issuer, meta.issuer_source = _compact(value), "field"
    if not meta.title:
        meta.title, meta.title_source = _own_title(preamble)
    if not meta.title:
        meta.title, meta.title_source = _title_from_intro(everything)

    # Issue date: a field, a date alone on a header line, or "…年…月…日印发" at the end.
    dated = fields.get("发布日期") or fields.get("成文日期") or fields.get("印发日期") or fields.get("发文日期")
    options = ([dated[1]] if dated else []) + [p for p in preamble if is_date_line(p.folded)]
    options += [p for p in tail if re.search(r"日\s*印发\s*$", p.folded.strip())]
    # The sign-off at the end of the body: "黄浦区人民政府办公室" / "2023年5月8日".
    for k in range(len(everything) - 1, -1, -1):
        if is_date_line(everything[k].folded):
            options.append(everything[k])
            signer = _compact(everything[k - 1].text) if k else ""
            if not meta.issuer and re.fullmatch(rf"[\u4e00-\u9fa5]{{2,30}}(?:{OFFICE_ENDING})", signer):
                meta.issuer, meta.issuer_source = signer, "signature"
            break
    for para in options:
        parsed = parse_date(para.folded)
        if parsed:
            meta.issued_on, meta.issued_on_quote = parsed.isoformat(), para.text.strip()
            break

    if not meta.issuer and any(_ADDRESSEES_OF_CITY.match(re.sub(r"\s+", "", p.folded)) for p in preamble):
        # The last resort, after header, notice title, field and signature. Only the municipal
        # government or its general office (办公厅) greets every district government and every
        # municipal department, and the greeting cannot tell those two apart: the issuer recorded
        # is the government, marked as an inference; what it does establish is the city level.
        meta.issuer, meta.issuer_source = "上海市人民政府", "inferred from addressees"
    meta.level, meta.district = _level_and_district(meta.issuer, meta.title)
    meta.validity = validity_sentences(everything)
    return meta


def _own_title(preamble: list[Paragraph]) -> tuple[str | None, str | None]:
    for para in preamble:
        # A saved web page's <title> carries the site: "…若干措施_政策文件_上海市经济和信息化委员会".
        line = re.split(r"_|\s[-|｜]\s", _compact(para.text))[0]
        if 6 <= len(line) <= 60 and not re.search(r"[。,，:：;；]", fold(line)) and not line.endswith("文件"):
            if DOC_NUMBER.search(fold(line)) or is_date_line(para.folded) or line.startswith(("各", "附件")):
                continue
            if re.search(r"(方案|规划|意见|办法|规定|细则|通知|要点|计划|措施|决定|纲要|公告|通告)", line):
                return line, "heading"
    return None, None


def _title_from_intro(paragraphs: list[Paragraph]) -> tuple[str | None, str | None]:
    """'现提出全面推进…试点工作的若干意见如下' names an untitled document: 关于全面推进…的若干意见."""
    for para in paragraphs[:5]:
        m = re.search(r"现(?:就.{0,30}?)?提出(.{4,60}?(?:意见|措施|办法|方案))如下", _compact(para.text))
        if m:
            return "关于" + m.group(1).lstrip("关于"), "introduction"
    return None, None


def _level_and_district(issuer: str | None, title: str | None) -> tuple[str | None, str | None]:
    """区 for a district's own documents; a city document about one district keeps 市 and names it."""
    in_issuer = [d for d in SHANGHAI_DISTRICTS if issuer and d in issuer]
    if in_issuer:
        return "区", in_issuer[0]
    in_title = [d for d in SHANGHAI_DISTRICTS if title and d in title]
    city = bool(issuer) and (issuer.startswith(("上海市", "市")) or "上海" in issuer)
    city = city or (not issuer and (title or "").startswith("上海市"))
    if len(in_title) == 1:
        if title.startswith(in_title[0]) and not city:
            return "区", in_title[0]
        return ("市" if city else None), in_title[0]
    if city or (title or "").startswith("上海市"):
        return "市", None
    if issuer and re.search(r"国务院|国家|部$", issuer):
        return "国家", None
    return None, None


def validity_sentences(paragraphs: list[Paragraph]) -> list[DateSentence]:
    """Sentences that say when the document starts or stops applying, with any explicit dates."""
    out: list[DateSentence] = []
    for para in paragraphs:
        if not _VALIDITY.search(para.folded):
            continue
        for start, end in _sentences(para.folded):
            sentence = para.folded[start:end]
            if not _VALIDITY.search(sentence) or "印发给你们" in sentence:
                continue
            dates = []
            for m in DATE_CN.finditer(sentence):
                parsed = parse_date(m.group(0))
                if parsed:
                    dates.append(parsed.isoformat())
            text = para.text[start:end].strip()
            out.append(DateSentence(text, para.first_line, para.last_line, dates))
    return out


def _sentences(folded: str):
    start = 0
    for m in SENTENCE_END.finditer(folded):
        yield start, m.end()
        start = m.end()
    if start < len(folded):
        yield start, len(folded)
