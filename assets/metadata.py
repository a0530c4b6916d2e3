"""Metadata helpers: what a data officer reads at a glance in the UI."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg
import pandas as pd

PREVIEW_ROWS = 20


def _cell(value: object) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame, limit: int = PREVIEW_ROWS) -> dg.MetadataValue:
    """A markdown preview of the first rows of ``frame``, saying how many were left out."""
    if frame.empty:
        return dg.MetadataValue.md("_no rows_")
    columns: Sequence[str] = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in frame.head(limit).itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    if len(frame) > limit:
        lines.append(f"\n_{len(frame) - limit} more rows not shown_")
    return dg.MetadataValue.md("\n".join(lines))
