"""The bundled sample network: files under ``data/sample/inbox`` and the time each was received.

Git does not keep modification times, and the received time is what decides
timeliness (SPEC §7), so the sample records them in ``received.csv`` and this
module sets them when it copies the files into an inbox.
"""

from __future__ import annotations

import csv
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from lct_pipeline.settings import SAMPLE_DIR


def install_sample(target: Path, sample_dir: Path = SAMPLE_DIR) -> int:
    """Copy the sample files missing from ``target``; returns how many were copied."""
    copied = 0
    with (sample_dir / "received.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            source = sample_dir / "inbox" / row["file"]
            destination = target / row["file"]
            if destination.exists():
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
            received = datetime.fromisoformat(row["received_at"]).replace(tzinfo=UTC).timestamp()
            os.utime(destination, (received, received))
            copied += 1
    return copied
