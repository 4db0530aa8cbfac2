"""A 分工表 delivered as a file of its own, attached to the document it belongs to (`ingest --attach-to`).

Attaching re-parses the main document with the table's lines after it, under an "附件" line, exactly
as if the table had been pasted at the end of the main text: the parser does not know the difference,
so the rows become the document's measures the way a pasted table's would (matched to the body items
they restate, else measures of their own under the attachment).

Line numbers run on: the main document keeps its own, the "附件" line takes the next, and an attached
file's line n becomes `its first_line + n - 1`. The document's `source.attachments_files` records each
attached file (name, sha256, bytes, format, unit, where its lines start and its own segments), so `show`
says "附件“分工表.xlsx”工作表“任务分工”第3行" for a row of it (policycli.provenance).

The main document is one ingested in the same run (its id is the one asked for) or one already in
--out; for the latter its source file is looked for, by name and sha256, next to the attached files,
in the current directory and in --out (the structured file records the name, not the path). A later
`policy ingest` of the main document alone attaches again the files its structured file records, when
they are found the same way; one that is not found is named in a warning.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from policycli.errors import BadInput
from policycli.ingest.document import build_document
from policycli.ingest.layout import RawLine, paragraphs
from policycli.ingest.readers import Blocks, read_blocks

MARKER = "附件"


@dataclass
class AttachedBlocks(Blocks):
    """A main document's blocks with attached files' lines after it."""

    attachments: list[dict] = field(default_factory=list)

    def provenance(self) -> dict:
        out = super().provenance()
        out["attachments_files"] = self.attachments
        return out


def combine(main: Blocks, extras: list[Blocks]) -> Blocks:
    """The main document's lines, then for each attached file an "附件" line and its lines, renumbered."""
    if not extras:
        return main
    # Each file's lines are made paragraphs by its own rules first (a hard-wrapped .txt joins its
    # lines, a Word file's are whole already), so one file's joining never glues another's paragraphs.
    lines = _whole(main)
    warnings = list(main.warnings)
    records: list[dict] = []
    last = max((ln.number for ln in lines), default=0)
    for extra in extras:
        lines.append(RawLine(last + 1, MARKER))
        offset = last + 1
        own_last = max((ln.last or ln.number for ln in extra.lines), default=0)
        lines.extend(
            RawLine(ln.number + offset, ln.text, (ln.last + offset) if ln.last else None, ln.after_frame)
            for ln in _whole(extra)
        )
        warnings.extend(extra.warnings)
        record = {
            "file": extra.path.name,
            "sha256": extra.sha256,
            "bytes": extra.size,
            "format": extra.format,
            "unit": extra.unit,
            "first_line": offset + 1,
        }
        if extra.segments:
            record["segments"] = extra.segments  # numbered as in the file itself
        records.append(record)
        last = offset + own_last
    return AttachedBlocks(
        main.path,
        lines,
        main.format,
        main.encoding,
        main.sha256,
        main.size,
        unit=main.unit,
        segments=main.segments,
        warnings=warnings,
        source_lines=main.source_lines,
        whole_paragraphs=True,
        attachments=records,
    )


def _whole(blocks: Blocks) -> list[RawLine]:
    """The file's lines as whole paragraphs (see `paragraphs`), a line each, keeping their line range."""
    if blocks.whole_paragraphs:
        return list(blocks.lines)
    paras, _ = paragraphs(blocks.lines)
    return [RawLine(p.first_line, p.text, p.last_line, p.after_frame) for p in paras]


def _file_sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def find_file(name: str, sha: str | None, places: list[Path]) -> Path | None:
    """The file called `name` with this sha256 in one of `places`, if any (a bare name only)."""
    if not name or Path(name).name != name or name in (".", "..") or "\\" in name:
        return None
    seen: set[Path] = set()
    for place in places:
        candidate = place / name
        try:
            resolved = candidate.resolve()
        except OSError:
            continue
        if resolved in seen or not candidate.is_file() or candidate.stat().st_size > 256 * 1024 * 1024:
            continue  # no reader takes a file that large: do not hash it
        seen.add(resolved)
        if sha is None or _file_sha256(candidate) == sha:
            return candidate
    return None


