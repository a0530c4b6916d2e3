"""``lct``: the pipeline without the UI (SPEC §10).

``lct run`` executes the same Dagster job the UI launches, on the instance under
``DAGSTER_HOME`` so its runs show in the UI afterwards: in this process, or with
``--workers N`` in Dagster's multiprocess executor, a Q4's public tables then in a run of
their own (through the instance's run launcher) beside the quarters after it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from lct_pipeline import periods
from lct_pipeline.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, Msg
from lct_pipeline.reference import load_reference
from lct_pipeline.settings import PROJECT_ROOT, Settings, setting, today

# Runs started by `lct run` carry the process id, so a later `lct run` can tell a
# run still going from one whose process was killed.
PID_TAG = "lct/pid"
# The code location's name in workspace.yaml (runs that `lct run` launches name it).
_LOCATION = "lct"

# Each step process of `lct run --workers N` is forked from one server that imported
# these once, instead of importing them itself (Great Expectations alone takes ~2 s; what
# every step process imports lazily to make its instance: the storage classes, the
# secrets loader and the paths, ~0.4 s a step). The server skips a name no longer there.
STEP_PRELOAD = (
    "lct_pipeline.definitions",
    "great_expectations",
    "matplotlib.pyplot",
    "dagster._core.storage.base_storage",
    "dagster._core.secrets.env_file",
    "upath.core",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2: easy to read in a terminal or log
        self.exit(2, f"lct: error: {message} (see lct --help)\n")


def _quarter(text: str) -> str:
    period = periods.parse_period(text)
    if period is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a quarter such as 2013Q1")
    current = periods.of_date(today())
    if not periods.PROGRAMME_START <= period <= current:
        raise argparse.ArgumentTypeError(
            f"{period} is outside the programme's quarters {periods.PROGRAMME_START}..{current}"
        )
    return period


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 16:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes from 1 to 16")
    return int(text)


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
    run.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="steps of a quarter's run side by side, through Dagster's multiprocess executor,"
        " and a Q4's public tables beside the next quarters, through the run launcher"
        " (default 1: in this process)",
    )
    sample = commands.add_parser(
        "sample", help="copy the bundled sample submissions into the inbox, with received times"
    )
    sample.add_argument("--into", type=Path, help="target folder (default: LCT_INBOX_DIR)")
    commands.add_parser("status", help="reporting completeness by CSO and quarter")
    template = commands.add_parser(
        "template",
        help="write the XLSX submission template of a CSO (or of every active CSO) for a quarter",
        description="Write the XLSX template a CSO fills in for a quarter (SPEC §11): org and"
        " quarter filled in, a row per data element and breakdown, drop-down lists, and the"
        " CSO's action plan as last reported in the warehouse. A row the CSO leaves empty is"
        " reported back as not reported, never counted as 0.",
    )
    whose = template.add_mutually_exclusive_group(required=True)
    whose.add_argument("--org", help="an organisation code of the registry, e.g. CSO05")
    whose.add_argument("--all", action="store_true", help="every CSO active in the quarter")
    template.add_argument("--period", type=_quarter, required=True, help="a quarter, e.g. 2014Q1")
    template.add_argument(
        "--out",
        type=Path,
        help="folder to write into (default: templates/<quarter>/ in LCT_EXTRACTS_DIR)",
    )
    check = commands.add_parser(
        "validate",
        help="check submission files before sending them (nothing is stored)",
        description="Check CSV or XLSX submissions with the pipeline's own rules and print"
        " every problem with its file, sheet, row, column, reason and message, then a verdict"
        " per file. OUTLIER is not checked here: it compares a value with the four previous"
        " quarters in the warehouse. Exit status 1 if any file or row would be rejected.",
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE", help="a .csv or .xlsx file")
    check.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="the language of the messages (default: the organisation's in the registry,"
        f" else {DEFAULT_LANGUAGE})",
    )
    return parser


def _dagster_home() -> None:
    home = Path(setting("DAGSTER_HOME"))
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    instance_config = home / "dagster.yaml"
    if not instance_config.exists():
        # The same instance as `make ui` (pool limit, no telemetry), not Dagster's default.
        shutil.copyfile(PROJECT_ROOT / "dagster.yaml", instance_config)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _release_dead_runs(instance) -> None:
    """Free the pool slots held by `lct run`s that were killed, and mark those runs failed.

    A run killed mid-step (a crash, SIGKILL) never gives back its `lct_warehouse`
    pool slot; no daemon watches in-process runs, so without this every later run
    would wait for that slot for ever.
    """
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return
    for run_id in storage.get_concurrency_run_ids():
        run = instance.get_run_by_id(run_id)
        pid = run.tags.get(PID_TAG) if run else None
        if run is None or (pid and not _alive(int(pid))) or run.is_finished:
            if run is not None and not run.is_finished:
                instance.report_run_failed(run, "the lct process running it was killed")
            storage.free_concurrency_slots_for_run(run_id)


def _row_counts(events) -> str:
    """The row counts of a run's materialisations (its ``DagsterEvent``s of that type)."""
    parts = []
    for event in events:
        materialization = event.materialization
        count = materialization.metadata.get("dagster/row_count")
        if count is not None:
            parts.append(f"{materialization.asset_key.to_user_string()}={count.value}")
    # raw_submissions materialises nothing for a quarter after the last one with data.
    return ", ".join(parts) or "no file reports this quarter or a later one: nothing to do"


