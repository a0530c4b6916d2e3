"""Plausible monitoring data: what one CSO reports in one quarter (SPEC §3.3, §3.4).

Counts are drawn per organisation and quarter from its size, its first quarters'
ramp-up and the season, then split over the dimension members with the
organisation's own mix of sexes, ages, groups, services and institutions.
The links the validation checks are kept by construction: services >= victims
assisted, adopted <= submitted, spent <= planned, and no value above
max(20, 3 x the largest of the four previous quarters) unless an OUTLIER is
injected on purpose (``History``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from itertools import product

from lct_pipeline import periods
from lct_pipeline.contract import RECORD_TYPES
from lct_pipeline.generator.formats import SHEET_NAMES, Format, column_order
from lct_pipeline.generator.network import Org
from lct_pipeline.generator.words import MEASURE_TITLES, in_script
from lct_pipeline.reference import Reference

# A values row before it is written: (data element, members in the element's
# dimension order, or () for a total row, count).
Value = tuple[str, tuple[str, ...], int]
OUTLIER_FLOOR = 20  # SPEC §5: a value above max(20, 3 x recent maximum) is an outlier


@dataclass(frozen=True)
class Rates:
    """Expected counts per quarter for a small town's CSO in full activity."""

    contacted: float
    informed: float
    consultations: float
    identified: float
    assisted_share: float  # of the identified victims, those assisted this quarter
    assisted_extra: float  # victims identified elsewhere and assisted here
    referrals_per_victim: float
    training_chance: float
    trained: float
    meetings: float
    recommendations: float
    adoption: float


NETWORK_RATES = Rates(
    contacted=140, informed=200, consultations=14, identified=1.2, assisted_share=0.8,
    assisted_extra=0.4, referrals_per_victim=1.5, training_chance=0.35, trained=25,
    meetings=1.6, recommendations=1.2, adoption=0.5,
)  # fmt: skip
# The programme's first five quarters were small: the sample reports what it reported.
SAMPLE_RATES = Rates(
    contacted=2.6, informed=4.0, consultations=2.0, identified=1.0, assisted_share=0.8,
    assisted_extra=0.08, referrals_per_victim=1.2, training_chance=0.25, trained=6,
    meetings=1.0, recommendations=0.5, adoption=0.5,
)  # fmt: skip

_PERSON_SEX = {"F": 0.56, "M": 0.42, "U": 0.02}
_PERSON_AGE = {"CHILD": 0.3, "ADULT": 0.68, "U": 0.02}
_VICTIM_SEX = {"F": 0.74, "M": 0.25, "U": 0.01}
_VICTIM_AGE = {"CHILD": 0.33, "ADULT": 0.66, "U": 0.01}
_SERVICES = {"SHELTER": 0.15, "MEDICAL": 0.15, "PSYCHOSOCIAL": 0.3, "LEGAL": 0.15,
             "ECONOMIC": 0.1, "EDUCATION": 0.1, "OTHER": 0.05}  # fmt: skip
_REFERRED_TO = {"CSW": 0.35, "POLICE": 0.25, "HEALTH": 0.15, "EDUCATION": 0.05,
                "LOCAL_GOV": 0.05, "JUDICIARY": 0.05, "NGO": 0.08, "OTHER": 0.02}  # fmt: skip
_TRAINED_SEX = {"F": 0.7, "M": 0.29, "U": 0.01}
_TRAINED_FROM = {"CSW": 0.3, "POLICE": 0.2, "HEALTH": 0.15, "EDUCATION": 0.2, "LOCAL_GOV": 0.05,
                 "JUDICIARY": 0.05, "NGO": 0.04, "OTHER": 0.01}  # fmt: skip
_MIX: dict[str, dict[str, dict[str, float] | None]] = {
    "PERSONS_CONTACTED": {"sex": _PERSON_SEX, "age_group": _PERSON_AGE, "vulnerable_group": None},
    "PERSONS_INFORMED": {"sex": _PERSON_SEX, "vulnerable_group": None},
    "VOT_IDENTIFIED": {"sex": _VICTIM_SEX, "age_group": _VICTIM_AGE},
    "VOT_ASSISTED": {"sex": _VICTIM_SEX, "age_group": _VICTIM_AGE},
    "SERVICES_PROVIDED": {"service": _SERVICES},
    "REFERRALS_MADE": {"institution": _REFERRED_TO},
    "PROFESSIONALS_TRAINED": {"sex": _TRAINED_SEX, "institution": _TRAINED_FROM},
}
SCRIPT_SHARES = {"latin": 0.7, "ascii": 0.15, "cyrillic": 0.15}
# Elements some CSOs report as one total row (their own records are not broken down).
TOTAL_ONLY_CANDIDATES = ("REFERRALS_MADE", "PROFESSIONALS_TRAINED", "SERVICES_PROVIDED",
                         "PERSONS_INFORMED")  # fmt: skip


