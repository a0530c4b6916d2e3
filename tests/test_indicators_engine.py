"""The indicator rules of SPEC §7 on hand-made data: rows go into the validated layer,
the warehouse and indicator stages run, and the figures are read from the views.

Network (tests/pg.py): region R-N has M-A (CSOs A1, A2) and M-B (B1); region R-S
has M-C (C1, active from 2013Q2); the country is RS.
"""

from __future__ import annotations

import pandas as pd
import pg
import pytest

from lct_pipeline.contract import DIMENSION_COLUMNS
from lct_pipeline.indicators.engine import Sources, indicator_rows
from lct_pipeline.indicators.inputs import Inputs
from lct_pipeline.indicators.partition import refresh_indicator_values
from lct_pipeline.reference import Indicator, Operand
from lct_pipeline.warehouse.stage import load_current_values

network = pg.network
sqlite_warehouse = pg.sqlite_warehouse
query = pg.query

Q1_ON_TIME = "2013-04-10T09:00:00"
Q2_ON_TIME = "2013-07-10T09:00:00"


@pytest.fixture
def data(sqlite_warehouse, network):
    return pg.Validated(sqlite_warehouse, network)


def figures(engine, code: str, period: str, period_type: str = "Q", breakdown: str = "TOTAL"):
    """(area_level, area_code, breakdown_value, numerator, denominator, value), NATIONAL first."""
    return query(
        engine,
        """
        SELECT area_level, area_code, breakdown_value, numerator, denominator, value
        FROM indicator_values
        WHERE indicator_code = :code AND period = :period AND period_type = :ptype
          AND breakdown = :breakdown
        ORDER BY CASE area_level WHEN 'NATIONAL' THEN 1 WHEN 'REGION' THEN 2
                 WHEN 'MUNICIPALITY' THEN 3 ELSE 4 END, area_code, breakdown_value
        """,
        code=code,
        period=period,
        ptype=period_type,
        breakdown=breakdown,
    )


def test_a_ratio_is_recomputed_from_summed_parts_never_averaged(data, network):
    # IND04 = 100 × VOT_ASSISTED / VOT_IDENTIFIED. A1: 1 of 2 (50 %), A2: 9 of 10 (90 %).
    # The average of the two ratios would be 70 %; the municipality's ratio is 10 of 12.
    data.values(
        "A1", "2013Q1", [("VOT_ASSISTED", None, 1), ("VOT_IDENTIFIED", None, 2)], Q1_ON_TIME
    )
    data.values(
        "A2", "2013Q1", [("VOT_ASSISTED", None, 9), ("VOT_IDENTIFIED", None, 10)], Q1_ON_TIME
    )
    pg.run_quarters(data.engine, network, ["2012Q4", "2013Q1"])

    assert figures(data.engine, "IND04", "2013Q1") == [
        ("NATIONAL", "RS", "_T", 10, 12, 100 * 10 / 12),
        ("REGION", "R-N", "_T", 10, 12, 100 * 10 / 12),
        ("MUNICIPALITY", "M-A", "_T", 10, 12, 100 * 10 / 12),
        ("ORG", "A1", "_T", 1, 2, 50.0),
        ("ORG", "A2", "_T", 9, 10, 90.0),
    ]


def test_total_only_rows_count_as_unknown_in_breakdowns(data, network):
    # A1 gives detail rows and their (matching) total: the total is not counted again.
    # A2 gives a total only: it counts in the TOTAL and as U in every breakdown.
    data.values(
        "A1",
        "2013Q1",
        [
            ("VOT_ASSISTED", {"sex": "F", "age_group": "ADULT"}, 2),
            ("VOT_ASSISTED", {"sex": "M", "age_group": "CHILD"}, 1),
            ("VOT_ASSISTED", None, 3),
        ],
        Q1_ON_TIME,
    )
    data.values("A2", "2013Q1", [("VOT_ASSISTED", None, 4)], Q1_ON_TIME)
    pg.run_quarters(data.engine, network, ["2012Q4", "2013Q1"])

    municipality = [r for r in figures(data.engine, "IND03", "2013Q1") if r[1] == "M-A"]
    assert municipality == [("MUNICIPALITY", "M-A", "_T", 7, None, 7)]
    sex = [r[2:] for r in figures(data.engine, "IND03", "2013Q1", breakdown="sex") if r[1] == "M-A"]
    assert sex == [("F", 2, None, 2), ("M", 1, None, 1), ("U", 4, None, 4)]
    age = figures(data.engine, "IND03", "2013Q1", breakdown="age_group")
    assert [r[1:3] + r[5:] for r in age if r[0] == "ORG"] == [
        ("A1", "ADULT", 2),
        ("A1", "CHILD", 1),
        ("A2", "U", 4),
    ]
    # IND05 (children among victims assisted): A2's total has no age, so no children.
    assert figures(data.engine, "IND05", "2013Q1")[0] == ("NATIONAL", "RS", "_T", 1, 7, 100 / 7)


def _measure(code: str, status: str, planned: float, spent: float, due: str) -> dict:
    return {"measure_code": code, "status": status, "planned": planned, "spent": spent, "due": due}


