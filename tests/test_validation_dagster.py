"""Validation through Dagster: the asset's metadata and its checks, as the UI shows them."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import openpyxl
import pytest
import sqlalchemy as sa

from assets.feedback import cso_feedback
from assets.ingestion import raw_submissions
from assets.partitions import quarterly_partitions
from assets.validation import history_read, validated_submissions
from resources import build_resources

HEADER = "org_code,period,data_element,sex,age_group,value"


def _write(path, text: str, received: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    stamp = datetime.fromisoformat(received).replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))


def _validated_metadata(result) -> dict:
    """The metadata of the run's one materialization of validated_submissions."""
    [event] = [
        m for m in result.get_asset_materialization_events()
        if m.asset_key == validated_submissions.key
    ]  # fmt: skip
    return event.materialization.metadata


def test_validation_results_show_as_asset_checks_and_metadata(workspace):
    _write(
        workspace.inbox / "2013Q1/cso02.csv",
        f"{HEADER}\nCSO02,2013Q1,VOT_ASSISTED,F,ADULT,2\nCSO02,2013Q1,VOT_ASSISTED,M,ADULT,abc\n"
        "CSO02,2013Q1,VOT_IDENTIFIED,F,ELDER,1\n",
        "2013-04-10T08:00:00",
    )
    _write(
        workspace.inbox / "2013Q1/cso03.csv",
        "org_code,period,data_element,email,value\nCSO03,2013Q1,VOT_ASSISTED,a@b.rs,1\n",
        "2013-03-20T08:00:00",
    )

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [raw_submissions, validated_submissions, cso_feedback],
        partition_key="2013Q1",
        resources=build_resources(),
        instance=instance,
    )

    assert result.success
    evaluations = result.get_asset_check_evaluations()
    checks = {e.check_name: e for e in evaluations}
    assert checks.keys() == {
        "every_row_accounted_for",
        "values_expectations",
        "measures_expectations",
        "no_file_rejected_whole",
    }
    # One result per check and run, each naming its quarter (no "Partition —" in the UI).
    assert len(evaluations) == 4
    assert {e.partition for e in evaluations} == {"2013Q1"}
    accounted = checks["every_row_accounted_for"]
    assert accounted.passed and accounted.severity == dg.AssetCheckSeverity.ERROR
    assert accounted.metadata["raw_rows"].value == 3
    values = checks["values_expectations"]
    # Rejected for the first time in this run: something for the data officer to act on.
    assert not values.passed and values.severity == dg.AssetCheckSeverity.WARN
    assert values.metadata["rows_rejected"].value == 2
    assert values.metadata["rows_rejected_new"].value == 2
    by_reason = values.metadata["by_reason"].value
    # One reason per row, in SPEC §5's order: BAD_DIMENSION before NOT_A_NUMBER.
    assert by_reason.index("| rejection | BAD_DIMENSION | 1 |") < by_reason.index(
        "| rejection | NOT_A_NUMBER | 1 |"
    )
    rows = values.metadata["rejected_rows"].value
    assert rows.splitlines()[0] == "| file | sheet | row | column | raw value | reason | message |"
    assert "| 2013Q1/cso02.csv |  | 3 | value | abc | NOT_A_NUMBER |" in rows
    assert "| 2013Q1/cso02.csv |  | 4 | age_group | ELDER | BAD_DIMENSION |" in rows
    assert checks["measures_expectations"].passed  # no measures this quarter
    whole = checks["no_file_rejected_whole"]
    assert not whole.passed and "2013Q1/cso03.csv" in whole.metadata["files"].value

    # The same quarter again: the same rejections are known, nothing new to act on.
    again = dg.materialize(
        [raw_submissions, validated_submissions],
        partition_key="2013Q1",
        resources=build_resources(),
        instance=instance,
    )
    rerun = {e.check_name: e for e in again.get_asset_check_evaluations()}
    assert rerun["values_expectations"].passed
    assert rerun["values_expectations"].metadata["rows_rejected"].value == 2
    assert rerun["values_expectations"].metadata["rows_rejected_new"].value == 0
    assert rerun["no_file_rejected_whole"].passed
    # Nothing new in the inbox: not judged again, and it reports what the first run did
    # (read back from the warehouse), but for what is new to act on.
    metadata, repeated = _validated_metadata(result), _validated_metadata(again)
    assert (metadata["judged_again"].value, repeated["judged_again"].value) == (True, False)
    assert {k: v for k, v in repeated.items() if k != "judged_again"} == {
        k: v for k, v in metadata.items() if k != "judged_again"
    }
    same = ("rows_rejected", "rows_checked", "expectations_evaluated", "by_reason")
    for name in ("values_expectations", "measures_expectations"):
        assert {k: rerun[name].metadata[k] for k in same} == {
            k: checks[name].metadata[k] for k in same
        }
    assert rerun["every_row_accounted_for"].metadata == accounted.metadata

    assert metadata["dagster/row_count"].value == 1
    # The history OUTLIER read, shown where the asset graph cannot draw it.
    assert metadata["history"].value == dg.AssetKey("data_values")
    assert metadata["history_quarters"].value == "2012Q4"
    # Two rows of cso02 and the one row of cso03, rejected whole with its file.
    assert (metadata["rows_accepted"].value, metadata["rows_rejected"].value) == (1, 3)
    assert "| rejection | BAD_DIMENSION | 1 |" in metadata["reason_codes"].value
    docs = metadata["data_docs"].value
    assert docs == str(workspace.data_docs / "2013Q1" / "index.html")
    assert "values_row_rules" in Path(docs).read_text(encoding="utf-8")
    # The Data Docs of the run that judged the quarter.
    _data_docs_work_offline_and_name_rows(workspace.data_docs, result.run_id)
    assert (workspace.extracts / "feedback/CSO02/2013Q1_cso02_feedback.xlsx").is_file()

    # A new file of the quarter: judged again, with new Data Docs.
    _write(
        workspace.inbox / "2013Q1/cso04.csv",
        f"{HEADER}\nCSO04,2013Q1,VOT_ASSISTED,F,ADULT,1\n",
        "2013-04-12T08:00:00",
    )
    third = dg.materialize(
        [raw_submissions, validated_submissions],
        partition_key="2013Q1",
        resources=build_resources(),
        instance=instance,
    )
    assert _validated_metadata(third)["judged_again"].value is True
    assert _validated_metadata(third)["rows_accepted"].value == 2
    _data_docs_work_offline_and_name_rows(workspace.data_docs, third.run_id)


