"""`policy ingest` end to end, as a real subprocess."""

from __future__ import annotations

import json

from clitools import run_policy
from conftest import FIXTURES, ROOT, SOURCES
from hypothesis import given, settings
from hypothesis import strategies as st

from policycli.ingest.run import to_json


def test_ingest_writes_one_file_per_document_and_a_summary(tmp_path):
    result = run_policy(
        "ingest", str(FIXTURES / "lead_co.txt"), str(FIXTURES / "markdown.md"), "--out", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["hfgg-2023-5.json", "hsg-2022-3.json"]
    document = json.loads((tmp_path / "hsg-2022-3.json").read_text(encoding="utf-8"))
    assert document["format"] == "policy-document/2"
    assert "hsg-2022-3: 上海市促进跨境电子商务发展实施方案 — 8 tasks, 2 safeguards" in result.stderr


def test_check_writes_nothing(tmp_path):
    result = run_policy("ingest", "--check", str(FIXTURES / "lead_co.txt"), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "out").exists()
    assert "hsg-2022-3" in result.stderr


def test_bad_input_among_good_writes_nothing(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out = tmp_path / "out"
    result = run_policy("ingest", str(FIXTURES / "lead_co.txt"), str(empty), "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "empty" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_missing_file_and_directory_are_one_line_exit_2(tmp_path):
    for target in (tmp_path / "nope.txt", tmp_path):
        result = run_policy("ingest", str(target), "--out", str(tmp_path / "out"))
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr


def test_encoding_option_and_id_option(tmp_path):
    result = run_policy(
        "ingest",
        str(FIXTURES / "district_gb18030.txt"),
        "--encoding",
        "gb18030",
        "--id",
        "cn-2022",
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "cn-2022.json").read_text(encoding="utf-8"))
    assert document["measures"][0]["id"].startswith("cn-2022/")


def test_bundled_structured_files_are_what_ingest_produces_now():
    """`make data` regenerates data/measures; the committed files must not drift from the parser."""
    from policycli.ingest import ingest_path

    committed = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "data" / "measures").glob("*.json")}
    produced = {}
    for source in sorted(SOURCES.iterdir()):
        document = ingest_path(source)
        produced[f"{document['id']}.json"] = to_json(document)
    assert sorted(committed) == sorted(produced)
    for name, text in produced.items():
        assert committed[name] == text, f"data/measures/{name} is stale: run make data"


def test_an_id_is_a_plain_name_that_cannot_leave_out(tmp_path):
    out = tmp_path / "deep" / "out"
    for bad in ("../../escaped", str(tmp_path / "absolute"), "a/b", ".hidden", ""):
        result = run_policy(
            "ingest", str(FIXTURES / "lead_co.txt"), "--out", str(out), "--id", bad, cwd=tmp_path
        )
        assert result.returncode == 2, bad
        assert "plain name" in result.stderr and result.stderr.count("\n") == 1, bad
    assert (
        not out.exists()
        and not (tmp_path / "escaped.json").exists()
        and not (tmp_path / "absolute.json").exists()
    )
    result = run_policy(
        "ingest", str(FIXTURES / "lead_co.txt"), "--out", str(out), "--id", "cross-border_2022.3"
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["cross-border_2022.3.json"]


_JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from('\u3000（）《》"\\\n\t\x00\u2028'))
)
_JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(
            st.text(max_size=4) | st.integers() | st.floats() | st.booleans() | st.none(), inner, max_size=4
        )
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(_JSON_VALUES)
def test_indented_json_writes_what_json_dumps_writes(value):
    from policycli.ingest.run import indented_json

    assert indented_json(value) == json.dumps(value, ensure_ascii=False, indent=1)


def test_indented_json_of_the_bundled_documents():
    from policycli.ingest.run import indented_json

    for path in sorted((ROOT / "data" / "measures").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        assert indented_json(document) == json.dumps(document, ensure_ascii=False, indent=1), path.name
