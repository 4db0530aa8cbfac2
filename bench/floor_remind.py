"""Floor for `policy remind --within N [--agency NAME]` (text or JSON), with plain sqlite3.

    python bench/floor_remind.py DB [--within 30] [--agency NAME] [--format text|json]

The work, as policy defines it: the open parts (not done or n/a) of current measures of documents
that still bind someone (not repealed or replaced) and are in force or expired less than 90 days
ago, due by today + N — a recurring measure's once per open period that counts today. Per agency:
how many are overdue and how many fall due soon, the 20 most urgent of each (by due date, document,
order), and the expired documents with work left (one line each). Agencies with the most urgent
item first.

The counts come from the tallies policy keeps in step with every write (floor_tallies.py), as
issue 17 allows; the items through each agency's index, as policy reads them.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta

from floor_common import (
    FINISHED,
    FINISHED_SQL,
    KINDS_SQL,
    UNASSIGNED_LABEL,
    connect,
    days_left,
    json_out,
    period_display,
    today,
)
from floor_tallies import due_before, open_once_parts, recurring_parts

GRACE_DAYS = 90
PER_AGENCY = 20
NOT_RETIRED = "(d.until_by IS NULL OR json_extract(d.until_by, '$.kind') = 'extends')"


def excluded(conn, expired_since) -> tuple[list[str], dict[str, tuple]]:
    """The documents remind leaves out: repealed or replaced ones, and those that ended before
    `expired_since` ({id: (id, title, 文号, end)})."""
    retired = [d for (d,) in conn.execute(f"SELECT id FROM documents d WHERE NOT {NOT_RETIRED}")]
    ended = {
        row[0]: row
        for row in conn.execute(
            f"SELECT id, title, doc_number, effective_until FROM documents d "
            f"WHERE {NOT_RETIRED} AND effective_until < ?",
            [expired_since.isoformat()],
        )
    }
    return retired, ended


def counts(conn, day, horizon, names, retired, ended) -> dict[str, list[int]]:
    """{agency: [overdue, due soon]} of open parts of measures that do not recur: the tallies' sums
    over every document, less the documents left out (an ended one's parts due within its term
    from pair_tally; a retired one's, and an ended one's due after its end, read)."""
    first_soon, after = day.isoformat(), (horizon + timedelta(days=1)).isoformat()
    keys = names or [
        k for (k,) in conn.execute("SELECT DISTINCT key FROM tally WHERE scope = 'agency' AND kind = 'state'")
    ]
    out = {}
    for key in keys:
        before_today = due_before(conn, "agency", key, first_soon)
        out[key] = [before_today, due_before(conn, "agency", key, after) - before_today]
    chosen = "" if names is None else f" AND a.agency IN ({', '.join('?' * len(names))})"
    late = [
        d
        for (d,) in conn.execute(
            "SELECT DISTINCT doc_id FROM pair_tally WHERE late != 0 "
            "AND doc_id IN (SELECT value FROM json_each(?))",
            [json.dumps(list(ended), ensure_ascii=False)],
        )
    ]
    for doc, which in [(d, "1") for d in retired] + [(d, "m.due > d.effective_until") for d in late]:
        for agency, due in conn.execute(
            f"""SELECT a.agency, m.due FROM documents d CROSS JOIN measures m ON m.doc_id = d.id
                CROSS JOIN assignments a ON a.measure_id = m.id
                LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency AND p.period = ''
                WHERE d.id = ? AND m.due IS NOT NULL AND m.due < ? AND {which} AND a.obsolete = 0
                  AND m.obsolete = 0 AND m.kind IN ({KINDS_SQL}) AND m.recurrence IS NULL
                  AND coalesce(p.status, 'todo') NOT IN ({FINISHED_SQL}){chosen}""",
            [doc, after, *(names or [])],
        ):
            out.setdefault(agency, [0, 0])[0 if due < first_soon else 1] -= 1
    if ended:
        chosen = "" if names is None else f" AND agency IN ({', '.join('?' * len(names))})"
        for agency, within in conn.execute(
            f"SELECT agency, sum(within) FROM pair_tally WHERE doc_id IN (SELECT value FROM json_each(?))"
            f"{chosen} GROUP BY agency",
            [json.dumps(list(ended), ensure_ascii=False), *(names or [])],
        ):
            out.setdefault(agency, [0, 0])[0] -= within
    return out


def expired_documents(conn, names, recurring, ended) -> list[tuple]:
    """(agency, doc, title, 文号, effective_until, open parts) of the ended documents with open
    parts, the longest ended first: pair_tally, and the recurring measures' open periods."""
    chosen = "" if names is None else f" AND agency IN ({', '.join('?' * len(names))})"
    open_parts: dict[tuple, int] = {}
    for agency, doc, n in conn.execute(
        "SELECT agency, doc_id, undated + within + late FROM pair_tally "
        f"WHERE doc_id IN (SELECT value FROM json_each(?)){chosen}",
        [json.dumps(list(ended), ensure_ascii=False), *(names or [])],
    ):
        open_parts[(agency, doc)] = open_parts.get((agency, doc), 0) + n
    for agency, _, doc, _, _, _, status in recurring:
        if doc in ended and status not in FINISHED:
            open_parts[(agency, doc)] = open_parts.get((agency, doc), 0) + 1
    rows = [(agency, *ended[doc], n) for (agency, doc), n in open_parts.items() if n > 0]
    rows.sort(key=lambda r: (r[4], r[1], r[0]))
    return rows


