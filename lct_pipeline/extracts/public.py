"""The public indicator tables: no ORG rows, and victims' counts protected (SPEC §9).

What the attacker knows and how it adds up is ``cells``; ``suppression``
chooses what to hide; ``audit`` checks the files that result. Here: which areas
have too few contributing CSOs, the plan of a scope, and the published rows.

Tables are protected in the order they are published: each quarter on its own
(a quarter's tables share no sum with another quarter's), then its year with the
four quarters as they were published.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from lct_pipeline.columns import AREA
from lct_pipeline.extracts.cells import (
    LEVEL_RANK,
    Cell,
    Period,
    Row,
    equations,
    figure_name,
    public_areas,
    row_cells,
    sensitive_rows,
    universe,
    version_of,
)
from lct_pipeline.extracts.protection import Equation, Status
from lct_pipeline.extracts.scope import QUARTER, Scope
from lct_pipeline.extracts.suppression import Protection, protect
from lct_pipeline.reference import Reference

HIDDEN = "[c]"
MARKED_COLUMNS = ("numerator", "denominator", "value", "achievement", "rag")
DEFAULT_MIN_CONTRIBUTORS = 3
LEFT_OUT_FEW = "fewer than {n} CSOs reported values for the period"
LEFT_OUT_PROTECT = "left out so that hidden counts cannot be worked out"
ALL_FIGURES = "all"  # the figure column of an area left out whole


def primary_mark(threshold: int) -> str:
    return f"<{threshold}"


def true_values(rows: pd.DataFrame, reference: Reference) -> dict[Cell, float]:
    """Each sensitive cell's count, from the (internal) indicator rows."""
    values: dict[Cell, float] = {}

    def put(cell: Cell, value: object) -> None:
        if pd.isna(value):
            return
        value = float(value)
        if cell in values and abs(values[cell] - value) > 1e-9:
            raise ValueError(
                f"{cell!r} is {values[cell]:g} in one indicator row and {value:g} in another;"
                " the indicator values disagree, so the public extract cannot be made safe"
            )
        values[cell] = value

    for row in rows.itertuples(index=False):
        indicator = reference.indicators.get(row.indicator_code)
        if indicator is None or not indicator.sensitive or row.area_level not in LEVEL_RANK:
            continue
        num, den = row_cells(row, indicator)
        if den is None:
            put(num, row.value if pd.notna(row.value) else row.numerator)
        else:
            put(num, row.numerator)
            put(den, row.denominator)
    return values


def contributors(
    completeness: pd.DataFrame, quarters: Iterable[str], reference: Reference
) -> dict[str, int]:
    """Per area: how many CSOs reported values (an accepted values file) in ``quarters``."""
    rows = completeness[
        (completeness["area_level"] == "ORG")
        & completeness["period"].isin(list(quarters))
        & (completeness["received"] > 0)
    ]
    by_area: dict[str, set[str]] = defaultdict(set)
    for org in set(rows["area_code"]):
        if org in reference.organisations:
            for area in reference.area_chain(org):
                by_area[area.code].add(org)
    return {area: len(orgs) for area, orgs in by_area.items()}


