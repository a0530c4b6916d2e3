"""What ``lct`` prints from the analysts' views (SPEC §8): the national headline after a
run and each CSO's reporting for ``lct status``."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

_HEADLINE = sa.text(
    "SELECT indicator_code, period, value FROM indicator_values WHERE period_type = 'CUM'"
    " AND area_level = 'NATIONAL' AND breakdown = 'TOTAL' AND period = (SELECT MAX(period)"
    " FROM indicator_values WHERE period_type = 'CUM') ORDER BY indicator_code"
)

_REPORTING = sa.text(
    "SELECT period, area_level, area_code, received, on_time, completeness_pct,"
    " timeliness_pct FROM reporting_completeness WHERE area_level IN ('ORG', 'NATIONAL')"
)


def headline(engine: sa.Engine) -> pd.DataFrame:
    """The cumulative national figure of each indicator at the latest quarter:
    indicator_code, period, value (no rows before any indicator is computed)."""
    return _frame(engine, _HEADLINE)


def reporting_status(engine: sa.Engine) -> pd.DataFrame:
    """The ``reporting_completeness`` rows at the ORG and NATIONAL levels."""
    return _frame(engine, _REPORTING)


def _frame(engine: sa.Engine, query: sa.TextClause) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).mappings().all())
