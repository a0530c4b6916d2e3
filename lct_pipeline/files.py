"""Files written whole or not at all: a reader sees the old file or the new one, never half.

A file is written to a temporary name in the folder it goes to, flushed to disk and
renamed to its final name (a rename within one file system is atomic); on any failure
the temporary file is removed and the final name is left as it was. The extract and
feedback folders, the Data Docs, the templates and the archive of submissions all
write through ``atomic_write_bytes`` (or, for bytes streamed in, ``atomic_write``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(
    folder: Path, write: Callable[[BinaryIO], Path], *, prefix: str = ".part-", suffix: str = ""
) -> Path:
    """A new file written by ``write`` into a temporary file in ``folder``, then flushed
    to disk and renamed to the path ``write`` returns (its folder made if need be): for
    a file whose name is known only once its bytes are (the archive's sha256). On any
    failure nothing is left of it."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            target = write(out)
            out.flush()
            os.fsync(out.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; on any failure ``path`` is left as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)

    def write(out: BinaryIO) -> Path:
        out.write(data)
        return path

    atomic_write(path.parent, write, prefix=f".{path.name}.", suffix=".tmp")
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Make the renames in ``folder`` durable; not possible (nor needed) on Windows."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
