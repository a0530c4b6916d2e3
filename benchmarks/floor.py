"""The floor of issue 7: read and parse every inbox file with the fastest readers, then
insert every row into a fresh SQLite file in one bulk insert. Prints one JSON line.

Standalone (no project import) so it can run in any Python that has pyarrow and
python-calamine (neither is a dependency of the project); without pyarrow it falls back
to the standard library's ``csv``, without python-calamine to openpyxl, and says so.

    python benchmarks/floor.py INBOX SCRATCH_DIR
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sqlite3
import sys
import time
import warnings
from pathlib import Path

try:
    from pyarrow import csv as pacsv
except ImportError:  # the standard library's reader, a slower floor
    pacsv = None
try:  # Rust's calamine reads XLSX about twice as fast as openpyxl's read-only mode
    from python_calamine import CalamineWorkbook
except ImportError:
    CalamineWorkbook = None


def _text(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1250", "replace")


def _delimiter(text: str) -> str:
    header = text[: text.find("\n")] if "\n" in text else text
    return max(",;\t", key=header.count)


def floor_read(files: list[Path]) -> tuple[list[list], int]:
    """Every file's rows (lists of cells) with the fastest readers; (rows, unread files)."""
    rows: list[list] = []
    unread = 0
    for path in files:
        data = path.read_bytes()
        try:
            if path.suffix.lower() == ".xlsx" and CalamineWorkbook is not None:
                book = CalamineWorkbook.from_filelike(io.BytesIO(data))
                for name in book.sheet_names:
                    rows.extend(book.get_sheet_by_name(name).to_python(skip_empty_area=True)[1:])
                book.close()
                continue
            if path.suffix.lower() == ".xlsx":
                import openpyxl  # only without python-calamine: the floor's Python needs neither

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
                    for sheet in book.worksheets:
                        rows.extend(list(r) for r in sheet.iter_rows(min_row=2, values_only=True))
                    book.close()
                continue
            text = _text(data)
            if pacsv is None:
                records = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
                rows.extend(list(records)[1:])
                continue
            table = pacsv.read_csv(
                io.BytesIO(text.encode("utf-8")),
                parse_options=pacsv.ParseOptions(
                    delimiter=_delimiter(text), invalid_row_handler=lambda _row: "skip"
                ),
                convert_options=pacsv.ConvertOptions(strings_can_be_null=True),
            )
            columns = [column.to_pylist() for column in table.columns]
            rows.extend(map(list, zip(*columns, strict=True)))
        except Exception:  # deliberately broken files: the pipeline rejects them too
            unread += 1
    return rows, unread


def floor_insert(rows: list[list], folder: Path) -> None:
    """One bulk insert of ``rows`` (as text, padded to 12 columns) into a fresh SQLite file."""
    width = 12
    path = folder / "floor.sqlite"
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE TABLE raw ({', '.join(f'c{i} TEXT' for i in range(width))})")
    marks = ", ".join("?" * width)

    def padded():
        for row in rows:
            cells = [None if c is None else str(c) for c in row[:width]]
            yield cells + [None] * (width - len(cells))

    with conn:
        conn.executemany(f"INSERT INTO raw VALUES ({marks})", padded())
    conn.close()


def main() -> int:
    inbox, scratch = Path(sys.argv[1]), Path(sys.argv[2])
    files = sorted(p for p in inbox.rglob("*") if p.suffix.lower() in (".csv", ".xlsx"))
    started = time.perf_counter()
    rows, unread = floor_read(files)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    floor_insert(rows, scratch)
    insert_s = time.perf_counter() - started
    reader = "pyarrow" if pacsv is not None else "csv"
    reader += "+calamine" if CalamineWorkbook is not None else "+openpyxl"
    result = {"read_s": read_s, "insert_s": insert_s, "rows": len(rows), "unread": unread}
    print(json.dumps(result | {"reader": reader}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
