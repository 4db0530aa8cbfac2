"""`policy load`: structured documents → the database, keeping everything people recorded.

Loading the same file twice changes nothing. Loading a revised document first matches its
measures to the loaded ones by content (identity.py) and moves each matched measure — its row,
parts, progress, history and corrections — to its new id; then updates measures in place by id,
inserts new ones, and marks vanished measures and assignments obsolete instead of deleting them.
The coordinator's corrections are applied again on top (checklist/corrections.py), and what
documents do to each other (relations.py) once all files are in. Plain INSERT and UPDATE only:
`INSERT OR REPLACE`, `replace=True` and upserts over mixed records delete or blank rows, and
with them the link to recorded progress.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from policycli.errors import BadInput
from policycli.kinds import FORMAT, MEASURE_KINDS, READABLE_FORMATS
from policycli.store import Database, write_transaction

# JSON's escape for NUL, unless its backslash is itself escaped: in the file, \\u0000 is the text \u0000.
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")

_MEASURE_COLUMNS = (
    "doc_id",
    "seq",
    "path",
    "parent_id",
    "number",
    "kind",
    "title",
    "text",
    "line_first",
    "line_last",
    "units_raw",
    "open_list",
    "flags",
    "deadline_raw",
    "indicator",
    "due",
    "due_info",
    "recurrence",
    "own_due",  # the document's own, kept when a correction sets `due` (policy due)
    "own_recurrence",
    "obsolete",
)


@dataclass
class LoadResult:
    doc_id: str
    file: str
    unchanged: bool = False
    added: int = 0
    updated: int = 0
    obsoleted: int = 0  # removed from the document: kept, obsolete, with their progress
    renumbered: int = 0  # the same measure under another number (its progress moved with it)
    reworded: int = 0  # the same measure, its text changed
    units_changed: int = 0  # the same measure, other responsible units
    # (old id, new id, score): measures that may be the same, not matched; `policy link` decides
    proposals: list[tuple[str, str, float]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """ "1 added, 13 updated (12 renumbered, 1 reworded), 0 removed" """
        details = [
            f"{count} {what}"
            for count, what in (
                (self.renumbered, "renumbered"),
                (self.reworded, "reworded"),
                (self.units_changed, "with other units"),
            )
            if count
        ]
        updated = f"{self.updated} updated" + (f" ({', '.join(details)})" if details else "")
        return f"{self.added} added, {updated}, {self.obsoleted} removed"


def structured_files(paths: list[Path]) -> list[Path]:
    """Expand directories to their *.json files; refuse anything else."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.json"))
            if not found:
                raise BadInput(f"{path}: no structured documents (*.json) in this directory")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif not path.exists():
            raise BadInput(f"{path}: no such file or directory")
        else:
            raise BadInput(f"{path}: not a regular file")
    return files


