"""The report (report.py) as people read it: a self-contained HTML page with inline SVG charts,
printable on A4 (no script, no network, nothing loaded from elsewhere); Markdown for pasting; an
Excel workbook with native bar charts (XlsxWriter).

Every text from documents and people goes through html.escape (HTML and SVG) or the Markdown
sanitiser; Chinese falls back through the fonts an office machine has (Noto/Source Han, Microsoft
YaHei, PingFang, SimSun) before a generic sans-serif.
"""

from __future__ import annotations

import io
from html import escape

from policycli.checklist.periods import display as period_display
from policycli.kinds import STATUS_LABELS, UNASSIGNED_JSON, UNASSIGNED_LABEL
from policycli.report import Report
from policycli.timezone import local_time

FONTS = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", '
    '"WenQuanYi Micro Hei", SimSun, sans-serif'
)
_COLORS = {"done": "#2E7D32", "doing": "#F9A825", "blocked": "#C62828", "rest": "#E0E0E0"}


def _change(change: dict) -> str:
    """未开始→已完成, or 撤销：已完成→未开始 for an undo."""
    before, after = (STATUS_LABELS.get(change[k], change[k]) for k in ("before", "after"))
    return f"{'撤销：' if change['undo'] else ''}{before}→{after}"


def _name(agency: str | None) -> str:
    return UNASSIGNED_LABEL if agency in (None, "", UNASSIGNED_JSON) else agency


def _title(report: Report) -> str:
    scope = " · ".join(x for x in (report.agency, report.doc) if x)
    return f"政策任务落实情况报告{'（' + scope + '）' if scope else ''}"


def _bars(rows: list[dict], label, total_key: str, parts: tuple[str, str, str]) -> str:
    """Horizontal stacked bars (done, doing, blocked, the rest) with the percentage done."""
    if not rows:
        return '<p class="empty">（无）</p>'
    label_width, bar_width, height = 250, 330, 22
    svg_height = height * len(rows) + 30
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + bar_width + 110}" '
        f'height="{svg_height}" role="img" font-family=\'{FONTS}\' font-size="12">'
    ]
    for k, row in enumerate(rows):
        y = 4 + k * height
        total = row[total_key] or 0
        done, doing, blocked = (row.get(key) or 0 for key in parts)
        text = label(row)
        short = text if len(text) <= 20 else text[:19] + "…"
        out.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end"><title>{escape(text)}</title>'
            f"{escape(short)}</text>"
        )
        x = label_width
        for value, color in ((done, "done"), (doing, "doing"), (blocked, "blocked")):
            width = bar_width * value / total if total else 0
            if width:
                out.append(
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="{height - 8}" '
                    f'fill="{_COLORS[color]}"/>'
                )
            x += width
        rest = label_width + bar_width - x
        if rest > 0.05:
            grey = _COLORS["rest"]
            out.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{rest:.1f}" height="{height - 8}" fill="{grey}"/>'
            )
        percent = round(100 * done / total) if total else 0
        out.append(
            f'<text x="{label_width + bar_width + 6}" y="{y + 15}">{percent}%（{done}/{total}）</text>'
        )
    legend_y = svg_height - 10
    x = label_width
    for key, word in (("done", "已完成"), ("doing", "推进中"), ("blocked", "受阻"), ("rest", "未开始")):
        out.append(f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" fill="{_COLORS[key]}"/>')
        out.append(f'<text x="{x + 16}" y="{legend_y}">{word}</text>')
        x += 80
    out.append("</svg>")
    return "".join(out)


def _trend_svg(trend: list[dict]) -> str:
    """Finished parts over time: a step line from the first change to the report's day."""
    if len(trend) < 1:
        return '<p class="empty">（尚无记录）</p>'
    width, height, left, bottom = 640, 220, 50, 30
    top = max(p["finished"] for p in trend) or 1
    days = [p["day"] for p in trend]
    from datetime import date

    first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    span = max((last - first).days, 1)

    def x(day: str) -> float:
        return left + (width - left - 20) * (date.fromisoformat(day) - first).days / span

    def y(value: int) -> float:
        return height - bottom - (height - bottom - 20) * value / top

    points = []
    previous = None
    for point in trend:
        if previous is not None:
            points.append(f"{x(point['day']):.1f},{y(previous):.1f}")
        points.append(f"{x(point['day']):.1f},{y(point['finished']):.1f}")
        previous = point["finished"]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f"font-family='{FONTS}' font-size=\"11\">",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#888"/>',
        f'<line x1="{left}" y1="10" x2="{left}" y2="{height - bottom}" stroke="#888"/>',
        f'<text x="{left - 6}" y="{y(top) + 4:.1f}" text-anchor="end">{top}</text>',
        f'<text x="{left - 6}" y="{height - bottom + 4}" text-anchor="end">0</text>',
        f'<text x="{left}" y="{height - 10}">{escape(days[0])}</text>',
        f'<text x="{width - 10}" y="{height - 10}" text-anchor="end">{escape(days[-1])}</text>',
        f'<polyline fill="none" stroke="{_COLORS["done"]}" stroke-width="2" points="{" ".join(points)}"/>',
    ]
    green = _COLORS["done"]
    for point in trend:
        out.append(
            f'<circle cx="{x(point["day"]):.1f}" cy="{y(point["finished"]):.1f}" r="2.5" fill="{green}"/>'
        )
    out.append("</svg>")
    return "".join(out)


