"""The HTML report as a person sees it: rendered by headless Chromium into a PNG.

Skipped only on a machine without Chromium outside CI; with CI set it must run.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from test_extracts_scenario import RUN, full_inputs

from lct_pipeline.extracts import quarter_scope, render_extract

CHROMIUM = Path("/usr/bin/chromium")
NAVY = (31, 56, 100)  # the header band, #1f3864
GREEN_PILL = (198, 239, 206)  # a GREEN status in the RAG table, #c6efce
MISSING = (255, 199, 206)  # a missing report in the heat map, #ffc7ce

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install chromium); CI runs this test",
)


def test_the_report_renders_with_header_rag_colours_and_charts(reference, tmp_path):
    extract = render_extract(full_inputs(reference), quarter_scope("2013Q4"), reference, RUN)
    page = tmp_path / "lct_2013Q4_report.html"
    page.write_bytes(extract.files["lct_2013Q4_report.html"])
    png = tmp_path / "report.png"
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}",
        "--window-size=1280,2400", page.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    image = Image.open(png).convert("RGB")
    assert image.size == (1280, 2400)
    assert image.getpixel((20, 20)) == NAVY
    colours = image.getcolors(maxcolors=1 << 20)
    counts = {rgb: n for n, rgb in colours}
    assert counts.get(GREEN_PILL, 0) > 500  # several GREEN pills
    assert counts.get(MISSING, 0) > 500  # CSO01's missing 2013Q4 report
    assert len(colours) > 1000  # charts and text, not a blank or unstyled page
