"""Feedback files for CSOs (SPEC §9): one workbook and one CSV per submission file, that a
CSO opens in Excel and acts on.

Scenario, quarter 2013Q1: CSO12 sends a file with two faulty rows (one typed as a
formula) and a warning; CSO08 sends a clean file; a file with a personal-data column
is rejected whole and has no organisation.
"""

from __future__ import annotations

import csv as csv_module
import io
import os
from dataclasses import replace
from datetime import UTC, date, datetime

import openpyxl
import pytest
import sqlalchemy as sa

from lct_pipeline.feedback import write_feedback
from lct_pipeline.ingestion import ingest_inbox
from lct_pipeline.reference import load_reference
from lct_pipeline.settings import DATA_DIR
from lct_pipeline.validation import validate_quarter
from lct_pipeline.warehouse.engine import get_engine
from lct_pipeline.warehouse.schema import ensure_schema
from lct_pipeline.warehouse.tables_validated import row_issues

HEADER = "org_code,period,data_element,sex,age_group,value,comment"
CSO12 = [
    "CSO12,2013Q1,VOT_ASSISTED,F,ADULT,2,",
    "CSO12,2013Q1,VOT_ASSISTED,M,ADULT,=1+2,",
    "CSO12,2013Q1,VOT_IDENTIFIED,F,ADULT,-3,",
    "CSO12,2013Q1,RECOMMENDATIONS_SUBMITTED,,,1,",
    "CSO12,2013Q1,RECOMMENDATIONS_ADOPTED,,,2,@pozvati opštinu",
]


def _in_english(reference):
    """The registry with every CSO speaking English (the messages below are asserted in
    English; tests/test_languages.py checks the other languages)."""
    return {code: replace(o, language="en") for code, o in reference.organisations.items()}


