"""Periods of a recurring measure (每年, 每半年, 每季度, 每月): its status is recorded per period, so
市商务委's "done" for 2021 does not cover 2022.

A period is named by a label that sorts in time: "2022" (yearly), "2022-H1" (half-yearly),
"2022-Q3" (quarterly), "2022-03" (monthly). It is due on its occurrence, the date in the measure's
due_info["occurrences"] that falls in it: the period's end, or the end of validity when that cuts
the last period short (ingest/dates.occurrences). A measure that does not recur has one status,
recorded under the period NO_PERIOD ("").

On a given day the periods that count are those already due (overdue unless finished) and the open
one, the first not yet past (the last, once all have passed); later periods are not listed yet.
"""

import re
from datetime import date
from typing import NamedTuple

from policycli.errors import BadInput

NO_PERIOD = ""
KINDS = ("yearly", "half-yearly", "quarterly", "monthly")


class Period(NamedTuple):
    label: str  # "2022", "2022-H1", "2022-Q3", "2022-03"
    due: str | None  # ISO: its occurrence (None: a period recorded that the measure no longer has)


def label(kind: str | None, day: str) -> str:
    """The label of the period of `kind` that contains the ISO date `day`."""
    year, month = day[:4], int(day[5:7])
    if kind == "yearly":
        return year
    if kind == "half-yearly":
        return f"{year}-H{1 if month <= 6 else 2}"
    if kind == "quarterly":
        return f"{year}-Q{(month + 2) // 3}"
    if kind == "monthly":
        return day[:7]
    return day  # a recurrence ingest gives no occurrences for (每周, 定期): the date itself


def label_sql(day: str, kind: str = "m.recurrence") -> str:
    """label() in SQL, over an ISO date expression and a recurrence expression."""
    month = f"CAST(substr({day}, 6, 2) AS INTEGER)"
    return (
        f"(CASE {kind} WHEN 'yearly' THEN substr({day}, 1, 4) "
        f"WHEN 'half-yearly' THEN substr({day}, 1, 4) || '-H' || (CASE WHEN {month} <= 6 THEN 1 ELSE 2 END) "
        f"WHEN 'quarterly' THEN substr({day}, 1, 4) || '-Q' || (({month} + 2) / 3) "
        f"WHEN 'monthly' THEN substr({day}, 1, 7) ELSE {day} END)"
    )


def periods_of(recurrence: str | None, due_info: str | dict | None) -> list[Period]:
    """The measure's periods in time order; [] for a measure that does not recur."""
    if not recurrence:
        return []
    if isinstance(due_info, str):
        import json

        due_info = json.loads(due_info)
    info = due_info
    return [Period(label(recurrence, day), day) for day in (info or {}).get("occurrences") or []]


def open_period(periods: list[Period], today: date) -> Period | None:
    """The period open on `today`: the first not yet due, else the last."""
    day = today.isoformat()
    return next((p for p in periods if p.due >= day), periods[-1] if periods else None)


# open_period's due date in SQL, over a recurring measure `m`: its first occurrence on or after the
# bound date (today), else its last.
OPEN_DUE_SQL = (
    "coalesce((SELECT o.value FROM json_each(m.due_info, '$.occurrences') o WHERE o.value >= ? ORDER BY "
    "o.key LIMIT 1), "
    "json_extract(m.due_info, '$.occurrences[#-1]'))"
)


# A recurring measure `m`'s occurrence dates as a JSON array (tallies.recurring_parts reads them
# once per measure and works out its periods in Python), and whether it has one on or before a day.
OCCURRENCES_SQL = "json_extract(m.due_info, '$.occurrences')"
OCCURS_BY_SQL = "EXISTS (SELECT 1 FROM json_each(m.due_info, '$.occurrences') o WHERE o.value <= ?)"


# Each occurrence `o` of a recurring measure `m` as a row (json_each: o.value the date, o.key its
# place; a measure that does not recur has none, and its due_info is not read), and the occurrence
# before it ('' for the first). A period counts on day D (in_view) exactly when the occurrence before
# it is before D: yearly 2020-12-31, 2021-12-31, 2022-10-25 on 2021-07-01 — the first two count (no
# previous one; 2020-12-31 past), the third not yet (2021-12-31 is ahead). period_parts.py keeps it.
OCCURRENCE_ROWS_SQL = "json_each(CASE WHEN m.recurrence IS NOT NULL THEN m.due_info END, '$.occurrences')"
PREVIOUS_OCCURRENCE_SQL = (
    "CASE WHEN o.key = 0 THEN '' ELSE json_extract(m.due_info, '$.occurrences[' || (o.key - 1) || ']') END"
)


