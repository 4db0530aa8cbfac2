"""What each command prints: its columns, its JSON fields, its text layout.

JSON field names here are part of the interface (documented in the README); keep them stable.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from policycli.checklist.periods import display as period_display
from policycli.errors import BadInput
from policycli.kinds import (
    DOC_STATUS_LABELS,
    KIND_LABELS,
    LEVEL_LABELS,
    ROLE_LABELS,
    TYPE_LABELS,
    UNASSIGNED_JSON,
    UNASSIGNED_LABEL,
    rule_label,
    status_label,
)
from policycli.provenance import describe
from policycli.render import (
    Column,
    console,
    emit,
    json_text,
    markdown_text,
    print_table,
    terminal_text,
    write_stdout,
)
from policycli.timezone import local_time

if TYPE_CHECKING:
    from collections.abc import Iterable

    from policycli.checklist.listing import AgencySummary, TaskRow
    from policycli.checklist.marking import Change

TASK_FIELDS = (
    "id",
    "doc",
    "number",
    "kind",
    "title",
    "text",
    "agencies",
    "status",
    "progress",
    "due",
    "deadline",
    "days_left",
    "period",
)
_DEADLINE_MARK = {"overdue": "逾期", "due soon": "将到期"}
# Colour where it helps: the date of what is overdue red, of what falls due soon yellow, what is done dim.
_DEADLINE_STYLE = {"overdue": "red", "due soon": "yellow"}


def _due_cell(row: dict, table: bool = True) -> str:
    """The due date and 逾期 / 将到期, in a table on a line of its own (the column stays as narrow
    as a date)."""
    mark = _DEADLINE_MARK.get(row.get("deadline") or "")
    return f"{row['due'] or ''}{(chr(10) if table else ' ') + mark if mark else ''}"


def _due_style(row: dict) -> str | None:
    return _DEADLINE_STYLE.get(row.get("deadline") or "")


def _done_dim(row: dict) -> str | None:
    return "dim" if row.get("deadline") == "done" else None


def _unassigned(agencies: object) -> str:
    return "、".join(agencies) if agencies else UNASSIGNED_LABEL


def _agency_cell(agency: object) -> str:
    return str(agency or UNASSIGNED_LABEL)


def _role_cell(role: object) -> str:
    return ROLE_LABELS.get(str(role), str(role))


def _kind_cell(kind: object) -> str:
    return KIND_LABELS.get(str(kind), str(kind or ""))


def _status_cell(status: object) -> str:
    return status_label(status)


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
    """(console, line): line(label, value) prints "label value" with the value folded (Chinese line
    breaking, render.wrap) under itself, so ids and dates at the start stay beside their label;
    empty values are skipped; a list is joined with 、. Values are plain text, never markup."""
    from rich.cells import cell_len
    from rich.text import Text

    from policycli.render import wrap

    out = console()

    def line(label: str, value: object) -> None:
        text = "、".join(map(str, value)) if isinstance(value, list) else str(value or "")
        if not text:
            return
        indent = cell_len(label) + 1
        for k, piece in enumerate(wrap(terminal_text(text), max(20, out.width - indent))):
            row = Text(label if k == 0 else " " * (indent - 1), style="bold" if k == 0 else "")
            row.append(" " + piece)
            out.print(row, soft_wrap=True)

    return out, line


def _paragraph(out, text: str) -> None:
    """A measure's text, folded to the console's width with Chinese line breaking."""
    from rich.text import Text

    from policycli.render import wrap

    for piece in wrap(terminal_text(text), max(20, out.width)):
        out.print(Text(piece), soft_wrap=True)


def task_title(summary: AgencySummary | None) -> str | None:
    """ "市商务委 · 34 项未完成，其中逾期 34" from checklist.agency_summary."""
    if not summary:
        return None
    return f"{summary.agency or UNASSIGNED_LABEL} · {summary.open} 项未完成，其中逾期 {summary.overdue}"


def tasks(
    tasks: Iterable[TaskRow], fmt: str, agency: str | None, summary: AgencySummary | None = None
) -> None:
    """`summary` (checklist.agency_summary): the title line above a table of one agency's measures.
    JSON, CSV and Markdown are written as the rows come (`tasks` may be checklist.iter_tasks' rows:
    150k of one agency at 1M measures), the same bytes as from a list."""
    if fmt in ("json", "csv", "md"):
        _task_listing(tasks, fmt, agency)
        return
    table = fmt == "table"
    rows = [_task_cells(task, agency, table) for task in tasks]
    emit(
        rows,
        _task_columns(agency, fmt == "csv" or any(r["period"] for r in rows)),
        fmt,
        empty="no matching measures",
        title=task_title(summary) if agency else None,
        row_style=_done_dim,
    )


def _task_listing(tasks: Iterable[TaskRow], fmt: str, agency: str | None) -> None:
    """A listing for a machine, to stdout as its rows come: JSON (TASK_FIELDS, and with an agency
    its own part's status and how it is reached), CSV (always with the 期次 column: a spreadsheet
    reads columns by position), Markdown (期次 when a row has a period)."""
    from policycli.render import csv_records, json_records, markdown_records

    out = sys.stdout.buffer
    sys.stdout.flush()
    if fmt == "json":
        names = TASK_FIELDS + (("agency_status", "via") if agency else ())
        json_records(({name: getattr(task, name) for name in names} for task in tasks), out)
    else:
        rows = (_task_cells(task, agency, table=False) for task in tasks)
        columns = _task_columns(agency, period=True)
        if fmt == "csv":
            csv_records(rows, columns, out)
        else:
            markdown_records(rows, columns, out, optional="period_cell")
    out.flush()


_SCOPE_MARKS = {"collective": "（集体）", "predecessor": "（原单位）"}


def _task_cells(task: TaskRow, agency: str | None, table: bool) -> dict:
    """A row's fields and the cells shown of it: the due date with 逾期 / 将到期, the period as
    people write it, and with an agency its own part's status (marked when it is a collective's or
    a predecessor's)."""
    row = task.fields()
    row["due_cell"] = _due_cell(row, table)
    row["period_cell"] = period_display(row["period"])
    if agency:
        own = status_label(row["agency_status"])
        how = (row.get("via") or ":").split(":")[0]
        row["own"] = own + (chr(10) if table else "") + _SCOPE_MARKS[how] if how in _SCOPE_MARKS else own
    return row


