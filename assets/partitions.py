"""Quarterly partitions from the programme's start (SPEC §2).

Dagster has no quarterly partitions class, so the keys are the quarters' first
days (``2013-01-01`` is ``2013Q1``); ``lct`` and every asset's metadata speak in
quarters. ``end_offset=1`` keeps the current, unfinished quarter runnable,
since CSOs may report it early.
"""

import dagster as dg

from lct_pipeline import periods

quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    start=periods.partition_key(periods.PROGRAMME_START),
    cron_schedule="0 0 1 */3 *",
    fmt="%Y-%m-%d",
    end_offset=1,
)


def quarter_of(context: dg.AssetExecutionContext) -> str:
    """The quarter (``2013Q1``) of the partition being materialised."""
    return periods.from_partition_key(context.partition_key)
