"""The UI a data officer opens with ``make ui``, seen through a real browser (Debian's Chromium).

A submission is dropped into the inbox before ``make ui`` starts: its daemon's inbox
sensor starts the run of the file's quarter, and the browser then finds the stages of
the asset graph and that quarter on the partitions page. Screenshots are saved under
``tests/artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import live
import pytest

from lct_pipeline.inbox import quarters_touched
from lct_pipeline.settings import SAMPLE_DIR

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = live.ROOT / "tests" / "artifacts"
STAGES = ("ingestion", "validation", "warehouse", "indicators", "extracts", "templates")
VISIBLE_TIMEOUT = 60_000  # ms: the first page load builds the whole asset graph
# Headless in a container: no sandbox (root), no GPU, and nothing that goes online.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )

pytestmark = pytest.mark.slow


def _drop_one_sample_file(inbox: Path) -> str:
    """The first sample file of 2013Q1 that reports only 2013Q1, as it was received."""
    today = date.fromisoformat(os.environ["LCT_TODAY"])
    with (SAMPLE_DIR / "received.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            source = SAMPLE_DIR / "inbox" / row["file"]
            received = datetime.fromisoformat(row["received_at"])
            quarters = quarters_touched(source.read_bytes(), source.suffix, received, today)
            if row["file"].startswith("2013Q1/") and quarters == ["2013Q1"]:
                break
        else:
            raise AssertionError("the sample has no file of 2013Q1 alone")
    target = inbox / row["file"]
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    stamp = received.replace(tzinfo=UTC).timestamp()
    os.utime(target, (stamp, stamp))
    return row["file"]


@pytest.fixture
def dropped(workspace) -> str:
    """A file the data officer put into the inbox before starting the UI."""
    return _drop_one_sample_file(workspace.inbox)


@pytest.fixture
def ui(workspace, dropped, tmp_path) -> Iterator[live.Live]:
    with live.make_ui(Path(os.environ["DAGSTER_HOME"]), tmp_path / "logs") as server:
        yield server


@pytest.fixture
def page(ui):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(VISIBLE_TIMEOUT)
            yield page
        finally:
            browser.close()


def _sensor_runs(ui: live.Live) -> list[dict] | None:
    runs = ui.graphql(
        """{ runsOrError(filter: {tags: [{key: "lct/trigger", value: "inbox"}]}) {
               ... on Runs { results { runId status tags { key value } } } } }"""
    )["runsOrError"]["results"]
    done = runs and all(r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs)
    return runs if done else None


def test_a_data_officer_sees_the_stages_and_the_quarter_a_new_file_started(ui, page, dropped):
    from playwright.sync_api import expect

    # make ui gave the instance the project's configuration (the warehouse pool's limit).
    assert (ui.home / "dagster.yaml").read_text() == live.INSTANCE_TEMPLATE.read_text()
    [run] = ui.wait_for("the run the inbox sensor starts", lambda: _sensor_runs(ui), 300)
    tags = {tag["key"]: tag["value"] for tag in run["tags"]}
    assert run["status"] == "SUCCESS", run
    assert tags["lct/quarter"] == "2013Q1"
    assert tags["dagster/partition"] == "2013Q1"
    assert tags["lct/files"] == dropped
    groups = {
        node["groupName"] for node in ui.graphql("{ assetNodes { groupName } }")["assetNodes"]
    }
    assert "ingestion" in groups and groups <= set(STAGES), groups
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(f"{ui.url}/asset-groups")
    for group in sorted(groups):
        # In the sidebar's list of groups, and as a box of the graph.
        shown = page.get_by_text(group, exact=True).filter(visible=True)
        expect(shown).to_have_count(2, timeout=VISIBLE_TIMEOUT)
    page.screenshot(path=str(ARTIFACTS / "asset_graph.png"))

    page.goto(f"{ui.url}/assets/raw_submissions?view=partitions")
    selection = page.get_by_placeholder("ex: 2012Q4", exact=False)
    selection.fill("2013Q1")
    selection.press("Enter")
    expect(page.get_by_text("1 Partitions Selected")).to_be_visible()
    page.get_by_text("2013Q1", exact=True).filter(visible=True).first.click()
    # The partition's materialization names its quarter the way people write it.
    expect(page.get_by_text("2013Q1", exact=True).first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "raw_submissions_2013Q1.png"))