def _task_columns(agency: str | None, period: bool) -> list[Column]:
    if agency:
        columns = [
            Column("id", "编号", whole=True),
            Column("title", "措施", ratio=3),
            Column("own", "本单位", whole=True),
            Column("progress", "进度", whole=True, justify="right"),
            Column("due_cell", "截止", whole=True, style=_due_style),
        ]
    else:
        columns = [
            Column("id", "编号", whole=True),
            Column("title", "措施", ratio=3, give_way=1),
            Column("agencies", "责任单位", ratio=2, show=_unassigned),
            Column("status", "状态", whole=True, show=_status_cell),
            Column("progress", "进度", whole=True, justify="right"),
            Column("due_cell", "截止", whole=True, style=_due_style),
        ]
    # A recurring measure has a row per period (2021年, 2022年 …): the column appears when one is
    # listed, and always in CSV, whose columns a spreadsheet reads by position.
    if period:
        columns.insert(1, Column("period_cell", "期次", whole=True))
    return columns


def detail(info: dict, fmt: str) -> None:
    measure, document = info["measure"], info["document"]
    if _is_json(fmt, "show"):
        out = {
            "id": measure["id"],
            "doc": measure["doc_id"],
            "number": measure["number"],
            "kind": measure["kind"],
            "title": measure["title"],
            "text": measure["text"],
            "due": info["due"],
            "period": info["period"],
            "periods": info["periods"],
            "deadline": info["deadline"],
            "days_left": info["days_left"],
            "due_info": info["due_info"],
            "obsolete": bool(measure["obsolete"]),
            "status": info["status"],
            "progress": info["progress"],
            "source": {
                "file": document["source_file"],
                "lines": [measure["line_first"], measure["line_last"]],
                "where": describe(document.get("source"), measure["line_first"], measure["line_last"]),
            },
            "parents": info["parents"],
            "units_raw": measure["units_raw"],
            "flags": json.loads(measure["flags"] or "[]"),
            "agencies": info["parts"],
            "history": info["history"],
            "moves": info["moves"],
            "corrections": info["corrections"],
        }
        _json_out(out)
        return
    out, line = _labelled_lines()

    line(
        "措施",
        f"{measure['id']}  {measure['number'] or ''}  "
        f"（{_kind_cell(measure['kind'])}{'，已从文件中删除' if measure['obsolete'] else ''}）",
    )
    line("文件", " · ".join(x for x in (document["title"], document["doc_number"]) if x))
    if info["parents"]:
        line("位置", " › ".join(f"{p['number'] or ''}{p['title'] or ''}" for p in info["parents"]))
    line(
        "来源",
        f"{document['source_file']} "
        f"{describe(document.get('source'), measure['line_first'], measure['line_last'])}",
    )
    due_info = info["due_info"] or {}
    if info["due"]:
        mark = _DEADLINE_MARK.get(info["deadline"], "")
        if due_info.get("rule") == "corrected":  # the coordinator's date: who set it, and why if said
            why = f"：{due_info['quote']}" if due_info.get("quote") else ""
            source = f"{rule_label('corrected')}，{due_info.get('by')} {local_time(due_info.get('at'))}{why}"
        else:
            source = f"{rule_label(due_info.get('rule'))}：“{due_info.get('quote')}”"
        line("截止", f"{info['due']} {mark}（{source}）".replace(" （", "（"))
    for period in info["periods"]:  # a recurring measure: each period with its own status
        late = "，" + _DEADLINE_MARK["overdue"] if period["deadline"] == "overdue" else ""
        due = period["due"] or "文件已无此期"  # recorded for a period the document no longer has
        line(
            "各期" if period is info["periods"][0] else "    ",
            f"{period_display(period['period'])}（{due}）{status_label(period['status'])} "
            f"{period['progress']}{late}",
        )
    flags = json.loads(measure["flags"] or "[]")
    if flags:
        line("标记", "、".join(flags))
    now = f"{period_display(info['period'])}：" if info["period"] else ""
    line("状态", f"{now}{status_label(info['status'])}（{info['progress']}）")
    for move in info["moves"]:
        line("原编号", _move_text(move))
    for correction in info["corrections"]:
        if correction["state"] == "active":
            line("更正", _correction_text(correction))
    out.print()
    _paragraph(out, measure["text"] or "")
    out.print()
    if measure["units_raw"]:
        line("责任单位（原文）", measure["units_raw"])
        out.print()
    print_table(
        [
            p | {"unit": _agency_cell(p["agency"]) + ("（更正）" if p.get("corrected_by") else "")}
            for p in info["parts"]
        ],
        [
            Column("unit", "责任单位", ratio=2),
            Column("role", "角色", whole=True, show=_role_cell),
            Column("status", "状态", whole=True, show=_status_cell),
            Column("note", "备注", give_way=1, ratio=2),
            Column("evidence", "佐证", give_way=2, ratio=2),
            Column("by", "记录人", give_way=3),
            Column("at", "时间", whole=True, show=_short_time),
        ],
        out=out,
        row_style=lambda r: _done_dim(r) or _DEADLINE_STYLE.get(r.get("deadline") or ""),
    )
    if info["history"]:
        out.print()
        print_table(
            _with_change(info["history"]),
            _history_columns(periods=bool(info["periods"])),
            title="历史",
            out=out,
        )