def test_a_resubmission_that_loses_a_figure_says_so_in_both_files_feedback(workspace):
    _write(
        workspace.inbox / "2013Q1/cso02.csv",
        f"{HEADER}\nCSO02,2013Q1,VOT_ASSISTED,F,ADULT,3\nCSO02,2013Q1,NETWORK_MEETINGS,,,2\n"
        "CSO02,2013Q1,VOT_IDENTIFIED,F,ADULT,1\n",
        "2013-04-10T08:00:00",
    )
    # The correction: VOT_ASSISTED now unreadable, VOT_IDENTIFIED left out.
    _write(
        workspace.inbox / "2013Q1/cso02_ispravka.csv",
        f"{HEADER}\nCSO02,2013Q1,NETWORK_MEETINGS,,,2\nCSO02,2013Q1,VOT_ASSISTED,F,ADULT,tri\n",
        "2013-04-20T08:00:00",
    )

    result = dg.materialize(
        [raw_submissions, validated_submissions, cso_feedback],
        partition_key="2013Q1",
        resources=build_resources(),
        instance=dg.DagsterInstance.ephemeral(),
    )

    assert result.success
    engine = sa.create_engine(workspace.warehouse_url)
    with engine.connect() as conn:
        withdrawn = conn.execute(
            sa.text(
                "SELECT source_file, row_number, column_name, raw_value, message FROM warnings"
                " WHERE reason_code = 'VALUE_WITHDRAWN' ORDER BY raw_value DESC"
            )
        ).all()
        statuses = conn.execute(
            sa.text("SELECT source_file, status FROM submissions ORDER BY source_file")
        ).all()
    assert [tuple(w[:4]) for w in withdrawn] == [
        ("2013Q1/cso02_ispravka.csv", 3, "value", "3"),
        ("2013Q1/cso02_ispravka.csv", None, "value", "1"),
    ]
    assert withdrawn[0].message == (
        "2013Q1/cso02.csv row 2 gave VOT_ASSISTED (sex=F, age_group=ADULT): 3. Row 3 of this"
        " file replaces it but was rejected, so that figure no longer counts; correct row 3."
    )
    assert withdrawn[1].message.startswith(
        "2013Q1/cso02.csv row 4 gave VOT_IDENTIFIED (sex=F, age_group=ADULT): 1. This file has"
        " no row for it"
    )
    assert statuses == [
        ("2013Q1/cso02.csv", "superseded"),
        ("2013Q1/cso02_ispravka.csv", "partial"),
    ]

    feedback = workspace.extracts / "feedback" / "CSO02"
    new = (feedback / "2013Q1_cso02_ispravka_feedback.csv").read_text(encoding="utf-8-sig")
    assert new.count("VALUE_WITHDRAWN") == 2
    old = openpyxl.load_workbook(feedback / "2013Q1_cso02_feedback.xlsx").worksheets[0]
    first_line = old.cell(1, 1).value
    # In the CSO's language (Serbian), naming the file that replaced this one.
    assert "Nema ničeg za ispravku" not in first_line
    assert "zamenio je kasnije poslati fajl 2013Q1/cso02_ispravka.csv" in first_line