def read_structured(path: Path, checked_sha: str | None = None) -> tuple[dict, str]:
    """(the document, the sha256 of the file), once the file is checked completely: JSON any reader can
    take (policycli/schema.py: the schema, nesting, lone surrogates, numbers), no NUL, measure ids
    unique and under the document's, parents before their children. Anything else is BadInput, one line.

    `checked_sha`: what an earlier read returned; the file is then only parsed (it was checked), and
    refused if it has changed since."""
    import hashlib

    from policycli import schema

    try:
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        if checked_sha is not None and sha != checked_sha:
            raise BadInput(
                f"{path}: changed while it was being loaded; nothing was loaded, run `policy load` again"
            )
        raw = data.decode("utf-8")
        document = schema.loads(
            path, raw
        )  # json.loads, refusing NaN, Infinity and numbers beyond a float's range
    except UnicodeDecodeError:
        raise BadInput(
            f"{path}: not a structured document (not UTF-8 JSON); run `policy ingest` on policy texts first"
        ) from None
    except json.JSONDecodeError as exc:
        raise BadInput(
            f"{path}: not valid JSON (line {exc.lineno}); run `policy ingest` on policy texts first"
        ) from None
    except RecursionError:
        raise BadInput(
            f"{path}: nested too deeply to read (lists or objects about 1,000 levels deep); no policy "
            "document is"
        ) from None
    except ValueError as exc:  # Python reads no integer of more than 4,300 digits
        raise BadInput(
            f"{path}: not valid JSON for policy "
            f"({'a number of more than 4,300 digits' if 'digits' in str(exc) else exc})"
        ) from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror})") from None
    if checked_sha is not None:
        return document, sha
    if not isinstance(document, dict) or document.get("format") not in READABLE_FORMATS:
        stated = document.get("format") if isinstance(document, dict) else None
        if isinstance(stated, str) and stated.startswith(
            "policy-document/"
        ):  # a later format: written by a newer policy
            raise BadInput(
                f"{path}: format {stated!r} is not one this policy reads ({', '.join(READABLE_FORMATS)}); "
                "update policy, or ingest the policy text again with this one"
            )
        raise BadInput(f"{path}: not a {FORMAT} file; run `policy ingest` on the policy text first")
    if "\\u0000" in raw and _NUL_ESCAPE.search(
        raw
    ):  # the substring test first: the regex alone costs 40 ms a MB
        # Ingest refuses a text with a NUL, so no policy document has one; SQLite's text functions
        # (the CSV export's printf) would stop at it. A structured file with "\u0000" is damaged.
        raise BadInput(
            f"{path}: contains a NUL character (\\u0000); no policy text has one, so the file is damaged"
        )
    schema.check_values(path, raw, document)
    schema.validate_document(path, document)  # from here on, every field has its type
    counts = Counter(m["id"] for m in document["measures"])
    duplicates = sorted(i for i, n in counts.items() if n > 1)
    if duplicates:
        shown = ", ".join(duplicates[:10]) + (" …" if len(duplicates) > 10 else "")
        raise BadInput(f"{path}: duplicate measure ids: {shown}")
    for measure in document["measures"]:
        if not measure["id"].startswith(document["id"] + "/"):
            raise BadInput(
                f"{path}: measure id {measure['id']!r} does not start with the document id {document['id']}/"
            )
    _check_parents(path, document["measures"])
    return document, sha


def _check_parents(path: Path, measures: list[dict]) -> None:
    """Every parent is a measure of the same file that comes before its child: no dangling parent,
    and so no cycle (a cycle would make `show` walk up its parents forever)."""
    earlier: set[str] = set()
    for measure in measures:
        parent = measure.get("parent")
        if parent is not None and (not isinstance(parent, str) or parent not in earlier):
            ids = {str(m.get("id")) for m in measures}
            problem = (
                "comes after it (a parent chain must not loop)"
                if str(parent) in ids
                else "is not a measure of the file"
            )
            raise BadInput(f"{path}: measure {measure.get('id')!r} has parent {parent!r}, which {problem}")
        earlier.add(str(measure.get("id")))


def _check_measure_owners(db: Database, documents: dict[str, Path], shas: dict[Path, str]) -> None:
    """A measure id is one document's: refuse a file with a measure id another document of this load,
    or of the database, has already (SQLite would refuse it mid-load, as a "database error"). A measure
    id starts with its document's id and "/", so two documents can share one only when one document's
    id starts with the other's and "/" (a and a/b): only those are read again and compared."""

    def ids(path: Path, prefix: str) -> set[str]:
        return {
            m["id"] for m in read_structured(path, shas[path])[0]["measures"] if m["id"].startswith(prefix)
        }

    ordered = sorted(documents)  # the ids that start with an id come right after it
    for k, outer in enumerate(ordered):
        for inner in ordered[k + 1 :]:
            if not inner.startswith(outer):
                break
            if inner.startswith(outer + "/"):
                shared = ids(documents[outer], inner + "/") & ids(documents[inner], inner + "/")
                if shared:
                    raise BadInput(
                        f"{documents[inner]}: measure id {min(shared)} is also a measure of document {outer} "
                        f"({documents[outer]}); a measure id belongs to one document"
                    )
    for doc_id, path in documents.items():
        # "/" < "0": [id/, id0) holds exactly the ids that start with "id/", read through the primary key.
        others = db.conn.execute(
            "SELECT id, doc_id FROM measures WHERE id >= ? AND id < ? AND doc_id != ? ORDER BY id",
            [doc_id + "/", doc_id + "0", doc_id],
        ).fetchall()
        if others:
            mine = ids(path, doc_id + "/")
            for measure_id, owner in others:
                if measure_id in mine:
                    raise BadInput(
                        f"{path}: measure id {measure_id} already belongs to document {owner}; "
                        "a measure id belongs to one document"
                    )


