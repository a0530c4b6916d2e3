"""What the validation asset's checks count in the stored tables: where each of a quarter's
raw rows ended (SPEC §5), and which of its rejections are news."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from lct_pipeline.rules.precedence import REJECTION
from lct_pipeline.warehouse.tables_raw import raw_files, raw_rows, rows_of_quarter
from lct_pipeline.warehouse.tables_validated import (
    row_issues,
    slices,
    staged_measures,
    staged_values,
)


@dataclass(frozen=True)
class Accounting:
    """Where a quarter's raw rows ended, counted in the stored tables (SPEC §5)."""

    raw_rows: int  # rows the quarter validates
    in_slices: int  # sum of rows_total
    stored: int  # accepted rows in staged_values and staged_measures
    repeated: int  # exact copies, accepted but stored once
    rejected: int  # rejections with a row number
    rejected_rows: int  # distinct rows among them
    stored_and_rejected: int  # rows both stored and rejected (must be none)
    unbalanced_slices: int  # slices where rows_total != rows_accepted + rows_rejected
    # Data rows of the files the quarter reports rejected whole: counted, never stored.
    rejected_whole: int = 0

    @property
    def ok(self) -> bool:
        everything = self.raw_rows + self.rejected_whole
        return (
            everything
            == self.in_slices
            == self.stored + self.repeated + self.rejected + self.rejected_whole
            and self.rejected == self.rejected_rows
            and self.stored_and_rejected == 0
            and self.unbalanced_slices == 0
        )


def account_for_rows(engine: sa.Engine, period: str, current: str) -> Accounting:
    """Count, from the stored tables, that every raw row of the quarter is in one place."""
    mine = slices.c.partition_period == period
    rejected = sa.and_(
        row_issues.c.partition_period == period,
        row_issues.c.severity == REJECTION,
        row_issues.c.row_number.is_not(None),
    )
    distinct = (
        sa.select(row_issues.c.submission_id, row_issues.c.sheet, row_issues.c.row_number)
        .where(rejected)
        .distinct()
        .subquery()
    )

    def both(staged: sa.Table) -> sa.ScalarSelect:
        # Row values IN a subquery, not a join: SQLite would scan the quarter's stored
        # rows once per rejection (2.6 s a national quarter, against 10 ms).
        key = ("submission_id", "sheet", "row_number")
        rejected_rows = sa.select(*(row_issues.c[c] for c in key)).where(rejected)
        return (
            sa.select(sa.func.count())
            .select_from(staged)
            .where(
                staged.c.partition_period == period,
                sa.tuple_(*(staged.c[c] for c in key)).in_(rejected_rows),
            )
            .scalar_subquery()
        )

    def count(table: sa.Table, *where) -> sa.ScalarSelect:
        return sa.select(sa.func.count()).select_from(table).where(*where).scalar_subquery()

    def total(column: sa.ColumnElement) -> sa.ScalarSelect:
        return sa.select(sa.func.coalesce(sa.func.sum(column), 0)).where(mine).scalar_subquery()

    query = sa.select(
        count(raw_rows, rows_of_quarter(period, current)),
        total(slices.c.rows_total),
        count(staged_values, staged_values.c.partition_period == period)
        + count(staged_measures, staged_measures.c.partition_period == period),
        total(slices.c.rows_repeated),
        count(row_issues, rejected),
        sa.select(sa.func.count()).select_from(distinct).scalar_subquery(),
        both(staged_values) + both(staged_measures),
        count(slices, mine, slices.c.rows_total != slices.c.rows_accepted + slices.c.rows_rejected),
        sa.select(sa.func.coalesce(sa.func.sum(raw_files.c.rows_read), 0))
        .where(raw_files.c.reason_code.is_not(None), raw_files.c.home_period == period)
        .scalar_subquery(),
    )
    with engine.connect() as conn:
        return Accounting(*(int(n) for n in conn.execute(query).one()))


def rejection_keys(engine: sa.Engine, period: str) -> set[tuple]:
    """The rejections the quarter's last validation stored: (submission, sheet, row, reason),
    row None for a file rejected whole. What a new validation adds to them is news."""
    t = row_issues.c
    query = sa.select(t.submission_id, t.sheet, t.row_number, t.reason_code).where(
        t.partition_period == period, t.severity == REJECTION
    )
    with engine.connect() as conn:
        return {tuple(row) for row in conn.execute(query)}


def new_rejections(issues: pd.DataFrame, before: set[tuple]) -> pd.Series:
    """For each of ``issues``, whether it is a rejection that ``before`` (the quarter's
    ``rejection_keys`` from its last validation) does not hold."""
    keys = [
        (sid, sheet or "", None if pd.isna(row) else int(row), reason)
        for sid, sheet, row, reason in issues[
            ["submission_id", "sheet", "row_number", "reason_code"]
        ].itertuples(index=False)
    ]
    known = pd.Series(keys, index=issues.index, dtype=object).isin(before)
    return (issues["severity"] == REJECTION) & ~known
