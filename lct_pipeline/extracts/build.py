"""Build the extract folders of a scope: the internal one and the public one (SPEC §9).

``render_extract`` makes every internal file in memory (nothing touches the disk
until all of them rendered) and ``build_extract`` writes them to ``<label>/``
with ``files``. ``render_public`` makes the public folder's files; the
pipeline stages them, audits them and only then writes them to
``<label>/public/`` (``build_public``), a folder that can be published as it is:
no CSO and no input file is named in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from lct_pipeline import made_from
from lct_pipeline.extracts import public_versions, revisions, tables
from lct_pipeline.extracts.audit import PublicTable
from lct_pipeline.extracts.cells import TOTAL_BREAKDOWN
from lct_pipeline.extracts.charts import ChartCache
from lct_pipeline.extracts.files import MANIFEST, write_extract_folder
from lct_pipeline.extracts.inputs import ExtractInputs, submission_quarters
from lct_pipeline.extracts.public import (
    DEFAULT_MIN_CONTRIBUTORS,
    Plan,
    left_out_table,
    plan_scope,
    publish_indicators,
)
from lct_pipeline.extracts.public_versions import Kept
from lct_pipeline.extracts.report import ReportData, report_html
from lct_pipeline.extracts.revisions import Revision
from lct_pipeline.extracts.scope import QUARTER, YEAR, Scope
from lct_pipeline.extracts.sheets import internal_indicators, internal_sheets, public_sheets
from lct_pipeline.files import sha256_hex
from lct_pipeline.freshness import code_digest, fingerprint, fingerprint_rows, reference_digest
from lct_pipeline.reference import Reference
from lct_pipeline.spreadsheets.csvfiles import csv_bytes
from lct_pipeline.spreadsheets.layout import Sheet, Table, tables_of
from lct_pipeline.spreadsheets.workbooks import workbook_bytes

DEFAULT_THRESHOLD = 5
MIN_THRESHOLD = 2
INTERNAL = "internal"
PUBLIC = "public"
PUBLIC_FOLDER = public_versions.PUBLIC_FOLDER
INDICATORS = "indicators"  # the table of figures, in both workbooks
# The tables the audit reads, beside the public files of a scope: for a year, its quarters.
AUDIT_FOLDER = "audited_with"


@dataclass(frozen=True)
class InputFile:
    source_file: str
    sha256: str


@dataclass(frozen=True)
class RunInfo:
    """Who made the extract: recorded in its manifest and report."""

    run_id: str
    code_version: str
    created_at: datetime


@dataclass(frozen=True)
class Extract:
    scope: Scope
    files: dict[str, bytes]  # file name -> content, in writing order
    manifest: dict[str, object]  # without the file list (added when written)
    headline: pd.DataFrame  # the internal summary: national figures with RAG
    row_count: int  # rows of the internal indicators table
    revision: Revision


@dataclass(frozen=True)
class ExtractResult:
    scope: Scope
    folder: Path
    paths: list[Path]  # every file written, manifest.json last
    headline: pd.DataFrame
    row_count: int
    revision: Revision | None  # None: left as made before (``unchanged``)
    unchanged: bool = False  # made from the same inputs before: not written again


@dataclass(frozen=True)
class PublicExtract:
    scope: Scope
    files: dict[str, bytes]  # the public folder's files, in writing order
    manifest: dict[str, object]
    plan: Plan
    # Public indicator and left-out tables of the periods published before (a year's
    # quarters, earlier versions): not part of the folder, but what the audit holds it
    # against, with what ties the versions to the rest (``plan.links``).
    audited_with: dict[str, bytes]
    values: bytes  # the true counts of its own cells, for the audit store (never published)
    revision: Revision

    def tables(self) -> list[PublicTable]:
        """What an attacker of this extract holds: the earlier tables, then its own."""
        found = []
        for period, ptype in self.plan.periods:
            files = self.files if period == self.scope.label else self.audited_with
            found.append(
                PublicTable.from_csv(
                    files[public_versions.indicators_file(period)],
                    files[public_versions.left_out_file(period)],
                    (period, ptype),
                )
            )
        return found


def input_files(
    submissions: pd.DataFrame, scope: Scope, quarters: pd.Series | None = None
) -> list[InputFile]:
    """The files whose slices the scope reports (accepted, rejected or superseded);
    ``quarters``: ``submission_quarters(submissions)`` if known."""
    if quarters is None:
        quarters = submission_quarters(submissions)
    rows = submissions[quarters.isin(scope.quarters)]
    pairs = {(str(f), str(s)) for f, s in zip(rows["source_file"], rows["sha256"], strict=True)}
    return [InputFile(f, s) for f, s in sorted(pairs)]


def _workbook_and_csvs(
    sheets: list[Sheet], scope: Scope, audience: str, run: RunInfo, figures: bytes
) -> dict[str, bytes]:
    """The workbook and one CSV per table; ``figures``: the indicators table's, made
    already (the revision compares it)."""
    title = f"LCT monitoring {scope.label} ({audience})"
    files = {
        scope.file_name(audience): workbook_bytes(sheets, title=title, created_at=run.created_at)
    }
    for table in tables_of(sheets):
        data = figures if table.name == INDICATORS else csv_bytes(table.frame)
        files[scope.file_name(audience, table.name, "csv")] = data
    return files


def _with_changes(sheets: list[Sheet], revision: Revision) -> list[Sheet]:
    """The sheets with the revision's changes before the definitions (always there, so
    analysts find the same sheets in every version; a first version's is empty)."""
    table = Table(revisions.CHANGES, revisions.CHANGES_TITLE, revision.changes)
    return [*sheets[:-1], Sheet(revisions.CHANGES, (table,)), sheets[-1]]


