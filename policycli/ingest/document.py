"""The ingest pipeline: decoded text → one structured document (a JSON-ready dict)."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from policycli.folding import fold
from policycli.ingest import limits
from policycli.ingest.layout import Paragraph, paragraphs
from policycli.ingest.metadata import SHANGHAI_DISTRICTS, Metadata, district_short_name, extract
from policycli.ingest.patterns import first_sentence
from policycli.ingest.readers import Blocks
from policycli.ingest.reconcile import Candidates, bigrams, reconcile
from policycli.ingest.structure import Node, build_outline
from policycli.ingest.units import Annotation, Unit, find_annotations
from policycli.kinds import FORMAT, MEASURE_KINDS

if TYPE_CHECKING:
    from policycli.agencies import Resolution

_TOKEN_PREFIX = {"box": "zl", "attachment": "fj", "bullet": "b", "indicator": "zb"}
# Unit names in running text (保障措施): "市服务业发展改革工作领导小组", "市发展改革委", "静安区".
_UNIT_IN_TEXT = re.compile(
    r"(?<![全本各该城街社园景辖新片地小校])(?:市|区)"
    r"(?:各相关部门|[\u4e00-\u9fa5]{1,16}?(?:领导小组办公室|领导小组|委员会|管委会|办公室|委|办|局))"
    rf"|(?:{'|'.join(d.removesuffix('区') for d in SHANGHAI_DISTRICTS)})区"
    r"(?:人民政府|政府|(?=要|应|负责|牵头|会同))"
)
# A sentence that opens with a unit and a duty verb: "区规划资源局牵头开展…", "市绿化市容局负责…".
_PROSE_DUTY = re.compile(rf"(?:^|[。；;\n])[ \t]*({_UNIT_IN_TEXT.pattern})(?:牵头|负责|会同)")
# "统筹全区产业布局", "开展统一的企业开办": a suffix that ends a word, or a phrase, not a name.
_NOT_A_UNIT = re.compile(
    r"(?:布局|格局|大局|全局|变局|结局|开办|举办|承办|创办|主办|协办|督办|代办|帮办|兴办|筹办|经办|申办)$|[的和与及并对将在为把向从]"
)


def build_document(source: Blocks, doc_id: str | None = None) -> dict:
    """Parse one file's blocks (any format, see readers/) into the structured document of the README."""
    name = str(source.path)
    limits.check("text lines", sum(1 for line in source.lines if line.text.strip()), name)
    paras, wrapped = paragraphs(source.lines, whole=source.whole_paragraphs)
    outline = build_outline(paras, wrapped, name)
    root = outline.root
    warnings: list[str] = list(source.warnings)
    first_heading = min((c.first_line for c in root.children if c.first_line), default=None)
    preamble = [p for p in paras if first_heading is None or p.last_line < first_heading]
    meta = extract(preamble, paras, outline.tail)

    body = [n for n in root.walk() if n.marker not in ("root", "attachment") and not _in_attachment(n)]
    carried: dict[int, list] = {}
    for node in root.walk():
        if node.marker in ("root", "attachment", "indicator"):
            continue
        carried[id(node)] = _take_annotations(node)
    _lift_trailing_annotations(root)
    _carry_forward(body, carried, sum(len(n.units) for n in root.walk()), name)
    resolve = _Resolver(meta)
    # The items a table row can restate: the same for every table of the document, so found (and their
    # character pairs indexed) once, not once per table.
    candidates = Candidates(
        [n for n in body if n.marker not in ("box", "bullet", "indicator", "row") and n.text]
    )
    for owner, table in outline.tables:
        warnings.extend(table.warnings)
        reconcile(table, candidates, owner, warnings, same_agency=lambda name: resolve(name).agency)
    body_pairs: set[str] | None = (
        None  # every character pair of the body, read at the first attachment that needs it
    )
    for attachment in outline.attachments:
        if not _may_restate_body(attachment):
            continue
        if body_pairs is None:
            body_pairs = set().union(*(bigrams(node.text) for node in body))
        if _restates_body(attachment, body_pairs):
            attachment.klass = "summary"
            warnings.append(
                f"line {attachment.first_line}: {attachment.printed} restates the body's measures; "
                "kept as context, no measures taken from it"
            )

    _resolve_units(root, resolve, warnings)
    doc_id = doc_id or make_doc_id(meta, source.path)
    measures: list[dict] = []
    seen: dict[str, int] = {}
    for node in root.walk():
        if node is root:
            continue
        node.kind = _kind(node)
        parent_path = node.parent.token if node.parent and node.parent is not root else ""
        token = _token(node)
        path = f"{parent_path}.{token}" if parent_path else token
        if path in seen:
            seen[path] += 1
            warnings.append(
                f"line {node.first_line}: number {node.printed} appears twice under the same heading; "
                f"second one is {path}-{seen[path]}"
            )
            path = f"{path}-{seen[path]}"
        else:
            seen[path] = 1
        node.token = path
        measures.append(_measure_dict(doc_id, node, root))
    assigned_any = any(m["units"] for m in measures if m["kind"] in MEASURE_KINDS)
    for m in measures:
        if m["kind"] not in ("task", "safeguard") or m["units"]:
            continue
        named = _PROSE_DUTY.search(fold(m["text"]))
        if named:
            # "区规划资源局牵头开展…": prose, not an annotation; a reviewer decides, the parser does not
            # guess.
            quote = m["text"][named.start(1) : named.end()]
            warnings.append(
                f"line {m['lines'][0]}: measure {m['path']} ({m['number']}) names a unit only in its prose "
                f"({quote}…); not taken as responsible, kept unassigned"
            )
        elif assigned_any and m["kind"] == "task":
            warnings.append(
                f"line {m['lines'][0]}: measure {m['path']} ({m['number']}) has no responsible unit; "
                "kept unassigned"
            )
    document = {
        "format": FORMAT,
        "id": doc_id,
        "title": meta.title,
        "title_source": meta.title_source,
        "notice_title": meta.notice_title,
        "doc_number": meta.doc_number,
        "issuer": meta.issuer,
        "issuers": meta.issuers,
        "issuer_source": meta.issuer_source,
        "level": meta.level,
        "district": meta.district,
        "issued_on": meta.issued_on,
        "issued_on_quote": meta.issued_on_quote,
        "validity": [v.to_dict() for v in meta.validity],
        "coordinating_units": _coordinating_units(root, resolve),
        "attachments": outline.attachment_titles,
        "source": {
            "file": source.path.name,
            "sha256": source.sha256,
            "encoding": source.encoding,
            "bytes": source.size,
            "lines": source.source_lines,
            "hard_wrapped": wrapped,
            **source.provenance(),
        },
        "warnings": warnings,
        "text": root.text,
        "measures": measures,
    }
    if source.unit != "line" or document["source"].get("attachments_files"):
        # "line 18: …" in a Word file is its 18th paragraph, in a PDF page 3 line 5 (provenance.py)
        from policycli.provenance import in_words

        located = document["source"]
        document["warnings"] = [
            re.sub(r"^line ([0-9]+)", lambda m: in_words(located, int(m.group(1))), w) for w in warnings
        ]
    from policycli.ingest import deadlines

    deadlines.apply(document)
    from policycli.ingest.lineage import acts_on
    from policycli.ingest.validity import notice_kind

    # an extension, a repeal, a new version: the documents this one acts on (load applies them)
    document["acts_on"] = acts_on(document, notice_kind(document))
    return document


