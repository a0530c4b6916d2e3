"""Reading real CSV and XLSX files (SPEC §3.2): every test writes a file and reads it back."""

from __future__ import annotations

import codecs
import random
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from lct_pipeline.normalise import parse_numbers
from lct_pipeline.reading import ReadResult, Table, discover, read_bytes, read_submission

LATIN = "Čačak, Šabac, Niš: ćevapi, šuma, žena, đak — Đurđa Žaklina Ćirić"
CYRILLIC = "Локална мрежа Чачак: ђак, љубав, њива, ћерка, џеп — ЂУРЂА ЖЕНА"
HEADER = "org_code,period,data_element,sex,value,comment"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _read_csv(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "f.csv"):
    result = read_submission(_write(tmp_path, name, text.encode(encoding)))
    assert result.error is None, result.error
    assert len(result.tables) == 1
    return result, result.tables[0]


def _records(table: Table) -> list[dict]:
    return table.rows.to_dict("records")


def _save(tmp_path: Path, workbook: openpyxl.Workbook, name: str = "f.xlsx") -> ReadResult:
    path = tmp_path / name
    workbook.save(path)
    return read_submission(path)


# --------------------------------------------------------------------------- encodings


def test_utf8_without_bom_keeps_latin_and_cyrillic(tmp_path):
    text = (
        f'{HEADER}\nCSO08,2013Q1,VOT_ASSISTED,Ž,3,"{LATIN}"\n'
        f'CSO12,2013Q1,VOT_ASSISTED,F,1,"{CYRILLIC}"\n'
    )
    result, table = _read_csv(tmp_path, text)
    assert (result.encoding, result.delimiter) == ("utf-8", ",")
    assert table.rows["comment"].tolist() == [LATIN, CYRILLIC]
    assert table.rows["sex"].tolist() == ["Ž", "F"]


def test_utf8_with_bom_does_not_leak_into_the_first_header(tmp_path):
    text = f'\ufeff{HEADER}\nCSO01,2013Q1,VOT_ASSISTED,F,2,"{LATIN}"\n'
    result, table = _read_csv(tmp_path, text)
    assert result.encoding == "utf-8-sig"
    assert table.raw_header[0] == "org_code"
    assert table.rows["org_code"].tolist() == ["CSO01"]
    assert table.rows["comment"].tolist() == [LATIN]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom_tab_separated_as_excel_unicode_text(tmp_path, codec):
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    text = f"{HEADER.replace(',', chr(9))}\r\nCSO01\t2013Q1\tVOT_ASSISTED\tF\t2\t{LATIN}\r\n"
    text += f"CSO12\t2013Q1\tVOT_ASSISTED\tM\t1\t{CYRILLIC}\r\n"
    result = read_submission(_write(tmp_path, "unicode.csv", bom + text.encode(codec)))
    assert (result.error, result.encoding, result.delimiter) == (None, "utf-16", "\t")
    table = result.tables[0]
    assert table.header == tuple(HEADER.split(","))
    assert table.rows["comment"].tolist() == [LATIN, CYRILLIC]
    assert table.rows["row_number"].tolist() == [2, 3]


def test_cp1250_semicolons_and_decimal_commas(tmp_path):
    title = "Obuka stručnjaka č ć š ž đ Č Ć Š Ž Đ"
    text = (
        "org_code;period;plan_code;measure_code;measure_title;status;"
        "planned_budget_eur;spent_budget_eur;due_period\r\n"
        f"CSO11;2013Q2;LAP-SAB-2012;M1;{title};IN_PROGRESS;1.234,50;12,5;2013Q4\r\n"
        "CSO11;2013Q2;LAP-SAB-2012;M2;Savetovanje žrtava;COMPLETED;800;799,99;2013Q2\r\n"
    )
    result, table = _read_csv(tmp_path, text, "cp1250", "excel_latin.csv")
    assert (result.encoding, result.delimiter) == ("cp1250", ";")
    assert table.record_type == "measures"
    assert table.rows["measure_title"].tolist() == [title, "Savetovanje žrtava"]
    assert table.rows["planned_budget_eur"].tolist() == ["1.234,50", "800"]
    assert parse_numbers(table.rows["planned_budget_eur"]).tolist() == [1234.5, 800.0]
    assert parse_numbers(table.rows["spent_budget_eur"]).tolist() == [12.5, 799.99]


