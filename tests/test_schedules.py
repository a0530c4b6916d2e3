"""The quarterly schedule and the jobs data officers launch, as the daemon and the UI see them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from schedules.quarterly import quarterly_schedule

BELGRADE = ZoneInfo("Europe/Belgrade")


def test_the_schedule_ticks_at_six_in_belgrade_on_the_first_of_feb_may_aug_nov():
    assert quarterly_schedule.cron_schedule == "0 6 1 2,5,8,11 *"
    assert quarterly_schedule.execution_timezone == "Europe/Belgrade"
    assert quarterly_schedule.job_name == "quarterly_pipeline"
    assert quarterly_schedule.default_status == dg.DefaultScheduleStatus.RUNNING


@pytest.mark.parametrize(
    ("tick", "quarter"),
    [
        (datetime(2013, 2, 1, 6, tzinfo=BELGRADE), "2012Q4"),
        (datetime(2013, 5, 1, 6, tzinfo=BELGRADE), "2013Q1"),
        (datetime(2013, 8, 1, 6, tzinfo=BELGRADE), "2013Q2"),
        (datetime(2013, 11, 1, 6, tzinfo=BELGRADE), "2013Q3"),
        # The year boundary: Q4 is run in February of the next year.
        (datetime(2014, 2, 1, 6, tzinfo=BELGRADE), "2013Q4"),
    ],
)
def test_each_tick_runs_the_quarter_whose_deadline_has_passed(tick, quarter):
    from lct_pipeline.definitions import defs

    context = dg.build_schedule_context(
        scheduled_execution_time=tick, repository_def=defs.get_repository_def()
    )
    [request] = quarterly_schedule.evaluate_tick(context).run_requests

    assert request.partition_key == quarter
    assert request.tags["lct/quarter"] == quarter
    assert request.tags["lct/trigger"] == "schedule"
    job = defs.resolve_job_def("quarterly_pipeline")
    assert quarter in job.partitions_def.get_partition_keys()


@pytest.mark.parametrize("job_name", ["quarterly_pipeline", "extracts_only"])
def test_every_run_of_a_quarter_is_tagged_with_the_quarter_as_people_write_it(job_name):
    from lct_pipeline.definitions import defs

    job = defs.resolve_job_def(job_name)
    tags = job.get_tags_for_partition_key("2013Q4", selected_asset_keys=None)

    assert tags["lct/quarter"] == "2013Q4"
    assert tags["dagster/partition"] == "2013Q4"


def test_an_earlier_quarter_runs_first_in_the_run_queue_and_the_warehouse_pool():
    from lct_pipeline.definitions import defs

    job = defs.resolve_job_def("quarterly_pipeline")
    quarters = ["2012Q4", "2013Q1", "2013Q4", "2022Q3"]
    priorities = [
        int(job.get_tags_for_partition_key(q, selected_asset_keys=None)["dagster/priority"])
        for q in quarters
    ]
    assert priorities == [0, -1, -4, -39]


def test_the_quarterly_job_runs_in_one_process_unless_the_launchpad_says_multiprocess():
    from lct_pipeline.definitions import defs

    job = defs.resolve_job_def("quarterly_pipeline")
    config = job.partitioned_config.get_run_config_for_partition_key("2013Q1")
    assert config == {"execution": {"config": {"in_process": {}}}}
    assert job.executor_def.name == "multi_or_in_process_executor"


def test_extracts_only_rebuilds_the_extracts_group_and_nothing_upstream():
    from lct_pipeline.definitions import defs

    graph = defs.resolve_asset_graph()
    extracts = {
        key for key in graph.get_all_asset_keys() if graph.get(key).group_name == "extracts"
    }
    job = defs.resolve_job_def("extracts_only")
    selected = set(job.asset_layer.selected_asset_keys)

    assert selected == extracts
    assert dg.AssetKey("raw_submissions") not in selected
    assert job.partitions_def == defs.resolve_job_def("quarterly_pipeline").partitions_def


def test_the_readme_launchpad_config_of_extracts_only_is_accepted(workspace):
    from lct_pipeline.definitions import defs

    job = defs.resolve_job_def("extracts_only")
    config = {"ops": {"public_tables": {"config": {"suppression_threshold": 10}}}}

    resolved = dg.validate_run_config(job, config)

    assert resolved["ops"]["public_tables"]["config"]["suppression_threshold"] == 10
    with pytest.raises(dg.DagsterInvalidConfigError):
        dg.validate_run_config(job, {"ops": {"public_tables": {"config": {"x": 1}}}})
