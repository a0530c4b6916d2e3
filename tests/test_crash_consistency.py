"""Crash consistency: `lct run --all` killed with SIGKILL at chosen points, then run again,
leaves every view exactly as one clean run does, and no extract cut short looks complete.

The kill points are the fail points of lct_pipeline.faults (LCT_FAIL_AT), placed inside
ingestion, inside every partition replace (validation, warehouse, indicators) and between
the files of an extract folder.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from lct_pipeline.settings import SAMPLE_DIR

ROOT = Path(__file__).resolve().parent.parent
VIEWS = (
    "submissions", "rejections", "warnings", "data_values", "measures",
    "indicator_values", "reporting_completeness",
)  # fmt: skip
# A small network keeps each run short: three CSOs' files of 2013Q1 (values and measures).
SAMPLE_FILES = ("2013Q1/cso01", "2013Q1/cso02", "2013Q1/cso08", "2013Q1/cso12")

pytestmark = pytest.mark.slow


def _install_small_sample(
    inbox: Path, files: tuple[str, ...] = SAMPLE_FILES, skip: tuple[str, ...] = ()
) -> int:
    copied = 0
    with (SAMPLE_DIR / "received.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if not row["file"].startswith(files) or row["file"].startswith(skip):
                continue
            target = inbox / row["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(SAMPLE_DIR / "inbox" / row["file"], target)
            stamp = datetime.fromisoformat(row["received_at"]).replace(tzinfo=UTC).timestamp()
            os.utime(target, (stamp, stamp))
            copied += 1
    return copied


def _environment(root: Path) -> dict[str, str]:
    (root / "dagster_home").mkdir(parents=True)
    env = {
        **os.environ,
        "LCT_INBOX_DIR": str(root / "inbox"),
        "LCT_ARCHIVE_DIR": str(root / "archive"),
        "LCT_EXTRACTS_DIR": str(root / "extracts"),
        "LCT_DATA_DOCS_DIR": str(root / "data_docs"),
        "LCT_WAREHOUSE_URL": f"sqlite:///{root / 'warehouse.sqlite'}",
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    env.pop("LCT_FAIL_AT", None)
    return env


def _lct_run(
    env: dict[str, str], fail_at: str | None = None, which: tuple[str, ...] = ("--all",)
) -> subprocess.CompletedProcess:
    if fail_at:
        env = {**env, "LCT_FAIL_AT": fail_at}
    return subprocess.run(
        [sys.executable, "-m", "lct_pipeline.cli", "run", *which],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def _views(url: str) -> dict[str, pd.DataFrame]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            frames = {v: pd.read_sql(sa.text(f"SELECT * FROM {v}"), conn) for v in VIEWS}
    finally:
        engine.dispose()
    return {
        name: frame.astype(str).sort_values(list(frame.columns)).reset_index(drop=True)
        for name, frame in frames.items()
    }


def _complete_extracts(extracts: Path) -> dict[str, list[str]]:
    """Folder -> file names, for every folder that has a manifest; checks each manifest."""
    complete = {}
    for manifest_path in sorted(extracts.rglob("manifest.json")):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        names = []
        for entry in manifest["files"]:
            data = (manifest_path.parent / entry["name"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"], (
                f"{manifest_path.parent.name}/{entry['name']} does not match its manifest"
            )
            names.append(entry["name"])
        complete[manifest_path.parent.relative_to(extracts).as_posix()] = sorted(names)
    return complete


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]]]:
    root = tmp_path_factory.mktemp("clean")
    env = _environment(root)
    assert _install_small_sample(root / "inbox") >= 6
    done = _lct_run(env)
    assert done.returncode == 0, done.stderr
    views = _views(env["LCT_WAREHOUSE_URL"])
    assert len(views["data_values"]) > 0 and len(views["indicator_values"]) > 0
    return views, _complete_extracts(root / "extracts")


@pytest.mark.parametrize(
    "fail_at",
    [
        "ingest.archived:2",  # a file archived, its rows not yet stored
        "ingest.inserting:3",  # inside the transaction that stores a file
        # Validation of the second quarter, mid-replace. Every partition replace is the one
        # helper of warehouse/writes.py, so one table stands for all (the indicators'
        # replace is killed below, inside a refresh).
        "replace.staged_values:2",
        "extracts.file:3",  # an extract folder with some files written
    ],
)
def test_a_run_killed_anywhere_then_run_again_equals_one_clean_run(tmp_path, clean_run, fail_at):
    expected_views, expected_extracts = clean_run
    env = _environment(tmp_path)
    _install_small_sample(tmp_path / "inbox")

    crashed = _lct_run(env, fail_at)
    assert crashed.returncode == -signal.SIGKILL, (
        f"the run was not killed at {fail_at}:\n{crashed.stdout}\n{crashed.stderr}"
    )
    # Whatever the crash left, no extract folder claims to be complete unless it is.
    _complete_extracts(tmp_path / "extracts")

    again = _lct_run(env)
    assert again.returncode == 0, again.stderr
    views = _views(env["LCT_WAREHOUSE_URL"])
    for name in VIEWS:
        pd.testing.assert_frame_equal(views[name], expected_views[name], obj=name)
    assert _complete_extracts(tmp_path / "extracts") == expected_extracts


# Two quarters of two CSOs: CSO02's 2013Q1 files arrive late, so running 2013Q1 again
# refreshes 2013Q2 (its CUM rows, its extracts, its OUTLIER warnings).
REFRESH_FILES = ("2013Q1/cso01", "2013Q1/cso02", "2013Q2/cso01", "2013Q2/cso02")
LATE = ("2013Q1/cso02",)


@pytest.fixture(scope="module")
def refresh_clean(tmp_path_factory) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]]]:
    """One clean run of the four files: views and complete extract folders."""
    root = tmp_path_factory.mktemp("refresh_clean")
    env = _environment(root)
    _install_small_sample(root / "inbox", REFRESH_FILES)
    assert _lct_run(env).returncode == 0
    return _views(env["LCT_WAREHOUSE_URL"]), _complete_extracts(root / "extracts")


@pytest.mark.parametrize(
    "fail_at",
    [
        # The quarter's own run replaces its indicator rows once; the second replace is
        # the refresh of 2013Q2, which the kill cuts short.
        "replace.fact_indicator_values:2",
        # 2013Q1's internal extract kept as revisions/1, the new version not written yet.
        "revisions.kept:1",
    ],
)
def test_a_refresh_killed_then_run_again_equals_one_clean_run(tmp_path, fail_at, refresh_clean):
    expected, expected_extracts = refresh_clean
    env = _environment(tmp_path / "incremental")
    inbox = tmp_path / "incremental" / "inbox"
    _install_small_sample(inbox, REFRESH_FILES, skip=LATE)
    assert _lct_run(env).returncode == 0
    _install_small_sample(inbox, LATE)

    crashed = _lct_run(env, fail_at, ("--period", "2013Q1"))
    assert crashed.returncode == -signal.SIGKILL, crashed.stdout + crashed.stderr
    _complete_extracts(tmp_path / "incremental" / "extracts")

    again = _lct_run(env, which=("--period", "2013Q1"))
    assert again.returncode == 0, again.stderr
    assert "Refreshed 1 quarter(s) that earlier changes made stale: 2013Q2" in again.stdout
    views = _views(env["LCT_WAREHOUSE_URL"])
    for name in VIEWS:
        pd.testing.assert_frame_equal(views[name], expected[name], obj=name)
    got = _complete_extracts(tmp_path / "incremental" / "extracts")
    current = {folder: names for folder, names in got.items() if "revisions" not in folder}
    assert current == expected_extracts
    # Each folder whose figures the late file changed is version 2, the first kept once.
    kept = sorted(folder for folder in got if "revisions" in folder)
    assert "2013Q1/revisions/1" in kept and all(k.endswith("/revisions/1") for k in kept)
    for folder in kept:
        manifest = json.loads((tmp_path / "incremental" / "extracts" / folder.removesuffix(
            "/revisions/1") / "manifest.json").read_text())  # fmt: skip
        assert manifest["version"] == 2 and manifest["revisions"][0]["version"] == 1
