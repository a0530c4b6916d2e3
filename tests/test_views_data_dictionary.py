"""Every SQL example of docs/data-dictionary.md runs on SQLite and PostgreSQL and gives
the answer worked out by hand for this scenario, so the documentation never rots.

Network of tests/pg.py: A1, A2 (M-A) and B1 (M-B) in region R-N; C1 (M-C, region
R-S) active from 2013Q2. Deadlines: 2013-04-30 for 2013Q1, 2013-07-30 for 2013Q2.
"""

from __future__ import annotations

import re
from pathlib import Path

import pg
import pytest

network = pg.network

DICTIONARY = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"
EXAMPLE = re.compile(r"^### (?P<title>.+?)\n.*?```sql\n(?P<sql>.*?)```", re.M | re.S)

EXPECTED = {
    # A1 3 + 4 and B1 5 + 1 in R-N; C1 2 in R-S. Nobody reported victims in 2012.
    "Victims assisted by region and year": [
        ("R-N", "North", "2013", 13),
        ("R-S", "South", "2013", 2),
    ],
    "CSOs that were late in 2013Q2": [
        ("A2", "Alpha two", "not received"),
        ("B1", "Beta one", "received late"),
    ],
    # A1 skipped 2013Q2: its 2013Q1 snapshot (spent 100 + 50 of 100 + 200) counts.
    "Budget execution by municipality": [
        ("M-A", "Alpha", 150, 300, 50.0),
        ("M-B", "Beta", 0, 40, 0.0),
    ],
    # C1's total-only row has no group.
    "Persons contacted by vulnerable group in 2013, from the raw values": [
        ("POVERTY", 6),
        ("RURAL", 4),
    ],
    "Persons consulted by vulnerable group, year to date, nationally": [
        ("POVERTY", 6),
        ("RURAL", 4),
        ("U", 5),
    ],
    "Measures overdue at 2013Q2": [
        ("A1", "M2", "IN_PROGRESS", "2013Q2"),
        ("B1", "Y", "DELAYED", "2013Q2"),
    ],
    # IND01: 6 + 4 + 5 of 120 × 2 / 4. IND09 as at 2013Q2: A1 1 of 2 due, B1 0 of 1.
    # IND10: 150 of 340 EUR. IND03 (15 of 20) and IND11/IND12 (6 and 4 of 7) are AMBER.
    "Indicators off track this year (national, RED)": [
        ("IND01", 15, 60, "RED"),
        ("IND09", 100 / 3, 75, "RED"),
        ("IND10", 100 * 150 / 340, 90, "RED"),
    ],
}


def examples() -> dict[str, str]:
    text = DICTIONARY.read_text(encoding="utf-8")
    return {m["title"].strip(): m["sql"].strip().rstrip(";") for m in EXAMPLE.finditer(text)}


def _measure(code: str, status: str, planned: float, spent: float, due: str) -> dict:
    return {"measure_code": code, "status": status, "planned": planned, "spent": spent, "due": due}


@pytest.fixture(scope="module", params=pg.BACKENDS)
def engine(request, tmp_path_factory, network):
    with pg.fresh_warehouse(request.param, tmp_path_factory.mktemp("warehouse")) as engine:
        data = pg.Validated(engine, network)
        adult_f, child_m = {"sex": "F", "age_group": "ADULT"}, {"sex": "M", "age_group": "CHILD"}
        data.values(
            "A1",
            "2013Q1",
            [("VOT_ASSISTED", adult_f, 2), ("VOT_ASSISTED", child_m, 1)],
            "2013-04-10T09:00:00",
        )
        data.values("A1", "2013Q2", [("VOT_ASSISTED", None, 4)], "2013-07-10T09:00:00")
        data.measures(
            "A1",
            "2013Q1",
            [
                _measure("M1", "COMPLETED", 100, 100, "2013Q1"),
                _measure("M2", "IN_PROGRESS", 200, 50, "2013Q2"),
            ],
            "2013-04-10T09:00:00",
        )
        contacted = [
            ("PERSONS_CONTACTED", {"sex": "F", "age_group": "ADULT", "vulnerable_group": g}, n)
            for g, n in (("POVERTY", 6), ("RURAL", 4))
        ]
        data.values("A2", "2013Q1", contacted, "2013-04-12T09:00:00")
        data.values("B1", "2013Q1", [("VOT_ASSISTED", None, 5)], "2013-05-15T09:00:00")
        data.values("B1", "2013Q2", [("VOT_ASSISTED", adult_f, 1)], "2013-08-01T09:00:00")
        data.measures(
            "B1", "2013Q2", [_measure("Y", "DELAYED", 40, 0, "2013Q2")], "2013-08-01T09:00:00"
        )
        data.values(
            "C1",
            "2013Q2",
            [("VOT_ASSISTED", None, 2), ("PERSONS_CONTACTED", None, 5)],
            "2013-07-20T09:00:00",
        )
        pg.run_quarters(engine, network, ["2012Q4", "2013Q1", "2013Q2"])
        yield engine


def test_every_documented_question_has_a_checked_answer():
    assert sorted(examples()) == sorted(EXPECTED)


@pytest.mark.parametrize("title", sorted(EXPECTED))
def test_a_documented_query_gives_the_hand_computed_answer(engine, title):
    assert pg.query(engine, examples()[title]) == EXPECTED[title]
