"""The `lct` command as a data officer runs it: in a fresh process, on the bundled sample."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LCT = [sys.executable, "-m", "lct_pipeline.cli"]


def lct(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*LCT, *args], cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


def test_help_lists_the_commands():
    done = lct("--help")
    assert done.returncode == 0
    assert "run" in done.stdout and "sample" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--period", "2013Q7"], "'2013Q7' is not a quarter such as 2013Q1"),
        (["run", "--period", "2011Q1"], "2011Q1 is outside the programme's quarters"),
        (["run"], "one of the arguments --period --all is required"),
        (["fly"], "invalid choice: 'fly'"),
    ],
)
def test_a_bad_argument_gives_a_one_line_error_and_exit_2(workspace, args, message):
    done = lct(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert message in done.stderr


def test_a_quarter_after_the_last_one_with_data_ends_after_ingestion_and_writes_nothing(
    workspace,
):
    # Why a backfill of "All" quarters in the UI is a backfill of every quarter with data.
    inbox_file = workspace.inbox / "2013Q1" / "cso01.csv"
    inbox_file.parent.mkdir(parents=True)
    inbox_file.write_text("org_code,period,data_element,value\nCSO01,2013Q1,NETWORK_MEETINGS,2\n")

    done = lct("run", "--period", "2013Q4")

    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("2013Q4  ok  run ")
    assert first.endswith("  no file reports this quarter or a later one: nothing to do")
    assert not (workspace.extracts / "2013Q4").exists()
    assert not (workspace.data_docs / "2013Q4").exists()
    # The file was ingested all the same: its own quarter's run finds it.
    import sqlalchemy as sa

    with sa.create_engine(workspace.warehouse_url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM raw_files")).scalar() == 1
