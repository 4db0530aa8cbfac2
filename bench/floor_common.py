"""What the floor scripts share: the database, today, and the rules policy states for statuses, due
dates and periods, written out again in plain Python. Floors import nothing from policycli: each is
plain Python + sqlite3 (and rich where policy prints a table), so its time is what the same work
costs without policy's code. bench/run.py checks that each floor prints what policy prints."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
from datetime import date

KINDS_SQL = "'task', 'target', 'indicator', 'safeguard'"  # the kinds on checklists (not sections)
FINISHED = ("done", "n/a")
FINISHED_SQL = "'done', 'n/a'"
STATUS_LABELS = {"todo": "未开始", "doing": "推进中", "done": "已完成", "blocked": "受阻", "n/a": "不适用"}
UNASSIGNED_LABEL = "未指定责任单位"
UNASSIGNED_JSON = "(unassigned)"
SOON_DAYS = 30
TABLE_LIMIT = 100
# JSON: DEL, C1 and bidi controls written as \u escapes (json.dumps leaves them raw with ensure_ascii=False)
_JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def today() -> date:
    """$POLICY_TODAY (the bench sets it), else the clock."""
    value = os.environ.get("POLICY_TODAY")
    return date.fromisoformat(value) if value else date.today()


def overall_status(statuses: list[str]) -> str:
    """A whole measure's status from its parts'."""
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


def days_left(due: str | None, day: date) -> int | None:
    return (date.fromisoformat(due) - day).days if due else None


def deadline_status(status: str, due: str | None, day: date) -> str:
    if status in FINISHED:
        return "done"
    if due is None:
        return "open"
    days = (date.fromisoformat(due) - day).days
    if days < 0:
        return "overdue"
    return "due soon" if days <= SOON_DAYS else "open"


def period_label(kind: str | None, day: str) -> str:
    """The label of a recurring measure's period containing `day`: 2022, 2022-H1, 2022-Q3, 2022-03."""
    year, month = day[:4], int(day[5:7])
    if kind == "yearly":
        return year
    if kind == "half-yearly":
        return f"{year}-H{1 if month <= 6 else 2}"
    if kind == "quarterly":
        return f"{year}-Q{(month + 2) // 3}"
    if kind == "monthly":
        return day[:7]
    return day


def periods_in_view(recurrence: str | None, due_info: str | None, day: date) -> list[tuple[str, str]]:
    """(label, due) of the periods that count on `day`: those already due and the open one (the
    first not yet due, else the last)."""
    if not recurrence or not due_info:
        return []
    occurrences = json.loads(due_info).get("occurrences") or []
    if not occurrences:
        return []
    iso = day.isoformat()
    current = next((d for d in occurrences if d >= iso), occurrences[-1])
    return [(period_label(recurrence, d), d) for d in occurrences if d <= current]


def period_display(period: str | None) -> str:
    """2022年, 2022年上半年, 2022年第3季度, 2022年3月."""
    if not period:
        return ""
    if re.fullmatch(r"\d{4}", period):
        return f"{period}年"
    if m := re.fullmatch(r"(\d{4})-H([12])", period):
        return f"{m[1]}年{'上' if m[2] == '1' else '下'}半年"
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", period):
        return f"{m[1]}年第{m[2]}季度"
    if m := re.fullmatch(r"(\d{4})-(\d{2})", period):
        return f"{m[1]}年{int(m[2])}月"
    return period


# The SQL of a recurring measure's periods that count on a day, over `m` joined to
# json_each(m.due_info, '$.occurrences') AS occ: the period's label, and the condition that the
# period is already due or the open one (the first occurrence on or after the day, else the last).
def period_label_sql(day: str = "occ.value", kind: str = "m.recurrence") -> str:
    month = f"CAST(substr({day}, 6, 2) AS INTEGER)"
    return (
        f"(CASE {kind} WHEN 'yearly' THEN substr({day}, 1, 4) "
        f"WHEN 'half-yearly' THEN substr({day}, 1, 4) || '-H' || (CASE WHEN {month} <= 6 THEN 1 ELSE 2 END) "
        f"WHEN 'quarterly' THEN substr({day}, 1, 4) || '-Q' || (({month} + 2) / 3) "
        f"WHEN 'monthly' THEN substr({day}, 1, 7) ELSE {day} END)"
    )


def in_view_sql(day: date) -> str:
    iso = f"'{day.isoformat()}'"
    return (
        "occ.value <= coalesce((SELECT o.value FROM json_each(m.due_info, '$.occurrences') o "
        f"WHERE o.value >= {iso} ORDER BY o.key LIMIT 1), json_extract(m.due_info, '$.occurrences[#-1]'))"
    )


def json_out(data: object) -> None:
    """JSON as policy writes it (render.json_text): a listing (a list of records) one record per line,
    anything else indented by 2; DEL, C1 and bidi controls as \\u escapes."""
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        text = "[\n" + ",\n".join(f"  {json.dumps(item, ensure_ascii=False)}" for item in data) + "\n]\n"
    else:
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if _JSON_RAW.search(text):
        text = _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()


def console():
    """A rich console as wide as $COLUMNS, no colour and no highlighting (output goes to a pipe)."""
    from rich.console import Console

    return Console(highlight=False, emoji=False, soft_wrap=False, color_system=None)
