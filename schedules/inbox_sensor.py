"""The inbox sensor: new or changed submissions start a run of each quarter they touch.

What changed and which quarters that touches is decided in ``lct_pipeline.inbox``;
this module only turns it into runs. Each run key is made from the contents that
start it, so the same files never start a second run and a corrected file always
starts a new one. Deleted files start nothing: what was ingested stays archived.
"""

import dagster as dg

from assets.partitions import quarterly_partitions
from lct_pipeline import inbox
from resources import FilesResource, ProgrammeResource, WarehouseResource
from schedules.jobs import TRIGGER_TAG, quarter_tags, quarterly_pipeline

_TAG_MAX = 200
_LOG_NAMES = 20  # a first tick beside a national warehouse sees 20,000 files


def _files_tag(files: tuple[str, ...]) -> str:
    text = ", ".join(files)
    if len(text) <= _TAG_MAX:
        return text
    return f"{files[0]} and {len(files) - 1} more files"


@dg.sensor(
    job=quarterly_pipeline,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Looks at the inbox every minute: new or changed CSV/XLSX submissions start a run"
        " of quarterly_pipeline for each quarter their rows report (the quarter a file was"
        " received in when its periods cannot be read), unless the warehouse has validated"
        " them in that quarter already."
    ),
)
def inbox_sensor(
    context: dg.SensorEvaluationContext,
    files: FilesResource,
    programme: ProgrammeResource,
    warehouse: WarehouseResource,
) -> dg.SensorResult:
    engine = warehouse.get_engine()
    changes = inbox.scan_inbox(
        files.inbox,
        inbox.load_cursor(context.cursor),
        programme.as_of(),
        validated=lambda sha256s: inbox.validated_pairs(engine, sha256s),
    )
    for label, names in [
        ("new", changes.new),
        ("changed", changes.changed),
        ("deleted (nothing to run)", changes.deleted),
        ("already seen under another name", changes.same_contents),
        ("still being written, looked at next time", changes.settling),
        ("could not be opened", changes.unreadable),
        ("already validated in the warehouse (nothing to run)", changes.validated),
    ]:
        if names:
            shown = ", ".join(names[:_LOG_NAMES]) + (" …" if len(names) > _LOG_NAMES else "")
            context.log.info(f"{len(names)} {label}: {shown}")
    # A code location loaded before this quarter began does not know its key yet: its
    # files wait, out of the cursor, until the location is reloaded.
    known = set(quarterly_partitions.get_partition_keys())
    waiting = [r for r in changes.requests if r.quarter not in known]
    for request in waiting:
        context.log.warning(
            f"{request.quarter} is not a partition of this code location yet: reload it"
            f" (Deployment → Reload) to run {', '.join(request.files)}."
        )
        for name in request.files:
            changes.seen.pop(name, None)
    requests = [
        dg.RunRequest(
            run_key=request.run_key,
            partition_key=request.quarter,
            tags={
                **quarter_tags(request.quarter),
                TRIGGER_TAG: "inbox",
                "lct/files": _files_tag(request.files),
            },
        )
        for request in changes.requests
        if request.quarter in known
    ]
    cursor = inbox.dump_cursor(changes.seen)
    if not requests:
        return dg.SensorResult(skip_reason="No new or changed submissions.", cursor=cursor)
    return dg.SensorResult(run_requests=requests, cursor=cursor)
