"""Domain core of the LCT monitoring pipeline (no Dagster imports here)."""

import pandas as _pd

__version__ = "0.1.0"

# pandas 3 backs its text dtype with Arrow whenever pyarrow is installed, and some
# operations on empty Arrow-backed columns fail ("cannot construct ChunkedArray from
# empty vector" in a merge). The pipeline is built and tested on Python-backed text,
# so that is what it uses, whatever else is installed beside it.
_pd.set_option("mode.string_storage", "python")
