"""One record type's rows through both suites: which rule rejects each row, which warn.

Row rules run on every row; the slice rules then run on the rows that passed,
because a total is compared with its *accepted* detail rows and only accepted
rows are warned about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lct_pipeline.contract import DIMENSION_COLUMNS, MEASURES, REQUIRED, VALUES
from lct_pipeline.i18n import N_, Msg
from lct_pipeline.reference import Reference
from lct_pipeline.rules import cross_row, suites
from lct_pipeline.rules.checker import Checker, Outcome
from lct_pipeline.rules.precedence import NO_RULE, REJECTION, WARNING, first_failures, warned_rows
from lct_pipeline.rules.prepare import prepare_measures, prepare_values


@dataclass
class Judged:
    """The rows of one record type, prepared, with their verdicts."""

    rows: pd.DataFrame
    rules: list[suites.Rule]
    rejected_by: np.ndarray  # per row: the rule that rejects it, or NO_RULE
    warnings: pd.DataFrame  # (row, rule) for every warning, accepted rows or not
    outcomes: list[Outcome]
    # A row's key in words (``VOT_ASSISTED (sex=F)``, ``measure M1 of plan P``), for messages.
    key_labels: Callable[[pd.DataFrame], pd.Series]

    @property
    def rejected(self) -> pd.Series:
        return pd.Series(self.rejected_by != NO_RULE, index=self.rows.index)

    @property
    def warned(self) -> pd.Series:
        """Accepted rows with at least one warning."""
        flagged = self.rows.index.isin(self.warnings["row"])
        return pd.Series(flagged, index=self.rows.index) & ~self.rejected


def _judge(
    record_type: str,
    rows: pd.DataFrame,
    row_rules: list[suites.Rule],
    slice_rules: list[suites.Rule],
    add_slice_helpers: Callable[[pd.DataFrame, pd.Series], None],
    key_labels: Callable[[pd.DataFrame], pd.Series],
    checker: Checker,
) -> Judged:
    rules = [*row_rules, *slice_rules]
    reasons = [rule.reason_code for rule in rules]

    def by_severity(failures: dict[int, list[int]], severity: str) -> list[tuple[int, list[int]]]:
        return [(rule, r) for rule, r in failures.items() if rules[rule].severity == severity]

    failures, outcomes = checker.run(f"{record_type}_row_rules", row_rules, rows)
    rejected_by = first_failures(len(rows), by_severity(failures, REJECTION), reasons)
    passed = pd.Series(rejected_by == NO_RULE, index=rows.index)
    add_slice_helpers(rows, passed)
    later, more = checker.run(
        f"{record_type}_slice_rules", slice_rules, rows, len(row_rules), np.flatnonzero(passed)
    )
    rejected_later = first_failures(len(rows), by_severity(later, REJECTION), reasons)
    rejected_by = np.where(rejected_by == NO_RULE, rejected_later, rejected_by)
    warnings = warned_rows(by_severity(failures, WARNING) + by_severity(later, WARNING))
    # Only messages need a row's key in words: spelled out for the rows that get one.
    told = (rejected_by != NO_RULE) | rows.index.isin(warnings["row"])
    rows["key_label"] = None
    rows.loc[told, "key_label"] = key_labels(rows.loc[told])
    return Judged(rows, rules, rejected_by, warnings, outcomes + more, key_labels)


def judge_values(
    raw: pd.DataFrame,
    reference: Reference,
    current: str,
    checker: Checker,
    history: pd.DataFrame | None = None,
) -> Judged:
    """Judge values rows; ``history`` (from ``cross_row.history_maxima``) enables OUTLIER."""
    rows = prepare_values(raw, reference)
    cross_row.mark_duplicates(
        rows,
        ["element", *(f"{name}_given" for name in DIMENSION_COLUMNS)],
        [("value_content", "value")],
        complete=rows[list(REQUIRED[VALUES])].notna().all(axis=1),
    )

    def slice_helpers(frame: pd.DataFrame, passed: pd.Series) -> None:
        cross_row.add_detail_sums(frame, passed)
        cross_row.add_outlier_limits(frame, history)
        cross_row.add_consistency(frame, passed, cross_row.CONSISTENCY)

    return _judge(
        VALUES,
        rows,
        suites.values_row_rules(reference, current),
        suites.values_slice_rules(reference),
        slice_helpers,
        cross_row.value_key_labels,
        checker,
    )


def judge_measures(
    raw: pd.DataFrame, reference: Reference, current: str, checker: Checker
) -> Judged:
    """Judge measures rows: each slice is a snapshot of a plan, one row per measure."""
    rows = prepare_measures(raw, reference)
    cross_row.mark_duplicates(
        rows,
        ["plan", "measure"],
        [
            ("title", "measure_title"),
            ("institution_code", "responsible_institution"),
            ("status_code", "status"),
            ("planned_content", "planned_budget_eur"),
            ("spent_content", "spent_budget_eur"),
            ("due_content", "due_period"),
        ],
        complete=rows[list(REQUIRED[MEASURES])].notna().all(axis=1),
    )
    return _judge(
        MEASURES,
        rows,
        suites.measures_row_rules(reference, current),
        suites.measures_slice_rules(),
        lambda frame, passed: None,
        lambda frame: pd.Series(
            [
                Msg(N_("measure {measure} of plan {plan}"), {"measure": m, "plan": p})
                for m, p in zip(frame["measure"].fillna(""), frame["plan"].fillna(""), strict=True)
            ],
            index=frame.index,
            dtype=object,
        ),
        checker,
    )
