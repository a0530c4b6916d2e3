"""The analysts' views (SPEC §8), recreated on every schema check.

Each layer lists its views as ``name -> SELECT`` in its own module; a view is
dropped and created again so a changed definition always takes effect.
"""

from __future__ import annotations

import sqlalchemy as sa

from lct_pipeline.warehouse import views_current, views_validated


def all_views() -> dict[str, str]:
    """Every view in creation order (later views may select from earlier ones)."""
    return {**views_validated.VIEWS, **views_current.VIEWS}


def create_views(conn: sa.Connection) -> None:
    views = all_views()
    cascade = " CASCADE" if conn.dialect.name == "postgresql" else ""
    for name in reversed(list(views)):
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {name}{cascade}")
    for name, select in views.items():
        conn.exec_driver_sql(f"CREATE VIEW {name} AS {select}")
