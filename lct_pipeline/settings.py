"""Configuration by environment (SPEC §10), with working defaults under ``data/``.

The Dagster resources read the same variables (see ``resources/``); this module
gives the defaults to both them and the ``lct`` command.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"

DEFAULTS: dict[str, str] = {
    "LCT_INBOX_DIR": str(DATA_DIR / "inbox"),
    "LCT_ARCHIVE_DIR": str(DATA_DIR / "archive"),
    "LCT_EXTRACTS_DIR": str(DATA_DIR / "extracts"),
    "LCT_WAREHOUSE_URL": f"sqlite:///{DATA_DIR / 'warehouse.sqlite'}",
    "LCT_REFERENCE_DIR": str(DATA_DIR / "reference"),
    "LCT_DATA_DOCS_DIR": str(DATA_DIR / "data_docs"),
    "LCT_MAX_FILE_MB": "50",
    "DAGSTER_HOME": str(DATA_DIR / "dagster_home"),
}
SAMPLE_DIR = DATA_DIR / "sample"


def today() -> date:
    """Today, or the day ``LCT_TODAY`` names (tests, re-running history as of a date)."""
    return (
        date.fromisoformat(os.environ["LCT_TODAY"]) if os.environ.get("LCT_TODAY") else date.today()
    )


def setting(name: str) -> str:
    """The value of a setting: the environment's when set, else the default."""
    return os.environ.get(name) or DEFAULTS[name]


@dataclass(frozen=True)
class Settings:
    inbox_dir: Path
    archive_dir: Path
    extracts_dir: Path
    warehouse_url: str
    reference_dir: Path
    data_docs_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            inbox_dir=Path(setting("LCT_INBOX_DIR")),
            archive_dir=Path(setting("LCT_ARCHIVE_DIR")),
            extracts_dir=Path(setting("LCT_EXTRACTS_DIR")),
            warehouse_url=setting("LCT_WAREHOUSE_URL"),
            reference_dir=Path(setting("LCT_REFERENCE_DIR")),
            data_docs_dir=Path(setting("LCT_DATA_DOCS_DIR")),
        )
