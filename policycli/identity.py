"""Which measure of a revised document is which measure of the version already loaded.

A measure's id is its position (hfg-2020-24/2.2.4), and positions change when a document is revised:
an item inserted above 2.2.4 makes the old 2.2.4 the new 2.2.5, and the new 2.2.4 is another measure
(建设海外仓, not 优化通关监管). Progress must follow the measure, not the number, so the old and
new measures are matched by what they say:

1. the same text (after folding, without punctuation and white space), found once on each side:
   the same measure wherever it moved (two items swapped, a chapter moved);
2. a measure still at its number that is still much as it was (reworded, a date changed);
3. the rest in document order (an order-keeping alignment, as a 分工表's rows are aligned with the
   body, ingest/reconcile.py), scored by the character pairs both texts share (Dice), with a little
   for the same responsible units and the same number.

A pair scoring SURE or more is the same measure (reworded, renumbered, units changed); a pair between
UNSURE and SURE is only proposed — never applied silently — and the user links it (`policy link`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policycli.folding import fold

SURE = 0.8
UNSURE = 0.45
_UNITS_BONUS = 0.1  # the same responsible units (and some): a reworded measure usually keeps them
_NUMBER_BONUS = 0.05  # the same number: nothing was inserted above it

_NOT_TEXT = re.compile(r"[^\u3400-\u9fff\U00020000-\U0003ffffA-Za-z0-9]")


@dataclass
class Version:
    """One measure as one version of the document has it."""

    id: str
    number: str | None
    text: str  # title and text
    units: frozenset[str]

    @property
    def key(self) -> str:
        return _NOT_TEXT.sub("", fold(self.text))

    @property
    def pairs(self) -> set[str]:
        chars = self.key
        return {chars[k : k + 2] for k in range(len(chars) - 1)} or ({chars} if chars else set())


@dataclass
class Matching:
    """old id → new id for the measures that are the same; proposals the user decides on."""

    same: dict[str, str] = field(default_factory=dict)
    proposed: list[tuple[str, str, float]] = field(default_factory=list)  # (old id, new id, score)


def similarity(old: Version, new: Version) -> float:
    """Dice over character pairs, plus a little for the same units and the same number."""
    a, b = old.pairs, new.pairs
    score = 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0
    if old.units and old.units == new.units:
        score += _UNITS_BONUS
    if old.number and old.number == new.number:
        score += _NUMBER_BONUS
    return score


def match(old: list[Version], new: list[Version]) -> Matching:
    """Match the measures of the loaded version (`old`, in document order) to the revision's (`new`)."""
    result = Matching()
    old_keys: dict[str, list[Version]] = {}
    for measure in old:
        old_keys.setdefault(measure.key, []).append(measure)
    new_keys: dict[str, list[Version]] = {}
    for measure in new:
        new_keys.setdefault(measure.key, []).append(measure)
    for key, olds in old_keys.items():
        news = new_keys.get(key, [])
        if key and len(olds) == 1 and len(news) == 1:
            result.same[olds[0].id] = news[0].id
    # A measure still at its number and still much as it was: the same (a reworded sentence, a
    # changed date), found without searching.
    taken = set(result.same.values())
    at_number = {m.id: m for m in new if m.id not in taken}
    for measure in old:
        there = at_number.get(measure.id)
        if measure.id not in result.same and there is not None and similarity(measure, there) >= SURE:
            result.same[measure.id] = there.id
            taken.add(there.id)
    old_rest = [m for m in old if m.id not in result.same]
    new_rest = [m for m in new if m.id not in taken]
    if not old_rest or not new_rest:
        return result
    from policycli.ingest.reconcile import Candidates, align

    # Several old measures can align with one new one (two merged into one): the most alike has it.
    best: dict[int, tuple[float, Version]] = {}
    candidates = Candidates(new_rest)  # type: ignore[arg-type]  # align reads .text only
    for measure, j in zip(old_rest, align(old_rest, candidates), strict=True):  # type: ignore[arg-type]
        if j is not None:
            score = similarity(measure, new_rest[j])
            if score >= UNSURE and (j not in best or score > best[j][0]):
                best[j] = (score, measure)
    for j, (score, measure) in sorted(best.items()):
        if score >= SURE:
            result.same[measure.id] = new_rest[j].id
        else:
            result.proposed.append((measure.id, new_rest[j].id, round(score, 2)))
    return result
