"""Creates and upgrades the warehouse schema, idempotently.

Tables are created when missing; the schema version is recorded in
``schema_info`` so an older warehouse can be upgraded in place.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

# Importing the table modules registers their tables on the shared metadata.
from lct_pipeline.warehouse import (  # noqa: F401
    tables_freshness,
    tables_raw,
    tables_star,
    tables_validated,
)
from lct_pipeline.warehouse.metadata import metadata
from lct_pipeline.warehouse.views import all_views, create_views

# 2: the star schema; 4: indicator parts and quarter versions (freshness); 5: raw rows
# name the columns they did not store instead of keeping their cells (SPEC §5), and a
# file rejected whole keeps the org code its rows give (raw_files.org_hint); 6: messages
# are also kept as message ids and arguments, for feedback in the CSO's language, and
# raw_not_reported keeps a returned template's rows left empty (SPEC §11; a new table,
# which create_all adds to an older warehouse); 7: fact_values indexed by element and
# period, not by element alone.
SCHEMA_VERSION = 7
SCHEMA_LOCK_ID = 741_952_001

schema_info = sa.Table(
    "schema_info",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


def _set_info(conn: sa.Connection, key: str, value: str) -> None:
    conn.execute(schema_info.delete().where(schema_info.c.key == key))
    conn.execute(schema_info.insert().values(key=key, value=value))


def _upgrade_to_5(conn: sa.Connection) -> None:
    """Before version 5 the cells beyond a header were stored in ``raw_rows.extra``; an
    older warehouse loses their content and keeps only that there were some. Files
    rejected whole get ``raw_files.org_hint`` (empty for those read before)."""
    if "org_hint" not in {c["name"] for c in sa.inspect(conn).get_columns("raw_files")}:
        conn.exec_driver_sql("ALTER TABLE raw_files ADD COLUMN org_hint VARCHAR(32)")
    columns = {c["name"] for c in sa.inspect(conn).get_columns("raw_rows")}
    if "extra" not in columns:
        return
    if "ignored" not in columns:
        conn.exec_driver_sql("ALTER TABLE raw_rows ADD COLUMN ignored TEXT")
    conn.exec_driver_sql(
        "UPDATE raw_rows SET ignored = 'cells beyond the header' WHERE extra IS NOT NULL"
    )
    conn.exec_driver_sql("ALTER TABLE raw_rows DROP COLUMN extra")


def _upgrade_to_6(conn: sa.Connection) -> None:
    """Messages stored before version 6 have no ``message_key``: their feedback stays in
    English until their quarter is validated again."""
    for table in ("raw_files", "row_issues"):
        if "message_key" not in {c["name"] for c in sa.inspect(conn).get_columns(table)}:
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN message_key TEXT")


def _upgrade_to_7(conn: sa.Connection) -> None:
    """The index of ``fact_values`` on the element alone becomes one on element and period
    (create_all adds no index to a table that exists)."""
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_fact_values_element")
    for index in tables_star.fact_values.indexes:
        index.create(conn, checkfirst=True)


def ensure_schema(engine: sa.Engine) -> None:
    """Create what is missing, record the version, (re)create changed views; safe on every run."""
    views_hash = hashlib.sha256(repr(all_views()).encode()).hexdigest()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two runs starting together must not both create the same table.
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK_ID})")
        metadata.create_all(conn, checkfirst=True)
        info = dict(conn.execute(sa.select(schema_info.c.key, schema_info.c.value)).all())
        if info.get("schema_version") != str(SCHEMA_VERSION):
            _upgrade_to_5(conn)
            _upgrade_to_6(conn)
            _upgrade_to_7(conn)
            _set_info(conn, "schema_version", str(SCHEMA_VERSION))
        # Views are recreated only when their definitions changed, so concurrent
        # runs do not take DDL locks on every start.
        if info.get("views_hash") != views_hash:
            create_views(conn)
            _set_info(conn, "views_hash", views_hash)
