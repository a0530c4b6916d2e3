"""Start and stop the real Dagster processes for the end-to-end and browser tests, and
drive them over GraphQL as the UI does (sensors, backfills, their runs).

Every process gets its own session, so stopping it also stops the code servers
it started; every wait is bounded and, when it runs out, says what it waited for
and shows the end of the processes' logs.
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
INSTANCE_TEMPLATE = ROOT / "dagster.yaml"
LOCATION = "lct"
REPOSITORY = "__repository__"
STARTUP_TIMEOUT = 240.0
DONE = {"SUCCESS", "FAILURE", "CANCELED"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lct_folders(root: Path) -> dict[str, str]:
    """The pipeline's folders and Dagster's home under ``root``, as LCT_* settings."""
    return {
        "LCT_INBOX_DIR": str(root / "inbox"),
        "LCT_ARCHIVE_DIR": str(root / "archive"),
        "LCT_EXTRACTS_DIR": str(root / "extracts"),
        "LCT_DATA_DOCS_DIR": str(root / "data_docs"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }


def install_instance_config(home: Path) -> None:
    """The instance configuration ``make ui`` uses (pool limit of the warehouse) in ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(INSTANCE_TEMPLATE, home / "dagster.yaml")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- last lines of {self.name} ({self.log}) ---\n" + "\n".join(
            text.splitlines()[-lines:]
        )


@dataclass
class Live:
    """A running webserver (and maybe daemon) on 127.0.0.1."""

    url: str
    port: int
    home: Path
    processes: list[Process] = field(default_factory=list)

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.processes)

    def check_alive(self) -> None:
        for process in self.processes:
            if process.popen.poll() is not None:
                raise AssertionError(
                    f"{process.name} exited with {process.popen.returncode}\n{self.logs()}"
                )

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = requests.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=60
        )
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float) -> Any:
        """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            result = check()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"gave up after {timeout:.0f} s waiting for {what}\n{self.logs()}"
                )
            time.sleep(1.0)


def start(name: str, command: list[str], log: Path, env: dict[str, str]) -> Process:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as handle:
        popen = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Process(name, popen, log)


def stop(process: Process, timeout: float = 30.0, sig: int = signal.SIGTERM) -> None:
    """``sig`` to the process's own session (its code servers included), then SIGKILL."""
    if process.popen.poll() is None:
        os.killpg(process.popen.pid, sig)
        with suppress(subprocess.TimeoutExpired):
            process.popen.wait(timeout=timeout)
    with suppress(ProcessLookupError):  # children that outlived their parent
        os.killpg(process.popen.pid, signal.SIGKILL)
    process.popen.wait(timeout=timeout)


