"""Views over current data and indicators: data_values, measures, indicator_values,
reporting_completeness (SPEC §8).

Plain SQL that SQLite and PostgreSQL both run: no casts, no functions, no ORDER BY.
Their columns are the contract with the analysts (docs/data-dictionary.md).
"""

VIEWS: dict[str, str] = {
    "data_values": """
SELECT org_code, period, data_element, sex, age_group, vulnerable_group, service,
       institution, value, submission_id
FROM fact_values
""",
    "measures": """
SELECT org_code, period, plan_code, measure_code, measure_title, responsible_institution,
       status, planned_budget_eur, spent_budget_eur, due_period, submission_id
FROM fact_measures
""",
    "indicator_values": """
SELECT f.indicator_code, f.period, f.period_type, f.area_level, f.area_code, a.area_name,
       f.breakdown, f.breakdown_value, f.numerator, f.denominator, f.value, f.target,
       f.expected_to_date, f.achievement, f.rag
FROM fact_indicator_values f
LEFT JOIN dim_area a ON a.area_level = f.area_level AND a.area_code = f.area_code
""",
    "reporting_completeness": """
SELECT period, area_level, area_code, expected, received, on_time, completeness_pct,
       timeliness_pct
FROM fact_reporting_completeness
""",
}
