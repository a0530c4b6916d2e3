"""Submission templates (SPEC §11, issue 17): what a template holds, a filled one passing
`lct validate`, rows left empty reported as not reported (and MISSING_VALUE without the
marker), the plan pre-filled from the warehouse, and a LibreOffice round trip."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from lct_pipeline.cli import main
from lct_pipeline.reading import read_bytes, read_submission
from lct_pipeline.templates import (
    INFO_COLUMNS,
    MARKER,
    MEASURES_HEADER,
    VALUES_HEADER,
    build_template,
    latest_measures,
    value_keys,
)
from lct_pipeline.validation import check_files
from lct_pipeline.warehouse.engine import get_engine
from lct_pipeline.warehouse.schema import SCHEMA_VERSION, ensure_schema
from lct_pipeline.warehouse.tables_star import fact_measures

ORG, PERIOD, CURRENT = "CSO05", "2013Q4", "2014Q1"
LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
PLAN = pd.DataFrame(
    {
        "org_code": ORG,
        "period": PERIOD,
        "plan_code": "LAP-PAN-2013",
        "measure_code": ["M01", "M02", "M03"],
        "measure_title": ["Obuka stručnjaka", "=Info kampanja", "Sklonište"],
        "responsible_institution": ["CSW", None, "LOCAL_GOV"],
        "status": None,
        "planned_budget_eur": [1200.0, 800.5, 5000.0],
        "spent_budget_eur": None,
        "due_period": ["2013Q4", "2014Q2", "2014Q4"],
    }
)[list(MEASURES_HEADER)]


def _count(element: str, members: tuple[str, ...]) -> int:
    """A plausible count for a template row: the links the rules check hold (services and
    referrals at least the victims assisted, recommendations adopted at most submitted)."""
    fixed = {
        "CONSULTATIONS_HELD": 6, "NETWORK_MEETINGS": 2, "RECOMMENDATIONS_SUBMITTED": 3,
        "RECOMMENDATIONS_ADOPTED": 1, "SERVICES_PROVIDED": 1, "REFERRALS_MADE": 1,
    }  # fmt: skip
    if element in fixed:
        return fixed[element]
    if element.startswith("VOT_"):
        return 2 if members == ("F", "ADULT") else 0
    return (sum(map(len, members)) + len(element)) % 4


def _workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _fill(data: bytes, skip_values=(), skip_measures=(), marker=True) -> bytes:
    """The template as a CSO returns it, typed in with openpyxl: every count and every
    measure's status and spent budget, except the data rows numbered in ``skip_*``."""
    wb = _workbook(data)
    values, measures = wb["values"], wb["measures"]
    col = {c.value: c.column for c in values[1]}
    for row in range(2, values.max_row + 1):
        if row in skip_values:
            continue
        element = values.cell(row, col["data_element"]).value
        members = tuple(
            values.cell(row, col[d]).value
            for d in ("sex", "age_group", "vulnerable_group", "service", "institution")
            if values.cell(row, col[d]).value
        )
        values.cell(row, col["value"]).value = _count(element, members)
    mcol = {c.value: c.column for c in measures[1]}
    for row in range(2, measures.max_row + 1):
        if row in skip_measures or not measures.cell(row, mcol["measure_code"]).value:
            continue
        measures.cell(row, mcol["status"]).value = "IN_PROGRESS"
        measures.cell(row, mcol["spent_budget_eur"]).value = 100
    if not marker:
        wb.custom_doc_props.props = [p for p in wb.custom_doc_props.props if p.name != MARKER]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _check(tmp_path: Path, reference, data: bytes, name="template.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    [check] = check_files([path], reference, CURRENT)
    return check


@pytest.fixture(scope="module")
def template(reference) -> bytes:
    return build_template(reference, ORG, PERIOD, PLAN)


def test_a_template_has_a_row_per_element_and_combination_with_lists_and_limits(
    reference, template
):
    wb = _workbook(template)
    assert wb.sheetnames == ["instructions", "values", "measures", "lists"]
    assert [ws.sheet_state for ws in wb.worksheets] == ["visible"] * 3 + ["hidden"]
    assert {p.name: p.value for p in wb.custom_doc_props.props} == {MARKER: f"{ORG} {PERIOD}"}
    values = wb["values"]
    assert [c.value for c in values[1]] == list(VALUES_HEADER)
    rows = [[c.value for c in r] for r in values.iter_rows(min_row=2)]
    keys = value_keys(reference)
    # 90 + 30 + 1 + 9 + 9 + 7 + 8 + 24 + 3 combinations of the catalogue's members.
    assert len(rows) == len(keys) == 181
    col = {name: i for i, name in enumerate(VALUES_HEADER)}
    for row, (element, members) in zip(rows, keys, strict=True):
        assert (row[col["org_code"]], row[col["period"]]) == (ORG, PERIOD)
        assert row[col["data_element"]] == element.code
        assert row[col["meaning"]] == element.name
        given = {d: row[col[d]] for d in ("sex", "age_group", "vulnerable_group", "service",
                                          "institution") if row[col[d]]}  # fmt: skip
        assert given == dict(zip(element.dimensions, members, strict=True))
        assert row[col["value"]] is None and row[col["comment"]] is None
    assert rows[0][: col["value"]] == [
        ORG, PERIOD, "PERSONS_CONTACTED",
        "persons from vulnerable groups contacted or consulted", "F", "CHILD", "CHILD_MOVE",
        None, None,
    ]  # fmt: skip

    validations = values.data_validations.dataValidation
    counts = {
        str(v.sqref): (v.formula1, v.formula2) for v in validations if v.type == "whole"
    }  # one whole-number range per element, 0 to its max
    assert len(counts) == len(reference.data_elements)
    assert counts["J2:J91"] == ("0", "5000")  # PERSONS_CONTACTED
    assert counts["J123:J131"] == ("0", "500")  # VOT_IDENTIFIED
    lists = {str(v.sqref): v.formula1 for v in validations if v.type == "list"}
    assert lists["A2:A182"] == "lists!$A$2:$A$2"  # the CSO's own code
    assert lists["C2:C182"] == "lists!$C$2:$C$12"  # the 11 data elements
    assert lists["E2:E91"] == "lists!$D$2:$D$4"  # sex: F, M, U
    # A dimension the element does not use takes nothing.
    unused = {str(v.sqref) for v in validations if v.type == "textLength"}
    assert {"H2:H91", "I2:I91", "E122", "I122"} <= {s for r in unused for s in r.split()}
    codes = wb["lists"]
    assert [c.value for c in codes["D"] if c.value] == ["sex", "F", "M", "U"]
    assert [c.value for c in codes["B"][1:4]] == [PERIOD, "2013Q3", "2013Q2"]

    measures = wb["measures"]
    assert [c.value for c in measures[1]] == list(MEASURES_HEADER)
    plan = [[c.value for c in r] for r in measures.iter_rows(min_row=2)]
    assert plan[0] == [ORG, PERIOD, "LAP-PAN-2013", "M01", "Obuka stručnjaka", "CSW", None,
                       1200, None, "2013Q4"]  # fmt: skip
    assert plan[1][4] == "=Info kampanja"  # text, not a formula
    checks = {str(v.sqref): v.type for v in measures.data_validations.dataValidation}
    assert checks["G2:G34"] == "list" and checks["I2:I34"] == "decimal"
    # In the CSO's language (CSO05: Serbian Latin), the codes as they are.
    assert "instructions" in wb.sheetnames and "naveden kao neprijavljen" in " ".join(
        str(c.value) for row in wb["instructions"].iter_rows() for c in row if c.value
    )
    count = next(v for v in validations if v.type == "whole")
    assert count.prompt.startswith("Ceo broj od 0 do ") and count.errorTitle == "Broj"


def test_a_filled_template_passes_validate_with_no_rejection_and_no_warning(
    tmp_path, reference, template
):
    check = _check(tmp_path, reference, _fill(template))
    assert check.problem is None
    assert (check.rows, check.rows_rejected, check.not_reported) == (181 + 3, 0, 0)
    assert check.issues.empty, check.issues[["reason_code", "message"]]  # no COLUMN_NOT_STORED
    result = read_submission(tmp_path / "template.xlsx")
    assert result.template
    assert [(t.sheet, len(t.rows), len(t.left_empty)) for t in result.tables] == [
        ("values", 181, 0),
        ("measures", 3, 0),
    ]
    assert set(INFO_COLUMNS).isdisjoint(result.tables[0].rows.columns)


def test_rows_left_empty_are_not_reported_and_missing_value_without_the_marker(
    workspace, tmp_path, reference, template, capsys
):
    left = {2, 50, 122, 135}  # two of PERSONS_CONTACTED, CONSULTATIONS_HELD, a VOT_ASSISTED
    returned = _fill(template, skip_values=left, skip_measures={3})
    check = _check(tmp_path, reference, returned)
    assert (check.rows, check.rows_rejected, check.not_reported) == (181 - 4 + 2, 0, 5)
    assert check.issues.empty
    result = read_bytes(returned, ".xlsx")
    empty = {t.sheet: t.left_empty for t in result.tables}
    assert empty["values"]["row_number"].tolist() == sorted(left)
    assert empty["values"]["data_element"].tolist() == [
        "PERSONS_CONTACTED", "PERSONS_CONTACTED", "CONSULTATIONS_HELD", "VOT_ASSISTED",
    ]  # fmt: skip
    assert empty["measures"][["row_number", "measure_code"]].values.tolist() == [[3, "M02"]]
    assert main(["validate", "--lang", "en", str(tmp_path / "template.xlsx")]) == 0
    said = capsys.readouterr().out.splitlines()
    assert said[-2].endswith("OK: 179 rows pass")
    assert said[-1].endswith(
        "5 row(s) of the template left empty: not reported (missing data, never counted as 0);"
        " type 0 where there were none"
    )

    # The same file without the marker is not a template: an empty value is MISSING_VALUE,
    # and the meaning column is a column not stored.
    plain = _check(tmp_path, reference, _fill(template, left, {3}, marker=False), "plain.xlsx")
    rejected = plain.issues[plain.issues["severity"] == "rejection"]
    assert (plain.rows, plain.rows_rejected, plain.not_reported) == (181 + 3, 5, 0)
    assert set(rejected["reason_code"]) == {"MISSING_VALUE"}
    assert sorted(rejected["row_number"].astype(int)) == [2, 3, 50, 122, 135]
    warned = plain.issues[plain.issues["severity"] == "warning"]
    assert warned["reason_code"].tolist() == ["COLUMN_NOT_STORED"]
    assert "'meaning'" in warned["message"].iloc[0]


def test_a_template_sent_back_untouched_is_an_empty_file_that_says_so(
    tmp_path, reference, template
):
    check = _check(tmp_path, reference, template)
    assert check.problem is not None and check.problem.reason_code == "EMPTY_FILE"
    assert "every row of the template was left empty" in str(check.problem.message)


def test_the_plan_is_the_latest_snapshot_up_to_the_quarter(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    ensure_schema(engine)
    rows = [
        {"submission_id": f"{org}:{p}", "sheet": "measures", "row_number": n + 2, "period": p,
         "org_code": org, "plan_code": "LAP-1", "measure_code": f"M{n}",
         "measure_title": f"measure {n}", "responsible_institution": None,
         "status": "IN_PROGRESS", "planned_budget_eur": 100.0 * (n + 1),
         "spent_budget_eur": 10.0, "due_period": "2014Q4"}
        for org, p, count in [(ORG, "2013Q2", 3), (ORG, "2013Q3", 2), (ORG, "2014Q1", 4),
                              ("CSO06", "2013Q3", 5)]
        for n in range(count)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(fact_measures.insert(), rows)
    plan = latest_measures(engine, ORG, PERIOD)
    assert plan["measure_code"].tolist() == ["M0", "M1"]  # 2013Q3's, not 2014Q1's
    assert set(plan["period"]) == {PERIOD}
    assert plan["status"].isna().all() and plan["spent_budget_eur"].isna().all()
    assert plan["planned_budget_eur"].tolist() == [100.0, 200.0]
    assert latest_measures(engine, ORG, "2013Q1").empty
    assert list(latest_measures(engine, "CSO07", PERIOD).columns) == list(MEASURES_HEADER)
    engine.dispose()


def test_lct_template_writes_one_or_every_active_csos_template(workspace, capsys):
    assert main(["template", "--org", "cso14", "--period", "2013Q2"]) == 0
    path = workspace.extracts / "templates/2013Q2/lct_template_CSO14_2013Q2.xlsx"
    assert "no plan in the warehouse" in capsys.readouterr().out
    assert read_submission(path).template
    assert not Path(workspace.warehouse_url.removeprefix("sqlite:///")).exists()
    assert main(["template", "--all", "--period", "2013Q1", "--out", str(workspace.root)]) == 0
    written = sorted(p.name for p in workspace.root.glob("lct_template_*.xlsx"))
    assert len(written) == 13 and "lct_template_CSO14_2013Q1.xlsx" not in written
    assert main(["template", "--org", "CSO99", "--period", "2013Q1"]) == 2


def test_an_older_warehouse_gets_the_table_of_rows_not_reported(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    ensure_schema(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE raw_not_reported")
        conn.exec_driver_sql("UPDATE schema_info SET value = '5' WHERE key = 'schema_version'")
    ensure_schema(engine)
    with engine.connect() as conn:
        assert "raw_not_reported" in sa.inspect(conn).get_table_names()
        version = conn.exec_driver_sql(
            "SELECT value FROM schema_info WHERE key = 'schema_version'"
        ).scalar()
    assert version == str(SCHEMA_VERSION)
    engine.dispose()


@pytest.mark.skipif(
    LIBREOFFICE is None and not os.environ.get("CI"),
    reason="LibreOffice is not installed (apt-get install libreoffice-calc); CI runs this test",
)
def test_a_template_saved_by_libreoffice_reads_the_same(tmp_path, reference, template):
    assert LIBREOFFICE, "under CI LibreOffice must be installed (.ci/run installs it)"
    returned = _fill(template, skip_values={2, 121}, skip_measures={3})
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "returned.xlsx").write_bytes(returned)
    done = subprocess.run(
        [LIBREOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "xlsx", "--outdir", str(tmp_path / "out"),
         str(tmp_path / "in" / "returned.xlsx")],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    saved = tmp_path / "out" / "returned.xlsx"
    assert saved.is_file(), done.stdout + done.stderr
    assert saved.read_bytes() != returned
    before, after = read_bytes(returned, ".xlsx"), read_submission(saved)
    assert after.error is None and after.template
    for old, new in zip(before.tables, after.tables, strict=True):
        assert (old.sheet, old.record_type) == (new.sheet, new.record_type)
        pd.testing.assert_frame_equal(old.rows, new.rows)
        pd.testing.assert_frame_equal(old.left_empty, new.left_empty)
    # The drop-down lists and limits, and the hidden lists sheet, are kept too.
    kept, original = _workbook(saved.read_bytes()), _workbook(returned)
    for sheet in ("values", "measures"):
        validations = kept[sheet].data_validations.dataValidation
        assert len(validations) == len(original[sheet].data_validations.dataValidation)
    assert kept["lists"].sheet_state == "hidden"
    check = _check(tmp_path, reference, saved.read_bytes(), "saved.xlsx")
    assert (check.rows, check.rows_rejected, check.not_reported) == (181 - 2 + 2, 0, 3)
    assert check.issues.empty


def test_a_returned_template_through_the_pipeline(workspace, reference, template):
    """CSO05 returns its 2013Q4 template with four counts and a measure left empty: the
    figures are the typed ones, nothing is stored for the empty rows, the feedback lists
    them as not reported, and the next template carries the plan as reported."""
    import dagster as dg

    from assets.feedback import cso_feedback
    from assets.ingestion import raw_submissions
    from assets.templates import submission_templates
    from assets.validation import validated_submissions
    from assets.warehouse import data_values, measures
    from resources import build_resources

    left = {2, 50, 122, 135}
    path = workspace.inbox / "2013Q4" / "lct_template_CSO05_2013Q4.xlsx"
    path.parent.mkdir()
    path.write_bytes(_fill(template, skip_values=left, skip_measures={3}))
    os.utime(path, (1389340800, 1389340800))  # 2014-01-10
    result = dg.materialize(
        [raw_submissions, validated_submissions, data_values, measures, cso_feedback,
         submission_templates],
        partition_key=PERIOD,
        resources=build_resources(),
        instance=dg.DagsterInstance.ephemeral(),
    )  # fmt: skip
    assert result.success

    engine = get_engine(workspace.warehouse_url)
    with engine.connect() as conn:
        submissions = pd.read_sql(sa.text("SELECT * FROM submissions"), conn)
        stored = pd.read_sql(sa.text("SELECT * FROM data_values"), conn)
        plan = pd.read_sql(sa.text("SELECT * FROM measures"), conn)
        issues = pd.read_sql(
            sa.text("SELECT * FROM rejections UNION ALL SELECT * FROM warnings"), conn
        )
        unreported = pd.read_sql(sa.text("SELECT * FROM raw_not_reported"), conn)
    # A row left empty is no data row: the slices add up without it, none is rejected.
    counts = submissions.set_index("record_type")[["status", "rows_total", "rows_accepted",
                                                   "rows_rejected"]]  # fmt: skip
    assert counts.loc["values"].tolist() == ["accepted", 177, 177, 0]
    assert counts.loc["measures"].tolist() == ["accepted", 2, 2, 0]
    assert issues.empty
    assert len(unreported) == 5 and unreported["value"].isna().all()
    # The figures are the typed ones; nothing (no zero) is stored for the rows left empty.
    typed = {(e.code, m): _count(e.code, m) for e, m in value_keys(reference)}
    skipped = [value_keys(reference)[r - 2] for r in sorted(left)]
    for element, members in skipped:
        del typed[element.code, members]
    assert len(stored) == 177
    assert stored["value"].sum() == sum(typed.values())
    consultations = stored[stored["data_element"] == "CONSULTATIONS_HELD"]
    assert consultations.empty  # its only row was left empty: missing, not 0
    assert sorted(plan["measure_code"]) == ["M01", "M03"]

    feedback = workspace.extracts / "feedback/CSO05/2013Q4_lct_template_cso05_2013q4_feedback"
    book = openpyxl.load_workbook(feedback.with_suffix(".xlsx"))
    sheet = book.worksheets[-1]
    lines = [[c.value for c in row] for row in sheet.iter_rows(values_only=False)]
    listed = [line for line in lines if line and isinstance(line[1], int)]
    assert [line[1] for line in listed] == [2, 50, 122, 135, 3]
    assert listed[0][4:6] == [
        "PERSONS_CONTACTED",
        "sex F, age_group CHILD, vulnerable_group CHILD_MOVE",
    ]
    assert listed[2][4:6] == ["CONSULTATIONS_HELD", "ukupno"]  # CSO05 writes Serbian Latin
    assert listed[4][4] == "LAP-PAN-2013 M02: =Info kampanja"
    summary = " ".join(
        str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value
    )
    assert "5 red(ova) obrasca ostalo je prazno: nisu prijavljeni" in summary
    csv_text = feedback.with_suffix(".csv").read_text(encoding="utf-8-sig")
    lines = csv_text.splitlines()
    assert sum(line.startswith("nije prijavljeno,values,") for line in lines) == 4
    assert sum(line.startswith("nije prijavljeno,measures,3,") for line in lines) == 1
    assert "MISSING_VALUE" not in csv_text

    # The next template of CSO05 for the quarter carries the plan as reported.
    again = _workbook(
        (workspace.extracts / "templates/2013Q4/lct_template_CSO05_2013Q4.xlsx").read_bytes()
    )
    assert [r[3] for r in again["measures"].iter_rows(min_row=2, values_only=True)] == [
        "M01",
        "M03",
    ]
    assert len(list((workspace.extracts / "templates/2013Q4").glob("*.xlsx"))) == 14
    [written] = [
        m.materialization.metadata for m in result.get_asset_materialization_events()
        if m.asset_key == submission_templates.key
    ]  # fmt: skip
    assert (written["dagster/row_count"].value, written["without_plan"].value) == (14, 13)
    engine.dispose()