def charts(report: Report) -> dict[str, str]:
    """The bars of completion per agency and per document, as inline SVG (the page and policy serve's
    overview show the same)."""
    return {
        "agencies": _bars(
            [a for a in report.agencies if a["total"]],
            lambda r: _name(r["agency"]),
            "total",
            ("done", "doing", "blocked"),
        ),
        "documents": _bars(
            [d for d in report.documents if d["parts"]],
            lambda r: r["title"] or r["doc"],
            "parts",
            ("parts_done", "parts_doing", "parts_blocked"),
        ),
    }


def _change_cells(change: dict) -> list[str]:
    """A change's cells as the HTML and Markdown reports show them: 时间, 单位, 编号, 变化, 备注, 记录人."""
    period = f" {period_display(change['period'])}" if change.get("period") else ""
    return [
        local_time(change["at"]),
        _name(change["agency"]),
        change["id"] + period,
        _change(change),
        change["note"] or "",
        change["by"] or "",
    ]


def unlisted(group: dict) -> str:
    """The line under an agency's overdue items when only the longest overdue are listed."""
    more = group["count"] - len(group["items"])
    if more <= 0:
        return ""
    name = _name(group["agency"])
    return f"另有 {more} 项逾期未列出（policy remind --within 0 --max 0 --agency {name} 列出全部）"


def html(report: Report) -> str:
    bars = charts(report)
    overdue_count = sum(g["count"] for g in report.overdue)
    parts = sum(a["total"] for a in report.agencies)
    done = sum(a["done"] for a in report.agencies)
    head = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="generator" content="policy report">
<title>{escape(_title(report))}</title>
<style>
@page {{ size: A4; margin: 16mm 14mm; }}
body {{ font-family: {FONTS}; color: #222; margin: 0 auto; max-width: 190mm; font-size: 10.5pt;
        line-height: 1.5; }}
