"""Idempotent bulk writes: a partition's rows are replaced in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa

from lct_pipeline.faults import checkpoint

# Large inserts go in chunks so memory stays flat on national-scale backfills.
CHUNK_ROWS = 20_000


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts of plain Python values (NaN -> None)."""
    clean = frame.astype(object).where(frame.notna(), None)
    return clean.to_dict("records")


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