def test_cp1251_cyrillic(tmp_path):
    text = (
        "org_code;period;data_element;value;comment\r\n"
        f"CSO12;2013Q1;VOT_ASSISTED;4;{CYRILLIC}\r\n"
        "CSO13;2013Q1;NETWORK_MEETINGS;2;састанак у општини\r\n"
    )
    result, table = _read_csv(tmp_path, text, "cp1251", "excel_cyrillic.csv")
    assert (result.encoding, result.delimiter) == ("cp1251", ";")
    assert table.rows["comment"].tolist() == [CYRILLIC, "састанак у општини"]


@pytest.mark.parametrize(
    ("comment", "encoding"),
    [
        ("Ž", "cp1250"),  # a lone Latin letter (the sex alias) is enough
        ("budžet 100 €", "cp1250"),
        ("100 €", "cp1250"),  # only a symbol: € is a letter (Ђ) in cp1251
        ("obuka za Müller i Šarić, žrtve, ćaskanje, đaci", "cp1250"),  # a foreign name is fine
        ("№ 5 у Нишу", "cp1251"),
    ],
)
def test_code_page_detection_on_short_texts(tmp_path, comment, encoding):
    text = f"org_code;period;data_element;value;comment\nCSO01;2013Q1;VOT_ASSISTED;1;{comment}\n"
    result, table = _read_csv(tmp_path, text, encoding)
    assert result.encoding == encoding
    assert table.rows["comment"].tolist() == [comment]


@pytest.mark.parametrize(
    "data",
    [
        "Société générale à Paris, café crème, fenêtre, garçon\n".encode("latin-1") * 3,
        "Größe;Straße;Müller;Übung;Köln\n".encode("latin-1"),
        f"{HEADER}\nCSO01,2013Q1,X,F,1,žena\n".encode()
        + "CSO01,2013Q1,X,F,1,šuma\n".encode("cp1250"),
    ],
    ids=["french-latin1", "german-latin1", "mixed-utf8-and-cp1250"],
)
def test_other_encodings_are_refused_not_guessed(tmp_path, data):
    result = read_submission(_write(tmp_path, "foreign.csv", data))
    assert result.error is not None
    assert result.error.reason_code == "UNREADABLE_FILE"
    assert "Windows-1250" in result.error.message and "UTF-16" in result.error.message
    assert result.tables == []


def test_a_file_mixing_two_encodings_names_the_lines_of_each(tmp_path):
    data = (f"{HEADER}\nCSO01,2013Q1,X,F,1,žena\n".encode()
            + "CSO01,2013Q1,X,F,1,šuma\n".encode("cp1250"))  # fmt: skip
    result = read_submission(_write(tmp_path, "mixed.csv", data))
    assert result.error.reason_code == "UNREADABLE_FILE"
    assert result.error.message.startswith(
        "The file mixes two text encodings: line 2 is UTF-8 and line 3 is not"
    )


def test_windows_1250_bytes_that_happen_to_form_utf8_are_not_a_mixed_file(tmp_path):
    # "Đž" in Windows-1250 is a valid UTF-8 "О" (Cyrillic) inside a Latin word.
    data = f"{HEADER}\nCSO01,2013Q1,X,F,1,Đžemal\nCSO01,2013Q1,X,F,1,šuma\n".encode("cp1250")
    _, table = _read_csv(tmp_path, data.decode("cp1250"), "cp1250")
    assert table.rows["comment"].tolist() == ["Đžemal", "šuma"]


# --------------------------------------------------------------------------- CSV structure


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_each_delimiter_is_detected(tmp_path, delimiter):
    # The quoted comment holds the other delimiters: only the header decides.
    row = ["CSO01", "2013Q1", "VOT_ASSISTED", "F", "3", '"a,b;c"']
    lines = [HEADER.replace(",", delimiter), delimiter.join(row)]
    result, table = _read_csv(tmp_path, "\n".join(lines) + "\n")
    assert result.delimiter == delimiter
    assert table.header == tuple(HEADER.split(","))
    assert _records(table) == [
        {
            "org_code": "CSO01",
            "period": "2013Q1",
            "data_element": "VOT_ASSISTED",
            "sex": "F",
            "value": "3",
            "comment": "a,b;c",
            "_ignored": None,
            "row_number": 2,
        }
    ]


