"""Validation stage: the quarter's rows checked by the Great Expectations suites and stored."""

import dagster as dg
import pandas as pd

from assets.ingestion import raw_submissions
from assets.metadata import markdown_table
from assets.partitions import quarter_of, quarterly_partitions
from lct_pipeline import freshness
from lct_pipeline.columns import SUBMISSION_COLUMNS
from lct_pipeline.contract import MEASURES, VALUES
from lct_pipeline.rules.precedence import REJECTION, REJECTIONS, WARNING, WARNINGS
from lct_pipeline.validation import (
    Accounting,
    Validation,
    account_for_rows,
    new_rejections,
    rejection_keys,
    validate_quarter,
)
from lct_pipeline.warehouse.tables_validated import row_issues
from resources import FilesResource, ProgrammeResource, WarehouseResource

ASSET = "validated_submissions"
EVERY_ROW_ACCOUNTED_FOR = "every_row_accounted_for"
NO_FILE_REJECTED_WHOLE = "no_file_rejected_whole"
SUITE_CHECKS = {VALUES: "values_expectations", MEASURES: "measures_expectations"}
# The submissions view's columns a data officer reads: not its ids, hash or time.
PREVIEW = tuple(
    c for c in SUBMISSION_COLUMNS if c not in {"submission_id", "sha256", "received_at"}
)

# Where a data officer finds every rejected row when a check's table is cut.
WHOLE_LIST = "the warehouse view `rejections` and the CSOs' feedback files (feedback/<CSO>/)"
REJECTED_ROWS_SHOWN = 100
_ROW_COLUMNS = {"source_file": "file", "sheet": "sheet", "row_number": "row",
                "column_name": "column", "raw_value": "raw value", "reason_code": "reason",
                "message": "message"}  # fmt: skip
_ACT = (
    " Rows rejected in an earlier run of the quarter do not fail it again: it fails only for"
    " news, so a yellow result is always something to act on. Its metadata lists the quarter's"
    " rejected rows, this run's first."
)

CHECKS = [
    dg.AssetCheckSpec(
        EVERY_ROW_ACCOUNTED_FOR,
        asset=ASSET,
        blocking=True,
        partitions_def=quarterly_partitions,
        description="Every raw row of the quarter is accepted or rejected, exactly once, and"
        " each slice's rows add up (SPEC §5). A failure is a fault of the pipeline, not of a"
        " CSO: it stops the quarter's later stages; report it with the run's id.",
    ),
    *(
        dg.AssetCheckSpec(
            name,
            asset=ASSET,
            partitions_def=quarterly_partitions,
            description=f"The {record_type} rows of the quarter, judged by the Great"
            " Expectations suites built from the catalogue and the registry. Fails (a"
            f" warning) when this run rejected {record_type} rows that were not rejected"
            " before, from a new or corrected file: the CSO's feedback file names each row and"
            " what to change; ask the CSO for a corrected file." + _ACT,
        )
        for record_type, name in SUITE_CHECKS.items()
    ),
    dg.AssetCheckSpec(
        NO_FILE_REJECTED_WHOLE,
        asset=ASSET,
        partitions_def=quarterly_partitions,
        description="Fails (a warning) when this run rejected a whole submission not rejected"
        " before (unreadable, empty, unknown layout, missing columns, personal data in a"
        " header): none of its rows counts. Ask the CSO for a file in the template; a file with"
        " personal data should also be deleted from the inbox (it stays archived, unread)."
        " Files rejected in an earlier run of the quarter do not fail it again; its metadata"
        " lists them all, this run's first.",
    ),
]


def _accounting_check(accounting: Accounting) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=EVERY_ROW_ACCOUNTED_FOR,
        passed=accounting.ok,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={name: int(value) for name, value in accounting.__dict__.items()},
    )


def _issues(validation: Validation, before: set[tuple]) -> pd.DataFrame:
    """The quarter's issues with their record type; ``new``: a rejection its last
    validation did not have. This run's new rejections first."""
    issues = validation.issues
    if issues.empty:  # a quarter without a row may give a frame without columns
        columns = [c.name for c in row_issues.columns]
        return pd.DataFrame(columns=[*columns, "record_type", "new"])
    types = validation.slices.set_index("submission_id")["record_type"]
    issues = issues.assign(
        record_type=issues["submission_id"].map(types), new=new_rejections(issues, before)
    )
    return issues.sort_values(
        ["new", "source_file", "sheet", "row_number"], ascending=[False, True, True, True]
    )


def _by_reason(issues: pd.DataFrame, outcomes: list) -> pd.DataFrame:
    """Rows per reason in SPEC §5's order (one reason per rejected row), with its expectation."""
    described = {o.reason_code: o.description for o in outcomes}
    counts = issues["reason_code"].value_counts() if not issues.empty else pd.Series()
    order = [*REJECTIONS, *WARNINGS]
    return pd.DataFrame(
        [
            {
                "severity": REJECTION if code in REJECTIONS else WARNING,
                "reason_code": code,
                "rows": int(counts[code]),
                "expectation": described.get(code, ""),
            }
            for code in order
            if code in counts.index
        ],
        columns=["severity", "reason_code", "rows", "expectation"],
    )


def _rows_table(rejected: pd.DataFrame) -> dg.MetadataValue:
    shown = rejected[list(_ROW_COLUMNS)].rename(columns=_ROW_COLUMNS)
    return markdown_table(shown, limit=REJECTED_ROWS_SHOWN, whole=WHOLE_LIST)


