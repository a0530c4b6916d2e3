"""The definitions sheet: what each indicator and data element means, from the catalogue.

Written from the same catalogue the pipeline computes with, so the words can
never drift from the numbers.
"""

from __future__ import annotations

import pandas as pd

from lct_pipeline.extracts.public import Plan
from lct_pipeline.reference import Operand, Reference

_QUANTITY_WORDS = {
    "completed_due": "action-plan measures COMPLETED among those due by the quarter",
    "due": "action-plan measures due by the quarter (CANCELLED excluded)",
    "spent_budget_eur": "action-plan budget spent (EUR)",
    "planned_budget_eur": "action-plan budget planned (EUR)",
    "received": "values submissions received",
    "on_time": "values submissions received within 30 days after the quarter ended",
    "expected": "values submissions expected (active CSOs × quarters)",
}
_TIME_WORDS = {
    "sum": "sum: a year and the cumulative figure add up the quarters",
    "last": "last: each CSO's latest snapshot up to the period",
}


def operand_words(operand: Operand, reference: Reference) -> str:
    if operand.source != "element":
        return _QUANTITY_WORDS.get(operand.quantity, operand.quantity)
    element = reference.data_elements[operand.quantity]
    where = ", ".join(f"{dim} = {member}" for dim, member in operand.where)
    return f"{element.name} [{element.code}" + (f", {where}" if where else "") + "]"


def formula_words(code: str, reference: Reference) -> str:
    indicator = reference.indicators[code]
    numerator = operand_words(indicator.numerator, reference)
    if indicator.denominator is None:
        return f"sum of {numerator}"
    factor = f"{indicator.multiplier:g} × " if indicator.multiplier != 1 else ""
    return f"{factor}{numerator} ÷ {operand_words(indicator.denominator, reference)}"


def indicator_definitions(reference: Reference) -> pd.DataFrame:
    years = sorted({y for ind in reference.indicators.values() for y in ind.targets})
    lines = []
    for code, ind in reference.indicators.items():
        line: dict[str, object] = {
            "indicator_code": code,
            "indicator_name": ind.name,
            "formula": formula_words(code, reference),
            "time": _TIME_WORDS.get(ind.time, ind.time),
            "sensitive": "yes" if ind.sensitive else "no",
            "breakdowns": ", ".join(ind.breakdowns),
        }
        for year in years:
            line[f"target_{year}"] = ind.targets.get(year)
        lines.append(line)
    return pd.DataFrame(lines)


def data_element_definitions(reference: Reference) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "data_element": code,
                "name": element.name,
                "dimensions": ", ".join(element.dimensions),
                "max_per_row": element.max,
                "sensitive": "yes" if element.sensitive else "no",
            }
            for code, element in reference.data_elements.items()
        ]
    )


def reading_notes(plan: Plan | None) -> pd.DataFrame:
    """How to read the columns (and, in the public extract, what is hidden and why)."""
    notes = [
        ("period_type", "Q = the quarter; Y = the year (its quarters); CUM = since 2012Q4"),
        ("expected_to_date", "the annual target × quarters covered ÷ 4 (counts), else the target"),
        ("achievement", "value ÷ expected_to_date"),
        ("rag", "GREEN at achievement >= 0.9, AMBER at >= 0.6, else RED"),
        ("empty value", "no data, or a ratio whose denominator is zero"),
    ]
    if plan is not None:
        t, n = plan.threshold, plan.min_contributors
        notes += [
            (f"<{t}", f"a count of victims from 1 to {t - 1}, not shown"),
            ("[c]", f"a count of at least {t}, hidden so that a small count cannot be worked"
                    " out from the totals; a ratio, achievement or RAG hidden with its count"),
            ("left out", f"figures on victims are published only for areas where at least {n}"
                         " CSOs reported values in the period, so that no figure is one or two"
                         " CSOs' own; the areas left out, and any left out to protect another"
                         " hidden count, are listed below"),
            ("a missing breakdown row", "no data (zero) for that member, outside the areas"
                                        " left out"),
        ]  # fmt: skip
    return pd.DataFrame(notes, columns=["term", "meaning"])