@dataclass(frozen=True)
class Plan:
    """What the public tables of a scope show: every cell's status, and why."""

    threshold: int
    min_contributors: int
    # The scope's period last; before it a year's quarters and the versions published
    # before of each (``2013Q1@1``), as the attacker holds them.
    periods: tuple[Period, ...]
    status: Mapping[Cell, Status]
    values: Mapping[Cell, float]
    # (period, period_type, area) of an area left out whole, or one Cell -> reason
    left_out: Mapping[tuple[str, str, str] | Cell, str]
    log: tuple = ()
    # What ties the earlier versions in ``periods`` to the rest (``links``, a year's sums).
    links: tuple[Equation, ...] = ()

    def of(self, cell: Cell) -> Status:
        return self.status.get(cell, Status.SHOWN)

    def counts(self, period: Period, reference: Reference) -> pd.DataFrame:
        """Sensitive cells published, hidden and left out, nationally and by region."""
        lines = []
        for area in public_areas(reference):
            level = reference.areas[area].level
            if level == "MUNICIPALITY":
                continue
            cells = [
                c
                for c in self.status
                if (c.period, c.period_type) == period
                and (c.area_code == area or _region_of(c.area_code, reference) == area)
            ]
            statuses = [self.status[c] for c in cells]
            lines.append(
                {
                    "area_level": level,
                    "area_code": area,
                    "published": sum(s is Status.SHOWN for s in statuses),
                    "hidden": sum(s in (Status.SMALL, Status.SECONDARY) for s in statuses),
                    "left_out": sum(s is Status.LEFT_OUT for s in statuses),
                }
            )
        lines.sort(key=lambda r: (-LEVEL_RANK[r["area_level"]], r["area_code"]))
        return pd.DataFrame(lines, columns=["area_level", "area_code", "published", "hidden",
                                            "left_out"])  # fmt: skip


@dataclass(frozen=True)
class Published:
    """An earlier version of a period's public table: what the attacker holds of it (its
    files, read as ``audit.read_tables`` reads them) and the counts it was made from."""

    period: Period  # versioned: ("2013Q1@1", "Q")
    status: Mapping[Cell, Status]  # every cell of it, as its files label it
    values: Mapping[Cell, float]  # its true counts (shown ones as published)
    few: frozenset[str] = frozenset()  # areas it left out for too few contributing CSOs
    known: bool = True  # its true counts were kept (else only its shown counts are known)
    sums: tuple[Equation, ...] = ()  # a year's: the quarter versions it was the sum of

    @property
    def of(self) -> Period:
        return (version_of(self.period[0]), self.period[1])


def links(published: Published, values: Mapping[Cell, float]) -> list[Equation]:
    """The attacker who knows which counts a revision changed (the CSOs that sent the
    late or corrected files may well be known) equates every other count of the earlier
    version with the current one. Hidden in one version and shown in the other, such a
    count would be given away: these equations let the audit see it."""
    found: list[Equation] = []
    for old in sorted(published.status):
        if not published.known and published.status[old] is not Status.SHOWN:
            continue  # its true count is unknown here: a shown one is its published value
        cell = Cell(*published.of, old.area_code, old.quantity)
        if abs(published.values.get(old, 0.0) - values.get(cell, 0.0)) < 1e-9:
            found.append(Equation(((old, 1.0), (cell, -1.0))))
    return found


def _region_of(area: str, reference: Reference) -> str | None:
    parent = reference.areas[area].parent
    return parent if parent and reference.areas[parent].level == "REGION" else None


