"""Names shared by the parser and the checklist (kept in a module of their own so the checklist
does not import the parser)."""

FORMAT = "policy-document/1"
# The kinds that appear on checklists; "section" (structure and background) never does.
MEASURE_KINDS = ("task", "target", "indicator", "safeguard")
