"""The agency registry: one canonical name for every responsible unit, and how names resolve.

Documents name one office many ways (市发展改革委 / 市发改委 / 上海市发展和改革委员会), and
different offices almost the same way (市商务委 is the city's commission; a 长宁区 document's
"商务委" after a leading 区 is 长宁区商务委). The registry (data/agencies.csv, reviewable, one row
per unit) lists canonical names, full names, aliases, known misprints, collectives and
successors; every district's departments, 街道, 镇 and zones come from two compact tables
(data/district_units.csv, data/subdistricts.csv; see policycli/districts.py), read only when a
name is not among agencies.csv's. Users add their own aliases in the database (`policy agencies alias`).

Only exact names resolve (after folding): a name the registry does not know is kept as printed and
reported with the nearest names as suggestions, never given to the nearest unit (市水务局 is not 市税务局).

Two jobs:
* `resolve_printed`: a unit as printed in a document, in that document's context (its district),
  → the canonical agency, how it was found (exact, alias, typo, unresolved), and suggestions;
* `resolve_input`: what a user types after --agency → the canonical agency, or an error that
  lists the candidates (ambiguous) or the nearest names (unknown).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

from policycli.errors import BadInput, NotFound

TYPE_CHECKING = False  # (typing.TYPE_CHECKING without importing typing, ~3 ms)
if TYPE_CHECKING:  # policycli.districts is imported when a name is not among data/agencies.csv's
    from policycli.districts import Generated, Kind

LEVELS = ("central", "municipal", "district", "subdistrict", "other")
TYPES = ("government", "party", "people_org", "enterprise", "judicial", "coordinating", "collective")
_LEVEL_PREFIX = re.compile(r"^(?:上海市|市|区)")


class _Record:
    """A plain record compared, shown and turned into a dict by its attributes: what @dataclass would
    give, without creating a class through the dataclasses module at import (~1 ms each, and the
    module brings inspect, ~8 ms, into every `policy done`)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass with eq

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"


class Agency(_Record):
    def __init__(
        self,
        canonical: str,
        full_name: str = "",
        level: str = "other",
        district: str = "",
        type: str = "government",
        aliases: list[str] | None = None,
        typos: list[str] | None = None,
        member_of: list[str] | None = None,
        successor: str = "",
        successor_date: str = "",
        flag: str = "",
        note: str = "",
    ) -> None:
        self.canonical = canonical
        self.full_name = full_name
        self.level = level
        self.district = district
        self.type = type
        self.aliases: list[str] = [] if aliases is None else aliases
        self.typos: list[str] = [] if typos is None else typos
        self.member_of: list[str] = [] if member_of is None else member_of
        self.successor = successor
        self.successor_date = successor_date
        self.flag = flag
        self.note = note

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class Resolution(_Record):
    def __init__(
        self,
        agency: str,  # canonical name, or the name as printed (qualified with the district) when unresolved
        how: str,  # exact | alias | typo | user-alias | unresolved
        collective: bool = False,
        suggestions: list[str] | None = None,
    ) -> None:
        self.agency = agency
        self.how = how
        self.collective = collective
        self.suggestions: list[str] = [] if suggestions is None else suggestions


def key(name: str) -> str:
    """Names compare folded, without spaces: "市交通委 " == "市交通委"."""
    name = name or ""
    # CJK unified ideographs and printable ASCII but the space are as folding leaves them: a name of
    # those only (most are) is its own key, without the Unicode look-ups of a first fold of each
    # character (~3 ms for the registry's names; tests/test_startup.py checks the shortcut).
    if all("\u4e00" <= c <= "\u9fff" or "!" <= c <= "~" for c in name):
        return name
    from policycli.folding import fold

    return "".join(fold(name).split())  # str.split's whitespace is re's \s (both Py_UNICODE_ISSPACE)


def _index(agencies: list[Agency]) -> dict[str, tuple[str, str]]:
    """key → (canonical, how) for every name of the explicit rows: canonical, full name, aliases, typos."""
    names: dict[str, tuple[str, str]] = {}
    for agency in agencies:
        for name, how in (
            (agency.canonical, "exact"),
            (agency.full_name, "alias"),
            *((a, "alias") for a in agency.aliases),
        ):
            if name:
                names.setdefault(key(name), (agency.canonical, how))
        for typo in agency.typos:
            names.setdefault(key(typo), (agency.canonical, "typo"))
    return names


