"""Rules that compare rows with each other, as helper columns a suite can check.

GX checks one row at a time on pandas, so what a rule needs from other rows
(the other copies of a key, the detail rows under a total, the history of a
figure) is computed here, per slice, into columns of the row it judges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lct_pipeline.contract import DIMENSION_COLUMNS
from lct_pipeline.i18n import N_, Msg
from lct_pipeline.reference import TOTAL

OUTLIER_FLOOR = 20
OUTLIER_FACTOR = 3
HISTORY_QUARTERS = 4
OUTLIER_KEY = ("org", "element", *(f"{name}_key" for name in DIMENSION_COLUMNS))


@dataclass(frozen=True)
class Consistency:
    """A slice's figure of ``smaller`` may not exceed its figure of ``larger`` (a warning)."""

    reason_code: str
    smaller: str
    larger: str
    flagged: str  # the element whose row carries the warning
    message: str

    @property
    def smaller_column(self) -> str:
        return f"{self.reason_code.lower()}_smaller"

    @property
    def larger_column(self) -> str:
        return f"{self.reason_code.lower()}_larger"


CONSISTENCY = (
    Consistency(
        "ADOPTED_GT_SUBMITTED",
        smaller="RECOMMENDATIONS_ADOPTED",
        larger="RECOMMENDATIONS_SUBMITTED",
        flagged="RECOMMENDATIONS_ADOPTED",
        message=N_(
            "RECOMMENDATIONS_ADOPTED ({adopted_gt_submitted_smaller}) is more than"
            " RECOMMENDATIONS_SUBMITTED ({adopted_gt_submitted_larger}) in the same quarter;"
            " check both figures."
        ),
    ),
    Consistency(
        "SERVICES_LT_ASSISTED",
        smaller="VOT_ASSISTED",
        larger="SERVICES_PROVIDED",
        flagged="SERVICES_PROVIDED",
        message=N_(
            "SERVICES_PROVIDED adds up to {services_lt_assisted_larger}, fewer than"
            " VOT_ASSISTED ({services_lt_assisted_smaller}) in the same quarter, while every"
            " assisted victim receives at least one service; check both figures."
        ),
    ),
)


def value_key_labels(frame: pd.DataFrame) -> pd.Series:
    """``VOT_ASSISTED (sex=F, age_group=ADULT)``, or ``(total)``: a values row's key in words."""
    given = [
        frame[f"{name}_code"]
        .where(frame[f"{name}_code"] != TOTAL)
        .map(lambda code, name=name: f"{name}={code}", na_action="ignore")
        for name in DIMENSION_COLUMNS
    ]
    parts = [", ".join(p for p in row if isinstance(p, str)) for row in zip(*given, strict=True)]
    labels = [
        f"{element} ({part})" if part else Msg(N_("{element} (total)"), {"element": element})
        for element, part in zip(frame["element"].fillna(""), parts, strict=True)
    ]
    return pd.Series(labels, index=frame.index, dtype=object)


def mark_duplicates(
    frame: pd.DataFrame,
    key: Sequence[str],
    content: Sequence[tuple[str, str]],
    complete: pd.Series,
) -> None:
    """Add ``key_versions`` (distinct contents of the row's key in its slice) and ``is_repeat``.

    ``content`` pairs each compared (typed) column with the raw column quoted to the
    CSO. Only ``complete`` rows compete: a row missing a required cell is rejected
    for that and must not make a good row conflict. An exact copy of an earlier
    row is a repeat: it counts as accepted but is stored once.
    """
    keys = frame.groupby(["submission_id", *key], dropna=False, sort=False).ngroup()
    typed = [typed for typed, _ in content]
    contents = frame.groupby(typed, dropna=False, sort=False).ngroup().where(complete)
    versions = contents.groupby(keys).transform("nunique").fillna(0).astype("int64")
    frame["key_versions"] = versions
    pairs = pd.DataFrame({"key": keys, "content": contents})
    frame["is_repeat"] = complete & pairs.duplicated(keep="first") & (versions == 1)
    frame["key_rows"] = None
    frame["key_values"] = None
    conflicting = frame.index[complete & (versions > 1)]
    for _, rows in frame.loc[conflicting].groupby(keys[conflicting], sort=False):
        numbers = ", ".join(str(n) for n in sorted(rows["row_number"]))
        differences = [
            f"{raw} {' / '.join(str(v) for v in rows[raw].fillna('').unique())}"
            for typed_column, raw in content
            if rows[typed_column].nunique(dropna=False) > 1
        ]
        frame.loc[rows.index, "key_rows"] = numbers
        frame.loc[rows.index, "key_values"] = "; ".join(differences)


