"""Choosing which counts to hide in a public table (SPEC §9): the audit loop.

1. Primary: a count from 1 to ``threshold - 1`` is ``SMALL`` (shown ``<5``).
   The counts of an area with fewer than the minimum number of contributing
   CSOs are ``LEFT_OUT`` (their rows are not published).
2. Audit: the feasible interval of every hidden count is computed by linear
   programming over everything the attacker holds (``protection``).
3. While a hidden count is narrower than its label allows, the cheapest cell
   among the published figures that pin it (the equations the linear program
   used) gives way: a breakdown member before a total, a municipality before a
   region before the country, a smaller count before a larger. A shown count
   is hidden (``SECONDARY``, ``[c]``); a zero (which ``[c]``, "at least 5",
   cannot hold) or a cell already labelled is left out instead: its rows are
   not published, so it carries no label at all (a total of 34 with a ``<5``
   member keeps its total when the ``<5`` member is left out). Then the audit
   runs again on what changed.

Only cells in ``changeable`` (the table being published) change status: the
tables published before it (a year's quarters, when the year is published)
are fixed, and the new table is made safe around them. The loop ends: every
step hides or leaves out a cell, and a table with everything left out reveals
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field

from lct_pipeline.extracts.protection import Equation, Interval, Status, System, is_protected


@dataclass(frozen=True)
class Protection:
    """The outcome: every cell's status, and why each extra cell was hidden."""

    status: Mapping[Hashable, Status]
    log: tuple[tuple[Hashable, str], ...] = field(default=(), compare=False)
    # Cells as narrow before the table as after it (the earlier tables said it).
    inherited: tuple[Hashable, ...] = field(default=(), compare=False)


def protect(
    values: Mapping[Hashable, float],
    equations: list[Equation],
    threshold: int,
    *,
    changeable: set[Hashable],
    left_out: set[Hashable] = frozenset(),
    fixed: Mapping[Hashable, Status] | None = None,
    cost: Callable[[Hashable], tuple],
    forced: set[Hashable] = frozenset(),
    start: Mapping[Hashable, Status] | None = None,
) -> Protection:
    """Statuses for ``changeable`` cells (``values``: their true counts) that pass the audit.

    ``left_out``: changeable cells whose area has too few contributors. ``fixed``:
    statuses of already published cells (their shown values are in ``values``).
    ``cost`` orders candidates (cheapest first). ``forced``: shown cells the loop would
    hide first anyway (a year's count beside a single hidden quarter), hidden at once.
    ``start``: the changeable cells' statuses to begin from instead of the primary rules
    (a plan already safe on its own, now checked beside more tables: only what they
    would give away is hidden on top of it).
    """
    status: dict[Hashable, Status] = dict(fixed or {})
    for cell in changeable:
        value = values.get(cell, 0.0)
        if start is not None:
            status[cell] = start.get(cell, Status.SHOWN)
        elif cell in left_out:
            status[cell] = Status.LEFT_OUT
        elif 0 < value < threshold:
            status[cell] = Status.SMALL
        elif cell in forced and value != 0:
            status[cell] = Status.SECONDARY
        else:
            status[cell] = Status.SHOWN
    shown = {c: float(values.get(c, 0.0)) for c, s in status.items() if s is Status.SHOWN}
    system = System(status, shown, equations, threshold)
    # What the attacker knew before this table: its cells unknown, with no label.
    before = System(
        {**status, **dict.fromkeys(changeable, Status.LEFT_OUT)},
        {c: v for c, v in shown.items() if c not in changeable},
        equations,
        threshold,
    )
    log: list[tuple[Hashable, str]] = []
    inherited: list[Hashable] = []
    earlier: dict[Hashable, Interval] = {}
    # Hiding or leaving out a cell only widens every interval, so a cell once
    # protected stays protected, except one protected by being zero alone (it may
    # become 0 to 3): each round looks again at the cells that failed, the cells
    # newly hidden and those zeros whose proof a remedy touched. In one round every
    # failing cell gets a remedy unless an earlier remedy of the round touched what
    # pins it (that one may have freed it already): one solve per component and
    # round, not per cell.
    pending: set[Hashable] | None = None
    # A zero's proof is the equations and bounds its program used: it holds until
    # one of their cells changes status.
    zeros: dict[Hashable, set[Hashable] | None] = {}
    while True:
        found = system.intervals(pending, exact=False)
        violated = {c: iv for c, iv in found.items() if not is_protected(status[c], iv, threshold)}
        for c in found:
            zeros.pop(c, None)
        zeros |= {
            c: iv.pinned_by | {c} if iv.pinned_by else None  # no proof given: look every round
            for c, iv in found.items()
            if c not in violated and iv.exact and iv.high <= 0
        }
        if not violated:
            break
        if fixed:  # the earlier tables never change: each cell's "before" is solved once
            earlier |= before.intervals_of(set(violated) - set(earlier))
        touched: set[Hashable] = set()
        pending = set()
        for cell in sorted(violated, key=repr):
            interval = violated[cell]
            chain = interval.pinned_by
            if chain & touched:
                pending.add(cell)
                continue
            if fixed and earlier[cell].same_range(interval):
                # As narrow before this table as after: the earlier tables said it already.
                inherited.append(cell)
                continue
            changed = _remedy(system, values, cell, interval, changeable, cost, log)
            touched |= changed
            pending |= changed | {cell}
        pending |= {z for z, proof in zeros.items() if proof is None or proof & touched}
    return Protection({c: s for c, s in status.items() if c in changeable}, tuple(log),
                      tuple(inherited))  # fmt: skip


def _remedy(
    system: System,
    values: Mapping[Hashable, float],
    cell: Hashable,
    interval: Interval,
    changeable: set[Hashable],
    cost: Callable[[Hashable], tuple],
    log: list[tuple[Hashable, str]],
) -> set[Hashable]:
    """Hide one more cell (or leave one out) to widen ``cell``'s interval."""
    chain = interval.pinned_by
    if not chain:  # no certificate from the solver: look at every equation of the cell
        chain = {c for eq in system.equations if cell in eq.cells for c in eq.cells}
    status = system.status
    for pool in (chain - {cell}, _neighbours(system, chain | {cell}) - {cell}, {cell}):
        actions = [(c, _action(status[c], values.get(c, 0.0))) for c in pool if c in changeable]
        actions = [(c, a) for c, a in actions if a is not None]
        if actions:
            chosen, action = min(actions, key=lambda ca: (cost(ca[0]), ca[1] is Status.LEFT_OUT))
            status[chosen] = action
            system.shown.pop(chosen, None)
            verb = "hidden" if action is Status.SECONDARY else "left out"
            log.append((chosen, f"{verb} so that {cell} cannot be worked out"))
            return {chosen}
    raise ValueError(f"cannot protect {cell}: no cell of the new table is linked to it")


def _action(status: Status, value: float) -> Status | None:
    """What can still be done to a cell: hide a shown count, or leave a cell out."""
    if status is Status.SHOWN and value != 0:
        return Status.SECONDARY
    if status is Status.LEFT_OUT:
        return None
    # A zero cannot be "[c]" (at least 5), and a label cannot be taken back: leave it out.
    return Status.LEFT_OUT


def _neighbours(system: System, cells: set[Hashable]) -> set[Hashable]:
    return {c for x in cells for eq in system.equations_of(x) for c in eq.cells}
