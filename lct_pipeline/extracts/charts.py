"""Charts of the HTML report, as inline SVG (the report must open offline, alone).

matplotlib's object API (no pyplot) keeps no global state, so charts can be
drawn from several threads of one process; text stays text in the SVG, so it is
small and searchable.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from lct_pipeline.files import atomic_write_bytes
from lct_pipeline.freshness import code_digest
from lct_pipeline.reference import Reference

RAG_COLOURS = {"GREEN": "#2e7d32", "AMBER": "#f9a825", "RED": "#c62828"}
LINE = "#1f3864"
TARGET = "#8a94a6"
# The charts drawn last in this process, by their figures (a few hundred kB in all).
_TREND_CHARTS: OrderedDict[tuple, str] = OrderedDict()
_CHARTS_KEPT = 32
_CHARTS_LOCK = threading.Lock()
REASON_PALETTE = ("#1f3864", "#3f6fb5", "#7aa6db", "#c0504d", "#f79646", "#9bbb59", "#8064a2")


class ChartCache:
    """The charts one extract's report drew, one SVG file each in ``folder``, named by a
    digest of everything it was drawn from: its figures, its labels and the code.

    A refresh usually leaves a report's charts as they were (a correction of an earlier
    quarter moves its CUM rows, not its national trends or its rejections), and drawing
    them is a third of a national report's time: a chart found here is not drawn again.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._used: set[str] = set()

    def chart(self, key: str, draw: Callable[[], str]) -> str:
        """The chart drawn from ``key``'s inputs: from the folder, or drawn and kept."""
        self._used.add(key)
        path = self.folder / f"{key}.svg"
        try:
            return path.read_text(encoding="utf-8")
        except OSError:  # not drawn yet, or removed meanwhile by another run's prune
            svg = draw()
            atomic_write_bytes(path, svg.encode("utf-8"))
            return svg

    def prune(self) -> None:
        """Remove the charts this report no longer shows: the folder holds its current
        charts only."""
        for path in self.folder.glob("*.svg"):
            if path.stem not in self._used:
                path.unlink(missing_ok=True)


def _key(kind: str, *parts: object) -> str:
    return hashlib.sha256(repr((kind, code_digest(), *parts)).encode()).hexdigest()


def _style(salt: str):
    """matplotlib settings while one chart is drawn (text is laid out with them)."""
    import matplotlib

    # A salt per chart keeps the ids of several inline SVGs apart in one page.
    # DejaVu Sans ships with matplotlib; the SVG falls back to the page's sans-serif.
    return matplotlib.rc_context(
        {
            "svg.hashsalt": salt,
            "svg.fonttype": "none",
            "font.family": "sans-serif",
            "font.sans-serif": ["DejaVu Sans"],
        }
    )


def _svg(figure) -> str:
    buffer = io.StringIO()
    # No date: a rebuilt report is byte-identical.
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    # The RDF block (creator, licence URLs) means nothing inside a page.
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)
    # Scale with the page instead of a fixed size in points.
    size = re.compile(r'<svg([^>]*?) width="[^"]*" height="[^"]*"')
    return size.sub(r'<svg\1 width="100%"', svg, count=1)


def _short(period: str) -> str:
    return f"{period[2:4]}Q{period[5]}" if len(period) == 6 else period


def trend_chart(
    trends: pd.DataFrame,
    quarters: list[str],
    reference: Reference,
    cache: ChartCache | None = None,
) -> str:
    """Small multiples: each indicator's national value by quarter, against its target pace.

    ``trends``: indicator rows (NATIONAL, TOTAL, period type Q) of ``quarters``.
    """
    # A refresh often leaves the national trends as they were (a correction of a count
    # no indicator reads, a later quarter's CUM rows): the same figures, the same chart.
    # Only the quarters shown count: a change before them leaves the chart as it was.
    trends = trends[trends["period"].isin(quarters)]
    names = tuple((code, i.name) for code, i in reference.indicators.items())
    figures = hashlib.sha256(trends.to_csv(index=False).encode()).hexdigest()
    key = (figures, tuple(quarters), names)

    def draw() -> str:  # or the one drawn last in this process from the same figures
        with _CHARTS_LOCK:
            if key in _TREND_CHARTS:
                _TREND_CHARTS.move_to_end(key)
                return _TREND_CHARTS[key]
        with _style("lct-trends"):
            svg = _trend_chart(trends, quarters, reference)
        with _CHARTS_LOCK:
            _TREND_CHARTS[key] = svg
            while len(_TREND_CHARTS) > _CHARTS_KEPT:
                _TREND_CHARTS.popitem(last=False)
        return svg

    return draw() if cache is None else cache.chart(_key("trends", *key), draw)


