"""Feedback to CSOs: per submission file, the rows to fix and the warnings to check."""

import dagster as dg
import pandas as pd

from assets.metadata import markdown_table
from assets.partitions import quarter_of, quarterly_partitions
from assets.validation import validated_submissions
from lct_pipeline.feedback import FOLDER, write_feedback
from resources import FilesResource, ProgrammeResource, WarehouseResource


@dg.asset(
    partitions_def=quarterly_partitions,
    group_name="extracts",
    deps=[validated_submissions],
    kinds={"python", "excel", "csv"},
    owners=["team:data-officers"],
)
def cso_feedback(
    context: dg.AssetExecutionContext,
    files: FilesResource,
    warehouse: WarehouseResource,
    programme: ProgrammeResource,
) -> dg.MaterializeResult:
    """A feedback workbook and CSV per submission file, to send back to the CSO.

    Its first line says what to fix; its sheets list the rejected rows and the
    warnings with row numbers and messages, and the rows of a returned template left
    empty (not reported). Files are kept per CSO under
    ``feedback/<org>/`` in the extracts folder; re-running a quarter replaces them.
    """
    period = quarter_of(context)
    written = write_feedback(
        warehouse.get_engine(), period, files.extracts, programme.reference().organisations
    )
    root = files.extracts / FOLDER
    listing = pd.DataFrame(
        [
            {
                "org": f.org,
                "source_file": f.source_file,
                "feedback": f.xlsx.relative_to(root).as_posix(),
                "rejected": f.rejected,
                "warnings": f.warnings,
                "not_reported": f.not_reported,
            }
            for f in written
        ]
    )
    return dg.MaterializeResult(
        metadata={
            "quarter": period,
            "dagster/row_count": len(written),
            "files_with_rejections": sum(f.rejected > 0 for f in written),
            # Rows of returned templates left empty: missing data, listed in the feedback.
            "rows_not_reported": sum(f.not_reported for f in written),
            "folder": dg.MetadataValue.path(str(root)),
            "feedback_files": markdown_table(listing, whole="the folder above"),
        }
    )
