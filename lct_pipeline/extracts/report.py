"""The HTML report: one self-contained page for a programme manager (SPEC §9).

It opens offline and can be mailed as one file: styles inline, charts as inline
SVG, no script and no link to anything outside. Every text from the data is
escaped. It shows CSO-level reporting and unsuppressed figures, so it is an
internal document and says so at the top.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from lct_pipeline import periods
from lct_pipeline.extracts import charts
from lct_pipeline.extracts.report_style import CSS
from lct_pipeline.extracts.revisions import CAUSE, Revision
from lct_pipeline.extracts.scope import Scope
from lct_pipeline.reference import Reference
from lct_pipeline.spreadsheets.safe_text import as_number, is_missing

HEATMAP_QUARTERS = 8
TREND_QUARTERS = 12
CHANGES_SHOWN = 100  # the rest are in the workbook's changes sheet


@dataclass(frozen=True)
class ReportData:
    scope: Scope
    headline: pd.DataFrame  # tables.headline, with the cumulative value
    key_figures: pd.DataFrame  # tables.key_figures (internal)
    trends: pd.DataFrame  # indicator rows: NATIONAL, TOTAL, period type Q, trend quarters
    org_completeness: pd.DataFrame  # reporting_completeness rows at ORG level
    rejections_by_cso: pd.DataFrame
    reason_codes: list[str]
    created_at: datetime
    run_id: str
    code_version: str
    input_files: int
    revision: Revision | None = None
    chart_cache: charts.ChartCache | None = None  # its charts as last drawn


def _e(value: object) -> str:
    return html.escape("" if is_missing(value) else str(value))


def _number(value: object, decimals: int = 1) -> str:
    """A whole number without decimals, others with ``decimals``; thin-space thousands."""
    number = as_number(value) if not isinstance(value, str) else None
    if number is None:
        return "–" if is_missing(value) else _e(value)
    if float(number).is_integer():
        return f"{int(number):,}".replace(",", "\u202f")
    return f"{number:,.{decimals}f}".replace(",", "\u202f")


def _figures(data: ReportData) -> dict[str, object]:
    return dict(zip(data.key_figures["figure"], data.key_figures["value"], strict=True))


def report_html(data: ReportData, reference: Reference) -> str:
    scope = data.scope
    if scope.period_type == "Y":
        title = f"Annual monitoring report {scope.label}"
        span = f"{periods.quarter_start(scope.quarters[0]):%d %b %Y}"
    else:
        title = f"Quarterly monitoring report {scope.label}"
        span = f"{periods.quarter_start(scope.label):%d %b %Y}"
    span += f" – {periods.quarter_end(scope.last_quarter):%d %b %Y}"
    sections = [
        _cards(data),
        _section("Indicators against targets", _rag_table(data, reference), "rag"),
        _section("National trends by quarter", _trends(data, reference), "trends"),
        _section("Reporting by CSO", _heatmap(data, reference), "reporting"),
        _section("Rejected rows by CSO", _rejections(data), "rejections"),
    ]
    if data.revision is not None and data.revision.number > 1:
        heading = f"Figures changed in version {data.revision.number}"
        sections.insert(1, _section(heading, _changes(data.revision), "changes"))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)} · LCT</title>
<style>{CSS}</style>
</head>
<body>
<header class="top">
  <div class="wrap">
    <div class="brand">Local Communities Against Trafficking · monitoring</div>
    <h1>{_e(title)}</h1>
    <div class="sub">{_e(span)} · national figures unless stated</div>
    <div class="badge">Internal · contains CSO-level data and unsuppressed counts of victims:
      not for publication (use the public workbook)</div>
  </div>
</header>
<main class="wrap">
{"".join(sections)}
</main>
<footer class="wrap">
  Generated {_e(data.created_at.strftime("%Y-%m-%d %H:%M %Z").strip())} · run {_e(data.run_id)} ·
  code version {_e(data.code_version)} · {data.input_files} input file(s), listed with their
  sha256 in manifest.json · definitions of every indicator are in the workbook's
  definitions sheet.
</footer>
</body>
</html>
"""


