"""Quarters: the programme's unit of time (SPEC §2, §3.2).

A period is the text ``YYYYQn``; it sorts as text in the same order as in time,
which the warehouse relies on for range filters in SQL.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from lct_pipeline.normalise import fold

PROGRAMME_START = "2012Q4"
# A quarter's values file is on time up to this many days after the quarter ends (SPEC §7).
ON_TIME_DAYS = 30

# 2013Q1, 2013-Q1, 2013 Q1, Q1 2013, Q1/2013 (any case), nothing else.
# Matched on the folded text (full-width and other scripts' digits as ASCII, SPEC §3.2);
# [0-9], not \d, so that nothing else passes as a year.
_YEAR_FIRST = re.compile(r"^\s*([0-9]{4})\s*[-/ ]?\s*[qQ]\s*([1-4])\s*$")
_QUARTER_FIRST = re.compile(r"^\s*[qQ]\s*([1-4])\s*[-/ ]\s*([0-9]{4})\s*$")


def parse_period(text: object) -> str | None:
    """The period written in ``text`` as ``YYYYQn``, or None when it is not one."""
    if text is None:
        return None
    raw = fold(str(text))
    if m := _YEAR_FIRST.match(raw):
        return f"{m.group(1)}Q{m.group(2)}"
    if m := _QUARTER_FIRST.match(raw):
        return f"{m.group(2)}Q{m.group(1)}"
    return None


def index(period: str) -> int:
    """A running number of the quarter, so that quarters can be added and compared."""
    return int(period[:4]) * 4 + int(period[5]) - 1


def quarter_number(period: str) -> int:
    """``2013Q1`` -> ``20131``: quarters compare as numbers and still read as quarters."""
    return int(period[:4]) * 10 + int(period[5])


def from_index(i: int) -> str:
    return f"{i // 4}Q{i % 4 + 1}"


def shift(period: str, quarters: int) -> str:
    return from_index(index(period) + quarters)


def period_range(first: str, last: str) -> list[str]:
    """Every quarter from ``first`` to ``last``, both included."""
    return [from_index(i) for i in range(index(first), index(last) + 1)]


def year(period: str) -> int:
    return int(period[:4])


def quarter_start(period: str) -> date:
    return date(year(period), 3 * int(period[5]) - 2, 1)


def quarter_end(period: str) -> date:
    """The last day of the quarter."""
    return quarter_start(shift(period, 1)) - timedelta(days=1)


def reporting_deadline(period: str) -> date:
    """The last day on which a quarter's values file is on time (SPEC §7)."""
    return quarter_end(period) + timedelta(days=ON_TIME_DAYS)


def of_date(day: date | datetime) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"
