"""Views over the validated layer: submissions, rejections, warnings (SPEC §8).

Plain SQL that SQLite and PostgreSQL both run. A file rejected whole shows as a
submission with empty org and period and one rejection with an empty row_number.
Their columns are listed in ``lct_pipeline.columns``.
"""

from __future__ import annotations

from lct_pipeline.warehouse.views_columns import select


def _issues(view: str, severity: str) -> str:
    return f"""
{select(view)}
FROM row_issues
WHERE severity = '{severity}'
"""


VIEWS: dict[str, str] = {
    "submissions": f"""
{select("submissions")}
FROM slices
""",
    "rejections": _issues("rejections", "rejection"),
    "warnings": _issues("warnings", "warning"),
}