MEASURES_Q1 = [
    _measure("M1", "COMPLETED", 100, 100, "2013Q1"),
    _measure("M2", "IN_PROGRESS", 200, 50, "2013Q2"),
    # Completed early: not due yet, so in neither the numerator nor the denominator.
    _measure("M3", "COMPLETED", 300, 300, "2013Q3"),
    _measure("M4", "CANCELLED", 50, 10, "2013Q1"),
]


def test_last_takes_each_csos_latest_snapshot_and_judges_due_dates_at_the_quarter(data, network):
    data.measures("A1", "2013Q1", MEASURES_Q1, Q1_ON_TIME)
    # A1 skips 2013Q2; A2 reports both quarters, B1 only 2013Q2.
    data.measures("A2", "2013Q1", [_measure("X", "IN_PROGRESS", 10, 1, "2013Q1")], Q1_ON_TIME)
    data.measures("A2", "2013Q2", [_measure("X", "COMPLETED", 10, 10, "2013Q1")], Q2_ON_TIME)
    data.measures("B1", "2013Q2", [_measure("Y", "DELAYED", 40, 0, "2013Q2")], Q2_ON_TIME)
    pg.run_quarters(data.engine, network, ["2012Q4", "2013Q1", "2013Q2"])

    # 2013Q1: A1 has M1 due (completed); M4 is cancelled. A2 has X due, not completed.
    assert figures(data.engine, "IND09", "2013Q1")[2:] == [
        ("MUNICIPALITY", "M-A", "_T", 1, 2, 50.0),
        ("ORG", "A1", "_T", 1, 1, 100.0),
        ("ORG", "A2", "_T", 0, 1, 0.0),
    ]
    # 2013Q2: A1's 2013Q1 snapshot still counts, and now M2 is due too.
    assert figures(data.engine, "IND09", "2013Q2") == [
        ("NATIONAL", "RS", "_T", 2, 4, 50.0),
        ("REGION", "R-N", "_T", 2, 4, 50.0),
        ("MUNICIPALITY", "M-A", "_T", 2, 3, 100 * 2 / 3),
        ("MUNICIPALITY", "M-B", "_T", 0, 1, 0.0),
        ("ORG", "A1", "_T", 1, 2, 50.0),
        ("ORG", "A2", "_T", 1, 1, 100.0),
        ("ORG", "B1", "_T", 0, 1, 0.0),
    ]
    # IND10 sums every measure's budget (cancelled ones too: money spent is spent).
    a1_planned, a1_spent = 100 + 200 + 300 + 50, 100 + 50 + 300 + 10
    assert figures(data.engine, "IND10", "2013Q2")[0] == (
        "NATIONAL",
        "RS",
        "_T",
        a1_spent + 10 + 0,
        a1_planned + 10 + 40,
        100 * (a1_spent + 10) / (a1_planned + 50),
    )
    # `last` over periods: the year and the cumulative figure are those as at 2013Q2.
    assert figures(data.engine, "IND09", "2013", "Y")[0] == ("NATIONAL", "RS", "_T", 2, 4, 50.0)
    assert figures(data.engine, "IND09", "2013Q1", "CUM")[0] == ("NATIONAL", "RS", "_T", 1, 2, 50.0)


def test_year_to_date_and_cumulative_rows_add_up_the_quarters(data, network):
    data.values("A1", "2012Q4", [("VOT_ASSISTED", None, 1)], "2013-01-10T09:00:00")
    data.values("A1", "2013Q1", [("VOT_ASSISTED", None, 2)], Q1_ON_TIME)
    data.values("B1", "2013Q2", [("VOT_ASSISTED", None, 4)], Q2_ON_TIME)
    pg.run_quarters(data.engine, network, ["2012Q4", "2013Q1", "2013Q2"])

    rows = query(
        data.engine,
        """
        SELECT period_type, period, numerator FROM indicator_values
        WHERE indicator_code = 'IND03' AND area_level = 'NATIONAL' AND breakdown = 'TOTAL'
        ORDER BY period_type, period
        """,
    )
    assert rows == [
        ("CUM", "2012Q4", 1),
        ("CUM", "2013Q1", 1 + 2),
        ("CUM", "2013Q2", 1 + 2 + 4),
        ("Q", "2012Q4", 1),
        ("Q", "2013Q1", 2),
        ("Q", "2013Q2", 4),
        # Y covers the processed quarters of its year: 2013Q1 and 2013Q2 so far.
        ("Y", "2012", 1),
        ("Y", "2013", 2 + 4),
    ]
    # B1 reported nothing before 2013Q2: no row for it then (missing is not zero).
    assert [r[1] for r in figures(data.engine, "IND03", "2013Q1") if r[0] == "ORG"] == ["A1"]


