"""Public extracts: staged, audited as an attacker would, and only then written (SPEC §9).

Three steps, so that a public file that fails the audit is never written:
``public_tables`` stages the candidate files, the blocking check
``public_tables_withstand_attack`` audits them reading only those files, and
``public_extracts`` writes ``<period>/public/`` once it has passed.
"""

import json
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from assets.extracts import built_scopes, run_info, scope_labels
from assets.metadata import markdown_table
from assets.partitions import quarter_of, quarterly_partitions
from lct_pipeline import freshness
from lct_pipeline.extracts import (
    DEFAULT_MIN_CONTRIBUTORS,
    DEFAULT_THRESHOLD,
    MIN_THRESHOLD,
    read_public_views,
    render_public,
    scopes_for,
)
from lct_pipeline.extracts.audit import PublicTable, audit
from lct_pipeline.extracts.build import AUDIT_FOLDER, public_inputs_digest
from lct_pipeline.extracts.files import MANIFEST, write_extract_folder
from lct_pipeline.extracts.public_versions import (
    current_made_from,
    current_number,
    equations_bytes,
    indicators_file,
    left_out_file,
    made_from,
    publish,
    read_equations,
)
from lct_pipeline.extracts.scope import QUARTER
from lct_pipeline.files import atomic_write_bytes
from resources import FilesResource, ProgrammeResource, WarehouseResource

STAGING = ".staging"  # under the extracts folder: candidates the audit has not passed yet


class ExtractsConfig(dg.Config):
    """Settings a data officer may change from the launchpad."""

    suppression_threshold: int = Field(
        default=DEFAULT_THRESHOLD,
        ge=MIN_THRESHOLD,
        description=(
            "Public extracts show a count of victims from 1 to this number minus one as"
            " '<threshold>' (default 5: counts 1-4 are shown as '<5')."
        ),
    )
    min_contributors: int = Field(
        default=DEFAULT_MIN_CONTRIBUTORS,
        ge=DEFAULT_MIN_CONTRIBUTORS,
        description=(
            "Figures on victims are published only for areas where at least this many CSOs"
            " reported values in the period (at least 3: no public figure may be one or two"
            " CSOs' own)."
        ),
    )


# The version of the quarters the staged tables were read at (lct_pipeline/freshness.py).
_BUILT_FROM = "built_from.txt"
# Beside the staged tables, never published: the counts that link earlier versions to
# these (public.links), and the true counts of these, kept for the next revision's audit.
_LINKS = "links.json"
_VALUES = "values.json"
_INPUTS = "inputs_digest.txt"  # what they were made from, recorded once published
_UNCHANGED = "unchanged.txt"  # the scopes left as published: not staged, not audited
# A year's: the versions of its other quarters it was planned beside. Another run of
# the same year may publish one of them again meanwhile; the year is then not written.
_BESIDE = "planned_beside.json"


def _staging(files: FilesResource, period: str) -> Path:
    return files.extracts / STAGING / period


