"""Generating a network's submissions, organisation by organisation, quarter by quarter.

``Chance`` decides everything left to chance (formats, lateness, resubmissions,
mistakes); the bundled sample replaces it with a script (``sample.py``). Each
organisation draws from its own seeded stream, so one organisation's files do
not change when another's do.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lct_pipeline import periods
from lct_pipeline.contract import MEASURES, VALUES
from lct_pipeline.generator import bad_files, mistakes
from lct_pipeline.generator.data import (
    NETWORK_RATES,
    PLAN_QUARTERS,
    History,
    Plan,
    Profile,
    Value,
    make_profile,
    new_plan,
    values_slice,
)
from lct_pipeline.generator.formats import FORMAT_SHARES, FORMATS, KOBO_META, Format, Table
from lct_pipeline.generator.network import Network, Org
from lct_pipeline.generator.tables import V, ensure_script, measures_rows, table, values_rows
from lct_pipeline.reference import Reference
from lct_pipeline.templates import file_name

DEADLINE_DAYS = 30  # SPEC §7: on time = received within 30 days after the quarter
_PROBLEM_FILES = {
    "PERSONAL_DATA": "spisak",
    "EMPTY_FILE": "obrazac",
    "MISSING_COLUMNS": "nacrt",
    "UNKNOWN_LAYOUT": "aktivnosti",
}


@dataclass(frozen=True)
class Config:
    orgs: int
    first: str
    last: str
    seed: int
    error_rate: float = 0.01


@dataclass
class FilePlan:
    """One file to write, with the mistakes injected into it."""

    path: str  # relative to the inbox, with '/'
    fmt: Format
    tables: list[Table]
    received: datetime
    role: str  # submission | resubmission | attachment
    org: str
    period: str
    entries: list[mistakes.Entry] = field(default_factory=list)


@dataclass
class Quarter:
    """What one organisation sent for one quarter."""

    org: str
    period: str
    files: list[FilePlan]
    current: Table | None  # the values table that counts (the latest one)
    superseded: list[dict]


@dataclass
class Choice:
    missing: bool
    fmt: str
    late: bool
    resubmit: bool
    problem: str | None


class Chance:
    """The random network: every decision drawn at the rates of a real one."""

    rates = NETWORK_RATES
    missing_rate, resubmit_rate, switch_rate = 0.03, 0.03, 0.04

    def __init__(self, config: Config):
        self.error_rate = config.error_rate

    @property
    def overspend(self) -> float:
        return self.error_rate

    def usual_format(self, org: Org, rng: random.Random) -> str:
        return rng.choices(list(FORMAT_SHARES), weights=list(FORMAT_SHARES.values()))[0]

    def adjust_profile(self, profile: Profile) -> None:
        pass

    def adjust_plan(self, org: Org, plan: Plan) -> None:
        pass

    def natural(self, org: Org, period: str, values: list[Value]) -> list[Value]:
        return values

    def choose(self, profile: Profile, period: str, rng: random.Random) -> Choice:
        fmt = profile.fmt
        if rng.random() < self.switch_rate:  # someone else at the CSO sent it this time
            fmt = rng.choice([f.name for f in FORMATS.values() if profile.script in f.scripts])
        return Choice(
            missing=rng.random() < self.missing_rate,
            fmt=fmt,
            late=rng.random() < profile.late_share,
            resubmit=rng.random() < self.resubmit_rate,
            problem=rng.choice(mistakes.FILE_REASONS) if rng.random() < self.error_rate else None,
        )

    def first_version(self, org: Org, period: str, values: list[Value], rng) -> list[Value]:
        """What was sent before the correction: some counts lower, a row or two forgotten."""
        values = list(values)
        lowered = [i for i, (e, _, n) in enumerate(values) if n and e not in _WARNING_SUMS]
        for i in sorted(rng.sample(lowered, min(len(lowered), rng.randint(1, 3))), reverse=True):
            e, d, n = values[i]
            if rng.random() < 0.3:
                del values[i]
            else:
                values[i] = (e, d, rng.randint(0, n - 1))
        return values

    def values_mistakes(self, spot: mistakes.Spot, t: Table, history: History) -> None:
        rng = spot.rng
        if rng.random() < self.error_rate:
            mistakes.outlier(spot, t, history)
        if rng.random() < self.error_rate:
            mistakes.adopted_gt_submitted(spot, t, history)
        if rng.random() < self.error_rate:
            mistakes.services_lt_assisted(spot, t)
        mistakes.inject_values(spot, t, self.error_rate)

    def measures_mistakes(self, spot: mistakes.Spot, t: Table) -> None:
        mistakes.inject_measures(spot, t, self.error_rate)


_WARNING_SUMS = frozenset({"SERVICES_PROVIDED", "RECOMMENDATIONS_SUBMITTED"})


def org_quarters(
    config: Config, chance: Chance, network: Network, catalogue: Reference, org: Org
) -> Iterator[Quarter]:
    """Every quarter's files of one organisation, in time order."""
    rng = random.Random(f"{config.seed}:{org.code}")
    profile = make_profile(org, FORMATS[chance.usual_format(org, rng)], rng, catalogue)
    chance.adjust_profile(profile)
    history, plan = History(), None
    institutions = [m for m in catalogue.dimensions["institution"].members if m != "OTHER"]
    born = periods.index(org.active_from)
    for period in periods.period_range(config.first, config.last):
        if not org.active_in(period):
            continue
        qi = periods.index(period)
        values = values_slice(profile, period, qi - born, chance.rates, history, rng, catalogue)
        values = chance.natural(org, period, values)
        start = born + (qi - born) // PLAN_QUARTERS * PLAN_QUARTERS
        if plan is None or plan.start != start:
            plan = new_plan(profile, start, rng, chance.overspend, institutions)
            chance.adjust_plan(org, plan)
        choice = chance.choose(profile, period, rng)
        if choice.missing:
            continue
        maker = _QuarterMaker(chance, network, catalogue, profile, period, rng, FORMATS[choice.fmt])
        received = received_at(period, choice.late, rng)
        files, tables = [], []
        if choice.resubmit:
            first = chance.first_version(org, period, values, rng)
            files += maker.submission(first, plan, received, history, "submission")
            tables.append(maker.last_values)
            later = received + timedelta(days=rng.randint(10, 60), minutes=rng.randint(0, 600))
            files += maker.submission(values, plan, later, history, "resubmission")
        else:
            files += maker.submission(values, plan, received, history, "submission")
        tables.append(maker.last_values)
        if choice.problem:
            files.append(maker.problem_file(choice.problem, tables[-1], received))
        history.record(qi, [accepted(t) for t in tables], accepted(tables[-1]))
        yield Quarter(org.code, period, files, tables[-1], _superseded(files))


