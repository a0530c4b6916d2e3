"""The star schema behind the analysts' views: dimensions and facts.

Dimensions are upserted from the reference data on every run; facts are
replaced per quarter (SPEC §6). No foreign keys run from facts to dimensions:
a CSO removed from the registry must not make its history unloadable, and the
views join with LEFT JOIN so nothing disappears.
"""

from __future__ import annotations

import sqlalchemy as sa

from lct_pipeline.columns import (
    COMPLETENESS_COLUMNS,
    COMPLETENESS_KEY,
    INDICATOR_FIGURES,
    INDICATOR_KEY,
    MEASURES_TABLE,
    PERCENTAGES,
    VALUE_COLUMNS,
    stored,
)
from lct_pipeline.warehouse.metadata import metadata


def _period_first(names: tuple[str, ...]) -> tuple[str, ...]:
    """A fact table's columns lead with the period it is replaced by (SPEC §6)."""
    return ("period", *(n for n in names if n != "period"))


# ORG rows are areas too (parent: the municipality), so that every indicator row
# finds its name with one join whatever its level.
dim_area = sa.Table(
    "dim_area",
    metadata,
    sa.Column("area_level", sa.String(16), primary_key=True),
    sa.Column("area_code", sa.String(32), primary_key=True),
    sa.Column("area_name", sa.Text, nullable=False),
    sa.Column("parent_code", sa.String(32)),
)

dim_organisation = sa.Table(
    "dim_organisation",
    metadata,
    sa.Column("org_code", sa.String(32), primary_key=True),
    sa.Column("org_name", sa.Text, nullable=False),
    sa.Column("municipality_code", sa.String(32), nullable=False),
    sa.Column("region_code", sa.String(32), nullable=False),
    sa.Column("active_from", sa.String(6), nullable=False),
    sa.Column("active_to", sa.String(6)),
)