def _in_attachment(node: Node) -> bool:
    return any(a.marker == "attachment" for a in node.ancestors())


def _take_annotations(node: Node) -> list[Unit]:
    """Move the node's annotations out of its text into its units; return the units it carries on."""
    text = node.text
    annotations = find_annotations(text)
    if not annotations:
        return []
    node.units = [u for a in annotations for u in a.units]
    node.units_raw = " ".join(a.raw for a in annotations)
    # "（责任单位：区建设管理委；完成时限：2025年底）": the deadline inside the annotation stays the
    # measure's.
    dated = [o for a in annotations for o in a.other if re.search(r"[0-9]{4}\s*年|年底|月底|季度", fold(o))]
    if dated and not node.deadline:
        node.deadline = "；".join(dated)
    node.open_list = any(a.open_list for a in annotations)
    parts = len(node.parts)
    if len(annotations) * (len(text) + 1) <= _SEARCH_BUDGET:
        for annotation in annotations:
            node.parts = [
                p.replace(annotation.raw, "", 1).rstrip() if annotation.raw in p else p for p in node.parts
            ]
    else:
        node.parts = _cut_out(node.parts, annotations)
    # An annotation printed as a paragraph of its own ("（责任单位：…）" after the sub-items).
    node.standalone_annotation = parts > 1 and not fold(node.parts[-1]).strip(" \u3000。.")
    node.parts = [p for p in node.parts if fold(p).strip(" \u3000。.")]
    return [u for a in annotations for u in a.carry]


