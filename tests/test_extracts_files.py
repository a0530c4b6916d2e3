"""Extract folders: file names, the manifest, and writes that never leave half a folder."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat

import openpyxl
import pandas as pd
import pytest
from test_extracts_scenario import RUN, hand_inputs

from lct_pipeline.extracts import (
    build_extract,
    files,
    quarter_scope,
    render_extract,
    render_public,
)
from lct_pipeline.extracts.files import MANIFEST, PREVIOUS_MANIFEST, write_extract_folder
from lct_pipeline.extracts.inputs import submission_quarters
from lct_pipeline.extracts.public_versions import publish
from lct_pipeline.files import atomic_write_bytes

TABLES = {
    "internal": [
        "changes",
        "completeness",
        "data_elements",
        "definitions",
        "indicators",
        "key_figures",
        "notes",
        "rejections",
        "rejections_by_cso",
        "summary",
        "warnings",
    ],
}
PUBLIC_TABLES = ["changes", "completeness", "data_elements", "definitions", "indicators",
                 "key_figures", "left_out", "notes", "summary"]  # fmt: skip


@pytest.fixture(scope="module")
def extract(reference):
    return render_extract(hand_inputs(reference), quarter_scope("2013Q1"), reference, RUN)


@pytest.fixture(scope="module")
def public(reference):
    return render_public(hand_inputs(reference), quarter_scope("2013Q1"), reference, RUN)


def test_files_are_named_by_period_audience_and_table(extract, tmp_path):
    result = write_extract_folder(
        tmp_path / "2013Q1", extract.files, extract.manifest, prefix="lct_2013Q1_"
    )
    expected = {"lct_2013Q1_internal.xlsx", "lct_2013Q1_report.html", MANIFEST}
    expected |= {f"lct_2013Q1_{a}_{t}.csv" for a, tables in TABLES.items() for t in tables}
    assert {p.name for p in (tmp_path / "2013Q1").iterdir()} == expected
    assert result[-1].name == MANIFEST


def test_the_public_folder_holds_only_public_files_and_names_no_cso_or_input(public, tmp_path):
    folder = tmp_path / "2013Q1" / "public"
    paths = publish(tmp_path, "2013Q1", public.files, public.manifest, public.values)
    expected = {"lct_2013Q1_public.xlsx", MANIFEST}
    expected |= {f"lct_2013Q1_public_{t}.csv" for t in PUBLIC_TABLES}
    assert {p.name for p in folder.iterdir()} == expected
    assert paths[-1].name == MANIFEST
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert "input_files" not in manifest
    assert (manifest["suppression_threshold"], manifest["min_contributors"]) == (5, 3)
    for path in folder.iterdir():
        data = path.read_bytes()
        text = data.decode("utf-8", errors="ignore") if path.suffix != ".xlsx" else ""
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path)
            text = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row)
        # no CSO code or name, no input file (2013Q1/cso01.csv, lista.xlsx), no rejection
        for forbidden in ("CSO0", "cso0", "2013Q1/", "lista", "Lokalna", "rejection"):
            assert forbidden not in text, (path.name, forbidden)


def test_manifest_lists_inputs_run_and_every_file_with_its_sha256(extract, tmp_path):
    folder = tmp_path / "2013Q1"
    write_extract_folder(folder, extract.files, extract.manifest, prefix="lct_2013Q1_")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert {k: manifest[k] for k in ("extract", "period_type", "quarters", "run_id",
                                     "code_version", "created_at")} == {
        "extract": "2013Q1", "period_type": "Q", "quarters": ["2013Q1"], "run_id": "run-0001",
        "code_version": "0.1.0", "created_at": "2014-02-01T06:00:00+01:00",
    }  # fmt: skip
    # The quarter's files, the one rejected whole included; not 2013Q2's resubmission.
    assert [(f["source_file"], f["sha256"][:3]) for f in manifest["input_files"]] == [
        ("2013Q1/cso01.csv", "aaa"), ("2013Q1/cso02.csv", "bbb"), ("2013Q1/cso03.xlsx", "ccc"),
        ("2013Q1/cso06.csv", "ddd"), ("2013Q1/lista.xlsx", "eee"),
    ]  # fmt: skip
    listed = {f["name"]: f for f in manifest["files"]}
    on_disk = {p.name for p in folder.iterdir()} - {MANIFEST}
    assert set(listed) == on_disk
    for name, entry in listed.items():
        data = (folder / name).read_bytes()
        assert (entry["sha256"], entry["bytes"]) == (hashlib.sha256(data).hexdigest(), len(data))


def test_manifest_is_written_last(extract, tmp_path, monkeypatch):
    order = []
    real = files.atomic_write_bytes

    def recording(path, data):
        order.append(path.name)
        real(path, data)

    monkeypatch.setattr(files, "atomic_write_bytes", recording)
    write_extract_folder(tmp_path, extract.files, extract.manifest, prefix="lct_2013Q1_")
    assert order[-1] == MANIFEST
    assert order[:-1] == list(extract.files)


def test_a_failure_mid_write_leaves_no_final_file_no_temp_file_and_no_manifest(
    extract, tmp_path, monkeypatch
):
    files_synced = []
    real_fsync = os.fsync

    def failing_fsync(fd):
        if stat.S_ISREG(os.fstat(fd).st_mode):  # a file's data, not its folder
            files_synced.append(fd)
            if len(files_synced) == 3:
                raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        write_extract_folder(tmp_path, extract.files, extract.manifest, prefix="lct_2013Q1_")
    names = list(extract.files)
    left = sorted(p.name for p in tmp_path.iterdir())
    # the first two files are complete; the failing one never got its final name
    assert left == sorted(names[:2])
    assert not (tmp_path / names[2]).exists()
    assert not (tmp_path / MANIFEST).exists()


def test_a_rebuild_that_fails_leaves_the_folder_without_a_manifest(
    reference, extract, tmp_path, monkeypatch
):
    build_extract(hand_inputs(reference), quarter_scope("2013Q1"), reference, tmp_path, RUN)
    folder = tmp_path / "2013Q1"
    before = (folder / "lct_2013Q1_internal.xlsx").read_bytes()
    assert (folder / MANIFEST).exists()

    def broken(path, data):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(files, "atomic_write_bytes", broken)
    with pytest.raises(OSError):
        write_extract_folder(folder, extract.files, extract.manifest, prefix="lct_2013Q1_")
    assert not (folder / MANIFEST).exists()  # no longer looks complete
    assert (folder / "lct_2013Q1_internal.xlsx").read_bytes() == before  # old file, whole


def test_atomic_write_keeps_the_old_content_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "a.csv"
    atomic_write_bytes(target, b"old")

    def no_rename(src, dst):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(files.os, "replace", no_rename)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new content")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_files_an_earlier_build_left_behind_are_removed(extract, tmp_path):
    (tmp_path / "lct_2013Q1_internal_dropped_table.csv").write_bytes(b"old")
    (tmp_path / "notes_by_the_officer.txt").write_bytes(b"keep")
    write_extract_folder(tmp_path, extract.files, extract.manifest, prefix="lct_2013Q1_")
    assert not (tmp_path / "lct_2013Q1_internal_dropped_table.csv").exists()
    assert (tmp_path / "notes_by_the_officer.txt").read_bytes() == b"keep"


def test_an_unusable_threshold_is_refused(reference):
    with pytest.raises(ValueError, match="at least 2, not 1"):
        render_public(hand_inputs(reference), quarter_scope("2013Q1"), reference, RUN, threshold=1)


def test_a_slice_without_a_usable_period_is_reported_with_its_files_quarter():
    subs = pd.DataFrame(
        [
            ("x1", "a.csv", "sha-a", "2013-07-10 08:00", "CSO01", "2013Q2"),
            ("x2", "a.csv", "sha-a", "2013-07-10 08:00", "CSO02", "2013Q7"),  # BAD_PERIOD rows
            ("y1", "b.xlsx", "sha-b", "2012-05-01 08:00", "", ""),  # rejected whole, early
            ("z1", "c.csv", "sha-c", "2014-01-20 08:00", "", ""),  # rejected whole
        ],
        columns=["submission_id", "source_file", "sha256", "received_at", "org_code", "period"],
    )
    subs["received_at"] = pd.to_datetime(subs["received_at"])
    assert list(submission_quarters(subs)) == ["2013Q2", "2013Q2", "2012Q4", "2014Q1"]


def _one_more_victim(inputs):
    rows = inputs.indicator_values.copy()
    at = rows.index[(rows["indicator_code"] == "IND03") & (rows["area_level"] == "NATIONAL")][0]
    rows.loc[at, ["numerator", "value"]] = rows.loc[at, ["numerator", "value"]] + 1
    return dataclasses.replace(inputs, indicator_values=rows)


def test_a_rewrite_cut_short_then_new_figures_keep_the_version_it_was_rewriting(
    reference, tmp_path
):
    scope = quarter_scope("2013Q1")
    inputs = hand_inputs(reference)
    build_extract(inputs, scope, reference, tmp_path, RUN)
    build_extract(_one_more_victim(inputs), scope, reference, tmp_path, RUN)  # version 2
    folder = tmp_path / "2013Q1"
    # Version 2 rewritten with the same figures, killed after its manifest was set aside.
    os.replace(folder / MANIFEST, folder / PREVIOUS_MANIFEST)

    result = build_extract(
        _one_more_victim(_one_more_victim(inputs)), scope, reference, tmp_path, RUN
    )
    assert result.revision.number == 3
    kept = {
        p.name: json.loads((p / MANIFEST).read_text()) for p in (folder / "revisions").iterdir()
    }
    assert sorted(kept) == ["1", "2"]
    assert (kept["2"]["version"], kept["2"]["current"], kept["2"]["superseded_by"]) == (2, False, 3)
    [line] = (
        result.revision.changes.query("area_level == 'NATIONAL' and figure == 'value'")[
            ["indicator_code", "old", "new"]
        ]
        .query("indicator_code == 'IND03'")
        .itertuples(index=False)
    )
    assert int(line.new) == int(line.old) + 1
    assert not (folder / PREVIOUS_MANIFEST).exists()


def _stamps(folder) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}


def test_an_extract_made_from_the_same_inputs_is_left_as_written(reference, tmp_path):
    scope = quarter_scope("2013Q1")
    inputs = hand_inputs(reference)
    first = build_extract(inputs, scope, reference, tmp_path, RUN)
    folder = tmp_path / "2013Q1"
    written = _stamps(folder)

    again = build_extract(inputs, scope, reference, tmp_path, dataclasses.replace(RUN, run_id="r2"))
    assert again.unchanged and not first.unchanged
    assert _stamps(folder) == written  # not one file written again
    assert json.loads((folder / MANIFEST).read_text())["run_id"] == RUN.run_id
    assert (again.paths, again.row_count) == (first.paths, first.row_count)
    pd.testing.assert_frame_equal(again.headline, first.headline)

    # A file changed by hand, or by another run (its own bytes, of the same size): made again.
    summary = folder / "lct_2013Q1_internal_summary.csv"
    held = summary.read_bytes()
    summary.write_bytes(held.replace(b"IND", b"DNI"))
    assert not build_extract(inputs, scope, reference, tmp_path, RUN).unchanged
    assert summary.read_bytes() == held
    # One gone (a rebuild cut short): made again.
    (folder / "lct_2013Q1_internal.xlsx").unlink()
    rebuilt = build_extract(inputs, scope, reference, tmp_path, RUN)
    assert not rebuilt.unchanged and rebuilt.revision.number == 1
    assert (folder / "lct_2013Q1_internal.xlsx").is_file()

    # New figures: a new version, whatever was recorded before.
    revised = build_extract(_one_more_victim(inputs), scope, reference, tmp_path, RUN)
    assert not revised.unchanged and revised.revision.number == 2
    assert not build_extract(inputs, scope, reference, tmp_path, RUN).unchanged  # back: version 3
