"""Public revisions (SPEC §9): a public table once published stays published, so a
revised one must be safe beside it. The attacker holds both versions and knows which
counts the revision changed (which CSOs sent late or corrected files may well be
known): every other count is the same in both.

The generated network of test_public_audit (40 CSOs, 1- to 12-CSO municipalities):
2013Q1 is published without one CSO's file, which then arrives late.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from test_extracts_scenario import RUN
from test_public_audit import generated_network, table

from lct_pipeline.extracts import public_versions as pv
from lct_pipeline.extracts import quarter_scope, render_public, year_scope
from lct_pipeline.extracts.audit import audit
from lct_pipeline.extracts.cells import Cell, universe
from lct_pipeline.extracts.protection import Equation, Status
from lct_pipeline.extracts.public import links

Q1 = quarter_scope("2013Q1")


def _publish(extract, root) -> None:
    pv.publish(root, extract.scope.label, extract.files, extract.manifest, extract.values)


def _joint_audit(extract, network, root):
    """The attacker's reading of every published version beside ``extract``."""
    kept = pv.published_versions(root, extract.scope.label, extract.scope.period_type)
    linked = [eq for k in kept for eq in links(k.published(network), extract.plan.values)]
    linked += [eq for k in kept for eq in k.published(network).sums]
    own = [t for t in extract.tables() if "@" not in t.period[0]]
    return audit([k.table() for k in kept] + own, network, 5, links=linked)


def _hidden(extract, network) -> int:
    period = (extract.scope.label, extract.scope.period_type)
    return sum(extract.plan.of(c) is not Status.SHOWN for c in universe(network, [period]))


def _victims_assisted(data: bytes) -> str:
    """The country's count of victims assisted (IND03 total), as a public table shows it."""
    table = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    row = table[
        (table["indicator_code"] == "IND03")
        & (table["area_level"] == "NATIONAL")
        & (table["breakdown"] == "TOTAL")
    ]
    return row["value"].item()


def _late(reference, org: str):
    network, before = generated_network(reference, late=frozenset({(org, "2013Q1")}))
    _, after = generated_network(reference)
    return network, before, after


def test_a_revision_that_reveals_nothing_publishes_what_a_clean_run_would(reference, tmp_path):
    # CSO01 is one of eight CSOs of M-A0: its late file moves figures, hides nothing new.
    network, before, after = _late(reference, "CSO01")
    first = render_public(before, Q1, network, RUN, root=tmp_path)
    assert first.revision.number == 1 and first.revision.changes.empty
    _publish(first, tmp_path)

    revised = render_public(after, Q1, network, RUN, root=tmp_path)
    clean = render_public(after, Q1, network, RUN)
    assert revised.revision.number == 2
    name = pv.indicators_file("2013Q1")
    assert revised.files[name] == clean.files[name]
    assert _joint_audit(revised, network, tmp_path).passed
    # The changes, as both versions publish them: the country's count of victims assisted.
    changes = revised.revision.changes
    national = changes[
        (changes["indicator_code"] == "IND03")
        & (changes["area_level"] == "NATIONAL")
        & (changes["breakdown"] == "TOTAL")
        & (changes["figure"] == "value")
    ]
    [line] = national.to_dict("records")
    assert line["old"] == _victims_assisted(first.files[name])
    assert line["new"] == _victims_assisted(revised.files[name]) != line["old"]
    assert "caused_by" not in changes.columns

    _publish(revised, tmp_path)
    assert (tmp_path / "2013Q1" / "public" / "revisions" / "1" / name).read_bytes() == (
        first.files[name]
    )
    # Run again with nothing new: the same version, its list of changes kept.
    again = render_public(after, Q1, network, RUN, root=tmp_path)
    assert again.revision.number == 2 and again.files[name] == revised.files[name]
    assert again.revision.changes.equals(revised.revision.changes)


def test_the_late_file_of_a_one_cso_municipality_is_not_given_away_by_the_difference(
    reference, tmp_path
):
    # CSO09 is M-A1's only CSO: without it M-A1 had no figure; its region's total did.
    network, before, after = _late(reference, "CSO09")
    first = render_public(before, Q1, network, RUN, root=tmp_path)
    _publish(first, tmp_path)

    clean = render_public(after, Q1, network, RUN)
    beside = _joint_audit(clean, network, tmp_path)
    assert not beside.passed  # what a clean run publishes would give CSO09's count away
    assert any("M-A1" in f.chain for f in beside.findings), [f.chain for f in beside.findings]

    revised = render_public(after, Q1, network, RUN, root=tmp_path)
    result = _joint_audit(revised, network, tmp_path)
    assert result.passed, [f.chain for f in result.findings][:3]
    period = ("2013Q1", "Q")
    assert _hidden(revised, network) > _hidden(clean, network)
    # Only more is hidden: every count the clean plan hides stays hidden.
    for cell in universe(network, [period]):
        if clean.plan.of(cell) is not Status.SHOWN:
            assert revised.plan.of(cell) is not Status.SHOWN, cell


