"""Templates stage: a quarter's submission templates, one XLSX per active CSO (SPEC §11).

Not part of the quarterly pipeline: data officers launch the ``submission_templates``
job for the quarter CSOs are about to report, and send each CSO its file.
"""

import dagster as dg
import pandas as pd

from assets.metadata import markdown_table
from assets.partitions import quarter_of, quarterly_partitions
from lct_pipeline.templates import FOLDER, write_templates
from resources import FilesResource, ProgrammeResource, WarehouseResource


@dg.asset(
    partitions_def=quarterly_partitions,
    group_name="templates",
    deps=["measures"],
    kinds={"python", "excel"},
    owners=["team:data-officers"],
)
def submission_templates(
    context: dg.AssetExecutionContext,
    files: FilesResource,
    warehouse: WarehouseResource,
    programme: ProgrammeResource,
) -> dg.MaterializeResult:
    """The quarter's submission templates: one XLSX per CSO active in the quarter, to send
    out before the CSOs report.

    Each has the CSO's code and the quarter filled in, a row per data element and
    breakdown, drop-down lists for every code and the CSO's action plan as last
    reported, so only counts, statuses and spent budgets are left to type. Written
    under ``templates/<quarter>/`` in the extracts folder; running again rewrites them
    from the warehouse as it is.
    """
    period = quarter_of(context)
    reference = programme.reference()
    folder = files.extracts / FOLDER / period
    written = write_templates(
        reference, period, reference.active_orgs(period), folder, warehouse.get_engine()
    )
    listing = pd.DataFrame(
        [
            {
                "org": w.org,
                "template": w.path.name,
                "values_rows": w.values_rows,
                "measures_prefilled": w.measures_rows,
            }
            for w in written
        ]
    )
    return dg.MaterializeResult(
        metadata={
            "quarter": period,
            "dagster/row_count": len(written),
            "without_plan": sum(w.measures_rows == 0 for w in written),
            "folder": dg.MetadataValue.path(str(folder)),
            "templates": markdown_table(listing, whole="the folder above"),
        }
    )
