"""Rejections and warnings per CSO (internal extracts only, SPEC §9).

A rejection carries its slice's ``submission_id``; the slice (``submissions``)
names the CSO, so the join gives each CSO the rows to fix. A file rejected
whole has no CSO: it is listed under an empty org code.
"""

from __future__ import annotations

import pandas as pd

from lct_pipeline.columns import ISSUE_COLUMNS, SLICE_COUNTS
from lct_pipeline.contract import FILE_REASONS
from lct_pipeline.extracts.inputs import submission_quarters
from lct_pipeline.extracts.scope import Scope
from lct_pipeline.reference import Reference

# SPEC §5's order, so the columns read like the validation rules.
REASON_ORDER = (
    *FILE_REASONS,
    "MISSING_VALUE", "UNKNOWN_ORG", "BAD_PERIOD", "FUTURE_PERIOD", "ORG_INACTIVE",
    "UNKNOWN_DATA_ELEMENT", "BAD_DIMENSION", "INCOMPLETE_DISAGGREGATION", "NOT_A_NUMBER",
    "NEGATIVE_VALUE", "NOT_INTEGER", "IMPLAUSIBLE_VALUE", "DUPLICATE_CONFLICT", "TOTAL_MISMATCH",
    "BAD_STATUS",
    "OUTLIER", "ADOPTED_GT_SUBMITTED", "SERVICES_LT_ASSISTED", "OVERSPENT",
)  # fmt: skip
# The view's columns led by the CSO and period a reader looks for, the slice's id last.
ISSUE_LIST_COLUMNS = (
    "org_code",
    "period",
    *(c for c in ISSUE_COLUMNS if c != "submission_id"),
    "submission_id",
)
NO_ORG_NAME = "(no organisation: file rejected whole or unreadable org code)"
UNKNOWN_ORG_NAME = "(not in the organisation registry)"


def scoped_submissions(
    submissions: pd.DataFrame, scope: Scope, quarters: pd.Series | None = None
) -> pd.DataFrame:
    """The slices the scope reports, with the quarter each belongs to (``quarters``:
    ``submission_quarters(submissions)`` if known)."""
    if quarters is None:
        quarters = submission_quarters(submissions)
    return submissions.assign(quarter=quarters)[quarters.isin(scope.quarters)]


def issue_list(issues: pd.DataFrame, slices: pd.DataFrame) -> pd.DataFrame:
    """The rejections (or warnings) of ``slices``, each with its CSO and period."""
    joined = issues.merge(
        slices[["submission_id", "org_code", "period"]], on="submission_id", how="inner"
    )
    joined["org_code"] = joined["org_code"].fillna("")
    joined = joined.assign(_file_level=joined["row_number"].notna())
    joined = joined.sort_values(
        ["org_code", "source_file", "sheet", "_file_level", "row_number", "column_name"],
        kind="stable",
        na_position="first",
    )
    return joined.loc[:, list(ISSUE_LIST_COLUMNS)].reset_index(drop=True)


def reason_columns(codes: pd.Series) -> list[str]:
    present = set(codes.dropna())
    known = [c for c in REASON_ORDER if c in present]
    return known + sorted(present - set(known))


def rejections_by_cso(
    rejections: pd.DataFrame, slices: pd.DataFrame, scope: Scope, reference: Reference
) -> pd.DataFrame:
    """One line per CSO: files and rows sent, and rejected rows by reason code.

    ``rejections`` is an ``issue_list``; every CSO expected in the scope is listed,
    also when it sent nothing, so a silent CSO is seen at once.
    """
    slices = slices.assign(org_code=slices["org_code"].fillna(""))
    expected = {c for q in scope.quarters for c in reference.active_orgs(q)}
    orgs = sorted(expected | set(slices["org_code"]) | set(rejections["org_code"]))
    orgs = [o for o in orgs if o] + ([""] if "" in orgs else [])
    codes = reason_columns(rejections["reason_code"])
    # As dicts: a lookup per CSO and reason in a pandas index costs more than the table.
    counts = rejections.groupby(["org_code", "reason_code"]).size().to_dict()
    sent = slices.groupby("org_code")[list(SLICE_COUNTS)].sum().to_dict("index")
    files = slices.groupby("org_code")["sha256"].nunique().to_dict()
    lines = []
    for org in orgs:
        line: dict[str, object] = {"org_code": org, "org_name": _org_name(org, reference)}
        line["files"] = int(files.get(org, 0))
        for column in SLICE_COUNTS:
            line[column] = int(sent[org][column]) if org in sent else 0
        for code in codes:
            line[code] = int(counts.get((org, code), 0))
        lines.append(line)
    return pd.DataFrame(lines)


def _org_name(org: str, reference: Reference) -> str:
    if not org:
        return NO_ORG_NAME
    known = reference.organisations.get(org)
    return known.name if known else UNKNOWN_ORG_NAME
