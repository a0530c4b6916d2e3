"""``python -m lct_pipeline.generator``: write a generated network, or the bundled sample.

    python -m lct_pipeline.generator --orgs 300 --first 2012Q4 --last 2022Q3 --seed 7 \\
        --out /tmp/network --reference-out /tmp/network/reference [--error-rate 0.01]
    python -m lct_pipeline.generator --sample --out data/sample --overwrite
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from lct_pipeline import periods
from lct_pipeline.generator import REFERENCE_DIR, Config, generate
from lct_pipeline.reference import load_reference

_NETWORK_OPTIONS = ("orgs", "first", "last", "seed", "error_rate", "reference_out")


def _quarter(text: str) -> str:
    period = periods.parse_period(text)
    if period is None or period < periods.PROGRAMME_START:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a quarter from {periods.PROGRAMME_START}"
        )
    return period


def _rate(text: str) -> float:
    rate = float(text)
    if not 0 <= rate <= 0.5:
        raise argparse.ArgumentTypeError("the error rate is a share of rows, from 0 to 0.5")
    return rate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lct_pipeline.generator",
        description="Write seeded, realistic CSO submissions with a manifest of injected mistakes.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="writes OUT/inbox, OUT/received.csv, OUT/manifest.json",
    )
    parser.add_argument("--orgs", type=int, help="number of organisations (default 14)")
    parser.add_argument("--first", type=_quarter, help="first quarter (default 2012Q4)")
    parser.add_argument("--last", type=_quarter, help="last quarter (default 2013Q4)")
    parser.add_argument("--seed", type=int, help="random seed (default 7)")
    parser.add_argument(
        "--error-rate", type=_rate, help="share of rows with a mistake (default 0.01)"
    )
    parser.add_argument(
        "--reference-out", type=Path, help="write the network's reference data here"
    )
    parser.add_argument(
        "--sample", action="store_true", help="the bundled sample: fixed network and mistakes"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a previous generator output in OUT"
    )
    return parser


def _clear(out: Path, overwrite: bool) -> str | None:
    """Why OUT cannot be written, or None once it is clear."""
    inbox, written = out / "inbox", [out / "received.csv", out / "manifest.json"]
    if not (any(p.exists() for p in written) or (inbox.is_dir() and any(inbox.iterdir()))):
        return None
    if not overwrite:
        return f"{out} already holds generated files; pass --overwrite to replace them"
    if inbox.is_dir() and any(inbox.iterdir()) and not (out / "manifest.json").is_file():
        # Without our manifest this may be someone's real inbox: never delete that.
        return f"{inbox} was not written by the generator (no manifest.json next to it)"
    shutil.rmtree(inbox, ignore_errors=True)
    for path in written:
        path.unlink(missing_ok=True)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.sample:
        given = [
            f"--{o.replace('_', '-')}" for o in _NETWORK_OPTIONS if getattr(args, o) is not None
        ]
        if given:
            parser.error(f"--sample fixes the network, seed and mistakes: drop {', '.join(given)}")
    config = Config(
        orgs=args.orgs or 14,
        first=args.first or periods.PROGRAMME_START,
        last=args.last or "2013Q4",
        seed=7 if args.seed is None else args.seed,
        error_rate=0.01 if args.error_rate is None else args.error_rate,
    )
    if config.orgs < 1 or config.last < config.first:
        parser.error("need --orgs >= 1 and --last not before --first")
    problem = _clear(args.out, args.overwrite)
    if problem:
        parser.error(problem)
    started = time.perf_counter()
    if args.sample:
        from lct_pipeline.generator.sample import generate_sample

        manifest = generate_sample(args.out)
    else:
        manifest = generate(config, args.out, args.reference_out)
    _report(manifest, args, time.perf_counter() - started)
    return 0


def _report(manifest: dict, args, seconds: float) -> None:
    s, g, totals = manifest["summary"], manifest["generator"], manifest["totals"]
    out = args.out
    print(
        f"Wrote {s['files']:,} files, {s['bytes'] / 1e6:.1f} MB ({s['values_rows']:,} values rows,"
        f" {s['measures_rows']:,} measures rows) to {out / 'inbox'} in {seconds:.1f} s"
    )
    print(f"  network: {g['orgs']} organisations, {g['first']}..{g['last']}, seed {g['seed']}")
    print(f"  received times: {out / 'received.csv'}; answer key: {out / 'manifest.json'}")
    print(f"  rejections injected: {sum(s['rejections'].values()):,} ({_counts(s['rejections'])})")
    print(f"  warnings injected: {sum(s['warnings'].values()):,} ({_counts(s['warnings'])})")
    print(
        f"  accepted current totals: VOT_ASSISTED {totals.get('VOT_ASSISTED', 0):,},"
        f" PERSONS_CONTACTED {totals.get('PERSONS_CONTACTED', 0):,}"
    )
    if args.reference_out:
        print(f"  reference data: {args.reference_out} (point LCT_REFERENCE_DIR at it)")
    elif not args.sample and g["orgs"] > len(load_reference(REFERENCE_DIR).organisations):
        print(
            f"  note: data/reference has fewer than {g['orgs']} organisations: add --reference-out"
        )


def _counts(counter: dict) -> str:
    return ", ".join(f"{code} {n:,}" for code, n in counter.items()) or "none"


if __name__ == "__main__":
    sys.exit(main())
