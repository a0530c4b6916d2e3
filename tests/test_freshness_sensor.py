"""The freshness sensor as the daemon evaluates it: stale quarters get one run each,
tagged with the quarters whose change made them stale, and the UI is told."""

from __future__ import annotations

import dagster as dg
import pytest

from lct_pipeline import freshness
from lct_pipeline.warehouse.engine import get_engine
from lct_pipeline.warehouse.schema import ensure_schema
from resources import build_resources
from schedules import freshness_sensor as module
from schedules.freshness_sensor import freshness_sensor

QUARTERS = ["2012Q4", "2013Q1", "2013Q2"]


@pytest.fixture
def warehouse(workspace, monkeypatch):
    """2012Q4 was corrected after 2013Q1 and 2013Q2 were built: both read it (their CUM
    rows; OUTLIER looks back four quarters)."""
    engine = get_engine(workspace.warehouse_url)
    ensure_schema(engine)
    with engine.begin() as conn:
        for quarter in QUARTERS:
            freshness.record_data(conn, quarter, f"first {quarter}", "run-a")  # versions 1-3
        for quarter in QUARTERS:
            for stage in (freshness.VALIDATION, *freshness.FIGURES):
                freshness.record_built(conn, stage, quarter, 3)
        freshness.record_data(conn, "2012Q4", "corrected", "run-b")  # version 4
        for stage in (freshness.VALIDATION, *freshness.FIGURES):
            freshness.record_built(conn, stage, "2012Q4", 4)
    monkeypatch.setattr(module, "quarters_with_data", lambda _engine, _today: QUARTERS)
    return engine


def tick(instance: dg.DagsterInstance, cursor: str | None = None):
    from lct_pipeline.definitions import defs

    with dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=defs, resources=build_resources()
    ) as context:
        return freshness_sensor.evaluate_tick(context)


def test_each_stale_quarter_gets_one_run_tagged_with_its_cause(warehouse):
    with dg.DagsterInstance.ephemeral() as instance:
        result = tick(instance)

    requests = {r.tags["lct/quarter"]: r for r in result.run_requests}
    assert sorted(requests) == ["2013Q1", "2013Q2"]
    for quarter, request in requests.items():
        assert request.tags["lct/refresh_of"] == "2012Q4"
        assert request.tags["lct/trigger"] == "refresh"
        # Their validation read 2012Q4 (OUTLIER's history): they run whole.
        assert request.asset_selection is None, quarter
        assert request.run_key == f"refresh:{quarter}:4:" + ",".join(
            (freshness.VALIDATION, *freshness.FIGURES)
        )
    assert requests["2013Q1"].partition_key == "2013Q1"
    observed = {e.partition: e.metadata["stale_because"].value for e in result.asset_events}
    assert observed == {"2013Q1": "2012Q4 changed", "2013Q2": "2012Q4 changed"}


def test_a_quarter_whose_figures_only_are_stale_runs_its_figures(warehouse):
    with warehouse.begin() as conn:
        for quarter in ("2013Q1", "2013Q2"):
            freshness.record_built(conn, freshness.VALIDATION, quarter, 4)
    with dg.DagsterInstance.ephemeral() as instance:
        [first, second] = tick(instance).run_requests

    keys = {k.to_user_string() for k in first.asset_selection}
    assert keys == {
        "indicator_values", "reporting_completeness", "evaluation_extracts",
        "public_tables", "public_extracts",
    }  # fmt: skip
    assert second.asset_selection == first.asset_selection


def test_the_same_stale_state_is_requested_once(warehouse):
    with dg.DagsterInstance.ephemeral() as instance:
        first = tick(instance)
        second = tick(instance, first.cursor)

    assert len(first.run_requests) == 2
    assert second.run_requests == []
    assert second.skip_message == "Their refresh was requested already."


def test_it_waits_while_a_quarterly_run_is_in_progress(warehouse):
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_run(
            dg.DagsterRun(
                job_name="quarterly_pipeline", run_id="r1", status=dg.DagsterRunStatus.STARTED
            )
        )
        result = tick(instance)

    assert result.run_requests == []
    assert result.skip_message == "Waiting for the quarterly_pipeline runs in progress."


def test_nothing_is_requested_when_every_quarter_is_fresh(warehouse):
    with warehouse.begin() as conn:
        for quarter in ("2013Q1", "2013Q2"):
            for stage in (freshness.VALIDATION, *freshness.FIGURES):
                freshness.record_built(conn, stage, quarter, 4)
    with dg.DagsterInstance.ephemeral() as instance:
        result = tick(instance)

    assert result.run_requests == []
    assert result.skip_message == "Every quarter's figures follow from its data."


def test_a_year_planned_beside_a_quarter_published_again_is_refreshed(warehouse, monkeypatch):
    """Two runs of one year side by side: 2013Q1 was published again after the year's
    tables were (they add up its first version). Every stage is fresh by the data's
    versions, but the year's Q4 gets a run of its figures, and one only."""
    with warehouse.begin() as conn:
        freshness.record_data(conn, "2013Q4", "first 2013Q4", "run-a")  # version 5
        for stage in (freshness.VALIDATION, *freshness.FIGURES):
            for quarter in ("2013Q1", "2013Q2", "2013Q4"):
                freshness.record_built(conn, stage, quarter, 5)
    quarters = [*QUARTERS, "2013Q4"]
    monkeypatch.setattr(module, "quarters_with_data", lambda _engine, _today: quarters)
    numbers = {"2013Q1": 2}
    monkeypatch.setattr(module.public_versions, "republished", lambda _root: {"2013Q4": ["2013Q1"]})
    monkeypatch.setattr(
        module.public_versions, "current_number", lambda _root, q: numbers.get(q, 1)
    )
    with dg.DagsterInstance.ephemeral() as instance:
        first = tick(instance)
        again = tick(instance, first.cursor)
        numbers["2013Q1"] = 3  # published once more: a new state
        third = tick(instance, again.cursor)

    [request] = first.run_requests
    assert request.partition_key == "2013Q4"
    assert request.tags["lct/refresh_of"] == "2013Q1"
    keys = {k.to_user_string() for k in request.asset_selection}
    assert "public_tables" in keys and "public_extracts" in keys
    assert request.run_key == "refresh:2013Q4:5:public_extracts:republished:2013Q1@2"
    assert again.run_requests == []
    assert [r.run_key for r in third.run_requests] == [
        "refresh:2013Q4:5:public_extracts:republished:2013Q1@3"
    ]
