"""Targets, expected to date, achievement and RAG (SPEC §7; catalogue targets for 2013:
IND03 = 40 victims assisted, IND08 = 50 %, IND09 = 75 %)."""

from __future__ import annotations

import pg
import pytest

from lct_pipeline.indicators.targets import rag

network = pg.network


@pytest.mark.parametrize(
    ("achievement", "expected"),
    [
        (1.5, "GREEN"),
        (0.9, "GREEN"),
        (0.8999999, "AMBER"),
        (0.6, "AMBER"),
        (0.5999999, "RED"),
        (0.0, "RED"),
        (None, None),
        (float("nan"), None),
    ],
)
def test_rag_thresholds_are_inclusive_at_0_9_and_0_6(achievement, expected):
    assert rag(achievement) == expected


# Built once: the tests only read.
@pytest.fixture(scope="module")
def engine(tmp_path_factory, network):
    with pg.fresh_warehouse("sqlite", tmp_path_factory.mktemp("warehouse")) as engine:
        yield _build(engine, network)


def _build(sqlite_warehouse, network):
    data = pg.Validated(sqlite_warehouse, network)
    assisted = {
        "2012Q4": {"sex": "F", "age_group": "ADULT"},
        "2013Q1": {"sex": "F", "age_group": "ADULT"},
        "2013Q2": {"sex": "F", "age_group": "ADULT"},
        "2013Q3": {"sex": "M", "age_group": "CHILD"},
    }
    for (period, members), value in zip(assisted.items(), [3, 9, 6, 5], strict=True):
        data.values("A1", period, [("VOT_ASSISTED", members, value)], f"{period[:4]}-12-01")
    data.values(
        "A2",
        "2013Q1",
        [("RECOMMENDATIONS_SUBMITTED", None, 10), ("RECOMMENDATIONS_ADOPTED", None, 3)],
        "2013-04-01",
    )
    data.values(
        "B1",
        "2013Q1",
        [("RECOMMENDATIONS_SUBMITTED", None, 20), ("RECOMMENDATIONS_ADOPTED", None, 9)],
        "2013-04-01",
    )
    data.measures(
        "A1",
        "2013Q3",
        [
            {
                "measure_code": "M1",
                "status": "COMPLETED",
                "planned": 1,
                "spent": 1,
                "due": "2013Q1",
            },
            {"measure_code": "M2", "status": "DELAYED", "planned": 1, "spent": 0, "due": "2013Q2"},
        ],
        "2013-10-01",
    )
    pg.run_quarters(sqlite_warehouse, network, ["2012Q4", "2013Q1", "2013Q2", "2013Q3"])
    return sqlite_warehouse


def targets(engine, code, where=""):
    return pg.query(
        engine,
        "SELECT period_type, period, area_code, breakdown_value, value, target,"
        " expected_to_date, achievement, rag FROM indicator_values"
        f" WHERE indicator_code = :code {where}"
        " ORDER BY period_type, period, area_level, area_code, breakdown, breakdown_value",
        code=code,
    )


def test_a_count_target_is_national_pro_rata_by_quarter_and_total_only(engine):
    national = targets(engine, "IND03", "AND area_level = 'NATIONAL' AND breakdown = 'TOTAL'")
    assert national == [
        ("CUM", "2012Q4", "RS", "_T", 3, None, None, None, None),
        ("CUM", "2013Q1", "RS", "_T", 3 + 9, None, None, None, None),
        ("CUM", "2013Q2", "RS", "_T", 3 + 9 + 6, None, None, None, None),
        ("CUM", "2013Q3", "RS", "_T", 3 + 9 + 6 + 5, None, None, None, None),
        # 2012 has no target.
        ("Q", "2012Q4", "RS", "_T", 3, None, None, None, None),
        # 40 a year is 10 a quarter: 9 is exactly 0.9 (GREEN), 6 exactly 0.6 (AMBER).
        ("Q", "2013Q1", "RS", "_T", 9, 40, 10, 0.9, "GREEN"),
        ("Q", "2013Q2", "RS", "_T", 6, 40, 10, 0.6, "AMBER"),
        ("Q", "2013Q3", "RS", "_T", 5, 40, 10, 0.5, "RED"),
        ("Y", "2012", "RS", "_T", 3, None, None, None, None),
        # Three quarters of 2013 processed: 40 × 3 / 4 = 30 expected to date.
        ("Y", "2013", "RS", "_T", 9 + 6 + 5, 40, 30, 20 / 30, "AMBER"),
    ]
    # Below the country and on breakdown rows a count has no target.
    others = targets(
        engine,
        "IND03",
        "AND period = '2013Q1' AND period_type = 'Q'"
        " AND (area_level <> 'NATIONAL' OR breakdown <> 'TOTAL')",
    )
    # TOTAL, F and ADULT at ORG, MUNICIPALITY and REGION; F and ADULT at NATIONAL.
    assert len(others) == 3 * 3 + 2
    assert {row[5:] for row in others} == {(None, None, None, None)}


def test_a_ratio_target_applies_whole_at_every_level(engine):
    assert targets(engine, "IND08", "AND period_type = 'Q'") == [
        ("Q", "2013Q1", "M-A", "_T", 30.0, 50, 50, 0.6, "AMBER"),
        ("Q", "2013Q1", "M-B", "_T", 45.0, 50, 50, 0.9, "GREEN"),
        ("Q", "2013Q1", "RS", "_T", 100 * 12 / 30, 50, 50, 0.8, "AMBER"),
        ("Q", "2013Q1", "A2", "_T", 30.0, 50, 50, 0.6, "AMBER"),
        ("Q", "2013Q1", "B1", "_T", 45.0, 50, 50, 0.9, "GREEN"),
        ("Q", "2013Q1", "R-N", "_T", 100 * 12 / 30, 50, 50, 0.8, "AMBER"),
    ]
    # `last`: the year's figure is the one as at 2013Q3, against the whole target.
    assert targets(engine, "IND09", "AND period_type = 'Y' AND area_code = 'RS'") == [
        ("Y", "2013", "RS", "_T", 50.0, 75, 75, 50 / 75, "AMBER"),
    ]
