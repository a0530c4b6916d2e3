"""Feedback for CSOs (SPEC §9): per submission file, what was rejected or flagged, and why.

For each file a quarter reports, an XLSX workbook (a first line saying what to fix,
the file's slices, a sheet of rejections and one of warnings) and a CSV of the
same rows, under ``feedback/<org>/<quarter>_<file>_feedback.*``. Text from the
CSO's file is written as text, never as a formula.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

import pandas as pd
import sqlalchemy as sa

from lct_pipeline import made_from
from lct_pipeline.contract import DIMENSION_COLUMNS
from lct_pipeline.files import atomic_write_bytes, sha256_hex
from lct_pipeline.freshness import RowsBy, code_digest, fingerprint_groups
from lct_pipeline.i18n import DEFAULT_LANGUAGE, N_, render_stored, text
from lct_pipeline.reference import Organisation
from lct_pipeline.rules.precedence import REJECTION, WARNING
from lct_pipeline.rules.split import SLICE_KEY, SUPERSEDED
from lct_pipeline.spreadsheets.csvfiles import csv_bytes
from lct_pipeline.spreadsheets.layout import Sheet, Table
from lct_pipeline.spreadsheets.workbooks import workbook_bytes
from lct_pipeline.warehouse.reads import read_frame
from lct_pipeline.warehouse.tables_raw import raw_files, raw_not_reported
from lct_pipeline.warehouse.tables_validated import row_issues, slices

FOLDER = "feedback"
NO_ORG = "UNKNOWN"  # the folder of files whose organisation cannot be told
# Headers and names as the CSO reads them, in the CSO's language (SPEC §11).
ISSUE_COLUMNS = {
    "sheet": N_("sheet"),
    "row_number": N_("row"),
    "column_name": N_("column"),
    "raw_value": N_("value in the file"),
    "reason_code": N_("reason"),
    "message": N_("what to do"),
}
SLICE_COLUMNS = {
    "org_code": N_("org"),
    "period": N_("period"),
    "record_type": N_("table"),
    "status": N_("status"),
    "rows_total": N_("rows"),
    "rows_accepted": N_("accepted"),
    "rows_rejected": N_("rejected"),
    "rows_warned": N_("with a warning"),
}
SHEETS = {"summary": N_("summary"), REJECTION: N_("rejections"), WARNING: N_("warnings")}
SEVERITY = {REJECTION: N_("rejection"), WARNING: N_("warning")}
STATUS = {
    "accepted": N_("accepted"),
    "partial": N_("partly accepted"),
    "rejected": N_("rejected"),
    "superseded": N_("superseded"),
}
_SEVERITY_COLUMN = N_("severity")
_REASONS_TITLE = N_("Rows per reason")
# Rows of a returned template left empty (SPEC §11): listed, never rejected.
NOT_REPORTED_TEXT = {
    "sheet": N_("not reported"),
    "summary": N_(
        "{rows} row(s) of the template were left empty: they are not reported (missing data,"
        " never counted as 0) and listed in the sheet '{sheet}'. Send a correction with"
        " the figures, 0 where there were none."
    ),
    "what": N_("data element or measure"),
    "breakdown": N_("breakdown"),
    "total": N_("total"),
    "severity": N_("not reported"),
    "values": N_(
        "{what} ({breakdown}) was left empty: not reported (missing data). Send the figure,"
        " or 0 if there were none."
    ),
    "measures": N_(
        "measure {what} was left empty (no status, no spent budget): not reported. Send its"
        " status and the budget spent so far."
    ),
}
_TYPED = {"values": "value", "measures": "status, spent_budget_eur"}
# What each reason code means, beside the code itself (codes never change, SPEC §11).
REASON_MEANINGS = {
    "UNREADABLE_FILE": N_("the file could not be read"),
    "EMPTY_FILE": N_("the file has no data rows"),
    "UNKNOWN_LAYOUT": N_("the header is neither a values nor a measures table"),
    "MISSING_COLUMNS": N_("required columns are missing"),
    "PERSONAL_DATA": N_("a column holds personal data; nothing was loaded"),
    "MISSING_VALUE": N_("a required cell is empty"),
    "UNKNOWN_ORG": N_("the organisation code is not in the registry"),
    "BAD_PERIOD": N_("the quarter cannot be read or is before 2012Q4"),
    "FUTURE_PERIOD": N_("the quarter has not begun yet"),
    "ORG_INACTIVE": N_("the organisation was not active in that quarter"),
    "UNKNOWN_DATA_ELEMENT": N_("the data element is not in the catalogue"),
    "BAD_DIMENSION": N_("an unknown member, or a breakdown the data element does not have"),
    "BAD_STATUS": N_("the measure's status is not one of the five statuses"),
    "INCOMPLETE_DISAGGREGATION": N_("some but not all breakdowns of the data element are given"),
    "NOT_A_NUMBER": N_("the value is not a number"),
    "NEGATIVE_VALUE": N_("the value is negative"),
    "NOT_INTEGER": N_("a count is not a whole number"),
    "IMPLAUSIBLE_VALUE": N_("the value is above the largest plausible value"),
    "DUPLICATE_CONFLICT": N_("two rows give the same figure with different values"),
    "TOTAL_MISMATCH": N_("the total row differs from the sum of its detail rows"),
    "OUTLIER": N_("much larger than in the four previous quarters"),
    "ADOPTED_GT_SUBMITTED": N_("more recommendations adopted than submitted"),
    "SERVICES_LT_ASSISTED": N_("fewer services than victims assisted"),
    "OVERSPENT": N_("more spent than planned"),
    "COMMENT_TRUNCATED": N_("the comment was shortened"),
    "PERSONAL_DATA_REMOVED": N_("personal data was removed from a cell"),
    "VALUE_WITHDRAWN": N_("a figure of the file this one replaces no longer counts"),
    "COLUMN_NOT_STORED": N_("a column that is not part of the table was not stored"),
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
    language: str = DEFAULT_LANGUAGE
    not_reported: int = 0  # rows of a template left empty (SPEC §11)


_t = text  # the feedback's own words, in the CSO's language
_ACCEPTED = N_("All {total} rows of {file} were accepted.")
_REPLACED = N_(
    "Its {record_type} for {org} {period} were replaced by {file}, sent later: they no longer"
    " count."
)


def _replaced(
    file_slices: pd.DataFrame, replaced_by: Mapping[str, str] | None, language: str
) -> str:
    """A sentence per slice of the file that a later file replaced, naming that file."""
    sentences = []
    for submission_id, newer in (replaced_by or {}).items():
        replaced = file_slices[file_slices["submission_id"] == submission_id].iloc[0]
        sentences.append(
            _t(
                _REPLACED,
                language,
                record_type=replaced["record_type"],
                org=replaced["org_code"],
                period=replaced["period"],
                file=newer,
            )
        )
    return "".join(f" {sentence}" for sentence in sentences)


def what_to_fix(
    source_file: str,
    file_slices: pd.DataFrame,
    issues: pd.DataFrame,
    language: str = "en",
    replaced_by: Mapping[str, str] | None = None,
) -> str:
    """The first line of the feedback: one sentence the CSO acts on, in their language
    (the messages of ``issues`` are in it already), and which later files replaced it
    (``replaced_by``: submission id -> the file now current)."""
    replaced = _replaced(file_slices, replaced_by, language)
    rejections = issues[issues["severity"] == REJECTION]
    warnings = int((issues["severity"] == WARNING).sum())
    sheet = {s: _t(name, language) for s, name in SHEETS.items()}
    whole = rejections[rejections["row_number"].isna()]
    if not whole.empty:
        return _t(
            N_("Nothing from {file} was loaded: {message} Correct the file and send it again."),
            language,
            file=source_file,
            message=whole["message"].iloc[0],
        )
    total = int(file_slices["rows_total"].sum())
    if not rejections.empty:
        text = _t(
            N_(
                "{rejected} of {total} rows of {file} were rejected and not loaded: correct"
                " them as the sheet '{sheet}' says and send the corrected file again."
            ),
            language,
            rejected=len(rejections),
            total=total,
            file=source_file,
            sheet=sheet[REJECTION],
        )
        if warnings:
            text += " " + _t(
                N_("Also check {warnings} warning(s) in the sheet '{sheet}'."),
                language,
                warnings=warnings,
                sheet=sheet[WARNING],
            )
        return text + replaced
    if warnings:
        return (
            _t(
                N_(
                    "All {total} rows of {file} were accepted. Please check {warnings}"
                    " warning(s) in the sheet '{sheet}' and send a correction if a figure is"
                    " wrong."
                ),
                language,
                total=total,
                file=source_file,
                warnings=warnings,
                sheet=sheet[WARNING],
            )
            + replaced
        )
    if replaced:  # nothing to fix in it, but its figures no longer count
        return _t(_ACCEPTED, language, total=total, file=source_file) + replaced
    return _t(
        N_("All {total} rows of {file} were accepted. Nothing to fix."),
        language,
        total=total,
        file=source_file,
    )


def _headers(columns: dict[str, str], language: str) -> dict[str, str]:
    return dict(_translated(tuple(columns.items()), language))


@cache
def _translated(columns: tuple[tuple[str, str], ...], language: str) -> tuple[tuple[str, str], ...]:
    return tuple((column, _t(header, language)) for column, header in columns)


def _issue_table(issues: pd.DataFrame, severity: str, language: str) -> pd.DataFrame:
    if issues.empty:  # most files: one empty table per language, never changed
        return _no_issues(language)
    chosen = issues[issues["severity"] == severity].sort_values(
        ["sheet", "row_number"], na_position="first", kind="stable"
    )
    frame = chosen[list(ISSUE_COLUMNS)].rename(columns=_headers(ISSUE_COLUMNS, language))
    row = _t(ISSUE_COLUMNS["row_number"], language)
    frame[row] = frame[row].astype("Int64")
    return frame.reset_index(drop=True)


@cache
def _no_issues(language: str) -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype=object) for column in ISSUE_COLUMNS})
    frame["row_number"] = frame["row_number"].astype("Int64")
    return frame.rename(columns=_headers(ISSUE_COLUMNS, language))


def _not_reported(rows: pd.DataFrame, language: str) -> pd.DataFrame:
    """A template's rows left empty, one line each: where, and what was not reported."""
    if rows.empty:  # most files: not a template, or none left empty; nothing is shown
        return rows
    dims = [d for d in DIMENSION_COLUMNS if d in rows.columns]

    def breakdown(row) -> str:
        if row["record_type"] != "values":
            return ""
        given = [f"{d} {row[d]}" for d in dims if isinstance(row[d], str) and row[d] != "_T"]
        return ", ".join(given) or _t(NOT_REPORTED_TEXT["total"], language)

    def what(row) -> str:
        if row["record_type"] == "values":
            return str(row["data_element"])
        title = f": {row['measure_title']}" if isinstance(row["measure_title"], str) else ""
        return f"{row['plan_code']} {row['measure_code']}{title}"

    # The values first, as in the template; then the measures.
    rows = rows.assign(later=rows["record_type"] != "values")
    rows = rows.sort_values(["later", "sheet", "row_number"], kind="stable")
    return pd.DataFrame(
        {
            "sheet": rows["sheet"],
            "row_number": rows["row_number"].astype("Int64"),
            "org_code": rows["org_code"],
            "period": rows["period"],
            "record_type": rows["record_type"],
            "what": [what(r) for _, r in rows.iterrows()],
            "breakdown": [breakdown(r) for _, r in rows.iterrows()],
        }
    ).reset_index(drop=True)


