from datetime import date

import pytest

from lct_pipeline import periods


@pytest.mark.parametrize(
    "text",
    [
        "2013Q1",
        "2013-Q1",
        "2013 Q1",
        "Q1 2013",
        "Q1/2013",
        "q1 2013",
        " 2013q1 ",
        "2013-q1",
        "２０１３Q1",
        "２０１３Ｑ１",
        "Q1\u00a02013",
        "٢٠١٣Q1",
    ],
)
def test_every_written_form_of_a_quarter_is_stored_as_yyyyqn(text):
    assert periods.parse_period(text) == "2013Q1"


@pytest.mark.parametrize("text", ["2013Q5", "2013", "Q1", "13Q1", "2013/01", "", None, "2013Q1x"])
def test_text_that_is_not_a_quarter_gives_none(text):
    assert periods.parse_period(text) is None


def test_quarter_arithmetic_crosses_year_boundaries():
    assert periods.shift("2012Q4", 1) == "2013Q1"
    assert periods.shift("2013Q1", -4) == "2012Q1"
    assert periods.period_range("2012Q4", "2013Q2") == ["2012Q4", "2013Q1", "2013Q2"]
    assert periods.quarter_end("2013Q1") == date(2013, 3, 31)
    assert periods.quarter_end("2012Q4") == date(2012, 12, 31)
    assert periods.of_date(date(2013, 4, 1)) == "2013Q2"
