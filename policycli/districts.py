"""Registry units written as two compact tables rather than one row each.

* data/district_units.csv: one row per kind of district department (区水务局, 区公安分局, 区各街道、镇 …),
  its names written with a bare 区 or the marks {区} (嘉定区) and {短} (嘉定); every district gets one
  (嘉定区水务局, 公安嘉定分局) unless the row lists its districts. A row may name a municipal collective
  that every district's unit of the kind belongs to (各区水务局).
* data/subdistricts.csv: every district's 街道, 镇 and 乡, and the development-zone bodies district
  documents assign work to. A 街道 is a member of its district's 各街道、镇, 各街道 and 相关街镇; a 镇 or
  乡 of 各街道、镇, 各乡镇 and 相关街镇.

Nothing is expanded when the registry is built, and these files are read only when a name is not
among data/agencies.csv's. A name is found by spotting the district in it and looking the rest up as a
pattern (嘉定区水务局 → {区}水务局): a few dictionary probes. The formal forms of a place's name
(…街道办事处, …镇人民政府, 上海市嘉定区…) are read as the name itself. `units()` lists every (kind,
district) pair, for listings, member lists and suggestions.

Names in both files are written as the registry compares them (policycli.agencies.key: half-width
brackets, no spaces); a test checks, so loading does not fold them again.
"""

from __future__ import annotations

import csv
from pathlib import Path

from policycli.errors import BadInput

DISTRICTS = (
    "黄浦区",
    "徐汇区",
    "长宁区",
    "静安区",
    "普陀区",
    "虹口区",
    "杨浦区",
    "闵行区",
    "宝山区",
    "嘉定区",
    "浦东新区",
    "金山区",
    "松江区",
    "青浦区",
    "奉贤区",
    "崇明区",
)
SHORT = {d: d.removesuffix("新区").removesuffix("区") for d in DISTRICTS}
FULL_MARK, SHORT_MARK = "{区}", "{短}"
PLACE_LEVELS = {"街道": "subdistrict", "镇": "subdistrict", "乡": "subdistrict", "开发区": "district"}
_MEMBERSHIP = {
    "街道": ("{区}各街道、镇", "{区}各街道", "{区}相关街镇"),
    "镇": ("{区}各街道、镇", "{区}各乡镇", "{区}相关街镇"),
    "乡": ("{区}各街道、镇", "{区}各乡镇", "{区}相关街镇"),
    "开发区": (),
}
# The formal forms of a place's name: 新成路街道办事处 → 新成路街道, 南翔镇人民政府 → 南翔镇.
_FORMAL_SUFFIXES = (
    ("街道办事处", "街道"),
    ("镇人民政府", "镇"),
    ("乡人民政府", "乡"),
    ("镇政府", "镇"),
    ("乡政府", "乡"),
)


class Kind:
    """One kind of unit, for its districts; names are patterns with {区}/{短} (or literal names)."""

    __slots__ = (
        "canonical",
        "full_name",
        "level",
        "type",
        "aliases",
        "typos",
        "member_of",
        "districts",
        "flag",
        "note",
        "formal",
    )

    def __init__(
        self,
        canonical: str,
        full_name: str,
        level: str,
        type: str,
        aliases: tuple[str, ...],
        typos: tuple[str, ...],
        member_of: tuple[str, ...],
        districts: tuple[str, ...],
        flag: str = "",
        note: str = "",
        formal: str = "",
    ) -> None:
        self.canonical, self.full_name, self.level, self.type = canonical, full_name, level, type
        self.aliases, self.typos, self.member_of = aliases, typos, member_of
        self.districts = districts  # () for a unit of no district (the collective 各区水务局)
        self.flag, self.note = flag, note
        self.formal = formal  # a full name shown but not indexed (find() reads a place's formal forms itself)

    def names(self) -> list[tuple[str, str]]:
        """(pattern, how): the canonical name, full name, aliases, typos."""
        out = [(self.canonical, "exact")]
        out += [(n, "alias") for n in (self.full_name, *self.aliases) if n]
        out += [(n, "typo") for n in self.typos]
        return out

    def __repr__(self) -> str:
        return f"Kind({self.canonical!r}, {len(self.districts)} districts)"


