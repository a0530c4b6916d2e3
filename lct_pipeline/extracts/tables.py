"""The indicator, summary and completeness tables of an extract, from the views.

Nothing is recomputed here except what the views cannot give: the year's
completeness (the quarters' counts added up, SPEC §7) and the order of rows,
which follows the catalogue so that a reader finds the same row in the same
place every quarter.
"""

from __future__ import annotations

import pandas as pd

from lct_pipeline.columns import INDICATOR_COLUMNS, REPORTING_COUNTS, TARGET_COLUMNS
from lct_pipeline.extracts.cells import TOTAL_BREAKDOWN
from lct_pipeline.extracts.inputs import ExtractInputs
from lct_pipeline.extracts.scope import CUMULATIVE, Scope
from lct_pipeline.reference import Reference

NATIONAL = "NATIONAL"
LEVEL_ORDER = {"NATIONAL": 0, "REGION": 1, "MUNICIPALITY": 2, "ORG": 3}
RAGS = ("GREEN", "AMBER", "RED")
HEADLINE_COLUMNS = ("indicator_code", "indicator_name", "value", *TARGET_COLUMNS)
CUMULATIVE_COLUMN = "cumulative_value"


def scoped_indicators(frame: pd.DataFrame, scope: Scope, *, cumulative: bool) -> pd.DataFrame:
    """The scope's rows (``Q`` or ``Y``), and its ``CUM`` rows when ``cumulative``."""
    chosen = (frame["period_type"] == scope.period_type) & (frame["period"] == scope.label)
    if cumulative:
        chosen |= (frame["period_type"] == CUMULATIVE) & (frame["period"] == scope.last_quarter)
    return frame[chosen]