def _superseded(files: list[FilePlan]) -> list[dict]:
    """The slices of the first submission that the resubmission replaces."""
    newer = {t.record_type: f.path for f in files if f.role == "resubmission" for t in f.tables}
    return [
        {
            "file": f.path,
            "org_code": f.org,
            "period": f.period,
            "record_type": t.record_type,
            "by": newer[t.record_type],
        }
        for f in files
        if f.role == "submission"
        for t in f.tables
        if t.record_type in newer
    ]


def received_at(period: str, late: bool, rng: random.Random) -> datetime:
    """Office hours, a few days to four weeks after the quarter, or well after the deadline."""
    days = rng.randint(DEADLINE_DAYS + 3, 120) if late else rng.randint(3, DEADLINE_DAYS - 2)
    end = periods.quarter_end(period)
    return datetime(
        end.year, end.month, end.day, rng.randint(8, 17), rng.randint(0, 59)
    ) + timedelta(days=days)


def on_time(period: str, received: datetime) -> bool:
    return received.date() <= periods.quarter_end(period) + timedelta(days=DEADLINE_DAYS)


def accepted(t: Table) -> dict[tuple, int]:
    return {r.key: r.cells[V["value"]] for r in t.rows if not r.reason}


def slice_totals(t: Table) -> dict[str, int]:
    """Per element: the accepted detail rows' sum, or the total rows' where there are no details."""
    sums: Counter[tuple[str, bool]] = Counter()  # (element, is a detail row) -> sum
    for row in t.rows:
        if not row.reason:
            sums[row.element, bool(row.key[1])] += row.cells[V["value"]]
    return {e: sums[e, True] if (e, True) in sums else sums[e, False] for e, _ in sums}


