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
from collections import Counter

from policycli.folding import fold
from policycli.ingest.structure import Node
from policycli.ingest.tables import Table, TableRow
from policycli.ingest.units import parse_units_text

_NOT_TEXT = re.compile(r"[^\u3400-\u9fff\U00020000-\U0003ffffA-Za-z0-9]")
MIN_SCORE = 0.5


def bigrams(text: str) -> set[str]:
    chars = _NOT_TEXT.sub("", fold(text))
    return {chars[k : k + 2] for k in range(len(chars) - 1)} or ({chars} if chars else set())


def _score(row: set[str], node: set[str]) -> float:
    return len(row & node) / len(row) if row else 0.0


class Candidates:
    """The body items a table's rows can restate, with their character pairs and a pair index.

    Built once per document and shared by all its tables: building it again for every table made a
    document with many small tables quadratic (tables × items)."""

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        self.position = {id(node): j for j, node in enumerate(nodes)}
        self._sets: list[set[str]] | None = None
        self._index: dict[str, list[int]] = {}

    def sets(self) -> list[set[str]]:
        if self._sets is None:
            self._sets = [bigrams(n.text) for n in self.nodes]
            for j, pairs in enumerate(self._sets):
                for pair in pairs:
                    self._index.setdefault(pair, []).append(j)
        return self._sets

    def index(self) -> dict[str, list[int]]:
        self.sets()
        return self._index


def align(rows: list[TableRow], candidates: list[Node] | Candidates) -> list[int | None]:
    """For each row, the index of the candidate it restates (None if none fits), keeping order.

    The best order-keeping assignment (rows in table order onto candidates in body order, a total
    of scores as large as possible). Only candidates sharing a character pair with the row can
    score, so each row is tried against those found through a pair index (at most `_WIDTH`, the
    best first), and the best total so far is kept in a prefix-maximum tree over candidate
    positions: time and memory grow with rows × `_WIDTH`, not rows × candidates (a table of 5,000
    rows beside 5,000 items would otherwise fill 25 million cells)."""
    if not isinstance(candidates, Candidates):
        candidates = Candidates(candidates)
    n_rows, n_cand = len(rows), len(candidates.nodes)
    if not n_rows or not n_cand:
        return [None] * n_rows
    cand_sets = candidates.sets()
    index = candidates.index()
    tree = _PrefixMax(n_cand)
    chosen: list[list[tuple[int, float, tuple | None]]] = []  # per row: (candidate, score, back link)
    for row in rows:
        pairs = bigrams(row.text)
        hits: Counter[int] = Counter()
        # Pairs found in most candidates ("推进", "建设") tell nothing and would make this quadratic:
        # candidates are found through the rarer pairs, then scored on all of them.
        for pair in pairs:
            posting = index.get(pair, ())
            if len(posting) <= _COMMON:
                hits.update(posting)
        # The _WIDTH candidates sharing most pairs, the earliest first among equals (a stable sort by
        # count of the candidates in body order).
        best = sorted(sorted(hits), key=hits.__getitem__, reverse=True)[:_WIDTH]
        options = []
        for j in best:
            score = _score(pairs, cand_sets[j])
            total, link = tree.query(j)
            options.append((j, score, total + score, link))
        entries = []
        for j, score, total, link in options:
            node = (j, score, link)
            entries.append(node)
            tree.update(j, total, node)
        chosen.append(entries)
    _, link = tree.query(n_cand - 1)
    path: dict[int, tuple[int, float]] = {}
    # Walk the links back: each link is (candidate, score, previous link); rows are found by identity.
    owner = {id(node): i for i, entries in enumerate(chosen) for node in entries}
    while link is not None:
        j, score, previous = link
        path[owner[id(link)]] = (j, score)
        link = previous
    return [path[i][0] if i in path and path[i][1] >= MIN_SCORE else None for i in range(n_rows)]


_WIDTH = 40  # candidates tried per row
_COMMON = 64  # a character pair in more candidates than this finds none (bounds the work per row)


class _PrefixMax:
    """Maximum (total, link) over positions 0..j, with point updates (a Fenwick tree).

    Sparse (a dict, not a list of `size`): a table touches few positions, and a document with many
    tables must not pay for every body item once per table. A node holds the first (total, link) of the
    largest total seen in its range; totals are above 0."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.nodes: dict[int, tuple[float, tuple]] = {}

    def query(self, j: int) -> tuple[float, tuple | None]:
        total, link = 0.0, None
        nodes = self.nodes
        if not nodes:
            return total, link
        k = j + 1
        while k > 0:
            held = nodes.get(k)
            if held is not None and held[0] > total:
                total, link = held
            k &= k - 1
        return total, link

    def update(self, j: int, total: float, link: tuple) -> None:
        if total <= 0.0:
            return
        nodes, size = self.nodes, self.size
        k = j + 1
        while k <= size:
            held = nodes.get(k)
            if held is not None and total <= held[0]:
                # Each node on the way up covers the one before it and holds at least its total: none
                # above would take this one either.
                return
            nodes[k] = (total, link)
            k += k & -k


def _mirrors_body(rows: list[TableRow], nodes: list[Node | None]) -> bool:
    """Does the number column print the body items' numbers (perhaps losing leading digits)?"""
    checked = agree = 0
    for row, node in zip(rows, nodes, strict=True):
        if row.seq is None or node is None or node.number is None:
            continue
        checked += 1
        agree += str(node.number).endswith(str(row.seq))
    return checked > 0 and agree >= 0.6 * checked


def reconcile(
    table: Table, candidates: list[Node] | Candidates, fallback: Node, warnings: list[str], same_agency
) -> None:
    """Attach each row of `table` to the body as described in the module docstring."""
    rows = table.rows
    if not rows:
        return
    if not isinstance(candidates, Candidates):
        candidates = Candidates(candidates)
    body = candidates.nodes
    index = align(rows, candidates)
    nodes = [body[k] if k is not None else None for k in index]
    mirror = _mirrors_body(rows, nodes)
    per_node: dict[int, list[TableRow]] = {}
    for row, node in zip(rows, nodes, strict=True):
        if node is None:
            if not body:  # a table on its own (a 分工表 delivered as a workbook): its rows are the measures
                _row_child(fallback, row, len(fallback.children) + 1)
                continue
            warnings.append(
                f"line {row.first_line}: table row {row.seq_printed or '?'} matches no item of the body "
                "text; kept as its own measure"
            )
            _row_child(fallback, row, len(fallback.children) + 1)
            continue
        per_node.setdefault(id(node), []).append(row)
    # The body items this table's rows matched, in body order (not a walk over the whole body per table).
    for position in sorted(candidates.position[key] for key in per_node):
        node = body[position]
        matched = per_node[id(node)]
        if mirror and len(matched) == 1 and _covers(matched[0], candidates.sets()[position]):
            _merge(node, matched[0], warnings, same_agency)
            continue
        for k, row in enumerate(matched, start=1):
            if mirror:
                # The printed number is the parent's, often damaged ("2" for 12): number by order.
                _row_child(node, row, k, printed=str(k))
            else:
                _row_child(node, row, row.seq if row.seq is not None else k)


def _covers(row: TableRow, node_pairs: set[str]) -> bool:
    """Does the row restate the whole item (most of the item's character pairs)?"""
    return _score(node_pairs, bigrams(row.text)) >= 0.8


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