class _DryRun(Exception):
    """Raised at the end of a dry run's transaction, so that it is rolled back."""


def load_files(db: Database, paths: list[Path], dry_run: bool = False) -> list[LoadResult]:
    """Check every file first, then load them all in one transaction: all or nothing. A dry run
    does all of it and rolls back: what it reports is what a load would do.

    The files are read twice (checked, then loaded) so that only one document is in memory at a
    time, whatever the number of files; the second read only parses, and refuses a file that
    changed in between (the transaction then writes nothing).
    """
    from policycli.progress import track

    files = structured_files(paths)
    seen: dict[str, Path] = {}
    shas: dict[Path, str] = {}
    for path in track(files, len(files), "checking"):
        document, shas[path] = read_structured(path)
        doc_id = document["id"]
        del document  # before the next file is parsed: one document in memory at a time
        if doc_id in seen:
            raise BadInput(f"{path} and {seen[doc_id]} are both document {doc_id}; load one of them")
        seen[doc_id] = path
    results = []
    try:
        with write_transaction(db):
            _check_measure_owners(db, seen, shas)  # before the first write
            from policycli.tallies import suspended

            for path in track(files, len(files), "loading"):
                document = read_structured(path, shas[path])[0]
                with suspended(db.conn, document["id"]):  # counted once, not row by row
                    results.append(_load_document(db, path, document))
                del document
            from policycli.relations import apply_lineage, carry_over, relations

            found = relations(db.conn)  # apply_lineage changes ends only, carry_over progress only
            apply_lineage(db.conn, found)
            # a new version of a loaded document: the old one's progress follows its measures
            by_doc = {result.doc_id: result for result in results}
            changed = {result.doc_id for result in results if not result.unchanged}
            now = datetime.now(UTC).isoformat(timespec="seconds")
            for new_version, old_version, lines, proposed in carry_over(db.conn, now, changed, found):
                said = by_doc.get(new_version) or by_doc[old_version]
                prefix = "" if said.doc_id == new_version else f"{new_version}: "
                said.warnings += [prefix + line for line in lines]
                said.proposals += proposed
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return results