def _section(title: str, body: str, anchor: str) -> str:
    return f'<section id="{anchor}"><h2>{_e(title)}</h2>{body}</section>\n'


def _cards(data: ReportData) -> str:
    f = _figures(data)
    rags = {rag: f.get(f"indicators {rag}", 0) for rag in ("GREEN", "AMBER", "RED")}
    cards = [
        ("Reporting completeness", _pct(f.get("reporting completeness (%)")),
         f"{_number(f.get('CSO reports received'))} of {_number(f.get('CSO reports expected'))}"
         " CSO reports received"),
        ("Reporting timeliness", _pct(f.get("reporting timeliness (%)")),
         f"{_number(f.get('CSO reports received on time'))} received within 30 days"),
        ("Indicators on track",
         f'<span class="g">{rags["GREEN"]}</span> · <span class="a">{rags["AMBER"]}</span> · '
         f'<span class="r">{rags["RED"]}</span>', "green · amber · red, of those with a target"),
        ("Rows rejected", _number(f.get("rows rejected")),
         f"of {_number(f.get('rows received'))} rows in {_number(f.get('files received'))} files"),
    ]  # fmt: skip
    items = "".join(
        f'<div class="card"><div class="label">{_e(label)}</div>'
        f'<div class="big">{big}</div><div class="note">{note}</div></div>'
        for label, big, note in cards
    )
    return f'<section class="cards">{items}</section>\n'


def _pct(value: object) -> str:
    number = as_number(value) if not isinstance(value, str) else None
    return "–" if number is None else f"{number:.1f}%"


def _rag_table(data: ReportData, reference: Reference) -> str:
    since = f"since {periods.PROGRAMME_START}"
    head = (
        "<tr><th>Indicator</th><th class='n'>Value</th><th class='n'>Annual target</th>"
        "<th class='n'>Expected to date</th><th class='n'>Achievement</th><th>Status</th>"
        f"<th class='n'>Cumulative {since}</th></tr>"
    )
    body = []
    for row in data.headline.itertuples(index=False):
        # Counts are whole; a percentage gets one decimal (77.3), a plain ratio two (2.35).
        decimals = 2 if reference.indicators[row.indicator_code].multiplier == 1 else 1
        rag = "" if is_missing(row.rag) else str(row.rag)
        badge = f'<span class="pill {rag.lower()}">{_e(rag)}</span>' if rag else "–"
        achievement = as_number(row.achievement) if not isinstance(row.achievement, str) else None
        cum = getattr(row, "cumulative_value", None)
        body.append(
            f"<tr><td><b>{_e(row.indicator_code)}</b> {_e(row.indicator_name)}</td>"
            f"<td class='n'>{_number(row.value, decimals)}</td>"
            f"<td class='n'>{_number(row.target)}</td>"
            f"<td class='n'>{_number(row.expected_to_date, decimals)}</td>"
            f"<td class='n'>{'–' if achievement is None else f'{achievement:.0%}'}</td>"
            f"<td>{badge}</td><td class='n'>{_number(cum, decimals)}</td></tr>"
        )
    return f'<table class="grid rag">{head}{"".join(body)}</table>'


def _trends(data: ReportData, reference: Reference) -> str:
    quarters = list(data.scope.trend_quarters[-TREND_QUARTERS:])
    svg = charts.trend_chart(data.trends, quarters, reference, data.chart_cache)
    legend = (
        '<p class="legend">Line: the national value by quarter. Dashed: what the quarter should '
        "reach (a quarter of an annual count target; a rate's own target). Dots: "
        '<span class="g">GREEN</span> at ≥ 90% of it, <span class="a">AMBER</span> at ≥ 60%, '
        '<span class="r">RED</span> below.</p>'
    )
    return f'<figure class="chart">{svg}</figure>{legend}'


def _state(row) -> tuple[str, str]:
    if row is None or not row["expected"]:
        return "na", "–"
    if row["received"] and row["on_time"]:
        return "ok", "on time"
    if row["received"]:
        return "late", "late"
    return "miss", "missing"