def _headline(url: str) -> list[str]:
    """The cumulative national figures at the latest quarter, one line per indicator."""
    import pandas as pd

    from lct_pipeline.warehouse.engine import get_engine
    from lct_pipeline.warehouse.summaries import headline

    rows = headline(get_engine(url))
    if rows.empty:
        return []
    reference = load_reference(Settings.from_env().reference_dir)
    lines = [f"Headline, national, cumulative {periods.PROGRAMME_START}-{rows.period.iloc[0]}:"]
    for row in rows.itertuples():
        value = "-" if pd.isna(row.value) else f"{row.value:,.1f}".removesuffix(".0")
        name = reference.indicators[row.indicator_code].name
        lines.append(f"  {row.indicator_code}  {value:>8}  {name}")
    return lines


@cache
def _job_and_instance():
    """The quarterly job and the instance its runs are recorded in (once per process)."""
    import dagster as dg

    from lct_pipeline.definitions import quarterly_job

    return quarterly_job(), dg.DagsterInstance.get()


def _run_quarter(
    quarter: str, selection, log_level: str, tags: dict[str, str], workers: int
) -> tuple[bool, str, str]:
    """One run of the quarterly job for ``quarter``: (success, run id, row counts).

    With ``workers`` > 1 the run's steps go to Dagster's multiprocess executor, at most
    ``workers`` at a time (a quarter's feedback beside its warehouse steps, its extracts
    beside its public tables), each in a process forked from one that has loaded the
    code location once; otherwise they run in this process.
    """
    import dagster as dg

    from assets.partitions import quarterly_partitions
    from lct_pipeline.definitions import quarterly_job

    job, instance = _job_and_instance()
    # The terminal shows warnings and the summary; the full log is in the UI.
    run_config: dict = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    if workers == 1:
        result = job.execute_in_process(
            partition_key=quarter,
            instance=instance,
            raise_on_error=False,
            asset_selection=selection,
            tags=tags,
            run_config=run_config | {"execution": {"config": {"in_process": {}}}},
        )
        return result.success, result.run_id, _row_counts(result.get_asset_materialization_events())
    start_method = {"forkserver": {"preload_modules": list(STEP_PRELOAD)}}
    executor = {"multiprocess": {"max_concurrent": workers, "start_method": start_method}}
    with dg.execute_job(
        dg.reconstructable(quarterly_job),
        instance,
        run_config=run_config | {"execution": {"config": executor}},
        tags={**tags, **quarterly_partitions.get_tags_for_partition_key(quarter)},
        raise_on_error=False,
        asset_selection=selection,
    ) as result:
        return result.success, result.run_id, _row_counts(result.get_asset_materialization_events())


