"""The audit before publishing: the attacker of SPEC §9, reading only public files.

It reads what anyone can download (the public indicator tables of every
period it is given, their lists of areas left out) and what anyone knows (the
area list and the catalogue's formulas, printed on the definitions sheet). It
writes down every equation between the published cells (``public.equations``,
plus each shown ratio or achievement whose count is hidden) and reads each
label as bounds: ``<5`` is 1 to 4, ``[c]`` at least 5, a left-out cell at least
0, a missing breakdown row of a published area zero. Then, for every hidden
cell, two linear programs give the interval it can be narrowed to
(``protection``); a cell narrower than its label allows is a finding, with the
published figures that pin it.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from lct_pipeline.extracts.cells import (
    LEVEL_RANK,
    Cell,
    Period,
    equations,
    figure_name,
    row_cells,
    universe,
)
from lct_pipeline.extracts.protection import (
    Equation,
    InconsistentTables,
    Interval,
    Status,
    System,
    integer_interval,
    is_protected,
)
from lct_pipeline.extracts.public import ALL_FIGURES, HIDDEN
from lct_pipeline.reference import Reference

_SMALL = re.compile(r"^<\s*\d+$")
LABELS = {Status.SMALL: "<{t}", Status.SECONDARY: HIDDEN, Status.LEFT_OUT: "left out"}


@dataclass(frozen=True)
class PublicTable:
    """One period's public indicator table and its list of areas left out, as published."""

    period: Period
    indicators: pd.DataFrame
    left_out: pd.DataFrame

    @classmethod
    def from_csv(
        cls, indicators: bytes, left_out: bytes, period: Period | None = None
    ) -> PublicTable:
        def read(data: bytes) -> pd.DataFrame:
            text = data.decode("utf-8-sig")
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)

        frame, areas = read(indicators), read(left_out)
        periods = {(p, t) for p, t in zip(frame["period"], frame["period_type"], strict=True)}
        if not periods and period is not None:
            periods = {period}  # a table with no rows (a quarter without data)
        if len(periods) != 1 or (period is not None and periods != {period}):
            raise ValueError(f"a public indicator table holds one period, not {sorted(periods)}")
        return cls(periods.pop(), frame, areas)


@dataclass(frozen=True)
class Finding:
    cell: Cell
    label: str
    interval: Interval
    chain: str


@dataclass(frozen=True)
class AuditResult:
    threshold: int
    status: dict[Cell, Status]
    intervals: dict[Cell, Interval]
    findings: list[Finding]
    error: str | None = None  # the tables contradict each other
    # Narrow already before the newest table: the earlier tables said it, not this one.
    inherited: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.error is None and not self.findings

    def label(self, cell: Cell) -> str:
        return LABELS.get(self.status[cell], "").format(t=self.threshold)

    def table(self) -> pd.DataFrame:
        """Every hidden cell with the whole numbers an attacker can narrow it to (``exact``
        False: at least this many, proven by two solutions found for other cells)."""
        lines = []
        for cell in sorted(self.intervals):
            low, high = integer_interval(self.intervals[cell])
            lines.append(
                {
                    "period": cell.period,
                    "area_code": cell.area_code,
                    "figure": figure_name(cell.quantity),
                    "label": self.label(cell),
                    "lowest": low,
                    "highest": "no limit" if math.isinf(high) else int(high),
                    "protected": is_protected(self.status[cell], self.intervals[cell],
                                              self.threshold),
                    "exact": self.intervals[cell].exact,
                }
            )  # fmt: skip
        return pd.DataFrame(lines)


def _parse(text: str) -> Status | float | None:
    text = (text or "").strip()
    if not text:
        return None
    if text == HIDDEN:
        return Status.SECONDARY
    if _SMALL.match(text):
        return Status.SMALL
    return float(text)


@dataclass
class Reading:
    """What the files say: every cell's status, the shown values, the equations that a
    shown ratio or achievement adds, and any cell two files disagree on."""

    status: dict[Cell, Status]
    shown: dict[Cell, float]
    extra: list[Equation]
    conflicts: list[str]


