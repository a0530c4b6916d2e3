"""Fresh figures (SPEC §6): after a late file, a correction or a resubmission, `lct run
--period P` leaves every view and every extract exactly as one clean `lct run --all` over
the same inbox, in every later quarter too (their CUM rows, charts and annual extracts;
the next quarters' OUTLIER warnings).

Each history starts from a network already run, receives one file, runs its quarter and
is compared cell by cell with a clean run of the final inbox; on SQLite here, on
PostgreSQL in tests/test_freshness_postgres.py.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from freshness_cases import Workspace, _content, edited_csv, received
from test_crash_consistency import VIEWS

from lct_pipeline.extracts.files import MANIFEST
from lct_pipeline.generator import Config, generate

pytestmark = pytest.mark.slow

# Each run of a quarter costs seconds whatever its size, so the networks are small:
# three CSOs over two quarters (a change of 2012Q4 makes 2013Q1 stale: its CUM rows,
# charts, extracts and OUTLIER warnings), and one CSO over nine (two years and a
# quarter: a correction two years back, with two years' extracts after it).
NETWORKS = {
    "short": Config(orgs=3, first="2012Q4", last="2013Q1", seed=3, error_rate=0.01),
    "long": Config(orgs=1, first="2012Q4", last="2014Q4", seed=3, error_rate=0.01),
}


def generate_networks(tmp_path_factory) -> dict[str, Path]:
    made = {}
    for name, config in NETWORKS.items():
        out = tmp_path_factory.mktemp(name)
        generate(config, out, out / "reference")
        made[name] = out
    return made


@pytest.fixture(scope="module")
def networks(tmp_path_factory) -> dict[str, Path]:
    return generate_networks(tmp_path_factory)


@pytest.fixture(scope="module")
def dagster_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dagster_home")


@pytest.fixture(scope="module")
def clean(networks, dagster_home, tmp_path_factory) -> dict[str, Workspace]:
    """Each whole network, run once with `lct run --all`."""
    runs = {}
    for name, network in networks.items():
        workspace = Workspace(tmp_path_factory.mktemp(f"clean_{name}"), network, dagster_home)
        workspace.receive()
        workspace.lct("run", "--all")
        runs[name] = workspace
    return runs


def _changed_value(element: str, delta: int):
    def edit(row: dict) -> dict:
        if row["data_element"] == element:
            row["value"] = str(int(float(row["value"])) + delta)
        return row

    return edit


def _without(element: str):
    return lambda row: None if row["data_element"] == element else row


@dataclass(frozen=True)
class History:
    network: str
    held_back: tuple[str, ...]  # files left out of the first run; they arrive late
    arriving: str  # the file that arrives (one held back, or a new one)
    source: str | None  # for a new file: the file it is an edited copy of
    edit: object  # row -> row | None, for a new file
    when: str | None  # when it arrives (None: held-back files keep their received times)
    quarter: str  # the quarter then run with `lct run --period`
    moves_figures: bool = True  # False: it changes no indicator (revisions: none)


HISTORIES = {
    "a late file": History(
        "short", ("2012Q4/cso01.csv",), "2012Q4/cso01.csv", None, None,
        "2013-05-02T09:00:00", "2012Q4",
    ),
    # CONSULTATIONS_HELD feeds no indicator: no extract gets a new version.
    "a correction": History(
        "short", (), "2012Q4/cso01_ispravka.csv", "2012Q4/cso01.csv",
        _changed_value("CONSULTATIONS_HELD", 7), "2013-05-02T09:00:00", "2012Q4", False,
    ),
    "a resubmission that drops rows": History(
        "short", (), "2012Q4/cso03_v2.csv", "2012Q4/cso03.csv",
        _without("PERSONS_INFORMED"), "2013-05-03T09:00:00", "2012Q4",
    ),
    # Sent on time, but found in a mailbox after 2013Q1 had run.
    "a CSO's first quarter arriving late": History(
        "short", ("2012Q4/cso03.csv", "2012Q4/cso03_mere.csv"), "2012Q4/cso03.csv", None, None,
        None, "2012Q4",
    ),
    "a correction two years back": History(
        "long", (), "2012Q4/cso01_ispravka.csv", "2012Q4/cso01.csv",
        _changed_value("PERSONS_CONTACTED", 3), "2015-01-10T09:00:00", "2012Q4",
    ),
}  # fmt: skip


def _compare(got: Workspace, expected: Workspace) -> None:
    views, clean_views = got.views(), expected.views()
    for name in VIEWS:
        pd.testing.assert_frame_equal(views[name], clean_views[name], obj=name)
    files, clean_files = got.extracts(), expected.extracts()
    assert sorted(files) == sorted(clean_files)
    for name, content in clean_files.items():
        assert files[name] == content, f"{name} differs from the clean run's"


def _history(history: History, network: Path, before: Workspace, reference: Workspace, capsys):
    """``before`` (run already, or run here when files were held back) receives the
    file, runs its quarter, and is compared with ``reference``: one clean run over the
    same inbox, run here unless it is the whole network as received."""
    if history.held_back:
        before.receive(skip=history.held_back)
        before.lct("run", "--all")
    if history.source is None:  # what was held back arrives, all of it
        arriving = {n: (network / "inbox" / n).read_bytes() for n in history.held_back}
    else:
        data = (network / "inbox" / history.source).read_bytes()
        arriving = {history.arriving: edited_csv(data, history.edit)}
    times = received(network)
    for arrived, content in arriving.items():
        before.put(arrived, content, history.when or times[arrived])
    capsys.readouterr()
    earlier = before.extracts()
    published = _public_runs(before)

    out = before.lct("run", "--period", history.quarter, capsys=capsys)

    if history.when is not None or history.source is not None:
        # One clean run over the same inbox: the same files, received at the same times.
        reference.receive(skip=history.held_back)
        for arrived, content in arriving.items():
            reference.put(arrived, content, history.when)
        reference.lct("run", "--all")
    _compare(before, reference)
    # No public table of another year shows a figure of the quarter that changed: each
    # is left as published (not planned, audited or written again).
    untouched = {label for label in published if not label.startswith(history.quarter[:4])}
    assert untouched, published
    now = _public_runs(before)
    assert {label: now[label] for label in untouched} == {
        label: published[label] for label in untouched
    }
    later = [q for q in quarters(network) if q > history.quarter]
    assert f"Refreshed {len(later)} quarter(s) that earlier changes made stale: " in out, out
    assert ", ".join(later) in out, out
    internal, public = _check_revisions(before, earlier)
    moved = history.moves_figures
    assert (internal > 0) == moved and (public > 0) == moved, (internal, public)


def _public_runs(workspace: Workspace) -> dict[str, str]:
    """The run that published each public folder, by its label."""
    manifests = (workspace.root / "extracts").glob(f"*/public/{MANIFEST}")
    return {p.parent.parent.name: json.loads(p.read_text())["run_id"] for p in manifests}


KEY = ["indicator_code", "period", "period_type", "area_code", "breakdown", "breakdown_value"]


def _read(path) -> pd.DataFrame:
    source = io.BytesIO(path) if isinstance(path, bytes) else path
    return pd.read_csv(source, dtype=str, keep_default_na=False)


def _value_changes(before: bytes, now: bytes) -> set[tuple]:
    """Each row whose value differs between two indicators tables: key, old, new."""
    both = _read(before).merge(_read(now), on=KEY, how="outer", suffixes=("_old", "_new"))
    both = both.fillna("")
    moved = both[both["value_old"] != both["value_new"]]
    return set(moved[[*KEY, "value_old", "value_new"]].itertuples(index=False, name=None))


def _listed(changes: pd.DataFrame) -> set[tuple]:
    values = changes[changes["figure"] == "value"]
    return set(values[[*KEY, "old", "new"]].itertuples(index=False, name=None))


def _check_public_changes(folder: Path, label: str, before: bytes, now: bytes, manifest) -> None:
    """A public list of changes holds the figures as both versions publish them."""
    changes = _read(folder / f"lct_{label}_public_changes.csv")
    assert _listed(changes) == _value_changes(before, now)
    assert "caused_by" not in changes.columns
    assert set(manifest["rebuilt_because"]) == {"figures_changed", "since_version"}
    assert "input_files" not in manifest


def earlier_names(folder: str, earlier: dict) -> set[str]:
    """The files of ``folder`` compared with a clean run (its manifest and changes aside)."""
    names = {n.removeprefix(f"{folder}/") for n in earlier if n.startswith(f"{folder}/")}
    return {n for n in names if "/" not in n and n != "manifest.json"}


def _check_revisions(got: Workspace, earlier: dict) -> tuple[int, int]:
    """Every extract whose figures the run changed keeps its earlier version under
    revisions/1/ and lists each changed value; the others are still version 1. Public
    folders alike, their changes as published and naming no file."""
    root = got.root / "extracts"
    folders = sorted(name.rsplit("/", 1)[0] for name in earlier if name.endswith("_indicators.csv"))
    assert folders, "the history had no extract before the run"
    revised = {"internal": 0, "public": 0}
    for folder in folders:
        label = folder.split("/")[0]
        audience = "public" if folder.endswith("/public") else "internal"
        manifest = json.loads((root / folder / "manifest.json").read_text())
        before = earlier[f"{folder}/lct_{label}_{audience}_indicators.csv"]
        now = (root / folder / f"lct_{label}_{audience}_indicators.csv").read_bytes()
        kept = root / folder / "revisions" / "1"
        if before == now:
            assert manifest["version"] == 1 and manifest["revisions"] == [], folder
            assert not kept.exists(), folder
            continue
        revised[audience] += 1
        assert manifest["version"] == 2 and manifest["current"] is True, folder
        assert manifest["revisions"][0]["folder"] == "revisions/1", folder
        assert json.loads((kept / "manifest.json").read_text())["superseded_by"] == 2
        assert {p.name for p in kept.iterdir()} >= earlier_names(folder, earlier)
        for path in kept.iterdir():  # the earlier files, as they were
            if path.name in earlier_names(folder, earlier):
                assert _content(path) == earlier[f"{folder}/{path.name}"], path
        if audience == "public":
            _check_public_changes(root / folder, label, before, now, manifest)
            continue
        changes = _read(root / folder / f"lct_{label}_internal_changes.csv")
        assert _listed(changes) == _value_changes(before, now), folder
        assert manifest["rebuilt_because"]["figures_changed"] == len(changes)
        because = manifest["rebuilt_because"]
        new_files = set(because["new_input_files"])
        new_files |= {f"{q} inputs (see the {q} extract's changes)"
                      for q in because["earlier_quarters_changed"]}  # fmt: skip
        causes = {c for text in changes["caused_by"] for c in text.split("; ") if c}
        assert causes and causes <= new_files, (folder, causes, new_files)
        report = (root / folder / f"lct_{label}_report.html").read_text()
        assert 'id="changes"' in report and "Figures changed in version 2" in report
    return revised["internal"], revised["public"]


@pytest.mark.parametrize("name", HISTORIES)
def test_a_quarter_run_after_a_change_equals_a_clean_run(
    name, networks, dagster_home, clean, tmp_path, capsys
):
    history = HISTORIES[name]
    network = networks[history.network]
    if history.held_back:
        before = Workspace(tmp_path / "incremental", network, dagster_home)
    else:  # the network as already run
        before = clean[history.network].copy(tmp_path / "incremental")
    if history.when is None and history.source is None:
        reference = clean[history.network]  # the whole network as received
    else:
        reference = Workspace(tmp_path / "clean", network, dagster_home)
    _history(history, network, before, reference, capsys)


def quarters(network: Path) -> list[str]:
    return sorted({name.split("/")[0] for name in received(network)})


def test_a_backfill_with_workers_runs_a_q4s_public_tables_beside_the_next_quarters(
    networks, dagster_home, clean, tmp_path, capsys
):
    """`lct run --all --workers 2`: 2013Q4's public tables (its year's protection, the
    longest step of a national backfill) run in a launched run of their own while the
    quarters after it run; everything ends as one run of the whole network in one process."""
    import dagster as dg

    got = Workspace(tmp_path / "workers", networks["long"], dagster_home)
    got.receive()

    out = got.lct("run", "--all", "--workers", "2", capsys=capsys)

    _compare(got, clean["long"])
    ran = dict(re.findall(r"^(\d{4}Q\d  (?:ok|public tables ok))  run (\w{8})", out, re.M))
    assert sorted(ran) == sorted(
        [f"{q}  ok" for q in quarters(networks["long"])] + ["2013Q4  public tables ok"]
    ), out
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    runs = {run.run_id[:8]: run for run in instance.get_runs(limit=200)}

    def assets(label: str) -> set[str]:
        selection = runs[ran[label]].asset_selection or set()
        return {key.to_user_string() for key in selection}

    public = {"public_tables", "public_extracts"}
    assert assets("2013Q4  public tables ok") == public
    assert not assets("2013Q4  ok") & public and "evaluation_extracts" in assets("2013Q4  ok")
    assert assets("2014Q4  ok") == set()  # the last quarter's run is whole
    beside = instance.get_run_stats(runs[ran["2013Q4  public tables ok"]].run_id)
    last = instance.get_run_stats(runs[ran["2014Q4  ok"]].run_id)
    assert beside.start_time < last.end_time  # beside the later quarters, not after them
    checks = instance.get_run_step_stats(runs[ran["2013Q4  public tables ok"]].run_id)
    assert {step.step_key: step.status.value for step in checks} == {
        "public_tables": "SUCCESS",
        "public_tables_public_tables_withstand_attack": "SUCCESS",
        "public_extracts": "SUCCESS",
    }
