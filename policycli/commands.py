"""Every `policy` command, declared once: a Typer-free function whose parameters carry their option
names and help (declare.py), and the table that lists them (COMMANDS). The Typer app (cli.py) and
the fast path (quick.py) are both built from this table.

A command parses nothing and prints only through views.py; it opens the database with `database()`
and returns an exit status when it has one of its own (remind --exit-status, doctor). Heavy modules
(sqlite-utils, rich tables, the parser) are imported inside the commands that use them, so every
command starts fast.
"""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Annotated

from policycli.declare import Argument, Option
from policycli.errors import BadInput, ExitStatus

TABLE_LIMIT = 100

# Options several commands share.
Db = Annotated[
    Path | None,
    Option("--db", metavar="FILE", help="Database file (default: $POLICY_DB, else the user data directory)."),
]
Today = Annotated[
    str | None,
    Option(
        "--today",
        metavar="DATE",
        help="Pretend today is YYYY-MM-DD (default: $POLICY_TODAY, else the clock).",
    ),
]
Format = Annotated[str, Option("--format", "-f", help="table, csv, json or md.")]
DetailFormat = Annotated[str, Option("--format", "-f", help="text or json.")]
Doc = Annotated[str | None, Option("--doc", "-d", metavar="DOC_ID", help="Only this document (its id).")]
Agency = Annotated[str | None, Option("--agency", "-a", help="Responsible unit, e.g. 市商务委.")]
By = Annotated[str | None, Option("--by", help="Who records this (default: your login name).")]
Note = Annotated[str | None, Option("--note", "-n", help="A note for the record, e.g. 已报送.")]
Evidence = Annotated[str | None, Option("--evidence", "-e", help="A URL or file path that shows the work.")]
MeasureId = Annotated[str, Argument(help="Measure id, e.g. hfg-2020-24/2.1.1.2")]
AllAgencies = Annotated[
    bool, Option("--all-agencies", help="Every agency's, not only your configured one's (policy config).")
]
Force = Annotated[bool, Option("--force", help="Overwrite an existing file (regular files only).")]
PeriodOption = Annotated[
    str | None,
    Option(
        "--period",
        "-p",
        metavar="PERIOD",
        help="The period of a recurring measure: 2022, 2022-H1, 2022-Q3, 2022-03 or a date in it "
        "(default: the period open today).",
    ),
]


def say(message: str) -> None:
    """A message for the person at the terminal, on stderr; ids, agencies and notes in it come
    from documents and users, so it goes through the terminal sanitiser (render.terminal_text).
    A message with nothing but printable characters (str.isprintable: no control, format or
    separator character but the space) is already safe and skips importing render (~10 ms of
    `policy done`)."""
    if not message.isprintable():
        from policycli.render import terminal_text

        # one line: a CR or newline in a name must not forge a second line ("…\rerror: …")
        message = terminal_text(message).replace("\n", " ")
    print(message, file=sys.stderr)


@contextmanager
def database(db: Path | None, *, bundled: bool = True, create: bool = True) -> Iterator:
    """The database a command works on (--db, $POLICY_DB or the user data dir), closed when the
    command ends. `bundled`: on first use (no documents yet) load the bundled documents into it."""
    from policycli.paths import database_path
    from policycli.store import connect

    path = database_path(db)
    opened = connect(path, create=create or bundled)
    if bundled and not opened.conn.execute("SELECT 1 FROM documents LIMIT 1").fetchone():
        # First use: load.open_checklist loads the bundled documents. (load.py, its dataclasses and
        # json are imported only then: ~10 ms of every `policy done`.)
        opened.conn.close()
        from policycli.load import open_checklist

        opened = open_checklist(path)
    try:
        yield opened
    finally:
        try:
            opened.conn.close()
        except Exception:  # closing after an error must not hide the error
            pass


def _setting(key: str) -> str | None:
    from policycli.config import value

    return value(key)


def _agency(given: str | None, everyone: bool) -> str | None:
    """--agency, else (unless every agency's is asked for) the configured one."""
    if given is not None or everyone:
        return given
    return _setting("agency")


def _today(value: str | None):
    from policycli.paths import today

    return today(value)


# --- documents in ----------------------------------------------------------------------------


def ingest(
    files: Annotated[
        list[Path],
        Argument(
            metavar="FILE...",
            help="Policy documents: .txt .md .html .docx .pdf .xlsx (.doc .wps .xls .et with LibreOffice).",
        ),
    ],
    out: Annotated[
        Path, Option("--out", "-o", metavar="DIR", help="Directory for the structured files.")
    ] = Path("."),
    check: Annotated[bool, Option("--check", help="Report what would be extracted; write nothing.")] = False,
    encoding: Annotated[
        str | None, Option("--encoding", help="Override encoding detection, e.g. gb18030.")
    ] = None,
    doc_id: Annotated[str | None, Option("--id", help="Document id to use (one file only).")] = None,
    attach_to: Annotated[
        str | None,
        Option(
            "--attach-to",
            metavar="DOC_ID",
            help="Attach the other files (a 分工表) to this document: one in this run or already in --out.",
        ),
    ] = None,
) -> None:
    """Turn policy texts into structured documents (JSON).

    Example: policy ingest 通知.docx --out data/measures
    """
    from policycli.ingest.run import ingest_files

    ingest_files(files, out_dir=out, check=check, encoding=encoding, doc_id=doc_id, attach_to=attach_to)


