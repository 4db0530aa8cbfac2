"""User-facing errors: one line each, with a named exit code, and how they are reported.

The library raises these; `main.main` (and cli.run for usage errors) turn them into a red one-line
message on stderr with `report` and the exit code below.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1  # unexpected failure
    BAD_INPUT = 2  # the user's input cannot be used: fix it and try again
    DATABASE_BUSY = 3  # another process held the database lock past the timeout
    DUE = 4  # `policy remind --exit-status`: something is overdue or due soon
    NOT_ALL_IMPORTED = 5  # `policy import`: rows were refused (errors) or left (conflicts)
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


def report(message: str) -> None:
    """One red line on stderr: "error: …", made safe for a terminal (a file name or an option as
    typed can carry escape sequences or bidi controls) and with rich markup in it shown as written."""
    from rich.console import Console
    from rich.markup import escape

    from policycli.render import terminal_text

    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[red]error:[/red] {escape(terminal_text(message).replace(chr(10), ' '))}"
    )