@pytest.mark.slow
def test_a_year_after_a_revised_quarter_keeps_the_quarter_as_published(reference, tmp_path):
    network, before, after = _late(reference, "CSO09")
    quarters = [quarter_scope(q) for q in ("2013Q1", "2013Q2", "2013Q3", "2013Q4")]
    for scope in [*quarters, year_scope(2013)]:
        _publish(render_public(before, scope, network, RUN, root=tmp_path), tmp_path)
    assert pv.republished(tmp_path) == {}
    for scope in quarters:  # the refresh: each quarter, then the year with Q4
        _publish(render_public(after, scope, network, RUN, root=tmp_path), tmp_path)
    # The year adds up 2013Q1's first version, published again since: its Q4 is stale.
    assert pv.republished(tmp_path) == {"2013Q4": ["2013Q1"]}
    year = render_public(after, year_scope(2013), network, RUN, root=tmp_path)
    assert year.revision.number == 2
    published = pv.published_versions(tmp_path, "2013Q1", "Q")[-1].published(network)
    for cell in universe(network, [("2013Q1", "Q")]):
        mark = published.status[type(cell)("2013Q1@2", "Q", cell.area_code, cell.quantity)]
        assert year.plan.of(cell) is mark, cell
    tables = year.tables()
    result = audit(tables, network, 5, links=year.plan.links)
    assert result.passed, [f.chain for f in result.findings][:3]
    _publish(year, tmp_path)
    assert pv.republished(tmp_path) == {}


def test_a_kept_year_is_the_sum_of_the_quarters_published_with_it(reference):
    # Published first: Q1 3 (<5), Q2 and Q3 hidden ([c]), Q4 10, the year 33. A late Q1
    # file makes Q1 7 and the year 37; Q2 to Q4 did not change. The new tables say
    # Q2 + Q3 = 20, so the year as first published gives the first Q1 away: 33 - 20 - 10.
    first = {"2013Q1": "<5", "2013Q2": "[c]", "2013Q3": "[c]", "2013Q4": "10"}
    now = {**first, "2013Q1": "7"}
    old = [table(reference, f"{q}@1", "Q", {"RS": v}) for q, v in first.items()]
    old.append(table(reference, "2013@1", "Y", {"RS": "33"}))
    new = [table(reference, q, "Q", {"RS": v}) for q, v in now.items()]
    new.append(table(reference, "2013", "Y", {"RS": "37"}))
    assisted = ("element", "VOT_ASSISTED", ())

    def cell(period: str, ptype: str = "Q") -> Cell:
        return Cell(period, ptype, "RS", assisted)

    unchanged = [
        Equation(((cell(f"{q}@1"), 1.0), (cell(q), -1.0))) for q in ("2013Q2", "2013Q3", "2013Q4")
    ]
    year_sum = Equation.sum_of(cell("2013@1", "Y"), [cell(f"{q}@1") for q in first])
    assert audit([*old, *new], reference, 5, links=unchanged).passed  # blind to the sum
    result = audit([*old, *new], reference, 5, links=[*unchanged, year_sum])
    pinned = {f.cell: f for f in result.findings}
    finding = pinned[cell("2013Q1@1")]  # 3 to 3; its breakdown members 0 to 3 with it
    assert (finding.label, finding.interval.low, finding.interval.high) == ("<5", 3.0, 3.0)
    assert "2013@1" in finding.chain
    assert {c.period for c in pinned} == {"2013Q1@1"}


@pytest.mark.parametrize("org", ["CSO01", "CSO09", "CSO23", "CSO40"])
def test_a_quarter_revised_after_its_year_is_safe_beside_the_year_as_published(
    reference, tmp_path, org
):
    """The year 2013 is out, then a late 2013Q1 file revises the quarter. Until its Q4 is
    refreshed, the attacker holds the new quarter beside the year as first published (the
    sum of the first quarter versions): no hidden count can be worked out from them all."""
    network, before, after = _late(reference, org)
    quarters = [quarter_scope(q) for q in ("2013Q1", "2013Q2", "2013Q3", "2013Q4")]
    for scope in [*quarters, year_scope(2013)]:
        _publish(render_public(before, scope, network, RUN, root=tmp_path), tmp_path)
    revised = render_public(after, quarters[0], network, RUN, root=tmp_path)
    assert revised.revision.number == 2
    held = [
        k
        for label, ptype in [*((s.label, "Q") for s in quarters), ("2013", "Y")]
        for k in pv.published_versions(tmp_path, label, ptype)
    ]
    first_q1 = [k for k in held if k.period[0].startswith("2013Q1@")]
    linked = [eq for k in first_q1 for eq in links(k.published(network), revised.plan.values)]
    [year] = [k for k in held if k.period[1] == "Y"]
    assert year.quarters == {"2013Q1": 1, "2013Q2": 1, "2013Q3": 1, "2013Q4": 1}
    linked += list(year.published(network).sums)
    own = [t for t in revised.tables() if "@" not in t.period[0]]
    result = audit([k.table() for k in held] + own, network, 5, links=linked)
    assert result.error is None
    assert result.passed, [f.chain for f in result.findings][:3]
    assert len(result.intervals) > 0