def recorded(out_dir: Path, doc_id: str, strict: bool = True) -> dict | None:
    """The structured document `doc_id` already in `out_dir`, if there is one; one that does not read is
    an error when `strict`, else as good as none (ingest writes over it)."""
    path = out_dir / f"{doc_id}.json"
    if not path.is_file():
        return None
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        if not strict:
            return None
        raise BadInput(
            f"{path}: not a readable structured document; remove it or ingest into another --out"
        ) from None
    return found if isinstance(found, dict) else None


def _attachments_of(document: dict | None) -> list[dict]:
    source = (document or {}).get("source")
    found = source.get("attachments_files") if isinstance(source, dict) else None
    return (
        [a for a in found if isinstance(a, dict) and isinstance(a.get("file"), str)]
        if isinstance(found, list)
        else []
    )


def search_places(files: list[Path], out_dir: Path) -> list[Path]:
    return [*dict.fromkeys([f.parent for f in files] + [Path.cwd(), out_dir])]


def ingest_attached(
    files: list[Path], out_dir: Path, target: str, encoding: str | None
) -> tuple[dict, list[str]]:
    """The document `target` with every other file of the run attached; and notes for the user."""
    blocks = [read_blocks(f, encoding) for f in files]
    twice = [b for k, b in enumerate(blocks) if any(b.sha256 == a.sha256 for a in blocks[:k])]
    if twice:  # its rows would become the document's measures twice
        raise BadInput(
            f"--attach-to {target}: {twice[0].path.name} is given twice (the same content); pass it once"
        )
    mains = [b for b in blocks if build_document(b)["id"] == target]
    if len(mains) > 1:
        raise BadInput(
            f"--attach-to {target}: {mains[0].path.name} and {mains[1].path.name} both give that id; pass one"
        )
    if not mains:
        existing = recorded(out_dir, target)
        if existing is None:
            raise BadInput(
                f"--attach-to {target}: no document with that id in this run or in {out_dir}; "
                "ingest the document first, or pass its file in the same run"
            )
        source = existing.get("source") if isinstance(existing.get("source"), dict) else {}
        name, sha = source.get("file"), source.get("sha256")
        name = name if isinstance(name, str) else None
        # Its file among this run's (it was ingested with --id), else beside them, here or in --out.
        mains = [b for b in blocks if b.path.name == name and b.sha256 == sha]
        if not mains:
            found = find_file(name, sha, search_places(files, out_dir)) if name else None
            if found is None:
                raise BadInput(
                    f"--attach-to {target}: its source {name or '(unknown)'} is not next to the attached "
                    f"file, in the current directory or in {out_dir} (by name and sha256); "
                    "pass it in the same run: "
                    f"policy ingest {name or 'FILE'} {' '.join(f.name for f in files)} --attach-to {target}"
                )
            return _attached(read_blocks(found, encoding), blocks, out_dir, target)
    extras = [b for b in blocks if b is not mains[0]]
    if not extras:
        raise BadInput(f"--attach-to {target}: nothing to attach; pass the 分工表 file too")
    return _attached(mains[0], extras, out_dir, target)


def _attached(main: Blocks, extras: list[Blocks], out_dir: Path, target: str) -> tuple[dict, list[str]]:
    names = {b.path.name for b in extras}
    before = _attachments_of(recorded(out_dir, target, strict=False))
    notes = [
        f"{target}: {old.get('file')} was attached before and is not now (attachments are replaced); "
        f"pass it again with --attach-to {target} to keep it"
        for old in before
        if old.get("file") not in names
    ]
    return build_document(combine(main, extras), target), notes


def reattach(blocks: Blocks, document: dict, out_dir: Path) -> tuple[dict, list[str]]:
    """A document ingested again on its own gets back the files attached to it before, where found."""
    before = _attachments_of(recorded(out_dir, document["id"], strict=False))
    if not before:
        return document, []
    places = search_places([blocks.path], out_dir)
    extras: list[Blocks] = []
    notes: list[str] = []
    for old in before:
        found = find_file(old.get("file", ""), old.get("sha256"), places) if old.get("file") else None
        if found is None:
            notes.append(
                f"{document['id']}: {old.get('file')} was attached to it and is not found beside it "
                "(same name and sha256); it is no longer attached — "
                f"attach it again with --attach-to {document['id']}"
            )
            continue
        extras.append(read_blocks(found))
    if not extras:
        return document, notes
    return build_document(combine(blocks, extras), document["id"]), notes
