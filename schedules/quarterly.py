"""The quarterly schedule: the finished quarter, once its reporting deadline has passed (SPEC §10).

CSOs report within 30 days after a quarter ends (SPEC §7). At 06:00 Belgrade time
on the first day of the second month after the quarter (1 May for Q1, 1 Aug for
Q2, 1 Nov for Q3, 1 Feb of the next year for Q4) the whole quarter is run again
with every file received by then, and its extracts are built.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from lct_pipeline import periods
from schedules.jobs import TRIGGER_TAG, quarter_tags, quarterly_pipeline

CRON = "0 6 1 2,5,8,11 *"
TIMEZONE = "Europe/Belgrade"


def finished_quarter(moment: datetime) -> str:
    """The quarter whose deadline has passed at a tick: the one before the tick's quarter."""
    return periods.shift(periods.of_date(moment), -1)


@dg.schedule(
    job=quarterly_pipeline,
    cron_schedule=CRON,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "Runs the finished quarter (1 May: Q1, 1 Aug: Q2, 1 Nov: Q3, 1 Feb: Q4) at 06:00"
        " Europe/Belgrade, after the CSOs' 30-day reporting deadline, and builds its extracts."
    ),
)
def quarterly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    quarter = finished_quarter(context.scheduled_execution_time.astimezone(ZoneInfo(TIMEZONE)))
    return dg.RunRequest(
        run_key=f"schedule-{quarter}",
        partition_key=quarter,
        tags={**quarter_tags(quarter), TRIGGER_TAG: "schedule"},
    )
