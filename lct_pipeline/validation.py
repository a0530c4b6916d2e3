"""Validation (SPEC §5, §6): rows judged by the suites, split, and stored per quarter.

``validate_quarter`` is what the ``validated_submissions`` asset runs: it reads a
quarter's raw rows, judges them, and replaces the quarter's slices, accepted rows
and issues in one transaction. ``check_files`` is ``lct validate``: the same suites
on files a CSO is about to send, with nothing stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from lct_pipeline import freshness
from lct_pipeline.contract import DIMENSION_COLUMNS, MEASURES, VALUES, FileProblem
from lct_pipeline.datadocs import MissingAssets
from lct_pipeline.i18n import dumps, render_stored
from lct_pipeline.ingestion import file_problem, raw_frame, read_org, unreported_rows
from lct_pipeline.reading import read_submission
from lct_pipeline.reference import Reference
from lct_pipeline.rules import cross_row, split
from lct_pipeline.rules.checker import Checker, Outcome
from lct_pipeline.rules.judge import Judged, judge_measures, judge_values
from lct_pipeline.rules.precedence import REJECTION, WARNING
from lct_pipeline.rules.prepare import file_slice_id
from lct_pipeline.rules.withdrawn import withdrawn
from lct_pipeline.warehouse.reads import read_frame
from lct_pipeline.warehouse.tables_freshness import stage_inputs
from lct_pipeline.warehouse.tables_raw import raw_files, raw_rows, rows_of_quarter
from lct_pipeline.warehouse.tables_star import fact_values
from lct_pipeline.warehouse.tables_validated import (
    row_issues,
    slices,
    staged_measures,
    staged_values,
)
from lct_pipeline.warehouse.writes import replace_partition


@dataclass(frozen=True)
class Validation:
    """What validation found: slices with their outcome, issues, and what is kept."""

    slices: pd.DataFrame
    issues: pd.DataFrame  # rejections and warnings, in row_issues' columns
    outcomes: list[Outcome] = field(default_factory=list)  # one per expectation and batch
    staged_values: pd.DataFrame | None = None  # accepted rows as stored, exact copies once
    staged_measures: pd.DataFrame | None = None
    data_docs: Path | None = None  # the index page of the quarter's Data Docs
    data_docs_problem: str | None = None  # why they were not built, when they were asked for
    # Judged before from the same inputs: what is stored was left as it is (and read back).
    unchanged: bool = False

    def count(self, column: str) -> int:
        """A row count summed over the slices, e.g. ``count("rows_rejected")``."""
        return int(self.slices[column].sum()) if not self.slices.empty else 0

    def reason_counts(self) -> pd.DataFrame:
        """Rows per severity and reason code, rejections first, then by frequency."""
        if self.issues.empty:
            return pd.DataFrame(columns=["severity", "reason_code", "rows"])
        counts = self.issues.groupby(["severity", "reason_code"]).size().rename("rows")
        return counts.reset_index().sort_values(
            ["severity", "rows", "reason_code"], ascending=[True, False, True], ignore_index=True
        )


def _concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """The frames one after the other; empty ones only lend their columns."""
    frames = list(frames)
    filled = [f for f in frames if not f.empty]
    if filled:
        return pd.concat(filled, ignore_index=True)
    return next((f for f in frames if len(f.columns)), pd.DataFrame())


def _judged(raw: pd.DataFrame, record_type: str, judge: Callable[[pd.DataFrame], Judged]):
    rows = raw[raw["record_type"] == record_type] if not raw.empty else raw
    return judge(rows) if not rows.empty else None


def _validate(
    raw: pd.DataFrame,
    reference: Reference,
    current: str,
    checker: Checker,
    maxima: pd.DataFrame | None = None,
) -> Validation:
    """Judge both record types of ``raw`` and split the rows into the validated shapes."""
    values = _judged(
        raw, VALUES, lambda rows: judge_values(rows, reference, current, checker, maxima)
    )
    measures = _judged(
        raw, MEASURES, lambda rows: judge_measures(rows, reference, current, checker)
    )
    judged = {t: j for t, j in ((VALUES, values), (MEASURES, measures)) if j is not None}
    slices = _concat(split.slice_table(j.rows, j.rejected, j.warned) for j in judged.values())
    # Which slice replaces which: decided among the judged slices alone, as files rejected
    # whole have no accepted row and never compete.
    decided = split.supersede(slices) if not slices.empty else slices
    return Validation(
        slices=slices,
        issues=_concat(
            [
                *(
                    split.issues(j.rows, j.rules, j.rejected_by, j.warnings)
                    for j in judged.values()
                ),
                *(withdrawn(j, t, decided) for t, j in judged.items()),
            ]
        ),
        outcomes=[o for j in judged.values() for o in j.outcomes],
        staged_values=split.staged_values(values.rows, ~values.rejected) if values else None,
        staged_measures=(
            split.staged_measures(measures.rows, ~measures.rejected) if measures else None
        ),
    )


# --------------------------------------------------------------------------- a quarter


def _read(conn: sa.Connection, query: sa.Select) -> pd.DataFrame:
    frame = read_frame(conn, query)
    # Text as plain Python objects, as in a file just read: the suites see one shape.
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c])]
    return frame.astype({c: object for c in text})


def _raw_rows(conn: sa.Connection, where: sa.ColumnElement[bool]) -> pd.DataFrame:
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


def _history_maxima(conn: sa.Connection, period: str) -> pd.DataFrame | None:
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


def _rejected_files(conn: sa.Connection, period: str) -> tuple[pd.DataFrame, pd.DataFrame]:
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


_TABLES = {
    "issues": row_issues,
    "staged_values": staged_values,
    "staged_measures": staged_measures,
    "slices": slices,
}


def _plain_rows(frame: pd.DataFrame | None, period: str) -> list[dict]:
    """``frame``'s rows as dicts of plain Python values (None for missing), for an insert.

    Column by column through numpy: several times faster than a frame-wide conversion
    on a national quarter's 100k rows.
    """
    if frame is None or frame.empty:
        return []
    frame = frame.assign(partition_period=period)
    columns, arrays = list(frame.columns), []
    for column in columns:
        values = frame[column].to_numpy(dtype=object, copy=True)
        values[frame[column].isna().to_numpy()] = None
        arrays.append(values)
    return [dict(zip(columns, row, strict=True)) for row in zip(*arrays, strict=True)]


def _store(
    engine: sa.Engine, period: str, validation: Validation, built_from: int, digest: str
) -> None:
    """Replace the quarter's validated rows in one transaction (SPEC §6), noting the
    version of the history they were judged with and the digest of what they were judged
    from (complete once the Data Docs are built)."""
    ids = validation.slices["submission_id"].tolist() if not validation.slices.empty else []
    with engine.begin() as conn:
        # Quarters a slice moves from are no longer what they were judged to be.
        moved = sa.select(slices.c.partition_period).where(slices.c.submission_id.in_(ids))
        t = stage_inputs.c
        conn.execute(
            stage_inputs.delete().where(
                t.stage == freshness.VALIDATION, sa.or_(t.period == period, t.period.in_(moved))
            )
        )
        for name, table in _TABLES.items():
            # A slice may move between quarters (its period became current since the
            # last run): its rows elsewhere go too, so an id is never stored twice.
            stale = sa.or_(table.c.partition_period == period, table.c.submission_id.in_(ids))
            replace_partition(conn, table, stale, _plain_rows(getattr(validation, name), period))
        freshness.record_built(conn, freshness.VALIDATION, period, built_from)
        conn.execute(
            stage_inputs.insert().values(stage=freshness.VALIDATION, period=period, digest=digest)
        )


def validate_quarter(
    engine: sa.Engine,
    reference: Reference,
    period: str,
    current: str,
    data_docs_dir: Path | None = None,
    run_name: str | None = None,
) -> Validation:
    """Validate quarter ``period``'s rows and store the outcome; Data Docs when a folder is given.

    Running it again, or after a crash, leaves exactly what one clean run leaves. A
    quarter judged before from the same rows, history, reference and code is not judged
    again: what it stored then is what judging would store.
    """
    docs = data_docs_dir / period if data_docs_dir else None
    with engine.connect() as conn:
        # Read first: a history quarter that changes meanwhile leaves this one stale.
        built_from = freshness.input_version(conn, freshness.VALIDATION, period)
        raw = _raw_rows(conn, rows_of_quarter(period, current))
        maxima = _history_maxima(conn, period)
        file_slices, file_issues = _rejected_files(conn, period)
        digest = freshness.fingerprint_rows(
            pd.DataFrame(
                {
                    "settings": [
                        freshness.code_digest(),
                        current,
                        freshness.reference_digest(reference),
                    ]
                }
            ),
            raw,
            maxima if maxima is not None else pd.DataFrame(),
            file_slices,
            file_issues,
        )
        kept = _unchanged(conn, period, digest, docs)
    # Rows stored otherwise than one judging stores them (written by hand, a database
    # restored in part) are judged and stored again.
    if kept is not None and account_for_rows(engine, period, current).ok:
        with engine.begin() as conn:  # the same result from this history's version
            freshness.record_built(conn, freshness.VALIDATION, period, built_from)
        return kept
    checker = Checker(docs, run_name or period)
    found = _validate(raw, reference, current, checker, maxima)
    validation = Validation(
        slices=split.supersede(_concat([found.slices, file_slices])),
        issues=_concat([found.issues, file_issues]),
        outcomes=found.outcomes,
        staged_values=found.staged_values,
        staged_measures=found.staged_measures,
    )
    _store(engine, period, validation, built_from, digest)
    try:
        validation = replace(validation, data_docs=checker.build_data_docs())
    except MissingAssets as problem:
        # The quarter's data is stored and its figures must follow; pages that would load
        # from CDNs are not kept (build_data_docs removed them).
        return replace(validation, data_docs_problem=str(problem))
    # Complete once the Data Docs are there too: a run cut short before is judged again.
    # Nothing to complete if another quarter's run took a slice from this one meanwhile.
    t = stage_inputs.c
    with engine.begin() as conn:
        conn.execute(
            stage_inputs.update()
            .where(t.stage == freshness.VALIDATION, t.period == period, t.digest == digest)
            .values(detail=json.dumps([asdict(o) for o in validation.outcomes]))
        )
    return validation


def _unchanged(
    conn: sa.Connection, period: str, digest: str, docs: Path | None
) -> Validation | None:
    """The quarter's stored validation, if it was judged from inputs with ``digest`` and its
    Data Docs (when asked for) are there."""
    t = stage_inputs.c
    held = conn.execute(
        sa.select(t.digest, t.detail).where(t.stage == freshness.VALIDATION, t.period == period)
    ).first()
    if held is None or held.digest != digest or held.detail is None:
        return None
    if docs is not None and not (docs / "index.html").is_file():
        return None
    mine = slices.c.partition_period == period
    stored = read_frame(conn, sa.select(slices).where(mine).order_by(slices.c.submission_id))
    i = row_issues.c
    issues = read_frame(
        conn,
        sa.select(row_issues)
        .where(i.partition_period == period)
        .order_by(i.source_file, i.sheet, i.row_number, i.reason_code),
    )
    return Validation(
        slices=stored.drop(columns="partition_period"),
        issues=issues.drop(columns="partition_period"),
        outcomes=[Outcome(**o) for o in json.loads(held.detail)],
        data_docs=docs / "index.html" if docs is not None else None,
        unchanged=True,
    )


@dataclass(frozen=True)
class Accounting:
    """Where a quarter's raw rows ended, counted in the stored tables (SPEC §5)."""

    raw_rows: int  # rows the quarter validates
    in_slices: int  # sum of rows_total
    stored: int  # accepted rows in staged_values and staged_measures
    repeated: int  # exact copies, accepted but stored once
    rejected: int  # rejections with a row number
    rejected_rows: int  # distinct rows among them
    stored_and_rejected: int  # rows both stored and rejected (must be none)
    unbalanced_slices: int  # slices where rows_total != rows_accepted + rows_rejected
    # Data rows of the files the quarter reports rejected whole: counted, never stored.
    rejected_whole: int = 0

    @property
    def ok(self) -> bool:
        everything = self.raw_rows + self.rejected_whole
        return (
            everything
            == self.in_slices
            == self.stored + self.repeated + self.rejected + self.rejected_whole
            and self.rejected == self.rejected_rows
            and self.stored_and_rejected == 0
            and self.unbalanced_slices == 0
        )


