"""Fuzzing the reading layer: whatever bytes arrive, reading never raises, and a file is
either read into tables or rejected whole with a file-level reason."""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from lct_pipeline import reading
from lct_pipeline.contract import FILE_REASONS
from lct_pipeline.reading import read_bytes

HEADER = "org_code;period;data_element;sex;age_group;value;comment\r\n"
ROWS = "".join(
    f'CSO0{i % 9 + 1};2013Q1;VOT_ASSISTED;F;ADULT;{i};"bilješka {i}"\r\n' for i in range(30)
)
VALID_CSV = (HEADER + ROWS).encode("cp1250")


def _workbook_bytes() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "values"
    ws.append(["org_code", "period", "data_element", "value"])
    for i in range(20):
        ws.append(["CSO01", "2013Q1", "CONSULTATIONS_HELD", i])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


VALID_XLSX = _workbook_bytes()


def _assert_well_formed(result, data_rows_at_most: int | None = None) -> None:
    """The invariant: an error with a file-level reason, or tables whose rows are accounted."""
    if result.error is not None:
        assert result.error.reason_code in FILE_REASONS
        assert result.error.message
        return
    for table in result.tables:
        assert "row_number" in table.rows.columns
        numbers = table.rows["row_number"].tolist()
        assert numbers == sorted(set(numbers)) and all(n >= 2 for n in numbers)
        if data_rows_at_most is not None:
            assert len(table.rows) <= data_rows_at_most


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".csv", ".xlsx", ".CSV"]))
def test_arbitrary_bytes_never_raise(data, suffix):
    _assert_well_formed(read_bytes(data, suffix))


@settings(max_examples=200, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(VALID_CSV)))
def test_a_truncated_csv_keeps_every_complete_row_it_has(cut):
    result = read_bytes(VALID_CSV[:cut], ".csv")
    _assert_well_formed(result, data_rows_at_most=30)


@settings(max_examples=200, deadline=None)
@given(
    flips=st.lists(
        st.tuples(st.integers(0, len(VALID_CSV) - 1), st.integers(0, 255)), min_size=1, max_size=8
    )
)
def test_random_byte_changes_in_a_csv_never_raise(flips):
    data = bytearray(VALID_CSV)
    for position, value in flips:
        data[position] = value
    _assert_well_formed(read_bytes(bytes(data), ".csv"))


@settings(max_examples=60, deadline=None)
@given(
    cut=st.integers(min_value=0, max_value=len(VALID_XLSX)),
    flips=st.lists(st.tuples(st.integers(0, len(VALID_XLSX) - 1), st.integers(0, 255)), max_size=4),
)
def test_truncated_or_damaged_workbooks_never_raise(cut, flips):
    data = bytearray(VALID_XLSX[:cut])
    for position, value in flips:
        if position < len(data):
            data[position] = value
    _assert_well_formed(read_bytes(bytes(data), ".xlsx"))


