"""Warehouse stage: the quarter's current accepted rows into the analysts' star schema."""

from collections.abc import Callable
from functools import partial

import dagster as dg
import pandas as pd

from assets.metadata import markdown_table
from assets.partitions import quarter_of, quarterly_partitions
from lct_pipeline.indicators.partition import refresh_parts
from lct_pipeline.warehouse.stage import load_current_measures, load_current_values
from resources import ProgrammeResource, WarehouseResource

# What every asset of the warehouse and indicators stages is: a quarter's step that
# writes the warehouse with SQL, one at a time per quarter through the pool.
warehouse_asset = partial(
    dg.asset, partitions_def=quarterly_partitions, kinds={"python", "sql"}, pool="lct_warehouse"
)


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


def _current_data(
    load: Callable[..., pd.DataFrame], summary: Callable[[pd.DataFrame], pd.DataFrame]
):
    """An asset of the quarter's current data, built from the function it decorates (its
    name and docstring): ``load`` (engine, reference, quarter, current quarter) replaces
    the quarter's rows of its facts and returns them; ``summary`` makes their preview."""

    def build(named: Callable) -> dg.AssetsDefinition:
        def materialize(
            context: dg.AssetExecutionContext,
            warehouse: WarehouseResource,
            programme: ProgrammeResource,
        ) -> dg.MaterializeResult:
            period = quarter_of(context)
            frame = load(
                warehouse.get_engine(), programme.reference(), period, programme.current_period()
            )
            return dg.MaterializeResult(
                metadata={
                    "quarter": period,
                    "dagster/row_count": len(frame),
                    "orgs": int(frame["org_code"].nunique()) if not frame.empty else 0,
                    "preview": markdown_table(summary(frame)),
                }
            )

        materialize.__name__ = materialize.__qualname__ = named.__name__
        materialize.__doc__ = named.__doc__
        return warehouse_asset(
            group_name="warehouse", deps=["validated_submissions"], owners=["team:analysts"]
        )(materialize)

    return build


@_current_data(load_current_values, _values_summary)
def data_values():
    """The quarter's current accepted values: what analysts query as `data_values`.

    Only each CSO's current submission counts; superseded and rejected rows stay in
    the validated layer. Re-running a quarter replaces its rows.
    """


@_current_data(load_current_measures, _measures_summary)
def measures():
    """The quarter's current action-plan snapshots: what analysts query as `measures`.

    Each CSO's current measures file is the full state of its local action plan for
    the quarter; re-running a quarter replaces its rows.
    """


@warehouse_asset(group_name="warehouse", deps=["data_values", "measures"], owners=["team:analysts"])
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