def inputs_to_date(
    submissions: pd.DataFrame, last_quarter: str, quarters: pd.Series | None = None
) -> dict[str, str]:
    """Per quarter up to ``last_quarter``: a digest of the files its slices come from. A
    later version compares them to say which earlier quarters changed its CUM rows."""
    if quarters is None:
        quarters = submission_quarters(submissions)
    files: dict[str, set[str]] = {}
    for quarter, file, sha in zip(
        quarters, submissions["source_file"], submissions["sha256"], strict=True
    ):
        if quarter is not None and quarter <= last_quarter:
            files.setdefault(quarter, set()).add(f"{file}\t{sha}")
    return {q: sha256_hex("\n".join(sorted(f)).encode()) for q, f in sorted(files.items())}


def _internal_revision(
    folder: Path | None,
    scope: Scope,
    figures: bytes,
    used: list[InputFile],
    to_date: dict[str, str],
    inputs: ExtractInputs,
    reference: Reference,
) -> Revision:
    if folder is None:
        return revisions.first(cause=True)
    files_now = {(f.source_file, f.sha256) for f in used}

    def new_files(previous: revisions.Version) -> list[str]:
        before = {(f["source_file"], f["sha256"]) for f in previous.manifest.get("input_files", [])}
        return sorted({name for name, _ in files_now - before})

    def earlier_quarters(previous: revisions.Version) -> list[str]:
        before = previous.manifest.get("inputs_to_date")
        if before is None:  # made before manifests said: which quarters is not known
            return []
        return [
            q for q, digest in to_date.items()
            if q not in scope.quarters and before.get(q) != digest
        ]  # fmt: skip

    def because(changes: pd.DataFrame, previous: revisions.Version) -> dict:
        return {
            "figures_changed": len(changes),
            "since_version": previous.number,
            "new_input_files": new_files(previous),
            "earlier_quarters_changed": earlier_quarters(previous),
        }

    def cause(changes: pd.DataFrame, previous: revisions.Version) -> list[str]:
        return _causes(
            changes, new_files(previous), earlier_quarters(previous), inputs.submissions,
            reference,
        )  # fmt: skip

    name = scope.file_name(INTERNAL, INDICATORS, "csv")
    changes_name = scope.file_name(INTERNAL, revisions.CHANGES, "csv")
    return revisions.revise(folder, name, figures, changes_name, because=because, cause=cause)