class Registry:
    """Explicit rows (data/agencies.csv) and user aliases, looked up first; then the generated units
    (policycli/districts.py), loaded on the first name the explicit rows do not know. A generated
    unit whose names include an explicit row's (长宁区发改委) is that row, with the generated names added."""

    def __init__(
        self,
        agencies: list[Agency],
        user_aliases: dict[str, str] | None = None,
        generated: Callable[[], Generated] | None = None,
        index: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        """`index`: the rows' names as _index(agencies) gives them, when already built (bundled_index)."""
        self._explicit = {a.canonical: a for a in agencies}
        # key → (canonical, how): the explicit rows, then the user aliases
        self._names: dict[str, tuple[str, str]] = _index(agencies) if index is None else dict(index)
        self._bundled = dict(self._names)  # without user aliases: what a generated unit merges into
        for alias, canonical in (user_aliases or {}).items():
            self._names[key(alias)] = (canonical, "user-alias")
        self.predecessors: dict[str, list[str]] = {}
        for agency in agencies:
            if agency.successor:
                self.predecessors.setdefault(agency.successor, []).append(agency.canonical)
        self._load_generated = generated
        self._generated: Generated | None = None
        self._targets: dict[tuple[int, str], str] = {}
        self._agencies: dict[str, Agency | None] = {}
        self._everything: tuple[dict, dict, dict] | None = None
        self._nearest: dict[str, list[str]] = {}
        self._pairs: dict[str, list[str]] | None = None

    # --- lookups ----------------------------------------------------------------------------

    def _gen(self) -> Generated | None:
        if self._generated is None and self._load_generated is not None:
            self._generated = self._load_generated()
        return self._generated

    def lookup(self, name_key: str) -> tuple[str, str] | None:
        """A folded name (see `key`) → (canonical, how), or None: an exact name only, never a near one."""
        hit = self._names.get(name_key)
        if hit or self._load_generated is None:
            return hit
        found = self._gen().find(name_key)
        if found is None:
            return None
        kind, district, how = found
        canonical = self._target(kind, district)
        if canonical != _fill(kind.canonical, district):
            how = "exact" if key(canonical) == name_key else ("typo" if how == "typo" else "alias")
        return canonical, how

    def _target(self, kind: Kind, district: str) -> str:
        """A generated unit's canonical name: an explicit row's that shares one of its names, else its own."""
        slot = (id(kind), district)
        if slot not in self._targets:
            target = _fill(kind.canonical, district)
            for pattern, _ in kind.names():
                hit = self._bundled.get(key(_fill(pattern, district)))
                if hit:
                    target = hit[0]
                    break
            self._targets[slot] = target
        return self._targets[slot]

    def agency(self, canonical: str) -> Agency | None:
        """The unit with this canonical name (an explicit row with any generated names merged in)."""
        if canonical not in self._agencies:
            self._agencies[canonical] = self._agency(canonical)
        return self._agencies[canonical]

    def _agency(self, canonical: str) -> Agency | None:
        explicit = self._explicit.get(canonical)
        if explicit is not None and not explicit.district and explicit.type != "collective":
            return explicit  # a city or central unit: the generated tables add nothing (and stay unread)
        generated = self._gen()
        found = generated.find(key(canonical)) if generated else None
        if found is None or self._target(found[0], found[1]) != canonical:
            return explicit
        kind, district = found[0], found[1]
        full_name = _fill(kind.full_name or kind.formal, district)
        names = [_fill(n, district) for n, how in kind.names() if how != "typo"]
        made = Agency(
            canonical=canonical,
            full_name=full_name,
            level=kind.level,
            district=district,
            type=kind.type,
            aliases=[n for n in names if n != canonical and n != full_name],
            typos=[_fill(n, district) for n in kind.typos],
            member_of=[_fill(m, district) for m in kind.member_of],
            flag=kind.flag,
            note=kind.note,
        )
        if explicit is None:
            return made
        a = explicit
        known = {key(n) for n in (a.canonical, a.full_name, *a.aliases, *a.typos) if n}
        return Agency(
            canonical=canonical,
            full_name=a.full_name or made.full_name,
            level=a.level,
            district=a.district,
            type=a.type,
            aliases=a.aliases + [n for n in (made.full_name, *made.aliases) if n and key(n) not in known],
            typos=a.typos + [n for n in made.typos if key(n) not in known],
            member_of=a.member_of + [m for m in made.member_of if m not in a.member_of],
            successor=a.successor,
            successor_date=a.successor_date,
            flag=a.flag,
            note=a.note,
        )

    def listed(self) -> list[str]:
        """The explicit rows' canonical names (data/agencies.csv)."""
        return list(self._explicit)

    def _expand(self) -> tuple[dict, dict, dict]:
        """Every unit, every name, every collective's members (for listings and the rare slow paths)."""
        if self._everything is None:
            agencies = {name: self.agency(name) for name in self._explicit}
            generated = self._gen()
            for kind, district in generated.units() if generated else ():
                target = self._target(kind, district)
                if target not in agencies:
                    agencies[target] = self.agency(target)
            names: dict[str, tuple[str, str]] = dict(self._names)
            members: dict[str, list[str]] = {}
            for agency in agencies.values():
                spelled = [(agency.canonical, "exact"), (agency.full_name, "alias")]
                spelled += [(a, "alias") for a in agency.aliases] + [(t, "typo") for t in agency.typos]
                for name, how in spelled:
                    if name:
                        names.setdefault(key(name), (agency.canonical, how))
                for collective in agency.member_of:
                    members.setdefault(collective, []).append(agency.canonical)
            self._everything = (agencies, names, members)
        return self._everything

    @property
    def agencies(self) -> dict[str, Agency]:
        """canonical → unit, every one (generated units expanded: use `agency` for one)."""
        return self._expand()[0]

    @property
    def names(self) -> dict[str, tuple[str, str]]:
        """key → (canonical, how), every name (use `lookup` for one)."""
        return self._expand()[1]

    @property
    def members(self) -> dict[str, list[str]]:
        """collective → its members, every collective (use `members_of` for one)."""
        return self._expand()[2]

    def members_of(self, collective: str) -> list[str]:
        """The units that belong to one collective, without expanding every unit."""
        out = [a.canonical for a in self._explicit.values() if collective in a.member_of]
        agency = self.agency(collective)
        generated = self._gen() if agency is not None and agency.type == "collective" else None
        if generated is None:
            return out  # only collectives have generated members
        from policycli.districts import DISTRICTS, SHORT

        places = tuple(d for d in DISTRICTS if SHORT[d] in collective) or DISTRICTS
        for kind in generated.kinds:
            for pattern in kind.member_of:
                # a literal collective (各区水务局) gathers every district's unit; {区}… only its district's
                districts = [d for d in kind.districts if "{" not in pattern or d in places]
                for district in districts:
                    if _fill(pattern, district) == collective:
                        target = self._target(kind, district)
                        if target not in out:
                            out.append(target)
        return out

    # --- documents --------------------------------------------------------------------------

    def resolve_printed(self, name: str, district: str | None = None, suggest: bool = True) -> Resolution:
        """A unit as printed (with any shared 区 prefix already distributed) in a document's context.

        Only exact names resolve (canonical, full name, alias, known misprint, user alias); anything
        else is kept as printed, with suggestions — never silently given to a unit with a similar name."""
        for candidate in self._candidates(name, district):
            hit = self.lookup(key(candidate))
            if hit:
                canonical, how = hit
                agency = self.agency(canonical)
                return Resolution(canonical, how, collective=bool(agency and agency.type == "collective"))
        printed = key(name)
        qualified = (
            (district + printed[1:])
            if district and printed.startswith("区") and not printed.startswith("区域")
            else printed
        )
        return Resolution(qualified, "unresolved", suggestions=self.nearest(qualified) if suggest else [])

    def _candidates(self, name: str, district: str | None) -> list[str]:
        folded = key(name)
        out = []
        if district and folded.startswith("区"):
            out.append(district + folded[1:])  # 区商务委 in a 长宁区 document → 长宁区商务委
        if district and folded.startswith("各"):
            out.append(district + folded)  # 各街道、镇 in a 长宁区 document → 长宁区各街道、镇
        out.append(folded)
        if not district and folded.startswith("区") and not folded.startswith("区域"):
            out.append("各" + folded)  # 区市场监管局 in a city document: every district's, 各区市场监管局
        bare = re.sub(r"\([^()]*\)$", "", folded)  # 市交通委(市道运局) → 市交通委
        if bare != folded:
            out += [district + bare[1:]] if district and bare.startswith("区") else []
            out.append(bare)
        if folded.startswith("上海市"):
            out.append("市" + folded[3:])
        if district and not folded.startswith(("区", "各", "市", "上海")) and not _names_a_district(folded):
            out.append(
                district + folded
            )  # 属地街镇, 经开区 in a 松江区 document → 松江区属地街镇, 松江区经开区
        return out

    def nearest(self, name: str, n: int = 3) -> list[str]:
        """Suggestions for an unknown name (shown to people; never used to resolve a name)."""
        import difflib  # only when a name is unknown

        typed = key(name)
        if typed in self._nearest:
            return self._nearest[typed]
        generated = self._gen()
        near = [key(k) for k in generated.names_near(typed)] if generated is not None else []
        # Only names sharing a character pair with it can reach difflib's 0.5 cutoff; the whole
        # registry through difflib costs ~7 ms a name, and a document may have dozens.
        pairs = {typed[k : k + 2] for k in range(len(typed) - 1)}
        index = self._pair_index()
        shared: dict[str, int] = {}
        for pair in pairs:
            for candidate in index.get(pair, ()):
                shared[candidate] = shared.get(candidate, 0) + 1
        ranked = sorted(shared, key=lambda k: -shared[k])[:300]
        pool = ranked + near
        found = difflib.get_close_matches(typed, list(dict.fromkeys(pool)), n=n * 3, cutoff=0.5)
        out: list[str] = []
        for k in found:
            hit = self.lookup(k)
            if hit and hit[0] not in out:
                out.append(hit[0])
        self._nearest[typed] = out[:n]
        return out[:n]

    def _pair_index(self) -> dict[str, list[str]]:
        """Character pair → the explicit names holding it (built once, on the first unknown name)."""
        if self._pairs is None:
            pairs: dict[str, list[str]] = {}  # built aside: a registry is shared by a server's threads
            for name in self._names:
                for pair in {name[k : k + 2] for k in range(len(name) - 1)}:
                    pairs.setdefault(pair, []).append(name)
            self._pairs = pairs
        return self._pairs

    # --- user input -------------------------------------------------------------------------

    def resolve_input(self, text: str, known=None) -> str:
        """--agency TEXT → canonical name; ambiguous or unknown input raises with candidates.

        `known`: the names assignments use (a list, or a function returning it, called only when
        the registry alone does not resolve the input — it may be a large query).
        """
        typed = key(text)
        if not typed:
            raise BadInput("--agency needs a name, e.g. 市商务委")
        hit = self.lookup(typed)
        if hit:
            return hit[0]
        known = list((known() if callable(known) else known) or [])
        same = [k for k in known if key(k) == typed]
        if same:
            return same[0]
        # A bare name ("商务委") that several levels share: 市商务委, 长宁区商务委 … A name that gives
        # its level (市水务局, 上海市…) only matches that level's units.
        bare = _LEVEL_PREFIX.sub("", typed)
        city = typed.startswith(("市", "上海市"))
        matches = {c for k, (c, _) in self.names.items() if _strip_place(k) == bare}
        matches |= {
            k for k in known if _strip_place(key(k)) == bare and (not city or key(k).startswith("市"))
        }
        if (
            city
        ):  # 市水务局 is neither a district's 水务局 (上海市嘉定区水务局 strips to 水务局 too) nor 各区水务局
            matches = {c for c in matches if not c.startswith("各")}
            matches = {c for c in matches if not getattr(self.agency(c), "district", "")}
        matches = sorted(matches)
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise Ambiguous(f"{text!r} could be {'、'.join(matches)}; name one of them")
        near = self.nearest(text)
        import difflib

        near += [
            k
            for k in difflib.get_close_matches(typed, [key(k) for k in known], n=3, cutoff=0.5)
            if k not in near
        ]
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
        agency = self.agency(canonical)
        for collective in agency.member_of if agency else []:
            out.setdefault(collective, "collective")
        return out


def _fill(pattern: str, district: str) -> str:
    from policycli.districts import fill

    return fill(pattern, district)


def _names_a_district(name: str) -> bool:
    from policycli.districts import SHORT

    return any(short in name for short in SHORT.values())


class Ambiguous(NotFound):
    """More than one agency fits."""


def _strip_place(name: str) -> str:
    """长宁区商务委 → 商务委, 市商务委 → 商务委, 上海市商务委员会 → 商务委员会."""
    return re.sub(r"^(?:上海市)?(?:[\u4e00-\u9fa5]{1,3}?(?:新区|区)|市)", "", name)


def read_registry(path: Path) -> list[Agency]:
    import csv

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
                canonical=canonical,
                full_name=(row.get("full_name") or "").strip(),
                level=(row.get("level") or "other").strip(),
                district=(row.get("district") or "").strip(),
                type=(row.get("type") or "government").strip(),
                aliases=split(row.get("aliases")),
                typos=split(row.get("typos")),
                member_of=split(row.get("member_of")),
                successor=(row.get("successor") or "").strip(),
                successor_date=(row.get("successor_date") or "").strip(),
                flag=(row.get("flag") or "").strip(),
                note=(row.get("note") or "").strip(),
            )
        )
    return agencies