def details(conn, ids: set[str]) -> dict[str, dict]:
    out = {}
    ids = sorted(ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for measure, doc, doc_title, number, kind, title, source, first, last in conn.execute(
            f"""SELECT m.id, m.doc_id, d.title, m.number, m.kind, m.title, d.source_file, m.line_first,
                       m.line_last FROM measures m JOIN documents d ON d.id = m.doc_id
                WHERE m.id IN ({", ".join("?" * len(chunk))})""",
            chunk,
        ):
            out[measure] = {
                "id": measure,
                "doc": doc,
                "doc_title": doc_title,
                "number": number,
                "kind": kind,
                "title": title,
                "source": f"{source} {first}-{last}",
            }
    return out


def reminders(conn, day, within=30, agency=None, per_agency=PER_AGENCY, grace=GRACE_DAYS) -> list[dict]:
    """The groups of `policy remind --format json`: per agency, its `per_agency` most urgent items
    of each list and how many there are (counts from the tallies, items through each agency's index)."""
    expired_since = day - timedelta(days=grace)
    horizon = day + timedelta(days=within)
    first_soon, after = day.isoformat(), (horizon + timedelta(days=1)).isoformat()
    names = [agency] if agency else None  # the bench's agencies have no predecessors or collectives
    retired, ended = excluded(conn, expired_since)
    left_out = retired + list(ended)
    recurring = recurring_parts(conn, day, names)
    groups: dict[str, dict] = {}

    def group(name: str) -> dict:
        if name not in groups:
            groups[name] = {
                "agency": name or None,
                "overdue": [],
                "due_soon": [],
                "overdue_count": 0,
                "due_soon_count": 0,
                "expired_documents": [],
            }
        return groups[name]

    for name, (overdue, soon) in sorted(counts(conn, day, horizon, names, retired, ended).items()):
        entry = group(name)
        entry["overdue_count"], entry["due_soon_count"] = overdue, soon
        for key, wanted, low, high in (
            ("overdue", overdue, None, first_soon),
            ("due_soon", soon, first_soon, after),
        ):
            if wanted:
                entry[key] += [
                    (r[2], r[4], r[5], r[1], r[3])
                    for r in open_once_parts(conn, name, low, high, left_out, per_agency)
                ]
    gone = set(left_out)
    for name, measure, doc, seq, period, due, status in recurring:
        if status in FINISHED or due > horizon.isoformat() or doc in gone:
            continue
        entry = group(name)
        key = "overdue" if due < first_soon else "due_soon"
        entry[f"{key}_count"] += 1
        entry[key].append((due, doc, seq, measure, period))
    for name in [n for n, g in groups.items() if not g["overdue_count"] + g["due_soon_count"]]:
        del groups[name]
    listed = set()
    for entry in groups.values():
        for key in ("overdue", "due_soon"):
            entry[key].sort()
            del entry[key][per_agency:]
            listed.update(e[3] for e in entry[key])
    known = details(conn, listed)
    for entry in groups.values():
        for key in ("overdue", "due_soon"):
            entry[key] = [
                known[measure] | {"due": due, "days_left": days_left(due, day), "period": period or None}
                for due, _, _, measure, period in entry[key]
            ]
    for name, doc, title, number, until, n in expired_documents(conn, names, recurring, ended):
        group(name)["expired_documents"].append(
            {"doc": doc, "title": title, "doc_number": number, "effective_until": until, "open": n}
        )
    out = list(groups.values())
    out.sort(
        key=lambda g: (
            min([i["due"] for i in g["overdue"] + g["due_soon"]] or ["9999"]),
            g["agency"] is None,
            g["agency"] or "",
        )
    )
    return out


def one_line(text: object) -> str:
    return str(text or "").replace("\t", " ").replace("\r", " ").replace("\n", " ")


def text(groups: list[dict], day, within: int) -> str:
    overdue = sum(g["overdue_count"] for g in groups)
    soon = sum(g["due_soon_count"] for g in groups)
    left = sum(d["open"] for g in groups for d in g["expired_documents"])
    lines = [
        f"政策任务提醒 {day.isoformat()}：逾期 {overdue} 项，{within} 天内到期 {soon} 项"
        + (f"；已过期文件中仍有 {left} 项未完成" if left else ""),
        "",
    ]
    for g in groups:
        name = one_line(g["agency"]) if g["agency"] else UNASSIGNED_LABEL
        lines.append(f"{name}（逾期 {g['overdue_count']}，将到期 {g['due_soon_count']}）")
        for key, label in (("overdue", "逾期"), ("due_soon", "将到期")):
            for item in g[key]:
                days = item["days_left"]
                when = f"逾期{-days}天" if days < 0 else ("今天到期" if days == 0 else f"剩{days}天")
                period = f" {period_display(item['period'])}" if item["period"] else ""
                lines.append(
                    f"  [{label}] {item['due']}（{when}） {one_line(item['id'])}{period}  "
                    f"{one_line(item['title'])}"
                )
            hidden = g[f"{key}_count"] - len(g[key])
            if hidden > 0:
                where = f"--agency {name}" if g["agency"] else "--unassigned"
                lines.append(f"  ……另有{label} {hidden} 项（policy tasks {where} 查看全部）")
        for d in g["expired_documents"]:
            name_of = " ".join(x for x in (d["doc_number"], d["title"]) if x)
            lines.append(
                f"  [已过期] {one_line(name_of)}（有效期至 {d['effective_until']}）："
                f"仍有 {d['open']} 项未完成（policy tasks --doc {d['doc']} --overdue 查看）"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str]) -> None:
    db, options = argv[0], dict(zip(argv[1::2], argv[2::2], strict=True))
    day, within = today(), int(options.get("--within", 30))
    groups = reminders(connect(db), day, within, options.get("--agency"))
    if options.get("--format", "text") == "json":
        json_out(groups)
    elif groups:
        sys.stdout.write(text(groups, day, within))
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
