"""The pipeline's audit (lct_pipeline.extracts.audit) on small hand-built public tables.

Each table shows only the country's count of victims assisted (IND03, TOTAL) and
lists every other figure as left out, so the only relations that bind are the
ones each test writes down: quarters adding up to the year, regions to the
country. The audit must catch each known chain, name it, and give every hidden
cell its feasible interval.
"""

from __future__ import annotations

import dataclasses
import math
import random

import pandas as pd
import pytest
from test_extracts_scenario import (
    RUN,
    _fact,
    empty_issues,
    full_inputs,
    random_inputs,
    views,
)

from lct_pipeline.extracts import ExtractInputs, quarter_scope, render_public, year_scope
from lct_pipeline.extracts.audit import PublicTable, audit
from lct_pipeline.extracts.cells import figure_name, universe
from lct_pipeline.extracts.protection import (
    Equation,
    InconsistentTables,
    Interval,
    Status,
    System,
    is_protected,
)
from lct_pipeline.extracts.suppression import protect
from lct_pipeline.reference import Area, Organisation

COLUMNS = ["indicator_code", "period", "period_type", "area_level", "area_code", "breakdown",
           "breakdown_value", "numerator", "denominator", "value", "target", "expected_to_date",
           "achievement", "rag"]  # fmt: skip


def table(reference, period: str, ptype: str, shown: dict[str, str]) -> PublicTable:
    """IND03 totals of the areas in ``shown`` (area -> label); every other figure left out."""
    rows = [
        ["IND03", period, ptype, reference.areas[a].level, a, "TOTAL", "_T", v, "", v, "", "", "",
         ""]
        for a, v in shown.items()
    ]  # fmt: skip
    left = []
    for cell in sorted(universe(reference, [(period, ptype)])):
        if cell.area_code in shown and figure_name(cell.quantity) == "VOT_ASSISTED":
            continue
        left.append([period, ptype, cell.area_code, figure_name(cell.quantity)])
    return PublicTable(
        (period, ptype),
        pd.DataFrame(rows, columns=COLUMNS),
        pd.DataFrame(left, columns=["period", "period_type", "area_code", "figure"]),
    )


def intervals(result) -> dict[tuple[str, str], tuple]:
    return {
        (c.period, c.area_code): (lo, hi)
        for c, lo, hi in (
            (c, *_whole(iv)) for c, iv in result.intervals.items() if c.quantity[2] == ()
        )
        if c.quantity[1] == "VOT_ASSISTED"
    }


def _whole(iv: Interval) -> tuple:
    return (math.ceil(iv.low - 1e-6), iv.high if math.isinf(iv.high) else math.floor(iv.high))


def test_subtraction_across_quarters_is_caught_and_named(reference):
    # The issue's chain: a quarter's <5 is the year minus the other three (26 - 8 - 5 - 9 = 4).
    quarters = {"2013Q1": "<5", "2013Q2": "8", "2013Q3": "5", "2013Q4": "9"}
    tables = [table(reference, q, "Q", {"RS": v}) for q, v in quarters.items()]
    result = audit([*tables, table(reference, "2013", "Y", {"RS": "26"})], reference, 5)
    assert not result.passed
    [finding] = result.findings
    assert (finding.cell.period, finding.cell.area_code, finding.label) == ("2013Q1", "RS", "<5")
    assert _whole(finding.interval) == (4, 4)
    assert (
        "RS VOT_ASSISTED 2013 (26) = RS VOT_ASSISTED 2013Q1 (<5) + RS VOT_ASSISTED 2013Q2 (8)"
        in finding.chain
    )
    assert "RS VOT_ASSISTED 2013Q4 (9)" in finding.chain
    # Without the year table the quarter keeps its whole label.
    alone = audit(tables, reference, 5, exact=True)
    assert alone.passed and intervals(alone)[("2013Q1", "RS")] == (1, 4)


def test_bounds_from_the_labels_narrow_a_small_count(reference):
    # 6 = <5 + <5: each is at least 1, so each is at most 5 - ... = 2 to 4, not 1 to 4.
    quarters = {"2013Q1": "<5", "2013Q2": "<5", "2013Q3": "0", "2013Q4": "0"}
    tables = [table(reference, q, "Q", {"RS": v}) for q, v in quarters.items()]
    result = audit([*tables, table(reference, "2013", "Y", {"RS": "6"})], reference, 5)
    assert {(f.cell.period, _whole(f.interval)) for f in result.findings} == {
        ("2013Q1", (2, 4)),
        ("2013Q2", (2, 4)),
    }


