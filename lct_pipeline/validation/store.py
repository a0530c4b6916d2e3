"""A quarter's validation in the warehouse: stored in one transaction, marked complete once
its Data Docs are built, and read back when its inputs have not changed since (SPEC §6)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import sqlalchemy as sa

from lct_pipeline import freshness
from lct_pipeline.rules.checker import Outcome
from lct_pipeline.validation.judging import Validation
from lct_pipeline.warehouse.reads import read_frame
from lct_pipeline.warehouse.tables_freshness import stage_inputs
from lct_pipeline.warehouse.tables_validated import (
    row_issues,
    slices,
    staged_measures,
    staged_values,
)
from lct_pipeline.warehouse.writes import replace_partition

_TABLES = {
    "issues": row_issues,
    "staged_values": staged_values,
    "staged_measures": staged_measures,
    "slices": slices,
}


def store(
    engine: sa.Engine, period: str, validation: Validation, built_from: int, digest: str
) -> None:
    """Replace the quarter's validated rows in one transaction (SPEC §6), noting the
    version of the history they were judged with and the digest of what they were judged
    from (complete once the Data Docs are built)."""
    ids = validation.slices["submission_id"].tolist() if not validation.slices.empty else []
    with engine.begin() as conn:
        # Quarters a slice moves from are no longer what they were judged to be.
        moved = sa.select(slices.c.partition_period).where(slices.c.submission_id.in_(ids))
        t = stage_inputs.c
        conn.execute(
            stage_inputs.delete().where(
                t.stage == freshness.VALIDATION, sa.or_(t.period == period, t.period.in_(moved))
            )
        )
        for name, table in _TABLES.items():
            # A slice may move between quarters (its period became current since the
            # last run): its rows elsewhere go too, so an id is never stored twice.
            stale = sa.or_(table.c.partition_period == period, table.c.submission_id.in_(ids))
            frame = getattr(validation, name)
            empty = frame is None or frame.empty
            rows = [] if empty else frame.assign(partition_period=period)
            replace_partition(conn, table, stale, rows)  # a frame goes in through records()
        freshness.record_built(conn, freshness.VALIDATION, period, built_from)
        conn.execute(
            stage_inputs.insert().values(stage=freshness.VALIDATION, period=period, digest=digest)
        )


def mark_complete(engine: sa.Engine, period: str, digest: str, outcomes: list[Outcome]) -> None:
    """Note the outcomes of the quarter stored from inputs with ``digest``: its validation is
    complete. Nothing to complete if another quarter's run took a slice from this one
    meanwhile (its digest is gone)."""
    t = stage_inputs.c
    with engine.begin() as conn:
        conn.execute(
            stage_inputs.update()
            .where(t.stage == freshness.VALIDATION, t.period == period, t.digest == digest)
            .values(detail=json.dumps([asdict(o) for o in outcomes]))
        )


def stored_validation(
    conn: sa.Connection, period: str, digest: str, docs: Path | None
) -> Validation | None:
    """The quarter's stored validation, if it was judged from inputs with ``digest`` and its
    Data Docs (when asked for) are there."""
    t = stage_inputs.c
    held = conn.execute(
        sa.select(t.digest, t.detail).where(t.stage == freshness.VALIDATION, t.period == period)
    ).first()
    if held is None or held.digest != digest or held.detail is None:
        return None
    if docs is not None and not (docs / "index.html").is_file():
        return None
    mine = slices.c.partition_period == period
    stored = read_frame(conn, sa.select(slices).where(mine).order_by(slices.c.submission_id))
    i = row_issues.c
    issues = read_frame(
        conn,
        sa.select(row_issues)
        .where(i.partition_period == period)
        .order_by(i.source_file, i.sheet, i.row_number, i.reason_code),
    )
    return Validation(
        slices=stored.drop(columns="partition_period"),
        issues=issues.drop(columns="partition_period"),
        outcomes=[Outcome(**o) for o in json.loads(held.detail)],
        data_docs=docs / "index.html" if docs is not None else None,
        unchanged=True,
    )