@dataclass(frozen=True)
class Breakdown:
    """The combinations of an element's members and the org's weight of each."""

    combos: tuple[tuple[str, ...], ...]
    cum_weights: tuple[float, ...]
    unknown: tuple[bool, ...]  # has a U member: a reduced template leaves it out


@dataclass
class Profile:
    """How one organisation works and writes its files; fixed for its whole life."""

    org: Org
    fmt: str  # the format it usually sends (formats.FORMATS)
    script: str  # latin, cyrillic or ascii: its comments and titles
    grid: str  # full (every combination), reduced (no U members) or sparse (non-zero only)
    total_only: frozenset[str]
    header: str  # snake, title or upper
    columns: dict[str, list[str]]  # its column order per record type
    sheets: tuple[str, str]  # its XLSX sheet names for values and measures
    period_style: int
    dim_style: str  # code, lower, local or english (formats.ALIASES)
    total_marker: str | None  # None or '_T' in dimension cells a row does not use
    comment_rate: float
    late_share: float  # of its quarters sent after the 30-day deadline
    breakdowns: dict[str, Breakdown] = field(default_factory=dict)


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def make_profile(org: Org, fmt: Format, rng: random.Random, catalogue: Reference) -> Profile:
    script = _pick(rng, {s: w for s, w in SCRIPT_SHARES.items() if s in fmt.scripts})
    dim_style = _pick(rng, {"code": 0.6, "lower": 0.1, "local": 0.2, "english": 0.1})
    if dim_style == "local" and script != "latin":  # Ž needs a Latin code page
        dim_style = "code"
    profile = Profile(
        org=org,
        fmt=fmt.name,
        script=script,
        grid=_pick(rng, {"full": 0.65, "reduced": 0.2, "sparse": 0.15}),
        total_only=frozenset(e for e in TOTAL_ONLY_CANDIDATES if rng.random() < 0.15),
        header=_pick(rng, {"snake": 0.6, "title": 0.25, "upper": 0.15}),
        columns={t: column_order(t, rng.random() < 0.2, rng) for t in RECORD_TYPES},
        sheets=SHEET_NAMES[_pick(rng, {0: 0.7, 1: 0.2, 2: 0.1})],
        period_style=_pick(rng, {0: 0.5, 1: 0.15, 2: 0.15, 3: 0.08, 4: 0.07, 5: 0.05}),
        dim_style=dim_style,
        total_marker="_T" if rng.random() < 0.15 else None,
        comment_rate=rng.choice((0.0, 0.01, 0.03, 0.08)),
        late_share=rng.choice((0.03, 0.08, 0.15, 0.35)),
    )
    make_breakdowns(profile, catalogue, rng)
    return profile


def make_breakdowns(profile: Profile, catalogue: Reference, rng: random.Random) -> None:
    groups = catalogue.dimensions["vulnerable_group"].members
    # Each CSO works mostly with a few groups (its own field work), a little with the rest.
    group_mix = {g: rng.expovariate(1.0) ** 2 + 0.02 for g in groups}
    group_mix["U"] = 0.01
    for element in catalogue.data_elements.values():
        if not element.dimensions:
            continue
        mixes = []
        for dim in element.dimensions:
            base = (_MIX.get(element.code) or {}).get(dim) or group_mix
            members = catalogue.dimensions[dim].members
            mixes.append([(m, base.get(m, 0.01) * rng.lognormvariate(0, 0.25)) for m in members])
        combos, weights = [], []
        for parts in product(*mixes):
            combos.append(tuple(m for m, _ in parts))
            weights.append(math.prod(w for _, w in parts))
        cum, total = [], 0.0
        for w in weights:
            total += w
            cum.append(total)
        unknown = tuple("U" in c for c in combos)
        profile.breakdowns[element.code] = Breakdown(tuple(combos), tuple(cum), unknown)


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:  # the normal approximation is close enough there, and O(1)
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


