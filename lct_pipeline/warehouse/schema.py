"""Creates and upgrades the warehouse schema, idempotently.

Tables are created when missing; the schema version is recorded in
``schema_info`` so an older warehouse can be upgraded in place.
"""

from __future__ import annotations

import sqlalchemy as sa

from lct_pipeline.warehouse import tables_raw, tables_validated  # noqa: F401  (registers the tables)
from lct_pipeline.warehouse.metadata import metadata

SCHEMA_VERSION = 1

schema_info = sa.Table(
    "schema_info",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


def ensure_schema(engine: sa.Engine) -> None:
    """Create what is missing and record the schema version; safe to call on every run."""
    with engine.begin() as conn:
        metadata.create_all(conn, checkfirst=True)
        current = conn.execute(
            sa.select(schema_info.c.value).where(schema_info.c.key == "schema_version")
        ).scalar()
        if current is None:
            conn.execute(
                schema_info.insert().values(key="schema_version", value=str(SCHEMA_VERSION))
            )
        elif int(current) != SCHEMA_VERSION:
            conn.execute(
                schema_info.update()
                .where(schema_info.c.key == "schema_version")
                .values(value=str(SCHEMA_VERSION))
            )