def test_kobo_export_quoted_fields_crlf(tmp_path):
    text = (
        '"org_code";"period";"data_element";"value";"comment"\r\n'
        '"CSO03";"2013Q1";"NETWORK_MEETINGS";"2";"sastanak; ""hitno""\r\ndrugi red"\r\n'
        '"CSO03";"2013Q1";"CONSULTATIONS_HELD";"12,5";""\r\n'
    )
    result, table = _read_csv(tmp_path, text, name="kobo.csv")
    assert (result.encoding, result.delimiter) == ("utf-8", ";")
    assert table.rows["comment"].tolist() == ['sastanak; "hitno"\r\ndrugi red', None]
    assert table.rows["value"].tolist() == ["2", "12,5"]
    # The quoted line break does not shift the numbering: the record is one spreadsheet row.
    assert table.rows["row_number"].tolist() == [2, 3]


def test_header_case_and_space_variants(tmp_path):
    text = " ORG_CODE ;Period;Data Element;VALUE;vulnerable-group\nCSO01;2013Q1;X;1;RURAL\n"
    _, table = _read_csv(tmp_path, text)
    assert table.raw_header == (" ORG_CODE ", "Period", "Data Element", "VALUE", "vulnerable-group")
    assert table.header == ("org_code", "period", "data_element", "value", "vulnerable_group")
    assert table.record_type == "values"
    assert list(table.rows.columns) == [*table.header, "_ignored", "row_number"]


def test_row_numbers_skip_blank_rows_without_renumbering(tmp_path):
    text = f"{HEADER}\nCSO01,2013Q1,A,F,1,\n\n ,  ,\t,,,\nCSO01,2013Q1,B,M,2,\n,,,,,\n"
    _, table = _read_csv(tmp_path, text)
    assert table.rows["data_element"].tolist() == ["A", "B"]
    assert table.rows["row_number"].tolist() == [2, 5]
    assert table.rows["row_number"].dtype == "int64"


def test_cells_kept_as_typed_blank_is_none_and_cells_not_kept_are_named(tmp_path):
    text = "org_code;;period;data_element;value\n CSO01 ;hidden;2013Q1;   ;7;x; ;y\nCSO02\n"
    _, table = _read_csv(tmp_path, text)
    assert table.header == ("org_code", "", "period", "data_element", "value")
    first, short = _records(table)
    assert first["org_code"] == " CSO01 "  # not stripped: the raw value is quoted back
    assert first["data_element"] is None
    # Under an empty header cell (B) and beyond the header (F, H): named, not kept.
    assert first["_ignored"] == "column B, column F, column H"
    assert short == {
        "org_code": "CSO02",
        "period": None,
        "data_element": None,
        "value": None,
        "_ignored": None,
        "row_number": 3,
    }
    assert all(table.rows[c].dtype == object for c in table.rows.columns if c != "row_number")


def test_record_type_comes_from_the_header(tmp_path):
    _, values = _read_csv(tmp_path, "Data_Element,value\nX,1\n", name="v.csv")
    _, measures = _read_csv(tmp_path, "measure_code,status\nM1,DELAYED\n", name="m.csv")
    _, unknown = _read_csv(tmp_path, "what,ever\n1,2\n", name="u.csv")
    assert (values.record_type, measures.record_type, unknown.record_type) == (
        "values",
        "measures",
        None,
    )


def test_reserved_header_name_is_unknown_layout(tmp_path):
    result = read_submission(_write(tmp_path, "r.csv", b"Row Number,data_element,value\n1,X,2\n"))
    assert result.error.reason_code == "UNKNOWN_LAYOUT"
    assert "column 'row_number'" in result.error.message


def test_duplicate_header_is_unknown_layout(tmp_path):
    result = read_submission(_write(tmp_path, "d.csv", b"org_code,Value,data_element, VALUE\n"))
    assert result.error.reason_code == "UNKNOWN_LAYOUT"
    assert "column 'value' appears twice" in result.error.message


