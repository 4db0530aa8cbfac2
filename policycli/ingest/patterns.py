"""Numbering and heading markers of Chinese policy documents, matched on folded text.

Folded text (see `policycli.folding.fold`) has ASCII digits and brackets: "（一）" → "(一)",
"１．" → "1.", "２、" → "2、".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policycli.folding import fold

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUMERAL = "[一二三四五六七八九十百零〇]+"


def cn_to_int(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105, 12 → 12; None if not a numeral."""
    if text.isascii() and text.isdigit():
        return int(text)
    if not text or any(c not in CN_DIGITS and c not in "十百" for c in text):
        return None
    if all(c in CN_DIGITS for c in text) and len(text) > 1:  # 二〇二一 digit by digit
        return int("".join(str(CN_DIGITS[c]) for c in text))
    total, current = 0, 0
    for char in text:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = CN_DIGITS[char]
    return total + current


@dataclass(frozen=True)
class Marker:
    kind: str  # see MARKERS
    number: int
    end: int  # offset where the text after the marker starts


# Ordered: earlier patterns win (第一章 before 一、, (一) before (1)).
MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("chapter", re.compile(rf"^第\s*({_CN_NUMERAL}|[0-9]+)\s*章\s*")),
    ("part", re.compile(rf"^第\s*({_CN_NUMERAL}|[0-9]+)\s*节\s*")),
    ("article", re.compile(rf"^第\s*({_CN_NUMERAL}|[0-9]+)\s*条\s*")),
    ("box", re.compile(r"^专栏\s*([0-9]+|[一二三四五六七八九十]+)\s*[:：]?\s*")),
    ("cn", re.compile(rf"^({_CN_NUMERAL})\s*[、.]\s*")),
    ("cn_paren", re.compile(rf"^\(\s*({_CN_NUMERAL})\s*\)\s*")),
    ("num", re.compile(r"^([0-9]{1,5})\s*(?:[、]|\.(?![0-9]))\s*")),  # 1. … 8000.: any count of items
    ("num_paren", re.compile(r"^\(\s*([0-9]{1,5})\s*\)\s*")),
    ("circled", re.compile(r"^([\u2460-\u2473])\s*")),
    # "——现代服务业核心功能更加凸显。" (two em dashes; some pages use one long dash)
    ("bullet", re.compile(r"^(?:——|－－|--|—)(?=[^—\s0-9-])\s*")),
]

# A standalone attachment header: "附件", "附件 1:", "附件2". Possessive (*+, ?+): the three white-space
# runs around the optional number and colon could otherwise split one run every way before failing
# ("附件", 4,000 spaces and a word took a minute); space, digit and colon never stand for each other.
ATTACHMENT_START = re.compile(r"^附\s*+件\s*+([0-9]*+)\s*+[:：]?+\s*+$")
# The list of attachments at the end of the body: "附件：上海市…分工表" / "附件：1、…".
ATTACHMENT_LIST = re.compile(r"^附\s*件\s*[:：]\s*(\S.*)$")


# The characters a marker of MARKERS opens with: a line opening with any other has none, without trying
# each pattern on it (most lines of a document; tests/test_text.py checks the set against MARKERS).
MARKER_FIRST = frozenset(
    "第专一二三四五六七八九十百零〇(0123456789—－-" + "".join(map(chr, range(0x2460, 0x2474)))
)


def match_marker(folded: str) -> Marker | None:
    """The heading or list marker at the start of a folded line, if any."""
    stripped = folded.lstrip("\u3000 \t")
    if stripped[:1] not in MARKER_FIRST:
        return None
    offset = len(folded) - len(stripped)
    for kind, pattern in MARKERS:
        m = pattern.match(stripped)
        if not m:
            continue
        if kind == "bullet":
            number = 0
        elif kind == "circled":
            number = ord(m.group(1)) - 0x2460 + 1
        else:
            parsed = cn_to_int(m.group(1))
            if parsed is None:
                continue
            number = parsed
        if kind == "cn" and stripped[m.end() - 1 : m.end()] == "." and number > 20:
            continue  # "一百.": not a heading
        return Marker(kind, number, offset + m.end())
    return None


def starts_heading(folded: str) -> bool:
    stripped = folded.lstrip("\u3000 \t")
    return match_marker(stripped) is not None or bool(ATTACHMENT_START.match(stripped))


# A year as printed in a date: 2021, 二〇二一 (folded text).
YEAR_NUMERAL = r"(?:19|20)[0-9]{2}|[一二〇○零三四五六七八九]{4}"
_MONTH_OR_DAY = r"[0-9]{1,4}|[一二三四五六七八九十〇○零]{1,4}"
# 2020年11月5日, 二〇二一年六月十六日: groups year, month, day.
DATE_CN = re.compile(rf"({YEAR_NUMERAL})\s*年\s*({_MONTH_OR_DAY})\s*月\s*({_MONTH_OR_DAY})\s*日")
# A date alone on its line, as under a signature or a header ("2023年5月8日", "…日印发").
DATE_LINE = re.compile(rf"(?:{DATE_CN.pattern})(?:印发)?")


_SPACES = re.compile(r"\s+")


def is_date_line(folded: str) -> bool:
    # A date line ends in 日 (or 印发): any other line is none without its spaces taken out first (str's
    # white space is re's \s: the last character left is the one before the trailing white space).
    if folded.rstrip()[-1:] not in ("日", "发"):
        return False
    return bool(DATE_LINE.fullmatch(_SPACES.sub("", folded)))


# How the name of an issuing office ends: 上海市人民政府, …办公厅, 市商务委, 区发展和改革委员会.
OFFICE_ENDINGS = ("政府", "办公厅", "办公室", "委员会", "局", "委", "办", "厅", "部")
OFFICE_ENDING = "|".join(OFFICE_ENDINGS)  # for a regex: (?:{OFFICE_ENDING})

# "." ends a sentence in PDF text ("引擎.２０２０年") unless it is a decimal point ("7.1").
SENTENCE_END = re.compile(r"[。!！?？;；]|(?<![0-9])\.|\.(?![0-9])")


def first_sentence(text: str) -> str:
    """The (original) text before its first sentence stop; all of it if there is none."""
    m = SENTENCE_END.search(fold(text))
    return text[: m.start()] if m else text