def bundled_agencies() -> tuple[Agency, ...]:
    """data/agencies.csv, read once per process."""
    return _bundled()[0]


def bundled_index() -> dict[str, tuple[str, str]]:
    """The names of data/agencies.csv's rows (see _index). Shared: copy it before changing it."""
    return _bundled()[1]


@cache
def bundled_generated() -> Generated:
    """data/district_units.csv and data/subdistricts.csv, read once per process (when first needed)."""
    from policycli.districts import load_generated

    return load_generated()


@cache
def bundled_registry() -> Registry:
    return Registry(list(bundled_agencies()), generated=bundled_generated, index=bundled_index())


# --- the compiled registry ---------------------------------------------------------------------
#
# Reading data/agencies.csv and indexing its names costs ~3 ms (the csv module, the rows, a key per
# name), a tenth of a whole `policy done`. The rows and the index are kept compiled in the user cache
# directory (~/.cache/policy), written with marshal as Python's bytecode cache is, and like it valid
# while its sources are unchanged: the CSV and the code that reads and keys it (this module and
# folding.py), each by size and modification time. Any other file, an unreadable or damaged one,
# or a cache directory that cannot be written, and the CSV is read as before.

_COMPILED_FORMAT = 1  # the layout below: (format, sources, rows, index)


@cache
def _bundled() -> tuple[tuple[Agency, ...], dict[str, tuple[str, str]]]:
    from policycli.paths import bundled_file

    csv_path = bundled_file("agencies.csv")
    sources = _sources(csv_path)
    compiled = _compiled_path()
    loaded = _read_compiled(compiled, sources)
    if loaded is not None:
        return tuple(Agency(*row) for row in loaded[0]), loaded[1]
    agencies = read_registry(csv_path)
    index = _index(agencies)
    rows = [tuple(a.__dict__.values()) for a in agencies]  # in Agency()'s order: Agency(*row) is a
    _write_compiled(compiled, (_COMPILED_FORMAT, sources, rows, index))
    return tuple(agencies), index