_MOVE_HOW = {
    "revised": "修订版载入时改号",
    "removed": "修订版删去，编号让给新措施",
    "linked": "手工关联",
    "carried": "新版文件承接",
}


def _correction_text(correction: dict) -> str:
    """ "指定责任单位 市商务委（牵头）· 王五 2026-11-29 10:02 · 据分工方案" """
    action = correction["action"]
    what = _CORRECTION_LABELS[action] + " " + (correction["due"] if action == "due" else correction["agency"])
    role = ROLE_LABELS.get(correction["role"] or "", "")
    parts = [what + (f"（{role}）" if role else ""), f"{correction['by']} {local_time(correction['at'])}"]
    return " · ".join(parts + ([correction["note"]] if correction["note"] else []))


def _move_text(move: dict) -> str:
    """ "hfg-2020-24/2.2.4（修订版载入时改号，2026-11-29 10:02）" """
    who = f"，{move['by']}" if move.get("by") else ""
    return f"{move['from']}（{_MOVE_HOW.get(move['how'], move['how'])}{who}，{local_time(move['at'])}）"


def _short_time(value: object) -> str:
    """A recorded time in the user's zone, "2026-11-29 23:00" on two lines (date, time): whole."""
    return local_time(value).replace(" ", chr(10))


def _history_columns(table: bool = True, periods: bool = False) -> list[Column]:
    """`periods`: a column for the period of a recurring measure's changes (always in CSV)."""
    return [
        Column("id", "#", whole=True, justify="right"),
        Column("at", "时间", whole=True, show=_short_time if table else local_time),
        Column("by", "记录人", give_way=2),
        Column("measure", "措施", whole=True),
        Column("agency", "单位", show=_agency_cell, give_way=3),
        *([Column("period", "期次", whole=True, show=period_display)] if periods else []),
        Column("change", "变化", whole=True),
        Column("note", "备注", give_way=1, ratio=2),
    ]


