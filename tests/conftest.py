"""Shared fixtures: an isolated environment per test (inbox, archive, warehouse, Dagster home)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from lct_pipeline.reference import Reference, load_reference
from lct_pipeline.settings import DATA_DIR

REFERENCE_DIR = DATA_DIR / "reference"

# `make test` gives each of two workers whole files in collection order (with
# --no-loadscope-reorder; by default xdist puts files with many tests first, so the few
# long tests came last and ran alone at the end while the other worker waited). The
# longest go first (each takes minutes: whole `lct run`s, a webserver, a browser).
LONGEST_FIRST = (
    "test_sample_network.py",
    "test_freshness.py",
    "test_freshness_postgres.py",
    "test_crash_consistency.py",
    "test_webserver_e2e.py",
    "test_concurrency.py",
    "test_ui_browser.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


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
