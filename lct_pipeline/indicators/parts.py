"""A quarter's additive parts: the numbers every indicator row is summed from (SPEC §7).

One part is an organisation's own number for one quarter: per operand of the
catalogue (``element:VOT_ASSISTED``, ``measures:due``, ``reporting:received``)
and breakdown member, and for action-plan measures per due quarter (a measure
counts as due from its due quarter on). Q, Y and CUM rows at every area level
are sums of parts, so a quarter's run reads parts, never another quarter's facts.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from lct_pipeline.columns import REPORTING_COUNTS
from lct_pipeline.contract import DIMENSION_COLUMNS
from lct_pipeline.indicators.inputs import Inputs
from lct_pipeline.indicators.reporting import org_reporting
from lct_pipeline.reference import TOTAL, Indicator, Operand, Reference

TOTAL_BREAKDOWN = "TOTAL"
# A total-only row has no members: in breakdowns it is "unknown" (SPEC §7).
UNKNOWN = "U"
# The due quarter of parts that count at any quarter (every part but measures due).
ALWAYS = ""
PART_KEYS = ["period", "operand", "org_code", "breakdown", "breakdown_value", "due_period"]
PART_COLUMNS = [*PART_KEYS, "value"]
_MEASURE_QUANTITIES = ("due", "completed_due", "spent_budget_eur", "planned_budget_eur")


def breakdowns_of(operand: Operand, reference: Reference) -> tuple[str, ...]:
    """The dimensions an operand's source has: only data elements have any."""
    if operand.source != "element":
        return ()
    return reference.data_elements[operand.quantity].dimensions


def stored_operands(indicators: Iterable[Indicator], reference: Reference) -> dict[Operand, tuple]:
    """Each operand the catalogue uses, with the breakdowns some indicator needs of it;
    and the reporting counts, which completeness needs whatever the catalogue says."""
    needed: dict[Operand, set[str]] = {Operand("reporting", c): set() for c in REPORTING_COUNTS}
    for indicator in indicators:
        for operand in (indicator.numerator, indicator.denominator):
            if operand is not None:
                wanted = set(indicator.breakdowns) & set(breakdowns_of(operand, reference))
                needed.setdefault(operand, set()).update(wanted)
    return {
        operand: tuple(d for d in DIMENSION_COLUMNS if d in dims)
        for operand, dims in sorted(needed.items(), key=lambda item: item[0].key)
    }


def _element(operand: Operand, values: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    dims = list(reference.data_elements[operand.quantity].dimensions)
    frame = values.loc[values["data_element"] == operand.quantity, ["org_code", "period", *dims]]
    frame = frame.assign(value=values["value"].astype(float))
    for dim in dims:
        frame[dim] = frame[dim].fillna(TOTAL).replace(TOTAL, UNKNOWN)
    # Rows outside the filter count as 0 rather than vanish: a CSO that reported the
    # element but no children reported 0 children, not nothing.
    for dim, member in operand.where:
        frame["value"] = frame["value"].where(frame[dim] == member, 0.0)
    return frame


def _long(frame: pd.DataFrame, breakdowns: Iterable[str]) -> pd.DataFrame:
    """org-and-quarter observations summed for TOTAL and for each breakdown's members."""
    parts = [
        frame.groupby(["period", "org_code"], as_index=False)["value"]
        .sum()
        .assign(breakdown=TOTAL_BREAKDOWN, breakdown_value=TOTAL)
    ]
    for dim in breakdowns:
        summed = frame.groupby(["period", "org_code", dim], as_index=False)["value"].sum()
        parts.append(summed.rename(columns={dim: "breakdown_value"}).assign(breakdown=dim))
    return pd.concat(parts, ignore_index=True).assign(due_period=ALWAYS)


def _measures(operand: Operand, measures: pd.DataFrame) -> pd.DataFrame:
    """Each snapshot's parts: counts by due quarter (due is judged at the quarter a row is
    for), budgets whatever the due quarter; every snapshot has a part of each quantity,
    so its latest snapshot is found even when nothing in it is due yet."""
    if operand.quantity not in _MEASURE_QUANTITIES:
        raise KeyError(f"unknown measures quantity {operand.quantity!r}")
    keys = ["period", "org_code"]
    snapshots = measures[keys].drop_duplicates().assign(due_period=ALWAYS, value=0.0)
    if operand.quantity in ("spent_budget_eur", "planned_budget_eur"):
        parts = measures.groupby(keys, as_index=False)[operand.quantity].sum()
        parts = parts.rename(columns={operand.quantity: "value"}).assign(due_period=ALWAYS)
    else:
        counted = (measures["status"] != "CANCELLED") & measures["due_period"].notna()
        if operand.quantity == "completed_due":
            counted &= measures["status"] == "COMPLETED"
        rows = measures[counted]
        parts = rows.groupby([*keys, "due_period"], as_index=False).size()
        parts = pd.concat([snapshots, parts.rename(columns={"size": "value"})])
    return parts.assign(breakdown=TOTAL_BREAKDOWN, breakdown_value=TOTAL)


def _reporting(quantity: str, inputs: Inputs, reference: Reference) -> pd.DataFrame:
    frame = org_reporting(inputs, reference)
    return frame.assign(value=frame[quantity].astype(float))[["period", "org_code", "value"]]


def operand_parts(
    operand: Operand, breakdowns: Iterable[str], inputs: Inputs, reference: Reference
) -> pd.DataFrame:
    """The parts of one operand for the quarters of ``inputs``, from their facts."""
    if operand.source == "measures":
        parts = _measures(operand, inputs.measures)
    elif operand.source == "reporting":
        parts = _long(_reporting(operand.quantity, inputs, reference), ())
    else:
        parts = _long(_element(operand, inputs.values, reference), breakdowns)
    parts["value"] = parts["value"].astype(float)
    return parts.assign(operand=operand.key)[PART_COLUMNS]


def quarter_parts(inputs: Inputs, reference: Reference) -> pd.DataFrame:
    """Every stored part of the quarters of ``inputs`` (one quarter in a run)."""
    frames = [
        operand_parts(operand, breakdowns, inputs, reference)
        for operand, breakdowns in stored_operands(reference.indicators.values(), reference).items()
    ]
    return pd.concat(frames, ignore_index=True).sort_values(PART_KEYS, ignore_index=True)


def window_sums(parts: pd.DataFrame, time: str, quarters: tuple[str, ...]) -> pd.DataFrame:
    """org_code, breakdown, breakdown_value, value: an operand's parts over a window.

    ``sum`` adds the window's quarters; ``last`` takes each org's latest quarter up to
    the window's last (as at that quarter: a CSO that skipped a quarter still counts
    with its previous snapshot), with what is due by then.
    """
    keys = ["org_code", "breakdown", "breakdown_value"]
    if not quarters:
        return pd.DataFrame(columns=[*keys, "value"])
    if time == "last":
        at = quarters[-1]
        upto = parts[parts["period"] <= at]
        latest = upto.groupby("org_code")["period"].transform("max")
        chosen = upto[(upto["period"] == latest) & (upto["due_period"] <= at)]
    else:
        chosen = parts[parts["period"].isin(quarters)]
    return chosen.groupby(keys, as_index=False, sort=True)["value"].sum()
