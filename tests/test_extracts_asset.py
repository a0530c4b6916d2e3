"""The evaluation_extracts asset: the SPEC §8 views in, the quarter's and year's folders out."""

from __future__ import annotations

import json

import dagster as dg
import pydantic
import pytest
import sqlalchemy as sa
from test_extracts_scenario import RUN, hand_inputs

from assets.extracts import evaluation_extracts, scope_labels
from assets.public import (
    ExtractsConfig,
    public_extracts,
    public_tables,
    public_tables_withstand_attack,
)
from lct_pipeline.extracts import public as public_module
from lct_pipeline.extracts import (
    public_versions,
    read_public_views,
    read_views,
    render_public,
    scopes_for,
)
from lct_pipeline.extracts.inputs import VIEW_COLUMNS
from lct_pipeline.extracts.protection import Status
from lct_pipeline.extracts.suppression import Protection
from lct_pipeline.warehouse.metadata import metadata
from lct_pipeline.warehouse.tables_freshness import quarter_versions, stage_versions
from resources import FilesResource, ProgrammeResource, WarehouseResource


class ViewsAsTables(WarehouseResource):
    """The views' rows as plain tables: the extracts read nothing else (but note, in
    the freshness tables, what they were built from)."""

    def get_engine(self) -> sa.Engine:
        engine = sa.create_engine(self.url)
        metadata.create_all(engine, tables=[quarter_versions, stage_versions])
        return engine


def _views_in_sqlite(reference, url: str) -> None:
    inputs = hand_inputs(reference, "2013Q4")
    engine = sa.create_engine(url)
    for name in VIEW_COLUMNS:
        getattr(inputs, name).to_sql(name, engine, index=False)
    engine.dispose()


def _resources(workspace) -> dict:
    return {
        "warehouse": ViewsAsTables(url=workspace.warehouse_url),
        "files": FilesResource(
            inbox_dir=str(workspace.inbox),
            archive_dir=str(workspace.archive),
            extracts_dir=str(workspace.extracts),
            data_docs_dir=str(workspace.data_docs),
        ),
        "programme": ProgrammeResource(reference_dir=str(workspace.reference_dir)),
    }


def test_a_q4_partition_writes_the_quarter_and_the_year(workspace, reference):
    _views_in_sqlite(reference, workspace.warehouse_url)
    result = dg.materialize(
        [evaluation_extracts, public_tables, public_tables_withstand_attack, public_extracts],
        partition_key="2013Q4",
        resources=_resources(workspace),
        run_config={"ops": {"public_tables": {"config": {"suppression_threshold": 3}}}},
    )
    assert result.success
    for label in ("2013Q4", "2013"):
        manifest = json.loads((workspace.extracts / label / "manifest.json").read_text())
        assert manifest["run_id"] == result.run_id
        public = json.loads((workspace.extracts / label / "public/manifest.json").read_text())
        assert (public["run_id"], public["suppression_threshold"]) == (result.run_id, 3)
        assert (workspace.extracts / label / f"public/lct_{label}_public.xlsx").is_file()
    [check] = result.get_asset_check_evaluations()
    assert check.passed and check.metadata["cells_pinned"].value == 0
    assert check.metadata["hidden_cells_audited"].value > 0
    assert not (workspace.extracts / ".staging").exists() or not any(
        (workspace.extracts / ".staging").iterdir()
    )
    [event] = [
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey("evaluation_extracts")
    ]
    metadata = event.materialization.metadata
    assert metadata["extracts"].value == "2013Q4, 2013"
    csv = (workspace.extracts / "2013Q4/lct_2013Q4_internal_indicators.csv").read_bytes()
    assert metadata["dagster/row_count"].value == csv.count(b"\r\n") - 1  # rows, not header
    files = metadata["files"].value
    assert files.startswith("- `2013Q4/lct_2013Q4_internal.xlsx`\n")
    assert "- `2013/lct_2013_internal_indicators.csv`\n" in files
    assert files.endswith("- `2013/manifest.json`")
    assert "| IND03 victims assisted through local networks | 34 | 40 | 340% | GREEN |" in (
        metadata["headline"].value
    )


def test_the_asset_is_partitioned_by_quarter_in_the_extracts_group():
    spec = evaluation_extracts.specs_by_key[dg.AssetKey("evaluation_extracts")]
    assert spec.group_name == "extracts"
    assert {d.asset_key.to_user_string() for d in spec.deps} == {
        "indicator_values", "reporting_completeness",
    }  # fmt: skip
    assert evaluation_extracts.partitions_def.get_partition_keys()[:2] == [
        "2012Q4", "2013Q1",
    ]  # fmt: skip
    assert "public_extracts" in (spec.description or "")


def test_the_launchpad_threshold_defaults_to_5_and_refuses_less_than_2():
    assert ExtractsConfig().suppression_threshold == 5
    with pytest.raises(pydantic.ValidationError):
        ExtractsConfig(suppression_threshold=1)


def _naive_protect(values, equations, threshold, *, changeable, left_out=(), fixed=None, **_):
    """A broken suppression: small counts and areas with few CSOs only, nothing secondary."""
    status = {}
    for cell in changeable:
        value = values.get(cell, 0.0)
        status[cell] = (
            Status.LEFT_OUT if cell in left_out
            else Status.SMALL if 0 < value < threshold else Status.SHOWN
        )  # fmt: skip
    return Protection(status)


