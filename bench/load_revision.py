"""Loading a revision of a 1,000-measure document (issue 14): target < 2 s, as one `policy load` process.

The first version has 1,000 distinct measures with units, 300 of them marked; the revision inserts 50,
deletes 50, rewords 50 and swaps 25 pairs, renumbering what follows, as a revised plan does. The time is
the whole `policy load` of the revision: reading and checking the file, matching the measures by content
(policycli/identity.py), moving progress and history to the new ids, writing. The files and the database
are built at run time into bench/.work/ (not committed).

Run: make bench-revision   (or .venv/bin/python bench/load_revision.py [measures])
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work" / "revision"
POLICY = ROOT / ".venv" / "bin" / "policy"
SECONDS = 2.0
WORDS = (
    "推进 建设 完善 机制 加强 管理 服务 创新 发展 提升 能力 优化 环境 深化 改革 统筹 协调 落实 责任 强化"
).split()
UNITS = ["市商务委", "市发展改革委", "市财政局", "市经济信息化委", "上海海关", "市税务局"]


def sentence(rng: random.Random) -> str:
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(10, 24))) + "。"


def document(items: list[tuple[str, list[str]]]) -> dict:
    return {
        "format": "policy-document/1",
        "id": "bench-revision",
        "title": "修订基准方案",
        "issued_on": "2021-01-01",
        "measures": [
            {
                "id": f"bench-revision/{k + 1}",
                "path": str(k + 1),
                "number": f"{k + 1}.",
                "parent": None,
                "kind": "task",
                "title": text[:12],
                "text": text,
                "units": [{"printed": u, "name": u, "agency": u, "role": "unspecified"} for u in units],
            }
            for k, (text, units) in enumerate(items)
        ],
    }


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rng = random.Random(14)
    seen: set[str] = set()
    first = []
    while len(first) < count:
        text = sentence(rng)
        if text not in seen:
            seen.add(text)
            first.append((text, rng.sample(UNITS, rng.randint(1, 3))))
    revised = list(first)
    for _ in range(count // 20):
        del revised[rng.randrange(len(revised))]
    for _ in range(count // 20):
        at = rng.randrange(len(revised))
        revised[at] = (revised[at][0][:-1] + rng.choice(WORDS) + "。", revised[at][1])
    for _ in range(count // 40):
        a, b = rng.randrange(len(revised)), rng.randrange(len(revised))
        revised[a], revised[b] = revised[b], revised[a]
    for _ in range(count // 20):
        revised.insert(rng.randrange(len(revised)), (sentence(rng), [rng.choice(UNITS)]))
    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / "policy.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    v1, v2 = WORK / "v1.json", WORK / "v2.json"
    v1.write_text(json.dumps(document(first), ensure_ascii=False), encoding="utf-8")
    v2.write_text(json.dumps(document(revised), ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "POLICY_DB": str(db), "POLICY_TODAY": "2021-07-01"}
    subprocess.run([str(POLICY), "load", str(v1)], env=env, check=True, capture_output=True)
    sys.path.insert(0, str(ROOT))
    from policycli.checklist import mark
    from policycli.store import connect

    database = connect(db)
    for k in range(0, count, max(1, count // 300)):
        mark(database, f"bench-revision/{k + 1}", "done", agency=first[k][1][0], note="bench", by="bench")
    database.conn.close()
    start = time.perf_counter()
    done = subprocess.run([str(POLICY), "load", str(v2)], env=env, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    print(done.stderr.strip().splitlines()[0])
    verdict = "ok" if seconds < SECONDS else "TOO SLOW"
    print(f"load of a {count}-measure revision: {seconds:.2f} s (target < {SECONDS:.0f} s) {verdict}")
    return 0 if seconds < SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