def load(
    paths: Annotated[
        list[Path] | None,
        Argument(metavar="PATH...", help="Structured files or directories (default: the bundled documents)."),
    ] = None,
    dry_run: Annotated[bool, Option("--dry-run", help="Show what would change; write nothing.")] = False,
    db: Db = None,
) -> None:
    """Load or refresh structured documents; progress is kept.

    Recorded progress follows each measure of a revised document to its new number (matched by
    content); --dry-run says what would change.

    Example: policy load data/measures
    """
    from policycli.load import load_files
    from policycli.paths import bundled_measures_dir

    files = list(paths) if paths else [bundled_measures_dir()]
    if dry_run:  # nothing written: not even a new database's schema or an old one's upgrade
        from policycli.paths import database_path
        from policycli.store import dry_run_database

        with dry_run_database(database_path(db)) as opened:
            results = load_files(opened, files, dry_run=True)
    else:
        with database(db, bundled=False) as opened:
            results = load_files(opened, files)
    changed = [r for r in results if not r.unchanged]
    if len(results) <= 20:
        for result in results:
            say(f"{result.doc_id}: {'unchanged' if result.unchanged else result.summary()}")
    else:
        say(
            f"{len(results)} documents: {len(results) - len(changed)} unchanged, {len(changed)} changed "
            f"({sum(r.added for r in changed)} measures added, {sum(r.updated for r in changed)} updated, "
            f"{sum(r.obsoleted for r in changed)} removed)"
        )
    for result in results:
        for warning in result.warnings:  # corrections that no longer apply
            say(f"  {result.doc_id}: {warning}")
        # a pair the matching is not sure of is never applied: the user decides
        for old, new, score in result.proposals:
            say(
                f"  {old} may be {new} (alike {score:.0%}), not matched; "
                f"to carry its progress over: policy link {old} {new}"
            )
    if dry_run:
        say("dry run: nothing was written")


def link(
    old_id: Annotated[str, Argument(metavar="OLD", help="The measure as it was (an obsolete id).")],
    new_id: Annotated[str, Argument(metavar="NEW", help="The measure it became.")],
    by: By = None,
    db: Db = None,
) -> None:
    """Carry a removed measure's progress over to its new version.

    For a measure a revision changed so much that `policy load` was not sure it is the same: its
    progress, history and corrections move to the measure it became.

    Example: policy link hfg-2020-24/2.2.4~1 hfg-2020-24/2.2.6
    """
    from policycli.checklist import link as carry_over

    with database(db) as opened:
        linked = carry_over(opened, old_id, new_id, by=by or _setting("by"))
    parts = "、".join(_part(agency) for agency in linked.agencies) or "no recorded progress"
    say(f"{linked.old_id} → {linked.new_id}: {parts}; {linked.events} recorded change(s) moved")
    for agency in linked.not_units:
        say(
            f"  {_part(agency)} is not a responsible unit of {linked.new_id}: its progress is kept, not shown"
        )


# --- corrections by the coordinator -----------------------------------------------------------

AgencyArgument = Annotated[str, Argument(metavar="AGENCY", help="A responsible unit, e.g. 市商务委.")]
CorrectionNote = Annotated[str | None, Option("--note", "-n", help="Why, for the record, e.g. 据会议纪要.")]


def _corrected(action: str, measure_id: str, by: str | None, db: Path | None, **fields) -> None:
    from policycli.checklist import correct

    with database(db) as opened:
        done = correct(opened, measure_id, action, by=by or _setting("by"), **fields)
    what = {
        "assign": f"{done.agency} assigned" + (f" ({done.role})" if done.role != "unspecified" else ""),
        "unassign": f"{done.agency} unassigned",
        "due": f"due {done.due}",
    }[action]
    say(f"{done.measure_id}: {what}; kept across reloads (policy undo reverts it)")


def assign(
    measure_id: MeasureId,
    agency: AgencyArgument,
    role: Annotated[str, Option("--role", help="lead (牵头), co (配合) or unspecified.")] = "unspecified",
    note: CorrectionNote = None,
    by: By = None,
    db: Db = None,
) -> None:
    """Make a unit responsible for a measure (a correction).

    For a unit the document (or the parser) missed; kept across reloads, undone by policy undo.

    Example: policy assign hfg-2020-24/2.1.1.1 市商务委 --role lead --note 据分工方案
    """
    _corrected("assign", measure_id, by, db, agency=agency, role=role, note=note)


def unassign(
    measure_id: MeasureId, agency: AgencyArgument, note: CorrectionNote = None, by: By = None, db: Db = None
) -> None:
    """Take a unit off a measure (a correction; its progress is kept).

    For a unit a measure was wrongly given; kept across reloads, undone by policy undo.

    Example: policy unassign hfg-2020-24/2.1.1.2 市财政局 --note 非本单位职责
    """
    _corrected("unassign", measure_id, by, db, agency=agency, note=note)


