"""Small-count suppression for the public extracts (SPEC §9): the rules, on plain cells.

A *cell* is one count (a quantity at one area and period); a *relation* says
that a total cell equals the sum of its part cells, which anyone can check from
the published table (the breakdown members of an area add up to its total; the
municipalities of a region add up to the region; the regions to the country).

1. Primary: a count from 1 to ``threshold - 1`` is hidden. Zero is shown: it
   reveals nothing small.
2. Secondary: a relation with exactly one hidden cell gives that cell away by
   subtraction, so the smallest other non-zero cell of the relation is hidden
   too (parts before the total on a tie). Repeated over all relations until no
   relation changes.
3. Safety net: a hidden cell can still be pinned down by combining several
   relations (e.g. a municipality's sex breakdown and its region's, each with
   two hidden cells). For a hidden cell that the published relations determine
   exactly (linear algebra), the smallest shown non-zero cell linked to it
   through hidden cells whose hiding breaks the determination is hidden too,
   and step 2 runs again.

After step 3 no hidden cell has a single value consistent with the published
cells and relations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

# A quantity: (source, quantity, filters), e.g. ("element", "VOT_ASSISTED", (("sex", "F"),)).
Quantity = tuple[str, str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True, order=True)
class Cell:
    period: str
    period_type: str
    area_code: str
    quantity: Quantity


@dataclass(frozen=True)
class Relation:
    total: Cell
    parts: tuple[Cell, ...]

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (self.total, *self.parts)


@dataclass(frozen=True)
class Suppression:
    values: Mapping[Cell, float]
    primary: frozenset[Cell]
    hidden: frozenset[Cell]
    # The order secondary cells were hidden in, with the rule that hid each: for review.
    log: tuple[tuple[Cell, str], ...] = field(default=(), compare=False)

    def is_hidden(self, cell: Cell) -> bool:
        return cell in self.hidden

    def is_primary(self, cell: Cell) -> bool:
        return cell in self.primary

    @property
    def secondary(self) -> frozenset[Cell]:
        return self.hidden - self.primary


def suppress(
    values: Mapping[Cell, float], relations: Iterable[Relation], threshold: int
) -> Suppression:
    """Which cells to hide so that no hidden cell can be worked out (rules 1-3 above)."""
    relations = sorted(
        {r for r in relations if r.total in values and all(p in values for p in r.parts)},
        key=lambda r: (r.total, r.parts),
    )
    primary = frozenset(c for c, v in values.items() if 0 < v < threshold)
    hidden = set(primary)
    log: list[tuple[Cell, str]] = []
    while True:
        _complete_groups(values, relations, hidden, log)
        determined = determined_cells(values, relations, hidden)
        if not determined:
            break
        if not _break_determination(values, relations, hidden, min(determined), log):
            # No shown cell linked to it: cannot happen when the sums add up.
            raise ValueError(f"cannot protect {min(determined)}: the sums do not add up")
    return Suppression(dict(values), primary, frozenset(hidden), tuple(log))


def _order(relation: Relation, values: Mapping[Cell, float]):
    """Smallest value first; a part before the total; then a fixed order."""
    return lambda cell: (values[cell], cell == relation.total, cell)


def _candidates(relation: Relation, values: Mapping[Cell, float], hidden: set[Cell]) -> list:
    return [c for c in relation.cells if c not in hidden and values[c] != 0]


def _complete_groups(
    values: Mapping[Cell, float],
    relations: list[Relation],
    hidden: set[Cell],
    log: list[tuple[Cell, str]],
) -> None:
    changed = True
    while changed:
        changed = False
        for relation in relations:
            if sum(c in hidden for c in relation.cells) != 1:
                continue
            candidates = _candidates(relation, values, hidden)
            if candidates:
                chosen = min(candidates, key=_order(relation, values))
                hidden.add(chosen)
                log.append((chosen, f"only hidden cell of the sum at {relation.total}"))
                changed = True


def _linked(relations: list[Relation], hidden: set[Cell], cell: Cell) -> list[Relation]:
    """The relations reachable from ``cell`` through hidden cells."""
    found: list[Relation] = []
    reached, todo = {cell}, [cell]
    while todo:
        current = todo.pop()
        for relation in relations:
            if current in relation.cells and relation not in found:
                found.append(relation)
                for other in relation.cells:
                    if other in hidden and other not in reached:
                        reached.add(other)
                        todo.append(other)
    return found


def _break_determination(
    values: Mapping[Cell, float],
    relations: list[Relation],
    hidden: set[Cell],
    cell: Cell,
    log: list[tuple[Cell, str]],
) -> bool:
    linked = _linked(relations, hidden, cell)
    candidates = sorted(
        {c for r in linked for c in _candidates(r, values, hidden)},
        key=lambda c: (values[c], any(c == r.total for r in linked), c),
    )
    if not candidates:
        return False
    # The smallest cell that frees ``cell``; if no single one does, the smallest, and retry.
    chosen = next(
        (c for c in candidates if cell not in determined_cells(values, linked, hidden | {c})),
        candidates[0],
    )
    hidden.add(chosen)
    log.append((chosen, f"{cell} was determined by combined sums"))
    return True


def determined_cells(
    values: Mapping[Cell, float], relations: Iterable[Relation], hidden: Iterable[Cell]
) -> set[Cell]:
    """Hidden cells whose value follows from the shown cells and the relations.

    With the shown cells moved to the right-hand side, the relations are a
    linear system in the hidden cells; a hidden cell is determined when every
    solution of the homogeneous system has it at zero (its unit vector lies in
    the row space), i.e. when its row of a null-space basis is zero.
    """
    hidden = sorted(set(hidden))
    if not hidden:
        return set()
    column = {cell: i for i, cell in enumerate(hidden)}
    rows = []
    for relation in relations:
        if not any(c in column for c in relation.cells):
            continue
        row = np.zeros(len(hidden))
        if relation.total in column:
            row[column[relation.total]] += 1.0
        for part in relation.parts:
            if part in column:
                row[column[part]] -= 1.0
        rows.append(row)
    if not rows:
        return set()
    matrix = np.array(rows)
    _, singular, vt = np.linalg.svd(matrix, full_matrices=True)
    tolerance = max(matrix.shape) * np.finfo(float).eps * (singular[0] if singular.size else 1)
    rank = int((singular > tolerance).sum())
    null_space = vt[rank:]
    if null_space.shape[0] == 0:
        return set(hidden)
    free = np.linalg.norm(null_space, axis=0) > 1e-9
    return {cell for cell, is_free in zip(hidden, free, strict=True) if not is_free}