def _not_reported_table(unreported: pd.DataFrame, language: str) -> pd.DataFrame:
    headers = {
        "sheet": _t(ISSUE_COLUMNS["sheet"], language),
        "row_number": _t(ISSUE_COLUMNS["row_number"], language),
        "org_code": _t(SLICE_COLUMNS["org_code"], language),
        "period": _t(SLICE_COLUMNS["period"], language),
        "what": _t(NOT_REPORTED_TEXT["what"], language),
        "breakdown": _t(NOT_REPORTED_TEXT["breakdown"], language),
    }
    return unreported[list(headers)].rename(columns=headers)


def _not_reported_issues(unreported: pd.DataFrame, language: str) -> pd.DataFrame:
    """The rows left empty as lines of the feedback CSV: no reason code, they are not
    rejected."""
    messages = [
        _t(NOT_REPORTED_TEXT[r["record_type"]], language, what=r["what"], breakdown=r["breakdown"])
        for _, r in unreported.iterrows()
    ]
    frame = pd.DataFrame(
        {
            "sheet": unreported["sheet"],
            "row_number": unreported["row_number"],
            "column_name": unreported["record_type"].map(_TYPED),
            "raw_value": None,
            "reason_code": "",
            "message": messages,
        }
    )
    return frame.rename(columns=_headers(ISSUE_COLUMNS, language))


