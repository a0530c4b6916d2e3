"""The pipeline's text columns are Python-backed even where pyarrow is installed.

pandas 3 would back them with Arrow, and a merge on an empty Arrow-backed column
fails ("cannot construct ChunkedArray from empty vector"): with pyarrow installed,
`lct run --all` stopped in its first quarter. Importing the pipeline pins the storage.
"""

import subprocess
import sys


def test_importing_the_pipeline_keeps_text_columns_python_backed():
    code = (
        "import pandas as pd, lct_pipeline;"
        "print(pd.get_option('mode.string_storage'), pd.Series(['a']).dtype.storage)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["python", "python"]
