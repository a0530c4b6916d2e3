"""The national-scale benchmark (issue 7): our pipeline against the floor, in one table.

Generates (or reuses) a network of ORGS CSOs over QUARTERS quarters, then measures:

- ``lct run --all`` (the full backfill), ``lct run --period <last quarter>`` after it, and
  ``lct run --period <first quarter>`` after a correction of one of its files arrives
  (it refreshes every later quarter), each a subprocess with its own ``LCT_*`` settings
  in a work folder, wall time and peak RSS (``os.wait4``);
- the floor: the same bytes read and parsed by the fastest readers available (pyarrow's
  CSV reader, python-calamine for XLSX) plus one bulk insert of every row into a
  fresh SQLite file; and a plain pandas script that reads the files and sums IND01 and
  IND03 by region and year;
- ``lct validate`` of one typical file, cold (a subprocess);
- three analyst queries of docs/data-dictionary.md on the warehouse (median of N runs).

    .venv/bin/python benchmarks/run.py [--orgs 300] [--quarters 40] [--network DIR]
        [--work DIR] [--keep]

``--network DIR`` keeps the generated files: generating 300 x 40 takes longer than the
benchmark itself, so a second run with the same DIR reuses them. Prints figures only;
the targets are those of issues 7 and 13 (docs/performance.md).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lct_pipeline import periods  # noqa: E402
from lct_pipeline.sample import install_sample  # noqa: E402

PYTHON = sys.executable
TARGETS = {  # issue 7 part 4, issue 13 part 4
    "backfill_vs_floor": 10.0,
    "quarter_s": 20.0,
    "refresh_s": 120.0,
    "rss_mb": 1500.0,
    "validate_s": 8.0,
    "query_ms": 50.0,
}
QUERIES = {  # docs/data-dictionary.md, with the year and quarter of the generated network
    "IND03 victims assisted by region and year": """
        SELECT area_code AS region, area_name, period AS year, value AS victims_assisted
        FROM indicator_values
        WHERE indicator_code = 'IND03' AND period_type = 'Y'
          AND area_level = 'REGION' AND breakdown = 'TOTAL'
        ORDER BY region, year""",
    "CSOs late in {quarter}": """
        SELECT r.area_code AS org_code, o.org_name,
               CASE WHEN r.received = 0 THEN 'not received' ELSE 'received late' END AS problem
        FROM reporting_completeness r
        JOIN dim_organisation o ON o.org_code = r.area_code
        WHERE r.period = '{quarter}' AND r.area_level = 'ORG' AND r.on_time = 0
        ORDER BY r.area_code""",
    "persons contacted by group in {year} (raw values)": """
        SELECT vulnerable_group, SUM(value) AS persons
        FROM data_values
        WHERE data_element = 'PERSONS_CONTACTED' AND period BETWEEN '{year}Q1' AND '{year}Q4'
          AND vulnerable_group <> '_T'
        GROUP BY vulnerable_group
        ORDER BY vulnerable_group""",
}


# --------------------------------------------------------------------------- helpers


def run_child(
    argv: list[str], env: dict[str, str], log: Path, expected: tuple[int, ...] = (0,)
) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit status) of a subprocess; output into ``log``."""
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(argv)}\n".encode())
        out.flush()
        started = time.perf_counter()
        child = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in expected:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        print(f"  exit {code}: {' '.join(argv[1:])}\n    " + "\n    ".join(tail), flush=True)
    return wall, usage.ru_maxrss / 1024, code


def generate(network: Path, orgs: int, first: str, last: str, seed: int) -> float | None:
    """Write the network unless ``network`` already holds this one; seconds taken or None."""
    stamp = network / "benchmark.txt"
    wanted = f"orgs={orgs} first={first} last={last} seed={seed}"
    if stamp.is_file() and stamp.read_text().strip() == wanted:
        return None
    if network.exists():
        shutil.rmtree(network)
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "-m", "lct_pipeline.generator", "--orgs", str(orgs), "--first", first,
         "--last", last, "--seed", str(seed), "--out", str(network),
         "--reference-out", str(network / "reference")],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    stamp.write_text(wanted + "\n")
    return time.perf_counter() - started


