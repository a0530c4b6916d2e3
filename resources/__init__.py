"""Dagster resources, configured from the environment in this one place (SPEC §10).

Every setting is a ``dg.EnvVar``, read when a run starts (so the UI shows where a
value comes from and a password in a warehouse URL is not displayed); a variable
that is not set gets its working default under ``data/`` first.
"""

from __future__ import annotations

import os
from datetime import date
from functools import cache
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from lct_pipeline import periods
from lct_pipeline.reference import Reference, load_reference
from lct_pipeline.settings import DEFAULTS
from lct_pipeline.warehouse.engine import get_engine
from lct_pipeline.warehouse.schema import ensure_schema


class WarehouseResource(dg.ConfigurableResource):
    """The SQL warehouse: a SQLite file by default, any SQLAlchemy URL in production."""

    url: str

    def get_engine(self) -> sa.Engine:
        engine = get_engine(self.url)
        ensure_schema(engine)
        return engine


class FilesResource(dg.ConfigurableResource):
    """Folders the pipeline reads and writes: inbox (read only), archive, extracts, Data Docs."""

    inbox_dir: str
    archive_dir: str
    extracts_dir: str
    data_docs_dir: str
    # Submissions above this size are archived and rejected unread.
    max_file_mb: str = "50"

    @property
    def max_file_bytes(self) -> int:
        return int(float(self.max_file_mb) * 1_000_000)

    @property
    def inbox(self) -> Path:
        return Path(self.inbox_dir)

    @property
    def archive(self) -> Path:
        return Path(self.archive_dir)

    @property
    def extracts(self) -> Path:
        return Path(self.extracts_dir)

    @property
    def data_docs(self) -> Path:
        return Path(self.data_docs_dir)


@cache
def _load_reference(directory: str, mtimes: tuple[float, ...]) -> Reference:
    return load_reference(directory)


class ProgrammeResource(dg.ConfigurableResource):
    """The programme's reference data (registry, areas, catalogue) and its calendar."""

    reference_dir: str
    # An ISO date to run as if it were today (tests, re-running history); empty = today.
    today: str = ""

    def reference(self) -> Reference:
        folder = Path(self.reference_dir)
        # Reloaded when a data officer edits a file, without restarting the UI.
        mtimes = tuple(p.stat().st_mtime for p in sorted(folder.glob("*")) if p.is_file())
        return _load_reference(str(folder), mtimes)

    def as_of(self) -> date:
        return date.fromisoformat(self.today) if self.today else date.today()

    def current_period(self) -> str:
        return periods.of_date(self.as_of())


def build_resources() -> dict[str, dg.ConfigurableResource]:
    for name, default in {**DEFAULTS, "LCT_TODAY": ""}.items():
        if name.startswith("LCT_") and not os.environ.get(name):
            os.environ[name] = default
    return {
        "warehouse": WarehouseResource(url=dg.EnvVar("LCT_WAREHOUSE_URL")),
        "files": FilesResource(
            inbox_dir=dg.EnvVar("LCT_INBOX_DIR"),
            archive_dir=dg.EnvVar("LCT_ARCHIVE_DIR"),
            extracts_dir=dg.EnvVar("LCT_EXTRACTS_DIR"),
            data_docs_dir=dg.EnvVar("LCT_DATA_DOCS_DIR"),
            max_file_mb=dg.EnvVar("LCT_MAX_FILE_MB"),
        ),
        "programme": ProgrammeResource(
            reference_dir=dg.EnvVar("LCT_REFERENCE_DIR"),
            today=dg.EnvVar("LCT_TODAY"),
        ),
    }
