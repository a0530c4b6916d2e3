"""The analysts' views over current data (SPEC §8) on SQLite and on PostgreSQL: exact
columns and rows for a small hand-made network, and the same views after a re-run.

Scenario, in the network of tests/pg.py (A1, A2 in M-A; B1 in M-B; all in R-N):
A1 sends values and measures for 2013Q1 on time. B1 sends 9 victims assisted on
time, then corrects it to 1 in a late resubmission: the correction counts, and B1
stays on time (its first accepted file was). A2 sends nothing.
"""

from __future__ import annotations

import pg
import pytest
import sqlalchemy as sa

network = pg.network

VIEWS = ("data_values", "measures", "indicator_values", "reporting_completeness")


# Built once per database: the tests only read, and the re-run must change nothing.
@pytest.fixture(scope="module", params=pg.BACKENDS)
def scenario(request, tmp_path_factory, network):
    with pg.fresh_warehouse(request.param, tmp_path_factory.mktemp("warehouse")) as engine:
        yield engine, _build(engine, network)


def _build(warehouse, network):
    data = pg.Validated(warehouse, network)
    ids = {
        "A1": data.values(
            "A1",
            "2013Q1",
            [
                ("VOT_ASSISTED", {"sex": "F", "age_group": "ADULT"}, 2),
                ("VOT_ASSISTED", None, 2),
                ("VOT_IDENTIFIED", None, 3),
            ],
            "2013-04-10T09:00:00",
        ),
        "A1m": data.measures(
            "A1",
            "2013Q1",
            [
                {
                    "measure_code": "M1",
                    "measure_title": "Referral protocol signed",
                    "responsible_institution": "CSW",
                    "status": "COMPLETED",
                    "planned": 100,
                    "spent": 80,
                    "due": "2013Q1",
                }
            ],
            "2013-04-10T09:05:00",
        ),
        "B1-first": data.values("B1", "2013Q1", [("VOT_ASSISTED", None, 9)], "2013-04-05T09:00:00"),
        "B1": data.values("B1", "2013Q1", [("VOT_ASSISTED", None, 1)], "2013-05-02T09:00:00"),
    }
    pg.run_quarters(warehouse, network, ["2012Q4", "2013Q1"])
    return ids


def columns(engine, view):
    with engine.connect() as conn:
        return list(conn.execute(sa.text(f"SELECT * FROM {view} WHERE 1 = 0")).keys())


def snapshot(engine) -> dict[str, list[tuple]]:
    out = {}
    for view in VIEWS:
        order = ", ".join(str(i + 1) for i in range(len(columns(engine, view))))
        out[view] = pg.query(engine, f"SELECT * FROM {view} ORDER BY {order}")
    return out


def test_data_values_holds_the_current_accepted_rows(scenario):
    engine, ids = scenario
    assert columns(engine, "data_values") == [
        "org_code",
        "period",
        "data_element",
        "sex",
        "age_group",
        "vulnerable_group",
        "service",
        "institution",
        "value",
        "submission_id",
    ]
    assert snapshot(engine)["data_values"] == [
        ("A1", "2013Q1", "VOT_ASSISTED", "F", "ADULT", None, None, None, 2, ids["A1"]),
        ("A1", "2013Q1", "VOT_ASSISTED", "_T", "_T", None, None, None, 2, ids["A1"]),
        ("A1", "2013Q1", "VOT_IDENTIFIED", "_T", "_T", None, None, None, 3, ids["A1"]),
        ("B1", "2013Q1", "VOT_ASSISTED", "_T", "_T", None, None, None, 1, ids["B1"]),
    ]


def test_measures_holds_the_current_snapshots(scenario):
    engine, ids = scenario
    assert columns(engine, "measures") == [
        "org_code",
        "period",
        "plan_code",
        "measure_code",
        "measure_title",
        "responsible_institution",
        "status",
        "planned_budget_eur",
        "spent_budget_eur",
        "due_period",
        "submission_id",
    ]
    assert snapshot(engine)["measures"] == [
        (
            "A1",
            "2013Q1",
            "LAP-A1",
            "M1",
            "Referral protocol signed",
            "CSW",
            "COMPLETED",
            100,
            80,
            "2013Q1",
            ids["A1m"],
        )
    ]


