"""Validation stage: the quarter's rows checked by the Great Expectations suites and stored."""

import dagster as dg
import pandas as pd

from assets.ingestion import raw_submissions
from assets.metadata import markdown_table
from assets.partitions import quarter_of, quarterly_partitions
from lct_pipeline.contract import MEASURES, VALUES
from lct_pipeline.validation import Accounting, Validation, account_for_rows, validate_quarter
from resources import FilesResource, ProgrammeResource, WarehouseResource

ASSET = "validated_submissions"
EVERY_ROW_ACCOUNTED_FOR = "every_row_accounted_for"
NO_FILE_REJECTED_WHOLE = "no_file_rejected_whole"
SUITE_CHECKS = {VALUES: "values_expectations", MEASURES: "measures_expectations"}
PREVIEW = ("source_file", "org_code", "period", "record_type", "status",
           "rows_total", "rows_accepted", "rows_rejected", "rows_warned")  # fmt: skip

CHECKS = [
    dg.AssetCheckSpec(
        EVERY_ROW_ACCOUNTED_FOR,
        asset=ASSET,
        blocking=True,
        description="Every raw row of the quarter is accepted or rejected, exactly once, and"
        " each slice's rows add up (SPEC §5). A failure stops the quarter's later stages.",
    ),
    *(
        dg.AssetCheckSpec(
            name,
            asset=ASSET,
            description=f"The {record_type} suites (row rules, then slice rules and warnings)"
            " pass on every row of the quarter; the failing expectations name their reason"
            " codes and rows.",
        )
        for record_type, name in SUITE_CHECKS.items()
    ),
    dg.AssetCheckSpec(
        NO_FILE_REJECTED_WHOLE,
        asset=ASSET,
        description="No submission of the quarter was rejected whole (unreadable, empty,"
        " unknown layout, missing columns, personal data).",
    ),
]


def _accounting_check(accounting: Accounting) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=EVERY_ROW_ACCOUNTED_FOR,
        passed=accounting.ok,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={name: int(value) for name, value in accounting.__dict__.items()},
    )


def _suite_check(validation: Validation, record_type: str) -> dg.AssetCheckResult:
    outcomes = [o for o in validation.outcomes if o.suite.startswith(f"{record_type}_")]
    failing = pd.DataFrame(
        [
            {
                "suite": o.suite,
                "reason_code": o.reason_code,
                "severity": o.severity,
                "rows": o.unexpected,
                "expectation": o.description,
            }
            for o in outcomes
            if not o.success
        ],
        columns=["suite", "reason_code", "severity", "rows", "expectation"],
    )
    return dg.AssetCheckResult(
        check_name=SUITE_CHECKS[record_type],
        passed=failing.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "success": failing.empty,
            "expectations_evaluated": len(outcomes),
            "expectations_failed": len(failing),
            "rows_checked": max((o.evaluated for o in outcomes), default=0),
            "failing_expectations": markdown_table(failing),
        },
    )


def _file_check(validation: Validation) -> dg.AssetCheckResult:
    issues = validation.issues
    whole = (
        issues[issues["row_number"].isna()][["source_file", "reason_code", "message"]]
        if not issues.empty
        else pd.DataFrame()
    )
    return dg.AssetCheckResult(
        check_name=NO_FILE_REJECTED_WHOLE,
        passed=whole.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"files_rejected_whole": len(whole), "files": markdown_table(whole)},
    )


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
    """
    period = quarter_of(context)
    engine = warehouse.get_engine()
    current = programme.current_period()
    validation = validate_quarter(engine, programme.reference(), period, current, files.data_docs)
    slices = validation.slices.sort_values(["source_file", "record_type", "org_code", "period"])
    metadata = {
        "quarter": period,
        "dagster/row_count": validation.count("rows_accepted"),
        "rows_total": validation.count("rows_total"),
        "rows_accepted": validation.count("rows_accepted"),
        "rows_rejected": validation.count("rows_rejected"),
        "rows_warned": validation.count("rows_warned"),
        "reason_codes": markdown_table(validation.reason_counts()),
        "submissions": markdown_table(slices[list(PREVIEW)]),
    }
    if validation.data_docs is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(validation.data_docs))
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=[
            _accounting_check(account_for_rows(engine, period, current)),
            *(_suite_check(validation, record_type) for record_type in SUITE_CHECKS),
            _file_check(validation),
        ],
    )
