"""The indicator engine (SPEC §7), driven by the catalogue: no code per indicator.

Each operand of an indicator is summed from *parts* (``parts.py``): one number
per org and quarter (and per breakdown member where the source has dimensions).
A row of ``indicator_values`` sums the parts of its quarters over the orgs of
its area, numerator and denominator separately, and only then divides: a ratio
is never an average of ratios.

`sum` indicators add up the quarters of the window. `last` indicators take, for
each org, its latest snapshot at the window's last quarter ("as at"), so a CSO
that skipped a quarter still counts with its previous snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lct_pipeline import periods
from lct_pipeline.columns import INDICATOR_KEY, INDICATOR_SUMS
from lct_pipeline.indicators.inputs import Inputs, org_areas
from lct_pipeline.indicators.parts import (
    TOTAL_BREAKDOWN,
    breakdowns_of,
    operand_parts,
    window_sums,
)
from lct_pipeline.reference import Indicator, Operand, Reference

AREA_KEYS = ["area_level", "area_code"]
WINDOW_KEYS = ["period_type", "period", "quarters_covered"]
ROW_KEYS = [*WINDOW_KEYS, *AREA_KEYS, "breakdown", "breakdown_value"]
# An indicator row before targets.py adds its target, achievement and RAG.
COLUMNS = [*INDICATOR_KEY, *INDICATOR_SUMS, "quarters_covered"]


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


@dataclass
class Sources:
    """The parts one run sums, per operand (IND03 to IND06 share VOT_ASSISTED).

    In a quarter's run the parts come from the warehouse (``stored``: the quarter's
    year and one pre-summed part per key for the years before); otherwise, as in
    tests, they are computed from the facts of ``inputs``.
    """

    inputs: Inputs
    reference: Reference
    stored: pd.DataFrame | None = None
    areas: pd.DataFrame = field(init=False)
    _seen: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.areas = org_areas(self.reference)

    def parts(self, operand: Operand) -> pd.DataFrame:
        if operand not in self._seen:
            if self.stored is not None:
                found = self.stored[self.stored["operand"] == operand.key]
            else:
                dims = breakdowns_of(operand, self.reference)
                found = operand_parts(operand, dims, self.inputs, self.reference)
            self._seen[operand] = found
        return self._seen[operand]


def _summed(
    sources: Sources,
    operand: Operand,
    time: str,
    spans: list[Window],
    breakdowns: list[str],
    name: str,
) -> pd.DataFrame:
    """An operand's parts summed over each window and over the orgs of each area, for
    TOTAL and each breakdown. An area without parts gets no row: a missing report is
    not a zero."""
    parts = sources.parts(operand)
    parts = parts[parts["breakdown"].isin([TOTAL_BREAKDOWN, *breakdowns])]
    windowed = [
        window_sums(parts, time, window.quarters).assign(
            period_type=window.period_type,
            period=window.period,
            quarters_covered=len(window.quarters),
        )
        for window in spans
    ]
    return (
        pd.concat(windowed, ignore_index=True)
        .merge(sources.areas, on="org_code")
        .groupby(ROW_KEYS, as_index=False)["value"]
        .sum()
        .rename(columns={"value": name})
    )


def indicator_rows(indicator: Indicator, sources: Sources, period: str) -> pd.DataFrame:
    """Every row of one indicator for the Q, Y and CUM windows of quarter ``period``."""
    spans = windows(period, sources.inputs.quarters)
    breakdowns = list(indicator.breakdowns)
    time = indicator.time
    rows = _summed(sources, indicator.numerator, time, spans, breakdowns, "numerator")
    if indicator.denominator is None:
        rows["denominator"] = np.nan
        rows["value"] = indicator.multiplier * rows["numerator"]
    else:
        own = breakdowns_of(indicator.denominator, sources.reference)
        shared = [b for b in breakdowns if b in own]
        den = _summed(sources, indicator.denominator, time, spans, shared, "denominator")
        rows = rows.merge(den, on=ROW_KEYS, how="outer")
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


def compute_indicators(
    inputs: Inputs, reference: Reference, period: str, parts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The Q and CUM rows of quarter ``period`` and the Y rows of its year, every indicator,
    from ``parts`` (see ``Sources``), or from the facts of ``inputs``.

    Nothing for a quarter that is not processed (after the latest one with data).
    """
    if period not in inputs.quarters:
        return pd.DataFrame(columns=COLUMNS)
    sources = Sources(inputs, reference, parts)
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
