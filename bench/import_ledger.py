"""Importing a returned Excel ledger of 10,000 rows (issue 15): target ≤ 3 s, as one `policy import` process.

A document of 2,500 measures with four units each is loaded; its whole ledger (10,000 rows) is exported
to .xlsx with `policy export`, every row's 状态 and 进展情况/备注 edited with openpyxl (as Excel would save
the file), and the return imported. The time is the whole `policy import`: reading the workbook,
checking every row against the database, recording 10,000 marks in one transaction. The files and the
database are built at run time into bench/.work/ (not committed).

Run: make bench-import   (or .venv/bin/python bench/import_ledger.py [rows])
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work" / "import"
POLICY = ROOT / ".venv" / "bin" / "policy"
SECONDS = 3.0
UNITS = ["市商务委", "市发展改革委", "市财政局", "市经济信息化委"]


def main() -> int:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    measures = rows // len(UNITS)
    WORK.mkdir(parents=True, exist_ok=True)
    for old in WORK.glob("*"):
        old.unlink()
    document = {
        "format": "policy-document/1",
        "id": "bench-import",
        "title": "台账导入基准方案",
        "issued_on": "2021-01-01",
        "measures": [
            {
                "id": f"bench-import/{k}",
                "path": str(k),
                "number": f"{k}.",
                "parent": None,
                "kind": "task",
                "title": f"第{k}项任务",
                "text": f"推进第{k}项改革任务，完善工作机制。",
                "due": "2022-12-31",
                "units": [{"printed": u, "name": u, "agency": u, "role": "unspecified"} for u in UNITS],
            }
            for k in range(1, measures + 1)
        ],
    }
    source = WORK / "bench-import.json"
    source.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "POLICY_DB": str(WORK / "policy.db"), "POLICY_TODAY": "2022-03-01"}
    subprocess.run([POLICY, "load", str(source)], check=True, env=env, capture_output=True)
    ledger = WORK / "台账.xlsx"
    subprocess.run([POLICY, "export", "-o", str(ledger)], check=True, env=env, capture_output=True)
    book = openpyxl.load_workbook(ledger)
    sheet = book.worksheets[0]
    header = {cell.value: cell.column for cell in sheet[1]}
    for r in range(2, sheet.max_row + 1):
        sheet.cell(r, header["状态"]).value = "推进中" if r % 2 else "已完成"
        sheet.cell(r, header["进展情况/备注"]).value = f"第{r}行：已按要求推进"
    returned = WORK / "返回.xlsx"
    book.save(returned)
    start = time.perf_counter()
    done = subprocess.run(
        [POLICY, "import", str(returned), "--by", "bench", "-f", "json"],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    recorded = len(json.loads(done.stdout))
    verdict = "met" if seconds <= SECONDS and recorded == sheet.max_row - 1 else "NOT met"
    print(
        f"import of {sheet.max_row - 1:,} returned rows: {seconds:.2f} s, {recorded:,} recorded "
        f"(target ≤ {SECONDS} s: {verdict})"
    )
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    raise SystemExit(main())
