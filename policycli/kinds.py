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
# How the checklist shows a part with no responsible unit, and the roles, to people and in the ledger.
UNASSIGNED_LABEL = "（未指定）"
ROLE_LABELS = {"lead": "牵头", "co": "配合", "unspecified": ""}
