"""Partition writes: what a table holds after a keyed rewrite, on SQLite and PostgreSQL."""

from __future__ import annotations

import math

import pandas as pd
import pg
import sqlalchemy as sa

from lct_pipeline.warehouse.tables_star import fact_indicator_values
from lct_pipeline.warehouse.writes import replace_changed, replace_partition

COLUMNS = [c.name for c in fact_indicator_values.columns]
warehouse = pg.warehouse  # on each database in turn


def _row(area: str, value: float, target: float | None = 10.0, period: str = "2013Q1") -> dict:
    return {
        "indicator_code": "IND03", "period_type": "CUM", "period": period,
        "area_level": "ORG", "area_code": area, "breakdown": "TOTAL", "breakdown_value": "_T",
        "numerator": value, "denominator": None, "value": value, "target": target,
        "expected_to_date": 2.5, "achievement": value / 2.5, "rag": "GREEN",
        "quarters_covered": 2,
    }  # fmt: skip


def _stored(engine: sa.Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.read_sql(sa.select(fact_indicator_values), conn)
    return frame[COLUMNS].sort_values("area_code", ignore_index=True)


def test_a_keyed_rewrite_leaves_what_a_whole_one_leaves_and_writes_only_what_changed(warehouse):
    before = [_row("CSO01", 3), _row("CSO02", 4), _row("CSO03", 5, None), _row("CSO04", 6)]
    other = _row("CSO09", 1, period="2013Q2")  # outside the partition: never touched
    with warehouse.begin() as conn:
        replace_partition(conn, fact_indicator_values, sa.true(), pd.DataFrame([*before, other]))
    # CSO01 and CSO03 (its missing target as NaN) as stored; CSO02 changed; CSO04 gone;
    # CSO05 new. Columns in another order than the table's.
    after = pd.DataFrame(
        [_row("CSO01", 3), _row("CSO02", 4.5), _row("CSO03", 5, math.nan), _row("CSO05", 7)]
    )[list(reversed(COLUMNS))]
    where = fact_indicator_values.c.period == "2013Q1"

    with warehouse.begin() as conn:
        inserted = replace_changed(conn, fact_indicator_values, where, after)

    assert inserted == 2  # CSO02 and CSO05
    expected = pd.DataFrame([*after[COLUMNS].to_dict("records"), other])[COLUMNS]
    pd.testing.assert_frame_equal(
        _stored(warehouse), expected.sort_values("area_code", ignore_index=True), check_dtype=False
    )
    with warehouse.begin() as conn:  # the same rows again: nothing to write
        assert replace_changed(conn, fact_indicator_values, where, after) == 0
    pd.testing.assert_frame_equal(
        _stored(warehouse), expected.sort_values("area_code", ignore_index=True), check_dtype=False
    )
