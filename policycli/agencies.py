"""The agency registry: one canonical name for every responsible unit, and how names resolve.

Documents name one office many ways (市发展改革委 / 市发改委 / 上海市发展和改革委员会), and
different offices almost the same way (市商务委 is the city's commission; a 长宁区 document's
"商务委" after a leading 区 is 长宁区商务委). The registry (data/agencies.csv, reviewable, one row
per unit) lists canonical names, full names, aliases, known misprints, collectives and
successors; users add their own aliases in the database (`policy agencies alias`).

Two jobs:
* `resolve_printed`: a unit as printed in a document, in that document's context (its district),
  → the canonical agency, how it was found (exact, alias, typo, unresolved), and suggestions;
* `resolve_input`: what a user types after --agency → the canonical agency, or an error that
  lists the candidates (ambiguous) or the nearest names (unknown).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from policycli.errors import BadInput, NotFound
from policycli.text import fold

LEVELS = ("central", "municipal", "district", "subdistrict", "other")
TYPES = ("government", "party", "people_org", "enterprise", "judicial", "coordinating", "collective")
_LEVEL_PREFIX = re.compile(r"^(?:上海市|市|区)")


@dataclass
class Agency:
    canonical: str
    full_name: str = ""
    level: str = "other"
    district: str = ""
    type: str = "government"
    aliases: list[str] = field(default_factory=list)
    typos: list[str] = field(default_factory=list)
    member_of: list[str] = field(default_factory=list)
    successor: str = ""
    successor_date: str = ""
    flag: str = ""
    note: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Resolution:
    agency: str  # canonical name, or the name as printed (qualified with the district) when unresolved
    how: str  # exact | alias | typo | user-alias | unresolved
    collective: bool = False
    suggestions: list[str] = field(default_factory=list)


def key(name: str) -> str:
    """Names compare folded, without spaces: "市交通委 " == "市交通委"."""
    return re.sub(r"\s+", "", fold(name or ""))


class Registry:
    def __init__(self, agencies: list[Agency], user_aliases: dict[str, str] | None = None) -> None:
        self.agencies = {a.canonical: a for a in agencies}
        self.names: dict[str, tuple[str, str]] = {}  # key → (canonical, how)
        for agency in agencies:
            for name, how in ((agency.canonical, "exact"), (agency.full_name, "alias"), *((a, "alias") for a in agency.aliases)):
                if name:
                    self.names.setdefault(key(name), (agency.canonical, how))
            for typo in agency.typos:
                self.names.setdefault(key(typo), (agency.canonical, "typo"))
        for alias, canonical in (user_aliases or {}).items():
            self.names[key(alias)] = (canonical, "user-alias")
        self.predecessors: dict[str, list[str]] = {}
        for agency in agencies:
            if agency.successor:
                self.predecessors.setdefault(agency.successor, []).append(agency.canonical)
        self.members: dict[str, list[str]] = {}
        for agency in agencies:
            for collective in agency.member_of:
                self.members.setdefault(collective, []).append(agency.canonical)

    # --- documents --------------------------------------------------------------------------

    def resolve_printed(self, name: str, district: str | None = None) -> Resolution:
        """A unit as printed (with any shared 区 prefix already distributed) in a document's context."""
        for candidate in self._candidates(name, district):
            hit = self.names.get(key(candidate))
            if hit:
                canonical, how = hit
                agency = self.agencies.get(canonical)
                return Resolution(canonical, how, collective=bool(agency and agency.type == "collective"))
        printed = key(name)
        qualified = (district + printed[1:]) if district and printed.startswith("区") and not printed.startswith("区域") else printed
        return Resolution(qualified, "unresolved", suggestions=self.nearest(qualified))

    def _candidates(self, name: str, district: str | None) -> list[str]:
        folded = key(name)
        out = []
        if district and folded.startswith("区"):
            out.append(district + folded[1:])  # 区商务委 in a 长宁区 document → 长宁区商务委
        if district and folded.startswith("各"):
            out.append(district + folded)  # 各街道、镇 in a 长宁区 document → 长宁区各街道、镇
        out.append(folded)
        bare = re.sub(r"\([^()]*\)$", "", folded)  # 市交通委(市道运局) → 市交通委
        if bare != folded:
            out += [district + bare[1:]] if district and bare.startswith("区") else []
            out.append(bare)
        if folded.startswith("上海市"):
            out.append("市" + folded[3:])
        return out

    def nearest(self, name: str, n: int = 3) -> list[str]:
        import difflib  # only when a name is unknown

        keys = list(self.names)
        found = difflib.get_close_matches(key(name), keys, n=n * 3, cutoff=0.5)
        out: list[str] = []
        for k in found:
            canonical = self.names[k][0]
            if canonical not in out:
                out.append(canonical)
        return out[:n]

    # --- user input -------------------------------------------------------------------------

    def resolve_input(self, text: str, known=None) -> str:
        """--agency TEXT → canonical name; ambiguous or unknown input raises with candidates.

        `known`: the names assignments use (a list, or a function returning it, called only when
        the registry alone does not resolve the input — it may be a large query).
        """
        typed = key(text)
        if not typed:
            raise BadInput("--agency needs a name, e.g. 市商务委")
        hit = self.names.get(typed)
        if hit:
            return hit[0]
        known = known() if callable(known) else known
        pool = set(self.agencies) | set(known or [])
        if typed in {key(k) for k in pool}:
            return next(k for k in pool if key(k) == typed)
        # A bare name ("商务委") that several levels share: 市商务委, 长宁区商务委 …
        bare = _LEVEL_PREFIX.sub("", typed)
        matches = sorted({c for k, (c, _) in self.names.items() if _strip_place(k) == bare} | {k for k in pool if _strip_place(key(k)) == bare})
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise Ambiguous(f"{text!r} could be {'、'.join(matches)}; name one of them")
        near = self.nearest(text)
        import difflib

        near += [k for k in difflib.get_close_matches(typed, [key(k) for k in known or []], n=3, cutoff=0.5) if k not in near]
        hint = f"; did you mean {' or '.join(near[:3])}?" if near else "; `policy agencies` lists them"
        raise NotFound(f"unknown agency {text!r}{hint}")

    def scope(self, canonical: str) -> dict[str, str]:
        """Names whose assignments an agency sees: itself, its predecessors, collectives it is in."""
        out = {canonical: "own"}
        stack = [canonical]
        while stack:
            for older in self.predecessors.get(stack.pop(), []):
                if older not in out:
                    out[older] = "predecessor"
                    stack.append(older)
        agency = self.agencies.get(canonical)
        for collective in agency.member_of if agency else []:
            out.setdefault(collective, "collective")
        return out