def _reasons(issues: pd.DataFrame, language: str) -> pd.DataFrame:
    """Rows per severity and reason, with what the reason means."""
    if issues.empty:
        return _no_reasons(language)
    reasons = issues.groupby(["severity", "reason_code"]).size().rename("rows").reset_index()
    reasons["severity"] = reasons["severity"].map(lambda s: _t(SEVERITY[s], language))
    reasons["meaning"] = reasons["reason_code"].map(
        lambda code: _t(REASON_MEANINGS[code], language) if code in REASON_MEANINGS else ""
    )
    return reasons.rename(columns=_reason_headers(language))


@cache
def _no_reasons(language: str) -> pd.DataFrame:
    columns = ["severity", "reason_code", "rows", "meaning"]
    return pd.DataFrame(columns=columns).rename(columns=_reason_headers(language))


def _reason_headers(language: str) -> dict[str, str]:
    return {
        "severity": _t(_SEVERITY_COLUMN, language),
        "reason_code": _t(ISSUE_COLUMNS["reason_code"], language),
        "rows": _t(N_("rows"), language),
        "meaning": _t(N_("meaning"), language),
    }


def _sheets(
    source_file: str,
    file_slices: pd.DataFrame,
    issues: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    language: str,
    unreported: pd.DataFrame | None = None,
    replaced_by: Mapping[str, str] | None = None,
) -> list[Sheet]:
    reasons = _reasons(issues, language)
    sheet = {s: _t(name, language) for s, name in SHEETS.items()}
    first_line = what_to_fix(source_file, file_slices, issues, language, replaced_by)
    not_reported = _t(NOT_REPORTED_TEXT["sheet"], language)
    if unreported is not None and not unreported.empty:
        first_line += " " + _t(
            NOT_REPORTED_TEXT["summary"], language, rows=len(unreported), sheet=not_reported
        )
    summary = (
        Table(
            "summary",
            first_line,
            file_slices[list(SLICE_COLUMNS)]
            .assign(status=file_slices["status"].map(lambda s: _t(STATUS.get(s, s), language)))
            .rename(columns=_headers(SLICE_COLUMNS, language)),
        ),
        Table("reasons", _t(_REASONS_TITLE, language), reasons),
    )
    return [
        Sheet(sheet["summary"], summary),
        Sheet(sheet[REJECTION], (Table("rejections", "", tables[REJECTION]),)),
        Sheet(sheet[WARNING], (Table("warnings", "", tables[WARNING]),)),
    ] + (
        [
            Sheet(
                not_reported,
                (Table("not_reported", "", _not_reported_table(unreported, language)),),
            )
        ]
        if unreported is not None and not unreported.empty
        else []
    )


