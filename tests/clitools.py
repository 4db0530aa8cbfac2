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