def due(
    measure_id: MeasureId,
    date: Annotated[str, Argument(metavar="DATE", help="The due date, YYYY-MM-DD.")],
    note: CorrectionNote = None,
    by: By = None,
    db: Db = None,
) -> None:
    """Set a measure's due date (a correction).

    For a date the document does not give or the parser read wrong; kept across reloads.

    Example: policy due hfg-2020-24/2.1.1.2 2022-06-30 --note 按年度计划
    """
    _corrected("due", measure_id, by, db, due=date, note=note)


# --- the checklist ---------------------------------------------------------------------------


def tasks(
    agency: Agency = None,
    doc: Doc = None,
    status: Annotated[
        str,
        Option(
            "--status",
            "-s",
            help=(
                "open/未完成 (default), all/全部, todo/未开始, doing/推进中, done/已完成, "
                "blocked/受阻 or n/a/不适用."
            ),
        ),
    ] = "open",
    kind: Annotated[
        str | None,
        Option("--kind", "-k", help="task/任务, target/目标, indicator/指标 or safeguard/保障措施."),
    ] = None,
    unassigned: Annotated[
        bool, Option("--unassigned", help="Only measures with no responsible unit.")
    ] = False,
    search: Annotated[
        str | None,
        Option("--search", "-q", metavar="WORDS", help="Words that must appear (Chinese full text)."),
    ] = None,
    all_: Annotated[
        bool, Option("--all", help="Include measures removed from their document (obsolete).")
    ] = False,
    due_within: Annotated[
        int | None, Option("--due-within", metavar="DAYS", help="Only measures due within this many days.")
    ] = None,
    overdue: Annotated[bool, Option("--overdue", help="Only measures past their due date.")] = False,
    due_before: Annotated[
        str | None, Option("--due-before", metavar="DATE", help="Only measures due before YYYY-MM-DD.")
    ] = None,
    limit: Annotated[
        int | None,
        Option(
            "--limit", metavar="N", help="At most this many, most urgent first (table default 100; 0: all)."
        ),
    ] = None,
    all_agencies: AllAgencies = False,
    fmt: Format = "table",
    db: Db = None,
    today: Today = None,
) -> None:
    """List measures (an agency's open ones, say).

    Example: policy tasks --agency 市商务委 --due-within 30
    """
    from dataclasses import replace

    from policycli import views
    from policycli.checklist import TaskQuery, agency_summary, count_tasks, iter_tasks, list_tasks
    from policycli.paths import parse_date_option

    # A table is for reading: the 100 most urgent unless asked otherwise. Machine formats get all.
    agency = _agency(agency, all_agencies or unassigned)
    shown = (TABLE_LIMIT if fmt == "table" else 0) if limit is None else limit
    if shown < 0:
        raise BadInput("--limit takes 0 (all) or a positive number")
    query = TaskQuery(
        agency=agency,
        doc=doc,
        status=status,
        kind=kind,
        unassigned=unassigned,
        search=search,
        include_obsolete=all_,
        today=_today(today),
        due_within=due_within,
        overdue=overdue,
        due_before=parse_date_option("--due-before", due_before),
        limit=shown + 1 if shown else None,
    )
    with database(db) as opened:
        if not shown:  # every row (a machine format): written as read, none held
            views.tasks(iter_tasks(opened, query), fmt, agency=agency)
            return
        rows = list_tasks(opened, query)
        cut = bool(shown and len(rows) > shown)
        # The total of a scoped listing is one indexed COUNT; of everything, a scan (seconds at 1M
        # measures), so the unscoped note says no total.
        total = (
            count_tasks(opened, replace(query, limit=None)) if cut and (agency or unassigned or doc) else None
        )
        summary = agency_summary(opened, agency, query.today) if agency and fmt == "table" else None
    if cut:
        rows = rows[:shown]
        of = f" of {total}" if total is not None else ""
        say(f"showing the {shown} most urgent{of}; --limit 0 shows all, --format csv exports them")
    views.tasks(rows, fmt, agency=agency, summary=summary)


def show(measure_id: MeasureId, fmt: DetailFormat = "text", db: Db = None, today: Today = None) -> None:
    """Show a measure: text, source, due date, parts, history.

    Example: policy show hfg-2020-24/2.2.5.17
    """
    from policycli import views
    from policycli.checklist import measure_detail

    with database(db) as opened:
        views.detail(measure_detail(opened, measure_id, _today(today)), fmt)


def mark(
    measure_id: MeasureId,
    status: Annotated[
        str,
        Option("--status", "-s", help="todo/未开始, doing/推进中, done/已完成, blocked/受阻 or n/a/不适用."),
    ],
    agency: Agency = None,
    note: Note = None,
    evidence: Evidence = None,
    by: By = None,
    period: PeriodOption = None,
    db: Db = None,
    today: Today = None,
) -> None:
    """Set your part of a measure to any status.

    Example: policy mark hfg-2020-24/2.1.1.2 --agency 市商务委 --status n/a
    """
    from policycli.checklist import mark as record

    with database(db) as opened:
        event = record(
            opened,
            measure_id,
            status,
            agency=agency,
            note=note,
            evidence=evidence,
            by=by or _setting("by"),
            default_agency=_setting("agency"),
            period=period,
            today=_today(today),
        )
    part = f"{event.measure_id} [{_part(event.agency)}]" + (f" {event.period}" if event.period else "")
    if not event.changed:
        say(f"{part}: already {event.after}; nothing recorded")
    else:
        say(f"{part}: {event.before} → {event.after}")


