"""Evaluation extracts (SPEC §9): internal and public workbooks, CSVs, an HTML report.

Built from the warehouse's analysts' views (SPEC §8) only. Modules:
``scope`` (a quarter or a year), ``inputs`` (the views as frames), ``tables`` /
``rejections`` / ``glossary`` (the tables), ``sheets`` (what each workbook holds),
``public`` + ``suppression`` + ``protection`` + ``audit`` (victims' counts in the public
extract), ``report`` / ``report_style`` / ``charts`` (the HTML report), ``files`` (a
folder written with its manifest last) and ``build`` (all of it). The XLSX and CSV
files themselves are written by ``lct_pipeline.spreadsheets``, as the CSOs' feedback is.
"""

from lct_pipeline.extracts.build import (
    DEFAULT_THRESHOLD,
    MIN_THRESHOLD,
    Extract,
    ExtractResult,
    InputFile,
    PublicExtract,
    RunInfo,
    build_extract,
    input_files,
    render_extract,
    render_public,
)
from lct_pipeline.extracts.inputs import ExtractInputs, read_public_views, read_views
from lct_pipeline.extracts.public import DEFAULT_MIN_CONTRIBUTORS
from lct_pipeline.extracts.scope import Scope, quarter_scope, scopes_for, year_scope

__all__ = [
    "DEFAULT_MIN_CONTRIBUTORS",
    "DEFAULT_THRESHOLD",
    "MIN_THRESHOLD",
    "Extract",
    "ExtractInputs",
    "ExtractResult",
    "InputFile",
    "PublicExtract",
    "RunInfo",
    "Scope",
    "build_extract",
    "input_files",
    "quarter_scope",
    "read_public_views",
    "read_views",
    "render_extract",
    "render_public",
    "scopes_for",
    "year_scope",
]
