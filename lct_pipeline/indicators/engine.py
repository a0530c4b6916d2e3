"""The indicator engine (SPEC §7), driven by the catalogue: no code per indicator.

Each operand of an indicator becomes *observations*: one number per org and
quarter (and per dimension member where the source has dimensions). A row of
``indicator_values`` sums the observations of its quarters over the orgs of its
area, numerator and denominator separately, and only then divides: a ratio is
never an average of ratios.

`sum` indicators add up the quarters of the window. `last` indicators take, for
each org, its latest snapshot at the window's last quarter ("as at"), so a CSO
that skipped a quarter still counts with its previous snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lct_pipeline import periods
from lct_pipeline.indicators import reporting
from lct_pipeline.indicators.inputs import Inputs, org_areas
from lct_pipeline.reference import TOTAL, Indicator, Operand, Reference

TOTAL_BREAKDOWN = "TOTAL"
# A total-only row has no members: in breakdowns it is "unknown" (SPEC §7).
UNKNOWN = "U"
AREA_KEYS = ["area_level", "area_code"]
WINDOW_KEYS = ["period_type", "period", "quarters_covered"]
ROW_KEYS = [*WINDOW_KEYS, *AREA_KEYS, "breakdown", "breakdown_value"]
COLUMNS = [
    "indicator_code",
    "period_type",
    "period",
    "area_level",
    "area_code",
    "breakdown",
    "breakdown_value",
    "numerator",
    "denominator",
    "value",
    "quarters_covered",
]


@dataclass(frozen=True)
class Window:
    """The quarters one row combines, and how the row names its period."""

    period_type: str
    period: str  # 2013Q1 for Q and CUM, 2013 for Y
    quarters: tuple[str, ...]


def windows(period: str, quarters: tuple[str, ...]) -> list[Window]:
    """The Q, Y (year to date over the processed quarters) and CUM windows of quarter ``period``."""
    year = periods.year(period)
    return [
        Window("Q", period, (period,)),
        Window("Y", str(year), tuple(q for q in quarters if periods.year(q) == year)),
        Window("CUM", period, tuple(q for q in quarters if q <= period)),
    ]


def _as_at(frame: pd.DataFrame, quarters: tuple[str, ...]) -> pd.DataFrame:
    """For each quarter A, each org's rows of its latest period <= A, with ``as_at`` = A."""
    parts = []
    for at in quarters:
        upto = frame[frame["period"] <= at]
        latest = upto.groupby("org_code")["period"].transform("max")
        parts.append(upto[upto["period"] == latest].assign(as_at=at))
    if not parts:
        return frame.assign(as_at=pd.Series(dtype=str))
    return pd.concat(parts, ignore_index=True)


def _element(operand: Operand, inputs: Inputs, reference: Reference) -> pd.DataFrame:
    element = reference.data_elements[operand.quantity]
    rows = inputs.values[inputs.values["data_element"] == operand.quantity]
    dims = list(element.dimensions)
    frame = rows[["org_code", "period", *dims, "value"]].copy()
    for dim in dims:
        frame[dim] = frame[dim].fillna(TOTAL).replace(TOTAL, UNKNOWN)
    # Rows outside the filter count as 0 rather than vanish: a CSO that reported the
    # element but no children reported 0 children, not nothing.
    for dim, member in operand.where:
        frame["value"] = frame["value"].where(frame[dim] == member, 0.0)
    return frame


def _measures(operand: Operand, inputs: Inputs) -> pd.DataFrame:
    snaps = _as_at(inputs.measures, inputs.quarters)
    live = snaps["status"] != "CANCELLED"
    # Due is judged at the quarter the row is for, even when the snapshot is older.
    due = live & (snaps["due_period"] <= snaps["as_at"])
    quantity = {
        "due": due,
        "completed_due": due & (snaps["status"] == "COMPLETED"),
        "spent_budget_eur": snaps["spent_budget_eur"],
        "planned_budget_eur": snaps["planned_budget_eur"],
    }[operand.quantity]
    frame = snaps.assign(value=quantity.astype(float))
    return frame.groupby(["org_code", "as_at"], as_index=False)["value"].sum()


def observations(operand: Operand, time: str, inputs: Inputs, reference: Reference):
    """org_code, ``as_at`` (the quarter the number is for), dimension members, value."""
    if operand.source == "measures":
        return _measures(operand, inputs)
    if operand.source == "reporting":
        frame = reporting.org_reporting(inputs, reference)
        frame = frame.assign(value=frame[operand.quantity].astype(float))
        frame = frame[["org_code", "period", "value"]]
    else:
        frame = _element(operand, inputs, reference)
    if time == "last":
        return _as_at(frame, inputs.quarters).drop(columns="period")
    return frame.rename(columns={"period": "as_at"})


