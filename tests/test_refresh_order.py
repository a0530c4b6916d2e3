"""Which refreshes `lct run --workers N` may run side by side (SPEC §6): after a
correction, every later quarter's figures at once, but a Q4 (it publishes its year)
after its year's other quarters, and a quarter validated again alone."""

from __future__ import annotations

from lct_pipeline.freshness import (
    EXTRACTS,
    INDICATORS,
    PUBLIC,
    VALIDATION,
    Stale,
    refresh_waits,
)
from lct_pipeline.periods import period_range

FIGURES_ONLY = (INDICATORS, EXTRACTS, PUBLIC)


def _stale(period: str, revalidate: bool = False) -> Stale:
    stages = (VALIDATION, *FIGURES_ONLY) if revalidate else FIGURES_ONLY
    return Stale(period, stages, ("2012Q4",), 2)


def test_after_a_correction_of_the_first_quarter_only_the_q4s_wait():
    waits = refresh_waits([_stale(q) for q in period_range("2013Q1", "2014Q4")])

    assert waits == {
        "2013Q1": (),
        "2013Q2": (),
        "2013Q3": (),
        "2013Q4": ("2013Q1", "2013Q2", "2013Q3"),
        "2014Q1": (),
        "2014Q2": (),
        "2014Q3": (),
        "2014Q4": ("2014Q1", "2014Q2", "2014Q3"),
    }


def test_a_quarter_validated_again_waits_for_all_before_it_and_all_after_wait_for_it():
    stale = [_stale("2013Q1"), _stale("2013Q2", revalidate=True), _stale("2013Q3")]
    stale += [_stale("2013Q4"), _stale("2014Q1")]

    assert refresh_waits(stale) == {
        "2013Q1": (),
        "2013Q2": ("2013Q1",),
        "2013Q3": ("2013Q2",),
        "2013Q4": ("2013Q2", "2013Q3"),  # 2013Q1 ended before 2013Q2 began
        "2014Q1": ("2013Q2",),
    }


def test_the_first_year_has_one_quarter_and_a_lone_q4_waits_for_nothing():
    assert refresh_waits([_stale("2012Q4"), _stale("2013Q4")]) == {"2012Q4": (), "2013Q4": ()}