def _execute(
    quarters: Sequence[str],
    assets: Sequence[str] | None,
    word: str,
    log_level: str,
    tags: dict[str, str] | None = None,
    workers: int = 1,
    beside: _Beside | None = None,
):
    """Run the job for each quarter in turn (``assets``: asset keys, None for all); the
    quarters that failed. Each quarter prints one line as it ends.

    ``beside``: a Q4's public tables (``PUBLIC``) run in a run of their own beside the
    quarters after it (``_Beside``); the last quarter's, and any with ``assets``, in its run.
    """
    import dagster as dg

    from schedules.jobs import quarter_tags

    failed = []
    for quarter in quarters:
        run_tags = {**quarter_tags(quarter), PID_TAG: str(os.getpid()), **(tags or {})}
        apart = beside is not None and assets is None and _apart(quarter, quarters)
        keys = _without_public() if apart else assets
        selection = [dg.AssetKey.from_user_string(a) for a in keys] if keys is not None else None
        success, run_id, counts = _run_quarter(quarter, selection, log_level, run_tags, workers)
        print(f"{quarter}  {word if success else 'FAILED'}  run {run_id[:8]}  {counts}", flush=True)
        if not success:
            failed.append(quarter)
        elif apart:
            failed += beside.launch(quarter, run_tags)
    return failed


def _apart(quarter: str, quarters: Sequence[str]) -> bool:
    """Whether ``quarter``'s public tables go beside the quarters after it: a Q4 (its year's
    tables too, most of a backfill's time) followed by another quarter of this command."""
    return quarter.endswith("Q4") and quarter != quarters[-1]


# The public tables, their audit and the public extracts of a quarter. They read the
# quarter's (and a Q4's year's) figures and earlier public versions, which no later
# quarter's run writes; no later quarter's run reads what they write.
PUBLIC = ("public_tables", "public_extracts")


@cache
def _without_public() -> tuple[str, ...]:
    """Every asset of the quarterly job but ``PUBLIC``."""
    from lct_pipeline.definitions import defs
    from schedules.jobs import QUARTERLY_SELECTION

    keys = QUARTERLY_SELECTION.resolve(defs.resolve_asset_graph())
    return tuple(sorted(k.to_user_string() for k in keys if k.to_user_string() not in PUBLIC))


class _Beside:
    """A Q4's public tables in a run of their own, beside the runs of the quarters after it.

    With workers, a Q4's run waits ~45 s for its year's protection (linear programs, one
    process) with the other core idle. The public tables go instead to the instance's run
    launcher, as the run queue launches the UI's runs (a process of its own with Dagster's
    default launcher; a container or a pod with another), while ``lct`` goes on with the
    next quarter. One such run at a time; ``lct`` waits for it before the next one, before
    refreshing what is stale, and before it exits.
    """

    def __init__(self, log_level: str) -> None:
        self.log_level = log_level
        self.running: tuple[str, str] | None = None  # (quarter, run id)
        self._context = None

    def __enter__(self) -> _Beside:
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.wait()  # a quarter whose run is still going would look stale
        finally:
            if self._context is not None:
                self._context.__exit__(*exc)

    def launch(self, quarter: str, tags: dict[str, str]) -> list[str]:
        """Launch ``quarter``'s public tables once the run before has ended; the quarters
        whose public tables failed meanwhile."""
        failed = self.wait()
        self.running = (
            quarter,
            _launch(self._workspace_context(), quarter, PUBLIC, tags, self.log_level),
        )
        return failed

    def wait(self) -> list[str]:
        """Wait for the public tables' run, print its line; its quarter if it failed."""
        import time

        import dagster as dg

        if self.running is None:
            return []
        quarter, run_id = self.running
        instance = _job_and_instance()[1]
        while not (run := instance.get_run_by_id(run_id)).is_finished:
            time.sleep(0.2)
        self.running = None
        logs = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        counts = _row_counts(log.dagster_event for log in logs)
        word = "public tables ok" if run.is_success else "public tables FAILED"
        print(f"{quarter}  {word}  run {run_id[:8]}  {counts}", flush=True)
        return [] if run.is_success else [quarter]

    def _workspace_context(self):
        from dagster._core.workspace.context import WorkspaceProcessContext
        from dagster._core.workspace.load_target import WorkspaceFileTarget

        if self._context is None:
            target = WorkspaceFileTarget([str(PROJECT_ROOT / "workspace.yaml")])
            instance = _job_and_instance()[1]
            self._context = WorkspaceProcessContext(
                instance, target, code_server_log_level="WARNING"
            )
            self._context.__enter__()
        return self._context.create_request_context()


