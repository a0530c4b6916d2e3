"""The histories of tests/test_freshness.py with the warehouse on PostgreSQL (SPEC §6, §8):
after each change, `lct run --period P` leaves every view and every extract as one clean
`lct run --all` over the same inbox, also on PostgreSQL.

A module of its own so that the test workers run it beside the SQLite histories.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from freshness_cases import Workspace
from pg import postgres_schema
from test_freshness import HISTORIES, _history, generate_networks

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pg_networks(tmp_path_factory) -> dict[str, Path]:
    return generate_networks(tmp_path_factory)


@pytest.fixture(scope="module")
def pg_dagster_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dagster_home")  # `lct` keeps its instance for the process


@pytest.mark.parametrize("name", HISTORIES)
def test_on_postgresql_a_quarter_run_after_a_change_equals_a_clean_run(
    name, pg_networks, pg_dagster_home, tmp_path, capsys
):
    history = HISTORIES[name]
    network = pg_networks[history.network]
    with postgres_schema() as before_url, postgres_schema() as reference_url:
        before = Workspace(tmp_path / "incremental", network, pg_dagster_home, before_url)
        reference = Workspace(tmp_path / "clean", network, pg_dagster_home, reference_url)
        if not history.held_back:  # the network as already run, then the change arrives
            before.receive()
            before.lct("run", "--all")
        if history.when is None and history.source is None:  # the whole network, clean
            reference.receive()
            reference.lct("run", "--all")
        _history(history, network, before, reference, capsys)