_CORRECTION_LABELS = {"assign": "指定责任单位", "unassign": "取消责任单位", "due": "更正截止日期"}


def _change_text(row: dict, arrow: str) -> str:
    """未开始→推进中 for a mark; a correction by name, with its role or date; the undo of one."""
    action, detail = row.get("action"), row.get("detail")
    if action in _CORRECTION_LABELS:
        extra = ROLE_LABELS.get(detail or "", "") if action == "assign" else detail if action == "due" else ""
        return _CORRECTION_LABELS[action] + (f"（{extra}）" if extra else "")
    if action == "undo" and detail in _CORRECTION_LABELS:
        return "撤销" + _CORRECTION_LABELS[detail]
    return f"{status_label(row['before'])}{arrow}{status_label(row['after'])}"


def _with_change(rows: list[dict], table: bool = True) -> list[dict]:
    """The change as 未开始→推进中 (on two lines in a table: each status whole), and （已撤销）."""
    arrow = "→" + chr(10) if table else "→"
    undone = chr(10) + "已撤销" if table else "（已撤销）"
    return [r | {"change": _change_text(r, arrow) + (undone if r["undone"] else "")} for r in rows]


def history(changes: list[Change], fmt: str) -> None:
    table = fmt == "table"
    rows = [change.fields() for change in changes]
    periods = fmt == "csv" or any(r["period"] for r in rows)
    emit(
        _with_change(rows, table),
        _history_columns(table, periods),
        fmt,
        json_rows=rows,
        empty="no recorded changes",
    )


DOC_FIELDS = (
    "id",
    "title",
    "doc_number",
    "issuer",
    "issued_on",
    "effective_from",
    "effective_until",
    "status",
    "days_left",
    "measures",
)
DOC_STATUS = DOC_STATUS_LABELS


def _period(row: dict) -> str:
    if not row.get("effective_from") and not row.get("effective_until"):
        return ""
    return f"{row.get('effective_from') or '?'}～{row.get('effective_until') or '?'}"


