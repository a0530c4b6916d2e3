"""Does a quarter's cost grow with the history? (issue 13, point 3)

Builds a warehouse of ORGS CSOs over QUARTERS quarters of current facts, the shape
the generator gives (every element and breakdown member a CSO reports, a measures
snapshot), then times, for the first and the last quarter, every step that reads
other quarters: the quarter's additive parts, its indicators (Q, Y and CUM at every
level, from stored parts) and its completeness. Validation and the extracts read the
quarter itself (and, for OUTLIER, four quarters): ``benchmarks/run.py`` times them.

    .venv/bin/python benchmarks/quarter_cost.py [--orgs 300] [--quarters 40] [--repeat 3]

Times each quarter as a backfill runs it (every quarter's parts oldest first, then
every quarter's figures) and prints the first and the last quarter and their ratio
(the target: last <= 1.3 x first); then a correction of the first quarter: its parts
again (the later years' cumulative rows follow) and the figures of every later one.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lct_pipeline import periods  # noqa: E402
from lct_pipeline.generator import Config, network_of  # noqa: E402
from lct_pipeline.generator.network import write_reference  # noqa: E402
from lct_pipeline.indicators.partition import (  # noqa: E402
    refresh_indicator_values,
    refresh_parts,
    refresh_reporting_completeness,
)
from lct_pipeline.reference import load_reference  # noqa: E402
from lct_pipeline.warehouse.engine import get_engine  # noqa: E402
from lct_pipeline.warehouse.schema import ensure_schema  # noqa: E402
from lct_pipeline.warehouse.tables_raw import raw_files  # noqa: E402
from lct_pipeline.warehouse.tables_star import fact_measures, fact_values  # noqa: E402
from lct_pipeline.warehouse.tables_validated import slices  # noqa: E402


def _facts(reference, org: str, quarter: str, chance: random.Random, sid: str) -> list[dict]:
    rows = []
    for element in reference.data_elements.values():
        members = [list(reference.dimensions[d].members) for d in element.dimensions]
        for combo in itertools.product(*members) if members else [()]:
            row = dict(zip(element.dimensions, combo, strict=True))
            rows.append(
                {
                    "submission_id": sid,
                    "sheet": "",
                    "row_number": len(rows) + 2,
                    "period": quarter,
                    "org_code": org,
                    "data_element": element.code,
                    **{d: row.get(d) for d in ("sex", "age_group", "vulnerable_group",
                                               "service", "institution")},
                    "value": float(chance.randint(0, 9)),
                    "is_total": False,
                    "counted": True,
                }
            )  # fmt: skip
    return rows


def build(folder: Path, orgs: int, quarters: list[str]) -> tuple[object, object]:
    network, _ = network_of(Config(orgs=orgs, first=quarters[0], last=quarters[-1], seed=7))
    write_reference(network, folder / "reference")
    reference = load_reference(folder / "reference")
    engine = get_engine(f"sqlite:///{folder / 'warehouse.sqlite'}")
    ensure_schema(engine)
    chance = random.Random(7)
    with engine.begin() as conn:
        for quarter in quarters:
            values, measures, files, slice_rows = [], [], [], []
            received = datetime.combine(periods.quarter_end(quarter), datetime.min.time())
            for org in reference.active_orgs(quarter):
                sid = f"{org}-{quarter}"
                sha = hashlib.sha256(sid.encode()).hexdigest()
                files.append({
                    "sha256": sha, "source_file": f"{quarter}/{org}.csv", "size_bytes": 1,
                    "received_at": received + timedelta(days=10), "archive_path": "",
                    "home_period": quarter, "rows_read": 1,
                })  # fmt: skip
                slice_rows.append({
                    "submission_id": sid, "partition_period": quarter, "sha256": sha,
                    "source_file": f"{quarter}/{org}.csv",
                    "received_at": received + timedelta(days=10), "org_code": org,
                    "period": quarter, "record_type": "values", "status": "accepted",
                    "is_current": True, "rows_total": 1, "rows_accepted": 1,
                    "rows_rejected": 0, "rows_warned": 0,
                })  # fmt: skip
                values += _facts(reference, org, quarter, chance, sid)
                for n in range(8):
                    measures.append({
                        "submission_id": f"{sid}-m", "sheet": "", "row_number": n + 2,
                        "period": quarter, "org_code": org, "plan_code": "LAP",
                        "measure_code": f"M{n}", "measure_title": "measure",
                        "responsible_institution": None,
                        "status": chance.choice(["PLANNED", "COMPLETED", "CANCELLED"]),
                        "planned_budget_eur": 1000.0, "spent_budget_eur": 500.0,
                        "due_period": quarters[min(len(quarters) - 1, n * 5)],
                    })  # fmt: skip
            conn.execute(raw_files.insert(), files)
            conn.execute(slices.insert(), slice_rows)
            conn.execute(fact_values.insert(), values)
            conn.execute(fact_measures.insert(), measures)
    return engine, reference, quarters[-1]


def _time(step, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=300)
    parser.add_argument("--quarters", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, help="build the warehouse here and keep it")
    args = parser.parse_args()
    quarters = periods.period_range(
        periods.PROGRAMME_START, periods.shift(periods.PROGRAMME_START, args.quarters - 1)
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.work or scratch
        Path(folder).mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        engine, reference, current = build(Path(folder), args.orgs, quarters)
        print(json.dumps({"built_s": round(time.perf_counter() - started, 1)}), flush=True)
        # A backfill's order: every quarter's parts (the warehouse stage), oldest first,
        # then every quarter's figures.
        parts = [_time(lambda q=q: refresh_parts(engine, reference, q), 1) for q in quarters]
        figures = []
        for quarter in quarters:
            indicators = _time(
                lambda q=quarter: refresh_indicator_values(engine, reference, q, current), 1
            )
            completeness = _time(
                lambda q=quarter: refresh_reporting_completeness(engine, reference, q, current), 1
            )
            figures.append((indicators, completeness))
        totals = []
        for n in (0, len(quarters) - 1):
            indicators, completeness = figures[n]
            totals.append(parts[n] + indicators + completeness)
            print(json.dumps({"quarter": quarters[n], "parts": round(parts[n], 3),
                              "indicators": round(indicators, 3),
                              "completeness": round(completeness, 3),
                              "total_s": round(totals[-1], 3)}), flush=True)  # fmt: skip
        print(json.dumps({"orgs": args.orgs, "quarters": args.quarters,
                          "last_over_first": round(totals[1] / totals[0], 2),
                          "figures_of_every_quarter_s": round(sum(map(sum, figures)), 1)}),
              flush=True)  # fmt: skip
        # A correction of the first quarter: its parts again (the later years' cumulative
        # rows follow), then the figures of every later quarter.
        again = _time(lambda: refresh_parts(engine, reference, quarters[0]), args.repeat)
        later = sum(
            _time(lambda q=q: refresh_indicator_values(engine, reference, q, current), 1)
            + _time(lambda q=q: refresh_reporting_completeness(engine, reference, q, current), 1)
            for q in quarters[1:]
        )
        print(json.dumps({"first_quarter_parts_again_s": round(again, 2),
                          "figures_of_the_later_quarters_s": round(later, 1)}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
