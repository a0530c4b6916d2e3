"""Text that a spreadsheet must show as text, never run (CSV/formula injection).

Comments, messages and raw values come from CSOs' files: a cell such as
``=HYPERLINK(...)`` or ``@SUM(A1)`` would run as a formula in Excel or
LibreOffice. Both writers (XLSX and CSV) mark such text as text.
"""

from __future__ import annotations

import math
import re

import pandas as pd

# The characters a spreadsheet reads as the start of a formula (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Control characters XML 1.0 cannot hold (openpyxl refuses them).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def clean(text: str) -> str:
    """``text`` without characters a workbook cannot store (shown as U+FFFD)."""
    return _ILLEGAL.sub("\ufffd", text)


def csv_text(text: str) -> str:
    """Text for a CSV cell: a leading quote keeps a formula-like value as text."""
    text = clean(text)
    return "'" + text if is_formula_like(text) else text


def is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return value is pd.NA or value is pd.NaT


def as_number(value: object) -> int | float | None:
    """A numeric cell's value: whole numbers as int (no ``12.0`` in a count column)."""
    if is_missing(value) or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    try:
        number = float(value)  # numpy scalars
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else number
