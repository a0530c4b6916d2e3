"""The cells of the public tables and how they add up: what an attacker knows (SPEC §9).

Indicators share their counts: IND03's total is IND04's numerator and the
denominator of IND05 and IND06; IND05's numerator is IND03's CHILD row. Each
count is one *cell* (its data element and filters, from the catalogue, at one
area and period), so a count hidden in one row is hidden in every row showing it.

The *universe* of cells is what an attacker knows exists: every sensitive
quantity (every breakdown member) of every area in the area list, in every
period of the tables. A cell with no row is a zero (no data), unless it is
listed as left out. The *equations* are every additive relation between them:
breakdown members to their total, municipalities to their region, regions to the
country, a year's quarters to the year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from lct_pipeline.extracts.protection import Equation
from lct_pipeline.extracts.scope import QUARTER
from lct_pipeline.reference import TOTAL, Indicator, Operand, Reference

TOTAL_BREAKDOWN = "TOTAL"
LEVEL_RANK = {"MUNICIPALITY": 0, "REGION": 1, "NATIONAL": 2}

# A quantity: (source, quantity, filters), e.g. ("element", "VOT_ASSISTED", (("sex", "F"),)).
Quantity = tuple[str, str, tuple[tuple[str, str], ...]]
Period = tuple[str, str]  # (period, period_type): ("2013Q1", "Q") or ("2013", "Y")
# An earlier published version of a period's table is a period of its own to the
# attacker, "2013Q1@1": its cells add up like the current ones, but not into the year.
VERSION_MARK = "@"


def versioned(period: Period, version: int) -> Period:
    return (f"{period[0]}{VERSION_MARK}{version}", period[1])


def version_of(period: str) -> str:
    """The period a (versioned) period label is of: ``2013Q1@1`` -> ``2013Q1``."""
    return period.split(VERSION_MARK, 1)[0]


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
class Row:
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
                num, den = row_cells(Row(period, ptype, area, breakdown, member), indicator)
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
                    rows = [Row(period, ptype, area, dim, m) for m in members]
                    total = Row(period, ptype, area, TOTAL_BREAKDOWN, TOTAL)
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
    # Earlier versions are linked to the current ones by the cells that did not change
    # (``public.links``), not by the quarters-to-year sum: which quarter versions a kept
    # year was made from is not in its files.
    quarters = [p for p, t in periods if t == QUARTER and VERSION_MARK not in p]
    for cell in cells:
        if cell.period_type != QUARTER and VERSION_MARK not in cell.period:
            inside = [q for q in quarters if q.startswith(cell.period)]
            if inside:
                add(cell, [Cell(q, QUARTER, cell.area_code, cell.quantity) for q in inside])
    return sorted(found.values(), key=lambda eq: eq.terms)
