"""No personal data anywhere (SPEC §5): an ID number, an e-mail address and a phone
number typed in every column of both tables, in a column the layout lacks, under an
empty header cell, beyond the header and in a signature line under the table, then the
whole quarterly job run through Dagster, with a third file named after a person: none of
them is in any table of the warehouse, any file (or file name) under the archive, extracts
(feedback included) or Data Docs, or Dagster's event log."""

from __future__ import annotations

import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import openpyxl
import pytest
import sqlalchemy as sa
from dagster._serdes import serialize_value

from lct_pipeline.contract import COLUMNS, MEASURES, VALUES
from lct_pipeline.definitions import defs
from schedules.jobs import QUARTERLY_PIPELINE

pytestmark = pytest.mark.slow

# The texts screening must catch, and the leftovers that would show one got through.
JMBG, EMAIL, PHONE = "0101990715123", "ana.petrovic@example.rs", "064/123-4567"
TRACES = (JMBG, EMAIL, PHONE, "715123", "petrovic@", "123-4567")

GOOD_VALUES = {"org_code": "CSO01", "period": "2013Q1", "data_element": "VOT_ASSISTED",
               "sex": "F", "age_group": "ADULT", "value": "2"}  # fmt: skip
GOOD_MEASURES = {"org_code": "CSO01", "period": "2013Q1", "plan_code": "LAP-NSA-2012",
                 "measure_code": "M1", "measure_title": "Obuka", "status": "IN_PROGRESS",
                 "planned_budget_eur": "1000", "spent_budget_eur": "200",
                 "due_period": "2013Q4"}  # fmt: skip


def _rows(record_type: str, good: dict[str, str]) -> list[list[str]]:
    """A good row, then one row per column with the secrets typed into that column."""
    columns = COLUMNS[record_type]
    rows = [[good.get(c, "") for c in columns]]
    for i, column in enumerate(columns):
        for secret in (JMBG, f"pišite na {EMAIL}", f"tel. {PHONE}"):
            row = [good.get(c, "") for c in columns]
            row[i] = secret if column != "org_code" else f"popunila Ana {secret}"
            rows.append(row)
    return rows


def _values_csv() -> str:
    header = [*COLUMNS[VALUES], "kontakt", ""]
    lines = [";".join(header)]
    lines += [";".join([*row, "", ""]) for row in _rows(VALUES, GOOD_VALUES)]
    good = [GOOD_VALUES.get(c, "") for c in COLUMNS[VALUES]]
    lines.append(";".join([*good, f"tel. {PHONE}", JMBG, EMAIL]))  # unknown, unnamed, beyond
    lines.append(f"Popunila: Ana Petrović, {EMAIL}, {PHONE}")  # a signature under the table
    return "\n".join(lines) + "\n"


def _workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "values"
    book["values"].append(list(COLUMNS[VALUES]))
    book["values"].append([GOOD_VALUES.get(c, "") for c in COLUMNS[VALUES]] + ["", EMAIL])
    sheet = book.create_sheet("measures")
    sheet.append(list(COLUMNS[MEASURES]))
    for row in _rows(MEASURES, GOOD_MEASURES | {"org_code": "CSO02"}):
        sheet.append(row)
    book.save(path)


def _received(path: Path, when: str) -> None:
    stamp = datetime.fromisoformat(when).replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))


def _texts(root: Path) -> dict[str, str]:
    """Every file under ``root`` as text; a workbook as the XML inside it."""
    found = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if data[:2] == b"PK":
            with zipfile.ZipFile(path) as archive:
                data = b"".join(archive.read(name) for name in archive.namelist())
        found[str(path.relative_to(root))] = data.decode("utf-8", errors="replace")
    return found


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("personal")
    env = {
        "LCT_INBOX_DIR": root / "inbox",
        "LCT_ARCHIVE_DIR": root / "archive",
        "LCT_EXTRACTS_DIR": root / "extracts",
        "LCT_DATA_DOCS_DIR": root / "data_docs",
        "LCT_WAREHOUSE_URL": f"sqlite:///{root / 'warehouse.sqlite'}",
        "LCT_TODAY": "2014-03-01",
    }
    (root / "inbox" / "2013Q1").mkdir(parents=True)
    values = root / "inbox" / "2013Q1" / "cso01.csv"
    values.write_text(_values_csv(), encoding="utf-8")
    _received(values, "2013-04-10T08:00:00")
    _workbook(root / "inbox" / "2013Q1" / "cso02.xlsx")
    _received(root / "inbox" / "2013Q1" / "cso02.xlsx", "2013-04-11T08:00:00")
    # A file named after the person who filled it in.
    named = root / "inbox" / "2013Q1" / f"cso01 {EMAIL} {JMBG}.csv"
    named.write_text(_values_csv().replace("VOT_ASSISTED", "NETWORK_MEETINGS"), encoding="utf-8")
    _received(named, "2013-04-12T08:00:00")
    with pytest.MonkeyPatch.context() as patch, dg.DagsterInstance.ephemeral() as instance:
        for name, value in env.items():
            patch.setenv(name, str(value))
        job = defs.resolve_job_def(QUARTERLY_PIPELINE)
        result = job.execute_in_process(partition_key="2013Q1", instance=instance)
        assert result.success
        events = [serialize_value(e) for e in instance.all_logs(result.run_id)]
        engine = sa.create_engine(str(env["LCT_WAREHOUSE_URL"]))
        with engine.connect() as conn:
            tables = {
                table: repr(conn.execute(sa.text(f'SELECT * FROM "{table}"')).all())
                for table in sa.inspect(conn).get_table_names()
            }
        engine.dispose()
    return {
        "tables": tables,
        "extracts": _texts(root / "extracts"),
        "data_docs": _texts(root / "data_docs"),
        "events": events,
        "paths": {
            str(p.relative_to(root)): str(p.relative_to(root))
            for p in root.rglob("*")
            if p.relative_to(root).parts[0] != "inbox"
        },
    }


def test_the_files_were_read_and_their_good_rows_stored(run):
    stored = run["tables"]
    assert "'VOT_ASSISTED'" in stored["fact_values"] and "'M1'" in stored["fact_measures"]
    assert "[removed: phone]" in stored["raw_rows"] and "[removed: e-mail]" in stored["row_issues"]
    assert run["extracts"] and run["data_docs"] and run["events"]


def test_a_signature_line_names_no_slice_and_no_submission_id(run):
    slices = run["tables"]["slices"]
    assert "POPUNILA" not in slices.upper() and "PETROVI" not in slices.upper()
    assert "'(not a code)'" in slices


def test_a_file_named_after_a_person_is_stored_under_its_name_without_them(run):
    assert "cso01 [removed: e-mail] [removed: jmbg].csv" in run["tables"]["raw_files"]
    assert any(p.endswith("[removed: e-mail] [removed: jmbg].csv") for p in run["paths"])


@pytest.mark.parametrize("where", ["tables", "extracts", "data_docs", "events", "paths"])
def test_no_personal_data_reaches_it(run, where):
    found = run[where]
    items = found.items() if isinstance(found, dict) else enumerate(found)
    leaks = [(name, trace) for name, text in items for trace in TRACES if trace in text]
    assert leaks == []
