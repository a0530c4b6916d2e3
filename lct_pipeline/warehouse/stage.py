"""The warehouse stage (asset group ``warehouse``, SPEC §8): a quarter's current accepted
rows into the facts, and the dimensions.

The validated layer keeps every slice, superseded ones included; the facts keep
only the rows of each (org, period, record type)'s current slice, so analysts
and the indicators never have to know about supersession.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from lct_pipeline import periods
from lct_pipeline.columns import MEASURES_TABLE, VALUE_COLUMNS
from lct_pipeline.contract import MEASURES, VALUES
from lct_pipeline.reference import Reference
from lct_pipeline.warehouse.reads import read_frame
from lct_pipeline.warehouse.tables_star import (
    dim_area,
    dim_data_element,
    dim_indicator,
    dim_indicator_target,
    dim_organisation,
    dim_period,
    fact_measures,
    fact_values,
)
from lct_pipeline.warehouse.tables_validated import slices, staged_measures, staged_values
from lct_pipeline.warehouse.writes import replace_partition, upsert


def upsert_dimensions(conn: sa.Connection, reference: Reference, current_period: str) -> None:
    """Areas, organisations, quarters, data elements and indicators from the reference data."""
    areas = [
        {"area_level": a.level, "area_code": a.code, "area_name": a.name, "parent_code": a.parent}
        for a in reference.areas.values()
    ]
    orgs = []
    for org in reference.organisations.values():
        region = reference.areas[org.municipality].parent
        areas.append(
            {
                "area_level": "ORG",
                "area_code": org.code,
                "area_name": org.name,
                "parent_code": org.municipality,
            }
        )
        orgs.append(
            {
                "org_code": org.code,
                "org_name": org.name,
                "municipality_code": org.municipality,
                "region_code": region,
                "active_from": org.active_from,
                "active_to": org.active_to,
            }
        )
    quarters = [
        {
            "period": p,
            "year": periods.year(p),
            "quarter": int(p[5]),
            "quarter_start": periods.quarter_start(p),
            "quarter_end": periods.quarter_end(p),
            "reporting_deadline": periods.reporting_deadline(p),
        }
        for p in periods.period_range(periods.PROGRAMME_START, current_period)
    ]
    elements = [
        {
            "data_element": e.code,
            "element_name": e.name,
            "dimensions": ",".join(e.dimensions),
            "max_value": e.max,
            "sensitive": e.sensitive,
        }
        for e in reference.data_elements.values()
    ]
    indicators = [
        {
            "indicator_code": i.code,
            "indicator_name": i.name,
            "is_ratio": i.is_ratio,
            "multiplier": i.multiplier,
            "time": i.time,
            "sensitive": i.sensitive,
            "breakdowns": ",".join(i.breakdowns),
            "numerator": i.numerator.key,
            "denominator": i.denominator.key if i.denominator else None,
        }
        for i in reference.indicators.values()
    ]
    targets = [
        {"indicator_code": i.code, "year": y, "target": t}
        for i in reference.indicators.values()
        for y, t in sorted(i.targets.items())
    ]
    # Sorted, so that concurrent upserts lock rows in the same order.
    for table, rows in (
        (dim_area, areas),
        (dim_organisation, orgs),
        (dim_period, quarters),
        (dim_data_element, elements),
        (dim_indicator, indicators),
        (dim_indicator_target, targets),
    ):
        keys = [c.name for c in table.primary_key]
        upsert(conn, table, sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys)))


def _current(staged: sa.Table, record_type: str, period: str, columns: tuple[str, ...]):
    return (
        sa.select(
            staged.c.submission_id,
            staged.c.sheet,
            staged.c.row_number,
            *(staged.c[c] for c in columns),
        )
        .select_from(staged.join(slices, slices.c.submission_id == staged.c.submission_id))
        .where(
            slices.c.is_current,
            slices.c.record_type == record_type,
            slices.c.period == period,
            staged.c.period == period,
        )
        .order_by(staged.c.submission_id, staged.c.sheet, staged.c.row_number)
    )


def counted_rows(values: pd.DataFrame) -> pd.Series:
    """SPEC §7: detail rows count; a total row only where its slice has no detail rows
    for that element."""
    detail = ~values["is_total"].astype(bool)
    has_detail = detail.groupby([values["submission_id"], values["data_element"]]).transform("any")
    return detail | ~has_detail


def load_current_values(
    engine: sa.Engine, reference: Reference, period: str, current: str
) -> pd.DataFrame:
    """Replace quarter ``period``'s rows of ``fact_values`` with its current accepted values."""
    with engine.begin() as conn:
        upsert_dimensions(conn, reference, current)
        frame = read_frame(
            conn, _current(staged_values, VALUES, period, (*VALUE_COLUMNS, "is_total"))
        )
        frame["is_total"] = frame["is_total"].astype(bool)
        frame["counted"] = counted_rows(frame) if not frame.empty else pd.Series(dtype=bool)
        replace_partition(conn, fact_values, fact_values.c.period == period, frame)
    return frame


def load_current_measures(
    engine: sa.Engine, reference: Reference, period: str, current: str
) -> pd.DataFrame:
    """Replace quarter ``period``'s rows of ``fact_measures`` with its current snapshots."""
    with engine.begin() as conn:
        upsert_dimensions(conn, reference, current)
        frame = read_frame(conn, _current(staged_measures, MEASURES, period, MEASURES_TABLE))
        replace_partition(conn, fact_measures, fact_measures.c.period == period, frame)
    return frame
