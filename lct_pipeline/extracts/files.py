"""Writing an extract folder so that a half-written folder never looks complete.

Every file is written atomically (``lct_pipeline.files``): a reader sees the old
file or the new one, never half of one. ``manifest.json``
is moved aside first (to ``.manifest.previous.json``, which says what the folder held
while it is rewritten) and written last: a folder is complete exactly when it has a
manifest, and the manifest lists every file with its sha256.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from lct_pipeline.faults import checkpoint
from lct_pipeline.files import atomic_write_bytes, fsync_dir, sha256_hex

MANIFEST = "manifest.json"
PREVIOUS_MANIFEST = ".manifest.previous.json"  # the manifest of a folder being rewritten


def write_extract_folder(
    folder: Path, files: Mapping[str, bytes], manifest: Mapping[str, object], *, prefix: str
) -> list[Path]:
    """Write ``files`` (name -> bytes) into ``folder``, then ``manifest.json`` listing them.

    Files named ``prefix*`` that an earlier build left and this one does not
    write are removed, so the folder holds exactly what its manifest lists.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / MANIFEST).exists():  # a rewrite cut short leaves the first one aside
        os.replace(folder / MANIFEST, folder / PREVIOUS_MANIFEST)
    fsync_dir(folder)
    written = []
    for name, data in files.items():
        atomic_write_bytes(folder / name, data)
        written.append(folder / name)
        checkpoint("extracts.file")
    for stale in folder.glob(f"{prefix}*"):
        if stale.name not in files and stale.is_file():
            stale.unlink()
    listed = {
        **manifest,
        "files": [
            {"name": name, "sha256": sha256_hex(data), "bytes": len(data)}
            for name, data in files.items()
        ],
    }
    text = json.dumps(listed, indent=2, ensure_ascii=False, default=str) + "\n"
    atomic_write_bytes(folder / MANIFEST, text.encode("utf-8"))
    (folder / PREVIOUS_MANIFEST).unlink(missing_ok=True)
    return [*written, folder / MANIFEST]
