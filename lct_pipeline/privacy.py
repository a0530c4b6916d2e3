"""Personal data in any cell (SPEC §1, §5: nothing that identifies a person enters the warehouse).

Every cell a row keeps is screened at ingestion, before the raw layer and before
any code, period or slice is read from it (all columns of the layout, and the
headers of the columns not stored, named in ``ignored``; their cells are never
kept): what looks like a JMBG (the 13-digit personal number), an e-mail address or
a phone number is replaced by a marker, and the row remembers what was removed,
and where, so validation can warn the CSO.
"""

from __future__ import annotations

import re

import pandas as pd

from lct_pipeline.contract import RAW_COLUMNS

# Most specific first: a JMBG would also look like a phone number.
PATTERNS: dict[str, re.Pattern[str]] = {
    "jmbg": re.compile(r"(?<!\d)\d{13}(?!\d)"),
    "e-mail": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    # A number starting with + or 0, digits in groups: checked for 8-13 digits below.
    "phone": re.compile(r"(?<![\w.,])(?:\+|\(?0)[\d\s/().-]{6,20}\d(?![\w])"),
}
_PHONE_DIGITS = range(8, 14)
# Every column a file's row can bring in: a CSO types a phone number in any cell.
SCREENED_COLUMNS = (*RAW_COLUMNS, "ignored")


def redact(text: str) -> tuple[str, list[str]]:
    """``text`` with personal data replaced by ``[removed: kind]``, and the kinds found."""
    found = []
    for kind, pattern in PATTERNS.items():
        hits = 0

        def replace(match: re.Match[str], kind: str = kind) -> str:
            nonlocal hits
            digits = sum(c.isdigit() for c in match.group())
            if kind == "phone" and digits not in _PHONE_DIGITS:
                return match.group()
            hits += 1
            return f"[removed: {kind}]"

        text = pattern.sub(replace, text)
        if hits:
            found.append(kind)
    return text, found


def redact_frame(frame: pd.DataFrame) -> pd.Series:
    """Redact the screened columns of ``frame`` in place; returns what was removed per row
    (``comment: e-mail; value: jmbg``: the first column named is where it is reported)."""
    removed = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    columns = [c for c in SCREENED_COLUMNS if c in frame.columns]
    if frame.empty or not columns:
        return removed
    # Cells repeat (counts, codes): the distinct texts of all columns are screened once,
    # and only one with an @ or enough digits for a phone number can hold a pattern.
    # Nearly every file holds none, and costs one pass over its cells.
    cells = frame[columns].to_numpy(dtype=object).ravel()
    texts = pd.Series(pd.unique(cells[pd.notna(cells)]), dtype=object).astype(str)
    candidate = texts.str.contains("@", regex=False) | (
        texts.str.count(r"\d") >= _PHONE_DIGITS.start
    )
    found = {}
    for text in texts[candidate]:
        clean, kinds = redact(text)
        if kinds:
            found[text] = (clean, kinds)
    if not found:
        return removed
    for column in columns:
        values = frame[column]
        for index in frame.index[values.isin(list(found))]:
            clean, kinds = found[str(values[index])]
            frame.at[index, column] = clean
            label = f"{column}: {', '.join(kinds)}"
            removed[index] = label if removed[index] is None else f"{removed[index]}; {label}"
    return removed
