"""Decoding matrix: every input decodes exactly or fails with a one-line BadInput."""

from __future__ import annotations

import os

import pytest

from policycli.errors import BadInput
from policycli.folding import fold
from policycli.ingest import decoding as text_module
from policycli.ingest.decoding import read_source

SAMPLE = "上海市人民政府关于印发《实施方案》的通知\n一、主要任务\n1.加强统筹。（责任单位：市商务委）\n"


def write(tmp_path, data: bytes, name: str = "doc.txt"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "data, encoding",
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"), "utf-8-sig"),
        (SAMPLE.encode("utf-16"), "utf-16"),
        ((SAMPLE * 20).encode("gbk"), "gb18030"),
        ((SAMPLE * 20 + "𠀾溪路，䶮\n").encode("gb18030"), "gb18030"),
    ],
)
def test_decodes_exactly(tmp_path, data, encoding):
    source = read_source(write(tmp_path, data))
    assert source.encoding == encoding
    assert source.text.splitlines()[0] == SAMPLE.splitlines()[0]
    assert source.text == data.decode(encoding).lstrip("\ufeff")


def test_big5_is_refused_or_decoded_correctly(tmp_path):
    original = "臺北市政府關於推動數位轉型的實施方案\n一、主要任務\n" * 20
    try:
        source = read_source(write(tmp_path, original.encode("big5")))
    except BadInput as exc:
        assert "\n" not in str(exc) and "--encoding" in str(exc)
    else:
        assert source.text == original


def test_encoding_override(tmp_path):
    path = write(tmp_path, SAMPLE.encode("gb18030"))
    assert read_source(path, encoding="gb18030").text == SAMPLE
    with pytest.raises(BadInput, match="unknown encoding"):
        read_source(path, encoding="no-such-codec")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"  \n\t\r\n ", "no text"),
        ("  \u3000\n".encode(), "no text"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "PNG"),
        (b"PK\x03\x04" + b"\x00" * 20, "zip"),
        (b"%PDF-1.7\n", "PDF"),
        (b"abc\x00def" * 10, "NUL"),
    ],
)
def test_refused_with_one_line(tmp_path, data, message):
    with pytest.raises(BadInput, match=message) as info:
        read_source(write(tmp_path, data))
    assert "\n" not in str(info.value)


def test_oversized(tmp_path, monkeypatch):
    monkeypatch.setattr(text_module, "MAX_INPUT_BYTES", 100)
    with pytest.raises(BadInput, match="limit"):
        read_source(write(tmp_path, SAMPLE.encode() * 10))


def test_missing_directory_fifo(tmp_path):
    with pytest.raises(BadInput, match="no such file"):
        read_source(tmp_path / "missing.txt")
    with pytest.raises(BadInput, match="directory"):
        read_source(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(BadInput, match="not a regular file"):
        read_source(fifo)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_permission_denied(tmp_path):
    path = write(tmp_path, SAMPLE.encode())
    path.chmod(0)
    with pytest.raises(BadInput, match="permission denied"):
        read_source(path)


def test_fold_keeps_offsets_and_circled_numbers():
    original = "（一）２０２５年：①，１．Ａ"
    folded = fold(original)
    assert folded == "(一)2025年:①,1.A"
    assert len(folded) == len(original)


def test_fold_of_nfkc_text_is_the_text():
    # fold() returns text that is already NFKC unchanged, without its per-character look-ups: sound because
    # every character that folds to another one fails NFKC's quick check wherever it stands.
    import unicodedata

    from policycli.folding import _FoldTable

    table = _FoldTable()  # not the module's: that one stays small
    changed = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and table[c] != chr(c)]
    assert len(changed) > 1000
    for context in ("{}", "a{}", "{}\u0301", "\u4e00{}a"):
        assert not any(unicodedata.is_normalized("NFKC", context.format(c)) for c in changed)
    text = "（一）２０２５年：①，１．Ａ"
    assert fold(text) is fold(text) and fold("市商务委牵头") == "市商务委牵头"


def test_markers_open_with_their_first_characters():
    # match_marker() tries MARKERS only on a line opening with one of MARKER_FIRST: no marker opens otherwise.
    from policycli.ingest.patterns import MARKER_FIRST, MARKERS

    tails = ["一、", "1.", "(1)", "、推进", "条 ", "—推进", "栏1"]
    for code in range(0x10000):
        char = chr(code)
        if char in MARKER_FIRST:
            continue
        assert not any(p.match(char + tail) for _, p in MARKERS for tail in tails), hex(code)


def test_date_lines_end_in_their_last_character():
    # is_date_line() fullmatches only text whose last character but white space is 日 or 发: str's white
    # space (rstrip) must be re's \s (what it takes out first), for every code point.
    import re

    from policycli.ingest.patterns import is_date_line

    assert [c for c in range(0x110000) if (re.fullmatch(r"\s", chr(c)) is None) == chr(c).isspace()] == []
    assert is_date_line("2023 年 5 月 8 日\u3000") and is_date_line("二〇二三年五月八日印发")
    assert not is_date_line("2023年5月8日起") and not is_date_line("")
