"""The checklist: what each agency must do, what it has done, and the record of every change.

A measure is co-owned by its responsible units; each marks its own part (an assignment). The
measure's overall status follows from its parts: done when every part is done (or n/a),
blocked when any is blocked, doing once any has started. A measure with no responsible unit has
one part of its own, under the agency "" (shown as kinds.UNASSIGNED_LABEL).

One module per job: status.py (status and deadline rules), lookup.py (ids and --agency names),
listing.py (policy tasks), detail.py (policy show), marking.py (mark, undo, history),
documents.py (policy docs), ledger.py (the export), linking.py (policy link), corrections.py
(policy assign, unassign, due); statistics.py (policy stats) beside them. The names other modules
use are found here, each imported on first use; rows that leave the package are dataclasses
(TaskRow, AgencySummary, Linked, Correction) or, for the marks `policy done` records at start-up,
NamedTuples (Marked, Undone, Change), so a reader sees their fields and types.
"""

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
    "iter_tasks",
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


# Every name is imported on first use (PEP 562): `policy done` needs marking.py alone, and each of
# the others costs milliseconds at start-up (periods.py, listing.py …). statistics.py reads the status
# rules from this package (no import cycle).
_MODULES = {
    "policycli.checklist.documents": (
        "EXPIRING_DAYS",
        "document_detail",
        "document_status",
        "list_documents",
    ),
    "policycli.checklist.ledger": ("LEDGER_FIELDS", "ledger", "ledger_rows"),
    "policycli.checklist.listing": (
        "AgencySummary", "TaskQuery", "TaskRow", "agency_summary", "count_tasks", "iter_tasks", "list_tasks",
    ),
    "policycli.checklist.lookup": ("agency_condition", "agency_scope", "require_document", "resolve_measure"),
    "policycli.checklist.marking": ("Change", "Marked", "Undone", "history", "mark", "undo"),
    "policycli.checklist.status": (
        "DUE_SOON_DAYS", "STATUS_FILTERS", "STATUSES", "UNASSIGNED", "current_user", "days_left",
        "deadline_status", "now_iso", "overall_status", "progress_text",
    ),
    "policycli.statistics": ("statistics",),
    "policycli.checklist.detail": ("measure_detail",),
    "policycli.checklist.linking": ("Linked", "link"),
    "policycli.checklist.corrections": ("Correction", "correct", "corrections_of"),
}  # fmt: skip
_LAZY = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module = _LAZY[name]
        loaded = importlib.import_module(module)
        # Bind every name of the module here: importing the submodule policycli.checklist.ledger set
        # this package's `ledger` to the module, and the function of that name must win.
        for each in _MODULES[module]:
            globals()[each] = getattr(loaded, each)
        return globals()[name]
    raise AttributeError(name)
