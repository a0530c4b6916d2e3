"""The warehouse and indicator assets through Dagster, on the programme's real registry."""

from __future__ import annotations

import dagster as dg
import pg

from assets.indicators import indicator_values, reporting_completeness
from assets.warehouse import data_values, indicator_parts, measures
from lct_pipeline.reference import load_reference
from lct_pipeline.warehouse.engine import get_engine
from lct_pipeline.warehouse.schema import ensure_schema
from resources import build_resources

ASSETS = [data_values, measures, indicator_parts, indicator_values, reporting_completeness]


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    return {
        event.materialization.asset_key.to_user_string(): {
            key: value.value for key, value in event.materialization.metadata.items()
        }
        for event in result.get_asset_materialization_events()
    }


def test_a_quarter_materialises_facts_indicators_and_completeness(workspace):
    engine = get_engine(workspace.warehouse_url)
    ensure_schema(engine)
    data = pg.Validated(engine, load_reference(workspace.reference_dir))
    data.values(
        "CSO01",
        "2013Q1",
        [("VOT_ASSISTED", {"sex": "F", "age_group": "ADULT"}, 9), ("VOT_ASSISTED", None, 9)],
        "2013-04-10T09:00:00",
    )
    data.measures(
        "CSO01",
        "2013Q1",
        [{"measure_code": "M1", "status": "COMPLETED", "planned": 10, "spent": 9, "due": "2013Q1"}],
        "2013-04-10T09:00:00",
    )
    instance = dg.DagsterInstance.ephemeral()

    result = dg.materialize(
        ASSETS, partition_key="2013Q1", resources=build_resources(), instance=instance
    )

    assert result.success
    meta = _metadata(result)
    assert meta["data_values"]["dagster/row_count"] == 2
    assert meta["measures"]["dagster/row_count"] == 1
    # 13 CSOs are active in 2013Q1 (CSO14 from 2013Q2): 13 ORG rows, one per municipality
    # (12 of the 13 municipalities have a CSO active), 4 regions and the country.
    assert meta["reporting_completeness"]["dagster/row_count"] == 13 + 12 + 4 + 1
    # 1 of 13 CSOs reported: 7.69…%, shown as people read it.
    assert meta["reporting_completeness"]["completeness_pct"] == 7.7
    headline = meta["indicator_values"]["headline"]
    # 9 victims against 40 × 1 / 4 = 10 expected: 0.9, GREEN.
    assert "| IND03 | victims assisted through local networks | 9 | 40 | 10 | GREEN |" in headline
    assert "| IND11 | reporting completeness (%) | 7.7 | 100 | 100 | RED |" in headline

    later = dg.materialize(
        ASSETS, partition_key="2013Q2", resources=build_resources(), instance=instance
    )
    # 2013Q2 is after the latest quarter with data: nothing is written for it.
    assert {k: m["dagster/row_count"] for k, m in _metadata(later).items()} == {
        "data_values": 0,
        "measures": 0,
        # 14 CSOs active in 2013Q2, each with its three reporting counts (none received).
        "indicator_parts": 14 * 3,
        "indicator_values": 0,
        "reporting_completeness": 0,
    }
