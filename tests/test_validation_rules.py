"""Row rules (SPEC §5) on real files: each faulty row of a CSO's submission is rejected
with its reason, column, raw value and a message; accepted rows may carry warnings.

Scenario (current quarter 2014Q1): CSO01 sends a values file and a measures file for
2013Q1 with one fault per row, and CSO06 a workbook. For OUTLIER, CSO01 sent 2012Q4
twice: first with 100 identified women, then a correction with 10; only the
correction is history. 2013Q1 is validated before 2012Q4, as a parallel backfill may.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from lct_pipeline.ingestion import ingest_inbox
from lct_pipeline.reference import load_reference
from lct_pipeline.settings import DATA_DIR
from lct_pipeline.validation import validate_quarter
from lct_pipeline.warehouse.engine import get_engine
from lct_pipeline.warehouse.schema import ensure_schema
from lct_pipeline.warehouse.stage import load_current_values

CURRENT = "2014Q1"
VALUES_HEADER = (
    "org_code,period,data_element,sex,age_group,vulnerable_group,service,institution,value,comment"
)
LONG_COMMENT = "Sastanak mreže u Novom Sadu. " * 25  # 725 characters

# The rows of 2013Q1/cso01.csv from row 2, each with what validation must say about it:
# (reason, column, raw value) for a rejection, a list of warnings, or None when clean.
VALUES_ROWS = [
    ("CSO01,2013Q1,VOT_ASSISTED,F,ADULT,,,,3,", None),
    ("CSO01,2013Q1,VOT_ASSISTED,Muško,odrasli,,,,2,", None),
    ("CSO01,2013Q1,VOT_ASSISTED,,,,,,9,", ("TOTAL_MISMATCH", "value", "9")),
    ("CSO01,2013Q1,CONSULTATIONS_HELD,,,,,,,", ("MISSING_VALUE", "value", None)),
    ("CSO99,2013Q1,NETWORK_MEETINGS,,,,,,1,", ("UNKNOWN_ORG", "org_code", "CSO99")),
    ("CSO01,sometime,NETWORK_MEETINGS,,,,,,1,", ("BAD_PERIOD", "period", "sometime")),
    ("CSO01,2011Q4,NETWORK_MEETINGS,,,,,,1,", ("BAD_PERIOD", "period", "2011Q4")),
    ("CSO01,2015Q1,NETWORK_MEETINGS,,,,,,1,", ("FUTURE_PERIOD", "period", "2015Q1")),
    ("CSO14,2013Q1,NETWORK_MEETINGS,,,,,,1,", ("ORG_INACTIVE", "period", "2013Q1")),
    (
        "CSO01,2013Q1,VICTIMS_HELPED,,,,,,1,",
        ("UNKNOWN_DATA_ELEMENT", "data_element", "VICTIMS_HELPED"),
    ),
    ("CSO01,2013Q1,VOT_IDENTIFIED,F,ELDER,,,,1,", ("BAD_DIMENSION", "age_group", "ELDER")),
    ("CSO01,2013Q1,NETWORK_MEETINGS,,,,SHELTER,,1,", ("BAD_DIMENSION", "service", "SHELTER")),
    (
        "CSO01,2013Q1,PERSONS_INFORMED,F,,,,,4,",
        ("INCOMPLETE_DISAGGREGATION", "vulnerable_group", None),
    ),
    ("CSO01,2013Q1,PROFESSIONALS_TRAINED,F,,,,POLICE,many,", ("NOT_A_NUMBER", "value", "many")),
    ("CSO01,2013Q1,PROFESSIONALS_TRAINED,M,,,,POLICE,-2,", ("NEGATIVE_VALUE", "value", "-2")),
    ('CSO01,2013Q1,PROFESSIONALS_TRAINED,F,,,,CSW,"2,5",', ("NOT_INTEGER", "value", "2,5")),
    ("CSO01,2013Q1,REFERRALS_MADE,,,,,POLICE,6000,", ("IMPLAUSIBLE_VALUE", "value", "6000")),
    ("CSO01,2013Q1,REFERRALS_MADE,,,,,CSW,3,", ("DUPLICATE_CONFLICT", "value", "3")),
    ("CSO01,2013Q1,REFERRALS_MADE,,,,,csw,4,", ("DUPLICATE_CONFLICT", "value", "4")),
    ("CSO01,2013Q1,REFERRALS_MADE,,,,,HEALTH,2,", None),
    ("CSO01,2013Q1,REFERRALS_MADE,,,,,HEALTH,2,", None),  # an exact copy: kept once
    # Rows with several faults: the first reason in SPEC §5's order wins.
    ("CSO14,2013Q1,UNKNOWN,X,,,,,abc,", ("ORG_INACTIVE", "period", "2013Q1")),
    (
        "CSO01,2013Q1,VOT_IDENTIFIED,F,CHILD,POVERTY,,,-3,",
        ("BAD_DIMENSION", "vulnerable_group", "POVERTY"),
    ),
    (",2013Q1,NETWORK_MEETINGS,,,,,,,", ("MISSING_VALUE", "org_code", None)),
    ("CSO01,2013Q1,RECOMMENDATIONS_SUBMITTED,,,,,,2,", None),
    ("CSO01,2013Q1,RECOMMENDATIONS_ADOPTED,,,,,,3,", ["ADOPTED_GT_SUBMITTED"]),
    ("CSO01,2013Q1,SERVICES_PROVIDED,,,,SHELTER,,3,", ["SERVICES_LT_ASSISTED"]),
    ("CSO01,2013Q1,SERVICES_PROVIDED,,,,MEDICAL,,1,", None),
    (f'CSO01,2013Q1,NETWORK_MEETINGS,,,,,,2,"{LONG_COMMENT}"', ["COMMENT_TRUNCATED"]),
    (
        "CSO01,2013Q1,PERSONS_CONTACTED,F,ADULT,POVERTY,,,5,pišite na ana@example.org",
        ["PERSONAL_DATA_REMOVED"],
    ),
    ("CSO01,2013Q1,VOT_IDENTIFIED,F,ADULT,,,,40,", ["OUTLIER"]),
    ("CSO01,2013Q1,VOT_IDENTIFIED,M,ADULT,,,,20,", None),  # history 2: the floor of 20 holds
]
MEASURES_HEADER = (
    "org_code,period,plan_code,measure_code,measure_title,responsible_institution,status,"
    "planned_budget_eur,spent_budget_eur,due_period"
)
MEASURES_ROWS = [
    ('CSO01,2013Q1,LAP-NSA-2012,M1,Obuka,CSW,COMPLETED,"1.250,00","1.180,50",2013Q1', None),
    ("CSO01,2013Q1,LAP-NSA-2012,M2,Kampanja,LOCAL_GOV,IN_PROGRESS,3000,3500,2013Q4", ["OVERSPENT"]),
    (
        "CSO01,2013Q1,LAP-NSA-2012,M3,Sklonište,CSW,FINISHED,100,50,2013Q2",
        ("BAD_STATUS", "status", "FINISHED"),
    ),
    (
        "CSO01,2013Q1,LAP-NSA-2012,M4,Linija,MINISTRY,IN_PROGRESS,100,50,2013Q2",
        ("BAD_DIMENSION", "responsible_institution", "MINISTRY"),
    ),
    (
        "CSO01,2013Q1,LAP-NSA-2012,M5,Terenski rad,NGO,DELAYED,100,50,next year",
        ("BAD_PERIOD", "due_period", "next year"),
    ),
    (
        "CSO01,2013Q1,LAP-NSA-2012,M6,Analiza,NGO,DELAYED,lots,50,2013Q4",
        ("NOT_A_NUMBER", "planned_budget_eur", "lots"),
    ),
    (
        "CSO01,2013Q1,LAP-NSA-2012,M7,Studija,NGO,DELAYED,100,-5,2013Q4",
        ("NEGATIVE_VALUE", "spent_budget_eur", "-5"),
    ),
    (
        "CSO01,2013Q1,LAP-NSA-2012,M8,Sajam,NGO,NOT_STARTED,100,0,2013Q4",
        ("DUPLICATE_CONFLICT", "measure_code", "M8"),
    ),
    (
        "CSO01,2013Q1,LAP-NSA-2012,m8,Sajam,NGO,COMPLETED,100,0,2013Q4",
        ("DUPLICATE_CONFLICT", "measure_code", "m8"),
    ),
    (
        "CSO01,2013Q1,LAP-NSA-2012,M9,,NGO,CANCELLED,0,0,2013Q4",
        ("MISSING_VALUE", "measure_title", None),
    ),
    ("CSO01,2013Q1,LAP-NSA-2012,M10,Vodič,NGO,COMPLETED,10,10,2013Q1", None),
    ("CSO01,2013Q1,LAP-NSA-2012,M10,Vodič,NGO,COMPLETED,10,10,2013Q1", None),
]


def _write(path, text: str, received: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    stamp = datetime.fromisoformat(received).replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))


def _csv(header: str, rows: list[tuple[str, object]]) -> str:
    return "\n".join([header, *(line for line, _ in rows)]) + "\n"


def _workbook(path, received: str) -> None:
    book = openpyxl.Workbook()
    values = book.active
    values.title = "values"
    values.append(VALUES_HEADER.split(","))
    values.append(["CSO06", "2013Q1", "VOT_ASSISTED", "F", "CHILD", None, None, None, 2])
    values.append(["CSO06", "2013Q1", "VOT_ASSISTED", "X", "CHILD", None, None, None, 1])
    measures = book.create_sheet("measures")
    measures.append(MEASURES_HEADER.split(","))
    measures.append(
        ["CSO06", "2013Q1", "LAP-BGD", "M1", "Obuka", "CSW", "DELAYED", 500, 20, "2013Q3"]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    stamp = datetime.fromisoformat(received).replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("rules")
    inbox = root / "inbox"
    _write(inbox / "2013Q1/cso01.csv", _csv(VALUES_HEADER, VALUES_ROWS), "2013-04-10T08:00:00")
    _write(inbox / "2013Q1/cso01_measures.csv", _csv(MEASURES_HEADER, MEASURES_ROWS),
           "2013-04-10T08:05:00")  # fmt: skip
    _workbook(inbox / "2013Q1/cso06.xlsx", "2013-04-12T08:00:00")
    history = (
        "CSO01,2012Q4,VOT_IDENTIFIED,F,ADULT,,,,{f},\nCSO01,2012Q4,VOT_IDENTIFIED,M,ADULT,,,,2,\n"
    )
    _write(inbox / "2012Q4/cso01.csv", f"{VALUES_HEADER}\n{history.format(f=100)}",
           "2013-01-10T08:00:00")  # fmt: skip
    _write(inbox / "2012Q4/cso01_corrected.csv", f"{VALUES_HEADER}\n{history.format(f=10)}",
           "2013-01-20T08:00:00")  # fmt: skip
    engine = get_engine(f"sqlite:///{root / 'warehouse.sqlite'}")
    ensure_schema(engine)
    ingest_inbox(inbox, root / "archive", engine, date(2014, 3, 1))
    reference = load_reference(DATA_DIR / "reference")
    # OUTLIER reads the stored current values of the quarters before: the history
    # quarter is stored first, as runs order them (a later change of it makes 2013Q1's
    # validation stale: tests/test_freshness.py).
    for quarter in ("2012Q4", "2013Q1"):
        validate_quarter(engine, reference, quarter, CURRENT)
        load_current_values(engine, reference, quarter, CURRENT)
    yield engine
    engine.dispose()


def _query(engine, sql: str, **params) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.text(sql), conn, params=params)


def _issues(engine, view: str, source_file: str) -> pd.DataFrame:
    return _query(
        engine,
        f"SELECT * FROM {view} WHERE source_file = :f ORDER BY row_number, reason_code",
        f=source_file,
    )


def _expected(rows, kind):
    return [
        pytest.param(number, expected, id=f"row{number}-{expected[0]}")
        for number, (_, expected) in enumerate(rows, start=2)
        if isinstance(expected, kind)
    ]


@pytest.mark.parametrize(("row", "expected"), _expected(VALUES_ROWS, tuple))
def test_a_faulty_values_row_is_rejected_with_its_reason_column_and_raw_value(
    warehouse, row, expected
):
    rejections = _issues(warehouse, "rejections", "2013Q1/cso01.csv")
    found = rejections[rejections["row_number"] == row]
    reason, column, raw = expected
    assert found[["reason_code", "column_name"]].values.tolist() == [[reason, column]]
    assert found["raw_value"].iloc[0] == raw or (
        raw is None and pd.isna(found["raw_value"].iloc[0])
    )
    assert found["sheet"].tolist() == [""]


@pytest.mark.parametrize(("row", "expected"), _expected(MEASURES_ROWS, tuple))
def test_a_faulty_measures_row_is_rejected_with_its_reason_column_and_raw_value(
    warehouse, row, expected
):
    rejections = _issues(warehouse, "rejections", "2013Q1/cso01_measures.csv")
    found = rejections[rejections["row_number"] == row]
    reason, column, raw = expected
    assert found[["reason_code", "column_name"]].values.tolist() == [[reason, column]]
    assert found["raw_value"].iloc[0] == raw or (
        raw is None and pd.isna(found["raw_value"].iloc[0])
    )


def test_only_the_faulty_rows_are_rejected(warehouse):
    for name, rows in (("cso01.csv", VALUES_ROWS), ("cso01_measures.csv", MEASURES_ROWS)):
        rejections = _issues(warehouse, "rejections", f"2013Q1/{name}")
        faulty = [n for n, (_, e) in enumerate(rows, start=2) if isinstance(e, tuple)]
        assert rejections["row_number"].tolist() == faulty


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (4, "the total row gives 9 but the detail rows of VOT_ASSISTED add up to 5; correct the"
            " total or the detail rows (the detail rows were kept)."),
        (10, "CSO14 is active from 2013Q2 and cannot report 2013Q1."),
        (12, "age_group 'ELDER' is not one of CHILD, ADULT, U."),
        (13, "NETWORK_MEETINGS is not broken down by service; leave service empty (it holds"
             " 'SHELTER')."),
        (14, "PERSONS_INFORMED needs all of sex, vulnerable_group on a detail row, or none of them"
             " on a total row; vulnerable_group is empty."),
        (18, "value '6000' is above 5000, the largest plausible REFERRALS_MADE of one row; check"
             " it for a typing error."),
        (19, "rows 19, 20 give REFERRALS_MADE (institution=CSW) with different content (value 3"
             " / 4); keep one row and send the file again."),
    ],
)  # fmt: skip
def test_messages_name_the_value_and_what_is_allowed(warehouse, row, message):
    rejections = _issues(warehouse, "rejections", "2013Q1/cso01.csv")
    assert rejections.loc[rejections["row_number"] == row, "message"].tolist() == [message]


def test_a_total_that_differs_from_its_details_is_rejected_and_the_details_kept(warehouse):
    stored = _query(
        warehouse,
        "SELECT row_number, sex, age_group, vulnerable_group, value, is_total FROM staged_values"
        " WHERE data_element = 'VOT_ASSISTED' AND org_code = 'CSO01' ORDER BY row_number",
    )
    # Aliases are stored as member codes; dimensions the element does not use stay empty.
    assert stored.values.tolist() == [
        [2, "F", "ADULT", None, 3.0, 0],
        [3, "M", "ADULT", None, 2.0, 0],
    ]


def test_exact_duplicates_are_kept_once_and_counted_as_accepted(warehouse):
    stored = _query(
        warehouse,
        "SELECT row_number, value FROM staged_values WHERE data_element = 'REFERRALS_MADE'"
        " AND org_code = 'CSO01' ORDER BY row_number",
    )
    assert stored.values.tolist() == [[21, 2.0]]  # rows 19-20 conflict, 22 copies 21
    measures = _query(
        warehouse,
        "SELECT measure_code FROM staged_measures WHERE org_code = 'CSO01' ORDER BY row_number",
    )
    assert measures["measure_code"].tolist() == ["M1", "M2", "M10"]


def test_slice_counts_account_for_every_row_of_the_file(warehouse):
    slices = _query(
        warehouse,
        "SELECT org_code, period, status, rows_total, rows_accepted, rows_rejected, rows_warned"
        " FROM submissions WHERE source_file = '2013Q1/cso01.csv' ORDER BY org_code, period",
    )
    assert slices.values.tolist() == [
        ["", "2013Q1", "rejected", 1, 0, 1, 0],
        ["CSO01", "2011Q4", "rejected", 1, 0, 1, 0],
        ["CSO01", "2013Q1", "partial", 25, 12, 13, 5],
        ["CSO01", "2015Q1", "rejected", 1, 0, 1, 0],
        ["CSO01", "SOMETIME", "rejected", 1, 0, 1, 0],
        ["CSO14", "2013Q1", "rejected", 2, 0, 2, 0],
        ["CSO99", "2013Q1", "rejected", 1, 0, 1, 0],
    ]
    assert slices["rows_total"].sum() == len(VALUES_ROWS)


@pytest.mark.parametrize(
    ("source_file", "row", "reason", "column", "message"),
    [
        ("2013Q1/cso01.csv", 27, "ADOPTED_GT_SUBMITTED", "value",
         "RECOMMENDATIONS_ADOPTED (3) is more than RECOMMENDATIONS_SUBMITTED (2) in the same"
         " quarter; check both figures."),
        ("2013Q1/cso01.csv", 28, "SERVICES_LT_ASSISTED", "value",
         "SERVICES_PROVIDED adds up to 4, fewer than VOT_ASSISTED (5) in the same quarter, while"
         " every assisted victim receives at least one service; check both figures."),
        ("2013Q1/cso01.csv", 30, "COMMENT_TRUNCATED", "comment",
         "the comment is longer than 500 characters; only the first 500 were kept."),
        ("2013Q1/cso01.csv", 31, "PERSONAL_DATA_REMOVED", "comment",
         "personal data (comment: e-mail) was removed before the row was stored; never write"
         " personal numbers, e-mail addresses or phone numbers in a file."),
        ("2013Q1/cso01.csv", 32, "OUTLIER", "value",
         "value 40 is above 30, the most expected from VOT_IDENTIFIED (sex=F, age_group=ADULT)"
         " after the four previous quarters (largest: 10); check that it is right."),
        ("2013Q1/cso01_measures.csv", 3, "OVERSPENT", "spent_budget_eur",
         "spent_budget_eur 3500 is more than planned_budget_eur 3000; check both amounts."),
    ],
)  # fmt: skip
def test_each_warning_flags_an_accepted_row(warehouse, source_file, row, reason, column, message):
    warnings = _issues(warehouse, "warnings", source_file)
    found = warnings[warnings["row_number"] == row]
    assert found[["reason_code", "column_name", "message"]].values.tolist() == [
        [reason, column, message]
    ]
    accepted = _query(
        warehouse,
        "SELECT count(*) AS n FROM staged_values v JOIN submissions s USING (submission_id)"
        " WHERE s.source_file = :f AND v.row_number = :r"
        " UNION ALL SELECT count(*) FROM staged_measures m JOIN submissions s"
        " USING (submission_id) WHERE s.source_file = :f AND m.row_number = :r",
        f=source_file,
        r=row,
    )
    assert accepted["n"].sum() == 1


def test_warnings_flag_only_the_rows_they_concern(warehouse):
    warned = _issues(warehouse, "warnings", "2013Q1/cso01.csv")
    expected = [
        (n, code) for n, (_, e) in enumerate(VALUES_ROWS, start=2) if isinstance(e, list)
        for code in e
    ]  # fmt: skip
    assert list(warned[["row_number", "reason_code"]].itertuples(index=False, name=None)) == (
        expected
    )


def test_a_long_comment_is_kept_to_its_first_500_characters(warehouse):
    comment = _query(warehouse, "SELECT comment FROM staged_values WHERE row_number = 30")
    assert comment["comment"].tolist() == [LONG_COMMENT[:500]]


def test_history_counts_only_the_current_slice_of_earlier_quarters(warehouse):
    statuses = _query(
        warehouse,
        "SELECT source_file, status FROM submissions WHERE period = '2012Q4' ORDER BY source_file",
    )
    assert statuses.values.tolist() == [
        ["2012Q4/cso01.csv", "superseded"],
        ["2012Q4/cso01_corrected.csv", "accepted"],
    ]
    # Against the superseded 100, 40 would be no outlier; against the correction's 10 it is.
    warned = _issues(warehouse, "warnings", "2013Q1/cso01.csv")
    assert warned.loc[warned["reason_code"] == "OUTLIER", "row_number"].tolist() == [32]


def test_typed_numbers_are_stored_as_numbers(warehouse):
    measures = _query(
        warehouse,
        "SELECT measure_code, planned_budget_eur, spent_budget_eur, due_period"
        " FROM staged_measures WHERE measure_code = 'M1' AND org_code = 'CSO01'",
    )
    assert measures.values.tolist() == [["M1", 1250.0, 1180.5, "2013Q1"]]


def test_a_workbook_reports_the_sheet_of_each_rejection(warehouse):
    rejections = _issues(warehouse, "rejections", "2013Q1/cso06.xlsx")
    assert rejections[
        ["sheet", "row_number", "column_name", "raw_value", "reason_code"]
    ].values.tolist() == [["values", 3, "sex", "X", "BAD_DIMENSION"]]
    slices = _query(
        warehouse,
        "SELECT record_type, status, rows_total FROM submissions"
        " WHERE source_file = '2013Q1/cso06.xlsx' ORDER BY record_type",
    )
    assert slices.values.tolist() == [["measures", "accepted", 1], ["values", "partial", 2]]


def test_outlier_history_follows_a_correction_of_an_earlier_quarter(tmp_path):
    # A file added to the history quarter afterwards is seen once that quarter is
    # stored again.
    inbox = tmp_path / "inbox"
    row = "CSO01,{period},VOT_IDENTIFIED,F,ADULT,,,,{value},\n"
    _write(inbox / "2012Q4/cso01.csv", VALUES_HEADER + "\n" + row.format(period="2012Q4", value=10),
           "2013-01-10T08:00:00")  # fmt: skip
    _write(inbox / "2013Q1/cso01.csv", VALUES_HEADER + "\n" + row.format(period="2013Q1", value=40),
           "2013-04-10T08:00:00")  # fmt: skip
    engine = get_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    ensure_schema(engine)
    reference = load_reference(DATA_DIR / "reference")

    def outliers() -> list[int]:
        ingest_inbox(inbox, tmp_path / "archive", engine, date(2014, 3, 1))
        for quarter in ("2012Q4", "2013Q1"):
            validate_quarter(engine, reference, quarter, CURRENT)
            load_current_values(engine, reference, quarter, CURRENT)
        warned = _issues(engine, "warnings", "2013Q1/cso01.csv")
        return warned.loc[warned["reason_code"] == "OUTLIER", "row_number"].tolist()

    assert outliers() == [2]  # 40 > max(20, 3 x 10)
    _write(inbox / "2012Q4/cso01_corrected.csv",
           VALUES_HEADER + "\n" + row.format(period="2012Q4", value=100),
           "2013-01-20T08:00:00")  # fmt: skip
    assert outliers() == []  # 40 <= 3 x 100: the correction is the history now
    engine.dispose()
