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
    """Insert ``rows`` (dicts with the same keys), in chunks."""
    batch: list[Mapping[str, Any]] = []
    count = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK_ROWS:
            _insert(conn, table, batch)
            count += len(batch)
            batch = []
    if batch:
        _insert(conn, table, batch)
        count += len(batch)
    return count


def _insert(conn: sa.Connection, table: sa.Table, batch: list[Mapping[str, Any]]) -> None:
    """One executemany. On SQLite straight through the driver, with the columns' own
    conversions (SQLAlchemy's per-row parameter handling took 40 % of inserting a
    national quarter's indicator rows); elsewhere SQLAlchemy's, which batches rows into
    multi-row VALUES where the driver would send them one by one."""
    keys = list(batch[0])
    statement = table.insert().compile(dialect=conn.dialect, column_keys=keys)
    if (
        conn.dialect.name != "sqlite"
        or not statement.positional
        or set(statement.positiontup or ()) != set(keys)
    ):
        conn.execute(table.insert(), batch)
        return
    order = list(statement.positiontup)
    convert = [
        (i, processor)
        for i, key in enumerate(order)
        if (processor := _bind_processor(table.c[key].type, conn.dialect)) is not None
    ]
    params = []
    for row in batch:
        values = [row[key] for key in order]
        for i, processor in convert:
            values[i] = processor(values[i])
        params.append(tuple(values))
    conn.exec_driver_sql(statement.string, params)


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


def _bind_processor(column_type: sa.types.TypeEngine, dialect: sa.Dialect):
    # The dialect's own implementation of the type (SQLite's DATETIME writes text).
    return column_type.dialect_impl(dialect).bind_processor(dialect)