def _csv(
    tables: dict[str, pd.DataFrame], language: str, unreported: pd.DataFrame | None = None
) -> bytes:
    """Rejections, then warnings, each marked with its severity; then a template's rows
    left empty, marked not reported."""
    severity = _t(_SEVERITY_COLUMN, language)
    parts = [
        tables[s].assign(**{severity: _t(SEVERITY[s], language)}) for s in (REJECTION, WARNING)
    ]
    if unreported is not None and not unreported.empty:
        empty = _not_reported_issues(unreported, language)
        parts.append(empty.assign(**{severity: _t(NOT_REPORTED_TEXT["severity"], language)}))
    both = pd.concat([p for p in parts if not p.empty] or parts[:1], ignore_index=True)
    return csv_bytes(both[[severity, *_headers(ISSUE_COLUMNS, language).values()]])


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


def _replacing(conn: sa.Connection, file_slices: pd.DataFrame) -> dict[str, str]:
    """For each superseded slice among ``file_slices``, the file of the slice now current."""
    superseded = file_slices[file_slices["status"] == SUPERSEDED]
    if superseded.empty:
        return {}
    t = slices.c
    current = read_frame(
        conn,
        sa.select(t.org_code, t.period, t.record_type, t.source_file).where(
            t.is_current, t.period.in_(sorted(set(superseded["period"])))
        ),
    ).set_index(list(SLICE_KEY))["source_file"]
    return {
        row.submission_id: current[(row.org_code, row.period, row.record_type)]
        for row in superseded.itertuples(index=False)
        if (row.org_code, row.period, row.record_type) in current.index
    }


