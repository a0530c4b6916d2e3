"""XLSX workbooks of an extract's sheets.

Numbers stay numbers (so a reader can sum and filter); text is always written as
text, and text that a spreadsheet would run as a formula also gets Excel's quote
prefix. Written with XlsxWriter, whose shared-strings table suits extracts that
repeat the same codes and names on every row: a national indicator table of
40,000 rows takes about 4 s (openpyxl took 11 s; docs/performance.md).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import datetime

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from lct_pipeline.spreadsheets.layout import Sheet
from lct_pipeline.spreadsheets.safe_text import as_number, clean, is_formula_like, is_missing

HEADER_STYLE = {
    "bold": True,
    "font_color": "#1F3864",
    "bg_color": "#DCE6F1",
    "pattern": 1,
    "bottom": 1,
    "bottom_color": "#7F8FA6",
}
TITLE_STYLE = {"bold": True, "font_size": 12, "font_color": "#1F3864"}
# Excel's own good / neutral / bad colours: familiar to every reader.
RAG_STYLES = {
    "GREEN": {"bg_color": "#C6EFCE", "pattern": 1, "font_color": "#006100", "bold": True},
    "AMBER": {"bg_color": "#FFEB9C", "pattern": 1, "font_color": "#9C5700", "bold": True},
    "RED": {"bg_color": "#FFC7CE", "pattern": 1, "font_color": "#9C0006", "bold": True},
}
NUMBER_FORMATS = {"achievement": "0%", "completeness_pct": "0.0", "timeliness_pct": "0.0"}
DECIMAL_FORMAT = "0.0#"
DATE_FORMAT = "yyyy-mm-dd hh:mm"
# Suppression marks (<5, [c]) sit in number columns: aligned like numbers.
MARK_COLUMNS = {"numerator", "denominator", "value", "achievement", "cumulative_value"}
MAX_WIDTH = 60
WIDTH_SAMPLE = 500  # rows looked at to size a column
OPTIONS = {
    "in_memory": True,  # no temporary files: the caller writes the bytes atomically
    # Text from CSOs stays text: no formulas, numbers or links guessed from strings.
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": True,
}


class _Styles:
    """XlsxWriter formats belong to one workbook and are made once per style."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self._book = book
        self._made: dict[tuple, Format] = {}

    def get(self, **style: object) -> Format | None:
        if not style:
            return None
        key = tuple(sorted(style.items()))
        if key not in self._made:
            self._made[key] = self._book.add_format(dict(style))
        return self._made[key]


def workbook_bytes(sheets: Sequence[Sheet], *, title: str, created_at: datetime) -> bytes:
    """The workbook of ``sheets`` as XLSX bytes (written to disk by the caller, atomically)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, OPTIONS)
    book.set_properties(
        {
            "title": title,
            "author": "LCT monitoring pipeline",
            "created": created_at.replace(tzinfo=None),
        }
    )
    styles = _Styles(book)
    for sheet in sheets:
        _write_sheet(book.add_worksheet(sheet.name[:31]), sheet, styles)
    book.close()
    return buffer.getvalue()


def _write_sheet(ws: Worksheet, sheet: Sheet, styles: _Styles) -> None:
    for column, width in _widths(sheet).items():
        ws.set_column(column, column, width)
    if sheet.single:
        frame = sheet.tables[0].frame
        ws.freeze_panes(1, 0)
        if len(frame.columns):
            ws.autofilter(0, 0, len(frame), len(frame.columns) - 1)
    row = 0
    for i, table in enumerate(sheet.tables):
        if not sheet.single:
            row += 1 if i else 0  # a blank line between stacked tables
            _write_text(ws, row, 0, clean(table.title), styles, **TITLE_STYLE)
            row += 1
        for j, name in enumerate(table.frame.columns):
            _write_text(ws, row, j, clean(str(name)), styles, **HEADER_STYLE)
        row += 1
        # Each column's cells are worked out once, column by column (a repeated text
        # once); then written row by row, so the shared strings keep their order.
        columns = [
            _column_cells(ws, str(name), table.frame.iloc[:, j], styles)
            for j, name in enumerate(table.frame.columns)
        ]
        for r, cells in enumerate(zip(*columns, strict=True), start=row):
            for j, cell in enumerate(cells):
                if cell is not None:
                    cell[0](r, j, cell[1], cell[2])
        row += len(table.frame)


def _write_text(ws: Worksheet, row: int, col: int, text: str, styles: _Styles, **style) -> None:
    if is_formula_like(text):
        style["quote_prefix"] = True
    ws.write_string(row, col, text, styles.get(**style))


# A cell to write: (the worksheet's write method, the value, its format); None: empty.
_Cell = tuple[Callable[..., object], object, Format | None] | None


def _column_cells(ws: Worksheet, column: str, values: pd.Series, styles: _Styles) -> list[_Cell]:
    """The cells of one column, as ``_cell`` writes each value."""
    if values.dtype.kind == "f":  # a float column: numbers, or empty where missing
        whole = NUMBER_FORMATS.get(column)
        whole_fmt = styles.get(num_format=whole) if whole else None
        fraction_fmt = styles.get(num_format=NUMBER_FORMATS.get(column, DECIMAL_FORMAT))
        write = ws.write_number
        return [
            None
            if v != v
            else (write, int(v), whole_fmt)
            if v.is_integer()
            else (write, v, fraction_fmt)
            for v in values.tolist()
        ]
    made: dict[tuple[type, object], _Cell] = {}
    cells = []
    for value in values.tolist():
        try:
            key = (type(value), value)
            cell = made[key]
        except KeyError:
            cell = made[key] = _cell(ws, column, value, styles)
        except TypeError:  # not hashable
            cell = _cell(ws, column, value, styles)
        cells.append(cell)
    return cells


def _cell(ws: Worksheet, column: str, value: object, styles: _Styles) -> _Cell:
    """One cell: numbers as numbers, text always as text (never as a formula)."""
    if is_missing(value):
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        moment = pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)
        return (ws.write_datetime, moment, styles.get(num_format=DATE_FORMAT))
    if not isinstance(value, str) and (number := as_number(value)) is not None:
        fmt = NUMBER_FORMATS.get(column, DECIMAL_FORMAT if isinstance(number, float) else None)
        return (ws.write_number, number, styles.get(num_format=fmt) if fmt else None)
    text = clean(str(value))
    if not text:
        return None  # an empty cell, as a reader expects, not an empty string
    if column == "rag" and text in RAG_STYLES:
        style = dict(RAG_STYLES[text])
    elif column in MARK_COLUMNS:
        style = {"align": "right"}
    else:
        style = {}
    if is_formula_like(text):
        style["quote_prefix"] = True
    return (ws.write_string, text, styles.get(**style))


def _widths(sheet: Sheet) -> dict[int, float]:
    widths: dict[int, int] = {}
    for table in sheet.tables:
        sample = table.frame.head(WIDTH_SAMPLE)
        for j, name in enumerate(sample.columns):
            longest = max([len(str(name)), *(len(_shown(v)) for v in sample[name])])
            widths[j] = max(widths.get(j, 0), longest)
    return {j: min(w + 2, MAX_WIDTH) for j, w in widths.items()}


def _shown(value: object) -> str:
    if is_missing(value):
        return ""
    number = as_number(value) if not isinstance(value, str) else None
    if isinstance(number, float):
        return f"{number:.2f}"
    return str(value if number is None else number)
