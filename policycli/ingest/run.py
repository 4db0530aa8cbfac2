"""`policy ingest`: parse every file first, then write them all or none."""

from __future__ import annotations

import functools
import gc
import json
import re
from collections import Counter
from pathlib import Path

from policycli.commands import say
from policycli.errors import BadInput
from policycli.files import check_output, database_files, write_all_or_none
from policycli.ingest import MEASURE_KINDS
from policycli.paths import database_path


def to_json(document: dict) -> str:
    """The structured file's bytes: stable key order, one measure per few lines, UTF-8 Chinese."""
    text = indented_json(document)
    # Line ranges on one line ("lines": [107, 107]) keep the file short enough to review.
    return re.sub(r"\[\s+(-?[0-9]+),\s+(-?[0-9]+)\s+\]", r"[\1, \2]", text) + "\n"


def indented_json(value, indent: str = "\n") -> str:
    """json.dumps(value, ensure_ascii=False, indent=1), character for character, in a third less time.

    With an indent the json module writes through its pure-Python encoder, a generator per container
    (~0.4 s for the 17 MB of a 10 MB input); here each container is one join and the strings go through
    the same C escaper (tests/test_cli_ingest.py compares both on any JSON value)."""
    cls = value.__class__
    if cls is dict or (cls is not list and isinstance(value, dict)):
        if not value:
            return "{}"
        inner = indent + " "
        parts = []
        for key, item in value.items():
            key = _json_string(key) if key.__class__ is str else _json_key(key)
            kind = item.__class__
            if kind is str:
                parts.append(key + ": " + _json_string(item))
            elif item is None:
                parts.append(key + ": null")
            elif kind is int:
                parts.append(key + ": " + int.__repr__(item))
            else:
                parts.append(key + ": " + indented_json(item, inner))
        return "{" + inner + ("," + inner).join(parts) + indent + "}"
    if cls is list or isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = indent + " "
        parts = []
        for item in value:
            kind = item.__class__
            if kind is str:
                parts.append(_json_string(item))
            elif kind is int:
                parts.append(int.__repr__(item))
            else:
                parts.append(indented_json(item, inner))
        return "[" + inner + ("," + inner).join(parts) + indent + "]"
    if isinstance(value, str):
        return _json_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _json_float(value)
    raise TypeError(f"Object of type {cls.__name__} is not JSON serializable")


def _json_float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (_INFINITY, -_INFINITY):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _json_key(key) -> str:
    """A key that is not a str, as json.dumps writes it (or refuses it)."""
    if isinstance(key, str):
        return _json_string(key)
    if isinstance(key, float):
        return _json_string(_json_float(key))
    if key is True or key is False or key is None:
        return {True: '"true"', False: '"false"', None: '"null"'}[key]
    if isinstance(key, int):
        return _json_string(int.__repr__(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


_INFINITY = float("inf")
_json_string = json.encoder.encode_basestring  # the C escaper json.dumps(ensure_ascii=False) uses


def summary(document: dict) -> str:
    kinds = Counter(m["kind"] for m in document["measures"] if m["kind"] in MEASURE_KINDS)
    counted = ", ".join(f"{kinds[k]} {k}{'s' if kinds[k] != 1 else ''}" for k in MEASURE_KINDS if kinds[k])
    unassigned = sum(1 for m in document["measures"] if m["kind"] in MEASURE_KINDS and not m["units"])
    return (
        f"{document['id']}: {document['title'] or '(untitled)'} — {counted or 'no measures'}; "
        f"{unassigned} without a responsible unit; {len(document['warnings'])} warnings"
    )


def _collector_paused(function):
    """Run `function` with Python's cyclic garbage collector off (back on afterwards, as it was).

    A parse allocates millions of small objects (nodes, units, rows, the JSON-ready dicts) that all live
    until the documents are written, and builds next to no cyclic garbage: the collector walked the
    growing heap again and again and freed nothing (~0.5 s of a 10 MB input). Reference counting still
    frees everything else."""

    @functools.wraps(function)
    def paused(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}(?<!\.)")


@_collector_paused
def ingest_files(
    files: list[Path],
    out_dir: Path,
    check: bool,
    encoding: str | None,
    doc_id: str | None,
    attach_to: str | None = None,
) -> list[dict]:
    """Parse every file, then (unless `check`) write each document's JSON into `out_dir`.

    `attach_to`: the id of a document in this run or already in `out_dir`; every other file of the run
    is attached to it (a separately delivered 分工表, see attach.py) and only that document is written."""
    if doc_id and len(files) != 1:
        raise BadInput("--id names one document; pass exactly one file with it")
    for name, value in (("--id", doc_id), ("--attach-to", attach_to)):
        # An id becomes a file name in --out: a plain name only ("../../e", "/tmp/x" would escape it).
        if value is not None and not PLAIN_ID.fullmatch(value):
            raise BadInput(
                f"{name} {value!r}: an id is a plain name of letters, digits, - and _ (e.g. hfg-2020-24)"
            )
    if doc_id and attach_to:
        raise BadInput("--id and --attach-to do not go together: the attached document keeps its id")
    from policycli.ingest import attach
    from policycli.ingest.document import build_document
    from policycli.ingest.readers import read_blocks
    from policycli.progress import track

    notes: list[str] = []
    if attach_to:
        document, notes = attach.ingest_attached(files, out_dir, attach_to, encoding)
        documents = [document]
    else:
        documents = []
        for f in track(files, len(files), "ingesting"):
            blocks = read_blocks(f, encoding)
            document, again = attach.reattach(blocks, build_document(blocks, doc_id), out_dir)
            documents.append(document)
            notes.extend(again)
    ids = Counter(d["id"] for d in documents)
    clashes = [i for i, n in ids.items() if n > 1]
    if clashes:
        raise BadInput(f"two inputs give the same document id {clashes[0]}; ingest them separately with --id")
    for document in documents:
        say(summary(document))
        for warning in document["warnings"]:
            say(f"  warning: {warning}")
    for note in notes:
        say(f"  note: {note}")
    if check:
        return documents
    if out_dir.exists() and not out_dir.is_dir():
        raise BadInput(f"{out_dir}: not a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    # All files or none (a full disk on the third leaves the first two unwritten), never over the
    # database the checklist uses.
    outputs = [
        (out_dir / f"{document['id']}.json", to_json(document).encode("utf-8")) for document in documents
    ]
    in_use = database_files(database_path())
    for path, _ in outputs:
        check_output(path, force=True, in_use=in_use)
    write_all_or_none(outputs)
    say(f"wrote {len(documents)} file{'s' if len(documents) != 1 else ''} to {out_dir}")
    return documents