def _heatmap(data: ReportData, reference: Reference) -> str:
    quarters = list(data.scope.trend_quarters[-HEATMAP_QUARTERS:])
    rows = data.org_completeness
    cells = {(r["area_code"], r["period"]): r for r in rows.to_dict("records")}
    orgs = sorted(set(reference.organisations) | set(rows["area_code"]))
    head = "".join(f"<th>{_e(q)}</th>" for q in quarters)
    lines = []
    for org in orgs:
        name = reference.organisations[org].name if org in reference.organisations else ""
        tds = []
        for q in quarters:
            css, text = _state(cells.get((org, q)))
            tds.append(f'<td class="hm {css}">{text}</td>')
        in_scope = [cells[(org, q)] for q in data.scope.quarters if (org, q) in cells]
        expected = sum(r["expected"] or 0 for r in in_scope)
        received = sum(r["received"] or 0 for r in in_scope)
        share = f"{100 * received / expected:.0f}%" if expected else "–"
        lines.append(
            f"<tr><td><b>{_e(org)}</b> {_e(name)}</td>{''.join(tds)}<td class='n'>{share}</td></tr>"
        )
    legend = (
        '<p class="legend"><span class="hm ok">on time</span> received within 30 days · '
        '<span class="hm late">late</span> received later · <span class="hm miss">missing</span>'
        ' expected, not received · <span class="hm na">–</span> not expected (not active)</p>'
    )
    return (
        f'<table class="grid heat"><tr><th>CSO</th>{head}'
        f"<th class='n'>Received {_e(data.scope.label)}</th></tr>{''.join(lines)}</table>{legend}"
    )


def _rejections(data: ReportData) -> str:
    by_cso = data.rejections_by_cso
    svg = charts.rejections_chart(by_cso, data.reason_codes, data.chart_cache)
    if svg is None:
        return '<p class="legend">No row was rejected in this period.</p>'
    rows = by_cso[by_cso[data.reason_codes].sum(axis=1) > 0]
    head = "".join(f"<th class='n'>{_e(c)}</th>" for c in data.reason_codes)
    lines = "".join(
        f"<tr><td><b>{_e(r['org_code'] or '(none)')}</b> {_e(r['org_name'])}</td>"
        f"<td class='n'>{_number(r['rows_total'])}</td>"
        f"<td class='n'>{_number(r['rows_rejected'])}</td>"
        + "".join(f"<td class='n'>{_number(r[c]) if r[c] else ''}</td>" for c in data.reason_codes)
        + "</tr>"
        for r in rows.to_dict("records")
    )
    table = (
        f'<table class="grid small"><tr><th>CSO</th><th class="n">rows</th>'
        f'<th class="n">rejected</th>{head}</tr>{lines}</table>'
    )
    return f'<figure class="chart">{svg}</figure>{table}'


def _changes(revision: Revision) -> str:
    """Each figure that differs from the previous version, and the files that changed it."""
    changes = revision.changes
    if changes.empty:
        return '<p class="legend">No figure changed; the tables around them did.</p>'
    lines = "".join(
        f"<tr><td><b>{_e(r['indicator_code'])}</b> {_e(r['indicator_name'])}</td>"
        f"<td>{_e(r['area_code'])}</td><td>{_e(r['period'])} {_e(r['period_type'])}</td>"
        f"<td>{_e(r['breakdown'])} {_e(r['breakdown_value'])}</td><td>{_e(r['figure'])}</td>"
        f"<td class='n'>{_number(r['old'])}</td><td class='n'>{_number(r['new'])}</td>"
        f"<td>{_e(r.get(CAUSE, ''))}</td></tr>"
        for r in changes.head(CHANGES_SHOWN).to_dict("records")
    )
    more = len(changes) - CHANGES_SHOWN
    note = (
        f'<p class="legend">{more} more in the workbook\'s changes sheet.</p>' if more > 0 else ""
    )
    return (
        f'<p class="legend">{len(changes)} figure(s) differ from version '
        f"{revision.number - 1}; the earlier version is kept in revisions/.</p>"
        '<table class="grid small"><tr><th>Indicator</th><th>Area</th><th>Period</th>'
        "<th>Breakdown</th><th>Figure</th><th class='n'>Old</th><th class='n'>New</th>"
        f"<th>Caused by</th></tr>{lines}</table>{note}"
    )
