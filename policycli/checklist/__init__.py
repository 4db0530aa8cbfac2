"""The checklist: what each agency must do, what it has done, and the record of every change.

A measure is co-owned by its responsible units; each marks its own part (an assignment). The
measure's overall status follows from its parts: done when every part is done (or n/a),
blocked when any is blocked, doing once any has started. A measure with no responsible unit has
one part of its own, under the agency "" (shown as kinds.UNASSIGNED_LABEL).

One module per job: status.py (status and deadline rules), lookup.py (ids and --agency names),
listing.py (policy tasks), detail.py (policy show), marking.py (mark, undo, history),
documents.py (policy docs), ledger.py (the export), linking.py (policy link), corrections.py
(policy assign, unassign, due); statistics.py (policy stats) beside them. The names other modules
use are imported here; rows that leave the package are dataclasses (TaskRow, AgencySummary,
Marked, Undone, Change, Linked, Correction), so a reader sees their fields and types.
"""

from policycli.checklist.documents import EXPIRING_DAYS, document_detail, document_status, list_documents
from policycli.checklist.ledger import LEDGER_FIELDS, ledger, ledger_rows
from policycli.checklist.listing import (
    AgencySummary,
    TaskQuery,
    TaskRow,
    agency_summary,
    count_tasks,
    list_tasks,
)
from policycli.checklist.lookup import agency_condition, agency_scope, require_document, resolve_measure
from policycli.checklist.marking import Change, Marked, Undone, history, mark, undo
from policycli.checklist.status import (
    DUE_SOON_DAYS,
    STATUS_FILTERS,
    STATUSES,
    UNASSIGNED,
    current_user,
    days_left,
    deadline_status,
    now_iso,
    overall_status,
    progress_text,
)

__all__ = [
    "DUE_SOON_DAYS",
    "EXPIRING_DAYS",
    "LEDGER_FIELDS",
    "Linked",
    "STATUSES",
    "STATUS_FILTERS",
    "UNASSIGNED",
    "AgencySummary",
    "Change",
    "Correction",
    "Marked",
    "TaskQuery",
    "TaskRow",
    "Undone",
    "agency_condition",
    "agency_scope",
    "agency_summary",
    "correct",
    "corrections_of",
    "count_tasks",
    "current_user",
    "days_left",
    "deadline_status",
    "document_detail",
    "document_status",
    "history",
    "ledger",
    "ledger_rows",
    "link",
    "list_documents",
    "list_tasks",
    "mark",
    "measure_detail",
    "now_iso",
    "overall_status",
    "progress_text",
    "require_document",
    "resolve_measure",
    "statistics",
    "undo",
]


# Imported on first use: statistics.py reads the status rules from this package (no import cycle);
# show, link and the corrections are not what `policy done` and `policy tasks` need at start-up.
_LAZY = {
    "statistics": "policycli.statistics",
    "measure_detail": "policycli.checklist.detail",
    "Linked": "policycli.checklist.linking",
    "link": "policycli.checklist.linking",
    "Correction": "policycli.checklist.corrections",
    "correct": "policycli.checklist.corrections",
    "corrections_of": "policycli.checklist.corrections",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
