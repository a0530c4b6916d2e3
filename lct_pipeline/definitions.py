"""The code location: every asset, check, job, schedule, sensor and resource.

``workspace.yaml`` and ``lct`` both load this one ``Definitions``, so the UI and
the command line run exactly the same assets.
"""

import dagster as dg

import assets
from resources import build_resources
from schedules.jobs import quarterly_pipeline

defs = dg.Definitions(
    assets=dg.load_assets_from_package_module(assets),
    asset_checks=dg.load_asset_checks_from_package_module(assets),
    jobs=[quarterly_pipeline],
    resources=build_resources(),
)
