"""Hostile text from a document or a user reaches every output kind as that kind requires (issue #12,
item 15): terminal text carries no control, escape or bidi character; Markdown shows HTML as text;
iCalendar TEXT holds no control RFC 5545 forbids; CSV keeps the data verbatim and neutralises a
formula even behind a control (render.neutralise says why); JSON keeps the data verbatim (its bytes
escape what a terminal would act on).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys

import pytest
from clitools import bundled_variant, ok, run_policy

ESC_RED = "\x1b[31m"
CSI_8BIT = "\x9b31m"  # the 8-bit CSI: a terminal runs it like ESC [
OSC_LINK = "\x1b]8;;http://evil.example/\x07点我\x1b]8;;\x07"  # a hidden hyperlink
SCRIPT = "<script>alert(1)</script>"
HOSTILE = (
    f"标题{ESC_RED}红{CSI_8BIT}八\u202e反转\u202c\u2066隔离\u2069\u200f\x07铃{SCRIPT}"
    "|管道 & 与\x0b\x0c\x7f\x85"
    f"{OSC_LINK}覆盖\r假\t完"
)
AGENCY = f"恶意{ESC_RED}单位\u202e{CSI_8BIT}<b>粗</b>"
NOTE = f"备注{ESC_RED}\u202e{CSI_8BIT}\x07{SCRIPT}"
FORMULA = '\x1b=HYPERLINK("http://x.example","点我")'  # a control in front must not hide a formula from Excel
FORMULA_NOTE = "\u202e-2+3"
FORMULA_AGENCY = "\x1b+市商务委"  # (load strips the whitespace \x1c-\x1f from names)

# what no terminal output may contain: C0 but newline, DEL, C1, the bidi controls
TERMINAL_BAD = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Markdown: the same, and no raw HTML
MARKDOWN_BAD = TERMINAL_BAD
# iCalendar TEXT (RFC 5545 3.1, 3.3.11): CONTROL = %x00-08 / %x0A-1F / %x7F; also no C1 or bidi
ICS_BAD = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# what a spreadsheet might pass over in front of a formula
SKIPPED = "".join(
    chr(c)
    for c in [
        *range(1, 9),
        11,
        12,
        *range(14, 32),
        *range(0x7F, 0xA0),
        0x61C,
        0x200E,
        0x200F,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)
# a JSON document's bytes: nothing raw a terminal acts on (JSON itself escapes C0 in strings)
JSON_RAW_BAD = TERMINAL_BAD
TODAY = {"POLICY_TODAY": "2020-12-01"}


def _hostile(document: dict) -> None:
    document["title"] = "文件" + HOSTILE
    document["doc_number"] = f"沪府{ESC_RED}〔2018〕1号"
    document["issuer"] = "发文" + HOSTILE
    document["validity_rules"]["until"]["quote"] = "有效期" + HOSTILE
    document["source"]["file"] = f"来源{ESC_RED}\u202e.txt"
    first, second = document["measures"][4], document["measures"][5]  # 3.1.1 and 3.1.2, tasks
    first["title"] = "措施" + HOSTILE
    first["text"] = "正文" + HOSTILE + "\n第二行" + HOSTILE
    first["units_raw"] = "单位" + HOSTILE
    first["units"] = [{"printed": AGENCY, "name": AGENCY, "role": "lead", "group": 1}]
    first["flags"] = ["标记" + HOSTILE]
    first["due_info"] = dict(
        first["due_info"], quote="期限" + HOSTILE, rule="规则" + HOSTILE, inherited=False
    )
    second["title"] = FORMULA
    document["measures"][6]["units"] = [
        {"printed": FORMULA_AGENCY, "name": FORMULA_AGENCY, "role": "lead", "group": 1}
    ]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A database with the hostile document, one part marked with a hostile note (a dict of the
    paths and of the load and mark results)."""
    tmp = tmp_path_factory.mktemp("hostile")
    db = tmp / "policy.db"
    load = ok(run_policy("load", str(bundled_variant(tmp, "hostile", _hostile)), db=db, env=TODAY))
    marked = ok(
        run_policy(
            "block",
            "hostile/3.1.1",
            "--agency",
            AGENCY,
            "--note",
            NOTE,
            "--evidence",
            "佐证" + HOSTILE,
            "--by",
            f"张三{ESC_RED}\u202e",
            db=db,
            env=TODAY,
        )
    )
    noted = ok(run_policy("start", "hostile/3.1.2", "--note", NOTE, db=db, env=TODAY))
    ok(run_policy("start", "hostile/3.1.3", "--note", FORMULA_NOTE, db=db, env=TODAY))
    return {"db": db, "tmp": tmp, "load": load, "marked": marked, "noted": noted}


def policy(hostile, *args: str):
    return ok(run_policy(*args, db=hostile["db"], env=TODAY))


