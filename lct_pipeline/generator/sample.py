"""The bundled sample (SPEC §10): the 14 CSOs of the demo network, 2012Q4 to 2013Q4.

Same generator, with the decisions scripted instead of drawn: each CSO's file
format, a dozen realistic mistakes in known places, one resubmission, one file
with personal data, one quarter sent in the network's template with rows left
empty. The victims assisted are then brought to exactly the programme's reported
43 (IND03, CUM, NATIONAL, 2013Q4) by adjusting clean accepted rows of current
slices, and the result is checked from the rows written. Regenerate with
``python -m lct_pipeline.generator --sample --out data/sample --overwrite``; a test
holds data/sample to that output.
"""

from __future__ import annotations

import random
from pathlib import Path

from lct_pipeline import periods
from lct_pipeline.generator import network_of, settings_of
from lct_pipeline.generator.build import Chance, Choice, Config, Quarter, org_quarters, slice_totals
from lct_pipeline.generator.data import SAMPLE_RATES, Plan, Profile, Value, element_sum
from lct_pipeline.generator.formats import Table
from lct_pipeline.generator.mistakes import (
    adopted_gt_submitted,
    inject_measure_reason,
    inject_value_reason,
    outlier,
)
from lct_pipeline.generator.output import Output
from lct_pipeline.generator.tables import V

SAMPLE = Config(orgs=14, first="2012Q4", last="2013Q4", seed=2013, error_rate=0.0)
VICTIMS_ASSISTED = 43  # the programme's reported IND03 at 2013Q4, CUM, NATIONAL
PERSONS_CONTACTED_AT_LEAST = 130  # its reported IND01

FORMAT_OF = {
    "CSO01": "utf8", "CSO02": "kobo", "CSO03": "cp1250", "CSO04": "utf8-bom", "CSO05": "utf16",
    "CSO06": "xlsx", "CSO07": "cp1250", "CSO08": "cp1250", "CSO09": "cp1251", "CSO10": "utf8",
    "CSO11": "kobo", "CSO12": "cp1251", "CSO13": "utf16", "CSO14": "cp1250",
}  # fmt: skip
GRID_OF = {"CSO04": "reduced", "CSO06": "reduced"}  # the others list non-zero counts only
TOTAL_ONLY = {"CSO10": {"VOT_IDENTIFIED", "VOT_ASSISTED"}, "CSO11": {"REFERRALS_MADE"}}
# (org, quarter) -> [(reason, element)]: one rejected row each, two for the duplicate.
VALUE_MISTAKES = {
    ("CSO03", "2012Q4"): [("NOT_INTEGER", "PERSONS_INFORMED")],
    ("CSO13", "2013Q1"): [("IMPLAUSIBLE_VALUE", "CONSULTATIONS_HELD")],
    ("CSO10", "2013Q1"): [("UNKNOWN_DATA_ELEMENT", "PERSONS_CONTACTED")],
    ("CSO05", "2013Q1"): [("MISSING_VALUE", "VOT_ASSISTED")],
    ("CSO14", "2013Q2"): [("ORG_INACTIVE", "PERSONS_INFORMED")],
    ("CSO09", "2013Q2"): [("BAD_DIMENSION", "PERSONS_INFORMED")],
    ("CSO02", "2013Q2"): [("NOT_A_NUMBER", "NETWORK_MEETINGS")],
    ("CSO01", "2013Q3"): [("DUPLICATE_CONFLICT", "PERSONS_CONTACTED")],
    ("CSO06", "2013Q3"): [("TOTAL_MISMATCH", "VOT_ASSISTED")],
    ("CSO12", "2013Q4"): [("BAD_PERIOD", "CONSULTATIONS_HELD")],
}
MEASURE_MISTAKES = {("CSO08", "2013Q4"): "BAD_STATUS"}
OUTLIERS = {("CSO06", "2013Q4"): "PERSONS_CONTACTED"}  # a big outreach campaign
ADOPTED_GT_SUBMITTED = {("CSO11", "2013Q3")}
OVERSPENT = ("CSO04", "2013Q3")  # a measure completed over budget, reported so from then on
RESUBMISSION = ("CSO07", "2013Q2")  # a victim left out, then sent again with the count corrected
PERSONAL_DATA = ("CSO13", "2013Q3")  # a list of the victims assisted, with their names
# The network's template filled in (SPEC §11): counts typed, 0 in the short tables, the
# long breakdowns' other rows left empty (not reported); the same figures as a CSV.
TEMPLATE = ("CSO01", "2013Q4")
# Slices whose scripted mistake or resubmission needs a victim assisted to be there.
NEEDS_A_VICTIM = {("CSO05", "2013Q1"), ("CSO06", "2013Q3"), RESUBMISSION}


