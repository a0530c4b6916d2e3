"""Feedback for CSOs (SPEC §9): per submission file, what was rejected or flagged, and why.

For each file a quarter reports, an XLSX workbook (a first line saying what to fix,
the file's slices, a sheet of rejections and one of warnings) and a CSV of the
same rows, under ``feedback/<org>/<quarter>_<file>_feedback.*``. Text from the
CSO's file is written as text, never as a formula.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd
import sqlalchemy as sa

from lct_pipeline.extracts.csvfiles import csv_bytes
from lct_pipeline.extracts.files import atomic_write_bytes
from lct_pipeline.extracts.layout import Sheet, Table
from lct_pipeline.extracts.workbooks import workbook_bytes
from lct_pipeline.rules.precedence import REJECTION, WARNING
from lct_pipeline.warehouse.reads import read_frame
from lct_pipeline.warehouse.tables_raw import raw_files
from lct_pipeline.warehouse.tables_validated import row_issues, slices

FOLDER = "feedback"
NO_ORG = "UNKNOWN"  # the folder of files whose organisation cannot be told
ISSUE_COLUMNS = {
    "sheet": "sheet",
    "row_number": "row",
    "column_name": "column",
    "raw_value": "value in the file",
    "reason_code": "reason",
    "message": "what to do",
}
SLICE_COLUMNS = {
    "org_code": "org",
    "period": "period",
    "record_type": "table",
    "status": "status",
    "rows_total": "rows",
    "rows_accepted": "accepted",
    "rows_rejected": "rejected",
    "rows_warned": "with a warning",
}


@dataclass(frozen=True)
class Feedback:
    """The feedback files written for one submission file."""

    org: str
    source_file: str
    xlsx: Path
    csv: Path
    rejected: int  # rejected rows (1 for a file rejected whole)
    warnings: int


def what_to_fix(source_file: str, file_slices: pd.DataFrame, issues: pd.DataFrame) -> str:
    """The first line of the feedback: one sentence the CSO acts on."""
    rejections = issues[issues["severity"] == REJECTION]
    warnings = int((issues["severity"] == WARNING).sum())
    check = f" Also check {warnings} warning(s) in the sheet 'warnings'." if warnings else ""
    whole = rejections[rejections["row_number"].isna()]
    if not whole.empty:
        return (
            f"Nothing from {source_file} was loaded: {whole['message'].iloc[0]} Correct the"
            " file and send it again."
        )
    total = int(file_slices["rows_total"].sum())
    if not rejections.empty:
        return (
            f"{len(rejections)} of {total} rows of {source_file} were rejected and not loaded:"
            " correct them as the sheet 'rejections' says and send the corrected file again."
            + check
        )
    if warnings:
        return (
            f"All {total} rows of {source_file} were accepted. Please check {warnings}"
            " warning(s) in the sheet 'warnings' and send a correction if a figure is wrong."
        )
    return f"All {total} rows of {source_file} were accepted. Nothing to fix."


def _issue_table(issues: pd.DataFrame, severity: str) -> pd.DataFrame:
    chosen = issues[issues["severity"] == severity].sort_values(
        ["sheet", "row_number"], na_position="first", kind="stable"
    )
    frame = chosen[list(ISSUE_COLUMNS)].rename(columns=ISSUE_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    return frame.reset_index(drop=True)


def _sheets(
    source_file: str,
    file_slices: pd.DataFrame,
    issues: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
) -> list[Sheet]:
    reasons = (
        issues.groupby(["severity", "reason_code"]).size().rename("rows").reset_index()
        if not issues.empty
        else pd.DataFrame(columns=["severity", "reason_code", "rows"])
    )
    summary = (
        Table(
            "summary",
            what_to_fix(source_file, file_slices, issues),
            file_slices[list(SLICE_COLUMNS)].rename(columns=SLICE_COLUMNS),
        ),
        Table("reasons", "Rows per reason", reasons),
    )
    return [
        Sheet("summary", summary),
        Sheet("rejections", (Table("rejections", "", tables[REJECTION]),)),
        Sheet("warnings", (Table("warnings", "", tables[WARNING]),)),
    ]


def _csv(tables: dict[str, pd.DataFrame]) -> bytes:
    """Rejections, then warnings, each marked with its severity."""
    both = pd.concat(
        [tables[s].assign(severity=s) for s in (REJECTION, WARNING)], ignore_index=True
    )
    return csv_bytes(both[["severity", *ISSUE_COLUMNS.values()]])


def _file_name(period: str, source_file: str) -> str:
    stem = re.sub(r"[^a-z0-9_-]+", "_", PurePosixPath(source_file).stem.lower()).strip("_")
    return f"{period}_{stem or 'file'}"


def _org_of(file_slices: pd.DataFrame, known: Collection[str], hint: str | None) -> str:
    """The registry organisation with the most rows in the file; for a file rejected
    whole (no row kept), the one most of its rows named (``hint``), else the one its name
    gives (``2013Q4/cso14_spisak.csv``); else ``UNKNOWN``."""
    rows = file_slices[file_slices["org_code"].isin(known)]
    if not rows.empty:
        return str(rows.groupby("org_code")["rows_total"].sum().idxmax())
    if hint in known:
        return str(hint)
    words = re.split(r"[^A-Z0-9]+", PurePosixPath(file_slices["source_file"].iloc[0]).stem.upper())
    named = [w for w in words if w in known]
    return named[0] if len(set(named)) == 1 else NO_ORG


def write_feedback(
    engine: sa.Engine, period: str, extracts_dir: Path, known_orgs: Collection[str]
) -> list[Feedback]:
    """Write the feedback of every file with rows in the quarter, replacing earlier runs'.

    One feedback per submission file, covering all its slices whatever quarter they are
    for (SPEC §9): it is named after the file's home quarter, and every quarter that has
    rows of the file writes it again from all of them, so the quarter run last leaves it
    complete, as one clean run does.
    """
    with engine.connect() as conn:
        here = sa.select(slices.c.sha256).where(slices.c.partition_period == period)
        all_slices = read_frame(conn, sa.select(slices).where(slices.c.sha256.in_(here)))
        ids = sa.select(slices.c.submission_id).where(slices.c.sha256.in_(here))
        issues = read_frame(
            conn,
            sa.select(row_issues)
            .where(row_issues.c.submission_id.in_(ids))
            .order_by(row_issues.c.sheet, row_issues.c.row_number, row_issues.c.reason_code),
        )
        # Every file of the same home quarters: two of them may want one name.
        homes = sa.select(raw_files.c.home_period).where(raw_files.c.sha256.in_(here))
        named = read_frame(
            conn,
            sa.select(
                raw_files.c.sha256,
                raw_files.c.source_file,
                raw_files.c.home_period,
                raw_files.c.org_hint,
            ).where(raw_files.c.home_period.in_(homes)),
        )
    all_slices = all_slices.sort_values(
        ["source_file", "record_type", "org_code", "period"], kind="stable"
    )
    names = pd.Series(
        [_file_name(h, f) for h, f in zip(named["home_period"], named["source_file"], strict=True)],
        index=named["sha256"],
        dtype=object,
    )
    # Two files with one name (a resubmission in another folder) keep apart by their hash.
    clash = names.duplicated(keep=False)
    names[clash] = [
        f"{n}_{sha[:8]}" for n, sha in zip(names[clash], names.index[clash], strict=True)
    ]
    hints = named.set_index("sha256")["org_hint"]
    root = extracts_dir / FOLDER
    for old in root.glob(f"*/{period}_*_feedback.*"):
        old.unlink()
    # Each issue to its file in one pass, not one scan of the quarter's issues per file.
    issues["sha256"] = issues["submission_id"].map(all_slices.set_index("submission_id")["sha256"])
    by_file = dict(tuple(issues.groupby("sha256", sort=False)))
    files = [
        (sha, mine, by_file.get(sha, issues.iloc[:0]))
        for sha, mine in all_slices.groupby("sha256", sort=False)
    ]
    written = []
    for sha, mine, found in files:
        base = root / _org_of(mine, known_orgs, hints[sha]) / names[sha]
        source = mine["source_file"].iloc[0]
        xlsx = base.with_name(f"{base.name}_feedback.xlsx")
        csv = base.with_name(f"{base.name}_feedback.csv")
        received = pd.Timestamp(mine["received_at"].max()).to_pydatetime()
        tables = {s: _issue_table(found, s) for s in (REJECTION, WARNING)}
        book = workbook_bytes(
            _sheets(source, mine, found, tables), title=source, created_at=received
        )
        atomic_write_bytes(xlsx, book)
        atomic_write_bytes(csv, _csv(tables))
        rejected = int((found["severity"] == REJECTION).sum())
        written.append(
            Feedback(base.parent.name, source, xlsx, csv, rejected, len(found) - rejected)
        )
    return written