def _launch(
    workspace, quarter: str, assets: Sequence[str], tags: dict[str, str], log_level: str
) -> str:
    """Launch a run of ``assets`` of ``quarter`` through the instance's run launcher; its id."""
    # Dagster has no public call that launches a run outside its daemon and webserver;
    # this is what `dagster job launch` does, with an asset selection and a partition.
    import dagster as dg
    from dagster._core.definitions.selector import JobSubsetSelector

    from assets.partitions import quarterly_partitions
    from schedules.jobs import QUARTERLY_PIPELINE

    instance = _job_and_instance()[1]
    location = workspace.get_code_location(_LOCATION)
    repository = next(iter(location.get_repositories().values()))
    job = location.get_job(
        JobSubsetSelector(
            location_name=_LOCATION,
            repository_name=repository.name,
            job_name=QUARTERLY_PIPELINE,
            op_selection=None,
            asset_selection=[dg.AssetKey.from_user_string(a) for a in assets],
        )
    )
    run_config: dict = {
        "loggers": {"console": {"config": {"log_level": log_level}}},
        "execution": {"config": {"in_process": {}}},
    }
    plan = location.get_execution_plan(
        job, run_config, step_keys_to_execute=None, known_state=None, instance=instance
    ).execution_plan_snapshot
    run = instance.create_run(
        job_name=QUARTERLY_PIPELINE,
        run_id=None,
        run_config=run_config,
        resolved_op_selection=job.resolved_op_selection,
        step_keys_to_execute=plan.step_keys_to_execute,
        op_selection=None,
        status=None,
        root_run_id=None,
        parent_run_id=None,
        tags={**job.tags, **quarterly_partitions.get_tags_for_partition_key(quarter), **tags},
        job_snapshot=job.job_snapshot,
        execution_plan_snapshot=plan,
        parent_job_snapshot=job.parent_job_snapshot,
        remote_job_origin=job.get_remote_origin(),
        job_code_origin=job.get_python_origin(),
        asset_selection=job.asset_selection,
        asset_check_selection=job.asset_check_selection,
        asset_graph=repository.asset_graph,
    )
    instance.launch_run(run.run_id, workspace)
    return run.run_id


# Refreshing a quarter can change its data (one never stored, or validated again),
# which makes later quarters stale again; a few passes settle any history.
_REFRESH_PASSES = 3


def refresh_stale(
    aggregates: Sequence[str], log_level: str, workers: int = 1
) -> tuple[list[str], list[str]]:
    """Run every stale quarter again (SPEC §6), oldest first: (refreshed, failed).

    A quarter whose validation is stale (or whose data was never stored) runs whole;
    one whose figures only are stale runs ``aggregates``. Each run is tagged with the
    quarters whose change made it stale (``lct/refresh_of``).
    """
    from lct_pipeline import freshness
    from lct_pipeline.extracts.public_versions import republished
    from lct_pipeline.ingestion import quarters_with_data
    from lct_pipeline.warehouse.engine import get_engine
    from schedules.jobs import REFRESH_TAG, TRIGGER_TAG

    settings = Settings.from_env()
    engine = get_engine(settings.warehouse_url)
    refreshed: list[str] = []
    failed: list[str] = []
    for _ in range(_REFRESH_PASSES):
        with engine.connect() as conn:
            stale = freshness.stale_quarters(
                conn,
                quarters_with_data(engine, today()),
                republished=republished(settings.extracts_dir),
            )
        stale = [s for s in stale if s.period not in failed]
        if not stale:
            break
        for quarter in stale:
            assets = None if quarter.revalidate else aggregates
            tags = {REFRESH_TAG: quarter.cause, TRIGGER_TAG: "refresh"}
            word = f"refreshed ({quarter.cause} changed)" if quarter.causes else "built"
            failed += _execute([quarter.period], assets, word, log_level, tags, workers)
            refreshed.append(quarter.period)
    return sorted(set(refreshed) - set(failed)), sorted(set(failed))


