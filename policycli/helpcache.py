"""`policy --help` without Typer: the text Typer wrote last time, kept in the user cache directory.

Why: a help is a few kB that changes only when the code or the terminal does, yet writing it means
importing Typer (and the click it carries), building the app from the command table and rendering:
~80 ms of a ~110 ms `policy --help`, where Python starting and writing the same bytes takes ~30 ms
(bench/floor_help.py). So a help is rendered once and kept:

- argv asking only for help — `--help`, `COMMAND --help`, `GROUP COMMAND --help` (lower-case words;
  `-h` is not an option of policy) — goes through Typer as always the first time, while the bytes
  that reach standard output are recorded below the text layer (files.guard_stdout's writer): Typer
  and click see the real stream, its isatty, fileno, encoding and the terminal's size, so nothing
  they decide changes. Only a render that ends with exit status 0 is kept.
- It is stored in the user cache directory (beside the compiled agency registry, agencies.py), in
  help/, written beside its name and moved over it (a reader never sees half a file), under a key
  of everything the text depends on:
  * argv, and the program name click derives from sys.argv[0] and __main__ ("policy",
    "python -m policycli");
  * the code: the size and modification time of every .py file of policycli (the declarations and
    docstrings are the help) and of typer (which renders it), the Python version, and -O/-OO (which
    drop docstrings);
  * the streams: whether stdin, stdout and stderr are terminals and their sizes (click wraps at
    shutil.get_terminal_size, rich measures stdin, stdout, then stderr), stdout's encoding and
    error handler (the bytes are encoded ones);
  * the environment variables Typer, click and rich read (rich/console.py, typer/rich_utils.py,
    typer/core.py, typer/completion.py; policy's help is click's plain text today, rich_markup_mode
    None, but a change to that is a change of the code, and the variables cost nothing): the sizes
    (COLUMNS, LINES, TERMINAL_WIDTH, JUPYTER_*), the colours and terminal (NO_COLOR, FORCE_COLOR,
    PY_COLORS, TERM, COLORTERM, TTY_COMPATIBLE, TTY_INTERACTIVE, GITHUB_ACTIONS,
    DATABRICKS_RUNTIME_VERSION), TYPER_*, _TYPER_* and _POLICY_* (click's variables for the program),
    the locale and encoding (LANG, LANGUAGE, LC_*: gettext translates Typer's strings;
    PYTHONIOENCODING, PYTHONUTF8) and, though no help reads them today, POLICY_*.
  The whole key is stored with the text and compared on reading; the file name is only a digest of
  it. A stale entry is never served: whatever changed is another key.
- Later runs with the same key write the stored bytes and return. Nothing is imported but what
  Python has already loaded (os, sys; marshal is built in): no Typer, click, rich, sqlite3, nor the
  command table (tests/test_help_cache.py checks with the list of modules).

A missing, unreadable or damaged entry, a cache directory that cannot be written or a stdout that
is not the process's (a test's captured stream) is Typer as before, as is a call of the shell's
completion (_POLICY_COMPLETE set: click answers it from COMP_WORDS, whatever the arguments). Keys
come and go with terminal sizes, so the directory keeps the newest KEEP entries.
"""

from __future__ import annotations

import marshal
import os
import sys

FORMAT = 1  # the layout of an entry: (FORMAT, key, the bytes written)
KEEP = 64
_VARIABLES = frozenset(
    (
        "COLUMNS", "LINES", "TERMINAL_WIDTH", "JUPYTER_COLUMNS", "JUPYTER_LINES",
        "NO_COLOR", "FORCE_COLOR", "PY_COLORS", "TERM", "COLORTERM", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
        "GITHUB_ACTIONS", "DATABRICKS_RUNTIME_VERSION", "LANG", "LANGUAGE", "PYTHONIOENCODING", "PYTHONUTF8",
    )
)  # fmt: skip
_PREFIXES = ("TYPER_", "_TYPER", "_POLICY", "POLICY_", "LC_")


def asks_for_help(argv: list[str]) -> bool:
    """`--help` after at most two command words (lower-case ASCII letters and hyphens)."""
    return (
        1 <= len(argv) <= 3
        and argv[-1] == "--help"
        and all(
            w.isascii() and w[:1].isalpha() and w.replace("-", "").isalpha() and w.islower()
            for w in argv[:-1]
        )
    )


class Entry:
    """The cache entry of one help request: `serve()` writes it if it is kept, `store()` keeps it."""

    def __init__(self, directory: str, argv: list[str]) -> None:
        self.directory, self.argv = directory, list(argv)
        self.key = key(self.argv)
        self.path = os.path.join(directory, f"{digest(self.key):016x}")

    def read(self) -> bytes | None:
        if self.key is None:
            return None
        try:
            with open(self.path, "rb") as handle:
                data = marshal.loads(handle.read())
        except Exception:  # missing, unreadable, damaged (marshal raises EOFError, ValueError, TypeError)
            return None
        if type(data) is tuple and len(data) == 3 and data[0] == FORMAT and data[1] == self.key:
            return data[2] if type(data[2]) is bytes else None
        return None

    def serve(self) -> bool:
        """Write the kept help to stdout; False (nothing written) when there is none or stdout
        refuses the first byte (Typer then meets the same error and reports it)."""
        output = self.read()
        if output is None:
            return False
        try:
            fd = sys.stdout.fileno()
        except (OSError, ValueError):
            return False
        view, done = memoryview(output), 0
        while done < len(view):
            try:
                done += os.write(fd, view[done:])
            except InterruptedError:
                continue
            except BrokenPipeError:
                sys.exit(1)  # the reader went away: exit 1, silently, as main does for the other commands
            except OSError as exc:
                if not done:
                    return False
                _incomplete(exc)
        return True

    def store(self, output: bytes) -> None:
        """Keep `output` (what Typer wrote) for this key, if the code and environment are still the
        ones the key was made of. Any failure is silent: the next run renders again."""
        partial = f"{self.path}.{os.getpid()}.partial"
        try:
            if self.key is None or key(self.argv) != self.key:
                return
            os.makedirs(self.directory, exist_ok=True)
            with open(partial, "wb") as handle:
                handle.write(marshal.dumps((FORMAT, self.key, output)))
            os.replace(partial, self.path)
        except Exception:
            try:
                os.unlink(partial)
            except OSError:
                pass
            return
        _prune(self.directory)


