"""Reporting completeness and timeliness (SPEC §7, IND11/IND12) on hand-made slices.

Network (tests/pg.py): M-A has A1 and A2, M-B has B1 (region R-N); M-C has C1
(region R-S), active from 2013Q2. 2013Q1's deadline is 2013-04-30 (end of day),
2013Q2's is 2013-07-30.
"""

from __future__ import annotations

import pg
import pytest

network = pg.network

ROW = [("NETWORK_MEETINGS", None, 1)]


# Built once: the tests only read.
@pytest.fixture(scope="module")
def engine(tmp_path_factory, network):
    with pg.fresh_warehouse("sqlite", tmp_path_factory.mktemp("warehouse")) as engine:
        yield _build(engine, network)


def _build(sqlite_warehouse, network):
    data = pg.Validated(sqlite_warehouse, network)
    # 2013Q1. A1: on time at the deadline's last second; its resubmission is late but
    # its first accepted slice decides. A2: one second late.
    data.values("A1", "2013Q1", ROW, "2013-04-30T23:59:59")
    data.values("A1", "2013Q1", ROW, "2013-06-15T10:00:00")
    data.values("A2", "2013Q1", ROW, "2013-05-01T00:00:00")
    # B1: its on-time file was rejected whole, the first ACCEPTED one came late.
    data.values("B1", "2013Q1", [], "2013-04-05T10:00:00", rejected=3)
    data.values("B1", "2013Q1", ROW, "2013-05-20T10:00:00")
    # 2013Q2. C1 is expected from now on; A2 sends nothing; B1 only a rejected file.
    data.values("A1", "2013Q2", ROW, "2013-07-05T10:00:00")
    data.values("C1", "2013Q2", ROW, "2013-07-30T12:00:00")
    data.values("B1", "2013Q2", [], "2013-07-06T10:00:00", rejected=1)
    pg.run_quarters(sqlite_warehouse, network, ["2012Q4", "2013Q1", "2013Q2"])
    return sqlite_warehouse


def completeness(engine, period):
    return pg.query(
        engine,
        "SELECT area_level, area_code, expected, received, on_time, completeness_pct,"
        " timeliness_pct FROM reporting_completeness WHERE period = :p"
        " ORDER BY area_level, area_code",
        p=period,
    )


def test_an_org_is_expected_from_the_quarter_it_becomes_active(engine):
    assert completeness(engine, "2012Q4") == [
        ("MUNICIPALITY", "M-A", 2, 0, 0, 0.0, 0.0),
        ("MUNICIPALITY", "M-B", 1, 0, 0, 0.0, 0.0),
        ("NATIONAL", "RS", 3, 0, 0, 0.0, 0.0),
        ("ORG", "A1", 1, 0, 0, 0.0, 0.0),
        ("ORG", "A2", 1, 0, 0, 0.0, 0.0),
        ("ORG", "B1", 1, 0, 0, 0.0, 0.0),
        ("REGION", "R-N", 3, 0, 0, 0.0, 0.0),
    ]
    assert completeness(engine, "2013Q2") == [
        ("MUNICIPALITY", "M-A", 2, 1, 1, 50.0, 50.0),
        ("MUNICIPALITY", "M-B", 1, 0, 0, 0.0, 0.0),
        ("MUNICIPALITY", "M-C", 1, 1, 1, 100.0, 100.0),
        ("NATIONAL", "RS", 4, 2, 2, 50.0, 50.0),
        ("ORG", "A1", 1, 1, 1, 100.0, 100.0),
        ("ORG", "A2", 1, 0, 0, 0.0, 0.0),
        ("ORG", "B1", 1, 0, 0, 0.0, 0.0),
        ("ORG", "C1", 1, 1, 1, 100.0, 100.0),
        ("REGION", "R-N", 3, 1, 1, 100 / 3, 100 / 3),
        ("REGION", "R-S", 1, 1, 1, 100.0, 100.0),
    ]


def test_timeliness_is_judged_by_the_first_accepted_values_slice(engine):
    assert completeness(engine, "2013Q1") == [
        ("MUNICIPALITY", "M-A", 2, 2, 1, 100.0, 50.0),
        ("MUNICIPALITY", "M-B", 1, 1, 0, 100.0, 0.0),
        ("NATIONAL", "RS", 3, 3, 1, 100.0, 100 / 3),
        ("ORG", "A1", 1, 1, 1, 100.0, 100.0),
        ("ORG", "A2", 1, 1, 0, 100.0, 0.0),
        ("ORG", "B1", 1, 1, 0, 100.0, 0.0),
        ("REGION", "R-N", 3, 3, 1, 100.0, 100 / 3),
    ]


def test_ind11_and_ind12_add_up_expected_and_received_over_the_year_and_since_the_start(engine):
    rows = pg.query(
        engine,
        "SELECT indicator_code, period_type, period, numerator, denominator, value, rag"
        " FROM indicator_values WHERE area_code = 'RS' AND indicator_code IN ('IND11', 'IND12')"
        " AND period IN ('2013', '2013Q2') ORDER BY indicator_code, period_type",
    )
    # 2013 so far: expected 3 + 4, received 3 + 2, on time 1 + 2. CUM adds 2012Q4 (3, 0, 0).
    # Ratio targets are taken whole: IND11 100, IND12 90.
    assert rows == [
        ("IND11", "CUM", "2013Q2", 5, 10, 50.0, None),
        ("IND11", "Q", "2013Q2", 2, 4, 50.0, "RED"),
        ("IND11", "Y", "2013", 5, 7, 100 * 5 / 7, "AMBER"),
        ("IND12", "CUM", "2013Q2", 3, 10, 30.0, None),
        ("IND12", "Q", "2013Q2", 2, 4, 50.0, "RED"),  # 50 / 90 < 0.6
        ("IND12", "Y", "2013", 3, 7, 100 * 3 / 7, "RED"),
    ]