def network_span(quarters: int) -> tuple[str, str, str]:
    """The first and last quarter of a generated network, and LCT_TODAY 60 days after it."""
    first = periods.PROGRAMME_START
    last = periods.shift(first, quarters - 1)
    return first, last, (periods.quarter_end(last) + timedelta(days=60)).isoformat()


def lct_env(work: Path, network: Path, today: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        LCT_INBOX_DIR=str(work / "inbox"),
        LCT_ARCHIVE_DIR=str(work / "archive"),
        LCT_EXTRACTS_DIR=str(work / "extracts"),
        LCT_WAREHOUSE_URL=f"sqlite:///{work / 'warehouse.sqlite'}",
        LCT_REFERENCE_DIR=str(network / "reference"),
        LCT_DATA_DOCS_DIR=str(work / "data_docs"),
        DAGSTER_HOME=str(work / "dagster_home"),
        LCT_TODAY=today,
        PYTHONUNBUFFERED="1",
    )
    return env


def inbox_files(inbox: Path) -> list[Path]:
    return sorted(p for p in inbox.rglob("*") if p.suffix.lower() in (".csv", ".xlsx"))


def typical_file(inbox: Path, quarter: str) -> Path:
    """The median-sized values CSV of ``quarter`` (not a measures file, not a correction)."""
    candidates = [p for p in (inbox / quarter).glob("*.csv") if "_" not in p.stem] or inbox_files(
        inbox / quarter
    )
    candidates.sort(key=lambda p: p.stat().st_size)
    return candidates[len(candidates) // 2]


def correct_first_quarter(inbox: Path, first: str, received_at: datetime) -> Path:
    """A correction of a CSO's first-quarter file arrives late: the same file with one
    PERSONS_CONTACTED count raised by one (it moves IND01 and every later CUM row)."""
    source = typical_file(inbox, first)
    raw = source.read_bytes()
    try:  # CSOs send cp1250 too (the generator's messy files): keep the file's encoding
        encoding = "utf-8-sig" if raw[:3] == b"\xef\xbb\xbf" else "utf-8"
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        encoding = "cp1250"
        text = raw.decode(encoding)
    delimiter = max(",;\t", key=text.splitlines()[0].count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = [h.strip().lower() for h in rows[0]]
    element, value = header.index("data_element"), header.index("value")
    row = next(r for r in rows[1:] if r[element].strip() == "PERSONS_CONTACTED")
    row[value] = str(int(float(row[value].replace(",", "."))) + 1)
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    target = source.with_name(f"{source.stem}_ispravka.csv")
    target.write_bytes(out.getvalue().encode(encoding))
    stamp = received_at.timestamp()
    os.utime(target, (stamp, stamp))
    return target


# --------------------------------------------------------------------------- the floor


PANDAS_SCRIPT = r"""
import io, sys, codecs, warnings
from pathlib import Path
import pandas as pd

inbox, reference = Path(sys.argv[1]), Path(sys.argv[2])
frames = []
for path in sorted(inbox.rglob("*")):
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sheets = pd.read_excel(path, sheet_name=None, dtype=str)
            frame = pd.concat(sheets.values())
        elif suffix == ".csv":
            data = path.read_bytes()
            if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                encoding = "utf-16"
            else:
                try:
                    data.decode("utf-8")
                    encoding = "utf-8-sig"
                except UnicodeDecodeError:
                    encoding = "cp1250"
            head = data.decode(encoding, "replace").split("\n", 1)[0]
            sep = max(",;\t", key=head.count)
            frame = pd.read_csv(io.BytesIO(data), sep=sep, dtype=str, encoding=encoding,
                                on_bad_lines="skip")
        else:
            continue
    except Exception:
        continue
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if {"org_code", "period", "data_element", "value"} <= set(frame.columns):
        frames.append(frame)
values = pd.concat(frames, ignore_index=True)
values["value"] = pd.to_numeric(values["value"].str.replace(",", "."), errors="coerce")
values["org_code"] = values["org_code"].str.strip().str.upper()
values = values[values["data_element"].str.strip().str.upper().isin(
    ["PERSONS_CONTACTED", "VOT_ASSISTED"]) & values["sex"].fillna("").ne("_T")]
orgs = pd.read_csv(reference / "organisations.csv", dtype=str)
areas = pd.read_csv(reference / "areas.csv", dtype=str)
region = orgs.merge(areas, left_on="municipality_code", right_on="area_code")[
    ["org_code", "parent_code"]]
values = values.merge(region, on="org_code")
values["year"] = values["period"].str[:4]
result = values.groupby(["data_element", "parent_code", "year"])["value"].sum()
print(len(result), "figures")
"""


# --------------------------------------------------------------------------- queries


def time_queries(warehouse: Path, quarter: str, year: str, runs: int) -> dict[str, tuple]:
    """Per query: (median ms, first-run ms, rows)."""
    conn = sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)
    timings = {}
    for name, sql in QUERIES.items():
        sql = sql.format(quarter=quarter, year=year)
        label = name.format(quarter=quarter, year=year)
        samples = []
        for _ in range(runs + 1):
            started = time.perf_counter()
            rows = conn.execute(sql).fetchall()
            samples.append((time.perf_counter() - started) * 1000)
        timings[label] = (statistics.median(samples[1:]), samples[0], len(rows))
    conn.close()
    return timings


# --------------------------------------------------------------------------- main


def machine() -> str:
    import dagster
    import pandas
    import sqlalchemy

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} CPUs, {memory:.0f} GiB, Python {platform.python_version()},"
        f" dagster {dagster.__version__}, pandas {pandas.__version__},"
        f" SQLAlchemy {sqlalchemy.__version__}, SQLite {sqlite3.sqlite_version}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=300)
    parser.add_argument("--quarters", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--network", type=Path, help="generated files (kept, reused)")
    parser.add_argument("--work", type=Path, help="the pipeline's folders (default: temporary)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--floor-python",
        default=sys.executable,
        help="a Python with pyarrow and python-calamine for the floor (default: this one)",
    )
    parser.add_argument("--runs", type=int, default=9, help="runs of each analyst query")
    parser.add_argument(
        "--workers", type=int, default=1, help="lct run --all --workers N (processes)"
    )
    args = parser.parse_args()

    first, last, today = network_span(args.quarters)
    scratch = Path(tempfile.mkdtemp(prefix="lct-bench-"))
    network = args.network or scratch / "network"
    work = args.work or scratch / "work"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    log = scratch / "lct.log"
    log.unlink(missing_ok=True)
    rows_out: list[tuple[str, str, str, str]] = []  # what, measured, target, note

    print(f"machine: {machine()}", flush=True)
    print(f"network: {args.orgs} CSOs x {args.quarters} quarters ({first}..{last}),"
          f" LCT_TODAY={today}; log {log}", flush=True)  # fmt: skip
    generated = generate(network, args.orgs, first, last, args.seed)
    files = inbox_files(network / "inbox")
    size = sum(p.stat().st_size for p in files) / 1e6
    made = f"generated in {generated:.0f} s" if generated else "reused"
    print(f"  {len(files):,} files, {size:.1f} MB ({made})", flush=True)
    env = lct_env(work, network, today)
    install_sample(work / "inbox", network)

    # 1. The floor first (it also warms the page cache for the pipeline's reads).
    floor = subprocess.run(
        [args.floor_python, str(ROOT / "benchmarks" / "floor.py"), str(network / "inbox"),
         str(scratch)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    measured = json.loads(floor.stdout.splitlines()[-1])
    floor_s = measured["read_s"] + measured["insert_s"]
    print(f"floor ({measured['reader']}): read {measured['rows']:,} rows in"
          f" {measured['read_s']:.1f} s ({measured['unread']} files unreadable),"
          f" insert {measured['insert_s']:.1f} s", flush=True)  # fmt: skip
    pandas_script = scratch / "pandas_baseline.py"
    pandas_script.write_text(PANDAS_SCRIPT)
    pandas_s, pandas_rss, _ = run_child(
        [PYTHON, str(pandas_script), str(network / "inbox"), str(network / "reference")], env, log
    )
    print(f"pandas baseline: {pandas_s:.1f} s, {pandas_rss:.0f} MB", flush=True)

    # 2. The backfill and one quarter, through Dagster.
    lct = [PYTHON, "-m", "lct_pipeline.cli"]
    backfill = ["run", "--all", "--workers", str(args.workers)]
    backfill_s, backfill_rss, status = run_child([*lct, *backfill], env, log)
    print(f"lct {' '.join(backfill)}: {backfill_s:.1f} s, {backfill_rss:.0f} MB, exit {status}",
          flush=True)  # fmt: skip
    quarter_s, quarter_rss, q_status = run_child([*lct, "run", "--period", last], env, log)
    print(f"lct run --period {last}: {quarter_s:.1f} s, exit {q_status}", flush=True)
    # A correction of the first quarter: its run refreshes every later quarter.
    corrected = correct_first_quarter(
        work / "inbox", first, datetime.fromisoformat(today) - timedelta(days=1)
    )
    refresh_s, refresh_rss, r_status = run_child([*lct, "run", "--period", first], env, log)
    print(f"lct run --period {first} after {corrected.name}: {refresh_s:.1f} s, exit {r_status}",
          flush=True)  # fmt: skip

    # 3. lct validate, cold.
    sample_file = typical_file(network / "inbox", last)
    validate_s, validate_rss, _ = run_child(
        [*lct, "validate", str(sample_file)], env, log, expected=(0, 1)
    )

    # 4. Analyst queries.
    queries = time_queries(work / "warehouse.sqlite", last, last[:4], args.runs)

    ratio = backfill_s / floor_s
    rows_out += [
        (f"floor: {measured['reader']} + SQLite insert", f"{floor_s:.1f} s", "", ""),
        ("plain pandas read + IND01/IND03 by region, year", f"{pandas_s:.1f} s", "", ""),
        (
            f"lct run --all --workers {args.workers} (backfill)",
            f"{backfill_s:.1f} s",
            f"<= {TARGETS['backfill_vs_floor']:.0f}x floor",
            f"{ratio:.0f}x floor, {backfill_s / pandas_s:.0f}x pandas,"
            f" {backfill_s / args.quarters:.1f} s/quarter, exit {status}",
        ),
        (
            "  peak RSS of the backfill" + (" (largest process)" if args.workers > 1 else ""),
            f"{backfill_rss:.0f} MB",
            f"< {TARGETS['rss_mb']:.0f} MB",
            "",
        ),
        (
            f"lct run --period {last} (after the backfill)",
            f"{quarter_s:.1f} s",
            f"<= {TARGETS['quarter_s']:.0f} s",
            f"{quarter_rss:.0f} MB, exit {q_status}",
        ),
        (
            f"lct run --period {first} after a correction (refreshes {args.quarters - 1} later)",
            f"{refresh_s:.1f} s",
            f"<= {TARGETS['refresh_s']:.0f} s",
            f"{refresh_rss:.0f} MB, exit {r_status}",
        ),
        (
            f"lct validate {sample_file.parent.name}/{sample_file.name} (cold)",
            f"{validate_s:.1f} s",
            f"<= {TARGETS['validate_s']:.0f} s",
            f"{sample_file.stat().st_size / 1e3:.0f} kB, {validate_rss:.0f} MB",
        ),
    ]
    for label, (median_ms, first_ms, n) in queries.items():
        rows_out.append(
            (
                f"query: {label}",
                f"{median_ms:.1f} ms",
                f"< {TARGETS['query_ms']:.0f} ms",
                f"median of {args.runs}; first {first_ms:.1f} ms; {n} rows",
            )
        )
    widths = [max(len(r[i]) for r in rows_out) for i in range(3)]
    print()
    print(f"| {'what':<{widths[0]}} | {'measured':>{widths[1]}} | {'target':<{widths[2]}} | note |")
    print(f"|{'-' * (widths[0] + 2)}|{'-' * (widths[1] + 2)}|{'-' * (widths[2] + 2)}|------|")
    for what, measured, target, note in rows_out:
        print(f"| {what:<{widths[0]}} | {measured:>{widths[1]}} | {target:<{widths[2]}} | {note} |")
    if args.keep:
        print(f"\nkept: {work} and {scratch} (log {log})")
    else:
        shutil.rmtree(scratch, ignore_errors=True)  # the log, the floor's file, maybe work
        if args.work:
            print(f"\nkept: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
