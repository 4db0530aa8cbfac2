"""The help cache (helpcache.py): a help asked for again is the bytes Typer wrote, served without
importing Typer; anything its text depends on (argv, code, terminal, environment) gives a fresh render;
a damaged or unwritable cache is Typer as before. Real processes throughout."""

from __future__ import annotations

import marshal
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from fcntl import ioctl
from pathlib import Path

import pytest

from policycli import helpcache, paths

ROOT = Path(__file__).resolve().parent.parent

# A `policy` script: main() as the console script calls it (TYPER_ONLY=1: quick=False, always Typer),
# then the modules the process imported, written to $MODULES (stdout is the subject).
WRAPPER = """\
import os, sys
from policycli.main import main
try:
    main(quick=os.environ.get("TYPER_ONLY") != "1")
finally:
    with open(os.environ["MODULES"], "w") as handle:
        handle.write(" ".join(sorted(sys.modules)))
"""
HEAVY = ("typer", "click", "rich", "sqlite3", "policycli.commands", "policycli.cli", "policycli.errors")
ASKED = [["--help"], ["tasks", "--help"], ["docs", "show", "--help"]]
# variables of the developer's shell that would change the help: each test states its own
UNSET = (
    "COLUMNS",
    "LINES",
    "NO_COLOR",
    "FORCE_COLOR",
    "TERM",
    "COLORTERM",
    "TTY_COMPATIBLE",
    "TERMINAL_WIDTH",
)


class Policy:
    """Runs the wrapper script with a given environment; remembers what each run imported."""

    def __init__(self, tmp_path: Path, pythonpath: Path = ROOT) -> None:
        self.script = tmp_path / "policy"
        self.script.write_text(WRAPPER, encoding="utf-8")
        self.modules = tmp_path / "modules.txt"
        self.cache = Path(os.environ["XDG_CACHE_HOME"]) / "policy" / "help"
        self.env = {k: v for k, v in os.environ.items() if k not in UNSET}
        self.env |= {"PYTHONIOENCODING": "utf-8", "MODULES": str(self.modules), "PYTHONPATH": str(pythonpath)}

    def __call__(self, *argv: str, typer_only: bool = False, **env: str) -> tuple[bytes, set[str]]:
        environment = {**self.env, **env, "TYPER_ONLY": "1" if typer_only else "0"}
        done = subprocess.run(
            [sys.executable, str(self.script), *argv],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=environment,
            timeout=120,
        )
        assert done.returncode == 0 and done.stderr == b"", done.stderr.decode()
        return done.stdout, set(self.modules.read_text().split())

    def entries(self) -> list[Path]:
        return sorted(self.cache.iterdir()) if self.cache.is_dir() else []


def rendered(modules: set[str]) -> bool:
    return "typer" in modules


def served(modules: set[str]) -> bool:
    return not (modules & set(HEAVY))


@pytest.mark.parametrize("argv", ASKED, ids=" ".join)
@pytest.mark.parametrize("env", [{}, {"COLUMNS": "60", "NO_COLOR": "1"}], ids=["pipe", "60 columns"])
def test_the_cached_help_is_the_bytes_typer_writes(tmp_path, argv, env):
    policy = Policy(tmp_path)
    typer, _ = policy(*argv, typer_only=True, **env)
    assert typer.startswith(b"Usage: policy ") and policy.entries() == []  # Typer alone keeps nothing
    first, modules = policy(*argv, **env)
    assert first == typer and rendered(modules) and len(policy.entries()) == 1
    second, modules = policy(*argv, **env)
    assert second == typer
    assert sorted(modules & set(HEAVY)) == []  # not even the command table


