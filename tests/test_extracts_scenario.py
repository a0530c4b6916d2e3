"""Scenarios for the extract tests: the SPEC §8 views built from a few facts.

``views`` computes ``indicator_values`` and ``reporting_completeness`` from
per-CSO counts the way SPEC §7 defines them (areas, Q/Y/CUM, ratios of sums,
targets, RAG), independently of the warehouse code, so the extract tests do not
wait for it. The other test modules import the scenarios from here; the tests
below check the builder itself on hand-computed figures.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pandas as pd

from lct_pipeline import periods
from lct_pipeline.columns import INDICATOR_COLUMNS, ISSUE_COLUMNS, SUBMISSION_COLUMNS
from lct_pipeline.extracts import (
    ExtractInputs,
    RunInfo,
    build_extract,
    render_extract,
    render_public,
)
from lct_pipeline.extracts.build import PUBLIC_FOLDER
from lct_pipeline.extracts.public_versions import publish
from lct_pipeline.reference import Operand, Reference

RUN = RunInfo("run-0001", "0.1.0", datetime.fromisoformat("2014-02-01T06:00:00+01:00"))

# --- the hand scenario: 2 regions, 3 municipalities, 4 CSOs, 2013Q1 -------------------------
# R-VOJ: M-NSA (CSO01, CSO02), M-SUB (CSO03); R-BEG: M-BGD (CSO06).
HAND_COUNTS = {
    # element: {org: {(sex, age_group): count}}
    "VOT_ASSISTED": {
        "CSO01": {("F", "ADULT"): 4, ("M", "ADULT"): 3, ("F", "CHILD"): 1},
        "CSO02": {("F", "ADULT"): 6},
        "CSO03": {("F", "ADULT"): 2, ("M", "ADULT"): 1},
        "CSO06": {("F", "ADULT"): 9, ("M", "ADULT"): 5, ("F", "CHILD"): 2, ("M", "CHILD"): 1},
    },
    "VOT_IDENTIFIED": {
        "CSO01": {("F", "ADULT"): 10},
        "CSO02": {("F", "ADULT"): 8},
        "CSO03": {("F", "ADULT"): 6},
        "CSO06": {("F", "ADULT"): 20},
    },
}
HAND_CONTACTED = {  # PERSONS_CONTACTED: {org: {(sex, age_group, vulnerable_group): count}}
    "CSO01": {("F", "ADULT", "POVERTY"): 3, ("M", "ADULT", "RURAL"): 1},
    "CSO02": {("F", "CHILD", "CHILD_MOVE"): 10},
    "CSO03": {("M", "ADULT", "ETHNIC"): 2},
    "CSO06": {("F", "ADULT", "REFUGEE_IDP"): 20, ("M", "ADULT", "MIGRANT"): 6},
}
HAND_REPORTING = {"CSO01": (1, 1), "CSO02": (1, 1), "CSO03": (1, 0), "CSO06": (1, 1)}
HAND_INDICATORS = ["IND01", "IND03", "IND04", "IND05"]
SHA = {name: (name * 64)[:64] for name in "abcdef"}


def hand_facts(quarter: str = "2013Q1") -> list[dict]:
    facts = []
    for element, by_org in HAND_COUNTS.items():
        for org, cells in by_org.items():
            for (sex, age), value in cells.items():
                facts.append(_fact(org, quarter, element, value, sex=sex, age_group=age))
    for org, cells in HAND_CONTACTED.items():
        for (sex, age, group), value in cells.items():
            dims = {"sex": sex, "age_group": age, "vulnerable_group": group}
            facts.append(_fact(org, quarter, "PERSONS_CONTACTED", value, **dims))
    return facts


def hand_issues() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Submissions, rejections and warnings of 2013Q1, with text that looks like formulas."""
    subs = pd.DataFrame(
        [
            ("s1", "2013Q1/cso01.csv", SHA["a"], "2013-04-10 08:00", "CSO01", "2013Q1", "values",
             "accepted", 20, 20, 0, 0),
            ("s2", "2013Q1/cso02.csv", SHA["b"], "2013-04-12 09:00", "CSO02", "2013Q1", "values",
             "accepted", 3, 3, 0, 0),
            ("s3", "2013Q1/cso03.xlsx", SHA["c"], "2013-05-20 10:00", "CSO03", "2013Q1", "values",
             "partial", 9, 6, 3, 1),
            ("s6", "2013Q1/cso06.csv", SHA["d"], "2013-04-02 12:00", "CSO06", "2013Q1", "values",
             "accepted", 14, 14, 0, 0),
            ("s9", "2013Q1/lista.xlsx", SHA["e"], "2013-03-28 12:00", "", "", "", "rejected",
             4, 0, 4, 0),
            ("s10", "2013Q2/cso01.csv", SHA["f"], "2013-07-03 12:00", "CSO01", "2013Q2",
             "values", "accepted", 5, 5, 0, 0),
        ],
        columns=SUBMISSION_COLUMNS,
    )  # fmt: skip
    rejections = pd.DataFrame(
        [
            ("s3", "2013Q1/cso03.xlsx", "values", 4, "value", "=1+1", "NOT_A_NUMBER",
             "value '=1+1' is not a number"),
            ("s3", "2013Q1/cso03.xlsx", "values", 7, "value", "-2+3", "NOT_A_NUMBER",
             "-2+3 is not a number; write the count"),
            ("s3", "2013Q1/cso03.xlsx", "values", 9, "comment", '=HYPERLINK("http://x.test")',
             "MISSING_VALUE", "@SUM(A1) value is missing"),
            ("s9", "2013Q1/lista.xlsx", "", None, "ime", None, "PERSONAL_DATA",
             "+cmd column(s) ime look like personal data"),
        ],
        columns=ISSUE_COLUMNS,
    )  # fmt: skip
    warnings = pd.DataFrame(
        [("s3", "2013Q1/cso03.xlsx", "values", 5, "value", "@SUM(A1)", "OUTLIER",
          "\tvalue 480 is far above earlier quarters")],
        columns=ISSUE_COLUMNS,
    )  # fmt: skip
    return subs, rejections, warnings


