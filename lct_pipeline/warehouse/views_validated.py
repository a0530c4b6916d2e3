"""Views over the validated layer: submissions, rejections, warnings (SPEC §8).

Plain SQL that SQLite and PostgreSQL both run. A file rejected whole shows as a
submission with empty org and period and one rejection with an empty row_number.
"""

_ISSUES = """
SELECT submission_id, source_file, sheet, row_number, column_name, raw_value,
       reason_code, message
FROM row_issues
WHERE severity = '{severity}'
"""

VIEWS: dict[str, str] = {
    "submissions": """
SELECT submission_id, source_file, sha256, received_at, org_code, period, record_type,
       status, rows_total, rows_accepted, rows_rejected, rows_warned
FROM slices
""",
    "rejections": _ISSUES.format(severity="rejection"),
    "warnings": _ISSUES.format(severity="warning"),
}