def _causes(
    changes: pd.DataFrame,
    new_files: list[str],
    earlier: list[str],
    submissions: pd.DataFrame,
    reference: Reference,
) -> list[str]:
    """Per changed figure: the new input files of a CSO counted in its area and of a
    quarter its period covers; for a CUM row, also the earlier quarters whose inputs
    changed (their own extracts list the files)."""
    rows = submissions[submissions["source_file"].isin(new_files)]
    found: list[tuple[str, str, set[str]]] = []
    for file, org, quarter in zip(
        rows["source_file"], rows["org_code"], submission_quarters(rows), strict=True
    ):
        areas = {org}
        if org in reference.organisations:
            areas |= {a.code for a in reference.area_chain(org)}
        found.append((file, quarter, areas))
    causes = []
    for line in changes.itertuples(index=False):
        period, ptype = str(line.period), str(line.period_type)

        def covers(quarter: str | None, period: str = period, ptype: str = ptype) -> bool:
            if quarter is None:
                return False
            if ptype == QUARTER:
                return quarter == period
            if ptype == YEAR:
                return quarter[:4] == period
            return quarter <= period  # CUM: every quarter up to it

        names = sorted({f for f, q, areas in found if line.area_code in areas and covers(q)})
        names += [f"{q} inputs (see the {q} extract's changes)" for q in earlier if covers(q)]
        causes.append("; ".join(names))
    return causes


def render_extract(
    inputs: ExtractInputs,
    scope: Scope,
    reference: Reference,
    run: RunInfo,
    *,
    inputs_used: list[InputFile] | None = None,
    folder: Path | None = None,
    chart_cache: ChartCache | None = None,
) -> Extract:
    """Every internal file of the extract, in memory. ``inputs_used``: ``input_files``;
    ``folder``: where its earlier versions are (none: a first version); ``chart_cache``:
    where its report's charts were kept when last drawn (none: drawn)."""
    quarters = inputs.slice_quarters
    used = input_files(inputs.submissions, scope, quarters) if inputs_used is None else inputs_used
    internal = internal_sheets(inputs, scope, reference)
    figures = csv_bytes(internal.indicators)
    to_date = inputs_to_date(inputs.submissions, scope.last_quarter, quarters)
    revision = _internal_revision(folder, scope, figures, used, to_date, inputs, reference)
    sheets = _with_changes(internal.sheets, revision)
    files = _workbook_and_csvs(sheets, scope, INTERNAL, run, figures)
    report = ReportData(
        scope=scope,
        headline=internal.headline,
        key_figures=internal.key_figures,
        trends=_national_trends(inputs.indicator_values, scope),
        org_completeness=inputs.reporting_completeness[
            inputs.reporting_completeness["area_level"] == "ORG"
        ],
        rejections_by_cso=internal.rejections_by_cso,
        reason_codes=internal.reason_codes,
        created_at=run.created_at,
        run_id=run.run_id,
        code_version=run.code_version,
        input_files=len(used),
        revision=revision,
        chart_cache=chart_cache,
    )
    files[scope.file_name("report", suffix="html")] = report_html(report, reference).encode()
    manifest = {
        "extract": scope.label,
        "period_type": scope.period_type,
        "quarters": list(scope.quarters),
        "created_at": run.created_at.isoformat(),
        "run_id": run.run_id,
        "code_version": run.code_version,
        "input_files": [{"source_file": f.source_file, "sha256": f.sha256} for f in used],
        "inputs_to_date": to_date,
        **revision.manifest,
    }
    return Extract(scope, files, manifest, internal.headline, len(internal.indicators), revision)