def hand_inputs(reference: Reference, quarter: str = "2013Q1") -> ExtractInputs:
    """The hand scenario; in another quarter than 2013Q1 it has no rejections."""
    facts = hand_facts(quarter)
    reporting = {(org, quarter): counts for org, counts in HAND_REPORTING.items()}
    indicators, completeness = views(reference, facts, reporting, [quarter], HAND_INDICATORS)
    subs, rejections, warnings = hand_issues()
    return ExtractInputs(indicators, completeness, rejections, warnings, subs)


# --- SPEC §7, small and independent ------------------------------------------------------------


def _fact(org: str, period: str, element: str, value: float, **dims: str) -> dict:
    return {"org_code": org, "period": period, "data_element": element, "value": value, **dims}


def _matches(fact: dict, operand: Operand, filters: tuple) -> bool:
    return fact["data_element"] == operand.quantity and all(
        fact.get(dim) == member for dim, member in (*operand.where, *filters)
    )


def _area_chain(reference: Reference, org: str) -> list[tuple[str, str, str]]:
    chain = [("ORG", org, reference.organisations[org].name)]
    return chain + [(a.level, a.code, a.name) for a in reference.area_chain(org)]


def _windows(quarters: list[str]) -> list[tuple[str, str, list[str], int]]:
    """(period, period_type, quarters summed, n for expected_to_date) of every row period."""
    windows = [(q, "Q", [q], 1) for q in quarters]
    for year in sorted({periods.year(q) for q in quarters}):
        covered = [q for q in quarters if periods.year(q) == year]
        windows.append((str(year), "Y", covered, len(covered)))
    windows += [(q, "CUM", [p for p in quarters if p <= q], 0) for q in quarters]
    return windows


def _rag(achievement: float | None) -> str | None:
    if achievement is None:
        return None
    return "GREEN" if achievement >= 0.9 else "AMBER" if achievement >= 0.6 else "RED"