def test_a_public_table_that_fails_the_audit_is_not_written(workspace, reference, monkeypatch):
    _views_in_sqlite(reference, workspace.warehouse_url)
    monkeypatch.setattr(public_module, "protect", _naive_protect)
    result = dg.materialize(
        [evaluation_extracts, public_tables, public_tables_withstand_attack, public_extracts],
        partition_key="2013Q4",
        resources=_resources(workspace),
        raise_on_error=False,
    )
    [check] = result.get_asset_check_evaluations()
    assert not check.passed
    assert check.metadata["cells_pinned"].value > 0
    # R-BEG (one CSO, left out) is the country minus Vojvodina, both published.
    pinned = check.metadata["pinned"].value
    assert "R-BEG VOT_ASSISTED 2013Q4 (left out) can only be 17 to 17" in pinned
    assert "RS VOT_ASSISTED 2013Q4 (34) = R-BEG VOT_ASSISTED 2013Q4 (left out)" in pinned
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey("public_extracts") not in materialized
    assert dg.AssetKey("evaluation_extracts") in materialized  # internal files are written
    assert not list(workspace.extracts.glob("*/public"))


def test_the_staged_tables_report_cells_published_hidden_and_left_out(workspace, reference):
    _views_in_sqlite(reference, workspace.warehouse_url)
    result = dg.materialize(
        [public_tables], partition_key="2013Q4", resources=_resources(workspace)
    )
    [event] = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    # 9 counts × 18 areas, for the quarter and for the year
    cells = sum(metadata[f"sensitive_cells_{k}"].value for k in ("published", "hidden", "left_out"))
    assert cells == 2 * 9 * 18
    assert metadata["sensitive_cells_published"].value > 0
    table = metadata["by_area"].value
    assert table.startswith("| period | area_level | area_code | published | hidden | left_out |")
    assert "| 2013Q4 | NATIONAL | RS |" in table and "| 2013 | REGION | R-BEG |" in table
    staged = workspace.extracts / ".staging" / "2013Q4"
    assert (staged / "2013" / "audited_with" / "lct_2013Q4_public_indicators.csv").is_file()


def test_public_files_read_only_public_rows_and_come_out_the_same(workspace, reference):
    """The public tables read their periods' Q and Y rows and completeness, nothing of
    the CUM rows, trends, files, rejections or warnings; made from that, every public
    file of the quarter (and of its year) is the one made from every view."""
    _views_in_sqlite(reference, workspace.warehouse_url)
    engine = sa.create_engine(workspace.warehouse_url)
    scopes = scopes_for("2013Q4")  # the quarter and its year
    everything = read_views(engine, "2013Q4", scope_labels(scopes))
    public = read_public_views(engine, "2013Q4", scope_labels(scopes))
    rows = public.indicator_values
    assert set(everything.indicator_values["period_type"]) == {"Q", "CUM", "Y"}
    assert set(rows["period_type"]) == {"Q", "Y"}
    assert set(rows["period"]) <= scope_labels(scopes)
    assert (len(public.submissions), len(public.rejections), len(public.warnings)) == (0, 0, 0)
    assert len(everything.indicator_values) > len(rows) and len(everything.submissions) > 0
    for scope in scopes:
        made = [render_public(inputs, scope, reference, RUN) for inputs in (everything, public)]
        assert made[0].files.keys() == made[1].files.keys()
        for name in made[0].files:
            assert made[0].files[name] == made[1].files[name], name
        assert made[0].manifest == made[1].manifest
        assert made[0].values == made[1].values


def test_a_year_planned_before_its_quarter_was_published_again_is_not_written(workspace, reference):
    """Runs of 2013Q3 and 2013Q4 side by side: 2013Q4 plans the year's public tables,
    then 2013Q3's run publishes its quarter, then 2013Q4 publishes. The year was planned
    beside a 2013Q3 that is no longer current: it is not written, and 2013Q4's public
    stage is left stale, so the refresh plans it again beside the new 2013Q3."""
    _views_in_sqlite(reference, workspace.warehouse_url)
    public_steps = [public_tables, public_tables_withstand_attack, public_extracts]
    planned = dg.materialize(
        [public_tables], partition_key="2013Q4", resources=_resources(workspace)
    )
    assert planned.success
    other = dg.materialize(public_steps, partition_key="2013Q3", resources=_resources(workspace))
    assert other.success and (workspace.extracts / "2013Q3/public/manifest.json").is_file()
    held = dg.materialize(
        [public_extracts], partition_key="2013Q4", resources=_resources(workspace)
    )
    assert held.success
    [event] = held.get_asset_materialization_events()
    assert event.materialization.metadata["not_written_planned_again"].value == "2013"
    assert (workspace.extracts / "2013Q4/public/manifest.json").is_file()
    assert not (workspace.extracts / "2013/public").exists()
    engine = sa.create_engine(workspace.warehouse_url)
    with engine.connect() as conn:
        built = conn.execute(
            sa.select(stage_versions.c.period).where(stage_versions.c.stage == "public_extracts")
        ).scalars()
        assert sorted(built) == ["2013Q3"]  # 2013Q4's is not: stale, refreshed next
    again = dg.materialize(public_steps, partition_key="2013Q4", resources=_resources(workspace))
    assert again.success
    year = json.loads((workspace.extracts / "2013/public/manifest.json").read_text())
    assert year["run_id"] == again.run_id
    assert public_versions.republished(workspace.extracts) == {}
