"""Whole files through ingestion and validation, on SQLite and PostgreSQL (SPEC §5, §6, §8):
personal data loads nothing, every row is accounted for, resubmissions supersede, and a
quarter validated twice (or after a crash) ends exactly as one clean run leaves it.

Scenario, quarter 2013Q2: CSO02 and CSO03 send files with personal-data columns (English
and local headers); CSO04 sends a file, a correction, then a resubmission whose every row
is wrong; CSO05 sends two files with the same received time; CSO07 sends a file with
every kind of fault; an empty file is dropped in the inbox.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from datetime import UTC, date, datetime

import openpyxl
import pandas as pd
import pg
import pytest
import sqlalchemy as sa

from lct_pipeline.ingestion import ingest_inbox
from lct_pipeline.reference import load_reference
from lct_pipeline.settings import DATA_DIR
from lct_pipeline.validation import account_for_rows, validate_quarter

QUARTER, CURRENT = "2013Q2", "2014Q1"
HEADER = "org_code,period,data_element,sex,age_group,vulnerable_group,service,institution,value"
VALIDATED = ("slices", "staged_values", "staged_measures", "row_issues")

EVERYTHING = [  # CSO07's file: one row per kind of fault, and clean rows around them
    "CSO07,2013Q2,VOT_ASSISTED,F,ADULT,,,,2",
    "CSO07,2013Q2,VOT_ASSISTED,M,CHILD,,,,1",
    "CSO07,2013Q2,VOT_ASSISTED,,,,,,4",  # TOTAL_MISMATCH
    "CSO07,2013Q2,CONSULTATIONS_HELD,,,,,,",  # MISSING_VALUE
    "CSO77,2013Q2,NETWORK_MEETINGS,,,,,,1",  # UNKNOWN_ORG
    "CSO07,2013-Q7,NETWORK_MEETINGS,,,,,,1",  # BAD_PERIOD
    "CSO07,2014Q2,NETWORK_MEETINGS,,,,,,1",  # FUTURE_PERIOD
    "CSO07,2013Q2,WHATEVER,,,,,,1",  # UNKNOWN_DATA_ELEMENT
    "CSO07,2013Q2,VOT_IDENTIFIED,Ž,ELDER,,,,1",  # BAD_DIMENSION
    "CSO07,2013Q2,PERSONS_CONTACTED,F,ADULT,,,,1",  # INCOMPLETE_DISAGGREGATION
    "CSO07,2013Q2,NETWORK_MEETINGS,,,,,,two",  # NOT_A_NUMBER
    "CSO07,2013Q2,RECOMMENDATIONS_SUBMITTED,,,,,,-1",  # NEGATIVE_VALUE
    "CSO07,2013Q2,RECOMMENDATIONS_ADOPTED,,,,,,0.5",  # NOT_INTEGER
    "CSO07,2013Q2,PERSONS_INFORMED,F,POVERTY,,,,5001",  # BAD_DIMENSION (age_group not used)
    "CSO07,2013Q2,PERSONS_INFORMED,F,,POVERTY,,,5001",  # IMPLAUSIBLE_VALUE
    "CSO07,2013Q2,REFERRALS_MADE,,,,,POLICE,1",  # DUPLICATE_CONFLICT
    "CSO07,2013Q2,REFERRALS_MADE,,,,,POLICE,2",  # DUPLICATE_CONFLICT
    "CSO07,2013Q2,SERVICES_PROVIDED,,,,SHELTER,,3",
    "CSO07,2013Q2,SERVICES_PROVIDED,,,,SHELTER,,3",  # an exact copy (row 20)
    "CSO14,2013Q1,NETWORK_MEETINGS,,,,,,1",  # ORG_INACTIVE, reported by quarter 2013Q1
]
COPY_ROW = 20


def _write(path, content: str | None, received: str, book: openpyxl.Workbook) -> str:
    """Write a CSV's text, or ``book`` where there is none; returns the file's sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if content is None:
        book.save(path)
    else:
        path.write_text(content, encoding="utf-8")
    stamp = datetime.fromisoformat(received).replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _personal_workbook() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "values"
    sheet.append(["org_code", "period", "data_element", "sex", "Datum rođenja", "JMBG", "value"])
    sheet.append(["CSO03", "2013Q2", "VOT_ASSISTED", "F", "1990-05-17", "1705990715021", 1])
    return book


