"""Agencies in the database: the registry plus user aliases, and what each agency is assigned."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from policycli.agencies import (
    Agency,
    Registry,
    bundled_agencies,
    bundled_generated,
    bundled_index,
    bundled_registry,
    key,
)
from policycli.errors import BadInput, NotFound
from policycli.kinds import FINISHED_SQL, KINDS_SQL
from policycli.store import Database, write_transaction


def user_aliases(db: Database) -> dict[str, str]:
    return {r[0]: r[1] for r in db.conn.execute("SELECT alias, canonical FROM agency_aliases")}


def registry_for(db: Database) -> Registry:
    """The bundled registry with this database's user aliases on top (built once per set of
    aliases: ~1 ms each time, which a server answering every mark would pay again and again)."""
    return _registry(tuple(sorted(user_aliases(db).items())))


@lru_cache(maxsize=8)
def _registry(aliases: tuple[tuple[str, str], ...]) -> Registry:
    return Registry(
        list(bundled_agencies()), dict(aliases), generated=bundled_generated, index=bundled_index()
    )


def assigned_names(db: Database) -> list[str]:
    return [
        r[0]
        for r in db.conn.execute("SELECT DISTINCT agency FROM assignments WHERE agency != '' ORDER BY agency")
    ]


def resolve(db: Database, text: str) -> tuple[str, dict[str, str]]:
    """--agency TEXT → (canonical, {name seen in assignments: own | predecessor | collective})."""
    registry = registry_for(db)
    canonical = registry.resolve_input(text, lambda: assigned_names(db))
    return canonical, registry.scope(canonical)


def agency_condition(
    db: Database, text: str, column: str = "agency", collectives: bool = True
) -> tuple[str, list[str]]:
    """--agency TEXT as SQL: `column IN (?, …)` over the assignment names it sees (its own, its
    predecessors' and — unless `collectives` is false — those of the collectives it belongs to)."""
    _, scope = resolve(db, text)
    names = [name for name, how in scope.items() if collectives or how != "collective"]
    return f"{column} IN ({', '.join('?' for _ in names)})", names


def add_alias(db: Database, alias: str, target: str, by: str, at: str) -> dict:
    """Record that ALIAS means TARGET; assignments already loaded under ALIAS move to TARGET."""
    registry = registry_for(db)
    alias_key = key(alias)
    if not alias_key:
        raise BadInput("the alias is empty")
    canonical = registry.resolve_input(target, lambda: assigned_names(db))
    existing = registry.lookup(alias_key)
    if existing and existing[0] != canonical:
        raise BadInput(f"{alias} already means {existing[0]}; choose another alias")
    moved = 0
    with write_transaction(db):
        db.conn.execute(
            "INSERT INTO agency_aliases (alias, canonical, by, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (alias) DO UPDATE SET canonical = excluded.canonical, by = excluded.by, at = "
            "excluded.at",
            [alias.strip(), canonical, by, at],
        )
        # Units loaded under the alias (a name the registry did not know) now belong to the canonical
        # agency; their recorded progress and history move with them.
        for (measure_id,) in db.conn.execute(
            "SELECT measure_id FROM assignments WHERE agency = ?", [alias.strip()]
        ).fetchall():
            clash = db.conn.execute(
                "SELECT 1 FROM assignments WHERE measure_id = ? AND agency = ?", [measure_id, canonical]
            ).fetchone()
            if clash:
                continue
            for table in ("assignments", "progress", "events"):
                db.conn.execute(
                    f"UPDATE {table} SET agency = ? WHERE measure_id = ? AND agency = ?",
                    [canonical, measure_id, alias.strip()],
                )
            moved += 1
    return {"alias": alias.strip(), "canonical": canonical, "moved": moved}


def agency_rows(
    db: Database,
    today: date,
    level: str | None = None,
    district: str | None = None,
    everything: bool = False,
) -> list[dict]:
    """The registry's units and every name assignments use, with measure counts. The units generated
    for every district (data/district_units.csv, data/subdistricts.csv) are listed when they have
    measures, or when `level`, `district` or `everything` asks for them. A recurring measure's part
    counts once per period that counts `today` (checklist/periods.py)."""
    from policycli.checklist.periods import counted_sql

    registry = registry_for(db)
    # parts of measures that do not recur, then recurring ones' per period (as statistics reads them)
    parts = " UNION ALL ".join(
        f"""SELECT a.agency AS agency, coalesce(p.status, 'todo') IN ({FINISHED_SQL}) AS finished
            FROM assignments a JOIN measures m ON m.id = a.measure_id {counted.join}
            LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency
                 AND p.period = {counted.label}
            WHERE a.obsolete = 0 AND m.obsolete = 0 AND m.kind IN ({KINDS_SQL}) AND a.agency != ''
                 AND {counted.condition}"""
        for counted in (counted_sql(today, "once"), counted_sql(today, "periodic"))
    )
    from policycli.statistics import agency_part_counts

    tallied = agency_part_counts(db, today)  # as `policy stats` counts them, without reading every part
    if tallied is not None:
        counts = {name: {"total": c[0], "done": c[1]} for name, c in tallied.items() if name and c[0]}
    else:
        counts = {
            r[0]: {"total": r[1], "done": r[2]}
            for r in db.conn.execute(f"SELECT agency, count(*), sum(finished) FROM ({parts}) GROUP BY agency")
        }
    rows = []
    listed = list(registry.agencies) if (level or district or everything) else registry.listed()
    names = list(dict.fromkeys(listed + list(counts)))
    for name in names:
        agency = registry.agency(name) or Agency(canonical=name, level="", type="", flag="not in registry")
        if level and agency.level != level:
            continue
        if district and agency.district != district:
            continue
        count = counts.get(name, {"total": 0, "done": 0})
        rows.append(
            {
                "agency": name,
                "full_name": agency.full_name,
                "level": agency.level,
                "district": agency.district,
                "type": agency.type,
                "total": count["total"],
                "open": count["total"] - count["done"],
                "done": count["done"],
                "flag": agency.flag,
            }
        )
    rows.sort(key=lambda r: (-r["total"], r["level"], r["agency"]))
    return rows


def agency_detail(db: Database, text: str) -> dict:
    registry = registry_for(db)
    canonical = registry.resolve_input(text, lambda: assigned_names(db))
    agency = registry.agency(canonical)
    user = sorted(a for a, c in user_aliases(db).items() if c == canonical)
    scope = registry.scope(canonical)
    condition, names = agency_condition(db, canonical, "a.agency")
    documents = [
        {"doc": r[0], "title": r[1], "measures": r[2]}
        for r in db.conn.execute(
            f"""SELECT d.id, d.title, count(DISTINCT m.id)
                FROM assignments a JOIN measures m ON m.id = a.measure_id
                JOIN documents d ON d.id = m.doc_id
                WHERE a.obsolete = 0 AND m.obsolete = 0 AND m.kind IN ({KINDS_SQL}) AND {condition}
                GROUP BY d.id ORDER BY d.id""",
            names,
        )
    ]
    if agency is None and not documents:
        raise NotFound(f"unknown agency {text!r}")
    base = agency.to_dict() if agency else {"canonical": canonical, "flag": "not in registry"}
    return base | {
        "user_aliases": user,
        "predecessors": [n for n, how in scope.items() if how == "predecessor"],
        "members": registry.members_of(canonical),
        "documents": documents,
    }


def unknown_units(db: Database, doc: str | None = None) -> list[dict]:
    """Every unit in the loaded documents that neither the registry nor a user alias resolves: its name
    as stored (as printed, 区 qualified with the document's district), the forms printed, how many
    measures and which documents name it, and the nearest registry names (suggestions only)."""
    registry = registry_for(db)
    where, params = ("AND m.doc_id = ?", [doc]) if doc else ("", [])
    if doc:
        from policycli.checklist import require_document

        require_document(db, doc)
    found: dict[str, dict] = {}
    known: dict[str, bool] = {}
    for agency, doc_id, printed, measures in db.conn.execute(
        f"""SELECT a.agency, m.doc_id, coalesce(a.printed, ''), count(*)
            FROM assignments a JOIN measures m ON m.id = a.measure_id
            WHERE a.obsolete = 0 AND m.obsolete = 0 AND m.kind IN ({KINDS_SQL}) AND a.agency != '' {where}
            GROUP BY a.agency, m.doc_id, a.printed ORDER BY a.agency, m.doc_id""",
        params,
    ):
        if agency not in known:
            known[agency] = registry.lookup(key(agency)) is not None
        if known[agency]:
            continue
        row = found.setdefault(agency, {"agency": agency, "printed": [], "measures": 0, "documents": []})
        row["measures"] += measures
        if printed and printed not in row["printed"]:
            row["printed"].append(printed)
        if doc_id not in row["documents"]:
            row["documents"].append(doc_id)
    for row in found.values():
        row["suggestions"] = registry.nearest(row["agency"])
    return sorted(found.values(), key=lambda r: (-r["measures"], r["agency"]))


__all__ = [
    "bundled_registry",
    "resolve",
    "agency_condition",
    "add_alias",
    "agency_rows",
    "agency_detail",
    "registry_for",
    "unknown_units",
]