def _sources(csv_path: Path) -> tuple:
    found = []
    for source in (str(csv_path), __file__, os.path.join(os.path.dirname(__file__), "folding.py")):
        try:
            stat = os.stat(source)
        except OSError:
            return ()  # nothing to compare with: never current
        found.append((source, stat.st_size, stat.st_mtime_ns))
    return tuple(found)


def _compiled_path() -> Path | None:
    from policycli.paths import user_dir

    try:
        return user_dir("cache") / f"agencies.{sys.implementation.cache_tag}.marshal"
    except (RuntimeError, OSError):  # no home directory to keep it in (platformdirs says so)
        return None


def _read_compiled(path: Path | None, sources: tuple) -> tuple[list, dict] | None:
    import marshal

    if path is None or not sources:
        return None
    try:
        with open(path, "rb") as handle:
            data = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not (isinstance(data, tuple) and len(data) == 4 and data[:2] == (_COMPILED_FORMAT, sources)):
        return None
    return data[2], data[3]


def _write_compiled(path: Path | None, data: tuple) -> None:
    """Written beside and moved into place: a reader never sees half a file."""
    import marshal

    if path is None or not data[1]:
        return
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(marshal.dumps(data))
        os.replace(partial, path)
    except OSError:
        try:
            partial.unlink(missing_ok=True)
        except OSError:
            pass