@pytest.mark.parametrize(
    ("data", "suffix", "reason"),
    [
        (b"\x00" * 100, ".csv", "UNREADABLE_FILE"),
        (HEADER.encode() + b"CSO01;2013Q1;VOT\x00ASSISTED;F;ADULT;1\r\n", ".csv", None),
        (VALID_CSV.decode("cp1250").encode("latin-1", "replace") + b"\xe9\xe8\xe0", ".csv", None),
        (b"PK\x03\x04 this is not really a zip", ".xlsx", "UNREADABLE_FILE"),
        (VALID_CSV, ".xlsx", "UNREADABLE_FILE"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xlsx", "UNREADABLE_FILE"),
    ],
    ids=["nul-bytes", "nul-in-a-cell", "mixed-encodings", "not-a-zip", "csv-named-xlsx", "ole"],
)
def test_mutated_inputs_end_in_a_file_level_reason_or_are_read(data, suffix, reason):
    result = read_bytes(data, suffix)
    _assert_well_formed(result)
    if reason:
        assert result.error is not None and result.error.reason_code == reason


def test_unbalanced_quotes_do_not_swallow_the_file_silently():
    data = (HEADER + 'CSO01;2013Q1;VOT_ASSISTED;F;ADULT;1;"open quote\r\n' + ROWS).encode()
    result = read_bytes(data, ".csv")
    _assert_well_formed(result)
    if result.error is None:
        # The open quote runs to the end: the row is kept, its comment holds the rest.
        [table] = result.tables
        assert len(table.rows) >= 1
        assert table.rows["row_number"].iloc[0] == 2


def test_ten_thousand_columns_and_a_one_megabyte_cell_are_read():
    header = ["org_code", "period", "data_element", "value"] + [f"x{i}" for i in range(10_000)]
    row = ["CSO01", "2013Q1", "CONSULTATIONS_HELD", "3"] + [""] * 10_000
    big_comment = "č" * 1_000_000
    text = ",".join(header) + ",comment\n" + ",".join(row) + f",{big_comment}\n"
    result = read_bytes(text.encode("utf-8"), ".csv")
    assert result.error is None
    [table] = result.tables
    assert table.rows["comment"].iloc[0] == big_comment
    assert table.rows["value"].iloc[0] == "3"


def test_formulas_are_read_as_text_never_evaluated():
    text = HEADER + 'CSO01;2013Q1;VOT_ASSISTED;F;ADULT;=1+1;=HYPERLINK("x")\r\n'
    [table] = read_bytes(text.encode(), ".csv").tables
    assert table.rows["value"].iloc[0] == "=1+1"
    assert table.rows["comment"].iloc[0] == '=HYPERLINK("x")'


def test_a_zip_bomb_is_rejected_without_unpacking_it():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"0" * (1 << 20)
            for _ in range(60):
                member.write(chunk)
    assert len(buffer.getvalue()) < 1_000_000
    result = read_bytes(buffer.getvalue(), ".xlsx")
    assert result.error is not None
    assert result.error.reason_code == "UNREADABLE_FILE"
    assert "unpacks to 60 MB from 59 KB" in result.error.message


def test_an_xml_entity_bomb_in_a_workbook_is_not_expanded():
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    source = zipfile.ZipFile(io.BytesIO(VALID_XLSX))
    workbook_xml = source.read("xl/workbook.xml").decode()
    # The billion-laughs DTD goes first; the sheet name expands it if a parser lets it.
    bomb = f"<!DOCTYPE workbook [{entities}]>" + workbook_xml.split("?>", 1)[-1].replace(
        'name="values"', 'name="&lol9;"'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            content = bomb if item.filename == "xl/workbook.xml" else source.read(item.filename)
            archive.writestr(item, content)
    result = read_bytes(buffer.getvalue(), ".xlsx")
    assert result.error is not None
    assert result.error.reason_code == "UNREADABLE_FILE"


def test_an_xml_entity_bomb_in_a_sheet_is_not_expanded():
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    source = zipfile.ZipFile(io.BytesIO(VALID_XLSX))
    sheet = source.read("xl/worksheets/sheet1.xml").decode().split("?>", 1)[-1]
    assert '<c r="D2" t="n"><v>0</v></c>' in sheet
    # A text cell whose value expands to a billion "lol"s if a parser lets it.
    sheet = sheet.replace('<c r="D2" t="n"><v>0</v></c>', '<c r="D2" t="str"><v>&lol9;</v></c>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            bomb = f"<!DOCTYPE worksheet [{entities}]>{sheet}"
            content = bomb if item.filename.endswith("sheet1.xml") else source.read(item.filename)
            archive.writestr(item, content)
    result = read_bytes(buffer.getvalue(), ".xlsx")
    assert result.error is not None
    assert result.error.reason_code == "UNREADABLE_FILE"


def test_random_mutations_of_valid_files_with_a_fixed_seed():
    rng = random.Random(20131231)
    for _ in range(150):
        base = bytearray(rng.choice([VALID_CSV, VALID_XLSX]))
        for _ in range(rng.randint(1, 20)):
            operation = rng.choice(["flip", "delete", "insert", "nul", "quote"])
            position = rng.randrange(len(base))
            if operation == "flip":
                base[position] = rng.randrange(256)
            elif operation == "delete":
                del base[position : position + rng.randint(1, 50)]
            elif operation == "insert":
                base[position:position] = rng.randbytes(rng.randint(1, 50))
            elif operation == "nul":
                base[position:position] = b"\x00"
            else:
                base[position:position] = b'"'
            if not base:
                base = bytearray(b" ")
        _assert_well_formed(read_bytes(bytes(base), rng.choice([".csv", ".xlsx"])))


# What a CSO types into a cell: text in any script, with line breaks and tabs (no other
# control characters: XML 1.0 cannot hold them), whole and decimal numbers, dates,
# times, TRUE/FALSE, or nothing.
_TEXT = st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"], include_characters="\n\t")
_CELLS = st.one_of(
    st.none(),
    st.text(_TEXT, max_size=30),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.times().map(lambda moment: moment.replace(microsecond=0)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cells=st.lists(st.lists(_CELLS, min_size=1, max_size=6), min_size=1, max_size=8),
    top=st.integers(min_value=1, max_value=4),
    left=st.integers(min_value=1, max_value=3),
)
def test_both_workbook_readers_read_every_cell_alike(cells, top, left):
    """python-calamine reads workbooks; openpyxl reads those with cells calamine leaves
    empty (errors, formulas never calculated). A CSO's file must read the same, cell for
    cell and row for row, whichever reads it: a table placed anywhere on the sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "values"
    header = ["org_code", "period", "data_element", "value", "comment", "sex"]
    for j, name in enumerate(header):
        ws.cell(top, left + j, name)
    for i, row in enumerate(cells, start=top + 1):
        for j, value in enumerate(row):
            if isinstance(value, str) and value[:1] in "=#":
                value = "'" + value  # a formula or an error code is another test's case
            ws.cell(i, left + j, value)
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    assert not reading._has_unshown_cells(data)
    fast = read_bytes(data, ".xlsx")
    slow = reading._read_sheets(
        reading._openpyxl_sheets(
            *(
                openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=only)
                for only in (True, False)
            )
        )
    )
    assert fast.error == slow.error
    assert [t.raw_header for t in fast.tables] == [t.raw_header for t in slow.tables]
    for a, b in zip(fast.tables, slow.tables, strict=True):
        pd.testing.assert_frame_equal(a.rows, b.rows)
