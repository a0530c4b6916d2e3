"""What changed in the inbox since it was last looked at, and which quarters that touches.

The inbox sensor (``schedules/inbox_sensor.py``) keeps the result of the last look
as a JSON cursor: each submission's path, modification time and sha256. A file is
hashed again only when its modification time changes, and read only when its
bytes are new, so a large, quiet inbox costs one ``stat`` per file and tick.

A file touches the quarters its rows report (SPEC §2), within the programme's
quarters: that is where the pipeline validates and reports it. A file rejected
whole is reported by the one quarter it is for, and a file whose periods cannot be
read by the quarter its folder names or it was received in, like the ingestion does
(``lct_pipeline.submissions.home_period``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from lct_pipeline import periods
from lct_pipeline.files import sha256_hex
from lct_pipeline.reading import discover, read_bytes, read_regular
from lct_pipeline.submissions import file_problem, home_period, read_periods, relative_name
from lct_pipeline.warehouse.tables_validated import slices

CURSOR_VERSION = 1
# A file modified this recently may still be being copied into the inbox: it is
# looked at on a later tick, so a half-copied file never starts a run.
SETTLE_SECONDS = 10.0
# Bound parameters per query: SQLite allows 32,766, an inbox may hold tens of thousands.
_IN_CHUNK = 5_000


@dataclass(frozen=True)
class SeenFile:
    mtime: float
    sha256: str


@dataclass(frozen=True)
class QuarterRequest:
    """One run to start: a quarter and the new file contents that touch it."""

    quarter: str
    files: tuple[str, ...]  # relative paths, sorted
    sha256s: tuple[str, ...]  # sorted, one per distinct content

    @property
    def run_key(self) -> str:
        # The same contents give the same key, so Dagster never starts a second
        # run for them, even after the cursor was lost or reset.
        digest = hashlib.sha256("\n".join(self.sha256s).encode()).hexdigest()[:16]
        return f"inbox-{self.quarter}-{digest}"


@dataclass
class InboxChanges:
    requests: list[QuarterRequest] = field(default_factory=list)
    seen: dict[str, SeenFile] = field(default_factory=dict)  # the next cursor
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    # New paths whose bytes are already known (a copy, a rename, a touched file).
    same_contents: list[str] = field(default_factory=list)
    settling: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # could not even be opened
    # New to the cursor, but the warehouse validated them in every quarter they touch.
    validated: list[str] = field(default_factory=list)


def load_cursor(text: str | None) -> dict[str, SeenFile]:
    """The files a cursor remembers; an empty or unknown cursor remembers none."""
    if not text:
        return {}
    try:
        data = json.loads(text)
        if data.get("version") != CURSOR_VERSION:
            return {}
        return {
            name: SeenFile(float(entry["mtime"]), str(entry["sha256"]))
            for name, entry in data["files"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError):
        # Stable run keys keep a fresh start from running the same contents twice.
        return {}


def dump_cursor(seen: dict[str, SeenFile]) -> str:
    files = {name: {"mtime": f.mtime, "sha256": f.sha256} for name, f in sorted(seen.items())}
    return json.dumps({"version": CURSOR_VERSION, "files": files}, separators=(",", ":"))


def quarters_touched(
    data: bytes, suffix: str, received_at: datetime, today: date, name: str = ""
) -> list[str]:
    """The quarters whose runs report a file with these bytes, received at ``received_at``
    (``name``: its path in the inbox, whose folder may name the quarter)."""
    # read_submission's reader, on the bytes already hashed: the sha256 and the
    # periods always describe the same version of a file that may be changing.
    result = read_bytes(data, suffix)
    found = read_periods(result.tables)
    if file_problem(result) is not None:  # reported whole, in the one quarter it is for
        return [home_period(found, received_at, today, name)]
    current = periods.of_date(today)
    valid = sorted({p for p in found.dropna() if periods.PROGRAMME_START <= p <= current})
    return valid or [home_period(found, received_at, today, name)]


def _by_name(paths: list[Path], inbox: Path) -> dict[str, Path]:
    """Each file under the name it is shown by; two names that differ only by the personal
    data removed from them are told apart by a number, so neither file is lost."""
    present: dict[str, Path] = {}
    for path in sorted(paths):
        name = shown = relative_name(path, inbox)
        copy = 1
        while shown in present:
            copy += 1
            shown = f"{name} ({copy})"
        present[shown] = path
    return present


def scan_inbox(
    inbox: Path,
    seen: dict[str, SeenFile],
    today: date,
    now: float | None = None,
    settle_seconds: float = SETTLE_SECONDS,
    validated: Callable[[set[str]], set[tuple[str, str]]] = lambda _sha256s: set(),
) -> InboxChanges:
    """Compare the inbox with ``seen``; one request per quarter that new contents touch.

    ``validated`` names, of some contents, the (sha256, quarter) pairs whose rows that
    quarter's run has validated already: those start nothing, so a cursor that is new or
    lost (a new Dagster instance beside a filled warehouse) does not run them again.
    """
    now = time.time() if now is None else now
    changes = InboxChanges()
    submissions = discover(inbox)[0] if inbox.is_dir() else []
    present = _by_name(submissions, inbox)
    changes.deleted = sorted(set(seen) - set(present))
    known = {f.sha256 for name, f in seen.items() if name in present}
    touched: dict[str, dict[str, str]] = defaultdict(dict)  # quarter -> sha256 -> first path
    for name, path in present.items():
        before = seen.get(name)
        try:
            mtime = path.stat().st_mtime
            if before is not None and before.mtime == mtime:
                changes.seen[name] = before
                continue
            if now - mtime < settle_seconds:
                changes.settling.append(name)
                if before is not None:  # looked at again once it has settled
                    changes.seen[name] = before
                continue
            data = read_regular(path)
        except OSError:
            changes.unreadable.append(name)
            if before is not None:
                changes.seen[name] = before
            continue
        sha = sha256_hex(data)
        changes.seen[name] = SeenFile(mtime, sha)
        if before is not None and before.sha256 == sha:
            continue  # touched, not changed
        if sha in known:
            changes.same_contents.append(name)
            continue
        (changes.changed if before is not None else changes.new).append(name)
        known.add(sha)
        received_at = datetime.fromtimestamp(mtime, UTC).replace(tzinfo=None)
        for quarter in quarters_touched(data, path.suffix, received_at, today, name):
            touched[quarter].setdefault(sha, name)
    done = validated({sha for by_sha in touched.values() for sha in by_sha}) if touched else set()
    pending: dict[str, dict[str, str]] = {}
    for quarter, by_sha in sorted(touched.items()):
        left = {sha: name for sha, name in by_sha.items() if (sha, quarter) not in done}
        if left:
            pending[quarter] = left
    started = {name for by_sha in pending.values() for name in by_sha.values()}
    for names in (changes.new, changes.changed):
        changes.validated += [name for name in names if name not in started]
        names[:] = [name for name in names if name in started]
    changes.requests = [
        QuarterRequest(quarter, tuple(sorted(by_sha.values())), tuple(sorted(by_sha)))
        for quarter, by_sha in pending.items()
    ]
    return changes


def validated_pairs(engine: sa.Engine, sha256s: set[str]) -> set[tuple[str, str]]:
    """The (sha256, quarter) pairs of these contents that a quarter's run has validated:
    every file a run ingests and judges leaves a slice in each quarter it reports."""
    found: set[tuple[str, str]] = set()
    shas = sorted(sha256s)
    t = slices.c
    with engine.connect() as conn:
        for start in range(0, len(shas), _IN_CHUNK):
            chunk = shas[start : start + _IN_CHUNK]
            query = sa.select(t.sha256, t.partition_period).where(t.sha256.in_(chunk)).distinct()
            found.update((sha, quarter) for sha, quarter in conn.execute(query))
    return found
