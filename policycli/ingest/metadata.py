"""Document-level facts: title, 文号, issuer(s), level, district, issue date, validity sentences.

How each is read, first that applies:
  文号        printed in the header (alone, or run into the title line by the layout:
              "…的通知沪建法规〔2021〕832号"), else a front-matter / information-block field
              (文号, 发文字号, 文件编号)
  title       a notice that carries a text (关于印发《X》的通知, 印发贯彻《条例》推进…实施方案的通知,
              转发…关于X的通知) has X, or the carried text's own heading when the notice names it loosely
              (本区X方案); any other notice (关于延长《X》有效期的通知, 关于废止…的通知) is its own title;
              else the 标题 field, a heading line, or the introduction (现提出…的若干意见如下)
  issuers     the notice title's issuers (split at 、 and where one office name runs into the next), the
              "…文件" banner, the offices signing above the date, a 发布机构/发文机关 field, the greeting of
              every district and commission (市政府); `issuer` is the first of them
  issued_on   the date line under the signature (it wins over a page's front matter), "…日印发", a date field
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from policycli.districts import DISTRICTS
from policycli.folding import fold
from policycli.ingest.layout import Paragraph
from policycli.ingest.patterns import (
    DATE_CN,
    OFFICE_ENDING,
    SENTENCE_END,
    cn_to_int,
    is_date_line,
    starts_heading,
)

SHANGHAI_DISTRICTS = DISTRICTS  # the 16 districts, in the city's order (policycli/districts.py)


def district_short_name(district: str) -> str:
    """长宁区 → 长宁, 浦东新区 → 浦东."""
    return district.removesuffix("新区").removesuffix("区")


# 沪府规〔2020〕24号, 沪府办发 〔２０２１〕７号, 长发改〔2021〕47号 (brackets vary: 〔〕 [] 【】 ())
# 沪府规〔2020〕24号, 沪府办发 〔２０２１〕７号, 长发改〔2021〕47号 (brackets vary: 〔〕 [] 【】 ())
DOC_NUMBER = re.compile(
    r"([\u4e00-\u9fa5]{1,10})\s*[〔\[【(]\s*((?:19|20)[0-9]{2})\s*[〕\]】)]\s*([0-9]{1,4})\s*号"
)
# Words that end a title or a label run together with a 文号 ("…的通知沪建法规〔2021〕832号",
# "文件编号沪建…"): the 文号's issuer code starts after the last of them.
_BEFORE_CODE = (
    "的",
    "之",
    "通知",
    "方案",
    "意见",
    "办法",
    "细则",
    "规定",
    "要点",
    "要求",
    "措施",
    "举措",
    "决定",
    "号",
    "文件",
    "编号",
    "字号",
    ":",
)
# 规划/计划/标准 begin some codes (沪规划资源数〔2026〕141号): they end a title only after two more
# characters.
_BEFORE_CODE_LATE = ("规划", "计划", "标准")
DATE_ISO = re.compile(r"((?:19|20)[0-9]{2})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})")

# Fields of a page's front matter or information block: "文号: 沪消规〔2026〕2号", "• 发文机构:上海市…",
# "发布机构" on one line and its value on the next. Front matter lines without a stop can come run together
# ("标题: …的通知文号: …"): every label starts a new field.
_FIELD_GROUPS = {
    "title": ("标题",),
    "number": ("发文字号", "文号", "文件编号"),
    "issuer": ("发文机构", "发文单位", "发布机构", "发文机关", "发布单位"),
    "date": ("成文日期", "印发日期", "发文日期", "发布日期"),
}
_OTHER_LABELS = (
    "索引号",
    "索取号",
    "公开属性",
    "主题分类",
    "层级",
    "类型",
    "分类",
    "状态",
    "官方链接",
    "附件",
    "有效性",
    "载体类型",
    "记录形式",
    "公开类别",
    "关键词",
    "内容描述",
    "生效日期",
    "废止日期",
    "失效日期",
)
_LABELS = [label for labels in _FIELD_GROUPS.values() for label in labels] + list(_OTHER_LABELS)
_LABEL_OF = {label: group for group, labels in _FIELD_GROUPS.items() for label in labels}
_FIELD_START = re.compile(rf"^[•·\-*\s]*(?:{'|'.join(_LABELS)})\s*:")
_FIELD_LABEL = re.compile(rf"({'|'.join(sorted(_LABELS, key=len, reverse=True))})\s*:\s*")
_BARE_LABEL = re.compile(rf"^[•·\-*\s]*({'|'.join(sorted(_LABELS, key=len, reverse=True))})\s*$")
_VALIDITY = re.compile(
    r"有效期|起施行|起执行|起实施|起生效|起实行|起试行|开始(?:施行|执行|实施)|之日起.{0,4}(?:施行|执行|实施|生效|实行)|废止|失效|"
    r"试点期|实施期|[0-9一二三四五六七八九十]{1,4}\s*年(?:试点|内有效)|试点.{0,30}?结束|试行(?:期)?[0-9一二三四五六七八九十两]{1,3}\s*年|"
    r"继续有效|日\s*截止|年底\s*截止|延长至"
)
# A greeting to every district government and to every (各, not 有关: a commission greets "some")
# department of the municipal government, in either order, spaces removed: "各区人民政府,市政府各委、办、局:",
# "市政府各部门,各区、县人民政府:".
_ADDRESSEES_OF_CITY = re.compile(
    r"^(?=[^:]*各区(?:、?县)?(?:人民)?政府)(?=[^:]*市(?:人民)?政府各)各?[^:]{4,60}:$"
)
# A notice that carries another text: 关于印发《X》的通知, 印发《关于…》的通知,
# 关于转发区建设管理委制订的《X》的通知.
_WRAPS = re.compile(
    r"(?:印发|转发|下发|发布|颁布|公布|修订|修改)[^《》]{0,20}?《(?P<inner>[^《》]+(?:《[^《》]*》[^《》]*)*)》(?:的)?(?:通知|决定|函)"
)
# …without brackets: 关于印发本区深化农村公路管理养护体制改革实施方案的通知,
# 关于印发贯彻《上海市生活垃圾管理条例》推进全程分类体系建设实施方案的通知.
_WRAPS_UNBRACKETED = re.compile(
    r"(?:印发|转发|下发|发布|颁布)(?P<inner>[^《》]{2,80}?(?:《[^《》]*》[^《》]{0,60}?)*"
    r"(?:方案|规划|意见|办法|规定|细则|要点|计划|措施|举措|要求|纲要|标准|清单|指引|指南|目录|规则))(?:的)?(?:通知|决定)"
)
# Office names printed together in a signature or a title's issuer: a new one begins after an office ending.
_NEXT_OFFICE = re.compile(
    rf"(?:政府|办公厅|办公室|委员会|管理局|局|委|办|厅|部|中心|总队|支队)(?=上海|中共|共青团|中国|国家|"
    rf"{'|'.join(SHANGHAI_DISTRICTS)}|"
    rf"{'|'.join(d.removesuffix('区').removesuffix('新') for d in SHANGHAI_DISTRICTS)}区)"
)


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
    issuer: str | None = None  # the first (lead) issuer
    issuer_source: str | None = None
    issuers: list[str] = field(default_factory=list)  # every issuer of a joint document, in printed order
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


_SPACE_RUN = re.compile(r"\s+")


def _compact(text: str) -> str:
    """Drop the spaces PDF extraction puts between characters ("上 海 市 人 民 政 府").

    The rule, as the regex `(?<=[^\\x00-\\x7f])\\s+|\\s+(?=[^\\x00-\\x7f])` would apply it: white space after
    a non-ASCII character goes, and so does white space up to a non-ASCII character
    ("Word 文件" → "Word文件"), while spaces between ASCII words stay ("PDF text"). That regex retries its
    backtracking `\\s+` from every character of a run: a line of 60,000 tabs took seconds. Here each run is
    read once (`_squeeze_run`), with the same result."""
    text = text.strip()
    if not any(c.isspace() for c in text):
        return text
    return _SPACE_RUN.sub(lambda m: _squeeze_run(text, m.start(), m.end()), text)


def _squeeze_run(text: str, start: int, end: int) -> str:
    """What `_compact` keeps of the white-space run text[start:end] (its rule, left to right as re.sub goes).

    A run can hold non-ASCII white space itself (U+3000 "　", U+00A0): "上海 \u3000市" drops both."""
    run = text[start:end]
    # The last place in the run (or just after it) where a non-ASCII character stands: at any earlier
    # position, "white space up to a non-ASCII character" takes everything up to there.
    last = end - start if end < len(text) and not text[end].isascii() else -1
    if last < 0:
        last = next((k for k in range(len(run) - 1, 0, -1) if not run[k].isascii()), -1)
    kept: list[str] = []
    k = 0
    while k < len(run):
        before = text[start + k - 1] if start + k > 0 else ""
        if before and not before.isascii():
            break  # white space after a non-ASCII character: the rest of the run goes
        if k < last:
            k = last  # white space up to the non-ASCII character at `last` goes
            continue
        kept.append(run[k])
        k += 1
    return "".join(kept)


def doc_number_in(text: str) -> tuple[str, int, int] | None:
    """The first 文号 in a text as (normalised, start, end); the issuer code stops at a title or label run
    into it."""
    folded = fold(text)
    for m in DOC_NUMBER.finditer(folded):
        code = m.group(1)
        cut = max((code.rfind(word) + len(word) for word in _BEFORE_CODE if word in code), default=0)
        code = code[cut:]
        cut = max(
            (code.rfind(word) + len(word) for word in _BEFORE_CODE_LATE if code.rfind(word) >= 2), default=0
        )
        code = code[cut:]
        if code:
            return f"{code}〔{m.group(2)}〕{m.group(3)}号", m.end(1) - len(code), m.end()
    return None


def split_offices(text: str) -> list[str]:
    """ "上海市商务委员会、上海市发展和改革委员会", "上海市嘉定区建设和管理委员会    上海市嘉定区财政局",
    "上海市奉贤区财政局上海市奉贤区规划和自然资源局" → one name each."""
    names = []
    for part in re.split(r"[、,，\s]+", text.strip()):
        start = 0
        for m in _NEXT_OFFICE.finditer(part):
            names.append(part[start : m.end()])
            start = m.end()
        if part[start:]:
            names.append(part[start:])
    return names


def _is_office(name: str) -> bool:
    return bool(re.fullmatch(rf"[\u4e00-\u9fa5()（）]{{2,34}}(?:{OFFICE_ENDING}|中心|总队|支队)", name))


def _fields(preamble: list[Paragraph]) -> dict[str, tuple[str, Paragraph, str]]:
    """Front matter and information-block fields by group (title, number, issuer, date):
    (value, paragraph, quote)."""
    out: dict[str, tuple[str, Paragraph, str]] = {}
    for k, para in enumerate(preamble):
        folded = para.folded
        bare = _BARE_LABEL.match(folded)
        if bare:
            group = _LABEL_OF.get(bare.group(1))
            value = preamble[k + 1].text.strip() if k + 1 < len(preamble) else ""
            if group and _valid_field(group, value):
                out.setdefault(group, (value, preamble[k + 1], f"{bare.group(1)} {value}"))
            continue
        if not _FIELD_START.match(folded):
            continue
        labels = list(_FIELD_LABEL.finditer(folded))
        for j, m in enumerate(labels):
            stop = labels[j + 1].start() if j + 1 < len(labels) else len(folded)
            value = para.text[m.end() : stop].strip()
            group = _LABEL_OF.get(m.group(1))
            if group and value and value not in ("-", "—", "无"):
                quote = para.text.strip() if len(labels) == 1 else f"{m.group(1)}: {value}"
                out.setdefault(group, (value, para, quote))
    return out


def _valid_field(group: str, value: str) -> bool:
    """Whether the line after a bare label ("文件编号", "发布机构") is that label's value."""
    if group == "number":
        return doc_number_in(value) is not None
    if group == "date":
        return parse_date(fold(value)) is not None or bool(DATE_ISO.search(fold(value)))
    if group == "issuer":
        return all(_is_office(o) for o in split_offices(_compact(value))) and bool(value)
    return bool(value) and not _BARE_LABEL.match(fold(value))


