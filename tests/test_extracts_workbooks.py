"""The hand scenario's workbooks and CSVs, cell by cell (see test_extracts_scenario).

2013Q1, victims assisted (IND03) by CSO: CSO01 F/ADULT 4, M/ADULT 3, F/CHILD 1;
CSO02 F/ADULT 6; CSO03 F/ADULT 2, M/ADULT 1; CSO06 F/ADULT 9, M/ADULT 5,
F/CHILD 2, M/CHILD 1. Hence, by area (total; F, M; CHILD, ADULT):

    M-NSA 14; 11, 3; 1, 13     M-SUB 3; 2, 1; 0, 3      R-VOJ 17; 13, 4; 1, 16
    M-BGD = R-BEG 17; 11, 6; 3, 14                      RS 34; 24, 10; 4, 30

Counts 1-4 are "<5". Figures on victims are published only where at least 3 CSOs
reported: the country (4) and R-VOJ (3); R-BEG and every municipality are left out.
R-BEG is then RS - R-VOJ, so the audit loop hides or leaves out until no count is
pinned: R-VOJ's F goes ([c]), its M (<5) and the CHILD members (<5) are left out,
and the country's and Vojvodina's totals stay shown.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from test_extracts_scenario import build_all, hand_inputs

from lct_pipeline.extracts import quarter_scope

C, LT5 = "[c]", "<5"
# (area, breakdown_value) -> value shown in the public extract for IND03
PUBLIC_IND03 = {
    ("RS", "_T"): 34, ("RS", "F"): 24, ("RS", "M"): 10, ("RS", "ADULT"): 30,
    ("R-VOJ", "_T"): 17, ("R-VOJ", "F"): C, ("R-VOJ", "ADULT"): C,
}  # fmt: skip
# area -> (numerator, denominator, value) shown for the ratio IND04; IND05's numerator
# (the CHILD members) is left out everywhere, so it has no public row.
PUBLIC_IND04 = {
    "RS": (34, 44, 77.27272727272727), "R-VOJ": (17, 24, 70.83333333333333),
}  # fmt: skip
PUBLIC_IND05: dict = {}
INDICATOR_HEADER = (
    "indicator_code", "indicator_name", "period", "period_type", "area_level", "area_code",
    "area_name", "breakdown", "breakdown_value", "numerator", "denominator", "value", "target",
    "expected_to_date", "achievement", "rag",
)  # fmt: skip


@pytest.fixture(scope="module")
def folder(reference, tmp_path_factory):
    root = tmp_path_factory.mktemp("extracts")
    build_all(hand_inputs(reference), quarter_scope("2013Q1"), reference, root)
    return root / "2013Q1"


def _book(folder, audience):
    where = folder / "public" if audience == "public" else folder
    return openpyxl.load_workbook(where / f"lct_2013Q1_{audience}.xlsx")


def _records(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _pick(records, **key) -> list[dict]:
    return [r for r in records if all(r[k] == v for k, v in key.items())]


def test_public_indicators_hide_small_counts_and_the_cells_that_would_give_them_away(folder):
    ws = _book(folder, "public")["indicators"]
    assert tuple(c.value for c in ws[1]) == INDICATOR_HEADER
    records = _records(ws)
    assert not _pick(records, area_level="ORG")
    ind03 = {
        (r["area_code"], r["breakdown_value"]): r["value"]
        for r in records
        if r["indicator_code"] == "IND03"
    }
    assert ind03 == PUBLIC_IND03
    for code, expected in (("IND04", PUBLIC_IND04), ("IND05", PUBLIC_IND05)):
        shown = {
            r["area_code"]: (r["numerator"], r["denominator"], r["value"])
            for r in _pick(records, indicator_code=code)
        }
        assert shown == expected, code
    # No row of an area left out; a shown ratio keeps its achievement and RAG.
    assert not _pick(records, area_code="R-BEG", indicator_code="IND03")
    assert not _pick(records, area_level="MUNICIPALITY", indicator_code="IND04")
    [vojvodina] = _pick(records, indicator_code="IND04", area_code="R-VOJ")
    assert vojvodina["rag"] == "AMBER"
    assert vojvodina["achievement"] == pytest.approx(70.8333333 / 80)


def test_public_extract_shows_small_counts_of_non_sensitive_indicators(folder):
    records = _records(_book(folder, "public")["indicators"])
    # IND01 (persons consulted) is not sensitive: M-NSA's one man and M-SUB's 2 are shown.
    [men] = _pick(records, indicator_code="IND01", area_code="M-NSA", breakdown_value="M")
    assert men["value"] == 1
    [subotica] = _pick(records, indicator_code="IND01", area_code="M-SUB", breakdown="TOTAL")
    assert subotica["value"] == 2
    # First row: the country's total, as in the internal workbook.
    ws = _book(folder, "public")["indicators"]
    assert [c.value for c in ws[2]][:12] == [
        "IND01", "persons from vulnerable groups consulted", "2013Q1", "Q", "NATIONAL", "RS",
        "Srbija", "TOTAL", "_T", 42, None, 42,
    ]  # fmt: skip


def test_public_workbook_has_no_org_rows_rejections_or_comments(folder):
    book = _book(folder, "public")
    assert book.sheetnames == ["summary", "indicators", "completeness", "changes", "definitions"]
    completeness = _records(book["completeness"])
    assert [r["area_code"] for r in completeness] == [
        "RS",
        "R-BEG",
        "R-VOJ",
        "M-BGD",
        "M-NSA",
        "M-SUB",
    ]
    text = " ".join(
        str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row if v
    )
    for internal in ("CSO0", "cso03.xlsx", "=1+1", "HYPERLINK", "NOT_A_NUMBER"):
        assert internal not in text


def test_public_summary_shows_the_national_headline_with_suppression(folder):
    ws = _book(folder, "public")["summary"]
    assert ws["A1"].value == "Key figures 2013Q1"
    assert [ws.cell(r, 1).value for r in range(3, 12)] == [
        "period", "CSO reports expected", "CSO reports received", "CSO reports received on time",
        "reporting completeness (%)", "reporting timeliness (%)", "indicators GREEN",
        "indicators AMBER", "indicators RED",
    ]  # fmt: skip
    assert [ws.cell(r, 2).value for r in range(3, 12)] == ["2013Q1", 4, 4, 3, 100, 75, 3, 0, 0]
    assert ws["A13"].value == "Indicators at national level"
    assert [c.value for c in ws[15]] == [
        "IND01", "persons from vulnerable groups consulted", 42, 120, 30, 1.4, "GREEN",
    ]  # fmt: skip
    assert [c.value for c in ws[17]][:3] == ["IND03", "victims assisted through local networks", 34]
    # IND05's numerator (the country's CHILD victims) is left out: no value.
    assert [c.value for c in ws[19]][:3] == ["IND05", "children among victims assisted (%)", None]


def test_internal_summary_has_headline_key_figures_and_cumulative_values(folder):
    ws = _book(folder, "internal")["summary"]
    figures = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(3, 17)}
    assert figures == {
        "period": "2013Q1", "CSO reports expected": 4, "CSO reports received": 4,
        "CSO reports received on time": 3, "reporting completeness (%)": 100,
        "reporting timeliness (%)": 75, "files received": 5, "rows received": 50,
        "rows accepted": 43, "rows rejected": 7, "rows accepted with a warning": 1,
        "indicators GREEN": 3, "indicators AMBER": 0, "indicators RED": 0,
    }  # fmt: skip
    assert [c.value for c in ws[19]] == [
        "indicator_code", "indicator_name", "value", "target", "expected_to_date", "achievement",
        "rag", "cumulative_value",
    ]  # fmt: skip
    assert [c.value for c in ws[22]] == [
        "IND03", "victims assisted through local networks", 34, 40, 10, 3.4, "GREEN", 34,
    ]  # fmt: skip
    assert ws["G22"].fill.fgColor.rgb == "FFC6EFCE"  # GREEN, Excel's "good" colour
    assert ws["F22"].number_format == "0%"


def test_internal_indicators_keep_org_rows_and_unsuppressed_counts(folder):
    records = _records(_book(folder, "internal")["indicators"])
    [cso03] = _pick(
        records, indicator_code="IND03", area_code="CSO03", breakdown="TOTAL", period_type="Q"
    )
    assert (cso03["area_level"], cso03["area_name"], cso03["value"]) == (
        "ORG", "Lokalna mreža Subotica", 3,
    )  # fmt: skip
    [child] = _pick(
        records, indicator_code="IND03", area_code="M-NSA", breakdown_value="CHILD", period_type="Q"
    )
    assert child["value"] == 1
    cum = _pick(records, indicator_code="IND03", area_code="RS", breakdown="TOTAL")
    assert [(r["period_type"], r["value"], r["target"]) for r in cum] == [
        ("Q", 34, 40), ("CUM", 34, None),
    ]  # fmt: skip


def test_internal_completeness_by_cso_and_area(folder):
    ws = _book(folder, "internal")["completeness"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:I11"
    assert [c.value for c in ws[4]] == [
        "2013Q1", "REGION", "R-VOJ", "Vojvodina", 3, 3, 2, 100, pytest.approx(66.6666667),
    ]  # fmt: skip
    assert [c.value for c in ws[10]] == [
        "2013Q1", "ORG", "CSO03", "Lokalna mreža Subotica", 1, 1, 0, 100, 0,
    ]  # fmt: skip


def test_internal_rejections_per_cso_count_reason_codes_and_list_rows(folder):
    book = _book(folder, "internal")
    ws = book["rejections by CSO"]
    assert [c.value for c in ws[1]] == [
        "org_code", "org_name", "files", "rows_total", "rows_accepted", "rows_rejected",
        "rows_warned", "PERSONAL_DATA", "MISSING_VALUE", "NOT_A_NUMBER",
    ]  # fmt: skip
    assert ws.max_row == 15  # 13 CSOs active in 2013Q1, and the file without a CSO
    assert [c.value for c in ws[4]] == ["CSO03", "Lokalna mreža Subotica", 1, 9, 6, 3, 1, 0, 1, 2]
    assert [c.value for c in ws[5]] == ["CSO04", "Lokalna mreža Zrenjanin", 0, 0, 0, 0, 0, 0, 0, 0]
    assert [c.value for c in ws[15]][1:] == [
        "(no organisation: file rejected whole or unreadable org code)", 1, 4, 0, 4, 0, 1, 0, 0,
    ]  # fmt: skip
    listed = book["rejections"]
    assert [c.value for c in listed[3]] == [
        "CSO03", "2013Q1", "2013Q1/cso03.xlsx", "values", 4, "value", "=1+1", "NOT_A_NUMBER",
        "value '=1+1' is not a number", "s3",
    ]  # fmt: skip
    assert listed["G2"].value is None and listed["H2"].value == "PERSONAL_DATA"
    assert book["warnings"]["H2"].value == "OUTLIER"


def test_definitions_say_what_each_indicator_is(folder):
    for audience in ("internal", "public"):
        ws = _book(folder, audience)["definitions"]
        assert (ws["A1"].value, ws["A2"].value) == ("Indicators", "indicator_code")
        assert [c.value for c in ws[6]] == [
            "IND04", "share of identified victims assisted (%)",
            "100 × victims of trafficking assisted through the local network (persons)"
            " [VOT_ASSISTED] ÷ presumed victims of trafficking identified locally [VOT_IDENTIFIED]",
            "sum: a year and the cumulative figure add up the quarters", "yes", None, 80,
        ]  # fmt: skip
        assert ws["A16"].value == "Data elements"
    book = _book(folder, "public")
    notes = dict(_records_after(book["definitions"], "Reading the tables"))
    assert notes["<5"] == "a count of victims from 1 to 4, not shown"
    assert notes["[c]"].startswith("a count of at least 5, hidden so that")
    assert "at least 3 CSOs reported values" in notes["left out"]
    left_out = _records_after(book["definitions"], "Areas whose figures on victims are left out")
    assert ("2013Q1", "Q") in left_out  # one row per area or figure, period first
    areas = [r[3] for r in book["definitions"].iter_rows(values_only=True) if r[5] == "all"]
    assert areas == ["R-BEG", "M-BGD", "M-NSA", "M-SUB"]


def _records_after(ws, title: str) -> list[tuple]:
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == title) + 2
    return [row[:2] for row in rows[start:] if row[0] is not None]


def test_csvs_hold_the_same_tables_in_utf8_with_bom(folder):
    data = (folder / "lct_2013Q1_internal_completeness.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == (
        "period,area_level,area_code,area_name,expected,received,on_time,completeness_pct,"
        "timeliness_pct"
    )
    assert lines[9] == "2013Q1,ORG,CSO03,Lokalna mreža Subotica,1,1,0,100,0"
    public = (folder / "public/lct_2013Q1_public_indicators.csv").read_bytes()
    public = public.decode("utf-8-sig")
    assert (
        "IND03,victims assisted through local networks,2013Q1,Q,REGION,R-VOJ,Vojvodina,"
        "sex,F,[c],,[c],,,,\r\n" in public
    )
    assert ",ORG," not in public


def test_threshold_is_configurable_and_the_mark_follows_it(reference, tmp_path):
    inputs = hand_inputs(reference)
    build_all(inputs, quarter_scope("2013Q1"), reference, tmp_path, threshold=3)
    book = openpyxl.load_workbook(tmp_path / "2013Q1/public/lct_2013Q1_public.xlsx")
    records = _pick(_records(book["indicators"]), indicator_code="IND03")
    shown = {(r["area_code"], r["breakdown_value"]): r["value"] for r in records}
    # Only 1 and 2 are small now: the 4s are shown; Vojvodina's one CHILD is left out.
    assert (shown[("RS", "CHILD")], shown[("R-VOJ", "M")], shown[("R-VOJ", "ADULT")]) == (4, 4, C)
    assert ("R-VOJ", "CHILD") not in shown
    assert (shown[("RS", "_T")], shown[("R-VOJ", "_T")]) == (34, 17)
    notes = dict(_records_after(book["definitions"], "Reading the tables"))
    assert notes["<3"] == "a count of victims from 1 to 2, not shown"


def test_workbooks_load_from_bytes_with_sheets_in_order(folder):
    data = (folder / "lct_2013Q1_internal.xlsx").read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["summary", "indicators", "completeness", "rejections by CSO",
                               "rejections", "warnings", "changes", "definitions"]  # fmt: skip
    assert book.properties.title == "LCT monitoring 2013Q1 (internal)"