def _part(agency: str) -> str:
    from policycli.kinds import UNASSIGNED_LABEL

    return agency or UNASSIGNED_LABEL


def undo(
    agency: Agency = None,
    all_agencies: AllAgencies = False,
    anyone: Annotated[bool, Option("--any", help="The last change by anyone, not only by you.")] = False,
    by: By = None,
    db: Db = None,
) -> None:
    """Revert your last recorded change.

    You: --by, else your configured name (policy config), else your login name; --any reverts the
    last change by anyone.

    Example: policy undo
    """
    from policycli.checklist import undo as revert

    with database(db) as opened:
        result = revert(opened, agency=_agency(agency, all_agencies), by=by or _setting("by"), anyone=anyone)
    part = f"{result.measure_id} [{_part(result.agency)}]" + (f" {result.period}" if result.period else "")
    if result.action != "mark":  # a correction: policy assign / unassign / due
        what = f"{result.action} {result.detail or ''}".strip()
        where = result.measure_id if result.action == "due" else part
        say(f"undid change {result.undone} by {result.by}: {what} on {where}")
    else:
        say(f"undid change {result.undone} by {result.by}: {part} {result.was} → {result.status}")


def history(
    measure_id: Annotated[str | None, Argument(help="Only this measure.")] = None,
    agency: Agency = None,
    limit: Annotated[
        int, Option("--limit", metavar="N", help="At most this many changes, newest first.")
    ] = 50,
    all_agencies: AllAgencies = False,
    fmt: Format = "table",
    db: Db = None,
) -> None:
    """List recorded changes, newest first.

    Example: policy history hfg-2020-24/2.1.1.2
    """
    from policycli import views
    from policycli.checklist import history as changes

    with database(db) as opened:
        views.history(
            changes(
                opened,
                measure_id,
                agency=_agency(agency, all_agencies or measure_id is not None),
                limit=limit,
            ),
            fmt,
        )


def remind(
    within: Annotated[int, Option("--within", metavar="DAYS", help="Days ahead to look.")] = 30,
    agency: Agency = None,
    fmt: Annotated[str, Option("--format", "-f", help="text, json or md.")] = "text",
    include_expired: Annotated[
        bool, Option("--include-expired", help="Also remind of measures of expired documents.")
    ] = False,
    exit_status: Annotated[
        bool,
        Option("--exit-status", help="Exit with status 4 when anything is due or left undone (for scripts)."),
    ] = False,
    grace: Annotated[
        int | None,
        Option(
            "--grace",
            metavar="DAYS",
            help="Days an expired document's unfinished measures stay overdue before they are summed up "
            "per document (default: policy config grace, else 90).",
        ),
    ] = None,
    per_agency: Annotated[
        int,
        Option(
            "--max",
            metavar="N",
            help="At most this many items per agency and list (0: all); counts are always given.",
        ),
    ] = 20,
    all_agencies: AllAgencies = False,
    db: Db = None,
    today: Today = None,
) -> int:
    """What is overdue or due soon, per agency; silent when nothing is.

    For cron: it prints nothing when nothing is due, so no mail is sent.

    Example: policy remind --within 30
    """
    from policycli import views
    from policycli.reminders import remind as reminded

    day = _today(today)
    if per_agency < 0:
        raise BadInput("--max takes 0 (all) or a positive number")
    with database(db) as opened:
        found = reminded(
            opened,
            day,
            within,
            _agency(agency, all_agencies),
            include_expired,
            per_agency,
            grace=grace if grace is not None else _configured_grace(),
        )
        views.reminders(found, fmt, day, within)  # each agency's parts read as it is written
    return ExitStatus.DUE if found.size and exit_status else ExitStatus.OK


def _configured_grace() -> int:
    configured = (_setting("grace") or "90").strip()
    if not configured.isdigit():
        raise BadInput(f"grace: {configured!r} is not a number of days; policy config set grace 90")
    return int(configured)


def stats(
    doc: Doc = None,
    agency: Agency = None,
    level: Annotated[
        str | None,
        Option("--level", help="Units of one level: central, municipal, district, subdistrict or other."),
    ] = None,
    district: Annotated[str | None, Option("--district", help="Units of one district, e.g. 长宁区.")] = None,
    fmt: Format = "table",
    db: Db = None,
    today: Today = None,
) -> None:
    """Progress per agency and per document, with a bar.

    Parts 已完成 / 推进中 / 受阻 / 逾期, counted per unit's part of each measure.

    Example: policy stats --district 长宁区
    """
    from policycli import views
    from policycli.statistics import statistics

    with database(db) as opened:
        views.statistics(
            statistics(opened, _today(today), doc=doc, agency=agency, level=level, district=district), fmt
        )


