"""Fresh figures (SPEC §6): which stages of which quarters a change has made stale.

A quarter's *version* moves when a run changes its current data (its facts and
additive parts: what other quarters read of it). Each stage of a quarter reads
the versions of some quarters, and records the highest one it read:

- validation of Q reads the four quarters before it (OUTLIER compares with them);
- the indicators and the extracts of Q read every quarter up to Q (CUM rows,
  charts); the Y rows of a year are rewritten by each of its quarters' runs, so
  the quarter that changed rewrites them itself.

A stage is stale while a quarter it reads has a newer version than it was built
from, or when it was never built for a quarter that has data. The Dagster layer
refreshes stale stages (the freshness sensor, ``lct run``); nothing here runs them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import distributions
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from lct_pipeline import periods
from lct_pipeline.rules.cross_row import HISTORY_QUARTERS
from lct_pipeline.warehouse.tables_freshness import quarter_versions, stage_versions

VALIDATION = "validated_submissions"
INDICATORS = "indicator_values"
EXTRACTS = "evaluation_extracts"
PUBLIC = "public_extracts"
# The stages that read every quarter up to their own, in the order a run builds them.
FIGURES = (INDICATORS, EXTRACTS, PUBLIC)


def fingerprint(*frames: pd.DataFrame) -> str:
    """A digest of frames' contents (sorted by the caller): equal data, equal digest."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(repr(list(frame.columns)).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


@cache
def code_digest() -> str:
    """A digest of the package's code and messages, the Python and every installed
    distribution's version. A result left as it was because its inputs did not change is
    made again once what makes it did (a rule, a message, a new pandas or XlsxWriter)."""
    digest = hashlib.sha256(sys.version.encode())
    # One version a name, the first on sys.path (the one imported): a folder on the path
    # that holds a project's metadata again (the checkout's lct_pipeline.egg-info when
    # Python starts there) must not make a step process's digest differ from the CLI's.
    # Names compare as pip compares them (PEP 503: "Zope.Interface" is "zope-interface").
    installed: dict[str, str] = {}
    for d in distributions():
        installed.setdefault(re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(), d.version)
    digest.update("\n".join(f"{n}=={v}" for n, v in sorted(installed.items())).encode())
    root = Path(__file__).parent
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d != "node_modules")
        for name in sorted(names):
            if name.endswith((".py", ".po")):
                path = Path(folder) / name
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def reference_digest(reference: object) -> str:
    """A digest of every field of the reference (its repr leaves out the dimensions'
    aliases, which decide how a row's text reads)."""
    return hashlib.sha256(repr(dataclasses.asdict(reference)).encode()).hexdigest()


def fingerprint_rows(*frames: pd.DataFrame) -> str:
    """A digest of frames' rows in any order (read without ORDER BY): equal rows, equal digest."""
    digest = hashlib.sha256()
    for frame in frames:
        _add_rows(digest, _shape(frame), pd.util.hash_pandas_object(frame, index=False).to_numpy())
    return digest.hexdigest()


def _shape(frame: pd.DataFrame) -> str:
    # The types too: a column of text "1" and one of numbers 1 hash their rows alike.
    return f"{list(frame.columns)!r} {list(map(str, frame.dtypes))}"


def _add_rows(digest, shape: str, rows: np.ndarray) -> None:
    digest.update(f"{shape} {len(rows)}".encode())
    digest.update(np.sort(rows).tobytes())


class RowsBy:
    """A frame's rows hashed once and grouped by ``column``: the fingerprint of each
    group without hashing it apart (a quarter's ~500 feedback files in one pass)."""

    def __init__(self, frame: pd.DataFrame, column: str) -> None:
        self._shape = _shape(frame)
        hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
        positions = frame.groupby(column, sort=False).indices
        self._groups = {key: hashes[rows] for key, rows in positions.items()}
        self._none = hashes[:0]

    def add(self, digest, key: object) -> None:
        _add_rows(digest, self._shape, self._groups.get(key, self._none))


def fingerprint_groups(key: object, text: str, *grouped: RowsBy) -> str:
    """A digest of ``text`` and of ``key``'s rows in each of ``grouped``, in any order
    and with their frame's columns and types, as ``fingerprint_rows`` digests rows."""
    digest = hashlib.sha256(text.encode())
    for rows in grouped:
        rows.add(digest, key)
    return digest.hexdigest()


