"""The production stack exactly as docs/deployment.md sets it up: the warehouse and Dagster's
instance in PostgreSQL, ``docs/dagster.yaml.example`` as the instance, and the webserver and
daemon started by the systemd units' own command lines. A backfill of every quarter of a
30-CSO network, launched over GraphQL, runs four quarters at a time with the warehouse pool
at one step at a time, no run fails or is retried, the freshness sensor settles, and every
SPEC §8 view ends equal, cell for cell, to a serial ``lct run --all`` on SQLite.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import live
import pandas as pd
import pytest
import sqlalchemy as sa
from dagster._core.scheduler.instigation import InstigatorType, TickStatus
from pg import postgres_url
from test_webserver_e2e import SPEC_VIEWS

from lct_pipeline import freshness, periods
from lct_pipeline.ingestion import quarters_with_data
from lct_pipeline.sample import install_sample

DEPLOYMENT = live.ROOT / "docs" / "deployment.md"
EXAMPLE = live.ROOT / "docs" / "dagster.yaml.example"
DOCUMENTED_BIN = "/opt/lct/.venv/bin/"
DOCUMENTED_PORT = "3000"
DOCUMENTED_COMPUTE_LOGS = "/var/lib/lct/dagster/compute_logs"
JOB = "quarterly_pipeline"
POOL = "lct_warehouse"
TODAY = "2014-11-15"
QUARTERS = periods.period_range("2012Q4", "2014Q3")
NETWORK = ("--orgs", "30", "--first", QUARTERS[0], "--last", QUARTERS[-1], "--seed", "7")
IN_FLIGHT = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")
RETRY_TAGS = ("dagster/parent_run_id", "dagster/retry_number")
LOCK_ERRORS = ("database is locked", "deadlock", "could not serialize")
BACKFILL_TIMEOUT = 600.0
SETTLE_TIMEOUT = 480.0
LCT_ALL_TIMEOUT = 600.0


def _documented_env_names() -> set[str]:
    """The variables of section 3's ``/etc/lct/lct.env``."""
    text = DEPLOYMENT.read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```sh\n(.*?)```", text, re.S) if "DAGSTER_HOME=" in b]
    return {line.split("=", 1)[0] for line in block.splitlines() if "=" in line}


def _documented_services(port: int) -> dict[str, list[str]]:
    """Section 4's ExecStart lines, run from this virtualenv and the webserver on ``port``."""
    text = DEPLOYMENT.read_text(encoding="utf-8")
    blocks = re.findall(r"```ini\n(.*?)```", text, re.S)
    assert len(blocks) == 2, blocks
    services = {}
    for block in blocks:
        unit = dict(
            line.split("=", 1) for line in block.splitlines() if re.match(r"^[A-Za-z]+=", line)
        )
        # The test runs from the repository with the environment below, as systemd would
        # from /opt/lct with /etc/lct/lct.env.
        assert unit["WorkingDirectory"] == "/opt/lct", unit
        assert unit["EnvironmentFile"] == "/etc/lct/lct.env", unit
        command = shlex.split(unit["ExecStart"])
        assert command[0].startswith(DOCUMENTED_BIN), command
        program = command[0].removeprefix(DOCUMENTED_BIN)
        command[0] = str(live.BIN / program)
        if DOCUMENTED_PORT in command:
            assert command[command.index(DOCUMENTED_PORT) - 1] == "-p", command
            command[command.index(DOCUMENTED_PORT)] = str(port)
        services[program] = command
    assert services.keys() == {"dagster-webserver", "dagster-daemon"}, services
    assert "--path-prefix" in services["dagster-webserver"]
    return services