def rejection_keys(engine: sa.Engine, period: str) -> set[tuple]:
    """The rejections the quarter's last validation stored: (submission, sheet, row, reason),
    row None for a file rejected whole. What a new validation adds to them is news."""
    t = row_issues.c
    query = sa.select(t.submission_id, t.sheet, t.row_number, t.reason_code).where(
        t.partition_period == period, t.severity == REJECTION
    )
    with engine.connect() as conn:
        return {tuple(row) for row in conn.execute(query)}


def new_rejections(issues: pd.DataFrame, before: set[tuple]) -> pd.Series:
    """For each of ``issues``, whether it is a rejection that ``before`` (the quarter's
    ``rejection_keys`` from its last validation) does not hold."""
    keys = [
        (sid, sheet or "", None if pd.isna(row) else int(row), reason)
        for sid, sheet, row, reason in issues[
            ["submission_id", "sheet", "row_number", "reason_code"]
        ].itertuples(index=False)
    ]
    known = pd.Series(keys, index=issues.index, dtype=object).isin(before)
    return (issues["severity"] == REJECTION) & ~known


def account_for_rows(engine: sa.Engine, period: str, current: str) -> Accounting:
    """Count, from the stored tables, that every raw row of the quarter is in one place."""
    mine = slices.c.partition_period == period
    rejected = sa.and_(
        row_issues.c.partition_period == period,
        row_issues.c.severity == REJECTION,
        row_issues.c.row_number.is_not(None),
    )
    distinct = (
        sa.select(row_issues.c.submission_id, row_issues.c.sheet, row_issues.c.row_number)
        .where(rejected)
        .distinct()
        .subquery()
    )

    def both(staged: sa.Table) -> sa.ScalarSelect:
        # Row values IN a subquery, not a join: SQLite would scan the quarter's stored
        # rows once per rejection (2.6 s a national quarter, against 10 ms).
        key = ("submission_id", "sheet", "row_number")
        rejected_rows = sa.select(*(row_issues.c[c] for c in key)).where(rejected)
        return (
            sa.select(sa.func.count())
            .select_from(staged)
            .where(
                staged.c.partition_period == period,
                sa.tuple_(*(staged.c[c] for c in key)).in_(rejected_rows),
            )
            .scalar_subquery()
        )

    def count(table: sa.Table, *where) -> sa.ScalarSelect:
        return sa.select(sa.func.count()).select_from(table).where(*where).scalar_subquery()

    def total(column: sa.ColumnElement) -> sa.ScalarSelect:
        return sa.select(sa.func.coalesce(sa.func.sum(column), 0)).where(mine).scalar_subquery()

    query = sa.select(
        count(raw_rows, rows_of_quarter(period, current)),
        total(slices.c.rows_total),
        count(staged_values, staged_values.c.partition_period == period)
        + count(staged_measures, staged_measures.c.partition_period == period),
        total(slices.c.rows_repeated),
        count(row_issues, rejected),
        sa.select(sa.func.count()).select_from(distinct).scalar_subquery(),
        both(staged_values) + both(staged_measures),
        count(slices, mine, slices.c.rows_total != slices.c.rows_accepted + slices.c.rows_rejected),
        sa.select(sa.func.coalesce(sa.func.sum(raw_files.c.rows_read), 0))
        .where(raw_files.c.reason_code.is_not(None), raw_files.c.home_period == period)
        .scalar_subquery(),
    )
    with engine.connect() as conn:
        return Accounting(*(int(n) for n in conn.execute(query).one()))


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class FileCheck:
    """``lct validate``'s verdict on one file."""

    path: str
    rows: int
    rows_rejected: int
    issues: pd.DataFrame  # rejections and warnings, in file order
    problem: FileProblem | None = None
    org: str | None = None  # the organisation code most of its rows give
    not_reported: int = 0  # rows of a template left empty: missing data, not rows (SPEC §11)

    def message(self, issue: pd.Series, language: str) -> str:
        """An issue's message in ``language``."""
        return render_stored(issue.get("message_key"), issue["message"], language)

    @property
    def rejected(self) -> bool:
        return self.problem is not None or self.rows_rejected > 0

    @property
    def warnings(self) -> int:
        return int((self.issues["severity"] == WARNING).sum()) if not self.issues.empty else 0


