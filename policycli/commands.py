"""The bodies of the commands run most often (`tasks`, `done` and the other marks), shared by the
Typer app (cli.py) and the Typer-free fast path (quick.py), and the databases commands open.

Nothing here imports Typer: building the command line with it costs about 45 ms before a command
does anything, twice what a whole `policy done` needs otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from policycli.errors import BadInput

TABLE_LIMIT = 100

_OPENED: list = []


def open_database(db: Path | None):
    """The checklist database (--db, $POLICY_DB or the user data dir), loaded on first use."""
    from policycli.load import open_checklist
    from policycli.paths import database_path

    database = open_checklist(database_path(db))
    _OPENED.append(database)
    return database


def remember(database) -> None:
    """Close this database when the command ends (opened some other way than open_database)."""
    _OPENED.append(database)


def close_all() -> None:
    while _OPENED:
        try:
            _OPENED.pop().conn.close()
        except Exception:  # closing after an error must not hide the error
            pass


def say(message: str) -> None:
    """A message for the person at the terminal, on stderr; ids, agencies and notes in it come
    from documents and users, so it goes through the terminal sanitiser (render.terminal_text).
    A message with nothing but printable characters (str.isprintable: no control, format or
    separator character but the space) is already safe and skips importing render (~10 ms of
    `policy done`)."""
    if not message.isprintable():
        from policycli.render import terminal_text

        message = terminal_text(message)
    print(message, file=sys.stderr)


def tasks(
    agency: str | None = None,
    doc: str | None = None,
    status: str = "open",
    kind: str | None = None,
    unassigned: bool = False,
    search: str | None = None,
    all_: bool = False,
    due_within: int | None = None,
    overdue: bool = False,
    due_before: str | None = None,
    limit: int | None = None,
    fmt: str = "table",
    db: Path | None = None,
    today: str | None = None,
) -> None:
    """`policy tasks`: the measures that match, most urgent first."""
    from policycli import views
    from policycli.checklist import TaskQuery, list_tasks
    from policycli.paths import parse_date_option
    from policycli.paths import today as resolve_today

    # A table is for reading: the 100 most urgent unless asked otherwise. Machine formats get all.
    shown = (TABLE_LIMIT if fmt == "table" else 0) if limit is None else limit
    if shown < 0:
        raise BadInput("--limit takes 0 (all) or a positive number")
    query = TaskQuery(
        agency=agency, doc=doc, status=status, kind=kind, unassigned=unassigned, search=search, include_obsolete=all_,
        today=resolve_today(today), due_within=due_within, overdue=overdue, due_before=parse_date_option("--due-before", due_before),
        limit=shown + 1 if shown else None,
    )
    rows = list_tasks(open_database(db), query)
    if shown and len(rows) > shown:
        rows = rows[:shown]
        say(f"showing the {shown} most urgent; --limit 0 shows all, --format csv exports them")
    views.tasks(rows, fmt, agency=agency)


def mark(
    measure_id: str,
    status: str,
    agency: str | None = None,
    note: str | None = None,
    evidence: str | None = None,
    by: str | None = None,
    db: Path | None = None,
) -> None:
    """`policy done/start/block/reopen/mark`: record the agency's status on a measure."""
    from policycli.checklist import mark as record

    event = record(open_database(db), measure_id, status, agency=agency, note=note, evidence=evidence, by=by)
    who = event["agency"] or "unassigned"
    say(f"{event['measure_id']} [{who}]: {event['before']} → {event['after']}")
