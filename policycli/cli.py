"""The `policy` command line as a Typer app: parse options, call one library function (or a body in
commands.py shared with the fast path, quick.py), render. Nothing else.

Heavy modules (sqlite-utils, rich tables, the parser) are imported inside the commands that use
them, so `policy --help` and every command start fast.
"""


import sys
from datetime import UTC
from pathlib import Path
from typing import Annotated

import typer

from policycli import commands
from policycli.commands import open_database, remember, say
from policycli.errors import BadInput, ExitStatus

# Commands are collected here and put on the Typer app when `policy` runs: only the one asked for
# (turning every command into a click command costs ~15 ms of start-up), or all of them for help.
_COMMANDS: dict[str, object] = {}
_GROUPS: dict[str, typer.Typer] = {}


def command(name: str | None = None):
    def register(function):
        _COMMANDS[name or function.__name__] = function
        return function

    return register


def build_app(argv: list[str]) -> typer.Typer:
    app = typer.Typer(
        name="policy",
        help="A compliance checklist for Chinese government policy documents.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.callback()(_root)
    wanted = next((a for a in argv if not a.startswith("-")), None)
    names = [wanted] if wanted in _COMMANDS or wanted in _GROUPS else list(_COMMANDS) + list(_GROUPS)
    for name in names:
        if name in _COMMANDS:
            app.command(name)(_COMMANDS[name])
        else:
            app.add_typer(_GROUPS[name], name=name)
    return app

DbOption = Annotated[Path | None, typer.Option("--db", help="Database file (default: $POLICY_DB, else the user data directory).")]
TodayOption = Annotated[str | None, typer.Option("--today", help="Pretend today is YYYY-MM-DD (default: $POLICY_TODAY, else the clock).")]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="table, csv, json or md.")]
DetailFormatOption = Annotated[str, typer.Option("--format", "-f", help="text or json.")]
DocOption = Annotated[str | None, typer.Option("--doc", "-d", help="Only this document (its id).")]
AgencyOption = Annotated[str | None, typer.Option("--agency", "-a", help="Responsible unit, e.g. 市商务委.")]
ByOption = Annotated[str | None, typer.Option("--by", help="Who records this (default: your login name).")]
NoteOption = Annotated[str | None, typer.Option("--note", "-n", help="A note for the record, e.g. 已报送.")]
EvidenceOption = Annotated[str | None, typer.Option("--evidence", "-e", help="A URL or file path that shows the work.")]


def _root() -> None:
    """A compliance checklist for Chinese government policy documents."""


@command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Policy documents: .txt .md .html .docx .pdf .xlsx (.doc .wps .xls .et with LibreOffice).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the structured files.")] = Path("."),
    check: Annotated[bool, typer.Option("--check", help="Report what would be extracted; write nothing.")] = False,
    encoding: Annotated[str | None, typer.Option("--encoding", help="Override encoding detection, e.g. gb18030.")] = None,
    doc_id: Annotated[str | None, typer.Option("--id", help="Document id to use (one file only).")] = None,
    attach_to: Annotated[str | None, typer.Option(
        "--attach-to", help="Attach the other files (a 分工表) to this document: one in this run or already in --out.")] = None,
) -> None:
    """Turn policy texts into structured documents (JSON). Example: policy ingest 通知.docx --out data/measures"""
    from policycli.ingest.run import ingest_files

    ingest_files(files, out_dir=out, check=check, encoding=encoding, doc_id=doc_id, attach_to=attach_to)


@command()
def load(
    paths: Annotated[list[Path] | None, typer.Argument(help="Structured files or directories (default: the bundled documents).")] = None,
    db: DbOption = None,
) -> None:
    """Load or refresh structured documents; recorded progress is kept. Example: policy load data/measures"""
    from policycli.load import load_files
    from policycli.paths import bundled_measures_dir, database_path
    from policycli.store import connect

    database = connect(database_path(db))
    remember(database)
    results = load_files(database, list(paths) if paths else [bundled_measures_dir()])
    changed = [r for r in results if not r.unchanged]
    if len(results) <= 20:
        for result in results:
            say(f"{result.doc_id}: unchanged" if result.unchanged else
                f"{result.doc_id}: {result.added} added, {result.updated} updated, {result.obsoleted} obsolete")
    else:
        say(f"{len(results)} documents: {len(results) - len(changed)} unchanged, {len(changed)} changed "
            f"({sum(r.added for r in changed)} measures added, {sum(r.updated for r in changed)} updated, "
            f"{sum(r.obsoleted for r in changed)} obsolete)")