def indicator_table(rows: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Indicator rows in catalogue order, with the indicator's name beside its code."""
    codes = {code: i for i, code in enumerate(reference.indicators)}
    # Unknown codes (not in the catalogue) go last rather than failing the extract.
    breakdowns = {
        (code, dim): i
        for code, ind in reference.indicators.items()
        for i, dim in enumerate(ind.breakdowns)
    }
    members = {
        (dim, member): i
        for dim, d in reference.dimensions.items()
        for i, member in enumerate(d.members)
    }
    code, breakdown, value = rows["indicator_code"], rows["breakdown"], rows["breakdown_value"]
    keyed = rows.assign(
        _ind=[codes.get(c, len(codes)) for c in code],
        _ptype=(rows["period_type"] == CUMULATIVE).astype(int),
        _level=rows["area_level"].map(LEVEL_ORDER).fillna(9),
        _breakdown=[
            -1 if b == TOTAL_BREAKDOWN else breakdowns.get((c, b), 99)
            for c, b in zip(code, breakdown, strict=True)
        ],
        _member=[
            -1 if b == TOTAL_BREAKDOWN else members.get((b, v), 99)
            for b, v in zip(breakdown, value, strict=True)
        ],
    )
    keyed = keyed.sort_values(
        ["_ind", "_ptype", "period", "_level", "area_code", "_breakdown", "_member"],
        kind="stable",
    )
    table = keyed.loc[:, list(INDICATOR_COLUMNS)].reset_index(drop=True)
    names = table["indicator_code"].map(
        lambda c: reference.indicators[c].name if c in reference.indicators else ""
    )
    table.insert(1, "indicator_name", names)
    return table


def headline(rows: pd.DataFrame, scope: Scope, reference: Reference) -> pd.DataFrame:
    """One line per indicator: the country's figure with target, achievement and RAG.

    ``rows`` are an indicator table of the scope; when it holds ``CUM`` rows their
    value is added as the figure since the programme's start.
    """
    national = rows[(rows["area_level"] == NATIONAL) & (rows["breakdown"] == TOTAL_BREAKDOWN)]
    own = national[national["period_type"] == scope.period_type].set_index("indicator_code")
    cum = national[national["period_type"] == CUMULATIVE].set_index("indicator_code")
    has_cum = bool((rows["period_type"] == CUMULATIVE).any())
    lines = []
    for code, indicator in reference.indicators.items():
        line = {"indicator_code": code, "indicator_name": indicator.name}
        for column in HEADLINE_COLUMNS[2:]:
            line[column] = own.at[code, column] if code in own.index else None
        if has_cum:
            line[CUMULATIVE_COLUMN] = cum.at[code, "value"] if code in cum.index else None
        lines.append(line)
    return pd.DataFrame(lines)


def area_name(level: str, code: str, reference: Reference) -> str:
    if level == "ORG":
        org = reference.organisations.get(code)
        return org.name if org else ""
    area = reference.areas.get(code)
    return area.name if area else ""


def completeness_table(
    frame: pd.DataFrame, scope: Scope, reference: Reference, *, include_org: bool
) -> pd.DataFrame:
    """Reporting completeness by area (and by CSO when ``include_org``) for the scope.

    A year gets its quarters' rows and a year row that adds up their counts.
    """
    rows = frame[frame["period"].isin(scope.quarters)]
    if not include_org:
        rows = rows[rows["area_level"] != "ORG"]
    if scope.period_type == "Y":
        year = (
            rows.groupby(["area_level", "area_code"], as_index=False)[list(REPORTING_COUNTS)]
            .sum()
            .assign(period=scope.label)
        )
        year["completeness_pct"] = _pct(year["received"], year["expected"])
        year["timeliness_pct"] = _pct(year["on_time"], year["expected"])
        rows = pd.concat([rows, year[rows.columns]], ignore_index=True)
    rows = rows.assign(_level=rows["area_level"].map(LEVEL_ORDER).fillna(9))
    rows = rows.sort_values(["period", "_level", "area_code"], kind="stable")
    names = [
        area_name(lv, c, reference)
        for lv, c in zip(rows["area_level"], rows["area_code"], strict=True)
    ]
    rows.insert(3, "area_name", names)
    return rows.drop(columns="_level").reset_index(drop=True)


def _pct(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    # A zero denominator gives no value, not zero (SPEC §7).
    return (100 * numerator / denominator.where(denominator != 0)).astype("float64")


def national_reporting(completeness: pd.DataFrame, scope: Scope) -> dict[str, float | None]:
    rows = completeness[
        (completeness["area_level"] == NATIONAL) & completeness["period"].isin(scope.quarters)
    ]
    expected, received, on_time = (float(rows[c].sum()) for c in REPORTING_COUNTS)
    return {
        "expected": expected,
        "received": received,
        "on_time": on_time,
        "completeness_pct": 100 * received / expected if expected else None,
        "timeliness_pct": 100 * on_time / expected if expected else None,
    }


def key_figures(
    inputs: ExtractInputs, scope: Scope, headline_rows: pd.DataFrame, *, internal: bool
) -> pd.DataFrame:
    """The figures a programme manager reads first, as (figure, value) lines."""
    reporting = national_reporting(inputs.reporting_completeness, scope)
    lines: list[tuple[str, object]] = [
        ("period", scope.label),
        ("CSO reports expected", reporting["expected"]),
        ("CSO reports received", reporting["received"]),
        ("CSO reports received on time", reporting["on_time"]),
        ("reporting completeness (%)", reporting["completeness_pct"]),
        ("reporting timeliness (%)", reporting["timeliness_pct"]),
    ]
    if internal:
        subs = inputs.submissions[inputs.slice_quarters.isin(scope.quarters)]
        lines += [
            ("files received", subs["sha256"].nunique()),
            ("rows received", subs["rows_total"].sum()),
            ("rows accepted", subs["rows_accepted"].sum()),
            ("rows rejected", subs["rows_rejected"].sum()),
            ("rows accepted with a warning", subs["rows_warned"].sum()),
        ]
    rags = headline_rows["rag"].value_counts()
    lines += [(f"indicators {rag}", int(rags.get(rag, 0))) for rag in RAGS]
    return pd.DataFrame(lines, columns=["figure", "value"], dtype=object)
