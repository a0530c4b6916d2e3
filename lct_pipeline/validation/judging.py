"""Judging: raw rows through both record types' suites, split into the validated shapes.

Nothing here reads or writes the warehouse: a quarter's run (``quarter``) and
``lct validate`` (``files``) both judge through ``judge_rows``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lct_pipeline.contract import MEASURES, VALUES
from lct_pipeline.reference import Reference
from lct_pipeline.rules import split
from lct_pipeline.rules.checker import Checker, Outcome
from lct_pipeline.rules.judge import Judged, judge_measures, judge_values
from lct_pipeline.rules.withdrawn import withdrawn


@dataclass(frozen=True)
class Validation:
    """What validation found: slices with their outcome, issues, and what is kept."""

    slices: pd.DataFrame
    issues: pd.DataFrame  # rejections and warnings, in row_issues' columns
    outcomes: list[Outcome] = field(default_factory=list)  # one per expectation and batch
    staged_values: pd.DataFrame | None = None  # accepted rows as stored, exact copies once
    staged_measures: pd.DataFrame | None = None
    data_docs: Path | None = None  # the index page of the quarter's Data Docs
    data_docs_problem: str | None = None  # why they were not built, when they were asked for
    # Judged before from the same inputs: what is stored was left as it is (and read back).
    unchanged: bool = False

    def count(self, column: str) -> int:
        """A row count summed over the slices, e.g. ``count("rows_rejected")``."""
        return int(self.slices[column].sum()) if not self.slices.empty else 0

    def reason_counts(self) -> pd.DataFrame:
        """Rows per severity and reason code, rejections first, then by frequency."""
        if self.issues.empty:
            return pd.DataFrame(columns=["severity", "reason_code", "rows"])
        counts = self.issues.groupby(["severity", "reason_code"]).size().rename("rows")
        return counts.reset_index().sort_values(
            ["severity", "rows", "reason_code"], ascending=[True, False, True], ignore_index=True
        )


def concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """The frames one after the other; empty ones only lend their columns."""
    frames = list(frames)
    filled = [f for f in frames if not f.empty]
    if filled:
        return pd.concat(filled, ignore_index=True)
    return next((f for f in frames if len(f.columns)), pd.DataFrame())


def _judged(raw: pd.DataFrame, record_type: str, judge: Callable[[pd.DataFrame], Judged]):
    rows = raw[raw["record_type"] == record_type] if not raw.empty else raw
    return judge(rows) if not rows.empty else None


def judge_rows(
    raw: pd.DataFrame,
    reference: Reference,
    current: str,
    checker: Checker,
    maxima: pd.DataFrame | None = None,
) -> Validation:
    """Judge both record types of ``raw`` and split the rows into the validated shapes."""
    values = _judged(
        raw, VALUES, lambda rows: judge_values(rows, reference, current, checker, maxima)
    )
    measures = _judged(
        raw, MEASURES, lambda rows: judge_measures(rows, reference, current, checker)
    )
    judged = {t: j for t, j in ((VALUES, values), (MEASURES, measures)) if j is not None}
    slices = concat(split.slice_table(j.rows, j.rejected, j.warned) for j in judged.values())
    # Which slice replaces which: decided among the judged slices alone, as files rejected
    # whole have no accepted row and never compete.
    decided = split.supersede(slices) if not slices.empty else slices
    return Validation(
        slices=slices,
        issues=concat(
            [
                *(
                    split.issues(j.rows, j.rules, j.rejected_by, j.warnings)
                    for j in judged.values()
                ),
                *(withdrawn(j, t, decided) for t, j in judged.items()),
            ]
        ),
        outcomes=[o for j in judged.values() for o in j.outcomes],
        staged_values=split.staged_values(values.rows, ~values.rejected) if values else None,
        staged_measures=(
            split.staged_measures(measures.rows, ~measures.rejected) if measures else None
        ),
    )
