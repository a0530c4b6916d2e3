"""Quarterly partitions from the programme's start (SPEC §2, §10).

The partition key is the quarter as people write it (``2013Q1``), in the UI, the
CLI, run tags and GraphQL alike. Dagster's time-window partitions can only name
their keys with ``strftime``, which has no quarter, so the quarters are a static
list from 2012Q4 to the current quarter (CSOs may report it early; ``LCT_TODAY`` sets
the day, as for the rest of the pipeline), computed when
the code location loads: a new quarter appears when the code location is reloaded
(the daemon and the webserver reload it when they start; the UI has "Reload").
"""

import warnings

import dagster as dg

from lct_pipeline import periods
from lct_pipeline.settings import today

# The validation results are asset checks per quarter (AssetCheckSpec with partitions_def):
# a preview in Dagster 1.13 that we rely on knowingly; its notice is not for data officers.
warnings.filterwarnings(
    "ignore", message="Specifying a partitions_def on an AssetCheckSpec", category=dg.PreviewWarning
)

quarterly_partitions = dg.StaticPartitionsDefinition(
    periods.period_range(periods.PROGRAMME_START, periods.of_date(today()))
)


def quarter_of(context: dg.AssetExecutionContext) -> str:
    """The quarter (``2013Q1``) of the partition being materialised."""
    return context.partition_key
