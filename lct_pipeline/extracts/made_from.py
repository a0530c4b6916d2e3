"""Files left as written when what they are made from has not changed.

A quarter run again with nothing new (the schedule, a data officer's second click,
a refresh after a change its files do not show) would render every workbook, CSV
and report again, byte for byte the same but for the run's id and time. Instead a
writer records, after its files, a digest of everything it made them from, with the
sha256 of the bytes it wrote to each; the next time it finds the same digest and every
file holding those bytes, it leaves them. Any other write to one of the files (a
rebuild by another quarter's run, a crash half-way, a hand edit) and they are made
again. The hashes are of what this writer wrote, never read back from the disk, where
another run may have put its own meanwhile.

The records live in ``<extracts>/.made_from/``: never published, never sent to a CSO.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from lct_pipeline.extracts.files import atomic_write_bytes, sha256_hex

FOLDER = ".made_from"


def _record(root: Path, name: str) -> Path:
    return Path(root) / FOLDER / f"{name}.json"


def unchanged(root: Path, name: str, digest: str) -> list[Path] | None:
    """The files recorded as ``name``'s, made from ``digest``, if each still holds what was
    written (a file recorded without a hash: if it is there)."""
    try:
        held = json.loads(_record(root, name).read_text(encoding="utf-8"))
        if held["digest"] != digest:
            return None
        files = {Path(root) / relative: sha for relative, sha in held["files"].items()}
        for path, sha in files.items():
            if sha is None and not path.is_file():
                return None
            if sha is not None and sha256_hex(path.read_bytes()) != sha:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # none, cut short or edited by hand: made again
    return list(files)


def record(root: Path, name: str, digest: str, written: Mapping[Path, bytes | None]) -> None:
    """Note that the files of ``written`` (under ``root``: path -> the bytes this writer put
    there, None for one that need only be there) were made from ``digest``."""
    files = {
        path.relative_to(root).as_posix(): None if data is None else sha256_hex(data)
        for path, data in written.items()
    }
    text = json.dumps({"digest": digest, "files": files}, indent=1) + "\n"
    atomic_write_bytes(_record(root, name), text.encode("utf-8"))