def test_smallest_values_adding_up_to_a_published_total_pin_every_cell(reference):
    # 8 = [c] + <5 + <5 + <5, and [c] is at least 5: 5 + 1 + 1 + 1 = 8 pins all four.
    quarters = {"2013Q1": "[c]", "2013Q2": "<5", "2013Q3": "<5", "2013Q4": "<5"}
    tables = [table(reference, q, "Q", {"RS": v}) for q, v in quarters.items()]
    result = audit([*tables, table(reference, "2013", "Y", {"RS": "8"})], reference, 5)
    national = [f for f in result.findings if f.cell.area_code == "RS" and not f.cell.quantity[2]]
    assert {(f.cell.period, f.label, _whole(f.interval)) for f in national} == {
        ("2013Q1", "[c]", (5, 5)),
        ("2013Q2", "<5", (1, 1)),
        ("2013Q3", "<5", (1, 1)),
        ("2013Q4", "<5", (1, 1)),
    }


def test_a_table_that_leaves_enough_room_passes_and_reports_every_interval(reference):
    quarters = {"2013Q1": "[c]", "2013Q2": "<5", "2013Q3": "[c]", "2013Q4": "12"}
    tables = [table(reference, q, "Q", {"RS": v}) for q, v in quarters.items()]
    result = audit([*tables, table(reference, "2013", "Y", {"RS": "40"})], reference, 5, exact=True)
    assert result.passed
    found = intervals(result)
    assert found[("2013Q2", "RS")] == (1, 4)
    assert found[("2013Q1", "RS")] == (5, 22)  # 40 - 12 - 1 - 5 at most
    assert found[("2013Q3", "RS")] == (5, 22)
    frame = result.table()
    assert {"period", "area_code", "figure", "label", "lowest", "highest", "protected"} <= set(
        frame.columns
    )
    assert frame["protected"].all()


def test_a_left_out_area_is_pinned_by_the_country_minus_the_other_regions(reference):
    shown = {"RS": "20", "R-VOJ": "9", "R-SZS": "6", "R-JIS": "5"}
    result = audit([table(reference, "2013Q1", "Q", shown)], reference, 5, exact=True)
    # Forced to zero: there is no victim to protect.
    beg = {_whole(iv) for c, iv in result.intervals.items() if c.area_code == "R-BEG"
           and c.quantity == ("element", "VOT_ASSISTED", ())}  # fmt: skip
    assert beg == {(0, 0)}
    assert not [f for f in result.findings if f.cell.area_code in ("RS", "R-BEG")]
    # Three more in the country: now it is the one CSO's own figure.
    shown["RS"] = "23"
    result = audit([table(reference, "2013Q1", "Q", shown)], reference, 5)
    [finding] = [
        f
        for f in result.findings
        if f.cell.area_code == "R-BEG" and f.cell.quantity == ("element", "VOT_ASSISTED", ())
    ]
    assert _whole(finding.interval) == (3, 3)
    assert "RS VOT_ASSISTED 2013Q1 (23) = R-BEG VOT_ASSISTED 2013Q1 (left out)" in finding.chain


def test_the_labels_protection_rules():
    def protected(status, low, high):
        return is_protected(status, Interval(low, high), 5)

    assert protected(Status.SMALL, 1, 4) and not protected(Status.SMALL, 2, 4)
    assert protected(Status.SECONDARY, 5, 9) and not protected(Status.SECONDARY, 5, 8)
    assert protected(Status.LEFT_OUT, 0, 4)  # what a <5 would say
    assert protected(Status.LEFT_OUT, 0, 0)  # forced to zero: no victim
    assert not protected(Status.LEFT_OUT, 2, 4)
    assert protected(Status.LEFT_OUT, 12, math.inf)


def test_the_interval_engine_on_a_plain_sum():
    # t = a + b + c with t = 10 shown, a <5, b [c], c left out.
    status = {"a": Status.SMALL, "b": Status.SECONDARY, "c": Status.LEFT_OUT}
    system = System(status, {"t": 10.0}, [Equation.sum_of("t", ["a", "b", "c"])], 5)
    found = {c: (iv.low, iv.high) for c, iv in system.intervals().items()}
    assert found == {"a": (1.0, 4.0), "b": (5.0, 9.0), "c": (0.0, 4.0)}


