"""Revisions (SPEC §9): an extract rebuilt because its figures changed keeps the previous one.

An extract's *figures* are its indicators table (the ``…_indicators.csv`` file). A
rebuild whose figures equal the current version's is the same version: its files
are written again and its list of changes stays. A rebuild whose figures differ is
the next version: the current files are first kept under ``revisions/<n>/`` (with
their manifest, marked no longer current), then the new ones are written with a
manifest that says which version is current, why it was rebuilt and where the
earlier ones are, and a ``changes`` table listing each figure that changed.

A rebuild cut short leaves a folder without a manifest, its old one set aside
(``files.PREVIOUS_MANIFEST``). If that version was kept already, the rebuild was
writing a new version: the next one compares with the kept copy, so it numbers and
lists its changes as the cut one would. If not, it was rewriting the same version
(the same figures): the folder still is that version, and is kept as such if the
next rebuild's figures differ.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lct_pipeline.columns import INDICATOR_COLUMNS, INDICATOR_FIGURES
from lct_pipeline.extracts.files import MANIFEST, PREVIOUS_MANIFEST, write_extract_folder
from lct_pipeline.faults import checkpoint

REVISIONS = "revisions"
CHANGES = "changes"  # the table: lct_<label>_<audience>_changes.csv, sheet "changes"
CHANGES_TITLE = "Figures changed since the previous version"
# What names one figure of an indicators table: the view's columns that are not figures,
# with the indicator's name beside its code.
_NAMING = tuple(c for c in INDICATOR_COLUMNS if c not in INDICATOR_FIGURES)
KEY = (_NAMING[0], "indicator_name", *_NAMING[1:])
CHANGE_COLUMNS = (*KEY, "figure", "old", "new")
CAUSE = "caused_by"
# The manifest fields a rebuild writes (beside the run's): a clean run's version is 1.
MANIFEST_FIELDS = ("version", "current", "rebuilt_because", "revisions")


@dataclass(frozen=True)
class Version:
    """One written version of an extract: the current folder, or ``revisions/<n>/``."""

    number: int
    folder: Path
    manifest: dict

    def read(self, name: str) -> bytes | None:
        path = self.folder / name
        return path.read_bytes() if path.is_file() else None

    def files(self) -> dict[str, bytes]:
        listed = [f["name"] for f in self.manifest["files"]]
        return {name: data for name in listed if (data := self.read(name)) is not None}


def version_at(folder: Path, manifest: str = MANIFEST) -> Version | None:
    """The version ``folder``'s manifest describes (None: no manifest)."""
    try:
        data = json.loads((folder / manifest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Version(int(data.get("version", 1)), folder, data)


def _kept(folder: Path, number: int) -> Version | None:
    return version_at(folder / REVISIONS / str(number))


def current(folder: Path) -> Version | None:
    """The version ``folder`` holds: complete, or being rewritten with the same figures
    (its old manifest set aside, no copy of it kept)."""
    complete = version_at(folder)
    if complete is not None:
        return complete
    aside = version_at(folder, PREVIOUS_MANIFEST)
    if aside is not None and _kept(folder, aside.number) is None:
        return aside
    return None


def latest(folder: Path) -> Version | None:
    """What a rebuild of ``folder`` compares with: the version it holds, else the newest
    kept one (a rebuild cut short after keeping it)."""
    held = current(folder)
    if held is not None:
        return held
    kept = [version_at(p) for p in (folder / REVISIONS).glob("*") if p.is_dir()]
    kept = [v for v in kept if v is not None]
    return max(kept, key=lambda v: v.number) if kept else None


@dataclass(frozen=True)
class Revision:
    """What a rebuild is: its version number, its changes, its manifest fields."""

    number: int
    changes: pd.DataFrame
    manifest: dict  # MANIFEST_FIELDS


def _frame(data: bytes | None) -> pd.DataFrame | None:
    if data is None:
        return None
    return pd.read_csv(io.StringIO(data.decode("utf-8-sig")), dtype=str, keep_default_na=False)


def changed_figures(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """One line per figure whose text differs: the value of every row, and for a ratio its
    numerator and denominator too (a ratio can stay while both of its counts change)."""
    key = [c for c in KEY if c in new.columns and c in old.columns]
    figures = ["value", "numerator", "denominator"]
    both = old[key + figures].merge(
        new[key + figures], on=key, how="outer", suffixes=("_old", "_new"), indicator=True
    )
    both = both.fillna("")
    lines = []
    for figure in figures:
        old_text, new_text = both[f"{figure}_old"], both[f"{figure}_new"]
        differs = old_text != new_text
        if figure != "value":  # a count's numerator is its value
            ratio = (both["denominator_old"] != "") | (both["denominator_new"] != "")
            differs &= ratio
        part = both.loc[differs, key].assign(figure=figure, old=old_text[differs],
                                             new=new_text[differs])  # fmt: skip
        lines.append(part)
    out = pd.concat(lines, ignore_index=True)
    order = {f: i for i, f in enumerate(figures)}
    # Each changed figure where the new table has it (a figure's key is unique), else last.
    changed = list(zip(*(out[c].tolist() for c in key), strict=True))
    wanted = set(changed)
    rows = zip(*(new[c].tolist() for c in key), strict=True)
    positions = {k: i for i, k in enumerate(rows) if k in wanted}
    out["_at"] = [positions.get(k, len(new)) for k in changed]
    out["_figure"] = out["figure"].map(order)
    out = out.sort_values(["_at", *key, "_figure"], kind="stable")
    return (
        out.drop(columns=["_at", "_figure"])
        .reset_index(drop=True)
        .reindex(columns=[*key, "figure", "old", "new"])
    )


def empty_changes(cause: bool) -> pd.DataFrame:
    return pd.DataFrame(columns=[*CHANGE_COLUMNS, *([CAUSE] if cause else [])], dtype=str)


def first(cause: bool) -> Revision:
    """A first version: nothing published before it."""
    fields = {"version": 1, "current": True, "rebuilt_because": None, "revisions": []}
    return Revision(1, empty_changes(cause), fields)


def revise(
    folder: Path,
    figures_file: str,
    figures: bytes,
    changes_file: str,
    *,
    because: Callable[[pd.DataFrame, Version], dict],
    cause: Callable[[pd.DataFrame, Version], list[str]] | None = None,
) -> Revision:
    """The revision a rebuild of ``folder`` with ``figures`` (its indicators CSV) makes.

    ``because(changes, previous)``: why it was rebuilt, for the manifest; ``cause(changes,
    previous)``: per changed figure, the submissions that caused it (internal only).
    """
    previous = latest(folder)
    if previous is None:
        return first(cause is not None)
    held = previous.read(figures_file)
    if held == figures:
        kept = _frame(previous.read(changes_file))
        fields = {f: previous.manifest.get(f) for f in MANIFEST_FIELDS}
        fields |= {"version": previous.number, "current": True}
        fields["revisions"] = fields["revisions"] or []
        changes = kept if kept is not None else empty_changes(cause is not None)
        return Revision(previous.number, changes, fields)
    old = _frame(held)
    changes = changed_figures(old if old is not None else _frame(figures).iloc[:0], _frame(figures))
    if cause is not None:
        changes[CAUSE] = cause(changes, previous)
    earlier = [
        r for r in previous.manifest.get("revisions") or [] if r["version"] < previous.number
    ]
    kept_as = {
        "version": previous.number,
        "folder": f"{REVISIONS}/{previous.number}",
        "created_at": previous.manifest.get("created_at"),
        "rebuilt_because": previous.manifest.get("rebuilt_because"),
    }
    number = previous.number + 1
    fields = {
        "version": number,
        "current": True,
        "rebuilt_because": because(changes, previous),
        "revisions": [*earlier, kept_as],
    }
    return Revision(number, changes, fields)


def keep_current(folder: Path, number: int, prefix: str) -> None:
    """Before version ``number`` is written to ``folder``: copy the version it replaces to
    ``revisions/<n>/`` (manifest last). Nothing to do when the folder holds that version
    already, or none (a rebuild cut short kept it before)."""
    held = current(folder)
    if held is None or held.number >= number or _kept(folder, held.number) is not None:
        return
    manifest = {k: v for k, v in held.manifest.items() if k != "files"}
    manifest |= {"current": False, "superseded_by": number}
    write_extract_folder(
        folder / REVISIONS / str(held.number), held.files(), manifest, prefix=prefix
    )
    checkpoint("revisions.kept")