class SampleScript(Chance):
    rates = SAMPLE_RATES
    overspend = 0.0

    def __init__(self, element_order: list[str]) -> None:
        super().__init__(SAMPLE)
        self.order = element_order

    def usual_format(self, org, rng) -> str:
        return FORMAT_OF[org.code]

    def adjust_profile(self, profile: Profile) -> None:
        profile.grid = GRID_OF.get(profile.org.code, "sparse")
        profile.total_only = frozenset(TOTAL_ONLY.get(profile.org.code, ()))

    def adjust_plan(self, org, plan: Plan) -> None:
        if org.code != OVERSPENT[0]:
            return
        done = periods.index(OVERSPENT[1])
        m = next(m for m in plan.measures if m.planned > 0 and m.start < done)
        m.due = m.done = done
        m.cancelled, m.execution = None, 1.12

    def natural(self, org, period: str, values: list[Value]) -> list[Value]:
        if (org.code, period) not in NEEDS_A_VICTIM or element_sum(values, "VOT_ASSISTED"):
            return values
        total_only = TOTAL_ONLY.get(org.code, ())
        victim = () if "VOT_ASSISTED" in total_only else ("F", "ADULT")
        need = {("VOT_IDENTIFIED", victim): 1, ("VOT_ASSISTED", victim): 1}
        if element_sum(values, "SERVICES_PROVIDED") < 1:
            need[
                "SERVICES_PROVIDED", () if "SERVICES_PROVIDED" in total_only else ("PSYCHOSOCIAL",)
            ] = 2
        values = [(e, d, max(n, need.pop((e, d), 0))) for e, d, n in values]
        values += [(e, d, n) for (e, d), n in need.items()]
        return sorted(values, key=lambda v: self.order.index(v[0]))  # stable: catalogue order

    def choose(self, profile: Profile, period: str, rng: random.Random) -> Choice:
        key = (profile.org.code, period)
        return Choice(
            missing=False,
            fmt="template" if key == TEMPLATE else profile.fmt,
            late=rng.random() < profile.late_share,
            resubmit=key == RESUBMISSION,
            problem="PERSONAL_DATA" if key == PERSONAL_DATA else None,
        )

    def first_version(self, org, period, values, rng) -> list[Value]:
        i = next(i for i, (e, _, n) in enumerate(values) if e == "VOT_ASSISTED" and n)
        e, d, n = values[i]
        return values[:i] + ([(e, d, n - 1)] if n > 1 else []) + values[i + 1 :]

    def values_mistakes(self, spot, t: Table, history) -> None:
        key = (spot.profile.org.code, spot.period)
        warned = [
            outlier(spot, t, history, (OUTLIERS[key],)) if key in OUTLIERS else True,
            adopted_gt_submitted(spot, t, history) if key in ADOPTED_GT_SUBMITTED else True,
        ]
        if not all(warned):
            raise ValueError(f"the warning scripted for {key} does not fit its rows")
        for reason, element in VALUE_MISTAKES.get(key, ()):
            inject_value_reason(spot, t, reason, element)

    def measures_mistakes(self, spot, t: Table) -> None:
        reason = MEASURE_MISTAKES.get((spot.profile.org.code, spot.period))
        if reason:
            inject_measure_reason(spot, t, reason)


def generate_sample(out: Path) -> dict:
    network, catalogue = network_of(SAMPLE)
    script = SampleScript(list(catalogue.data_elements))
    quarters = [
        q for org in network.orgs for q in org_quarters(SAMPLE, script, network, catalogue, org)
    ]
    set_victims(quarters, VICTIMS_ASSISTED, random.Random(f"{SAMPLE.seed}:victims"))
    output = Output(out, settings_of(SAMPLE, sample=True), catalogue)
    for quarter in quarters:
        output.add(quarter)
    assisted, contacted = output.totals["VOT_ASSISTED"], output.totals["PERSONS_CONTACTED"]
    if assisted != VICTIMS_ASSISTED or contacted < PERSONS_CONTACTED_AT_LEAST:
        raise AssertionError(f"the sample adds up to {assisted} victims, {contacted} persons")
    expected = {
        "period": SAMPLE.last,
        "period_type": "CUM",
        "area_level": "NATIONAL",
        "IND03": assisted,
        "IND01": contacted,
    }
    return output.finish({"expected": expected})


def set_victims(quarters: list[Quarter], target: int, rng: random.Random) -> None:
    """Bring the accepted current VOT_ASSISTED total to ``target``, one person at a time.

    Only clean rows move (no mistake, no warning, no total or duplicate check),
    never in the resubmitted quarter (its first version was derived before), and
    a victim is added only where identified victims and services leave room.
    """
    tables = [q.current for q in quarters if (q.org, q.period) != RESUBMISSION and q.current]
    rows = [(t, r) for t in tables for r in t.rows if r.element == "VOT_ASSISTED" and not r.locked]
    total = sum(slice_totals(q.current).get("VOT_ASSISTED", 0) for q in quarters if q.current)
    while total != target:
        if total > target:
            movable = [r for _, r in rows if r.cells[V["value"]] > 0]
            step = -1
        else:
            movable = [r for t, r in rows if _room(t)]
            step = 1
        if not movable:
            raise AssertionError(f"cannot bring the victims assisted from {total} to {target}")
        rng.choice(movable).cells[V["value"]] += step
        total += step


def _room(t: Table) -> bool:
    totals = slice_totals(t)
    assisted = totals.get("VOT_ASSISTED", 0)
    return (
        totals.get("VOT_IDENTIFIED", 0) > assisted and totals.get("SERVICES_PROVIDED", 0) > assisted
    )