def test_a_cached_help_imports_nothing_but_the_entry_point(tmp_path):
    policy = Policy(tmp_path)
    policy("--help")
    _, modules = policy("--help")
    bare = subprocess.run(
        [sys.executable, "-c", "import os, sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        env=policy.env,
    ).stdout.split()
    assert sorted(modules - set(bare)) == ["policycli", "policycli.helpcache", "policycli.main"]


def test_the_real_entry_point_keeps_its_program_name(tmp_path):
    """`python -m policycli --help` says so in its usage line, cached or not, and has its own entry."""
    policy = Policy(tmp_path)
    runs = [
        subprocess.run(
            [sys.executable, "-m", "policycli", "--help"], capture_output=True, env=policy.env, timeout=120
        )
        for _ in range(2)
    ]
    assert runs[0].stdout == runs[1].stdout and runs[0].stdout.startswith(b"Usage: python -m policycli ")
    assert [r.returncode for r in runs] == [0, 0] and len(policy.entries()) == 1
    assert policy("--help")[0].startswith(b"Usage: policy ") and len(policy.entries()) == 2


def test_another_width_or_environment_is_rendered_again(tmp_path):
    policy = Policy(tmp_path)
    policy("tasks", "--help", COLUMNS="60")
    assert served(policy("tasks", "--help", COLUMNS="60")[1])
    for env in ({"COLUMNS": "70"}, {"COLUMNS": "60", "NO_COLOR": "1"}, {"COLUMNS": "60", "TERM": "dumb"}):
        output, modules = policy("tasks", "--help", **env)
        assert rendered(modules), env
        assert output == policy("tasks", "--help", typer_only=True, **env)[0]
    wide = policy("tasks", "--help", COLUMNS="70")[0]
    assert wide != policy("tasks", "--help", COLUMNS="60")[0]  # the widths differ, each kept on its own
    assert len(policy.entries()) == 4


def test_a_changed_or_touched_command_module_is_rendered_again(tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "policycli", copy / "policycli", ignore=shutil.ignore_patterns("__pycache__"))
    policy = Policy(tmp_path, pythonpath=copy)
    before, _ = policy("tasks", "--help")
    assert served(policy("tasks", "--help")[1])
    commands = copy / "policycli" / "commands.py"
    code = commands.read_text(encoding="utf-8")
    assert code.count('"""List measures (') == 1
    commands.write_text(code.replace('"""List measures (', '"""List the measures ('), encoding="utf-8")
    after, modules = policy("tasks", "--help")
    assert rendered(modules) and b"List the measures (" in after and after != before
    assert served(policy("tasks", "--help")[1])
    # the same bytes, another time: still another key (the size alone would not tell)
    stat = commands.stat()
    os.utime(commands, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert rendered(policy("tasks", "--help")[1])
    # any module of the package counts, not only the command table
    (copy / "policycli" / "kinds.py").touch()
    os.utime(copy / "policycli" / "kinds.py", ns=(0, 1_000_000_000))
    assert rendered(policy("tasks", "--help")[1])


def test_a_damaged_entry_is_rendered_again_and_replaced(tmp_path):
    policy = Policy(tmp_path)
    typer, _ = policy("tasks", "--help", typer_only=True)
    policy("tasks", "--help")
    (entry,) = policy.entries()
    good = entry.read_bytes()
    key = marshal.loads(good)[1]
    for damage in (
        b"",
        b"\x00garbage",
        good[: len(good) // 2],
        marshal.dumps((helpcache.FORMAT, key, "not bytes")),
        marshal.dumps((helpcache.FORMAT + 1, key, b"another format")),
        marshal.dumps((helpcache.FORMAT, (*key[:-1], (("COLUMNS", "60"),)), b"another key, same name")),
    ):
        entry.write_bytes(damage)
        output, modules = policy("tasks", "--help")
        assert output == typer and rendered(modules), damage[:20]
        assert marshal.loads(entry.read_bytes()) == marshal.loads(good)  # written again
    assert served(policy("tasks", "--help")[1])
    assert [p.name for p in policy.entries()] == [entry.name]  # no partial file left


def test_a_cache_directory_that_cannot_be_written_is_typer_as_before(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    policy = Policy(tmp_path)
    typer, _ = policy("--help", typer_only=True)
    for _ in range(2):
        output, modules = policy("--help", XDG_CACHE_HOME=str(blocked))
        assert output == typer and rendered(modules)
    assert blocked.is_file() and blocked.read_text() == "" and not policy.cache.exists()


def test_what_is_not_a_plain_help_is_never_cached(tmp_path):
    policy = Policy(tmp_path)
    for argv in (["-h"], ["nosuch", "--help"], ["tasks", "--help", "--agency", "x"], ["--version"]):
        done = subprocess.run(
            [sys.executable, str(policy.script), *argv], capture_output=True, env=policy.env, timeout=120
        )
        if argv[0] in ("-h", "nosuch"):
            assert done.returncode == 2, argv  # a usage error: not kept
    # click's shell completion (which answers whatever the arguments), from variables a help does not read
    for words, expected in (("policy ta", b"tasks"), ("policy d", b"doctor")):
        done = subprocess.run(
            [sys.executable, str(policy.script), "--help"],
            capture_output=True,
            env={**policy.env, "_POLICY_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": "1"},
            timeout=120,
        )
        assert done.returncode == 0 and expected in done.stdout.split(), done.stdout
    assert policy.entries() == []
    assert helpcache.asks_for_help(["--help"]) and helpcache.asks_for_help(["agencies", "alias", "--help"])
    for argv in (["-h"], ["--help", "tasks"], ["show", "hfg-2020-24/1", "--help"], ["a", "b", "c", "--help"]):
        assert not helpcache.asks_for_help(argv), argv


def test_a_closed_pipe_ends_a_cached_help_as_typers(tmp_path):
    policy = Policy(tmp_path)
    outcomes = []
    for _ in range(2):  # rendered by Typer, then served
        process = subprocess.Popen(
            [sys.executable, str(policy.script), "--help"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=policy.env,
        )
        process.stdout.close()
        outcomes.append((process.wait(timeout=60), process.stderr.read()))
        process.stderr.close()
    assert outcomes == [(1, b""), (1, b"")]


def _in_a_terminal(argv: list[str], env: dict, columns: int) -> bytes:
    """What a process writes to a terminal `columns` wide (a pseudo-terminal on stdin, out and err)."""
    leader, follower = pty.openpty()
    ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
    process = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if select.select([leader], [], [], 1)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the process closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        elif process.poll() is not None:
            break
    os.close(leader)
    assert process.wait(timeout=60) == 0
    return b"".join(chunks)


def test_in_a_terminal_the_cached_help_is_what_typer_writes_there(tmp_path):
    policy = Policy(tmp_path)
    argv = [sys.executable, str(policy.script), "tasks", "--help"]
    typer = _in_a_terminal(argv, {**policy.env, "TYPER_ONLY": "1"}, 64)
    assert max(len(line) for line in typer.decode().splitlines()) <= 64  # the terminal's width
    assert _in_a_terminal(argv, policy.env, 64) == typer and rendered(set(policy.modules.read_text().split()))
    assert _in_a_terminal(argv, policy.env, 64) == typer and served(set(policy.modules.read_text().split()))
    # another terminal width: another render
    wider = _in_a_terminal(argv, policy.env, 72)
    assert rendered(set(policy.modules.read_text().split())) and wider != typer
    assert len(policy.entries()) == 2


RECORDING = """\
import sys
from policycli.files import guard_stdout
from rich.console import Console
written = []
guard_stdout(written)
print(sys.stdout.isatty(), sys.stdout.fileno())
Console().print("[bold red]red[/]", highlight=False)
sys.stdout.flush()
sys.stderr.write(repr(b"".join(written)))
"""


def test_recording_stdout_changes_nothing_a_terminal_decides(tmp_path):
    """Typer and rich see the real terminal through the recording writer: colours still come, and
    what is recorded is exactly what the terminal got."""
    script = tmp_path / "record.py"
    script.write_text(RECORDING, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in UNSET} | {"TERM": "xterm-256color"}
    leader, follower = pty.openpty()
    err = tmp_path / "err"
    with err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, str(script)], stdin=follower, stdout=follower, stderr=stderr, env=env
        )
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        assert process.wait(timeout=60) == 0
    os.close(leader)
    recorded = eval(err.read_text())  # noqa: S307 (our own repr of bytes)
    assert b"True 1" in seen and b"\x1b[1;31mred\x1b[0m" in seen  # a terminal, in colour
    assert recorded.replace(b"\n", b"\r\n") == seen  # (the terminal turns \n into \r\n)


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"XDG_CACHE_HOME": "/x//cache/"},
        {"XDG_CACHE_HOME": "relative"},
        {"HOME": "/home/wang/"},
        {"HOME": "/"},
        {"HOME": "relative"},
    ],
    ids=["home", "xdg", "relative xdg", "home with a slash", "root", "relative home"],
)
def test_the_cache_is_beside_the_compiled_registry(environment, monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    assert Path(helpcache.cache_directory()) == paths.user_dir("cache") / "help"


def test_the_newest_entries_are_kept(tmp_path):
    for k in range(helpcache.KEEP + 6):
        entry = tmp_path / f"{k:016x}"
        entry.write_bytes(b"")
        os.utime(entry, ns=(0, (k + 1) * 1_000_000_000))
    helpcache._prune(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{k:016x}" for k in range(6, helpcache.KEEP + 6)]


def test_the_digest_is_the_same_in_every_process():
    code = "from policycli import helpcache; print(helpcache.digest(('--help', ('COLUMNS', '60'), 1.5)))"
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "random")
    }
    assert len(runs) == 1 and runs.pop().strip().isdigit()
