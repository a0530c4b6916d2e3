"""Mistakes CSOs make (SPEC §5), injected on purpose and recorded for the manifest.

One mistake per row, and none that causes another: a bad value never goes into
a row that a duplicate or total check compares (the rows of such a check are
locked), nor into the elements whose sums the warnings compare (services,
recommendations submitted). A row-level mistake is recorded with its row, so
its row number is known once the file's rows are in their final order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from lct_pipeline import periods
from lct_pipeline.contract import DIMENSION_COLUMNS
from lct_pipeline.generator.data import History, Profile
from lct_pipeline.generator.formats import Format, Row, Table, member_text, period_text
from lct_pipeline.generator.network import Network
from lct_pipeline.generator.tables import M, V
from lct_pipeline.generator.words import in_script
from lct_pipeline.normalise import parse_number
from lct_pipeline.reference import Reference

VALUE_REASONS = (
    "MISSING_VALUE", "UNKNOWN_ORG", "BAD_PERIOD", "FUTURE_PERIOD", "ORG_INACTIVE",
    "UNKNOWN_DATA_ELEMENT", "BAD_DIMENSION", "INCOMPLETE_DISAGGREGATION", "NOT_A_NUMBER",
    "NEGATIVE_VALUE", "NOT_INTEGER", "IMPLAUSIBLE_VALUE", "DUPLICATE_CONFLICT", "TOTAL_MISMATCH",
)  # fmt: skip
MEASURE_REASONS = ("MISSING_VALUE", "NOT_A_NUMBER", "NEGATIVE_VALUE", "BAD_STATUS")
ROW_REASONS = (*VALUE_REASONS, "BAD_STATUS")
FILE_REASONS = ("PERSONAL_DATA", "EMPTY_FILE", "MISSING_COLUMNS", "UNKNOWN_LAYOUT")
WARNINGS = ("OUTLIER", "ADOPTED_GT_SUBMITTED", "SERVICES_LT_ASSISTED", "OVERSPENT")
_GROUP = ("DUPLICATE_CONFLICT", "TOTAL_MISMATCH")
# Their sums are compared by warnings: a rejected row there would raise one by accident.
_KEEP_CLEAN = frozenset({"SERVICES_PROVIDED", "RECOMMENDATIONS_SUBMITTED"})
_OUTLIER_ELEMENTS = ("PERSONS_CONTACTED", "PERSONS_INFORMED", "CONSULTATIONS_HELD",
                     "REFERRALS_MADE", "PROFESSIONALS_TRAINED", "SERVICES_PROVIDED")  # fmt: skip

_BAD_MEMBERS = {
    "sex": ("Ženski", "X", "žene", "Muški", "Ž/M"),
    "age_group": ("MLADI", "18+", "Deca", "Odrasla", "0-17"),
    "vulnerable_group": ("ROMA", "Romi", "OSI", "DISABLED", "ŽRTVE NASILJA", "BESKUĆNICI"),
    "service": ("HOUSING", "Smeštaj", "Pravna pomoć", "FOOD", "PREVOZ"),
    "institution": ("SCHOOL", "Škola", "MUP", "SUD", "CRVENI KRST"),
}
_NOT_NUMBERS = ("n/a", "nema", "?", "cca 10", "10+", "x", "-", "N/A", "pet", "nepoznato")
_NOT_MONEY = ("cca 500", "n/a", "nepoznato", "-", "vidi izveštaj")
_BAD_STATUSES = ("U toku", "Završeno", "DONE", "ONGOING", "IN PROGRES", "Realizovano")


@dataclass(frozen=True)
class Entry:
    """One injected rejection or warning, resolved to a row number when the file is written."""

    kind: str  # rejection | warning
    reason_code: str
    table: Table | None  # None: the whole file
    row: Row | None
    column: str | None


@dataclass
class Spot:
    """What a mistake needs to know about the file it goes into."""

    profile: Profile
    network: Network
    catalogue: Reference
    period: str
    fmt: Format
    rng: random.Random
    entries: list[Entry]

    def fits(self, text: str) -> bool:
        """Whether the file's encoding can hold ``text`` (cp1251 has no Ž)."""
        if self.fmt.encoding is None or self.fmt.encoding.startswith("utf"):
            return True
        try:
            text.encode(self.fmt.encoding)
        except UnicodeEncodeError:
            return False
        return True

    def choose(self, options) -> str:
        return self.rng.choice([o for o in options if self.fits(o)])

    def reject(self, t: Table, row: Row, column: str | None, reason: str) -> list[Row]:
        row.reason, row.locked = reason, True
        self.entries.append(Entry("rejection", reason, t, row, column))
        return [row]

    def warn(self, t: Table, row: Row, reason: str, column: str = "value") -> None:
        row.locked = True
        self.entries.append(Entry("warning", reason, t, row, column))


