"""The `policy` entry point: a help already rendered (helpcache.py), the fast path for the commands
run most, else the Typer app; every error becomes one line on stderr and an exit code (see
errors.ExitStatus).

Nothing is imported at the top: a help served from the cache imports nothing else (helpcache.py)."""

import os
import sys


def main(argv: list[str] | None = None, quick: bool = True) -> None:
    """Run `policy` with argv (default: the process's). quick=False always goes through Typer
    (the tests compare both paths)."""
    from_process = argv is None
    argv = sys.argv[1:] if argv is None else argv
    help_entry = None
    if quick:
        from policycli import helpcache

        try:
            help_entry = helpcache.entry(argv)
            if help_entry is not None and help_entry.serve():
                return
        except KeyboardInterrupt:
            _interrupted()
    _run(argv, from_process, quick, help_entry)


def _run(argv: list[str], from_process: bool, quick: bool, help_entry) -> None:
    import sqlite3

    from policycli.errors import ExitStatus, PolicyError
    from policycli.errors import report as error

    written: list[bytes] | None = [] if help_entry is not None else None
    if not _safe_streams(written):
        written = None
    try:
        from policycli import quick as fast_path

        status = fast_path.run(argv) if quick else None
        if status is None:
            from policycli.cli import run

            run(argv, from_process)
        sys.stdout.flush()  # a failure of the last write is an error here, not a warning at exit
        if status:
            sys.exit(status)
        if written is not None:  # a help, rendered by Typer and written whole: kept for next time
            help_entry.store(b"".join(written))
    except SystemExit as exit_:
        _flush_or_fail()
        raise exit_
    except PolicyError as exc:
        error(str(exc))
        if type(exc).__name__ == "OutputFailed":
            _discard_stdout()
        sys.exit(exc.exit_status)
    except KeyboardInterrupt:
        _interrupted()
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


def _interrupted() -> None:
    from policycli.errors import ExitStatus
    from policycli.errors import report as error

    error("interrupted; nothing was half-written")
    sys.exit(ExitStatus.INTERRUPTED)


def _flush_or_fail() -> None:
    """Flush what is still buffered for stdout; a short write there is exit 1, never success."""
    from policycli.errors import ExitStatus
    from policycli.errors import report as error
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


def _safe_streams(record: list[bytes] | None = None) -> bool:
    """A pipe or terminal that cannot encode Chinese (LANG=C, cp1252) gets replacement characters
    instead of a UnicodeEncodeError; UTF-8 ones are untouched. Stdout is guarded (files.guard_stdout,
    which appends what is written to `record`); False when it could not be."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding not in ("utf8", "utf8sig") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    from policycli.files import guard_stdout

    return guard_stdout(record)
