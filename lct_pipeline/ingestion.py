"""Ingestion (SPEC §3.1): inbox files into the archive and the raw layer.

Each file is read once: its bytes are hashed, archived unchanged under their
sha256, parsed, checked at file level and stored with its rows in one
transaction. Bytes already ingested are skipped, so running again adds nothing;
the inbox itself is only ever read.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from lct_pipeline import contract, periods
from lct_pipeline.faults import checkpoint
from lct_pipeline.i18n import N_, Msg, dumps
from lct_pipeline.normalise import NOT_A_CODE, normalise_codes, slice_label
from lct_pipeline.privacy import redact, redact_frame
from lct_pipeline.reading import discover, open_regular, read_bytes, read_regular
from lct_pipeline.warehouse.reads import read_frame
from lct_pipeline.warehouse.tables_raw import (
    raw_files,
    raw_not_reported,
    raw_rows,
    rows_of_quarter,
)
from lct_pipeline.warehouse.writes import insert_rows, records

INGESTED = "ingested"
REJECTED = "rejected"
ALREADY_INGESTED = "already_ingested"
FAILED = "failed"
# A quarter's monitoring file is kilobytes; the limit keeps a stray export or a
# malicious upload from exhausting memory (LCT_MAX_FILE_MB overrides it).
DEFAULT_MAX_FILE_BYTES = 50 * 1_000_000


@dataclass(frozen=True)
class FileOutcome:
    source_file: str
    status: str  # ingested | rejected | already_ingested | failed
    sha256: str = ""
    rows: int = 0
    reason_code: str = ""
    message: str = ""


@dataclass
class IngestReport:
    files: list[FileOutcome] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(f.status == status for f in self.files)


def relative_name(path: Path, inbox: Path) -> str:
    """The file's path in the inbox as it is stored and shown (SPEC §8 ``source_file``),
    personal data removed: a CSO names a file after a person's phone number as readily
    as it types one in a cell (SPEC §5), and the name reaches logs, run tags and feedback."""
    return redact(path.relative_to(inbox).as_posix())[0]


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archive_bytes(archive_dir: Path, sha256: str, name: str, data: bytes) -> Path:
    """Keep the file's bytes under ``archive/<sha256>/<name>``; written atomically."""
    target = archive_dir / sha256 / name
    if target.is_file() and target.stat().st_size == len(data):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def clamp_period(period: str, today: date) -> str:
    current = periods.of_date(today)
    return min(max(period, periods.PROGRAMME_START), current)


def home_period(period_norm: pd.Series, received_at: datetime, today: date, name: str = "") -> str:
    """The quarter that reports the file's rows without a usable period, and the file
    itself when it is rejected whole.

    It is the file's most common valid quarter (the earliest on a tie), so the
    data officer sees a file's bad rows beside its good ones; a file with no
    valid quarter goes to the quarter its folder names (``2013Q2/...``), else to the
    quarter it was received in.
    """
    current = periods.of_date(today)
    valid = [p for p in period_norm.dropna() if periods.PROGRAMME_START <= p <= current]
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
    frames = []
    for table in tables:
        rows = table.rows
        # One constructor call, not a column insert per column: this runs once per file.
        data = {
            "sha256": sha256,
            "sheet": table.sheet,
            "row_number": rows["row_number"].astype(int),
            "record_type": table.record_type,
        }
        for column in contract.RAW_COLUMNS:
            data[column] = rows[column] if column in rows.columns else None
        data["ignored"] = rows["_ignored"] if "_ignored" in rows.columns else None
        frames.append(pd.DataFrame(data, index=rows.index))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not frame.empty:
        # Screened first: no code, period or slice is ever read from a phone number.
        frame["redacted"] = redact_frame(frame)
        frame["period_norm"] = frame["period"].map(periods.parse_period, na_action="ignore")
        frame["org_norm"] = normalise_codes(frame["org_code"])
    return frame


def unreported_frame(sha256: str, tables: list) -> pd.DataFrame:
    """A template's rows left empty (SPEC §11), screened as data rows are, in the columns
    of ``raw_not_reported``: missing data that the feedback lists as not reported."""
    parts = [replace(t, rows=t.left_empty) for t in tables if t.left_empty is not None]
    frame = raw_frame(sha256, [t for t in parts if not t.rows.empty])
    return frame[[c.name for c in raw_not_reported.columns]] if not frame.empty else frame


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


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 100_000 else f"{n_bytes / 1e3:.1f} kB"


def archive_stream(path: Path, archive_dir: Path, name: str) -> tuple[str, Path]:
    """Hash and archive a file too large to hold in memory, in one pass over its bytes,
    under ``archive/<sha256>/<name>``."""
    digest = hashlib.sha256()
    archive_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=archive_dir, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out, open_regular(path) as source:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        target = archive_dir / digest.hexdigest() / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest.hexdigest(), target