# ------------------------------------------------------------------ values rows


def inject_values(spot: Spot, t: Table, rate: float) -> None:
    """Each row gets a mistake with probability ``rate``, of a reason that fits it."""
    spoiled: dict[str, str] = {}  # element -> 'single' | 'group'
    for row in list(t.rows):
        if row.locked or row.element in _KEEP_CLEAN or spot.rng.random() >= rate:
            continue
        reason = spot.rng.choice([r for r in VALUE_REASONS if _fits(spot, t, row, r, spoiled)])
        _VALUE_MISTAKES[reason](spot, t, row)
        spoiled[row.element] = "group" if reason in _GROUP else "single"


def inject_value_reason(spot: Spot, t: Table, reason: str, element: str | None = None) -> Row:
    """Inject ``reason`` into a fitting row (of ``element`` when given); for scripted mistakes,
    where a missing value is always the count left blank."""
    spoiled = {r.element: "group" if r.reason in _GROUP else "single" for r in t.rows if r.reason}
    rows = [
        r
        for r in t.rows
        if not r.locked
        and r.element not in _KEEP_CLEAN
        and (element is None or r.element == element)
        and _fits(spot, t, r, reason, spoiled)
    ]
    if not rows:
        raise ValueError(f"no row of {element or 'any element'} fits {reason} in {spot.period}")
    row = spot.rng.choice(rows)
    if reason == "MISSING_VALUE":
        return _missing(spot, t, row, "value")[-1]
    return _VALUE_MISTAKES[reason](spot, t, row)[-1]


def _fits(spot: Spot, t: Table, row: Row, reason: str, spoiled: dict[str, str]) -> bool:
    element, members = row.key
    if reason == "ORG_INACTIVE":
        return spot.profile.org.active_from > periods.PROGRAMME_START
    if reason == "INCOMPLETE_DISAGGREGATION":
        return len(members) >= 2
    if reason in _GROUP:
        group = [r for r in t.rows if r.element == element]
        return (
            element not in spoiled
            and not any(r.locked for r in group)
            and (reason == "DUPLICATE_CONFLICT" or bool(members))
        )
    return True


def _missing(spot: Spot, t: Table, row: Row, column: str | None = None) -> list[Row]:
    column = column or spot.rng.choices(("value", "data_element", "period"), (7, 1.5, 1.5))[0]
    row.cells[V[column]] = None
    return spot.reject(t, row, column, "MISSING_VALUE")


def _unknown_org(spot: Spot, t: Table, row: Row) -> list[Row]:
    code = spot.profile.org.code
    options = [code.replace("CSO", "CS0"), code.replace("CSO", "CSO-"), f"CSO{int(code[3:]) + 900}"]
    if code.startswith("CSO0"):
        options.append(code.replace("CSO0", "CSO"))  # typed without the leading zero
    row.cells[V["org_code"]] = spot.rng.choice([o for o in options if o not in spot.network.codes])
    return spot.reject(t, row, "org_code", "UNKNOWN_ORG")


def _bad_period(spot: Spot, t: Table, row: Row) -> list[Row]:
    y, q = int(spot.period[:4]), int(spot.period[5])
    style = spot.profile.period_style
    before_start = [period_text(f"2011Q{q}", style), period_text(f"2012Q{min(q, 3)}", style)]
    unreadable = [f"{y}Q5", f"{y}Q0", f"{y % 100:02d}Q{q}", f"{q}. kvartal {y}", f"{y}/{q}"]
    date = periods.quarter_end(spot.period).strftime("%d.%m.%Y")  # the quarter's last day
    options = [*unreadable, date, *before_start]
    valid = [o for o in options if (periods.parse_period(o) or "") < periods.PROGRAMME_START]
    row.cells[V["period"]] = spot.rng.choice(valid)
    return spot.reject(t, row, "period", "BAD_PERIOD")


def _future_period(spot: Spot, t: Table, row: Row) -> list[Row]:
    # "21" for "20": a slip that puts the quarter a century ahead of any run.
    future = f"{int(spot.period[:4]) + 100}{spot.period[4:]}"
    row.cells[V["period"]] = period_text(future, spot.profile.period_style)
    return spot.reject(t, row, "period", "FUTURE_PERIOD")


def _org_inactive(spot: Spot, t: Table, row: Row) -> list[Row]:
    before = periods.period_range(periods.PROGRAMME_START, spot.profile.org.active_from)[:-1]
    row.cells[V["period"]] = period_text(spot.rng.choice(before), spot.profile.period_style)
    return spot.reject(t, row, "period", "ORG_INACTIVE")