def import_ledgers(
    files: Annotated[list[Path], Argument(metavar="FILE...", help="Returned ledgers: .xlsx or .csv.")],
    by: Annotated[
        str | None,
        Option(
            "--by",
            help="Who records a row whose 填报人 is empty (default: your configured name, else login).",
        ),
    ] = None,
    dry_run: Annotated[bool, Option("--dry-run", help="Show what would change; write nothing.")] = False,
    strict: Annotated[
        bool, Option("--strict", help="Write nothing when any row is refused or in conflict.")
    ] = False,
    theirs: Annotated[
        bool, Option("--theirs", help="In a conflict, take the returned ledger's value.")
    ] = False,
    ours: Annotated[bool, Option("--ours", help="In a conflict, keep the database's value.")] = False,
    fmt: Format = "table",
    db: Db = None,
    today: Today = None,
) -> int:
    """Record what returned ledgers (台账) say.

    Each edited row becomes a mark. A row changed in the database since its export is a conflict:
    reported with both values and not applied (--theirs or --ours decide). Unknown measures or
    statuses, another agency's rows and future completion dates are refused; a damaged file is
    refused whole. Importing a file again changes nothing. Exit status 5 when a row was refused or
    left in conflict.

    Example: policy import 市商务委-返回.xlsx --dry-run
    """
    from policycli import views
    from policycli.checklist.returns import import_returns

    if theirs and ours:
        raise BadInput("--theirs and --ours contradict each other; give one")
    with database(db) as opened:
        result = import_returns(
            opened,
            list(files),
            _today(today),
            by=by or _setting("by"),
            dry_run=dry_run,
            strict=strict,
            resolve="theirs" if theirs else "ours" if ours else None,
        )
    views.import_outcomes(result, fmt, dry_run)
    refused = result.count("error", "conflict")
    return ExitStatus.NOT_ALL_IMPORTED if refused else ExitStatus.OK


def report(
    agency: Agency = None,
    doc: Doc = None,
    as_of: Annotated[
        str | None,
        Option(
            "--as-of", metavar="DATE", help="Progress as recorded up to this day, replayed from the history."
        ),
    ] = None,
    since: Annotated[
        str | None, Option("--since", metavar="DATE", help="List what changed from this day on.")
    ] = None,
    output: Annotated[
        Path | None,
        Option(
            "--output", "-o", metavar="FILE", help="报告.html, .xlsx or .md (default: Markdown to stdout)."
        ),
    ] = None,
    fmt: Annotated[
        str | None, Option("--format", "-f", help="html, xlsx, md or json (default: from -o's extension).")
    ] = None,
    force: Force = False,
    db: Db = None,
    today: Today = None,
) -> None:
    """Write the progress report, with charts.

    Completion by agency and document, overdue items, changes since a day. HTML is one
    self-contained page with charts, printable on A4; xlsx has the tables with bar charts; md is for
    pasting. The numbers are those of `policy stats` for the same day.

    Example: policy report --since 2026-11-01 -o 报告.html
    """
    from policycli.paths import parse_date_option
    from policycli.report import build_report
    from policycli.report_render import html, markdown, workbook

    by_name = {".html": "html", ".htm": "html", ".xlsx": "xlsx", ".md": "md", ".json": "json"}
    named = by_name.get(output.suffix.lower()) if output is not None else None
    if fmt is not None and fmt not in ("html", "xlsx", "md", "json"):
        raise BadInput(f"unknown format {fmt!r}; use one of html, xlsx, md, json")
    if fmt is not None and named is not None and fmt != named:
        raise BadInput(f"{output.name} is named {output.suffix}, but --format is {fmt}; make them agree")
    fmt = fmt or named or ("md" if output is None else None)
    if fmt is None:
        raise BadInput(f"{output.name}: name the report .html, .xlsx, .md or .json (or give --format)")
    if fmt in ("html", "xlsx") and output is None:
        raise BadInput(f"an {fmt.upper()} report is a file: give -o 报告.{fmt}")
    if output is not None:
        from policycli.files import check_output, database_files
        from policycli.paths import database_path

        check_output(output, force, in_use=database_files(database_path(db)))
    day = _today(today)
    with database(db) as opened:
        built = build_report(
            opened,
            day,
            agency=agency,
            doc=doc,
            as_of=parse_date_option("--as-of", as_of),
            since=parse_date_option("--since", since),
        )
    if fmt == "json":
        from policycli.render import json_text

        data = json_text(built.fields()).encode("utf-8")
    elif fmt == "md":
        data = markdown(built).encode("utf-8")
    elif fmt == "html":
        data = html(built).encode("utf-8")
    else:
        data = workbook(built)
    if output is None:
        from policycli.views import write_stdout

        write_stdout(data.decode("utf-8"))
        return
    from policycli.files import write_atomically

    write_atomically(output, data, force)
    say(f"wrote {output}")


