"""Ingestion (SPEC §3.1): inbox files into the archive and the raw layer.

Each file is read once: its bytes are hashed, archived unchanged under their
sha256, parsed, checked at file level and stored with its rows in one
transaction. Bytes already ingested are skipped, so running again adds nothing;
the inbox itself is only ever read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO, cast

import pandas as pd
import sqlalchemy as sa

from lct_pipeline import contract, periods
from lct_pipeline.faults import checkpoint
from lct_pipeline.files import atomic_write, atomic_write_bytes, sha256_hex
from lct_pipeline.i18n import N_, Msg, dumps
from lct_pipeline.reading import discover, open_regular, read_bytes, read_regular
from lct_pipeline.submissions import (
    file_problem,
    home_period,
    raw_frames,
    read_org,
    read_periods,
    relative_name,
    unreported_frames,
)
from lct_pipeline.warehouse.reads import read_frame
from lct_pipeline.warehouse.tables_raw import (
    raw_files,
    raw_not_reported,
    raw_rows,
    rows_of_quarter,
)
from lct_pipeline.warehouse.writes import CHUNK_ROWS, insert_rows, records

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


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 100_000 else f"{n_bytes / 1e3:.1f} kB"


def archive_bytes(archive_dir: Path, sha256: str, name: str, data: bytes) -> Path:
    """Keep the file's bytes under ``archive/<sha256>/<name>``; written atomically."""
    target = archive_dir / sha256 / name
    if target.is_file() and target.stat().st_size == len(data):
        return target
    atomic_write_bytes(target, data)
    return target


def archive_stream(path: Path, archive_dir: Path, name: str) -> tuple[str, Path]:
    """Hash and archive a file too large to hold in memory, in one pass over its bytes,
    under ``archive/<sha256>/<name>``."""
    digest = hashlib.sha256()
    archive_dir.mkdir(parents=True, exist_ok=True)

    def write(out: BinaryIO) -> Path:
        with open_regular(path) as source:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        return archive_dir / digest.hexdigest() / name

    target = atomic_write(archive_dir, write)
    return digest.hexdigest(), target


@dataclass
class _Read:
    """A file read and archived whose row in ``raw_files`` (and rows) are not stored yet."""

    file_row: dict
    tables: list = field(default_factory=list)  # a file rejected whole keeps none
    problem: contract.FileProblem | None = None

    def outcome(self, status: str | None = None) -> FileOutcome:
        """What became of the file: ``status``, else ingested or rejected once stored."""
        name, sha = self.file_row["source_file"], self.file_row["sha256"]
        if status is not None:
            return FileOutcome(name, status, sha)
        if self.problem is not None:
            problem = self.problem
            return FileOutcome(name, REJECTED, sha, 0, problem.reason_code, str(problem.message))
        return FileOutcome(name, INGESTED, sha, self.file_row["rows_read"])