class _QuarterMaker:
    """Builds the files of one org's quarter, and injects their mistakes."""

    def __init__(
        self, chance: Chance, network: Network, catalogue: Reference, profile: Profile,
        period: str, rng: random.Random, fmt: Format,
    ):  # fmt: skip
        self.chance, self.network, self.catalogue = chance, network, catalogue
        self.profile, self.period, self.rng, self.fmt = profile, period, rng, fmt
        self.name = f"{period}/{profile.org.code.lower()}"
        self.last_values: Table | None = None
        self.comments: dict[tuple, str | None] | None = None

    def spot(self, entries: list) -> mistakes.Spot:
        return mistakes.Spot(
            self.profile, self.network, self.catalogue, self.period, self.fmt, self.rng, entries
        )

    def submission(
        self, values: list[Value], plan: Plan, received: datetime, history: History, role: str
    ) -> list[FilePlan]:
        """The values file and the measures file (or one workbook) with their mistakes."""
        fmt, rng = self.fmt, self.rng
        suffix = "_ispravka" if role == "resubmission" else ""
        entries: list = []
        spot = self.spot(entries)
        rows = values_rows(
            self.profile, self.catalogue, self.period, values, fmt, rng, self.comments
        )
        if self.comments is None:  # a correction keeps the comments of the first file
            self.comments = {r.key: r.cells[V["comment"]] for r in rows}
        values_table = table(self.profile, VALUES, rows, fmt)
        self.chance.values_mistakes(spot, values_table, history)
        ensure_script(values_table, fmt, self.profile)
        if fmt.encoding in ("cp1250", "cp1251") and rng.random() < 0.3:
            values_table.trailing_blank_rows = rng.randint(1, 3)
        self.last_values = values_table
        measures = None
        if role == "submission" or fmt.encoding is None:  # a corrected CSV resends only values
            measures = table(
                self.profile, MEASURES, measures_rows(self.profile, self.period, plan), fmt
            )
            mistakes.overspent(spot, measures)
            self.chance.measures_mistakes(spot, measures)
        if fmt.encoding is None:  # one workbook, a sheet per table
            tables = [values_table] + ([measures] if measures else [])
            path = f"{self.name}{suffix}.xlsx"
            if fmt.name == "template":  # the network's template, sent back as it was named
                for t in tables:
                    t.sheet = t.record_type
                path = f"{self.period}/{file_name(self.profile.org.code, self.period)}"
            return [self._file(path, tables, received, role, entries)]
        files = [self._file(f"{self.name}{suffix}.csv", [values_table], received, role, entries)]
        if measures is not None:
            later = received + timedelta(minutes=rng.randint(1, 90))
            files.append(
                self._file(f"{self.name}_mere{suffix}.csv", [measures], later, role, entries)
            )
        return files

    def _file(self, path, tables, received, role, entries) -> FilePlan:
        mine = [e for e in entries if e.table in tables]
        if self.fmt.name == "kobo":  # its metadata columns are not stored: named at row 2
            mine += [mistakes.Entry("warning", "COLUMN_NOT_STORED", t, t.rows[0], KOBO_META[0])
                     for t in tables if t.rows]  # fmt: skip
        return FilePlan(
            path, self.fmt, tables, received, role, self.profile.org.code, self.period, mine
        )

    def problem_file(self, reason: str, values: Table, received: datetime) -> FilePlan:
        """A file rejected whole, sent a few days before the proper one."""
        fmt = self.fmt
        if reason == "EMPTY_FILE" and fmt.encoding in ("cp1250", "cp1251"):
            fmt = FORMATS["utf8-bom"]  # an empty code-page file would be plain ASCII
        entries: list = []
        spot = self.spot(entries)
        spot.fmt = fmt
        if reason == "UNKNOWN_LAYOUT":
            tables = bad_files.unknown_layout(spot)
        else:
            make = {
                "PERSONAL_DATA": bad_files.personal_data,
                "EMPTY_FILE": bad_files.empty_file,
                "MISSING_COLUMNS": bad_files.missing_columns,
            }[reason]
            tables = [make(spot, values)]
        for t in tables:
            ensure_script(t, fmt, self.profile)
        end = periods.quarter_end(self.period)
        earliest = datetime(end.year, end.month, end.day, 9) + timedelta(days=1)
        sent = max(earliest, received - timedelta(days=self.rng.randint(1, 6), hours=2))
        path = f"{self.name}_{_PROBLEM_FILES[reason]}{fmt.suffix}"
        return FilePlan(
            path, fmt, tables, sent, "attachment", self.profile.org.code, self.period, entries
        )