def record_data(conn: sa.Connection, period: str, digest: str, run_id: str | None) -> bool:
    """Give ``period`` the warehouse's next version if its data's digest changed; True if so.

    Called inside the transaction that writes the quarter's data, so a crash leaves
    the old data with the old version or the new with the new.
    """
    t = quarter_versions.c
    known = conn.execute(sa.select(t.fingerprint).where(t.period == period)).scalar()
    if known == digest:
        return False
    latest = conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.version), 0))).scalar()
    conn.execute(quarter_versions.delete().where(t.period == period))
    conn.execute(
        quarter_versions.insert().values(
            period=period,
            fingerprint=digest,
            version=int(latest) + 1,
            changed_at=datetime.now(UTC).replace(tzinfo=None),
            changed_by=run_id,
        )
    )
    return True


def reads(stage: str, period: str) -> tuple[str, str]:
    """The first and last quarter whose versions a stage of ``period`` reads."""
    if stage == VALIDATION:
        first = max(periods.shift(period, -HISTORY_QUARTERS), periods.PROGRAMME_START)
        return first, periods.shift(period, -1)
    return periods.PROGRAMME_START, period


def _versions(conn: sa.Connection) -> dict[str, int]:
    return dict(
        conn.execute(sa.select(quarter_versions.c.period, quarter_versions.c.version)).all()
    )


def input_version(conn: sa.Connection, stage: str, period: str) -> int:
    """The highest version among the quarters a stage of ``period`` reads (0: none yet)."""
    first, last = reads(stage, period)
    t = quarter_versions.c
    found = conn.execute(
        sa.select(sa.func.max(t.version)).where(t.period.between(first, last))
    ).scalar()
    return int(found or 0)


def record_built(conn: sa.Connection, stage: str, period: str, built_from: int) -> None:
    """Note that ``stage`` of ``period`` now holds what inputs of version ``built_from`` give."""
    t = stage_versions.c
    conn.execute(stage_versions.delete().where(t.stage == stage, t.period == period))
    conn.execute(
        stage_versions.insert().values(
            stage=stage,
            period=period,
            built_from=built_from,
            built_at=datetime.now(UTC).replace(tzinfo=None),
        )
    )


@dataclass(frozen=True)
class Stale:
    """A quarter whose stored figures no longer follow from the data."""

    period: str
    stages: tuple[str, ...]  # the stale stages, VALIDATION first when it is one
    causes: tuple[str, ...]  # the quarters whose change made them stale; () if never built
    version: int  # the highest version of the quarters up to it: names this state

    @property
    def revalidate(self) -> bool:
        """Its data must be validated and stored again, not only its figures rebuilt."""
        return VALIDATION in self.stages

    @property
    def cause(self) -> str:
        return ",".join(self.causes) if self.causes else "never built"


def stale_quarters(
    conn: sa.Connection,
    quarters: Sequence[str],
    republished: Mapping[str, Sequence[str]] | None = None,
) -> list[Stale]:
    """The quarters (of ``quarters``: those a clean run would run) with a stale stage.

    A quarter whose own data was never stored is stale as a whole (VALIDATION, so
    its run stores it); one that was is stale where a quarter it reads changed.
    ``republished`` (``extracts.public_versions.republished``): per Q4, the quarters of
    its year published again since the year's public tables were: its public stage is
    stale too.
    """
    republished = republished or {}
    versions = _versions(conn)
    t = stage_versions.c
    built = {(s, p): v for s, p, v in conn.execute(sa.select(t.stage, t.period, t.built_from))}
    found = []
    for period in quarters:
        stages, causes = [], set()
        for stage in (VALIDATION, *FIGURES):
            first, last = reads(stage, period)
            mine = built.get((stage, period))
            newer = [q for q, v in versions.items() if first <= q <= last and v > (mine or 0)]
            never = mine is None or (stage == VALIDATION and period not in versions)
            again = republished.get(period, ()) if stage == PUBLIC else ()
            if never or newer or again:
                stages.append(stage)
                causes.update(newer if not never else ())
                causes.update(again)
        if stages:
            version = max((v for q, v in versions.items() if q <= period), default=0)
            found.append(Stale(period, tuple(stages), tuple(sorted(causes)), version))
    return found
