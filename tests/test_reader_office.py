"""Old Office and WPS files (policycli/ingest/readers/office.py): converted by LibreOffice where it is
installed, else refused naming the command that converts them; OFD, encrypted files and other zips refused.

CI has no LibreOffice: the conversion itself is tested with a stand-in `soffice` on PATH (a script that
writes the converted file where LibreOffice would), and for real only where LibreOffice is installed."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from clitools import ok, run_policy

from policycli.errors import BadInput
from policycli.ingest import ingest_path
from policycli.ingest.readers import Blocks, read_blocks
from policycli.ingest.readers import office as office_reader

FORMATS = Path(__file__).resolve().parent / "formats"
TABLE = FORMATS / "renwu_fengong.xlsx"
NOTICE = FORMATS / "renwu_notice.txt"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def ole_file(path: Path, *streams: str, text: str = "") -> Path:
    """Enough of an OLE compound file for the reader: its header, a directory sector with an entry per
    stream (128 bytes: the name in UTF-16, its byte length at 64), and some UTF-16 text."""
    entries = b"".join(
        (name.encode("utf-16-le").ljust(64, b"\x00") + ((len(name) + 1) * 2).to_bytes(2, "little")).ljust(
            128, b"\x00"
        )
        for name in ("Root Entry", *streams)
    )
    path.write_bytes(
        OLE
        + b"\x00" * 504
        + entries.ljust(512, b"\x00")
        + b"\x00\x01"
        + text.encode("utf-16-le")
        + b"\x00" * 1024
    )
    return path


@pytest.fixture
def no_libreoffice(tmp_path):
    empty = tmp_path / "empty-path"
    empty.mkdir()
    return {"PATH": str(empty)}


@pytest.mark.parametrize(
    ("name", "streams", "what", "target"),
    [
        ("通知.doc", ("WordDocument",), "an old Word (.doc) file", "docx"),
        ("通知.wps", ("WordDocument",), "a WPS Writer (.wps) file", "docx"),
        ("分工表.xls", ("Workbook",), "an old Excel (.xls) file", "xlsx"),
        ("分工表.et", ("Workbook",), "a WPS Spreadsheets (.et) file", "xlsx"),
    ],
)
def test_without_libreoffice_old_formats_name_the_command(
    tmp_path, no_libreoffice, name, streams, what, target
):
    path = ole_file(tmp_path / name, *streams)
    out = tmp_path / "out"
    result = run_policy("ingest", str(NOTICE), str(path), "--out", str(out), env=no_libreoffice)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {name}: {what}; convert it to .{target} first "
        f"(soffice --headless --convert-to {target} {name}) or install LibreOffice"
    )
    assert not out.exists()


def test_an_old_word_file_named_otherwise_is_known_by_its_streams(tmp_path, no_libreoffice):
    path = ole_file(tmp_path / "通知.txt", "WordDocument")
    result = run_policy("ingest", str(path), "--check", env=no_libreoffice)
    assert result.returncode == 2 and "an old Word (.doc) file" in result.stderr


def test_ofd_is_refused(tmp_path):
    by_name = tmp_path / "通知.ofd"
    by_name.write_bytes(b"PK\x03\x04 not really")
    by_content = tmp_path / "通知.bin"
    with zipfile.ZipFile(by_content, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD/>")
    for path in (by_name, by_content):
        result = run_policy("ingest", str(path), "--out", str(tmp_path / "out"))
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
        assert f"{path.name}: an OFD file; no OFD converter is available here" in result.stderr
    assert not (tmp_path / "out").exists()


def test_encrypted_office_files_are_refused_whatever_their_name(tmp_path):
    for name in ("通知.docx", "分工表.xlsx", "通知.doc"):
        path = ole_file(tmp_path / name, "EncryptionInfo", "EncryptedPackage")
        result = run_policy("ingest", str(path), "--out", str(tmp_path / "out"))
        assert result.returncode == 2
        assert (
            result.stderr.strip() == f"error: {name}: password-protected; remove the password and save again"
        )
    assert not (tmp_path / "out").exists()


def test_a_stream_name_in_the_text_is_not_a_stream(tmp_path, no_libreoffice):
    """Word keeps text in UTF-16: a document that mentions EncryptionInfo is not encrypted for it."""
    path = ole_file(tmp_path / "说明.doc", "WordDocument", text="见 EncryptionInfo 流")
    result = run_policy("ingest", str(path), "--check", env=no_libreoffice)
    assert result.returncode == 2 and "an old Word (.doc) file; convert it" in result.stderr


def test_a_word_file_named_xls_is_converted_as_word(tmp_path, fake_soffice):
    env, log = fake_soffice
    path = ole_file(tmp_path / "通知.xls", "WordDocument")
    result = run_policy("ingest", str(path), "--check", env=env)
    assert "--convert-to docx" in log.read_text(encoding="utf-8")
    assert "Traceback" not in result.stderr
    # the stand-in converter hands back a workbook: read as the Word file it was asked for, it is refused
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_other_zips_are_refused(tmp_path):
    archive_path = tmp_path / "材料.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        archive.writestr("通知.txt", "一、加强组织领导。")
    renamed = tmp_path / "通知.docx"
    shutil.copyfile(archive_path, renamed)
    damaged = tmp_path / "分工表.docx"
    damaged.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    slides = tmp_path / "汇报.pptx"
    with zipfile.ZipFile(slides, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p/>")
    expected = {
        archive_path: "a zip archive, not a Word or Excel file",
        renamed: "a zip archive, not a Word or Excel file",
        damaged: "a damaged zip file",
        slides: "a PowerPoint file",
    }
    for path, reason in expected.items():
        result = run_policy("ingest", str(path), "--out", str(tmp_path / "out"))
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert f"{path.name}: {reason}" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_web_page_saved_as_doc_is_read_as_html(tmp_path, no_libreoffice):
    page = tmp_path / "通知.doc"
    page.write_text(
        "<html><head><meta charset='utf-8'><title>关于加强安全生产工作的通知</title></head><body>"
        "<p>一、压实责任。各单位落实安全生产责任制。（区应急局牵头）</p></body></html>",
        encoding="utf-8",
    )
    blocks = read_blocks(page)
    assert blocks.format == "html" and any("压实责任" in ln.text for ln in blocks.lines)
    assert not any("<p>" in ln.text for ln in blocks.lines)


# --- conversion, with a stand-in soffice ------------------------------------------------------------

FAKE = """#!{python}
import os, shutil, sys, time
args = sys.argv[1:]
with open(os.environ["FAKE_SOFFICE_LOG"], "a", encoding="utf-8") as log:
    log.write(" ".join(args) + "\\n")
    log.write(str(os.getpid()) + "\\n")
