"""The code location the UI loads (workspace.yaml) resolves every asset and job."""

import subprocess
import sys
from pathlib import Path

import dagster as dg
import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_workspace_yaml_points_at_the_definitions_module():
    workspace = yaml.safe_load((ROOT / "workspace.yaml").read_text())
    [location] = workspace["load_from"]
    assert location["python_module"]["module_name"] == "lct_pipeline.definitions"


def test_the_code_location_loads_and_resolves_every_asset_and_job(workspace):
    # The same loader the webserver uses, in a fresh process.
    done = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    from lct_pipeline.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert "raw_submissions" in keys
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name in {
            "ingestion", "validation", "warehouse", "indicators", "extracts", "templates",
        }  # fmt: skip
        assert node.description, f"{key} has no description"
    jobs = {job.name for job in defs.resolve_all_job_defs()}
    assert {"quarterly_pipeline", "extracts_only", "quarter_templates"} <= jobs
    job = defs.resolve_job_def("quarterly_pipeline")
    assert job.partitions_def.get_partition_keys()[0] == "2012Q4"
    # The templates are sent out before a quarter is reported: a job of their own.
    templates = defs.resolve_job_def("quarter_templates")
    assert set(templates.asset_layer.selected_asset_keys) == {dg.AssetKey("submission_templates")}
    assert dg.AssetKey("submission_templates") not in job.asset_layer.selected_asset_keys
    assert templates.partitions_def == job.partitions_def
