"""Ingestion stage: inbox files into the archive and the raw layer."""

from collections.abc import Iterator

import dagster as dg

from assets.metadata import markdown_table
from assets.partitions import quarter_of, quarterly_partitions
from lct_pipeline.ingestion import (
    INGESTED,
    REJECTED,
    ingest_inbox,
    quarter_files,
    quarters_with_data,
)
from resources import FilesResource, ProgrammeResource, WarehouseResource


@dg.asset(
    partitions_def=quarterly_partitions,
    group_name="ingestion",
    kinds={"python", "sql"},
    owners=["team:data-officers"],
    pool="lct_warehouse",
    # A quarter after the last one with data has nothing to validate or report: its run
    # ends here, so a backfill of "All" quarters is a backfill of every quarter with data.
    output_required=False,
)
def raw_submissions(
    context: dg.AssetExecutionContext,
    files: FilesResource,
    warehouse: WarehouseResource,
    programme: ProgrammeResource,
) -> Iterator[dg.MaterializeResult]:
    """CSO submission files from the inbox, archived unchanged and read into the raw layer.

    Every new CSV or XLSX file anywhere under the inbox is ingested once, whatever
    quarter it reports; this partition shows the files and rows of its quarter. A
    quarter after the last quarter with data is not materialised, and the rest of its
    run is skipped.
    """
    period = quarter_of(context)
    engine = warehouse.get_engine()
    report = ingest_inbox(
        files.inbox, files.archive, engine, programme.as_of(), files.max_file_bytes
    )
    for outcome in report.files:
        if outcome.status not in (INGESTED, "already_ingested"):
            context.log.warning(f"{outcome.source_file}: {outcome.reason_code} {outcome.message}")
    if period not in quarters_with_data(engine, programme.as_of()):
        context.log.info(f"{period}: no file reports this quarter or a later one; nothing to do.")
        return
    quarter = quarter_files(engine, period, programme.current_period())
    yield dg.MaterializeResult(
        metadata={
            "quarter": period,
            "dagster/row_count": int(quarter["rows"].sum()) if not quarter.empty else 0,
            "files_in_quarter": len(quarter),
            "files_ingested_now": report.count(INGESTED),
            "files_rejected_now": report.count(REJECTED),
            "files_ignored": dg.MetadataValue.json(report.ignored),
            "inbox": dg.MetadataValue.path(str(files.inbox)),
            "preview": markdown_table(quarter, whole="the warehouse view submissions"),
        }
    )
