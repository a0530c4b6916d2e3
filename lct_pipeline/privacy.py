"""Personal data in free text (SPEC §1: nothing that identifies a person enters the warehouse).

Comments and measure titles are screened at ingestion, before the raw layer:
what looks like a JMBG (the 13-digit personal number), an e-mail address or a
phone number is replaced by a marker, and the row remembers what was removed so
validation can warn the CSO.
"""

from __future__ import annotations

import re

import pandas as pd

# Most specific first: a JMBG would also look like a phone number.
PATTERNS: dict[str, re.Pattern[str]] = {
    "jmbg": re.compile(r"(?<!\d)\d{13}(?!\d)"),
    "e-mail": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    # A number starting with + or 0, digits in groups: checked for 8-13 digits below.
    "phone": re.compile(r"(?<![\w.,])(?:\+|\(?0)[\d\s/().-]{6,20}\d(?![\w])"),
}
_PHONE_DIGITS = range(8, 14)
SCREENED_COLUMNS = ("comment", "measure_title")


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
    """Redact the screened columns of ``frame`` in place; returns what was removed per row."""
    removed = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    for column in SCREENED_COLUMNS:
        if column not in frame.columns:
            continue
        texts = frame[column]
        # Only cells with a digit or an @ can hold any of the patterns: skip the rest cheaply.
        candidates = texts.notna() & texts.astype(str).str.contains(r"[\d@]", regex=True)
        for index in frame.index[candidates]:
            clean, kinds = redact(texts[index])
            if kinds:
                frame.at[index, column] = clean
                label = f"{column}: {', '.join(kinds)}"
                removed[index] = label if removed[index] is None else f"{removed[index]}; {label}"
    return removed
