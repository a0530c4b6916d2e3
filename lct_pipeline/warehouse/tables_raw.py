"""The raw layer: every ingested file and every data row as read, so later
stages never go back to the files."""

from __future__ import annotations

import sqlalchemy as sa

from lct_pipeline import periods
from lct_pipeline.contract import RAW_COLUMNS
from lct_pipeline.warehouse.metadata import metadata

raw_files = sa.Table(
    "raw_files",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    # Path relative to the inbox, with '/', as SPEC §8 shows it.
    sa.Column("source_file", sa.Text, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("archive_path", sa.Text, nullable=False),
    sa.Column("encoding", sa.String(16)),
    sa.Column("delimiter", sa.String(4)),
    # The quarter whose run reports this file's rows that have no usable period
    # of their own, and its file-level rejection.
    sa.Column("home_period", sa.String(6), nullable=False),
    sa.Column("reason_code", sa.String(32)),
    sa.Column("sheet", sa.Text, nullable=False, server_default=""),
    sa.Column("message", sa.Text),
    sa.Column("message_key", sa.Text),  # the message in any language (lct_pipeline.i18n)
    sa.Column("rows_read", sa.Integer, nullable=False),
    # A file rejected whole keeps none of its rows; the organisation code most of them
    # give is kept, so its feedback goes to that CSO (SPEC §9).
    sa.Column("org_hint", sa.String(32)),
)


def _row_columns() -> list[sa.Column]:
    """A row of a file as read: where it is, what it is, and its cells (a fresh set of
    columns for each table that holds rows)."""
    return [
        sa.Column("sha256", sa.String(64), sa.ForeignKey("raw_files.sha256"), primary_key=True),
        sa.Column("sheet", sa.Text, primary_key=True, server_default=""),
        sa.Column("row_number", sa.Integer, primary_key=True),
        sa.Column("record_type", sa.String(16), nullable=False),
        # The period and organisation as normalised at ingestion, so a quarter's
        # rows are found with an index instead of parsing every raw value again.
        sa.Column("period_norm", sa.String(6)),
        sa.Column("org_norm", sa.Text),
        *(sa.Column(name, sa.Text) for name in RAW_COLUMNS),
    ]


raw_rows = sa.Table(
    "raw_rows",
    metadata,
    *_row_columns(),
    # The columns whose typed cells were not stored (not in the layout, or beyond the
    # header), by header or letter: "'notes', column L". Validation warns the CSO.
    sa.Column("ignored", sa.Text),
    # What lct_pipeline.privacy removed from the free text before it was stored
    # (e.g. "comment: e-mail"); validation turns it into a warning for the CSO.
    sa.Column("redacted", sa.Text),
    sa.Index("ix_raw_rows_period", "period_norm"),
)

# A returned template's pre-filled rows left empty (SPEC §11): missing data, not data rows.
# No stage counts or validates them; the submission's feedback lists them as not
# reported. Screened for personal data like raw rows. (A table of its own, created on
# an older warehouse by ``ensure_schema``'s create_all, so raw_rows stays the data rows
# that the accounting of SPEC §5 and §8 adds up.)
raw_not_reported = sa.Table(
    "raw_not_reported",
    metadata,
    *_row_columns(),
    sa.Column("redacted", sa.Text),
)


def rows_of_quarter(period: str, current: str) -> sa.ColumnElement[bool]:
    """Raw rows that quarter ``period`` validates.

    A row belongs to the quarter it names; a row whose period is unreadable,
    before the programme or after the current quarter belongs to its file's
    home quarter, so that it is still rejected somewhere.
    """
    unusable = sa.or_(
        raw_rows.c.period_norm.is_(None),
        raw_rows.c.period_norm < periods.PROGRAMME_START,
        raw_rows.c.period_norm > current,
    )
    homed_here = sa.select(raw_files.c.sha256).where(raw_files.c.home_period == period)
    return sa.or_(
        raw_rows.c.period_norm == period,
        sa.and_(unusable, raw_rows.c.sha256.in_(homed_here)),
    )
