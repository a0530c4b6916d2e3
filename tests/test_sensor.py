"""The inbox sensor as the daemon evaluates it: files dropped, changed and removed between ticks."""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from lct_pipeline import periods
from lct_pipeline.inbox import load_cursor
from lct_pipeline.sample import install_sample
from lct_pipeline.settings import SAMPLE_DIR
from resources import build_resources
from schedules.inbox_sensor import inbox_sensor

HEADER = "org_code,period,data_element,value\n"


def put(inbox: Path, name: str, content: str | bytes, received: str = "2013-04-18T10:00") -> Path:
    """Drop a file into the inbox as received at ``received`` (its modification time)."""
    path = inbox / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    stamp = datetime.fromisoformat(received).replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def tick(cursor: str | None = None):
    """One evaluation of the sensor as the daemon does it, on the workspace's settings."""
    from lct_pipeline.definitions import defs

    with dg.build_sensor_context(
        cursor=cursor, definitions=defs, resources=build_resources()
    ) as context:
        return inbox_sensor.evaluate_tick(context)


def runs(result) -> dict[str, dg.RunRequest]:
    return {request.partition_key: request for request in result.run_requests}


def test_a_new_file_starts_a_run_of_its_quarter(workspace):
    path = put(workspace.inbox, "2013Q1/cso01.csv", HEADER + "CSO01,2013Q1,NETWORK_MEETINGS,2\n")

    result = tick()

    [request] = result.run_requests
    assert inbox_sensor.job_name == "quarterly_pipeline"
    assert request.partition_key == "2013Q1"
    assert request.tags["lct/quarter"] == "2013Q1"
    assert request.tags["lct/trigger"] == "inbox"
    assert request.tags["lct/files"] == "2013Q1/cso01.csv"
    seen = json.loads(result.cursor)["files"]["2013Q1/cso01.csv"]
    assert seen["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert seen["mtime"] == path.stat().st_mtime


def test_personal_data_in_a_file_name_never_reaches_the_tags_the_log_or_the_cursor(workspace):
    # Two files named after people, told apart only by what is removed: both start the run.
    put(
        workspace.inbox,
        "2013Q1/cso01 Ana 0641234567.csv",
        HEADER + "CSO01,2013Q1,NETWORK_MEETINGS,2\n",
    )
    put(
        workspace.inbox,
        "2013Q1/cso01 Ana 0659876543.csv",
        HEADER + "CSO01,2013Q1,NETWORK_MEETINGS,3\n",
    )

    result = tick()

    [request] = result.run_requests
    shown = "2013Q1/cso01 Ana [removed: phone].csv"
    assert request.tags["lct/files"] == f"{shown}, {shown} (2)"
    assert sorted(json.loads(result.cursor)["files"]) == [shown, f"{shown} (2)"]
    assert "0641234567" not in str(result) and "0659876543" not in str(result)
    assert tick(result.cursor).run_requests == []


def test_an_unchanged_inbox_starts_nothing(workspace):
    put(workspace.inbox, "2013Q1/cso01.csv", HEADER + "CSO01,2013Q1,NETWORK_MEETINGS,2\n")
    first = tick()

    second = tick(first.cursor)

    assert second.run_requests == []
    assert second.skip_message == "No new or changed submissions."
    assert load_cursor(second.cursor) == load_cursor(first.cursor)


def test_the_same_contents_never_start_a_second_run(workspace):
    content = HEADER + "CSO01,2013Q1,NETWORK_MEETINGS,2\n"
    path = put(workspace.inbox, "2013Q1/cso01.csv", content)
    first = tick()
    # Saved again unchanged (a new modification time), and copied under another name.
    put(workspace.inbox, "2013Q1/cso01.csv", content, received="2013-04-20T09:00")
    put(workspace.inbox, "copies/cso01 (1).csv", content)

    second = tick(first.cursor)

    assert second.run_requests == []
    assert load_cursor(second.cursor)["2013Q1/cso01.csv"].mtime == path.stat().st_mtime
    assert "copies/cso01 (1).csv" in load_cursor(second.cursor)


def test_a_changed_file_starts_a_new_run(workspace):
    put(workspace.inbox, "2013Q1/cso01.csv", HEADER + "CSO01,2013Q1,NETWORK_MEETINGS,2\n")
    first = tick()
    put(
        workspace.inbox,
        "2013Q1/cso01.csv",
        HEADER + "CSO01,2013Q1,NETWORK_MEETINGS,3\n",
        received="2013-04-25T08:00",
    )

    second = tick(first.cursor)

    [request] = second.run_requests
    assert request.partition_key == "2013Q1"
    assert request.run_key != first.run_requests[0].run_key


def test_a_deleted_file_starts_nothing_and_is_forgotten(workspace):
    kept = put(workspace.inbox, "2013Q1/cso01.csv", HEADER + "CSO01,2013Q1,NETWORK_MEETINGS,2\n")
    gone = put(workspace.inbox, "2013Q1/cso02.csv", HEADER + "CSO02,2013Q1,NETWORK_MEETINGS,1\n")
    first = tick()
    gone.unlink()

    second = tick(first.cursor)

    assert second.run_requests == []
    assert set(load_cursor(second.cursor)) == {kept.relative_to(workspace.inbox).as_posix()}


@pytest.mark.parametrize(
    ("name", "content", "quarter"),
    [
        ("2013Q2/broken.csv", b"\x00\x01\x02binary\x00" * 50, "2013Q2"),  # its folder's
        ("broken.xlsx", b"not a workbook", "2013Q3"),  # no folder: the quarter received in
        ("2013Q2/no_periods.csv", HEADER + "CSO01,spring,NETWORK_MEETINGS,2\n", "2013Q2"),
        ("mail/no_periods.csv", HEADER + "CSO01,spring,NETWORK_MEETINGS,2\n", "2013Q3"),
        # Rejected whole (personal data): reported by the quarter its rows are for.
        ("2013Q2/names.csv", "org_code,period,data_element,value,ime\nCSO01,2013Q1,X,1,Ana\n",
         "2013Q1"),
    ],
)  # fmt: skip
def test_a_file_whose_periods_cannot_be_used_touches_the_quarter_its_folder_or_receipt_says(
    workspace, name, content, quarter
):
    put(workspace.inbox, name, content, received="2013-08-10T08:00")

    [request] = tick().run_requests

    assert request.tags["lct/quarter"] == quarter
    assert request.partition_key == quarter


def test_a_file_touching_two_quarters_starts_a_run_of_each(workspace):
    put(
        workspace.inbox,
        "late/cso03.csv",
        HEADER
        + "CSO03,2012Q4,NETWORK_MEETINGS,1\n"
        + "CSO03,Q1/2013,NETWORK_MEETINGS,2\n"
        # Neither a future quarter nor an unreadable one adds a run: those rows are
        # reported with the file's other rows.
        + "CSO03,2015Q1,NETWORK_MEETINGS,2\n"
        + "CSO03,sometime,NETWORK_MEETINGS,2\n",
    )

    result = tick()

    assert sorted(runs(result)) == ["2012Q4", "2013Q1"]
    assert {r.tags["lct/quarter"] for r in result.run_requests} == {"2012Q4", "2013Q1"}
    assert len({r.run_key for r in result.run_requests}) == 2


def test_files_of_one_quarter_dropped_together_start_one_run(workspace):
    put(workspace.inbox, "2013Q1/cso01.csv", HEADER + "CSO01,2013Q1,NETWORK_MEETINGS,2\n")
    put(workspace.inbox, "2013Q1/cso02.csv", HEADER + "CSO02,2013Q1,NETWORK_MEETINGS,1\n")

    [request] = tick().run_requests

    assert request.tags["lct/files"] == "2013Q1/cso01.csv, 2013Q1/cso02.csv"


def test_files_that_are_not_submissions_are_ignored(workspace):
    put(workspace.inbox, "notes.txt", "call CSO04 about Q1")
    put(workspace.inbox, ".sync/cso01.csv", HEADER + "CSO01,2013Q1,NETWORK_MEETINGS,2\n")
    put(workspace.inbox, "2013Q1/~$cso05.xlsx", b"lock")

    result = tick()

    assert result.run_requests == []
    assert load_cursor(result.cursor) == {}


def test_a_file_still_being_copied_waits_for_a_later_tick(workspace):
    path = workspace.inbox / "2013Q1" / "cso01.csv"
    path.parent.mkdir(parents=True)
    path.write_text(HEADER + "CSO01,2013Q1,NETWORK_MEETINGS,2\n")  # modified just now
    first = tick()
    assert first.run_requests == []
    assert load_cursor(first.cursor) == {}

    past = time.time() - 3600
    os.utime(path, (past, past))
    [request] = tick(first.cursor).run_requests

    assert request.partition_key == "2013Q1"


def test_the_cursor_round_trip_keeps_run_keys_stable(workspace):
    put(workspace.inbox, "2013Q1/cso01.csv", HEADER + "CSO01,2013Q1,NETWORK_MEETINGS,2\n")
    first = tick()
    remembered = load_cursor(first.cursor)
    assert list(remembered) == ["2013Q1/cso01.csv"]
    assert json.loads(first.cursor)["version"] == 1

    # A lost or unreadable cursor sees every file as new, but asks for the same run
    # keys, which Dagster does not launch twice.
    for cursor in (None, "", "not json", '{"version": 99}'):
        again = tick(cursor)
        assert [r.run_key for r in again.run_requests] == [r.run_key for r in first.run_requests]


def test_the_bundled_sample_starts_one_run_per_quarter(workspace):
    install_sample(workspace.inbox)
    folders = {p.name for p in (SAMPLE_DIR / "inbox").iterdir() if p.is_dir()}

    result = tick()

    quarters = [r.tags["lct/quarter"] for r in result.run_requests]
    assert len(quarters) == len(set(quarters))
    assert folders <= set(quarters)
    files = sorted(p.relative_to(workspace.inbox).as_posix() for p in workspace.inbox.rglob("*.*"))
    assert sorted(load_cursor(result.cursor)) == files
    assert tick(result.cursor).run_requests == []


def _ingest_and_validate(workspace, quarters: list[str]) -> None:
    """What earlier runs left in the warehouse: the inbox ingested, ``quarters`` validated."""
    from lct_pipeline.ingestion import ingest_inbox
    from lct_pipeline.reference import load_reference
    from lct_pipeline.validation import validate_quarter
    from lct_pipeline.warehouse.engine import get_engine
    from lct_pipeline.warehouse.schema import ensure_schema

    engine = get_engine(workspace.warehouse_url)
    ensure_schema(engine)
    today = datetime(2014, 3, 1).date()
    ingest_inbox(workspace.inbox, workspace.archive, engine, today)
    for quarter in quarters:
        validate_quarter(engine, load_reference(workspace.reference_dir), quarter, "2014Q1")


def test_a_first_tick_beside_a_filled_warehouse_runs_only_what_it_has_not_validated(workspace):
    # A new Dagster instance (no cursor) beside a warehouse that `make run` filled.
    put(workspace.inbox, "2013Q1/cso01.csv", HEADER + "CSO01,2013Q1,NETWORK_MEETINGS,2\n")
    put(
        workspace.inbox,
        "late/cso03.csv",
        HEADER + "CSO03,2012Q4,NETWORK_MEETINGS,1\nCSO03,2013Q1,NETWORK_MEETINGS,2\n",
    )
    _ingest_and_validate(workspace, ["2012Q4", "2013Q1"])

    first = tick()

    assert first.run_requests == []
    assert sorted(load_cursor(first.cursor)) == ["2013Q1/cso01.csv", "late/cso03.csv"]

    # A file new to the warehouse still starts its quarter's run at the next tick.
    put(workspace.inbox, "2013Q2/cso02.csv", HEADER + "CSO02,2013Q2,NETWORK_MEETINGS,4\n")
    [request] = tick(first.cursor).run_requests
    assert request.partition_key == "2013Q2"
    assert request.tags["lct/files"] == "2013Q2/cso02.csv"


def test_a_file_ingested_but_not_yet_validated_in_one_of_its_quarters_runs_that_quarter(
    workspace,
):
    put(
        workspace.inbox,
        "late/cso03.csv",
        HEADER + "CSO03,2012Q4,NETWORK_MEETINGS,1\nCSO03,2013Q1,NETWORK_MEETINGS,2\n",
    )
    # The run of 2012Q4 ingested the whole inbox; 2013Q1's run has not happened yet.
    _ingest_and_validate(workspace, ["2012Q4"])

    [request] = tick().run_requests

    assert request.partition_key == "2013Q1"
    assert request.tags["lct/files"] == "late/cso03.csv"


def test_a_quarter_the_code_location_does_not_know_yet_waits_for_a_reload(workspace, monkeypatch):
    from assets.partitions import quarterly_partitions

    last = quarterly_partitions.get_partition_keys()[-1]
    # The sensor's today is in the quarter after the last one the location loaded.
    later = periods.shift(last, 1)
    start = periods.quarter_start(later)
    monkeypatch.setenv("LCT_TODAY", (start + timedelta(days=20)).isoformat())
    put(workspace.inbox, "a.csv", HEADER + "CSO01,2013Q1,NETWORK_MEETINGS,2\n")
    put(
        workspace.inbox,
        "late.csv",
        HEADER + f"CSO01,{later},NETWORK_MEETINGS,2\n",
        received="2026-11-02T10:00",  # in the past of the clock, or it would be settling
    )

    result = tick()

    # The known quarter runs; the new one is not requested and stays out of the cursor,
    # so the next tick after a reload starts it.
    assert sorted(runs(result)) == ["2013Q1"]
    assert sorted(load_cursor(result.cursor)) == ["a.csv"]
