"""One SQLAlchemy engine per warehouse URL, tuned for the database behind it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sqlalchemy as sa

# Parallel Dagster runs write the same SQLite file: WAL lets readers go on while
# one writer commits, and the busy timeout makes a second writer wait, not fail.
SQLITE_BUSY_TIMEOUT_MS = 120_000


@cache
def get_engine(url: str) -> sa.Engine:
    """The engine of ``url``; SQLite files get WAL, a busy timeout and foreign keys."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        # pysqlite's own transaction handling defers BEGIN; take it over so that
        # a write transaction starts IMMEDIATE and cannot deadlock on upgrade.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_sqlite(engine: sa.Engine) -> bool:
    return engine.dialect.name == "sqlite"
