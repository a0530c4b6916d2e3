"""The public indicator tables: no ORG rows, and victims' counts protected (SPEC §9).

Indicators share their counts: IND03's total is IND04's numerator and the
denominator of IND05 and IND06; IND05's numerator is IND03's CHILD row. Each
count is one *cell* (its data element and filters, from the catalogue, at one
area and period), so a count hidden in one row is hidden in every row showing it.

The *universe* of cells is what an attacker knows exists: every sensitive
quantity (every breakdown member) of every area in the area list, in every
period of the tables. A cell with no row is a zero (no data), unless its area is
listed as left out. The *equations* are every additive relation between them:
breakdown members to their total, municipalities to their region, regions to the
country, a year's quarters to the year. ``suppression`` chooses what to hide;
``audit`` checks the files that result.

Tables are protected in the order they are published: each quarter on its own
(a quarter's tables share no sum with another quarter's), then its year with the
four quarters as they were published.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from lct_pipeline.extracts.protection import Equation, Status
from lct_pipeline.extracts.scope import QUARTER, Scope
from lct_pipeline.extracts.suppression import Protection, protect
from lct_pipeline.reference import TOTAL, Indicator, Operand, Reference

HIDDEN = "[c]"
TOTAL_BREAKDOWN = "TOTAL"
MARKED_COLUMNS = ("numerator", "denominator", "value", "achievement", "rag")
DEFAULT_MIN_CONTRIBUTORS = 3
LEVEL_RANK = {"MUNICIPALITY": 0, "REGION": 1, "NATIONAL": 2}
LEFT_OUT_FEW = "fewer than {n} CSOs reported values for the period"
LEFT_OUT_PROTECT = "left out so that hidden counts cannot be worked out"
ALL_FIGURES = "all"  # the figure column of an area left out whole

# A quantity: (source, quantity, filters), e.g. ("element", "VOT_ASSISTED", (("sex", "F"),)).
Quantity = tuple[str, str, tuple[tuple[str, str], ...]]
Period = tuple[str, str]  # (period, period_type): ("2013Q1", "Q") or ("2013", "Y")


@dataclass(frozen=True, order=True)
class Cell:
    period: str
    period_type: str
    area_code: str
    quantity: Quantity
    # Cells are dictionary keys in every step of the audit: hash the fields once.
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fields = (self.period, self.period_type, self.area_code, self.quantity)
        object.__setattr__(self, "_hash", hash(fields))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self):
        # String hashes differ between processes: a pickled cell hashes itself anew.
        return (Cell, (self.period, self.period_type, self.area_code, self.quantity))

    @property
    def area(self) -> tuple[str, str, str]:
        """The unit that is left out whole: an area in a period."""
        return (self.period, self.period_type, self.area_code)

    def __repr__(self) -> str:
        return f"{self.area_code} {figure_name(self.quantity)} {self.period}"


def figure_name(q: Quantity) -> str:
    """How a count is named in the tables: ``VOT_ASSISTED[sex=F]``."""
    return q[1] + "".join(f"[{d}={m}]" for d, m in q[2])


def primary_mark(threshold: int) -> str:
    return f"<{threshold}"


def quantity(operand: Operand, breakdown: str, breakdown_value: str) -> Quantity:
    filters = set(operand.where)
    if breakdown != TOTAL_BREAKDOWN:
        filters.add((breakdown, breakdown_value))
    return (operand.source, operand.quantity, tuple(sorted(filters)))


def row_cells(row, indicator: Indicator) -> tuple[Cell, Cell | None]:
    """The numerator cell of an indicator row, and its denominator cell for a ratio."""

    def cell(operand: Operand) -> Cell:
        q = quantity(operand, row.breakdown, row.breakdown_value)
        return Cell(row.period, row.period_type, row.area_code, q)

    den = cell(indicator.denominator) if indicator.denominator is not None else None
    return cell(indicator.numerator), den


@dataclass(frozen=True)
class _Row:
    period: str
    period_type: str
    area_code: str
    breakdown: str
    breakdown_value: str


def sensitive_rows(reference: Reference) -> list[tuple[Indicator, str, str]]:
    """(indicator, breakdown, member) of every sensitive indicator row an area can have."""
    out = []
    for indicator in reference.indicators.values():
        if not indicator.sensitive:
            continue
        out.append((indicator, TOTAL_BREAKDOWN, TOTAL))
        for dim in indicator.breakdowns:
            out += [(indicator, dim, m) for m in reference.dimensions[dim].members]
    return out


def public_areas(reference: Reference) -> list[str]:
    return sorted(code for code, area in reference.areas.items() if area.level in LEVEL_RANK)


def universe(reference: Reference, periods: Iterable[Period]) -> set[Cell]:
    cells: set[Cell] = set()
    for period, ptype in periods:
        for area in public_areas(reference):
            for indicator, breakdown, member in sensitive_rows(reference):
                num, den = row_cells(_Row(period, ptype, area, breakdown, member), indicator)
                cells.add(num)
                if den is not None:
                    cells.add(den)
    return cells


def equations(reference: Reference, periods: list[Period]) -> list[Equation]:
    """Every additive relation an attacker can write between the cells of ``periods``."""
    found: dict[frozenset, Equation] = {}

    def add(total: Cell, parts: Iterable[Cell]) -> None:
        parts = sorted(set(parts))
        if parts and parts != [total]:
            found.setdefault(frozenset([total, *parts]), Equation.sum_of(total, parts))

    for period, ptype in periods:
        for area in public_areas(reference):
            for indicator in reference.indicators.values():
                if not indicator.sensitive:
                    continue
                for dim in indicator.breakdowns:
                    members = reference.dimensions[dim].members
                    rows = [_Row(period, ptype, area, dim, m) for m in members]
                    total = _Row(period, ptype, area, TOTAL_BREAKDOWN, TOTAL)
                    for side in (0, 1):
                        cells = [row_cells(r, indicator)[side] for r in rows]
                        if cells[0] is not None:
                            add(row_cells(total, indicator)[side], cells)
    cells = universe(reference, periods)
    children: dict[Cell, list[Cell]] = defaultdict(list)
    for cell in cells:
        parent = reference.areas[cell.area_code].parent
        if parent is not None:
            children[Cell(cell.period, cell.period_type, parent, cell.quantity)].append(cell)
    for total, parts in children.items():
        add(total, parts)
    quarters = [p for p, t in periods if t == QUARTER]
    for cell in cells:
        if cell.period_type != QUARTER:
            inside = [q for q in quarters if q.startswith(cell.period)]
            if inside:
                add(cell, [Cell(q, QUARTER, cell.area_code, cell.quantity) for q in inside])
    return sorted(found.values(), key=lambda eq: eq.terms)


def true_values(rows: pd.DataFrame, reference: Reference) -> dict[Cell, float]:
    """Each sensitive cell's count, from the (internal) indicator rows."""
    values: dict[Cell, float] = {}

    def put(cell: Cell, value: object) -> None:
        if pd.isna(value):
            return
        value = float(value)
        if cell in values and abs(values[cell] - value) > 1e-9:
            raise ValueError(
                f"{cell!r} is {values[cell]:g} in one indicator row and {value:g} in another;"
                " the indicator values disagree, so the public extract cannot be made safe"
            )
        values[cell] = value

    for row in rows.itertuples(index=False):
        indicator = reference.indicators.get(row.indicator_code)
        if indicator is None or not indicator.sensitive or row.area_level not in LEVEL_RANK:
            continue
        num, den = row_cells(row, indicator)
        if den is None:
            put(num, row.value if pd.notna(row.value) else row.numerator)
        else:
            put(num, row.numerator)
            put(den, row.denominator)
    return values


