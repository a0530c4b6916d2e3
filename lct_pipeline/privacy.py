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
    for column in SCREENED_COLUMNS:
        if column not in frame.columns:
            continue
        texts = frame[column]
        # Cells repeat (counts, codes): each distinct text is screened once, and only one
        # with an @ or enough digits for a phone number can hold any of the patterns.
        found = {}
        for text in pd.unique(texts[texts.notna()]):
            text = str(text)
            if "@" in text or sum(ch.isdigit() for ch in text) >= _PHONE_DIGITS.start:
                clean, kinds = redact(text)
                if kinds:
                    found[text] = (clean, kinds)
        if not found:
            continue
        for index in frame.index[texts.isin(list(found))]:
            clean, kinds = found[str(texts[index])]
            frame.at[index, column] = clean
            label = f"{column}: {', '.join(kinds)}"
            removed[index] = label if removed[index] is None else f"{removed[index]}; {label}"
    return removed