def _content_sha(document: dict) -> str:
    import hashlib

    return hashlib.sha256(
        json.dumps(document, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()


def _load_document(db: Database, path: Path, document: dict) -> LoadResult:
    conn = db.conn
    doc_id = document["id"]
    result = LoadResult(doc_id, path.name)
    sha = _content_sha(document)
    row = conn.execute("SELECT content_sha, obsolete FROM documents WHERE id = ?", [doc_id]).fetchone()
    if row and row[0] == sha and not row[1]:
        result.unchanged = True
        return result
    now = datetime.now(UTC).isoformat(timespec="seconds")
    meta = {k: v for k, v in document.items() if k != "measures"}
    values = {
        "title": document.get("title"),
        "doc_number": document.get("doc_number"),
        "issuer": document.get("issuer"),
        "level": document.get("level"),
        "district": document.get("district"),
        "issued_on": document.get("issued_on"),
        "effective_from": document.get("effective_from"),
        "effective_until": document.get("effective_until"),
        "own_until": document.get("effective_until"),
        "until_by": None,
        "source_file": (document.get("source") or {}).get("file"),
        "validity": json.dumps(document.get("validity_rules"), ensure_ascii=False)
        if document.get("validity_rules")
        else None,
        "content_sha": sha,
        "data": json.dumps(meta, ensure_ascii=False),
        "loaded_at": now,
        "obsolete": 0,
    }
    if row:
        conn.execute(
            f"UPDATE documents SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
            [*values.values(), doc_id],
        )
    else:
        conn.execute(
            f"INSERT INTO documents (id, {', '.join(values)}) VALUES (?, {', '.join('?' for _ in values)})",
            [doc_id, *values.values()],
        )

    conn.execute("DELETE FROM document_relations WHERE doc_id = ?", [doc_id])
    conn.executemany(
        "INSERT INTO document_relations (doc_id, kind, title, doc_number, until, quote, lines) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                doc_id,
                a["kind"],
                a["title"],
                a.get("doc_number"),
                a.get("until"),
                a.get("quote"),
                json.dumps(a.get("lines")),
            )
            for a in document.get("acts_on") or []
        ],
    )
    from policycli import search

    searched = search.snapshot(conn, doc_id)  # the measures as the search index has them, for refresh
    if row:
        _follow_measures(conn, document, result, now)
    existing = {
        r[0]: r[1:]
        for r in conn.execute(
            f"SELECT id, {', '.join(_MEASURE_COLUMNS)} FROM measures WHERE doc_id = ?", [doc_id]
        )
    }
    new_ids = set()
    inserts, updates = [], []
    for seq, measure in enumerate(document["measures"]):
        record = _measure_record(doc_id, seq, measure)
        new_ids.add(measure["id"])
        old = existing.get(measure["id"])
        if old is None:
            inserts.append((measure["id"], *record))
        elif tuple(old) != record:
            updates.append((*record, measure["id"]))
    columns = ", ".join(_MEASURE_COLUMNS)
    conn.executemany(
        f"INSERT INTO measures (id, {columns}) VALUES (?, {', '.join('?' for _ in _MEASURE_COLUMNS)})",
        inserts,
    )
    conn.executemany(
        f"UPDATE measures SET {', '.join(f'{c} = ?' for c in _MEASURE_COLUMNS)} WHERE id = ?", updates
    )
    vanished = [(i,) for i, old in existing.items() if i not in new_ids and not old[-1]]
    conn.executemany("UPDATE measures SET obsolete = 1 WHERE id = ?", vanished)
    result.added, result.updated, result.obsoleted = len(inserts), len(updates), len(vanished)

    _load_assignments(conn, doc_id, document)
    # the coordinator's corrections, on top of what the document says now
    from policycli.checklist.corrections import reapply

    conn.execute("UPDATE measures SET corrected_by = NULL WHERE doc_id = ?", [doc_id])
    result.warnings += reapply(conn, doc_id)
    # a measure that started or stopped recurring: its recorded statuses to the periods that count now
    from policycli.checklist.periods import settle

    for (measure_id,) in conn.execute(
        "SELECT DISTINCT measure_id FROM progress WHERE measure_id >= ? AND measure_id < ?",
        [doc_id + "/", doc_id + "0"],
    ).fetchall():
        result.warnings += settle(conn, measure_id)
    search.refresh(conn, doc_id, searched)  # the index of every term length (search.py)
    return result


def stored_versions(conn, doc_id: str) -> tuple[list, list]:
    """The measures of a loaded document as identity.Version: (those in it now, in document order;
    those removed by earlier revisions). Units are the document's: a current measure's parts, a
    removed one's last parts; a part a correction added is not the document's, one a correction took
    off still is."""
    from policycli.identity import Version

    kinds = ", ".join("?" for _ in MEASURE_KINDS)
    units: dict[str, set[str]] = {}
    for measure_id, agency, removed, dropped, corrected, added in conn.execute(
        "SELECT a.measure_id, a.agency, m.obsolete, a.obsolete, a.corrected_by, a.added_by FROM assignments "
        "a "
        "JOIN measures m ON m.id = a.measure_id WHERE m.doc_id = ? AND a.agency != ''",
        [doc_id],
    ):
        if added is None and (removed or not dropped or corrected is not None):
            units.setdefault(measure_id, set()).add(agency)
    rows = conn.execute(
        f"SELECT id, title, text, obsolete FROM measures WHERE doc_id = ? AND kind IN ({kinds}) "
        "ORDER BY obsolete, seq",
        [doc_id, *MEASURE_KINDS],
    ).fetchall()
    versions = [
        (Version(i, _measure_text(title, text), frozenset(units.get(i, ()))), obsolete)
        for i, title, text, obsolete in rows
    ]
    return [v for v, gone in versions if not gone], [v for v, gone in versions if gone]