def _values(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


# name: (path in the inbox, content, received time)
FILES = {
    "pii_en": (
        "2013Q2/cso02.csv",
        "org_code,period,data_element,First Name,value\n"
        "CSO02,2013Q2,VOT_ASSISTED,Milica Petrović,1\n",
        "2013-06-20T09:00:00",
    ),
    "pii_sr": ("2013Q2/cso03.xlsx", None, "2013-06-21T09:00:00"),
    "first": (
        "2013Q2/cso04.csv",
        _values("CSO04,2013Q2,VOT_ASSISTED,F,ADULT,,,,2", "CSO04,2013Q2,VOT_ASSISTED,M,ADULT,,,,1"),
        "2013-07-05T09:00:00",
    ),
    "correction": (
        "2013Q2/resend/cso04.csv",
        _values("CSO04,2013Q2,VOT_ASSISTED,F,ADULT,,,,3", "CSO04,2013Q2,VOT_ASSISTED,M,ADULT,,,,1"),
        "2013-07-20T09:00:00",
    ),
    "all_wrong": (
        "2013Q2/resend2/cso04.csv",
        _values("CSO04,2013Q2,VOT_ASSISTED,F,ADULT,,,,x", "CSO04,2013Q2,VOT_ASSISTED,M,ADULT,,,,y"),
        "2013-07-25T09:00:00",
    ),
    "tie_a": (
        "2013Q2/cso05_a.csv",
        _values("CSO05,2013Q2,NETWORK_MEETINGS,,,,,,1"),
        "2013-07-10T10:00:00",
    ),
    "tie_b": (
        "2013Q2/cso05_b.csv",
        _values("CSO05,2013Q2,NETWORK_MEETINGS,,,,,,2"),
        "2013-07-10T10:00:00",
    ),
    "everything": ("2013Q2/cso07.csv", _values(*EVERYTHING), "2013-07-12T10:00:00"),
    "empty": ("2013Q2/empty.csv", _values(), "2013-06-25T10:00:00"),
}


@pytest.fixture(scope="module", params=pg.BACKENDS)
def scenario(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("files")
    files = {
        name: _write(root / "inbox" / path, content, received, _personal_workbook())
        for name, (path, content, received) in FILES.items()
    }
    with pg.fresh_warehouse(request.param, root) as engine:
        ingest_inbox(root / "inbox", root / "archive", engine, date(2014, 3, 1))
        reference = load_reference(DATA_DIR / "reference")
        for quarter in ("2013Q1", QUARTER):
            validate_quarter(engine, reference, quarter, CURRENT)
        yield engine, reference, files


def _query(engine, sql: str, **params) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.text(sql), conn, params=params)


def _dump(engine) -> dict[str, pd.DataFrame]:
    return {
        name: _query(engine, f"SELECT * FROM {name}").pipe(
            lambda f: f.sort_values(list(f.columns), ignore_index=True)
        )
        for name in VALIDATED
    }


def _slices(engine, sha: str) -> pd.DataFrame:
    return _query(
        engine,
        "SELECT org_code, period, record_type, status, rows_total, rows_accepted,"
        " rows_rejected, rows_warned FROM submissions WHERE sha256 = :sha"
        " ORDER BY org_code, period",
        sha=sha,
    )


@pytest.mark.parametrize(("file", "text"), [("pii_en", "Milica"), ("pii_sr", "1990-05-17")])
def test_a_file_with_personal_data_columns_loads_nothing(scenario, file, text):
    engine, _, files = scenario
    sha = files[file]
    # Its one data row is counted, and rejected with the file; nothing of it is stored.
    assert _slices(engine, sha).values.tolist() == [["", "", "", "rejected", 1, 0, 1, 0]]
    rejections = _query(
        engine,
        "SELECT r.* FROM rejections r JOIN submissions s USING (submission_id)"
        " WHERE s.sha256 = :sha",
        sha=sha,
    )
    assert rejections["reason_code"].tolist() == ["PERSONAL_DATA"]
    assert rejections["row_number"].isna().all()
    # Only the file's record, its slice and its rejection mention it; its content is nowhere.
    with engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        for table in tables:
            dump = pd.read_sql(sa.text(f"SELECT * FROM {table}"), conn).to_csv()
            assert text not in dump, table
            if table not in ("raw_files", "slices", "row_issues"):
                assert sha[:12] not in dump, table


def test_a_file_with_every_kind_of_fault_accounts_for_every_row(scenario):
    engine, _, files = scenario
    slices = _slices(engine, files["everything"])
    assert slices["rows_total"].sum() == len(EVERYTHING)
    assert (slices["rows_total"] == slices["rows_accepted"] + slices["rows_rejected"]).all()
    where = "submission_id IN (SELECT submission_id FROM submissions WHERE sha256 = :sha)"
    sha = files["everything"]
    stored = _query(engine, f"SELECT row_number FROM staged_values WHERE {where}", sha=sha)
    rejected = _query(engine, f"SELECT row_number FROM rejections WHERE {where}", sha=sha)
    assert set(stored["row_number"]).isdisjoint(rejected["row_number"])
    assert sorted([*stored["row_number"], *rejected["row_number"], COPY_ROW]) == list(
        range(2, len(EVERYTHING) + 2)
    )
    assert rejected["row_number"].is_unique


def test_every_reason_code_appears_in_the_file_with_every_fault(scenario):
    engine, _, files = scenario
    reasons = _query(
        engine,
        "SELECT r.row_number, r.reason_code FROM rejections r JOIN submissions s"
        " USING (submission_id) WHERE s.sha256 = :sha ORDER BY r.row_number",
        sha=files["everything"],
    )
    assert reasons.values.tolist() == [
        [4, "TOTAL_MISMATCH"],
        [5, "MISSING_VALUE"],
        [6, "UNKNOWN_ORG"],
        [7, "BAD_PERIOD"],
        [8, "FUTURE_PERIOD"],
        [9, "UNKNOWN_DATA_ELEMENT"],
        [10, "BAD_DIMENSION"],
        [11, "INCOMPLETE_DISAGGREGATION"],
        [12, "NOT_A_NUMBER"],
        [13, "NEGATIVE_VALUE"],
        [14, "NOT_INTEGER"],
        [15, "BAD_DIMENSION"],
        [16, "IMPLAUSIBLE_VALUE"],
        [17, "DUPLICATE_CONFLICT"],
        [18, "DUPLICATE_CONFLICT"],
        [21, "ORG_INACTIVE"],
    ]


def test_a_resubmission_supersedes_the_earlier_slice_which_stays_visible(scenario):
    engine, _, files = scenario
    assert _slices(engine, files["first"]).values.tolist() == [
        ["CSO04", "2013Q2", "values", "superseded", 2, 2, 0, 0]
    ]
    assert _slices(engine, files["correction"]).values.tolist() == [
        ["CSO04", "2013Q2", "values", "accepted", 2, 2, 0, 0]
    ]
    current = _query(
        engine,
        "SELECT s.source_file, v.sex, v.value FROM staged_values v JOIN slices s"
        " USING (submission_id) WHERE s.is_current AND s.org_code = 'CSO04' ORDER BY v.sex",
    )
    assert current.values.tolist() == [
        ["2013Q2/resend/cso04.csv", "F", 3.0],
        ["2013Q2/resend/cso04.csv", "M", 1.0],
    ]


def test_a_resubmission_rejected_entirely_does_not_replace_good_data(scenario):
    engine, _, files = scenario
    assert _slices(engine, files["all_wrong"]).values.tolist() == [
        ["CSO04", "2013Q2", "values", "rejected", 2, 0, 2, 0]
    ]
    current = _query(
        engine, "SELECT source_file FROM slices WHERE is_current AND org_code = 'CSO04'"
    )
    assert current["source_file"].tolist() == ["2013Q2/resend/cso04.csv"]


def test_on_a_tie_of_received_times_the_later_file_path_is_current(scenario):
    engine, _, files = scenario
    assert _slices(engine, files["tie_a"])["status"].tolist() == ["superseded"]
    assert _slices(engine, files["tie_b"])["status"].tolist() == ["accepted"]


def test_the_views_have_the_columns_of_spec_8(scenario):
    engine, _, _ = scenario
    issue_columns = [
        "submission_id", "source_file", "sheet", "row_number", "column_name", "raw_value",
        "reason_code", "message",
    ]  # fmt: skip
    expected = {
        "submissions": [
            "submission_id", "source_file", "sha256", "received_at", "org_code", "period",
            "record_type", "status", "rows_total", "rows_accepted", "rows_rejected",
            "rows_warned",
        ],
        "rejections": issue_columns,
        "warnings": issue_columns,
    }  # fmt: skip
    for view, columns in expected.items():
        assert list(_query(engine, f"SELECT * FROM {view} WHERE 1 = 0").columns) == columns


def test_a_file_rejected_whole_is_one_submission_and_one_rejection_without_a_row(scenario):
    engine, _, files = scenario
    submission = _query(
        engine,
        "SELECT source_file, org_code, period, status FROM submissions WHERE sha256 = :sha",
        sha=files["empty"],
    )
    assert submission.values.tolist() == [["2013Q2/empty.csv", "", "", "rejected"]]
    rejection = _query(
        engine,
        "SELECT r.source_file, r.sheet, r.row_number, r.column_name, r.reason_code, r.message"
        " FROM rejections r JOIN submissions s USING (submission_id) WHERE s.sha256 = :sha",
        sha=files["empty"],
    )
    assert rejection.astype(object).where(rejection.notna(), None).values.tolist() == [
        ["2013Q2/empty.csv", "", None, "", "EMPTY_FILE", "the values table has no data rows."]
    ]


def test_a_quarter_validated_again_or_after_a_crash_ends_as_one_clean_run(scenario):
    engine, reference, _ = scenario
    first = _dump(engine)
    assert account_for_rows(engine, QUARTER, CURRENT).ok

    validate_quarter(engine, reference, QUARTER, CURRENT)
    for name, frame in _dump(engine).items():
        pd.testing.assert_frame_equal(frame, first[name], obj=name)

    # A crash half-way through an earlier run: one accepted row lost, one stray issue left.
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM staged_values WHERE org_code = 'CSO05'"))
        conn.execute(
            sa.text(
                "INSERT INTO row_issues (partition_period, submission_id, source_file, sheet,"
                " row_number, column_name, reason_code, message, severity) VALUES"
                " (:p, 'stray', 'x.csv', '', 2, 'value', 'NOT_A_NUMBER', 'stray', 'rejection')"
            ),
            {"p": QUARTER},
        )
        # and a stored row rejected as well
        stored = conn.execute(
            sa.text(
                "SELECT submission_id, sheet, row_number FROM staged_values"
                " WHERE partition_period = :p ORDER BY submission_id, row_number LIMIT 1"
            ),
            {"p": QUARTER},
        ).one()
        conn.execute(
            sa.text(
                "INSERT INTO row_issues (partition_period, submission_id, source_file, sheet,"
                " row_number, column_name, reason_code, message, severity) VALUES"
                " (:p, :s, 'x.csv', :sheet, :n, 'value', 'NOT_A_NUMBER', 'stray', 'rejection')"
            ),
            {
                "p": QUARTER,
                "s": stored.submission_id,
                "sheet": stored.sheet,
                "n": stored.row_number,
            },
        )
    broken = account_for_rows(engine, QUARTER, CURRENT)
    assert (broken.ok, broken.stored_and_rejected) == (False, 1)

    validate_quarter(engine, reference, QUARTER, CURRENT)
    for name, frame in _dump(engine).items():
        pd.testing.assert_frame_equal(frame, first[name], obj=name)
    assert account_for_rows(engine, QUARTER, CURRENT).ok


def test_a_quarter_is_judged_again_when_the_reference_reads_its_rows_otherwise(tmp_path):
    """Judging is skipped only for the same rows, history, reference and code; an alias
    added to the catalogue (which the reference's repr leaves out) is a new reference."""
    inbox = tmp_path / "inbox"
    path = inbox / "2013Q2/cso07.csv"
    path.parent.mkdir(parents=True)
    path.write_text(f"{HEADER}\nCSO07,2013Q2,VOT_ASSISTED,F,Kid,,,,2\n", encoding="utf-8")
    stamp = datetime(2013, 7, 10, 8, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    engine = pg.get_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    pg.ensure_schema(engine)
    ingest_inbox(inbox, tmp_path / "archive", engine, date(2014, 3, 1))
    reference = load_reference(DATA_DIR / "reference")

    first = validate_quarter(engine, reference, QUARTER, CURRENT)
    again = validate_quarter(engine, reference, QUARTER, CURRENT)
    assert (first.unchanged, again.unchanged) == (False, True)
    assert list(again.issues["reason_code"]) == ["BAD_DIMENSION"]
    assert again.count("rows_rejected") == 1

    age = reference.dimensions["age_group"]
    kid = dataclasses.replace(age, lookup={**age.lookup, "kid": "CHILD"})
    reread = dataclasses.replace(reference, dimensions={**reference.dimensions, "age_group": kid})
    assert repr(reread) == repr(reference)
    judged = validate_quarter(engine, reread, QUARTER, CURRENT)
    assert not judged.unchanged
    assert (judged.count("rows_accepted"), judged.count("rows_rejected")) == (1, 0)
    engine.dispose()