def documents(rows: list[dict], fmt: str) -> None:
    table = fmt == "table"
    sep = chr(10) if table else ""
    table_rows = [
        r
        | {
            "period": _period(r).replace("～", "～" + sep),
            "state": DOC_STATUS.get(r["status"], r["status"])
            + (
                (f"{sep}剩{r['days_left']}天" if table else f"（剩{r['days_left']}天）")
                if r["status"] in ("in force", "expiring") and r["days_left"] is not None
                else ""
            ),
        }
        for r in rows
    ]
    columns = [
        Column("id", "编号", whole=True),
        Column("title", "标题", ratio=3),
        Column("doc_number", "文号", whole=True),
        Column("period", "有效期", whole=True),
        Column("measures", "措施", justify="right", whole=True),
        Column(
            "state",
            "状态",
            whole=True,
            style=lambda r: {"expired": "dim", "expiring": "yellow"}.get(r["status"]),
        ),
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
    line(
        "状态",
        DOC_STATUS.get(info["status"], info["status"])
        + (
            f"（剩{info['days_left']}天）" if info["days_left"] is not None and info["days_left"] >= 0 else ""
        ),
    )
    # an end another document set (an extension, a repeal) comes after the document's own, 原定截止
    own_until = "原定截止" if info.get("until_by") else "截止依据"
    for edge, label in (("from", "起始依据"), ("until", own_until)):
        rule = info["validity_rules"].get(edge)
        if rule:
            where = f"，第{rule['lines'][0]}–{rule['lines'][1]}行" if rule.get("lines") else ""
            inferred = "（推断）" if rule.get("inferred") else ""
            line(label, f"{rule['date']} {rule_label(rule['rule'])}{inferred}：“{rule['quote']}”{where}")
    if info.get("until_by"):
        by = info["until_by"]
        line("截止依据", f"{RELATION_LABELS[by['kind']][1]} {by['doc']}：“{by['quote']}”")
    for sentence in info["validity_sentences"]:
        line("有效期语句", f"第{sentence['lines'][0]}行：{sentence['text']}")
    for relation in info.get("acts_on", []):
        target = relation["doc"] or "（未载入）"
        number = f"（{relation['doc_number']}）" if relation["doc_number"] else ""
        line(
            RELATION_LABELS[relation["kind"]][0],
            f"{target} 《{relation['title']}》{number}{_until(relation)}",
        )
    for relation in info.get("acted_on_by", []):
        line(RELATION_LABELS[relation["kind"]][1], f"{relation['doc']}{_until(relation)}")
    line("来源", info["source_file"])


# (what a document does to another, what is done to it)
RELATION_LABELS = {
    "extends": ("延长", "被延长"),
    "repeals": ("废止", "被废止"),
    "supersedes": ("取代", "被取代"),
}


def _until(relation: dict) -> str:
    if relation["kind"] == "extends":
        return f"，有效期延长至 {relation['until']}" if relation["until"] else "，继续有效"
    return f"，有效至 {relation['until']}" if relation["until"] else ""


def _bar(done: int, total: int, width: int = 8) -> str:
    """Any progress shows: one cell at least once something is done."""
    filled = max(1, round(width * done / total)) if total and done else 0
    return "█" * filled + "░" * (width - filled)


def _rate(done: int, total: int) -> str:
    """A bar and the percentage, one whole cell: "██░░░░░░  25%"."""
    percent = round(100 * done / total) if total else 0
    return f"{_bar(done, total)} {percent:>3}%"


def _count(value: object) -> str:
    return "" if value is None else str(value)


def _count_columns(prefix: str = "") -> list[Column]:
    number = {"whole": True, "justify": "right", "show": _count}
    return [
        Column(f"{prefix}done", "已完成", **number),
        Column(f"{prefix}doing", "推进中", **number),
        Column(f"{prefix}blocked", "受阻", **number),
        Column(
            f"{prefix}overdue",
            "逾期",
            **number,
            style=lambda r, k=f"{prefix}overdue": "red" if r.get(k) else None,
        ),
    ]


def statistics(data: dict, fmt: str) -> None:
    """Per agency and per document: parts, 已完成 / 推进中 / 受阻 / 逾期 and a bar with the percentage
    of parts done (a document's whole measures done stay in JSON, CSV and Markdown)."""
    if fmt == "json":
        _json_out({"agencies": data["agencies"], "documents": data["documents"]})
        return
    agencies = [
        r
        | {
            "name": r["agency"] if r["agency"] != UNASSIGNED_JSON else UNASSIGNED_LABEL,
            "rate": _rate(r["done"], r["total"]),
        }
        for r in data["agencies"]
    ]
    documents_ = [r | {"rate": _rate(r.get("parts_done", 0), r.get("parts", 0))} for r in data["documents"]]
    if fmt == "table":
        out = console()
        print_table(
            agencies,
            [
                Column("name", "责任单位"),
                Column("total", "分项", whole=True, justify="right"),
                *_count_columns(),
                Column("rate", "完成率", whole=True),
            ],
            title="按责任单位",
            out=out,
        )
        out.print()
        print_table(
            documents_,
            [
                Column("doc", "文件", whole=True),
                Column("title", "标题"),
                Column("parts", "分项", whole=True, justify="right"),
                *_count_columns("parts_"),
                Column("rate", "完成率", whole=True),
            ],
            title="按文件",
            out=out,
        )
        return
    rows = [
        r | {"scope": "责任单位", "measures": None, "measures_done": None, "percent": r.get("percent")}
        for r in agencies
    ] + [
        r
        | {
            "scope": "文件",
            "name": r["doc"],
            "total": r["parts"],
            "done": r["parts_done"],
            "doing": r["parts_doing"],
            "blocked": r["parts_blocked"],
            "overdue": r["parts_overdue"],
            "measures": r["total"],
            "measures_done": r["done"],
        }
        for r in documents_
    ]
    emit(
        rows,
        [
            Column("scope", "范围"),
            Column("name", "名称"),
            Column("total", "分项"),
            Column("done", "已完成"),
            Column("doing", "推进中"),
            Column("blocked", "受阻"),
            Column("overdue", "逾期", show=_count),
            Column("percent", "完成率%"),
            Column("measures", "措施"),
            Column("measures_done", "措施已完成"),
        ],
        fmt,
    )


LEDGER_COLUMNS = [
    Column("doc", "文件编号"),
    Column("doc_title", "文件名称"),
    Column("doc_number", "文号"),
    Column("id", "措施编号"),
    Column("number", "序号"),
    Column("kind", "类别", show=_kind_cell),
    Column("title", "措施"),
    Column("text", "内容"),
    Column("agency", "责任单位", show=_agency_cell),
    Column("role", "角色", show=_role_cell),
    Column("period", "期次"),
    Column("status", "状态", show=_status_cell),
    Column("note", "备注"),
    Column("evidence", "佐证"),
    Column("by", "更新人"),
    Column("at", "更新时间", show=lambda v: local_time(v, seconds=True)),
    Column("due", "截止日期"),
    Column("source_file", "来源文件"),
    Column("line_first", "起始行"),
    Column("line_last", "结束行"),
    Column("correction", "更正"),
    Column("done_on", "完成时间"),
    Column("key", "行键"),  # for policy import: which part, and its version at export
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
        columns = [
            Column("id", "编号", whole=True),
            Column("title", "措施", ratio=3),
            Column("agency", "责任单位", show=_agency_cell, give_way=1),
            Column("status", "状态", whole=True, show=_status_cell),
            Column("due", "截止", whole=True),
        ]
        emit(rows, columns, fmt, empty="nothing to export", output=output)  # emit refuses -o with a table
        return
    # the row key is for `policy import`, which reads CSV and Excel: not in a Markdown table
    columns = LEDGER_COLUMNS if fmt != "md" else [c for c in LEDGER_COLUMNS if c.key != "key"]
    emit(rows, columns, fmt, output=output, replace=replace)


def ledger_workbooks(
    rows: list[dict],
    agency: str | None,
    today,
    output: Path | None,
    split: bool,
    split_files: Path | None,
    replace: bool = False,
) -> list[Path]:
    """Write the Excel ledger: one sheet (the agency's, or the whole ledger's), one sheet per agency
    (`split`), or one file per agency in `split_files` (all written or none). Returns the files."""
    from policycli.files import check_output, write_all_or_none, write_atomically
    from policycli.workbook import sheet_name, workbook_bytes

    if not split and split_files is None:
        write_atomically(output, workbook_bytes([(agency, rows)], today), replace)
        return [output]
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["agency"], []).append(row)
    order = sorted(groups, key=lambda name: (name == "", name))  # the part without a unit last
    if split_files is None:
        write_atomically(output, workbook_bytes([(name, groups[name]) for name in order], today), replace)
        return [output]
    if split_files.exists() and not split_files.is_dir():
        raise BadInput(f"{split_files}: not a directory")
    split_files.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    outputs = []
    for name in order:
        path = split_files / f"台账-{sheet_name(name or UNASSIGNED_LABEL, taken)}.xlsx"
        check_output(path, replace)
        outputs.append((path, workbook_bytes([(name, groups[name])], today)))
    write_all_or_none(outputs)
    return [path for path, _ in outputs]


_OUTCOME_LABELS = {
    "applied": "已导入",
    "would apply": "将导入",
    "not applied (--strict)": "未导入（--strict）",
    "conflict": "冲突",
    "ours": "保留库中",
    "error": "错误",
}


def import_outcomes(result, fmt: str, dry_run: bool) -> None:
    """What `policy import` did with each row that changes something, and a summary on stderr."""
    rows = [o.fields() for o in result.outcomes]
    arrow = "→" + (chr(10) if fmt == "table" else "")
    several_files = len({o.file for o in result.outcomes}) > 1
    several_sheets = len({(o.file, o.sheet) for o in result.outcomes}) > 1
    shown = [
        r
        | {
            "change": f"{status_label(r['before'])}{arrow}{status_label(r['after'])}"
            if r["before"] and r["after"]
            else status_label(r["after"] or r["before"] or ""),
            "where": (f"{r['file']} " if several_files else "")
            + (f"{r['sheet']} " if several_sheets and r["sheet"] else "")
            + str(r["row"]),
        }
        for r in rows
    ]
    periods = fmt == "csv" or any(r["period"] for r in rows)
    columns = [
        Column("where", "行", whole=True, justify="right"),
        Column("id", "措施编号", whole=True),
        Column("agency", "责任单位", show=_agency_cell, give_way=2),
        *([Column("period", "期次", whole=True, show=period_display)] if periods else []),
        Column("outcome", "结果", whole=True, show=lambda v: _OUTCOME_LABELS.get(str(v), str(v))),
        Column("change", "状态", whole=True),
        Column("message", "说明", ratio=2, give_way=1),
    ]
    emit(shown, columns, fmt, json_rows=rows, empty=None)
    applied = result.count("applied", "would apply")
    summary = (
        f"{'would record' if dry_run else 'recorded'} {applied} change(s); "
        f"{result.count('conflict')} conflict(s), {result.count('error')} refused, "
        f"{result.count('ours')} kept as in the database; {result.unchanged} row(s) unchanged"
    )
    if result.count("not applied (--strict)"):
        summary += "; --strict: nothing was written"
    console(stderr=True).print(summary, markup=False, highlight=False, soft_wrap=True)


AGENCY_FIELDS = ("agency", "full_name", "level", "district", "type", "total", "open", "done", "flag")


def agencies(rows: list[dict], fmt: str) -> None:
    columns = [
        Column("agency", "单位", ratio=2, give_way=2),
        Column("level", "级别", whole=True, show=lambda v: LEVEL_LABELS.get(str(v), str(v or ""))),
        Column("type", "类型", whole=True, show=lambda v: TYPE_LABELS.get(str(v), str(v or ""))),
        Column("total", "措施", justify="right", whole=True),
        Column("open", "未完成", justify="right", whole=True),
        Column("done", "已完成", justify="right", whole=True),
        Column("flag", "备注", give_way=1),
    ]
    emit(rows, columns, fmt, json_rows=_fields(rows, AGENCY_FIELDS), empty="no agencies")


UNKNOWN_AGENCY_FIELDS = ("agency", "printed", "measures", "documents", "suggestions")


def unknown_agencies(rows: list[dict], fmt: str) -> None:
    table = fmt == "table"
    columns = [
        Column("agency", "单位", ratio=2, give_way=2),
        Column("printed", "原文", ratio=2, give_way=1),
        Column("measures", "措施", justify="right", whole=True),
        Column("documents", "文件", whole=table, show=(lambda v: chr(10).join(v or [])) if table else None),
        Column("suggestions", "相近的登记单位", ratio=2, give_way=3),
    ]
    emit(rows, columns, fmt, json_rows=_fields(rows, UNKNOWN_AGENCY_FIELDS), empty="every unit resolves")


def agency_detail(info: dict, fmt: str) -> None:
    if _is_json(fmt, "agencies show"):
        _json_out(info)
        return
    out, line = _labelled_lines()

    line("单位", info["canonical"])
    line("全称", info.get("full_name"))
    line(
        "级别",
        " ".join(
            x
            for x in (
                LEVEL_LABELS.get(info.get("level") or "", info.get("level")),
                info.get("district"),
                TYPE_LABELS.get(info.get("type") or "", info.get("type")),
            )
            if x
        ),
    )
    line("别名", (info.get("aliases") or []) + info["user_aliases"])
    line("常见误写", info.get("typos") or [])
    line("原单位", info["predecessors"])
    if info.get("successor"):
        line("职责划入", f"{info['successor']}（{info.get('successor_date') or '日期不详'}）")
    line("所属集体", info.get("member_of") or [])
    line("成员", info["members"])
    line("说明", " ".join(x for x in (info.get("flag"), info.get("note")) if x))
    if info["documents"]:
        out.print()
        print_table(
            info["documents"],
            [
                Column("doc", "文件", whole=True),
                Column("title", "标题", ratio=3),
                Column("measures", "措施", justify="right", whole=True),
            ],
            out=out,
        )


def write_bytes(data: bytes, output: Path | None, replace: bool = False) -> None:
    if output is not None:
        from policycli.files import write_atomically

        write_atomically(output, data, replace)
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def reminders(reminded, fmt: str, today, within: int) -> None:
    """`reminded`: reminders.Reminded, its totals first and its groups read as they are written (the
    summary line and the most urgent agency come out before the others are read). Nothing at all
    when nothing is due, so cron sends no mail."""
    if not reminded.size:
        if fmt == "json":
            write_stdout("[]\n")
        return
    if fmt == "json":
        _json_out(list(reminded.groups))
        return
    if fmt not in ("text", "md"):
        raise BadInput(f"unknown format {fmt!r} for remind; use text, json or md")
    md = fmt == "md"

    def value(text: object) -> str:
        """A value from a document or the database, on one line: Markdown-escaped (md), or
        terminal-safe (text)."""
        return markdown_text(str(text or "")) if md else terminal_text(str(text or "")).replace("\n", " ")

    left = reminded.expired_open
    expired = f"；已过期文件中仍有 {left} 项未完成" if left else ""
    write_stdout(
        f"{'# ' if md else ''}政策任务提醒 {today.isoformat()}：逾期 {reminded.overdue} 项，"
        f"{within} 天内到期 {reminded.due_soon} 项{expired}\n"
    )
    for group in reminded.groups:
        lines = [""]
        name = value(group["agency"]) if group["agency"] else UNASSIGNED_LABEL
        lines.append(
            f"{'## ' if md else ''}{name}（逾期 {group['overdue_count']}，将到期 {group['due_soon_count']}）"
        )
        bullet = "- " if md else "  "
        for key, label in (("overdue", "逾期"), ("due_soon", "将到期")):
            for item in group[key]:
                days = item["days_left"]
                when = f"逾期{-days}天" if days < 0 else ("今天到期" if days == 0 else f"剩{days}天")
                period = f" {period_display(item['period'])}" if item.get("period") else ""  # 2021年
                lines.append(
                    f"{bullet}[{label}] {item['due']}（{when}） {value(item['id'])}{period}  "
                    f"{value(item['title'])}"
                )
            hidden = group[f"{key}_count"] - len(group[key])
            if hidden > 0:
                lines.append(
                    f"{bullet}……另有{label} {hidden} 项（policy tasks --agency {name} 查看全部）"
                    if group["agency"]
                    else f"{bullet}……另有{label} {hidden} 项（policy tasks --unassigned 查看全部）"
                )
        for document in group.get("expired_documents", []):
            # an expired document with work left, past its grace period: one line, not one per measure
            name_of = " ".join(x for x in (document["doc_number"], document["title"]) if x)
            lines.append(
                f"{bullet}[已过期] {value(name_of)}（有效期至 {document['effective_until']}）："
                f"仍有 {document['open']} 项未完成（policy tasks --doc {document['doc']} --overdue 查看）"
            )
        write_stdout("\n".join(lines) + "\n")


def doctor(path: Path, findings: list[tuple[str, str, str]]) -> None:
    marks = {"ok": "ok     ", "note": "note   ", "problem": "PROBLEM"}
    lines = [f"database: {path}"] + [f"  {marks[state]} {check}: {text}" for check, state, text in findings]
    write_stdout(terminal_text("\n".join(lines)) + "\n")


def settings(rows: list[dict], fmt: str) -> None:
    """`policy config`: each setting, its value and where it comes from
    (JSON: key, value, source, meaning)."""
    if _is_json(fmt, "config"):
        _json_out(rows)
        return
    _, line = _labelled_lines()
    for row in rows:
        line(row["key"], f"{row['value'] or '（未设置）'}  ← {row['source']}；{row['meaning']}")