def contributors(
    completeness: pd.DataFrame, quarters: Iterable[str], reference: Reference
) -> dict[str, int]:
    """Per area: how many CSOs reported values (an accepted values file) in ``quarters``."""
    rows = completeness[
        (completeness["area_level"] == "ORG")
        & completeness["period"].isin(list(quarters))
        & (completeness["received"] > 0)
    ]
    by_area: dict[str, set[str]] = defaultdict(set)
    for org in set(rows["area_code"]):
        if org in reference.organisations:
            for area in reference.area_chain(org):
                by_area[area.code].add(org)
    return {area: len(orgs) for area, orgs in by_area.items()}


@dataclass(frozen=True)
class Plan:
    """What the public tables of a scope show: every cell's status, and why."""

    threshold: int
    min_contributors: int
    periods: tuple[Period, ...]  # the scope's period last; earlier ones are a year's quarters
    status: Mapping[Cell, Status]
    values: Mapping[Cell, float]
    # (period, period_type, area) of an area left out whole, or one Cell -> reason
    left_out: Mapping[tuple[str, str, str] | Cell, str]
    log: tuple = ()

    def of(self, cell: Cell) -> Status:
        return self.status.get(cell, Status.SHOWN)

    def counts(self, period: Period, reference: Reference) -> pd.DataFrame:
        """Sensitive cells published, hidden and left out, nationally and by region."""
        lines = []
        for area in public_areas(reference):
            level = reference.areas[area].level
            if level == "MUNICIPALITY":
                continue
            cells = [
                c
                for c in self.status
                if (c.period, c.period_type) == period
                and (c.area_code == area or _region_of(c.area_code, reference) == area)
            ]
            statuses = [self.status[c] for c in cells]
            lines.append(
                {
                    "area_level": level,
                    "area_code": area,
                    "published": sum(s is Status.SHOWN for s in statuses),
                    "hidden": sum(s in (Status.SMALL, Status.SECONDARY) for s in statuses),
                    "left_out": sum(s is Status.LEFT_OUT for s in statuses),
                }
            )
        lines.sort(key=lambda r: (-LEVEL_RANK[r["area_level"]], r["area_code"]))
        return pd.DataFrame(lines, columns=["area_level", "area_code", "published", "hidden",
                                            "left_out"])  # fmt: skip


