"""The shape of a submission (SPEC §3.3, §3.4) and the file-level rejections of SPEC §5.

A table that fails here is rejected whole, before any of its content is stored:
that is what keeps personal data out of the warehouse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VALUES = "values"
MEASURES = "measures"
RECORD_TYPES = (VALUES, MEASURES)

DIMENSION_COLUMNS = ("sex", "age_group", "vulnerable_group", "service", "institution")

COLUMNS: dict[str, tuple[str, ...]] = {
    VALUES: ("org_code", "period", "data_element", *DIMENSION_COLUMNS, "value", "comment"),
    MEASURES: (
        "org_code",
        "period",
        "plan_code",
        "measure_code",
        "measure_title",
        "responsible_institution",
        "status",
        "planned_budget_eur",
        "spent_budget_eur",
        "due_period",
    ),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    VALUES: ("org_code", "period", "data_element", "value"),
    MEASURES: (
        "org_code",
        "period",
        "plan_code",
        "measure_code",
        "measure_title",
        "status",
        "planned_budget_eur",
        "spent_budget_eur",
        "due_period",
    ),
}
# Columns that hold codes (and periods): read after folding, and their letters that are
# not ASCII named in a rejection's message (SPEC §3.2).
CODE_COLUMNS = ("org_code", "period", "data_element", *DIMENSION_COLUMNS, "plan_code",
                "measure_code", "responsible_institution", "status", "due_period")  # fmt: skip
# Every raw column the warehouse keeps, in a fixed order (values first, then measures).
RAW_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys([*COLUMNS[VALUES], *COLUMNS[MEASURES]]))

FILE_REASONS = (
    "UNREADABLE_FILE",
    "EMPTY_FILE",
    "UNKNOWN_LAYOUT",
    "MISSING_COLUMNS",
    "PERSONAL_DATA",
)

# Headers that look like personal data, in English and in the local languages
# (Latin and Cyrillic script), compared as underscore-separated word sequences.
_PERSONAL_TERMS = (
    "name", "surname", "first_name", "last_name", "full_name", "given_name", "family_name",
    "date_of_birth", "birth_date", "birthdate", "dob", "address", "phone", "telephone",
    "mobile", "email", "e_mail", "personal_id", "personal_number", "passport", "id_number",
    "ime", "prezime", "ime_i_prezime", "datum_rođenja", "datum_rodjenja", "adresa",
    "telefon", "telefona", "adrese", "mobilni", "jmbg", "pasoš", "pasos", "broj_pasoša",
    "lična_karta",
    "име", "презиме", "име_и_презиме", "датум_рођења", "адреса", "телефон", "јмбг", "пасош",
)  # fmt: skip
# Words that make a header about the organisation or the plan, not about a person
# ("org_name", "plan_name", "institution_address" are not personal data).
_NOT_A_PERSON = {
    "org", "organisation", "organization", "cso", "plan", "measure", "institution",
    "municipality", "region", "service", "data", "element", "file", "sheet",
}  # fmt: skip


@dataclass(frozen=True)
class FileProblem:
    reason_code: str
    message: str
    sheet: str = ""


def _words(header: str) -> list[str]:
    return [w for w in re.split(r"[_\s./]+", header.casefold()) if w]


def looks_personal(header: str) -> bool:
    """Whether a (normalised) header names personal data."""
    words = _words(header)
    if not words or set(words) & _NOT_A_PERSON:
        return False
    for term in _PERSONAL_TERMS:
        term_words = term.split("_")
        n = len(term_words)
        if any(words[i : i + n] == term_words for i in range(len(words) - n + 1)):
            return True
    return False


def check_table(
    sheet: str, record_type: str | None, header: tuple[str, ...], n_rows: int
) -> FileProblem | None:
    """The file-level rejection of one table, or None when its rows can be validated."""
    where = f"sheet '{sheet}': " if sheet else ""
    if not header and n_rows == 0:
        # A 0-byte or blank file: nothing to read, rather than a layout problem.
        return FileProblem("EMPTY_FILE", f"{where}the file has no header and no data rows.", sheet)
    personal = [h for h in header if looks_personal(h)]
    if personal:
        return FileProblem(
            "PERSONAL_DATA",
            f"{where}column(s) {', '.join(personal)} look like personal data; remove them and send"
            " counts only. Nothing from this file was loaded.",
            sheet,
        )
    if record_type is None:
        return FileProblem(
            "UNKNOWN_LAYOUT",
            f"{where}the header has neither data_element (values table) nor measure_code"
            " (measures table); use the template's header in row 1.",
            sheet,
        )
    missing = [c for c in REQUIRED[record_type] if c not in header]
    if missing:
        return FileProblem(
            "MISSING_COLUMNS",
            f"{where}required column(s) missing from the {record_type} table:"
            f" {', '.join(missing)}.",
            sheet,
        )
    if n_rows == 0:
        return FileProblem("EMPTY_FILE", f"{where}the {record_type} table has no data rows.", sheet)
    return None
