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


def apply_lineage(conn) -> None:
    """Every document's end as its extensions, repeals and newer versions make it, whatever order
    they were loaded in: each starts from its own end (own_until), then the relations naming it are
    applied in the order their documents were issued (a later extension wins; a repeal or a new
    version ends it, never later than it ended already)."""
    conn.execute(
        "UPDATE documents SET effective_until = own_until, until_by = NULL WHERE until_by IS NOT NULL"
    )
    find = _document_finder(conn)
    relations = conn.execute(
        "SELECT r.doc_id, r.kind, r.title, r.doc_number, r.until, r.quote FROM document_relations r "
        "JOIN documents d ON d.id = r.doc_id WHERE d.obsolete = 0 ORDER BY d.issued_on, r.doc_id, r.rowid"
    ).fetchall()
    for acting, kind, title, number, until, quote in relations:
        target = find(title, number, acting)
        if target is None:
            continue
        (current,) = conn.execute("SELECT effective_until FROM documents WHERE id = ?", [target]).fetchone()
        if kind != "extends" and current is not None and until is not None and current <= until:
            continue  # it had ended already
        provenance = json.dumps({"kind": kind, "doc": acting, "quote": quote}, ensure_ascii=False)
        conn.execute(
            "UPDATE documents SET effective_until = ?, until_by = ? WHERE id = ?", [until, provenance, target]
        )


def relations_of(conn, doc_id: str) -> tuple[list[dict], list[dict]]:
    """(what the document acts on, each with the loaded document it names or None; what acts on it)."""
    find = _document_finder(conn)
    acts_on, acted_on_by = [], []
    for acting, kind, title, number, until, quote in conn.execute(
        "SELECT doc_id, kind, title, doc_number, until, quote FROM document_relations ORDER BY rowid"
    ):
        target = find(title, number, acting)
        entry = {"kind": kind, "title": title, "doc_number": number, "until": until, "quote": quote}
        if acting == doc_id:
            acts_on.append(entry | {"doc": target})
        elif target == doc_id:
            acted_on_by.append(entry | {"doc": acting})
    return acts_on, acted_on_by
