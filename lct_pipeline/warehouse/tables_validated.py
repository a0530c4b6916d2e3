"""The validated layer: slices with their outcome, accepted rows, and row issues.

Every table carries ``partition_period``, the quarter whose run wrote the row, so
a run replaces exactly its own rows (SPEC §6).
"""

from __future__ import annotations

import sqlalchemy as sa

from lct_pipeline.columns import MEASURES_TABLE, VALUE_COLUMNS, stored
from lct_pipeline.warehouse.metadata import metadata

# One row per slice: (file, org, period, record type); a file rejected whole is
# one slice with empty org and period (SPEC §8 `submissions`). Rows whose org or
# period is invalid form slices of their own, named by the text typed.
# rows_total = rows_accepted + rows_rejected; rows_warned counts accepted rows only.
slices = sa.Table(
    "slices",
    metadata,
    sa.Column("submission_id", sa.String(120), primary_key=True),
    sa.Column("partition_period", sa.String(6), nullable=False, index=True),
    sa.Column("sha256", sa.String(64), sa.ForeignKey("raw_files.sha256"), nullable=False),
    sa.Column("source_file", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("org_code", sa.Text, nullable=False, server_default=""),
    sa.Column("period", sa.Text, nullable=False, server_default=""),
    sa.Column("record_type", sa.String(16), nullable=False, server_default=""),
    # accepted | partial | rejected | superseded
    sa.Column("status", sa.String(16), nullable=False),
    # The slice that counts for its (org, period, record type): SPEC §6.
    sa.Column("is_current", sa.Boolean, nullable=False),
    sa.Column("rows_total", sa.Integer, nullable=False),
    sa.Column("rows_accepted", sa.Integer, nullable=False),
    sa.Column("rows_rejected", sa.Integer, nullable=False),
    sa.Column("rows_warned", sa.Integer, nullable=False),
    # Exact copies of an earlier row of the slice: counted in rows_accepted, stored once.
    sa.Column("rows_repeated", sa.Integer, nullable=False, server_default="0"),
)

# Accepted values rows of every slice (current or not); exact duplicates once.
# Dimension columns: a member code on detail rows, '_T' on total rows for the
# element's dimensions, NULL for dimensions the element does not use.
staged_values = sa.Table(
    "staged_values",
    metadata,
    sa.Column("submission_id", sa.String(120), nullable=False, index=True),
    sa.Column("partition_period", sa.String(6), nullable=False, index=True),
    sa.Column("sheet", sa.Text, nullable=False, server_default=""),
    sa.Column("row_number", sa.Integer, nullable=False),
    *stored(VALUE_COLUMNS),
    sa.Column("is_total", sa.Boolean, nullable=False),
    *stored(["comment"]),
)

staged_measures = sa.Table(
    "staged_measures",
    metadata,
    sa.Column("submission_id", sa.String(120), nullable=False, index=True),
    sa.Column("partition_period", sa.String(6), nullable=False, index=True),
    sa.Column("sheet", sa.Text, nullable=False, server_default=""),
    sa.Column("row_number", sa.Integer, nullable=False),
    *stored(MEASURES_TABLE),
)

# Rejections and warnings (SPEC §5, §8); row_number is NULL for a file-level rejection.
row_issues = sa.Table(
    "row_issues",
    metadata,
    sa.Column("partition_period", sa.String(6), nullable=False, index=True),
    sa.Column("submission_id", sa.String(120), nullable=False, index=True),
    sa.Column("source_file", sa.Text, nullable=False),
    sa.Column("sheet", sa.Text, nullable=False, server_default=""),
    sa.Column("row_number", sa.Integer),
    sa.Column("column_name", sa.Text, nullable=False, server_default=""),
    sa.Column("raw_value", sa.Text),
    sa.Column("reason_code", sa.String(40), nullable=False),
    sa.Column("message", sa.Text, nullable=False),  # in English, as the views show it
    sa.Column("message_key", sa.Text),  # the message in any language (lct_pipeline.i18n)
    sa.Column("severity", sa.String(10), nullable=False),  # rejection | warning
)
