"""What a quarter's validation reads from the warehouse: its raw rows, the files it reports
rejected whole, and the history its OUTLIER warnings compare with."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from lct_pipeline import freshness
from lct_pipeline.contract import DIMENSION_COLUMNS
from lct_pipeline.rules import cross_row
from lct_pipeline.rules.precedence import REJECTION
from lct_pipeline.rules.prepare import file_slice_id
from lct_pipeline.warehouse.reads import read_frame
from lct_pipeline.warehouse.tables_raw import raw_files, raw_rows
from lct_pipeline.warehouse.tables_star import fact_values


def _read(conn: sa.Connection, query: sa.Select) -> pd.DataFrame:
    frame = read_frame(conn, query)
    # Text as plain Python objects, as in a file just read: the suites see one shape.
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c])]
    return frame.astype({c: object for c in text})


def read_raw_rows(conn: sa.Connection, where: sa.ColumnElement[bool]) -> pd.DataFrame:
    """Raw rows with their file's name and received time, in file and row order."""
    rows = _read(
        conn,
        sa.select(raw_rows)
        .where(where)
        .order_by(raw_rows.c.sha256, raw_rows.c.sheet, raw_rows.c.row_number),
    )
    # Joined here rather than in SQL: a file's details once, not parsed again on every row.
    files = _read(
        conn,
        sa.select(raw_files.c.sha256, raw_files.c.source_file, raw_files.c.received_at).where(
            raw_files.c.sha256.in_(sa.select(raw_rows.c.sha256).where(where))
        ),
    )
    return rows.merge(files, on="sha256", how="left")


def history_maxima(conn: sa.Connection, period: str) -> pd.DataFrame | None:
    """The largest current, accepted value of each key in the four previous quarters.

    Read from their stored current values: when one of them changes later, this
    quarter's validation is stale and runs again (``lct_pipeline.freshness``), so its
    warnings do not depend on the order quarters run in.
    """
    first, last = freshness.reads(freshness.VALIDATION, period)
    v = fact_values.c
    dims = [v[d] for d in DIMENSION_COLUMNS]
    maxima = read_frame(
        conn,
        sa.select(v.org_code, v.data_element, *dims, sa.func.max(v.value).label("history_max"))
        .where(v.period.between(first, last))
        .group_by(v.org_code, v.data_element, *dims),
    )
    if maxima.empty:
        return None
    keys = {"org_code": "org", "data_element": "element"}
    keys |= {d: f"{d}_key" for d in DIMENSION_COLUMNS}
    maxima = maxima.rename(columns=keys)
    for d in DIMENSION_COLUMNS:  # the validation's keys: empty where the element has none
        maxima[f"{d}_key"] = maxima[f"{d}_key"].fillna("").astype(object)
    maxima["history_max"] = maxima["history_max"].astype(float)
    return maxima[[*cross_row.OUTLIER_KEY, "history_max"]]


def rejected_files(conn: sa.Connection, period: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The slice and the rejection of each file the quarter reports as rejected whole."""
    files = _read(
        conn,
        sa.select(
            raw_files.c.sha256,
            raw_files.c.source_file,
            raw_files.c.received_at,
            raw_files.c.sheet,
            raw_files.c.reason_code,
            raw_files.c.message,
            raw_files.c.message_key,
            raw_files.c.rows_read,
        )
        .where(raw_files.c.reason_code.is_not(None), raw_files.c.home_period == period)
        .order_by(raw_files.c.source_file),
    )
    ids = files["sha256"].map(file_slice_id)
    file_slices = pd.DataFrame(
        {
            "submission_id": ids,
            "sha256": files["sha256"],
            "source_file": files["source_file"],
            "received_at": files["received_at"],
            "org_code": "",
            "period": "",
            "record_type": "",
            # Every data row of a file rejected whole is rejected with it.
            "rows_total": files["rows_read"].astype(int),
            "rows_rejected": files["rows_read"].astype(int),
            **dict.fromkeys(("rows_warned", "rows_repeated", "rows_accepted"), 0),
        }
    )
    file_issues = pd.DataFrame(
        {
            "submission_id": ids,
            "source_file": files["source_file"],
            "sheet": files["sheet"],
            "row_number": None,
            "column_name": "",
            "raw_value": None,
            "reason_code": files["reason_code"],
            "message": files["message"],
            "message_key": files["message_key"],
            "severity": REJECTION,
        }
    )
    return file_slices, file_issues
