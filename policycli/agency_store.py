"""Agencies in the database: the registry plus user aliases, and what each agency is assigned."""

from __future__ import annotations

from policycli.agencies import Agency, Registry, bundled_agencies, bundled_registry, key
from policycli.errors import BadInput, NotFound
from policycli.kinds import FINISHED_SQL, KINDS_SQL
from policycli.store import Database, write_transaction


def user_aliases(db: Database) -> dict[str, str]:
    return {r[0]: r[1] for r in db.conn.execute("SELECT alias, canonical FROM agency_aliases")}


def registry_for(db: Database) -> Registry:
    """The bundled registry with this database's user aliases on top."""
    return Registry(list(bundled_agencies()), user_aliases(db))


def assigned_names(db: Database) -> list[str]:
    return [r[0] for r in db.conn.execute("SELECT DISTINCT agency FROM assignments WHERE agency != '' ORDER BY agency")]


def resolve(db: Database, text: str) -> tuple[str, dict[str, str]]:
    """--agency TEXT → (canonical, {name seen in assignments: own | predecessor | collective})."""
    registry = registry_for(db)
    canonical = registry.resolve_input(text, lambda: assigned_names(db))
    return canonical, registry.scope(canonical)


def agency_condition(db: Database, text: str, column: str = "agency", collectives: bool = True) -> tuple[str, list[str]]:
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
    existing = registry.names.get(alias_key)
    if existing and existing[0] != canonical:
        raise BadInput(f"{alias} already means {existing[0]}; choose another alias")
    if alias_key in {key(a) for a in registry.agencies} and alias_key != key(canonical):
        raise BadInput(f"{alias} is an agency of its own in the registry")
    moved = 0
    with write_transaction(db):
        db.conn.execute(
            "INSERT INTO agency_aliases (alias, canonical, by, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (alias) DO UPDATE SET canonical = excluded.canonical, by = excluded.by, at = excluded.at",
            [alias.strip(), canonical, by, at],
        )
        # Units loaded under the alias (a name the registry did not know) now belong to the canonical
        # agency; their recorded progress and history move with them.
        for (measure_id,) in db.conn.execute("SELECT measure_id FROM assignments WHERE agency = ?", [alias.strip()]).fetchall():
            clash = db.conn.execute("SELECT 1 FROM assignments WHERE measure_id = ? AND agency = ?", [measure_id, canonical]).fetchone()
            if clash:
                continue
            for table in ("assignments", "progress", "events"):
                db.conn.execute(f"UPDATE {table} SET agency = ? WHERE measure_id = ? AND agency = ?", [canonical, measure_id, alias.strip()])
            moved += 1
    return {"alias": alias.strip(), "canonical": canonical, "moved": moved}


def agency_rows(db: Database, level: str | None = None, district: str | None = None) -> list[dict]:
    """Every unit of the registry and every name assignments use, with measure counts."""
    registry = registry_for(db)
    counts = {
        r[0]: {"total": r[1], "done": r[2]}
        for r in db.conn.execute(
            f"""SELECT a.agency, count(*), sum(coalesce(p.status, 'todo') IN ({FINISHED_SQL}))
                FROM assignments a JOIN measures m ON m.id = a.measure_id
                LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency
                WHERE a.obsolete = 0 AND m.obsolete = 0 AND m.kind IN ({KINDS_SQL}) AND a.agency != ''
                GROUP BY a.agency"""
        )
    }
    rows = []
    names = list(registry.agencies) + [n for n in counts if n not in registry.agencies]
    for name in names:
        agency = registry.agencies.get(name) or Agency(canonical=name, level="", type="", flag="not in registry")
        if level and agency.level != level:
            continue
        if district and agency.district != district:
            continue
        count = counts.get(name, {"total": 0, "done": 0})
        rows.append({
            "agency": name, "full_name": agency.full_name, "level": agency.level, "district": agency.district, "type": agency.type,
            "total": count["total"], "open": count["total"] - count["done"], "done": count["done"], "flag": agency.flag,
        })
    rows.sort(key=lambda r: (-r["total"], r["level"], r["agency"]))
    return rows


def agency_detail(db: Database, text: str) -> dict:
    registry = registry_for(db)
    canonical = registry.resolve_input(text, lambda: assigned_names(db))
    agency = registry.agencies.get(canonical)
    user = sorted(a for a, c in user_aliases(db).items() if c == canonical)
    scope = registry.scope(canonical)
    condition, names = agency_condition(db, canonical, "a.agency")
    documents = [
        {"doc": r[0], "title": r[1], "measures": r[2]}
        for r in db.conn.execute(
            f"""SELECT d.id, d.title, count(DISTINCT m.id) FROM assignments a JOIN measures m ON m.id = a.measure_id
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
        "members": registry.members.get(canonical, []),
        "documents": documents,
    }


__all__ = ["bundled_registry", "resolve", "agency_condition", "add_alias", "agency_rows", "agency_detail", "registry_for"]
