"""What loaded documents do to each other: an extension notice moves the end of the document it names,
a repeal or a new version ends it (ingest/lineage.py reads the relations from the text). Applied
whenever documents are loaded, to all of them, so the order they come in does not matter."""

from __future__ import annotations

import json
from collections.abc import Callable


def _document_finder(conn) -> Callable[[str, str | None, str], str | None]:
    """(title, 文号, acting document) → the loaded document a relation names, never the acting one (a
    new version often has the old one's title): by its 文号, else by its title or notice title
    (folded, brackets and white space aside; an inner <办法> title stands for its notice)."""
    from policycli.ingest.lineage import number_key, title_key

    by_number: dict[str, str] = {}
    by_title: dict[str, list[str]] = {}
    for doc_id, number, title, notice_title in conn.execute(
        "SELECT id, doc_number, title, json_extract(data, '$.notice_title') FROM documents WHERE obsolete = 0"
    ):
        if number:
            by_number.setdefault(number_key(number), doc_id)
        for name in {title, notice_title} - {None, ""}:
            by_title.setdefault(title_key(name), []).append(doc_id)

    def find(title: str, number: str | None, acting: str) -> str | None:
        if number and by_number.get(number_key(number), acting) != acting:
            return by_number[number_key(number)]
        return next((d for d in by_title.get(title_key(title), []) if d != acting), None)

    return find


def relations(conn) -> list[tuple]:
    """Every relation between the loaded documents (see _relations), worked out once per load."""
    return _relations(conn, _document_finder(conn))


def apply_lineage(conn, found: list[tuple]) -> None:
    """Every document's end as its extensions, repeals and newer versions make it, whatever order
    they were loaded in: each starts from its own end (own_until), then the relations naming it are
    applied in the order their documents were issued (a later extension wins; a repeal or a new
    version ends it, never later than it ended already)."""
    conn.execute(
        "UPDATE documents SET effective_until = own_until, until_by = NULL WHERE until_by IS NOT NULL"
    )
    for acting, kind, _title, _number, until, quote, target in found:
        if target is None:
            continue
        (current,) = conn.execute("SELECT effective_until FROM documents WHERE id = ?", [target]).fetchone()
        if kind != "extends" and current is not None and until is not None and current <= until:
            continue  # it had ended already
        provenance = json.dumps({"kind": kind, "doc": acting, "quote": quote}, ensure_ascii=False)
        conn.execute(
            "UPDATE documents SET effective_until = ?, until_by = ? WHERE id = ?", [until, provenance, target]
        )


def _relations(conn, find) -> list[tuple]:
    """Every relation between loaded documents, in the order the acting documents were issued:
    (acting, kind, title, 文号, until, quote, the document acted on or None). Besides those the texts
    state, a document with another's title (its version label aside) and a new 文号, issued later,
    is its new version: it supersedes it from the day it takes effect."""
    from policycli.ingest.lineage import day_before, number_key, title_key

    stated = conn.execute(
        "SELECT r.doc_id, r.kind, r.title, r.doc_number, r.until, r.quote, d.issued_on "
        "FROM document_relations r JOIN documents d ON d.id = r.doc_id WHERE d.obsolete = 0"
    ).fetchall()
    out = [(*row[:6], find(row[2], row[3], row[0]), row[6]) for row in stated]
    named = {(row[0], row[6]) for row in out}
    # the same title from the same issuer, in the same 文号 series (沪商规〔2021〕3号 → 沪商规〔2023〕5号):
    # two districts' plans often share a title, and they are not versions of each other
    by_title: dict[tuple, list[tuple]] = {}
    for doc_id, title, number, issued, start, issuer, district in conn.execute(
        "SELECT id, title, doc_number, issued_on, effective_from, issuer, district FROM documents "
        "WHERE obsolete = 0 AND title IS NOT NULL AND issued_on IS NOT NULL"
    ):
        series = number_key(number).split("〔")[0] if number else None
        key = (title_key(title), issuer, district, series)
        by_title.setdefault(key, []).append((issued, doc_id, title, number, start))
    for versions in by_title.values():
        versions.sort()
        for (issued, old, title, number, _), (later, new, _, new_number, start) in zip(
            versions, versions[1:], strict=False
        ):
            if later == issued or (number and number == new_number) or (new, old) in named:
                continue  # the same day, the same 文号, or said already
            quote = f"同题新版（{new_number or later}）"
            out.append((new, "supersedes", title, number, day_before(start or later), quote, old, later))
    out.sort(key=lambda row: (row[7] or "", row[0]))
    return [row[:7] for row in out]


def relations_of(conn, doc_id: str) -> tuple[list[dict], list[dict]]:
    """(what the document acts on, each with the loaded document it names or None; what acts on it)."""
    find = _document_finder(conn)
    acts_on, acted_on_by = [], []
    for acting, kind, title, number, until, quote, target in _relations(conn, find):
        entry = {"kind": kind, "title": title, "doc_number": number, "until": until, "quote": quote}
        if acting == doc_id:
            acts_on.append(entry | {"doc": target})
        elif target == doc_id:
            acted_on_by.append(entry | {"doc": acting})
    return acts_on, acted_on_by


def carry_over(
    conn, now: str, loaded: set[str], found: list[tuple]
) -> list[tuple[str, str, list[str], list[tuple]]]:
    """A new version of a loaded document (one that supersedes it, found as apply_lineage finds it):
    the old version's progress, history and corrections follow each of its measures to the new
    version's measure that says the same (identity.match), once, when either version is among the
    documents this load changed (`loaded`). Returns what to say: (new version, old version, lines,
    proposals for policy link)."""
    from policycli.checklist.linking import clashes, move_progress
    from policycli.identity import match
    from policycli.load import stored_versions

    said: list[tuple[str, str, list[str], list[tuple]]] = []
    for acting, kind, *_, old_doc in found:
        if kind != "supersedes" or old_doc is None or not {acting, old_doc} & loaded:
            continue
        recorded = {
            r[0]
            for r in conn.execute(
                "SELECT measure_id FROM progress WHERE measure_id >= ? AND measure_id < ? "
                "UNION SELECT measure_id FROM corrections WHERE measure_id >= ? AND measure_id < ? "
                "AND state = 'active'",
                [old_doc + "/", old_doc + "0"] * 2,
            )
        }
        old = [v for v in stored_versions(conn, old_doc)[0] if v.id in recorded]
        if not old:
            continue  # nothing recorded on the old version (or all of it carried over already)
        matching = match(old, stored_versions(conn, acting)[0])
        (batch,) = conn.execute("SELECT coalesce(max(batch), 0) + 1 FROM measure_moves").fetchone()
        kept = [old_id for old_id, new_id in matching.same.items() if clashes(conn, old_id, new_id)]
        for old_id, new_id in matching.same.items():
            if old_id not in kept:  # never over progress the new version's measure has of its own
                move_progress(conn, old_id, new_id, acting, "carried", None, now, batch)
        carried = len(matching.same) - len(kept)
        lines = [f"{carried} measure(s)' progress carried over from {old_doc}, the version this one replaces"]
        lines = lines if carried else []
        lines += [f"{old_id}: not carried over, its measure here has progress of its own" for old_id in kept]
        if lines or matching.proposed:
            said.append((acting, old_doc, lines, matching.proposed))
    return said
