"""Reason codes (SPEC §5) and which one a row gets when it breaks several rules.

A row is rejected once, with the first reason in ``REJECTIONS``; a row that is
kept may carry any number of warnings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

REJECTION = "rejection"
WARNING = "warning"

# SPEC §5's order. BAD_STATUS (measures only) sits with the other unknown codes.
REJECTIONS = (
    "MISSING_VALUE",
    "UNKNOWN_ORG",
    "BAD_PERIOD",
    "FUTURE_PERIOD",
    "ORG_INACTIVE",
    "UNKNOWN_DATA_ELEMENT",
    "BAD_DIMENSION",
    "BAD_STATUS",
    "INCOMPLETE_DISAGGREGATION",
    "NOT_A_NUMBER",
    "NEGATIVE_VALUE",
    "NOT_INTEGER",
    "IMPLAUSIBLE_VALUE",
    "DUPLICATE_CONFLICT",
    "TOTAL_MISMATCH",
)
WARNINGS = (
    "OUTLIER",
    "ADOPTED_GT_SUBMITTED",
    "SERVICES_LT_ASSISTED",
    "OVERSPENT",
    # Not in SPEC §5's list, but a CSO must hear that part of a row was not kept.
    "COMMENT_TRUNCATED",
    "PERSONAL_DATA_REMOVED",
    "VALUE_WITHDRAWN",
    # SPEC §5: "Columns that the layout does not know are not stored; a warning names them."
    "COLUMN_NOT_STORED",
)
# Warnings about the file's layout rather than the row: reported on a rejected row too.
ABOUT_THE_FILE = frozenset({"COLUMN_NOT_STORED"})
NO_RULE = -1


def rank(reason_code: str) -> int:
    """The place of a rejection reason in the order of precedence."""
    return REJECTIONS.index(reason_code)


def first_failures(
    n_rows: int, failures: Iterable[tuple[int, Sequence[int]]], reasons: Sequence[str]
) -> np.ndarray:
    """For each of ``n_rows`` rows, the rule that rejects it, or NO_RULE.

    ``failures`` gives, per rejection rule (its position in the suite), the rows
    that fail it; ``reasons`` the reason code of every rule. The rule with the
    earliest reason wins; between rules of one reason, the earlier in the suite.
    """
    chosen = np.full(n_rows, NO_RULE, dtype=np.int64)
    ordered = sorted(failures, key=lambda f: (rank(reasons[f[0]]), f[0]), reverse=True)
    for rule, rows in ordered:  # the last assignment is the rule that comes first
        chosen[np.asarray(rows, dtype=np.int64)] = rule
    return chosen


def warned_rows(failures: Iterable[tuple[int, Sequence[int]]]) -> pd.DataFrame:
    """One line per (row, warning rule), in rule order then row order."""
    pairs = [(row, rule) for rule, rows in sorted(failures) for row in rows]
    return pd.DataFrame(pairs, columns=["row", "rule"], dtype="int64")
