"""The bundled sample network, end to end through `lct` as a data officer runs it (SPEC §10):
the programme's reported results, every injected mistake found, and a quarter run again
that changes nothing, in it or in any other quarter."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from lct_pipeline.contract import FILE_REASONS

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = json.loads((ROOT / "data" / "sample" / "manifest.json").read_text(encoding="utf-8"))
VIEWS = (
    "submissions", "rejections", "warnings", "data_values", "measures",
    "indicator_values", "reporting_completeness",
)  # fmt: skip

RAW = ("raw_files", "raw_rows", "raw_not_reported")

pytestmark = pytest.mark.slow


def _lct(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lct_pipeline.cli", *args],
        cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=1200,
    )  # fmt: skip


def _read(url: str, tables: list[str]) -> dict[str, pd.DataFrame]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            frames = {t: pd.read_sql(sa.text(f"SELECT * FROM {t}"), conn) for t in tables}
    finally:
        engine.dispose()
    return {
        name: frame.astype(str).sort_values(list(frame.columns)).reset_index(drop=True)
        for name, frame in frames.items()
    }


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """`lct sample`, `lct run --all`, then `lct run --period 2013Q2`; the state after each."""
    root = tmp_path_factory.mktemp("sample")
    (root / "dagster_home").mkdir()
    env = {
        "LCT_INBOX_DIR": root / "inbox",
        "LCT_ARCHIVE_DIR": root / "archive",
        "LCT_EXTRACTS_DIR": root / "extracts",
        "LCT_DATA_DOCS_DIR": root / "data_docs",
        "LCT_WAREHOUSE_URL": f"sqlite:///{root / 'warehouse.sqlite'}",
        "DAGSTER_HOME": root / "dagster_home",
        "LCT_TODAY": "2014-03-01",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, str(value))
        assert _lct("sample").returncode == 0
        first = _lct("run", "--all")
        assert first.returncode == 0, first.stderr
        tables = [*VIEWS, *RAW]
        after_first = _read(str(env["LCT_WAREHOUSE_URL"]), tables)
        # A quarter validated and aggregated again from the raw layer: nothing changes,
        # so no later quarter is stale.
        second = _lct("run", "--period", "2013Q2")
        assert second.returncode == 0, second.stderr
        assert "No other quarter was made stale." in second.stdout, second.stdout
        after_second = _read(str(env["LCT_WAREHOUSE_URL"]), tables)
    return {
        "stdout": first.stdout,
        "first": after_first,
        "second": after_second,
        "root": root,
    }


def _indicator(views, code, period="2013Q4", period_type="CUM", level="NATIONAL") -> float:
    rows = views["indicator_values"]
    [value] = rows[
        (rows.indicator_code == code)
        & (rows.period == period)
        & (rows.period_type == period_type)
        & (rows.area_level == level)
        & (rows.breakdown == "TOTAL")
    ]["value"].tolist()
    return float(value)


def test_the_sample_reproduces_the_programmes_reported_results(sample_run):
    views = sample_run["first"]
    assert _indicator(views, "IND03") == 43
    assert _indicator(views, "IND01") >= 130
    assert _indicator(views, "IND01") == MANIFEST["expected"]["IND01"]


def test_the_main_command_prints_every_quarter_and_where_the_results_are(sample_run):
    lines = sample_run["stdout"].splitlines()
    quarters = [line.split()[0] for line in lines if "  ok  " in line]
    assert quarters == ["2012Q4", "2013Q1", "2013Q2", "2013Q3", "2013Q4"]
    root = sample_run["root"]
    assert f"Warehouse: sqlite:///{root / 'warehouse.sqlite'}" in lines
    assert f"Extracts:  {root / 'extracts'}" in lines


def _row(value: object) -> str:
    number = pd.to_numeric(value, errors="coerce")
    return "" if pd.isna(number) else str(int(number))


def _issues(frame: pd.DataFrame) -> list[tuple]:
    return sorted(
        (r.source_file, r.sheet, _row(r.row_number), r.reason_code) for r in frame.itertuples()
    )


def _expected(entries: list[dict]) -> list[tuple]:
    return sorted(
        (
            e["file"],
            e["sheet"],
            "" if e["row_number"] is None else str(e["row_number"]),
            e["reason_code"],
        )
        for e in entries
    )


def test_every_injected_mistake_is_found_and_nothing_else(sample_run):
    views = sample_run["first"]
    assert _issues(views["rejections"]) == _expected(MANIFEST["rejections"])
    assert _issues(views["warnings"]) == _expected(MANIFEST["warnings"])


def test_the_resubmission_supersedes_and_the_first_file_stays_visible(sample_run):
    submissions = sample_run["first"]["submissions"]
    for entry in MANIFEST["superseded"]:
        old = submissions[
            (submissions.source_file == entry["file"])
            & (submissions.org_code == entry["org_code"])
            & (submissions.record_type == entry["record_type"])
        ]
        assert old["status"].tolist() == ["superseded"]
        new = submissions[
            (submissions.source_file == entry["by"])
            & (submissions.record_type == entry["record_type"])
        ]
        assert new["status"].tolist() in (["accepted"], ["partial"])


def test_rows_of_every_submission_add_up(sample_run):
    submissions = sample_run["first"]["submissions"]
    total = submissions.rows_total.astype(int)
    assert (
        total == submissions.rows_accepted.astype(int) + submissions.rows_rejected.astype(int)
    ).all()
    raw_rows = sample_run["first"]["raw_rows"]
    # Files rejected whole store no row, but count every data row they had.
    files = sample_run["first"]["raw_files"]
    rejected_whole = files.loc[files.reason_code.isin(FILE_REASONS), "rows_read"].astype(int)
    assert rejected_whole.sum() > 0, "the sample has files rejected whole with data rows"
    assert total.sum() == len(raw_rows) + rejected_whole.sum()
    # A template's rows left empty are no data rows: kept apart, only to be listed.
    unreported = sample_run["first"]["raw_not_reported"]
    assert len(unreported) == sum(f.get("not_reported", 0) for f in MANIFEST["files"]) > 0


def test_the_template_submission_lists_its_empty_rows_as_not_reported(sample_run):
    """CSO01's 2013Q4 file is the network's template filled in (SPEC §11): the rows it
    left empty are not stored (no zero), not rejected (no MISSING_VALUE), and its
    feedback lists each of them as not reported."""
    [entry] = [f for f in MANIFEST["files"] if f["format"] == "template"]
    assert entry["file"] == "2013Q4/lct_template_CSO01_2013Q4.xlsx"
    views = sample_run["first"]
    sha = views["raw_files"].set_index("source_file").loc[entry["file"], "sha256"]
    submissions = views["submissions"][views["submissions"].sha256 == sha]
    counts = submissions.set_index("record_type")[["status", "rows_total", "rows_accepted"]]
    for table in entry["tables"]:  # 43 values typed (0 where none), the 8 measures
        rows = str(table["rows"])
        assert counts.loc[table["record_type"]].tolist() == ["accepted", rows, rows]
    assert views["rejections"][views["rejections"].source_file == entry["file"]].empty
    unreported = views["raw_not_reported"]
    unreported = unreported[unreported.sha256 == sha]
    assert len(unreported) == entry["not_reported"] == 138
    assert unreported.value.isna().all() and set(unreported.record_type) == {"values"}
    # Only the typed rows are stored: none of the rows left empty, as zero or otherwise.
    key = ["data_element", "sex", "age_group", "vulnerable_group", "service", "institution"]
    stored = views["data_values"]
    stored = stored[(stored.org_code == "CSO01") & (stored.period == "2013Q4")]
    assert len(stored) == entry["tables"][0]["rows"] == 43
    stored_keys = set(stored[key].fillna("").itertuples(index=False, name=None))
    empty_keys = set(unreported[key].fillna("").itertuples(index=False, name=None))
    assert len(stored_keys) == 43 and len(empty_keys) == 138 and not empty_keys & stored_keys
    assert ("PERSONS_CONTACTED", "F", "ADULT", "MIGRANT", "", "") in stored_keys
    assert ("PROFESSIONALS_TRAINED", "F", "", "", "", "CSW") in empty_keys
    [csv] = (sample_run["root"] / "extracts/feedback/CSO01").glob("2013Q4_lct_template_*.csv")
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    assert sum(line.startswith("nije prijavljeno,values,") for line in lines) == 138
    assert len(lines) == 1 + 138  # the header; no rejection, no warning


@pytest.mark.parametrize("table", [*VIEWS, *RAW])
def test_a_quarter_run_again_leaves_every_view_and_raw_table_identical(sample_run, table):
    pd.testing.assert_frame_equal(sample_run["second"][table], sample_run["first"][table])


def _public_table(folder: Path, label: str):
    from lct_pipeline.extracts.audit import PublicTable

    return PublicTable.from_csv(
        (folder / f"lct_{label}_public_indicators.csv").read_bytes(),
        (folder / f"lct_{label}_public_left_out.csv").read_bytes(),
        (label, "Q" if "Q" in label else "Y"),
    )


@pytest.mark.parametrize(
    ("year", "quarters"),
    [("2012", ["2012Q4"]), ("2013", ["2013Q1", "2013Q2", "2013Q3", "2013Q4"])],
)
def test_the_published_files_of_every_period_withstand_the_attacker(sample_run, year, quarters):
    """The public folders as written by `lct run --all`, read as an attacker would."""
    from lct_pipeline.extracts.audit import audit
    from lct_pipeline.reference import load_reference

    reference = load_reference(ROOT / "data" / "reference")
    extracts = sample_run["root"] / "extracts"
    tables = [_public_table(extracts / q / "public", q) for q in quarters]
    tables.append(_public_table(extracts / year / "public", year))
    result = audit(tables, reference, 5)
    assert result.passed, [f.chain for f in result.findings]
    assert result.intervals  # the audit saw hidden cells and gave each an interval
    for table in tables[:-1]:
        assert audit([table], reference, 5).passed
    # The one-CSO areas (every municipality, Beograd) publish no figure on victims.
    sensitive = {"IND03", "IND04", "IND05", "IND06"}
    for table in tables:
        rows = table.indicators[table.indicators["indicator_code"].isin(sensitive)]
        assert set(rows["area_level"]) <= {"NATIONAL", "REGION"}
        assert "R-BEG" not in set(rows["area_code"])


def test_public_folders_name_no_cso_and_no_input_file(sample_run):
    extracts = sample_run["root"] / "extracts"
    folders = sorted(extracts.glob("*/public"))
    assert [f.parent.name for f in folders] == [
        "2012", "2012Q4", "2013", "2013Q1", "2013Q2", "2013Q3", "2013Q4",
    ]  # fmt: skip
    for folder in folders:
        names = {p.name for p in folder.iterdir()}
        assert "manifest.json" in names
        assert not [n for n in names if n.endswith(".html") or "internal" in n]
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert "input_files" not in manifest
        for path in folder.glob("*.csv"):
            text = path.read_text(encoding="utf-8-sig")
            # CSO codes, and input files such as 2013Q1/cso12.csv
            assert not re.search(r"CSO\d|cso\d|\.xlsx|\.csv", text), path.name
    # The year shows the country's figure on victims assisted.
    rows = (extracts / "2013/public/lct_2013_public_indicators.csv").read_text(encoding="utf-8-sig")
    assert (
        "IND03,victims assisted through local networks,2013,Y,NATIONAL,RS,Srbija,TOTAL,_T,40,"
        in rows
    )
