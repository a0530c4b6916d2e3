"""Shared fixtures: an isolated environment per test (inbox, archive, warehouse, Dagster home)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from lct_pipeline.reference import Reference, load_reference
from lct_pipeline.settings import DATA_DIR

REFERENCE_DIR = DATA_DIR / "reference"


@pytest.fixture(scope="session")
def reference() -> Reference:
    return load_reference(REFERENCE_DIR)


@dataclass
class Workspace:
    root: Path
    inbox: Path
    archive: Path
    extracts: Path
    data_docs: Path
    reference_dir: Path
    warehouse_url: str


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """Every LCT_* setting points into tmp_path, so a test never touches data/."""
    ws = Workspace(
        root=tmp_path,
        inbox=tmp_path / "inbox",
        archive=tmp_path / "archive",
        extracts=tmp_path / "extracts",
        data_docs=tmp_path / "data_docs",
        reference_dir=tmp_path / "reference",
        warehouse_url=f"sqlite:///{tmp_path / 'warehouse.sqlite'}",
    )
    ws.inbox.mkdir()
    (tmp_path / "dagster_home").mkdir()
    shutil.copytree(REFERENCE_DIR, ws.reference_dir)
    for name, value in {
        "LCT_INBOX_DIR": ws.inbox,
        "LCT_ARCHIVE_DIR": ws.archive,
        "LCT_EXTRACTS_DIR": ws.extracts,
        "LCT_DATA_DOCS_DIR": ws.data_docs,
        "LCT_REFERENCE_DIR": ws.reference_dir,
        "LCT_WAREHOUSE_URL": ws.warehouse_url,
        "DAGSTER_HOME": tmp_path / "dagster_home",
        "LCT_TODAY": "2014-03-01",
    }.items():
        monkeypatch.setenv(name, str(value))
    return ws