@command()
def tasks(
    agency: AgencyOption = None,
    doc: DocOption = None,
    status: Annotated[str, typer.Option("--status", "-s", help="open (default), all, todo, doing, done, blocked or n/a.")] = "open",
    kind: Annotated[str | None, typer.Option("--kind", "-k", help="task, target, indicator or safeguard.")] = None,
    unassigned: Annotated[bool, typer.Option("--unassigned", help="Only measures with no responsible unit.")] = False,
    search: Annotated[str | None, typer.Option("--search", "-q", help="Words that must appear (Chinese full text).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include measures removed from their document (obsolete).")] = False,
    due_within: Annotated[int | None, typer.Option("--due-within", help="Only measures due within this many days.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only measures past their due date.")] = False,
    due_before: Annotated[str | None, typer.Option("--due-before", help="Only measures due before YYYY-MM-DD.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many, most urgent first (table default 100; 0: all).")] = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
    today: TodayOption = None,
) -> None:
    """List measures (an agency's open ones, say). Example: policy tasks --agency 市商务委 --due-within 30"""
    commands.tasks(agency=agency, doc=doc, status=status, kind=kind, unassigned=unassigned, search=search, all_=all_,
                   due_within=due_within, overdue=overdue, due_before=due_before, limit=limit, fmt=fmt, db=db, today=today)


@command()
def show(
    measure_id: Annotated[str, typer.Argument(help="Measure id, e.g. hfg-2020-24/2.2.5.17")],
    fmt: DetailFormatOption = "text",
    db: DbOption = None,
    today: TodayOption = None,
) -> None:
    """Show a measure: full text, source lines, due date and its source, every agency's status, history. Example: policy show hfg-2020-24/2.2.5.17"""
    from policycli import views
    from policycli.checklist import measure_detail
    from policycli.paths import today as resolve_today

    views.detail(measure_detail(open_database(db), measure_id, resolve_today(today)), fmt)


@command()
def done(measure_id: str, agency: AgencyOption = None, note: NoteOption = None, evidence: EvidenceOption = None, by: ByOption = None, db: DbOption = None) -> None:
    """Mark your part of a measure done. Example: policy done hfg-2020-24/2.1.1.2 --agency 市商务委 --note 已报送"""
    commands.mark(measure_id, "done", agency, note, evidence, by, db)


@command()
def start(measure_id: str, agency: AgencyOption = None, note: NoteOption = None, evidence: EvidenceOption = None, by: ByOption = None, db: DbOption = None) -> None:
    """Mark your part of a measure in progress. Example: policy start hfg-2020-24/2.1.1.2 --agency 市商务委"""
    commands.mark(measure_id, "doing", agency, note, evidence, by, db)


@command()
def block(measure_id: str, agency: AgencyOption = None, note: NoteOption = None, evidence: EvidenceOption = None, by: ByOption = None, db: DbOption = None) -> None:
    """Mark your part of a measure blocked. Example: policy block hfg-2020-24/2.1.1.2 --agency 市商务委 --note 待国家部委批复"""
    commands.mark(measure_id, "blocked", agency, note, evidence, by, db)


@command()
def reopen(measure_id: str, agency: AgencyOption = None, note: NoteOption = None, evidence: EvidenceOption = None, by: ByOption = None, db: DbOption = None) -> None:
    """Set your part of a measure back to todo. Example: policy reopen hfg-2020-24/2.1.1.2 --agency 市商务委"""
    commands.mark(measure_id, "todo", agency, note, evidence, by, db)