@pytest.mark.parametrize(
    "data",
    [b"", b"\n\r\n  \n", codecs.BOM_UTF8, b";;;;\r\n;;;;\r\n;;;;\r\n", b",,,\n,,,\n", b"\t\t\n"],
)
def test_empty_file_is_a_table_without_header_or_rows(tmp_path, data):
    result = read_submission(_write(tmp_path, "empty.csv", data))
    assert result.error is None
    (table,) = result.tables
    assert (table.header, table.record_type, len(table.rows)) == ((), None, 0)


def test_header_only_file_has_zero_rows(tmp_path):
    _, table = _read_csv(tmp_path, HEADER + "\r\n")
    assert table.record_type == "values"
    assert len(table.rows) == 0
    assert list(table.rows.columns) == [*HEADER.split(","), "_ignored", "row_number"]


# --------------------------------------------------------------------------- unreadable


def test_binary_junk_csv_is_unreadable(tmp_path):
    rng = random.Random(7)
    junk = bytes(rng.randrange(256) for _ in range(4000))
    result = read_submission(_write(tmp_path, "junk.csv", junk))
    assert result.error.reason_code == "UNREADABLE_FILE"
    assert result.tables == []


def test_workbook_named_csv_is_unreadable(tmp_path):
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "book.xlsx")
    data = (tmp_path / "book.xlsx").read_bytes()
    result = read_submission(_write(tmp_path, "book.csv", data))
    assert result.error.reason_code == "UNREADABLE_FILE"
    assert "rename it to .xlsx" in result.error.message


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (f"{HEADER}\nCSO01,2013Q1,X,F,1,\n".encode(), "not an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "password-protected"),
        (b"PK\x03\x04 truncated zip", "not an Excel workbook"),
    ],
    ids=["text", "encrypted-or-xls", "broken-zip"],
)
def test_non_workbook_xlsx_is_unreadable(tmp_path, data, words):
    result = read_submission(_write(tmp_path, "bad.xlsx", data))
    assert result.error.reason_code == "UNREADABLE_FILE"
    assert words in result.error.message


def test_corrupt_zip_workbook_is_unreadable(tmp_path):
    with zipfile.ZipFile(tmp_path / "corrupt.xlsx", "w") as archive:
        archive.writestr("[Content_Types].xml", "<not xml")
    result = read_submission(tmp_path / "corrupt.xlsx")
    assert result.error.reason_code == "UNREADABLE_FILE"


def test_missing_file_and_other_suffix_are_unreadable(tmp_path):
    assert read_submission(tmp_path / "gone.csv").error.reason_code == "UNREADABLE_FILE"
    assert read_bytes(b"a,b\n", ".txt").error.reason_code == "UNREADABLE_FILE"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_random_bytes_never_raise(suffix):
    rng = random.Random(42)
    seeds = [b"", b"PK\x03\x04", codecs.BOM_UTF16_LE, codecs.BOM_UTF8, HEADER.encode()]
    for _ in range(200):
        data = rng.choice(seeds) + bytes(rng.randrange(256) for _ in range(rng.randrange(300)))
        result = read_bytes(data, suffix)
        assert isinstance(result, ReadResult)
        assert (result.error is None) != (result.tables == [])


# --------------------------------------------------------------------------- XLSX


def test_xlsx_named_sheets_are_read_and_others_ignored(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["anything", "goes"])
    values = wb.create_sheet("Values")
    values.append(["Org Code", "PERIOD", "data_element", "sex", "value", "comment"])
    values.append(["CSO08", "2013Q1", "VOT_ASSISTED", "Ž", 3, LATIN])
    values.append(["CSO08", "2013Q1", "VOT_IDENTIFIED", "F", "4", CYRILLIC])
    measures = wb.create_sheet(" MEASURES ")
    measures.append(["org_code", "measure_code", "planned_budget_eur", "due_period"])
    measures.append(["CSO08", "M1", 1234.5, "2013Q4"])
    result = _save(tmp_path, wb)
    assert (result.error, result.encoding, result.delimiter) == (None, None, None)
    assert [(t.sheet, t.record_type) for t in result.tables] == [
        ("Values", "values"),
        (" MEASURES ", "measures"),
    ]
    values_table, measures_table = result.tables
    assert values_table.raw_header[:2] == ("Org Code", "PERIOD")
    assert values_table.rows["comment"].tolist() == [LATIN, CYRILLIC]
    assert values_table.rows["value"].tolist() == ["3", "4"]
    assert values_table.rows["row_number"].tolist() == [2, 3]
    assert measures_table.rows["planned_budget_eur"].tolist() == ["1234.5"]


