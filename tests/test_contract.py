import pytest

from lct_pipeline.contract import check_table, looks_personal
from lct_pipeline.normalise import normalise_header

# Headers as CSOs type them (SPEC §5), read as the reader reads a header.
PERSONAL = [
    # English
    "name", "Surname", "First Name", "last_name", "Victim's name", "Name of the victim",
    "date of birth", "DOB", "Home address", "Phone number", "E-mail", "email address",
    "Personal ID", "ID number", "Passport No.", "Contact person", "Mobile",
    # Serbian (Latin), Croatian, Bosnian
    "ime", "Prezime", "Ime i prezime", "ime_i_prezime_korisnika", "Ime korisnika",
    "(ime)", "JMBG:", "jmbg korisnika", "Datum rođenja", "datum rodjenja", "DATUM RODENJA",
    "Adresa stanovanja", "broj telefona", "Kontakt telefon", "mobitel", "e-pošta", "OIB",
    "Matični broj", "Broj osobne iskaznice", "Lična karta", "licna karta br.", "pasoš",
    "Putovnica", "Mjesto rođenja", "Prebivalište", "Osoba za kontakt",
    # Serbian (Cyrillic)
    "Име", "Презиме", "Име и презиме", "ЈМБГ", "Датум рођења", "Адреса", "Број телефона",
    "Лична карта", "Контакт особа",
]  # fmt: skip
HARMLESS = [
    "org_code", "org_name", "Naziv organizacije", "Ime organizacije", "organisation name",
    "municipality name", "Naziv opštine", "Ime općine", "measure name", "measure_title",
    "Naziv mjere", "plan name", "region name", "institution", "Institution address",
    "service", "comment", "value", "period", "sex", "age_group", "vulnerable_group",
    "data_element", "status", "due_period", "planned_budget_eur", "Назив организације",
    "Име општине", "Persons contacted", "Broj korisnika",
]  # fmt: skip


@pytest.mark.parametrize("header", PERSONAL)
def test_personal_headers_are_recognised_in_english_and_the_local_languages(header):
    assert looks_personal(normalise_header(header))


@pytest.mark.parametrize("header", HARMLESS)
def test_ordinary_headers_and_names_of_what_is_not_a_person_are_not_personal(header):
    assert not looks_personal(normalise_header(header))


def test_the_tables_hold_what_the_issue_asks():
    assert len(PERSONAL) >= 30 and len(HARMLESS) >= 15


def test_file_level_rejections_in_their_order():
    values = ("org_code", "period", "data_element", "value")
    assert check_table("", "values", (*values, "ime"), 3).reason_code == "PERSONAL_DATA"
    assert check_table("", None, ("a", "b"), 3).reason_code == "UNKNOWN_LAYOUT"
    missing = check_table("Values", "values", ("org_code", "data_element"), 3)
    assert missing.reason_code == "MISSING_COLUMNS"
    assert "period, value" in missing.message and "sheet 'Values'" in missing.message
    assert check_table("", "values", values, 0).reason_code == "EMPTY_FILE"
    assert check_table("", None, (), 0).reason_code == "EMPTY_FILE"
    assert check_table("", "values", values, 1) is None