class History:
    """Recent accepted values of one organisation, per (element, members) key.

    For each quarter it keeps the lowest value over the versions of the slice
    (an absent or rejected row counts 0) to cap natural values, and the highest
    to size injected outliers: the rule then holds whichever version a
    validator compares with.
    """

    def __init__(self) -> None:
        self._by_key: dict[tuple, list[tuple[int, int, int, bool]]] = {}

    def _window(self, key: tuple, qi: int):
        return [h for h in self._by_key.get(key, ()) if qi - 4 <= h[0] < qi]

    def cap(self, key: tuple, qi: int) -> int:
        return max(OUTLIER_FLOOR, 3 * max((h[1] for h in self._window(key, qi)), default=0))

    def outlier_above(self, key: tuple, qi: int) -> int | None:
        """The value an outlier must exceed, or None when the current slices hold no history."""
        window = self._window(key, qi)
        if not any(h[3] for h in window):
            return None
        return max(OUTLIER_FLOOR, 3 * max(h[2] for h in window))

    def record(self, qi: int, versions: list[dict[tuple, int]], current: dict[tuple, int]) -> None:
        """The accepted values of each version of the quarter's values slice."""
        if len(versions) == 1:  # the usual case, kept fast
            spans = {key: (n, n) for key, n in versions[0].items()}
        else:
            spans = {
                key: (min(v.get(key, 0) for v in versions), max(v.get(key, 0) for v in versions))
                for key in set().union(*versions)
            }
        for key, (lo, hi) in spans.items():
            entries = self._by_key.setdefault(key, [])
            entries.append((qi, lo, hi, key in current))
            if len(entries) > 4:
                del entries[0]


def activity(profile: Profile, period: str, step: int) -> float:
    """Size x ramp-up over the org's first quarters x season (summer is quieter) x growth."""
    ramp = min(1.0, 0.4 + 0.15 * step)
    season = (0.95, 1.0, 0.85, 1.05)[int(period[5]) - 1]
    growth = 1 + 0.03 * (periods.year(period) - 2012)
    return profile.org.size * ramp * season * growth


def values_slice(
    profile: Profile,
    period: str,
    step: int,
    rates: Rates,
    history: History,
    rng: random.Random,
    catalogue: Reference,
) -> list[Value]:
    """The natural values rows of one org and quarter, in catalogue order."""
    a = activity(profile, period, step)
    identified = poisson(rng, rates.identified * a)
    assisted = binomial(rng, identified, rates.assisted_share) + poisson(
        rng, rates.assisted_extra * a
    )
    submitted = poisson(rng, rates.recommendations)
    totals = {
        "PERSONS_CONTACTED": poisson(rng, rates.contacted * a),
        "PERSONS_INFORMED": poisson(rng, rates.informed * a),
        "CONSULTATIONS_HELD": poisson(rng, rates.consultations * a),
        "VOT_IDENTIFIED": identified,
        "VOT_ASSISTED": assisted,
        # Each victim gets one to three services; some go to victims of earlier quarters.
        "SERVICES_PROVIDED": sum(rng.randint(1, 3) for _ in range(assisted))
        + poisson(rng, 0.3 * a),
        "REFERRALS_MADE": poisson(rng, rates.referrals_per_victim * identified + 0.2 * a),
        "PROFESSIONALS_TRAINED": (
            poisson(rng, rates.trained * math.sqrt(a))
            if rng.random() < rates.training_chance
            else 0
        ),
        "NETWORK_MEETINGS": poisson(rng, rates.meetings),
        "RECOMMENDATIONS_SUBMITTED": submitted,
        "RECOMMENDATIONS_ADOPTED": binomial(rng, submitted, rates.adoption),
    }
    qi = periods.index(period)
    full, reduced = profile.grid == "full", profile.grid == "reduced"
    rows: list[Value] = []
    for element in catalogue.data_elements.values():
        total = totals.get(element.code)
        if total is None:  # an element this generator does not know: not reported
            continue
        if not element.dimensions or element.code in profile.total_only:
            if total or profile.grid != "sparse" or not element.dimensions:
                rows.append((element.code, (), total))
            continue
        b = profile.breakdowns[element.code]
        counts = [0] * len(b.combos)
        for i in rng.choices(range(len(b.combos)), cum_weights=b.cum_weights, k=total):
            counts[i] += 1
        rows.extend(
            (element.code, combo, n)
            for combo, n, unknown in zip(b.combos, counts, b.unknown, strict=True)
            if n or full or (reduced and not unknown)
        )
    rows = [(e, d, min(n, history.cap((e, d), qi))) for e, d, n in rows]
    return keep_links(rows)