def add_detail_sums(frame: pd.DataFrame, passed: pd.Series) -> None:
    """``detail_sum`` on total rows: the sum of the slice's accepted detail rows of that element.

    ``passed`` marks the rows that passed the row rules; NaN where the slice has no
    such detail rows (the total then stands alone).
    """
    details = passed & ~frame["is_repeat"] & ~frame["is_total"]
    chosen = frame.loc[details, ["submission_id", "element", "value_number"]]
    sums = chosen.groupby(["submission_id", "element"])["value_number"].sum()
    index = pd.MultiIndex.from_frame(frame[["submission_id", "element"]])
    totals = passed & frame["is_total"]
    frame["detail_sum"] = np.where(totals, sums.reindex(index).to_numpy(), np.nan)


def element_figures(frame: pd.DataFrame, passed: pd.Series) -> pd.Series:
    """Each (slice, element)'s figure: its detail rows' sum, or its total where it has none."""
    counted = frame.loc[
        passed & ~frame["is_repeat"], ["submission_id", "element", "value_number", "is_total"]
    ]
    by = [counted["submission_id"], counted["element"]]
    details = counted["value_number"].where(~counted["is_total"])
    totals = counted["value_number"].where(counted["is_total"])
    has_details = details.notna().groupby(by).any()
    return details.groupby(by).sum().where(has_details, totals.groupby(by).sum())


def add_consistency(frame: pd.DataFrame, passed: pd.Series, checks: Sequence[Consistency]) -> None:
    """For each check, both figures on the first passed row of the flagged element of a slice."""
    figures = element_figures(frame, passed)
    counted = passed & ~frame["is_repeat"]
    for check in checks:
        flagged = frame.loc[counted & (frame["element"] == check.flagged), "submission_id"]
        first = flagged.index.to_series().groupby(flagged).min()
        frame[check.smaller_column] = np.nan
        frame[check.larger_column] = np.nan
        for column, element in (
            (check.smaller_column, check.smaller),
            (check.larger_column, check.larger),
        ):
            index = pd.MultiIndex.from_arrays([first.index, [element] * len(first)])
            frame.loc[first.to_numpy(), column] = figures.reindex(index).to_numpy()


def history_maxima(accepted: pd.DataFrame) -> pd.DataFrame:
    """The largest value of each (org, element, dimensions) among accepted, current rows."""
    keyed = accepted[list(OUTLIER_KEY)].fillna("")
    return (
        keyed.assign(history_max=accepted["value_number"])
        .groupby(list(OUTLIER_KEY), sort=False)["history_max"]
        .max()
        .reset_index()
    )


def combine_maxima(maxima: list[pd.DataFrame]) -> pd.DataFrame:
    """The largest of several ``history_maxima`` tables, key by key."""
    return (
        pd.concat(maxima, ignore_index=True)
        .groupby(list(OUTLIER_KEY), sort=False)["history_max"]
        .max()
        .reset_index()
    )


def add_outlier_limits(frame: pd.DataFrame, maxima: pd.DataFrame | None) -> None:
    """``outlier_limit``: max(20, 3 × the history's largest value of the row's key); NaN
    where the key has no history (nothing to compare with) or no history is given."""
    frame["history_max"] = np.nan
    if maxima is not None and not maxima.empty:
        keyed = frame[list(OUTLIER_KEY)].fillna("")
        frame["history_max"] = keyed.merge(maxima, how="left", on=list(OUTLIER_KEY))[
            "history_max"
        ].to_numpy()
    frame["outlier_limit"] = np.maximum(OUTLIER_FLOOR, OUTLIER_FACTOR * frame["history_max"])
