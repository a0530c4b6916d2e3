"""Validation (SPEC §5, §6): rows judged by the suites, split, and stored per quarter.

``validate_quarter`` is what the ``validated_submissions`` asset runs: it reads a
quarter's raw rows, judges them, and replaces the quarter's slices, accepted rows
and issues in one transaction. ``check_files`` is ``lct validate``: the same suites
on files a CSO is about to send, with nothing stored.

One module per job:

- ``judging``: raw rows through the suites into slices, accepted rows and issues
  (``Validation``), reading and writing nothing;
- ``reads``: what a quarter's validation reads (its raw rows, the files it reports
  rejected whole, the history OUTLIER compares with);
- ``store``: the quarter's validation stored in one transaction, marked complete, and
  read back when its inputs have not changed;
- ``quarter``: ``validate_quarter``, the three above in order;
- ``accounting``: what the asset checks count in the stored tables (every raw row in
  one place, the rejections that are news);
- ``files``: ``check_files``, ``lct validate``'s path.
"""

from lct_pipeline.validation.accounting import (
    Accounting,
    account_for_rows,
    new_rejections,
    rejection_keys,
)
from lct_pipeline.validation.files import FileCheck, check_files
from lct_pipeline.validation.judging import Validation
from lct_pipeline.validation.quarter import validate_quarter

__all__ = [
    "Accounting",
    "FileCheck",
    "Validation",
    "account_for_rows",
    "check_files",
    "new_rejections",
    "rejection_keys",
    "validate_quarter",
]