@dg.asset(
    partitions_def=quarterly_partitions,
    group_name="extracts",
    deps=["indicator_values", "reporting_completeness"],
    kinds={"python", "excel", "csv"},
    owners=["team:data-officers"],
)
def public_tables(
    context: dg.AssetExecutionContext,
    config: ExtractsConfig,
    warehouse: WarehouseResource,
    files: FilesResource,
    programme: ProgrammeResource,
) -> dg.MaterializeResult:
    """The public tables of the quarter (and of its year after a Q4), staged for the audit.

    No CSO-level rows and no comments; figures on victims only for areas where enough
    CSOs reported, counts from 1 to 4 shown as ``<5`` and more cells hidden until no
    published figure, of this period, an earlier one or an earlier version of either, pins
    a hidden count. They are staged, not published: ``public_extracts`` writes them once
    the audit has passed, keeping the version they replace under ``public/revisions/``.
    """
    period = quarter_of(context)
    reference = programme.reference()
    scopes = scopes_for(period)
    engine = warehouse.get_engine()
    with engine.connect() as conn:  # before reading: a change meanwhile leaves it stale
        built_from = freshness.input_version(conn, freshness.PUBLIC, period)
    inputs = read_public_views(engine, period, scope_labels(scopes))
    run = run_info(context)
    staging = _staging(files, period)
    shutil.rmtree(staging, ignore_errors=True)
    atomic_write_bytes(staging / _BUILT_FROM, str(built_from).encode())
    counts, unchanged = [], []
    settings = {
        "threshold": config.suppression_threshold,
        "min_contributors": config.min_contributors,
    }
    for scope in built_scopes(context, scopes, inputs):
        digest = public_inputs_digest(
            inputs, scope, reference, code_version=run.code_version, **settings
        )
        year_of = scope.quarters if scope.period_type != QUARTER else ()
        known = current_made_from(files.extracts, scope.label)
        if known == made_from(files.extracts, year_of, digest):
            # Audited and published from these very inputs: the same files again.
            unchanged.append(scope.label)
            context.log.info(f"{scope.label}: public tables unchanged since they were published")
            continue
        # Read before the plan reads them: a version published meanwhile is then noticed.
        beside = {q: current_number(files.extracts, q) for q in year_of if q != period}
        extract = render_public(inputs, scope, reference, run, root=files.extracts, **settings)
        folder = staging / scope.label
        write_extract_folder(folder, extract.files, extract.manifest, prefix="lct_")
        for name, data in extract.audited_with.items():
            atomic_write_bytes(folder / AUDIT_FOLDER / name, data)
        atomic_write_bytes(
            folder / AUDIT_FOLDER / _LINKS, equations_bytes(list(extract.plan.links))
        )
        atomic_write_bytes(folder / _VALUES, extract.values)
        atomic_write_bytes(folder / _INPUTS, digest.encode())
        atomic_write_bytes(folder / _BESIDE, json.dumps(beside).encode())
        if extract.revision.number > 1:
            context.log.info(
                f"{scope.label}: public version {extract.revision.number}, "
                f"{len(extract.revision.changes)} public figure(s) changed"
            )
        table = extract.plan.counts((scope.label, scope.period_type), reference)
        counts.append(table.assign(period=scope.label))
    atomic_write_bytes(staging / _UNCHANGED, "".join(f"{u}\n" for u in unchanged).encode())
    # Sensitive cells by period and area: the country's own, and each region's with its
    # municipalities'.
    summary = pd.concat(counts, ignore_index=True) if counts else pd.DataFrame(columns=["period"])
    summary = summary[["period", *(c for c in summary.columns if c != "period")]]
    totals = {
        c: int(summary[c].sum()) if c in summary else 0 for c in ("published", "hidden", "left_out")
    }
    return dg.MaterializeResult(
        metadata={
            "quarter": period,
            "staged": dg.MetadataValue.path(str(staging)),
            "unchanged_since_published": ", ".join(unchanged) or "none",
            "suppression_threshold": config.suppression_threshold,
            "min_contributors": config.min_contributors,
            "sensitive_cells_published": totals["published"],
            "sensitive_cells_hidden": totals["hidden"],
            "sensitive_cells_left_out": totals["left_out"],
            "dagster/row_count": totals["published"],
            "by_area": markdown_table(summary),
        }
    )


def _staged_tables(folder: Path) -> list[PublicTable]:
    """The tables an attacker of this extract holds: the earlier ones (a year's quarters,
    earlier versions), then its own."""
    label = folder.name
    earlier = sorted(
        p.name.removesuffix("_public_indicators.csv").removeprefix("lct_")
        for p in (folder / AUDIT_FOLDER).glob("lct_*_public_indicators.csv")
    )
    tables = []
    for period, where in [*((p, folder / AUDIT_FOLDER) for p in earlier), (label, folder)]:
        tables.append(
            PublicTable.from_csv(
                (where / indicators_file(period)).read_bytes(),
                (where / left_out_file(period)).read_bytes(),
                (period, "Q" if "Q" in period else "Y"),
            )
        )
    return tables


def _staged_links(folder: Path) -> list:
    path = folder / AUDIT_FOLDER / _LINKS
    return read_equations(path.read_bytes()) if path.is_file() else []


