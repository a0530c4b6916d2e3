"""The code location: every asset, check, job, schedule, sensor and resource.

``workspace.yaml`` and ``lct`` both load this one ``Definitions``, so the UI and
the command line run exactly the same assets.
"""

import dagster as dg

from assets import ingestion
from resources import build_resources
from schedules.jobs import quarterly_pipeline

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([ingestion]),
    jobs=[quarterly_pipeline],
    resources=build_resources(),
)