def check_threshold(threshold: int) -> None:
    if threshold < MIN_THRESHOLD:
        # 1 would hide nothing: a typo must not publish every count of victims.
        raise ValueError(f"the suppression threshold must be at least 2, not {threshold}")


# Bumped when what the public files show, or how they are protected, changes for the
# same inputs: every public table is then made again.
PUBLIC_RULES = 1


def public_inputs_digest(
    inputs: ExtractInputs,
    scope: Scope,
    reference: Reference,
    *,
    threshold: int,
    min_contributors: int,
    code_version: str,
) -> str:
    """A digest of what ``render_public`` makes ``scope``'s public files from, but the
    versions published before (``public_versions.made_from`` adds those): its own and
    its quarters' indicator rows and completeness, the reference, the settings and the
    code. A refresh of a later quarter after a change in an earlier one (its ``CUM`` rows,
    which no public table shows) gives the same digest."""
    periods = {*scope.quarters, scope.label}
    rows = inputs.indicator_values
    own = rows["period"].isin(periods) & rows["period_type"].isin([QUARTER, scope.period_type])
    completeness = inputs.reporting_completeness
    frames = [
        frame.sort_values(list(frame.columns), kind="stable", ignore_index=True)
        for frame in (rows[own], completeness[completeness["period"].isin(periods)])
    ]
    settings = [PUBLIC_RULES, code_version, threshold, min_contributors]
    made_with = [repr(settings), reference_digest(reference)]
    return fingerprint(pd.DataFrame({"settings": made_with}), *frames)


def render_public(
    inputs: ExtractInputs,
    scope: Scope,
    reference: Reference,
    run: RunInfo,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    min_contributors: int = DEFAULT_MIN_CONTRIBUTORS,
    root: Path | None = None,
) -> PublicExtract:
    """The public folder's files of ``scope``, protected as one system with what it adds to:
    a year's quarters, and every version published before (``root``: the extracts folder
    that holds them; none: nothing published yet)."""
    check_threshold(threshold)
    earlier: list[Kept] = []
    if root is not None:
        for quarter in scope.quarters if scope.period_type != QUARTER else ():
            earlier += public_versions.published_versions(root, quarter, QUARTER)
        earlier += public_versions.published_versions(root, scope.label, scope.period_type)
    for kept in earlier:
        # A label means what its table's settings meant: "<5" is 1 to 4 for good.
        if (kept.threshold, kept.min_contributors) != (threshold, min_contributors):
            raise ValueError(
                f"{kept.period[0]} was published with suppression_threshold="
                f"{kept.threshold} and min_contributors={kept.min_contributors}; a revision"
                " of what it adds to must use the same settings"
            )
    plan = plan_scope(
        inputs.indicator_values,
        inputs.reporting_completeness,
        scope,
        reference,
        threshold,
        min_contributors,
        earlier=[k.published(reference) for k in earlier],
    )
    sheets = public_sheets(inputs, scope, reference, plan)
    [indicators] = [t.frame for t in tables_of(sheets) if t.name == INDICATORS]
    figures = csv_bytes(indicators)
    revision = _public_revision(root, scope, figures)
    files = _workbook_and_csvs(_with_changes(sheets, revision), scope, PUBLIC, run, figures)
    kept = {k.period: k for k in earlier}
    audited_with = {}
    rows = inputs.indicator_values
    for period, ptype in plan.periods[:-1]:
        if (period, ptype) in kept:
            indicators, left_out = kept[(period, ptype)].indicators, kept[(period, ptype)].left_out
        else:
            own = rows[(rows["period"] == period) & (rows["period_type"] == ptype)]
            published = tables.indicator_table(publish_indicators(own, plan, reference), reference)
            indicators = csv_bytes(published)
            left_out = csv_bytes(left_out_table(plan, (period, ptype), reference))
        audited_with[public_versions.indicators_file(period)] = indicators
        audited_with[public_versions.left_out_file(period)] = left_out
    manifest = {
        "extract": scope.label,
        "audience": PUBLIC,
        "period_type": scope.period_type,
        "quarters": list(scope.quarters),
        "created_at": run.created_at.isoformat(),
        "run_id": run.run_id,
        "code_version": run.code_version,
        "suppression_threshold": threshold,
        "min_contributors": min_contributors,
        **revision.manifest,
    }
    own_values = public_versions.values_bytes(dict(plan.values), (scope.label, scope.period_type))
    return PublicExtract(scope, files, manifest, plan, audited_with, own_values, revision)


