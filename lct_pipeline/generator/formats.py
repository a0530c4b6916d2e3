"""How CSOs' files look on disk: encodings, delimiters, number and period spellings.

Each ``Format`` is one way Excel, KoboToolbox or a script saves a table
(NOTES.md "Input reality"). The ``encoding`` and ``delimiter`` are the names
``lct_pipeline.reading`` reports for such a file, so a test can check that
every file is read the way it was written.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import pandas as pd

from lct_pipeline.contract import COLUMNS, MEASURES, VALUES

MONEY_COLUMNS = frozenset({"planned_budget_eur", "spent_budget_eur"})
KOBO_META = ("_id", "_uuid", "_submission_time", "_index")


@dataclass(frozen=True)
class Format:
    name: str
    encoding: str | None  # as reading.py names it; None for XLSX
    delimiter: str | None
    decimal: str = "."
    group_money: bool = False  # 1.250,00
    quote_all: bool = False
    newline: str = "\r\n"
    suffix: str = ".csv"
    scripts: tuple[str, ...] = ("latin", "ascii", "cyrillic")  # the text it can carry


FORMATS = {
    f.name: f
    for f in (
        Format("utf8", "utf-8", ",", newline="\n"),  # a script or LibreOffice
        Format("utf8-bom", "utf-8-sig", ","),  # Excel's "CSV UTF-8"
        # Excel on a Serbian Latin / Cyrillic PC: its code page, ';' and a decimal comma.
        Format("cp1250", "cp1250", ";", decimal=",", group_money=True, scripts=("latin",)),
        Format("cp1251", "cp1251", ";", decimal=",", scripts=("cyrillic",)),
        Format("utf16", "utf-16", "\t", decimal=","),  # Excel's "Unicode text"
        Format("kobo", "utf-8", ";", quote_all=True),  # KoboToolbox export
        Format("xlsx", None, None, suffix=".xlsx"),
        # The network's template filled in (SPEC §11): never drawn at random (no script).
        Format("template", None, None, suffix=".xlsx", scripts=()),
    )
}
# Shares of organisations by the format they usually send (XLSX is slow to write: kept modest).
FORMAT_SHARES = {"utf8": 0.2, "utf8-bom": 0.08, "cp1250": 0.22, "cp1251": 0.12, "utf16": 0.12,
                 "kobo": 0.16, "xlsx": 0.1}  # fmt: skip


@dataclass(eq=False)
class Row:
    cells: list  # in contract.COLUMNS order of its record type; None = blank cell
    key: tuple | None = None  # (data element, members or ()) of a values row as meant
    reason: str = ""  # the row-level rejection injected into it ('' = accepted)
    locked: bool = False  # part of a total or duplicate check, or of a warning
    extra: dict = field(default_factory=dict)  # cells of columns outside the contract

    @property
    def element(self) -> str:
        return self.key[0] if self.key else ""


@dataclass(eq=False)
class Table:
    record_type: str | None  # values | measures | None (not a table the pipeline knows)
    sheet: str  # the XLSX sheet name; '' in a CSV file
    columns: list[str]  # in file order: contract names, or names of ``Row.extra`` cells
    header: list[str]  # the header row as written
    rows: list[Row]
    trailing_blank_rows: int = 0  # Excel leaves ';;;;' lines after the data


def header_text(column: str, style: str) -> str:
    if column not in COLUMNS["values"] and column not in COLUMNS[MEASURES]:
        return column
    if style == "title":
        return column.replace("_", " ").capitalize().replace(" eur", " EUR")
    return column.upper() if style == "upper" else column


def period_text(period: str, style: int) -> str:
    """``2013Q1`` in one of the spellings of SPEC §3.2."""
    y, q = period[:4], period[5]
    return (f"{y}Q{q}", f"{y}-Q{q}", f"Q{q} {y}", f"Q{q}/{y}", f"{y} Q{q}", f"{y}q{q}")[style]


def number_text(value: float | int, column: str, fmt: Format) -> str:
    if isinstance(value, int):
        return str(value)
    if column in MONEY_COLUMNS:
        if fmt.group_money:
            return f"{value:,.2f}".translate(str.maketrans(",.", ".,"))
        text = f"{value:.2f}"
        if fmt.name == "kobo":  # Kobo writes the number as typed: no trailing zeros
            text = text.rstrip("0").rstrip(".")
    else:
        text = repr(value)
    return text.replace(".", ",") if fmt.decimal == "," else text


def cell_text(value: object, column: str, fmt: Format) -> str | None:
    """The text a reader of the file sees in the cell (None when blank)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if fmt.encoding is None:  # XLSX: a numeric cell, read as reading.py shows it
        if isinstance(value, int) or float(value).is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return number_text(value, column, fmt)


def _cells(table: Table, row: Row) -> list:
    names = COLUMNS.get(table.record_type, ())
    index = {name: i for i, name in enumerate(names)}
    return [row.cells[index[c]] if c in index else row.extra.get(c) for c in table.columns]


