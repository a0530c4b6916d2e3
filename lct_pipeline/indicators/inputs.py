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


def load_quarter(conn: sa.Connection, period: str) -> Inputs:
    """Quarter ``period``'s own facts, and when each CSO first reported it: what its
    additive parts are computed from."""
    v = fact_values.c
    values = read_frame(
        conn,
        sa.select(v.org_code, v.period, v.data_element, *(v[d] for d in DIMENSION_COLUMNS), v.value)
        .where(v.counted, v.period == period)
        .order_by(v.org_code, v.data_element, *(v[d] for d in DIMENSION_COLUMNS)),
    )
    m = fact_measures.c
    measures = read_frame(
        conn,
        sa.select(*(c for c in fact_measures.c if c.name not in ("sheet", "row_number")))
        .where(m.period == period)
        # A full order: budgets are summed in it, and float sums in another order (the
        # database's choice) differ in their last bits from one run to the next.
        .order_by(m.org_code, m.plan_code, m.measure_code, m.submission_id),
    )
    first_received = read_frame(
        conn,
        sa.select(
            slices.c.org_code,
            slices.c.period,
            sa.func.min(slices.c.received_at).label("first_received_at"),
        )
        .where(_ACCEPTED, slices.c.record_type == VALUES, slices.c.period == period)
        .group_by(slices.c.org_code, slices.c.period),
    )
    values["value"] = values["value"].astype(float)
    return Inputs((period,), values, measures, first_received)


def without_facts(quarters: tuple[str, ...]) -> Inputs:
    """Inputs that name the processed quarters only: figures computed from stored parts."""
    return Inputs(quarters, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())


def org_areas(reference: Reference) -> pd.DataFrame:
    """org_code, area_level, area_code: each organisation in itself and every area above it."""
    rows = []
    for org in reference.organisations:
        rows.append((org, "ORG", org))
        rows.extend((org, area.level, area.code) for area in reference.area_chain(org))
    return pd.DataFrame(rows, columns=["org_code", "area_level", "area_code"])