def _public_revision(root: Path | None, scope: Scope, figures: bytes) -> Revision:
    """Public figures are what the public indicators table (``figures``, its CSV) shows,
    labels and all: a change is listed as published (``<5`` to 7), and a count hidden in
    both versions is not listed at all, so the list says no more than the two tables do."""
    if root is None:
        return revisions.first(cause=False)

    def because(changes: pd.DataFrame, previous: revisions.Version) -> dict:
        return {"figures_changed": len(changes), "since_version": previous.number}

    return revisions.revise(
        Path(root) / scope.label / PUBLIC_FOLDER,
        public_versions.indicators_file(scope.label),
        figures,
        scope.file_name(PUBLIC, revisions.CHANGES, "csv"),
        because=because,
    )


def _national_trends(indicators: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    return indicators[
        (indicators["period_type"] == QUARTER)
        & (indicators["area_level"] == "NATIONAL")
        & (indicators["breakdown"] == TOTAL_BREAKDOWN)
        & indicators["period"].isin(scope.trend_quarters)
    ]


def internal_inputs_digest(inputs: ExtractInputs, scope: Scope, reference: Reference) -> str:
    """A digest of everything ``render_extract`` makes ``scope``'s internal files from but
    the run: the views as read (all of them, more than the scope shows: a change anywhere
    makes it again), the reference and the code. Its earlier versions need no place in
    it: with the same figures a rebuild keeps the version it finds."""
    settings = [code_digest(), scope.label, scope.period_type]
    return fingerprint_rows(
        pd.DataFrame({"settings": [repr(settings), reference_digest(reference)]}),
        inputs.indicator_values,
        inputs.reporting_completeness,
        inputs.rejections,
        inputs.warnings,
        inputs.submissions,
    )


def build_extract(
    inputs: ExtractInputs,
    scope: Scope,
    reference: Reference,
    root: Path,
    run: RunInfo,
    *,
    inputs_used: list[InputFile] | None = None,
) -> ExtractResult:
    """Render the internal extract and write it to ``root/<label>/``, manifest.json last;
    when its figures changed, the version it replaces is kept under ``revisions/``. A
    folder made from the same inputs before, and untouched since, is left as it is."""
    folder = Path(root) / scope.label
    digest = internal_inputs_digest(inputs, scope, reference)
    kept = made_from.unchanged(root, scope.label, digest)
    if kept is not None:
        indicators, headline = internal_indicators(inputs, scope, reference)
        return ExtractResult(scope, folder, kept, headline, len(indicators), None, unchanged=True)
    charts = ChartCache(made_from.charts_folder(root, scope.label))
    extract = render_extract(
        inputs, scope, reference, run, inputs_used=inputs_used, folder=folder, chart_cache=charts
    )
    prefix = f"lct_{scope.label}_"
    revisions.keep_current(folder, extract.revision.number, prefix)
    paths = write_extract_folder(folder, extract.files, extract.manifest, prefix=prefix)
    files = {folder / name: data for name, data in extract.files.items()}
    made_from.record(
        root, scope.label, made_from.written(digest, {**files, folder / MANIFEST: None})
    )
    charts.prune()
    return ExtractResult(
        scope, folder, paths, extract.headline, extract.row_count, extract.revision
    )