def test_counts_an_equation_makes_equal_share_their_interval_and_what_pins_it():
    # t = a + b (t = 6 shown) and a2 = a (a count of two versions of a table, unchanged):
    # a2 is <5, so a is 1 to 4 too, and b = 6 - a is 2 to 5, pinned by the link.
    status = {"a": Status.LEFT_OUT, "a2": Status.SMALL, "b": Status.LEFT_OUT}
    link = Equation((("a2", 1.0), ("a", -1.0)))
    total = Equation.sum_of("t", ["a", "b"])
    system = System(status, {"t": 6.0}, [total, link], 5)
    found = system.intervals()
    assert {c: (iv.low, iv.high) for c, iv in found.items()} == {
        "a": (1.0, 4.0),
        "a2": (1.0, 4.0),
        "b": (2.0, 5.0),
    }
    assert found["b"].pinned_by == {"t", "a", "b", "a2"}  # the sum and the link
    assert link in found["b"].equations and total in found["b"].equations
    # Two labels that contradict through a link: no value fits.
    status = {"a": Status.SECONDARY, "a2": Status.SMALL}
    with pytest.raises(InconsistentTables):
        System(status, {}, [link], 5).intervals()


# Seed 1092 has a zero that a remedy elsewhere frees to 0 to 3 (without looking at it
# again, the loop leaves it so); 2,000 seeds passed when this was written.
@pytest.mark.parametrize("seed", [*range(40), 1092])
def test_the_loop_leaves_no_hidden_count_narrower_than_its_label_in_random_sum_tables(seed):
    # Two-level tables (totals of parts, totals of the totals) with many zeros and
    # small counts: the loop skips what it proved before (a zero stays proven until a
    # cell of its proof changes); an exact audit of every hidden cell must still pass.
    rng = random.Random(seed)
    values: dict[str, float] = {}
    equations: list[Equation] = []
    for column in range(3):
        tops = []
        for row in range(rng.randint(2, 4)):
            parts = [f"p{column}{row}{k}" for k in range(rng.randint(2, 4))]
            for part in parts:
                values[part] = float(rng.choice([0, 0, 0, 1, 2, 3, 4, 5, 7, 9, 12]))
            values[f"t{column}{row}"] = sum(values[p] for p in parts)
            equations.append(Equation.sum_of(f"t{column}{row}", parts))
            tops.append(f"t{column}{row}")
        values[f"g{column}"] = sum(values[t] for t in tops)
        equations.append(Equation.sum_of(f"g{column}", tops))
    # Rows across the columns tie the tables together, as quarters tie a year.
    for row in range(2):
        cells = [c for c in values if c.startswith("p") and c[2] == str(row)]
        values[f"r{row}"] = sum(values[c] for c in cells)
        equations.append(Equation.sum_of(f"r{row}", cells))
    left_out = {c for c in values if c.startswith("p") and rng.random() < 0.15}
    result = protect(values, equations, 5, changeable=set(values), left_out=left_out,
                     cost=lambda c: (c[0] != "p", values[c], c))  # fmt: skip
    shown = {c: v for c, v in values.items() if result.status[c] is Status.SHOWN}
    found = System(dict(result.status), shown, equations, 5).intervals()
    assert found, "nothing was hidden: the case tests nothing"
    narrow = {c: iv for c, iv in found.items() if not is_protected(result.status[c], iv, 5)}
    assert narrow == {}


def test_a_year_passes_the_audit_with_its_quarters_and_the_files_say_what_the_plan_decided(
    reference,
):
    """The year's table is made safe around its four quarters, as published before it."""
    public = render_public(full_inputs(reference), year_scope(2013), reference, RUN)
    tables = public.tables()
    result = audit(tables, reference, 5)
    assert result.passed, [f.chain for f in result.findings]
    # An attacker reading the files sees exactly the statuses the pipeline chose.
    for cell in universe(reference, public.plan.periods):
        assert result.status.get(cell, Status.SHOWN) is public.plan.of(cell), cell
    # Each quarter's table passes on its own, as it was published.
    for quarter in tables[:-1]:
        assert audit([quarter], reference, 5).passed
    counts = public.plan.counts(("2013", "Y"), reference)
    national = counts[counts["area_level"] == "NATIONAL"].iloc[0]
    assert national["published"] + national["hidden"] + national["left_out"] == 9  # 9 counts
    assert national["published"] > 0


