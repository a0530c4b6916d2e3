"""The submission generator (issue 7): reproducible bytes, files the reader reads as they
were written, a manifest that points at every injected mistake, and the bundled sample."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from lct_pipeline import periods
from lct_pipeline.generator import REFERENCE_DIR, Config, generate
from lct_pipeline.generator.__main__ import main
from lct_pipeline.generator.formats import FORMATS
from lct_pipeline.generator.mistakes import FILE_REASONS, ROW_REASONS, WARNINGS
from lct_pipeline.normalise import normalise_code, parse_number
from lct_pipeline.reading import read_submission
from lct_pipeline.reference import load_reference
from lct_pipeline.settings import SAMPLE_DIR

SMALL = Config(orgs=6, first="2012Q4", last="2013Q3", seed=11, error_rate=0.03)
MEDIUM = Config(orgs=20, first="2012Q4", last="2014Q3", seed=5, error_rate=0.15)


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small")
    generate(SMALL, out, out / "reference")
    return out


@pytest.fixture(scope="module")
def medium(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("medium")
    generate(MEDIUM, out, out / "reference")
    return out


def test_the_same_seed_writes_the_same_bytes(small, tmp_path):
    generate(SMALL, tmp_path, tmp_path / "reference")
    again, first = _digests(tmp_path), _digests(small)
    assert len(first) > 40 and "manifest.json" in first and "received.csv" in first
    assert again == first


def test_another_seed_writes_other_bytes(small, tmp_path):
    generate(replace(SMALL, seed=12), tmp_path)
    first, other = _digests(small / "inbox"), _digests(tmp_path / "inbox")
    shared = first.keys() & other.keys()
    assert len(shared) > 20
    assert [name for name in shared if first[name] == other[name]] == []


@pytest.mark.parametrize("where", ["small", "sample"])
def test_every_file_reads_back_as_it_was_written(where, small):
    out = small if where == "small" else SAMPLE_DIR
    manifest = _manifest(out)
    read = {f["file"]: read_submission(out / "inbox" / f["file"]) for f in manifest["files"]}
    assert sorted(read) == sorted(p.relative_to(out / "inbox").as_posix()
                                  for p in (out / "inbox").rglob("*") if p.is_file())  # fmt: skip
    for f in manifest["files"]:
        result = read[f["file"]]
        if result.error is not None:  # a workbook of the CSO's own sheets: refused by the reader
            assert (result.error.reason_code, f["format"]) == ("UNKNOWN_LAYOUT", "xlsx"), f
            continue
        assert (result.encoding, result.delimiter) == (f["encoding"], f["delimiter"]), f["file"]
        tables = [{"sheet": t.sheet, "record_type": t.record_type, "rows": len(t.rows)}
                  for t in result.tables]  # fmt: skip
        assert tables == f["tables"], f["file"]
    # Each injected mistake is where the manifest says, with the text it says.
    entries = [e for e in manifest["rejections"] + manifest["warnings"] if e["row_number"]]
    assert entries
    for e in entries:
        table = next(t for t in read[e["file"]].tables if t.sheet == e["sheet"])
        row = table.rows[table.rows["row_number"] == e["row_number"]]
        if e["reason_code"] == "COLUMN_NOT_STORED":  # not kept: only named
            assert f"'{e['column']}'" in row["_ignored"].item(), e
            continue
        assert row[e["column"]].tolist() == [e["raw_value"]], e
    if where == "sample":
        assert {f["format"] for f in manifest["files"]} == set(FORMATS)


def test_the_manifest_lists_every_reason_of_a_medium_network(medium):
    manifest = _manifest(medium)
    row_level = {e["reason_code"] for e in manifest["rejections"] if e["row_number"]}
    file_level = {e["reason_code"] for e in manifest["rejections"] if e["row_number"] is None}
    assert row_level == set(ROW_REASONS)
    assert file_level == set(FILE_REASONS)
    # Besides the injected warnings, the KoboToolbox exports' columns that are not stored.
    assert {e["reason_code"] for e in manifest["warnings"]} == {*WARNINGS, "COLUMN_NOT_STORED"}
    duplicates = [e for e in manifest["rejections"] if e["reason_code"] == "DUPLICATE_CONFLICT"]
    assert len(duplicates) % 2 == 0  # both rows of a conflicting key are listed


def test_reference_out_describes_the_grown_network(medium):
    reference = load_reference(medium / "reference")
    shipped = load_reference(REFERENCE_DIR)
    assert len(reference.organisations) == 20
    assert {c: o.active_from for c, o in shipped.organisations.items()}.items() <= {
        c: o.active_from for c, o in reference.organisations.items()
    }.items()
    sent = {f["org_code"] for f in _manifest(medium)["files"]}
    assert sent == set(reference.organisations)
    for org in reference.organisations.values():  # each org counts in a region and the country
        assert [a.level for a in reference.area_chain(org.code)] == [
            "MUNICIPALITY",
            "REGION",
            "NATIONAL",
        ]


def test_the_bundled_sample_is_what_sample_mode_writes(tmp_path, capsys):
    assert main(["--sample", "--out", str(tmp_path)]) == 0
    assert "VOT_ASSISTED 43, PERSONS_CONTACTED 176" in capsys.readouterr().out
    written = _digests(tmp_path)
    bundled = {
        k: v for k, v in _digests(SAMPLE_DIR).items() if k in written or k.startswith("inbox/")
    }
    assert bundled == written


def test_the_sample_adds_up_to_the_programmes_reported_results():
    """IND03 and IND01 at 2013Q4 (CUM, NATIONAL), from the files with the simple rules of
    SPEC §7: current slices only, rejected rows out, a total row only without detail rows."""
    manifest = _manifest(SAMPLE_DIR)
    whole_file = {e["file"] for e in manifest["rejections"] if e["row_number"] is None}
    bad_rows = {(e["file"], e["sheet"], e["row_number"]) for e in manifest["rejections"]}
    superseded = {(s["file"], s["record_type"]) for s in manifest["superseded"]}
    assert len(superseded) == 1 and len(whole_file) == 1
    detail: dict[tuple, int] = {}
    total: dict[tuple, int] = {}
    for f in manifest["files"]:
        if f["file"] in whole_file or (f["file"], "values") in superseded:
            continue
        for table in read_submission(SAMPLE_DIR / "inbox" / f["file"]).tables:
            if table.record_type != "values":
                continue
            for row in table.rows.to_dict("records"):
                if (f["file"], table.sheet, row["row_number"]) in bad_rows:
                    continue
                period = periods.parse_period(row["period"])
                assert "2012Q4" <= period <= "2013Q4"
                element = normalise_code(row["data_element"])
                key = (f["file"], normalise_code(row["org_code"]), period, element)
                dims = [normalise_code(row[d]) for d in ("sex", "age_group", "vulnerable_group")]
                is_total = all(d in (None, "_T") for d in dims)
                counts = total if is_total else detail
                counts[key] = counts.get(key, 0) + int(parse_number(row["value"]))

    def element_total(element: str) -> int:
        kept = {k: v for k, v in detail.items() if k[3] == element}
        kept |= {k: v for k, v in total.items() if k[3] == element and k not in kept}
        return sum(kept.values())

    assert element_total("VOT_ASSISTED") == 43
    assert element_total("PERSONS_CONTACTED") == manifest["expected"]["IND01"] == 176


def test_the_command_never_overwrites_an_inbox_it_did_not_write(tmp_path, capsys):
    args = ["--orgs", "2", "--first", "2013Q1", "--last", "2013Q1", "--out", str(tmp_path)]
    assert main(args) == 0
    with pytest.raises(SystemExit) as refused:
        main(args)
    assert refused.value.code == 2
    assert "already holds generated files; pass --overwrite" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0
    (tmp_path / "manifest.json").unlink()  # now it looks like someone's real inbox
    with pytest.raises(SystemExit):
        main([*args, "--overwrite"])
    assert "was not written by the generator" in capsys.readouterr().err
    assert (tmp_path / "inbox" / "2013Q1" / "cso01.csv").is_file() or (
        tmp_path / "inbox" / "2013Q1" / "cso01.xlsx"
    ).is_file()