def serve(
    host: Annotated[
        str, Option("--host", help="Address to listen on (behind a reverse proxy: 127.0.0.1).")
    ] = ("127.0.0.1"),
    port: Annotated[int, Option("--port", metavar="PORT", help="Port to listen on.")] = 8000,
    secure_cookies: Annotated[
        bool, Option("--secure-cookies", help="Send the session cookie over HTTPS only (behind TLS).")
    ] = False,
    behind_proxy: Annotated[
        bool,
        Option(
            "--behind-proxy",
            help="Take the client's address from X-Forwarded-For set by a reverse proxy on this machine.",
        ),
    ] = False,
    db: Db = None,
) -> None:
    """Serve the checklist in the browser, with sign-in.

    Each agency signs in to its own part. Accounts: policy users add. The session signing key is
    made on first start beside the database (policy-server.key, mode 0600); evidence files go to
    evidence/ there.

    Example: policy serve --port 8000
    """
    import uvicorn

    from policycli.paths import database_path
    from policycli.web.app import create_app

    path = database_path(db)
    app = create_app(path, secure_cookies=secure_cookies)
    say(f"serving {path} on http://{host}:{port} (Ctrl-C stops)")
    # X-Forwarded-For only from the proxy on this machine, and only when there is one: otherwise any
    # local process could claim another address and reset the sign-in limit per address
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=behind_proxy,
        forwarded_allow_ips="127.0.0.1" if behind_proxy else "",
    )


UserName = Annotated[str, Argument(metavar="NAME", help="The user's sign-in name, e.g. 王五.")]


def users_list(fmt: Format = "table", db: Db = None) -> None:
    """List the accounts of policy serve.

    Example: policy users
    """
    from policycli.accounts import list_users
    from policycli.render import Column, emit

    with database(db) as opened:
        rows = [u.fields() for u in list_users(opened)]
    emit(
        rows,
        [
            Column("name", "用户", whole=True),
            Column("agency", "单位", show=lambda a: a or "（全部）"),
            Column("role", "角色", whole=True),
            Column("disabled", "停用", whole=True, show=lambda d: "是" if d else ""),
        ],
        fmt,
        empty="no users; policy users add NAME --agency A adds one",
    )


def users_add(
    name: UserName,
    agency: Agency = None,
    role: Annotated[str, Option("--role", help="member (default), coordinator or viewer.")] = "member",
    db: Db = None,
) -> None:
    """Add an account of policy serve; prints its first password once.

    Example: policy users add 王五 --agency 市商务委
    """
    from policycli.accounts import add_user
    from policycli.checklist.status import now_iso

    with database(db) as opened:
        password = add_user(opened, name, agency, role, now_iso())
    print(f"{name}: {password}")
    say("give the password to its owner; it is not shown again (policy users reset makes a new one)")


def users_disable(name: UserName, db: Db = None) -> None:
    """Disable an account; its sessions end at their next request.

    Example: policy users disable 王五
    """
    from policycli.accounts import set_disabled
    from policycli.checklist.status import now_iso

    with database(db) as opened:
        set_disabled(opened, name, True, now_iso())
    say(f"{name} disabled")


def users_reset(name: UserName, db: Db = None) -> None:
    """Give an account a new password (and enable it); its sessions end.

    Example: policy users reset 王五
    """
    from policycli.accounts import reset_password, set_disabled
    from policycli.checklist.status import now_iso

    with database(db) as opened:
        password = reset_password(opened, name, now_iso())
        set_disabled(opened, name, False, now_iso())
    print(f"{name}: {password}")


_EXTENSIONS = {".csv": "csv", ".json": "json", ".md": "md", ".ics": "ics", ".xlsx": "xlsx"}


def export(
    agency: Agency = None,
    doc: Doc = None,
    fmt: Annotated[
        str | None,
        Option(
            "--format",
            "-f",
            help="csv, xlsx (Excel), json, md, table or ics (calendar); default: from -o's extension, "
            "else csv.",
        ),
    ] = None,
    output: Annotated[
        Path | None, Option("--output", "-o", metavar="FILE", help="Write to this file instead of stdout.")
    ] = None,
    split: Annotated[bool, Option("--split", help="xlsx: one sheet per agency.")] = False,
    split_files: Annotated[
        Path | None,
        Option("--split-files", metavar="DIR", help="xlsx: one file per agency in DIR (台账-<agency>.xlsx)."),
    ] = None,
    force: Force = False,
    all_: Annotated[bool, Option("--all", help="Include obsolete measures.")] = False,
    all_agencies: AllAgencies = False,
    db: Db = None,
    today: Today = None,
) -> None:
    """Export the ledger, one row per measure and unit.

    A recurring measure (每年, 每季度 …) has a row per period that counts today: those already due
    and the one open. An Excel ledger (-o 台账.xlsx) has the columns an agency fills in set apart
    and a hidden key per row, so `policy import` reads the return exactly.

    Example: policy export --agency 市商务委 -o 台账.xlsx
    """
    from policycli import views
    from policycli.checklist import ledger, ledger_rows

    agency = _agency(agency, all_agencies)
    fmt = _export_format(fmt, output, split or split_files is not None)
    if fmt == "ics" and all_:
        raise BadInput("--all (obsolete measures) is not for a calendar; leave it out with --format ics")
    if (split or split_files is not None) and fmt != "xlsx":
        raise BadInput(
            "--split and --split-files write Excel workbooks; use them with -o FILE.xlsx or -f xlsx"
        )
    if fmt == "xlsx" and output is None and split_files is None:
        raise BadInput("an Excel ledger is a file: give -o FILE.xlsx (or --split-files DIR)")
    if output is not None and split_files is not None:
        raise BadInput("give -o FILE or --split-files DIR, not both")
    if output is not None:
        from policycli.files import check_output, database_files
        from policycli.paths import database_path

        check_output(output, force, in_use=database_files(database_path(db)))
    day = _today(today)
    with database(db) as opened:
        if fmt == "ics":
            from datetime import UTC, datetime

            from policycli.reminders import calendar_events, ics_bytes

            views.write_bytes(
                ics_bytes(calendar_events(opened, agency, doc), datetime.now(UTC)), output, replace=force
            )
        elif fmt == "xlsx":
            from policycli.checklist.lookup import agency_scope

            rows = ledger(opened, day, agency=agency, doc=doc, include_obsolete=all_)
            canonical = agency_scope(opened, agency)[0] if agency else None
            written = views.ledger_workbooks(rows, canonical, day, output, split, split_files, replace=force)
            for path in written:
                say(f"wrote {path}")
            return
        elif fmt == "csv":
            views.ledger_csv(
                ledger_rows(opened, day, agency=agency, doc=doc, include_obsolete=all_, for_csv=True),
                output,
                replace=force,
            )
        else:
            views.ledger(
                ledger(opened, day, agency=agency, doc=doc, include_obsolete=all_),
                fmt,
                output,
                replace=force,
            )
    if output is not None:
        say(f"wrote {output}")


