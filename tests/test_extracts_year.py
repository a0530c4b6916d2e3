"""A year's extract (built after its Q4) from a whole programme: 14 CSOs, 2012Q4..2013Q4."""

from __future__ import annotations

import openpyxl
import pytest
from test_extracts_scenario import build_all, full_inputs

from lct_pipeline.extracts import quarter_scope, scopes_for, year_scope
from lct_pipeline.extracts.files import MANIFEST


def test_a_q4_builds_its_quarter_and_its_year_other_quarters_only_themselves():
    assert [s.label for s in scopes_for("2013Q4")] == ["2013Q4", "2013"]
    assert [s.label for s in scopes_for("2013Q3")] == ["2013Q3"]
    assert year_scope(2013).quarters == ("2013Q1", "2013Q2", "2013Q3", "2013Q4")
    assert year_scope(2012).quarters == ("2012Q4",)  # the programme starts in 2012Q4
    assert quarter_scope("2013Q2").trend_quarters == ("2012Q4", "2013Q1", "2013Q2")


@pytest.fixture(scope="module")
def year(reference, tmp_path_factory):
    root = tmp_path_factory.mktemp("extracts")
    return build_all(full_inputs(reference), year_scope(2013), reference, root)


def _rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def test_year_files_are_named_by_the_year(year):
    names = {p.name for p in year.folder.iterdir()}
    assert year.folder.name == "2013"
    assert {"lct_2013_internal.xlsx", "lct_2013_report.html",
            "lct_2013_internal_indicators.csv", MANIFEST} <= names  # fmt: skip
    public = {p.name for p in (year.folder / "public").iterdir()}
    assert {"lct_2013_public.xlsx", "lct_2013_public_indicators.csv", MANIFEST} <= public
    assert year.paths[-1].name == MANIFEST


def test_year_summary_uses_the_year_rows_and_the_cumulative_figure(year):
    ws = openpyxl.load_workbook(year.folder / "lct_2013_internal.xlsx")["summary"]
    rows = {r[0]: r for r in _rows(ws) if r[0] and str(r[0]).startswith("IND")}
    # 2013: 12 + 6 + 5 + 9 victims assisted against 40; 43 since 2012Q4 (11 in 2012Q4)
    assert rows["IND03"] == ("IND03", "victims assisted through local networks", 32, 40, 40,
                             0.8, "AMBER", 43)  # fmt: skip
    assert rows["IND11"][2:7] == (pytest.approx(100 * 52 / 55), 100, 100,
                                  pytest.approx(52 / 55), "GREEN")  # fmt: skip
    assert year.headline.set_index("indicator_code").at["IND01", "value"] == 133


def test_year_completeness_has_each_quarter_and_the_year(year):
    ws = openpyxl.load_workbook(year.folder / "lct_2013_internal.xlsx")["completeness"]
    national = [r for r in _rows(ws) if r[1] == "NATIONAL"]
    assert [r[0] for r in national] == ["2013", "2013Q1", "2013Q2", "2013Q3", "2013Q4"]
    # CSO14 joins in 2013Q2: 13 + 14 + 14 + 14 reports expected
    assert national[0][4:9] == (55, 52, 45, pytest.approx(100 * 52 / 55),
                                pytest.approx(100 * 45 / 55))  # fmt: skip


def test_public_year_workbook_holds_only_the_year_rows(year):
    ws = openpyxl.load_workbook(year.folder / "public/lct_2013_public.xlsx")["indicators"]
    rows = _rows(ws)[1:]
    assert {(r[2], r[3]) for r in rows} == {("2013", "Y")}
    assert not [r for r in rows if r[4] == "ORG"]
    [national] = [r for r in rows if r[0] == "IND03" and r[5] == "RS" and r[7] == "TOTAL"]
    assert national[11] == 32


def test_year_report_is_the_annual_report(year):
    html = (year.folder / "lct_2013_report.html").read_text(encoding="utf-8")
    assert "<h1>Annual monitoring report 2013</h1>" in html
    assert "01 Jan 2013 – 31 Dec 2013" in html