def _follow_measures(conn, document: dict, result: LoadResult, now: str) -> None:
    """Before a revision of a loaded document is written: move each measure the revision still has
    (matched by content, identity.py) to its new id, with its progress, history and parts, and move
    a removed measure out of the way of a new one that takes its number. The update by id that
    follows then finds every measure where the revision puts it."""
    from policycli.identity import Version, match

    doc_id = document["id"]
    old, removed = stored_versions(conn, doc_id)
    versions = {v.id: v for v in old + removed}
    current = {v.id for v in old}
    rename = _user_alias_lookup(conn)  # units as the parts are stored: under a user alias's agency
    new = [
        Version(
            m["id"],
            _measure_text(m.get("title"), m.get("text")),
            frozenset(
                rename(name)
                for u in m.get("units") or []
                if (name := (u.get("agency") or u.get("name") or u.get("printed") or "").strip())
            ),
        )
        for m in document["measures"]
        if m.get("kind") in MEASURE_KINDS
    ]
    matching = match(old, new, removed)
    new_by_id = {v.id: v for v in new}
    for version in old:
        target = matching.same.get(version.id)
        if target is None:
            continue
        if target != version.id:
            result.renumbered += 1
        if version.key != new_by_id[target].key:
            result.reworded += 1
        if version.units != new_by_id[target].units:
            result.units_changed += 1
    # Where each old row goes: a matched measure to its new id; a row in the way of a measure of
    # the revision (a removed measure whose number a new one takes, a heading that became a
    # measure) to an id of its own, "hfg-2020-24/2.2.4~1", kept as obsolete.
    taken = set(matching.same.values())
    revision_ids = {m["id"] for m in document["measures"]}
    all_ids = {r[0] for r in conn.execute("SELECT id FROM measures WHERE doc_id = ?", [doc_id])}
    pooled = set(versions)  # every measure, current or removed (not the headings)
    moves: dict[str, tuple[str, str, float | None]] = {}
    for old_id in sorted(all_ids):
        if old_id in matching.same:
            if matching.same[old_id] != old_id:
                moves[old_id] = (matching.same[old_id], "revised", None)
        elif old_id in taken or (old_id in revision_ids and old_id in pooled):
            moves[old_id] = (_spare_id(old_id, all_ids | revision_ids), "removed", None)
            all_ids.add(moves[old_id][0])
    proposals = []
    for old_id, new_id, score in matching.proposed:
        if old_id in current:
            proposals.append((moves.get(old_id, (old_id,))[0], new_id, score))
    result.proposals = proposals
    if moves:
        _move_measures(conn, doc_id, moves, now)


def _measure_text(title: str | None, text: str | None) -> str:
    title, text = title or "", text or ""
    return text if title and text.startswith(title) else title + text


def _spare_id(measure_id: str, used: set[str]) -> str:
    k = 1
    while f"{measure_id}~{k}" in used:
        k += 1
    return f"{measure_id}~{k}"


# Every table that names a measure by id, and the column that does.
_MEASURE_REFERENCES = (
    ("measures", "id"),
    ("assignments", "measure_id"),
    ("progress", "measure_id"),
    ("events", "measure_id"),
    ("corrections", "measure_id"),
)


def move_measure_records(conn, moves: dict[str, str]) -> None:
    """Give measures new ids, all at once (two measures may swap ids): the row, its parts, progress
    and history. Foreign keys are checked at commit, once every reference has moved."""
    conn.execute("PRAGMA defer_foreign_keys = ON")
    parked = {old: f"\x00{old}" for old in moves}  # no real id starts with NUL
    for table, column in _MEASURE_REFERENCES:
        conn.executemany(
            f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [(parked[o], o) for o in moves]
        )
    for table, column in _MEASURE_REFERENCES:
        conn.executemany(
            f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [(n, parked[o]) for o, n in moves.items()]
        )


def _move_measures(conn, doc_id: str, moves: dict[str, tuple[str, str, float | None]], now: str) -> None:
    move_measure_records(conn, {old: new for old, (new, _, _) in moves.items()})
    (batch,) = conn.execute("SELECT coalesce(max(batch), 0) + 1 FROM measure_moves").fetchone()
    conn.executemany(
        "INSERT INTO measure_moves (old_id, new_id, doc_id, how, score, by, at, batch) "
        "VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
        [(old, new, doc_id, how, score, now, batch) for old, (new, how, score) in moves.items()],
    )