@dg.asset_check(
    asset=public_tables,
    blocking=True,
    partitions_def=quarterly_partitions,
    description="The attacker of SPEC §9, with the staged public files, the earlier ones they"
    " add to and every version published before (linked to the new one by the counts that"
    " did not change): linear programming over every additive relation, with the labels read as"
    " bounds (<5 is 1 to 4, [c] at least 5). Fails when a hidden count can be narrowed more"
    " than its label says; the public files are then not written. Its metadata names each"
    " such count and the published figures that pin it.",
)
def public_tables_withstand_attack(
    context: dg.AssetCheckExecutionContext,
    files: FilesResource,
    programme: ProgrammeResource,
) -> dg.AssetCheckResult:
    period = context.partition_key
    reference = programme.reference()
    checked, intervals, findings, inherited, errors = 0, [], [], 0, []
    for folder in sorted(p for p in _staging(files, period).iterdir() if p.is_dir()):
        # The threshold the tables were made with (their labels say "<threshold").
        threshold = json.loads((folder / MANIFEST).read_text())["suppression_threshold"]
        result = audit(_staged_tables(folder), reference, threshold, links=_staged_links(folder))
        if result.error:
            errors.append(f"{folder.name}: {result.error}")
        checked += len(result.intervals)
        inherited += len(result.inherited)
        intervals.append(result.table().assign(extract=folder.name))
        findings += [
            {"extract": folder.name, "count": repr(f.cell), "label": f.label, "chain": f.chain}
            for f in result.findings
        ]
    table = pd.concat(intervals, ignore_index=True) if intervals else pd.DataFrame()
    passed = not findings and not errors
    unchanged = (_staging(files, period) / _UNCHANGED).read_text().split()
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=None if passed else _failure(errors, findings),
        metadata={
            "hidden_cells_audited": checked,
            # Their inputs are those they were audited and published with.
            "not_audited_again": ", ".join(unchanged) or "none",
            "cells_pinned": len(findings),
            "narrow_before_this_table": inherited,
            "pinned": dg.MetadataValue.md(_pinned(findings)),
            "intervals": markdown_table(table),
        },
    )


def _failure(errors: list[str], findings: list[dict]) -> str:
    if errors:
        return "; ".join(errors)
    return f"{len(findings)} hidden count(s) can be worked out; the public files were not written"


def _pinned(findings: list[dict], limit: int = 20) -> str:
    """Each pinned count with the chain of published figures that pins it."""
    blocks = [
        f"**{f['count']}** ({f['extract']})\n```\n{f['chain']}\n```" for f in findings[:limit]
    ]
    if len(findings) > limit:
        blocks.append(f"_{len(findings) - limit} more; every interval is in `intervals`_")
    return "\n\n".join(blocks) or "_none_"


@dg.asset(
    partitions_def=quarterly_partitions,
    group_name="extracts",
    deps=[public_tables],
    kinds={"python", "excel", "csv"},
    owners=["team:data-officers"],
)
def public_extracts(
    context: dg.AssetExecutionContext, files: FilesResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """The public folders (``<period>/public/``), written only after the audit passed.

    Each can be published as it is: the public workbook, its CSVs and a manifest of its
    own; no CSO, no input file and no internal report is in it.
    """
    period = quarter_of(context)
    staging = _staging(files, period)
    written, held = [], []
    # The quarter before its year: a year's version records the quarter versions it adds up.
    staged = sorted((p for p in staging.iterdir() if p.is_dir()), key=lambda p: "Q" not in p.name)
    for folder in staged:
        again = _published_again(files.extracts, folder)
        if again:
            held.append(folder.name)
            context.log.warning(
                f"{folder.name}: not written, because {', '.join(again)} was published again"
                " after it was planned; the refresh of this quarter plans it again"
            )
            continue
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        names = [f["name"] for f in manifest.pop("files")]
        paths = publish(
            files.extracts,
            folder.name,
            {name: (folder / name).read_bytes() for name in names},
            manifest,
            (folder / _VALUES).read_bytes(),
            (folder / _INPUTS).read_text(),
        )
        written += paths
        context.log.info(f"{folder.name}: {len(paths)} public files in {paths[-1].parent}")
    if not held:  # else left stale: the freshness sensor and lct run refresh it
        with warehouse.get_engine().begin() as conn:
            built_from = int((staging / _BUILT_FROM).read_text())
            freshness.record_built(conn, freshness.PUBLIC, period, built_from)
    shutil.rmtree(staging, ignore_errors=True)
    return dg.MaterializeResult(
        metadata={
            "quarter": period,
            "dagster/row_count": len(written),
            "not_written_planned_again": ", ".join(held) or "none",
            "files": dg.MetadataValue.md(
                "\n".join(f"- `{p.relative_to(files.extracts).as_posix()}`" for p in written)
            ),
        }
    )


def _published_again(root: Path, folder: Path) -> list[str]:
    """The quarters published again since the staged year was planned beside them."""
    path = folder / _BESIDE
    beside = json.loads(path.read_text()) if path.is_file() else {}
    return [q for q, n in sorted(beside.items()) if current_number(root, q) != n]
