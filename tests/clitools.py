"""Run the real `policy` command in a subprocess against a temporary database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run_policy(*args: str, db: Path | None = None, env: dict | None = None, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}
    if db is not None:
        environment["POLICY_DB"] = str(db)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "policycli", *args], capture_output=True, text=True, encoding="utf-8",
        env=environment, cwd=cwd, timeout=120, input=input,
    )


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def as_json(result: subprocess.CompletedProcess[str]):
    return json.loads(ok(result).stdout)


def table_column(output: str, header: str) -> str:
    """The text of one column of a rich table, read by display cells, lines joined."""
    from rich.cells import cell_len

    lines = output.splitlines()
    head = next(k for k, line in enumerate(lines) if header in line)
    header_line = lines[head]
    start = cell_len(header_line[: header_line.index(header)])
    # the column ends where the next header begins
    rest = header_line[header_line.index(header) + len(header):]
    gap = len(rest) - len(rest.lstrip(" "))
    nxt = rest.lstrip(" ")
    end = start + cell_len(header) + gap if nxt else 10**6
    out = []
    for line in lines[head + 2:]:
        cells, position = [], 0
        for char in line:
            width = cell_len(char)
            if start <= position < end:
                cells.append(char)
            position += width
        out.append("".join(cells).strip())
    return "".join(out)


def bundled_variant(tmp_path: Path, new_id: str, edit) -> Path:
    """A copy of a bundled structured document (静安区 opinions) under another id, edited by
    `edit(document)`, written to tmp_path; for tests that need hostile or unusual data loaded."""
    root = Path(__file__).resolve().parent.parent
    document = json.loads((root / "data" / "measures" / "qmtjjaqg-2018.json").read_text(encoding="utf-8"))
    document["id"] = new_id
    for measure in document["measures"]:
        measure["id"], measure["parent"] = f"{new_id}/{measure['path']}", None
    edit(document)
    path = tmp_path / f"{new_id}.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path