def views(
    reference: Reference,
    facts: list[dict],
    reporting: dict[tuple[str, str], tuple[int, int]],
    quarters: list[str],
    codes: list[str],
    measures: dict[tuple[str, str], dict[str, float]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``indicator_values`` and ``reporting_completeness`` of the facts (SPEC §7)."""
    measures = measures or {}
    members: dict[tuple[str, str], list[str]] = defaultdict(list)
    for fact in facts:
        for dim in reference.data_elements[fact["data_element"]].dimensions:
            if fact.get(dim) and fact[dim] not in members[(fact["data_element"], dim)]:
                members[(fact["data_element"], dim)].append(fact[dim])
    for key, found in members.items():
        order = reference.dimensions[key[1]].members
        found.sort(key=order.index)

    def org_sums(operand: Operand, window: list[str], filters: tuple) -> dict[str, float]:
        sums: dict[str, float] = defaultdict(float)
        if operand.source == "element":
            for f in facts:
                if f["period"] in window and _matches(f, operand, filters):
                    sums[f["org_code"]] += f["value"]
        elif operand.source == "reporting":
            for (org, q), (received, on_time) in reporting.items():
                if q in window:
                    sums[org] += {"received": received, "on_time": on_time, "expected": 1}[
                        operand.quantity
                    ]
        else:  # measures, time "last": each CSO's latest snapshot up to the window's end
            latest: dict[str, str] = {}
            for org, q in measures:
                if q <= window[-1] and q >= latest.get(org, ""):
                    latest[org] = q
            for org, q in latest.items():
                sums[org] = measures[(org, q)][operand.quantity]
        return sums

    rows = []
    for code in codes:
        ind = reference.indicators[code]
        for period, ptype, window, n in _windows(quarters):
            year = int(period[:4])
            target = ind.targets.get(year) if ptype != "CUM" else None
            splits = [("TOTAL", "_T", ())]
            if not ind.is_ratio:
                for dim in ind.breakdowns:
                    for member in members.get((ind.numerator.quantity, dim), []):
                        splits.append((dim, member, ((dim, member),)))
            total_areas = None
            for breakdown, value_code, filters in splits:
                num = org_sums(ind.numerator, window, filters)
                den = org_sums(ind.denominator, window, ()) if ind.is_ratio else {}
                areas: dict[tuple, list[float]] = {}
                for org in sorted(set(num) | set(den)):
                    for area in _area_chain(reference, org):
                        pair = areas.setdefault(area, [0.0, 0.0])
                        pair[0] += num.get(org, 0.0)
                        pair[1] += den.get(org, 0.0)
                if breakdown == "TOTAL":
                    total_areas = set(areas)
                for area in sorted(total_areas or ()):
                    n_value, d_value = areas.get(area, [0.0, 0.0])
                    if ind.is_ratio:
                        value = ind.multiplier * n_value / d_value if d_value else None
                    else:
                        value = n_value
                    # A count target is the programme's (NATIONAL); a ratio's fits any area.
                    has_target = (
                        target is not None
                        and breakdown == "TOTAL"
                        and (ind.is_ratio or area[0] == "NATIONAL")
                    )
                    etd = None
                    if has_target:
                        is_sum_count = ind.time == "sum" and not ind.is_ratio
                        etd = target * n / 4 if is_sum_count else target
                    ach = value / etd if value is not None and etd else None
                    key = (code, period, ptype, *area, breakdown, value_code)
                    d_shown = d_value if ind.is_ratio else None
                    t_shown = target if has_target else None
                    rows.append((*key, n_value, d_shown, value, t_shown, etd, ach, _rag(ach)))
    indicators = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    return indicators, _completeness(reference, reporting)


def _completeness(reference: Reference, reporting: dict) -> pd.DataFrame:
    sums: dict[tuple, list[int]] = {}
    for (org, q), (received, on_time) in sorted(reporting.items()):
        for level, code, _ in _area_chain(reference, org):
            counts = sums.setdefault((q, level, code), [0, 0, 0])
            counts[0] += 1
            counts[1] += received
            counts[2] += on_time
    return pd.DataFrame(
        [
            (q, level, code, e, r, t, 100 * r / e, 100 * t / e)
            for (q, level, code), (e, r, t) in sums.items()
        ],
        columns=["period", "area_level", "area_code", "expected", "received", "on_time",
                 "completeness_pct", "timeliness_pct"],
    )  # fmt: skip


def empty_issues() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return (
        pd.DataFrame(columns=SUBMISSION_COLUMNS),
        pd.DataFrame(columns=ISSUE_COLUMNS),
        pd.DataFrame(columns=ISSUE_COLUMNS),
    )


# --- randomised scenarios: many small counts of victims ----------------------------------------


def random_facts(reference: Reference, seed: int, quarter: str = "2013Q1") -> list[dict]:
    """Counts of victims for a random set of CSOs, mostly 0-4 with a few larger ones."""
    rng = random.Random(seed)
    active = reference.active_orgs(quarter)
    orgs = sorted(rng.sample(active, rng.randint(3, len(active))))

    def count() -> int:
        return rng.choice([0, 0, 1, 1, 2, 3, 4, 5, 6, 8, 12]) if rng.random() < 0.85 else 0

    facts = []
    for org in orgs:
        assisted = 0
        for sex in ("F", "M", "U"):
            for age in ("CHILD", "ADULT"):
                value = count() if sex != "U" or rng.random() < 0.2 else 0
                assisted += value
                if value or rng.random() < 0.3:
                    facts.append(_fact(org, quarter, "VOT_ASSISTED", value, sex=sex, age_group=age))
        identified = assisted + rng.choice([0, 0, 1, 2, 5])
        facts.append(_fact(org, quarter, "VOT_IDENTIFIED", identified, sex="F", age_group="ADULT"))
        services = rng.choice([0, 1, 3, 2 * assisted, 3 * assisted])
        facts.append(_fact(org, quarter, "SERVICES_PROVIDED", services, service="LEGAL"))
    return facts


def random_inputs(reference: Reference, seed: int) -> ExtractInputs:
    facts = random_facts(reference, seed)
    orgs = {f["org_code"] for f in facts}
    reporting = {(org, "2013Q1"): (1, 1) for org in orgs}
    codes = ["IND03", "IND04", "IND05", "IND06"]
    indicators, completeness = views(reference, facts, reporting, ["2013Q1"], codes)
    subs, rejections, warnings = empty_issues()
    return ExtractInputs(indicators, completeness, rejections, warnings, subs)


# --- a whole programme: 14 CSOs, 2012Q4..2013Q4, every indicator -----------------------------

FULL_QUARTERS = ["2012Q4", "2013Q1", "2013Q2", "2013Q3", "2013Q4"]
REASONS = ["NOT_A_NUMBER", "BAD_DIMENSION", "TOTAL_MISMATCH", "MISSING_VALUE", "UNKNOWN_ORG"]


def full_inputs(reference: Reference, seed: int = 2013) -> ExtractInputs:
    """A plausible programme (seeded): what the report screenshot and year tests show."""
    rng = random.Random(seed)
    facts: list[dict] = []
    reporting: dict[tuple[str, str], tuple[int, int]] = {}
    measures: dict[tuple[str, str], dict[str, float]] = {}
    subs, rejections = [], []
    contacted = [
        ("F", "ADULT", "POVERTY"),
        ("M", "ADULT", "RURAL"),
        ("F", "CHILD", "CHILD_MOVE"),
        ("M", "CHILD", "ETHNIC"),
        ("F", "ADULT", "REFUGEE_IDP"),
    ]
    for qi, quarter in enumerate(FULL_QUARTERS):
        for org in reference.active_orgs(quarter):
            sent = rng.random() > 0.08
            on_time = sent and rng.random() > 0.15
            reporting[(org, quarter)] = (int(sent), int(on_time))
            if not sent:
                continue

            def add(element: str, value: float, org=org, quarter=quarter, **dims: str) -> None:
                facts.append(_fact(org, quarter, element, value, **dims))

            for sex, age, group in rng.sample(contacted, 2):
                value = rng.randint(0, 2) + qi // 4
                add("PERSONS_CONTACTED", value, sex=sex, age_group=age, vulnerable_group=group)
            for sex, group in (("F", "POVERTY"), ("M", "MIGRANT")):
                add("PERSONS_INFORMED", rng.randint(2, 8), sex=sex, vulnerable_group=group)
            assisted = {
                ("F", "ADULT"): rng.choice([0, 0, 0, 1]),
                ("M", "ADULT"): rng.choice([0, 0, 0, 1]),
                ("F", "CHILD"): rng.choice([0, 0, 0, 1]),
            }
            for (sex, age), value in assisted.items():
                add("VOT_ASSISTED", value, sex=sex, age_group=age)
            total = sum(assisted.values())
            add("VOT_IDENTIFIED", total + rng.choice([0, 0, 1]), sex="F", age_group="ADULT")
            add("SERVICES_PROVIDED", 3 * total, service="LEGAL")
            for sex, institution in (("F", "CSW"), ("M", "POLICE")):
                add("PROFESSIONALS_TRAINED", rng.randint(0, 4), sex=sex, institution=institution)
            submitted = rng.randint(0, 2)
            add("RECOMMENDATIONS_SUBMITTED", submitted)
            add("RECOMMENDATIONS_ADOPTED", rng.randint(0, submitted))
            measures[(org, quarter)] = {
                "due": 2 + qi,
                "completed_due": rng.randint(qi, 2 + qi),
                "planned_budget_eur": 10000.0,
                "spent_budget_eur": 1500.0 * (qi + 1) + rng.randint(0, 900),
            }
            sid, name = f"{org}-{quarter}", f"{quarter}/{org.lower()}.csv"
            rows, rejected = rng.randint(25, 40), rng.choice([0, 0, 0, 1, 2, 4])
            status = "partial" if rejected else "accepted"
            received = f"{periods.quarter_end(quarter)} 12:00"
            subs.append(
                (sid, name, (sid * 8)[:64], received, org, quarter, "values", status, rows,
                 rows - rejected, rejected, 0)
            )  # fmt: skip
            for r in range(rejected):
                reason = rng.choice(REASONS)
                rejections.append((sid, name, "", 3 + r, "value", "x", reason, "fix the value"))
    codes = list(reference.indicators)
    indicators, completeness = views(reference, facts, reporting, FULL_QUARTERS, codes, measures)
    return ExtractInputs(
        indicators,
        completeness,
        pd.DataFrame(rejections, columns=ISSUE_COLUMNS),
        pd.DataFrame(columns=ISSUE_COLUMNS),
        pd.DataFrame(subs, columns=SUBMISSION_COLUMNS),
    )


# --- the builder itself, on hand-computed figures ----------------------------------------------


def _row(frame: pd.DataFrame, **key) -> pd.Series:
    chosen = frame
    for column, value in key.items():
        chosen = chosen[chosen[column] == value]
    assert len(chosen) == 1, key
    return chosen.iloc[0]


def test_hand_scenario_views_follow_spec_7(reference):
    inputs = hand_inputs(reference)
    iv = inputs.indicator_values
    q = {"period": "2013Q1", "period_type": "Q"}
    national = _row(iv, indicator_code="IND03", area_code="RS", breakdown="TOTAL", **q)
    assert (national.value, national.target, national.expected_to_date) == (34, 40, 10)
    assert national.rag == "GREEN"
    child = _row(iv, indicator_code="IND03", area_code="M-NSA", breakdown_value="CHILD", **q)
    assert child.value == 1
    ratio = _row(iv, indicator_code="IND04", area_code="R-VOJ", **q)
    assert (ratio.numerator, ratio.denominator) == (17, 24)
    assert round(ratio.value, 4) == 70.8333
    org = _row(iv, indicator_code="IND01", area_code="CSO03", breakdown="TOTAL", **q)
    assert (org.area_level, org.area_name, org.value) == ("ORG", "Lokalna mreža Subotica", 2)
    year = _row(iv, indicator_code="IND01", area_code="RS", breakdown="TOTAL", period="2013")
    assert (year.period_type, year.expected_to_date) == ("Y", 30)
    cum = _row(iv, indicator_code="IND01", area_code="RS", breakdown="TOTAL", period_type="CUM")
    assert cum.value == 42
    assert pd.isna(cum.target)
    rc = inputs.reporting_completeness
    vojvodina = _row(rc, area_code="R-VOJ")
    assert (vojvodina.expected, vojvodina.received, vojvodina.on_time) == (3, 3, 2)


def test_random_scenarios_are_reproducible_and_keep_breakdowns_adding_up(reference):
    first = random_inputs(reference, 7).indicator_values
    assert first.equals(random_inputs(reference, 7).indicator_values)
    ind03 = first[(first["indicator_code"] == "IND03") & (first["period_type"] == "Q")]
    totals = ind03[ind03["breakdown"] == "TOTAL"].set_index("area_code")["value"]
    members = ind03[ind03["breakdown"] != "TOTAL"]
    sums = members.groupby(["area_code", "breakdown"])["value"].sum()
    assert len(sums) == 2 * len(totals)  # sex and age_group at every area
    for (area, _), value in sums.items():
        assert value == totals[area]


# --- both audiences of one scope --------------------------------------------------------------


def all_files(inputs, scope, reference, threshold: int = 5) -> dict[str, bytes]:
    """The internal files of a scope and its public folder's files (as ``public/<name>``)."""
    internal = render_extract(inputs, scope, reference, RUN).files
    public = render_public(inputs, scope, reference, RUN, threshold=threshold).files
    return internal | {f"{PUBLIC_FOLDER}/{name}": data for name, data in public.items()}


def build_all(inputs, scope, reference, root, threshold: int = 5):
    """Write the internal folder and the public folder of a scope, as the pipeline does."""
    result = build_extract(inputs, scope, reference, root, RUN)
    public = render_public(inputs, scope, reference, RUN, threshold=threshold)
    publish(Path(root), scope.label, public.files, public.manifest, public.values)
    return result
