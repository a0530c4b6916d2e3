"""Raw rows into typed helper columns that the suites check (SPEC §3.2 readings).

The raw text stays as it was typed, for messages; beside it each row gets its
codes as the reference data knows them, its quarter as a number, its numbers
parsed, what the registry and the catalogue say about its organisation and
data element (active quarters, dimensions used, largest plausible value), and the
``submission_id`` of its slice (one file's rows for one org, record type and period).
Nothing here decides whether a row is good: that is the suites' job, so every
rule shows in Great Expectations and its Data Docs.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd

from lct_pipeline.contract import DIMENSION_COLUMNS
from lct_pipeline.i18n import N_, Msg
from lct_pipeline.normalise import (
    normalise_code,
    normalise_codes,
    parse_number,
    parse_numbers,
    slice_label,
)
from lct_pipeline.periods import parse_period, quarter_number
from lct_pipeline.reference import TOTAL, Dimension, Reference

_CODE = re.compile(r"[A-Z0-9][A-Z0-9_]{0,23}")


def _id_part(text: str) -> str:
    """A code as it is; anything else readable but unambiguous (its text's hash added)."""
    if not text:
        return "-"
    if _CODE.fullmatch(text):
        return text
    readable = re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")[:16]
    return f"{readable}~{hashlib.sha256(text.encode()).hexdigest()[:6]}"


def slice_id(sha256: str, record_type: str, org: str, period: str) -> str:
    """``9f2c41d07a3b:values:CSO12:2013Q1``: a slice's readable, stable submission_id."""
    return f"{sha256[:12]}:{record_type}:{_id_part(org)}:{_id_part(period)}"


def file_slice_id(sha256: str) -> str:
    """The submission_id of a file rejected whole."""
    return f"{sha256[:12]}:file"


def slice_ids(frame: pd.DataFrame) -> pd.Series:
    """The submission_id of every row, from sha256, record_type, slice_org and slice_period."""
    columns = ["sha256", "record_type", "slice_org", "slice_period"]
    # Groups are numbered in order of first appearance, as drop_duplicates keeps them.
    codes = frame.groupby(columns, sort=False, dropna=False).ngroup().to_numpy()
    firsts = frame[columns].drop_duplicates().itertuples(index=False, name=None)
    ids = np.array([slice_id(*key) for key in firsts], dtype=object)
    return pd.Series(ids[codes], index=frame.index, dtype=object)


def quarter_numbers(periods: pd.Series) -> pd.Series:
    """`quarter_number` over a column of ``YYYYQn`` texts; NaN where there is none."""
    codes, uniques = pd.factorize(periods, use_na_sentinel=True)
    table = np.array([quarter_number(p) for p in uniques] + [np.nan], dtype="float64")
    return pd.Series(table[codes], index=periods.index, dtype="float64")


def member_codes(series: pd.Series, dimension: Dimension) -> pd.Series:
    """Dimension members as codes: aliases resolved, ``_T`` kept, unknown text upper-cased."""

    def code(raw: object) -> str | None:
        text = normalise_code(raw)
        if text is None or text == TOTAL:
            return text
        return dimension.member(text) or text

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    table = np.array([code(u) for u in uniques] + [None], dtype=object)
    return pd.Series(table[codes], index=series.index, dtype=object)


def _number_hint(raw: pd.Series, number: pd.Series) -> pd.Series:
    """Why a typed number could not be read, where the reason helps more than "not a number"."""
    hint = pd.Series("", index=raw.index, dtype=object)
    for i in raw.index[raw.notna() & number.isna()]:
        try:
            parse_number(raw[i])
        except ValueError as exc:
            if str(exc) != "not a number":
                hint[i] = Msg(N_(" ({reason})"), {"reason": Msg(str(exc))})
    return hint


def _content(typed: pd.Series, raw: pd.Series) -> pd.Series:
    """What duplicates compare: the typed value, or the text where it has none."""
    return typed.astype(object).where(typed.notna(), normalise_codes(raw))


def _common(raw: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Columns both record types share: organisation, quarter, activity and slice."""
    frame = raw.reset_index(drop=True).copy()
    frame["org"] = frame["org_norm"].astype(object)
    frame["period_number"] = quarter_numbers(frame["period_norm"])
    orgs = reference.organisations.values()
    first = {o.code: quarter_number(o.active_from) for o in orgs}
    last = {o.code: quarter_number(o.active_to) for o in orgs if o.active_to}
    frame["active_from_number"] = frame["org"].map(first).astype("float64")
    frame["active_to_number"] = frame["org"].map(last).astype("float64")
    frame["active_from"] = frame["org"].map({o.code: o.active_from for o in orgs})
    frame["active_to"] = frame["org"].map({o.code: o.active_to for o in orgs if o.active_to})
    # Rows whose org or period is invalid form slices of their own, named by the code
    # typed; text that is no code at all (a signature line under the table: a name and a
    # phone number) names no slice and no submission id.
    frame["slice_org"] = slice_label(frame["org_norm"]).fillna("").astype(object)
    typed_period = slice_label(normalise_codes(frame["period"])).fillna("")
    frame["slice_period"] = frame["period_norm"].astype(object).fillna(typed_period)
    frame["submission_id"] = slice_ids(frame)
    # Where personal data was removed: the first column the screening named.
    frame["redacted_column"] = frame["redacted"].map(
        lambda text: text.split(":")[0] if isinstance(text, str) else None
    )
    # The column a COLUMN_NOT_STORED warning names: the first one not stored, as the CSO
    # sees it (its header, or its letter).
    frame["ignored_column"] = frame["ignored"].map(
        lambda text: text.split(", ")[0].strip("'") if isinstance(text, str) else None
    )
    return frame


def _dimensions(frame: pd.DataFrame, reference: Reference) -> None:
    """The dimension helpers of a values row.

    - ``<dimension>_code``: the member typed (alias resolved), ``_T``, or the unknown text;
    - ``<dimension>_given``: the same without ``_T`` (blank and ``_T`` both mean a total);
    - ``<dimension>_unused``: a member given where the element is not broken down by it;
    - ``dims_given`` / ``detail_dims_given`` (NaN on a total row) / ``dims_needed``;
    - ``<dimension>_key``: the dimension as the warehouse stores it (the member on a
      detail row, ``_T`` on a total row, empty where the element does not use it);
    - ``first_blank_dimension``: on a partly broken-down row, the first one left empty.
    """
    elements = reference.data_elements.values()
    needed = {e.code: len(e.dimensions) for e in elements}
    frame["dims_needed"] = frame["element"].map(needed).astype("float64")
    frame["element_dimensions"] = frame["element"].map(
        {e.code: ", ".join(e.dimensions) for e in elements}
    )
    known = frame["element"].isin(needed)
    given = pd.Series(0, index=frame.index, dtype="int64")
    uses = {}
    for name in DIMENSION_COLUMNS:
        code = member_codes(frame[name], reference.dimensions[name])
        is_given = code.notna() & (code != TOTAL)
        uses[name] = frame["element"].isin([e.code for e in elements if name in e.dimensions])
        frame[f"{name}_code"] = code
        frame[f"{name}_given"] = code.where(is_given)
        frame[f"{name}_unused"] = code.where(is_given & known & ~uses[name])
        given += is_given.astype("int64")
    frame["dims_given"] = given
    frame["detail_dims_given"] = given.where(given > 0).astype("float64")
    frame["is_total"] = given == 0
    frame["first_blank_dimension"] = None
    for name in DIMENSION_COLUMNS:
        code = frame[f"{name}_code"]
        stored = code.where(~frame["is_total"], TOTAL).where(uses[name])
        frame[f"{name}_key"] = stored.astype(object)
        blank = uses[name] & ~frame["is_total"] & (code.isna() | (code == TOTAL))
        frame.loc[blank & frame["first_blank_dimension"].isna(), "first_blank_dimension"] = name


def prepare_values(raw: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Values rows with the helper columns of the values suites; a fresh RangeIndex."""
    frame = _common(raw, reference)
    frame["element"] = normalise_codes(frame["data_element"])
    _dimensions(frame, reference)
    frame["element_max"] = (
        frame["element"]
        .map({e.code: e.max for e in reference.data_elements.values()})
        .astype("float64")
    )
    frame["value_number"] = parse_numbers(frame["value"])
    frame["value_content"] = _content(frame["value_number"], frame["value"])
    frame["value_fraction"] = frame["value_number"] - np.floor(frame["value_number"])
    frame["value_hint"] = _number_hint(frame["value"], frame["value_number"])
    return frame


def prepare_measures(raw: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Measures rows with the helper columns of the measures suites; a fresh RangeIndex."""
    frame = _common(raw, reference)
    frame["plan"] = normalise_codes(frame["plan_code"])
    frame["measure"] = normalise_codes(frame["measure_code"])
    frame["title"] = frame["measure_title"].str.strip()
    frame["institution_code"] = member_codes(
        frame["responsible_institution"], reference.dimensions["institution"]
    )
    frame["status_code"] = normalise_codes(frame["status"])
    for column, number in (("planned_budget_eur", "planned"), ("spent_budget_eur", "spent")):
        frame[f"{number}_number"] = parse_numbers(frame[column])
        frame[f"{column}_hint"] = _number_hint(frame[column], frame[f"{number}_number"])
        frame[f"{number}_content"] = _content(frame[f"{number}_number"], frame[column])
    frame["due_period_norm"] = frame["due_period"].map(parse_period, na_action="ignore")
    frame["due_period_number"] = quarter_numbers(frame["due_period_norm"])
    frame["due_content"] = _content(frame["due_period_norm"], frame["due_period"])
    return frame