def run_quarters(
    quarters: Sequence[str] | None, log_level: str = "WARNING", workers: int = 1
) -> int:
    """Run the job for ``quarters`` (None: every quarter with data); the exit status.

    Quarters run one after the other, oldest first, each whole: validating a quarter
    compares it with the four before it, and its cumulative and year figures add up
    the quarters before it, so in this order every run reads what a clean run would.
    The first quarter's run ingests the inbox, which tells the quarters with data.
    ``workers``: the steps of each run that Dagster's multiprocess executor runs side
    by side. Quarters made stale meanwhile (late files, corrections) are refreshed
    before returning.
    """
    _dagster_home()

    from lct_pipeline.definitions import defs
    from lct_pipeline.ingestion import quarters_with_data
    from lct_pipeline.warehouse.engine import get_engine
    from schedules.freshness_sensor import FIGURES_SELECTION

    aggregates = [k.to_user_string() for k in FIGURES_SELECTION.resolve(defs.resolve_asset_graph())]
    _release_dead_runs(_job_and_instance()[1])
    settings = Settings.from_env()

    with _Beside(log_level) as beside:
        # Public tables beside the next quarters only with workers: in one process the
        # runs take turns anyway.
        apart = beside if workers > 1 else None
        if quarters is None:
            todo = [periods.PROGRAMME_START]
            failed = _execute(todo, None, "ok", log_level, workers=workers)
            todo = quarters_with_data(get_engine(settings.warehouse_url), today())
            failed += _execute(todo[1:], None, "ok", log_level, workers=workers, beside=apart)
        else:
            failed = _execute(quarters, None, "ok", log_level, workers=workers, beside=apart)
        failed += beside.wait()
    # What the quarters' runs made stale (late files, corrections): nothing is left
    # stale when lct exits.
    refreshed, refresh_failed = refresh_stale(aggregates, log_level, workers)
    failed = sorted(set(failed) | set(refresh_failed))
    if refreshed:
        print(
            f"Refreshed {len(refreshed)} quarter(s) that earlier changes made stale: "
            f"{', '.join(refreshed)}"
        )
    elif quarters is not None:
        print("No other quarter was made stale.")
    for line in _headline(settings.warehouse_url):
        print(line)
    print(f"Warehouse: {settings.warehouse_url}")
    print(f"Archive:   {settings.archive_dir}")
    print(f"Extracts:  {settings.extracts_dir}")
    print(f"Data Docs: {settings.data_docs_dir}")
    print(f"Dagster:   {os.environ['DAGSTER_HOME']} (runs visible in the UI)")
    if failed:
        print(f"lct: {len(failed)} quarter(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


# What `lct template` prints (English; a data officer's command).
TEMPLATE_TEXT = {
    "unknown_org": "lct: {org!r} is not an organisation of the registry ({known})",
    "inactive": "lct: note: {org} is not active in {period} in the registry",
    "plan": "{n} measure(s) of its plan",
    "no_plan": "no plan in the warehouse: measures left empty",
    "written": "{path}  {org} {period}: {rows} value rows, {plan}",
    # lct validate, on a template with rows left empty: in the CSO's language.
    "not_reported": N_(
        "{count} row(s) of the template left empty: not reported (missing data, never"
        " counted as 0); type 0 where there were none"
    ),
}


def write_templates(org: str | None, period: str, out: Path | None) -> int:
    """Write the template of ``org`` (None: every CSO active in ``period``); 2 if the org
    is not in the registry. The measures sheet is pre-filled from the warehouse when
    there is one."""
    import sqlalchemy as sa

    from lct_pipeline import templates
    from lct_pipeline.reference import ReferenceError
    from lct_pipeline.warehouse.engine import get_engine
    from lct_pipeline.warehouse.schema import ensure_schema

    settings = Settings.from_env()
    try:
        reference = load_reference(settings.reference_dir)
    except ReferenceError as exc:
        print(f"lct: {exc}", file=sys.stderr)
        return 2
    text = TEMPLATE_TEXT
    if org is None:
        orgs = reference.active_orgs(period)
    else:
        code = org.strip().upper()
        if code not in reference.organisations:
            known = ", ".join(sorted(reference.organisations))
            print(text["unknown_org"].format(org=org, known=known), file=sys.stderr)
            return 2
        if not reference.organisations[code].active_in(period):
            print(text["inactive"].format(org=code, period=period), file=sys.stderr)
        orgs = [code]
    url = sa.make_url(settings.warehouse_url)
    # A warehouse that does not exist yet is not created: the plans are then left empty.
    missing = url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file()
    engine = None
    if not missing:
        engine = get_engine(settings.warehouse_url)
        ensure_schema(engine)
    folder = out or settings.extracts_dir / templates.FOLDER / period
    for w in templates.write_templates(reference, period, orgs, folder, engine):
        plan = text["plan"].format(n=w.measures_rows) if w.measures_rows else text["no_plan"]
        print(text["written"].format(path=w.path, org=w.org, period=period, rows=w.values_rows,
                                     plan=plan))  # fmt: skip
    return 0


def show_status() -> int:
    """Print which CSOs reported each quarter, and on time, from the warehouse."""
    import sqlalchemy as sa

    from lct_pipeline.indicators.reporting import status_table
    from lct_pipeline.ingestion import quarters_with_data
    from lct_pipeline.warehouse.engine import get_engine
    from lct_pipeline.warehouse.schema import ensure_schema
    from lct_pipeline.warehouse.summaries import reporting_status

    url = Settings.from_env().warehouse_url
    engine = get_engine(url)
    ensure_schema(engine)
    rows = reporting_status(engine)
    if rows.empty:
        shown = sa.make_url(url).render_as_string(hide_password=True)
        print(f"No reporting computed yet in {shown}: run `lct run --all` first.")
        return 0
    print(status_table(rows))
    quarters = quarters_with_data(engine, today())
    if quarters:
        # The quarters a backfill of "All" partitions runs; the later ones end at once.
        print(f"\nQuarters with data: [{quarters[0]}...{quarters[-1]}]")
    return 0


def validate_files(paths: Sequence[Path], language: str | None = None) -> int:
    """Print each problem of each file and a verdict per file; 1 if anything is rejected."""
    from lct_pipeline.deferred import defer

    defer("scipy.stats", "altair")  # imported by Great Expectations, unused by these checks
    import pandas as pd

    from lct_pipeline.reference import ReferenceError
    from lct_pipeline.validation import check_files

    try:
        reference = load_reference(Settings.from_env().reference_dir)
    except ReferenceError as exc:
        print(f"lct: {exc}", file=sys.stderr)
        return 2
    checks = check_files(paths, reference, periods.of_date(today()))
    for check in checks:
        known = reference.organisations.get(check.org or "")
        lang = language or (known.language if known else DEFAULT_LANGUAGE)

        def t(message_id: str, lang: str = lang, **args: object) -> str:
            return Msg(message_id, args).render(lang)

        for _, issue in check.issues.iterrows():
            place = [t(N_("sheet {sheet}"), sheet=issue.sheet)] if issue.sheet else []
            place.append(
                t(N_("whole file"))
                if pd.isna(issue.row_number)
                else t(N_("row {row}"), row=int(issue.row_number))
            )
            warned = " " + t(N_("(warning)")) if issue.severity == "warning" else ""
            message = check.message(issue, lang)
            fields = [check.path, *place, issue.column_name, issue.reason_code + warned, message]
            print("  ".join(f for f in fields if f))
        warned = (
            ", " + t(N_("{warnings} warning(s)"), warnings=check.warnings) if check.warnings else ""
        )
        if check.problem is not None:
            verdict = t(N_("REJECTED: the whole file ({reason})"), reason=check.problem.reason_code)
        elif check.rows_rejected:
            verdict = t(
                N_("REJECTED: {rejected} of {rows} rows{warned}"),
                rejected=check.rows_rejected,
                rows=check.rows,
                warned=warned,
            )
        else:
            verdict = t(N_("OK: {rows} rows pass{warned}"), rows=check.rows, warned=warned)
        print(f"{check.path}: {verdict}")
        if check.not_reported:
            print(f"{check.path}: {t(TEMPLATE_TEXT['not_reported'], count=check.not_reported)}")
    return 1 if any(check.rejected for check in checks) else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return run_quarters(
            None if args.all else args.period,
            "DEBUG" if args.verbose else "WARNING",
            workers=args.workers,
        )
    if args.command == "sample":
        from lct_pipeline.sample import install_sample

        target = args.into or Settings.from_env().inbox_dir
        copied = install_sample(target)
        print(f"{copied} sample file(s) copied into {target}")
        return 0
    if args.command == "status":
        return show_status()
    if args.command == "template":
        return write_templates(None if args.all else args.org, args.period, args.out)
    if args.command == "validate":
        return validate_files(args.files, args.lang)
    return 2


if __name__ == "__main__":
    sys.exit(main())
