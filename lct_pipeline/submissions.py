"""A submission file as read, before anything of it is stored: its file-level problem, its
rows in the raw layer's columns, the quarter and organisation it is for, its name.

The ingestion stores what these say; the inbox sensor reads a file's quarters with
them, and ``lct validate`` judges files with them as the pipeline would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from lct_pipeline import contract, periods
from lct_pipeline.i18n import N_, Msg
from lct_pipeline.normalise import NOT_A_CODE, normalise_codes, slice_label
from lct_pipeline.privacy import redact, redact_frame
from lct_pipeline.warehouse.tables_raw import raw_not_reported


def relative_name(path: Path, inbox: Path) -> str:
    """The file's path in the inbox as it is stored and shown (SPEC §8 ``source_file``),
    personal data removed: a CSO names a file after a person's phone number as readily
    as it types one in a cell (SPEC §5), and the name reaches logs, run tags and feedback."""
    return redact(path.relative_to(inbox).as_posix())[0]


def clamp_period(period: str, today: date) -> str:
    current = periods.of_date(today)
    return min(max(period, periods.PROGRAMME_START), current)


def home_period(
    period_norm: Iterable[str | None], received_at: datetime, today: date, name: str = ""
) -> str:
    """The quarter that reports the file's rows without a usable period, and the file
    itself when it is rejected whole.

    It is the file's most common valid quarter (the earliest on a tie), so the
    data officer sees a file's bad rows beside its good ones; a file with no
    valid quarter goes to the quarter its folder names (``2013Q2/...``), else to the
    quarter it was received in.
    """
    current = periods.of_date(today)
    valid = [
        p for p in period_norm if isinstance(p, str) and periods.PROGRAMME_START <= p <= current
    ]
    if valid:
        return _most_common(valid)
    folder = periods.parse_period(name.split("/")[0]) if "/" in name else None
    if folder and periods.PROGRAMME_START <= folder <= current:
        return folder
    return clamp_period(periods.of_date(received_at), today)


def read_periods(tables: list) -> pd.Series:
    """The quarters a file's rows give, read without keeping anything else of them."""
    found = [t.rows["period"] for t in tables if "period" in t.rows.columns]
    if not found:
        return pd.Series(dtype=object)
    return pd.concat(found, ignore_index=True).map(periods.parse_period, na_action="ignore")


def read_org(tables: list) -> str | None:
    """The organisation code most of a file's rows give (the earliest on a tie), read
    without keeping anything else of them; text that is no code is not one."""
    found = [t.rows["org_code"] for t in tables if "org_code" in t.rows.columns]
    if not found:
        return None
    codes = slice_label(normalise_codes(pd.concat(found, ignore_index=True))).dropna()
    return _most_common([c for c in codes if c != NOT_A_CODE])


def _most_common(values: list[str]) -> str | None:
    """The value given most often, the earliest (in sort order) on a tie."""
    counts = Counter(values)
    return min(counts, key=lambda v: (-counts[v], v)) if counts else None


def raw_frame(sha256: str, tables: list) -> pd.DataFrame:
    """The rows of every table of a file, in the raw layer's columns."""
    return raw_frames([(sha256, tables)])


_BUILT = ("sha256", "sheet", "row_number", "record_type", *contract.RAW_COLUMNS, "ignored")


def raw_frames(files: Sequence[tuple[str, list]]) -> pd.DataFrame:
    """The rows of every table of many files (each its sha256 and tables), in the raw
    layer's columns, file after file in the order given.

    One frame for many files: a file is tens of rows, and pandas' fixed cost per frame
    and per call was most of ingesting it. Every step after the columns are gathered
    is row by row, so a file's rows are the same whichever files share its frame.
    """
    columns: dict[str, list] = {name: [] for name in _BUILT}
    tables = 0
    for sha256, file_tables in files:
        for table in file_tables:
            tables += 1
            rows, n = table.rows, len(table.rows)
            columns["sha256"] += [sha256] * n
            columns["sheet"] += [table.sheet] * n
            columns["row_number"] += rows["row_number"].astype(int).tolist()
            columns["record_type"] += [table.record_type] * n
            for column in contract.RAW_COLUMNS:
                columns[column] += rows[column].tolist() if column in rows.columns else [None] * n
            columns["ignored"] += rows["_ignored"].tolist() if "_ignored" in rows else [None] * n
    if not tables:
        return pd.DataFrame()
    frame = pd.DataFrame(
        {
            name: pd.Series(values, dtype="int64" if name == "row_number" else object)
            for name, values in columns.items()
        }
    )
    if not frame.empty:
        # Screened first: no code, period or slice is ever read from a phone number.
        frame["redacted"] = redact_frame(frame)
        frame["period_norm"] = frame["period"].map(periods.parse_period, na_action="ignore")
        frame["org_norm"] = normalise_codes(frame["org_code"])
    return frame


def unreported_frame(sha256: str, tables: list) -> pd.DataFrame:
    """A template's rows left empty (SPEC §11), screened as data rows are, in the columns
    of ``raw_not_reported``: missing data that the feedback lists as not reported."""
    return unreported_frames([(sha256, tables)])


def unreported_frames(files: Sequence[tuple[str, list]]) -> pd.DataFrame:
    """``unreported_frame`` of many files in one frame, as ``raw_frames``."""
    parts = [
        (sha256, [replace(t, rows=t.left_empty) for t in tables if _left_empty(t)])
        for sha256, tables in files
    ]
    frame = raw_frames([(sha256, tables) for sha256, tables in parts if tables])
    return frame[[c.name for c in raw_not_reported.columns]] if not frame.empty else frame


def _left_empty(table) -> bool:
    return table.left_empty is not None and not table.left_empty.empty


def file_problem(result) -> contract.FileProblem | None:
    """The file-level rejection of a read file; personal data is looked for first."""
    if result.error is not None:
        return contract.FileProblem(
            result.error.reason_code, result.error.message, result.error.sheet
        )
    checks = [
        contract.check_table(t.sheet, t.record_type, t.header, len(t.rows)) for t in result.tables
    ]
    problems = [p for p in checks if p is not None]
    personal = [p for p in problems if p.reason_code == "PERSONAL_DATA"]
    if personal:
        return personal[0]
    if any(len(t.rows) for t in result.tables):
        # A sheet holding only its header (a template's measures sheet not filled this
        # quarter) is an empty table, not an empty file (SPEC §3.2).
        problems = [p for p in problems if p.reason_code != "EMPTY_FILE"]
    elif problems and problems[0].reason_code == "EMPTY_FILE" and unreported_rows(result):
        # A template sent back with nothing typed in it: said so, not "no data rows".
        return contract.FileProblem("EMPTY_FILE", Msg(_UNTOUCHED_TEMPLATE))
    return problems[0] if problems else None


_UNTOUCHED_TEMPLATE = N_(
    "every row of the template was left empty: type the quarter's counts (0 where there"
    " were none) and the status and spent budget of each measure, then send it again."
)


def unreported_rows(result) -> int:
    """How many rows of a read template were left empty (not reported)."""
    return sum(len(t.left_empty) for t in result.tables if t.left_empty is not None)