def _read_file(
    path: Path,
    inbox: Path,
    archive_dir: Path,
    today: date,
    known: set[str],
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    stored: Mapping[tuple[str, int, datetime], str] | None = None,
) -> FileOutcome | _Read:
    """Read and archive one file unless its bytes were ingested before (``known``, their
    sha256s): its outcome when there is nothing to store, else what ``_store`` stores.

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
        encoding = delimiter = None
        tables: list = []
        n_rows, rejected_periods, org_hint = 0, [], None
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
            size, sha = len(data), sha256_hex(data)
            if sha in known:
                return FileOutcome(name, ALREADY_INGESTED, sha)
            archived = archive_bytes(archive_dir, sha, Path(name).name, data)
            result = read_bytes(data, path.suffix)
            encoding, delimiter = result.encoding, result.delimiter
            problem = file_problem(result)
            if problem is None:
                tables = result.tables
            else:  # rejected whole: its data rows are counted and its quarter read, no more
                n_rows = sum(len(t.rows) for t in result.tables)
                rejected_periods = read_periods(result.tables).tolist()
                org_hint = read_org(result.tables)
    except OSError as exc:
        return FileOutcome(name, FAILED, message=f"cannot read the file: {exc.strerror or exc}")
    if sha in known:
        return FileOutcome(name, ALREADY_INGESTED, sha)
    checkpoint("ingest.archived")
    file_row = {
        "sha256": sha,
        "source_file": name,
        "size_bytes": size,
        "received_at": received_at,
        "archive_path": str(archived),
        "encoding": encoding,
        "delimiter": delimiter,
        # An accepted file's from its rows, once they are read (``_store``).
        "home_period": None
        if problem is None
        else home_period(rejected_periods, received_at, today, name),
        "reason_code": problem.reason_code if problem else None,
        "sheet": problem.sheet if problem else "",
        "message": str(problem.message) if problem else None,
        "message_key": dumps([problem.message]) if problem else None,
        # A file rejected whole stores none of its rows, but counts them (SPEC §5: a
        # file's slices add up to all of its data rows).
        "rows_read": sum(len(t.rows) for t in tables) if problem is None else n_rows,
        "org_hint": org_hint,
    }
    return _Read(file_row, tables, problem)


def _store(engine: sa.Engine, reads: list[_Read], today: date) -> list[FileOutcome]:
    """Store files read by ``_read_file`` with their rows, in one transaction: each file
    whole or not at all. Their outcomes, in order."""
    if not reads:
        return []
    accepted = [r for r in reads if r.problem is None]
    rows = raw_frames([(r.file_row["sha256"], r.tables) for r in accepted])
    unreported = unreported_frames([(r.file_row["sha256"], r.tables) for r in accepted])
    quarters = rows["period_norm"].tolist() if not rows.empty else []
    start = 0
    for read in accepted:
        row = read.file_row
        end = start + row["rows_read"]
        row["home_period"] = home_period(
            quarters[start:end], row["received_at"], today, row["source_file"]
        )
        start = end
    try:
        with engine.begin() as conn:
            insert_rows(conn, raw_files, [r.file_row for r in reads])
            for _ in reads:
                checkpoint("ingest.inserting")
            insert_rows(conn, raw_rows, records(rows) if not rows.empty else [])
            insert_rows(conn, raw_not_reported, records(unreported) if not unreported.empty else [])
    except sa.exc.IntegrityError:
        # A run in parallel stored some of the same bytes first: they are ingested once,
        # and every other file of the batch on its own.
        if len(reads) > 1:
            return [outcome for read in reads for outcome in _store(engine, [read], today)]
        return [reads[0].outcome(ALREADY_INGESTED)]
    return [read.outcome() for read in reads]


def ingest_inbox(
    inbox: Path,
    archive_dir: Path,
    engine: sa.Engine,
    today: date,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> IngestReport:
    """Ingest every submission of the inbox not ingested before; one bad file stops nothing.

    Files are stored in batches of up to ``CHUNK_ROWS`` rows, each batch in one
    transaction: a commit and pandas' work per file were half of ingesting a national
    inbox of small files.
    """
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
    outcomes: list[FileOutcome | None] = []
    batch: list[tuple[int, _Read]] = []
    rows_in_batch = 0

    def flush() -> None:
        reads = [read for _, read in batch]
        for (position, _), outcome in zip(batch, _store(engine, reads, today), strict=True):
            outcomes[position] = outcome
        batch.clear()

    for path in submissions:
        read = _read_file(path, inbox, archive_dir, today, known, max_bytes, stored)
        if isinstance(read, FileOutcome):
            outcomes.append(read)
            continue
        # Known from now on: a copy of the file later in the inbox is not read again.
        known.add(read.file_row["sha256"])
        batch.append((len(outcomes), read))
        outcomes.append(None)
        rows_in_batch += read.file_row["rows_read"]
        if rows_in_batch >= CHUNK_ROWS:
            flush()
            rows_in_batch = 0
    flush()
    report.files = cast(list[FileOutcome], outcomes)  # every place filled by its batch
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