def plan_scope(
    rows: pd.DataFrame,
    completeness: pd.DataFrame,
    scope: Scope,
    reference: Reference,
    threshold: int,
    min_contributors: int = DEFAULT_MIN_CONTRIBUTORS,
    earlier: Iterable[Published] = (),
) -> Plan:
    """Protect the scope's table; a year's after its quarters' (each on its own).

    ``earlier``: every version published before of the scope's period and of its
    quarters (a revision adds a table, it takes none back). Each step first makes the
    plan a clean run would make; with versions published before, that plan is then
    checked beside them, as published and linked to it by the counts that did not
    change (``links``), and only what they would give away is hidden on top of it. A
    period whose counts did not change since its current version keeps that version's
    plan. So a revision publishes what a clean run would, unless that would reveal a
    hidden count beside what is already out.
    """
    values = true_values(rows, reference)
    status: dict[Cell, Status] = {}  # the current periods' cells
    kept: dict[Cell, Status] = {}  # the cells of earlier versions, as published
    left_out: dict[tuple[str, str, str], str] = {}
    log: list = []
    periods: list[Period] = []  # every table the attacker holds, the newest last
    current: list[Period] = []  # the current tables only: what a clean run protects
    linked: list[Equation] = []
    versions: dict[Period, list[Published]] = defaultdict(list)
    for version in earlier:
        versions[version.of].append(version)
    steps = [((q, QUARTER), (q,)) for q in scope.quarters] if scope.period_type != QUARTER else []
    steps.append(((scope.label, scope.period_type), scope.quarters))
    for period, quarters in steps:
        changeable = universe(reference, [period])
        few = {
            area
            for area, n in contributors(completeness, quarters, reference).items()
            if area in reference.areas and n < min_contributors
        }
        reason = LEFT_OUT_FEW.format(n=min_contributors)
        left_out |= {(*period, area): reason for area in sorted(few)}

        def cost(cell: Cell) -> tuple:
            level = LEVEL_RANK[reference.areas[cell.area_code].level]
            # Totals last, the country last of all: they are the figures readers need most.
            return (not cell.quantity[2], level, values.get(cell, 0.0), cell)

        step = {
            "changeable": changeable,
            "left_out": {c for c in changeable if c.area_code in few},
            "cost": cost,
        }
        current.append(period)
        latest = versions[period][-1] if versions[period] else None
        # A year's quarter unchanged since its own run published it (the common case):
        # the attacker holds exactly that table, which that run made safe beside its
        # earlier versions; planning it again would give the same.
        as_published = (
            period != steps[-1][0] and latest is not None
            and _unchanged(latest, values, few, changeable)
        )  # fmt: skip
        if as_published:
            own = {c: latest.status[_as_version(c, latest)] for c in changeable}
        else:
            protection: Protection = protect(
                values,
                equations(reference, current),
                threshold,
                fixed=status,
                forced=_beside_one_hidden(changeable, quarters, status, values, period),
                **step,
            )
            own = {**status, **protection.status}
            _unseen(own, changeable, reference, period)
            log += protection.log
        for version in versions[period]:
            periods.append(version.period)
            kept |= version.status
            values.update(version.values)
            linked += [*links(version, values), *version.sums]
        if latest is not None and not as_published:
            start = {c: own[c] for c in changeable}
            if _unchanged(latest, values, few, changeable):
                start = {c: latest.status.get(_as_version(c, latest), own[c]) for c in changeable}
            protection = protect(
                values,
                equations(reference, [*periods, period]) + linked,
                threshold,
                fixed={**kept, **status},
                start=start,
                **step,
            )
            own = {**status, **protection.status}
            _unseen(own, changeable, reference, period)
            log += protection.log
        periods.append(period)
        status |= {c: own[c] for c in changeable}
        for cell in changeable:
            if status[cell] is Status.LEFT_OUT and cell.area not in left_out:
                left_out[cell] = LEFT_OUT_PROTECT
    return Plan(
        threshold, min_contributors, tuple(periods), {**kept, **status}, values, left_out,
        tuple(log), tuple(linked),
    )  # fmt: skip


def _as_version(cell: Cell, version: Published) -> Cell:
    return Cell(*version.period, cell.area_code, cell.quantity)


def _unchanged(
    version: Published, values: Mapping[Cell, float], few: set[str], cells: set[Cell]
) -> bool:
    """Whether the period's counts, and the areas left out for too few CSOs, are what
    ``version`` was made from."""
    if not version.known or set(version.few) != few:
        return False
    return all(
        _as_version(c, version) in version.status
        and abs(version.values.get(_as_version(c, version), 0.0) - values.get(c, 0.0)) < 1e-9
        for c in cells
    )


def _beside_one_hidden(
    changeable: set[Cell],
    quarters: tuple[str, ...],
    status: Mapping[Cell, Status],
    values: Mapping[Cell, float],
    period: Period,
) -> set[Cell]:
    """A year's counts that are the sum of published quarters with exactly one of them
    hidden: shown, they would give that one away (year minus the other quarters)."""
    if period[1] == QUARTER:
        return set()
    forced = set()
    for cell in changeable:
        parts = [Cell(q, QUARTER, cell.area_code, cell.quantity) for q in quarters]
        hidden = [p for p in parts if status.get(p, Status.SHOWN) is not Status.SHOWN]
        if len(hidden) == 1 and values.get(hidden[0], 0.0) != 0:
            forced.add(cell)
    return forced


