"""The HTML report: self-contained, with its charts, the RAG table and reporting by CSO."""

from __future__ import annotations

import dataclasses
import re

import pytest
from test_extracts_scenario import RUN, hand_inputs

from lct_pipeline.extracts import quarter_scope, render_extract

# Namespaces an inline SVG declares: names, never fetched.
XML_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


@pytest.fixture(scope="module")
def html(reference):
    organisations = dict(reference.organisations)
    organisations["CSO13"] = dataclasses.replace(organisations["CSO13"], name="<b>Leskovac</b>")
    edited = dataclasses.replace(reference, organisations=organisations)
    extract = render_extract(hand_inputs(reference), quarter_scope("2013Q1"), edited, RUN)
    return extract.files["lct_2013Q1_report.html"].decode("utf-8")


def test_report_has_inline_svg_charts(html):
    assert html.count("<svg") == 2  # national trends; rejected rows by CSO
    trends = html[html.index('id="trends"') : html.index('id="reporting"')]
    for code in ("IND01", "IND03", "IND12"):
        assert code in trends  # one small chart per indicator


def test_report_is_self_contained(html):
    for fetch in ("<script", "<link", "src=", "@import", "<iframe"):
        assert fetch not in html
    assert not re.search(r"url\((?!#)", html)  # only references within the page: url(#clip)
    assert set(re.findall(r"https?://[^\"' )<]+", html)) <= XML_NAMESPACES


def test_rag_table_shows_each_indicator_against_its_target(html):
    table = html[html.index('id="rag"') : html.index('id="trends"')]
    assert (
        "<tr><td><b>IND03</b> victims assisted through local networks</td><td class='n'>34</td>"
        "<td class='n'>40</td><td class='n'>10</td><td class='n'>340%</td>"
        "<td><span class=\"pill green\">GREEN</span></td><td class='n'>34</td></tr>"
    ) in table
    assert (
        "<td><b>IND04</b> share of identified victims assisted (%)</td><td class='n'>77.3</td>"
        in table
    )
    assert table.count("<tr>") == 13  # header and twelve indicators


def test_reporting_by_cso_is_a_heat_map_of_quarters(html):
    section = html[html.index('id="reporting"') : html.index('id="rejections"')]
    row = re.search(r"<tr><td><b>CSO03</b>.*?</tr>", section).group(0)
    assert row == (
        '<tr><td><b>CSO03</b> Lokalna mreža Subotica</td><td class="hm na">–</td>'
        "<td class=\"hm late\">late</td><td class='n'>100%</td></tr>"
    )
    assert '<td class="hm ok">on time</td>' in section
    assert section.count("<tr>") == 15  # header and the 14 CSOs of the registry


def test_text_from_the_reference_is_escaped(html):
    assert "&lt;b&gt;Leskovac&lt;/b&gt;" in html
    assert "<b>Leskovac</b>" not in html


def test_report_says_it_is_internal_and_which_run_made_it(html):
    assert "not for publication" in html
    assert "run run-0001 · code version 0.1.0 · 5 input file(s)" in html.replace("\n  ", " ")


def test_a_trend_chart_is_drawn_again_only_when_its_figures_change(reference):
    import pandas as pd

    from lct_pipeline.extracts import charts

    quarters = ["2013Q1", "2013Q2"]
    trends = pd.DataFrame(
        {"indicator_code": ["IND01", "IND01"], "period": quarters, "value": [5.0, 7.0],
         "expected_to_date": [None, None], "rag": [None, "GREEN"]}
    )  # fmt: skip
    first = charts.trend_chart(trends, quarters, reference)
    assert charts.trend_chart(trends.copy(), quarters, reference) is first  # kept, not redrawn
    moved = charts.trend_chart(trends.assign(value=[5.0, 8.0]), quarters, reference)
    assert moved != first and "IND01" in moved


def test_the_rejections_chart_is_the_one_matplotlib_draws_with_every_bar_s_limits(monkeypatch):
    """The chart takes its data limits from the first and last reason's bars only (it is
    faster): the SVG is the one matplotlib draws when every bar updates them."""
    import random
    from contextlib import contextmanager

    import pandas as pd

    from lct_pipeline.extracts import charts

    chance = random.Random(3)
    codes = [f"REASON_{i}" for i in range(9)]  # more than the palette: an "other" series
    by_cso = pd.DataFrame(
        {"org_code": [f"CSO{i:02d}" for i in range(40)]}
        | {c: [chance.choice([0, 0, 0, 1, 2, 7, 30]) for _ in range(40)] for c in codes}
    )
    fast = charts.rejections_chart(by_cso, codes)

    @contextmanager
    def every_bar(ax):
        yield []  # nothing held back: matplotlib updates the limits for each bar

    monkeypatch.setattr(charts, "_limits_from_bars_given", every_bar)
    assert charts.rejections_chart(by_cso, codes) == fast


def test_a_report_takes_its_charts_from_its_cache_until_their_figures_change(
    reference, tmp_path, monkeypatch
):
    """A refresh that leaves a report's charts as they were does not draw them again, and
    the report is the same byte for byte; the folder keeps only the charts it shows."""
    from lct_pipeline.extracts import charts

    inputs, scope = hand_inputs(reference), quarter_scope("2013Q1")
    drawn = render_extract(inputs, scope, reference, RUN).files["lct_2013Q1_report.html"]
    cache = tmp_path / "charts"
    first = render_extract(inputs, scope, reference, RUN, chart_cache=charts.ChartCache(cache))
    assert first.files["lct_2013Q1_report.html"] == drawn
    kept = sorted(p.name for p in cache.iterdir())
    assert len(kept) == 2  # the trends and the rejections

    def no_drawing(*args):
        raise AssertionError("drawn again")

    monkeypatch.setattr(charts, "_TREND_CHARTS", type(charts._TREND_CHARTS)())
    monkeypatch.setattr(charts, "_trend_chart", no_drawing)
    monkeypatch.setattr(charts, "_rejections_chart", no_drawing)
    again = charts.ChartCache(cache)
    report = render_extract(inputs, scope, reference, RUN, chart_cache=again)
    assert report.files["lct_2013Q1_report.html"] == drawn
    again.prune()
    assert sorted(p.name for p in cache.iterdir()) == kept

    # Other rejections: that chart is drawn again, and the one it replaces removed.
    monkeypatch.undo()
    rejected = inputs.rejections.iloc[:-1]
    changed = dataclasses.replace(inputs, rejections=rejected)
    fresh = charts.ChartCache(cache)
    html = render_extract(changed, scope, reference, RUN, chart_cache=fresh).files
    assert html["lct_2013Q1_report.html"] != drawn
    fresh.prune()
    now = sorted(p.name for p in cache.iterdir())
    assert len(now) == 2 and len(set(now) & set(kept)) == 1