def _trend_chart(trends: pd.DataFrame, quarters: list[str], reference: Reference) -> str:
    from matplotlib.figure import Figure

    codes = list(reference.indicators)
    columns = 4
    rows = math.ceil(len(codes) / columns)
    figure = Figure(figsize=(13, 2.7 * rows))
    # Fixed margins: a layout engine would cost more time than all the drawing.
    figure.subplots_adjust(left=0.035, right=0.995, bottom=0.06, top=0.93, wspace=0.22, hspace=0.62)
    axes = figure.subplots(rows, columns, squeeze=False)
    x = list(range(len(quarters)))
    for i, code in enumerate(codes):
        ax = axes[i // columns][i % columns]
        _trend_panel(ax, trends[trends["indicator_code"] == code], quarters, x)
        title = textwrap.fill(f"{code}  {reference.indicators[code].name}", 40)
        # Placed text, not a title: matplotlib lays out a title again at every draw.
        ax.text(0, 1.06, title, transform=ax.transAxes, fontsize=9, color="#222",
                linespacing=1.25, va="bottom")  # fmt: skip
    for j in range(len(codes), rows * columns):
        axes[j // columns][j % columns].set_visible(False)
    return _svg(figure)


def _trend_panel(ax, rows: pd.DataFrame, quarters: list[str], x: list[int]) -> None:
    from matplotlib.ticker import MaxNLocator

    by_period = rows.set_index("period")
    values = [_num(by_period, q, "value") for q in quarters]
    targets = [_num(by_period, q, "expected_to_date") for q in quarters]
    if any(t is not None for t in targets):
        ax.plot(x, [t if t is not None else math.nan for t in targets], ls="--", lw=1.2,
                color=TARGET, label="target pace")  # fmt: skip
    ax.plot(x, [v if v is not None else math.nan for v in values], color=LINE, lw=1.8)
    points = [(xi, v, by_period.at[q, "rag"])
              for xi, q, v in zip(x, quarters, values, strict=True) if v is not None]  # fmt: skip
    if points:  # one collection per panel: an artist per point costs more than the page
        px, py, rag = zip(*points, strict=True)
        colours = [RAG_COLOURS.get(r, LINE) for r in rag]
        ax.scatter(px, py, s=30, zorder=3, c=colours, edgecolors="white", linewidths=0.8)
    if all(v is None for v in values):
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes,
                color=TARGET, fontsize=9)  # fmt: skip
    # Every tick is several artists, the bulk of the drawing: up to 12 quarters are all
    # labelled, a longer history only each year's first quarter; 4 levels at most.
    ticks = [i for i, q in enumerate(quarters) if len(quarters) <= 12 or q.endswith("Q1")]
    ax.set_xticks(ticks, [_short(quarters[i]) for i in ticks], fontsize=7.5)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    ax.tick_params(axis="y", labelsize=7.5)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#e5e8ee", lw=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#b8c0cc")


def _num(frame: pd.DataFrame, period: str, column: str) -> float | None:
    if period not in frame.index:
        return None
    value = pd.to_numeric(frame.at[period, column], errors="coerce")
    return None if pd.isna(value) else float(value)


@contextmanager
def _limits_from_bars_given(ax):
    """While drawing: the data limits of ``ax`` come only from the bars the caller lists.

    matplotlib works out each bar's extent from its path when it adds the bar, which at
    national scale (300 CSOs, 7 stacked reasons) was a third of the report's chart time.
    The limits are the same as long as the bars listed hold every extreme.
    """
    update = ax._update_patch_limits
    given: list = []
    ax._update_patch_limits = lambda patch: None
    try:
        yield given
    finally:
        del ax._update_patch_limits
    for patch in given:
        update(patch)


def rejections_chart(
    by_cso: pd.DataFrame, reason_codes: list[str], cache: ChartCache | None = None
) -> str | None:
    """Rejected rows per CSO, stacked by reason code; None when nothing was rejected."""
    if by_cso.empty or not reason_codes or by_cso[reason_codes].to_numpy().sum() == 0:
        return None

    def draw() -> str:
        with _style("lct-rejections"):
            return _rejections_chart(by_cso, reason_codes)

    if cache is None:
        return draw()
    figures = hashlib.sha256(by_cso.to_csv(index=False).encode()).hexdigest()
    return cache.chart(_key("rejections", figures, tuple(reason_codes)), draw)


def _rejections_chart(by_cso: pd.DataFrame, reason_codes: list[str]) -> str:
    from matplotlib.figure import Figure

    rows = by_cso[by_cso[reason_codes].sum(axis=1) > 0].iloc[::-1]
    # More than a handful of colours cannot be told apart: the rest is "other".
    shown = sorted(reason_codes, key=lambda c: -rows[c].sum())[: len(REASON_PALETTE) - 1]
    series = {c: rows[c] for c in shown}
    rest = [c for c in reason_codes if c not in shown]
    if rest:
        series["other"] = rows[rest].sum(axis=1)
    height = 0.3 * len(rows) + 1.1
    figure = Figure(figsize=(10, height))
    figure.subplots_adjust(left=0.08, right=0.99, bottom=0.55 / height, top=1 - 0.45 / height)
    ax = figure.subplots()
    labels = [org or "(none)" for org in rows["org_code"]]
    left = [0.0] * len(rows)
    bars = []
    with _limits_from_bars_given(ax) as limits:
        for (name, counts), colour in zip(series.items(), REASON_PALETTE, strict=False):
            bars.append(ax.barh(labels, counts, left=left, color=colour, label=name, height=0.6))
            left = [a + b for a, b in zip(left, counts, strict=True)]
        # A row's bars lie end to end from 0 (counts are not negative): its first and last
        # bars hold its extremes, so the data limits are those of the other bars too.
        limits.extend([*bars[0], *bars[-1]])
    ax.set_xlabel("rejected rows", fontsize=9)
    ax.tick_params(labelsize=8.5)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8, frameon=False, loc="lower left", bbox_to_anchor=(0, 1), ncols=len(series))
    ax.grid(axis="x", color="#e5e8ee", lw=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _svg(figure)
