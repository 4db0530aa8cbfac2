"""The development corpora (../shared/corpus, gold written by reading real Shanghai documents): the
parser must reach issue #10's targets there. Skipped where the corpus is absent (an installed package)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from policycli.ingest import ingest_path
from policycli.ingest.run import to_json

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CORPUS / "score.py").is_file(),
        reason=f"no development corpus at {CORPUS} (a checkout beside ../shared)",
    ),
]


def _ingest_each(docs: Path, out: Path, one_folder_each: bool) -> None:
    for source in sorted(docs.iterdir()):
        document = ingest_path(source)
        folder = out / source.stem if one_folder_each else out
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{document['id']}.json").write_text(to_json(document), encoding="utf-8")


def _last_line(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


def test_agencies_corpus_meets_the_targets(tmp_path):
    _ingest_each(CORPUS / "agencies" / "docs", tmp_path, one_folder_each=True)
    line = _last_line([sys.executable, str(CORPUS / "score.py"), str(CORPUS / "agencies"), str(tmp_path)])
    m = re.search(
        r"measures (\d+)/(\d+) unit-F1 ([\d.]+) \(P ([\d.]+) R ([\d.]+)\) lead (\d+)/(\d+) due (\d+)/(\d+) "
        r"validity (\d+)/(\d+) exact (\d+) wrong .* invented (\d+)",
        line,
    )
    assert m, line
    found, total, f1, precision, _, lead, leads, due, dues, valid, valids, wrong, invented = (
        float(g) for g in m.groups()
    )
    assert found == total, line
    assert f1 >= 0.97 and precision >= 0.98, line
    assert lead / leads >= 0.95, line
    assert due / dues >= 0.90, line
    assert valid == valids and wrong == 0, line
    assert invented == 0, line


def test_validity_corpus_meets_the_targets(tmp_path):
    _ingest_each(CORPUS / "validity" / "docs", tmp_path, one_folder_each=False)
    line = _last_line([sys.executable, str(CORPUS / "validity" / "score.py"), str(tmp_path), "--quiet"])
    m = re.search(r"from exact (\d+)/(\d+), until exact (\d+)/(\d+), confident-wrong (\d+)", line)
    assert m, line
    from_ok, n, until_ok, n_until, wrong = (int(g) for g in m.groups())
    assert until_ok == n_until and wrong == 0, line
    assert from_ok == n, line
