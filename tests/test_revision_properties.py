"""Random revisions of a document never attach progress to a measure whose text is unrelated to the one
it was recorded on (issue 14), and never lose any.

A first version of generated, distinct measures is loaded and every measure marked with a note naming
it; a revision inserts, deletes, swaps and rewords items (renumbering what follows); after the load,
each recorded status is either on the measure it became or kept on the removed original.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policycli.checklist import mark
from policycli.load import load_files
from policycli.store import connect

pytestmark = pytest.mark.slow  # fuzzing

WORDS = [
    "推进", "建设", "完善", "机制", "加强", "管理", "服务", "创新", "发展", "提升", "能力", "优化", "环境",
    "深化", "改革", "统筹", "协调", "落实", "责任", "强化", "监督", "保障", "安全", "开放", "贸易", "数字",
    "金融", "科技", "人才", "园区", "企业", "平台", "口岸", "通关", "物流", "标准", "信用", "审批", "融资",
]  # fmt: skip
UNIT = "市商务委"


def sentence(draw) -> str:
    return "".join(draw(st.lists(st.sampled_from(WORDS), min_size=6, max_size=12, unique=True))) + "。"


def alike(a: str, b: str) -> float:
    """Character pairs in common (Dice): texts this alike are not "unrelated" measures."""
    pa, pb = ({x[k : k + 2] for k in range(len(x) - 1)} for x in (a, b))
    return 2 * len(pa & pb) / (len(pa) + len(pb))


def distinct(text: str, others) -> bool:
    return all(alike(text, other) < 0.5 for other in others)


@st.composite
def revisions(draw):
    """(first version's texts, revision as (text, origin index or None) in order)."""
    first: list[str] = []
    for _ in range(draw(st.integers(3, 12))):
        text = sentence(draw)
        if distinct(text, first):  # measures of one document say different things
            first.append(text)
    revised: list[tuple[str, int | None]] = [(t, k) for k, t in enumerate(first)]
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["insert", "delete", "swap", "reword"]))
        at = draw(st.integers(0, max(0, len(revised) - 1)))
        if action == "insert":
            text = sentence(draw)
            if distinct(text, [t for t, _ in revised] + first):  # a new measure, not a reworded one
                revised.insert(at, (text, None))
        elif action == "delete" and len(revised) > 1:
            del revised[at]
        elif action == "swap" and len(revised) > 1:
            other = draw(st.integers(0, len(revised) - 1))
            revised[at], revised[other] = revised[other], revised[at]
        elif action == "reword" and revised:
            text, origin = revised[at]
            # one word more at the end: still the same measure
            revised[at] = (text[:-1] + draw(st.sampled_from(WORDS)) + "。", origin)
    return first, revised


def document(texts: list[str]) -> dict:
    return {
        "format": "policy-document/1",
        "id": "prop",
        "title": "随机修订方案",
        "issued_on": "2021-01-01",
        "measures": [
            {
                "id": f"prop/{k + 1}",
                "path": str(k + 1),
                "number": f"{k + 1}.",
                "parent": None,
                "kind": "task",
                "title": text[:-1],
                "text": text,
                "units": [{"printed": UNIT, "name": UNIT, "agency": UNIT, "role": "unspecified"}],
            }
            for k, text in enumerate(texts)
        ],
    }


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
@given(case=revisions())
def test_progress_stays_with_its_measure_through_random_revisions(case):
    first, revised = case
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        db = connect(folder / "policy.db")
        v1, v2 = folder / "v1.json", folder / "v2.json"
        v1.write_text(json.dumps(document(first), ensure_ascii=False), encoding="utf-8")
        v2.write_text(json.dumps(document([t for t, _ in revised]), ensure_ascii=False), encoding="utf-8")
        load_files(db, [v1])
        for k in range(len(first)):
            mark(db, f"prop/{k + 1}", "done", agency=UNIT, note=f"origin-{k}", by="测试")
        load_files(db, [v2])
        rows = db.conn.execute(
            "SELECT m.id, m.text, m.obsolete, p.note FROM progress p JOIN measures m ON m.id = p.measure_id"
        ).fetchall()
        assert sorted(note for *_, note in rows) == sorted(
            f"origin-{k}" for k in range(len(first))
        )  # none lost
        where = {f"prop/{k + 1}": origin for k, (_, origin) in enumerate(revised)}
        for measure_id, text, obsolete, note in rows:
            origin = int(note.removeprefix("origin-"))
            if obsolete:  # kept on the original, as it was
                assert text == first[origin], (measure_id, note)
            else:  # on the measure it became, never on another
                assert where[measure_id] == origin, (measure_id, text, note, revised)
        # each change in the history sits where its progress is
        assert not db.conn.execute(
            "SELECT 1 FROM events e JOIN progress p ON p.measure_id = e.measure_id WHERE p.note != e.note"
        ).fetchone()
        db.conn.close()