def fill(pattern: str, district: str) -> str:
    """{区}水务局 in 嘉定区 → 嘉定区水务局; a literal name stays as it is."""
    if not district or "{" not in pattern:
        return pattern
    return pattern.replace(FULL_MARK, district).replace(SHORT_MARK, SHORT[district])


class Generated:
    """The generated units and an index from name patterns to them."""

    def __init__(self, kinds: list[Kind]) -> None:
        self.kinds = kinds
        self.literal: dict[str, tuple[Kind, str]] = {}  # a name without a district mark → its unit
        self.patterns: dict[str, list[tuple[Kind, str]]] = {}  # {区}水务局 → units of every district
        clashes: set[str] = set()
        for kind in kinds:
            for name, how in kind.names():
                if "{" in name:
                    self.patterns.setdefault(name, []).append((kind, how))
                elif name in self.literal and self.literal[name][0] is not kind:
                    clashes.add(name)  # the same bare name in two districts: only its qualified forms resolve
                else:
                    self.literal[name] = (kind, how)
        for name in clashes:
            del self.literal[name]

    def find(self, name_key: str) -> tuple[Kind, str, str] | None:
        """A folded name → (kind, district, how), or None. Exact names only."""
        found = self._find(name_key)
        if found is not None:
            return found
        formal = name_key
        if formal.startswith("上海市") and any(formal.startswith(d, 3) for d in DISTRICTS):
            formal = formal[3:]  # 上海市嘉定区… → 嘉定区…
        for suffix, short in _FORMAL_SUFFIXES:
            if formal.endswith(suffix):
                formal = formal[: -len(suffix)] + short
                break
        if formal != name_key:
            found = self._find(formal)
            if found is not None:
                return found[0], found[1], "alias"
        return None

    def _find(self, name_key: str) -> tuple[Kind, str, str] | None:
        hit = self.literal.get(name_key)
        if hit:
            kind, how = hit
            return kind, kind.districts[0] if len(kind.districts) == 1 else "", how
        for district in DISTRICTS:
            short = SHORT[district]
            if short not in name_key:
                continue
            for token, mark in ((district, FULL_MARK), (short, SHORT_MARK)):
                if token in name_key:
                    for kind, how in self.patterns.get(name_key.replace(token, mark, 1), ()):
                        if district in kind.districts:
                            return kind, district, how
        return None

    def units(self, districts: tuple[str, ...] | None = None):
        """Every (kind, district) pair ("" for a unit of no district); only these districts' if given."""
        for kind in self.kinds:
            if not kind.districts:
                if districts is None:
                    yield kind, ""
                continue
            for district in kind.districts:
                if districts is None or district in districts:
                    yield kind, district

    def names_near(self, name_key: str) -> list[str]:
        """Generated names worth comparing with an unknown name: its district's, else those of no district."""
        districts = tuple(d for d in DISTRICTS if SHORT[d] in name_key)
        if districts:
            return [fill(n, d) for kind, d in self.units(districts) for n, _ in kind.names()]
        return list(self.literal)


