"""`lct status`: reporting completeness by CSO and quarter, as a table in the terminal."""

from __future__ import annotations

import pg

from lct_pipeline.cli import main
from lct_pipeline.warehouse.engine import get_engine
from lct_pipeline.warehouse.schema import ensure_schema

network = pg.network
ROW = [("NETWORK_MEETINGS", None, 1)]


def test_status_shows_each_csos_reporting_by_quarter(workspace, network, capsys):
    engine = get_engine(workspace.warehouse_url)
    ensure_schema(engine)
    data = pg.Validated(engine, network)
    data.values("A1", "2013Q1", ROW, "2013-04-20T10:00:00")
    data.values("A1", "2013Q2", ROW, "2013-08-20T10:00:00")
    data.values("A2", "2013Q2", ROW, "2013-07-20T10:00:00")
    data.values("B1", "2013Q1", ROW, "2013-05-20T10:00:00")
    data.values("C1", "2013Q2", ROW, "2013-07-01T10:00:00")
    pg.run_quarters(engine, network, ["2012Q4", "2013Q1", "2013Q2"])

    assert main(["status"]) == 0

    # 2013Q1: 2 of 3 received, 1 on time. 2013Q2 (C1 active): 3 of 4 received, 2 on time.
    assert capsys.readouterr().out.splitlines() == [
        "CSO         2012Q4   2013Q1   2013Q2",
        "A1          MISSING  on time  late",
        "A2          MISSING  MISSING  on time",
        "B1          MISSING  late     MISSING",
        "C1          -        -        on time",
        "complete %  0        67       75",
        "on time %   0        33       50",
        "",
        # What a backfill of "All" quarters runs in the UI; the later quarters end at once.
        "Quarters with data: [2012Q4...2013Q2]",
    ]


def test_status_on_an_empty_warehouse_says_what_to_run(workspace, capsys):
    assert main(["status"]) == 0
    assert "run `lct run --all` first" in capsys.readouterr().out