def test_reporting_completeness_by_quarter_and_area(scenario):
    engine, _ = scenario
    assert columns(engine, "reporting_completeness") == [
        "period",
        "area_level",
        "area_code",
        "expected",
        "received",
        "on_time",
        "completeness_pct",
        "timeliness_pct",
    ]
    nothing = [
        ("MUNICIPALITY", "M-A", 2, 0, 0, 0.0, 0.0),
        ("MUNICIPALITY", "M-B", 1, 0, 0, 0.0, 0.0),
        ("NATIONAL", "RS", 3, 0, 0, 0.0, 0.0),
        ("ORG", "A1", 1, 0, 0, 0.0, 0.0),
        ("ORG", "A2", 1, 0, 0, 0.0, 0.0),
        ("ORG", "B1", 1, 0, 0, 0.0, 0.0),
        ("REGION", "R-N", 3, 0, 0, 0.0, 0.0),
    ]
    assert snapshot(engine)["reporting_completeness"] == [
        *(("2012Q4", *row) for row in nothing),
        ("2013Q1", "MUNICIPALITY", "M-A", 2, 1, 1, 50.0, 50.0),
        ("2013Q1", "MUNICIPALITY", "M-B", 1, 1, 1, 100.0, 100.0),
        ("2013Q1", "NATIONAL", "RS", 3, 2, 2, 200 / 3, 200 / 3),
        ("2013Q1", "ORG", "A1", 1, 1, 1, 100.0, 100.0),
        ("2013Q1", "ORG", "A2", 1, 0, 0, 0.0, 0.0),
        ("2013Q1", "ORG", "B1", 1, 1, 1, 100.0, 100.0),
        ("2013Q1", "REGION", "R-N", 3, 2, 2, 200 / 3, 200 / 3),
    ]


def test_indicator_values_national_figures_of_the_quarter(scenario):
    engine, _ = scenario
    assert columns(engine, "indicator_values") == [
        "indicator_code",
        "period",
        "period_type",
        "area_level",
        "area_code",
        "area_name",
        "breakdown",
        "breakdown_value",
        "numerator",
        "denominator",
        "value",
        "target",
        "expected_to_date",
        "achievement",
        "rag",
    ]
    rows = pg.query(
        engine,
        "SELECT * FROM indicator_values WHERE period = '2013Q1' AND period_type = 'Q'"
        " AND area_level = 'NATIONAL' ORDER BY indicator_code, breakdown, breakdown_value",
    )
    national = ("2013Q1", "Q", "NATIONAL", "RS", "Country")
    assert rows == [
        # Victims assisted: A1's detail (its matching total is not added) and B1's total.
        ("IND03", *national, "TOTAL", "_T", 3, None, 3, 40, 10, 0.3, "RED"),
        ("IND03", *national, "age_group", "ADULT", 2, None, 2, None, None, None, None),
        ("IND03", *national, "age_group", "U", 1, None, 1, None, None, None, None),
        ("IND03", *national, "sex", "F", 2, None, 2, None, None, None, None),
        ("IND03", *national, "sex", "U", 1, None, 1, None, None, None, None),
        ("IND04", *national, "TOTAL", "_T", 3, 3, 100.0, 80, 80, 1.25, "GREEN"),
        ("IND05", *national, "TOTAL", "_T", 0, 3, 0.0, None, None, None, None),
        # No services reported: a denominator, but no numerator and no value.
        ("IND06", *national, "TOTAL", "_T", None, 3, None, None, None, None, None),
        ("IND09", *national, "TOTAL", "_T", 1, 1, 100.0, 75, 75, 100 / 75, "GREEN"),
        ("IND10", *national, "TOTAL", "_T", 80, 100, 80.0, 90, 90, 80 / 90, "AMBER"),
        ("IND11", *national, "TOTAL", "_T", 2, 3, 200 / 3, 100, 100, 200 / 3 / 100, "AMBER"),
        ("IND12", *national, "TOTAL", "_T", 2, 3, 200 / 3, 90, 90, 200 / 3 / 90, "AMBER"),
    ]
    ind11 = pg.query(
        engine,
        "SELECT period_type, period, numerator, denominator FROM indicator_values"
        " WHERE indicator_code = 'IND11' AND area_code = 'RS' ORDER BY period_type, period",
    )
    assert ind11 == [
        ("CUM", "2012Q4", 0, 3),
        ("CUM", "2013Q1", 2, 6),
        ("Q", "2012Q4", 0, 3),
        ("Q", "2013Q1", 2, 3),
        ("Y", "2012", 0, 3),
        ("Y", "2013", 2, 3),
    ]
    names = pg.query(
        engine,
        "SELECT DISTINCT area_level, area_code, area_name FROM indicator_values"
        " ORDER BY area_level, area_code",
    )
    assert names == [
        ("MUNICIPALITY", "M-A", "Alpha"),
        ("MUNICIPALITY", "M-B", "Beta"),
        ("NATIONAL", "RS", "Country"),
        ("ORG", "A1", "Alpha one"),
        ("ORG", "A2", "Alpha two"),
        ("ORG", "B1", "Beta one"),
        ("REGION", "R-N", "North"),
    ]


def test_running_the_same_quarters_again_leaves_every_view_identical(scenario, network):
    engine, _ = scenario
    first = snapshot(engine)
    assert all(first[view] for view in VIEWS)

    pg.run_quarters(engine, network, ["2012Q4", "2013Q1"])
    # Out of order too: a backfill may run a later quarter first.
    pg.run_quarters(engine, network, ["2013Q1", "2012Q4"])

    assert snapshot(engine) == first