def _write(path, text: str, received: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    stamp = datetime.fromisoformat(received).replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    root = tmp_path_factory.mktemp("feedback")
    inbox = root / "inbox"
    _write(inbox / "2013Q1/cso12.csv", "\n".join([HEADER, *CSO12]) + "\n", "2013-04-10T08:00:00")
    _write(inbox / "2013Q1/cso08.csv", f"{HEADER}\nCSO08,2013Q1,NETWORK_MEETINGS,,,1,\n",
           "2013-04-11T08:00:00")  # fmt: skip
    _write(inbox / "2013Q1/pii.csv", "org_code,period,data_element,prezime,value\n"
           ",2013Q1,VOT_ASSISTED,Jovanović,1\n", "2013-03-30T08:00:00")  # fmt: skip
    # Rejected whole, received in 2013Q2 for 2013Q1: filed under the CSO its name gives
    # and the quarter its rows are for.
    _write(inbox / "late/cso10_spisak.csv", "org_code,period,data_element,ime,value\n"
           "CSO10,2013Q1,VOT_ASSISTED,Ana,1\n", "2013-05-02T08:00:00")  # fmt: skip
    # Rejected whole, its name gives no CSO: filed under the one its rows name.
    _write(inbox / "2013Q1/spisak_korisnika.csv", "org_code,period,data_element,ime,value\n"
           "cso11,2013Q1,VOT_ASSISTED,Ana,1\n CSO11 ,2013Q1,VOT_ASSISTED,Ivan,1\n",
           "2013-04-02T08:00:00")  # fmt: skip
    engine = get_engine(f"sqlite:///{root / 'warehouse.sqlite'}")
    ensure_schema(engine)
    ingest_inbox(inbox, root / "archive", engine, date(2014, 3, 1))
    reference = load_reference(DATA_DIR / "reference")
    validate_quarter(engine, reference, "2013Q1", "2014Q1")
    extracts = root / "extracts"
    # A file an earlier run wrote for a submission no longer in the quarter, and another
    # quarter's file: the first must go, the second stay.
    stale = extracts / "feedback/CSO12/2013Q1_old_feedback.csv"
    other = extracts / "feedback/CSO12/2012Q4_cso12_feedback.csv"
    for path in (stale, other):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("old", encoding="utf-8")
    written = write_feedback(engine, "2013Q1", extracts, _in_english(reference))
    yield extracts / "feedback", written
    engine.dispose()


def test_one_workbook_and_one_csv_per_file_in_the_folder_of_its_organisation(feedback):
    folder, written = feedback
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == [
        "CSO08/2013Q1_cso08_feedback.csv",
        "CSO08/2013Q1_cso08_feedback.xlsx",
        "CSO10/2013Q1_cso10_spisak_feedback.csv",
        "CSO10/2013Q1_cso10_spisak_feedback.xlsx",
        "CSO11/2013Q1_spisak_korisnika_feedback.csv",
        "CSO11/2013Q1_spisak_korisnika_feedback.xlsx",
        "CSO12/2012Q4_cso12_feedback.csv",
        "CSO12/2013Q1_cso12_feedback.csv",
        "CSO12/2013Q1_cso12_feedback.xlsx",
        "UNKNOWN/2013Q1_pii_feedback.csv",
        "UNKNOWN/2013Q1_pii_feedback.xlsx",
    ]
    assert sorted((f.source_file, f.rejected, f.warnings) for f in written) == [
        ("2013Q1/cso08.csv", 0, 0),
        ("2013Q1/cso12.csv", 2, 1),
        ("2013Q1/pii.csv", 1, 0),
        ("2013Q1/spisak_korisnika.csv", 1, 0),
        ("late/cso10_spisak.csv", 1, 0),
    ]


def test_the_first_line_says_what_to_fix(feedback):
    folder, _ = feedback
    first_lines = {
        name: openpyxl.load_workbook(folder / name).worksheets[0]["A1"].value
        for name in (
            "CSO12/2013Q1_cso12_feedback.xlsx",
            "CSO08/2013Q1_cso08_feedback.xlsx",
            "UNKNOWN/2013Q1_pii_feedback.xlsx",
        )
    }
    assert first_lines == {
        "CSO12/2013Q1_cso12_feedback.xlsx": "2 of 5 rows of 2013Q1/cso12.csv were rejected and"
        " not loaded: correct them as the sheet 'rejections' says and send the corrected file"
        " again. Also check 1 warning(s) in the sheet 'warnings'.",
        "CSO08/2013Q1_cso08_feedback.xlsx": "All 1 rows of 2013Q1/cso08.csv were accepted."
        " Nothing to fix.",
        # No CSO to ask: the registry's default language (SPEC §11).
        "UNKNOWN/2013Q1_pii_feedback.xlsx": "Ništa iz fajla 2013Q1/pii.csv nije učitano: kolone"
        " prezime liče na lične podatke; uklonite ih i pošaljite samo brojeve. Ništa iz ovog"
        " fajla nije učitano. Ispravite fajl i pošaljite ga ponovo.",
    }


def test_the_rejections_sheet_lists_rows_and_messages_under_a_frozen_header(feedback):
    folder, _ = feedback
    book = openpyxl.load_workbook(folder / "CSO12/2013Q1_cso12_feedback.xlsx")
    assert book.sheetnames == ["summary", "rejections", "warnings"]
    sheet = book["rejections"]
    assert sheet.freeze_panes == "A2"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [
        ["sheet", "row", "column", "value in the file", "reason", "what to do"],
        [None, 3, "value", "=1+2", "NOT_A_NUMBER",
         "value '=1+2' is not a number (a formula that was never calculated: open the file in"
         " Excel, save it and send it again, or type the number); write the count in digits,"
         " e.g. 12."],
        [None, 4, "value", "-3", "NEGATIVE_VALUE",
         "value '-3' is negative; a count is 0 or more."],
    ]  # fmt: skip
    assert sheet.column_dimensions["F"].width > 40  # the messages are readable without resizing
    warnings = [[c.value for c in row] for row in book["warnings"].iter_rows(min_row=2)]
    assert [w[1:5] for w in warnings] == [[6, "value", "2", "ADOPTED_GT_SUBMITTED"]]


def test_text_that_looks_like_a_formula_stays_text(feedback):
    folder, _ = feedback
    sheet = openpyxl.load_workbook(folder / "CSO12/2013Q1_cso12_feedback.xlsx")["rejections"]
    for cell in (sheet["D2"], sheet["D3"]):
        assert cell.data_type == "s"
        assert cell.quotePrefix
    csv = (folder / "CSO12/2013Q1_cso12_feedback.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")
    assert list(csv_module.reader(io.StringIO(csv.decode("utf-8-sig")))) == [
        ["severity", "sheet", "row", "column", "value in the file", "reason", "what to do"],
        ["rejection", "", "3", "value", "'=1+2", "NOT_A_NUMBER",
         "value '=1+2' is not a number (a formula that was never calculated: open the file in"
         " Excel, save it and send it again, or type the number); write the count in digits,"
         " e.g. 12."],
        ["rejection", "", "4", "value", "'-3", "NEGATIVE_VALUE",
         "value '-3' is negative; a count is 0 or more."],
        ["warning", "", "6", "value", "2", "ADOPTED_GT_SUBMITTED",
         "RECOMMENDATIONS_ADOPTED (2) is more than RECOMMENDATIONS_SUBMITTED (1) in the same"
         " quarter; check both figures."],
    ]  # fmt: skip


def test_a_file_with_rows_for_two_quarters_gets_one_feedback_covering_both(tmp_path):
    inbox = tmp_path / "inbox"
    rows = [
        "CSO05,2013Q1,NETWORK_MEETINGS,,,1,",
        "CSO05,2013Q1,VOT_ASSISTED,F,ADULT,-1,",
        "CSO05,2013Q2,NETWORK_MEETINGS,,,2,",
        "CSO05,2013Q2,PERSONS_INFORMED,,,3,",
        "CSO05,2013Q2,VOT_ASSISTED,F,ADULT,x,",
    ]
    _write(inbox / "2013Q2/cso05.csv", "\n".join([HEADER, *rows]) + "\n", "2013-07-10T08:00:00")
    engine = get_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    ensure_schema(engine)
    ingest_inbox(inbox, tmp_path / "archive", engine, date(2014, 3, 1))
    reference = load_reference(DATA_DIR / "reference")
    extracts = tmp_path / "extracts"
    for quarter in ("2013Q1", "2013Q2", "2013Q1"):  # the first quarter run again last
        validate_quarter(engine, reference, quarter, "2014Q1")
        [written] = write_feedback(engine, quarter, extracts, _in_english(reference))
        assert written.source_file == "2013Q2/cso05.csv"
    engine.dispose()
    folder = extracts / "feedback"
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    # Named by the quarter most of its rows are for, whichever quarter's run wrote it.
    assert files == ["CSO05/2013Q2_cso05_feedback.csv", "CSO05/2013Q2_cso05_feedback.xlsx"]
    book = openpyxl.load_workbook(folder / "CSO05/2013Q2_cso05_feedback.xlsx")
    assert book["summary"]["A1"].value == (
        "2 of 5 rows of 2013Q2/cso05.csv were rejected and not loaded: correct them as the"
        " sheet 'rejections' says and send the corrected file again."
    )
    rejected = [(r[1], r[4]) for r in book["rejections"].iter_rows(min_row=2, values_only=True)]
    assert rejected == [(3, "NEGATIVE_VALUE"), (6, "NOT_A_NUMBER")]


def _stamps(folder) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_feedback_made_from_the_same_rows_is_left_as_written(tmp_path):
    inbox = tmp_path / "inbox"
    _write(inbox / "2013Q1/cso12.csv", "\n".join([HEADER, *CSO12]) + "\n", "2013-04-10T08:00:00")
    _write(inbox / "2013Q1/cso08.csv", f"{HEADER}\nCSO08,2013Q1,NETWORK_MEETINGS,,,1,\n",
           "2013-04-11T08:00:00")  # fmt: skip
    engine = get_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    ensure_schema(engine)
    ingest_inbox(inbox, tmp_path / "archive", engine, date(2014, 3, 1))
    reference = load_reference(DATA_DIR / "reference")
    validate_quarter(engine, reference, "2013Q1", "2014Q1")
    extracts, english = tmp_path / "extracts", _in_english(reference)
    folder = extracts / "feedback"
    first = write_feedback(engine, "2013Q1", extracts, english)
    written = _stamps(folder)
    assert len(written) == 4

    assert write_feedback(engine, "2013Q1", extracts, english) == first
    assert _stamps(folder) == written  # nothing written again

    # A file an earlier run wrote for a file no longer in the quarter goes; the rest stay.
    (folder / "CSO12/2013Q1_old_feedback.csv").write_text("old", encoding="utf-8")
    assert write_feedback(engine, "2013Q1", extracts, english) == first
    assert _stamps(folder) == written

    # A feedback file deleted by hand comes back, and only its pair is written.
    (folder / "CSO08/2013Q1_cso08_feedback.xlsx").unlink()
    write_feedback(engine, "2013Q1", extracts, english)
    now = _stamps(folder)
    assert set(now) == set(written)
    assert {name for name in written if now[name] != written[name]} == {
        "CSO08/2013Q1_cso08_feedback.csv",
        "CSO08/2013Q1_cso08_feedback.xlsx",
    }
    # A CSO now reading Serbian gets its files again, in Serbian; the other CSO's stay.
    in_english = (folder / "CSO12/2013Q1_cso12_feedback.csv").read_bytes()
    serbian = {**english, "CSO12": replace(english["CSO12"], language="sr_Latn")}
    [cso12] = [f for f in write_feedback(engine, "2013Q1", extracts, serbian) if f.org == "CSO12"]
    assert cso12.language == "sr_Latn" and cso12.csv.read_bytes() != in_english
    again = _stamps(folder)
    assert {name for name in now if again[name] != now[name]} == {
        "CSO12/2013Q1_cso12_feedback.csv",
        "CSO12/2013Q1_cso12_feedback.xlsx",
    }
    # Another run's write to one of them (its own bytes): written again by this one.
    cso12.csv.write_bytes(b"written by another run")
    write_feedback(engine, "2013Q1", extracts, serbian)
    assert cso12.csv.read_bytes() != b"written by another run"

    # One file's rows change (an issue of CSO12's row 3 no longer stands): its pair is
    # written again, without that row, and the other file's pair is left as it was.
    issues = row_issues.c
    with engine.begin() as conn:
        gone = conn.execute(
            sa.delete(row_issues).where(
                issues.source_file == "2013Q1/cso12.csv", issues.row_number == 3
            )
        ).rowcount
    assert gone == 1
    before = _stamps(folder)
    write_feedback(engine, "2013Q1", extracts, serbian)
    after = _stamps(folder)
    assert {name for name in before if after[name] != before[name]} == {
        "CSO12/2013Q1_cso12_feedback.csv",
        "CSO12/2013Q1_cso12_feedback.xlsx",
    }
    rows = list(csv_module.reader(io.StringIO(cso12.csv.read_bytes().decode("utf-8-sig"))))
    assert [r[2] for r in rows[1:]] == ["4", "6"]  # row 3 gone; rows 4 (-3) and 6 (@) stay
    engine.dispose()