def _measure_record(doc_id: str, seq: int, measure: dict) -> tuple:
    lines = measure.get("lines") or [None, None]
    indicator = measure.get("indicator")
    return (
        doc_id,
        seq,
        measure.get("path"),
        measure.get("parent"),
        measure.get("number"),
        measure.get("kind") or "task",
        measure.get("title"),
        measure.get("text"),
        lines[0],
        lines[-1],
        measure.get("units_raw"),
        int(bool(measure.get("open_list"))),
        json.dumps(measure.get("flags") or [], ensure_ascii=False),
        measure.get("deadline_raw"),
        json.dumps(indicator, ensure_ascii=False) if indicator else None,
        _stored_due(measure),
        json.dumps(measure["due_info"], ensure_ascii=False) if measure.get("due_info") else None,
        _recurrence(measure),
        _stored_due(measure),
        _recurrence(measure),
        0,
    )


def _recurrence(measure: dict) -> str | None:
    info = measure.get("due_info") or {}
    return info.get("recurrence") if info.get("occurrences") else None


def _stored_due(measure: dict) -> str | None:
    """A recurring measure is due per period, worked out on the day it is asked about
    (checklist/periods.py); a fixed date stored beside its occurrences would be read instead."""
    return None if _recurrence(measure) else measure.get("due")


def _wanted_assignments(
    measure: dict, rename: Callable[[str], str], again: Callable[[dict, str], str]
) -> dict[str, tuple]:
    if measure.get("kind") not in MEASURE_KINDS:
        return {}
    wanted: dict[str, tuple] = {}
    for k, unit in enumerate(measure.get("units") or []):
        agency = (unit.get("agency") or unit.get("name") or unit.get("printed") or "").strip()
        renamed = rename(agency)  # a user alias (policy agencies alias) survives reloads
        if renamed == agency and unit.get("resolution") == "unresolved":
            renamed = again(unit, agency)  # the registry may know it now
        agency = renamed
        if agency and agency not in wanted:
            wanted[agency] = (
                unit.get("printed"),
                unit.get("role") or "unspecified",
                unit.get("group") or 1,
                k,
                _stored_due(measure),
            )
    if not wanted:
        wanted[""] = (None, "unspecified", 1, 0, _stored_due(measure))  # unassigned: its own progress slot
    return wanted


def _user_alias_lookup(conn) -> Callable[[str], str]:
    """name → the agency a user alias says it is, matched on folded names as the registry does."""
    rows = conn.execute("SELECT alias, canonical FROM agency_aliases").fetchall()
    if not rows:
        return lambda name: name
    from policycli.agencies import key

    aliases = {key(alias): canonical for alias, canonical in rows}
    return lambda name: aliases.get(key(name), name)


def _registry_again(document: dict) -> Callable[[dict, str], str]:
    """(unit, name) → the unit's agency in today's registry, for a unit the file says was not in the
    registry when the document was ingested (the registry may know it now). Exact names only, in the
    document's district, as ingest resolves them; a name still unknown stays as it is."""
    district = document.get("district") if document.get("level") == "区" else None
    seen: dict[tuple[str, str], str] = {}

    def again(unit: dict, name: str) -> str:
        printed = unit.get("name") or unit.get("printed") or name
        if (printed, name) not in seen:
            from policycli.agencies import bundled_registry

            found = bundled_registry().resolve_printed(printed, district, suggest=False)
            seen[(printed, name)] = found.agency if found.how != "unresolved" else name
        return seen[(printed, name)]

    return again


