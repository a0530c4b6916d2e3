"""The public versions an attacker holds (SPEC §9 revisions).

A public table, once published, stays published: a revision adds a version beside
it, it does not take it back. So each earlier version kept under
``<label>/public/revisions/<n>/`` is, to the audit, a table of its own (period
``2013Q1@1``), linked to the current one by the counts that did not change.

Which counts did not change needs the true counts behind each version, which no
public file may hold: ``.audit/<label>/<n>.json`` under the extracts folder keeps
them (like ``.staging``, it is never published). ``.audit/<label>/made_from.json``
keeps a digest of what the current version was made from (``made_from``), written
after its files: a refresh whose inputs give the same digest leaves it as it is.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lct_pipeline.extracts import revisions
from lct_pipeline.extracts.audit import PublicTable, read_tables
from lct_pipeline.extracts.cells import Cell, Period, universe, versioned
from lct_pipeline.extracts.files import write_extract_folder
from lct_pipeline.extracts.protection import Equation, Status
from lct_pipeline.extracts.public import ALL_FIGURES, LEFT_OUT_FEW, Published
from lct_pipeline.extracts.scope import QUARTER
from lct_pipeline.files import atomic_write_bytes
from lct_pipeline.reference import Reference

AUDIT_STORE = ".audit"
PUBLIC_FOLDER = "public"
FEW = LEFT_OUT_FEW.split("{", 1)[0]  # how a left-out list says "too few CSOs"


def indicators_file(label: str) -> str:
    return f"lct_{label}_public_indicators.csv"


def left_out_file(label: str) -> str:
    return f"lct_{label}_public_left_out.csv"


def _cell_json(cell: Cell) -> list:
    source, name, filters = cell.quantity
    return [cell.period, cell.period_type, cell.area_code, source, name, [list(f) for f in filters]]


def _cell(data: list) -> Cell:
    period, ptype, area, source, name, filters = data
    return Cell(period, ptype, area, (source, name, tuple(tuple(f) for f in filters)))


def values_bytes(values: dict[Cell, float], period: Period) -> bytes:
    """The true counts of ``period``'s cells, for the store (never published)."""
    own = [[*_cell_json(c), v] for c, v in sorted(values.items()) if (c.period, c.period_type)
           == period]  # fmt: skip
    return (json.dumps(own) + "\n").encode()


def _store(root: Path, label: str, version: int) -> Path:
    return Path(root) / AUDIT_STORE / label / f"{version}.json"


def _read_store(root: Path, label: str, version: int) -> dict | None:
    path = _store(root, label, version)
    return json.loads(path.read_bytes()) if path.is_file() else None


def equations_bytes(equations: list[Equation]) -> bytes:
    """Equations between cells (the links between versions), for the staged audit."""
    data = [[[[*_cell_json(c), k] for c, k in eq.terms], eq.rhs] for eq in equations]
    return (json.dumps(data) + "\n").encode()


def read_equations(data: bytes) -> list[Equation]:
    return [
        Equation(tuple((_cell(t[:-1]), float(t[-1])) for t in terms), float(rhs))
        for terms, rhs in json.loads(data)
    ]


@dataclass(frozen=True)
class Kept:
    """One published version of a period's public table, relabelled as its own period."""

    period: Period  # versioned: ("2013Q1@1", "Q")
    indicators: bytes
    left_out: bytes
    values: dict[Cell, float] | None  # its true counts, by versioned cell (None: not kept)
    threshold: int | None  # the settings it was protected with (its manifest's)
    min_contributors: int | None
    quarters: dict[str, int]  # a year's: the version of each quarter it was the sum of

    def table(self) -> PublicTable:
        return PublicTable.from_csv(self.indicators, self.left_out, self.period)

    def published(self, reference: Reference) -> Published:
        table = self.table()
        reading = read_tables([table], reference)
        values = dict(reading.shown)
        if self.values is not None:
            hidden = {c: v for c, v in self.values.items() if reading.status.get(c) is not
                      Status.SHOWN}  # fmt: skip
            values |= hidden
        left = table.left_out
        few = frozenset(
            left.loc[(left["figure"] == ALL_FIGURES) & left["reason"].str.startswith(FEW),
                     "area_code"]
        )  # fmt: skip
        # A year was the sum of the quarter versions published with it: whichever of them
        # a later revision replaced, the attacker still writes that sum down.
        sums = tuple(
            Equation.sum_of(
                cell,
                [Cell(versioned((q, QUARTER), n)[0], QUARTER, cell.area_code, cell.quantity)
                 for q, n in sorted(self.quarters.items())],
            )
            for cell in sorted(universe(reference, [self.period]))
        ) if self.quarters else ()  # fmt: skip
        return Published(self.period, reading.status, values, few, self.values is not None, sums)


