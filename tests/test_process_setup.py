"""How the processes that run pipeline code are set up.

Every one collects garbage less often than CPython's default. A workbook of a national
quarter is ~760,000 cells, each a small object, and with the default first threshold
(700 allocations) the collector went over them again and again: 17-22 % of rendering the
quarter's extracts (docs/performance.md). The code location's processes (code server,
run workers, step processes forked from the executor's server) and ``lct`` all import
the package first.

The step processes of ``lct run --workers N`` are forked from a server that imported
what each of them would otherwise import again (docs/performance.md).
"""

import subprocess
import sys

import lct_pipeline
from lct_pipeline.cli import STEP_PRELOAD


def _thresholds(code: str) -> list[int]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [int(t) for t in done.stdout.split()]


def test_loading_the_code_location_raises_the_first_threshold_only():
    code = "import gc, lct_pipeline.definitions; print(*gc.get_threshold())"
    assert _thresholds(code) == [lct_pipeline.GC_FIRST_THRESHOLD, 10, 10]


def test_a_higher_threshold_set_before_is_kept():
    raised = "gc.set_threshold(50000, 20, 30)"
    code = f"import gc\n{raised}\nimport lct_pipeline\nprint(*gc.get_threshold())"
    assert _thresholds(code) == [50000, 20, 30]


def test_every_module_the_step_processes_are_forked_with_is_there():
    # The forkserver skips a name it cannot import, silently: after an upgrade of Dagster
    # that moved one, every step process would import it again and nothing would say so.
    code = f"import importlib\nfor name in {list(STEP_PRELOAD)!r}: importlib.import_module(name)"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