def _dedupe(line: str) -> str:
    """A heading printed twice and run together ("X的通知X的通知…") → once."""
    if len(line) >= 12:
        again = line.find(line[:8], 8)
        if again > 0 and line[again:].startswith(line[:again]):
            return line[:again] + line[2 * again :]
    return line


def _heading(line: str) -> str:
    """A title line with what layout ran into it cut off: a 文号, a greeting, an information-block label."""
    line = _dedupe(line)
    number = doc_number_in(line)
    if number and number[1] >= 6:
        line = line[: number[1]]
    greeting = re.search(
        r"(?<=通知|意见|方案|办法|规划|细则|规定|计划|要点|要求|决定|措施)(?:各[^《》]{1,80}|索取号|索引号)$",
        fold(line),
    )
    if greeting:
        line = line[: greeting.start()]
    return line.strip()


def _notice_end(line: str) -> int | None:
    """Where a notice's title ends: after the first 通知/决定 outside 《…》 (a cited title can be a 通知
    too)."""
    depth = 0
    for k, char in enumerate(line):
        if char in "《〈«<":
            depth += 1
        elif char in "》〉»>":
            depth = max(0, depth - 1)
        elif depth == 0 and line.startswith(("通知", "决定"), k):
            end = k + 2
            tail = re.match(r"[(（](?:试行|暂行)[)）]", line[end:])
            return end + (tail.end() if tail else 0)
    return None


