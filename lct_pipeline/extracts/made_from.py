"""Files left as written when what they are made from has not changed.

A quarter run again with nothing new (the schedule, a data officer's second click,
a refresh after a change its files do not show) would render every workbook, CSV
and report again, byte for byte the same but for the run's id and time. Instead a
writer records, after its files, a digest of everything it made them from, with
each file's size and modification time; the next time it finds the same digest and
every file as it left it, it leaves them. Any other write to one of the files (a
rebuild by another quarter's run, a crash half-way, a hand edit) changes its time,
and the files are made again.

The records live in ``<extracts>/.made_from/``: never published, never sent to a CSO.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from lct_pipeline.extracts.files import atomic_write_bytes

FOLDER = ".made_from"


def _record(root: Path, name: str) -> Path:
    return Path(root) / FOLDER / f"{name}.json"


def _stamp(path: Path) -> list[int]:
    # A rewrite is a new file renamed over the old one: a new inode, whatever the clock says.
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino]


def unchanged(root: Path, name: str, digest: str) -> list[Path] | None:
    """The files recorded as ``name``'s, made from ``digest``, if each is still as written."""
    record = _record(root, name)
    try:
        held = json.loads(record.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if held.get("digest") != digest:
        return None
    paths = [Path(root) / relative for relative in held["files"]]
    try:
        if any(_stamp(p) != stamp for p, stamp in zip(paths, held["files"].values(), strict=True)):
            return None
    except FileNotFoundError:
        return None
    return paths


def record(root: Path, name: str, digest: str, paths: Iterable[Path]) -> None:
    """Note that ``paths`` (under ``root``), just written, were made from ``digest``."""
    files = {p.relative_to(root).as_posix(): _stamp(p) for p in paths}
    text = json.dumps({"digest": digest, "files": files}, indent=1) + "\n"
    atomic_write_bytes(_record(root, name), text.encode("utf-8"))