def test_xlsx_single_unnamed_sheet_is_read_by_its_header(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(["org_code", "period", "plan_code", "measure_code", "status"])
    wb.active.append(["CSO05", "2013Q2", "LAP-PAN-2012", "M7", "DELAYED"])
    result = _save(tmp_path, wb)
    (table,) = result.tables
    assert (table.sheet, table.record_type) == ("Sheet1", "measures")
    assert table.rows["measure_code"].tolist() == ["M7"]


def test_xlsx_numeric_and_other_cells_become_text(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    # Columns of the layout carry the cells (the others are not kept): a boolean in
    # comment, dates and times in period, small and negative numbers in sex.
    ws.append(["data_element", "value", "comment", "period", "sex"])
    ws.append(["A", 12, True, date(2013, 3, 31), 0.00001])
    ws.append(["B", 12.0, False, datetime(2013, 3, 31, 14, 5), 1 / 3])
    ws.append(["C", 12.5, "  ", datetime(2013, 4, 1), -3])
    table = _save(tmp_path, wb).tables[0]
    rows = table.rows
    assert rows["value"].tolist() == ["12", "12", "12.5"]
    assert rows["comment"].tolist() == ["TRUE", "FALSE", None]
    assert rows["period"].tolist() == ["2013-03-31", "2013-03-31T14:05:00", "2013-04-01"]
    assert rows["sex"].tolist() == ["0.00001", "0.3333333333333333", "-3"]
    assert parse_numbers(rows["value"]).tolist() == [12.0, 12.0, 12.5]


def test_xlsx_row_numbers_and_cells_beyond_the_header(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["org_code", "data_element", "value"])
    ws.append(["CSO01", "A", 1])
    ws["A4"] = "   "  # whitespace only: a blank row
    ws["A6"], ws["C6"], ws["E6"] = "CSO01", 2, "note beside the table"
    table = _save(tmp_path, wb).tables[0]
    assert table.rows["row_number"].tolist() == [2, 6]
    assert table.rows["_ignored"].tolist() == [None, "column E"]
    assert table.rows["data_element"].tolist() == ["A", None]


def test_xlsx_several_unnamed_sheets_is_unknown_layout(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Q1"
    wb.active.append(["data_element", "value"])
    wb.create_sheet("Q2").append(["data_element", "value"])
    wb.create_sheet("Empty")
    result = _save(tmp_path, wb)
    assert result.error.reason_code == "UNKNOWN_LAYOUT"
    assert "'Q1'" in result.error.message and "'Q2'" in result.error.message
    assert "'values'" in result.error.message
    assert result.tables == []


def test_a_hidden_lookup_sheet_does_not_hide_the_data_sheet_nor_appear_in_a_message(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Podaci"
    wb.active.append(["org_code", "data_element", "value"])
    wb.active.append(["CSO01", "NETWORK_MEETINGS", 2])
    lookup = wb.create_sheet("sifarnik")
    lookup.append(["code", "label"])
    lookup.sheet_state = "hidden"
    (table,) = _save(tmp_path, wb).tables
    assert (table.sheet, table.rows["value"].tolist()) == ("Podaci", ["2"])
    wb.create_sheet("Q2").append(["data_element", "value"])
    result = _save(tmp_path, wb, "two.xlsx")
    assert result.error.reason_code == "UNKNOWN_LAYOUT"
    assert "'Podaci', 'Q2'" in result.error.message and "sifarnik" not in result.error.message


def test_a_formula_no_program_calculated_is_read_as_its_text(tmp_path):
    # openpyxl writes formulas without a value, as scripts that fill templates do.
    wb = openpyxl.Workbook()
    wb.active.title = "values"
    wb.active.append(["org_code", "period", "data_element", "value"])
    wb.active.append(["CSO01", "2013Q1", "NETWORK_MEETINGS", "=SUM(1,2)"])
    wb.active.append(["CSO01", "2013Q1", "CONSULTATIONS_HELD", 4])
    (table,) = _save(tmp_path, wb).tables
    assert table.rows["value"].tolist() == ["=SUM(1,2)", "4"]


def test_an_error_cell_is_read_as_its_text(tmp_path):
    # What Excel shows in the cell (#DIV/0!, #REF!), so the CSO's feedback quotes it.
    wb = openpyxl.Workbook()
    wb.active.title = "values"
    wb.active.append(["org_code", "period", "data_element", "value"])
    wb.active.append(["CSO01", "2013Q1", "NETWORK_MEETINGS", "#DIV/0!"])
    wb.active.append(["CSO01", "2013Q1", "CONSULTATIONS_HELD", "#REF!"])
    wb.active.append(["CSO01", "2013Q1", "VOT_ASSISTED", 3])
    (table,) = _save(tmp_path, wb).tables
    assert table.rows["value"].tolist() == ["#DIV/0!", "#REF!", "3"]
    assert table.rows["row_number"].tolist() == [2, 3, 4]


def test_xlsx_empty_extra_sheets_do_not_hide_the_data_sheet(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.create_sheet("Sheet2").append(["data_element", "value"])
    wb["Sheet2"].append(["X", 5])
    wb.create_sheet("Sheet3")
    (table,) = _save(tmp_path, wb).tables
    assert (table.sheet, table.record_type, table.rows["value"].tolist()) == (
        "Sheet2",
        "values",
        ["5"],
    )


def test_xlsx_duplicate_header_names_the_sheet(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "values"
    wb.active.append(["data_element", "Value", "value "])
    result = _save(tmp_path, wb)
    assert (result.error.reason_code, result.error.sheet) == ("UNKNOWN_LAYOUT", "values")
    assert "sheet 'values'" in result.error.message
    assert "column 'value' appears twice" in result.error.message


def test_xlsx_file_is_closed_after_reading(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["data_element", "value"])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    read_submission(path)
    path.unlink()  # would fail on Windows if the workbook were left open
    assert not path.exists()


# --------------------------------------------------------------------------- discover


def test_discover_finds_submissions_and_lists_ignored_files(tmp_path):
    inbox = tmp_path / "inbox"
    for name in [
        "2013Q1/cso12.csv",
        "2013Q1/CSO01.XLSX",
        "a.Csv",
        "2013Q2/deep/x.xlsx",
        "readme.txt",
        "2013Q1/~$CSO01.xlsx",
        ".hidden.csv",
        ".sync/old.csv",
        "old.xls",
        "data.csv.bak",
    ]:
        _write(inbox, name, b"x")
    (inbox / "empty_folder.csv").mkdir()
    submissions, ignored = discover(inbox)

    def rel(paths):
        return [p.relative_to(inbox).as_posix() for p in paths]

    assert rel(submissions) == [
        "2013Q1/CSO01.XLSX",
        "2013Q1/cso12.csv",
        "2013Q2/deep/x.xlsx",
        "a.Csv",
    ]
    assert rel(ignored) == [
        ".hidden.csv",
        ".sync/old.csv",
        "2013Q1/~$CSO01.xlsx",
        "data.csv.bak",
        "old.xls",
        "readme.txt",
    ]


def test_discover_on_empty_inbox(tmp_path):
    assert discover(tmp_path) == ([], [])


def test_read_bytes_matches_read_submission(tmp_path):
    data = f"{HEADER}\nCSO01,2013Q1,X,F,1,{LATIN}\n".encode("cp1250")
    from_file = read_submission(_write(tmp_path, "f.csv", data))
    from_bytes = read_bytes(data, ".CSV")
    assert (from_file.encoding, from_file.delimiter) == (from_bytes.encoding, from_bytes.delimiter)
    pd.testing.assert_frame_equal(from_file.tables[0].rows, from_bytes.tables[0].rows)