def in_view(periods: list[Period], today: date) -> list[Period]:
    """The periods that count on `today`: those already due and the open one."""
    current = open_period(periods, today)
    return [p for p in periods if current is not None and p.due <= current.due]


def display(period: str | None) -> str:
    """A label as people write it: 2022年, 2022年上半年, 2022年第3季度, 2022年3月."""
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


# What --period accepts: the labels, their Chinese forms, and a date (the period containing it).
_YEAR = r"(?P<year>\d{4})\s*(?:年度?)?"
_FORMS = [
    (re.compile(rf"{_YEAR}\s*[-/]?\s*(?:H(?P<h>[12])|(?P<hz>[上下])半年)", re.I), "half-yearly"),
    (re.compile(rf"{_YEAR}\s*[-/]?\s*(?:Q(?P<q>[1-4])|第?(?P<qz>[1-4一二三四])季度?)", re.I), "quarterly"),
    (re.compile(rf"{_YEAR}\s*[-/.]\s*(?P<m>\d{{1,2}})\s*[-/.]\s*(?P<d>\d{{1,2}})\s*日?"), "day"),
    (re.compile(rf"{_YEAR}\s*(?P<m>\d{{1,2}})\s*月\s*(?P<d>\d{{1,2}})\s*日"), "day"),
    (re.compile(rf"{_YEAR}\s*[-/.]?\s*(?P<m>\d{{1,2}})\s*月?"), "monthly"),
    (re.compile(_YEAR), "yearly"),
]
_CHINESE_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}
_NAMES = {"yearly": "a year", "half-yearly": "a half-year", "quarterly": "a quarter", "monthly": "a month"}
_EXAMPLES = {"yearly": "2022", "half-yearly": "2022-H1", "quarterly": "2022-Q3", "monthly": "2022-03"}


def choose(measure_id: str, periods: list[Period], text: str | None, today: date) -> Period:
    """The period `--period text` names (default: the open one) among the measure's `periods`.
    A finer period than the measure's (a month of a quarterly measure, a date) names the period
    containing it; a coarser one (a year of a quarterly measure) is ambiguous and refused."""
    if text is None or not text.strip():
        chosen = open_period(periods, today)
        assert chosen is not None
        return chosen
    kind, day = _parse(text)
    measure_kind = _kind_of(periods)
    order = ["yearly", "half-yearly", "quarterly", "monthly", "day"]
    if order.index(kind) < order.index(measure_kind):
        raise BadInput(
            f"{text!r} is {_NAMES[kind]}; {measure_id} recurs per {_NAMES[measure_kind][2:]}: "
            f"give one, e.g. --period {_EXAMPLES[measure_kind]}"
        )
    wanted = label(measure_kind, day)
    for period in periods:
        if period.label == wanted:
            return period
    labels = "、".join(p.label for p in periods)
    raise BadInput(f"{measure_id} has no period {wanted}; its periods are {labels}")


def _kind_of(periods: list[Period]) -> str:
    first = periods[0].label
    if re.fullmatch(r"\d{4}", first):
        return "yearly"
    if "-H" in first:
        return "half-yearly"
    if "-Q" in first:
        return "quarterly"
    return "monthly"


def _parse(text: str) -> tuple[str, str]:
    """(kind, an ISO date inside the period) of what the user typed (full-width ２０２２－Ｑ１ too)."""
    import unicodedata

    cleaned = unicodedata.normalize("NFKC", text).strip()
    for pattern, kind in _FORMS:
        m = pattern.fullmatch(cleaned)
        if not m:
            continue
        year = int(m["year"])
        try:
            if kind == "half-yearly":
                first = (m["h"] or ("1" if m["hz"] == "上" else "2")) == "1"
                return kind, date(year, 1 if first else 7, 1).isoformat()
            if kind == "quarterly":
                quarter = int(m["q"] or _CHINESE_DIGITS.get(m["qz"], m["qz"]))
                return kind, date(year, quarter * 3 - 2, 1).isoformat()
            if kind == "day":
                return kind, date(year, int(m["m"]), int(m["d"])).isoformat()
            if kind == "monthly":
                return kind, date(year, int(m["m"]), 1).isoformat()
            return kind, date(year, 1, 1).isoformat()
        except ValueError:
            break
    raise BadInput(
        f"--period {text!r} is not a period; give a year (2022), half-year (2022-H1), quarter (2022-Q3), "
        "month (2022-03) or a date in it (2022-05-10)"
    )


