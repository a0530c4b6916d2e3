"""The additive parts as stored, and what a quarter's figures read of them.

Three tables, each kept in the transaction that writes a quarter's parts:

- ``fact_indicator_parts``: each quarter's own parts;
- ``fact_indicator_year_parts``: per year, each key summed over its quarters (and each
  org's latest snapshot of the year, for ``last`` operands);
- ``fact_indicator_cum_parts``: per year, what came before it: each key summed over
  every earlier year, and each org's latest snapshot before the year.

A quarter's Q, Y and CUM rows read its year's quarters (at most four) and one row per
key of the years before: what a quarter reads does not grow with the history. A
change in one year rewrites the cumulative rows of the later years, each from the
year before (a few rows per key and year, once per change).
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from lct_pipeline import periods
from lct_pipeline.indicators.parts import ALWAYS, PART_COLUMNS, PART_KEYS
from lct_pipeline.reference import Reference
from lct_pipeline.warehouse.reads import read_frame
from lct_pipeline.warehouse.tables_star import (
    fact_indicator_cum_parts,
    fact_indicator_parts,
    fact_indicator_year_parts,
)

_KEYS = ("operand", "org_code", "breakdown", "breakdown_value")
_SUMMARY_COLUMNS = ("year", *_KEYS, "due_period", "latest_period", "value")
_FIRST_YEAR = periods.year(periods.PROGRAMME_START)


def last_operands(reference: Reference) -> set[str]:
    """The operands of ``last`` indicators: taken as at a quarter, not summed."""
    return {
        o.key
        for i in reference.indicators.values()
        if i.time == "last"
        for o in (i.numerator, i.denominator)
        if o is not None
    }


def _summary(source, where, year: int, last: set[str], latest_column: str):
    """SELECT of ``source``'s rows under ``where`` (a table or a subquery) as summary
    rows of ``year``: ``sum`` operands summed per key, ``last`` operands each org's rows
    of its latest ``latest_column`` (the quarter a snapshot is for)."""
    t = source.c
    keys = [t[k] for k in _KEYS]
    summed = (
        sa.select(
            sa.literal(year).label("year"),
            *keys,
            sa.literal(ALWAYS).label("due_period"),
            sa.literal(ALWAYS).label("latest_period"),
            sa.func.sum(t.value).label("value"),
        )
        .where(where, t.operand.not_in(sorted(last)))
        .group_by(*keys)
    )
    latest = (
        sa.select(t.operand, t.org_code, sa.func.max(t[latest_column]).label("latest"))
        .where(where, t.operand.in_(sorted(last)))
        .group_by(t.operand, t.org_code)
        .subquery()
    )
    snapshots = sa.select(
        sa.literal(year).label("year"),
        *keys,
        t.due_period,
        t[latest_column].label("latest_period"),
        t.value,
    ).join(
        latest,
        sa.and_(
            t.operand == latest.c.operand,
            t.org_code == latest.c.org_code,
            t[latest_column] == latest.c.latest,
        ),
    )
    return sa.union_all(summed, snapshots)


def _replace(conn: sa.Connection, table: sa.Table, year: int, select) -> None:
    conn.execute(table.delete().where(table.c.year == year))
    conn.execute(table.insert().from_select(list(_SUMMARY_COLUMNS), select))


def store_year_parts(conn: sa.Connection, year: int, last: set[str]) -> None:
    """After a quarter of ``year`` stored its parts: that year's summary, then the
    cumulative rows of every later year (and of any year that has none yet)."""
    parts = fact_indicator_parts.c
    _replace(
        conn,
        fact_indicator_year_parts,
        year,
        _summary(
            fact_indicator_parts,
            parts.period.between(f"{year}Q1", f"{year}Q4"),
            year,
            last,
            "period",
        ),
    )
    y, c = fact_indicator_year_parts.c, fact_indicator_cum_parts.c
    newest = conn.execute(sa.select(sa.func.max(y.year))).scalar() or year
    have = set(conn.execute(sa.select(c.year).distinct()).scalars())
    for later in range(_FIRST_YEAR + 1, newest + 1):
        if later <= year and later in have:
            continue  # what came before it did not change
        # What came before ``later``: what came before the year before, and that year.
        both = sa.union_all(
            sa.select(*(c[col] for col in _SUMMARY_COLUMNS)).where(c.year == later - 1),
            sa.select(*(y[col] for col in _SUMMARY_COLUMNS)).where(y.year == later - 1),
        ).subquery()
        # Sums add up; each org's latest snapshot wins (the year's own, else the earlier).
        _replace(
            conn,
            fact_indicator_cum_parts,
            later,
            _summary(both, sa.true(), later, last, "latest_period"),
        )


def read_parts(conn: sa.Connection, period: str, last: set[str]) -> pd.DataFrame:
    """The stored parts quarter ``period``'s figures are summed from.

    The parts of its year as they are, and its year's cumulative rows: each ``sum``
    key's total before the year, labelled with the last quarter before the year (the
    CUM window holds it, the year's windows do not), and each org's latest snapshot of
    each ``last`` operand, with its own quarter.
    """
    t, c = fact_indicator_parts.c, fact_indicator_cum_parts.c
    year = periods.year(period)
    before = periods.shift(f"{year}Q1", -1)
    this_year = sa.select(*(t[col] for col in PART_COLUMNS)).where(
        t.period.between(f"{year}Q1", f"{year}Q4")
    )
    earlier = sa.select(
        sa.case((c.operand.in_(sorted(last)), c.latest_period), else_=before).label("period"),
        *(c[k] for k in _KEYS),
        c.due_period,
        c.value,
    ).where(c.year == year)
    union = sa.union_all(this_year, earlier).subquery()
    frame = read_frame(conn, sa.select(union).order_by(*(union.c[k] for k in PART_KEYS)))
    frame["value"] = frame["value"].astype(float)
    return frame