def policy_bytes(hostile, *args: str) -> str:
    """stdout decoded as written: run_policy's text mode would read a CR in a cell as a newline."""
    environment = {
        **os.environ,
        "PYTHONIOENCODING": "utf-8",
        "COLUMNS": "80",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "POLICY_DB": str(hostile["db"]),
        **TODAY,
    }
    result = subprocess.run(
        [sys.executable, "-m", "policycli", *args], capture_output=True, env=environment, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("utf-8")


def terminal_clean(text: str, where: str) -> None:
    assert not TERMINAL_BAD.findall(text), f"{where}: {sorted(set(TERMINAL_BAD.findall(text)))!r}"
    # the whole escape sequence goes, not only its ESC
    assert "[31m" not in text and "31m" not in text and "evil.example" not in text, where


TERMINAL_COMMANDS = [
    ("tasks", "--doc", "hostile", "--status", "all"),
    ("tasks", "--agency", AGENCY, "--status", "all"),
    ("show", "hostile/3.1.1"),
    ("show", "hostile/3.1.2"),
    ("history",),
    ("history", "hostile/3.1.1"),
    ("remind", "--within", "60"),
    ("docs",),
    ("docs", "show", "hostile"),
    ("stats",),
    ("agencies",),
    ("agencies", "unknown"),
    ("export", "--format", "table"),
]


@pytest.mark.parametrize("args", TERMINAL_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_terminal_output_has_no_controls_escapes_or_bidi(hostile, args):
    result = policy(hostile, *args)
    terminal_clean(result.stdout, f"stdout of {args}")
    terminal_clean(result.stderr, f"stderr of {args}")
    assert "红" in result.stdout or "恶意" in result.stdout  # the text itself is still shown


def test_the_text_views_keep_the_words(hostile):
    """A guard: the sanitiser drops the controls, never the words around them."""
    shown = policy(hostile, "show", "hostile/3.1.1").stdout
    for words in (
        "标题",
        "红",
        "八",
        "反转",
        "隔离",
        "铃",
        "<script>alert(1)</script>",
        "管道",
        "完",
        "恶意",
        "单位",
    ):
        assert words in shown, words


def test_stderr_messages_have_no_controls(hostile):
    for result in (hostile["load"], hostile["marked"], hostile["noted"]):
        terminal_clean(result.stderr, "stderr")
    assert "恶意" in hostile["marked"].stderr


def test_a_document_id_with_an_escape_sequence_is_refused_and_not_echoed(tmp_path):
    """An id is one printable word (the schema): a file whose id carries an escape sequence, an 8-bit
    CSI or a bidi override is refused by load, and the refusal itself prints none of them."""
    db = tmp_path / "policy.db"
    doc_id = f"esc{ESC_RED}id{CSI_8BIT}\u202e"
    result = run_policy("load", str(bundled_variant(tmp_path, doc_id, lambda d: None)), db=db)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    # the id is quoted with its escapes written out (repr), none of them raw
    assert not any(c in result.stderr for c in ("\x1b", "\x9b", "\u202e")), result.stderr
    assert "\\x1b[31m" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_error_messages_have_no_controls(tmp_path):
    """A usage error echoes the option as typed (rich shows C0 controls as \\x.. itself, but
    passes C1 and bidi controls); messages quoting with !r show them escaped anyway."""
    for args in (("docs", f"--x{CSI_8BIT}\u202e{ESC_RED}"), ("show", f"nothing{ESC_RED}{CSI_8BIT}\u202e/1")):
        result = run_policy(*args, db=tmp_path / "policy.db")
        assert result.returncode != 0
        assert not TERMINAL_BAD.findall(result.stderr), (
            args,
            sorted(set(TERMINAL_BAD.findall(result.stderr))),
        )
    # a file name is echoed as it is (load refusing the document id it names, say)
    refused = run_policy(
        "load",
        str(bundled_variant(tmp_path, f"esc{ESC_RED}id{CSI_8BIT}\u202e", lambda d: None)),
        db=tmp_path / "policy.db",
    )
    if refused.returncode != 0:
        assert not TERMINAL_BAD.findall(refused.stderr), sorted(set(TERMINAL_BAD.findall(refused.stderr)))


MARKDOWN_COMMANDS = [
    ("tasks", "--doc", "hostile", "--status", "all", "--format", "md"),
    ("history", "--format", "md"),
    ("remind", "--within", "60", "--format", "md"),
    ("export", "--format", "md"),
    ("docs", "--format", "md"),
    ("stats", "--format", "md"),
    ("agencies", "unknown", "--format", "md"),
]


@pytest.mark.parametrize("args", MARKDOWN_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_markdown_shows_html_as_text_and_has_no_controls(hostile, args):
    out = policy(hostile, *args).stdout
    assert not MARKDOWN_BAD.findall(out), sorted(set(MARKDOWN_BAD.findall(out)))
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;" in out or "&lt;b&gt;" in out
    assert "31m" not in out and "evil.example" not in out


def test_remind_markdown_keeps_one_line_per_item(hostile):
    out = policy(hostile, "remind", "--within", "60", "--format", "md").stdout
    # a newline in a value cannot start a heading or a list item of its own
    assert all(line.startswith(("#", "- ")) or not line for line in out.splitlines())


def test_ics_text_has_no_forbidden_controls_and_parses(hostile):
    from icalendar import Calendar

    data = policy_bytes(hostile, "export", "--format", "ics")
    for line in data.split("\r\n"):
        assert not ICS_BAD.findall(line), (line, sorted(set(ICS_BAD.findall(line))))
    calendar = Calendar.from_ical(data)
    events = [e for e in calendar.walk("VEVENT") if str(e.get("uid")).startswith("hostile/3.1.1/")]
    assert events
    summary, description = str(events[0].get("summary")), str(events[0].get("description"))
    assert "红" in summary and "<script>alert(1)</script>" in summary  # plain text, kept as text
    assert "31m" not in summary and "evil.example" not in summary
    assert "正文" in description and "\n第二行" in description  # newlines are TEXT's own escapes


def _csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


@pytest.mark.parametrize(
    "args",
    [
        ("export",),
        ("tasks", "--doc", "hostile", "--status", "all", "--format", "csv"),
        ("history", "--format", "csv"),
        ("agencies", "unknown", "--format", "csv"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_csv_keeps_the_data_and_neutralises_formulas_behind_controls(hostile, args):
    """CSV is data: the cells are verbatim (render.neutralise says why), but a control in front of
    "=" does not keep a formula from being neutralised."""
    rows = _csv_cells(policy_bytes(hostile, *args))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.lstrip(SKIPPED)[:1] in ("=", "+", "-", "@", "\t", "\r", "\n")]
    if args[0] in ("export", "tasks"):
        assert "措施" + HOSTILE in cells
        assert "'" + FORMULA in cells
    if args[0] == "history":
        assert NOTE in cells and "'" + FORMULA_NOTE in cells
    else:
        assert "'" + FORMULA_AGENCY in cells


def test_python_and_sql_csv_agree(hostile):
    """A guard: the ledger CSV is built by SQLite, the listings' by Python: one rule, the same cells."""
    from policycli.render import neutralise

    exported = _csv_cells(policy_bytes(hostile, "export"))
    ledger = json.loads(policy(hostile, "export", "--format", "json").stdout)
    header = exported[0]
    for record in ledger:
        row = next(
            r
            for r in exported[1:]
            if r[header.index("措施编号")] == record["id"]
            and r[header.index("责任单位")] in (neutralise(record["agency"] or ""), "未指定责任单位")
        )
        for key, label in (
            ("title", "措施"),
            ("text", "内容"),
            ("note", "备注"),
            ("evidence", "佐证"),
            ("by", "更新人"),
            ("doc_title", "文件名称"),
            ("doc_number", "文号"),
        ):
            assert row[header.index(label)] == neutralise(record[key] or ""), (record["id"], key)
    listing = _csv_cells(
        policy_bytes(hostile, "tasks", "--doc", "hostile", "--status", "all", "--format", "csv")
    )
    assert {r[listing[0].index("措施")] for r in listing[1:]} == {neutralise(r["title"]) for r in ledger}


@pytest.mark.parametrize(
    "args",
    [
        ("tasks", "--doc", "hostile", "--status", "all", "--format", "json"),
        ("show", "hostile/3.1.1", "--format", "json"),
        ("history", "--format", "json"),
        ("remind", "--within", "60", "--format", "json"),
        ("export", "--format", "json"),
        ("docs", "--format", "json"),
        ("docs", "show", "hostile", "--format", "json"),
        ("stats", "--format", "json"),
        ("agencies", "unknown", "--format", "json"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_json_keeps_the_data_verbatim_and_escapes_it_on_the_wire(hostile, args):
    out = policy(hostile, *args).stdout
    assert not JSON_RAW_BAD.findall(out), sorted(set(JSON_RAW_BAD.findall(out)))
    data = json.loads(out)
    strings = set(_strings(data))
    assert strings & {"措施" + HOSTILE, "文件" + HOSTILE, NOTE, AGENCY}, (
        "the hostile text round-trips verbatim"
    )


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_show_json_is_the_stored_text(hostile):
    """A guard: JSON is data, kept verbatim."""
    data = json.loads(policy(hostile, "show", "hostile/3.1.1", "--format", "json").stdout)
    assert data["title"] == "措施" + HOSTILE and data["text"] == "正文" + HOSTILE + "\n第二行" + HOSTILE
    assert data["units_raw"] == "单位" + HOSTILE
    assert [p["note"] for p in data["agencies"]] == [NOTE]


def test_sanitisers():
    from policycli.render import ics_text, json_text, markdown_text, terminal_text

    assert (
        terminal_text(f"a{ESC_RED}b\x1b[0mc{CSI_8BIT}d\u202ee\x07f\tg\r\nh\ri{OSC_LINK}j")
        == "ab" + "cde" + "f g\nh\ni点我j"
    )
    assert markdown_text("<a href='x'>&</a>|\n") == "&lt;a href='x'&gt;&amp;&lt;/a&gt;\\|<br>"
    assert ics_text(f"a\tb\r\nc{ESC_RED}d\x85\u202e") == "a\tb\ncd"
    assert json.loads(json_text({"t": HOSTILE})) == {"t": HOSTILE}
    assert not JSON_RAW_BAD.findall(json_text({"t": HOSTILE}))