def element_sum(rows: list[Value], element: str) -> int:
    return sum(n for e, _, n in rows if e == element)


def keep_links(rows: list[Value]) -> list[Value]:
    """Adopted <= submitted and services >= assisted, after caps may have cut one side."""
    submitted = element_sum(rows, "RECOMMENDATIONS_SUBMITTED")
    rows = [
        (e, d, min(n, submitted)) if e == "RECOMMENDATIONS_ADOPTED" else (e, d, n)
        for e, d, n in rows
    ]
    excess = element_sum(rows, "VOT_ASSISTED") - element_sum(rows, "SERVICES_PROVIDED")
    while excess > 0:  # take victims off the largest rows
        i = max(range(len(rows)), key=lambda j: rows[j][2] if rows[j][0] == "VOT_ASSISTED" else -1)
        e, d, n = rows[i]
        rows[i] = (e, d, n - 1)
        excess -= 1
    return rows


# ---------------------------------------------------------------------------- measures

PLAN_QUARTERS = 12  # a local action plan runs three years


@dataclass
class Measure:
    code: str
    title: str
    institution: str
    planned: float
    start: int  # quarter indexes
    due: int
    done: int | None
    cancelled: int | None
    execution: float  # the share of the budget spent when done; above 1: overspent

    def state(self, qi: int) -> tuple[str, float]:
        """(status, spent) at quarter ``qi``; spending only grows."""
        if self.cancelled is not None and qi >= self.cancelled:
            return "CANCELLED", self._spent(self.cancelled - 1)
        if qi < self.start:
            return "NOT_STARTED", 0.0
        if self.done is not None and qi >= self.done:
            return "COMPLETED", round(self.planned * self.execution, 2)
        return ("DELAYED" if qi > self.due else "IN_PROGRESS"), self._spent(qi)

    def _spent(self, qi: int) -> float:
        if qi < self.start:
            return 0.0
        end = self.done if self.done is not None else self.due + 2
        progress = min(0.95, (qi - self.start + 1) / (end - self.start + 1))
        return round(self.planned * self.execution * progress, 2)


@dataclass
class Plan:
    code: str
    start: int
    measures: list[Measure]


def plan_code(org: Org, start: int) -> str:
    town = org.municipality.removeprefix("M-")
    year = periods.year(periods.from_index(start))
    if org.rank == 1:
        return f"LAP-{town}-{year}"
    return f"LAP-{town}-SZ-{year}" if org.rank == 2 else f"LAP-{town}-{org.rank}-{year}"


def new_plan(
    profile: Profile, start: int, rng: random.Random, overspend: float, institutions: list[str]
) -> Plan:
    """5-8 measures due over the plan's three years; ``overspend`` of them end over budget."""
    measures = []
    for n, title in enumerate(rng.sample(MEASURE_TITLES, rng.randint(5, 8)), start=1):
        due = start + rng.randint(1, PLAN_QUARTERS - 1)
        begin = max(start, due - rng.randint(1, 5))
        r = rng.random()
        if r < 0.6:
            done = due
        elif r < 0.75:
            done = max(begin, due - 1)  # early
        elif r < 0.93:
            done = due + rng.randint(1, 3)  # late: DELAYED in between
        else:
            done = None  # not within this plan
        cancelled = rng.randint(begin, due) if rng.random() < 0.04 else None
        if cancelled is not None and done is not None and done < cancelled:
            cancelled = None
        planned = 0.0 if rng.random() < 0.1 else round(rng.uniform(300, 20000) / 50) * 50.0
        over = rng.random() < overspend and planned > 0
        measures.append(
            Measure(
                code=f"M{n}",
                title=in_script(title, profile.script),
                institution="" if rng.random() < 0.1 else rng.choice(institutions),
                planned=planned,
                start=begin,
                due=due,
                done=done,
                cancelled=cancelled,
                execution=rng.uniform(1.08, 1.3) if over else rng.uniform(0.82, 1.0),
            )
        )
    return Plan(plan_code(profile.org, start), start, measures)