def _region_of(area: str, reference: Reference) -> str | None:
    parent = reference.areas[area].parent
    return parent if parent and reference.areas[parent].level == "REGION" else None


def plan_scope(
    rows: pd.DataFrame,
    completeness: pd.DataFrame,
    scope: Scope,
    reference: Reference,
    threshold: int,
    min_contributors: int = DEFAULT_MIN_CONTRIBUTORS,
) -> Plan:
    """Protect the scope's table; a year's after its quarters' (each on its own)."""
    values = true_values(rows, reference)
    status: dict[Cell, Status] = {}
    left_out: dict[tuple[str, str, str], str] = {}
    log: list = []
    periods: list[Period] = []
    steps = [((q, QUARTER), (q,)) for q in scope.quarters] if scope.period_type != QUARTER else []
    steps.append(((scope.label, scope.period_type), scope.quarters))
    for period, quarters in steps:
        periods.append(period)
        changeable = universe(reference, [period])
        few = {
            area
            for area, n in contributors(completeness, quarters, reference).items()
            if area in reference.areas and n < min_contributors
        }
        reason = LEFT_OUT_FEW.format(n=min_contributors)
        left_out |= {(*period, area): reason for area in sorted(few)}

        def cost(cell: Cell) -> tuple:
            level = LEVEL_RANK[reference.areas[cell.area_code].level]
            # Totals last, the country last of all: they are the figures readers need most.
            return (not cell.quantity[2], level, values.get(cell, 0.0), cell)

        protection: Protection = protect(
            values,
            equations(reference, periods),
            threshold,
            changeable=changeable,
            left_out={c for c in changeable if c.area_code in few},
            fixed=status,
            cost=cost,
            forced=_beside_one_hidden(changeable, quarters, status, values, period),
        )
        status |= protection.status
        log += protection.log
        _unseen(status, changeable, reference, period)
        for cell in changeable:
            if status[cell] is Status.LEFT_OUT and cell.area not in left_out:
                left_out[cell] = LEFT_OUT_PROTECT
    return Plan(threshold, min_contributors, tuple(periods), status, values, left_out, tuple(log))


def _beside_one_hidden(
    changeable: set[Cell],
    quarters: tuple[str, ...],
    status: Mapping[Cell, Status],
    values: Mapping[Cell, float],
    period: Period,
) -> set[Cell]:
    """A year's counts that are the sum of published quarters with exactly one of them
    hidden: shown, they would give that one away (year minus the other quarters)."""
    if period[1] == QUARTER:
        return set()
    forced = set()
    for cell in changeable:
        parts = [Cell(q, QUARTER, cell.area_code, cell.quantity) for q in quarters]
        hidden = [p for p in parts if status.get(p, Status.SHOWN) is not Status.SHOWN]
        if len(hidden) == 1 and values.get(hidden[0], 0.0) != 0:
            forced.add(cell)
    return forced


