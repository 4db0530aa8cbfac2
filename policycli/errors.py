"""User-facing errors: one line each, with a named exit code.

The library raises these; `main.main` turns them into a red one-line message on stderr and
the exit code below, in one place.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1  # unexpected failure
    BAD_INPUT = 2  # the user's input cannot be used: fix it and try again
    DATABASE_BUSY = 3  # another process held the database lock past the timeout
    DUE = 4  # `policy remind --exit-status`: something is overdue or due soon
    INTERRUPTED = 130  # Ctrl-C


class PolicyError(Exception):
    """An error whose message is fit to show a user as it is."""

    exit_status: ExitStatus = ExitStatus.ERROR


class BadInput(PolicyError):
    """The input (a file, an option) cannot be used."""

    exit_status = ExitStatus.BAD_INPUT


class DatabaseBusy(PolicyError):
    """Another process held the database lock longer than the busy timeout."""

    exit_status = ExitStatus.DATABASE_BUSY


class NotFound(BadInput):
    """A measure, document or agency that does not exist (the message suggests the nearest)."""