def read_tables(tables: list[PublicTable], reference: Reference) -> Reading:
    """Each label read as the attacker reads it (module doc)."""
    periods = [t.period for t in tables]
    cells = universe(reference, periods)
    names = {figure_name(c.quantity) for c in cells}
    left: set[tuple[str, str, str, str]] = set()
    for table in tables:
        for row in table.left_out.itertuples(index=False):
            if row.figure != ALL_FIGURES and row.figure not in names:
                raise ValueError(f"the list of figures left out names an unknown {row.figure}")
            left.add((row.period, row.period_type, row.area_code, row.figure))

    def is_left_out(c: Cell) -> bool:
        return (*c.area, ALL_FIGURES) in left or (*c.area, figure_name(c.quantity)) in left

    status = {c: Status.LEFT_OUT if is_left_out(c) else Status.SHOWN for c in cells}
    shown = {c: 0.0 for c, s in status.items() if s is Status.SHOWN}
    extra: list[Equation] = []
    conflicts: list[str] = []
    seen_value: dict[Cell, float] = {}

    def see(cell: Cell | None, text: str) -> None:
        if cell is None or cell not in status:
            return
        label = _parse(text)
        if isinstance(label, Status):
            if status[cell] is Status.SHOWN and cell not in seen_value:
                status[cell] = label
                shown.pop(cell, None)
        elif isinstance(label, float):
            if cell in seen_value and abs(seen_value[cell] - label) > 1e-6:
                conflicts.append(f"{cell!r} is {seen_value[cell]:g} and {label:g}")
            seen_value[cell] = label
            status[cell] = Status.SHOWN
            shown[cell] = label

    for table in tables:
        for row in table.indicators.itertuples(index=False):
            indicator = reference.indicators.get(row.indicator_code)
            if indicator is None or not indicator.sensitive or row.area_level not in LEVEL_RANK:
                continue
            num, den = row_cells(row, indicator)
            see(num, row.numerator)
            if den is None:
                see(num, row.value)
            else:
                see(den, row.denominator)
            known = _known_value(row)
            if known is not None:
                if den is None:
                    extra.append(Equation(((num, 1.0),), known))
                else:
                    extra.append(Equation(((num, indicator.multiplier), (den, -known))))
    return Reading(status, shown, extra, conflicts)


def audit(
    tables: Iterable[PublicTable],
    reference: Reference,
    threshold: int,
    *,
    exact: bool = False,
    links: Iterable[Equation] = (),
) -> AuditResult:
    """The feasible interval of every hidden cell of ``tables``, and the findings.

    With ``exact`` every interval is solved for; without, a cell whose protection the
    solutions found for other cells prove is reported with that (inner) interval.
    Findings are the same either way, and always exact. ``links``: what the attacker
    knows between an earlier version of a table and the current one (the cells that
    did not change, ``public.links``).
    """
    tables = list(tables)
    periods = [t.period for t in tables]
    reading = read_tables(tables, reference)
    status, shown, extra, conflicts = (
        reading.status, reading.shown, reading.extra + list(links), reading.conflicts
    )  # fmt: skip
    system = System(status, shown, equations(reference, periods) + extra, threshold)
    hidden_status = {c: s for c, s in status.items() if s is not Status.SHOWN}
    if conflicts:
        return AuditResult(threshold, hidden_status, {}, [], "; ".join(conflicts))
    try:
        intervals = system.intervals(exact=exact)
    except InconsistentTables as error:
        return AuditResult(threshold, hidden_status, {}, [], str(error))
    result = AuditResult(threshold, hidden_status, intervals, [])
    findings = [
        Finding(cell, result.label(cell), iv, _chain(result, system, cell, iv))
        for cell, iv in sorted(intervals.items())
        if not is_protected(status[cell], iv, threshold)
    ]
    # The newest table (the last) is judged against what the others said before it.
    newest = set(universe(reference, periods[-1:]))
    before = System(
        {**status, **dict.fromkeys(newest, Status.LEFT_OUT)},
        {c: v for c, v in shown.items() if c not in newest},
        system.equations,
        threshold,
    )
    earlier = before.intervals_of([f.cell for f in findings]) if len(tables) > 1 else {}
    inherited = [
        f for f in findings if f.cell in earlier and earlier[f.cell].same_range(f.interval)
    ]
    findings = [f for f in findings if f not in inherited]
    return AuditResult(threshold, hidden_status, intervals, findings, None, inherited)


def _known_value(row) -> float | None:
    """A shown value (or achievement × expected to date) of a row whose count is hidden."""
    parts = [_parse(row.numerator)]
    if hasattr(row, "denominator"):
        parts.append(_parse(row.denominator))
    if not any(isinstance(p, Status) for p in parts):
        return None
    value = _parse(row.value)
    if isinstance(value, float):
        return value
    achievement, expected = _parse(row.achievement), _parse(row.expected_to_date)
    if isinstance(achievement, float) and isinstance(expected, float):
        return achievement * expected
    return None


def _chain(result: AuditResult, system: System, cell: Cell, interval: Interval) -> str:
    """The published figures and labels that pin ``cell``, as a person reads them."""

    def term(c: Cell) -> str:
        if c in result.status:
            return f"{c!r} ({result.label(c)})"
        return f"{c!r} ({system.shown.get(c, 0.0):g})"

    low, high = integer_interval(interval)
    lines = [f"{cell!r} ({result.label(cell)}) can only be {low} to {high}:"]
    for eq in interval.equations:
        if len(eq.terms) > 1 and all(abs(k) == 1 for _, k in eq.terms) and eq.rhs == 0:
            total, *parts = eq.cells
            lines.append(f"  {term(total)} = " + " + ".join(term(p) for p in parts))
        else:
            lines.append(
                "  " + " + ".join(f"{k:g} × {term(c)}" for c, k in eq.terms) + f" = {eq.rhs:g}"
            )
    for c in interval.bounds:
        lines.append(f"  with {term(c)} read as bounds")
    return "\n".join(lines)
