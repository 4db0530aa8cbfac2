"""Attach the rows of a 责任分工表 to the body items they restate.

A 分工表 copies its measures from the body text, cut finer and lightly edited, in the body's
order; its own labels and numbers are the least reliable part of it (labels of merged cells
land in the middle of the range they span, and a damaged number column prints "0" for 10). So
each row is matched to the body item whose text contains most of the row's character pairs,
keeping the table's order (an alignment, not a row-by-row guess), and the labels are ignored.

Two ways a table relates to its body, told apart by its number column:
* its own sequence (序号 1…80 over 22 body items): the table is the finer list; each row becomes
  a measure under the item it restates;
* the body's own numbers (1…38, possibly damaged): the table re-lists the body's measures; a
  measure restated by one row takes that row's flags, one split over several rows gets them
  as sub-measures with their own units.
"""

from __future__ import annotations

import re

from policycli.ingest.structure import Node
from policycli.ingest.tables import Table, TableRow
from policycli.ingest.units import parse_units_text
from policycli.text import fold

_NOT_TEXT = re.compile(r"[^\u3400-\u9fff\U00020000-\U0003ffffA-Za-z0-9]")
MIN_SCORE = 0.5


def bigrams(text: str) -> set[str]:
    chars = _NOT_TEXT.sub("", fold(text))
    return {chars[k : k + 2] for k in range(len(chars) - 1)} or ({chars} if chars else set())


def _score(row: set[str], node: set[str]) -> float:
    return len(row & node) / len(row) if row else 0.0


def align(rows: list[TableRow], candidates: list[Node]) -> list[int | None]:
    """For each row, the index of the candidate it restates (None if none fits), keeping order."""
    cand_sets = [bigrams(n.text) for n in candidates]
    row_sets = [bigrams(r.text) for r in rows]
    scores = [[_score(r, c) for c in cand_sets] for r in row_sets]
    n_rows, n_cand = len(rows), len(candidates)
    if not n_rows or not n_cand:
        return [None] * n_rows
    # best[i][j]: best total for rows[:i+1] with row i on candidate j (monotone non-decreasing).
    best = [[0.0] * n_cand for _ in range(n_rows)]
    back = [[0] * n_cand for _ in range(n_rows)]
    for j in range(n_cand):
        best[0][j] = scores[0][j]
    for i in range(1, n_rows):
        run_max, run_arg = -1.0, 0
        for j in range(n_cand):
            if best[i - 1][j] > run_max:
                run_max, run_arg = best[i - 1][j], j
            # a row that fits nowhere must not drag the path: let it contribute 0 anywhere
            best[i][j] = run_max + scores[i][j]
            back[i][j] = run_arg
    j = max(range(n_cand), key=lambda k: (best[-1][k], -k))
    path = [0] * n_rows
    for i in range(n_rows - 1, -1, -1):
        path[i] = j
        j = back[i][j]
    return [p if scores[i][p] >= MIN_SCORE else None for i, p in enumerate(path)]


def _mirrors_body(rows: list[TableRow], nodes: list[Node | None]) -> bool:
    """Does the number column print the body items' numbers (perhaps losing leading digits)?"""
    checked = agree = 0
    for row, node in zip(rows, nodes, strict=True):
        if row.seq is None or node is None or node.number is None:
            continue
        checked += 1
        agree += str(node.number).endswith(str(row.seq))
    return checked > 0 and agree >= 0.6 * checked


def reconcile(table: Table, body: list[Node], fallback: Node, warnings: list[str], same_agency) -> None:
    """Attach each row of `table` to the body as described in the module docstring."""
    rows = table.rows
    if not rows:
        return
    index = align(rows, body)
    nodes = [body[k] if k is not None else None for k in index]
    mirror = _mirrors_body(rows, nodes)
    per_node: dict[int, list[TableRow]] = {}
    for row, node in zip(rows, nodes, strict=True):
        if node is None:
            if not body:  # a table on its own (a 分工表 delivered as a workbook): its rows are the measures
                _row_child(fallback, row, len(fallback.children) + 1)
                continue
            warnings.append(
                f"line {row.first_line}: table row {row.seq_printed or '?'} matches no item of the body text; kept as its own measure"
            )
            _row_child(fallback, row, len(fallback.children) + 1)
            continue
        per_node.setdefault(id(node), []).append(row)
    for node in body:
        matched = per_node.get(id(node), [])
        if not matched:
            continue
        if mirror and len(matched) == 1 and _covers(matched[0], node):
            _merge(node, matched[0], warnings, same_agency)
            continue
        for k, row in enumerate(matched, start=1):
            if mirror:
                # The printed number is the parent's, often damaged ("2" for 12): number by order.
                _row_child(node, row, k, printed=str(k))
            else:
                _row_child(node, row, row.seq if row.seq is not None else k)


def _covers(row: TableRow, node: Node) -> bool:
    return _score(bigrams(node.text), bigrams(row.text)) >= 0.8


def _merge(node: Node, row: TableRow, warnings: list[str], agency_of) -> None:
    node.flags.extend(f for f in row.flags if f not in node.flags)
    node.deadline = node.deadline or row.deadline
    if row.units_raw and not node.units:
        annotation = parse_units_text(row.units_raw)
        node.units, node.units_raw, node.open_list = annotation.units, row.units_raw, annotation.open_list
    elif row.units_raw and node.units:
        # 区府办 in the table and 区政府办 in the text are the same office: compare agencies.
        printed = {agency_of(u.name) for u in node.units}
        table_units = {agency_of(u.name) for u in parse_units_text(row.units_raw).units}
        if printed != table_units:
            warnings.append(
                f"line {row.first_line}: the table lists {row.units_raw} for item {node.printed}, "
                f"the text {node.units_raw}; kept the text's"
            )


def _row_child(parent: Node, row: TableRow, number: int, printed: str | None = None) -> Node:
    child = parent.add(Node("row", number, printed or row.seq_printed or str(number), title=""))
    child.add_text(row.text, row.first_line, row.last_line)
    child.flags = list(row.flags)
    child.deadline = row.deadline
    if row.units_raw:
        annotation = parse_units_text(row.units_raw)
        child.units, child.units_raw, child.open_list = annotation.units, row.units_raw, annotation.open_list
    return child
