"""Status rules: a measure's overall status from its parts' statuses, deadlines and days left, which
events change a status. Who and when a change is recorded. (A recurring measure's periods and their
due dates: periods.py.)"""

from __future__ import annotations

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