def wrapped_title(notice: str) -> str | None:
    """The title of the text a notice carries: 关于印发《X》的通知 → X;
    关于印发本区X实施方案的通知 → 本区X实施方案.
    None for notices about another document (关于延长《X》有效期的通知, 关于废止《X》的通知)."""
    if len(notice) > 300:
        return None
    folded = fold(notice).replace("«", "《").replace("»", "》")
    m = _WRAPS.search(folded) or _WRAPS_UNBRACKETED.search(folded)
    if not m:
        return None
    inner = notice[m.start("inner") : m.end("inner")].strip()
    # 转发区规划土地局关于X的通知, 转发区建设管理委制订的X: the carried text is X
    by = re.match(r"([\u4e00-\u9fa5]{2,24}?)(?:关于|制订的|制定的|拟定的|起草的|报送的)", inner)
    if by and _is_office(by.group(1)) and "《" not in inner[: by.end()]:
        inner = inner[by.end() :]
    return inner


def _own_heading(inner: str, paragraphs: list[Paragraph]) -> str | None:
    """The carried text's own heading when the notice names it loosely: 本区X方案 → 上海市崇明区X方案."""
    core = re.sub(r"^(?:本区|本市|我区|我市|全区|全市)", "", _compact(inner))
    if len(core) < 6:
        return None
    for para in paragraphs:
        line = _compact(para.text)
        if (
            line != core
            and line.endswith(core)
            and len(line) <= len(core) + 12
            and not re.search(r"[。,，:：;；]", line)
            and not starts_heading(fold(line))
            and not line.startswith(("附件", "关于"))
        ):
            return line
    return None


