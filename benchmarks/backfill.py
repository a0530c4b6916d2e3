"""The backfill alone, with and without ``--workers``: ``lct run --all`` of this checkout.

    .venv/bin/python benchmarks/backfill.py --orgs 100 --quarters 8 --workers 1 2 \\
        --network /tmp/net100x8

For each value of ``--workers`` (in turn, ``--repeat`` times), a fresh work folder, the
network's files installed with their received times, then ``lct run --all [--workers N]``
as a subprocess: its wall time and peak RSS (largest process), and its runs. Run it from
two checkouts (a worktree of the commit before a change, and after) one after the other
on a quiet machine; the figures of issue 16 in docs/performance.md come from it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import PYTHON, generate, lct_env, network_span, run_child

from lct_pipeline.sample import install_sample


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--network", type=Path, help="generated files (kept, reused)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    first, last, today = network_span(args.quarters)
    scratch = Path(tempfile.mkdtemp(prefix="lct-backfill-"))
    network = args.network or scratch / "network"
    generate(network, args.orgs, first, last, args.seed)
    print(f"{args.orgs} CSOs x {args.quarters} quarters, checkout {Path(__file__).parents[1]}")
    for _ in range(args.repeat):
        for workers in args.workers:
            work = scratch / f"work{workers}"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            install_sample(work / "inbox", network)
            command = [PYTHON, "-m", "lct_pipeline.cli", "run", "--all", "--workers", str(workers)]
            log = scratch / f"lct{workers}.log"
            wall, rss, status = run_child(command, lct_env(work, network, today), log)
            runs = sum(" ok " in line or "FAILED" in line for line in log.read_text().splitlines())
            print(
                f"--workers {workers}: {wall:.1f} s, {rss:.0f} MB, {runs} runs, exit {status}",
                flush=True,
            )
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