def _load_assignments(conn, doc_id: str, document: dict) -> None:
    current: dict[tuple[str, str], tuple] = {
        (r[0], r[1]): r[2:]
        for r in conn.execute(
            "SELECT a.measure_id, a.agency, a.printed, a.role, a.grp, a.seq, a.due, a.obsolete FROM "
            "assignments a "
            "JOIN measures m ON m.id = a.measure_id WHERE m.doc_id = ?",
            [doc_id],
        )
    }
    wanted: dict[tuple[str, str], tuple] = {}
    rename, again = _user_alias_lookup(conn), _registry_again(document)
    for measure in document["measures"]:
        for agency, values in _wanted_assignments(measure, rename, again).items():
            wanted[(measure["id"], agency)] = (*values, 0)
    inserts = [(*key, *values) for key, values in wanted.items() if key not in current]
    updates = [
        (*values, *key) for key, values in wanted.items() if key in current and tuple(current[key]) != values
    ]
    # Parts the coordinator's corrections set (policy assign / unassign): a part a correction added
    # is not the document's to drop; a part the document names (again) is the document's; one a
    # correction took off that the document no longer names is simply gone from the document.
    marked = {
        (m, a): (corrected, added)
        for m, a, corrected, added in conn.execute(
            "SELECT a.measure_id, a.agency, a.corrected_by, a.added_by FROM assignments a "
            "JOIN measures m ON m.id = a.measure_id "
            "WHERE m.doc_id = ? AND (a.corrected_by IS NOT NULL OR a.added_by IS NOT NULL)",
            [doc_id],
        )
    }
    conn.executemany(
        "UPDATE assignments SET corrected_by = NULL, added_by = NULL WHERE measure_id = ? AND agency = ?",
        [key for key in marked if key in wanted],
    )
    conn.executemany(
        "UPDATE assignments SET corrected_by = NULL WHERE measure_id = ? AND agency = ?",
        [key for key, (_, added) in marked.items() if key not in wanted and added is None],
    )
    gone = [
        key
        for key, values in current.items()
        if key not in wanted and not values[-1] and (key not in marked or marked[key][1] is None)
    ]
    # An updated document that names a unit's successor (上海银保监局 → 金融监管总局上海监管局) keeps
    # the recorded progress: the assignment is renamed, not dropped and re-added.
    renamed = _renames(gone, inserts)
    # The part's history moves with it (as `policy agencies alias` moves it): `undo` and `history`
    # then find the changes on the part where its progress now is.
    for (measure_id, old), new in renamed.items():
        for table in ("progress", "assignments", "events"):
            conn.execute(
                f"UPDATE {table} SET agency = ? WHERE measure_id = ? AND agency = ?", [new, measure_id, old]
            )
    if renamed:
        moved = {(m, new) for (m, _), new in renamed.items()}
        gone = [key for key in gone if key not in renamed]
        updates += [(*wanted[key], *key) for key in moved]
        inserts = [row for row in inserts if (row[0], row[1]) not in moved]
    conn.executemany(
        "INSERT INTO assignments (measure_id, agency, printed, role, grp, seq, due, obsolete, own_role) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row, row[3]) for row in inserts],
    )
    # own_role: the role the document gives, which undoing a correction's role goes back to
    conn.executemany(
        "UPDATE assignments SET printed = ?, role = ?, grp = ?, seq = ?, due = ?, obsolete = ?, own_role = ? "
        "WHERE measure_id = ? AND agency = ?",
        [(*row[:6], row[1], *row[6:]) for row in updates],
    )
    conn.executemany("UPDATE assignments SET obsolete = 1 WHERE measure_id = ? AND agency = ?", gone)


def open_checklist(path: Path) -> Database:
    """Open the database; on first use (no documents yet) load the bundled documents into it."""
    from policycli.commands import say
    from policycli.paths import bundled_measures_dir
    from policycli.store import connect, is_read_only

    db = connect(path)
    if (
        not is_read_only(path)
        and not db.newer
        and not db.conn.execute("SELECT 1 FROM documents LIMIT 1").fetchone()
    ):
        results = load_files(db, [bundled_measures_dir()])
        say(f"first use: loaded {len(results)} bundled documents into {path}")
    return db


def _renames(gone: list[tuple[str, str]], inserts: list[tuple]) -> dict[tuple[str, str], str]:
    """(measure, old agency) → new agency, where one succeeds the other or both are the same unit."""
    if not gone or not inserts:
        return {}
    from policycli.agencies import bundled_registry

    registry = bundled_registry()
    new_by_measure: dict[str, list[str]] = {}
    for row in inserts:
        new_by_measure.setdefault(row[0], []).append(row[1])
    out: dict[tuple[str, str], str] = {}
    for measure_id, old in gone:
        for new in new_by_measure.get(measure_id, []):
            # Either way round: a document re-loaded in its earlier version names the predecessor
            # again, and the part (with its progress) is still the same unit's.
            if (
                old
                and new
                and (
                    registry.scope(new).get(old) == "predecessor"
                    or registry.scope(old).get(new) == "predecessor"
                    or registry.resolve_printed(old).agency == new
                )
            ):
                out[(measure_id, old)] = new
                new_by_measure[measure_id].remove(new)
                break
    return out
