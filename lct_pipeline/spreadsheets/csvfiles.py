"""CSV files of an extract's tables: UTF-8 with a BOM, so Excel shows č ć š ž đ right.

Comma-separated with CRLF line ends (RFC 4180). Numbers are written as the
views hold them (whole numbers without ``.0``); text that a spreadsheet would
run as a formula gets a leading ``'``.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pandas as pd

from lct_pipeline.spreadsheets.safe_text import as_number, csv_text, is_missing


def csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_text(str(c)) for c in frame.columns])
    # Column by column (a repeated value converted once), then written row by row.
    columns = [_column_texts(frame.iloc[:, j]) for j in range(len(frame.columns))]
    writer.writerows(zip(*columns, strict=True) if columns else [()] * len(frame))
    return buffer.getvalue().encode("utf-8-sig")


def _column_texts(values: pd.Series) -> list[str]:
    """Each value of a column as ``_text`` writes it."""
    if values.dtype.kind == "f":  # numbers: whole ones without ".0"; missing: empty
        return [
            "" if v != v else str(int(v)) if v.is_integer() else repr(v) for v in values.tolist()
        ]
    made: dict[tuple[type, object], str] = {}
    texts = []
    for value in values.tolist():
        try:
            key = (type(value), value)
            text = made[key]
        except KeyError:
            text = made[key] = _text(value)
        except TypeError:  # not hashable
            text = _text(value)
        texts.append(text)
    return texts


def _text(value: object) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, (pd.Timestamp, datetime)):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, str):
        return csv_text(value)
    number = as_number(value)
    if number is None:
        return csv_text(str(value))
    return repr(number) if isinstance(number, float) else str(number)
