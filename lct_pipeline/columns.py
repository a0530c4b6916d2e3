"""The column registry: every column that SPEC §3 and §8 name, written out once.

The submitted tables (§3.3, §3.4), the analysts' views (§8) and the tables that
store them take their column lists, in the SPEC's order, and their types from
here, and so do the extract inputs, the validation suites (through
``lct_pipeline.contract``) and the indicator stages; a column added to or
renamed in the SPEC is changed in this module only. ``tests/test_column_registry.py``
checks that the warehouse's views and tables, and the extracts, use these lists.

The types are those the warehouse stores a column as: the code lengths that the
organisation registry and the catalogue allow, and numbers as floats except counts.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import sqlalchemy as sa

DIMENSION_COLUMNS = ("sex", "age_group", "vulnerable_group", "service", "institution")

# SPEC §3.3 and §3.4, in the templates' order. A values row's comment is kept in the
# validated layer only: VALUE_COLUMNS are what the facts and data_values keep.
VALUE_COLUMNS = ("org_code", "period", "data_element", *DIMENSION_COLUMNS, "value")
VALUES_TABLE = (*VALUE_COLUMNS, "comment")
MEASURES_TABLE = (
    "org_code",
    "period",
    "plan_code",
    "measure_code",
    "measure_title",
    "responsible_institution",
    "status",
    "planned_budget_eur",
    "spent_budget_eur",
    "due_period",
)
# The "required: no" columns of §3.3 and §3.4; every other column is required, and
# stored NOT NULL.
OPTIONAL = frozenset({*DIMENSION_COLUMNS, "comment", "responsible_institution"})
# Text a person wrote, not a code: read as typed, never folded.
FREE_TEXT = frozenset({"comment", "measure_title"})

# SPEC §8.
SLICE_COUNTS = ("rows_total", "rows_accepted", "rows_rejected", "rows_warned")
SUBMISSION_COLUMNS = (
    "submission_id",
    "source_file",
    "sha256",
    "received_at",
    "org_code",
    "period",
    "record_type",
    "status",
    *SLICE_COUNTS,
)
ISSUE_COLUMNS = (
    "submission_id",
    "source_file",
    "sheet",
    "row_number",
    "column_name",
    "raw_value",
    "reason_code",
    "message",
)
AREA = ("area_level", "area_code")
BREAKDOWN = ("breakdown", "breakdown_value")
# What the engine sums and divides, then what the targets add (indicators/targets.py).
INDICATOR_SUMS = ("numerator", "denominator", "value")
TARGET_COLUMNS = ("target", "expected_to_date", "achievement", "rag")
INDICATOR_FIGURES = (*INDICATOR_SUMS, *TARGET_COLUMNS)
INDICATOR_COLUMNS = (
    "indicator_code",
    "period",
    "period_type",
    *AREA,
    "area_name",
    *BREAKDOWN,
    *INDICATOR_FIGURES,
)
# The identity of an indicator row, in the primary key's order (fact_indicator_values
# since schema 2): the type before the period, unlike the view.
INDICATOR_KEY = ("indicator_code", "period_type", "period", *AREA, *BREAKDOWN)
REPORTING_COUNTS = ("expected", "received", "on_time")
COMPLETENESS_KEY = ("period", *AREA)
PERCENTAGES = ("completeness_pct", "timeliness_pct")
COMPLETENESS_COLUMNS = (*COMPLETENESS_KEY, *REPORTING_COUNTS, *PERCENTAGES)

# Every view in creation order, with its columns in the SPEC's order.
VIEWS: dict[str, tuple[str, ...]] = {
    "submissions": SUBMISSION_COLUMNS,
    "rejections": ISSUE_COLUMNS,
    "warnings": ISSUE_COLUMNS,
    "data_values": (*VALUE_COLUMNS, "submission_id"),
    "measures": (*MEASURES_TABLE, "submission_id"),
    "indicator_values": INDICATOR_COLUMNS,
    "reporting_completeness": COMPLETENESS_COLUMNS,
}

_CODE = sa.String(32)
_PERIOD = sa.String(6)
TYPES: dict[str, sa.types.TypeEngine] = {
    "org_code": _CODE,
    "period": _PERIOD,
    "data_element": sa.String(64),
    **dict.fromkeys(DIMENSION_COLUMNS, _CODE),
    "value": sa.Float(),
    "comment": sa.Text(),
    "plan_code": sa.Text(),
    "measure_code": sa.Text(),
    "measure_title": sa.Text(),
    "responsible_institution": _CODE,
    "status": sa.String(16),
    "planned_budget_eur": sa.Float(),
    "spent_budget_eur": sa.Float(),
    "due_period": _PERIOD,
    "submission_id": sa.String(120),
    "source_file": sa.Text(),
    "sha256": sa.String(64),
    "received_at": sa.DateTime(),
    "record_type": sa.String(16),
    **dict.fromkeys(SLICE_COUNTS, sa.Integer()),
    "sheet": sa.Text(),
    "row_number": sa.Integer(),
    "column_name": sa.Text(),
    "raw_value": sa.Text(),
    "reason_code": sa.String(40),
    "message": sa.Text(),
    "indicator_code": sa.String(16),
    "period_type": sa.String(4),
    "area_level": sa.String(16),
    "area_code": _CODE,
    "area_name": sa.Text(),
    **dict.fromkeys(BREAKDOWN, _CODE),
    "numerator": sa.Float(),
    "denominator": sa.Float(),
    "target": sa.Float(),
    "expected_to_date": sa.Float(),
    "achievement": sa.Float(),
    "rag": sa.String(5),
    **dict.fromkeys(REPORTING_COUNTS, sa.Integer()),
    **dict.fromkeys(PERCENTAGES, sa.Float()),
}
NUMBERS = frozenset(n for n, t in TYPES.items() if isinstance(t, sa.Integer | sa.Float))


def stored(
    names: Iterable[str], *, key: Collection[str] = (), nullable: Collection[str] = OPTIONAL
) -> list[sa.Column]:
    """New columns (a Column belongs to one table) for ``names``, typed as registered:
    ``key`` columns form the primary key, ``nullable`` ones may be NULL (by default the
    columns a submission may leave blank), the others are NOT NULL."""
    return [
        sa.Column(
            name,
            TYPES[name],
            primary_key=name in key,
            nullable=name in nullable and name not in key,
        )
        for name in names
    ]
