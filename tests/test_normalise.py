"""Headers, codes and the number forms of SPEC §3.2."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lct_pipeline.normalise import (
    normalise_code,
    normalise_codes,
    normalise_header,
    not_ascii,
    parse_number,
    parse_numbers,
)

NBSP, NNBSP, BOM = "\u00a0", "\u202f", "\ufeff"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Data Element", "data_element"),
        (" ORG_CODE ", "org_code"),
        ("org_code", "org_code"),
        (f"{BOM}org_code", "org_code"),
        (f"{NBSP}Value{NBSP}", "value"),
        ("Age-Group", "age_group"),
        ("vulnerable  -  group", "vulnerable_group"),
        ("Planned\tBudget EUR", "planned_budget_eur"),
        ("DATUM ROĐENJA", "datum_rođenja"),
        ("Z\u030c", "ž"),  # decomposed Ž (macOS) equals the composed one
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_normalise_header(raw, expected):
    assert normalise_header(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" cso01 ", "CSO01"),
        ("Vot_Assisted", "VOT_ASSISTED"),
        (f"{NBSP}f{BOM}", "F"),
        ("ž", "Ž"),
        ("Z\u030c", "Ž"),  # Z + combining caron, as macOS types it
        ("ＣＳＯ０１", "CSO01"),
        ("СSO01", "СSO01"),  # a Cyrillic С is not folded into a Latin C: it is named
        ("", None),
        (" \t ", None),
        (None, None),
        (float("nan"), None),
        (pd.NA, None),
    ],
)
def test_normalise_code(raw, expected):
    assert normalise_code(raw) == expected


def test_normalise_codes_matches_scalar_and_keeps_index():
    raw = [" cso01", "CSO01 ", "", None, "m", "ž", np.nan, "  ", pd.NA]
    series = pd.Series(raw, index=range(10, 19), dtype=object, name="org_code")
    result = normalise_codes(series)
    assert result.dtype == object
    assert result.name == "org_code"
    assert list(result.index) == list(series.index)
    assert result.tolist() == [normalise_code(v) for v in raw]
    assert result.tolist() == ["CSO01", "CSO01", None, None, "M", "Ž", None, None, None]


NUMBERS = [
    # plain integers and a single decimal separator
    ("0", 0.0),
    ("12", 12.0),
    ("007", 7.0),
    ("12,5", 12.5),
    ("12.5", 12.5),
    ("1,234", 1.234),  # a single separator is always decimal (SPEC §3.2)
    ("1.234", 1.234),
    (",5", 0.5),
    (".5", 0.5),
    # both: `.` groups thousands, `,` is decimal
    ("1.234,50", 1234.5),
    ("12.345.678,9", 12345678.9),
    # repeated same separator groups thousands
    ("1.234.567", 1234567.0),
    ("1,234,567", 1234567.0),
    # spaces, NBSP and narrow NBSP group thousands; surrounding spaces are fine
    ("1 234", 1234.0),
    (f"1{NBSP}234", 1234.0),
    (f"1{NNBSP}234{NNBSP}567,25", 1234567.25),
    ("1 234.5", 1234.5),
    ("  42  ", 42.0),
    (f"{NBSP}42\t", 42.0),
    # signs: negatives parse, the validation layer rejects them
    ("-3", -3.0),
    ("+4", 4.0),
    ("-1.234,5", -1234.5),
    ("-0", 0.0),
    # exactness: the same float as Python's own parser
    ("0,1", 0.1),
    ("9007199254740993", 9007199254740993.0),
    ("123456789,123456789", 123456789.123456789),
    # other scripts' digits and full-width forms read as ASCII (SPEC §3.2)
    ("١٢", 12.0),
    ("１２,５", 12.5),
    ("१२", 12.0),
    ("1\u202f234", 1234.0),
]
NOT_NUMBERS = [
    "1,234.50",  # comma before dot: the English form is refused, not guessed
    "1,234,567.5",
    "1.234,567,8",
    "12.34.5",
    "1.23.456",
    "12 34",
    "1  234",
    "inf",
    "-inf",
    "nan",
    "NaN",
    "1e5",
    "1E5",
    "0x10",
    "12.",
    "12,",
    ".",
    "-",
    "+-3",
    "- 3",
    "3-",
    "12 kg",
    "twelve",
    "½",
    "1_000",
]


@pytest.mark.parametrize(("text", "expected"), NUMBERS)
def test_parse_number_forms(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_parse_number_rejects(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_parse_number_reasons():
    with pytest.raises(ValueError, match="empty"):
        parse_number("  ")
    with pytest.raises(ValueError, match="empty"):
        parse_number(None)
    with pytest.raises(ValueError, match="comma before the decimal point"):
        parse_number("1,234.50")
    with pytest.raises(ValueError, match="not a number"):
        parse_number("1e5")
    with pytest.raises(ValueError, match="a formula that was never calculated: open the file"):
        parse_number("=SUM(B2:B4)")


def _scalar(value) -> float:
    try:
        return parse_number(value)
    except ValueError:
        return math.nan


def test_parse_numbers_agrees_with_parse_number():
    tricky = [text for text, _ in NUMBERS] + NOT_NUMBERS + ["", "  ", None, np.nan, pd.NA, 3, 12.5]
    series = pd.Series(tricky * 3, index=range(100, 100 + 3 * len(tricky)), dtype=object)
    result = parse_numbers(series)
    assert result.dtype == "float64"
    assert list(result.index) == list(series.index)
    expected = [_scalar(v) for v in series]
    # Compared as bit patterns: equal floats, same NaNs, and -0.0 stays -0.0.
    assert np.array_equal(result.to_numpy(), np.array(expected), equal_nan=True)
    assert [math.copysign(1, v) for v in result] == [math.copysign(1, v) for v in expected]


def test_parse_numbers_on_str_dtype_and_empty():
    assert parse_numbers(pd.Series(["1,5", None, "x"], dtype="str")).tolist()[0] == 1.5
    assert parse_numbers(pd.Series([], dtype=object)).dtype == "float64"
    assert parse_numbers(pd.Series([None, None], dtype=object)).isna().all()


def test_not_ascii_names_look_alikes_and_other_letters_but_not_latin_ones():
    assert (
        str(not_ascii("СSO01"))
        == "'С' is the cyrillic capital letter es, not the Latin letter C: type C."
    )
    assert str(not_ascii("ЖМ")) == (
        "'Ж' (cyrillic capital letter zhe) is not a letter codes use; 'М' is the cyrillic"
        " capital letter em, not the Latin letter M: type M."
    )
    assert not_ascii("СSO01").render("sr-Latn") == (
        "'С' je cyrillic capital letter es, a ne latinično slovo C: otkucajte C."
    )
    assert not_ascii("Ž") is None and not_ascii("CSO01") is None and not_ascii(None) is None
    assert not_ascii("ＣＳＯ01") is None  # full-width: folded, so the code matches
