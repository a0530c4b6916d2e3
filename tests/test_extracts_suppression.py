"""The suppression rules on plain cells (lct_pipeline.extracts.suppression)."""

from __future__ import annotations

from lct_pipeline.extracts.suppression import Cell, Relation, determined_cells, suppress


def cell(name: str) -> Cell:
    return Cell("2013Q1", "Q", name, ("element", "VOT_ASSISTED", ()))


def cells(values: dict[str, float]) -> dict[Cell, float]:
    return {cell(name): value for name, value in values.items()}


def relation(total: str, *parts: str) -> Relation:
    return Relation(cell(total), tuple(cell(p) for p in parts))


def names(found) -> set[str]:
    return {c.area_code for c in found}


def test_counts_from_1_to_threshold_minus_1_are_hidden_and_zero_is_shown():
    values = cells({"t": 20, "a": 0, "b": 4, "c": 5, "d": 11})
    result = suppress(values, [relation("t", "a", "b", "c", "d")], threshold=5)
    assert names(result.primary) == {"b"}
    # b alone would be t - a - c - d: the smallest other non-zero cell (c, 5) goes too, not 0
    assert names(result.hidden) == {"b", "c"}
    assert names(result.secondary) == {"c"}


def test_the_smallest_other_non_zero_cell_goes_rather_than_the_total():
    values = cells({"t": 7, "a": 3, "b": 0, "c": 4})
    result = suppress(values, [relation("t", "a", "b", "c")], threshold=4)
    assert names(result.primary) == {"a"}  # 4 is not below the threshold
    assert names(result.secondary) == {"c"}  # 4, not the total 7 nor the 0


def test_hiding_spreads_across_relations_until_none_has_a_single_hidden_cell():
    # A region (r) of two municipalities (m1, m2); each has F and M members.
    values = cells({"r": 30, "m1": 20, "m2": 10, "r.F": 16, "r.M": 14,
                    "m1.F": 13, "m1.M": 7, "m2.F": 3, "m2.M": 7})  # fmt: skip
    relations = [
        relation("r", "m1", "m2"), relation("r", "r.F", "r.M"), relation("m1", "m1.F", "m1.M"),
        relation("m2", "m2.F", "m2.M"), relation("r.F", "m1.F", "m2.F"),
        relation("r.M", "m1.M", "m2.M"),
    ]  # fmt: skip
    result = suppress(values, relations, threshold=5)
    # m2.F (3) takes m2.M (7) in m2's sum; each is then alone in its member's sum over the
    # region (r.F, r.M), which takes m1.F and m1.M: a 2 x 2 block that no sum solves.
    assert names(result.hidden) == {"m2.F", "m2.M", "m1.M", "m1.F"}
    assert not determined_cells(values, relations, result.hidden)


def test_a_cell_pinned_down_by_combined_sums_gets_company():
    # Every sum has two hidden cells, yet a + b, a + c and b + c together give a, b and c.
    values = cells({"t1": 13, "t2": 11, "t3": 13, "a": 1, "b": 2, "c": 3,
                    "p": 10, "q": 7, "r": 8})  # fmt: skip
    relations = [relation("t1", "a", "b", "p"), relation("t2", "a", "c", "q"),
                 relation("t3", "b", "c", "r")]  # fmt: skip
    assert names(determined_cells(values, relations, [cell("a"), cell("b"), cell("c")])) == {
        "a", "b", "c",
    }  # fmt: skip
    result = suppress(values, relations, threshold=5)
    assert names(result.primary) == {"a", "b", "c"}
    assert names(result.secondary) == {"q"}  # the smallest shown cell that frees a
    assert [why for _, why in result.log] == [f"{cell('a')} was determined by combined sums"]
    assert not determined_cells(values, relations, result.hidden)