mode = os.environ.get("FAKE_SOFFICE_MODE", "ok")
if mode == "hang":
    time.sleep(600)
if mode == "fail":
    print("Error: source file could not be loaded")
    sys.exit(1)
target = args[args.index("--convert-to") + 1]
outdir = args[args.index("--outdir") + 1]
stem = os.path.splitext(os.path.basename(args[-1]))[0]
shutil.copyfile(os.environ["FAKE_SOFFICE_RESULT"], os.path.join(outdir, stem + "." + target))
"""


@pytest.fixture
def fake_soffice(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "soffice"
    script.write_text(FAKE.format(python=sys.executable), encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "soffice.log"
    env = {"PATH": str(bin_dir), "FAKE_SOFFICE_LOG": str(log), "FAKE_SOFFICE_RESULT": str(TABLE)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env, log


def test_an_old_excel_file_is_converted_and_keeps_its_own_name_and_hash(tmp_path, fake_soffice):
    env, log = fake_soffice
    old = ole_file(tmp_path / "分工表.xls", "Workbook")
    out = tmp_path / "out"
    result = ok(run_policy("ingest", str(old), "--out", str(out), env=env))
    (written,) = out.iterdir()
    document = json.loads(written.read_text(encoding="utf-8"))
    reference = ingest_path(TABLE)
    assert document["measures"] == [
        {
            **m,
            "id": m["id"].replace(reference["id"], document["id"], 1),
            "parent": m["parent"] and m["parent"].replace(reference["id"], document["id"], 1),
        }
        for m in reference["measures"]
    ]
    source = document["source"]
    assert source["file"] == "分工表.xls" and source["bytes"] == old.stat().st_size
    assert source["format"] == "xls" and source["unit"] == "sheet-row"
    import hashlib

    assert source["sha256"] == hashlib.sha256(old.read_bytes()).hexdigest()
    command = log.read_text(encoding="utf-8").splitlines()[0]
    assert (
        "--headless" in command
        and "--convert-to xlsx" in command
        and "-env:UserInstallation=file://" in command
    )
    assert command.endswith("input.xls")  # a copy under an ASCII name, in a private directory
    assert "Traceback" not in result.stderr


def test_an_old_word_file_is_converted_then_read_as_docx(tmp_path, fake_soffice, monkeypatch):
    from policycli.ingest.readers import docx as docx_reader

    seen: list[Path] = []

    def read(path: Path) -> Blocks:  # the .docx reader is tested on its own; here only the hand-over
        seen.append(path)
        assert path.name == "input.docx" and path.is_file()
        return Blocks(
            path,
            [],
            "docx",
            "docx",
            "0" * 64,
            path.stat().st_size,
            unit="paragraph",
            warnings=["input.docx: a footnote was dropped"],
            whole_paragraphs=True,
        )

    monkeypatch.setattr(docx_reader, "read", read)
    old = ole_file(tmp_path / "通知.wps", "WordDocument")
    blocks = office_reader.read(old)
    assert seen and not seen[0].exists()  # converted in a temporary directory, removed afterwards
    assert (blocks.path, blocks.format, blocks.unit, blocks.size) == (
        old,
        "wps",
        "paragraph",
        old.stat().st_size,
    )
    assert blocks.warnings == ["通知.wps: a footnote was dropped"]
    assert "--convert-to docx" in fake_soffice[1].read_text(encoding="utf-8")


def test_a_failed_conversion_is_one_line(tmp_path, fake_soffice):
    env, _ = fake_soffice
    old = ole_file(tmp_path / "分工表.xls", "Workbook")
    result = run_policy(
        "ingest", str(old), "--out", str(tmp_path / "out"), env={**env, "FAKE_SOFFICE_MODE": "fail"}
    )
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "分工表.xls: LibreOffice could not convert an old Excel (.xls) file to .xlsx" in result.stderr
    assert "source file could not be loaded" in result.stderr and "remove it and save again" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow  # waits for the conversion timeout
def test_a_hanging_conversion_is_stopped(tmp_path, fake_soffice, monkeypatch):
    _, log = fake_soffice
    monkeypatch.setenv("FAKE_SOFFICE_MODE", "hang")
    monkeypatch.setattr(office_reader, "TIMEOUT", 2)
    old = ole_file(tmp_path / "分工表.et", "Workbook")
    started = time.monotonic()
    with pytest.raises(BadInput, match=r"分工表.et: LibreOffice did not convert it within 2 s"):
        office_reader.read(old)
    assert time.monotonic() - started < 30
    pid = int(log.read_text(encoding="utf-8").splitlines()[1])
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped


# --- real conversion, where LibreOffice is installed ---------------------------------------------------


@pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: real .xls conversion not tested"
)
def test_real_conversion_of_an_xls_gives_the_xlsx_measures(tmp_path):
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "xls",
            "--outdir",
            str(tmp_path),
            str(TABLE),
        ],
        check=True,
        timeout=180,
        capture_output=True,
    )
    old = tmp_path / "renwu_fengong.xls"
    converted = ingest_path(old)
    reference = ingest_path(TABLE)
    strip = ("lines",)
    assert [{k: v for k, v in m.items() if k not in strip} for m in converted["measures"]] == [
        {k: v for k, v in m.items() if k not in strip} for m in reference["measures"]
    ]
    assert converted["source"]["format"] == "xls"
