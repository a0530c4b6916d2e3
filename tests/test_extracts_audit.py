"""Suppression audit: can anyone work out a hidden count from the public extract?

A second, independent attacker beside the pipeline's own audit
(``lct_pipeline.extracts.audit``, tested in test_public_audit.py): equations and
exact deductions only, no bounds. It reads only what is published (the public CSV
or workbook), plus what anyone knows: the areas' hierarchy and the indicators'
formulas (the definitions sheet). It writes down every equation the published
cells satisfy — breakdown members add up to the total, municipalities to their
region, regions to the country, a ratio is 100 × numerator ÷ denominator, an
achievement is value ÷ expected to date — and then

1. repeats single-unknown deductions until nothing more is found, and
2. checks with linear algebra whether any hidden count is pinned down by a
   combination of equations.

It shares no code with ``lct_pipeline.extracts.suppression``.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict

import numpy as np
import openpyxl
import pytest
from test_extracts_scenario import RUN, all_files, hand_inputs, random_inputs

from lct_pipeline.extracts import quarter_scope, render_public
from lct_pipeline.extracts.audit import PublicTable
from lct_pipeline.extracts.audit import audit as public_audit
from lct_pipeline.extracts.protection import Status

# indicator -> (numerator, denominator or None, multiplier), as the definitions sheet says
FORMULAS = {
    "IND03": (("VOT_ASSISTED", ()), None, 1.0),
    "IND04": (("VOT_ASSISTED", ()), ("VOT_IDENTIFIED", ()), 100.0),
    "IND05": (("VOT_ASSISTED", (("age_group", "CHILD"),)), ("VOT_ASSISTED", ()), 100.0),
    "IND06": (("SERVICES_PROVIDED", ()), ("VOT_ASSISTED", ()), 1.0),
}
MARK = re.compile(r"^(<\d+|\[c\])$")
HIDDEN = "hidden"


def _parse(text: object) -> float | str | None:
    if text is None or text == "":
        return None
    if isinstance(text, str) and MARK.match(text):
        return HIDDEN
    return float(text)


def _left_out_cells(left_out: list[dict], reference) -> set[tuple]:
    """The cells of the published list of figures left out: unknowns in every sum."""
    dims = {"sex": ("F", "M", "U"), "age_group": ("CHILD", "ADULT", "U")}
    every = {("VOT_ASSISTED", ()), ("VOT_IDENTIFIED", ()), ("SERVICES_PROVIDED", ())}
    every |= {("VOT_ASSISTED", ((d, m),)) for d, ms in dims.items() for m in ms}
    cells = set()
    for row in left_out:
        if row["figure"] == "all":
            cells |= {(row["area_code"], e, f) for e, f in every}
        else:
            name, _, rest = row["figure"].partition("[")
            filters = tuple(tuple(rest.rstrip("]").split("=")) for _ in [0] if rest)
            cells.add((row["area_code"], name, filters))
    return cells


class Attacker:
    def __init__(self, rows: list[dict], reference, left_out: list[dict] = ()) -> None:
        self.known: dict[tuple, float] = {}
        self.hidden: set[tuple] = set()
        self.equations: list[tuple[dict[tuple, float], float]] = []
        self.conflicts: list[str] = []
        # Cells published with a number or a mark; a blank is "no data", in no sum.
        self.seen: set[tuple] = set()
        parts: dict[tuple, set] = defaultdict(set)
        self.left_out = _left_out_cells(list(left_out), reference)
        self.seen |= self.left_out
        for cell in self.left_out:
            if cell[2]:
                parts[((cell[0], cell[1], ()), cell[2][0][0])].add(cell)
        for row in rows:
            if row["indicator_code"] not in FORMULAS:
                continue
            num, den, mult = self._cells(row)
            value, ach, etd = (_parse(row[c]) for c in ("value", "achievement", "expected_to_date"))
            self._see(num, _parse(row["numerator"]))
            if den is None:
                self._see(num, value)
                if isinstance(ach, float) and isinstance(etd, float):
                    self.equations.append(({num: 1.0}, ach * etd))
            else:
                self._see(den, _parse(row["denominator"]))
                ratio = ach * etd if isinstance(ach, float) and isinstance(etd, float) else value
                if isinstance(ratio, float):
                    self.equations.append(({num: mult, den: -ratio}, 0.0))
            if row["breakdown"] != "TOTAL" and num in self.seen:
                total = (
                    row["area_code"],
                    num[1],
                    tuple(f for f in num[2] if f[0] != row["breakdown"]),
                )
                parts[(total, row["breakdown"])].add(num)
        for (total, _), members in parts.items():
            if total in self.seen:
                self._sum(total, members)
        children: dict[tuple, set] = defaultdict(set)
        for cell in self.seen:
            parent = reference.areas[cell[0]].parent
            if parent is not None:
                children[(parent, cell[1], cell[2])].add(cell)
        for total, members in children.items():
            if total in self.seen:
                self._sum(total, members)
        # A count hidden in one row and shown in another is given away outright.
        self.shown_elsewhere = self.hidden & set(self.known)

    def _cells(self, row: dict):
        (n_el, n_f), den, mult = FORMULAS[row["indicator_code"]]
        extra = () if row["breakdown"] == "TOTAL" else ((row["breakdown"], row["breakdown_value"]),)
        num = (row["area_code"], n_el, tuple(sorted({*n_f, *extra})))
        return num, (row["area_code"], den[0], den[1]) if den else None, mult

    def _see(self, cell: tuple, value) -> None:
        if value is not None:
            self.seen.add(cell)
        if value == HIDDEN:
            self.hidden.add(cell)
        elif isinstance(value, float):
            if cell in self.known and self.known[cell] != value:
                self.conflicts.append(f"{cell}: {self.known[cell]} and {value}")
            self.known[cell] = value

    def _sum(self, total: tuple, members: set) -> None:
        terms = {m: 1.0 for m in members}
        terms[total] = -1.0
        self.equations.append((terms, 0.0))

    def deduce(self) -> dict[tuple, float]:
        """Hidden cells found by single-unknown deductions, repeated until no progress."""
        known, found = dict(self.known), {}
        progress = True
        while progress:
            progress = False
            for terms, constant in self.equations:
                unknown = [c for c, k in terms.items() if c not in known and k != 0]
                if len(unknown) == 1:
                    rest = sum(k * known[c] for c, k in terms.items() if c in known)
                    cell = unknown[0]
                    known[cell] = found[cell] = (constant - rest) / terms[cell]
                    progress = True
        # A left-out cell forced to zero reveals no victim (see docs/privacy.md).
        return {
            cell: value
            for cell, value in found.items()
            if cell in self.hidden or (cell in self.left_out and abs(value) > 1e-9)
        }

    def determined(self) -> set[tuple]:
        """Hidden cells fixed by the equations taken together (rank test per cell)."""
        unknown = sorted(self.hidden | self.left_out)
        if not unknown:
            return set()
        index = {c: i for i, c in enumerate(unknown)}
        rows = []
        for terms, _ in self.equations:
            row = np.zeros(len(unknown))
            for cell, k in terms.items():
                if cell in index:
                    row[index[cell]] = k
            if row.any():
                rows.append(row)
        if not rows:
            return set()
        matrix = np.array(rows)
        rank = np.linalg.matrix_rank(matrix)
        return {
            cell
            for cell, i in index.items()
            if np.linalg.matrix_rank(np.delete(matrix, i, axis=1)) < rank
        }


def audit(rows: list[dict], reference, left_out: list[dict] = ()) -> Attacker:
    attacker = Attacker(rows, reference, left_out)
    assert not attacker.conflicts, attacker.conflicts
    assert not attacker.shown_elsewhere, "hidden in one row, shown in another"
    assert not attacker.deduce(), "hidden counts recovered by subtraction"
    pinned = attacker.determined() - attacker.left_out
    assert not pinned, "hidden counts pinned down by combined sums"
    return attacker


def _csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _sheet_rows(data: bytes, sheet: str) -> list[dict]:
    ws = openpyxl.load_workbook(io.BytesIO(data), read_only=True)[sheet]
    header, *rows = ws.iter_rows(values_only=True)
    # A streamed sheet stores no trailing empty cells: pad the rows to the header.
    return [dict(zip(header, (*row, *[None] * len(header)), strict=False)) for row in rows]


@pytest.fixture(scope="module")
def hand(reference):
    return all_files(hand_inputs(reference), quarter_scope("2013Q1"), reference)


def test_no_hidden_cell_of_the_hand_scenario_can_be_recovered_from_the_csv(hand, reference):
    left_out = _csv_rows(hand["public/lct_2013Q1_public_left_out.csv"])
    attacker = audit(
        _csv_rows(hand["public/lct_2013Q1_public_indicators.csv"]), reference, left_out
    )
    # Victims assisted and identified: Vojvodina's F and ADULT are hidden ([c]).
    assert len(attacker.hidden) == 2


def test_no_hidden_cell_can_be_recovered_from_the_workbook(hand, reference):
    rows = _sheet_rows(hand["public/lct_2013Q1_public.xlsx"], "indicators")
    left_out = _csv_rows(hand["public/lct_2013Q1_public_left_out.csv"])
    assert len(audit(rows, reference, left_out).hidden) == 2


def test_the_audit_recovers_a_count_from_a_ratio_shown_beside_it(hand, reference):
    published = _csv_rows(hand["public/lct_2013Q1_public_indicators.csv"])
    [row] = [r for r in published if r["indicator_code"] == "IND04" and r["area_code"] == "R-VOJ"]
    assert (row["numerator"], row["denominator"]) == ("17", "24")
    row["numerator"] = "[c]"  # hidden, but the ratio beside it is still shown
    for other in published:
        if (other["indicator_code"], other["area_code"], other["breakdown"]) == (
            "IND03", "R-VOJ", "TOTAL"):  # fmt: skip
            other["numerator"] = other["value"] = "[c]"
    left_out = _csv_rows(hand["public/lct_2013Q1_public_left_out.csv"])
    recovered = Attacker(published, reference, left_out).deduce()
    assert recovered[("R-VOJ", "VOT_ASSISTED", ())] == pytest.approx(17)


@pytest.mark.parametrize("seed", range(12))
def test_random_scenarios_with_many_small_counts_hide_nothing_recoverable(seed, reference):
    threshold = (5, 3, 10)[seed % 3]
    inputs = random_inputs(reference, seed)
    scope = quarter_scope("2013Q1")
    public = render_public(inputs, scope, reference, RUN, threshold=threshold)
    left_out = _csv_rows(public.files["lct_2013Q1_public_left_out.csv"])
    attacker = audit(
        _csv_rows(public.files["lct_2013Q1_public_indicators.csv"]), reference, left_out
    )
    hidden = [s for c, s in public.plan.status.items() if s in (Status.SMALL, Status.SECONDARY)]
    assert len(attacker.hidden) == len(hidden)
    # The pipeline's own audit (bounds from the labels, linear programming) agrees.
    table = PublicTable.from_csv(
        public.files["lct_2013Q1_public_indicators.csv"],
        public.files["lct_2013Q1_public_left_out.csv"],
    )
    assert public_audit([table], reference, threshold).passed
    # Every count of 1 to threshold - 1 that is published shows as "<threshold".
    shown = _csv_rows(public.files["lct_2013Q1_public_indicators.csv"])
    truth = {
        (r["area_code"], r["breakdown_value"]): r["value"]
        for r in inputs.indicator_values.to_dict("records")
        if r["indicator_code"] == "IND03" and r["period_type"] == "Q"
    }
    for row in shown:
        if row["indicator_code"] == "IND03":
            value = truth[(row["area_code"], row["breakdown_value"])]
            if 0 < value < threshold:
                assert row["value"] == f"<{threshold}"
            elif row["value"] not in ("[c]",):
                assert float(row["value"]) == value
