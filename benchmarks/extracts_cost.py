"""What one national quarter's and one year's internal evaluation extracts cost (issue 13).

Times ``build_extract`` (read the views, render the workbook, CSVs and HTML report,
write the folder) on a generated national warehouse, each measurement a fresh process
(as a Dagster step pays it: Python, imports, the extract), medians over ``--repeat``:

- ``quarter``: a quarter's first version (what a backfill builds);
- ``quarter, same figures``: the same quarter again over its own folder (a refresh
  or a rerun that changes none of its figures);
- ``quarter, revised``: over a folder whose figures differ (what a correction of an
  earlier quarter does to every later quarter: its CUM rows change; the version in
  place is kept under ``revisions/`` and its changes listed);
- ``year``: the year's first version (built after its Q4).

The warehouse: ``--orgs`` CSOs over 2012Q4..2013Q4 generated with seed 7 and run with
``lct run --all --workers 2`` into ``--work`` (kept: a second run reuses it; about 8
minutes for 300 CSOs). Prints one table: whole-process wall time, inside the process
the time of reading the views and of building the extract, and the process's peak RSS.

    .venv/bin/python benchmarks/extracts_cost.py --work /tmp/lctx [--repeat 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
FIRST, LAST = "2012Q4", "2013Q4"
QUARTER, YEAR = "2013Q3", "2013Q4"  # the year 2013 is built by its Q4's run
SCENARIOS = {
    "quarter": (QUARTER, 0, None),
    "quarter, same figures": (QUARTER, 0, "same"),
    "quarter, revised": (QUARTER, 0, "revised"),
    "year": (YEAR, 1, None),
}


def _env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        LCT_INBOX_DIR=str(work / "work" / "inbox"),
        LCT_ARCHIVE_DIR=str(work / "work" / "archive"),
        LCT_EXTRACTS_DIR=str(work / "work" / "extracts"),
        LCT_WAREHOUSE_URL=f"sqlite:///{work / 'work' / 'warehouse.sqlite'}",
        LCT_REFERENCE_DIR=str(work / "net" / "reference"),
        LCT_DATA_DOCS_DIR=str(work / "work" / "data_docs"),
        DAGSTER_HOME=str(work / "work" / "dagster_home"),
        LCT_TODAY="2014-03-01",
        PYTHONUNBUFFERED="1",
    )
    return env


def prepare(work: Path, orgs: int) -> None:
    """Generate the network and run the pipeline over it, unless ``work`` holds it."""
    stamp = work / "benchmark.txt"
    wanted = f"orgs={orgs} first={FIRST} last={LAST} seed=7"
    if stamp.is_file() and stamp.read_text().strip() == wanted:
        return
    for part in ("net", "work"):
        shutil.rmtree(work / part, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "-m", "lct_pipeline.generator", "--orgs", str(orgs), "--first", FIRST,
         "--last", LAST, "--seed", "7", "--out", str(work / "net"),
         "--reference-out", str(work / "net" / "reference")],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    sys.path.insert(0, str(ROOT))
    from lct_pipeline.sample import install_sample

    install_sample(work / "work" / "inbox", work / "net")
    with (work / "lct.log").open("wb") as log:
        subprocess.run(
            [PYTHON, "-m", "lct_pipeline.cli", "run", "--all", "--workers", "2"],
            check=True, cwd=ROOT, env=_env(work), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    stamp.write_text(wanted + "\n")
    print(f"prepared {work} in {time.perf_counter() - started:.0f} s", flush=True)


def child(work: Path, scenario: str, root: Path, setup: bool) -> None:
    """One measurement (or, with ``setup``, the folder it starts from); prints JSON."""
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    try:
        from assets.extracts import internal_labels
    except ImportError:  # earlier commits: the asset read the quarters of a year too
        from assets.extracts import scope_labels as internal_labels
    from lct_pipeline.extracts import RunInfo, build_extract, read_views, scopes_for
    from lct_pipeline.reference import load_reference
    from lct_pipeline.warehouse.engine import get_engine

    period, which, before = SCENARIOS[scenario]
    reference = load_reference(work / "net" / "reference")
    engine = get_engine(f"sqlite:///{work / 'work' / 'warehouse.sqlite'}")
    run = RunInfo("benchmark", "0", datetime(2014, 3, 1, tzinfo=UTC))
    imported = time.perf_counter()
    scopes = scopes_for(period)
    inputs = read_views(engine, period, internal_labels(scopes))
    read = time.perf_counter()
    if setup:
        if before == "revised":  # an earlier version: every 97th figure one more
            rows = inputs.indicator_values.copy()
            some = rows.index[::97]
            rows.loc[some, "value"] = rows.loc[some, "value"].fillna(0) + 1
            inputs = dataclasses.replace(inputs, indicator_values=rows)
        build_extract(inputs, scopes[which], reference, root, run)
        return
    result = build_extract(inputs, scopes[which], reference, root, run)
    built = time.perf_counter()
    print(json.dumps({
        "imports": imported - started, "read": read - imported, "build": built - read,
        "rows": result.row_count, "version": result.revision.number,
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))  # fmt: skip


def measure(work: Path, scenario: str, repeat: int, scratch: Path) -> dict[str, float]:
    me = [PYTHON, str(Path(__file__).resolve()), "--work", str(work)]
    start = scratch / f"{scenario}.start"
    if SCENARIOS[scenario][2] is not None and not start.exists():
        subprocess.run([*me, "--child", scenario, "--root", str(start), "--setup"], check=True)
        if SCENARIOS[scenario][2] == "same":  # the version in place: this one's figures
            subprocess.run([*me, "--child", scenario, "--root", str(start), "--setup"], check=True)
    samples: list[dict[str, float]] = []
    for _ in range(repeat):
        root = scratch / "root"
        shutil.rmtree(root, ignore_errors=True)
        if start.exists():
            shutil.copytree(start, root)
        began = time.perf_counter()
        out = subprocess.run(
            [*me, "--child", scenario, "--root", str(root)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        wall = time.perf_counter() - began
        samples.append({**json.loads(out.stdout.splitlines()[-1]), "wall": wall})
    return {k: statistics.median(s[k] for s in samples) for k in samples[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="network and warehouse (kept)")
    parser.add_argument("--orgs", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=list(SCENARIOS), action="append")
    parser.add_argument("--child", choices=list(SCENARIOS), help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.work, args.child, args.root, args.setup)
        return 0
    prepare(args.work, args.orgs)
    print(
        f"| {args.orgs} CSOs, median of {args.repeat} | process | imports | read views"
        " | build | peak RSS | indicator rows |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="lct-extracts-cost-") as scratch:
        for scenario in args.only or SCENARIOS:
            period = SCENARIOS[scenario][0] if scenario != "year" else YEAR[:4]
            m = measure(args.work, scenario, args.repeat, Path(scratch))
            print(f"| {scenario} ({period}) | {m['wall']:.2f} s | {m['imports']:.2f} s"
                  f" | {m['read']:.2f} s | **{m['build']:.2f} s** | {m['rss']:.0f} MB"
                  f" | {m['rows']:,.0f} |",
                  flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
