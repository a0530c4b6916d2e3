"""Extracts stage: the internal evaluation extracts of a quarter (and of its year after a Q4).

The public files go through ``assets.public``: staged, audited, then written.
"""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd

import lct_pipeline
from assets.metadata import markdown_table, readable
from assets.partitions import quarter_of, quarterly_partitions
from lct_pipeline import freshness
from lct_pipeline.extracts import (
    ExtractResult,
    RunInfo,
    Scope,
    build_extract,
    read_views,
    scopes_for,
)
from lct_pipeline.spreadsheets.safe_text import as_number
from resources import FilesResource, ProgrammeResource, WarehouseResource


def _files_list(results: list[ExtractResult], root: Path) -> str:
    return "\n".join(
        f"- `{path.relative_to(root).as_posix()}`" for result in results for path in result.paths
    )


def _headline_preview(headline: pd.DataFrame) -> dg.MetadataValue:
    shown = pd.DataFrame(
        {
            "indicator": headline["indicator_code"] + " " + headline["indicator_name"],
            # Lists keep 40 an int: a float column would show it as 40.0.
            "value": pd.Series([readable(as_number(v)) for v in headline["value"]], dtype=object),
            "target": pd.Series([readable(as_number(v)) for v in headline["target"]], dtype=object),
            "achievement": [
                "" if as_number(a) is None else f"{a:.0%}" for a in headline["achievement"]
            ],
            "RAG": headline["rag"],
        }
    )
    return markdown_table(shown)


@dg.asset(
    partitions_def=quarterly_partitions,
    group_name="extracts",
    deps=["indicator_values", "reporting_completeness"],
    kinds={"python", "excel", "csv", "html"},
    owners=["team:data-officers"],
)
def evaluation_extracts(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    files: FilesResource,
    programme: ProgrammeResource,
) -> dg.MaterializeResult:
    """Internal evaluation extracts for the programme and the donor: workbooks, CSVs, a report.

    For the quarter, and after a Q4 for the whole year: an internal workbook (summary
    with RAG, indicators by area and CSO, completeness and rejections by CSO,
    definitions), CSVs of the same tables and an HTML report with charts, in
    ``<period>/``. Not for publication: the public files are ``public_extracts``. A
    folder is complete when its manifest.json is there.
    """
    period = quarter_of(context)
    reference = programme.reference()
    scopes = scopes_for(period)
    engine = warehouse.get_engine()
    with engine.connect() as conn:  # before reading: a change meanwhile leaves it stale
        built_from = freshness.input_version(conn, freshness.EXTRACTS, period)
    inputs = read_views(engine, period, internal_labels(scopes))
    run = run_info(context)
    results = []
    for scope in built_scopes(context, scopes, inputs):
        result = build_extract(inputs, scope, reference, files.extracts, run)
        done = "left as made from the same inputs" if result.unchanged else "written"
        context.log.info(f"{scope.label}: {len(result.paths)} files in {result.folder}, {done}")
        results.append(result)
    with engine.begin() as conn:
        freshness.record_built(conn, freshness.EXTRACTS, period, built_from)
    quarter = results[0]
    return dg.MaterializeResult(
        metadata={
            "quarter": period,
            "extracts": ", ".join(r.scope.label for r in results),
            # Made from the same inputs before and untouched since: not written again.
            "unchanged_since_built": ", ".join(r.scope.label for r in results if r.unchanged)
            or "none",
            "dagster/row_count": quarter.row_count,
            "files": dg.MetadataValue.md(_files_list(results, files.extracts)),
            "folder": dg.MetadataValue.path(str(quarter.folder)),
            "headline": _headline_preview(quarter.headline),
        }
    )


def scope_labels(scopes: list[Scope]) -> set[str]:
    # The scope's own rows, its CUM rows and, for a year, its quarters' rows (a public
    # year is protected with its quarters).
    return {p for scope in scopes for p in (scope.label, scope.last_quarter, *scope.quarters)}


def internal_labels(scopes: list[Scope]) -> set[str]:
    # The scope's own rows and its CUM rows: an internal year shows no quarter's rows.
    return {p for scope in scopes for p in (scope.label, scope.last_quarter)}


def run_info(context: dg.AssetExecutionContext) -> RunInfo:
    return RunInfo(
        run_id=context.run_id,
        code_version=lct_pipeline.__version__,
        created_at=datetime.now(UTC),
    )


def built_scopes(context, scopes: list[Scope], inputs) -> list[Scope]:
    """The scopes that get an extract: a year only once its Q4 has indicator rows."""
    chosen = []
    for scope in scopes:
        processed = inputs.indicator_values["period"].eq(scope.last_quarter).any()
        if scope.period_type == "Y" and not processed:
            context.log.info(f"{scope.label}: its Q4 has no indicator rows yet; year not built")
            continue
        if not processed:
            context.log.warning(f"{scope.label}: no indicator rows; the extract is empty")
        chosen.append(scope)
    return chosen
