"""Two quarters run at the same time, on SQLite and on PostgreSQL: both succeed and the
warehouse ends exactly as after running them one after the other.

The quarters' data is stored once by `lct run --all` first: a quarter's cumulative and
year figures read the other quarters' data, so what this checks is that concurrent
writers of the same tables (both rewrite the year's rows) neither fail nor interfere.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pg
import pytest
import sqlalchemy as sa
from test_crash_consistency import VIEWS, _environment, _install_small_sample, _views

from lct_pipeline.cli import PID_TAG

ROOT = Path(__file__).resolve().parent.parent
QUARTERS = ("2013Q1", "2013Q2")

pytestmark = pytest.mark.slow


def _install(inbox: Path) -> None:
    _install_small_sample(inbox)
    # The same CSOs' files of the next quarter too.
    for path in sorted((ROOT / "data" / "sample" / "inbox" / "2013Q2").glob("cso0[128]*")):
        target = inbox / "2013Q2" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
        os.utime(target, (1_369_000_000, 1_369_000_000))  # 2013-05-19


@pytest.mark.parametrize("backend", pg.BACKENDS)
def test_two_quarters_at_once_end_as_one_after_the_other(tmp_path, backend):
    with pg.fresh_warehouse(backend, tmp_path) as engine:
        url = engine.url.render_as_string(hide_password=False)
        env = {**_environment(tmp_path), "LCT_WAREHOUSE_URL": url}
        _install(tmp_path / "inbox")
        command = [sys.executable, "-m", "lct_pipeline.cli", "run"]
        # The first run with two workers: each quarter's steps in Dagster's multiprocess
        # executor. The in-process runs below must leave the warehouse as it left it.
        first = subprocess.run(
            [*command, "--all", "--workers", "2"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert first.returncode == 0, first.stderr
        assert "DEBUG" not in first.stdout + first.stderr  # Dagster's step-process lines
        one_after_the_other = _views(url)
        assert len(one_after_the_other["data_values"]) > 0
        _assert_steps_ran_in_their_own_processes(env["DAGSTER_HOME"])

        runs = [
            subprocess.Popen(
                [*command, "--period", quarter],
                cwd=ROOT,
                env=env,
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for quarter in QUARTERS
        ]
        outcomes = [run.communicate(timeout=900) for run in runs]
        for run, (stdout, stderr) in zip(runs, outcomes, strict=True):
            assert run.returncode == 0, stdout + stderr
            assert "  ok  " in stdout
        at_once = _views(url)
        for name in VIEWS:
            pd.testing.assert_frame_equal(at_once[name], one_after_the_other[name], obj=name)
        with engine.connect() as conn:
            periods = conn.execute(sa.text("SELECT DISTINCT period FROM data_values")).scalars()
            assert sorted(periods) == list(QUARTERS)


def _assert_steps_ran_in_their_own_processes(home: str) -> None:
    import dagster as dg

    instance = dg.DagsterInstance.from_config(home)
    runs = instance.get_runs()
    assert sorted(run.tags["lct/quarter"] for run in runs) == ["2012Q4", *QUARTERS]
    for run in runs:
        events = [e.dagster_event for e in instance.all_logs(run.run_id) if e.dagster_event]
        started = {e.step_key for e in events if e.event_type_value == "STEP_START"}
        in_own_process = {e.step_key for e in events if e.event_type_value == "STEP_WORKER_STARTED"}
        assert started and in_own_process == started, run.tags["lct/quarter"]


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (/proc/PID/stat, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_run_waiting_for_the_warehouse_pool_sleeps_until_the_slot_is_free(tmp_path):
    """A quarter queued behind another run's warehouse step must leave the cores to it."""
    import dagster as dg
    import live

    env = _environment(tmp_path)
    _install(tmp_path / "inbox")
    live.install_instance_config(tmp_path / "dagster_home")
    instance = dg.DagsterInstance.from_config(str(tmp_path / "dagster_home"))
    storage = instance.event_log_storage
    storage.set_concurrency_slots("lct_warehouse", 1)
    # Another run's warehouse step holds the pool's one slot: a run of this live process,
    # so that lct does not take it for a killed one and free its slot.
    from dagster._core.storage.dagster_run import DagsterRun

    holder = instance.add_run(
        DagsterRun(
            job_name="quarterly_pipeline",
            status=dg.DagsterRunStatus.STARTED,
            tags={PID_TAG: str(os.getpid())},
        )
    )
    assert storage.claim_concurrency_slot("lct_warehouse", holder.run_id, "step").is_claimed

    run = subprocess.Popen(
        [sys.executable, "-m", "lct_pipeline.cli", "run", "--period", "2013Q1"],
        cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while (
            not storage.get_pool_limits()
            or not storage.get_concurrency_info("lct_warehouse").pending_step_count
        ):
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "the run never asked for the pool"
            time.sleep(0.2)
        # Waiting: over 6 s a spinning loop takes ~6 s of CPU; a sleeping one, its claim
        # checks only (one a second at first).
        before = _cpu_seconds(run.pid)
        time.sleep(6)
        waiting_cpu = _cpu_seconds(run.pid) - before
        assert run.poll() is None
        assert waiting_cpu < 1.0, f"{waiting_cpu:.1f} s of CPU in 6 s of waiting for the pool"

        storage.free_concurrency_slots_for_run(holder.run_id)
        stdout, stderr = run.communicate(timeout=300)
    finally:
        run.kill()
    assert run.returncode == 0, stdout + stderr
    assert "2013Q1  ok" in stdout