def write_feedback(
    engine: sa.Engine, period: str, extracts_dir: Path, organisations: Mapping[str, Organisation]
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
        # The rows left empty in returned templates (SPEC §11): listed as not reported.
        n = raw_not_reported.c
        unreported = read_frame(
            conn,
            sa.select(
                n.sha256, n.sheet, n.row_number, n.record_type, n.data_element,
                *(n[d] for d in DIMENSION_COLUMNS), n.plan_code, n.measure_code,
                n.measure_title, n.org_norm.label("org_code"), n.period_norm.label("period"),
            ).where(n.sha256.in_(here)),
        )  # fmt: skip
        replacing = _replacing(conn, all_slices)
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
    by_sha = dict(tuple(all_slices.groupby("sha256", sort=False)))
    orgs = {sha: _org_of(mine, organisations, hints[sha]) for sha, mine in by_sha.items()}
    languages = {
        sha: organisations[org].language if org in organisations else DEFAULT_LANGUAGE
        for sha, org in orgs.items()
    }
    # Each issue to its file in one pass, not one scan of the quarter's issues per file.
    issues["sha256"] = issues["submission_id"].map(all_slices.set_index("submission_id")["sha256"])
    by_file = dict(tuple(issues.groupby("sha256", sort=False)))
    empty_by_file = dict(tuple(unreported.groupby("sha256", sort=False)))
    # Each file's rows by one hash of the quarter's, not one of each small frame per file.
    hashed = [RowsBy(all_slices, "sha256"), RowsBy(issues, "sha256"), RowsBy(unreported, "sha256")]
    written, made, plans = [], {}, []
    for sha, mine in by_sha.items():
        found = by_file.get(sha, issues.iloc[:0])
        empty = empty_by_file.get(sha, unreported.iloc[:0])
        org, language = orgs[sha], languages[sha]
        base = root / org / names[sha]
        source = mine["source_file"].iloc[0]
        xlsx = base.with_name(f"{base.name}_feedback.xlsx")
        csv = base.with_name(f"{base.name}_feedback.csv")
        theirs = {i: replacing[i] for i in mine["submission_id"] if i in replacing}
        # Everything the two files are made from: a file changes alone, not its quarter.
        settings = [code_digest(), source, str(xlsx), language, sorted(theirs.items())]
        digest = fingerprint_groups(sha, repr(settings), *hashed)
        made |= {xlsx: digest, csv: digest}
        plans.append((xlsx, csv, source, mine, found, language, empty, theirs))
        rejected = int((found["severity"] == REJECTION).sum())
        written.append(
            Feedback(org, source, xlsx, csv, rejected, len(found) - rejected, language, len(empty))
        )
    record = f"{FOLDER}_{period}"
    kept = made_from.kept(extracts_dir, record, made)
    entries = {path: (made[path], sha) for path, sha in kept.items()}
    for xlsx, csv, source, mine, found, language, empty, theirs in plans:
        if xlsx in kept and csv in kept:
            continue
        # Each message in its file's language, for the files written only.
        found = found.assign(
            message=[
                render_stored(key, english, language)
                for key, english in zip(found["message_key"], found["message"], strict=True)
            ]
        )
        for path, data in _write(xlsx, csv, source, mine, found, language, empty, theirs).items():
            entries[path] = (made[path], sha256_hex(data))
    # What an earlier run wrote for a file no longer in the quarter goes.
    for old in root.glob(f"*/{period}_*_feedback.*"):
        if old not in made:
            old.unlink()
    made_from.record(extracts_dir, record, entries)
    return written


def _write(
    xlsx: Path,
    csv: Path,
    source: str,
    mine: pd.DataFrame,
    found: pd.DataFrame,
    language: str,
    unreported: pd.DataFrame,
    replacing: dict[str, str],
) -> dict[Path, bytes]:
    """One file's feedback workbook and CSV, written; what was written to each.
    ``replacing``: for each of its superseded slices, the file of the slice now current."""
    received = pd.Timestamp(mine["received_at"].max()).to_pydatetime()
    tables = {s: _issue_table(found, s, language) for s in (REJECTION, WARNING)}
    empty = _not_reported(unreported, language)
    book = workbook_bytes(
        _sheets(
            source,
            mine,
            found,
            tables,
            language,
            empty,
            replacing,
        ),
        title=source,
        created_at=received,
    )
    written = {xlsx: book, csv: _csv(tables, language, empty)}
    for path, data in written.items():
        atomic_write_bytes(path, data)
    return written
