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
from pathlib import Path

import pandas as pd
import pg
import pytest
import sqlalchemy as sa
from test_crash_consistency import VIEWS, _environment, _install_small_sample, _views

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
        first = subprocess.run(
            [*command, "--all"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
        )
        assert first.returncode == 0, first.stderr
        one_after_the_other = _views(url)
        assert len(one_after_the_other["data_values"]) > 0

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