# A measure has one annotation, sometimes two or three (a section of "——…（责任单位：…）" bullets, a few
# dozen). Each is taken out of the text by a search and a copy of the paragraph holding it: annotations ×
# text. Past this many characters of that work (generated text: "（责任单位：市商务委）" printed 300,000
# times in one item made it quadratic), they are cut out where find_annotations found them instead, in one
# pass. The two differ only where an annotation's text is also printed elsewhere in the measure.
_SEARCH_BUDGET = 20_000_000


def _cut_out(parts: list[str], annotations: list[Annotation]) -> list[str]:
    """The paragraphs with the annotations (offsets in "\\n".join(parts), in order, each inside one paragraph)
    removed, and each paragraph that lost one stripped at its end: one pass over the text."""
    starts: list[int] = []
    offset = 0
    for part in parts:
        starts.append(offset)
        offset += len(part) + 1
    pieces: dict[int, list[str]] = {}
    kept_to: dict[int, int] = {}  # per paragraph: copied up to this offset
    for annotation in annotations:
        k = bisect_right(starts, annotation.start) - 1
        local_start, local_end = annotation.start - starts[k], annotation.end - starts[k]
        if local_end > len(parts[k]):
            continue  # runs over a line break: no paragraph holds it (as no search would find it)
        pieces.setdefault(k, []).append(parts[k][kept_to.get(k, 0) : local_start])
        kept_to[k] = local_end
    out = list(parts)
    for k, kept in pieces.items():
        out[k] = ("".join(kept) + parts[k][kept_to[k] :]).rstrip()
    return out


# Markers of sub-items under a numbered item ("3.加强人才培养。" / "（1）…" / "（2）…").
_SUB_ITEMS = ("num_paren", "circled")


def _lift_trailing_annotations(root: Node) -> None:
    """An annotation on a paragraph of its own after sub-items （1）…（3） belongs to the item that
    holds them, not to the last sub-item:
    "3.加强人才培养。" / "（1）…" / "（2）…" / "（责任单位：市教委）"."""
    last_of: dict[int, dict[str, Node]] = {}  # per parent: its last child of each marker
    for node in list(root.walk()):
        parent = node.parent
        if not node.standalone_annotation or parent is None or parent.marker in ("root", "attachment"):
            continue
        if node.marker not in _SUB_ITEMS or parent.marker in _SUB_ITEMS:
            continue  # "（一）加强管控" / "1." / "2." / "（责任单位：…）": item 2's, not the heading's
        lasts = last_of.get(id(parent))
        if lasts is None:
            lasts = last_of[id(parent)] = {c.marker: c for c in parent.children}
        if lasts.get(node.marker) is not node:
            # only the last sub-item can hold its parent's annotation (and only it lists the siblings)
            continue
        siblings = [c for c in parent.children if c.marker == node.marker]
        if len(siblings) < 2 or parent.units or any(c.units for c in siblings[:-1]):
            continue
        parent.units, parent.units_raw, parent.open_list = node.units, node.units_raw, node.open_list
        node.units, node.units_raw, node.open_list = [], None, False


def _carry_forward(body: list[Node], carried: dict[int, list[Unit]], units: int, name: str) -> None:
    """Units an annotation hands on ("…为实施单位，下同", "以下均需区市场监管局落实") join every
    later annotated measure of the body, until another annotation hands on others.

    `units`: how many the document has before; with the ones carried, checked against MAX_UNITS
    (a long list handed on to every measure multiplies)."""
    limits.check("units", units, name)
    handed: list[Unit] = []
    section: str | None = None  # the class of section the units were handed on in (task, target …)
    for node in body:
        own = carried.get(id(node)) or []
        if handed and node.units and not own and node.section_class() == section:
            names = {u.name for u in node.units}
            added = [replace(u, carried=True) for u in handed if u.name not in names]
            units += len(added)
            limits.check("units", units, name)
            node.units = node.units + added
        if own:
            handed, section = own, node.section_class()


