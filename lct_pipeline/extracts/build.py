"""Build one extract folder: workbooks, CSVs, the HTML report, then the manifest.

``render_extract`` makes every file in memory (nothing touches the disk until
all of them rendered); ``build_extract`` then writes them with ``files``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from lct_pipeline.extracts.csvfiles import csv_bytes
from lct_pipeline.extracts.files import write_extract_folder
from lct_pipeline.extracts.inputs import ExtractInputs, submission_quarters
from lct_pipeline.extracts.layout import Sheet, tables_of
from lct_pipeline.extracts.public import TOTAL_BREAKDOWN
from lct_pipeline.extracts.report import ReportData, report_html
from lct_pipeline.extracts.scope import QUARTER, Scope
from lct_pipeline.extracts.sheets import internal_sheets, public_sheets
from lct_pipeline.extracts.workbooks import workbook_bytes
from lct_pipeline.reference import Reference

DEFAULT_THRESHOLD = 5
MIN_THRESHOLD = 2
INTERNAL = "internal"
PUBLIC = "public"


@dataclass(frozen=True)
class InputFile:
    source_file: str
    sha256: str


@dataclass(frozen=True)
class RunInfo:
    """Who made the extract: recorded in its manifest and report."""

    run_id: str
    code_version: str
    created_at: datetime


@dataclass(frozen=True)
class Extract:
    scope: Scope
    files: dict[str, bytes]  # file name -> content, in writing order
    manifest: dict[str, object]  # without the file list (added when written)
    headline: pd.DataFrame  # the internal summary: national figures with RAG
    row_count: int  # rows of the internal indicators table
    hidden_cells: int  # counts hidden in the public extract


@dataclass(frozen=True)
class ExtractResult:
    scope: Scope
    folder: Path
    paths: list[Path]  # every file written, manifest.json last
    headline: pd.DataFrame
    row_count: int
    hidden_cells: int


def input_files(submissions: pd.DataFrame, scope: Scope) -> list[InputFile]:
    """The files whose slices the scope reports (accepted, rejected or superseded)."""
    rows = submissions[submission_quarters(submissions).isin(scope.quarters)]
    pairs = {(str(f), str(s)) for f, s in zip(rows["source_file"], rows["sha256"], strict=True)}
    return [InputFile(f, s) for f, s in sorted(pairs)]


def _workbook_and_csvs(
    sheets: list[Sheet], scope: Scope, audience: str, run: RunInfo
) -> dict[str, bytes]:
    title = f"LCT monitoring {scope.label} ({audience})"
    files = {
        scope.file_name(audience): workbook_bytes(sheets, title=title, created_at=run.created_at)
    }
    for table in tables_of(sheets):
        files[scope.file_name(audience, table.name, "csv")] = csv_bytes(table.frame)
    return files


def render_extract(
    inputs: ExtractInputs,
    scope: Scope,
    reference: Reference,
    run: RunInfo,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    inputs_used: list[InputFile] | None = None,
) -> Extract:
    """Every file of the extract, in memory. ``inputs_used`` defaults to ``input_files``."""
    if threshold < MIN_THRESHOLD:
        # 1 would hide nothing: a typo must not publish every count of victims.
        raise ValueError(f"the suppression threshold must be at least 2, not {threshold}")
    used = input_files(inputs.submissions, scope) if inputs_used is None else inputs_used
    internal = internal_sheets(inputs, scope, reference)
    public, suppression = public_sheets(inputs, scope, reference, threshold)
    files = _workbook_and_csvs(internal.sheets, scope, INTERNAL, run)
    files |= _workbook_and_csvs(public, scope, PUBLIC, run)
    report = ReportData(
        scope=scope,
        headline=internal.headline,
        key_figures=internal.key_figures,
        trends=_national_trends(inputs.indicator_values, scope),
        org_completeness=inputs.reporting_completeness[
            inputs.reporting_completeness["area_level"] == "ORG"
        ],
        rejections_by_cso=internal.rejections_by_cso,
        reason_codes=internal.reason_codes,
        created_at=run.created_at,
        run_id=run.run_id,
        code_version=run.code_version,
        input_files=len(used),
    )
    files[scope.file_name("report", suffix="html")] = report_html(report, reference).encode()
    manifest = {
        "extract": scope.label,
        "period_type": scope.period_type,
        "quarters": list(scope.quarters),
        "created_at": run.created_at.isoformat(),
        "run_id": run.run_id,
        "code_version": run.code_version,
        "suppression_threshold": threshold,
        "input_files": [{"source_file": f.source_file, "sha256": f.sha256} for f in used],
    }
    return Extract(
        scope,
        files,
        manifest,
        internal.headline,
        len(internal.indicators),
        len(suppression.hidden),
    )


def _national_trends(indicators: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    return indicators[
        (indicators["period_type"] == QUARTER)
        & (indicators["area_level"] == "NATIONAL")
        & (indicators["breakdown"] == TOTAL_BREAKDOWN)
        & indicators["period"].isin(scope.trend_quarters)
    ]


def build_extract(
    inputs: ExtractInputs,
    scope: Scope,
    reference: Reference,
    root: Path,
    run: RunInfo,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    inputs_used: list[InputFile] | None = None,
) -> ExtractResult:
    """Render the extract and write it to ``root/<label>/``, manifest.json last."""
    extract = render_extract(
        inputs, scope, reference, run, threshold=threshold, inputs_used=inputs_used
    )
    folder = Path(root) / scope.label
    paths = write_extract_folder(
        folder, extract.files, extract.manifest, prefix=f"lct_{scope.label}_"
    )
    return ExtractResult(
        scope, folder, paths, extract.headline, extract.row_count, extract.hidden_cells
    )
