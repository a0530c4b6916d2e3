"""What one extract covers: a quarter (``2013Q1``) or a year (``2013``) (SPEC §9).

A year's extract is built once its Q4 is processed; before that its ``Y`` rows
are only year to date and would be published as if they were the whole year.
"""

from __future__ import annotations

from dataclasses import dataclass

from lct_pipeline import periods

QUARTER = "Q"
YEAR = "Y"
CUMULATIVE = "CUM"


@dataclass(frozen=True)
class Scope:
    label: str  # "2013Q1" or "2013": names the folder and the files
    period_type: str  # Q or Y: the indicator rows the extract is about
    quarters: tuple[str, ...]  # the quarters it covers

    @property
    def last_quarter(self) -> str:
        return self.quarters[-1]

    @property
    def trend_quarters(self) -> tuple[str, ...]:
        """Every quarter from the programme's start to the end of the scope (for charts)."""
        return tuple(periods.period_range(periods.PROGRAMME_START, self.last_quarter))

    def file_name(self, audience: str, table: str | None = None, suffix: str = "xlsx") -> str:
        stem = f"lct_{self.label}_{audience}" + (f"_{table}" if table else "")
        return f"{stem}.{suffix}"


def quarter_scope(period: str) -> Scope:
    return Scope(period, QUARTER, (period,))


def year_scope(year: int | str) -> Scope:
    year = int(year)
    # 2012 has only its Q4 in the programme.
    quarters = [
        p for p in periods.period_range(f"{year}Q1", f"{year}Q4") if p >= periods.PROGRAMME_START
    ]
    return Scope(str(year), YEAR, tuple(quarters))


def scopes_for(period: str) -> list[Scope]:
    """The extracts a quarter's run builds: the quarter's, and the year's after a Q4."""
    scopes = [quarter_scope(period)]
    if period.endswith("Q4"):
        scopes.append(year_scope(periods.year(period)))
    return scopes
