"""Floor for `policy report -f json` (the whole database, to stdout), with plain sqlite3: the same JSON.

    python bench/floor_report.py DB

The work, as policy defines it: the numbers of `policy stats` (floor_stats.counts), each agency's
overdue count and its 20 longest overdue items as `policy remind --within 0` finds them
(floor_remind.reminders, the agencies with the most overdue first), and the trend: the marks and
undos up to the end of today replayed in order, the finished parts at the end of each day something
changed.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta, timezone

from floor_common import FINISHED, connect, json_out, today
from floor_remind import reminders
from floor_stats import counts, json_data

ITEMS = 20  # the overdue items listed per agency (policycli/report.py)
SHANGHAI = timezone(timedelta(hours=8))  # Asia/Shanghai, policy's default zone (no daylight saving)


def trend(conn, day: date) -> list[dict]:
    end = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI) + timedelta(days=1)
    finished: dict[tuple, bool] = {}
    count = 0
    points: dict[str, int] = {}
    for at, measure, unit, period, after in conn.execute(
        """SELECT e.at, e.measure_id, e.agency, e.period, e.after_status
           FROM events e JOIN assignments a ON a.measure_id = e.measure_id AND a.agency = e.agency
           JOIN measures m ON m.id = e.measure_id
           WHERE (e.action = 'mark' OR (e.action = 'undo' AND e.detail IS NULL)) AND e.at < ?
             AND a.obsolete = 0 AND m.obsolete = 0 ORDER BY e.id""",
        [end.astimezone(UTC).isoformat(timespec="seconds")],
    ):
        key = (measure, unit, period)
        now = (after or "todo") in FINISHED
        count += int(now) - int(finished.get(key, False))
        finished[key] = now
        points[datetime.fromisoformat(at).astimezone(SHANGHAI).date().isoformat()] = count
    return [{"day": d, "finished": n} for d, n in sorted(points.items())]


def main(db: str) -> None:
    conn = connect(db)
    day = today()
    agencies, documents = counts(conn, day)
    overdue = []
    for group in reminders(conn, day, 0, None, per_agency=ITEMS):
        items = [
            {
                "id": i["id"],
                "doc": i["doc"],
                "title": i["title"],
                "due": i["due"],
                "days_overdue": -i["days_left"],
                "period": i["period"],
            }
            for i in group["overdue"]
        ]
        if items:
            overdue.append({"agency": group["agency"], "count": group["overdue_count"], "items": items})
    overdue.sort(key=lambda g: (-g["count"], g["agency"] or ""))
    json_out(
        {
            "as_of": day.isoformat(),
            "replayed": False,
            "since": None,
            "agency": None,
            "doc": None,
            **json_data(agencies, documents),
            "overdue": overdue,
            "changes": [],
            "trend": trend(conn, day),
        }
    )


if __name__ == "__main__":
    main(sys.argv[1])
