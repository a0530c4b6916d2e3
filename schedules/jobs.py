"""The jobs data officers launch: a whole quarter, only its extracts again, or the
submission templates CSOs fill in for a quarter.

All are partitioned by quarter (the key is the quarter, ``2013Q1``). Their
partitioned config also tags every run ``lct/quarter=2013Q1``, the tag runs carried
when keys were dates: runs launched for a partition from the launchpad, a job
backfill, the schedule, the sensor or ``lct run`` all carry it, and saved filters of
the runs page keep working.
"""

from collections.abc import Mapping

import dagster as dg

from assets.partitions import quarterly_partitions
from lct_pipeline import periods

QUARTERLY_PIPELINE = "quarterly_pipeline"
EXTRACTS_ONLY = "extracts_only"
QUARTER_TEMPLATES = "quarter_templates"
# The templates are sent out before a quarter is reported: not part of its data run.
QUARTERLY_SELECTION = dg.AssetSelection.all() - dg.AssetSelection.groups("templates")
QUARTER_TAG = "lct/quarter"
# What started a run (inbox, schedule, refresh) and, for a refresh, the quarters whose
# change made the run's quarter stale (``lct/refresh_of=2013Q1``).
TRIGGER_TAG = "lct/trigger"
REFRESH_TAG = "lct/refresh_of"
PRIORITY_TAG = "dagster/priority"


def quarter_tags(quarter: str) -> Mapping[str, str]:
    """The run tag that names a run's quarter (``lct/quarter=2013Q1``), beside Dagster's own,
    and the run's priority: the earlier the quarter, the higher."""
    # Later quarters read the earlier ones (validation's history, CUM, the year), so
    # the run queue launches earlier quarters first and, of the steps waiting for the
    # warehouse pool, an earlier quarter's gets the slot first: a backfill's quarters
    # then mostly run in the order a clean run takes, and little is left to refresh.
    priority = periods.index(periods.PROGRAMME_START) - periods.index(quarter)
    return {QUARTER_TAG: quarter, PRIORITY_TAG: str(priority)}


def _quarter_config(run_config: Mapping | None = None) -> dg.PartitionedConfig:
    # The same run config for every quarter: what a data officer sets in the launchpad
    # (e.g. the extracts' suppression threshold) is the run's config; only the tags vary.
    return dg.PartitionedConfig(
        partitions_def=quarterly_partitions,
        run_config_for_partition_key_fn=lambda _key: dict(run_config or {}),
        tags_for_partition_key_fn=quarter_tags,
    )


quarterly_pipeline = dg.define_asset_job(
    name=QUARTERLY_PIPELINE,
    selection=QUARTERLY_SELECTION,
    partitions_def=quarterly_partitions,
    # In one process by default (each step process would import pandas and Great
    # Expectations again); `lct run --workers N`, or `multiprocess` in the launchpad,
    # runs a quarter's independent steps side by side.
    executor_def=dg.multi_or_in_process_executor,
    config=_quarter_config({"execution": {"config": {"in_process": {}}}}),
    description=(
        "Ingest the inbox, then validate, store and aggregate one quarter and build its"
        " extracts. Launch it for one quarter, or as a backfill of many."
    ),
)

extracts_only = dg.define_asset_job(
    name=EXTRACTS_ONLY,
    selection=dg.AssetSelection.groups("extracts"),
    partitions_def=quarterly_partitions,
    config=_quarter_config(),
    description=(
        "Build a quarter's evaluation extracts and CSO feedback files again from the"
        " warehouse as it is, e.g. with another suppression threshold in the launchpad;"
        " nothing is ingested or recomputed."
    ),
)

quarter_templates = dg.define_asset_job(
    name=QUARTER_TEMPLATES,
    selection=dg.AssetSelection.groups("templates"),
    partitions_def=quarterly_partitions,
    config=_quarter_config(),
    description=(
        "Write the quarter's submission templates, one XLSX per active CSO, under"
        " templates/<quarter>/ in the extracts folder, with each CSO's action plan as the"
        " warehouse last has it. Nothing is ingested or recomputed."
    ),
)
