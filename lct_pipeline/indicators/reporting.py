"""Reporting completeness and timeliness (SPEC §7, IND11/IND12).

Expected: every organisation active in the quarter, per the registry. Received:
it has an accepted values slice for the quarter. On time: its FIRST accepted
values slice was received by the end of the 30th day after the quarter ended,
so a later correction never makes a punctual CSO late, nor a late one punctual.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd

from lct_pipeline.columns import COMPLETENESS_COLUMNS, COMPLETENESS_KEY, REPORTING_COUNTS
from lct_pipeline.indicators.inputs import Inputs, org_areas
from lct_pipeline.periods import reporting_deadline
from lct_pipeline.reference import Reference

COUNTS = list(REPORTING_COUNTS)
COLUMNS = list(COMPLETENESS_COLUMNS)


def _deadline_passed_after(period: str) -> datetime:
    # The first instant that is late: midnight after the deadline day.
    return datetime.combine(reporting_deadline(period) + timedelta(days=1), time())


def org_reporting(inputs: Inputs, reference: Reference) -> pd.DataFrame:
    """org_code, period, expected, received, on_time (0/1) for each active org and processed
    quarter."""
    expected = pd.DataFrame(
        [(org, q) for q in inputs.quarters for org in reference.active_orgs(q)],
        columns=["org_code", "period"],
    )
    frame = expected.merge(inputs.first_received, on=["org_code", "period"], how="left")
    first = pd.to_datetime(frame["first_received_at"])
    late_from = pd.to_datetime(frame["period"].map(_deadline_passed_after))
    frame["expected"] = 1
    frame["received"] = first.notna().astype(int)
    frame["on_time"] = (first < late_from).astype(int)
    return frame[["org_code", "period", *COUNTS]]


def percentages(frame: pd.DataFrame) -> pd.DataFrame:
    """Completeness and timeliness in % of expected; no value where nothing was expected."""
    expected = frame["expected"].where(frame["expected"] > 0)
    return frame.assign(
        completeness_pct=100 * frame["received"] / expected,
        timeliness_pct=100 * frame["on_time"] / expected,
    )


def completeness(
    quarters: tuple[str, ...], orgs: pd.DataFrame, reference: Reference, period: str
) -> pd.DataFrame:
    """The rows of ``reporting_completeness`` for one quarter: every area with an active org.

    ``orgs``: each active org's counts for the quarter (``org_reporting``, or its stored
    parts); ``quarters``: the processed quarters (nothing for a quarter not among them).
    """
    if period not in quarters or orgs.empty:
        return pd.DataFrame(columns=COLUMNS)
    orgs = orgs[orgs["period"] == period]
    by_area = (
        orgs.merge(org_areas(reference), on="org_code")
        .groupby(list(COMPLETENESS_KEY), as_index=False)[COUNTS]
        .sum()
    )
    by_area[COUNTS] = by_area[COUNTS].astype(int)
    return percentages(by_area)[COLUMNS]


STATUS_ON_TIME, STATUS_LATE, STATUS_MISSING = "on time", "late", "MISSING"


def status_table(rows: pd.DataFrame) -> str:
    """``lct status``: each CSO's reporting by quarter, and the network's percentages.

    ``rows`` are ``reporting_completeness`` rows at the ORG and NATIONAL levels; a
    quarter in which a CSO was not active shows ``-``.
    """
    orgs = rows[rows["area_level"] == "ORG"]
    national = rows[rows["area_level"] == "NATIONAL"].set_index("period")
    quarters = sorted(rows["period"].unique())
    state = {
        (r.area_code, r.period): (
            STATUS_ON_TIME if r.on_time else STATUS_LATE if r.received else STATUS_MISSING
        )
        for r in orgs.itertuples()
    }
    table = [["CSO", *quarters]]
    for org in sorted(orgs["area_code"].unique()):
        table.append([org, *(state.get((org, q), "-") for q in quarters)])
    for label, column in (("complete %", "completeness_pct"), ("on time %", "timeliness_pct")):
        table.append([label, *(f"{national[column].get(q, float('nan')):.0f}" for q in quarters)])
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in table]
    return "\n".join(line.rstrip() for line in lines)