def _export_format(fmt: str | None, output: Path | None, split: bool) -> str:
    """--format, else the output file's extension, else csv (xlsx when splitting); an extension that
    says another format than --format is refused, never written as something else."""
    known = ("csv", "xlsx", "json", "md", "table", "ics")
    if fmt is not None and fmt not in known:
        raise BadInput(f"unknown format {fmt!r}; use one of {', '.join(known)}")
    by_name = _EXTENSIONS.get(output.suffix.lower()) if output is not None else None
    if fmt is not None and by_name is not None and by_name != fmt:
        raise BadInput(f"{output.name} is named .{output.suffix[1:]}, but --format is {fmt}; make them agree")
    return fmt or by_name or ("xlsx" if split else "csv")


# --- documents and agencies ------------------------------------------------------------------


def docs_list(
    expiring: Annotated[
        int,
        Option(
            "--expiring-within", metavar="DAYS", help="Days before its end a document counts as expiring."
        ),
    ] = 90,
    fmt: Format = "table",
    db: Db = None,
    today: Today = None,
) -> None:
    """List the loaded documents: validity period, status, days left.

    Example: policy docs --format json
    """
    from policycli import views
    from policycli.checklist import list_documents

    with database(db) as opened:
        views.documents(list_documents(opened, _today(today), expiring), fmt)


def docs_show(
    doc_id: Annotated[str, Argument(help="Document id, e.g. hfg-2020-24")],
    fmt: DetailFormat = "text",
    db: Db = None,
    today: Today = None,
) -> None:
    """Show a document: its validity period with the quotes and rules behind it.

    Example: policy docs show hfg-2020-24
    """
    from policycli import views
    from policycli.checklist import document_detail

    with database(db) as opened:
        views.document_detail(document_detail(opened, doc_id, _today(today)), fmt)


def agencies_list(
    level: Annotated[
        str | None, Option("--level", help="central, municipal, district, subdistrict or other.")
    ] = None,
    district: Annotated[
        str | None, Option("--district", help="Only this district's units, e.g. 长宁区.")
    ] = None,
    all_: Annotated[bool, Option("--all", help="Also the district units without measures.")] = False,
    fmt: Format = "table",
    db: Db = None,
    today: Today = None,
) -> None:
    """List units with their measures (total, open, done).

    Example: policy agencies --district 长宁区
    """
    from policycli import views
    from policycli.agency_store import agency_rows

    with database(db) as opened:
        views.agencies(
            agency_rows(opened, _today(today), level=level, district=district, everything=all_), fmt
        )


def agencies_unknown(doc: Doc = None, fmt: Format = "table", db: Db = None) -> None:
    """List the units nothing resolves, with their measures.

    Example: policy agencies unknown -f csv
    """
    from policycli import views
    from policycli.agency_store import unknown_units

    with database(db) as opened:
        views.unknown_agencies(unknown_units(opened, doc=doc), fmt)


def agencies_show(
    name: Annotated[str, Argument(help="Canonical name, alias, full name or a predecessor's name.")],
    fmt: DetailFormat = "text",
    db: Db = None,
) -> None:
    """Show a unit's names, aliases, successor and documents.

    Example: policy agencies show 市发改委
    """
    from policycli import views
    from policycli.agency_store import agency_detail

    with database(db) as opened:
        views.agency_detail(agency_detail(opened, name), fmt)


def agencies_alias(
    alias: Annotated[str, Argument(help="The other name, e.g. 市商委.")],
    canonical: Annotated[str, Argument(help="The agency it means, e.g. 市商务委.")],
    by: By = None,
    db: Db = None,
) -> None:
    """Teach policy another name for a unit; kept across reloads.

    Example: policy agencies alias 市商委 市商务委
    """
    from policycli.agency_store import add_alias
    from policycli.checklist import current_user, now_iso

    with database(db) as opened:
        result = add_alias(opened, alias, canonical, by or current_user(), now_iso())
    moved = f"; {result['moved']} assignment(s) moved to it" if result["moved"] else ""
    say(f"{result['alias']} now means {result['canonical']}{moved}")