def _may_restate_body(attachment: Node) -> bool:
    """An attachment without tables or units (only such a one can restate the body)."""
    nodes = [n for n in attachment.walk() if n is not attachment]
    return bool(nodes) and not attachment.tables and not any(n.units or n.marker == "row" for n in nodes)


def _restates_body(attachment: Node, body_pairs: set[str]) -> bool:
    """An attachment whose text is the body's again (附件1 八张牌): most of its character pairs are the
    body's."""
    own = bigrams("".join(n.text for n in attachment.walk() if n is not attachment))
    return bool(own) and len(own & body_pairs) / len(own) >= 0.7


def _kind(node: Node) -> str:
    if node.marker in ("root", "attachment"):
        return "section"
    if any(a.klass == "summary" for a in node.ancestors()):
        return "section"
    if node.marker == "indicator":
        return "indicator"
    structural = [c for c in node.children if c.marker != "box"]
    if structural and not node.units:
        return "section"
    klass = node.section_class()
    if node.marker == "row" and klass in (None, "background"):
        klass = "task"
    if klass == "background":
        return "section"
    if klass in ("target", "safeguard"):
        return klass
    return "task"


def _token(node: Node) -> str:
    if node.marker in _TOKEN_PREFIX:
        return f"{_TOKEN_PREFIX[node.marker]}{node.number}"
    return str(node.number)


def short_title(text: str, limit: int = 40) -> str:
    """The first sentence; a long one is cut at a clause boundary."""
    sentence = first_sentence(text).split("\n", 1)[0].strip()
    if len(sentence) <= limit:
        return sentence
    cut = max((m.end() - 1 for m in re.finditer(r"[,，;；]", fold(sentence[:limit]))), default=0)
    return (sentence[:cut] if cut >= 8 else sentence[:limit]) + "…"


def _measure_dict(doc_id: str, node: Node, root: Node) -> dict:
    title = node.title or short_title(node.text)
    if node.marker == "attachment":
        title = node.title or node.printed
    return {
        "id": f"{doc_id}/{node.token}",
        "path": node.token,
        "number": node.printed,
        "parent": f"{doc_id}/{node.parent.token}"
        if node.parent is not None and node.parent is not root
        else None,
        "kind": node.kind,
        "title": short_title(title) if len(title) > 40 else title,
        "text": node.text,
        "lines": [node.first_line, node.last_line],
        "units_raw": node.units_raw,
        "units": [u.to_dict() for u in node.units],
        "open_list": node.open_list,
        "flags": node.flags,
        "deadline_raw": node.deadline,
        "indicator": node.indicator,
    }


class _Resolver:
    """Printed unit name → the registry's resolution, in the document's district when it has one.

    Remembered per name (a document prints its units many times), and without the registry's
    suggestions: those are a fuzzy search (close to a millisecond a name), asked only for the names a
    warning reports (`suggestions`)."""

    def __init__(self, meta: Metadata) -> None:
        from policycli.agencies import bundled_registry

        self.registry = bundled_registry()
        self.district = meta.district if meta.level == "区" else None
        self.known: dict[str, Resolution] = {}

    def __call__(self, name: str) -> Resolution:
        found = self.known.get(name)
        if found is None:
            found = self.known[name] = self.registry.resolve_printed(name, self.district, suggest=False)
        return found

    def suggestions(self, name: str) -> list[str]:
        return self.registry.resolve_printed(name, self.district).suggestions


# Warnings name at most this many unresolved units with "did you mean …" (each a fuzzy search of the
# registry); a real document has a dozen at most, generated text can have hundreds of thousands.
_SUGGESTED = 200


def _resolve_units(root: Node, resolve: _Resolver, warnings: list[str]) -> None:
    """Give every unit its canonical agency; report misprints fixed and names not in the registry."""
    unresolved: dict[str, tuple[int, str]] = {}  # agency → (line, the first printed name resolving to it)
    for node in root.walk():
        for unit in node.units:
            found = resolve(unit.name)
            unit.agency, unit.resolution, unit.collective = found.agency, found.how, found.collective
            if found.how == "typo":
                warnings.append(
                    f"line {node.first_line}: {unit.printed} read as {found.agency} (a known misprint)"
                )
            elif found.how == "unresolved":
                unresolved.setdefault(found.agency, (node.first_line, unit.name))
    for k, (name, (line, printed)) in enumerate(unresolved.items()):
        suggestions = resolve.suggestions(printed) if k < _SUGGESTED else []
        hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""
        warnings.append(f"line {line}: unit {name} is not in the agency registry; kept as printed{hint}")


