"""Idempotent bulk writes: a partition's rows are replaced in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from lct_pipeline.faults import checkpoint

# Large inserts go in chunks so memory stays flat on national-scale backfills.
CHUNK_ROWS = 20_000


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts of plain Python values (NaN -> None).

    Masked in numpy rather than with ``DataFrame.where`` and ``to_dict``: ingestion
    calls this once per file, and pandas' per-call overhead was most of its time.
    """
    values = frame.astype(object).to_numpy(dtype=object, copy=True)
    values[frame.isna().to_numpy()] = None
    names = list(frame.columns)
    # astype(object) already gives Python scalars for numeric columns; an object
    # column may still hold numpy scalars, which to_dict used to unbox.
    loose = [i for i, dtype in enumerate(frame.dtypes) if pd.api.types.is_object_dtype(dtype)]
    rows = []
    for row in values.tolist():
        for i in loose:
            if isinstance(row[i], np.generic):
                row[i] = row[i].item()
        rows.append(dict(zip(names, row, strict=True)))
    return rows


def insert_rows(conn: sa.Connection, table: sa.Table, rows: Iterable[Mapping[str, Any]]) -> int:
    batch: list[Mapping[str, Any]] = []
    count = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK_ROWS:
            conn.execute(table.insert(), batch)
            count += len(batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
        count += len(batch)
    return count


def replace_partition(
    conn: sa.Connection,
    table: sa.Table,
    where: sa.ColumnElement[bool],
    rows: pd.DataFrame | Iterable[Mapping[str, Any]],
) -> int:
    """Delete the rows matching ``where`` and insert ``rows``, inside the caller's transaction."""
    conn.execute(table.delete().where(where))
    checkpoint(f"replace.{table.name}")
    if isinstance(rows, pd.DataFrame):
        rows = records(rows)
    return insert_rows(conn, table, rows)