class Ambiguous(NotFound):
    """More than one agency fits."""


def _strip_place(name: str) -> str:
    """长宁区商务委 → 商务委, 市商务委 → 商务委, 上海市商务委员会 → 商务委员会."""
    return re.sub(r"^(?:上海市)?(?:[\u4e00-\u9fa5]{1,3}?(?:新区|区)|市)", "", name)


def read_registry(path: Path) -> list[Agency]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the agency registry ({exc.strerror})") from None

    def split(value: str | None) -> list[str]:
        return [v.strip() for v in (value or "").split("|") if v.strip()]

    agencies = []
    for row in rows:
        canonical = (row.get("canonical") or "").strip()
        if not canonical:
            continue
        agencies.append(
            Agency(
                canonical=canonical, full_name=(row.get("full_name") or "").strip(), level=(row.get("level") or "other").strip(),
                district=(row.get("district") or "").strip(), type=(row.get("type") or "government").strip(),
                aliases=split(row.get("aliases")), typos=split(row.get("typos")), member_of=split(row.get("member_of")),
                successor=(row.get("successor") or "").strip(), successor_date=(row.get("successor_date") or "").strip(),
                flag=(row.get("flag") or "").strip(), note=(row.get("note") or "").strip(),
            )
        )
    return agencies


@cache
def bundled_agencies() -> tuple[Agency, ...]:
    """data/agencies.csv, read once per process."""
    from policycli.paths import bundled_file

    return tuple(read_registry(bundled_file("agencies.csv")))


@cache
def bundled_registry() -> Registry:
    return Registry(list(bundled_agencies()))