def ingest_file(
    path: Path,
    inbox: Path,
    archive_dir: Path,
    engine: sa.Engine,
    today: date,
    known: set[str],
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    stored: Mapping[tuple[str, int, datetime], str] | None = None,
) -> FileOutcome:
    """Ingest one file unless its bytes were ingested before (``known``, their sha256s).

    ``stored``: the sha256 of each file ingested before, by its name, size and received
    time; a file found under all three is not read again (a run checks the whole inbox).
    """
    name = relative_name(path, inbox)
    try:
        stat = path.stat()
        received_at = datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)
        sha = (stored or {}).get((name, stat.st_size, received_at))
        if sha is not None:
            return FileOutcome(name, ALREADY_INGESTED, sha)
        # Only now: two empty frames per known file were half of a run's inbox check.
        encoding = delimiter = None
        rows = unreported = pd.DataFrame()
        n_rows, rejected_periods, org_hint = 0, pd.Series(dtype=object), None
        if stat.st_size > max_bytes:
            # Archived like any file, but never parsed: the limit protects the run.
            sha, archived = archive_stream(path, archive_dir, Path(name).name)
            size = stat.st_size
            problem = contract.FileProblem(
                "UNREADABLE_FILE",
                Msg(
                    N_(
                        "the file is {size}, above the {limit} limit for a submission"
                        " (LCT_MAX_FILE_MB); send the quarter's figures in a smaller file."
                    ),
                    {"size": _size(size), "limit": _size(max_bytes)},
                ),
            )
        else:
            data = read_regular(path)
            size, sha = len(data), sha256_of(data)
            if sha in known:
                return FileOutcome(name, ALREADY_INGESTED, sha)
            archived = archive_bytes(archive_dir, sha, Path(name).name, data)
            result = read_bytes(data, path.suffix)
            encoding, delimiter = result.encoding, result.delimiter
            problem = file_problem(result)
            if problem is None:
                rows = raw_frame(sha, result.tables)
                unreported = unreported_frame(sha, result.tables)
            else:  # rejected whole: its data rows are counted and its quarter read, no more
                n_rows = sum(len(t.rows) for t in result.tables)
                rejected_periods = read_periods(result.tables)
                org_hint = read_org(result.tables)
    except OSError as exc:
        return FileOutcome(name, FAILED, message=f"cannot read the file: {exc.strerror or exc}")
    if sha in known:
        return FileOutcome(name, ALREADY_INGESTED, sha)
    home = home_period(
        rows["period_norm"] if not rows.empty else rejected_periods, received_at, today, name
    )
    file_row = {
        "sha256": sha,
        "source_file": name,
        "size_bytes": size,
        "received_at": received_at,
        "archive_path": str(archived),
        "encoding": encoding,
        "delimiter": delimiter,
        "home_period": home,
        "reason_code": problem.reason_code if problem else None,
        "sheet": problem.sheet if problem else "",
        "message": str(problem.message) if problem else None,
        "message_key": dumps([problem.message]) if problem else None,
        # A file rejected whole stores none of its rows, but counts them (SPEC §5: a
        # file's slices add up to all of its data rows).
        "rows_read": len(rows) if problem is None else n_rows,
        "org_hint": org_hint,
    }
    checkpoint("ingest.archived")
    try:
        with engine.begin() as conn:
            conn.execute(raw_files.insert(), [file_row])
            checkpoint("ingest.inserting")
            insert_rows(conn, raw_rows, records(rows) if not rows.empty else [])
            insert_rows(conn, raw_not_reported, records(unreported) if not unreported.empty else [])
    except sa.exc.IntegrityError:
        # A run in parallel stored the same bytes first: they are ingested once.
        known.add(sha)
        return FileOutcome(name, ALREADY_INGESTED, sha)
    known.add(sha)
    if problem:
        return FileOutcome(name, REJECTED, sha, 0, problem.reason_code, str(problem.message))
    return FileOutcome(name, INGESTED, sha, len(rows))


def ingest_inbox(
    inbox: Path,
    archive_dir: Path,
    engine: sa.Engine,
    today: date,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> IngestReport:
    """Ingest every submission of the inbox not ingested before; one bad file stops nothing."""
    report = IngestReport()
    if not inbox.is_dir():
        return report
    submissions, ignored = discover(inbox)
    report.ignored = [relative_name(p, inbox) for p in ignored]
    f = raw_files.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(f.sha256, f.source_file, f.size_bytes, f.received_at)).all()
    known = {row.sha256 for row in rows}
    stored = {(row.source_file, row.size_bytes, row.received_at): row.sha256 for row in rows}
    for path in submissions:
        report.files.append(
            ingest_file(path, inbox, archive_dir, engine, today, known, max_bytes, stored)
        )
    return report


def quarter_files(engine: sa.Engine, period: str, current: str) -> pd.DataFrame:
    """The files whose rows (or file-level rejection) quarter ``period`` reports."""
    rows = (
        sa.select(raw_rows.c.sha256, sa.func.count().label("rows"))
        .where(rows_of_quarter(period, current))
        .group_by(raw_rows.c.sha256)
        .subquery()
    )
    query = (
        sa.select(
            raw_files.c.source_file,
            raw_files.c.received_at,
            sa.func.coalesce(rows.c.rows, 0).label("rows"),
            sa.func.coalesce(raw_files.c.reason_code, "").label("file_rejection"),
        )
        .select_from(raw_files.outerjoin(rows, rows.c.sha256 == raw_files.c.sha256))
        .where(
            sa.or_(
                rows.c.rows > 0,
                sa.and_(raw_files.c.reason_code.is_not(None), raw_files.c.home_period == period),
            )
        )
        .order_by(raw_files.c.source_file)
    )
    with engine.connect() as conn:
        return read_frame(conn, query)


def quarters_with_data(engine: sa.Engine, today: date) -> list[str]:
    """Every quarter from the programme's start to the latest one any raw row reports."""
    current = periods.of_date(today)
    with engine.connect() as conn:
        latest_row = conn.execute(
            sa.select(sa.func.max(raw_rows.c.period_norm)).where(
                raw_rows.c.period_norm.between(periods.PROGRAMME_START, current)
            )
        ).scalar()
        latest_home = conn.execute(sa.select(sa.func.max(raw_files.c.home_period))).scalar()
    latest = max(filter(None, [latest_row, latest_home]), default=None)
    return periods.period_range(periods.PROGRAMME_START, latest) if latest else []
