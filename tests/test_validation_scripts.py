"""Codes, periods and numbers typed in other scripts (SPEC §3.2): full-width forms and
other scripts' digits are read as ASCII and stored; a look-alike letter in a code is
rejected with a message that names it and says what to type."""

from __future__ import annotations

from datetime import date

import pytest
from test_validation_rules import VALUES_HEADER, _issues, _query, _write

from lct_pipeline.ingestion import ingest_inbox
from lct_pipeline.reference import load_reference
from lct_pipeline.settings import DATA_DIR
from lct_pipeline.validation import validate_quarter
from lct_pipeline.warehouse.engine import get_engine
from lct_pipeline.warehouse.schema import ensure_schema
from lct_pipeline.warehouse.stage import load_current_values

ROWS = [
    "CSO01,２０１３Q1,NETWORK_MEETINGS,,,,,,３,",  # full-width digits
    "ＣＳＯ01,Q１/2013,PERSONS_INFORMED,,,,,,١٢,",  # full-width letters, Arabic-Indic digits
    "CSO01,2013Q1,CONSULTATIONS_HELD,,,,,,१५,",  # Devanagari digits
    "СSO01,2013Q1,NETWORK_MEETINGS,,,,,,1,",  # a Cyrillic С
    "CSO01,2013Q1,VOT_ASSISTЕD,,,,,,1,",  # a Cyrillic Е
    "CSO01,2013Q1,VOT_ASSISTED,Ж,ADULT,,,,1,",  # a Cyrillic letter with no Latin twin
    "CSO01,2013Q1,RECOMMENDATIONS_SUBMITTED,,,,,,=1+2,",  # a formula no program calculated
]


def stored_2013q1(root):
    """The warehouse of ``root/inbox`` after 2013Q1 is ingested, validated and stored."""
    engine = get_engine(f"sqlite:///{root / 'warehouse.sqlite'}")
    ensure_schema(engine)
    ingest_inbox(root / "inbox", root / "archive", engine, date(2014, 3, 1))
    reference = load_reference(DATA_DIR / "reference")
    validate_quarter(engine, reference, "2013Q1", "2014Q1")
    load_current_values(engine, reference, "2013Q1", "2014Q1")
    return engine


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("scripts")
    _write(root / "inbox/2013Q1/cso01.csv", "\n".join([VALUES_HEADER, *ROWS]) + "\n",
           "2013-04-10T08:00:00")  # fmt: skip
    engine = stored_2013q1(root)
    yield engine
    engine.dispose()


def test_digits_and_letters_of_other_forms_are_read_and_every_accepted_row_is_stored(warehouse):
    slices = _query(warehouse, "SELECT org_code, period, status, rows_total, rows_accepted,"
                    " rows_rejected FROM submissions ORDER BY org_code")  # fmt: skip
    assert slices.values.tolist() == [
        ["CSO01", "2013Q1", "partial", 6, 3, 3],
        ["СSO01", "2013Q1", "rejected", 1, 0, 1],
    ]
    stored = _query(warehouse, "SELECT org_code, period, data_element, value FROM fact_values"
                    " ORDER BY data_element")  # fmt: skip
    assert stored.values.tolist() == [
        ["CSO01", "2013Q1", "CONSULTATIONS_HELD", 15.0],
        ["CSO01", "2013Q1", "NETWORK_MEETINGS", 3.0],
        ["CSO01", "2013Q1", "PERSONS_INFORMED", 12.0],
    ]


@pytest.mark.parametrize(
    ("row", "reason", "message"),
    [
        (5, "UNKNOWN_ORG", "org_code 'СSO01' is not in the organisation registry; use your"
         " organisation's code (CSO01, CSO02, CSO03, CSO04, CSO05, CSO06, CSO07, CSO08, CSO09,"
         " CSO10, CSO11, CSO12, CSO13, CSO14). 'С' is the cyrillic capital letter es, not the"
         " Latin letter C: type C."),
        (6, "UNKNOWN_DATA_ELEMENT", "'Е' is the cyrillic capital letter ie, not the Latin letter"
         " E: type E."),
        (7, "BAD_DIMENSION", "'Ж' (cyrillic capital letter zhe) is not a letter codes use."),
        (8, "NOT_A_NUMBER", "value '=1+2' is not a number (a formula that was never calculated:"
         " open the file in Excel, save it and send it again, or type the number); write the"
         " count in digits, e.g. 12."),
    ],
)  # fmt: skip
def test_a_letter_of_another_script_in_a_code_is_named(warehouse, row, reason, message):
    rejections = _issues(warehouse, "rejections", "2013Q1/cso01.csv")
    found = rejections[rejections["row_number"] == row]
    assert found["reason_code"].tolist() == [reason]
    assert found["message"].iloc[0].endswith(message), found["message"].iloc[0]
