"""The code digest that decides whether a result is left as it was (docs/architecture.md,
"Fresh figures") is the same in every process that runs the pipeline."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys


def test_the_code_digest_is_the_same_wherever_python_starts(tmp_path):
    """The CLI, a step process of `lct run --workers 2` and the UI's code server start in
    different folders. A folder on sys.path that holds this project's metadata again (the
    checkout's lct_pipeline.egg-info, when Python starts in the checkout) once made their
    digests differ: the first quarter run after a backfill judged, and wrote, its whole
    quarter again (validation, feedback, extracts: a 34.6 s run instead of 8.2 s at 300
    CSOs)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    checkout = tmp_path / "checkout"
    info = checkout / "lct_pipeline.egg-info"
    info.mkdir(parents=True)
    version = importlib.metadata.version("lct-pipeline")
    (info / "PKG-INFO").write_text(
        f"Metadata-Version: 2.1\nName: lct-pipeline\nVersion: {version}\n", encoding="utf-8"
    )
    code = "from lct_pipeline.freshness import code_digest; print(code_digest())"
    digests = [
        subprocess.run(
            [sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, check=True
        ).stdout.strip()
        for folder in (elsewhere, checkout)
    ]
    assert len(digests[0]) == 64
    assert digests[0] == digests[1]
