"""Reference data (SPEC §4): the organisation registry, the areas and the catalogue.

The files live in ``data/reference/`` (or ``LCT_REFERENCE_DIR``) and are edited
by the network's data officers, so loading checks them and names the file and
the problem instead of letting a typo surface as a strange rejection later.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lct_pipeline import periods
from lct_pipeline.i18n import DEFAULT_LANGUAGE, language_of

AREA_LEVELS = ("ORG", "MUNICIPALITY", "REGION", "NATIONAL")
TOTAL = "_T"
MEASURE_QUANTITIES = ("completed_due", "due", "spent_budget_eur", "planned_budget_eur")
REPORTING_QUANTITIES = ("received", "on_time", "expected")


class ReferenceError(ValueError):
    """The reference data cannot be used as it is; the message names file and problem."""


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    municipality: str
    active_from: str
    active_to: str | None = None
    language: str = DEFAULT_LANGUAGE  # of its feedback and `lct validate` (SPEC §11)

    def active_in(self, period: str) -> bool:
        return self.active_from <= period and (self.active_to is None or period <= self.active_to)


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str
    parent: str | None


@dataclass(frozen=True)
class Dimension:
    name: str
    members: tuple[str, ...]
    # casefolded code or alias -> member code
    lookup: dict[str, str] = field(repr=False)

    def member(self, raw: object) -> str | None:
        """The member code written as ``raw`` (code or alias, any case), else None."""
        if raw is None:
            return None
        return self.lookup.get(str(raw).strip().casefold())


@dataclass(frozen=True)
class DataElement:
    code: str
    name: str
    dimensions: tuple[str, ...]
    max: float
    sensitive: bool


@dataclass(frozen=True)
class Operand:
    """One side of an indicator: a quantity of a source, optionally filtered."""

    source: str  # element | measures | reporting
    quantity: str  # a data element code, or a measures / reporting quantity
    where: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """``element:VOT_ASSISTED[age_group=CHILD]``: names the operand in tables and metadata."""
        where = ",".join(f"{k}={v}" for k, v in self.where)
        return f"{self.source}:{self.quantity}" + (f"[{where}]" if where else "")


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    numerator: Operand
    denominator: Operand | None
    multiplier: float
    time: str  # sum | last
    sensitive: bool
    breakdowns: tuple[str, ...]
    targets: dict[int, float]

    @property
    def is_ratio(self) -> bool:
        return self.denominator is not None


@dataclass(frozen=True)
class Reference:
    organisations: dict[str, Organisation]
    areas: dict[str, Area]
    dimensions: dict[str, Dimension]
    data_elements: dict[str, DataElement]
    indicators: dict[str, Indicator]
    measure_statuses: tuple[str, ...]

    def area_chain(self, org_code: str) -> list[Area]:
        """The areas an organisation counts in, from its municipality up to the country."""
        chain = []
        code: str | None = self.organisations[org_code].municipality
        while code is not None:
            area = self.areas[code]
            chain.append(area)
            code = area.parent
        return chain

    def active_orgs(self, period: str) -> list[str]:
        return sorted(o.code for o in self.organisations.values() if o.active_in(period))


def load_reference(directory: Path | str) -> Reference:
    """Load and check the reference folder; raises ReferenceError naming file and problem."""
    directory = Path(directory)
    areas = _load_areas(directory / "areas.csv")
    organisations = _load_organisations(directory / "organisations.csv", areas)
    catalogue_path = directory / "catalogue.yaml"
    catalogue = _read_yaml(catalogue_path)
    dimensions = _load_dimensions(catalogue_path, catalogue)
    elements = _load_elements(catalogue_path, catalogue, dimensions)
    statuses = tuple(str(s).strip().upper() for s in catalogue.get("measure_statuses") or ())
    if "COMPLETED" not in statuses or "CANCELLED" not in statuses:
        raise ReferenceError(
            f"{catalogue_path}: measure_statuses must list COMPLETED and CANCELLED"
        )
    indicators = _load_indicators(catalogue_path, catalogue, elements, dimensions)
    return Reference(organisations, areas, dimensions, elements, indicators, statuses)


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise ReferenceError(f"{path}: file not found")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ReferenceError(f"{path}: missing column(s) {', '.join(missing)}")
        return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ReferenceError(f"{path}: file not found")
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ReferenceError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(content, dict):
        raise ReferenceError(f"{path}: expected a mapping at the top level")
    return content


def _unique(path: Path, kind: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if not code:
            raise ReferenceError(f"{path}: a {kind} has an empty code")
        if code in seen:
            raise ReferenceError(f"{path}: duplicate {kind} code {code!r}")
        seen.add(code)


def _load_areas(path: Path) -> dict[str, Area]:
    rows = _read_csv(path, ("area_code", "area_name", "area_level", "parent_code"))
    _unique(path, "area", [r["area_code"] for r in rows])
    areas = {
        r["area_code"]: Area(
            r["area_code"], r["area_name"], r["area_level"], r["parent_code"] or None
        )
        for r in rows
    }
    expected_parent = {"MUNICIPALITY": "REGION", "REGION": "NATIONAL", "NATIONAL": None}
    for area in areas.values():
        if area.level not in expected_parent:
            raise ReferenceError(f"{path}: area {area.code} has unknown level {area.level!r}")
        parent_level = expected_parent[area.level]
        parent = areas.get(area.parent) if area.parent else None
        if (parent.level if parent else None) != parent_level or (area.parent and not parent):
            raise ReferenceError(
                f"{path}: area {area.code} ({area.level}) must have a"
                f" {parent_level or 'no'} parent, found {area.parent or 'none'}"
            )
    return areas


def _load_organisations(path: Path, areas: dict[str, Area]) -> dict[str, Organisation]:
    rows = _read_csv(path, ("org_code", "org_name", "municipality_code", "active_from"))
    _unique(path, "organisation", [r["org_code"].upper() for r in rows])
    organisations = {}
    for r in rows:
        code = r["org_code"].upper()
        area = areas.get(r["municipality_code"])
        if area is None or area.level != "MUNICIPALITY":
            raise ReferenceError(
                f"{path}: {code} names {r['municipality_code']!r}, not a municipality of areas.csv"
            )
        active_from = periods.parse_period(r["active_from"])
        active_to = periods.parse_period(r.get("active_to")) if r.get("active_to") else None
        if active_from is None or (r.get("active_to") and active_to is None):
            raise ReferenceError(f"{path}: {code} has an unreadable active_from/active_to quarter")
        try:  # the column is optional: a registry without it speaks the default language
            language = language_of(r.get("language"))
        except ValueError as exc:
            raise ReferenceError(f"{path}: {code}: {exc}") from None
        organisations[code] = Organisation(
            code, r["org_name"], area.code, active_from, active_to, language
        )
    return organisations


def _load_dimensions(path: Path, catalogue: dict[str, Any]) -> dict[str, Dimension]:
    dimensions = {}
    for name, members in (catalogue.get("dimensions") or {}).items():
        if not isinstance(members, dict) or not members:
            raise ReferenceError(f"{path}: dimension {name!r} lists no members")
        lookup: dict[str, str] = {}
        for code, aliases in members.items():
            code = str(code).strip().upper()
            for spelling in [code, *(aliases or [])]:
                key = str(spelling).strip().casefold()
                if lookup.get(key, code) != code:
                    raise ReferenceError(
                        f"{path}: {name} alias {spelling!r} names both {lookup[key]} and {code}"
                    )
                lookup[key] = code
        if TOTAL.casefold() in lookup:
            raise ReferenceError(f"{path}: {name} may not use {TOTAL}, the total marker")
        dimensions[name] = Dimension(name, tuple(str(c).upper() for c in members), lookup)
    return dimensions


def _load_elements(
    path: Path, catalogue: dict[str, Any], dimensions: dict[str, Dimension]
) -> dict[str, DataElement]:
    elements = {}
    for code, spec in (catalogue.get("data_elements") or {}).items():
        code = str(code).upper()
        dims = tuple(spec.get("dimensions") or ())
        unknown = [d for d in dims if d not in dimensions]
        if unknown:
            raise ReferenceError(f"{path}: data element {code} uses unknown dimension {unknown[0]}")
        try:
            maximum = float(spec["max"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ReferenceError(f"{path}: data element {code} needs a numeric max") from exc
        elements[code] = DataElement(
            code, str(spec.get("name", code)), dims, maximum, bool(spec.get("sensitive", False))
        )
    if not elements:
        raise ReferenceError(f"{path}: no data_elements")
    return elements


def _operand(
    path: Path,
    indicator: str,
    spec: Any,
    elements: dict[str, DataElement],
    dimensions: dict[str, Dimension],
) -> Operand:
    if not isinstance(spec, dict):
        raise ReferenceError(f"{path}: {indicator} operand must be a mapping, got {spec!r}")
    where = tuple(sorted((str(k), str(v)) for k, v in (spec.get("where") or {}).items()))
    if "element" in spec:
        code = str(spec["element"]).upper()
        if code not in elements:
            raise ReferenceError(f"{path}: indicator {indicator} names unknown element {code}")
        for dim, member in where:
            if dim not in elements[code].dimensions or member not in dimensions[dim].members:
                raise ReferenceError(f"{path}: indicator {indicator} filters on {dim}={member}")
        return Operand("element", code, where)
    for source, allowed in (("measures", MEASURE_QUANTITIES), ("reporting", REPORTING_QUANTITIES)):
        if source in spec:
            if spec[source] not in allowed:
                raise ReferenceError(
                    f"{path}: indicator {indicator}: {source} quantity must be one of {allowed}"
                )
            return Operand(source, str(spec[source]))
    raise ReferenceError(
        f"{path}: indicator {indicator} operand needs element, measures or reporting"
    )


def _load_indicators(
    path: Path,
    catalogue: dict[str, Any],
    elements: dict[str, DataElement],
    dimensions: dict[str, Dimension],
) -> dict[str, Indicator]:
    indicators = {}
    for code, spec in (catalogue.get("indicators") or {}).items():
        code = str(code).upper()
        numerator = _operand(path, code, spec.get("numerator"), elements, dimensions)
        denominator = (
            _operand(path, code, spec["denominator"], elements, dimensions)
            if spec.get("denominator")
            else None
        )
        time = spec.get("time", "sum")
        if time not in ("sum", "last"):
            raise ReferenceError(f"{path}: indicator {code} time must be sum or last")
        breakdowns = tuple(spec.get("breakdowns") or ())
        if breakdowns and (
            numerator.source != "element"
            or not set(breakdowns) <= set(elements[numerator.quantity].dimensions)
        ):
            raise ReferenceError(
                f"{path}: indicator {code} breakdowns must be dimensions of its numerator element"
            )
        indicators[code] = Indicator(
            code=code,
            name=str(spec.get("name", code)),
            numerator=numerator,
            denominator=denominator,
            multiplier=float(spec.get("multiplier", 1)),
            time=time,
            sensitive=bool(spec.get("sensitive", False)),
            breakdowns=breakdowns,
            targets={int(y): float(t) for y, t in (spec.get("targets") or {}).items()},
        )
    return indicators