# --- the file ---------------------------------------------------------------------------------


def backup(
    target: Annotated[Path, Argument(help="The backup file to write.", metavar="FILE")],
    force: Force = False,
    db: Db = None,
) -> None:
    """Copy the database safely, even while it is in use.

    SQLite's backup API: a copy of a file in use would miss what is still in its -wal file.

    Example: policy backup policy-2021-07-01.db
    """
    from policycli.files import check_output, database_files
    from policycli.paths import database_path
    from policycli.store import backup as copy_database

    check_output(target, force, in_use=database_files(database_path(db)))
    with database(db, bundled=False, create=False) as opened:
        size = copy_database(opened, target, replace=force)
    say(f"wrote {target} ({size:,} bytes)")


def doctor(
    recount: Annotated[
        bool, Option("--recount", help="Count again the totals stats and remind read, from the checklist.")
    ] = False,
    db: Db = None,
) -> int:
    """Check the database file and explain what is wrong, if anything.

    Example: policy doctor
    """
    from policycli import views
    from policycli.paths import database_path
    from policycli.store import doctor as check

    path = database_path(db)
    if recount:
        from policycli.store import recount as count_again

        say(f"recounted: {count_again(path)} counts were wrong")
    findings = check(path)
    views.doctor(path, findings)
    return ExitStatus.ERROR if any(state == "problem" for _, state, _ in findings) else ExitStatus.OK


def config_show(fmt: DetailFormat = "text") -> None:
    """Show your settings and where each comes from.

    Example: policy config
    """
    from policycli import views
    from policycli.config import settings

    views.settings(settings(), fmt)


def config_set(
    key: Annotated[str, Argument(help="agency or by.")],
    value: Annotated[str, Argument(help="Your unit (e.g. 市商务委) or your name (e.g. 王五).")],
    db: Db = None,
) -> None:
    """Set a default: your agency for daily commands, your name for the record.

    Example: policy config set agency 市商务委
    """
    from policycli.config import store

    if key == "agency":  # a unit the registry (or a user alias) knows, stored by its canonical name
        from policycli.checklist import agency_scope

        with database(db) as opened:
            value, _ = agency_scope(opened, value)
    say(f"{key} = {value} (in {store(key, value)})")


def config_unset(key: Annotated[str, Argument(help="agency or by.")]) -> None:
    """Remove a default.

    Example: policy config unset agency
    """
    from policycli.config import store

    say(f"{key} unset (in {store(key, None)})")


# --- the table --------------------------------------------------------------------------------


class Command:
    """A command of the table: its words (`docs show` is ("docs", "show")), its function, and its help
    when it is not the function's docstring (the marks share one function)."""

    __slots__ = ("words", "function", "help")

    def __init__(self, words: str, function: Callable, help: str | None = None) -> None:
        self.words, self.function, self.help = tuple(words.split()), function, help

    @property
    def name(self) -> str:
        return " ".join(self.words)


def _mark_as(status: str, help: str) -> Command:
    verb = {"done": "done", "doing": "start", "blocked": "block", "todo": "reopen"}[status]
    return Command(verb, partial(mark, status=status), help)


# In the order `policy --help` lists them. A group's default command (`policy docs`) has the group's
# words alone; its subcommands follow it.
COMMANDS: list[Command] = [
    Command("ingest", ingest),
    Command("load", load),
    Command("link", link),
    Command("assign", assign),
    Command("unassign", unassign),
    Command("due", due),
    Command("tasks", tasks),
    Command("show", show),
    _mark_as(
        "done",
        "Mark your part of a measure done.\n\n"
        "Example: policy done hfg-2020-24/2.1.1.2 --agency 市商务委 --note 已报送",
    ),
    _mark_as(
        "doing",
        "Mark your part of a measure in progress.\n\n"
        "Example: policy start hfg-2020-24/2.1.1.2 --agency 市商务委",
    ),
    _mark_as(
        "blocked",
        "Mark your part of a measure blocked.\n\n"
        "Example: policy block hfg-2020-24/2.1.1.2 --agency 市商务委 --note 待国家部委批复",
    ),
    _mark_as(
        "todo",
        "Set your part of a measure back to todo.\n\n"
        "Example: policy reopen hfg-2020-24/2.1.1.2 --agency 市商务委",
    ),
    Command("mark", mark),
    Command("undo", undo),
    Command("history", history),
    Command("docs", docs_list),
    Command("docs show", docs_show),
    Command("remind", remind),
    Command("stats", stats),
    Command("export", export),
    Command("import", import_ledgers),
    Command("report", report),
    Command("serve", serve),
    Command("users", users_list),
    Command("users list", users_list),
    Command("users add", users_add),
    Command("users disable", users_disable),
    Command("users reset", users_reset),
    Command("agencies", agencies_list),
    Command("agencies unknown", agencies_unknown),
    Command("agencies show", agencies_show),
    Command("agencies alias", agencies_alias),
    Command("config", config_show),
    Command("config set", config_set),
    Command("config unset", config_unset),
    Command("backup", backup),
    Command("doctor", doctor),
]
