"""What an attacker can learn about hidden counts: protection intervals by linear programming.

The attacker of SPEC §9 holds every public table, knows which counts add up to
which (breakdown members to their total, areas to the area above, quarters to
the year) and reads the labels as bounds. Every hidden count is an unknown;
every shown count is a constant; each additive relation is a linear equation.
For each unknown the smallest and the largest value consistent with all of it
is one linear program each (HiGHS, through ``highspy``): that is
the *feasible interval* the attacker can narrow the count to, as the
statistical-disclosure literature (τ-ARGUS's audit) computes it.

A hidden count is protected when its interval says no more than its label:

- ``SMALL`` (shown as ``<5``): the label says 1 to threshold - 1; the interval
  must still be all of it.
- ``SECONDARY`` (``[c]``, a count of at least the threshold hidden to protect
  others) and ``LEFT_OUT`` (not published at all; any count from zero): the
  interval must hold at least ``threshold`` whole numbers, or cover the whole
  small range 1 to threshold - 1 (what a ``<5`` would say), or be zero alone
  (a count the published zeros force to zero: there is no victim to protect).

Unknowns that share no equation through other unknowns are independent, so
each connected component is solved on its own: small programs, however large
the network.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from enum import Enum
from functools import cached_property

import highspy
import numpy as np

_EPS = 1e-6
_NONE = np.empty(0, dtype=np.intp)
_PRIMAL_SIMPLEX = 4  # HiGHS's simplex_strategy option


class Status(Enum):
    SHOWN = "shown"
    SMALL = "small"  # <threshold
    SECONDARY = "secondary"  # [c]
    LEFT_OUT = "left out"


@dataclass(frozen=True)
class Equation:
    """``sum(coefficient × cell) == rhs`` over cells, which an attacker can write down."""

    terms: tuple[tuple[Hashable, float], ...]
    rhs: float = 0.0

    @classmethod
    def sum_of(cls, total: Hashable, parts: Iterable[Hashable]) -> Equation:
        return cls(((total, 1.0), *((p, -1.0) for p in parts)))

    @property
    def cells(self) -> tuple[Hashable, ...]:
        return tuple(c for c, _ in self.terms)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float  # math.inf when nothing bounds it from above
    # What pins it: the equations and the label bounds the two programs used.
    equations: tuple[Equation, ...] = ()
    bounds: tuple[Hashable, ...] = ()
    # False: not solved for, but two feasible solutions found for other cells already
    # give it this much room (the true interval is at least as wide).
    exact: bool = True

    @property
    def width(self) -> float:
        return self.high - self.low

    def same_range(self, other: Interval) -> bool:
        return (self.low, self.high) == (other.low, other.high)

    @cached_property
    def pinned_by(self) -> frozenset[Hashable]:
        """The cells of what pins it: its programs' equations and label bounds."""
        return frozenset(c for eq in self.equations for c, _ in eq.terms) | set(self.bounds)


def label_bounds(status: Status, threshold: int) -> tuple[float, float]:
    if status is Status.SMALL:
        return 1.0, float(threshold - 1)
    if status is Status.SECONDARY:
        return float(threshold), math.inf
    return 0.0, math.inf


def is_protected(
    status: Status, interval: Interval, threshold: int, *, zero_ok: bool = True
) -> bool:
    """Whether the whole numbers in ``interval`` say no more than the label (module doc).

    Every rule but one holds for any wider interval too; "zero alone" does not (a
    count forced to zero is no longer protected once it may be 1 to 3), so it is
    never used to judge an inner interval (``zero_ok=False``).
    """
    if status is Status.SHOWN:
        return True
    low, high = integer_interval(interval)
    small_range = low <= 1 and high >= threshold - 1
    if status is Status.SMALL:
        return small_range
    return high - low >= threshold - 1 or small_range or (zero_ok and high <= 0)


class InconsistentTables(ValueError):
    """The published tables contradict each other: no value of the hidden counts fits."""


