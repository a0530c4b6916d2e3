"""Normalising what people type: headers, codes and numbers (SPEC §3.2).

Pure functions. Each vectorised function gives exactly the answers of its
scalar twin; the tests hold them to that.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from lct_pipeline.i18n import N_, Msg

# Excel and copy-paste leave byte-order marks and zero-width spaces at the ends
# of cells; `\s` alone does not cover them.
_EDGES = re.compile(r"^[\s\ufeff\u200b]+|[\s\ufeff\u200b]+$")
_INNER = re.compile(r"[\s_-]+")


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def fold(text: str) -> str:
    """Text as codes, periods and numbers are read (SPEC §3.2): NFKC (full-width
    ``２０１３Ｑ１`` is ``2013Q1``; a "Ž" typed on macOS, Z + combining caron, is the one
    from Windows), then the digits of other scripts (``١٢``, ``१२``) as ASCII digits."""
    folded = unicodedata.normalize("NFKC", text)
    if folded.isascii():
        return folded
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in folded)


def _trim(text: str) -> str:
    return _EDGES.sub("", fold(text))


def not_ascii(text: object) -> Msg | None:
    """What a CSO should know of the characters of a code that are neither ASCII nor
    Latin letters: each one named, and its Latin twin where it looks like one (a
    Cyrillic ``М`` for ``M``). None when there is none."""
    if _is_missing(text):
        return None
    odd = dict.fromkeys(ch for ch in fold(str(text)).strip() if not ch.isascii())
    named = []
    for ch in odd:
        name = unicodedata.name(ch, f"U+{ord(ch):04X}").lower()
        if name.startswith("latin"):  # Ž, č: the CSO typed what it meant
            continue
        twin = _LOOK_ALIKE.get(ch)
        # Unicode's names of characters are English in every language.
        named.append(
            Msg(
                N_("'{char}' is the {name}, not the Latin letter {twin}: type {twin}"),
                {"char": ch, "name": name, "twin": twin},
            )
            if twin
            else Msg(N_("'{char}' ({name}) is not a letter codes use"), {"char": ch, "name": name})
        )
    if not named:
        return None
    joined = named[0]
    for more in named[1:]:
        joined = Msg(N_("{first}; {second}"), {"first": joined, "second": more})
    return Msg(N_("{characters}."), {"characters": joined})


# Cyrillic and Greek capitals and small letters that look like Latin ones.
_LOOK_ALIKE = dict(
    zip(
        "АВЕЅІЈКМНОРСТХУаеѕіјорсхуΑΒΕΖΗΙΚΜΝΟΡΤΥΧορ",
        "ABESIJKMHOPCTXYaesijopcxyABEZHIKMNOPTYXop",
        strict=True,
    )
)


def normalise_header(text: object) -> str:
    """``" Data Element "`` -> ``"data_element"``; None -> ``""``."""
    if text is None:
        return ""
    return _INNER.sub("_", _trim(str(text)).casefold())


def normalise_code(text: object) -> str | None:
    """A code trimmed and upper-cased, so that codes match case-insensitively; blank -> None."""
    if _is_missing(text):
        return None
    code = _trim(str(text)).upper()
    return code or None


NOT_A_CODE = "(not a code)"
_CODE_LIKE = r"\S{1,32}"


def slice_label(codes: pd.Series) -> pd.Series:
    """Normalised codes as a slice's name: a text with spaces, or too long for a code,
    is ``NOT_A_CODE`` (None stays None)."""
    like = codes.isna() | codes.str.fullmatch(_CODE_LIKE, na=False)
    return codes.where(like, NOT_A_CODE)


def normalise_codes(series: pd.Series) -> pd.Series:
    """`normalise_code` over a column (object dtype, None where blank)."""
    # A code column holds few distinct values: normalising each once is both fast
    # and identical to the scalar function by construction.
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    table = np.array([normalise_code(u) for u in uniques] + [None], dtype=object)
    return pd.Series(table[codes], index=series.index, dtype=object, name=series.name)


# ---------------------------------------------------------------------------
# Numbers. The forms of SPEC §3.2, one regular expression each; the three are
# disjoint, so a text has at most one reading. Digits are [0-9] on purpose:
# `\d` would also accept Arabic-Indic and other Unicode digits.
_GROUP = " \u00a0\u202f\u2009"  # space, no-break space, narrow no-break space, thin space
_BLANKS = " \t\r\n\ufeff" + _GROUP[1:]
# A single `.` or `,` is the decimal mark; spaces may group thousands.
_WHOLE = rf"(?:[0-9]+|[0-9]{{1,3}}(?:[{_GROUP}][0-9]{{3}})+)"
_PLAIN = re.compile(rf"[+-]?(?:{_WHOLE}(?:[.,][0-9]+)?|[.,][0-9]+)")
# `.` groups thousands: either `,` follows as the decimal mark, or the `.` repeats.
_DOT_GROUPS = re.compile(r"[+-]?[0-9]{1,3}(?:(?:\.[0-9]{3})+,[0-9]+|(?:\.[0-9]{3}){2,})")
# `,` groups thousands only when it repeats and no decimal mark follows.
_COMMA_GROUPS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3}){2,}")
# The English form 1,234.50 contradicts the rule above: it is refused, not guessed.
_COMMA_THEN_DOT = re.compile(r".*[0-9],[0-9]+\.[0-9].*")

# How each form becomes text that float() reads, in the order the forms are tried.
_FORMS = (
    (_PLAIN, str.maketrans({**dict.fromkeys(_GROUP), ",": ".", "+": None})),
    (_DOT_GROUPS, str.maketrans({".": None, ",": ".", "+": None})),
    (_COMMA_GROUPS, str.maketrans({",": None, "+": None})),
)


def parse_number(text: object) -> float:
    """A number written by SPEC §3.2; raises ValueError with a short reason otherwise."""
    stripped = "" if _is_missing(text) else fold(str(text)).strip(_BLANKS)
    if not stripped:
        raise ValueError("empty")
    for pattern, table in _FORMS:
        if pattern.fullmatch(stripped):
            return float(stripped.translate(table))
    if _COMMA_THEN_DOT.fullmatch(stripped):
        raise ValueError(N_("comma before the decimal point: write 1.234,50 or 1234.50"))
    if stripped.startswith("="):
        raise ValueError(
            N_(
                "a formula that was never calculated: open the file in Excel, save it and send"
                " it again, or type the number"
            )
        )
    raise ValueError("not a number")


def parse_numbers(series: pd.Series) -> pd.Series:
    """`parse_number` over a column: float64, NaN where blank or not a number."""
    # Reported counts repeat a lot: parse each distinct text once.
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    text = pd.Series([fold(str(u)) for u in uniques], dtype=object).str.strip(_BLANKS)
    canonical = pd.Series(None, index=text.index, dtype=object)
    remaining = pd.Series(True, index=text.index)
    for pattern, table in _FORMS:
        if not remaining.any():
            break
        todo = text[remaining]
        hit = todo.index[todo.str.fullmatch(pattern.pattern).fillna(False).astype(bool)]
        canonical[hit] = text[hit].str.translate(table).to_numpy(dtype=object)
        remaining[hit] = False
    values = np.full(len(uniques) + 1, np.nan)  # the extra last slot answers missing cells
    found = canonical.notna().to_numpy()
    # numpy converts each str with Python's float(), the scalar function's parser.
    values[:-1][found] = canonical[found].to_numpy(dtype=object).astype(np.float64)
    return pd.Series(values[codes], index=series.index, dtype="float64", name=series.name)