@dataclass
class Sources:
    """The inputs of one run, with each operand's observations computed once
    (IND03 to IND06 share VOT_ASSISTED, IND11 and IND12 the reporting counts)."""

    inputs: Inputs
    reference: Reference
    areas: pd.DataFrame = field(init=False)
    _seen: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.areas = org_areas(self.reference)

    def observations(self, operand: Operand, time: str) -> pd.DataFrame:
        if (operand, time) not in self._seen:
            self._seen[operand, time] = observations(operand, time, self.inputs, self.reference)
        return self._seen[operand, time]


def _windowed(obs: pd.DataFrame, indicator: Indicator, spans: list[Window]) -> pd.DataFrame:
    """The observations of each window, labelled with it (an observation may be in several)."""
    parts = []
    for window in spans:
        if indicator.time == "last":
            inside = obs["as_at"] == window.quarters[-1]
        else:
            inside = obs["as_at"].isin(window.quarters)
        parts.append(
            obs[inside].assign(
                period_type=window.period_type,
                period=window.period,
                quarters_covered=len(window.quarters),
            )
        )
    return pd.concat(parts, ignore_index=True)


def _summed(
    obs: pd.DataFrame, areas: pd.DataFrame, breakdowns: list[str], name: str
) -> pd.DataFrame:
    """Windowed observations summed over the orgs of each area, for TOTAL and each breakdown.

    An area without observations gets no row: a missing report is not a zero.
    """
    placed = obs.merge(areas, on="org_code")
    long = [placed.assign(breakdown=TOTAL_BREAKDOWN, breakdown_value=TOTAL)]
    long += [placed.assign(breakdown=b, breakdown_value=placed[b]) for b in breakdowns]
    return (
        pd.concat(long, ignore_index=True)
        .groupby(ROW_KEYS, as_index=False)["value"]
        .sum()
        .rename(columns={"value": name})
    )


def indicator_rows(indicator: Indicator, sources: Sources, period: str) -> pd.DataFrame:
    """Every row of one indicator for the Q, Y and CUM windows of quarter ``period``."""
    areas = sources.areas
    spans = windows(period, sources.inputs.quarters)
    breakdowns = list(indicator.breakdowns)
    num_obs = _windowed(sources.observations(indicator.numerator, indicator.time), indicator, spans)
    rows = _summed(num_obs, areas, breakdowns, "numerator")
    if indicator.denominator is None:
        rows["denominator"] = np.nan
        rows["value"] = indicator.multiplier * rows["numerator"]
    else:
        den = sources.observations(indicator.denominator, indicator.time)
        den_obs = _windowed(den, indicator, spans)
        shared = [b for b in breakdowns if b in den_obs.columns]
        rows = rows.merge(_summed(den_obs, areas, shared, "denominator"), on=ROW_KEYS, how="outer")
        # A breakdown the denominator's source lacks divides by the area's total.
        lacking = rows["breakdown"].isin(set(breakdowns) - set(shared))
        if lacking.any():
            totals = rows.loc[rows["breakdown"] == TOTAL_BREAKDOWN, [*WINDOW_KEYS, *AREA_KEYS]]
            totals = totals.assign(denominator=rows["denominator"])
            filled = (
                rows[lacking]
                .drop(columns="denominator")
                .merge(totals, on=[*WINDOW_KEYS, *AREA_KEYS], how="left")
            )
            rows = pd.concat([rows[~lacking], filled], ignore_index=True)
        denominator = rows["denominator"].where(rows["denominator"] != 0)
        rows["value"] = indicator.multiplier * rows["numerator"] / denominator
    return rows.assign(indicator_code=indicator.code)[COLUMNS]


def compute_indicators(inputs: Inputs, reference: Reference, period: str) -> pd.DataFrame:
    """The Q and CUM rows of quarter ``period`` and the Y rows of its year, every indicator.

    Nothing for a quarter that is not processed (after the latest one with data).
    """
    if period not in inputs.quarters:
        return pd.DataFrame(columns=COLUMNS)
    sources = Sources(inputs, reference)
    frames = [indicator_rows(i, sources, period) for i in reference.indicators.values()]
    order = {level: n for n, level in enumerate(("NATIONAL", "REGION", "MUNICIPALITY", "ORG"))}
    return (
        pd.concat(frames, ignore_index=True)
        .assign(_level=lambda f: f["area_level"].map(order))
        .sort_values(
            ["indicator_code", "period_type", "_level", "area_code", "breakdown", "breakdown_value"]
        )
        .drop(columns="_level")
        .reset_index(drop=True)
    )