def test_every_scope_of_random_networks_passes_and_matches_its_plan(reference):
    for seed in range(6):
        inputs = random_inputs(reference, seed)
        for scope in (quarter_scope("2013Q1"),):
            threshold = (5, 3, 10)[seed % 3]
            public = render_public(inputs, scope, reference, RUN, threshold=threshold)
            result = audit(public.tables(), reference, threshold)
            assert result.passed, (seed, [f.chain for f in result.findings])
            for cell in universe(reference, public.plan.periods):
                assert result.status.get(cell, Status.SHOWN) is public.plan.of(cell)


# --- a generated network: 40 CSOs in one- and many-CSO areas, two years and a half ----------

NETWORK_QUARTERS = ["2012Q4", "2013Q1", "2013Q2", "2013Q3", "2013Q4", "2014Q1", "2014Q2"]


def generated_network(reference, seed: int = 40, late: frozenset = frozenset()):
    """A registry of 40 CSOs (some joining late) in 3 regions and 9 municipalities, and
    ``views`` of seeded counts of victims for seven quarters; ``late``: (CSO, quarter)
    files not received yet (the other counts stay the same)."""
    rng = random.Random(seed)
    areas = {"RS": Area("RS", "Country", "NATIONAL", None)}
    sizes = {"A": [8, 1, 2, 1], "B": [12, 3, 1], "C": [1, 11]}  # CSOs per municipality
    orgs = {}
    for region, municipalities in sizes.items():
        areas[f"R-{region}"] = Area(f"R-{region}", f"Region {region}", "REGION", "RS")
        for i, size in enumerate(municipalities):
            code = f"M-{region}{i}"
            areas[code] = Area(code, f"Municipality {region}{i}", "MUNICIPALITY", f"R-{region}")
            for _ in range(size):
                org = f"CSO{len(orgs) + 1:02d}"
                start = "2013Q3" if rng.random() < 0.1 else "2012Q4"
                orgs[org] = Organisation(org, f"Org {org}", code, start)
    network = dataclasses.replace(reference, organisations=orgs, areas=areas)
    facts, reporting = [], {}
    for quarter in NETWORK_QUARTERS:
        for org in network.active_orgs(quarter):
            sent = rng.random() > 0.1
            received = sent and (org, quarter) not in late
            reporting[(org, quarter)] = (int(received), int(received))
            if not sent:
                continue
            assisted, made = 0, []
            for sex in ("F", "M"):
                for age in ("CHILD", "ADULT"):
                    value = rng.choice([0, 0, 0, 1, 1, 2, 3, 6])
                    assisted += value
                    made.append(_fact(org, quarter, "VOT_ASSISTED", value, sex=sex, age_group=age))
            made.append(_fact(org, quarter, "VOT_IDENTIFIED", assisted + rng.choice([0, 1, 4])))
            made.append(_fact(org, quarter, "SERVICES_PROVIDED", 2 * assisted))
            if received:
                facts += made
    codes = ["IND03", "IND04", "IND05", "IND06"]
    indicators, completeness = views(network, facts, reporting, NETWORK_QUARTERS, codes)
    subs, rejections, warnings = empty_issues()
    return network, ExtractInputs(indicators, completeness, rejections, warnings, subs)


@pytest.mark.slow
def test_a_generated_network_withstands_the_attacker_in_every_quarter_and_year(reference):
    network, inputs = generated_network(reference)
    scopes = [quarter_scope(q) for q in NETWORK_QUARTERS] + [year_scope(2012), year_scope(2013)]
    published = {"NATIONAL": 0, "hidden": 0}
    for scope in scopes:
        public = render_public(inputs, scope, network, RUN)
        result = audit(public.tables(), network, 5)
        assert result.passed, (scope.label, [f.chain for f in result.findings][:3])
        for cell in universe(network, public.plan.periods):
            assert result.status.get(cell, Status.SHOWN) is public.plan.of(cell)
        counts = public.plan.counts((scope.label, scope.period_type), network)
        published["NATIONAL"] += int(counts["published"].iloc[0])
        published["hidden"] += int(counts["hidden"].sum())
        # Municipalities of one or two CSOs publish nothing on victims.
        indicators = public.tables()[-1].indicators
        sensitive = indicators[indicators["indicator_code"].isin(["IND03", "IND04"])]
        assert not {"M-A1", "M-A2", "M-A3", "M-B2", "M-C0"} & set(sensitive["area_code"])
    # The tables stay useful: national figures on victims are published.
    assert published["NATIONAL"] > 0 and published["hidden"] > 0