def _whole_file(problem: FileProblem) -> pd.DataFrame:
    """A file-level rejection as the one issue of its file (no row number)."""
    return pd.DataFrame(
        {
            "sheet": [problem.sheet],
            "row_number": [None],
            "column_name": [""],
            "raw_value": [None],
            "reason_code": [problem.reason_code],
            "message": [str(problem.message)],
            "message_key": [dumps([problem.message])],
            "severity": [REJECTION],
        }
    )


def check_files(paths: Sequence[Path], reference: Reference, current: str) -> list[FileCheck]:
    """Check files as validation would, without history (so no OUTLIER) and storing nothing."""
    frames, problems, orgs = [], {}, {}
    unreported: dict[int, int] = {}
    for number, path in enumerate(paths):
        result = read_submission(path)
        orgs[number] = read_org(result.tables)
        problem = file_problem(result)
        if problem is not None:
            problems[number] = problem
            continue
        # A stand-in for the sha256 that is unique per argument, even for two equal files;
        # the received time matters to supersession only, which a file check has not.
        frame = raw_frame(f"{number:012d}".ljust(64, "0"), result.tables)
        frames.append(frame.assign(source_file=str(path), received_at=datetime.now()))
        unreported[number] = unreported_rows(result)
    found = _validate(_concat(frames), reference, current, Checker()) if frames else None
    checks = []
    for number, path in enumerate(paths):
        if number in problems:
            checks.append(
                FileCheck(
                    str(path), 0, 0, _whole_file(problems[number]), problems[number], orgs[number]
                )
            )
            continue
        prefix = f"{number:012d}:"
        mine = found.slices[found.slices["submission_id"].str.startswith(prefix)]
        issues = found.issues[found.issues["submission_id"].str.startswith(prefix)]
        checks.append(
            FileCheck(
                str(path),
                int(mine["rows_total"].sum()),
                int(mine["rows_rejected"].sum()),
                issues.sort_values(["sheet", "row_number", "severity"], kind="stable"),
                org=orgs[number],
                not_reported=unreported[number],
            )
        )
    return checks
