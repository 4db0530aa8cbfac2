"""Floor for the pages of `policy serve`: a plain http.server over sqlite3 answering the same two pages
with the same rows, for bench/run.py to time one request against policy's.

    python bench/floor_serve.py DB PORT

- /dashboard, the overview a coordinator reads: the completion of every agency and every document
  (floor_stats.counts, what `policy stats` counts) as one row each with its percentage and done/total,
  and each agency's overdue parts — how many, and the 20 longest overdue (floor_remind.reminders, as
  floor_report.py reads them), the agencies with the most first.
- /?agency=NAME, an agency's checklist: its open parts, the 200 most urgent (floor_tasks.agency_rows:
  through the agency's due index, stopping at the 200th, then its recurring measures' periods), with
  the open and overdue counts above them (floor_tasks.title_counts, from the tallies).

Each request reads the signed-in account first, as policy does for every page (its name in a plain
cookie here; policy checks a signed session cookie and reads the account's row). One connection,
one thread: requests are timed one at a time. The pages carry what a person reads (ids, titles,
statuses, numbers); run.py compares their rows and numbers with policy's, not their HTML.
"""

from __future__ import annotations

import sys
from html import escape
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from floor_common import (
    KINDS_SQL,
    STATUS_LABELS,
    UNASSIGNED_JSON,
    UNASSIGNED_LABEL,
    connect,
    period_display,
    today,
)
from floor_remind import reminders
from floor_stats import counts, json_data
from floor_tasks import agency_rows, title_counts

ITEMS = 20  # the overdue items listed per agency (policycli/report.py)
PAGE_ROWS = 200  # the rows of a checklist page (policycli/web/app.py)
LATE = {"overdue": "逾期", "due soon": "将到期"}


def name(agency: str | None) -> str:
    return UNASSIGNED_LABEL if agency in (None, "", UNASSIGNED_JSON) else agency


def page(title: str, body: list[str]) -> bytes:
    head = f'<head><meta charset="utf-8"><title>{escape(title)}</title></head>'
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN">{head}<body><main>{"".join(body)}</main>'
        f"<footer>今天 {today().isoformat()}</footer></body></html>"
    ).encode()


def percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def bars(rows: list[tuple[str, int, int]]) -> str:
    """One row per (label, done, total): the percentage done and done/total."""
    if not rows:
        return "<p>（无）</p>"
    cells = "".join(
        f"<tr><td>{escape(label)}</td><td>{percent(done, total)}%（{done}/{total}）</td></tr>"
        for label, done, total in rows
    )
    return f"<table><tbody>{cells}</tbody></table>"


def overview(conn) -> bytes:
    day = today()
    numbers = json_data(*counts(conn, day))
    agencies = [(name(a["agency"]), a["done"], a["total"]) for a in numbers["agencies"] if a["total"]]
    documents = [
        (d["title"] or d["doc"], d["parts_done"], d["parts"]) for d in numbers["documents"] if d["parts"]
    ]
    groups = []
    for group in reminders(conn, day, 0, None, per_agency=ITEMS):
        if group["overdue"]:
            groups.append((group["agency"], group["overdue_count"], group["overdue"]))
    groups.sort(key=lambda g: (-g[1], g[0] or ""))
    body = [
        f"<h1>总览 <small>截至 {day.isoformat()}</small></h1>",
        f"<section><h2>各单位完成情况</h2>{bars(agencies)}</section>",
        f"<section><h2>各文件完成情况</h2>{bars(documents)}</section>",
        "<section><h2>逾期事项</h2>",
    ]
    for agency, count, items in groups:
        body.append(f"<h3>{escape(name(agency))}（{count} 项）</h3><table><tbody>")
        for item in items:
            period = f" {period_display(item['period'])}" if item["period"] else ""
            body.append(
                f'<tr><td><a href="/m/{escape(item["id"])}">{escape(item["id"])}</a>{escape(period)}</td>'
                f"<td>{escape(item['title'] or '')}</td><td>{item['due']}</td>"
                f"<td>{-item['days_left']} 天</td></tr>"
            )
        body.append("</tbody></table>")
        if count > len(items):
            body.append(f"<p>另有 {count - len(items)} 项逾期未列出</p>")
    if not groups:
        body.append("<p>无逾期事项</p>")
    body.append("</section>")
    return page("总览", body)


def checklist(conn, agency: str) -> bytes:
    day = today()
    where = [f"m.kind IN ({KINDS_SQL})", "m.obsolete = 0"]
    rows, periodic, _ = agency_rows(conn, agency, where, [], day, PAGE_ROWS)
    rows.sort(key=lambda r: r[0])
    count, late = title_counts(conn, agency, day)
    count += len(periodic)
    late += sum(1 for _, item in periodic if item["due"] < day.isoformat())
    body = [
        f"<h1>{escape(agency)}的任务</h1>",
        f'<p>{count} 项未完成，其中逾期 <span class="late">{late}</span></p>',
        "<table><thead><tr><th>编号</th><th>期次</th><th>措施</th><th>本单位</th><th>进度</th><th>截止</th>"
        "</tr></thead><tbody>",
    ]
    for _, item in rows[:PAGE_ROWS]:
        mark = f"<br><span>{LATE[item['deadline']]}</span>" if item["deadline"] in LATE else ""
        body.append(
            f'<tr><td><a href="/m/{escape(item["id"])}">{escape(item["id"])}</a></td>'
            f"<td>{period_display(item['period'])}</td><td>{escape(item['title'] or '')}</td>"
            f"<td>{STATUS_LABELS.get(item['agency_status'], '')}</td><td>{item['progress']}</td>"
            f"<td>{item['due'] or ''}{mark}</td></tr>"
        )
    if not rows:
        body.append('<tr><td colspan="6">没有符合条件的任务</td></tr>')
    body.append("</tbody></table>")
    return page(f"{agency}的任务", body)


def serve(db: str, port: int) -> None:
    conn = connect(db)

    class Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urlsplit(self.path)
            if url.path == "/login":
                return self.answer(200, page("登录", ["<p>floor</p>"]))
            cookie = SimpleCookie(self.headers.get("Cookie") or "")
            user = cookie["floor_user"].value if "floor_user" in cookie else ""
            account = conn.execute(
                "SELECT role, agency, disabled FROM users WHERE name = ?", [user]
            ).fetchone()
            if account is None or account[2]:
                self.send_response(303)
                self.send_header("Location", "/login")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            query = parse_qs(url.query)
            if url.path == "/dashboard":
                return self.answer(200, overview(conn))
            if url.path == "/":
                agency = account[1] if account[0] == "member" else (query.get("agency") or [account[1]])[0]
                return self.answer(200, checklist(conn, agency))
            return self.answer(404, page("not found", []))

        def answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # quiet, as policy serve's log_level="warning"
            pass

    HTTPServer(("127.0.0.1", port), Pages).serve_forever()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
