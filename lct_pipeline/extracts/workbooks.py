"""XLSX workbooks of an extract's sheets.

Numbers stay numbers (so a reader can sum and filter); text that a spreadsheet
would run as a formula is stored as text with Excel's quote prefix. Sheets are
streamed (openpyxl's write-only mode): an indicator table of many thousand rows
is written in seconds and without holding every cell object in memory.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from lct_pipeline.extracts.layout import Sheet
from lct_pipeline.extracts.safe_text import as_number, clean, is_formula_like, is_missing

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
HEADER_FONT = Font(bold=True, color="1F3864")
TITLE_FONT = Font(bold=True, size=12, color="1F3864")
HEADER_BORDER = Border(bottom=Side(style="thin", color="7F8FA6"))
# Excel's own good / neutral / bad colours: familiar to every reader.
RAG_STYLES = {
    "GREEN": (PatternFill("solid", fgColor="C6EFCE"), Font(color="006100", bold=True)),
    "AMBER": (PatternFill("solid", fgColor="FFEB9C"), Font(color="9C5700", bold=True)),
    "RED": (PatternFill("solid", fgColor="FFC7CE"), Font(color="9C0006", bold=True)),
}
NUMBER_FORMATS = {"achievement": "0%", "completeness_pct": "0.0", "timeliness_pct": "0.0"}
DECIMAL_FORMAT = "0.0#"
# Suppression marks (<5, [c]) sit in number columns: aligned like numbers.
MARK_COLUMNS = {"numerator", "denominator", "value", "achievement", "cumulative_value"}
RIGHT = Alignment(horizontal="right")
MAX_WIDTH = 60
WIDTH_SAMPLE = 500  # rows looked at to size a column


def workbook_bytes(sheets: Sequence[Sheet], *, title: str, created_at: datetime) -> bytes:
    """The workbook of ``sheets`` as XLSX bytes (written to disk by the caller, atomically)."""
    book = Workbook(write_only=True)
    book.properties.title = title
    book.properties.creator = "LCT monitoring pipeline"
    book.properties.created = created_at.replace(tzinfo=None)
    book.properties.modified = created_at.replace(tzinfo=None)
    for sheet in sheets:
        _write_sheet(book.create_sheet(sheet.name[:31]), sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(ws: Worksheet, sheet: Sheet) -> None:
    # Write-only sheets take widths, panes and filters before their first row.
    for column, width in _widths(sheet).items():
        ws.column_dimensions[get_column_letter(column)].width = width
    if sheet.single:
        frame = sheet.tables[0].frame
        ws.freeze_panes = "A2"
        if len(frame.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
    for i, table in enumerate(sheet.tables):
        if not sheet.single:
            if i:
                ws.append([])  # a blank line between stacked tables
            title = WriteOnlyCell(ws, value=clean(table.title))
            title.font = TITLE_FONT
            ws.append([title])
        ws.append([_header(ws, name) for name in table.frame.columns])
        columns = [str(c) for c in table.frame.columns]
        for values in table.frame.itertuples(index=False):
            ws.append([_cell(ws, c, v) for c, v in zip(columns, values, strict=True)])


def _widths(sheet: Sheet) -> dict[int, float]:
    widths: dict[int, int] = {}
    for table in sheet.tables:
        sample = table.frame.head(WIDTH_SAMPLE)
        for j, name in enumerate(sample.columns, start=1):
            longest = max([len(str(name)), *(len(_shown(v)) for v in sample[name])])
            widths[j] = max(widths.get(j, 0), longest)
    return {j: min(w + 2, MAX_WIDTH) for j, w in widths.items()}


def _header(ws: Worksheet, name: object) -> WriteOnlyCell:
    cell = _text_cell(ws, str(name))
    cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, HEADER_BORDER
    return cell


def _text_cell(ws: Worksheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=clean(text))
    if is_formula_like(cell.value):
        # openpyxl reads a leading "=" as a formula; the type and Excel's quote
        # prefix keep it a string for openpyxl, Excel and LibreOffice alike.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _cell(ws: Worksheet, column: str, value: object) -> object:
    """One cell: numbers as numbers, text always as text (never as a formula)."""
    if is_missing(value):
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        cell = WriteOnlyCell(ws, value=pd.Timestamp(value).to_pydatetime().replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if not isinstance(value, str) and as_number(value) is not None:
        number = as_number(value)
        fmt = NUMBER_FORMATS.get(column, DECIMAL_FORMAT if isinstance(number, float) else None)
        if fmt is None:
            return number
        cell = WriteOnlyCell(ws, value=number)
        cell.number_format = fmt
        return cell
    text = clean(str(value))
    styled = column in MARK_COLUMNS or (column == "rag" and text in RAG_STYLES)
    if not styled and not is_formula_like(text):
        return text  # plain text: no cell object needed
    cell = _text_cell(ws, text)
    if column == "rag" and text in RAG_STYLES:
        cell.fill, cell.font = RAG_STYLES[text]
    elif column in MARK_COLUMNS:
        cell.alignment = RIGHT
    return cell


def _shown(value: object) -> str:
    if is_missing(value):
        return ""
    number = as_number(value) if not isinstance(value, str) else None
    if isinstance(number, float):
        return f"{number:.2f}"
    return str(value if number is None else number)
