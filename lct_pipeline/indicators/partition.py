"""One quarter's run of the indicators: compute from the current facts, then replace
exactly the rows that quarter owns, in one transaction.

Quarter P owns its Q rows, its CUM rows and the Y rows of its year. Every
quarter of a year writes the same Y rows from the same facts (the processed
quarters of that year), so whichever runs last leaves them right.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from lct_pipeline import periods
from lct_pipeline.indicators.engine import TOTAL_BREAKDOWN, compute_indicators
from lct_pipeline.indicators.facts import upsert_dimensions
from lct_pipeline.indicators.inputs import load_inputs
from lct_pipeline.indicators.reporting import completeness
from lct_pipeline.indicators.targets import apply_targets
from lct_pipeline.reference import Reference
from lct_pipeline.warehouse.tables_star import fact_indicator_values, fact_reporting_completeness
from lct_pipeline.warehouse.writes import replace_partition

# Two quarters of one year both rewrite the year's Y rows: on PostgreSQL they take
# turns (SQLite's write transactions already do).
INDICATORS_LOCK_ID = 741_952_101


@dataclass(frozen=True)
class QuarterResult:
    period: str
    processed: tuple[str, ...]  # the quarters processed, 2012Q4 to the latest with data
    rows: pd.DataFrame  # what was written

    @property
    def written(self) -> bool:
        return self.period in self.processed


def _take_turns(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({INDICATORS_LOCK_ID})")


def owned_rows(period: str, with_year: bool = True) -> sa.ColumnElement[bool]:
    """The rows of ``fact_indicator_values`` that quarter ``period``'s run replaces."""
    t = fact_indicator_values.c
    mine = sa.and_(t.period_type.in_(("Q", "CUM")), t.period == period)
    if not with_year:
        return mine
    return sa.or_(mine, sa.and_(t.period_type == "Y", t.period == str(periods.year(period))))


def refresh_indicator_values(
    engine: sa.Engine, reference: Reference, period: str, current: str
) -> QuarterResult:
    """Compute and store quarter ``period``'s indicator rows; idempotent."""
    with engine.begin() as conn:
        _take_turns(conn)
        upsert_dimensions(conn, reference, current)
        inputs = load_inputs(conn, current, facts_for=period)
        rows = apply_targets(compute_indicators(inputs, reference, period), reference)
        # A quarter after the latest with data writes nothing, and leaves no stale rows.
        where = owned_rows(period, with_year=period in inputs.quarters)
        replace_partition(conn, fact_indicator_values, where, rows)
    return QuarterResult(period, inputs.quarters, rows)


def refresh_reporting_completeness(
    engine: sa.Engine, reference: Reference, period: str, current: str
) -> QuarterResult:
    """Compute and store quarter ``period``'s reporting completeness rows; idempotent."""
    with engine.begin() as conn:
        _take_turns(conn)
        upsert_dimensions(conn, reference, current)
        inputs = load_inputs(conn, current, facts=False)
        rows = completeness(inputs, reference, period)
        table = fact_reporting_completeness
        replace_partition(conn, table, table.c.period == period, rows)
    return QuarterResult(period, inputs.quarters, rows)


def headline(rows: pd.DataFrame, reference: Reference, period: str) -> pd.DataFrame:
    """The quarter's NATIONAL figure of each indicator, with its target and RAG."""
    national = rows[
        (rows["area_level"] == "NATIONAL")
        & (rows["period_type"] == "Q")
        & (rows["period"] == period)
        & (rows["breakdown"] == TOTAL_BREAKDOWN)
    ]
    return pd.DataFrame(
        {
            "indicator": national["indicator_code"],
            "name": national["indicator_code"].map(lambda c: reference.indicators[c].name),
            "value": national["value"].round(2),
            "target": national["target"],
            "expected_to_date": national["expected_to_date"].round(2),
            "rag": national["rag"],
        }
    ).reset_index(drop=True)