@dataclass
class System:
    """The attacker's view: each cell's status, the shown cells' values, the equations."""

    status: dict[Hashable, Status]
    shown: dict[Hashable, float]  # the value of every SHOWN cell
    equations: list[Equation]
    threshold: int

    def __post_init__(self) -> None:
        self._by_cell: dict[Hashable, list[int]] = defaultdict(list)
        for i, eq in enumerate(self.equations):
            for c in eq.cells:
                self._by_cell[c].append(i)

    def is_unknown(self, cell: Hashable) -> bool:
        return self.status.get(cell, Status.SHOWN) is not Status.SHOWN

    def equations_of(self, cell: Hashable) -> list[Equation]:
        return [self.equations[i] for i in self._by_cell.get(cell, ())]

    def component(self, cell: Hashable) -> tuple[list[Hashable], list[Equation]]:
        """The unknowns linked to ``cell`` through equations, and those equations."""
        seen, todo, rows = {cell}, [cell], set()
        while todo:
            current = todo.pop()
            for i in self._by_cell.get(current, ()):
                if i in rows:
                    continue
                rows.add(i)
                for other in self.equations[i].cells:
                    if other not in seen and self.is_unknown(other):
                        seen.add(other)
                        todo.append(other)
        return sorted(seen, key=repr), [self.equations[i] for i in sorted(rows)]

    def intervals(
        self, cells: Iterable[Hashable] | None = None, *, exact: bool = True
    ) -> dict[Hashable, Interval]:
        """The feasible interval of every unknown (of ``cells`` only, if given).

        With ``exact=False`` a cell whose protection the solutions found for other
        cells already prove is not solved for (its interval is then inner, ``exact``
        False): the audit's pass or fail is the same, at a fraction of the programs.
        """
        todo = [c for c in (self.status if cells is None else cells) if self.is_unknown(c)]
        only = None if cells is None else set(todo)
        result: dict[Hashable, Interval] = {}
        for cell in sorted(todo, key=repr):
            if cell not in result:
                unknowns, equations = self.component(cell)
                result |= self._solve(unknowns, equations, only=only, skip_proven=not exact)
        return result

    def interval(self, cell: Hashable) -> Interval:
        """The feasible interval of one unknown (two linear programs on its component)."""
        return self.intervals_of([cell])[cell]

    def intervals_of(self, cells: Iterable[Hashable]) -> dict[Hashable, Interval]:
        """The exact intervals of ``cells`` only: one model per component they fall in."""
        wanted = {c for c in cells if self.is_unknown(c)}
        result: dict[Hashable, Interval] = {}
        for cell in sorted(wanted, key=repr):
            if cell not in result:
                unknowns, equations = self.component(cell)
                result |= self._solve(unknowns, equations, only=wanted & set(unknowns))
        return result

    def violations(self, cells: Iterable[Hashable] | None = None) -> dict[Hashable, Interval]:
        return {
            c: iv
            for c, iv in self.intervals(cells, exact=False).items()
            if not is_protected(self.status[c], iv, self.threshold)
        }

    def _solve(
        self,
        unknowns: list[Hashable],
        equations: list[Equation],
        only: set[Hashable] | None = None,
        skip_proven: bool = False,
    ) -> dict:
        model = _Columns(unknowns, equations, self.shown)
        bounds = [
            (max(lo for lo, _ in b), min(hi for _, hi in b))
            for b in ([label_bounds(self.status[c], self.threshold) for c in members]
                      for members in model.members)
        ]  # fmt: skip
        if any(lo > hi + _EPS for lo, hi in bounds):  # equal counts with labels that differ
            raise InconsistentTables("the published figures contradict each other")
        solver = _Solver(model.by_column, model.rhs, bounds) if model.rhs.size else None
        result = {}
        # The smallest and largest value of each column over the solutions seen so far.
        inner_low = np.full(len(bounds), np.inf)
        inner_high = np.full(len(bounds), -np.inf)

        def settled(wanted: list[Hashable], low: float, high: float) -> bool:
            # Protected on [low, high], so on any wider interval too: what pins the cell
            # (the programs' duals) is then never read. Only a narrow cell needs it (a
            # remedy, an audit's finding), or a zero (its proof).
            inner = Interval(low, high, exact=False)
            return all(is_protected(self.status[c], inner, self.threshold, zero_ok=False)
                       for c in wanted)  # fmt: skip

        for i, members in enumerate(model.members):
            wanted = [c for c in members if only is None or c in only]
            if not wanted:
                continue
            inner = float(inner_low[i]), float(inner_high[i])
            if skip_proven and inner[0] <= inner[1] and settled(wanted, *inner):
                result |= dict.fromkeys(wanted, Interval(*inner, exact=False))
                continue
            ends = []
            for sense, end in ((highspy.ObjSense.kMinimize, 0), (highspy.ObjSense.kMaximize, 1)):
                seen = inner_low[i] if end == 0 else inner_high[i]
                if solver is None or abs(seen - bounds[i][end]) < _EPS:
                    # A solution seen already reaches the label's bound (a zero of a count
                    # left out, mostly): that end is exact without a program of its own.
                    ends.append((bounds[i][end], _NONE, _NONE))
                    continue
                value, x, solution = solver.extreme(i, sense)
                pins = (_NONE, _NONE)
                if solution is not None:
                    np.minimum(inner_low, x, out=inner_low)
                    np.maximum(inner_high, x, out=inner_high)
                    low, high = (value, float(inner_high[i])) if end == 0 else (ends[0][0], value)
                    if not settled(wanted, low, high):
                        pins = _pins(solution)
                ends.append((value, *pins))
            (low, low_rows, low_cols), (high, high_rows, high_cols) = ends
            rows, columns = np.union1d(low_rows, high_rows), np.union1d(low_cols, high_cols)
            pinning = {*model.row_equations(rows), *model.equal[i]}
            for j in columns:
                pinning |= set(model.equal[j])
            ties = [c for j in {i, *columns.tolist()} for c in model.members[j]]
            for cell in wanted:
                result[cell] = Interval(
                    low,
                    high,
                    tuple(equations[r] for r in sorted(pinning)),
                    tuple(c for c in ties if c != cell),
                )
        return result


