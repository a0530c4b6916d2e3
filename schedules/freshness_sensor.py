"""The freshness sensor: a quarter made stale by another quarter's change is run again.

Which quarters are stale is the warehouse's to say (``lct_pipeline.freshness``): a
late file or a correction gives its quarter a new version, and every later quarter's
CUM rows, charts and extracts (and the next four quarters' OUTLIER warnings) were
built from the old one. Run requests rather than declarative automation, because
the dependency is not a partition mapping Dagster has (CUM reads every earlier
quarter, Y every quarter of the year) and because only the warehouse knows whether
a run changed a quarter's data at all: a rerun that changes nothing refreshes nothing.
"""

import dagster as dg

from lct_pipeline import freshness
from lct_pipeline.extracts import public_versions
from lct_pipeline.ingestion import quarters_with_data
from resources import FilesResource, ProgrammeResource, WarehouseResource
from schedules.jobs import REFRESH_TAG, TRIGGER_TAG, quarter_tags, quarterly_pipeline

# A refresh of a quarter whose figures only are stale: the stages after the warehouse.
FIGURES_SELECTION = dg.AssetSelection.groups("indicators").downstream()
_IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def stale_observation(stale: freshness.Stale) -> dg.AssetObservation:
    """What the UI shows on the stale quarter's figures until its refresh has run."""
    return dg.AssetObservation(
        asset_key="indicator_values",
        partition=stale.period,
        metadata={
            "stale": True,
            "stale_because": f"{stale.cause} changed" if stale.causes else "never built",
            "stale_stages": ", ".join(stale.stages),
        },
    )


@dg.sensor(
    job=quarterly_pipeline,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Every 30 seconds, once no quarterly_pipeline run is queued or running: each quarter"
        " whose figures a change of another quarter made stale (its CUM rows, charts and"
        " extracts; OUTLIER warnings of the next four quarters) is run again, tagged"
        " lct/refresh_of with the quarters that changed."
    ),
)
def freshness_sensor(
    context: dg.SensorEvaluationContext,
    warehouse: WarehouseResource,
    programme: ProgrammeResource,
    files: FilesResource,
) -> dg.SensorResult | dg.SkipReason:
    in_flight = context.instance.get_run_ids(
        dg.RunsFilter(job_name=quarterly_pipeline.name, statuses=_IN_FLIGHT), limit=1
    )
    if in_flight:
        # Their changes come first; refreshing meanwhile would refresh twice.
        return dg.SkipReason("Waiting for the quarterly_pipeline runs in progress.")
    engine = warehouse.get_engine()
    again = public_versions.republished(files.extracts)
    with engine.connect() as conn:
        stale = freshness.stale_quarters(
            conn, quarters_with_data(engine, programme.as_of()), republished=again
        )
    if not stale:
        return dg.SensorResult(
            skip_reason="Every quarter's figures follow from its data.", cursor=""
        )
    # One request per state: a refresh that fails is not retried in a loop (the next
    # change of the data makes a new state), and the UI is told once per state.
    keys = {
        s.period: f"refresh:{s.period}:{s.version}:{','.join(s.stages)}"
        + _republished_key(files, again.get(s.period, ()))
        for s in stale
    }
    told = set((context.cursor or "").split("|"))
    new = [s for s in stale if keys[s.period] not in told]
    context.log.info("Stale: " + "; ".join(f"{s.period} ({s.cause})" for s in stale))
    requests = []
    for quarter in new:
        requests.append(
            dg.RunRequest(
                run_key=keys[quarter.period],
                partition_key=quarter.period,
                asset_selection=None if quarter.revalidate else list(_figure_keys(context)),
                tags={
                    **quarter_tags(quarter.period),
                    TRIGGER_TAG: "refresh",
                    REFRESH_TAG: quarter.cause,
                },
            )
        )
    return dg.SensorResult(
        run_requests=requests,
        asset_events=[stale_observation(s) for s in new],
        cursor="|".join(sorted(keys.values())),
        skip_reason=None if requests else "Their refresh was requested already.",
    )


def _republished_key(files: FilesResource, quarters) -> str:
    # The quarters' versions: a quarter published again later is a new state.
    versions = [f"{q}@{public_versions.current_number(files.extracts, q)}" for q in quarters]
    return f":republished:{','.join(versions)}" if versions else ""


def _figure_keys(context: dg.SensorEvaluationContext):
    graph = context.repository_def.asset_graph
    return sorted(FIGURES_SELECTION.resolve(graph))
