"""What a document does to other documents: extends, repeals or supersedes them.

Read from the validity sentences (ingest/metadata.py collects them) and the notice's kind
(validity.KIND_RULES). The document acted on is named by its title in 《》, often with its 文号 after it:

  extends     经评估，…《上海市建筑工程施工许可管理实施细则》（沪建管〔2015〕377号）需继续实施，
              有效期延长至2022年6月30日。 / 《…》（沪府发〔2011〕3号）经评估继续有效
  repeals     现决定对《徐汇区既有玻璃幕墙建筑管理办法》(徐建规〔2021〕1号)予以废止，废止文件自本通知
              印发之日起停止执行。
  supersedes  2022年7月印发的《杨浦区历史风貌保护项目实施主体公开遴选实施意见》（杨府办发〔2022〕6号）
              同时废止。 (a new version that retires the old one)

Each becomes {kind, title, doc_number, until, quote, lines}: `until` is the acted-on document's new last
day in force — the extension's new end (None for 继续有效 without one), the day before a repeal or the
new version takes effect. `policy load` applies it when both documents are loaded (load.py).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from policycli.folding import fold

# 《X》 and the 文号 that may follow it in brackets; X may hold an inner title in <> or 〈〉 (a notice
# that issued the 办法): "《…关于印发<上海市…管理办法>的通知》(沪建综规〔2016〕1122 号)"
_CITED = re.compile(r"《(?P<title>[^《》]{2,120})》\s*(?:\((?P<number>[^()]{2,40}?〔\d{4}〕\s*\d+\s*号)\))?")
_EXTENDS = re.compile(r"有效期延长至|延长[^。，,]{0,10}有效期|继续有效|继续实施|继续执行")
_REPEALS = re.compile(r"予以废止|决定废止|停止执行")
_SUPERSEDES = re.compile(r"同时废止")


def acts_on(document: dict, kind: str) -> list[dict]:
    """The documents `document` acts on; `kind` is its validity.KIND_RULES kind ("extension",
    "repeal", …). The document acted on is the one cited last before the words that act on it
    (根据《管理规定》…，对《办法》予以废止: the 办法); its 文号 may be given in another sentence."""
    if kind == "extension":  # the other document's new end: this notice's
        relation, pattern, until = "extends", _EXTENDS, document.get("effective_until")
    else:  # the day before this document takes effect
        relation, pattern = ("repeals", _REPEALS) if kind == "repeal" else ("supersedes", _SUPERSEDES)
        until = day_before(document.get("effective_from") or document.get("issued_on"))
    found: dict[tuple[str, str], dict] = {}
    for sentence in document.get("validity") or []:
        text = sentence.get("text") or ""
        folded = fold(text)
        if folded.startswith("标题:"):
            continue  # a page's title field: the sentences below say it, with the 文号
        cited = list(_CITED.finditer(folded))
        for action in pattern.finditer(folded):
            before = [c for c in cited if c.end() <= action.start()]
            if not before or (relation == "supersedes" and action.start() - before[-1].end() > 30):
                continue
            target = before[-1]
            title = text[target.start("title") : target.end("title")]
            number = (
                re.sub(r"\s+", "", text[target.start("number") : target.end("number")])
                if target.group("number")
                else None
            )
            key = (relation, title_key(title))
            if key in found:
                found[key]["doc_number"] = found[key]["doc_number"] or number
                continue
            found[key] = {
                "kind": relation,
                "title": title,
                "doc_number": number,
                "until": until,
                "quote": text,
                "lines": sentence.get("lines"),
            }
    if kind in ("extension", "repeal"):  # a notice acts on one document: the first it names
        return list(found.values())[:1]
    return list(found.values())


def day_before(value: str | None) -> str | None:
    if not value:
        return None
    return (date.fromisoformat(value) - timedelta(days=1)).isoformat()


def title_key(title: str | None) -> str:
    """A title as titles are compared: folded, without brackets, quotes, white space and a version's
    label (（2023年修订）); an inner title in <> or 〈〉 (the 办法 a 通知 issued) stands for the whole."""
    folded = fold(title or "")
    inner = re.search(r"[<〈](?P<inner>[^<>〈〉]{2,120})[>〉]", folded)
    if inner:
        folded = inner.group("inner")
    folded = _VERSION_LABEL.sub("", folded)
    return re.sub(r"[\s《》<>〈〉\"“”'‘’]", "", folded)


# "（2023年修订）", "(修订版)", "（2025版）": a version's label, not part of the document's name
_VERSION_LABEL = re.compile(r"\([^()]{0,12}(?:修订|修正|版)[^()]{0,4}\)")


def number_key(number: str | None) -> str:
    return re.sub(r"\s+", "", fold(number or ""))
