"""Idempotent bulk writes: a partition's rows are replaced in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from lct_pipeline.faults import checkpoint
from lct_pipeline.warehouse.reads import read_frame

# Large inserts go in chunks so memory stays flat on national-scale backfills.
CHUNK_ROWS = 20_000


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts of plain Python values (NaN -> None).

    Column by column through numpy rather than with ``DataFrame.where`` and ``to_dict``
    or a frame-wide ``astype(object)``: ingestion calls this once per file, validation
    on a national quarter's 100k accepted rows, and pandas' overhead was most of it.
    """
    names = list(frame.columns)
    arrays = []
    for i in range(len(names)):
        column = frame.iloc[:, i]
        # Python scalars for numeric columns (Timestamps for datetimes).
        values = column.to_numpy(dtype=object, copy=True)
        values[column.isna().to_numpy()] = None
        # An object column may still hold numpy scalars, which to_dict used to unbox;
        # the types are collected in C, the column walked only when there is one.
        if pd.api.types.is_object_dtype(column.dtype) and any(
            issubclass(kind, np.generic) for kind in set(map(type, values))
        ):
            for j, value in enumerate(values):
                if isinstance(value, np.generic):
                    values[j] = value.item()
        arrays.append(values)
    return [dict(zip(names, row, strict=True)) for row in zip(*arrays, strict=True)]


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


def upsert(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """Insert or update ``rows`` by primary key; safe when two runs do it at once."""
    if not rows:
        return
    keys = [c.name for c in table.primary_key]
    if conn.dialect.name in ("postgresql", "sqlite"):
        insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)
        update = {c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys}
        conn.execute(insert.on_conflict_do_update(index_elements=keys, set_=update), rows)
        return
    for row in rows:  # other databases: portable, but not safe against a concurrent insert
        match = sa.and_(*(table.c[k] == row[k] for k in keys))
        if conn.execute(table.update().where(match).values(row)).rowcount == 0:
            conn.execute(table.insert().values(row))


def replace_changed(
    conn: sa.Connection, table: sa.Table, where: sa.ColumnElement[bool], rows: pd.DataFrame
) -> int:
    """``replace_partition``, writing only what differs: the rows of ``where`` not among
    ``rows`` exactly (by every column) are deleted by primary key, the rows of ``rows`` not
    stored exactly are inserted. The table holds the same after. A refresh after an early
    quarter's change moves a few ``CUM`` chains of each later quarter: those rows are
    written, not the quarter's tens of thousands. Returns the rows inserted."""
    columns = [c.name for c in table.columns]
    if set(rows.columns) != set(columns):  # a column left to its default: no comparing
        return replace_partition(conn, table, where, rows)
    key = [c.name for c in table.primary_key.columns]
    old = read_frame(conn, sa.select(*table.c).where(where))
    old_rows, new_rows = _comparable(old, table), _comparable(rows[columns], table)
    same = set(old_rows) & set(new_rows)
    at = {name: columns.index(name) for name in key}
    gone = [{f"k_{k}": row[i] for k, i in at.items()} for row in old_rows if row not in same]
    if gone:
        match = sa.and_(*(table.c[k] == sa.bindparam(f"k_{k}") for k in key))
        conn.execute(table.delete().where(match), gone)
    checkpoint(f"replace.{table.name}")
    fresh = [i for i, row in enumerate(new_rows) if row not in same]
    return insert_rows(conn, table, records(rows.iloc[fresh][columns]))


def _comparable(frame: pd.DataFrame, table: sa.Table) -> list[tuple]:
    """Each row as a tuple that equals another exactly when the stored rows would: numbers
    as floats, missing as None (NaN never equals itself), in the table's column order."""
    arrays = []
    for column in table.columns:
        values = frame[column.name]
        if isinstance(column.type, (sa.Float, sa.Integer, sa.Numeric)):
            values = pd.to_numeric(values).astype("float64")
        array = values.to_numpy(dtype=object, copy=True)
        array[values.isna().to_numpy()] = None
        arrays.append(array)
    return list(zip(*arrays, strict=True))


def _bind_processor(column_type: sa.types.TypeEngine, dialect: sa.Dialect):
    # The dialect's own implementation of the type (SQLite's DATETIME writes text).
    return column_type.dialect_impl(dialect).bind_processor(dialect)
