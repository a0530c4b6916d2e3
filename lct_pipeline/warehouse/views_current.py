"""Views over current data and indicators: data_values, measures, indicator_values,
reporting_completeness (SPEC §8)."""

VIEWS: dict[str, str] = {}