def _rows(n: int, record_type: str) -> str:
    return f"{n:,} {record_type} {'row' if n == 1 else 'rows'}"


def _suite_check(
    validation: Validation, record_type: str, issues: pd.DataFrame
) -> dg.AssetCheckResult:
    outcomes = [o for o in validation.outcomes if o.suite.startswith(f"{record_type}_")]
    mine = issues[issues["record_type"] == record_type]
    rows = mine[(mine["severity"] == REJECTION) & mine["row_number"].notna()]
    new = int(rows["new"].sum())
    return dg.AssetCheckResult(
        check_name=SUITE_CHECKS[record_type],
        passed=new == 0,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"{_rows(new, record_type)} rejected in this run that were not before"
            if new
            else f"Nothing new to act on: {_rows(len(rows), record_type)} rejected, known before"
        ),
        metadata={
            "rows_rejected": len(rows),
            "rows_rejected_new": new,
            "rows_checked": max((o.evaluated for o in outcomes), default=0),
            "expectations_evaluated": len(outcomes),
            "by_reason": markdown_table(_by_reason(mine, outcomes), limit=len(REJECTIONS) * 2),
            "rejected_rows": _rows_table(rows),
        },
    )


def _file_check(issues: pd.DataFrame) -> dg.AssetCheckResult:
    whole = issues[(issues["severity"] == REJECTION) & issues["row_number"].isna()]
    new = int(whole["new"].sum())
    return dg.AssetCheckResult(
        check_name=NO_FILE_REJECTED_WHOLE,
        passed=new == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "files_rejected_whole": len(whole),
            "files_rejected_whole_new": new,
            "files": markdown_table(
                whole[["source_file", "reason_code", "message"]], whole=WHOLE_LIST
            ),
        },
    )


def history_read(period: str) -> dict[str, dg.MetadataValue]:
    """The history OUTLIER compares with: ``data_values`` of the quarters before.

    Metadata, not an edge of the asset graph, because Dagster 1.13 has no way to draw it:
    ``data_values`` is built from this asset, so an edge back to it closes a cycle that
    no job accepts, and an asset may depend on its own earlier partitions only when they
    are time windows, which quarter keys (SPEC §10) are not. The freshness sensor runs a
    quarter again when this history changes (``freshness.reads``).
    """
    first, last = freshness.reads(freshness.VALIDATION, period)
    if first > last:
        quarters = "none: the programme's first quarter"
    else:
        quarters = first if first == last else f"{first} to {last}"
    return {
        "history": dg.MetadataValue.asset(dg.AssetKey("data_values")),
        "history_quarters": dg.MetadataValue.text(quarters),
    }


@dg.asset(
    partitions_def=quarterly_partitions,
    group_name="validation",
    deps=[raw_submissions],
    kinds={"python", "sql"},
    owners=["team:data-officers"],
    pool="lct_warehouse",
    check_specs=CHECKS,
)
def validated_submissions(
    context: dg.AssetExecutionContext,
    files: FilesResource,
    warehouse: WarehouseResource,
    programme: ProgrammeResource,
) -> dg.MaterializeResult:
    """The quarter's submissions checked row by row against the catalogue and the registry.

    Each row is accepted or rejected with a reason code and a message the CSO can act
    on; accepted rows may carry warnings. For each CSO, period and record type the
    latest submission with accepted rows is current; earlier ones stay as superseded.
    OUTLIER compares a value with the CSO's current values of the four quarters before
    (metadata ``history``).
    """
    period = quarter_of(context)
    engine = warehouse.get_engine()
    current = programme.current_period()
    before = rejection_keys(engine, period)
    validation = validate_quarter(
        engine,
        programme.reference(),
        period,
        current,
        files.data_docs,
        # What Data Docs call the run: the quarter and the Dagster run that validated it.
        run_name=f"{period}_dagster-run-{context.run.run_id[:8]}",
    )
    if validation.unchanged:
        context.log.info(
            f"{period}: judged before from the same rows, history, reference and code;"
            " its stored rows and issues are left as they are"
        )
    issues = _issues(validation, before)
    slices = validation.slices.sort_values(["source_file", "record_type", "org_code", "period"])
    metadata = {
        "quarter": period,
        "dagster/row_count": validation.count("rows_accepted"),
        "rows_total": validation.count("rows_total"),
        "rows_accepted": validation.count("rows_accepted"),
        "rows_rejected": validation.count("rows_rejected"),
        "rows_warned": validation.count("rows_warned"),
        # False when the same inputs were judged before: nothing was judged or stored again.
        "judged_again": not validation.unchanged,
        "reason_codes": markdown_table(validation.reason_counts()),
        "submissions": markdown_table(
            slices[list(PREVIEW)], whole="the warehouse view submissions"
        ),
    }
    metadata |= history_read(period)
    if validation.data_docs is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(validation.data_docs))
    if validation.data_docs_problem is not None:
        context.log.warning(f"Data Docs of {period} not built: {validation.data_docs_problem}")
        metadata["data_docs"] = validation.data_docs_problem
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=[
            _accounting_check(account_for_rows(engine, period, current)),
            *(_suite_check(validation, record_type, issues) for record_type in SUITE_CHECKS),
            _file_check(issues),
        ],
    )
