"""The sheets of the internal and the public workbook (their CSVs are the same tables)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lct_pipeline.extracts import glossary, rejections, tables
from lct_pipeline.extracts.inputs import ExtractInputs
from lct_pipeline.extracts.public import Plan, left_out_table, publish_indicators
from lct_pipeline.extracts.scope import Scope
from lct_pipeline.reference import Reference
from lct_pipeline.spreadsheets.layout import Sheet, Table


@dataclass(frozen=True)
class Internal:
    sheets: list[Sheet]
    indicators: pd.DataFrame
    headline: pd.DataFrame
    key_figures: pd.DataFrame
    rejections_by_cso: pd.DataFrame
    reason_codes: list[str]


def _definitions(
    reference: Reference, plan: Plan | None = None, left_out: pd.DataFrame | None = None
) -> Sheet:
    tables = [
        Table("definitions", "Indicators", glossary.indicator_definitions(reference)),
        Table("data_elements", "Data elements", glossary.data_element_definitions(reference)),
        Table("notes", "Reading the tables", glossary.reading_notes(plan)),
    ]
    if left_out is not None:
        title = "Areas whose figures on victims are left out"
        tables.append(Table("left_out", title, left_out))
    return Sheet("definitions", tuple(tables))


def internal_indicators(
    inputs: ExtractInputs, scope: Scope, reference: Reference
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The internal indicators table and its national headline."""
    rows = tables.scoped_indicators(inputs.indicator_values, scope, cumulative=True)
    indicators = tables.indicator_table(rows, reference)
    return indicators, tables.headline(indicators, scope, reference)


def internal_sheets(inputs: ExtractInputs, scope: Scope, reference: Reference) -> Internal:
    indicators, headline = internal_indicators(inputs, scope, reference)
    key = tables.key_figures(inputs, scope, headline, internal=True)
    slices = rejections.scoped_submissions(inputs.submissions, scope, inputs.slice_quarters)
    rejected = rejections.issue_list(inputs.rejections, slices)
    warned = rejections.issue_list(inputs.warnings, slices)
    by_cso = rejections.rejections_by_cso(rejected, slices, scope, reference)
    completeness = tables.completeness_table(
        inputs.reporting_completeness, scope, reference, include_org=True
    )
    sheets = [
        Sheet(
            "summary",
            (
                Table("key_figures", f"Key figures {scope.label}", key),
                Table("summary", "Indicators at national level", headline),
            ),
        ),
        Sheet("indicators", (Table("indicators", "Indicators by area", indicators),)),
        Sheet("completeness", (Table("completeness", "Reporting completeness", completeness),)),
        Sheet("rejections by CSO", (Table("rejections_by_cso", "Rejections by CSO", by_cso),)),
        Sheet("rejections", (Table("rejections", "Rejected rows", rejected),)),
        Sheet("warnings", (Table("warnings", "Rows accepted with a warning", warned),)),
        _definitions(reference),
    ]
    codes = rejections.reason_columns(rejected["reason_code"])
    return Internal(sheets, indicators, headline, key, by_cso, codes)


def public_sheets(
    inputs: ExtractInputs, scope: Scope, reference: Reference, plan: Plan
) -> list[Sheet]:
    """No ORG rows, no rejections, no comments; victims' counts protected by ``plan``."""
    rows = tables.scoped_indicators(inputs.indicator_values, scope, cumulative=False)
    indicators = tables.indicator_table(publish_indicators(rows, plan, reference), reference)
    headline = tables.headline(indicators, scope, reference)
    key = tables.key_figures(inputs, scope, headline, internal=False)
    completeness = tables.completeness_table(
        inputs.reporting_completeness, scope, reference, include_org=False
    )
    left_out = left_out_table(plan, (scope.label, scope.period_type), reference)
    return [
        Sheet(
            "summary",
            (
                Table("key_figures", f"Key figures {scope.label}", key),
                Table("summary", "Indicators at national level", headline),
            ),
        ),
        Sheet("indicators", (Table("indicators", "Indicators by area", indicators),)),
        Sheet("completeness", (Table("completeness", "Reporting completeness", completeness),)),
        _definitions(reference, plan, left_out),
    ]
