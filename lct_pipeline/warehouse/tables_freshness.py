"""What each quarter's stored figures were computed from (SPEC §6, fresh figures).

``quarter_versions``: a quarter's current data (its facts and parts) has a
fingerprint; when a run changes it, the quarter gets the next version number of
the warehouse. ``stage_versions``: the version of its inputs each stage of a
quarter was last built from. A stage is stale while a quarter it reads has a
newer version (``lct_pipeline/freshness.py``). ``stage_inputs``: a digest of
everything a stage of a quarter was last made from, so that a run with the same
inputs leaves it as it is, with what it reported (``detail``).
"""

from __future__ import annotations

import sqlalchemy as sa

from lct_pipeline.warehouse.metadata import metadata

quarter_versions = sa.Table(
    "quarter_versions",
    metadata,
    sa.Column("period", sa.String(6), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("changed_at", sa.DateTime, nullable=False),
    sa.Column("changed_by", sa.Text),  # the run that changed it
)

stage_versions = sa.Table(
    "stage_versions",
    metadata,
    sa.Column("stage", sa.String(64), primary_key=True),
    sa.Column("period", sa.String(6), primary_key=True),
    sa.Column("built_from", sa.Integer, nullable=False),
    sa.Column("built_at", sa.DateTime, nullable=False),
)

stage_inputs = sa.Table(
    "stage_inputs",
    metadata,
    sa.Column("stage", sa.String(64), primary_key=True),
    sa.Column("period", sa.String(6), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text),  # JSON: what the stage reported, to report it again
)
