"""Warehouse stage: the quarter's current accepted rows into the analysts' star schema."""

import dagster as dg
import pandas as pd

from assets.metadata import markdown_table
from assets.partitions import quarter_of, quarterly_partitions
from lct_pipeline.indicators.partition import refresh_parts
from lct_pipeline.warehouse.stage import load_current_measures, load_current_values
from resources import ProgrammeResource, WarehouseResource


def _values_summary(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    counted = frame[frame["counted"]]
    return (
        counted.groupby("data_element")
        .agg(orgs=("org_code", "nunique"), rows=("value", "size"), value=("value", "sum"))
        .reset_index()
    )


def _measures_summary(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    return (
        frame.assign(completed=frame["status"] == "COMPLETED")
        .groupby("org_code")
        .agg(
            measures=("measure_code", "size"),
            completed=("completed", "sum"),
            planned_eur=("planned_budget_eur", "sum"),
            spent_eur=("spent_budget_eur", "sum"),
        )
        .reset_index()
    )


@dg.asset(
    partitions_def=quarterly_partitions,
    group_name="warehouse",
    deps=["validated_submissions"],
    kinds={"python", "sql"},
    owners=["team:analysts"],
    pool="lct_warehouse",
)
def data_values(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, programme: ProgrammeResource
) -> dg.MaterializeResult:
    """The quarter's current accepted values: what analysts query as `data_values`.

    Only each CSO's current submission counts; superseded and rejected rows stay in
    the validated layer. Re-running a quarter replaces its rows.
    """
    period = quarter_of(context)
    frame = load_current_values(
        warehouse.get_engine(), programme.reference(), period, programme.current_period()
    )
    return dg.MaterializeResult(
        metadata={
            "quarter": period,
            "dagster/row_count": len(frame),
            "orgs": int(frame["org_code"].nunique()) if not frame.empty else 0,
            "preview": markdown_table(_values_summary(frame)),
        }
    )


@dg.asset(
    partitions_def=quarterly_partitions,
    group_name="warehouse",
    deps=["validated_submissions"],
    kinds={"python", "sql"},
    owners=["team:analysts"],
    pool="lct_warehouse",
)
def measures(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, programme: ProgrammeResource
) -> dg.MaterializeResult:
    """The quarter's current action-plan snapshots: what analysts query as `measures`.

    Each CSO's current measures file is the full state of its local action plan for
    the quarter; re-running a quarter replaces its rows.
    """
    period = quarter_of(context)
    frame = load_current_measures(
        warehouse.get_engine(), programme.reference(), period, programme.current_period()
    )
    return dg.MaterializeResult(
        metadata={
            "quarter": period,
            "dagster/row_count": len(frame),
            "orgs": int(frame["org_code"].nunique()) if not frame.empty else 0,
            "preview": markdown_table(_measures_summary(frame)),
        }
    )


@dg.asset(
    partitions_def=quarterly_partitions,
    group_name="warehouse",
    deps=["data_values", "measures"],
    kinds={"python", "sql"},
    owners=["team:analysts"],
    pool="lct_warehouse",
)
def indicator_parts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, programme: ProgrammeResource
) -> dg.MaterializeResult:
    """The quarter's additive parts: each CSO's numbers per indicator operand and breakdown.

    Every indicator figure (quarter, year, cumulative; CSO to country) is a sum of
    parts, so no quarter re-reads another's facts. When a quarter's parts change, the
    later quarters' figures are stale until the freshness sensor (or `lct run`)
    refreshes them.
    """
    period = quarter_of(context)
    result = refresh_parts(warehouse.get_engine(), programme.reference(), period, context.run_id)
    if result.changed:
        context.log.info(f"{period}: its data changed; the figures of later quarters are stale")
    parts = result.parts
    summary = (
        parts[parts["breakdown"] == "TOTAL"]
        .groupby("operand", as_index=False)
        .agg(orgs=("org_code", "nunique"), value=("value", "sum"))
    )
    return dg.MaterializeResult(
        metadata={
            "quarter": period,
            "dagster/row_count": len(parts),
            "data_changed": result.changed,
            "preview": markdown_table(summary),
        }
    )
