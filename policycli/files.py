"""Writing files and standard output safely.

Three guarantees, for every file or stream the tool writes:
- a write is whole or an error: a short write (disk full, `ulimit -f`, a quota) raises OutputFailed
  instead of being dropped (Python's buffered writer returns a short count and carries on);
- a file is never half-written: it is written beside its target and renamed over it at the end;
- an output never lands on what the tool is using (the database and its -wal/-shm files) nor on
  anything but a regular file, and without --force never on a file that exists, checked and
  written in one step (a file created meanwhile is not clobbered).
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from policycli.errors import BadInput, PolicyError


class OutputFailed(PolicyError):
    """Output could not be written whole (exit 1): what was written is incomplete."""


def _failure(where: str, exc: OSError) -> OutputFailed:
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EFBIG: "the file size limit was reached",
        errno.EDQUOT: "the disk quota is exceeded",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    # A file is written to a temporary name and removed on failure; standard output cannot be taken back.
    outcome = "the output is incomplete" if where == _STDOUT else "nothing was written"
    return OutputFailed(f"cannot write {where}: {reason}; {outcome}")


_STDOUT = "to standard output"


class _CheckedRaw(io.RawIOBase):
    """A file descriptor whose every write is written whole, or raises."""

    def __init__(self, fd: int, where: str, record: list[bytes] | None = None) -> None:
        self.fd, self.where, self.record = fd, where, record

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)

    def write(self, data) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            try:
                written = os.write(self.fd, view[done:])
            except BrokenPipeError:
                raise
            except InterruptedError:
                continue
            except OSError as exc:
                raise _failure(self.where, exc) from None
            if written == 0:
                raise _failure(self.where, OSError(errno.EIO, "nothing written"))
            done += written
        if self.record is not None:
            self.record.append(bytes(view))
        return done


def guard_stdout(record: list[bytes] | None = None) -> bool:
    """Make the process's stdout raise OutputFailed on a short or failed write (keeping its encoding,
    error handler and line buffering). Only the real stdout: a test's captured stream is left alone.
    `record`: every byte written to the file descriptor is also appended there, as written (the help
    cache, helpcache.py, keeps what Typer wrote). False when stdout was left alone."""
    stream = sys.stdout
    if stream is None or stream is not sys.__stdout__:
        return False
    try:
        fd = stream.fileno()
    except (OSError, ValueError, io.UnsupportedOperation):
        return False
    stream.flush()
    buffered = io.BufferedWriter(_CheckedRaw(fd, _STDOUT, record))
    sys.stdout = io.TextIOWrapper(
        buffered,
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=stream.line_buffering,
        write_through=False,
    )
    return True


def database_files(database: Path) -> list[Path]:
    """The files SQLite keeps for a database: no output may be written over any of them. SQLite
    follows a symlinked database and keeps its -wal and -shm beside the real file, so both sets count."""
    real = Path(os.path.realpath(database))
    return [
        database,
        *(
            Path(f"{base}{suffix}")
            for base in dict.fromkeys([database, real])
            for suffix in ("-wal", "-shm", "-journal")
        ),
    ]


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)  # a hard link
    except OSError:
        return False


def check_output(path: Path, force: bool, in_use: Iterable[Path] = ()) -> None:
    """Refuse an output path before any work is done: a directory, a missing parent, a file the
    tool is using, something other than a regular file, or an existing file without --force.
    (The write checks again at the moment it lands: see atomic_writer.)"""
    used_files = list(in_use)  # database_files(): the database first, then its -wal, -shm, -journal
    for k, used in enumerate(used_files):
        if _same_file(path, used):
            raise BadInput(
                f"{path}: is {'the database' if k == 0 else 'a file of the database'} ({used}); "
                "write the output somewhere else"
            )
    if path.is_dir():
        raise BadInput(f"{path}: is a directory; name a file")
    if not path.parent.exists():
        raise BadInput(f"{path.parent}: no such directory")
    if path.exists() or path.is_symlink():
        if not force:
            raise BadInput(f"{path} exists; pass --force to overwrite it")
        if not path.resolve().is_file() or not stat.S_ISREG(path.stat().st_mode):
            raise BadInput(
                f"{path}: not a regular file (a FIFO or device, say); --force replaces regular files only"
            )


def publish(tmp: str, path: Path, replace: bool) -> None:
    """Move the finished temporary file onto `path`. Without `replace`, never over an existing file:
    a hard link fails if the name exists (check and write in one step); where hard links are not
    supported, an exclusive create reserves the name first."""
    if replace:
        if path.exists() and not stat.S_ISREG(path.stat().st_mode):
            raise BadInput(
                f"{path}: not a regular file (a FIFO or device, say); --force replaces regular files only"
            )
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise BadInput(f"{path} exists (created meanwhile); pass --force to overwrite it") from None
    except OSError:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            raise BadInput(f"{path} exists (created meanwhile); pass --force to overwrite it") from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


@contextmanager
def _staged(path: Path) -> Iterator[tuple[BinaryIO, str]]:
    """(handle, temporary name): a file beside `path` whose every write is whole; once the block
    ends it is flushed, synced and given the user's umask. On any error it is removed."""
    import tempfile  # here, not at the top: every command imports this module to guard stdout

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        try:
            with io.BufferedWriter(_CheckedRaw(fd, str(path))) as handle:
                yield handle, tmp  # type: ignore[misc]
                handle.flush()
                try:
                    os.fsync(fd)
                except OSError as exc:
                    raise _failure(str(path), exc) from None
        finally:
            os.close(fd)
        os.chmod(tmp, 0o666 & ~umask())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_writer(path: Path, replace: bool = True) -> Iterator[BinaryIO]:
    """A handle on a temporary file beside `path`, renamed over it once everything is written
    and synced: never a half-written file, also when the writer streams (the CSV ledger).
    `replace=False`: fail (BadInput) rather than overwrite a file that exists by then."""
    with _staged(path) as (handle, tmp):
        yield handle
    try:
        publish(tmp, path, replace)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def umask() -> int:
    """The process umask (read by setting it, so set back at once): files get 0o666 without it,
    as open() gives."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: Path, text: str | bytes, replace: bool = True) -> None:
    """Write the whole of `text` to `path` through atomic_writer."""
    with atomic_writer(path, replace) as handle:
        handle.write(text.encode("utf-8") if isinstance(text, str) else text)


def write_all_or_none(outputs: list[tuple[Path, bytes]]) -> None:
    """Write several files so that either all of them are written or none is changed: each goes to
    a temporary file beside its target first (a full disk fails here, and they are removed), and
    only once all are complete are they renamed into place (renames need no space)."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in outputs:
            with _staged(path) as (handle, tmp):
                handle.write(data)
            staged.append((tmp, path))
        for _, path in staged:
            if path.exists() and not stat.S_ISREG(path.stat().st_mode):
                raise BadInput(f"{path}: not a regular file (a FIFO or device, say); it is not replaced")
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
