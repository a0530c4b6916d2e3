"""What the indicators are computed from: the current facts, the values slices as
received, the quarters processed and which areas each organisation counts in."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from lct_pipeline import periods
from lct_pipeline.contract import DIMENSION_COLUMNS, VALUES
from lct_pipeline.reference import Reference
from lct_pipeline.warehouse.reads import read_frame
from lct_pipeline.warehouse.tables_star import fact_measures, fact_values
from lct_pipeline.warehouse.tables_validated import slices

# A slice is accepted when any of its rows was: `partial` counts, and so does a
# superseded slice that was accepted before a resubmission replaced it.
_ACCEPTED = slices.c.rows_accepted > 0


@dataclass(frozen=True)
class Inputs:
    quarters: tuple[str, ...]  # the processed quarters, oldest first
    values: pd.DataFrame  # counted current values: org_code, period, data_element, dims, value
    measures: pd.DataFrame  # current measures snapshots (SPEC §3.4 columns)
    first_received: pd.DataFrame  # org_code, period, first_received_at of accepted values


def processed_quarters(conn: sa.Connection, current: str) -> tuple[str, ...]:
    """2012Q4 up to the latest quarter that has an accepted slice, never after ``current``."""
    latest = conn.execute(
        sa.select(sa.func.max(slices.c.period)).where(
            _ACCEPTED, slices.c.period.between(periods.PROGRAMME_START, current)
        )
    ).scalar()
    return tuple(periods.period_range(periods.PROGRAMME_START, latest)) if latest else ()


def load_inputs(
    conn: sa.Connection, current: str, *, facts_for: str | None = None, facts: bool = True
) -> Inputs:
    """The processed quarters, when each CSO first reported, and the facts.

    ``facts_for``: the quarter whose figures are computed. Its Q, Y and CUM rows need
    no fact after the end of its year, so later years are not read: in a backfill of
    40 quarters that keeps each quarter's read from growing with the whole history.
    ``facts=False`` reads no facts at all (reporting completeness needs none).
    """
    quarters = processed_quarters(conn, current)
    last = quarters[-1] if quarters else periods.PROGRAMME_START
    if facts_for is not None:
        last = min(last, f"{periods.year(facts_for)}Q4")
    if not facts:
        last = ""  # before every quarter: the frames keep their columns, without rows
    v = fact_values.c
    values = read_frame(
        conn,
        sa.select(v.org_code, v.period, v.data_element, *(v[d] for d in DIMENSION_COLUMNS), v.value)
        .where(v.counted, v.period <= last)
        .order_by(v.org_code, v.period, v.data_element, *(v[d] for d in DIMENSION_COLUMNS)),
    )
    measures = read_frame(
        conn,
        sa.select(*(c for c in fact_measures.c if c.name not in ("sheet", "row_number")))
        .where(fact_measures.c.period <= last)
        # A full order: budgets are summed in it, and float sums in another order (the
        # database's choice) differ in their last bits from one run to the next.
        .order_by(
            fact_measures.c.org_code,
            fact_measures.c.period,
            fact_measures.c.plan_code,
            fact_measures.c.measure_code,
        ),
    )
    first_received = read_frame(
        conn,
        sa.select(
            slices.c.org_code,
            slices.c.period,
            sa.func.min(slices.c.received_at).label("first_received_at"),
        )
        .where(_ACCEPTED, slices.c.record_type == VALUES, slices.c.period.in_(quarters))
        .group_by(slices.c.org_code, slices.c.period),
    )
    values["value"] = values["value"].astype(float)
    return Inputs(quarters, values, measures, first_received)


def org_areas(reference: Reference) -> pd.DataFrame:
    """org_code, area_level, area_code: each organisation in itself and every area above it."""
    rows = []
    for org in reference.organisations:
        rows.append((org, "ORG", org))
        rows.extend((org, area.level, area.code) for area in reference.area_chain(org))
    return pd.DataFrame(rows, columns=["org_code", "area_level", "area_code"])
