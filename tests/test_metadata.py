"""What a data officer reads in the UI's metadata: numbers as people write them, cut tables
that say what is left out and where the rest is."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assets.metadata import markdown_table, readable


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (76.92307692307692, 76.9),  # a completeness percentage
        (40.0, 40),
        (np.float64(66.666), 66.7),
        (0.4567, 0.457),  # a ratio keeps three significant digits
        (99.96, 100),
        (np.int64(5), 5),
        (1234.56, 1234.6),
        ("2013Q1", "2013Q1"),
        (True, True),
        (None, None),
    ],
)
def test_numbers_are_rounded_as_people_read_them(value, shown):
    result = readable(value)
    assert result == shown and type(result) is type(shown)


def test_a_table_cell_shows_the_rounded_number():
    frame = pd.DataFrame({"area": ["NATIONAL"], "completeness_pct": [76.92307692307692]})

    assert markdown_table(frame).value.splitlines()[2] == "| NATIONAL | 76.9 |"


def test_a_cut_table_says_how_many_rows_remain_and_where_the_whole_list_is():
    frame = pd.DataFrame({"row": range(1, 124)})

    text = markdown_table(frame, limit=100, whole="the warehouse view `rejections`").value

    assert text.count("\n| ") == 100
    assert text.endswith("_23 more rows not shown: the whole list is in the warehouse view"
                         " `rejections`_")  # fmt: skip
