"""The README's walkthrough of the Dagster UI (``make ui``), clicked in a real browser
(Debian's Chromium) exactly as the README says.

Two sample files are in the inbox before ``make ui`` starts, so its daemon's inbox
sensor runs their quarters. Then the data officer runs one quarter from the job's
"Materialize all" dialog, opens the quarter's check results and the table of its
rejected rows, launches a backfill of "All" quarters (every quarter with data), and
finds the sensors and the schedule. Screenshots are saved under ``tests/artifacts/``
(git-ignored) for a person to look at.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import live
import pytest

from lct_pipeline.settings import SAMPLE_DIR
from schedules.jobs import REFRESH_TAG

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
# One file of each of the sample's first two quarters; 2013Q1/cso05.csv has a row with
# an empty value (MISSING_VALUE), which the rejected-rows table must show.
DROPPED = ("2012Q4/cso01.csv", "2013Q1/cso05.csv")
# The UI runs as if it were mid-May 2013: its quarters are 2012Q4 to 2013Q2, the last one
# without data (a backfill of "All" shows how such a quarter ends).
TODAY = "2013-05-15"
QUARTERS = ("2012Q4", "2013Q1", "2013Q2")

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )

pytestmark = pytest.mark.slow


def _drop_sample_files(inbox: Path) -> tuple[str, ...]:
    """``DROPPED`` from the bundled sample, as they were received."""
    with (SAMPLE_DIR / "received.csv").open(encoding="utf-8", newline="") as handle:
        received = {row["file"]: row["received_at"] for row in csv.DictReader(handle)}
    for name in DROPPED:
        target = inbox / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLE_DIR / "inbox" / name, target)
        stamp = datetime.fromisoformat(received[name]).replace(tzinfo=UTC).timestamp()
        os.utime(target, (stamp, stamp))
    return DROPPED


@pytest.fixture
def dropped(workspace) -> tuple[str, ...]:
    """The files the data officer put into the inbox before starting the UI."""
    return _drop_sample_files(workspace.inbox)


@pytest.fixture
def ui(workspace, dropped, tmp_path, monkeypatch) -> Iterator[live.Live]:
    monkeypatch.setenv("LCT_TODAY", TODAY)
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


def _runs(ui: live.Live, **tags: str) -> list[dict]:
    """The runs with these tags (``lct__trigger`` is ``lct/trigger``), with what they made."""
    pairs = [{"key": k.replace("__", "/"), "value": v} for k, v in tags.items()]
    query = """query Runs($tags: [ExecutionTag!]) { runsOrError(filter: {tags: $tags}) {
        ... on Runs { results { runId status tags { key value }
                                assetMaterializations { assetKey { path } } } } } }"""
    return ui.graphql(query, {"tags": pairs})["runsOrError"]["results"]


def _finished(runs: list[dict], count: int) -> list[dict] | None:
    done = len(runs) == count and all(
        r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs
    )
    return runs if done else None


def _tags(run: dict) -> dict[str, str]:
    return {tag["key"]: tag["value"] for tag in run["tags"]}


def _materialized(run: dict) -> set[str]:
    return {"/".join(m["assetKey"]["path"]) for m in run["assetMaterializations"]}


def test_the_readme_walkthrough_in_the_browser(ui, page, dropped):
    from playwright.sync_api import expect

    # make ui gave the instance the project's configuration (the warehouse pool's limit).
    assert (ui.home / "dagster.yaml").read_text() == live.INSTANCE_TEMPLATE.read_text()
    ARTIFACTS.mkdir(exist_ok=True)

    # README "Drop files in the inbox": the sensor runs each quarter the files report.
    sensed = ui.wait_for(
        "the runs the inbox sensor starts",
        lambda: _finished(_runs(ui, lct__trigger="inbox"), len(DROPPED)),
        300,
    )
    assert sorted(_tags(r)["dagster/partition"] for r in sensed) == ["2012Q4", "2013Q1"]
    assert {r["status"] for r in sensed} == {"SUCCESS"}, sensed
    groups = {n["groupName"] for n in ui.graphql("{ assetNodes { groupName } }")["assetNodes"]}
    assert "ingestion" in groups and groups <= set(STAGES), groups

    # README "Run one quarter": Jobs → quarterly_pipeline → Materialize all → the quarter
    # → Launch run.
    page.goto(f"{ui.url}/jobs")
    page.get_by_role("link").filter(has_text="quarterly_pipeline").first.click()
    page.get_by_role("button", name="Materialize all…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Select a partition or create one").click()
    page.locator("label", has_text="2013Q1").first.click()
    page.keyboard.press("Escape")
    expect(dialog.get_by_text("1 partition", exact=True)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "launch_one_quarter.png"))
    dialog.get_by_role("button", name="Launch 1 run").click()
    [manual] = ui.wait_for(
        "the run of 2013Q1 launched from the UI",
        lambda: _finished(
            [r for r in _runs(ui, dagster__partition="2013Q1") if "lct/trigger" not in _tags(r)],
            1,
        ),
        300,
    )
    assert manual["status"] == "SUCCESS", manual
    assert _tags(manual)["lct/quarter"] == "2013Q1"

    # README "See what to act on in a quarter": Assets → validated_submissions → Checks.
    page.goto(f"{ui.url}/assets/validated_submissions?view=checks")
    page.get_by_text("values_expectations", exact=True).first.click()
    # The rerun rejected nothing new: the check passed, and names its quarter.
    # The pane loads the latest execution after the list; on a loaded machine (CI's two
    # cores, a sensor's run going on) that takes longer than expect's 5 s.
    expect(
        page.get_by_text("Nothing new to act on: 1 values row rejected, known before")
    ).to_be_visible(timeout=30_000)
    expect(page.get_by_text("2013Q1", exact=True).first).to_be_visible()
    page.get_by_text("[Show Markdown]").nth(1).click()  # by_reason, then rejected_rows
    table = page.get_by_role("dialog")
    expect(table).to_contain_text("rejected_rows")
    expect(table).to_contain_text("2013Q1/cso05.csv")
    expect(table).to_contain_text("MISSING_VALUE")
    page.screenshot(path=str(ARTIFACTS / "rejected_rows_2013Q1.png"))
    table.get_by_role("button", name="Close").click()

    # One result per check and run, each with its quarter: no "Skipped" twin, no
    # "Partition —" beside it.
    executions = ui.graphql(
        """{ assetCheckExecutions(assetKey: {path: ["validated_submissions"]},
                                  checkName: "values_expectations", limit: 50) {
               runId status partition } }"""
    )["assetCheckExecutions"]
    # The runs that validated: the sensor's two, the one launched above, and a refresh of
    # 2013Q1 when the sensor's 2013Q1 was validated before 2012Q4 was stored (the two run
    # side by side; OUTLIER reads the quarter before).
    validating = [r for r in _runs(ui) if "validated_submissions" in _materialized(r)]
    validated = {r["runId"]: _tags(r)["dagster/partition"] for r in validating}
    expected = {r["runId"] for r in sensed} | {manual["runId"]}
    refreshes = [r for r in validating if r["runId"] not in expected]
    assert expected <= set(validated), (expected, validated)
    assert [(_tags(r)["dagster/partition"], _tags(r).get(REFRESH_TAG)) for r in refreshes] in (
        [],
        [("2013Q1", "2012Q4")],
    ), refreshes
    runs_checked = [e["runId"] for e in executions]
    assert sorted(runs_checked) == sorted(validated), (executions, validated)
    assert {e["status"] for e in executions} <= {"SUCCEEDED", "FAILED"}, executions
    assert {e["runId"]: e["partition"] for e in executions} == validated

    # README "Run every quarter with data": Materialize all → All → Launch backfill.
    page.goto(f"{ui.url}/jobs")
    page.get_by_role("link").filter(has_text="quarterly_pipeline").first.click()
    page.get_by_role("button", name="Materialize all…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="All", exact=True).click()
    expect(dialog.get_by_text(f"{len(QUARTERS)} partitions", exact=True)).to_be_visible()
    dialog.get_by_role("button", name="Launch backfill").click()
    backfill = ui.wait_for(
        "the backfill's runs",
        lambda: _finished([r for r in _runs(ui) if "dagster/backfill" in _tags(r)], len(QUARTERS)),
        600,
    )
    by_quarter = {_tags(r)["dagster/partition"]: r for r in backfill}
    assert sorted(by_quarter) == sorted(QUARTERS)
    assert {r["status"] for r in backfill} == {"SUCCESS"}, backfill
    # The quarters with data ran whole; the later ones ended after ingestion.
    for quarter, run in by_quarter.items():
        if quarter in ("2012Q4", "2013Q1"):
            assert {"raw_submissions", "public_extracts"} <= _materialized(run), quarter
        else:
            assert _materialized(run) == set(), quarter

    # README "The sensors and the schedule": Automation lists them, all running.
    page.goto(f"{ui.url}/automation")
    for name in ("inbox_sensor", "freshness_sensor", "quarterly_schedule"):
        expect(page.get_by_text(name, exact=True).first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "automation.png"))
    states = ui.graphql(
        """{ repositoryOrError(repositorySelector: {repositoryLocationName: "lct",
                                                    repositoryName: "__repository__"}) {
               ... on Repository { sensors { name sensorState { status } }
                                   schedules { name scheduleState { status } } } } }"""
    )["repositoryOrError"]
    running = {s["name"]: s["sensorState"]["status"] for s in states["sensors"]} | {
        s["name"]: s["scheduleState"]["status"] for s in states["schedules"]
    }
    assert running == {
        "inbox_sensor": "RUNNING",
        "freshness_sensor": "RUNNING",
        "quarterly_schedule": "RUNNING",
    }