@command("mark")
def mark_command(
    measure_id: str,
    status: Annotated[str, typer.Option("--status", "-s", help="todo, doing, done, blocked or n/a.")],
    agency: AgencyOption = None,
    note: NoteOption = None,
    evidence: EvidenceOption = None,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Set your part of a measure to any status. Example: policy mark hfg-2020-24/2.1.1.2 --agency 市商务委 --status n/a"""
    commands.mark(measure_id, status, agency, note, evidence, by, db)


@command()
def undo(agency: AgencyOption = None, by: ByOption = None, db: DbOption = None) -> None:
    """Revert the last recorded change (or the agency's own last one). Example: policy undo"""
    from policycli.checklist import undo as revert

    result = revert(open_database(db), agency=agency, by=by)
    say(f"undid change {result['undone']}: {result['measure_id']} [{result['agency'] or 'unassigned'}] {result['was']} → {result['status']}")


@command()
def history(
    measure_id: Annotated[str | None, typer.Argument(help="Only this measure.")] = None,
    agency: AgencyOption = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many changes, newest first.")] = 50,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """List recorded changes, newest first. Example: policy history hfg-2020-24/2.1.1.2"""
    from policycli import views
    from policycli.checklist import history as changes

    views.history(changes(open_database(db), measure_id, agency=agency, limit=limit), fmt)


docs_app = typer.Typer(rich_markup_mode=None)
_GROUPS["docs"] = docs_app


@docs_app.callback(invoke_without_command=True)
def docs(
    ctx: typer.Context,
    expiring: Annotated[int, typer.Option("--expiring-within", help="Days before its end a document counts as expiring.")] = 90,
    fmt: FormatOption = "table",
    db: DbOption = None,
    today: TodayOption = None,
) -> None:
    """List the loaded documents: validity period, status, days left. Example: policy docs --format json"""
    if ctx.invoked_subcommand is not None:
        return
    from policycli import views
    from policycli.checklist import list_documents
    from policycli.paths import today as resolve_today

    views.documents(list_documents(open_database(db), resolve_today(today), expiring), fmt)


@docs_app.command("show")
def docs_show(
    doc_id: Annotated[str, typer.Argument(help="Document id, e.g. hfg-2020-24")],
    fmt: DetailFormatOption = "text",
    db: DbOption = None,
    today: TodayOption = None,
) -> None:
    """Show a document: its validity period with the quotes and rules behind it. Example: policy docs show hfg-2020-24"""
    from policycli import views
    from policycli.checklist import document_detail
    from policycli.paths import today as resolve_today

    views.document_detail(document_detail(open_database(db), doc_id, resolve_today(today)), fmt)


@command()
def remind(
    within: Annotated[int, typer.Option("--within", help="Days ahead to look.")] = 30,
    agency: AgencyOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or md.")] = "text",
    include_expired: Annotated[bool, typer.Option("--include-expired", help="Also remind of measures of expired documents.")] = False,
    exit_status: Annotated[bool, typer.Option("--exit-status", help="Exit with status 4 when anything is due (for scripts).")] = False,
    per_agency: Annotated[int, typer.Option("--max", help="At most this many items per agency and list (0: all); counts are always given.")] = 20,
    db: DbOption = None,
    today: TodayOption = None,
) -> None:
    """Overdue and soon-due measures per agency; prints nothing when nothing is due (cron). Example: policy remind --within 30"""
    from policycli import views
    from policycli.paths import today as resolve_today
    from policycli.reminders import reminders

    day = resolve_today(today)
    if per_agency < 0:
        raise BadInput("--max takes 0 (all) or a positive number")
    groups = reminders(open_database(db), day, within, agency, include_expired, per_agency)
    views.reminders(groups, fmt, day, within)
    if groups and exit_status:
        raise typer.Exit(ExitStatus.DUE)


@command()
def stats(fmt: FormatOption = "table", db: DbOption = None) -> None:
    """Progress per agency and per document. Example: policy stats"""
    from policycli import views
    from policycli.checklist import statistics

    views.statistics(statistics(open_database(db)), fmt)


@command()
def export(
    agency: AgencyOption = None,
    doc: DocOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv (default), json, md, table or ics (calendar).")] = "csv",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --output file.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Include obsolete measures.")] = False,
    db: DbOption = None,
) -> None:
    """Export the ledger, one row per measure and unit. Example: policy export --agency 市商务委 -o 台账.csv"""
    from policycli import views
    from policycli.checklist import ledger

    if fmt not in ("csv", "json", "md", "table", "ics"):
        raise BadInput(f"unknown format {fmt!r}; use one of csv, json, md, table, ics")
    if output is not None:
        from policycli.files import check_output, database_files
        from policycli.paths import database_path

        check_output(output, force, in_use=database_files(database_path(db)))
    if fmt == "ics":
        from datetime import datetime

        from policycli.reminders import calendar_events, ics_bytes

        if all_:
            raise BadInput("--all (obsolete measures) is not for a calendar; leave it out with --format ics")
        views.write_bytes(ics_bytes(calendar_events(open_database(db), agency, doc), datetime.now(UTC)), output, replace=force)
    elif fmt == "csv":
        from policycli.checklist import ledger_rows

        views.ledger_csv(ledger_rows(open_database(db), agency=agency, doc=doc, include_obsolete=all_, for_csv=True), output, replace=force)
    else:
        views.ledger(ledger(open_database(db), agency=agency, doc=doc, include_obsolete=all_), fmt, output, replace=force)
    if output is not None:
        say(f"wrote {output}")


agencies_app = typer.Typer(no_args_is_help=False, rich_markup_mode=None)
_GROUPS["agencies"] = agencies_app


@agencies_app.callback(invoke_without_command=True)
def agencies(
    ctx: typer.Context,
    level: Annotated[str | None, typer.Option("--level", help="central, municipal, district, subdistrict or other.")] = None,
    district: Annotated[str | None, typer.Option("--district", help="Only this district's units, e.g. 长宁区.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Also the district units without measures.")] = False,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """List units with their measures (total, open, done). Example: policy agencies --district 长宁区"""
    if ctx.invoked_subcommand is not None:
        return
    from policycli import views
    from policycli.agency_store import agency_rows

    views.agencies(agency_rows(open_database(db), level=level, district=district, everything=all_), fmt)


@agencies_app.command("unknown")
def agencies_unknown(doc: DocOption = None, fmt: FormatOption = "table", db: DbOption = None) -> None:
    """List the units nothing resolves, with their measures. Example: policy agencies unknown -f csv"""
    from policycli import views
    from policycli.agency_store import unknown_units

    views.unknown_agencies(unknown_units(open_database(db), doc=doc), fmt)


@agencies_app.command("show")
def agencies_show(
    name: Annotated[str, typer.Argument(help="Canonical name, alias, full name or a predecessor's name.")],
    fmt: DetailFormatOption = "text",
    db: DbOption = None,
) -> None:
    """Show a unit's names, aliases, successor and documents. Example: policy agencies show 市发改委"""
    from policycli import views
    from policycli.agency_store import agency_detail

    views.agency_detail(agency_detail(open_database(db), name), fmt)


@agencies_app.command("alias")
def agencies_alias(
    alias: Annotated[str, typer.Argument(help="The other name, e.g. 市商委.")],
    canonical: Annotated[str, typer.Argument(help="The agency it means, e.g. 市商务委.")],
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Teach policy another name for a unit; kept across reloads. Example: policy agencies alias 市商委 市商务委"""
    from policycli.agency_store import add_alias
    from policycli.checklist import current_user, now_iso

    result = add_alias(open_database(db), alias, canonical, by or current_user(), now_iso())
    moved = f"; {result['moved']} assignment(s) moved to it" if result["moved"] else ""
    say(f"{result['alias']} now means {result['canonical']}{moved}")


@command()
def backup(
    target: Annotated[Path, typer.Argument(help="The backup file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    db: DbOption = None,
) -> None:
    """Copy the database safely while it is in use (SQLite's backup API). Example: policy backup policy-2021-07-01.db"""
    from policycli.files import check_output, database_files
    from policycli.paths import database_path
    from policycli.store import backup as copy_database
    from policycli.store import connect

    path = database_path(db)
    check_output(target, force, in_use=database_files(path))
    database = connect(path, create=False)
    remember(database)
    size = copy_database(database, target, replace=force)
    say(f"wrote {target} ({size:,} bytes)")


@command()
def doctor(db: DbOption = None) -> None:
    """Check the database file and explain what is wrong, if anything. Example: policy doctor"""
    from policycli import views
    from policycli.paths import database_path
    from policycli.store import doctor as check

    path = database_path(db)
    findings = check(path)
    views.doctor(path, findings)
    if any(state == "problem" for _, state, _ in findings):
        raise typer.Exit(ExitStatus.ERROR)


def run(argv: list[str], from_process: bool = True) -> None:
    """Run the Typer app; usage errors and Typer's exits become one line and an exit code.
    Library errors (PolicyError, SQLite's) propagate to main.main, which maps them for both paths.
    `from_process`: argv is the process's, so Typer reads it itself (and expands wildcards on Windows)."""
    from policycli.main import error

    try:
        status = build_app(argv)(args=None if from_process else argv, standalone_mode=False)
        if status == ExitStatus.INTERRUPTED:  # Typer turns Ctrl-C into a return value of 130
            error("interrupted; nothing was half-written")
        if isinstance(status, int) and status:
            sys.exit(status)  # typer.Exit(code) comes back as a return value without standalone mode
    except typer.Abort:
        raise KeyboardInterrupt from None
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors: unknown option, missing argument …
        if type(exc).__name__ == "NoArgsIsHelpError":  # `policy` alone, `policy docs` …: the help
            print(exc.format_message())
            sys.exit(ExitStatus.OK)
        error(exc.format_message())
        sys.exit(ExitStatus.BAD_INPUT)
