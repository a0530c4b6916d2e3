"""Columns the layout does not know are not stored, and a warning names them (SPEC §5):
an extra named column, a cell under an empty header cell and a cell beyond the header
keep their row, lose their content, and tell the CSO which column it was."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from test_validation_rules import _query, _write
from test_validation_scripts import stored_2013q1

from lct_pipeline.warehouse.engine import get_engine
from lct_pipeline.warehouse.schema import SCHEMA_VERSION, ensure_schema

HEADER = "org_code;period;data_element;value;notes;;status"
ROWS = [
    "CSO01;2013Q1;NETWORK_MEETINGS;3;;;",  # nothing outside the layout
    "CSO01;2013Q1;PERSONS_INFORMED;12;called Marko back;;",  # a column the layout lacks
    "CSO01;2013Q1;CONSULTATIONS_HELD;15;and Ana;by Ana;DONE",  # under an empty header cell
    "CSO01;2013Q1;RECOMMENDATIONS_SUBMITTED;2;;;;;Jovana 064 123 4567",  # beyond the header
    "CSO01;2013Q1;RECOMMENDATIONS_ADOPTED;-1;;;;;Jovana",  # rejected; the column named before
    "CSO01;2013Q1;PROFESSIONALS_TRAINED;-1;;;;;;Ana",  # rejected; a new column
]
SECRETS = ("Marko", "Ana", "DONE", "Jovana", "123 4567", "[removed")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("columns")
    text = "\n".join([HEADER, *ROWS]) + "\n"
    _write(root / "inbox/2013Q1/cso01.csv", text, "2013-04-10T08:00:00")
    engine = stored_2013q1(root)
    yield engine
    engine.dispose()


def test_every_row_is_stored_with_its_value(warehouse):
    stored = _query(warehouse, "SELECT data_element, value FROM fact_values ORDER BY value")
    assert stored.values.tolist() == [
        ["RECOMMENDATIONS_SUBMITTED", 2.0],
        ["NETWORK_MEETINGS", 3.0],
        ["PERSONS_INFORMED", 12.0],
        ["CONSULTATIONS_HELD", 15.0],
    ]
    slices = _query(warehouse, "SELECT status, rows_total, rows_accepted, rows_warned"
                    " FROM submissions")  # fmt: skip
    assert slices.values.tolist() == [["partial", 6, 4, 3]]


def test_a_warning_names_each_column_that_was_not_stored(warehouse):
    warnings = _query(
        warehouse,
        "SELECT row_number, column_name, raw_value, message FROM warnings"
        " WHERE reason_code = 'COLUMN_NOT_STORED' ORDER BY row_number",
    )
    tail = " so nothing typed there (in this row or below) was stored; move what it holds to"
    tail += " comment, or use the template's header."
    # Each column named once, at the first row with a cell in it, rejected or not.
    assert warnings.values.tolist() == [
        [3, "notes", None, "'notes': not a column of the values table," + tail],
        [4, "column F", None, "column F, 'status': not a column of the values table," + tail],
        [5, "column I", None, "column I: not a column of the values table," + tail],
        [7, "column J", None, "column J: not a column of the values table," + tail],
    ]


def test_nothing_of_those_columns_is_kept_anywhere(warehouse):
    with warehouse.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            text = conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()
            for secret in SECRETS:
                assert secret not in repr(text), (table, secret)


def test_an_older_warehouse_loses_the_cells_it_kept_beyond_the_header(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    ensure_schema(engine)
    with engine.begin() as conn:  # as schema version 4 left it: the cells in raw_rows.extra
        conn.exec_driver_sql("ALTER TABLE raw_rows DROP COLUMN ignored")
        conn.exec_driver_sql("ALTER TABLE raw_rows ADD COLUMN extra TEXT")
        conn.exec_driver_sql("ALTER TABLE raw_files DROP COLUMN org_hint")
        conn.exec_driver_sql(
            "INSERT INTO raw_files (sha256, source_file, size_bytes, received_at, archive_path,"
            " home_period, sheet, rows_read) VALUES ('ab', 'f.csv', 1, '2013-04-01', 'a',"
            " '2013Q1', '', 2)"
        )
        conn.exec_driver_sql(
            "INSERT INTO raw_rows (sha256, sheet, row_number, record_type, extra) VALUES"
            " ('ab', '', 2, 'values', 'Jovana 064 123 4567'), ('ab', '', 3, 'values', NULL)"
        )
        conn.exec_driver_sql("DROP INDEX ix_fact_values_element_period")
        conn.exec_driver_sql("CREATE INDEX ix_fact_values_element ON fact_values (data_element)")
        conn.exec_driver_sql("UPDATE schema_info SET value = '4' WHERE key = 'schema_version'")
    ensure_schema(engine)
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("raw_rows")}
        file_columns = {c["name"] for c in sa.inspect(conn).get_columns("raw_files")}
        rows = conn.exec_driver_sql("SELECT row_number, ignored FROM raw_rows ORDER BY 1").all()
        version = conn.exec_driver_sql(
            "SELECT value FROM schema_info WHERE key = 'schema_version'"
        ).scalar()
        indexes = {
            i["name"]: i["column_names"] for i in sa.inspect(conn).get_indexes("fact_values")
        }
    assert "extra" not in columns and "org_hint" in file_columns
    # schema 7: an element over a span of quarters reads that span only
    assert indexes["ix_fact_values_element_period"] == ["data_element", "period"]
    assert "ix_fact_values_element" not in indexes
    assert "message_key" in file_columns  # schema 6: messages in any language
    assert [tuple(r) for r in rows] == [(2, "cells beyond the header"), (3, None)]
    assert version == str(SCHEMA_VERSION)
    engine.dispose()