def _install_instance_config(home: Path, pg_port: int, compute_logs: Path) -> None:
    """The example, changed in nothing but the server's port and the compute logs' folder."""
    example = EXAMPLE.read_text(encoding="utf-8")
    config = example.replace("      port: 5432\n", f"      port: {pg_port}\n").replace(
        f"base_dir: {DOCUMENTED_COMPUTE_LOGS}\n", f"base_dir: {compute_logs}\n"
    )
    changed = [
        line
        for line in difflib.unified_diff(example.splitlines(), config.splitlines(), n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert changed == [
        "-      port: 5432",
        f"+      port: {pg_port}",
        f"-    base_dir: {DOCUMENTED_COMPUTE_LOGS}",
        f"+    base_dir: {compute_logs}",
    ], changed
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(config, encoding="utf-8")


@contextmanager
def _databases(server: sa.URL) -> Iterator[tuple[str, str]]:
    """A fresh warehouse database and a fresh Dagster database, dropped afterwards."""
    suffix = uuid.uuid4().hex[:12]
    names = (f"lct_e2e_{suffix}", f"dagster_e2e_{suffix}")
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f"CREATE DATABASE {name}")
        yield names
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def _base_environment() -> dict[str, str]:
    """This process's environment without any LCT or Dagster setting of the developer's."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("LCT_", "DAGSTER_"))}


def _tick_in_flight(instance: dg.DagsterInstance, sensor: str) -> bool:
    for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR):
        if state.instigator_name == sensor:
            ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=1)
            return bool(ticks) and ticks[0].status == TickStatus.STARTED
    return False


def _in_flight_or_failed(instance: dg.DagsterInstance) -> tuple[list[str], list[str]]:
    records = instance.get_run_records(dg.RunsFilter(job_name=JOB))
    in_flight = [r.dagster_run.run_id for r in records if r.dagster_run.status.value in IN_FLIGHT]
    failed = [r.dagster_run.run_id for r in records if r.dagster_run.status.value == "FAILURE"]
    return in_flight, failed


def _peak_concurrency(records: list[dg.RunRecord]) -> int:
    # A run that ends at the instant another starts has given its slot back first.
    moments = sorted(
        [(r.start_time, 1) for r in records] + [(r.end_time, -1) for r in records],
    )
    running = peak = 0
    for _, change in moments:
        running += change
        peak = max(peak, running)
    return peak


def _lock_errors(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    found = []
    for entry in instance.all_logs(run_id):
        error = getattr(getattr(entry.dagster_event, "event_specific_data", None), "error", None)
        text = f"{entry.user_message}\n{error.to_string() if error is not None else ''}"
        if any(phrase in text.lower() for phrase in LOCK_ERRORS):
            found.append(f"run {run_id}, {entry.step_key or 'run'}: {text}")
    return found


def _cell(value: object) -> object:
    """A value as SQLite returns it: PostgreSQL gives datetimes where SQLite gives their text."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite storage format
    return value


def _views(url: str) -> dict[str, pd.DataFrame]:
    """Every SPEC §8 view, its cells through ``_cell``, its rows in a stable order."""
    engine = sa.create_engine(url)
    frames = {}
    try:
        with engine.connect() as conn:
            for name in SPEC_VIEWS:
                rows = conn.execute(sa.text(f"SELECT * FROM {name}"))
                columns = list(rows.keys())
                cells = [[_cell(value) for value in row] for row in rows]
                frame = pd.DataFrame(cells, columns=columns, dtype=object)
                frame = frame.sort_values(columns, key=lambda column: column.map(repr))
                frames[name] = frame.reset_index(drop=True)
    finally:
        engine.dispose()
    return frames


def _timeline(records: list[dg.RunRecord]) -> str:
    first = min(r.start_time for r in records)
    return "\n".join(
        f"  {r.dagster_run.tags.get('dagster/partition')}"
        f" {r.dagster_run.tags.get('lct/trigger')}: {r.start_time - first:5.0f} s"
        f" to {r.end_time - first:5.0f} s"
        for r in sorted(records, key=lambda r: r.start_time)
    )


@pytest.mark.slow
@pytest.mark.postgres
def test_the_documented_production_stack_backfills_every_quarter_as_lct_run_all(
    tmp_path, monkeypatch
):
    started = time.monotonic()
    server = sa.make_url(postgres_url())
    network = tmp_path / "network"
    subprocess.run(
        [sys.executable, "-m", "lct_pipeline.generator", *NETWORK, "--out", str(network),
         "--reference-out", str(network / "reference")],
        cwd=live.ROOT, check=True, capture_output=True, timeout=120,
    )  # fmt: skip

    with ExitStack() as stack:
        warehouse_db, dagster_db = stack.enter_context(_databases(server))
        prod = tmp_path / "production"
        warehouse_url = server.set(drivername="postgresql+psycopg", database=warehouse_db)
        lct_env = {
            **live.lct_folders(prod),
            "LCT_REFERENCE_DIR": str(network / "reference"),
            "LCT_WAREHOUSE_URL": warehouse_url.render_as_string(hide_password=False),
            "DAGSTER_PG_HOST": server.host or "localhost",
            "DAGSTER_PG_DB": dagster_db,
            "DAGSTER_PG_USER": server.username or "postgres",
            "DAGSTER_PG_PASSWORD": server.password or "",
        }
        assert lct_env.keys() == _documented_env_names()
        env = {**_base_environment(), **lct_env, "LCT_TODAY": TODAY}
        home = Path(lct_env["DAGSTER_HOME"])
        _install_instance_config(home, server.port or 5432, prod / "compute_logs")
        migrate = subprocess.run(
            [str(live.BIN / "dagster"), "instance", "migrate"],
            cwd=live.ROOT, env=env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr

        # This process reads the same instance, so it needs the same secrets.
        for name in ("DAGSTER_PG_HOST", "DAGSTER_PG_DB", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD"):
            monkeypatch.setenv(name, lct_env[name])
        instance = dg.DagsterInstance.from_config(str(home))
        stack.callback(instance.dispose)
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        max_runs = instance.get_concurrency_config().run_queue_config.max_concurrent_runs
        assert max_runs == 4

        port = live.free_port()
        web = live.Live(f"http://127.0.0.1:{port}/dagster", port, home)
        # Both at once: loading the code location is most of either's start-up.
        for name, command in _documented_services(port).items():
            process = live.start(name, command, tmp_path / "logs" / f"{name}.log", env)
            stack.callback(live.stop, process)
            web.processes.append(process)
        live.wait_until_ready(web)
        live.stop_sensor(web, "inbox_sensor")
        # A tick already under way when it stopped still requests its runs: one that scans
        # the inbox while the files below arrive would start runs beside the backfill.
        web.wait_for(
            "the inbox sensor's last tick to end",
            lambda: not _tick_in_flight(instance, "inbox_sensor"),
            120,
        )
        assert install_sample(prod / "inbox", network) > 400

        copy = tmp_path / "sqlite"
        install_sample(copy / "inbox", network)
        live.install_instance_config(copy / "dagster_home")
        copy_env = {
            **_base_environment(),
            **live.lct_folders(copy),
            "LCT_REFERENCE_DIR": str(network / "reference"),
            "LCT_WAREHOUSE_URL": f"sqlite:///{copy / 'warehouse.sqlite'}",
            "LCT_TODAY": TODAY,
        }

        # The run queue creates the pool's slots on its first pass, and until then launches
        # runs without regard to the pool; every instance but a brand-new one has them, so
        # the backfill starts from that state (as the queue would set it up) and does not
        # depend on how many of its runs exist at the queue's first pass.
        instance.event_log_storage.initialize_concurrency_limit_to_default(POOL)
        assert instance.event_log_storage.get_concurrency_info(POOL).slot_count == 1
        backfill_id = live.launch_backfill(web, JOB, QUARTERS)
        # Beside the backfill, `lct run --all` takes the cores while the backfill's runs
        # start up and while the freshness sensor waits for its next tick (~50 s saved).
        lct_all = subprocess.Popen(
            [sys.executable, "-m", "lct_pipeline.cli", "run", "--all"],
            cwd=live.ROOT, env=copy_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        stack.callback(lct_all.kill)
        lct_all_done: list[float] = []

        status = web.wait_for(
            f"backfill {backfill_id} to launch its runs",
            lambda: live.backfill_status(web, backfill_id),
            BACKFILL_TIMEOUT,
        )
        assert status in ("COMPLETED", "COMPLETED_SUCCESS"), status
        engine = sa.create_engine(warehouse_url)
        stack.callback(engine.dispose)
        today = date.fromisoformat(TODAY)
        seen: dict[str, object] = {}

        def settled() -> bool:
            if lct_all.poll() is not None and not lct_all_done:
                lct_all_done.append(time.monotonic())
            in_flight, failed = _in_flight_or_failed(instance)
            assert not failed, "\n".join(live.failure_messages(instance, r) for r in failed)
            if in_flight:
                seen.update(in_flight=in_flight)
                return False
            with engine.connect() as conn:
                stale = freshness.stale_quarters(conn, quarters_with_data(engine, today))
            seen.update(in_flight=[], stale=[(s.period, s.cause, s.stages) for s in stale])
            return not stale

        try:
            web.wait_for(
                "every run to finish and the freshness sensor to have nothing left to refresh",
                settled,
                SETTLE_TIMEOUT,
            )
        except AssertionError as error:
            raise AssertionError(f"{error}\nlast seen: {seen}") from None

        records = instance.get_run_records(dg.RunsFilter(job_name=JOB))
        runs = [r.dagster_run for r in records]
        failed = [run.run_id for run in runs if run.status != dg.DagsterRunStatus.SUCCESS]
        assert not failed, "\n".join(live.failure_messages(instance, r) for r in failed)
        backfill = [run for run in runs if run.tags.get("dagster/backfill") == backfill_id]
        refresh = [run for run in runs if run.tags.get("lct/trigger") == "refresh"]
        assert sorted(run.tags["dagster/partition"] for run in backfill) == QUARTERS
        # The inbox sensor was off: every run is the backfill's or a refresh.
        assert len(backfill) + len(refresh) == len(runs), [run.tags for run in runs]
        assert quarters_with_data(engine, today) == QUARTERS
        retried = {run.run_id: run.tags for run in runs if set(RETRY_TAGS) & run.tags.keys()}
        assert not retried, retried
        lock_errors = [line for run in runs for line in _lock_errors(instance, run.run_id)]
        # The steps' own output too (compute logs), and the daemon's.
        compute_logs = list((prod / "compute_logs").rglob("*.err"))
        assert compute_logs, "no compute logs in the configured base_dir"
        lock_errors += [
            f"{path}: {phrase}"
            for path in [*compute_logs, *(tmp_path / "logs").glob("*.log")]
            for phrase in LOCK_ERRORS
            if phrase in path.read_text(errors="replace").lower()
        ]
        assert not lock_errors, "\n".join(lock_errors)
        live.assert_pool_steps_never_overlapped(web, instance, [run.run_id for run in runs], POOL)
        assert instance.event_log_storage.get_concurrency_info(POOL).slot_count == 1

        output, errors = lct_all.communicate(timeout=LCT_ALL_TIMEOUT)
        assert lct_all.returncode == 0, output + errors
        lct_all_done.append(time.monotonic())

        on_postgres = _views(warehouse_url.render_as_string(hide_password=False))
        on_sqlite = _views(copy_env["LCT_WAREHOUSE_URL"])
        assert len(on_postgres["indicator_values"]) > 10_000
        assert len(on_postgres["data_values"]) > 10_000
        assert len(on_postgres["rejections"]) > 100 and len(on_postgres["warnings"]) > 10
        for name in SPEC_VIEWS:
            pd.testing.assert_frame_equal(
                on_postgres[name], on_sqlite[name], check_exact=True, obj=f"{name} (PG vs SQLite)"
            )

        peak = _peak_concurrency(records)
        span = max(r.end_time for r in records) - min(r.start_time for r in records)
        print(
            f"\nproduction stack: test {time.monotonic() - started:.0f} s; backfill {span:.0f} s"
            f" (first run start to last run end) with {len(refresh)} refresh runs;"
            f" at most {peak} runs at once; lct run --all done"
            f" {lct_all_done[0] - started:.0f} s into the test\n{_timeline(records)}"
        )
        assert peak == max_runs, (
            f"at most {peak} runs at once, where the instance allows {max_runs}:\n"
            + _timeline(records)
        )
