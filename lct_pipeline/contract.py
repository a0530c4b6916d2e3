"""The shape of a submission (SPEC §3.3, §3.4) and the file-level rejections of SPEC §5.

The columns themselves are those of the registry (``lct_pipeline.columns``); this is
what a submitted table must have of them, by record type.

A table that fails here is rejected whole, before any of its content is stored:
that is what keeps personal data out of the warehouse.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lct_pipeline.columns import DIMENSION_COLUMNS as DIMENSION_COLUMNS  # part of the contract
from lct_pipeline.columns import (
    FREE_TEXT,
    MEASURES_TABLE,
    NUMBERS,
    OPTIONAL,
    VALUES_TABLE,
)
from lct_pipeline.i18n import N_, Msg

VALUES = "values"
MEASURES = "measures"
RECORD_TYPES = (VALUES, MEASURES)

COLUMNS: dict[str, tuple[str, ...]] = {VALUES: VALUES_TABLE, MEASURES: MEASURES_TABLE}
REQUIRED: dict[str, tuple[str, ...]] = {
    record_type: tuple(c for c in columns if c not in OPTIONAL)
    for record_type, columns in COLUMNS.items()
}
# Every raw column the warehouse keeps, in a fixed order (values first, then measures).
RAW_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys([*COLUMNS[VALUES], *COLUMNS[MEASURES]]))
# Columns that hold codes (and periods): read after folding, and their letters that are
# not ASCII named in a rejection's message (SPEC §3.2).
CODE_COLUMNS = tuple(c for c in RAW_COLUMNS if c not in FREE_TEXT and c not in NUMBERS)

COMMENT_LIMIT = 500  # characters of a comment that are kept (SPEC §3.3)

FILE_REASONS = (
    "UNREADABLE_FILE",
    "EMPTY_FILE",
    "UNKNOWN_LAYOUT",
    "MISSING_COLUMNS",
    "PERSONAL_DATA",
)

# Headers that look like personal data, in English and in the local languages
# (Serbian in both scripts, Croatian, Bosnian), as word sequences: a header holding
# one of them among its words is personal ("ime korisnika", "victim's name", "JMBG:").
_PERSONAL_TERMS = (
    # English
    "name", "surname", "first name", "last name", "full name", "given name", "family name",
    "maiden name", "date of birth", "birth date", "birthdate", "birthday", "dob",
    "place of birth", "address", "phone", "telephone", "mobile", "cell phone", "email",
    "e mail", "personal id", "personal number", "id number", "national id", "passport",
    "social security", "ssn", "contact person",
    # Serbian, Croatian, Bosnian (Latin)
    "ime", "prezime", "imena", "prezimena", "ime i prezime", "datum rođenja",
    "datum rodjenja", "datum rodenja", "godina rođenja", "mesto rođenja", "mjesto rođenja",
    "adresa", "adrese", "prebivalište", "boravište", "telefon", "telefona", "mobilni",
    "mobitel", "mob", "e pošta", "e posta", "jmbg", "jmb", "matični broj", "oib", "pasoš",
    "pasos", "putovnica", "lična karta", "licna karta", "osobna iskaznica",
    "lične karte", "osobne iskaznice", "kontakt osoba", "osoba za kontakt",
    # Serbian (Cyrillic)
    "име", "презиме", "име и презиме", "датум рођења", "место рођења", "адреса",
    "пребивалиште", "телефон", "телефона", "мобилни", "јмбг", "матични број", "пасош",
    "лична карта", "личне карте", "контакт особа",
)  # fmt: skip
# Words that make a header about the organisation, the plan or a place, not about a
# person ("org_name", "naziv organizacije", "municipality name" are not personal data).
_NOT_A_PERSON = {
    "org", "organisation", "organization", "organizacija", "organizacije", "cso", "plan",
    "plana", "measure", "mjere", "mere", "institution", "institucija", "institucije",
    "municipality", "opština", "opštine", "općina", "općine", "region", "regiona", "service",
    "usluge", "data", "element", "file", "sheet", "организација", "организације", "мере",
    "општина", "општине",
}  # fmt: skip


@dataclass(frozen=True)
class FileProblem:
    reason_code: str
    message: Msg
    sheet: str = ""


def in_sheet(sheet: str, message: Msg) -> Msg:
    """A file-level message, naming the sheet of a workbook."""
    return (
        Msg(N_("sheet '{sheet}': {message}"), {"sheet": sheet, "message": message})
        if sheet
        else message
    )


def _words(text: str) -> tuple[str, ...]:
    """The words of a header: split on anything that is not a letter, case and
    diacritics folded (``Datum_Rođenja:`` and ``datum rodjenja`` are the same words)."""
    folded = unicodedata.normalize("NFKD", text.casefold().replace("đ", "dj"))
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return tuple(re.findall(r"[^\W\d_]+", plain))


_PERSONAL_WORDS = frozenset(_words(term) for term in _PERSONAL_TERMS)
_NOT_A_PERSON_WORDS = frozenset(w for term in _NOT_A_PERSON for w in _words(term))
_LONGEST = max(len(words) for words in _PERSONAL_WORDS)


def looks_personal(header: str) -> bool:
    """Whether a header names personal data (SPEC §5): one of the terms among its words,
    and no word that makes it about something that is not a person."""
    words = _words(header)
    if not words or set(words) & _NOT_A_PERSON_WORDS:
        return False
    return any(
        words[i : i + n] in _PERSONAL_WORDS
        for n in range(1, _LONGEST + 1)
        for i in range(len(words) - n + 1)
    )


def check_table(
    sheet: str, record_type: str | None, header: tuple[str, ...], n_rows: int
) -> FileProblem | None:
    """The file-level rejection of one table, or None when its rows can be validated."""

    def problem(reason_code: str, message: str, **args: object) -> FileProblem:
        return FileProblem(reason_code, in_sheet(sheet, Msg(message, args)), sheet)

    if not header and n_rows == 0:
        # A 0-byte or blank file: nothing to read, rather than a layout problem.
        return problem("EMPTY_FILE", N_("the file has no header and no data rows."))
    personal = [h for h in header if looks_personal(h)]
    if personal:
        return problem(
            "PERSONAL_DATA",
            N_(
                "column(s) {columns} look like personal data; remove them and send counts only."
                " Nothing from this file was loaded."
            ),
            columns=", ".join(personal),
        )
    if record_type is None:
        return problem(
            "UNKNOWN_LAYOUT",
            N_(
                "the header has neither data_element (values table) nor measure_code (measures"
                " table); use the template's header in row 1."
            ),
        )
    missing = [c for c in REQUIRED[record_type] if c not in header]
    if missing:
        return problem(
            "MISSING_COLUMNS",
            N_("required column(s) missing from the {table} table: {columns}."),
            table=record_type,
            columns=", ".join(missing),
        )
    if n_rows == 0:
        return problem("EMPTY_FILE", N_("the {table} table has no data rows."), table=record_type)
    return None