def _unknown_element(spot: Spot, t: Table, row: Row) -> list[Row]:
    code = row.element
    while True:  # a letter dropped while typing
        i = spot.rng.randrange(len(code))
        typo = code[:i] + code[i + 1 :]
        if code[i] != "_" and typo not in spot.catalogue.data_elements:
            break
    row.cells[V["data_element"]] = typo
    return spot.reject(t, row, "data_element", "UNKNOWN_DATA_ELEMENT")


def _bad_dimension(spot: Spot, t: Table, row: Row) -> list[Row]:
    element, members = row.key
    used = spot.catalogue.data_elements[element].dimensions
    if members and spot.rng.random() < 0.7:  # an unknown member
        dim = spot.rng.choice(used)
        known = spot.catalogue.dimensions[dim]
        row.cells[V[dim]] = spot.choose(b for b in _BAD_MEMBERS[dim] if known.member(b) is None)
    else:  # a dimension the element does not use, filled in
        dim = spot.rng.choice([d for d in DIMENSION_COLUMNS if d not in used])
        member = spot.rng.choice(spot.catalogue.dimensions[dim].members[:-1])
        row.cells[V[dim]] = member_text(dim, member, spot.profile.dim_style)
    return spot.reject(t, row, dim, "BAD_DIMENSION")


def _incomplete(spot: Spot, t: Table, row: Row) -> list[Row]:
    dim = spot.rng.choice(spot.catalogue.data_elements[row.element].dimensions)
    row.cells[V[dim]] = None
    return spot.reject(t, row, dim, "INCOMPLETE_DISAGGREGATION")


def _not_a_number(spot: Spot, t: Table, row: Row) -> list[Row]:
    token = in_script(spot.rng.choice(_NOT_NUMBERS), spot.profile.script)
    row.cells[V["value"]] = _check_not_number(token)
    return spot.reject(t, row, "value", "NOT_A_NUMBER")


def _check_not_number(token: str) -> str:
    try:
        parse_number(token)
    except ValueError:
        return token
    raise AssertionError(f"{token!r} reads as a number")


def _negative(spot: Spot, t: Table, row: Row) -> list[Row]:
    row.cells[V["value"]] = -max(row.cells[V["value"]], 1)
    return spot.reject(t, row, "value", "NEGATIVE_VALUE")


def _not_integer(spot: Spot, t: Table, row: Row) -> list[Row]:
    row.cells[V["value"]] += 0.5
    return spot.reject(t, row, "value", "NOT_INTEGER")


def _implausible(spot: Spot, t: Table, row: Row) -> list[Row]:
    top = int(spot.catalogue.data_elements[row.element].max)
    value, year = row.cells[V["value"]], int(spot.period[:4])
    options = [n for n in (year, value * 1000, top * 10 + value) if n > top]  # a year, extra zeros
    row.cells[V["value"]] = spot.rng.choice(options)
    return spot.reject(t, row, "value", "IMPLAUSIBLE_VALUE")


def _duplicate(spot: Spot, t: Table, row: Row) -> list[Row]:
    """The row typed again further down with another count: both are rejected."""
    copy = Row(list(row.cells), row.key)
    copy.cells[V["value"]] = row.cells[V["value"]] + spot.rng.randint(1, 3)
    t.rows.append(copy)
    _lock_group(t, row.element)
    return spot.reject(t, row, "value", "DUPLICATE_CONFLICT") + spot.reject(
        t, copy, "value", "DUPLICATE_CONFLICT"
    )


def _total_mismatch(spot: Spot, t: Table, row: Row) -> list[Row]:
    """A total row added after the element's detail rows, with a sum that does not add up."""
    element = row.element
    group = [r for r in t.rows if r.element == element]
    detail_sum = sum(r.cells[V["value"]] for r in group)
    delta = spot.rng.choice([d for d in (-3, -2, -1, 1, 2, 3) if detail_sum + d >= 0])
    total = Row(list(row.cells), (element, ()))
    for dim in spot.catalogue.data_elements[element].dimensions:
        total.cells[V[dim]] = spot.profile.total_marker
    total.cells[V["value"]] = detail_sum + delta
    total.cells[V["comment"]] = in_script("ukupno", spot.profile.script)
    t.rows.insert(t.rows.index(group[-1]) + 1, total)
    _lock_group(t, element)
    return spot.reject(t, total, "value", "TOTAL_MISMATCH")


def _lock_group(t: Table, element: str) -> None:
    for r in t.rows:
        if r.element == element:
            r.locked = True


