import pytest

from lct_pipeline.contract import check_table, looks_personal


@pytest.mark.parametrize(
    "header",
    ["name", "surname", "first_name", "victim_name", "date_of_birth", "dob", "address", "phone",
     "email", "e_mail", "personal_id", "passport", "ime", "prezime", "ime_i_prezime",
     "datum_rođenja", "adresa", "telefon", "jmbg", "име", "презиме", "јмбг", "broj_telefona"],
)  # fmt: skip
def test_personal_headers_are_recognised_in_english_and_the_local_languages(header):
    assert looks_personal(header)


@pytest.mark.parametrize(
    "header", ["org_code", "org_name", "measure_title", "plan_code", "comment", "value", "period"]
)
def test_ordinary_headers_are_not_personal(header):
    assert not looks_personal(header)


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