dim_period = sa.Table(
    "dim_period",
    metadata,
    sa.Column("period", sa.String(6), primary_key=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("quarter", sa.Integer, nullable=False),
    sa.Column("quarter_start", sa.Date, nullable=False),
    sa.Column("quarter_end", sa.Date, nullable=False),
    # The last day a values file counts as on time (SPEC §7: 30 days after the end).
    sa.Column("reporting_deadline", sa.Date, nullable=False),
)

dim_data_element = sa.Table(
    "dim_data_element",
    metadata,
    sa.Column("data_element", sa.String(64), primary_key=True),
    sa.Column("element_name", sa.Text, nullable=False),
    sa.Column("dimensions", sa.Text, nullable=False),  # comma-separated, '' for none
    sa.Column("max_value", sa.Float, nullable=False),
    sa.Column("sensitive", sa.Boolean, nullable=False),
)

dim_indicator = sa.Table(
    "dim_indicator",
    metadata,
    sa.Column("indicator_code", sa.String(16), primary_key=True),
    sa.Column("indicator_name", sa.Text, nullable=False),
    sa.Column("is_ratio", sa.Boolean, nullable=False),
    sa.Column("multiplier", sa.Float, nullable=False),
    sa.Column("time", sa.String(8), nullable=False),
    sa.Column("sensitive", sa.Boolean, nullable=False),
    sa.Column("breakdowns", sa.Text, nullable=False),
    sa.Column("numerator", sa.Text, nullable=False),
    sa.Column("denominator", sa.Text),
)

dim_indicator_target = sa.Table(
    "dim_indicator_target",
    metadata,
    sa.Column("indicator_code", sa.String(16), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("target", sa.Float, nullable=False),
)

# The current accepted values rows (SPEC §8 `data_values`), replaced per quarter.
fact_values = sa.Table(
    "fact_values",
    metadata,
    # The source row's identity: traceable, and the same after a re-run.
    sa.Column("submission_id", sa.String(120), primary_key=True),
    sa.Column("sheet", sa.Text, primary_key=True, server_default=""),
    sa.Column("row_number", sa.Integer, primary_key=True),
    *stored(_period_first(VALUE_COLUMNS)),
    sa.Column("is_total", sa.Boolean, nullable=False),
    # Whether the row is the element's value under SPEC §7: detail rows always,
    # a total row only where its slice has no detail rows for the element.
    sa.Column("counted", sa.Boolean, nullable=False),
    sa.Index("ix_fact_values_period_element", "period", "data_element"),
    sa.Index("ix_fact_values_org_period", "org_code", "period"),
    # An element over a span of quarters (an analyst's year): the element alone would
    # read every quarter's rows of it (schema 7).
    sa.Index("ix_fact_values_element_period", "data_element", "period"),
)

fact_measures = sa.Table(
    "fact_measures",
    metadata,
    sa.Column("submission_id", sa.String(120), primary_key=True),
    sa.Column("sheet", sa.Text, primary_key=True, server_default=""),
    sa.Column("row_number", sa.Integer, primary_key=True),
    *stored(_period_first(MEASURES_TABLE)),
    sa.Index("ix_fact_measures_period", "period"),
    sa.Index("ix_fact_measures_org_period", "org_code", "period"),
)

# `period` is the quarter (2013Q1) for Q and CUM rows and the year (2013) for Y rows.
fact_indicator_values = sa.Table(
    "fact_indicator_values",
    metadata,
    *stored(INDICATOR_KEY, key=INDICATOR_KEY),
    *stored(INDICATOR_FIGURES, nullable=INDICATOR_FIGURES),
    # Quarters whose data the row combines (1 for Q; year to date for Y; all for CUM).
    sa.Column("quarters_covered", sa.Integer, nullable=False),
    sa.Index("ix_fact_indicator_values_period_level", "period", "area_level"),
    sa.Index("ix_fact_indicator_values_area", "area_code", "period_type"),
)

fact_reporting_completeness = sa.Table(
    "fact_reporting_completeness",
    metadata,
    *stored(COMPLETENESS_COLUMNS, key=COMPLETENESS_KEY, nullable=PERCENTAGES),
    sa.Index("ix_fact_reporting_completeness_area", "area_code"),
)

# A quarter's additive parts (lct_pipeline/indicators/parts.py): what every indicator
# row is summed from, so no quarter's run reads another quarter's facts.
fact_indicator_parts = sa.Table(
    "fact_indicator_parts",
    metadata,
    sa.Column("period", sa.String(6), primary_key=True),
    sa.Column("operand", sa.String(120), primary_key=True),
    sa.Column("org_code", sa.String(32), primary_key=True),
    sa.Column("breakdown", sa.String(32), primary_key=True),
    sa.Column("breakdown_value", sa.String(32), primary_key=True),
    sa.Column("due_period", sa.String(6), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
)

# Each year's parts, kept with its quarters' (``stored_parts.py``): the sum of each key over
# the year's quarters, and each org's latest snapshot of the year for ``last`` operands
# (``latest_period`` says which quarter): what the cumulative rows below are built from.
fact_indicator_year_parts = sa.Table(
    "fact_indicator_year_parts",
    metadata,
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("operand", sa.String(120), primary_key=True),
    sa.Column("org_code", sa.String(32), primary_key=True),
    sa.Column("breakdown", sa.String(32), primary_key=True),
    sa.Column("breakdown_value", sa.String(32), primary_key=True),
    sa.Column("due_period", sa.String(6), primary_key=True),
    sa.Column("latest_period", sa.String(6), nullable=False),
    sa.Column("value", sa.Float, nullable=False),
)

# What came before each year (``stored_parts.py``): each key summed over every earlier
# year, and each org's latest snapshot before the year; a quarter's CUM rows read one
# row per key from here.
fact_indicator_cum_parts = sa.Table(
    "fact_indicator_cum_parts",
    metadata,
    *(sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
      for c in fact_indicator_year_parts.columns),
)  # fmt: skip
