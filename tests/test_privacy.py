import pandas as pd
import pytest

from lct_pipeline.privacy import redact, redact_frame


@pytest.mark.parametrize(
    ("text", "clean", "kinds"),
    [
        ("Žrtva JMBG 0101990715123 smeštena", "Žrtva JMBG [removed: jmbg] smeštena", ["jmbg"]),
        (
            "pišite na ana.petrovic@example.rs hvala",
            "pišite na [removed: e-mail] hvala",
            ["e-mail"],
        ),
        ("tel. 064/123-4567", "tel. [removed: phone]", ["phone"]),
        ("zvati +381 64 1234567 posle 17h", "zvati [removed: phone] posle 17h", ["phone"]),
        ("fiksni 011 3234 567", "fiksni [removed: phone]", ["phone"]),
    ],
)
def test_personal_data_in_free_text_is_replaced_by_a_marker(text, clean, kinds):
    assert redact(text) == (clean, kinds)


@pytest.mark.parametrize(
    "text",
    ["12 osoba u 3 radionice", "budžet 1.250,00 EUR", "2013Q1 sastanak", "mera M-12, rok 2013Q4"],
)
def test_ordinary_comments_are_left_alone(text):
    assert redact(text) == (text, [])


def test_a_frame_is_redacted_in_place_and_says_what_was_removed():
    frame = pd.DataFrame(
        {
            "comment": ["ok", "mail: x@y.org", None, "0101990715123 i 064/123-4567"],
            "measure_title": [None, None, "Obuka, kontakt 021/555-1234", None],
        },
        dtype=object,
    )
    removed = redact_frame(frame)
    assert frame["comment"].tolist() == [
        "ok", "mail: [removed: e-mail]", None, "[removed: jmbg] i [removed: phone]"
    ]  # fmt: skip
    assert frame["measure_title"].tolist()[2] == "Obuka, kontakt [removed: phone]"
    assert removed.tolist() == [
        None, "comment: e-mail", "measure_title: phone", "comment: jmbg, phone"
    ]  # fmt: skip


def test_every_column_and_the_names_of_columns_not_stored_are_screened():
    # An ID number in the value, a signature with a phone number under the table in
    # org_code, an e-mail address in a dimension, a phone number as a column's header.
    frame = pd.DataFrame(
        {
            "org_code": ["CSO01", "popunila Ana 064/123-4567"],
            "value": ["0101990715123", "3"],
            "institution": ["ana@example.rs", None],
            "ignored": [None, "'kontakt +381 64 1234567'"],
        },
        dtype=object,
    )
    removed = redact_frame(frame)
    assert frame.to_dict("list") == {
        "org_code": ["CSO01", "popunila Ana [removed: phone]"],
        "value": ["[removed: jmbg]", "3"],
        "institution": ["[removed: e-mail]", None],
        "ignored": [None, "'kontakt [removed: phone]'"],
    }
    assert removed.tolist() == [
        "institution: e-mail; value: jmbg",
        "org_code: phone; ignored: phone",
    ]
