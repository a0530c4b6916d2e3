"""The pipeline as data officers run it: a real webserver and daemon, runs launched over GraphQL.

``dagster-webserver`` and ``dagster-daemon`` run on the workspace's temporary
DAGSTER_HOME, with the instance configuration of ``make ui`` and part of the bundled
sample in the inbox. The inbox and freshness sensors are stopped first, so that only the
runs the test launches run (the sensors have tests of their own, and the inbox sensor's
runs live in the UI test).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import live
import pandas as pd
import pytest
import sqlalchemy as sa
from dagster_graphql import DagsterGraphQLClient

from lct_pipeline import periods
from lct_pipeline.inbox import quarters_touched
from lct_pipeline.sample import install_sample
from lct_pipeline.settings import SAMPLE_DIR

JOB = "quarterly_pipeline"
POOL = "lct_warehouse"
QUARTER_TAG = "lct/quarter"
RUN_TIMEOUT = 420.0
# The analysts' views of SPEC §8, and the raw layer under them (its archive paths
# differ between two copies by design).
SPEC_VIEWS = (
    "submissions",
    "rejections",
    "warnings",
    "data_values",
    "measures",
    "indicator_values",
    "reporting_completeness",
)
RAW_TABLES = {"raw_files": ["archive_path"], "raw_rows": []}
# A few CSOs of the bundled sample over three quarters (one of them sends an XLSX
# workbook): enough for parallel runs to meet, small enough for two cores.
SAMPLE_QUARTERS = ("2012Q4", "2013Q1", "2013Q2")
SAMPLE_ORGS = ("cso01", "cso06", "cso08")


def test_the_ui_instance_limits_the_warehouse_pool_to_one_step_at_a_time(tmp_path):
    live.install_instance_config(tmp_path)
    instance = dg.DagsterInstance.from_config(str(tmp_path))

    pools = instance.get_concurrency_config().pool_config
    assert pools.default_pool_limit == 1
    assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The bundled sample cut down to SAMPLE_ORGS and SAMPLE_QUARTERS, for ``install_sample``."""
    root = tmp_path_factory.mktemp("sample")
    with (SAMPLE_DIR / "received.csv").open(encoding="utf-8", newline="") as handle:
        rows = [
            row
            for row in csv.DictReader(handle)
            if row["file"].split("/")[0] in SAMPLE_QUARTERS
            and Path(row["file"]).name.startswith(SAMPLE_ORGS)
        ]
    for row in rows:
        (root / "inbox" / row["file"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLE_DIR / "inbox" / row["file"], root / "inbox" / row["file"])
    with (root / "received.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["file", "received_at"])
        writer.writeheader()
        writer.writerows({"file": r["file"], "received_at": r["received_at"]} for r in rows)
    return root


@pytest.fixture
def server(workspace, sample, tmp_path) -> Iterator[live.Live]:
    install_sample(workspace.inbox, sample)
    home = Path(os.environ["DAGSTER_HOME"])
    with live.webserver(home, tmp_path / "logs") as web:
        live.stop_sensor(web, "inbox_sensor")
        live.stop_sensor(web, "freshness_sensor")
        with live.daemon(web, tmp_path / "logs"):
            yield web


def _client(web: live.Live) -> DagsterGraphQLClient:
    return DagsterGraphQLClient("127.0.0.1", port_number=web.port)


def _wait_for_runs(web: live.Live, run_ids: list[str]) -> dict[str, str]:
    client = _client(web)

    def statuses() -> dict[str, str] | None:
        now = {run_id: client.get_run_status(run_id).value for run_id in run_ids}
        return now if all(status in live.DONE for status in now.values()) else None

    done = web.wait_for(f"runs {run_ids} to finish", statuses, RUN_TIMEOUT)
    for run_id, status in done.items():
        assert status == "SUCCESS", live.failure_messages(dg.DagsterInstance.get(), run_id)
    return done


def _copy_environment(root: Path) -> dict[str, str]:
    """The same settings as the workspace's, for a second, separate copy of everything."""
    return {
        **os.environ,
        **live.lct_folders(root),
        "LCT_WAREHOUSE_URL": f"sqlite:///{root / 'warehouse.sqlite'}",
    }


def _relations(url: str) -> dict[str, pd.DataFrame]:
    """Every SPEC §8 view the warehouse has, and the raw layer, in a stable row order."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_view_names())
        wanted = {name: [] for name in SPEC_VIEWS if name in names} | RAW_TABLES
        frames = {}
        for name, ignored in wanted.items():
            frame = pd.read_sql(sa.text(f"SELECT * FROM {name}"), conn).drop(columns=ignored)
            order = list(frame.columns)
            frames[name] = frame.sort_values(order, key=lambda c: c.astype(str)).reset_index(
                drop=True
            )
    return frames


def _quarters_with_data(inbox: Path) -> list[str]:
    """SPEC §7's quarters for an inbox: from the programme's start to the latest one reported."""
    today = date.fromisoformat(os.environ["LCT_TODAY"])
    touched = [
        quarter
        for path in inbox.rglob("*.*")
        for quarter in quarters_touched(
            path.read_bytes(), path.suffix, datetime.fromtimestamp(path.stat().st_mtime), today
        )
    ]
    return periods.period_range(periods.PROGRAMME_START, max(touched))


@pytest.mark.slow
def test_runs_and_a_backfill_from_the_webserver_match_lct_run_all(
    workspace, sample, server, tmp_path
):
    # One quarter, launched through the GraphQL API as a partition run.
    run_id = _client(server).submit_job_execution(JOB, tags={"dagster/partition": "2013Q1"})
    _wait_for_runs(server, [run_id])
    with sa.create_engine(workspace.warehouse_url).connect() as conn:

        def count(rows: str) -> int:
            return conn.execute(sa.text(f"SELECT count(*) FROM {rows}")).scalar()

        assert count("raw_files") == len(list(workspace.inbox.rglob("*.*")))  # all ingested
        assert count("raw_rows WHERE period_norm = '2013Q1'") > 0
        if "submissions" in sa.inspect(conn).get_view_names():
            assert count("submissions WHERE period = '2013Q1'") > 0

    # Then every quarter with data, as one backfill whose runs start at once, while
    # `lct run --all` works on a separate copy of everything.
    quarters = _quarters_with_data(workspace.inbox)

    copy = tmp_path / "copy"
    install_sample(copy / "inbox", sample)
    lct_all = subprocess.Popen(
        [sys.executable, "-m", "lct_pipeline.cli", "run", "--all"],
        cwd=live.ROOT,
        env=_copy_environment(copy),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        backfill_id = live.launch_backfill(server, JOB, quarters)
        output, errors = lct_all.communicate(timeout=RUN_TIMEOUT)
    finally:
        lct_all.kill()
    assert lct_all.returncode == 0, output + errors
    assert [line.split()[0] for line in output.splitlines() if " ok " in line] == quarters

    status = server.wait_for(
        f"backfill {backfill_id}", lambda: live.backfill_status(server, backfill_id), RUN_TIMEOUT
    )
    # A job backfill is done once it has launched its runs: wait for them too.
    runs = server.wait_for(
        f"the runs of backfill {backfill_id}",
        lambda: (
            (r := live.backfill_runs(server, backfill_id))
            and all(run["status"] in live.DONE for run in r)
            and r
        ),
        RUN_TIMEOUT,
    )
    failed = [r["runId"] for r in runs if r["status"] != "SUCCESS"]
    instance = dg.DagsterInstance.get()
    assert not failed, "\n".join(live.failure_messages(instance, r) for r in failed)
    assert status in ("COMPLETED", "COMPLETED_SUCCESS"), status
    partitions = [
        tag["value"] for r in runs for tag in r["tags"] if tag["key"] == "dagster/partition"
    ]
    assert sorted(partitions) == quarters
    assert {tag["value"] for r in runs for tag in r["tags"] if tag["key"] == QUARTER_TAG} == set(
        quarters
    )
    live.assert_pool_steps_never_overlapped(server, instance, [r["runId"] for r in runs], POOL)

    # Quarters run in parallel, and 2013Q1 twice, leave the warehouse as one clean
    # sequential run of every quarter does (SPEC §6).

    from_ui = _relations(workspace.warehouse_url)
    from_cli = _relations(_copy_environment(copy)["LCT_WAREHOUSE_URL"])
    assert from_ui.keys() == from_cli.keys()
    assert len(from_ui["raw_rows"]) > 0
    for name, frame in from_cli.items():
        pd.testing.assert_frame_equal(from_ui[name], frame, obj=f"{name} (backfill vs lct run)")

    # lct's runs name their quarter the way people write it, as the backfill's do.
    cli_instance = dg.DagsterInstance.from_config(_copy_environment(copy)["DAGSTER_HOME"])
    # `lct run --all` runs every quarter whole, oldest first: one run a quarter.
    tags = [run.tags.get(QUARTER_TAG) for run in reversed(cli_instance.get_runs())]
    assert tags == quarters
