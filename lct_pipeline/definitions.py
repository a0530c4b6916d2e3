"""The code location: every asset, check, job, schedule, sensor and resource.

``workspace.yaml`` and ``lct`` both load this one ``Definitions``, so the UI and
the command line run exactly the same assets.
"""

import dagster as dg

import assets
from resources import build_resources
from resources.pool_wait import sleep_while_waiting_for_pools
from schedules.freshness_sensor import freshness_sensor
from schedules.inbox_sensor import inbox_sensor
from schedules.jobs import QUARTERLY_PIPELINE, extracts_only, quarter_templates, quarterly_pipeline
from schedules.quarterly import quarterly_schedule

# Every process that runs steps (a run worker, `lct run`) loads this module first.
sleep_while_waiting_for_pools()

defs = dg.Definitions(
    assets=dg.load_assets_from_package_module(assets),
    asset_checks=dg.load_asset_checks_from_package_module(assets),
    jobs=[quarterly_pipeline, extracts_only, quarter_templates],
    schedules=[quarterly_schedule],
    sensors=[inbox_sensor, freshness_sensor],
    resources=build_resources(),
    # A run's steps share one process: each step process of the multiprocess executor
    # would import pandas and Great Expectations again (seconds and ~230 MB each), on
    # two cores. Scaling out is a run launcher's job (docs/deployment.md).
    executor=dg.in_process_executor,
)


def quarterly_job() -> dg.JobDefinition:
    """The quarterly job, resolved: what `lct run` executes, and (through
    ``dg.reconstructable``) what each step process of its multiprocess executor loads."""
    return defs.resolve_job_def(QUARTERLY_PIPELINE)
