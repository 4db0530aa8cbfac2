"""Which measure of a revised document is which measure of the version already loaded.

A measure's id is its position (hfg-2020-24/2.2.4), and positions change when a document is revised:
an item inserted above 2.2.4 makes the old 2.2.4 the new 2.2.5, and the new 2.2.4 is another measure
(建设海外仓, not 优化通关监管). Progress must follow the measure, not the number, so the old and
new measures are matched by what they say:

1. the same text (after folding, without punctuation and white space) and the same units, found once
   on each side: the same measure wherever it moved (two items swapped, a chapter moved);
2. the rest by how alike they are, the most alike pairs first, each measure in one pair at most: the
   character pairs both texts share (Dice), a little more for the same responsible units; the number
   is no evidence, and of pairs equally alike the one whose places in the document agree wins.
   Candidates are the new measures sharing the rarer character pairs, and the one at the same
   number, so the work grows with the document, not its square. Two items swapped and both reworded
   (2021年底前 → 2022年底前) still find each other; a measure at its old number does not keep it
   when another old measure is more like the new one there.

The measures still in the document are matched first, then those removed earlier (a measure a revision
brings back finds its progress again, but never takes a match from a current one). A pair scoring SURE
or more is the same measure (reworded, renumbered, units changed); a pair between UNSURE and SURE is only
proposed — never applied silently — and the user links it (`policy link`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from policycli.folding import fold

SURE = 0.8
UNSURE = 0.45
_UNITS_BONUS = 0.1  # the same responsible units (and some): a reworded measure usually keeps them

_NOT_TEXT = re.compile(r"[^\u3400-\u9fff\U00020000-\U0003ffffA-Za-z0-9]")


@dataclass
class Version:
    """One measure as one version of the document has it."""

    id: str
    text: str  # title and text
    units: frozenset[str]

    @cached_property
    def key(self) -> str:
        return _NOT_TEXT.sub("", fold(self.text))

    @cached_property
    def pairs(self) -> set[str]:
        chars = self.key
        return {chars[k : k + 2] for k in range(len(chars) - 1)} or ({chars} if chars else set())


@dataclass
class Matching:
    """old id → new id for the measures that are the same; proposals the user decides on."""

    same: dict[str, str] = field(default_factory=dict)
    proposed: list[tuple[str, str, float]] = field(default_factory=list)  # (old id, new id, score)


def similarity(old: Version, new: Version) -> float:
    """Dice over character pairs, plus a little for the same units. The number is no evidence: items
    that differ by a district's name (在徐汇区… / 在长宁区…) are told apart by their text, and an item
    inserted above them moves both (ties go to the pair nearer in document order)."""
    a, b = old.pairs, new.pairs
    score = 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0
    if old.units or new.units:
        score += _UNITS_BONUS * len(old.units & new.units) / len(old.units | new.units)
    return score


def match(old: Sequence[Version], new: Sequence[Version], removed: Sequence[Version] = ()) -> Matching:
    """Match the measures of the loaded version (`old`, in document order; `removed`: those removed
    by an earlier revision) to the revision's (`new`)."""
    result = Matching()
    _match(list(old), list(new), result)
    taken = set(result.same.values())
    _match(list(removed), [m for m in new if m.id not in taken], result, propose=False)
    # a proposal whose new measure a returning one has since taken is no longer one
    taken = set(result.same.values())
    result.proposed = [p for p in result.proposed if p[1] not in taken]
    return result


def _match(old: list[Version], new: list[Version], result: Matching, propose: bool = True) -> None:
    if not old or not new:
        return

    # 1. the same text and units, once on each side
    def exact(measure: Version) -> tuple[str, frozenset[str]]:
        return (measure.key, measure.units)

    olds: dict[tuple, list[Version]] = {}
    for measure in old:
        olds.setdefault(exact(measure), []).append(measure)
    news: dict[tuple, list[Version]] = {}
    for measure in new:
        news.setdefault(exact(measure), []).append(measure)
    for key, found in olds.items():
        if key[0] and len(found) == 1 and len(news.get(key, ())) == 1:
            result.same[found[0].id] = news[key][0].id
    taken = set(result.same.values())
    old_rest = [m for m in old if m.id not in result.same]
    new_rest = [m for m in new if m.id not in taken]
    if not old_rest or not new_rest:
        return
    # 2. the most alike pairs first
    pairs = [m.pairs for m in new_rest]
    index: dict[str, list[int]] = {}
    for j, found in enumerate(pairs):
        for pair in found:
            index.setdefault(pair, []).append(j)
    at_number = {m.id: j for j, m in enumerate(new_rest)}
    # where each measure stands in its whole version: ties go to the pair whose places agree best
    old_place = {m.id: k / max(1, len(old) - 1) for k, m in enumerate(old)}
    new_place = {m.id: k / max(1, len(new) - 1) for k, m in enumerate(new)}
    scored: list[tuple[float, float, int, int]] = []
    for i, measure in enumerate(old_rest):
        hits: dict[int, int] = {}
        for pair in measure.pairs:
            posting = index.get(pair, ())
            if len(posting) <= _COMMON:  # a pair most measures share ("推进") finds nothing
                for j in posting:
                    hits[j] = hits.get(j, 0) + 1
        candidates = sorted(hits, key=lambda j: (-hits[j], j))[:_WIDTH]
        if measure.id in at_number:
            candidates.append(at_number[measure.id])
        for j in set(candidates):
            score = similarity(measure, new_rest[j])
            if score >= UNSURE:
                distance = abs(old_place[measure.id] - new_place[new_rest[j].id])
                scored.append((round(score, 9), -distance, i, j))
    scored.sort(reverse=True)
    matched_old: set[int] = set()
    matched_new: set[int] = set()
    for score, _, i, j in scored:
        if i in matched_old or j in matched_new:
            continue
        matched_old.add(i)
        matched_new.add(j)
        if score >= SURE:
            result.same[old_rest[i].id] = new_rest[j].id
        elif propose:
            result.proposed.append((old_rest[i].id, new_rest[j].id, round(score, 2)))


_WIDTH = 40  # candidates tried per measure, the most shared pairs first
_COMMON = 64  # a character pair in more new measures than this finds none (bounds the work)