def extract(preamble: list[Paragraph], everything: list[Paragraph], tail: list[Paragraph]) -> Metadata:
    meta = Metadata()
    fields = _fields(preamble)
    header = _header(preamble, fields)

    # 文号: printed in the header (alone, or run into the title line), else a field.
    for para in header:
        found = doc_number_in(para.text)
        if found and (len(_compact(para.text)) <= 40 or found[2] >= len(fold(para.text).rstrip()) - 1):
            meta.doc_number = found[0]
            break
    if meta.doc_number is None and "number" in fields:
        found = doc_number_in(fields["number"][0])
        meta.doc_number = found[0] if found else None

    # Titles: a notice "…关于印发《X》的通知" carries X; other notices are their own title; else a heading.
    candidates = ([fields["title"][0]] if "title" in fields else []) + [p.text for p in header]
    for k, text in enumerate(candidates):
        line = _heading(_compact(text))
        if k + 1 < len(candidates) and not _notice_end(line) and re.search(r"关于|印发|转发", line):
            line = _heading(line + _compact(candidates[k + 1]))  # "…关于印发" / "«…»的通知" on two lines
        end = _notice_end(line)
        if end is None or not re.search(r"关于|印发|转发|下发|发布", line[:end]):
            continue
        meta.notice_title = line[:end]
        inner = wrapped_title(meta.notice_title)
        if inner:
            loose = "《" + inner not in fold(meta.notice_title).replace("«", "《")
            meta.title = (_own_heading(inner, everything) if loose else None) or inner
        else:
            meta.title = meta.notice_title
        meta.title_source = "notice"
        prefix = re.split(r"关于|印发|转发", meta.notice_title, maxsplit=1)[0]
        offices = split_offices(prefix)
        if offices and all(_is_office(o) for o in offices):
            meta.issuers, meta.issuer, meta.issuer_source = offices, offices[0], "notice title"
        break
    if not meta.title and "title" in fields:
        meta.title, meta.title_source = _heading(_compact(fields["title"][0])), "field"
    if not meta.title:
        meta.title, meta.title_source = _own_title(preamble)
    if not meta.title:
        meta.title, meta.title_source = _title_from_intro(everything)
    if not meta.issuer and meta.title and "关于" in meta.title:  # 上海市人民政府办公厅关于…的实施意见
        offices = split_offices(_compact(meta.title).split("关于", 1)[0])
        if offices and all(_is_office(o) for o in offices):
            meta.issuers, meta.issuer, meta.issuer_source = offices, offices[0], "title"

    banner = next(
        (
            p
            for p in preamble
            if re.fullmatch(rf"[\u4e00-\u9fa5]{{2,26}}(?:{OFFICE_ENDING})文件", _compact(p.text))
        ),
        None,
    )
    if banner is not None and not meta.issuer:
        meta.issuer, meta.issuer_source = _compact(banner.text)[:-2], "header"
        meta.issuers = [meta.issuer]

    # Issue date: the date under the signature (it wins over a page's front matter), "…年…月…日印发",
    # a date alone on a header line, then a date field.
    signature_at = next((k for k, p in enumerate(everything) if is_date_line(p.folded)), None)
    options: list[Paragraph] = []
    if signature_at is not None:
        options.append(everything[signature_at])
        signers = _signers(everything[:signature_at])
        if signers and not meta.issuer:
            meta.issuers, meta.issuer, meta.issuer_source = signers, signers[0], "signature"
        elif (
            signers and meta.issuer_source in ("notice title", "header") and len(signers) > len(meta.issuers)
        ):
            if signers[0] == meta.issuer or meta.issuer in signers:
                meta.issuers = signers
    options += [p for p in tail if re.search(r"日\s*印发\s*$", p.folded.strip())]
    if "date" in fields:
        options.append(fields["date"][1])
    for para in options:
        field_date = "date" in fields and para is fields["date"][1]
        parsed = parse_date(fold(fields["date"][0] if field_date else para.text))
        if parsed:
            meta.issued_on, meta.issued_on_quote = (
                parsed.isoformat(),
                fields["date"][2] if field_date else para.text.strip(),
            )
            break

    if not meta.issuer and "issuer" in fields:
        offices = split_offices(_compact(fields["issuer"][0]))
        if offices:
            meta.issuers, meta.issuer, meta.issuer_source = offices, offices[0], "field"
    if not meta.issuer and any(_ADDRESSEES_OF_CITY.match(re.sub(r"\s+", "", p.folded)) for p in preamble):
        # The last resort, after header, notice title, field and signature. Only the municipal
        # government or its general office (办公厅) greets every district government and every
        # municipal department, and the greeting cannot tell those two apart: the issuer recorded
        # is the government, marked as an inference; what it does establish is the city level.
        meta.issuer, meta.issuer_source = "上海市人民政府", "inferred from addressees"
        meta.issuers = [meta.issuer]
    meta.level, meta.district = _level_and_district(meta.issuer, meta.title)
    meta.validity = validity_sentences(everything)
    return meta


