"""The `lct` command as a data officer runs it: in a fresh process, on the bundled sample."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

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


def _tables(url: str) -> dict[str, pd.DataFrame]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = [n for n in sa.inspect(conn).get_table_names() if n.startswith("raw_")]
        return {n: pd.read_sql(sa.text(f"SELECT * FROM {n} ORDER BY 1, 2, 3"), conn) for n in names}


@pytest.mark.slow
def test_run_all_twice_leaves_the_raw_tables_identical(workspace):
    assert lct("sample").returncode == 0
    first = lct("run", "--all")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0].startswith("2012Q4  ok")
    assert any(line.startswith("2013Q1  ok") for line in first.stdout.splitlines())
    assert f"Warehouse: {workspace.warehouse_url}" in first.stdout
    after_first = _tables(workspace.warehouse_url)
    sample_files = (ROOT / "data" / "sample" / "received.csv").read_text().count("\n") - 1
    assert len(after_first["raw_files"]) == sample_files
    assert len(after_first["raw_rows"]) > 20

    second = lct("run", "--all")
    assert second.returncode == 0, second.stderr
    after_second = _tables(workspace.warehouse_url)
    assert after_second.keys() == after_first.keys()
    for name, frame in after_first.items():
        pd.testing.assert_frame_equal(after_second[name], frame, check_names=True)