def _split(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(v.strip() for v in value.split("|") if v.strip())


def _district_pattern(name: str) -> str:
    """A bare leading 区 stands for the district: 区水务局 → {区}水务局 (区域… is not a district)."""
    return FULL_MARK + name[1:] if name.startswith("区") and not name.startswith("区域") else name


def _read(path: Path, columns: tuple[str, ...]) -> list[list[str]]:
    """The rows of a CSV file as lists of stripped cells in the order of `columns` (by header name)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the agency registry ({exc.strerror})") from None
    header = [h.strip() for h in rows[0]] if rows else []
    missing = [c for c in columns if c not in header]
    if missing:
        raise BadInput(f"{path}: no column {missing[0]}")
    where = [header.index(c) for c in columns]
    return [[row[k].strip() if k < len(row) else "" for k in where] for row in rows[1:]]


def _districts(value: str, path: Path, canonical: str) -> tuple[str, ...]:
    wanted = _split(value)
    unknown = [d for d in wanted if d.lstrip("-") not in DISTRICTS]
    if unknown:
        raise BadInput(f"{path}: {canonical}: unknown district {unknown[0]}")
    if not wanted:
        return DISTRICTS
    if all(d.startswith("-") for d in wanted):
        return tuple(d for d in DISTRICTS if "-" + d not in wanted)
    return tuple(d for d in DISTRICTS if d in wanted)


def read_district_units(path: Path) -> list[Kind]:
    """data/district_units.csv → one Kind per department kind, plus the municipal collectives it names."""
    kinds: list[Kind] = []
    columns = (
        "canonical",
        "full_name",
        "type",
        "aliases",
        "typos",
        "collective",
        "districts",
        "flag",
        "note",
    )
    for row in _read(path, columns):
        canonical, full_name, type_, aliases, typos, collective_, districts, flag, note = row
        if not canonical:
            continue
        collective = _split(collective_)
        kind = Kind(
            canonical=_district_pattern(canonical),
            full_name=_district_pattern(full_name),
            level="district",
            type=type_ or "government",
            aliases=tuple(_district_pattern(a) for a in _split(aliases)),
            typos=tuple(_district_pattern(t) for t in _split(typos)),
            member_of=collective[:1],
            districts=_districts(districts, path, canonical),
            flag=flag,
            note=note,
        )
        unmarked = [n for n, _ in kind.names() if "{" not in n]
        if unmarked:
            raise BadInput(
                f"{path}: {canonical}: the name {unmarked[0]} needs a leading 区, {{区}} or {{短}}"
            )
        kinds.append(kind)
        if collective:
            kinds.append(
                Kind(
                    canonical=collective[0],
                    full_name="",
                    level="municipal",
                    type="collective",
                    aliases=collective[1:],
                    typos=(),
                    member_of=(),
                    districts=(),
                    note=f"Every district's {canonical.removeprefix('区')}",
                )
            )
    return kinds


def read_subdistricts(path: Path) -> list[Kind]:
    """data/subdistricts.csv → one Kind (of one district) per 街道, 镇, 乡 or zone body."""
    kinds: list[Kind] = []
    for district, name, place, extra_names, extra_members, flag, note in _read(
        path, ("district", "name", "kind", "aliases", "member_of", "flag", "note")
    ):
        if not name:
            continue
        if district not in DISTRICTS or place not in PLACE_LEVELS:
            kinds_ = ", ".join(PLACE_LEVELS)
            raise BadInput(f"{path}: {name}: the district must be one of the 16, the kind one of {kinds_}")
        # A zone named after its district (嘉定工业区管委会) is written as it is;
        # everything else is qualified.
        canonical = name if place == "开发区" and name.startswith(SHORT[district]) else FULL_MARK + name
        aliases = [FULL_MARK + name, name]
        for alias in _split(extra_names):
            aliases += [_district_pattern(alias)] if alias.startswith("区") else [FULL_MARK + alias, alias]
        formal = {"街道": f"上海市{FULL_MARK}{name}办事处", "开发区": ""}.get(
            place, f"上海市{FULL_MARK}{name}人民政府"
        )
        member_of = _MEMBERSHIP[place] + tuple(_district_pattern(m) for m in _split(extra_members))
        kinds.append(
            Kind(
                canonical=canonical,
                full_name="",
                level=PLACE_LEVELS[place],
                type="coordinating" if place == "开发区" else "government",
                aliases=tuple(dict.fromkeys(a for a in aliases if a != canonical)),
                typos=(),
                member_of=tuple(dict.fromkeys(member_of)),
                districts=(district,),
                flag=flag,
                note=note,
                formal=formal,
            )
        )
    return kinds


def load_generated() -> Generated:
    """The bundled tables (data/district_units.csv, data/subdistricts.csv)."""
    from policycli.paths import bundled_file

    units = read_district_units(bundled_file("district_units.csv"))
    return Generated(units + read_subdistricts(bundled_file("subdistricts.csv")))
