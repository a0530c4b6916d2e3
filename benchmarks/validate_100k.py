"""How fast a quarter validates: 100k values rows through ``validate_quarter``.

Writes a synthetic network (CSOs of one municipality, every key of every data
element, about 1% faulty rows) for two quarters, ingests both, then validates the
second: its rows are judged and stored, and the first quarter's raw rows are
judged again as OUTLIER history. Prints figures, asserts nothing.

    .venv/bin/python benchmarks/validate_100k.py [--rows 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import random
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from lct_pipeline.ingestion import ingest_inbox
from lct_pipeline.reference import load_reference
from lct_pipeline.settings import DATA_DIR
from lct_pipeline.validation import account_for_rows, validate_quarter
from lct_pipeline.warehouse.engine import get_engine
from lct_pipeline.warehouse.schema import ensure_schema

HISTORY, QUARTER, CURRENT, TODAY = "2012Q4", "2013Q1", "2014Q1", date(2014, 3, 1)
ORGS_PER_FILE = 50
FAULT_RATE = 0.01
COLUMNS = ["org_code", "period", "data_element", "sex", "age_group", "vulnerable_group",
           "service", "institution", "value", "comment"]  # fmt: skip


def write_reference(folder: Path, orgs: list[str]) -> None:
    """The shipped catalogue and areas, and a registry of ``orgs`` in one municipality."""
    shutil.copytree(DATA_DIR / "reference", folder)
    with (folder / "areas.csv").open("a", encoding="utf-8") as areas:
        areas.write("M-BENCH,Benchmark,MUNICIPALITY,R-VOJ\n")
    with (folder / "organisations.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["org_code", "org_name", "municipality_code", "active_from", "active_to"])
        writer.writerows([org, f"CSO {org}", "M-BENCH", "2012Q4", ""] for org in orgs)


def row_keys(reference) -> list[tuple[str, dict[str, str]]]:
    """Every detail key of every element (a total row for elements without dimensions)."""
    keys = []
    for element in reference.data_elements.values():
        members = [reference.dimensions[d].members for d in element.dimensions]
        for combination in itertools.product(*members):
            keys.append((element.code, dict(zip(element.dimensions, combination, strict=True))))
    return keys


def write_quarter(inbox: Path, period: str, orgs: list[str], keys, rng: random.Random) -> int:
    rows = 0
    for start in range(0, len(orgs), ORGS_PER_FILE):
        path = inbox / period / f"batch_{start // ORGS_PER_FILE:03d}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for org in orgs[start : start + ORGS_PER_FILE]:
                for element, members in keys:
                    value = str(rng.randint(0, 12))
                    if rng.random() < FAULT_RATE:  # a typo, a wrong member or a stray sign
                        value = rng.choice(["1O", "-4", "2,5", "9999"])
                    writer.writerow(
                        [org, period, element, *(members.get(c, "") for c in COLUMNS[3:8]),
                         value, ""]
                    )  # fmt: skip
                    rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="values rows per quarter")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="lct-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        catalogue = load_reference(DATA_DIR / "reference")
        keys = row_keys(catalogue)
        orgs = [f"B{n:04d}" for n in range(1, -(-args.rows // len(keys)) + 1)]
        write_reference(root / "reference", orgs)
        reference = load_reference(root / "reference")
        rng = random.Random(7)
        for period in (HISTORY, QUARTER):
            rows = write_quarter(root / "inbox", period, orgs, keys, rng)
        engine = get_engine(f"sqlite:///{root / 'warehouse.sqlite'}")
        ensure_schema(engine)

        started = time.perf_counter()
        ingest_inbox(root / "inbox", root / "archive", engine, TODAY)
        ingested = time.perf_counter() - started
        print(f"{len(orgs)} CSOs, {rows} rows per quarter, {len(keys)} keys per CSO")
        print(f"ingestion of both quarters: {ingested:.1f} s")

        import great_expectations  # noqa: F401  (paid once per process, not per quarter)

        for run in ("first run", "second run (replaces)"):
            started, cpu = time.perf_counter(), time.process_time()
            validation = validate_quarter(engine, reference, QUARTER, CURRENT)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(
                f"validate_quarter {QUARTER}, {run}: {seconds:.1f} s wall ({cpu:.1f} s CPU),"
                f" {rows / seconds:,.0f} rows/s ({rows / cpu:,.0f} per CPU second);"
                f" accepted {validation.count('rows_accepted')},"
                f" rejected {validation.count('rows_rejected')}; {HISTORY} judged as history"
            )
        print(f"every row accounted for: {account_for_rows(engine, QUARTER, CURRENT).ok}")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
