"""`policy ingest` over generated text (issue 12): never a traceback or a hang, only a parsed document or a
one-line refusal (BadInput, exit 2) that writes nothing. Texts are strung together from the pieces policy
documents are made of — numbering (一、 （一） 1. （1） ①), labels and units (责任单位：市商务委、…),
brackets, dates (2025年12月底前, 每年), validity clauses, 附件, table pipes and tabs, Markdown and HTML — with
white space, line breaks, control characters and any other (surrogate-free) Unicode, sometimes a piece
repeated hundreds of times. In-process through the entry the CLI uses (run.ingest_files); then a few hostile
files through a real `policy ingest` process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from clitools import ENVIRONMENT
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policycli.errors import BadInput
from policycli.ingest.run import ingest_files

# Real processes, signals, concurrency or big inputs: the whole suite runs them, `make test-fast` does not.
pytestmark = pytest.mark.slow

ALARM = 20  # seconds for one small document: anything slower is a hang

FRAGMENTS = [
    # numbering and headings
    "一、",
    "二、",
    "十二、",
    "（一）",
    "(二)",
    "（十）",
    "1.",
    "2．",
    "3、",
    "12.",
    "（1）",
    "(2)",
    "①",
    "⑳",
    "——",
    "第一章",
    "第三条",
    "第二节",
    "专栏1",
    "附件",
    "附件1",
    "附件2：",
    "附件：1.分工表",
    "注1：",
    "抄送：",
    "特此通知。",
    "保障措施",
    "主要任务",
    "发展目标",
    # units, labels and annotations
    "责任单位：",
    "牵头单位：",
    "配合单位：",
    "支撑单位：",
    "牵头指导处室：",
    "市商务委",
    "区发改委",
    "市局特种设备安全监察处",
    "区规划资源局",
    "各区政府",
    "各街道",
    "镇",
    "各街镇",
    "浦东新区",
    "嘉定区政府",
    "市水务局（海洋局）",
    "等",
    "牵头",
    "负责",
    "按职责分工负责",
    "配合",
    "为实施单位",
    "下同",
    "以下均需区市场监管局落实",
    "和",
    "（责任单位：市商务委）",
    "（市商务委牵头，各区政府配合）",
    "（各街镇、区财政局）",
    # punctuation and brackets
    "、",
    "，",
    "；",
    "。",
    "：",
    "（",
    "）",
    "(",
    ")",
    "《",
    "》",
    "“",
    "”",
    "〔",
    "〕",
    "【",
    "】",
    ".",
    ",",
    ":",
    # dates, deadlines, validity
    "2025年12月底前",
    "2025年",
    "到2025年",
    "2021年底前完成",
    "6月底前",
    "第三季度",
    "上半年",
    "每年",
    "每季度",
    "每月",
    "定期",
    "“十四五”期间",
    "本办法自2025年1月1日起施行",
    "有效期至2026年12月31日",
    "有效期五年",
    "自印发之日起施行",
    "本方案印发之日起一个月内",
    "试点期为2年",
    "二〇二一年六月十六日",
    "2020年11月5日",
    "2020-11-05",
    # the header
    "关于印发《上海市测试方案》的通知",
    "沪府规〔2020〕24号",
    "上海市人民政府",
    "上海市人民政府办公厅",
    "标题：",
    "文号：",
    "各区人民政府，市政府各委、办、局：",
    "现提出如下意见",
    # tables
    "|",
    "| --- | --- |",
    "|:--:|",
    "\t",
    "序号",
    "具体举措",
    "责任单位",
    "完成时限",
    "序号\t具体举措\t责任单位\n",
    "序号\n工作任务\n牵头单位\n",
    # Markdown and HTML
    "# ",
    "## ",
    "- ",
    "* ",
    "> ",
    "**",
    "`",
    "![图](a.png)",
    "[链接](b.html)",
    "![",
    "[",
    "](",
    "<p>",
    "</p>",
    "<td>",
    "</tr>",
    "<![b",
    "<!--",
    "&amp;",
    "&#",
    "<a",
    "<script>",
    # white space and line breaks
    " ",
    "  ",
    "\t",
    "\u3000",
    "\xa0",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\x0b",
    "\x0c",
    "\x1c",
    "\u2028",
    "\ufeff",
]
CONTROL = [chr(c) for c in range(0, 32)] + ["\x7f", "\x85"]

piece = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.sampled_from(FRAGMENTS).flatmap(
        lambda f: st.integers(2, 400).map(lambda k: f * k)
    ),  # a run: "（" × 300
    st.text(st.characters(exclude_categories=["Cs"]), max_size=6),
    st.sampled_from(CONTROL),
)
documents = st.lists(piece, max_size=80).map("".join)

# Documents shaped like one: lines of a marker and its text, tab rows, flattened cells, dates, a signature.
MARKERS = [
    "一、",
    "二、",
    "（一）",
    "（二）",
    "1.",
    "2.",
    "3、",
    "（1）",
    "（2）",
    "①",
    "②",
    "——",
    "第一条",
    "第一章",
    "附件1",
    "附件",
    "专栏1",
    "",
    "",
    "序号 指标名称 单位 指标属性 2025年",
    "1 服务业增加值占比 % 预期性 75左右",
]
CELLS = [
    "1",
    "2",
    "10",
    "推进工作",
    "市商务委、区发改委",
    "2025年底",
    "牵头单位",
    "配合单位",
    "序号",
    "具体举措",
    "责任单位",
    "——",
    "",
    "（一）加强管理",
    "7.推进人员流动",
    "<p>开展服务</p> <p>加强管理</p>",
]
LINES = [
    "",
    "附件",
    "序号",
    "工作任务",
    "主要工作内容",
    "牵头单位",
    "配合单位",
    "区商务委",
    "——",
    "2020年11月5日",
    "上海市人民政府",
    "抄送：市委办公厅",
    "一、保障措施",
    "（责任单位：区财政局）",
]
content = st.lists(
    st.sampled_from(FRAGMENTS + ["推进工作", "加强管理", "市商务委", "2025年底前完成"]), max_size=8
).map("".join)
line = st.one_of(
    st.tuples(st.sampled_from(MARKERS), content).map("".join),
    st.lists(st.sampled_from(CELLS), min_size=2, max_size=6).map("\t".join),
    st.sampled_from(LINES),
)
structured = st.lists(line, max_size=60).map("\n".join)


class _Hang(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Hang


def _ingest(text: str | bytes, suffix: str) -> None:
    """Ingest one generated file as `policy ingest FILE --out DIR` does: a document, or BadInput and no
    file."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / f"input{suffix}"
        if isinstance(text, str):
            path.write_text(text, encoding="utf-8")
        else:
            path.write_bytes(text)
        out = Path(work) / "out"
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.alarm(ALARM)
        try:
            documents = ingest_files([path], out, check=False, encoding=None, doc_id=None)
        except BadInput:
            assert not out.exists() or not any(out.iterdir()), "a refused input wrote files"
            return
        except _Hang:
            pytest.fail(f"ingest of a {len(text):,}-character {suffix} file took over {ALARM} s")
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        assert len(documents) == 1
        assert [p.name for p in out.iterdir()] == [f"{documents[0]['id']}.json"]


@settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=documents, suffix=st.sampled_from([".txt", ".txt", ".md", ".html"]))
def test_ingest_of_generated_text_parses_or_refuses(text, suffix):
    _ingest(text, suffix)


@settings(
    max_examples=examples(70),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=structured, suffix=st.sampled_from([".txt", ".md"]))
def test_ingest_of_generated_documents_parses_or_refuses(text, suffix):
    """Lines shaped like a document's, so the outline, the tables and their reconciling are reached."""
    _ingest(text, suffix)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), text=documents)
def test_ingest_of_damaged_bytes_parses_or_refuses(data, text):
    """Bytes that are not UTF-8 (GB18030 guessed, or refused) around generated text."""
    _ingest(data + text.encode("gb18030", errors="replace") + data[::-1], ".txt")


# --- a real process: the exit code and the one-line message ------------------------------------------

HOSTILE = {
    "nul.txt": b"\xe4\xb8\x80\xe3\x80\x81a\x00b",
    "empty.txt": b"",
    "spaces.txt": b" \t\n" * 1000,
    "png.txt": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
    "utf16-odd.txt": b"\xff\xfe" + "一、任务".encode("utf-16-le") + b"\x00",
    "gb18030.txt": "一、主要任务\n1.推进工作（责任单位：市商务委）\n".encode("gb18030"),
    "brackets.txt": ("1.做好" + "（市" * 100_000 + "\n").encode(),
    "attachment-spaces.txt": ("一、任务\n附件" + " " * 200_000 + "说明\n").encode(),
    "marked-section.html": b"<html><body><p>\xe4\xb8\x80\xe3\x80\x81a</p><![b c]><![ 1 <a<a<a",
    "links.md": ("[" * 100_000 + "\n" + "![" * 100_000 + "\n" + " " * 100_000 + "x\n").encode(),
    "many-items.txt": "".join(f"{k % 999 + 1}.a\n" for k in range(60_000)).encode(),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_policy_ingest_on_hostile_files_exits_0_or_2(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(HOSTILE[name])
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "policycli", "ingest", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, **ENVIRONMENT},
        timeout=120,
    )
    assert done.returncode in (0, 2), done.stderr
    assert "Traceback" not in done.stderr
    if done.returncode == 2:
        assert not out.exists() or not any(out.iterdir())
        assert len(done.stderr.strip().splitlines()) == 1, (
            done.stderr
        )  # one line: what is wrong and what to do
    else:
        assert len(list(out.iterdir())) == 1