def _data_docs_work_offline_and_name_rows(root: Path, run_id: str) -> None:
    pages = sorted(root.rglob("*.html"))
    # Every style, script and image is loaded from the Data Docs folder itself.
    loaded = re.compile(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)"')
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for address in loaded.findall(text):
            assert not re.match(r"(https?:)?//", address), (page, address)
            assert (page.parent / address).resolve().is_file(), (page, address)
        assert "amazonaws.com" not in text and "cdn" not in text.lower().replace("cdnjs", "")
    # One index above the quarters links each quarter's results.
    index = (root / "index.html").read_text(encoding="utf-8")
    assert 'href="2013Q1/index.html"' in index
    [result_page] = [p for p in pages if {"validations", "values_row_rules"} <= set(p.parts)]
    assert f'href="{result_page.relative_to(root).as_posix()}"' in index
    text = result_page.read_text(encoding="utf-8")
    # The failing rows by file and row, the data asset and the run by name.
    assert "2013Q1/cso02.csv row 3" in text
    assert "Data asset: values_rows" in re.sub(r"<[^>]+>|\s+", " ", text).replace("  ", " ")
    assert f"2013Q1_dagster-run-{run_id[:8]}" in text


def test_without_the_data_docs_packages_the_quarter_is_stored_and_no_cdn_page_is_left(
    workspace, monkeypatch
):
    from lct_pipeline import datadocs

    monkeypatch.setattr(datadocs, "PACKAGES", workspace.root / "no_node_modules")
    _write(
        workspace.inbox / "2013Q1/cso02.csv",
        f"{HEADER}\nCSO02,2013Q1,VOT_ASSISTED,F,ADULT,2\n",
        "2013-04-10T08:00:00",
    )

    result = dg.materialize(
        [raw_submissions, validated_submissions],
        partition_key="2013Q1",
        resources=build_resources(),
        instance=dg.DagsterInstance.ephemeral(),
    )

    assert result.success
    metadata = _validated_metadata(result)
    assert metadata["rows_accepted"].value == 1
    assert "npm ci" in metadata["data_docs"].value
    assert not (workspace.data_docs / "2013Q1").exists()


def test_the_history_a_quarter_reads_is_named_for_every_quarter():
    assert history_read("2012Q4")["history_quarters"].value == "none: the programme's first quarter"
    assert history_read("2013Q2")["history_quarters"].value == "2012Q4 to 2013Q1"
    assert history_read("2014Q3")["history_quarters"].value == "2013Q3 to 2014Q2"


def test_the_history_cannot_be_an_edge_of_the_asset_graph():
    """Why ``history_read`` is metadata: the day Dagster accepts one of these, declare it."""
    keys = quarterly_partitions.get_partition_keys()
    later = dg.StaticPartitionMapping({q: keys[i + 1 : i + 5] for i, q in enumerate(keys[:-1])})

    @dg.asset(
        partitions_def=quarterly_partitions, deps=[dg.AssetDep("values", partition_mapping=later)]
    )
    def validated(): ...

    @dg.asset(partitions_def=quarterly_partitions, deps=[validated])
    def values(): ...

    through_values = dg.Definitions(assets=[validated, values])
    with pytest.raises(Exception, match="Circular dependencies"):
        through_values.resolve_implicit_global_asset_job_def()

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="time-partitioned"):

        @dg.asset(
            partitions_def=quarterly_partitions,
            deps=[dg.AssetDep("own", partition_mapping=later)],
        )
        def own(): ...