def test_a_zero_denominator_gives_no_value(data, network):
    data.values(
        "A1",
        "2013Q1",
        [("RECOMMENDATIONS_SUBMITTED", None, 0), ("RECOMMENDATIONS_ADOPTED", None, 0)],
        Q1_ON_TIME,
    )
    pg.run_quarters(data.engine, network, ["2012Q4", "2013Q1"])

    rows = query(
        data.engine,
        """
        SELECT numerator, denominator, value, target, expected_to_date, achievement, rag
        FROM indicator_values
        WHERE indicator_code = 'IND08' AND period_type = 'Q' AND area_code = 'A1'
        """,
    )
    assert rows == [(0, 0, None, 50, 50, None, None)]


def test_superseded_slices_do_not_count(data, network):
    first = data.values("A1", "2013Q1", [("VOT_ASSISTED", None, 5)], Q1_ON_TIME)
    second = data.values("A1", "2013Q1", [("VOT_ASSISTED", None, 2)], "2013-04-20T09:00:00")
    pg.run_quarters(data.engine, network, ["2012Q4", "2013Q1"])

    assert query(data.engine, "SELECT data_element, value, submission_id FROM data_values") == [
        ("VOT_ASSISTED", 2, second)
    ]
    assert first != second
    assert figures(data.engine, "IND03", "2013Q1")[0] == ("NATIONAL", "RS", "_T", 2, None, 2)


def test_quarters_after_the_latest_with_data_write_nothing(data, network):
    data.values("A1", "2013Q1", [("VOT_ASSISTED", None, 5)], Q1_ON_TIME)
    # A slice for a quarter after the current one (2014Q1) does not extend the processing.
    data.values("A1", "2014Q2", [("VOT_ASSISTED", None, 9)], Q1_ON_TIME)
    pg.run_quarters(data.engine, network, ["2012Q4", "2013Q1", "2013Q2"])

    periods = query(data.engine, "SELECT DISTINCT period FROM indicator_values ORDER BY period")
    assert periods == [("2012",), ("2012Q4",), ("2013",), ("2013Q1",)]
    result = refresh_indicator_values(data.engine, network, "2013Q3", pg.CURRENT)
    assert (result.written, result.processed, len(result.rows)) == (
        False,
        ("2012Q4", "2013Q1"),
        0,
    )


def test_loading_a_quarter_keeps_only_its_current_accepted_rows(data, network):
    data.values("A1", "2013Q1", [("VOT_ASSISTED", None, 5)], Q1_ON_TIME)
    data.values("A2", "2013Q2", [("VOT_ASSISTED", None, 7)], Q2_ON_TIME)

    loaded = load_current_values(data.engine, network, "2013Q1", pg.CURRENT)

    assert loaded[["org_code", "period", "value", "counted"]].values.tolist() == [
        ["A1", "2013Q1", 5.0, True]
    ]


def test_a_ratio_broken_down_divides_by_the_same_member_or_by_the_total(network):
    # Not in the catalogue, but allowed by it: persons contacted per victim assisted,
    # by sex (both elements have sex) and by vulnerable group (only the numerator has it).
    indicator = Indicator(
        code="X",
        name="persons contacted per victim assisted",
        numerator=Operand("element", "PERSONS_CONTACTED"),
        denominator=Operand("element", "VOT_ASSISTED"),
        multiplier=1,
        time="sum",
        sensitive=False,
        breakdowns=("sex", "vulnerable_group"),
        targets={},
    )
    columns = ["org_code", "period", "data_element", *DIMENSION_COLUMNS, "value"]
    values = pd.DataFrame(
        [
            ("A1", "2013Q1", "PERSONS_CONTACTED", "F", "ADULT", "POVERTY", None, None, 6.0),
            ("A1", "2013Q1", "PERSONS_CONTACTED", "M", "ADULT", "RURAL", None, None, 4.0),
            ("A2", "2013Q1", "PERSONS_CONTACTED", "_T", "_T", "_T", None, None, 10.0),
            ("A1", "2013Q1", "VOT_ASSISTED", "F", "ADULT", None, None, None, 2.0),
            ("A2", "2013Q1", "VOT_ASSISTED", "_T", "_T", None, None, None, 3.0),
        ],
        columns=columns,
    )
    inputs = Inputs(("2012Q4", "2013Q1"), values, pd.DataFrame(), pd.DataFrame())

    rows = indicator_rows(indicator, Sources(inputs, network), "2013Q1")

    mine = rows[(rows["area_code"] == "M-A") & (rows["period_type"] == "Q")]
    found = [
        tuple(None if pd.isna(v) else v for v in row)
        for row in mine[["breakdown", "breakdown_value", "numerator", "denominator", "value"]]
        .sort_values(["breakdown", "breakdown_value"])
        .itertuples(index=False)
    ]
    assert found == [
        ("TOTAL", "_T", 20, 5, 4.0),
        ("sex", "F", 6, 2, 3.0),
        ("sex", "M", 4, None, None),  # no male victim reported: no value, not infinity
        ("sex", "U", 10, 3, 10 / 3),
        ("vulnerable_group", "POVERTY", 6, 5, 6 / 5),
        ("vulnerable_group", "RURAL", 4, 5, 4 / 5),
        ("vulnerable_group", "U", 10, 5, 10 / 5),
    ]
