"""Text from CSOs' files never runs as a formula in Excel or LibreOffice (CSV injection)."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import openpyxl
import pytest
from test_extracts_scenario import RUN, hand_inputs

from lct_pipeline.extracts import ExtractInputs, quarter_scope, render_extract, render_public


@pytest.fixture(scope="module")
def files(reference):
    inputs = hand_inputs(reference)
    # A network officer's typo in the catalogue, and an area name from the warehouse.
    indicators = dict(reference.indicators)
    indicators["IND01"] = dataclasses.replace(indicators["IND01"], name="=2+5 persons consulted")
    edited = dataclasses.replace(reference, indicators=indicators)
    values = inputs.indicator_values.copy()
    values.loc[values["area_code"] == "M-NSA", "area_name"] = "-Novi Sad"
    rejections = inputs.rejections.copy()
    row = ["s3", "2013Q1/cso03.xlsx", "values", 11, "comment", "bad\x01byte", "NOT_A_NUMBER", "?"]
    rejections.loc[len(rejections)] = row
    inputs = ExtractInputs(
        values, inputs.reporting_completeness, rejections, inputs.warnings, inputs.submissions
    )
    scope = quarter_scope("2013Q1")
    return (
        render_extract(inputs, scope, edited, RUN).files
        | render_public(inputs, scope, edited, RUN).files
    )


def _cell(book, sheet: str, text: str):
    """The first cell holding ``text`` (an area name is on many rows)."""
    return next(c for row in book[sheet].iter_rows() for c in row if c.value == text)


@pytest.mark.parametrize(
    ("sheet", "text"),
    [
        ("rejections", "=1+1"),
        ("rejections", "-2+3"),
        ("rejections", '=HYPERLINK("http://x.test")'),
        ("rejections", "@SUM(A1) value is missing"),
        ("rejections", "+cmd column(s) ime look like personal data"),
        ("warnings", "@SUM(A1)"),
        ("warnings", "\tvalue 480 is far above earlier quarters"),
        ("indicators", "=2+5 persons consulted"),
        ("indicators", "-Novi Sad"),
    ],
)
def test_formula_like_text_is_a_string_cell_with_quote_prefix(files, sheet, text):
    book = openpyxl.load_workbook(io.BytesIO(files["lct_2013Q1_internal.xlsx"]))
    cell = _cell(book, sheet, text)
    assert (cell.data_type, cell.quotePrefix) == ("s", True)


def test_public_workbook_keeps_formula_like_names_as_text(files):
    book = openpyxl.load_workbook(io.BytesIO(files["lct_2013Q1_public.xlsx"]))
    for text in ("=2+5 persons consulted", "-Novi Sad"):
        cells = [c for row in book["indicators"].iter_rows() for c in row if c.value == text]
        assert cells and {(c.data_type, c.quotePrefix) for c in cells} == {("s", True)}


def test_no_workbook_holds_a_formula(files):
    for name in ("lct_2013Q1_internal.xlsx", "lct_2013Q1_public.xlsx"):
        with zipfile.ZipFile(io.BytesIO(files[name])) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
            assert sheets
            for sheet in sheets:
                assert b"<f>" not in archive.read(sheet), f"{name} {sheet}"
        book = openpyxl.load_workbook(io.BytesIO(files[name]))
        types = {c.data_type for ws in book for row in ws.iter_rows() for c in row}
        assert "f" not in types


def test_plain_text_and_numbers_are_not_prefixed(files):
    book = openpyxl.load_workbook(io.BytesIO(files["lct_2013Q1_internal.xlsx"]))
    cell = _cell(book, "rejections", "value '=1+1' is not a number")
    assert (cell.data_type, cell.quotePrefix) == ("s", False)
    assert book["rejections"]["E3"].value == 4 and book["rejections"]["E3"].data_type == "n"


def test_csv_cells_that_look_like_formulas_start_with_a_quote(files):
    rejections = files["lct_2013Q1_internal_rejections.csv"].decode("utf-8-sig").split("\r\n")
    assert rejections[2] == (
        "CSO03,2013Q1,2013Q1/cso03.xlsx,values,4,value,'=1+1,NOT_A_NUMBER,"
        "value '=1+1' is not a number,s3"
    )
    assert rejections[3].split(",")[6] == "'-2+3"
    assert rejections[4] == (
        'CSO03,2013Q1,2013Q1/cso03.xlsx,values,9,comment,"\'=HYPERLINK(""http://x.test"")",'
        "MISSING_VALUE,'@SUM(A1) value is missing,s3"
    )
    assert rejections[1].endswith(",PERSONAL_DATA,'+cmd column(s) ime look like personal data,s9")
    warnings = files["lct_2013Q1_internal_warnings.csv"].decode("utf-8-sig").split("\r\n")
    assert warnings[1].split(",")[6:9] == [
        "'@SUM(A1)", "OUTLIER", "'\tvalue 480 is far above earlier quarters"
    ]  # fmt: skip
    public = files["lct_2013Q1_public_indicators.csv"].decode("utf-8-sig")
    assert "IND01,'=2+5 persons consulted,2013Q1,Q,MUNICIPALITY,M-NSA,'-Novi Sad,TOTAL" in public


def test_characters_a_workbook_cannot_store_are_replaced_not_fatal(files):
    book = openpyxl.load_workbook(io.BytesIO(files["lct_2013Q1_internal.xlsx"]))
    assert _cell(book, "rejections", "bad\ufffdbyte").row == 6
