"""Status rules: a measure's overall status from its parts' statuses, deadlines and days left, and
the one rule for a recurring measure's due date (its next occurrence, or its last once all passed),
in Python and in SQL. Who and when a change is recorded."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime

from policycli.kinds import (
    FINISHED,
)

STATUSES = ("todo", "doing", "done", "blocked", "n/a")
STATUS_FILTERS = ("open", "all", *STATUSES)
UNASSIGNED = ""


def now_iso() -> str:
    """The time a change is recorded: the real clock, in UTC with its offset."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def current_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in cron's empty environment
        return os.environ.get("USER") or "unknown"


def overall_status(statuses: list[str]) -> str:
    if not statuses:
        return "todo"
    if all(s in FINISHED for s in statuses):
        return "n/a" if all(s == "n/a" for s in statuses) else "done"
    if "blocked" in statuses:
        return "blocked"
    if any(s in ("doing", "done", "n/a") for s in statuses):
        return "doing"
    return "todo"


def progress_text(statuses: list[str]) -> str:
    return f"{sum(1 for s in statuses if s in FINISHED)}/{len(statuses)}"


DUE_SOON_DAYS = 30


def status_changes(alias: str = "") -> str:
    """SQL: the events that changed a part's status — a mark, or the undo of one (an undo of a
    correction names the correction in `detail`)."""
    e = f"{alias}." if alias else ""
    return f"({e}action = 'mark' OR ({e}action = 'undo' AND {e}detail IS NULL))"


def effective_due(due: str | None, due_info: str | dict | None, today: date) -> str | None:
    """A recurring measure is due at its next occurrence (or its last one, once all have passed)."""
    info = json.loads(due_info) if isinstance(due_info, str) else due_info
    dates = (info or {}).get("occurrences") or []
    if dates:
        upcoming = [d for d in dates if d >= today.isoformat()]
        return upcoming[0] if upcoming else dates[-1]
    return due


# The same rule in SQL, over a recurring measure `m`: its next occurrence on or after the bound date
# (today), else its last occurrence (periods.counted_sql: the periods that count on a day).
NEXT_DUE_SQL = (
    "coalesce((SELECT o.value FROM json_each(m.due_info, '$.occurrences') o WHERE o.value >= ? ORDER BY "
    "o.key LIMIT 1), "
    "json_extract(m.due_info, '$.occurrences[#-1]'))"
)


def deadline_status(status: str, due: str | None, today: date, soon_days: int = DUE_SOON_DAYS) -> str:
    """done | overdue | due soon | open — for one part, or a whole measure by its overall status."""
    if status in FINISHED:
        return "done"
    if due is None:
        return "open"
    days = (date.fromisoformat(due) - today).days
    if days < 0:
        return "overdue"
    return "due soon" if days <= soon_days else "open"


def days_left(due: str | None, today: date) -> int | None:
    return (date.fromisoformat(due) - today).days if due else None