def _unseen(
    status: dict[Cell, Status], changeable: set[Cell], reference: Reference, period: Period
) -> list[Cell]:
    """Cells whose every row is left out with another cell (IND04's denominator when its
    numerator is left out): an attacker would read them as zero, so they are left out too.
    Leaving out only widens what an attacker can say, so the audit still holds."""
    found: list[Cell] = []
    changed = True
    while changed:
        changed = False
        visible: set[Cell] = set()
        for area in public_areas(reference):
            for indicator, breakdown, member in sensitive_rows(reference):
                row = Row(*period, area, breakdown, member)
                cells = [c for c in row_cells(row, indicator) if c is not None]
                if all(status.get(c, Status.SHOWN) is not Status.LEFT_OUT for c in cells):
                    visible |= set(cells)
        for cell in changeable:
            if cell not in visible and status.get(cell) is not Status.LEFT_OUT:
                status[cell] = Status.LEFT_OUT
                found.append(cell)
                changed = True
    return found


def publish_indicators(rows: pd.DataFrame, plan: Plan, reference: Reference) -> pd.DataFrame:
    """``rows`` (indicator_values columns) as published: no ORG rows, sensitive cells marked,
    the sensitive rows of left-out areas removed."""
    rows = rows[rows["area_level"] != "ORG"].reset_index(drop=True)
    sensitive = {code for code, ind in reference.indicators.items() if ind.sensitive}
    is_sensitive = rows["indicator_code"].isin(sensitive)
    shown = {c: rows[c].astype(object).tolist() for c in MARKED_COLUMNS}
    keep = [True] * len(rows)

    def mark(cell: Cell) -> str:
        return primary_mark(plan.threshold) if plan.of(cell) is Status.SMALL else HIDDEN

    def hide(i: int, column: str, text: str) -> None:
        if pd.notna(shown[column][i]):
            shown[column][i] = text

    for i, row in zip(
        rows.index[is_sensitive], rows[is_sensitive].itertuples(index=False), strict=True
    ):
        num, den = row_cells(row, reference.indicators[row.indicator_code])
        if Status.LEFT_OUT in (plan.of(num), plan.of(den) if den else None):
            keep[i] = False
            continue
        hidden = False
        if plan.of(num) is not Status.SHOWN:
            hide(i, "numerator", mark(num))
            hidden = True
        if den is not None and plan.of(den) is not Status.SHOWN:
            hide(i, "denominator", mark(den))
            hidden = True
        if hidden:
            # A count's own value is its numerator; a ratio's would reveal the hidden side.
            hide(i, "value", mark(num) if den is None else HIDDEN)
            hide(i, "achievement", HIDDEN)
            hide(i, "rag", HIDDEN)
    out = rows.assign(**{c: pd.Series(v, index=rows.index, dtype=object) for c, v in shown.items()})
    return out[pd.Series(keep, index=out.index, dtype=bool)].reset_index(drop=True)


def left_out_table(plan: Plan, period: Period, reference: Reference) -> pd.DataFrame:
    """The figures on victims the public table of ``period`` leaves out, and why."""
    lines = []
    for key, reason in plan.left_out.items():
        if isinstance(key, Cell):
            where, area, figure = (
                (key.period, key.period_type),
                key.area_code,
                figure_name(key.quantity),
            )
        else:
            where, area, figure = key[:2], key[2], ALL_FIGURES
        if where != period:
            continue
        lines.append(
            {
                "period": period[0],
                "period_type": period[1],
                "area_level": reference.areas[area].level,
                "area_code": area,
                "area_name": reference.areas[area].name,
                "figure": figure,
                "reason": reason,
            }
        )
    lines.sort(key=lambda r: (-LEVEL_RANK[r["area_level"]], r["area_code"], r["figure"]))
    columns = ["period", "period_type", *AREA, "area_name", "figure", "reason"]
    return pd.DataFrame(lines, columns=columns)
