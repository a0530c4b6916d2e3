"""Views over current data and indicators: data_values, measures, indicator_values,
reporting_completeness (SPEC §8).

Plain SQL that SQLite and PostgreSQL both run: no casts, no functions, no ORDER BY.
Their columns are the contract with the analysts (docs/data-dictionary.md), listed
in ``lct_pipeline.columns``.
"""

from __future__ import annotations

from lct_pipeline.warehouse.views_columns import select

VIEWS: dict[str, str] = {
    "data_values": f"""
{select("data_values")}
FROM fact_values
""",
    "measures": f"""
{select("measures")}
FROM fact_measures
""",
    "indicator_values": f"""
{select("indicator_values", alias="f", joined={"area_name": "a"})}
FROM fact_indicator_values f
LEFT JOIN dim_area a ON a.area_level = f.area_level AND a.area_code = f.area_code
""",
    "reporting_completeness": f"""
{select("reporting_completeness")}
FROM fact_reporting_completeness
""",
}