def encode_csv(table: Table, fmt: Format, path: str, received: datetime) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=fmt.delimiter,
        quoting=csv.QUOTE_ALL if fmt.quote_all else csv.QUOTE_MINIMAL,
        lineterminator=fmt.newline,
    )
    kobo = fmt.name == "kobo"
    writer.writerow(table.header + (list(KOBO_META) if kobo else []))
    names = COLUMNS.get(table.record_type, ())
    index = {name: i for i, name in enumerate(names)}
    for n, row in enumerate(table.rows, start=1):
        texts = []
        for column in table.columns:
            value = row.cells[index[column]] if column in index else row.extra.get(column)
            if value is None or isinstance(value, str):
                texts.append(value or "")
            else:
                texts.append(number_text(value, column, fmt))
        if kobo:
            texts += _kobo_meta(path, n, received)
        writer.writerow(texts)
    for _ in range(table.trailing_blank_rows):
        writer.writerow([""] * len(table.header))
    text = buffer.getvalue()
    if fmt.encoding == "utf-16":  # Excel writes little-endian whatever the machine
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode(fmt.encoding)


def _kobo_meta(path: str, n: int, received: datetime) -> list[str]:
    digest = hashlib.sha1(f"{path}#{n}".encode()).hexdigest()
    uuid = f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"
    return [str(int(digest[:7], 16)), uuid, received.isoformat(timespec="seconds"), str(n)]


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose entries carry one given time, so the same workbook gives the same bytes."""

    date_time = (1980, 1, 1, 0, 0, 0)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, self.date_time)
            zinfo_or_arcname.compress_type = self.compression
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        with open(filename, "rb") as handle:
            self.writestr(arcname or str(filename), handle.read())


def encode_xlsx(tables: list[Table], saved: datetime) -> bytes:
    """A workbook with one sheet per table; numbers are numeric cells.

    Entries are stored, not deflated: deflate output may differ between zlib
    builds, and the bundled sample must be reproducible byte for byte.
    """
    import openpyxl
    from openpyxl.writer.excel import ExcelWriter

    workbook = openpyxl.Workbook(write_only=True)
    workbook.properties.created = workbook.properties.modified = saved
    for table in tables:
        sheet = workbook.create_sheet(table.sheet)
        sheet.append(table.header)
        for row in table.rows:
            sheet.append([None if c == "" else c for c in _cells(table, row)])
    buffer = io.BytesIO()
    archive = _FixedTimeZip(buffer, "w", zipfile.ZIP_STORED)
    archive.date_time = saved.timetuple()[:6]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ExcelWriter(workbook, archive).save()
    return buffer.getvalue()


# A CSO filling in the template types 0 in the rows of a short table (an element with at
# most this many breakdowns) where it saw none, and leaves empty the other rows of the
# long ones (persons by sex, age and group): those are not reported (SPEC §11).
ZEROS_UP_TO = 10


def encode_template(
    tables: list[Table], org: str, period: str, saved: datetime, reference
) -> tuple[bytes, dict[str, int], int]:
    """The template of ``org`` for ``period`` as the CSO sends it back with the rows of
    ``tables`` typed in: the workbook, its data rows per table, and its rows left empty.

    Stored, not deflated, with one time on every entry, as ``encode_xlsx``: the same
    bytes on every machine.
    """
    from lct_pipeline.periods import parse_period
    from lct_pipeline.templates import MEASURES_HEADER, build_template, value_keys

    values = next(t for t in tables if t.record_type == VALUES)
    if any(row.reason for row in values.rows):
        raise ValueError(f"a mistake injected into the template of {org} {period}")
    index = {c: i for i, c in enumerate(COLUMNS[VALUES])}
    typed = {
        row.key: (row.cells[index["value"]], row.cells[index["comment"]] or None)
        for row in values.rows
    }
    grid = value_keys(reference)
    sizes = Counter(element.code for element, _ in grid)
    filled: dict[tuple, tuple] = {}
    empty = 0
    for element, members in grid:
        key = (element.code, members)
        if key in typed:
            filled[key] = typed.pop(key)
        elif sizes[element.code] <= ZEROS_UP_TO:
            filled[key] = (0, None)
        else:
            empty += 1
    extra = [(key, value, comment) for key, (value, comment) in typed.items()]  # a total row
    measures = [t for t in tables if t.record_type == MEASURES]
    plan = pd.DataFrame(
        [row.cells for t in measures for row in t.rows], columns=list(COLUMNS[MEASURES])
    )
    plan["org_code"], plan["period"] = org, period
    plan["due_period"] = plan["due_period"].map(parse_period)
    data = build_template(
        reference, org, period, plan[list(MEASURES_HEADER)], filled=filled, extra=extra,
        created=saved,
    )  # fmt: skip
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with _FixedTimeZip(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.date_time = saved.timetuple()[:6]
        for name in source.namelist():
            archive.writestr(name, source.read(name))
    return buffer.getvalue(), {VALUES: len(filled) + len(extra), MEASURES: len(plan)}, empty


# ------------------------------------------------------------------- spelling rows

# Aliases of SPEC §4.2 that CSOs type instead of codes; checked against the catalogue.
ALIASES = {
    "local": {"sex": {"F": "Ž", "M": "M"}, "age_group": {"CHILD": "Dete", "ADULT": "Odrasli"}},
    "english": {
        "sex": {"F": "Female", "M": "Male", "U": "Unknown"},
        "age_group": {"CHILD": "Child", "ADULT": "Adult"},
    },
}
SHEET_NAMES = (("values", "measures"), ("Values", "Measures"), ("VALUES", "MEASURES"))


def member_text(dim: str, member: str, style: str) -> str:
    if style == "lower":
        return member.lower()
    return ALIASES.get(style, {}).get(dim, {}).get(member, member)


def column_order(record_type: str, shuffled: bool, rng) -> list[str]:
    """The contract's columns, or the org's own order of them (SPEC §3.2: order is free)."""
    columns = list(COLUMNS[record_type])
    if shuffled:
        rng.shuffle(columns)
    return columns
