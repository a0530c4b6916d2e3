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
