"""The one job of the pipeline: a quarter from inbox to extracts."""

import dagster as dg

from assets.partitions import quarterly_partitions

QUARTERLY_PIPELINE = "quarterly_pipeline"

quarterly_pipeline = dg.define_asset_job(
    name=QUARTERLY_PIPELINE,
    selection=dg.AssetSelection.all(),
    partitions_def=quarterly_partitions,
    description="Ingest, validate, store and aggregate one quarter, and build its extracts.",
)
