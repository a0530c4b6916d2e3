"""One quarter's run of the indicators, in one transaction each step.

First the quarter's additive parts are computed from its own facts and stored
(with its version, ``lct_pipeline/freshness.py``). Then its figures are summed
from stored parts: those of its year, and one pre-summed part per key for the
years before, so the cost of a quarter does not grow with the history.

Quarter P owns its Q rows, its CUM rows and the Y rows of its year. Every
quarter of a year writes the same Y rows from the same parts (the processed
quarters of that year), so whichever runs last leaves them right.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from lct_pipeline import freshness, periods
from lct_pipeline.contract import DIMENSION_COLUMNS
from lct_pipeline.indicators.engine import TOTAL_BREAKDOWN, compute_indicators
from lct_pipeline.indicators.inputs import load_quarter, processed_quarters, without_facts
from lct_pipeline.indicators.parts import quarter_parts
from lct_pipeline.indicators.reporting import completeness
from lct_pipeline.indicators.stored_parts import last_operands, read_parts, store_year_parts
from lct_pipeline.indicators.targets import apply_targets
from lct_pipeline.reference import Reference
from lct_pipeline.warehouse.reads import read_frame
from lct_pipeline.warehouse.stage import upsert_dimensions
from lct_pipeline.warehouse.tables_star import (
    fact_indicator_parts,
    fact_indicator_values,
    fact_reporting_completeness,
    fact_values,
)
from lct_pipeline.warehouse.writes import replace_changed, replace_partition

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
    year = str(periods.year(period))
    # The IN on period alone lets the database use its index (an OR of two conjunctions
    # would scan every quarter's rows: a cost growing with the history).
    return sa.and_(
        t.period.in_((period, year)),
        sa.or_(mine, sa.and_(t.period_type == "Y", t.period == year)),
    )


@dataclass(frozen=True)
class PartsResult:
    period: str
    parts: pd.DataFrame  # what was written
    changed: bool  # the quarter's data differs from what its version was given for


def _data_digest(conn: sa.Connection, period: str, parts: pd.DataFrame) -> str:
    """What later quarters read of this one: its parts, and its current values as
    OUTLIER's history (which submission holds them does not matter)."""
    v = fact_values.c
    dims = [v[d] for d in DIMENSION_COLUMNS]
    values = read_frame(
        conn,
        sa.select(v.org_code, v.data_element, *dims, v.value, v.is_total, v.counted)
        .where(v.period == period)
        .order_by(v.org_code, v.data_element, *dims, v.value, v.is_total),
    )
    values = values.astype({"value": float, "is_total": bool, "counted": bool})
    return freshness.fingerprint(values.astype(object), parts.astype(object))


def refresh_parts(
    engine: sa.Engine, reference: Reference, period: str, run_id: str | None = None
) -> PartsResult:
    """Compute and store quarter ``period``'s additive parts from its facts; idempotent.

    The quarter gets a new version when what later quarters read of it changed.
    """
    with engine.begin() as conn:
        _take_turns(conn)
        parts = quarter_parts(load_quarter(conn, period), reference)
        replace_partition(
            conn, fact_indicator_parts, fact_indicator_parts.c.period == period, parts
        )
        store_year_parts(conn, periods.year(period), last_operands(reference))
        changed = freshness.record_data(conn, period, _data_digest(conn, period, parts), run_id)
    return PartsResult(period, parts, changed)


def refresh_indicator_values(
    engine: sa.Engine, reference: Reference, period: str, current: str
) -> QuarterResult:
    """Compute and store quarter ``period``'s indicator rows from stored parts; idempotent."""
    last = last_operands(reference)
    with engine.begin() as conn:
        _take_turns(conn)
        upsert_dimensions(conn, reference, current)
        built_from = freshness.input_version(conn, freshness.INDICATORS, period)
        quarters = processed_quarters(conn, current)
        parts = read_parts(conn, period, last) if period in quarters else None
        rows = compute_indicators(without_facts(quarters), reference, period, parts)
        rows = apply_targets(rows, reference)
        # A quarter after the latest with data writes nothing, and leaves no stale rows.
        where = owned_rows(period, with_year=period in quarters)
        replace_changed(conn, fact_indicator_values, where, rows)
        freshness.record_built(conn, freshness.INDICATORS, period, built_from)
    return QuarterResult(period, quarters, rows)


def refresh_reporting_completeness(
    engine: sa.Engine, reference: Reference, period: str, current: str
) -> QuarterResult:
    """Compute and store quarter ``period``'s reporting completeness rows from its parts."""
    t = fact_indicator_parts.c
    with engine.begin() as conn:
        _take_turns(conn)
        upsert_dimensions(conn, reference, current)
        quarters = processed_quarters(conn, current)
        parts = read_frame(
            conn,
            sa.select(t.org_code, t.operand, t.value)
            .where(t.period == period, t.operand.like("reporting:%"))
            .order_by(t.org_code, t.operand),
        )
        rows = completeness(quarters, _org_reporting(parts, period), reference, period)
        table = fact_reporting_completeness
        replace_partition(conn, table, table.c.period == period, rows)
    return QuarterResult(period, quarters, rows)


def _org_reporting(parts: pd.DataFrame, period: str) -> pd.DataFrame:
    """org_code, period and the reporting counts, from the quarter's reporting parts."""
    wide = parts.assign(count=parts["operand"].str.removeprefix("reporting:")).pivot(
        index="org_code", columns="count", values="value"
    )
    return wide.reset_index().assign(period=period)


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
