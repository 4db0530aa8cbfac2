"""Run the `policy` command against a temporary database: in this process (fast: no interpreter
start-up, no imports), or as a real subprocess where the process is the subject (exit codes of a
signal, stdin, a working directory, file descriptors) — `real=True`, or POLICY_TEST_SUBPROCESS=1
to run every call for real."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import traceback
from pathlib import Path

ENVIRONMENT = {"PYTHONIOENCODING": "utf-8", "COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}


def run_policy(
    *args: str,
    db: Path | None = None,
    env: dict | None = None,
    cwd: Path | None = None,
    input: str | None = None,
    real: bool = False,
) -> subprocess.CompletedProcess[str]:
    environment = dict(ENVIRONMENT)
    if db is not None:
        environment["POLICY_DB"] = str(db)
    environment.update(env or {})
    if real or cwd is not None or input is not None or os.environ.get("POLICY_TEST_SUBPROCESS") == "1":
        return subprocess.run(
            [sys.executable, "-m", "policycli", *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env={**os.environ, **environment},
            cwd=cwd,
            timeout=120,
            input=input,
        )
    return _in_process(list(args), environment)


def _in_process(argv: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """main(argv) with this environment and captured UTF-8 stdout/stderr; what a process would give."""
    from policycli.main import main

    saved_environ, saved_streams = dict(os.environ), (sys.stdout, sys.stderr)
    out, err = io.BytesIO(), io.BytesIO()
    # kept referenced until read: a TextIOWrapper closes its buffer when it is collected
    streams = (
        io.TextIOWrapper(out, encoding="utf-8", write_through=True),
        io.TextIOWrapper(err, encoding="utf-8", write_through=True),
    )
    sys.stdout, sys.stderr = streams
    os.environ.update(environment)
    code = 0
    try:
        main(argv)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:  # what the interpreter would print for an uncaught error
        sys.stderr.write(traceback.format_exc())
        code = 1
    finally:
        for stream in streams:
            stream.flush()
        stdout, stderr = _as_text(out.getvalue()), _as_text(err.getvalue())
        sys.stdout, sys.stderr = saved_streams
        os.environ.clear()
        os.environ.update(saved_environ)
    return subprocess.CompletedProcess(["policy", *argv], code, stdout, stderr)


def _as_text(data: bytes) -> str:
    """Bytes read the way subprocess's text mode reads them (universal newlines: \\r\\n → \\n)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace").read()


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
    rest = header_line[header_line.index(header) + len(header) :]
    gap = len(rest) - len(rest.lstrip(" "))
    nxt = rest.lstrip(" ")
    end = start + cell_len(header) + gap if nxt else 10**6
    out = []
    for line in lines[head + 2 :]:
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


def generated_document(doc_id: str, title: str, doc_number: str, measures: list[dict]) -> dict:
    """A structured file of generated measures (the tests' own documents, not parsed ones): a
    municipal document in force 2020–2023 around `measures`."""
    return {
        "format": "policy-document/1",
        "id": doc_id,
        "title": title,
        "doc_number": doc_number,
        "issuer": "上海市人民政府",
        "level": "市",
        "issued_on": "2020-01-01",
        "effective_from": "2020-01-01",
        "effective_until": "2023-12-31",
        "source": {"file": f"{doc_id}.txt"},
        "measures": measures,
    }


def generated_measure(
    doc_id: str,
    k: int,
    *,
    kind: str,
    title: str | None,
    text: str,
    units: list[str],
    due: str | None,
    recurrence: str | None = None,
    occurrences: list[str] | tuple = (),
) -> dict:
    """Measure `k` of a generated document (generated_document), responsible `units` by their names."""
    return {
        "id": f"{doc_id}/{k}",
        "path": str(k),
        "number": f"{k}.",
        "parent": None,
        "kind": kind,
        "title": title,
        "text": text,
        "lines": [k, k],
        "units": [{"printed": n, "name": n, "agency": n, "role": "unspecified", "group": 1} for n in units],
        "due": due,
        "due_info": {
            "date": due,
            "precision": "day",
            "quote": "2021年底前",
            "rule": "stated",
            "inherited": False,
            "recurrence": recurrence,
            "occurrences": list(occurrences),
            "lines": [k, k],
        },
    }
