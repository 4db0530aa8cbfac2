"""`policy report`: the progress report a 督查 office sends upward — completion per agency and per
document, overdue items by agency, what changed since the last report, and finished parts over time.

The numbers are `policy stats`'s (statistics.py) and the overdue items `policy remind`'s
(reminders.py), for the same filters and day. `as_of` reports progress as it was recorded up to that
day, replayed from the history: a temporary table named `progress`, which SQLite reads before the
main one, holds each part's state after its last change by then, so every reader computes from it
unchanged. Who is responsible is as the documents and corrections say now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from policycli.checklist.lookup import part_filters
from policycli.checklist.status import status_changes
from policycli.kinds import FINISHED
from policycli.store import Database


@dataclass
class Report:
    """Everything a report shows (the JSON of `policy report -f json`)."""

    as_of: str  # ISO day the numbers are for
    replayed: bool  # progress replayed from the history up to as_of (--as-of)
    since: str | None  # changes listed from this day on
    agency: str | None
    doc: str | None
    agencies: list[dict] = field(default_factory=list)  # statistics' per agency
    documents: list[dict] = field(default_factory=list)  # statistics' per document
    # [{agency, count, items: [{id, title, due, days_overdue, period}]}]: each agency's overdue parts,
    # `count` of them, the ITEMS most overdue listed (every one for a report of one document)
    overdue: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)  # [{at, by, id, agency, period, before, after, note}]
    trend: list[dict] = field(default_factory=list)  # [{day, finished, parts}]

    def fields(self) -> dict:
        return dict(self.__dict__)


def end_of_day_utc(day: date) -> str:
    """The first instant after `day` in the user's zone ($POLICY_TZ, else Asia/Shanghai: where the
    day is counted, as `today` is), as the UTC text events are recorded in."""
    from policycli.timezone import user_zone

    after = day + timedelta(days=1)
    moment = datetime(after.year, after.month, after.day, tzinfo=user_zone())
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def replay_progress(db: Database, as_of: date) -> None:
    """Shadow the progress table, for this connection only, with each part's state after its last
    change up to the end of `as_of` (a mark's new state; an undo's: what the undone change had)."""
    conn = db.conn
    conn.execute("DROP TABLE IF EXISTS temp.progress")
    conn.execute(  # dropped by build_report however it ends
        """CREATE TEMP TABLE progress (
            measure_id TEXT NOT NULL, agency TEXT NOT NULL, period TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL, note TEXT, evidence TEXT, by TEXT, at TEXT NOT NULL, done_on TEXT,
            PRIMARY KEY (measure_id, agency, period)) WITHOUT ROWID"""
    )
    conn.execute(
        f"""INSERT INTO temp.progress (measure_id, agency, period, status, note, evidence, by, at, done_on)
           SELECT e.measure_id, e.agency, e.period,
                  CASE WHEN e.action = 'mark' THEN e.after_status ELSE coalesce(u.before_status, 'todo') END,
                  CASE WHEN e.action = 'mark' THEN e.note ELSE u.before_note END,
                  CASE WHEN e.action = 'mark' THEN e.evidence ELSE u.before_evidence END,
                  e.by, e.at,
                  CASE WHEN e.action = 'mark' THEN e.done_on ELSE u.before_done_on END
           FROM (SELECT max(id) AS id FROM main.events WHERE {status_changes()} AND at < ?
                 GROUP BY measure_id, agency, period) last
           JOIN main.events e ON e.id = last.id LEFT JOIN main.events u ON u.id = e.undoes""",
        [end_of_day_utc(as_of)],
    )


# The overdue items listed per agency: a report read by people shows the longest overdue and how
# many there are (at a million measures, listing them all made a 300 MB report in a minute).
ITEMS = 20


def build_report(
    db: Database,
    today: date,
    agency: str | None = None,
    doc: str | None = None,
    as_of: date | None = None,
    since: date | None = None,
) -> Report:
    from policycli.reminders import reminders
    from policycli.statistics import statistics

    day = as_of or today
    try:
        if as_of is not None:
            replay_progress(db, as_of)
        numbers = statistics(db, day, doc=doc, agency=agency)
        report = Report(
            as_of=day.isoformat(),
            replayed=as_of is not None,
            since=since.isoformat() if since else None,
            agency=agency,
            doc=doc,
            agencies=numbers["agencies"],
            documents=numbers["documents"],
        )
        for group in reminders(db, day, 0, agency, per_agency=0 if doc else ITEMS, doc=doc):
            items = [
                {
                    "id": item["id"],
                    "doc": item["doc"],
                    "title": item["title"],
                    "due": item["due"],
                    "days_overdue": -item["days_left"],
                    "period": item.get("period"),
                }
                for item in group["overdue"]
            ]
            if items:
                report.overdue.append(
                    {"agency": group["agency"], "count": group["overdue_count"], "items": items}
                )
        report.overdue.sort(key=lambda g: (-g["count"], g["agency"] or ""))
        report.changes = _changes(db, agency, doc, since, day) if since else []
        report.trend = _trend(db, agency, doc, day)
    finally:
        if as_of is not None:
            db.conn.execute("DROP TABLE IF EXISTS temp.progress")
    return report


def _part_events(db: Database, agency: str | None, doc: str | None, until: str, since: str | None = None):
    """The marks and undos of the chosen parts (current ones, of current measures), oldest first."""
    filters, params = part_filters(db, doc, agency)
    where = [status_changes("e"), "e.at < ?", "a.obsolete = 0", "m.obsolete = 0", *filters]
    values = [until, *params]
    if since:
        where.append("e.at >= ?")
        values.append(since)
    return db.conn.execute(
        f"""SELECT e.id, e.at, e.by, e.measure_id, e.agency, e.period, e.action,
                   coalesce(e.before_status, 'todo'), e.after_status, e.note, m.title
            FROM main.events e JOIN assignments a ON a.measure_id = e.measure_id AND a.agency = e.agency
            JOIN measures m ON m.id = e.measure_id
            WHERE {" AND ".join(where)} ORDER BY e.id""",
        values,
    )


def _changes(db: Database, agency: str | None, doc: str | None, since: date, day: date) -> list[dict]:
    start = end_of_day_utc(since - timedelta(days=1))
    out = []
    for _id, at, by, measure_id, unit, period, action, before, after, note, title in _part_events(
        db, agency, doc, end_of_day_utc(day), start
    ):
        out.append(
            {
                "at": at,
                "by": by,
                "id": measure_id,
                "title": title,
                "agency": unit,
                "period": period or None,
                "before": before,
                "after": after,
                "note": None if action == "undo" else note,
                "undo": action == "undo",
            }
        )
    return out


def _trend(db: Database, agency: str | None, doc: str | None, day: date) -> list[dict]:
    """Finished parts at the end of each day on which something changed, up to `day`: the history
    replayed in order (an undo's status is its `after`, what it went back to)."""
    from policycli.timezone import user_zone

    zone = user_zone()
    finished: dict[tuple, bool] = {}
    count = 0
    points: dict[str, int] = {}
    for _id, at, _by, measure_id, unit, period, _action, _before, after, _note, _title in _part_events(
        db, agency, doc, end_of_day_utc(day)
    ):
        key = (measure_id, unit, period)
        now = (after or "todo") in FINISHED
        count += int(now) - int(finished.get(key, False))
        finished[key] = now
        local = datetime.fromisoformat(at).astimezone(zone).date().isoformat()
        points[local] = count
    return [{"day": d, "finished": n} for d, n in sorted(points.items())]
