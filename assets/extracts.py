"""Extracts stage: the evaluation extracts of a quarter (and of its year after a Q4)."""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

import lct_pipeline
from assets.metadata import markdown_table
from assets.partitions import quarter_of, quarterly_partitions
from lct_pipeline.extracts import (
    DEFAULT_THRESHOLD,
    MIN_THRESHOLD,
    ExtractResult,
    RunInfo,
    build_extract,
    read_views,
    scopes_for,
)
from lct_pipeline.extracts.safe_text import as_number
from resources import FilesResource, ProgrammeResource, WarehouseResource


class ExtractsConfig(dg.Config):
    """Settings a data officer may change from the launchpad."""

    suppression_threshold: int = Field(
        default=DEFAULT_THRESHOLD,
        ge=MIN_THRESHOLD,
        description=(
            "Public extracts show a count of victims from 1 to this number minus one as"
            " '<threshold>' (default 5: counts 1-4 are shown as '<5')."
        ),
    )


def _files_list(results: list[ExtractResult], root: Path) -> str:
    return "\n".join(
        f"- `{path.relative_to(root).as_posix()}`" for result in results for path in result.paths
    )


def _figure(value: object) -> object:
    number = as_number(value)
    return round(number, 1) if isinstance(number, float) else number


def _headline_preview(headline: pd.DataFrame) -> dg.MetadataValue:
    shown = pd.DataFrame(
        {
            "indicator": headline["indicator_code"] + " " + headline["indicator_name"],
            # Lists keep 40 an int: a float column would show it as 40.0.
            "value": pd.Series([_figure(v) for v in headline["value"]], dtype=object),
            "target": pd.Series([_figure(v) for v in headline["target"]], dtype=object),
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
    config: ExtractsConfig,
    warehouse: WarehouseResource,
    files: FilesResource,
    programme: ProgrammeResource,
) -> dg.MaterializeResult:
    """Evaluation extracts for the donor and the public: workbooks, CSVs and an HTML report.

    For the quarter, and after a Q4 for the whole year: an internal workbook (summary
    with RAG, indicators by area, completeness and rejections by CSO, definitions),
    a public workbook with no CSO-level rows and small counts of victims suppressed,
    CSVs of the same tables and a report with charts. A folder is complete when its
    manifest.json is there.
    """
    period = quarter_of(context)
    engine = warehouse.get_engine()
    reference = programme.reference()
    scopes = scopes_for(period)
    labels = {p for scope in scopes for p in (scope.label, scope.last_quarter)}
    inputs = read_views(engine, period, labels)
    run = RunInfo(
        run_id=context.run_id,
        code_version=lct_pipeline.__version__,
        created_at=datetime.now(UTC),
    )
    results = []
    for scope in scopes:
        processed = inputs.indicator_values["period"].eq(scope.last_quarter).any()
        if scope.period_type == "Y" and not processed:
            context.log.info(f"{scope.label}: its Q4 has no indicator rows yet; year not built")
            continue
        if not processed:
            context.log.warning(f"{scope.label}: no indicator rows; the extract is empty")
        result = build_extract(
            inputs,
            scope,
            reference,
            files.extracts,
            run,
            threshold=config.suppression_threshold,
        )
        context.log.info(f"{scope.label}: {len(result.paths)} files in {result.folder}")
        results.append(result)
    quarter = results[0]
    return dg.MaterializeResult(
        metadata={
            "quarter": period,
            "extracts": ", ".join(r.scope.label for r in results),
            "dagster/row_count": quarter.row_count,
            "files": dg.MetadataValue.md(_files_list(results, files.extracts)),
            "folder": dg.MetadataValue.path(str(quarter.folder)),
            "suppression_threshold": config.suppression_threshold,
            "public_cells_hidden": sum(r.hidden_cells for r in results),
            "headline": _headline_preview(quarter.headline),
        }
    )
