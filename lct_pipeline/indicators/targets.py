"""Targets, expected to date, achievement and RAG (SPEC §7).

Targets are annual and come from the catalogue. An annual count target (IND03:
40 victims assisted) is the programme's, so it is compared with the NATIONAL
figure only; a ratio target (a percentage) makes sense for any area, so it
applies at every level. Both apply to TOTAL rows only, never to CUM rows, and
a year without a target (2012) has none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lct_pipeline.indicators.engine import TOTAL_BREAKDOWN
from lct_pipeline.reference import Indicator, Reference

GREEN_AT = 0.9
AMBER_AT = 0.6
# Achievement is compared at 9 decimals, so that 0.9 reached through floating point
# (36 / 40, 100 × 9 / 20 / 50) is GREEN as a person computing it would expect.
_DECIMALS = 9


def rag(achievement: float | None) -> str | None:
    """GREEN at >= 0.9 of the expected value, AMBER at >= 0.6, else RED; None without one."""
    if achievement is None or pd.isna(achievement):
        return None
    rounded = round(float(achievement), _DECIMALS)
    if rounded >= GREEN_AT:
        return "GREEN"
    return "AMBER" if rounded >= AMBER_AT else "RED"


def expected_to_date(indicator: Indicator, target: float, quarters_covered: int) -> float:
    """A `sum` count accrues its annual target by quarter; ratios and `last` take it whole."""
    if indicator.is_ratio or indicator.time == "last":
        return target
    return target * quarters_covered / 4


def apply_targets(rows: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """``rows`` of the engine with target, expected_to_date, achievement and rag."""
    out = rows.copy()
    indicators = [reference.indicators[code] for code in out["indicator_code"]]
    is_ratio = pd.Series([i.is_ratio for i in indicators], index=out.index, dtype=bool)
    target = pd.Series(
        [
            i.targets.get(int(str(p)[:4]), np.nan)
            for i, p in zip(indicators, out["period"], strict=True)
        ],
        index=out.index,
        dtype=float,
    )
    applies = (
        (out["period_type"] != "CUM")
        & (out["breakdown"] == TOTAL_BREAKDOWN)
        & (is_ratio | (out["area_level"] == "NATIONAL"))
    )
    out["target"] = target.where(applies)
    out["expected_to_date"] = pd.Series(
        [
            expected_to_date(i, t, n)
            for i, t, n in zip(indicators, out["target"], out["quarters_covered"], strict=True)
        ],
        index=out.index,
        dtype=float,
    )
    expected = out["expected_to_date"].where(out["expected_to_date"] != 0)
    out["achievement"] = out["value"] / expected
    out["rag"] = out["achievement"].map(rag).astype(object)
    return out
