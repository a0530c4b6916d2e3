"""Reading submissions (SPEC §3.1, §3.2): CSV and XLSX files into tables of text cells.

Nothing here judges content: every cell stays the text the CSO typed (None when
blank), so that the validation layer can quote raw values back to them. A file
that cannot be read becomes a `FileError`, never an exception, so one bad file
does not stop the others.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import errno
import io
import os
import re
import stat
import warnings
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import numpy as np
import openpyxl
import pandas as pd
import python_calamine
from charset_normalizer import from_bytes
from defusedxml import ElementTree
from openpyxl.utils import get_column_letter

from lct_pipeline.contract import COLUMNS, RAW_COLUMNS, in_sheet
from lct_pipeline.i18n import N_, Msg
from lct_pipeline.normalise import normalise_header
from lct_pipeline.templates import INFO_COLUMNS, MARKER, left_empty

# The csv module refuses fields over 128 kB; a pasted report in a comment cell can
# be larger. A field can't outgrow the file, whose size ingestion already limits.
csv.field_size_limit(64 * 1024 * 1024)

UNREADABLE_FILE = "UNREADABLE_FILE"
UNKNOWN_LAYOUT = "UNKNOWN_LAYOUT"
SUFFIXES = (".csv", ".xlsx")
DELIMITERS = (",", ";", "\t")  # on a tie, the earlier one wins
SHEET_TYPES = ("values", "measures")
ACCEPTED_ENCODINGS = "UTF-8 (with or without BOM), UTF-16 with BOM, Windows-1250 or Windows-1251"
# Every column of either layout: recognises the delimiter, and is what a table of no
# known layout keeps (it is rejected whole, its rows only counted and looked at).
_KNOWN = frozenset(RAW_COLUMNS)
_RESERVED = frozenset({"row_number", "_ignored"})
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SERBIAN_LATIN = frozenset("čćšžđČĆŠŽĐ")
# Words (letters only) holding at least one non-ASCII letter: only those tell code pages apart.
_NON_ASCII_WORD = re.compile(r"[a-zA-Z]*[^\W\d_a-zA-Z][^\W\d_]*")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted .xlsx and old .xls files


@dataclass(frozen=True)
class FileError:
    reason_code: str  # 'UNREADABLE_FILE' | 'UNKNOWN_LAYOUT'
    message: Msg  # a sentence a CSO can act on; names the sheet when there is one
    sheet: str = ""


@dataclass(frozen=True)
class Table:
    sheet: str  # '' for CSV
    record_type: str | None  # 'values', 'measures', or None when the header tells neither
    raw_header: tuple[str, ...]  # as in the file; blank cells '', trailing ones left out
    header: tuple[str, ...]  # normalise_header of each ('' for an empty header cell)
    # One object column per header of the layout (str as typed, None when blank),
    # '_ignored' (the columns whose non-empty cells were not kept: "'notes', column L")
    # and 'row_number'.
    rows: pd.DataFrame
    # A template's pre-filled rows left empty (SPEC §11): not data rows, but listed in
    # the feedback as not reported; the same columns as ``rows``. None outside templates.
    left_empty: pd.DataFrame | None = None


@dataclass(frozen=True)
class ReadResult:
    tables: list[Table]
    error: FileError | None
    encoding: str | None  # 'utf-8', 'utf-8-sig', 'utf-16', 'cp1250', 'cp1251'; None for XLSX
    delimiter: str | None  # ',', ';', '\t'; None for XLSX
    template: bool = False  # a workbook with the template marker (lct_pipeline.templates)


def discover(inbox: Path) -> tuple[list[Path], list[Path]]:
    """(submissions, ignored files) below `inbox`, each sorted by relative posix path.

    Only regular files can be submissions (SPEC §3.1): a symbolic link (to a file,
    inside the inbox or not, or to a folder, which is not entered), a device, a pipe
    or a socket is listed as ignored and never opened.
    """
    submissions: list[Path] = []
    ignored: list[Path] = []
    for root, folders, names in os.walk(inbox, followlinks=False):
        base = Path(root)
        ignored += [base / f for f in folders if (base / f).is_symlink()]
        for name in names:
            path = base / name
            try:
                regular = stat.S_ISREG(os.lstat(path).st_mode)
            except OSError:  # gone since the folder was listed
                continue
            relative = path.relative_to(inbox)
            # Hidden files (sync tools keep copies there) and Excel's "~$" lock files
            # are never submissions, whatever their extension.
            hidden = any(part.startswith(".") for part in relative.parts)
            wanted = (
                regular
                and path.suffix.lower() in SUFFIXES
                and not hidden
                and not path.name.startswith("~$")
            )
            (submissions if wanted else ignored).append(path)
    by_name = {path: path.relative_to(inbox).as_posix() for path in submissions + ignored}
    return sorted(submissions, key=by_name.get), sorted(ignored, key=by_name.get)


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading only if it is a regular file, never through a link.

    Between listing the inbox and reading it a file may have been replaced by a
    link or a pipe: O_NOFOLLOW refuses the link, O_NONBLOCK keeps a pipe from
    blocking the run, and the check of the opened file refuses anything else.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path) -> bytes:
    with open_regular(path) as handle:
        return handle.read()


def read_submission(path: Path) -> ReadResult:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _failed(
            Msg(N_("The file could not be opened: {error}."), {"error": exc.strerror or str(exc)})
        )
    return read_bytes(data, path.suffix)


def read_bytes(data: bytes, suffix: str) -> ReadResult:
    """Read a submission from its bytes; `suffix` is the file's extension ('.csv' or '.xlsx')."""
    kind = suffix.lower().lstrip(".")
    try:
        if kind == "csv":
            return _read_csv(data)
        if kind == "xlsx":
            return _read_xlsx(data)
    except Exception as exc:  # a last resort: no file content may stop a run
        return _failed(
            Msg(
                N_("The file could not be read ({error})."),
                {"error": f"{type(exc).__name__}: {exc}"},
            )
        )
    return _failed(
        Msg(N_("Only .csv and .xlsx files are read, not '{suffix}'."), {"suffix": suffix})
    )