class _Columns:
    """A component's linear program, one column per unknown, except that unknowns an
    equation says are equal (``x - y = 0``: a count linking two versions of a table,
    a total with a single part) share one: a year held beside its quarters' published
    versions has half the columns, and half the programs, it would have otherwise."""

    def __init__(
        self, unknowns: list[Hashable], equations: list[Equation], shown: dict[Hashable, float]
    ) -> None:
        index = {c: i for i, c in enumerate(unknowns)}
        parent = list(range(len(unknowns)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = i = parent[parent[i]]
            return i

        rows: list[tuple[int, dict[int, float], float]] = []
        equal: list[tuple[int, int, int]] = []  # (equation, unknown, unknown)
        for r, eq in enumerate(equations):
            constant, terms = eq.rhs, defaultdict(float)
            for cell, coef in eq.terms:
                if cell in index:
                    terms[index[cell]] += coef
                else:
                    constant -= coef * shown.get(cell, 0.0)
            pair = list(terms.items())
            if len(pair) == 2 and pair[0][1] == -pair[1][1] != 0 and abs(constant) < _EPS:
                (a, _), (b, _) = pair
                equal.append((r, a, b))
                ra, rb = root(a), root(b)
                parent[max(ra, rb)] = min(ra, rb)
            else:
                rows.append((r, terms, constant))
        roots = sorted({root(i) for i in range(len(unknowns))})
        column = {r: k for k, r in enumerate(roots)}
        self.members: list[list[Hashable]] = [[] for _ in roots]
        for i, cell in enumerate(unknowns):
            self.members[column[root(i)]].append(cell)
        self.equal: list[list[int]] = [[] for _ in roots]  # each column's "equal to" equations
        for r, a, _ in equal:
            self.equal[column[root(a)]].append(r)
        self.by_column: list[list[tuple[int, float]]] = [[] for _ in roots]
        self._row_equation: list[int] = []
        rhs: list[float] = []
        for r, terms, constant in rows:
            merged: dict[int, float] = defaultdict(float)
            for i, coef in terms.items():
                merged[column[root(i)]] += coef
            merged = {k: v for k, v in merged.items() if v != 0}
            if not merged:
                if abs(constant) > _EPS:
                    raise InconsistentTables("the published figures contradict each other")
                continue
            for k, coef in merged.items():
                self.by_column[k].append((len(rhs), coef))
            self._row_equation.append(r)
            rhs.append(constant)
        self.rhs = np.array(rhs, dtype=float)

    def row_equations(self, rows: np.ndarray) -> list[int]:
        return [self._row_equation[j] for j in rows]


class _Solver:
    """One component's linear program in HiGHS, solved again for each objective.

    Only the objective changes between solves, so HiGHS starts each from the last
    basis: a few iterations instead of a fresh solve. ``highspy._Highs`` is the
    plain binding (``highspy.Highs`` adds callbacks and prints a banner on stdout).
    """

    def __init__(self, by_column: list[list[tuple[int, float]]], rhs, bounds) -> None:
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(by_column), len(rhs)
        lp.col_cost_ = np.zeros(len(by_column))
        lp.col_lower_ = np.array([lo for lo, _ in bounds])
        lp.col_upper_ = np.array([highspy.kHighsInf if math.isinf(hi) else hi for _, hi in bounds])
        lp.row_lower_ = lp.row_upper_ = np.asarray(rhs, dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.cumsum([0] + [len(col) for col in by_column])
        lp.a_matrix_.index_ = np.array([r for col in by_column for r, _ in col], dtype=np.int32)
        lp.a_matrix_.value_ = np.array([v for col in by_column for _, v in col], dtype=float)
        self.n = len(by_column)
        self.highs = highspy._Highs()
        self.highs.setOptionValue("output_flag", False)
        # Primal simplex: a new objective leaves the last basis primal feasible, so
        # each program starts where the last ended (35 iterations on a national year's
        # component, against 2,000 for the default dual simplex, which starts over).
        self.highs.setOptionValue("simplex_strategy", _PRIMAL_SIMPLEX)
        self.highs.passModel(lp)
        self.current: int | None = None

    def extreme(
        self, i: int, sense
    ) -> tuple[float, np.ndarray | None, highspy.HighsSolution | None]:
        """The cell's smallest or largest value, the values found, and HiGHS's solution
        with its duals (both None when unbounded)."""
        highs = self.highs
        if self.current != i:
            # Two costs changed, not the whole vector: HiGHS checks every cost it is given.
            if self.current is not None:
                highs.changeColCost(self.current, 0.0)
            highs.changeColCost(i, 1.0)
            self.current = i
        highs.changeObjectiveSense(sense)
        highs.run()
        status = highs.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            raise InconsistentTables("the published figures contradict each other")
        if status in (
            highspy.HighsModelStatus.kUnbounded,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            return math.inf, None, None
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"linear program failed: {highs.modelStatusToString(status)}")
        solution = highs.getSolution()
        value = _round(highs.getInfo().objective_function_value)
        return value, np.asarray(solution.col_value), solution


def _pins(solution: highspy.HighsSolution) -> tuple[np.ndarray, np.ndarray]:
    """The rows and columns whose duals pin a program's optimum (indices).

    Read only when asked: each dual vector is copied into a Python list first.
    """
    # In numpy: a national year's component has thousands of rows, and a Python loop
    # over each program's duals cost more than HiGHS solving it.
    equations = np.flatnonzero(np.abs(np.asarray(solution.row_dual)) > 1e-9)
    used = np.flatnonzero(np.abs(np.asarray(solution.col_dual)) > 1e-9)
    return equations, used


def _round(value: float) -> float:
    # Counts are whole: an attacker rounds inwards; HiGHS's 1e-9 noise must not.
    nearest = round(value)
    return float(nearest) if abs(value - nearest) < _EPS else value


def integer_interval(interval: Interval) -> tuple[int, float]:
    """The whole numbers an interval allows: (first, last or inf)."""
    low = math.ceil(interval.low - _EPS)
    high = interval.high if math.isinf(interval.high) else math.floor(interval.high + _EPS)
    return low, high