_VALUE_MISTAKES = {
    "MISSING_VALUE": _missing,
    "UNKNOWN_ORG": _unknown_org,
    "BAD_PERIOD": _bad_period,
    "FUTURE_PERIOD": _future_period,
    "ORG_INACTIVE": _org_inactive,
    "UNKNOWN_DATA_ELEMENT": _unknown_element,
    "BAD_DIMENSION": _bad_dimension,
    "INCOMPLETE_DISAGGREGATION": _incomplete,
    "NOT_A_NUMBER": _not_a_number,
    "NEGATIVE_VALUE": _negative,
    "NOT_INTEGER": _not_integer,
    "IMPLAUSIBLE_VALUE": _implausible,
    "DUPLICATE_CONFLICT": _duplicate,
    "TOTAL_MISMATCH": _total_mismatch,
}


# ---------------------------------------------------------------- measures rows


def inject_measures(spot: Spot, t: Table, rate: float) -> None:
    for row in t.rows:
        if spot.rng.random() < rate:
            inject_measure_reason(spot, t, spot.rng.choice(MEASURE_REASONS), row)


def inject_measure_reason(spot: Spot, t: Table, reason: str, row: Row | None = None) -> Row:
    row = row or spot.rng.choice(t.rows)
    rng, cells = spot.rng, row.cells
    if reason == "MISSING_VALUE":
        column = rng.choice(("status", "planned_budget_eur", "spent_budget_eur", "measure_title"))
        cells[M[column]] = None
    elif reason == "NOT_A_NUMBER":
        column = rng.choice(("planned_budget_eur", "spent_budget_eur"))
        cells[M[column]] = _check_not_number(in_script(rng.choice(_NOT_MONEY), spot.profile.script))
    elif reason == "NEGATIVE_VALUE":
        column = "spent_budget_eur"
        cells[M[column]] = -(cells[M[column]] or 100.0)
    else:
        column = "status"
        cells[M[column]] = spot.choose(in_script(s, spot.profile.script) for s in _BAD_STATUSES)
    spot.reject(t, row, column, reason)
    return row


def overspent(spot: Spot, t: Table) -> None:
    """OVERSPENT where a measure's spending passed its budget (rejected rows are dropped later)."""
    for row in t.rows:
        planned, spent = row.cells[M["planned_budget_eur"]], row.cells[M["spent_budget_eur"]]
        if spent > planned:
            spot.entries.append(Entry("warning", "OVERSPENT", t, row, "spent_budget_eur"))


# --------------------------------------------------------------------- warnings


def outlier(spot: Spot, t: Table, history: History, elements=_OUTLIER_ELEMENTS) -> Row | None:
    """A value far above the org's recent ones (a campaign, or a typo that is still a count)."""
    qi = periods.index(spot.period)
    fitting = []
    for row in t.rows:
        if row.locked or row.element not in elements:
            continue
        above = history.outlier_above(row.key, qi)
        if above is not None and above + 10 <= spot.catalogue.data_elements[row.element].max:
            fitting.append((row, above))
    if not fitting:
        return None
    row, above = spot.rng.choice(fitting)
    row.cells[V["value"]] = above + spot.rng.randint(1, 10)
    spot.warn(t, row, "OUTLIER")
    return row


def adopted_gt_submitted(spot: Spot, t: Table, history: History) -> Row | None:
    rows = {r.element: r for r in t.rows if not r.key[1]}
    adopted, submitted = rows.get("RECOMMENDATIONS_ADOPTED"), rows.get("RECOMMENDATIONS_SUBMITTED")
    if adopted is None or submitted is None or adopted.locked:
        return None
    value = submitted.cells[V["value"]] + spot.rng.randint(1, 2)
    if value > history.cap(adopted.key, periods.index(spot.period)):
        return None
    adopted.cells[V["value"]] = value
    spot.warn(t, adopted, "ADOPTED_GT_SUBMITTED")
    return adopted


def services_lt_assisted(spot: Spot, t: Table) -> Row | None:
    """Fewer services than victims assisted: services taken off from the last rows up."""
    assisted = [r for r in t.rows if r.element == "VOT_ASSISTED"]
    services = [r for r in t.rows if r.element == "SERVICES_PROVIDED"]
    n_assisted = sum(r.cells[V["value"]] for r in assisted)
    if n_assisted < 1 or not services or any(r.locked for r in assisted + services):
        return None
    excess = sum(r.cells[V["value"]] for r in services) - (n_assisted - 1)
    for row in reversed(services):
        cut = min(excess, row.cells[V["value"]])
        row.cells[V["value"]] -= cut
        excess -= cut
    for row in assisted + services:
        row.locked = True
    spot.warn(t, services[0], "SERVICES_LT_ASSISTED")
    return services[0]
