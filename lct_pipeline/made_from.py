"""Files left as written when what they are made from has not changed.

A quarter run again with nothing new (the schedule, a data officer's second click,
a refresh after a change its files do not show) would render every workbook, CSV
and report again, byte for byte the same but for the run's id and time. Instead a
writer records, after its files, for each file a digest of everything it made it
from and the sha256 of the bytes it wrote; the next time, a file whose digest is the
same and which still holds those bytes is left as it is. Any other write to it (a
rebuild by another quarter's run, a crash half-way, a hand edit) and it is made
again. The hashes are of what this writer wrote, never read back from the disk, where
another run may have put its own meanwhile.

The records live in ``<extracts>/.made_from/``: never published, never sent to a CSO.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from lct_pipeline.files import atomic_write_bytes, sha256_hex

FOLDER = ".made_from"


def charts_folder(root: Path, name: str) -> Path:
    """Where the report of extract ``name`` keeps its charts (``charts.ChartCache``)."""
    return Path(root) / FOLDER / "charts" / name


def _record(root: Path, name: str) -> Path:
    return Path(root) / FOLDER / f"{name}.json"


def _held(root: Path, name: str) -> dict[Path, tuple[str, str | None]]:
    """What ``name``'s record says: path -> (made from, sha256 of the bytes written)."""
    try:
        files = json.loads(_record(root, name).read_text(encoding="utf-8"))["files"]
        return {Path(root) / rel: (str(made), sha) for rel, (made, sha) in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # none, cut short or edited by hand: everything is made again


def _intact(path: Path, sha: str | None) -> bool:
    """``path`` holds the bytes whose sha256 is ``sha`` (None: it need only be there)."""
    try:
        return path.is_file() if sha is None else sha256_hex(path.read_bytes()) == sha
    except OSError:
        return False


def kept(root: Path, name: str, wanted: Mapping[Path, str]) -> dict[Path, str | None]:
    """Of ``wanted`` (path -> the digest of what it would be made from now), the files
    recorded under ``name`` as made from that digest and still as written, with their
    sha256."""
    return _kept(_held(root, name), wanted)


def _kept(
    held: Mapping[Path, tuple[str, str | None]], wanted: Mapping[Path, str]
) -> dict[Path, str | None]:
    return {
        path: held[path][1]
        for path, made in wanted.items()
        if path in held and held[path][0] == made and _intact(path, held[path][1])
    }


def unchanged(root: Path, name: str, digest: str) -> list[Path] | None:
    """The files recorded under ``name``, if every one was made from ``digest`` and is
    still as written; else None."""
    held = _held(root, name)  # read once: the files it names are the ones checked
    if not held or _kept(held, dict.fromkeys(held, digest)).keys() != held.keys():
        return None
    return list(held)


def record(root: Path, name: str, files: Mapping[Path, tuple[str, str | None]]) -> None:
    """Note that the files of ``files`` (under ``root``: path -> (the digest of what it
    was made from, the sha256 of the bytes written there or None)) are ``name``'s now."""
    entries = {
        path.relative_to(root).as_posix(): [made, sha] for path, (made, sha) in files.items()
    }
    text = json.dumps({"files": entries}, indent=1) + "\n"
    atomic_write_bytes(_record(root, name), text.encode("utf-8"))


def written(digest: str, files: Mapping[Path, bytes | None]) -> dict[Path, tuple[str, str | None]]:
    """``record``'s entries for ``files`` (path -> the bytes written, None for a file that
    need only be there), all made from ``digest``."""
    return {
        path: (digest, None if data is None else sha256_hex(data)) for path, data in files.items()
    }