def _failed(message: Msg, reason_code: str = UNREADABLE_FILE, sheet: str = "") -> ReadResult:
    return ReadResult([], FileError(reason_code, message, sheet), None, None)


# --------------------------------------------------------------------------- CSV


def _read_csv(data: bytes) -> ReadResult:
    if data.startswith(b"PK\x03\x04"):
        return _failed(
            Msg(N_("The file is an Excel workbook saved with a .csv name; rename it to .xlsx."))
        )
    decoded = _decode(data)
    text = decoded[0] if isinstance(decoded, tuple) else data.decode("latin-1")
    if "\x00" in text or len(_CONTROL.findall(text)) > max(2, len(text) // 200):
        return _failed(
            Msg(
                N_(
                    "The file holds binary data, not text (or UTF-16 text without a byte-order"
                    " mark); save it as CSV in {encodings}."
                ),
                {"encodings": ACCEPTED_ENCODINGS},
            )
        )
    if isinstance(decoded, FileError):
        return ReadResult([], decoded, None, None)
    encoding = decoded[1]
    # Lines of delimiters only (";;;;", as Excel saves an emptied sheet) are an empty
    # table, not a header named ";;;;".
    blank = [d for d in DELIMITERS if d in text and _only_blank_cells(text, d)]
    delimiter = blank[0] if blank else max(DELIMITERS, key=lambda d: _header_score(text, d))
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        return _failed(
            Msg(N_("The CSV structure could not be read: {error}."), {"error": str(exc)})
        )
    table = _table("", records, None)
    if isinstance(table, FileError):
        return ReadResult([], table, encoding, delimiter)
    return ReadResult([table], None, encoding, delimiter)


def _decode(data: bytes) -> tuple[str, str] | FileError:
    """The text and the encoding's name, or why the encoding is not accepted."""
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        if encoding != "utf-8":  # a byte-order mark promised an encoding the bytes do not keep
            return _encoding_error(data)
    if mixed := _mixed_encodings(data):
        return mixed
    # Not UTF-8: one of the two Windows code pages, if exactly one of them makes sense.
    readings = {}
    for code_page in ("cp1250", "cp1251"):
        with contextlib.suppress(UnicodeDecodeError):  # undefined bytes rule a code page out
            readings[code_page] = data.decode(code_page)
    words = {cp: _non_ascii_words(text) for cp, text in readings.items()}
    scores = {cp: _script_score(words[cp], cp == "cp1251") for cp in readings}
    # Plausible: some words of the expected alphabet, and at most one word in five
    # with letters foreign to it (names such as "Müller" are allowed, a wrong code
    # page garbles nearly every word).
    plausible = [cp for cp, (good, bad) in scores.items() if good and bad * 5 <= good + bad]
    if plausible:
        best = max(plausible, key=lambda cp: scores[cp][0] / sum(scores[cp]))
        return readings[best], best
    # No non-ASCII letter at all (e.g. one "€" in a comment): the symbols read the
    # same in both code pages.
    for code_page, text in readings.items():
        if not words[code_page]:
            return text, code_page
    return _encoding_error(data)


def _non_ascii_words(text: str) -> set[str]:
    # Splitting on whitespace first is fast and leaves few distinct chunks to scan.
    chunks = "\n".join(chunk for chunk in set(text.split()) if not chunk.isascii())
    return set(_NON_ASCII_WORD.findall(chunks))


def _script_score(words: set[str], cyrillic: bool) -> tuple[int, int]:
    """(distinct words in the expected alphabet, distinct words with letters foreign to it)."""
    good = bad = 0
    for word in words:
        if cyrillic:
            # Latin text read as cp1251 turns č, š, ž into Cyrillic letters inside Latin
            # words; a lone Cyrillic letter ("Ђ" for "€") proves nothing either way.
            fits = all("\u0400" <= ch <= "\u04ff" for ch in word)
            if fits and len(word) == 1:
                continue
        else:
            fits = all(ch.isascii() or ch in _SERBIAN_LATIN for ch in word)
        good += fits
        bad += not fits
    return good, bad


def _mixed_encodings(data: bytes) -> FileError | None:
    """A file whose lines are in two encodings (rows pasted from two programs): some
    lines are UTF-8 with letters beyond ASCII, others are not UTF-8 at all. Read in
    either encoding, one part would come out garbled, so it is refused, not guessed."""
    utf8 = other = None
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            other = other or number
        else:
            if _plausible_letters(text):
                utf8 = utf8 or number
        if utf8 and other:
            return FileError(
                UNREADABLE_FILE,
                Msg(
                    N_(
                        "The file mixes two text encodings: line {utf8} is UTF-8 and line"
                        " {other} is not (rows copied from two programs?); save the whole file"
                        " again as CSV in {encodings} (in Excel: 'CSV UTF-8')."
                    ),
                    {"utf8": utf8, "other": other, "encodings": ACCEPTED_ENCODINGS},
                ),
            )
    return None


def _plausible_letters(text: str) -> bool:
    # Windows-1250 bytes can form UTF-8 by chance ("Đž" reads as a Cyrillic "О"): a
    # UTF-8 line counts when each of its words is Serbian Latin or Cyrillic throughout.
    words = _non_ascii_words(text)
    scores = [_script_score({word}, _is_cyrillic(word)) for word in words]
    return bool(words) and all(bad == 0 for _, bad in scores)


def _is_cyrillic(word: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in word)


def _encoding_error(data: bytes) -> FileError:
    best = from_bytes(data[:200_000]).best()
    name = codecs.lookup(best.encoding).name if best is not None else ""
    hint = (
        Msg(N_(" (it looks like {name})"), {"name": name})
        if name and name not in ("cp1250", "cp1251")
        else ""
    )
    return FileError(
        UNREADABLE_FILE,
        Msg(
            N_(
                "The file's text encoding is not one of those accepted{hint}: save it as CSV in"
                " {encodings} (in Excel: 'CSV UTF-8')."
            ),
            {"hint": hint, "encodings": ACCEPTED_ENCODINGS},
        ),
    )


def _only_blank_cells(text: str, delimiter: str) -> bool:
    # Stops at the first cell with content: cheap on a real file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return not any(cell.strip() for row in reader for cell in row)
    except csv.Error:  # the structure is reported when the file is read
        return False


def _header_score(text: str, delimiter: str) -> tuple[int, int, int]:
    """How header-like the first non-blank line is when split by `delimiter`."""
    reader = csv.reader(io.StringIO(text[:65_536], newline=""), delimiter=delimiter)
    header = next((row for row in reader if any(cell.strip() for cell in row)), [])
    names = [normalise_header(cell) for cell in header]
    known = sum(name in _KNOWN for name in names)
    return known, sum(bool(_IDENTIFIER.fullmatch(name)) for name in names), len(names)


# --------------------------------------------------------------------------- XLSX


def _read_xlsx(data: bytes) -> ReadResult:
    if data.startswith(_OLE_MAGIC):
        return _failed(
            Msg(
                N_(
                    "The workbook is password-protected or in the old Excel 97-2003 (.xls)"
                    " format; save it as an .xlsx workbook without a password."
                )
            )
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return _failed(
            Msg(N_("The file is not an Excel workbook (.xlsx); save it again from Excel."))
        )
    if problem := _zip_bomb(data):
        return _failed(problem)
    try:
        template = _is_template(data)
        sheets = None if _has_unshown_cells(data) else _calamine_sheets(data)
    except Exception as exc:  # a part that does not inflate, XML python-calamine refuses
        return _failed(_damaged(exc))
    if sheets is not None:
        return _read_sheets(sheets, template)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles and parts it does not need
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            # Formulas no program has calculated (a workbook written by a script) have no
            # value to read: their text is read instead, so the CSO is told, not "empty".
            formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except Exception as exc:
            return _failed(_damaged(exc))
        try:
            return _read_sheets(_openpyxl_sheets(workbook, formulas), template)
        finally:
            workbook.close()
            formulas.close()


@dataclass(frozen=True)
class _Sheet:
    title: str
    visible: bool
    rows: Callable[[], Iterable[list[str | None]]]  # from A1, a list of cell texts a row


def _calamine_sheets(data: bytes) -> list[_Sheet]:
    """The worksheets (chart sheets hold no cells), read with python-calamine: some
    twenty times faster than openpyxl on our workbooks (docs/performance.md)."""
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        sheets = []
        for meta in book.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            # From A1, so row numbers are those the CSO sees; an empty cell reads as ''.
            cells = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            rows = [[_cell_text(value) for value in row] for row in cells]
            visible = meta.visible == python_calamine.SheetVisibleEnum.Visible
            sheets.append(_Sheet(meta.name, visible, lambda rows=rows: rows))
        return sheets
    finally:
        book.close()


def _openpyxl_sheets(workbook, formulas) -> list[_Sheet]:
    def rows(ws) -> Iterable[list[str | None]]:
        return _with_formulas(_sheet_rows(ws), _sheet_rows(formulas[ws.title]))

    return [
        _Sheet(ws.title, ws.sheet_state == "visible", lambda ws=ws: rows(ws))
        for ws in workbook.worksheets  # chart sheets hold no cells
    ]


def _is_template(data: bytes) -> bool:
    """Whether the workbook carries the template marker, a custom document property
    (SPEC §11) that Excel and LibreOffice keep when they save the file again."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.casefold() == "docprops/custom.xml"]
        if not names:
            return False
        try:
            properties = ElementTree.fromstring(archive.read(names[0]))
        except ElementTree.ParseError:
            return False
    return any(p.get("name", "").strip().casefold() == MARKER for p in properties)


# Cells python-calamine reads as empty: a formula whose cached value is missing or empty
# (<f>..</f> then <v/>, <v></v> or </c>), and an error (t="e": #DIV/0!, #REF!). openpyxl
# shows the formula's text and the error's, so the CSO is told what is in the cell.
_UNSHOWN = re.compile(
    rb"(?:</f>|<f[^>]*/>)\s*(?:<v\s*/>|<v>\s*</v>|</c>)|<c\s[^>]*\bt\s*=\s*[\"']e[\"']"
)


def _has_unshown_cells(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return any(
            _UNSHOWN.search(archive.read(member))
            for member in archive.namelist()
            if member.startswith("xl/worksheets/") and member.endswith(".xml")
        )


# A real monitoring workbook unpacks to a few MB; a zip bomb unpacks to gigabytes
# from a few KB. XML entity bombs are never expanded: python-calamine expands no
# entity a workbook declares, and openpyxl parses with defusedxml (a dependency).
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200


def _damaged(exc: Exception) -> Msg:
    return Msg(
        N_("The workbook is damaged and could not be opened ({error})."), {"error": str(exc)}
    )


def _zip_bomb(data: bytes) -> Msg | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        return _damaged(exc)
    unpacked = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    if unpacked > MAX_UNPACKED_BYTES or (
        unpacked > 50 * 1024 * 1024 and unpacked / packed > MAX_RATIO
    ):
        return Msg(
            N_(
                "The workbook unpacks to {unpacked} MB from {packed} KB, far more than a"
                " monitoring file holds; it was not opened."
            ),
            {"unpacked": unpacked // (1024 * 1024), "packed": len(data) // 1024},
        )
    return None


def _read_sheets(sheets: list[_Sheet], template: bool = False) -> ReadResult:
    if not sheets:
        return _failed(Msg(N_("The workbook has no worksheet with cells.")), UNKNOWN_LAYOUT)
    named = [(ws, ws.title.strip().casefold()) for ws in sheets]
    named = [(ws, kind) for ws, kind in named if kind in SHEET_TYPES]
    if not named:
        # A hidden sheet (a lookup list of the template) is not the CSO's data, and a
        # message must not name a sheet the CSO cannot see.
        visible = [ws for ws in sheets if ws.visible] or sheets
        used = [ws for ws in visible if _has_content(ws)]
        if len(used) > 1:
            found = ", ".join(f"'{ws.title}'" for ws in used)
            return _failed(
                Msg(
                    N_(
                        "The workbook has several sheets with data ({found}) and none is named"
                        " 'values' or 'measures': name the sheet of data values 'values' and"
                        " the sheet of action-plan measures 'measures'."
                    ),
                    {"found": found},
                ),
                UNKNOWN_LAYOUT,
            )
        # A single sheet (or a single one with data) is read by its header.
        named = [((used or visible)[0], None)]
    tables = []
    for ws, kind in named:
        table = _table(ws.title, ws.rows(), kind, template)
        if isinstance(table, FileError):
            return ReadResult([], table, None, None)
        tables.append(table)
    return ReadResult(tables, None, None, None, template)


def _sheet_rows(ws) -> Iterable[list[str | None]]:
    ws.reset_dimensions()  # some writers store a wrong sheet size: read every cell there is
    for row in ws.iter_rows(values_only=True):
        yield [_cell_text(value) for value in row]


def _with_formulas(
    values: Iterable[list[str | None]], formulas: Iterable[list[str | None]]
) -> Iterable[list[str | None]]:
    """Each cell's value, or its formula's text where the formula has no value."""
    for row, written in zip(values, formulas, strict=False):
        yield [
            f if v is None and isinstance(f, str) and f.startswith("=") else v
            for v, f in zip(row, written, strict=False)
        ] + row[len(written) :]


def _has_content(ws: _Sheet) -> bool:
    return any(_cells(row).count(None) < len(row) for row in ws.rows())


def _cell_text(value: object) -> str | None:
    """A cell as the text a person reads in it, so numeric and text cells are treated alike."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # Shortest round-trip digits, never an exponent: 1e-05 would not parse as a number.
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- tables


def _cells(cells: Sequence[str | None]) -> list[str | None]:
    """The cells as typed, with blank ones (empty or whitespace only) as None."""
    return [cell if cell and not cell.isspace() else None for cell in cells]


def _table(
    sheet: str, records: Iterable[Sequence[str | None]], kind: str | None, template: bool = False
) -> Table | FileError:
    """The table of a CSV file or a sheet: its first non-blank row is the header.

    Row numbers count every record, blank ones included, so they are those a
    spreadsheet shows; a quoted cell spanning lines is still one row.
    """
    numbered = ((n, _cells(cells)) for n, cells in enumerate(records, start=1))
    body = [(n, values) for n, values in numbered if values.count(None) < len(values)]
    raw_header = [cell or "" for cell in body.pop(0)[1]] if body else []
    while raw_header and not raw_header[-1]:
        raw_header.pop()
    header = tuple(normalise_header(cell) for cell in raw_header)
    named = [(i, name) for i, name in enumerate(header) if name]
    seen: set[str] = set()
    for _, name in named:
        if name in _RESERVED:
            problem = N_(
                "column '{name}' is a name the pipeline uses itself; rename or remove that column."
            )
        elif name in seen:
            problem = N_(
                "column '{name}' appears twice in the header; keep one column of each name."
            )
        else:
            seen.add(name)
            continue
        return FileError(UNKNOWN_LAYOUT, in_sheet(sheet, Msg(problem, {"name": name})), sheet)
    if kind is None and seen & {"data_element", "measure_code"}:
        kind = "values" if "data_element" in seen else "measures"
    # Only the layout's columns are kept (SPEC §5). The first row with a cell in another
    # column names it, so the CSO hears once per table which column was not stored
    # (a KoboToolbox export's _id, a note beside the table), without its content kept.
    kept = frozenset(COLUMNS[kind]) if kind else _KNOWN
    width = len(header)
    # A template's column for people (each row's meaning) is not stored and not named;
    # its pre-filled rows left empty are no data rows (SPEC §11, lct_pipeline.templates).
    quiet = kept | frozenset(INFO_COLUMNS) if template else kept
    loose = [(i, _label(i, name)) for i, name in enumerate(header) if name not in quiet]
    empty = []
    if template:
        position = [(name, i) for i, name in enumerate(header) if name]

        def unreported(values: list[str | None]) -> bool:
            cells = {name: values[i] if i < len(values) else None for name, i in position}
            return left_empty(kind, cells)

        empty = [(n, values) for n, values in body if unreported(values)]
        body = [(n, values) for n, values in body if not unreported(values)]
    ignored: list[str | None] = []
    named_already: set[str] = set()
    for _, values in body:
        stray = [label for i, label in loose if i < len(values) and values[i] is not None]
        stray += [_label(i, "") for i in range(width, len(values)) if values[i] is not None]
        stray = [label for label in stray if label not in named_already]
        named_already.update(stray)
        ignored.append(", ".join(stray) or None)
        values[width:] = [None] * (width - len(values))  # pads short rows, cuts long ones
    stored = [(i, name) for i, name in named if name in kept]

    def frame_of(part: list[tuple[int, list[str | None]]], ignored: list[str | None]):
        # Built whole in one constructor: a file is tens of rows, and pandas' cost per
        # column added was most of reading one.
        cells = list(zip(*(values for _, values in part), strict=True)) or [()] * width
        data = {name: cells[i] for i, name in stored}
        data["_ignored"] = ignored
        frame = pd.DataFrame(data, columns=[*data], dtype=object)
        frame["row_number"] = np.array([number for number, _ in part], dtype="int64")
        return frame

    for _, values in empty:
        values[width:] = [None] * (width - len(values))
    unreported_rows = frame_of(empty, [None] * len(empty)) if template else None
    return Table(sheet, kind, tuple(raw_header), header, frame_of(body, ignored), unreported_rows)


def _label(index: int, name: str) -> str:
    """How a CSO finds a column that is not stored: its header, or its letter (``column L``)."""
    return f"'{name}'" if name else f"column {get_column_letter(index + 1)}"
