"""What each command prints: its columns, its JSON fields, its text layout.

JSON field names here are part of the interface (documented in the README); keep them stable.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from policycli.errors import BadInput
from policycli.kinds import ROLE_LABELS, UNASSIGNED_LABEL
from policycli.provenance import describe
from policycli.render import (
    Column,
    console,
    emit,
    json_text,
    markdown_text,
    rich_table,
    terminal_text,
    write_stdout,
)

TASK_FIELDS = ("id", "doc", "number", "kind", "title", "text", "agencies", "status", "progress", "due", "deadline", "days_left")
_DEADLINE_MARK = {"overdue": "逾期", "due soon": "将到期"}


def _due_cell(row: dict) -> str:
    mark = _DEADLINE_MARK.get(row.get("deadline") or "")
    return f"{row['due'] or ''}{' ' + mark if mark else ''}"


def _unassigned(agencies: object) -> str:
    return "、".join(agencies) if agencies else UNASSIGNED_LABEL


def _agency_cell(agency: object) -> str:
    return str(agency or UNASSIGNED_LABEL)


def _role_cell(role: object) -> str:
    return ROLE_LABELS.get(str(role), str(role))


def _fields(rows: list[dict], names: tuple[str, ...]) -> list[dict]:
    """The JSON records of a listing: exactly these (documented) fields."""
    return [{name: row.get(name) for name in names} for row in rows]


def _json_out(data: object) -> None:
    write_stdout(json_text(data))


def _is_json(fmt: str, command: str) -> bool:
    """The one-item views (show, docs show, agencies show) print text or JSON ("table" reads as text)."""
    if fmt not in ("text", "table", "json"):
        raise BadInput(f"unknown format {fmt!r} for {command}; use text or json")
    return fmt == "json"


def _labelled_lines():
    """(console, line): line(label, value) prints "label value", escaped; empty values are skipped;
    a list is joined with 、."""
    from rich.markup import escape

    out = console()

    def line(label: str, value: object) -> None:
        text = "、".join(map(str, value)) if isinstance(value, list) else str(value or "")
        if text:
            out.print(f"[bold]{label}[/bold] {escape(terminal_text(text))}")

    return out, line


def tasks(rows: list[dict], fmt: str, agency: str | None) -> None:
    rows = [r | {"due_cell": _due_cell(r)} for r in rows]
    if agency:
        marks = {"collective": "（集体）", "predecessor": "（原单位）"}
        rows = [r | {"own": r["agency_status"] + marks.get((r.get("via") or ":").split(":")[0], "")} for r in rows]
        columns = [
            Column("id", "编号", no_wrap=True),
            Column("title", "措施", ratio=3),
            Column("own", "本单位"),
            Column("progress", "进度", no_wrap=True, justify="right"),
            Column("due_cell", "截止"),
        ]
    else:
        columns = [
            Column("id", "编号", no_wrap=True),
            Column("title", "措施", ratio=3),
            Column("agencies", "责任单位", ratio=2, show=_unassigned),
            Column("status", "状态", no_wrap=True),
            Column("progress", "进度", no_wrap=True, justify="right"),
            Column("due_cell", "截止"),
        ]
    fields = TASK_FIELDS + (("agency_status", "via") if agency else ())
    emit(rows, columns, fmt, json_rows=_fields(rows, fields), empty="no matching measures")


def detail(info: dict, fmt: str) -> None:
    measure, document = info["measure"], info["document"]
    if _is_json(fmt, "show"):
        out = {
            "id": measure["id"], "doc": measure["doc_id"], "number": measure["number"], "kind": measure["kind"],
            "title": measure["title"], "text": measure["text"], "due": info["due"], "deadline": info["deadline"],
            "days_left": info["days_left"], "due_info": info["due_info"], "obsolete": bool(measure["obsolete"]),
            "status": info["status"], "progress": info["progress"],
            "source": {"file": document["source_file"], "lines": [measure["line_first"], measure["line_last"]],
                       "where": describe(document.get("source"), measure["line_first"], measure["line_last"])},
            "parents": info["parents"], "units_raw": measure["units_raw"], "flags": json.loads(measure["flags"] or "[]"),
            "agencies": info["parts"], "history": info["history"],
        }
        _json_out(out)
        return
    from rich.markup import escape

    out, line = _labelled_lines()

    line("措施", f"{measure['id']}  {measure['number'] or ''}  ({measure['kind']}{', obsolete' if measure['obsolete'] else ''})")
    line("文件", " · ".join(x for x in (document["title"], document["doc_number"]) if x))
    if info["parents"]:
        line("位置", " › ".join(f"{p['number'] or ''}{p['title'] or ''}" for p in info["parents"]))
    line("来源", f"{document['source_file']} {describe(document.get('source'), measure['line_first'], measure['line_last'])}")
    due_info = info["due_info"] or {}
    if info["due"]:
        mark = _DEADLINE_MARK.get(info["deadline"], "")
        line("截止", f"{info['due']} {mark}（{due_info.get('rule')}：“{due_info.get('quote')}”）".replace(" （", "（"))
        if due_info.get("occurrences"):
            line("各期", "、".join(due_info["occurrences"]))
    flags = json.loads(measure["flags"] or "[]")
    if flags:
        line("标记", "、".join(flags))
    line("状态", f"{info['status']} ({info['progress']})")
    out.print()
    out.print(escape(terminal_text(measure["text"] or "")))
    out.print()
    if measure["units_raw"]:
        line("责任单位（原文）", measure["units_raw"])
    out.print(rich_table(info["parts"], [
        Column("agency", "责任单位", show=_agency_cell), Column("role", "角色", no_wrap=True, show=_role_cell),
        Column("status", "状态", no_wrap=True), Column("note", "备注"), Column("evidence", "佐证"), Column("by", "记录人"),
        Column("at", "时间", show=_short_time),
    ]))
    if info["history"]:
        out.print(rich_table(_with_change(info["history"]), _history_columns(), title="历史"))


def _short_time(value: object) -> str:
    return str(value or "")[:16].replace("T", " ")


def _history_columns() -> list[Column]:
    return [
        Column("id", "#", no_wrap=True, justify="right"),
        Column("at", "时间", show=_short_time),
        Column("by", "记录人"),
        Column("measure", "措施"),
        Column("agency", "单位", show=_agency_cell),
        Column("change", "变化", no_wrap=True),
        Column("note", "备注"),
    ]


def _with_change(rows: list[dict]) -> list[dict]:
    return [r | {"change": f"{r['before']}→{r['after']}" + (" (已撤销)" if r["undone"] else "")} for r in rows]


def history(rows: list[dict], fmt: str) -> None:
    emit(_with_change(rows), _history_columns(), fmt, json_rows=rows, empty="no recorded changes")


DOC_FIELDS = ("id", "title", "doc_number", "issuer", "issued_on", "effective_from", "effective_until", "status", "days_left", "measures")
DOC_STATUS = {"not yet in force": "未生效", "in force": "有效", "expiring": "即将到期", "expired": "已失效", "unknown": "未知"}


def _period(row: dict) -> str:
    if not row.get("effective_from") and not row.get("effective_until"):
        return ""
    return f"{row.get('effective_from') or '?'}～{row.get('effective_until') or '?'}"


def documents(rows: list[dict], fmt: str) -> None:
    table_rows = [r | {"period": _period(r).replace("～", "～\n"), "state": DOC_STATUS.get(r["status"], r["status"]) + (
        f"（剩{r['days_left']}天）" if r["status"] in ("in force", "expiring") and r["days_left"] is not None else "")} for r in rows]
    columns = [
        Column("id", "编号", no_wrap=True), Column("title", "标题", ratio=3), Column("doc_number", "文号", no_wrap=True),
        Column("period", "有效期", no_wrap=True), Column("measures", "措施", justify="right", no_wrap=True), Column("state", "状态"),
    ]
    emit(table_rows, columns, fmt, json_rows=_fields(rows, DOC_FIELDS), empty="no documents loaded")


def document_detail(info: dict, fmt: str) -> None:
    if _is_json(fmt, "docs show"):
        _json_out(info)
        return
    _, line = _labelled_lines()

    line("文件", f"{info['id']}  {info['title'] or ''}")
    line("文号", info["doc_number"])
    line("发文", info["issuer"])
    line("印发", info["issued_on"])
    line("有效期", _period(info))
    line("状态", DOC_STATUS.get(info["status"], info["status"]) + (f"（剩{info['days_left']}天）" if info["days_left"] is not None and info["days_left"] >= 0 else ""))
    for edge, label in (("from", "起始依据"), ("until", "截止依据")):
        rule = info["validity_rules"].get(edge)
        if rule:
            where = f"，第{rule['lines'][0]}–{rule['lines'][1]}行" if rule.get("lines") else ""
            inferred = "（推断）" if rule.get("inferred") else ""
            line(label, f"{rule['date']} {rule['rule']}{inferred}：“{rule['quote']}”{where}")
    for sentence in info["validity_sentences"]:
        line("有效期语句", f"第{sentence['lines'][0]}行：{sentence['text']}")
    line("来源", info["source_file"])


def _bar(done: int, total: int, width: int = 12) -> str:
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled)


def statistics(data: dict, fmt: str) -> None:
    if fmt == "json":
        _json_out({"agencies": data["agencies"], "documents": data["documents"]})
        return
    agencies, documents_ = ([r | {"bar": _bar(r["done"], r["total"]), "progress": f"{r['done']}/{r['total']}"} for r in data[key]]
                            for key in ("agencies", "documents"))
    agency_columns = [Column("agency", "责任单位", ratio=2), Column("progress", "完成", no_wrap=True, justify="right"), Column("bar", "", no_wrap=True)]
    doc_columns = [Column("doc", "文件", no_wrap=True), Column("title", "标题", ratio=2), Column("progress", "完成", no_wrap=True, justify="right"), Column("bar", "", no_wrap=True)]
    if fmt == "table":
        out = console()
        out.print(rich_table(agencies, agency_columns, title="按责任单位"))
        out.print(rich_table(documents_, doc_columns, title="按文件"))
        return
    emit([r | {"scope": "agency"} for r in agencies] + [r | {"scope": "document", "agency": r["doc"]} for r in documents_],
         [Column("scope", "scope"), Column("agency", "name"), Column("done", "done"), Column("total", "total")], fmt)


LEDGER_COLUMNS = [
    Column("doc", "文件编号"), Column("doc_title", "文件名称"), Column("doc_number", "文号"), Column("id", "措施编号"),
    Column("number", "序号"), Column("kind", "类别"), Column("title", "措施"), Column("text", "内容"),
    Column("agency", "责任单位", show=_agency_cell), Column("role", "角色", show=_role_cell),
    Column("status", "状态"),
    Column("note", "备注"), Column("evidence", "佐证"), Column("by", "更新人"), Column("at", "更新时间"), Column("due", "截止日期"),
    Column("source_file", "来源文件"), Column("line_first", "起始行"), Column("line_last", "结束行"),
]


def ledger_csv(rows, output: Path | None, replace: bool = False) -> None:
    """Stream the ledger as CSV to stdout, or to `output` atomically."""
    from policycli.files import atomic_writer
    from policycli.render import csv_lines

    header = [c.header for c in LEDGER_COLUMNS]
    if output is None:
        sys.stdout.flush()
        csv_lines(header, rows, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    with atomic_writer(output, replace) as handle:
        csv_lines(header, rows, handle)


def ledger(rows: list[dict], fmt: str, output: Path | None, replace: bool = False) -> None:
    if fmt == "table":
        columns = [Column("id", "编号"), Column("title", "措施", ratio=3), Column("agency", "责任单位", show=_agency_cell), Column("status", "状态", no_wrap=True), Column("due", "截止", no_wrap=True)]
        emit(rows, columns, fmt, empty="nothing to export", output=output)  # emit refuses -o with a table
        return
    emit(rows, LEDGER_COLUMNS, fmt, output=output, replace=replace)


AGENCY_FIELDS = ("agency", "full_name", "level", "district", "type", "total", "open", "done", "flag")


LEVEL_LABELS = {"central": "中央在沪", "municipal": "市级", "district": "区级", "subdistrict": "街镇", "other": "其他"}
TYPE_LABELS = {
    "government": "政府部门", "party": "党委部门", "people_org": "人民团体", "enterprise": "企事业单位",
    "judicial": "司法机关", "coordinating": "议事协调", "collective": "集体",
}


def agencies(rows: list[dict], fmt: str) -> None:
    columns = [
        Column("agency", "单位", no_wrap=True),
        Column("level", "级别", no_wrap=True, show=lambda v: LEVEL_LABELS.get(str(v), str(v or ""))),
        Column("type", "类型", no_wrap=True, show=lambda v: TYPE_LABELS.get(str(v), str(v or ""))),
        Column("total", "措施", justify="right", no_wrap=True), Column("open", "未完成", justify="right", no_wrap=True),
        Column("done", "已完成", justify="right", no_wrap=True), Column("flag", "备注"),
    ]
    emit(rows, columns, fmt, json_rows=_fields(rows, AGENCY_FIELDS), empty="no agencies")


UNKNOWN_AGENCY_FIELDS = ("agency", "printed", "measures", "documents", "suggestions")


def unknown_agencies(rows: list[dict], fmt: str) -> None:
    columns = [
        Column("agency", "单位", ratio=2), Column("printed", "原文", ratio=2),
        Column("measures", "措施", justify="right", no_wrap=True), Column("documents", "文件", ratio=1),
        Column("suggestions", "相近的登记单位", ratio=2),
    ]
    emit(rows, columns, fmt, json_rows=_fields(rows, UNKNOWN_AGENCY_FIELDS), empty="every unit resolves")


def agency_detail(info: dict, fmt: str) -> None:
    if _is_json(fmt, "agencies show"):
        _json_out(info)
        return
    out, line = _labelled_lines()

    line("单位", info["canonical"])
    line("全称", info.get("full_name"))
    line("级别", " ".join(x for x in (info.get("level"), info.get("district"), info.get("type")) if x))
    line("别名", (info.get("aliases") or []) + info["user_aliases"])
    line("常见误写", info.get("typos") or [])
    line("原单位", info["predecessors"])
    if info.get("successor"):
        line("职责划入", f"{info['successor']}（{info.get('successor_date') or '日期不详'}）")
    line("所属集体", info.get("member_of") or [])
    line("成员", info["members"])
    line("说明", " ".join(x for x in (info.get("flag"), info.get("note")) if x))
    if info["documents"]:
        out.print(rich_table(info["documents"], [Column("doc", "文件", no_wrap=True), Column("title", "标题", ratio=3), Column("measures", "措施", justify="right")]))


def write_bytes(data: bytes, output: Path | None, replace: bool = False) -> None:
    if output is not None:
        from policycli.files import write_atomically

        write_atomically(output, data, replace)
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def reminders(groups: list[dict], fmt: str, today, within: int) -> None:
    """Nothing at all when nothing is due, so cron sends no mail."""
    if not groups:
        if fmt == "json":
            write_stdout("[]\n")
        return
    if fmt == "json":
        _json_out(groups)
        return
    if fmt not in ("text", "md"):
        raise BadInput(f"unknown format {fmt!r} for remind; use text, json or md")
    md = fmt == "md"

    def value(text: object) -> str:
        """A value from a document or the database, on one line: Markdown-escaped (md), or
        terminal-safe (text)."""
        return markdown_text(str(text or "")) if md else terminal_text(str(text or "")).replace("\n", " ")

    overdue = sum(g["overdue_count"] for g in groups)
    soon = sum(g["due_soon_count"] for g in groups)
    lines = [f"{'# ' if md else ''}政策任务提醒 {today.isoformat()}：逾期 {overdue} 项，{within} 天内到期 {soon} 项", ""]
    for group in groups:
        name = value(group["agency"]) if group["agency"] else "未指定责任单位 (unassigned)"
        lines.append(f"{'## ' if md else ''}{name}（逾期 {group['overdue_count']}，将到期 {group['due_soon_count']}）")
        bullet = "- " if md else "  "
        for key, label in (("overdue", "逾期"), ("due_soon", "将到期")):
            for item in group[key]:
                days = item["days_left"]
                when = f"逾期{-days}天" if days < 0 else ("今天到期" if days == 0 else f"剩{days}天")
                lines.append(f"{bullet}[{label}] {item['due']}（{when}） {value(item['id'])}  {value(item['title'])}")
            hidden = group[f"{key}_count"] - len(group[key])
            if hidden > 0:
                lines.append(f"{bullet}……另有{label} {hidden} 项（policy tasks --agency {name} 查看全部）"
                             if group["agency"] else f"{bullet}……另有{label} {hidden} 项（policy tasks --unassigned 查看全部）")
        lines.append("")
    write_stdout("\n".join(lines).rstrip() + "\n")


def doctor(path: Path, findings: list[tuple[str, str, str]]) -> None:
    marks = {"ok": "ok     ", "note": "note   ", "problem": "PROBLEM"}
    lines = [f"database: {path}"] + [f"  {marks[state]} {check}: {text}" for check, state, text in findings]
    write_stdout(terminal_text("\n".join(lines)) + "\n")
