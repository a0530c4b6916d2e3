"""Domain core of the LCT monitoring pipeline (no Dagster imports here)."""

import gc as _gc

import pandas as _pd

__version__ = "0.1.0"

# pandas 3 backs its text dtype with Arrow whenever pyarrow is installed, and some
# operations on empty Arrow-backed columns fail ("cannot construct ChunkedArray from
# empty vector" in a merge). The pipeline is built and tested on Python-backed text,
# so that is what it uses, whatever else is installed beside it.
_pd.set_option("mode.string_storage", "python")

# The pipeline holds hundreds of thousands of small objects at once (a workbook's cells,
# a quarter's rows as Python values), and with CPython's default first threshold (700
# allocations) the collector traverses them again and again: 17-22 % of rendering a
# national quarter's extracts (docs/performance.md). Every process that runs pipeline
# code (lct, the code server, run workers, step processes) imports this package first.
GC_FIRST_THRESHOLD = 10_000
if _gc.get_threshold()[0] < GC_FIRST_THRESHOLD:
    _gc.set_threshold(GC_FIRST_THRESHOLD, *_gc.get_threshold()[1:])