class CountedSQL(NamedTuple):
    """SQL that makes each part of a recurring measure one row per period that counts on a day,
    over `assignments a JOIN measures m`: add `join` after them, join progress on `p.period =
    {label}`, and keep `condition`. A part of a measure that does not recur stays one row, its
    period "". `due` is the row's due date: the period's, or the measure's own."""

    join: str
    label: str
    due: str
    condition: str


def counted_sql(today: date | None, rows: str = "all") -> CountedSQL:
    """CountedSQL for `today` (written into the SQL: an ISO date is digits and dashes only; None:
    every period, not only those that count, for the calendar). `rows`: "all" the parts in one pass
    (a LEFT JOIN that leaves a part that does not recur one row), or only those of measures that do
    not recur ("once") or that do ("periodic") — for a query whose plan must not change for the
    many parts that do not recur (a remind through the due index: json_each beside each row moved
    SQLite's planner from the measures' index to a scan of every assignment)."""
    if rows == "once":
        return CountedSQL(join="", label="''", due="m.due", condition="m.recurrence IS NULL")
    day = f"'{today.isoformat()}'" if today else ""
    in_view = "1" if today is None else f"occ.value <= {OPEN_DUE_SQL.replace('?', day)}"
    label = label_sql("occ.value")
    if rows == "periodic":
        return CountedSQL(
            join="JOIN json_each(m.due_info, '$.occurrences') occ",
            label=label,
            due="occ.value",
            condition=f"m.recurrence IS NOT NULL AND {in_view}",
        )
    # json_each of NULL has no rows: the LEFT JOIN keeps a part that does not recur as one row
    recurring_dates = "CASE WHEN m.recurrence IS NOT NULL THEN m.due_info END"
    return CountedSQL(
        join=f"LEFT JOIN json_each({recurring_dates}, '$.occurrences') occ",
        label=f"(CASE WHEN m.recurrence IS NULL THEN '' ELSE {label} END)",
        due="(CASE WHEN m.recurrence IS NULL THEN m.due ELSE occ.value END)",
        condition=f"(m.recurrence IS NULL OR {in_view})",
    )


def period_at(periods: list[Period], moment: str) -> Period:
    """The period a status recorded at `moment` (UTC, ISO) was for: the one containing its day in
    the user's zone (Asia/Shanghai unless $POLICY_TZ); before the first period the first, after the
    last the last."""
    from datetime import datetime

    from policycli.timezone import user_zone

    try:
        day = datetime.fromisoformat(moment).astimezone(user_zone()).date().isoformat()
    except ValueError:
        day = moment[:10]
    kind = _kind_of(periods)
    wanted = label(kind, day)
    found = next((p for p in periods if p.label == wanted), None)
    return found or (periods[0] if day < periods[0].due else periods[-1])


def settle(conn, measure_id: str) -> list[str]:
    """Progress recorded under a period the measure no longer has, put where it counts now (a
    revision, a corrected due date or its undo changed whether the measure recurs): a measure that
    started recurring gives a unit's status recorded without a period to the period it was recorded
    in; one that stopped keeps a unit's latest status as its one status — each only where nothing is
    recorded yet, so nothing is overwritten (what stays is listed by `policy show`). The part's log
    lines follow, so undo finds them. Returns a line per status moved."""
    from policycli.checklist.status import status_changes

    row = conn.execute("SELECT recurrence, due_info FROM measures WHERE id = ?", [measure_id]).fetchone()
    if row is None:
        return []
    periods = [p for p in periods_of(row[0], row[1]) if p.due]
    labels = {p.label for p in periods}
    recorded = conn.execute(
        "SELECT agency, period, at FROM progress WHERE measure_id = ? ORDER BY at DESC", [measure_id]
    ).fetchall()
    taken = {(agency, period) for agency, period, _ in recorded}
    said = []
    for agency, period, at in recorded:
        if labels and period == NO_PERIOD:
            target = period_at(periods, at).label
        elif not labels and period != NO_PERIOD:
            target = NO_PERIOD
        else:
            continue  # where it counts, or a period a revision dropped (show lists it)
        if (agency, target) in taken:
            continue
        for table, extra in (
            ("progress", ""),
            ("events", f" AND {status_changes()}"),
        ):
            conn.execute(
                f"UPDATE {table} SET period = ? WHERE measure_id = ? AND agency = ? AND period = ?{extra}",
                [target, measure_id, agency, period],
            )
        taken.discard((agency, period))
        taken.add((agency, target))
        said.append(
            f"{measure_id} [{agency or '(no unit)'}]: the status recorded "
            f"{'for ' + period if period else 'without a period'} now counts "
            f"{'for ' + target if target else 'for the measure, which no longer recurs'}"
        )
    return said