def _is_notice_line(folded: str) -> bool:
    """A notice's title, maybe with what layout ran into it: "…关于印发《X》的通知各有关单位:"."""
    end = _notice_end(folded)
    return (
        end is not None
        and "。" not in folded[:end]
        and bool(re.search(r"关于|印发|转发|下发|发布", folded[:end]))
    )


def _header(preamble: list[Paragraph], fields: dict) -> list[Paragraph]:
    """The header: the preamble up to the greeting or the first sentence of the body, fields left out."""
    field_paras = {id(p) for _, p, _ in fields.values()}
    out = []
    for para in preamble:
        folded = re.sub(r"\s+", "", para.folded)
        if _FIELD_START.match(para.folded) or _BARE_LABEL.match(para.folded) or id(para) in field_paras:
            continue
        if not _is_notice_line(folded) and (folded.endswith(":") or (len(folded) > 60 and "。" in folded)):
            if out:
                break  # the greeting or the first sentence of the body
            continue  # a page's notice above the title ("本文正文由脚本…提取…")
        out.append(para)
    return out


def _signers(before: list[Paragraph]) -> list[str]:
    """The offices signing above the date line, one or several lines of them."""
    names: list[str] = []
    for para in reversed(before[-6:]):
        offices = split_offices(para.text)
        if not offices or not all(_is_office(o) for o in offices):
            offices = split_offices(_compact(para.text))  # "上 海 市 人 民 政 府" (PDF text)
        if not offices or not all(_is_office(o) for o in offices):
            break
        names = offices + names
    return names


def _own_title(preamble: list[Paragraph]) -> tuple[str | None, str | None]:
    for para in preamble:
        # A saved web page's <title> carries the site: "…若干措施_政策文件_上海市经济和信息化委员会".
        line = re.split(r"_|\s[-|｜]\s", _compact(para.text))[0]
        if 6 <= len(line) <= 60 and not re.search(r"[。,，:：;；]", fold(line)) and not line.endswith("文件"):
            if DOC_NUMBER.search(fold(line)) or is_date_line(para.folded) or line.startswith(("各", "附件")):
                continue
            if re.search(
                r"(方案|规划|意见|办法|规定|细则|通知|要点|计划|措施|决定|纲要|公告|通告|分工表|任务表|清单|台账)",
                line,
            ):
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
