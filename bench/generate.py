"""Build realistic structured corpora from the seeds' shapes: N measures in documents of ~1,000.

About 200 agencies at city and district levels (the registry's, then synthetic district bureaus),
1–8 agencies per measure, Chinese text of seed-like length cut from the seed texts, a due date on
most measures and a yearly recurrence on a few.

    python bench/generate.py OUT_DIR --measures 100000
"""

from __future__ import annotations

import argparse
import json
import random
import re
from datetime import date, timedelta
from pathlib import Path

from policycli.districts import DISTRICTS as SHANGHAI_DISTRICTS

ROOT = Path(__file__).resolve().parent.parent
PER_DOCUMENT = 1000
DISTRICTS = list(SHANGHAI_DISTRICTS)  # the 16, in the city's order
BUREAUS = ["发改委", "商务委", "科委", "财政局", "人社局", "市场监管局", "建管委", "规划资源局", "司法局"]


def agencies() -> list[str]:
    import csv

    with (ROOT / "data" / "agencies.csv").open(encoding="utf-8") as handle:
        names = [r["canonical"] for r in csv.DictReader(handle) if r["type"] != "collective"]
    names += [d + b for d in DISTRICTS for b in BUREAUS]
    return list(dict.fromkeys(names))[:200]


def sentences() -> list[str]:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "sources").iterdir()))
    text = re.sub(r"\s+", "", text)
    parts = [s + "。" for s in re.split(r"[。.]", text) if 20 <= len(s) <= 160 and "\t" not in s]
    return parts


def build(out: Path, measures: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    names = agencies()
    # a few agencies carry a large share, as 市商务委 does in the trade plan
    weights = [8 if n in ("市商务委", "市发展改革委", "市经济信息化委") else 1 for n in names]
    texts = sentences()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    documents = max(1, measures // PER_DOCUMENT)
    for d in range(documents):
        count = PER_DOCUMENT if d < documents - 1 else measures - PER_DOCUMENT * (documents - 1)
        start = date(2019, 1, 1) + timedelta(days=rng.randrange(0, 1500))
        end = start + timedelta(days=rng.choice([365, 730, 1095, 1825]))
        doc_id = f"bench-{d:04d}"
        items = []
        for k in range(1, count + 1):
            chosen = list(dict.fromkeys(rng.choices(names, weights=weights, k=rng.randint(1, 8))))
            text = "".join(rng.choice(texts) for _ in range(rng.randint(1, 3)))
            recurring = rng.random() < 0.02
            due = (
                None
                if recurring
                else (start + timedelta(days=rng.randrange(0, (end - start).days + 1))).isoformat()
            )
            occurrences = (
                [date(y, 12, 31).isoformat() for y in range(start.year, end.year)] + [end.isoformat()]
                if recurring
                else []
            )
            items.append(
                {
                    "id": f"{doc_id}/{1 + (k - 1) // 50}.{k}",
                    "path": f"{1 + (k - 1) // 50}.{k}",
                    "number": f"{k}.",
                    "parent": None,
                    "kind": "task",
                    "title": text[:30],
                    "text": text,
                    "lines": [k, k],
                    "units": [
                        {"printed": n, "name": n, "agency": n, "role": "unspecified", "group": 1}
                        for n in chosen
                    ],
                    "due": due,
                    "due_info": {
                        "date": due,
                        "precision": "day",
                        "quote": "2021年底前",
                        "rule": "stated",
                        "inherited": False,
                        "recurrence": "yearly" if recurring else None,
                        "occurrences": occurrences,
                        "lines": [k, k],
                    },
                }
            )
        document = {
            "format": "policy-document/1",
            "id": doc_id,
            "title": f"基准测试文件{d}",
            "doc_number": f"沪基〔2021〕{d}号",
            "issuer": "上海市人民政府",
            "level": "市",
            "issued_on": start.isoformat(),
            "effective_from": start.isoformat(),
            "effective_until": end.isoformat(),
            "source": {"file": f"{doc_id}.txt"},
            "measures": items,
        }
        path = out / f"{doc_id}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--measures", type=int, default=10000)
    args = parser.parse_args()
    files = build(args.out, args.measures)
    print(f"wrote {len(files)} documents, {args.measures} measures, to {args.out}")


if __name__ == "__main__":
    main()
