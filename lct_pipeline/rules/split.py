"""Judged rows into the validated layer's shapes: slices, accepted rows and issues.

A slice is one file's rows for one (org, record type, period); its
``submission_id`` is derived from the file's sha256 and the slice's codes, so
running a quarter again gives the very same ids. For each (org, period, record
type) the slice received last (ties: the later file path) among those with an
accepted row is current (SPEC §6); a resubmission rejected entirely never
replaces good data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lct_pipeline.columns import ISSUE_COLUMNS, MEASURES_TABLE, VALUE_COLUMNS
from lct_pipeline.contract import CODE_COLUMNS, COMMENT_LIMIT, DIMENSION_COLUMNS
from lct_pipeline.i18n import Msg, dumps, fields
from lct_pipeline.normalise import not_ascii
from lct_pipeline.rules.precedence import ABOUT_THE_FILE, NO_RULE, REJECTION

if TYPE_CHECKING:
    from lct_pipeline.rules.suites import Rule

ACCEPTED, PARTIAL, REJECTED, SUPERSEDED = "accepted", "partial", "rejected", "superseded"
SLICE_KEY = ("org_code", "period", "record_type")
# The prepared column (rules/prepare.py) that holds each submitted column as read.
_READ_AS = {
    "org_code": "org",
    "period": "period_norm",
    "data_element": "element",
    **{name: f"{name}_key" for name in DIMENSION_COLUMNS},
    "value": "value_number",
    "plan_code": "plan",
    "measure_code": "measure",
    "measure_title": "title",
    "responsible_institution": "institution_code",
    "status": "status_code",
    "planned_budget_eur": "planned_number",
    "spent_budget_eur": "spent_number",
    "due_period": "due_period_norm",
}


def slice_table(rows: pd.DataFrame, rejected: pd.Series, warned: pd.Series) -> pd.DataFrame:
    """One line per slice of ``rows`` with its row counts (status and currency not yet)."""
    counts = pd.DataFrame(
        {
            "submission_id": rows["submission_id"],
            "rows_total": 1,
            "rows_rejected": rejected.astype("int64"),
            "rows_warned": (warned & ~rejected).astype("int64"),
            "rows_repeated": (rows["is_repeat"] & ~rejected).astype("int64"),
        }
    )
    totals = counts.groupby("submission_id", sort=True).sum()
    totals["rows_accepted"] = totals["rows_total"] - totals["rows_rejected"]
    first = rows.groupby("submission_id", sort=True)[
        ["sha256", "source_file", "received_at", "slice_org", "slice_period", "record_type"]
    ].first()
    table = first.join(totals).reset_index()
    return table.rename(columns={"slice_org": "org_code", "slice_period": "period"})


def supersede(slices: pd.DataFrame) -> pd.DataFrame:
    """``slices`` with ``status`` and ``is_current`` decided (SPEC §6)."""
    slices = slices.reset_index(drop=True)
    competing = slices[slices["rows_accepted"] > 0]
    latest = competing.sort_values(["received_at", "source_file"]).groupby(
        list(SLICE_KEY), sort=False
    )
    current = slices.index.isin(latest.tail(1).index)
    status = np.select(
        [
            slices["rows_accepted"] == 0,
            ~current,
            slices["rows_rejected"] > 0,
        ],
        [REJECTED, SUPERSEDED, PARTIAL],
        ACCEPTED,
    )
    return slices.assign(status=status, is_current=current)


def staged_values(rows: pd.DataFrame, kept: pd.Series) -> pd.DataFrame:
    """The accepted values rows in ``staged_values``'s columns (exact copies once)."""
    kept_rows = rows[kept & ~rows["is_repeat"]]
    frame = pd.DataFrame(
        {
            "submission_id": kept_rows["submission_id"],
            "sheet": kept_rows["sheet"],
            "row_number": kept_rows["row_number"],
            **{name: kept_rows[_READ_AS[name]] for name in VALUE_COLUMNS},
            "is_total": kept_rows["is_total"],
            "comment": kept_rows["comment"].str.slice(0, COMMENT_LIMIT),
        }
    )
    return frame.reset_index(drop=True)


def staged_measures(rows: pd.DataFrame, kept: pd.Series) -> pd.DataFrame:
    """The accepted measures rows in ``staged_measures``'s columns (exact copies once)."""
    kept_rows = rows[kept & ~rows["is_repeat"]]
    frame = pd.DataFrame(
        {
            "submission_id": kept_rows["submission_id"],
            "sheet": kept_rows["sheet"],
            "row_number": kept_rows["row_number"],
            **{name: kept_rows[_READ_AS[name]] for name in MEASURES_TABLE},
        }
    )
    return frame.reset_index(drop=True)


def _row_message(message: Msg, row: Mapping[str, Any], value: object, column: str) -> Msg:
    """The rule's message with the row's fields filled in: ``{value}`` the reported cell
    as typed, ``{column}`` its column, ``{hint}`` why its number could not be read, any
    other field the row's column of that name (whole numbers without '.0', blanks '')."""
    args = dict(message.args)
    for name in fields(message.id):
        if name in args:
            continue
        if name == "value":
            args[name] = _text(value)
        elif name == "column":
            args[name] = column
        elif name == "hint":
            hint = row.get(f"{column}_hint")
            args[name] = hint if isinstance(hint, Msg) else ""
        else:
            cell = row[name]
            args[name] = cell if isinstance(cell, Msg) else _text(cell)
    return Msg(message.id, args)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float | np.floating):
        return f"{int(value)}" if float(value).is_integer() else f"{float(value):g}"
    return str(value)


def issues(
    rows: pd.DataFrame, rules: Sequence[Rule], rejected_by: np.ndarray, warnings: pd.DataFrame
) -> pd.DataFrame:
    """One line per rejected row (its first reason) and per warning of an accepted row."""
    rejected = np.flatnonzero(rejected_by != NO_RULE)
    about_file = [i for i, rule in enumerate(rules) if rule.reason_code in ABOUT_THE_FILE]
    kept_warnings = warnings[
        (rejected_by[warnings["row"].to_numpy()] == NO_RULE) | warnings["rule"].isin(about_file)
    ]
    pairs = [(int(i), int(rejected_by[i])) for i in rejected] + list(
        kept_warnings[["row", "rule"]].itertuples(index=False, name=None)
    )
    records = rows.iloc[[i for i, _ in pairs]].to_dict("records")
    lines = []
    for row, (_, number) in zip(records, pairs, strict=True):
        rule = rules[number]
        column = (row[rule.column_from] if rule.column_from else None) or rule.column
        raw = row.get(column)
        # A code that failed because of a letter from another script says which one.
        rejected_code = column in CODE_COLUMNS and rule.severity == REJECTION
        parts = [_row_message(rule.message, row, raw, column)]
        if rejected_code and (hint := not_ascii(raw)) is not None:
            parts.append(hint)
        lines.append(
            {
                "submission_id": row["submission_id"],
                "source_file": row["source_file"],
                "sheet": row["sheet"],
                "row_number": int(row["row_number"]),
                "column_name": column,
                "raw_value": None if pd.isna(raw) else str(raw),
                "reason_code": rule.reason_code,
                "message": " ".join(part.render() for part in parts),
                "message_key": dumps(parts),
                "severity": rule.severity,
            }
        )
    return pd.DataFrame(lines, columns=[*ISSUE_COLUMNS, "message_key", "severity"])
