"""`lct validate` defers modules Great Expectations imports but never uses (cold start)."""

import subprocess
import sys

CODE = """
import sys
from lct_pipeline.deferred import defer
defer("difflib")
import difflib
print(type(sys.modules["difflib"]).__name__)
print(difflib.SequenceMatcher(None, "abc", "abd").ratio())
print(type(sys.modules["difflib"]).__name__, sys.modules["difflib"].__file__.endswith("difflib.py"))
"""


def test_a_deferred_module_is_loaded_on_first_use_and_then_is_the_real_one():
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:3] == ["_Deferred", "0.6666666666666666", "module True"]


def test_great_expectations_imports_without_loading_scipy_stats_or_altair():
    code = (
        "import sys; from lct_pipeline.deferred import defer; defer('scipy.stats', 'altair');"
        "import great_expectations;"
        "print(sorted(n for n in sys.modules if n.startswith(('scipy.stats.', 'altair.'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