def _unseen(
    status: dict[Cell, Status], changeable: set[Cell], reference: Reference, period: Period
) -> list[Cell]:
    """Cells whose every row is left out with another cell (IND04's denominator when its
    numerator is left out): an attacker would read them as zero, so they are left out too.
    Leaving out only widens what an attacker can say, so the audit still holds."""
    found: list[Cell] = []
    changed = True
    while changed:
        changed = False
        visible: set[Cell] = set()
        for area in public_areas(reference):
            for indicator, breakdown, member in sensitive_rows(reference):
                row = _Row(*period, area, breakdown, member)
                cells = [c for c in row_cells(row, indicator) if c is not None]
                if all(status.get(c, Status.SHOWN) is not Status.LEFT_OUT for c in cells):
                    visible |= set(cells)
        for cell in changeable:
            if cell not in visible and status.get(cell) is not Status.LEFT_OUT:
                status[cell] = Status.LEFT_OUT
                found.append(cell)
                changed = True
    return found


def publish_indicators(rows: pd.DataFrame, plan: Plan, reference: Reference) -> pd.DataFrame:
    """``rows`` (indicator_values columns) as published: no ORG rows, sensitive cells marked,
    the sensitive rows of left-out areas removed."""
    rows = rows[rows["area_level"] != "ORG"].reset_index(drop=True)
    sensitive = {code for code, ind in reference.indicators.items() if ind.sensitive}
    is_sensitive = rows["indicator_code"].isin(sensitive)
    shown = {c: rows[c].astype(object).tolist() for c in MARKED_COLUMNS}
    keep = [True] * len(rows)

    def mark(cell: Cell) -> str:
        return primary_mark(plan.threshold) if plan.of(cell) is Status.SMALL else HIDDEN

    def hide(i: int, column: str, text: str) -> None:
        if pd.notna(shown[column][i]):
            shown[column][i] = text

    for i, row in zip(
        rows.index[is_sensitive], rows[is_sensitive].itertuples(index=False), strict=True
    ):
        num, den = row_cells(row, reference.indicators[row.indicator_code])
        if Status.LEFT_OUT in (plan.of(num), plan.of(den) if den else None):
            keep[i] = False
            continue
        hidden = False
        if plan.of(num) is not Status.SHOWN:
            hide(i, "numerator", mark(num))
            hidden = True
        if den is not None and plan.of(den) is not Status.SHOWN:
            hide(i, "denominator", mark(den))
            hidden = True
        if hidden:
            # A count's own value is its numerator; a ratio's would reveal the hidden side.
            hide(i, "value", mark(num) if den is None else HIDDEN)
            hide(i, "achievement", HIDDEN)
            hide(i, "rag", HIDDEN)
    out = rows.assign(**{c: pd.Series(v, index=rows.index, dtype=object) for c, v in shown.items()})
    return out[pd.Series(keep, index=out.index, dtype=bool)].reset_index(drop=True)


def left_out_table(plan: Plan, period: Period, reference: Reference) -> pd.DataFrame:
    """The figures on victims the public table of ``period`` leaves out, and why."""
    lines = []
    for key, reason in plan.left_out.items():
        if isinstance(key, Cell):
            where, area, figure = (
                (key.period, key.period_type),
                key.area_code,
                figure_name(key.quantity),
            )
        else:
            where, area, figure = key[:2], key[2], ALL_FIGURES
        if where != period:
            continue
        lines.append(
            {
                "period": period[0],
                "period_type": period[1],
                "area_level": reference.areas[area].level,
                "area_code": area,
                "area_name": reference.areas[area].name,
                "figure": figure,
                "reason": reason,
            }
        )
    lines.sort(key=lambda r: (-LEVEL_RANK[r["area_level"]], r["area_code"], r["figure"]))
    columns = ["period", "period_type", "area_level", "area_code", "area_name", "figure", "reason"]
    return pd.DataFrame(lines, columns=columns)