h1 {{ font-size: 18pt; margin: 0 0 4pt; }}
h2 {{ font-size: 13pt; border-bottom: 2px solid #2E7D32; padding-bottom: 2pt; margin-top: 18pt; }}
h3 {{ font-size: 11pt; margin: 10pt 0 4pt; }}
.meta {{ color: #555; }}
.summary {{ display: flex; gap: 10mm; margin: 8pt 0; }}
.summary div {{ border: 1px solid #ccc; padding: 4pt 10pt; border-radius: 3pt; }}
.summary b {{ font-size: 16pt; display: block; }}
table {{ border-collapse: collapse; width: 100%; margin: 4pt 0 8pt; }}
th, td {{ border: 1px solid #bbb; padding: 2pt 5pt; text-align: left; vertical-align: top; }}
th {{ background: #eee; }}
td.num {{ text-align: right; white-space: nowrap; }}
.late {{ color: #C62828; }}
.empty {{ color: #777; }}
section, tr, svg {{ break-inside: avoid; }}
</style></head><body>
<h1>{escape(_title(report))}</h1>
<p class="meta">截至 {escape(report.as_of)}{"（按历史记录回放）" if report.replayed else ""}"""
    head += f"{'，变化自 ' + escape(report.since) + ' 起' if report.since else ''}</p>"
    summary = (
        '<div class="summary">'
        f"<div>分项<b>{parts}</b></div>"
        f"<div>已完成<b>{done}</b></div>"
        f"<div>完成率<b>{round(100 * done / parts) if parts else 0}%</b></div>"
        f'<div class="late">逾期<b>{overdue_count}</b></div>'
        "</div>"
    )
    body = [
        head,
        summary,
        "<section><h2>各单位完成情况</h2>",
        bars["agencies"],
        "</section><section><h2>各文件完成情况</h2>",
        bars["documents"],
        "</section><section><h2>逾期事项</h2>",
    ]
    if not report.overdue:
        body.append('<p class="empty">（无逾期事项）</p>')
    for group in report.overdue:
        body.append(f"<h3>{escape(_name(group['agency']))}（{group['count']} 项）</h3>")
        body.append("<table><tr><th>编号</th><th>措施</th><th>截止</th><th>逾期天数</th></tr>")
        for item in group["items"]:
            period = f" {period_display(item['period'])}" if item.get("period") else ""
            body.append(
                f"<tr><td>{escape(item['id'])}{escape(period)}</td><td>{escape(item['title'] or '')}</td>"
                f'<td class="num">{escape(item["due"])}</td>'
                f'<td class="num late">{item["days_overdue"]}</td></tr>'
            )
        body.append("</table>")
        if more := unlisted(group):
            body.append(f'<p class="more">{escape(more)}</p>')
    body.append("</section><section><h2>完成分项累计</h2>")
    body.append(_trend_svg(report.trend))
    if report.since is not None:
        body.append(f"</section><section><h2>{escape(report.since)} 以来的变化</h2>")
        if not report.changes:
            body.append('<p class="empty">（无变化）</p>')
        else:
            body.append(
                "<table><tr><th>时间</th><th>单位</th><th>编号</th><th>变化</th><th>备注</th><th>记录人</th></tr>"
            )
            for change in report.changes:
                body.append(
                    "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in _change_cells(change)) + "</tr>"
                )
            body.append("</table>")
    body.append("</section></body></html>\n")
    return "\n".join(body)


def markdown(report: Report) -> str:
    from policycli.render import markdown_text

    def cell(value: object) -> str:
        return markdown_text(str(value if value is not None else "")).replace("|", "\\|").replace("\n", " ")

    lines = [
        f"# {cell(_title(report))}",
        "",
        f"截至 {report.as_of}{'（按历史记录回放）' if report.replayed else ''}",
        "",
    ]
    lines += [
        "## 各单位完成情况",
        "",
        "| 单位 | 分项 | 已完成 | 推进中 | 受阻 | 逾期 | 完成率 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for a in report.agencies:
        if a["total"]:
            numbers = [a["total"], a["done"], a["doing"], a["blocked"], a["overdue"], f"{a['percent']}%"]
            lines.append(f"| {cell(_name(a['agency']))} | " + " | ".join(map(str, numbers)) + " |")
    lines += [
        "",
        "## 各文件完成情况",
        "",
        "| 文件 | 分项 | 已完成 | 逾期 | 完成率 |",
        "|---|---:|---:|---:|---:|",
    ]
    for d in report.documents:
        if d["parts"]:
            numbers = [d["parts"], d["parts_done"], d["parts_overdue"], f"{d['percent']}%"]
            lines.append(f"| {cell(d['title'] or d['doc'])} | " + " | ".join(map(str, numbers)) + " |")
    lines += ["", "## 逾期事项", ""]
    if not report.overdue:
        lines.append("（无逾期事项）")
    for group in report.overdue:
        lines += [
            f"### {cell(_name(group['agency']))}（{group['count']} 项）",
            "",
            "| 编号 | 措施 | 截止 | 逾期天数 |",
            "|---|---|---|---:|",
        ]
        for item in group["items"]:
            period = f" {period_display(item['period'])}" if item.get("period") else ""
            cells = [cell(item["id"] + period), cell(item["title"]), item["due"], str(item["days_overdue"])]
            lines.append("| " + " | ".join(cells) + " |")
        if more := unlisted(group):
            lines += ["", more]
        lines.append("")
    if report.since is not None:
        lines += ["", f"## {report.since} 以来的变化", ""]
        if not report.changes:
            lines.append("（无变化）")
        else:
            lines += ["| 时间 | 单位 | 编号 | 变化 | 备注 | 记录人 |", "|---|---|---|---|---|---|"]
            for change in report.changes:
                lines.append("| " + " | ".join(cell(x) for x in _change_cells(change)) + " |")
    return "\n".join(lines).rstrip() + "\n"


def workbook(report: Report) -> bytes:
    """Sheets 按单位, 按文件, 逾期事项, 变化, 累计 — the first two with a bar chart of the percentage done."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1})
    percent = book.add_format({"num_format": "0%"})

    def sheet(name: str, header: list[str], rows: list[list], widths: list[int]):
        ws = book.add_worksheet(name)
        for k, (title, width) in enumerate(zip(header, widths, strict=True)):
            ws.write_string(0, k, title, bold)
            ws.set_column(k, k, width)
        for r, row in enumerate(rows, start=1):
            for k, value in enumerate(row):
                if isinstance(value, float):
                    ws.write_number(r, k, value, percent)
                elif isinstance(value, int):
                    ws.write_number(r, k, value)
                else:
                    ws.write_string(r, k, str(value if value is not None else ""))
        ws.freeze_panes(1, 0)
        return ws

    def chart(ws, rows: int, name: str) -> None:
        if not rows:
            return
        bar = book.add_chart({"type": "bar"})
        bar.add_series(
            {
                "name": "完成率",
                "categories": [ws.get_name(), 1, 0, rows, 0],
                "values": [ws.get_name(), 1, 6, rows, 6],
                "fill": {"color": "#2E7D32"},
            }
        )
        bar.set_title({"name": name})
        bar.set_x_axis({"min": 0, "max": 1, "num_format": "0%"})
        bar.set_y_axis({"reverse": True})
        bar.set_legend({"none": True})
        bar.set_size({"width": 640, "height": max(300, 22 * rows + 80)})
        ws.insert_chart(1, 8, bar)

    header = ["分项", "已完成", "推进中", "受阻", "逾期", "完成率"]
    for name, first, width, rows in (
        ("按单位", "单位", 28, [(_name(a["agency"]), a, "") for a in report.agencies if a["total"]]),
        (
            "按文件",
            "文件",
            40,
            [(d["title"] or d["doc"], d, "parts_") for d in report.documents if d["parts"]],
        ),
    ):
        # an agency's counts are total, done …; a document's parts, parts_done … (policy stats' keys)
        table = [
            [
                label,
                row["total" if prefix == "" else "parts"],
                *(row[prefix + key] for key in ("done", "doing", "blocked")),
                row[prefix + "overdue"] or 0,
                row["percent"] / 100,
            ]
            for label, row, prefix in rows
        ]
        ws = sheet(name, [first, *header], table, [width, 8, 8, 8, 8, 8, 8])
        chart(ws, len(table), f"各{first}完成率")
    sheet(
        "逾期事项",
        ["单位", "编号", "期次", "措施", "截止", "逾期天数"],
        [
            [
                _name(g["agency"]),
                i["id"],
                period_display(i.get("period")),
                i["title"],
                i["due"],
                i["days_overdue"],
            ]
            for g in report.overdue
            for i in g["items"]
        ],
        [24, 24, 10, 50, 12, 10],
    )
    sheet(
        "变化",
        ["时间", "单位", "编号", "原状态", "新状态", "备注", "记录人"],
        [
            [
                local_time(c["at"]),
                _name(c["agency"]),
                c["id"],
                STATUS_LABELS.get(c["before"], c["before"]),
                STATUS_LABELS.get(c["after"], c["after"]),
                c["note"] or "",
                c["by"] or "",
            ]
            for c in report.changes
        ],
        [18, 24, 24, 10, 10, 40, 10],
    )
    sheet("累计", ["日期", "已完成分项"], [[p["day"], p["finished"]] for p in report.trend], [12, 12])
    book.close()
    return buffer.getvalue()
