"""The public indicator table: no ORG rows, and sensitive counts suppressed (SPEC §9).

Indicators share their counts: IND03's total is IND04's numerator and the
denominator of IND05 and IND06; IND05's numerator is IND03's CHILD row. Each
count is therefore one cell of ``suppression`` (named by its data element and
filters, from the catalogue), so a count hidden in one row is hidden in every
row that shows it.

Shown instead of a hidden value: ``<5`` for a count from 1 to threshold - 1 (the
text follows the threshold), ``[c]`` (confidential) for a cell hidden so that a
small count cannot be worked out from the totals, and for a ratio, achievement
or RAG that would reveal a hidden count.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from lct_pipeline.extracts.suppression import Cell, Quantity, Relation, Suppression, suppress
from lct_pipeline.reference import Indicator, Operand, Reference

HIDDEN = "[c]"
TOTAL_BREAKDOWN = "TOTAL"
MARKED_COLUMNS = ("numerator", "denominator", "value", "achievement", "rag")


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


def _cell_values(rows: pd.DataFrame, reference: Reference) -> dict[Cell, float]:
    values: dict[Cell, float] = {}

    def put(cell: Cell, value: object) -> None:
        if pd.isna(value):
            return
        value = float(value)
        if cell in values and abs(values[cell] - value) > 1e-9:
            raise ValueError(
                f"{cell} is {values[cell]:g} in one indicator row and {value:g} in another;"
                " the indicator values disagree, so the public extract cannot be made safe"
            )
        values[cell] = value

    for row in rows.itertuples(index=False):
        indicator = reference.indicators[row.indicator_code]
        num, den = row_cells(row, indicator)
        if den is None:
            put(num, row.value if pd.notna(row.value) else row.numerator)
        else:
            put(num, row.numerator)
            put(den, row.denominator)
    return values


def _relations(rows: pd.DataFrame, values: dict[Cell, float], reference: Reference) -> set:
    relations: set[Relation] = set()
    # Breakdown groups: the members of one breakdown add up to the total.
    groups: dict[tuple[Cell, str], set[Cell]] = defaultdict(set)
    for row in rows[rows["breakdown"] != TOTAL_BREAKDOWN].itertuples(index=False):
        indicator = reference.indicators[row.indicator_code]
        part, _ = row_cells(row, indicator)
        total = Cell(
            row.period,
            row.period_type,
            row.area_code,
            quantity(indicator.numerator, TOTAL_BREAKDOWN, ""),
        )
        groups[(total, row.breakdown)].add(part)
    relations |= {Relation(total, tuple(sorted(parts))) for (total, _), parts in groups.items()}
    # Levels: the municipalities of a region add up to it, the regions to the country.
    children: dict[Cell, set[Cell]] = defaultdict(set)
    for cell in values:
        area = reference.areas.get(cell.area_code)
        if area is not None and area.parent is not None:
            children[Cell(cell.period, cell.period_type, area.parent, cell.quantity)].add(cell)
    relations |= {Relation(total, tuple(sorted(parts))) for total, parts in children.items()}
    return relations


def publish_indicators(
    rows: pd.DataFrame, reference: Reference, threshold: int
) -> tuple[pd.DataFrame, Suppression]:
    """``rows`` (indicator_values columns) without ORG rows and with sensitive cells hidden."""
    rows = rows[rows["area_level"] != "ORG"].reset_index(drop=True)
    sensitive = {code for code, ind in reference.indicators.items() if ind.sensitive}
    is_sensitive = rows["indicator_code"].isin(sensitive)
    values = _cell_values(rows[is_sensitive], reference)
    result = suppress(values, _relations(rows[is_sensitive], values, reference), threshold)

    shown = {c: rows[c].astype(object).tolist() for c in MARKED_COLUMNS}

    def mark(cell: Cell) -> str:
        return primary_mark(threshold) if result.is_primary(cell) else HIDDEN

    def hide(i: int, column: str, text: str) -> None:
        if pd.notna(shown[column][i]):
            shown[column][i] = text

    for i, row in zip(
        rows.index[is_sensitive], rows[is_sensitive].itertuples(index=False), strict=True
    ):
        num, den = row_cells(row, reference.indicators[row.indicator_code])
        hidden = False
        if result.is_hidden(num):
            hide(i, "numerator", mark(num))
            hidden = True
        if den is not None and result.is_hidden(den):
            hide(i, "denominator", mark(den))
            hidden = True
        if hidden:
            # A count's own value is its numerator; a ratio's would reveal the hidden side.
            hide(i, "value", mark(num) if den is None else HIDDEN)
            hide(i, "achievement", HIDDEN)
            hide(i, "rag", HIDDEN)
    out = rows.assign(**{c: pd.Series(v, index=rows.index, dtype=object) for c, v in shown.items()})
    return out, result
