"""Metadata helpers: what a data officer reads at a glance in the UI."""

from __future__ import annotations

import math
from collections.abc import Sequence

import dagster as dg
import pandas as pd

PREVIEW_ROWS = 20


def readable(value: object) -> object:
    """A number as people read it: 76.92307692307692 -> 76.9, 40.0 -> 40, 0.4567 -> 0.457.

    Whole numbers lose their ``.0``; others keep one decimal, or three significant
    digits below 1 (a ratio). Anything that is not a number is returned as it is.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:  # numpy scalars
            value = value.item()  # type: ignore[union-attr]
        except AttributeError:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value
    if isinstance(value, int):
        return int(value)
    value = float(value)  # numpy's float64 prints as np.float64(...) in JSON and logs
    if math.isnan(value) or math.isinf(value):
        return value
    if value.is_integer():
        return int(value)
    if abs(value) >= 1:
        rounded = round(value, 1)
        return int(rounded) if rounded.is_integer() else rounded
    return float(f"{value:.3g}")


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(readable(value)).replace("|", "\\|").replace("\n", " ")


def markdown_table(
    frame: pd.DataFrame, limit: int = PREVIEW_ROWS, whole: str | None = None
) -> dg.MetadataValue:
    """A markdown preview of the first rows of ``frame``, saying how many were left out and,
    given ``whole``, where the whole list is."""
    if frame.empty:
        return dg.MetadataValue.md("_no rows_")
    columns: Sequence[str] = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in frame.head(limit).itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    if len(frame) > limit:
        rest = len(frame) - limit
        where = f": the whole list is in {whole}" if whole else ""
        lines.append(f"\n_{rest:,} more {'row' if rest == 1 else 'rows'} not shown{where}_")
    return dg.MetadataValue.md("\n".join(lines))
