"""The `policy` entry point: the fast path for the commands run most, else the Typer app; every
error becomes one line on stderr and an exit code (see errors.ExitStatus)."""

import os
import sqlite3
import sys

from policycli.errors import ExitStatus, PolicyError
from policycli.errors import report as error


def main(argv: list[str] | None = None, quick: bool = True) -> None:
    """Run `policy` with argv (default: the process's). quick=False always goes through Typer
    (the tests compare both paths)."""
    from_process = argv is None
    argv = sys.argv[1:] if argv is None else argv
    _safe_streams()
    try:
        from policycli import quick as fast_path

        status = fast_path.run(argv) if quick else None
        if status is None:
            from policycli.cli import run

            run(argv, from_process)
        sys.stdout.flush()  # a failure of the last write is an error here, not a warning at exit
        if status:
            sys.exit(status)
    except SystemExit as exit_:
        _flush_or_fail()
        raise exit_
    except PolicyError as exc:
        error(str(exc))
        if type(exc).__name__ == "OutputFailed":
            _discard_stdout()
        sys.exit(exc.exit_status)
    except KeyboardInterrupt:
        error("interrupted; nothing was half-written")
        sys.exit(ExitStatus.INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (`policy tasks | head -1`): exit 1 as Typer does for the other commands.
        _discard_stdout()
        sys.exit(ExitStatus.ERROR)
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "read-only" in str(exc):
            error("the database is read-only; this command records changes, so it needs write access")
            sys.exit(ExitStatus.BAD_INPUT)
        if "locked" in str(exc) or "busy" in str(exc):
            error("database busy: another policy process holds the lock; try again")
            sys.exit(ExitStatus.DATABASE_BUSY)
        if "full" in str(exc):
            error(
                "the disk is full: the change was not recorded (nothing was half-written); free some space "
                "and try again"
            )
            sys.exit(ExitStatus.ERROR)
        error(f"database error: {exc}; run `policy doctor`")
        sys.exit(ExitStatus.ERROR)
    except sqlite3.DatabaseError as exc:
        error(f"database error: {exc}; run `policy doctor`")
        sys.exit(ExitStatus.ERROR)


def _flush_or_fail() -> None:
    """Flush what is still buffered for stdout; a short write there is exit 1, never success."""
    from policycli.files import OutputFailed

    try:
        sys.stdout.flush()
    except OutputFailed as exc:
        error(str(exc))
        _discard_stdout()
        sys.exit(exc.exit_status)
    except BrokenPipeError:
        _discard_stdout()
        sys.exit(ExitStatus.ERROR)


def _discard_stdout() -> None:
    """Send what is still buffered for stdout nowhere: the stream failed (a closed pipe, a full
    disk), and Python's flush at exit would fail again and turn the exit status into 120."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _safe_streams() -> None:
    """A pipe or terminal that cannot encode Chinese (LANG=C, cp1252) gets replacement characters
    instead of a UnicodeEncodeError; UTF-8 ones are untouched."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding not in ("utf8", "utf8sig") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    from policycli.files import guard_stdout

    guard_stdout()
