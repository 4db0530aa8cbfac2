"""Names shared by the parser and the checklist (kept in a module of their own so the checklist
does not import the parser)."""

# /2 added units' `carried`, the document's `issuers`, and left `effective_from` empty where no start
# is stated; /1 files load as they are.
FORMAT = "policy-document/2"
READABLE_FORMATS = ("policy-document/1", FORMAT)
# The kinds that appear on checklists; "section" (structure and background) never does.
MEASURE_KINDS = ("task", "target", "indicator", "safeguard")
# The same, as a list for SQL: `m.kind IN ({KINDS_SQL})`.
KINDS_SQL = ", ".join(f"'{kind}'" for kind in MEASURE_KINDS)
# A part in one of these statuses needs no more work.
FINISHED = ("done", "n/a")
FINISHED_SQL = ", ".join(f"'{status}'" for status in FINISHED)
# How the checklist shows the roles, to people and in the ledger.
ROLE_LABELS = {"lead": "牵头", "co": "配合", "unspecified": ""}

# --- what people read (tables, CSV, Markdown, reminders); JSON keeps the English values ---------

# "No responsible unit", in every table, CSV, Markdown, reminder and calendar (JSON: agency "").
UNASSIGNED_LABEL = "未指定责任单位"
# ... and how `policy stats --format json` has named it since its first version (scripts rely on it).
UNASSIGNED_JSON = "(unassigned)"
STATUS_LABELS = {"todo": "未开始", "doing": "推进中", "done": "已完成", "blocked": "受阻", "n/a": "不适用"}
# What `--status` and the marks accept besides the English words: the labels and common variants.
_STATUS_WORDS = {
    "todo": ("todo", "未开始", "待办", "未办", "未启动"),
    "doing": ("doing", "推进中", "正在推进", "进行中", "办理中", "在办"),
    "done": ("done", "已完成", "完成", "已办结", "办结", "已落实"),
    "blocked": ("blocked", "受阻", "阻塞", "暂缓"),
    "n/a": ("n/a", "na", "不适用", "无需办理", "无需"),
}
STATUS_INPUT = {word: status for status, words in _STATUS_WORDS.items() for word in words}
# The listing filters beside the statuses: open (not finished) and all.
FILTER_INPUT = {"open": "open", "未完成": "open", "未办结": "open", "all": "all", "全部": "all"}
KIND_LABELS = {
    "task": "任务",
    "target": "目标",
    "indicator": "指标",
    "safeguard": "保障措施",
    "section": "章节",
}
KIND_INPUT = {**{k: k for k in KIND_LABELS}, **{v: k for k, v in KIND_LABELS.items()}}
LEVEL_LABELS = {
    "central": "中央在沪",
    "municipal": "市级",
    "district": "区级",
    "subdistrict": "街镇",
    "other": "其他",
}
TYPE_LABELS = {
    "government": "政府部门",
    "party": "党委部门",
    "people_org": "人民团体",
    "enterprise": "企事业单位",
    "judicial": "司法机关",
    "coordinating": "议事协调",
    "collective": "集体",
}
DEADLINE_LABELS = {"overdue": "逾期", "due soon": "将到期", "done": "已完成", "open": ""}
DOC_STATUS_LABELS = {
    "not yet in force": "未生效",
    "in force": "有效",
    "expiring": "即将到期",
    "expired": "已失效",
    "unknown": "未知",
}
ACTION_LABELS = {"mark": "标记", "undo": "撤销"}


def status_label(status: object) -> str:
    return STATUS_LABELS.get(str(status), str(status or ""))


def status_from_input(word: str, filters: bool = False) -> str:
    """A status typed by a person (done, 已完成, 完成, 已办结 …) → its stored value (done …); with
    `filters`, also open/未完成 and all/全部. ValueError for anything else."""
    text = (word or "").strip()
    found = STATUS_INPUT.get(text.lower()) or STATUS_INPUT.get(text)
    if found is None and filters:
        found = FILTER_INPUT.get(text.lower()) or FILTER_INPUT.get(text)
    if found is None:
        raise ValueError(text)
    return found


def kind_from_input(word: str) -> str:
    text = (word or "").strip()
    found = KIND_INPUT.get(text.lower()) or KIND_INPUT.get(text)
    if found is None or found == "section":
        raise ValueError(text)
    return found


# The rules behind a date (deadlines.py, ingest/validity.py), as a person reads them. A rule name is
# "prefix: name (Chinese example)"; known names are translated, an unknown one keeps its Chinese
# example (or the name as written).
_RULE_PREFIXES = {"document end": "文件有效期届满", "parent's": "沿用上级条目", "stated": "本条规定"}
_RULE_NAMES = {
    "corrected": "协调员更正",  # policy due: the coordinator set the date
    "explicit range": "有效期起止",
    "range": "有效期起止",
    "start to end": "起止日期",
    "from issue": "自印发之日起施行",
    "from issue, later": "自印发之日起若干日后施行",
    "start": "规定的起始日期",
    "end": "规定的有效期",
    "end (截止)": "规定的截止日期",
    "extended by": "有效期延长",
    "old end": "原有效期",
    "length": "有效期长度",
    "pilot period": "试点期",
    "pilot length": "试点期长度",
    "start plus pilot period (通过N年试点)": "起始日加试点期（通过N年试点）",
    "plan period": "规划期",
    "plan horizon (五年规划)": "五年规划期末",
    "five-year plan": "五年规划期末",
    "five-year plan (“十四五”期间/末)": "五年规划期（“十四五”期间/末）",
    "annual plan (YYYY年行动方案)": "年度计划年末",
    "indicator year": "指标目标年份",
    "deadline cell (完成时限)": "完成时限栏",
    "from the issue date": "自印发之日起计算",
    "by (…前)": "在…前",
    "by (到/至…)": "到/至…",
    "done by": "完成时间",
    "opening": "句首时间",
    "opening the text": "条文开头时间",
    "several deadlines: none is the measure's own": "多个时间节点，无单一截止日期",
    "working days beyond the holiday calendar: unresolved": "工作日超出节假日日历，无法推算",
    "recurring (yearly) within the validity period": "有效期内每年",
    "recurring (quarterly) within the validity period": "有效期内每季度",
    "recurring (monthly) within the validity period": "有效期内每月",
}


def rule_label(rule: object) -> str:
    """A date rule's name in Chinese (see _RULE_NAMES); "" for none."""
    text = str(rule or "").strip()
    if not text:
        return ""
    if text in _RULE_NAMES:
        return _RULE_NAMES[text]
    for suffix, label in (
        (", from the issue date", "（自印发日起）"),
        (": no validity period to count in", "（无有效期可计）"),
    ):
        if text.endswith(suffix):
            return rule_label(text[: -len(suffix)]) + label
    head, sep, rest = text.partition(": ")
    if sep and head in _RULE_PREFIXES:
        return f"{_RULE_PREFIXES[head]}：{rule_label(rest)}"
    if text.startswith("annual plan"):
        return "年度计划年末"
    if text.startswith("recurring ("):
        kind = text[len("recurring (") :].split(")")[0]
        return {
            "yearly": "每年",
            "quarterly": "每季度",
            "monthly": "每月",
            "weekly": "每周",
            "periodic": "定期",
        }.get(kind, kind)
    if "(" in text and text.endswith(")"):
        return text[text.index("(") + 1 : -1]  # the Chinese example
    return text
