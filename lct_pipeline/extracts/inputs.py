"""The warehouse views an extract is built from (SPEC §8), as pandas frames.

Extracts read only the analysts' views, never the tables behind them, so they
show exactly what an analyst querying the warehouse sees.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property

import pandas as pd
import sqlalchemy as sa

from lct_pipeline import periods
from lct_pipeline.columns import NUMBERS, VIEWS
from lct_pipeline.extracts.scope import CUMULATIVE
from lct_pipeline.warehouse.reads import read_frame

# The views an extract reads; each with exactly its SPEC §8 columns.
VIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    name: VIEWS[name]
    for name in (
        "indicator_values",
        "reporting_completeness",
        "rejections",
        "warnings",
        "submissions",
    )
}
NUMERIC = {c for columns in VIEW_COLUMNS.values() for c in columns if c in NUMBERS}
# Rows of these views are read up to the extract's last quarter only.
_PERIOD_FILTERED = ("indicator_values", "reporting_completeness")


@dataclass(frozen=True)
class ExtractInputs:
    """The five views with exactly the columns of SPEC §8 (extra columns are ignored)."""

    indicator_values: pd.DataFrame
    reporting_completeness: pd.DataFrame
    rejections: pd.DataFrame
    warnings: pd.DataFrame
    submissions: pd.DataFrame

    def __post_init__(self) -> None:
        for name, columns in VIEW_COLUMNS.items():
            frame = getattr(self, name)
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise ValueError(f"{name} lacks column(s) {', '.join(missing)} (SPEC §8)")
            object.__setattr__(self, name, _typed(frame.loc[:, list(columns)]))

    @cached_property
    def slice_quarters(self) -> pd.Series:
        """``submission_quarters(self.submissions)``, worked out once: every slice since
        the programme's start, so it grows with the history."""
        return submission_quarters(self.submissions)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as floats and text as Python objects, whatever the database driver returned."""
    columns = {}
    for name in frame.columns:
        column = frame[name].reset_index(drop=True)
        if name in NUMERIC:
            columns[name] = pd.to_numeric(column, errors="coerce").astype("float64")
        elif name == "received_at":
            columns[name] = pd.to_datetime(column, errors="coerce")
        else:
            columns[name] = column.astype(object).where(column.notna(), None)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))


def read_views(
    engine: sa.Engine, last_quarter: str, labels: Collection[str] | None = None
) -> ExtractInputs:
    """The SPEC §8 views, indicator and completeness rows up to ``last_quarter``.

    Periods compare as text, so ``period <= '2013Q4'`` also keeps the ``Y`` rows of
    2013 and earlier years (``'2013' < '2013Q1'``) and no later quarter. With
    ``labels`` (the periods the extracts are about: quarters, years and the quarters
    of their ``CUM`` rows) only those indicator rows are read, and the national
    quarterly totals the trend charts draw: not every area's history, which at
    national scale is millions of rows.
    """
    until = sa.column("period") <= last_quarter
    where = {name: [until] for name in _PERIOD_FILTERED}
    if labels is not None:
        trend = sa.and_(
            sa.column("period_type") == "Q",
            sa.column("area_level") == "NATIONAL",
            sa.column("breakdown") == "TOTAL",
        )
        where["indicator_values"].append(sa.or_(sa.column("period").in_(sorted(labels)), trend))
    return _read(engine, where)


def read_public_views(
    engine: sa.Engine, last_quarter: str, labels: Collection[str]
) -> ExtractInputs:
    """What public files are made from: the ``Q`` and ``Y`` indicator rows of ``labels``
    (the scope's periods and, for a year, its quarters) and reporting completeness.

    Public files show no ``CUM`` rows, no trend chart, and no CSO's files, rejections or
    warnings (SPEC §7), so those rows are not read: at national scale they are most of
    what ``read_views`` reads for an internal extract, which a refresh after a
    correction of an early quarter read for every later quarter only to find its public
    tables unchanged.
    """
    where = {
        "indicator_values": [
            sa.column("period").in_(sorted(labels)),
            sa.column("period_type") != CUMULATIVE,
        ],
        "reporting_completeness": [sa.column("period") <= last_quarter],
        # Nothing of these is public: their columns, no rows.
        **{name: [sa.false()] for name in ("rejections", "warnings", "submissions")},
    }
    return _read(engine, where)


def _read(engine: sa.Engine, where: dict[str, list[sa.ColumnElement[bool]]]) -> ExtractInputs:
    """Each view's SPEC §8 columns, its rows filtered by ``where[view]`` (all if absent)."""
    frames = {}
    with engine.connect() as conn:
        for name, columns in VIEW_COLUMNS.items():
            query = sa.select(*(sa.column(c) for c in columns)).select_from(sa.table(name))
            frames[name] = read_frame(conn, query.where(*where.get(name, [])))
    return ExtractInputs(**frames)


def submission_quarters(submissions: pd.DataFrame) -> pd.Series:
    """The quarter that reports each slice (its rejections and its file).

    A slice with a readable period in the programme belongs to that quarter; one
    without (a file rejected whole, a row with a bad period) belongs to its
    file's most common valid quarter, else to the quarter the file was received
    in — the rule the validation runs use to own such rows.
    """

    def valid(period: object) -> str | None:
        parsed = periods.parse_period(period) if period else None
        return parsed if parsed and parsed >= periods.PROGRAMME_START else None

    # A national history repeats a few dozen periods in tens of thousands of slices.
    found = {p: valid(p) for p in set(submissions["period"])}
    own = [found[p] for p in submissions["period"]]
    by_file: dict[object, Counter] = {}
    for sha, quarter in zip(submissions["sha256"], own, strict=True):
        if quarter:
            by_file.setdefault(sha, Counter())[quarter] += 1
    homes = {sha: min(c, key=lambda p: (-c[p], p)) for sha, c in by_file.items()}
    quarters = []
    for row_own, sha, received in zip(
        own, submissions["sha256"], submissions["received_at"], strict=True
    ):
        if row_own:
            quarters.append(row_own)
        elif sha in homes:
            quarters.append(homes[sha])
        elif pd.notna(received):
            quarters.append(max(periods.of_date(received), periods.PROGRAMME_START))
        else:
            quarters.append(None)
    return pd.Series(quarters, index=submissions.index, dtype=object)