def entry(argv: list[str]) -> Entry | None:
    """The cache entry for argv when it asks only for help and stdout is the process's, else None."""
    if not asks_for_help(argv) or sys.stdout is None or sys.stdout is not sys.__stdout__:
        return None
    if any(name.endswith("_COMPLETE") for name in os.environ):
        return None  # click's shell completion (_POLICY_COMPLETE): its answer depends on COMP_WORDS …
    try:
        directory = cache_directory()
        return Entry(directory, argv) if directory else None
    except Exception:  # anything unexpected (a working directory removed …): Typer, as without a cache
        return None


def cache_directory() -> str | None:
    """help/ in policy's user cache directory (paths.user_dir("cache")): the plain Linux case is
    answered here, as paths.user_dir answers it, without importing pathlib; anything else asks it."""
    if sys.platform == "linux" and "ANDROID_DATA" not in os.environ:
        xdg, home = os.environ.get("XDG_CACHE_HOME", ""), os.environ.get("HOME", "")
        if xdg.startswith("/"):
            return xdg.rstrip("/") + "/policy/help"
        if not xdg and home.startswith("/"):
            return home.rstrip("/") + "/.cache/policy/help"
    try:
        from policycli.paths import user_dir

        return str(user_dir("cache") / "help")
    except Exception:  # no home directory to keep it in (platformdirs says so)
        return None


def key(argv: list[str]) -> tuple | None:
    """Everything the help's bytes depend on (see the module's docstring); None when the code's files
    cannot be read (no sources to compare with: never current)."""
    code = _sources(os.path.dirname(os.path.abspath(__file__)))
    typer = _typer()
    if not code or not typer:
        return None
    main = sys.modules.get("__main__")
    streams = []
    for fd in (0, 1, 2):
        try:
            size: tuple | None = tuple(os.get_terminal_size(fd))
        except (OSError, ValueError):
            size = None
        try:
            terminal = os.isatty(fd)
        except OSError:
            terminal = None
        streams.append((terminal, size))
    encoding = getattr(sys.stdout, "encoding", None) or ""
    errors = getattr(sys.stdout, "errors", None)
    if encoding.lower().replace("-", "") not in ("utf8", "utf8sig"):
        errors = "replace"  # as main._safe_streams sets it (the key is made before and after)
    variables = tuple(
        sorted((k, v) for k, v in os.environ.items() if k in _VARIABLES or k.startswith(_PREFIXES))
    )
    return (
        tuple(argv),
        (sys.argv[0] if sys.argv else "", getattr(main, "__package__", None)),
        (sys.version, sys.implementation.cache_tag, sys.flags.optimize),
        code,
        typer,
        tuple(streams),
        (encoding, errors),
        variables,
    )


def digest(value: object) -> int:
    """A digest of a key, the same in every process: hash() of one int (ints hash without the
    per-process salt of str; hashlib or zlib would be one more import on every help)."""
    text = repr(value).encode("utf-8", "backslashreplace")
    return hash(int.from_bytes(text, "little")) & 0xFFFF_FFFF_FFFF_FFFF


def _sources(root: str) -> tuple:
    """(path below root, size, mtime) of every .py file under root, sorted; () if it cannot be read."""
    found = []
    pending = [root]
    try:
        while pending:
            with os.scandir(pending.pop()) as entries:
                for item in entries:
                    if item.name.endswith(".py"):
                        stat = item.stat()
                        found.append((item.path[len(root) :], stat.st_size, stat.st_mtime_ns))
                    elif item.name != "__pycache__" and item.is_dir():
                        pending.append(item.path)
    except OSError:
        return ()
    return tuple(sorted(found))


def _typer() -> tuple:
    """_sources of the typer package that `import typer` would find (the first on sys.path)."""
    for entry in sys.path:
        package = os.path.join(entry or os.getcwd(), "typer")
        if os.path.isfile(os.path.join(package, "__init__.py")):
            found = _sources(package)
            return (package, found) if found else ()
    return ()


def _prune(directory: str) -> None:
    """Keep the newest KEEP entries."""
    try:
        with os.scandir(directory) as entries:
            found = sorted(((e.stat().st_mtime_ns, e.path) for e in entries), reverse=True)
        for _, path in found[KEEP:]:
            os.unlink(path)
    except OSError:
        pass


def _incomplete(exc: OSError) -> None:
    """Stdout failed after part of the help was written (a full disk): exit 1 with the message the
    other commands give (files.OutputFailed)."""
    from policycli.errors import report
    from policycli.files import _STDOUT, _failure

    report(str(_failure(_STDOUT, exc)))
    sys.exit(1)