def _coordinating_units(root: Node, resolve: _Resolver) -> list[dict]:
    """Units named in the safeguard sections' prose, for documents that assign at that level."""
    found: dict[str, dict] = {}
    for node in root.walk():
        if node.section_class() != "safeguard" or node.units:
            continue
        for part in node.parts:
            for m in _UNIT_IN_TEXT.finditer(fold(part)):
                name = part[m.start() : m.end()]
                if _NOT_A_UNIT.search(name):
                    continue
                found.setdefault(name, {"name": name, "lines": [node.first_line, node.last_line]})
    for unit in found.values():
        resolution = resolve(unit["name"])
        unit["agency"] = resolution.agency if resolution.how != "unresolved" else None
    return list(found.values())


# How each district's name is read: pypinyin alone reads 长宁 as zhǎng níng and 闵行 as mǐn xíng.
_DISTRICT_READINGS = {
    "黄浦": "huáng pǔ",
    "徐汇": "xú huì",
    "长宁": "cháng níng",
    "静安": "jìng ān",
    "普陀": "pǔ tuó",
    "虹口": "hóng kǒu",
    "杨浦": "yáng pǔ",
    "闵行": "mǐn háng",
    "宝山": "bǎo shān",
    "嘉定": "jiā dìng",
    "浦东": "pǔ dōng",
    "金山": "jīn shān",
    "松江": "sōng jiāng",
    "青浦": "qīng pǔ",
    "奉贤": "fèng xián",
    "崇明": "chóng míng",
}
# A district office's 文号 abbreviates the district to its first character (长发改, 长府办, 闵府发).
_DISTRICT_INITIAL = {short[0]: reading[0] for short, reading in _DISTRICT_READINGS.items()}


@cache
def _load_place_names() -> None:
    """Every district's name, short (长宁) and full (长宁区, 浦东新区), read as a place name."""
    from pypinyin import load_phrases_dict  # only ingest needs pypinyin; loading retrains its segmenter

    phrases: dict[str, list[list[str]]] = {}
    for district in SHANGHAI_DISTRICTS:
        short = district_short_name(district)
        reading = [[syllable] for syllable in _DISTRICT_READINGS[short].split()]
        phrases[short] = reading
        phrases[district] = reading + ([["xīn"], ["qū"]] if district.endswith("新区") else [["qū"]])
    load_phrases_dict(phrases)


def make_doc_id(meta: Metadata, path: Path) -> str:
    """A short ASCII id: pinyin initials of the 文号's issuer code + year + number (沪府规〔2020〕24号
    → hfg-2020-24), else initials of the title's first characters + its year."""
    from pypinyin import Style, lazy_pinyin

    _load_place_names()

    def initials(text: str) -> str:
        return "".join(
            p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore") if p and p[0].isalnum()
        ).lower()

    if meta.doc_number:
        m = re.match(r"(.+)〔([0-9]{4})〕([0-9]+)号", meta.doc_number)
        if m:
            code = initials(m.group(1))
            if code and m.group(1)[0] in _DISTRICT_INITIAL:  # 长府办: 长 stands for 长宁
                code = _DISTRICT_INITIAL[m.group(1)[0]] + code[1:]
            return f"{code}-{m.group(2)}-{m.group(3)}"
    if meta.title:
        core = re.sub(r"^关于(印发)?|的通知$", "", meta.title)
        chars = "".join(re.findall(r"[\u4e00-\u9fa5]", core))[:8]
        year = re.search(r"((?:19|20)[0-9]{2})\s*年", fold(meta.title))
        dates = [d for v in meta.validity for d in v.dates]
        year = year.group(1) if year else (meta.issued_on or (dates[0] if dates else ""))[:4]
        slug = initials(chars)
        if slug:
            return f"{slug}-{year}" if year else slug
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return stem[:24] or "doc"


__all__ = ["build_document", "MEASURE_KINDS", "FORMAT", "Paragraph"]
