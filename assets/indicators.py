"""Indicators stage: the programme's indicators and reporting completeness by area."""

import dagster as dg

from assets.metadata import markdown_table, readable
from assets.partitions import quarter_of
from assets.warehouse import warehouse_asset
from lct_pipeline.indicators.partition import (
    headline,
    refresh_indicator_values,
    refresh_reporting_completeness,
)
from resources import ProgrammeResource, WarehouseResource

# A quarter's Y row reads the parts of every processed quarter of its year (the later
# ones too) and its CUM row those of every earlier quarter, so each partition depends
# on all partitions of the parts. AllPartitionMapping makes a backfill store every
# quarter's parts before it computes any quarter's indicators; a
# TimeWindowPartitionMapping ending at the quarter itself would let a Y row be
# computed before its year's later data.
_PARTS = [dg.AssetDep("indicator_parts", partition_mapping=dg.AllPartitionMapping())]


def _skipped(context: dg.AssetExecutionContext, period: str, processed: tuple[str, ...]) -> None:
    latest = processed[-1] if processed else "none"
    context.log.info(f"{period} is after the latest quarter with data ({latest}): nothing written")


@warehouse_asset(group_name="indicators", deps=_PARTS, owners=["team:analysts"])
def indicator_values(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, programme: ProgrammeResource
) -> dg.MaterializeResult:
    """The programme's indicators by CSO, municipality, region and country, with targets and RAG.

    The quarter's figures (Q), the cumulative figures since 2012Q4 (CUM) and its year
    to date (Y), each ratio recomputed from summed numerators and denominators.
    """
    period = quarter_of(context)
    reference = programme.reference()
    result = refresh_indicator_values(
        warehouse.get_engine(), reference, period, programme.current_period()
    )
    if not result.written:
        _skipped(context, period, result.processed)
    return dg.MaterializeResult(
        metadata={
            "quarter": period,
            "dagster/row_count": len(result.rows),
            "quarters_processed": len(result.processed),
            "headline": markdown_table(headline(result.rows, reference, period), limit=50),
        }
    )


@warehouse_asset(group_name="indicators", deps=_PARTS, owners=["team:data-officers"])
def reporting_completeness(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, programme: ProgrammeResource
) -> dg.MaterializeResult:
    """Which CSOs sent their quarterly values file, and which on time, by area.

    On time means the CSO's first accepted values file for the quarter arrived within
    30 days after the quarter ended; a later resubmission does not change it.
    """
    period = quarter_of(context)
    result = refresh_reporting_completeness(
        warehouse.get_engine(), programme.reference(), period, programme.current_period()
    )
    if not result.written:
        _skipped(context, period, result.processed)
    rows = result.rows
    national = rows[rows["area_level"] == "NATIONAL"]
    metadata = {
        "quarter": period,
        "dagster/row_count": len(rows),
        "preview": markdown_table(
            rows[rows["area_level"] != "ORG"],
            limit=30,
            whole=f"the warehouse view reporting_completeness (period = '{period}')",
        ),
    }
    if not national.empty:
        metadata["completeness_pct"] = readable(national["completeness_pct"].iloc[0])
        metadata["timeliness_pct"] = readable(national["timeliness_pct"].iloc[0])
    return dg.MaterializeResult(metadata=metadata)