def _relabel(data: bytes, label: str) -> bytes:
    frame = pd.read_csv(io.StringIO(data.decode("utf-8-sig")), dtype=str, keep_default_na=False)
    frame["period"] = label
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _kept(version: revisions.Version, root: Path, label: str, ptype: str) -> Kept | None:
    indicators, left_out = version.read(indicators_file(label)), version.read(left_out_file(label))
    if indicators is None or left_out is None:
        return None
    period = versioned((label, ptype), version.number)
    store = _read_store(root, label, version.number)
    values = None
    if store is not None:
        values = {}
        for *cell, value in store["values"]:
            old = _cell(cell)
            values[Cell(period[0], ptype, old.area_code, old.quantity)] = float(value)
    manifest = version.manifest
    return Kept(
        period,
        _relabel(indicators, period[0]),
        _relabel(left_out, period[0]),
        values,
        manifest.get("suppression_threshold"),
        manifest.get("min_contributors"),
        (store or {}).get("quarters") or {},
    )


def published_versions(root: Path, label: str, ptype: str) -> list[Kept]:
    """Every published version of ``label``'s public table, the current one last."""
    folder = Path(root) / label / PUBLIC_FOLDER
    versions = [revisions.version_at(p) for p in (folder / revisions.REVISIONS).glob("*")]
    versions.append(revisions.current(folder))
    kept = []
    for version in sorted({v.number: v for v in versions if v is not None}.values(),
                          key=lambda v: v.number):  # fmt: skip
        made = _kept(version, root, label, ptype)
        if made is not None:
            kept.append(made)
    return kept


def publish(
    root: Path,
    label: str,
    files: dict[str, bytes],
    manifest: dict,
    values: bytes,
    inputs_digest: str | None = None,
) -> list[Path]:
    """Write an audited public folder ``<label>/public/`` as version ``manifest["version"]``:
    its true counts to the store first (a published version always has them for the
    next audit; a year's, with the versions of the quarters it adds up, so publish the
    quarters first), then the version in place kept under revisions/, then the files,
    then what it was made from (``made_from``: a crash before it leaves an older
    version's, so the next run makes this one again)."""
    version = int(manifest.get("version", 1))
    store = {"values": json.loads(values)}
    if manifest.get("period_type") != QUARTER:  # published after its quarters (their versions)
        store["quarters"] = {q: current_number(root, q) for q in manifest.get("quarters", [])}
    atomic_write_bytes(_store(root, label, version), (json.dumps(store) + "\n").encode())
    target = Path(root) / label / PUBLIC_FOLDER
    revisions.keep_current(target, version, prefix=f"lct_{label}_")
    written = write_extract_folder(target, files, manifest, prefix=f"lct_{label}_")
    quarters = manifest.get("quarters", []) if manifest.get("period_type") != QUARTER else []
    record = {
        "version": version,
        "made_from": None if inputs_digest is None else made_from(root, quarters, inputs_digest),
    }
    atomic_write_bytes(_made_from(root, label), (json.dumps(record) + "\n").encode())
    return written


def republished(root: Path) -> dict[str, list[str]]:
    """Per year whose current public version adds up quarter versions that are no longer
    current: its Q4 (whose run makes it) and those quarters, published again since.

    Two runs of one year side by side (the run queue runs several) can publish a
    quarter's new version after its year was planned beside the one before; the year
    is then planned again, beside every version, by a refresh of its Q4.
    """
    found = {}
    for folder in sorted(Path(root).glob("[0-9][0-9][0-9][0-9]")):
        number = current_number(root, folder.name)
        store = _read_store(root, folder.name, number) if number else None
        quarters = (store or {}).get("quarters") or {}
        again = [q for q, n in sorted(quarters.items()) if current_number(root, q) != n]
        if again:
            found[f"{folder.name}Q4"] = again
    return found


def _made_from(root: Path, label: str) -> Path:
    return Path(root) / AUDIT_STORE / label / "made_from.json"


def made_from(root: Path, quarters: list[str] | tuple[str, ...], inputs_digest: str) -> str:
    """What a public version is made from: its inputs (``build.public_inputs_digest``)
    and, for a year, the current version of each quarter it is protected beside."""
    numbers = [current_number(root, q) for q in quarters]
    return hashlib.sha256(json.dumps([inputs_digest, numbers]).encode()).hexdigest()


def current_made_from(root: Path, label: str) -> str | None:
    """The digest of what ``label``'s current public version was made from, if known."""
    path = _made_from(root, label)
    if not path.is_file():
        return None
    record = json.loads(path.read_bytes())
    return record["made_from"] if record["version"] == current_number(root, label) else None


def current_number(root: Path, label: str) -> int:
    """The number of ``label``'s current public version; 0 before the first."""
    held = revisions.current(Path(root) / label / PUBLIC_FOLDER)
    return 0 if held is None else held.number