def _server_up(url: str) -> bool:
    try:
        return requests.get(f"{url}/server_info", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _location_loaded(live: Live) -> bool:
    data = live.graphql(
        """{ workspaceOrError { ... on Workspace { locationEntries {
               name loadStatus locationOrLoadError { __typename ... on PythonError { message } }
           } } } }"""
    )
    for entry in data["workspaceOrError"]["locationEntries"]:
        if entry["name"] == LOCATION and entry["loadStatus"] == "LOADED":
            error = entry["locationOrLoadError"]
            assert error["__typename"] == "RepositoryLocation", error
            return True
    return False


def wait_until_ready(live: Live) -> None:
    live.wait_for(f"{live.url}/server_info", lambda: _server_up(live.url), STARTUP_TIMEOUT)
    live.wait_for(f"code location {LOCATION!r}", lambda: _location_loaded(live), STARTUP_TIMEOUT)


@contextmanager
def webserver(home: Path, logs: Path, env: dict[str, str] | None = None) -> Iterator[Live]:
    """``dagster-webserver`` on a free port of 127.0.0.1 over the instance in ``home``."""
    install_instance_config(home)
    env = {**(env or os.environ), "DAGSTER_HOME": str(home)}
    port = free_port()
    live = Live(f"http://127.0.0.1:{port}", port, home)
    command = [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1"]
    with ExitStack() as stack:
        process = start("dagster-webserver", [*command, "-p", str(port)], logs / "web.log", env)
        stack.callback(stop, process)
        live.processes.append(process)
        wait_until_ready(live)
        yield live


@contextmanager
def daemon(live: Live, logs: Path, env: dict[str, str] | None = None) -> Iterator[Process]:
    """``dagster-daemon`` (run queue, schedules, sensors, backfills) on the same instance."""
    env = {**(env or os.environ), "DAGSTER_HOME": str(live.home)}
    command = [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"]
    process = start("dagster-daemon", command, logs / "daemon.log", env)
    live.processes.append(process)
    try:
        yield process
    finally:
        stop(process)


@contextmanager
def make_ui(home: Path, logs: Path, env: dict[str, str] | None = None) -> Iterator[Live]:
    """The README's ``make ui`` itself, on a free port and the instance in ``home``."""
    port = free_port()
    env = {**(env or os.environ), "DAGSTER_HOME": str(home), "UI_PORT": str(port)}
    live = Live(f"http://127.0.0.1:{port}", port, home)
    # -o: use the virtual environment as it is, never reinstall it from here.
    command = ["make", "--no-print-directory", "-o", ".venv/.installed", "ui"]
    process = start("make ui", command, logs / "make_ui.log", env)
    live.processes.append(process)
    try:
        wait_until_ready(live)
        yield live
    finally:
        # `dagster dev` shuts down on Ctrl-C; SIGTERM left it running for the whole timeout.
        stop(process, timeout=10, sig=signal.SIGINT)


def stop_sensor(web: Live, name: str) -> None:
    selector = {
        "repositoryName": REPOSITORY,
        "repositoryLocationName": LOCATION,
        "sensorName": name,
    }
    sensor = web.graphql(
        "query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { ... on Sensor { id } } }",
        {"s": selector},
    )["sensorOrError"]
    stopped = web.graphql(
        """mutation($id: String!) { stopSensor(id: $id) { __typename
             ... on StopSensorMutationResult { instigationState { status } } } }""",
        {"id": sensor["id"]},
    )["stopSensor"]
    assert stopped["instigationState"]["status"] == "STOPPED", stopped


def launch_backfill(web: Live, job: str, partition_keys: list[str]) -> str:
    """A backfill of ``job`` over ``partition_keys``, as its Partitions page launches one."""
    selector = {
        "partitionSetName": f"{job}_partition_set",
        "repositorySelector": {"repositoryName": REPOSITORY, "repositoryLocationName": LOCATION},
    }
    result = web.graphql(
        """mutation($params: LaunchBackfillParams!) {
             launchPartitionBackfill(backfillParams: $params) {
               __typename ... on LaunchBackfillSuccess { backfillId } ... on Error { message }
             } }""",
        {
            "params": {
                "selector": selector,
                "partitionNames": partition_keys,
                "tags": [{"key": "lct/trigger", "value": "backfill"}],
                "title": "every quarter with data",
            }
        },
    )["launchPartitionBackfill"]
    assert result["__typename"] == "LaunchBackfillSuccess", result
    return result["backfillId"]


def backfill_status(web: Live, backfill_id: str) -> str | None:
    """The backfill's final status, or None while it is still launching or cancelling."""
    status = web.graphql(
        """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
             ... on PartitionBackfill { status } } }""",
        {"id": backfill_id},
    )["partitionBackfillOrError"]["status"]
    return None if status in ("REQUESTED", "CANCELING", "FAILING") else status


def backfill_runs(web: Live, backfill_id: str) -> list[dict]:
    return web.graphql(
        """query($id: String!) {
             runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {
               ... on Runs { results { runId status tags { key value } } } } }""",
        {"id": backfill_id},
    )["runsOrError"]["results"]


def failure_messages(instance: dg.DagsterInstance, run_id: str) -> str:
    """The errors a run logged, with their stack traces, for an assertion's message."""
    lines = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        error = getattr(getattr(event, "event_specific_data", None), "error", None)
        if entry.level >= logging.ERROR or error is not None:
            detail = error.to_string() if error is not None else ""
            lines.append(f"{entry.step_key or 'run'}: {entry.user_message}\n{detail}")
    return f"run {run_id}:\n" + "\n".join(lines)


def pool_steps(web: Live, pool: str) -> set[str]:
    """The step keys of the assets in ``pool``, as the loaded code location declares them."""
    nodes = web.graphql("{ assetNodes { assetKey { path } pools } }")["assetNodes"]
    return {"__".join(n["assetKey"]["path"]) for n in nodes if pool in n["pools"]}


def step_intervals(
    instance: dg.DagsterInstance, run_id: str, steps: set[str]
) -> list[tuple[str, float, float]]:
    """(step, start, end) of each step of ``steps`` that ran in ``run_id``."""
    starts: dict[str, float] = {}
    intervals = []
    for entry in instance.all_logs(run_id):
        if entry.step_key not in steps or entry.dagster_event is None:
            continue
        kind = entry.dagster_event.event_type
        if kind == dg.DagsterEventType.STEP_START:
            starts[entry.step_key] = entry.timestamp
        elif kind in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            intervals.append((entry.step_key, starts[entry.step_key], entry.timestamp))
    return intervals


def assert_pool_steps_never_overlapped(
    web: Live, instance: dg.DagsterInstance, run_ids: list[str], pool: str
) -> None:
    """With a pool limit of 1, no two runs ran a step of ``pool`` at the same time."""
    steps = pool_steps(web, pool)
    assert "raw_submissions" in steps, steps
    intervals = {run_id: step_intervals(instance, run_id, steps) for run_id in run_ids}
    assert all(intervals.values()), intervals
    for a, b in itertools.combinations(run_ids, 2):
        for step_a, start_a, end_a in intervals[a]:
            for step_b, start_b, end_b in intervals[b]:
                assert end_a <= start_b or end_b <= start_a, (
                    f"{step_a} of run {a} and {step_b} of run {b} ran in pool {pool} at once"
                )
