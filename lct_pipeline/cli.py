"""``lct``: the pipeline without the UI (SPEC §10).

``lct run`` executes the same Dagster job the UI launches, in-process, on the
instance under ``DAGSTER_HOME`` so its runs show in the UI afterwards.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from lct_pipeline import periods
from lct_pipeline.settings import Settings, setting


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2: easy to read in a terminal or log
        self.exit(2, f"lct: error: {message} (see lct --help)\n")


def _today() -> date:
    return (
        date.fromisoformat(os.environ["LCT_TODAY"]) if os.environ.get("LCT_TODAY") else date.today()
    )


def _quarter(text: str) -> str:
    period = periods.parse_period(text)
    if period is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a quarter such as 2013Q1")
    current = periods.of_date(_today())
    if not periods.PROGRAMME_START <= period <= current:
        raise argparse.ArgumentTypeError(
            f"{period} is outside the programme's quarters {periods.PROGRAMME_START}..{current}"
        )
    return period


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lct",
        description="LCT monitoring pipeline: ingest, validate and aggregate CSO submissions.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("run", help="run the quarterly pipeline (same assets as the UI)")
    which = run.add_mutually_exclusive_group(required=True)
    which.add_argument("--period", type=_quarter, action="append", help="a quarter, e.g. 2013Q1")
    which.add_argument("--all", action="store_true", help="every quarter that has data")
    run.add_argument("--verbose", action="store_true", help="show Dagster's step log")
    sample = commands.add_parser(
        "sample", help="copy the bundled sample submissions into the inbox, with received times"
    )
    sample.add_argument("--into", type=Path, help="target folder (default: LCT_INBOX_DIR)")
    return parser


def _dagster_home() -> None:
    home = Path(setting("DAGSTER_HOME"))
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)


def _row_counts(result) -> str:
    parts = []
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        count = materialization.metadata.get("dagster/row_count")
        if count is not None:
            parts.append(f"{materialization.asset_key.to_user_string()}={count.value}")
    return ", ".join(parts)


def run_quarters(quarters: Sequence[str] | None, log_level: str = "WARNING") -> int:
    """Run the job for ``quarters`` (None: every quarter with data); the exit status."""
    _dagster_home()
    import dagster as dg

    from lct_pipeline.definitions import defs
    from lct_pipeline.ingestion import quarters_with_data
    from lct_pipeline.warehouse.engine import get_engine
    from schedules.jobs import QUARTERLY_PIPELINE

    job = defs.resolve_job_def(QUARTERLY_PIPELINE)
    instance = dg.DagsterInstance.get()
    settings = Settings.from_env()
    todo = list(quarters or [periods.PROGRAMME_START])
    failed = []
    done: list[str] = []
    while todo:
        quarter = todo.pop(0)
        result = job.execute_in_process(
            partition_key=periods.partition_key(quarter),
            instance=instance,
            raise_on_error=False,
            tags={"lct/quarter": quarter},
            # The terminal shows warnings and the summary; the full log is in the UI.
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        )
        status = "ok" if result.success else "FAILED"
        print(f"{quarter}  {status}  run {result.run_id[:8]}  {_row_counts(result)}", flush=True)
        if not result.success:
            failed.append(quarter)
        done.append(quarter)
        if quarters is None and not todo:
            # The first run has ingested the inbox: now every quarter with data is known.
            todo = [
                q
                for q in quarters_with_data(get_engine(settings.warehouse_url), _today())
                if q not in done
            ]
    print(f"Warehouse: {settings.warehouse_url}")
    print(f"Archive:   {settings.archive_dir}")
    print(f"Extracts:  {settings.extracts_dir}")
    print(f"Dagster:   {os.environ['DAGSTER_HOME']} (runs visible in the UI)")
    if failed:
        print(f"lct: {len(failed)} quarter(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return run_quarters(
            None if args.all else args.period, "DEBUG" if args.verbose else "WARNING"
        )
    if args.command == "sample":
        from lct_pipeline.sample import install_sample

        target = args.into or Settings.from_env().inbox_dir
        copied = install_sample(target)
        print(f"{copied} sample file(s) copied into {target}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
