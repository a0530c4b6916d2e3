"""Feedback and `lct validate` in the CSO's language (SPEC §11): English, Serbian Latin and
Serbian Cyrillic from one gettext catalogue per language; reason codes never change."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import openpyxl
import pytest
from babel.messages.pofile import read_po

from lct_pipeline import templates
from lct_pipeline.contract import FILE_REASONS
from lct_pipeline.feedback import REASON_MEANINGS, write_feedback
from lct_pipeline.i18n import (
    LANGUAGES,
    SOURCE_LANGUAGE,
    Msg,
    catalogue_path,
    dumps,
    extract,
    fields,
    prose_letters,
    render_stored,
    to_cyrillic,
)
from lct_pipeline.ingestion import ingest_inbox
from lct_pipeline.reference import load_reference
from lct_pipeline.rules.precedence import REJECTIONS, WARNINGS
from lct_pipeline.validation import validate_quarter
from lct_pipeline.warehouse.engine import get_engine
from lct_pipeline.warehouse.schema import ensure_schema
from tests.conftest import REFERENCE_DIR
from tests.test_feedback import _write

TRANSLATED = [language for language in LANGUAGES if language != SOURCE_LANGUAGE]
CYRILLIC = range(0x0400, 0x0500)


def _catalogue(language: str) -> dict[str, str]:
    with catalogue_path(language).open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and not m.fuzzy}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_of_the_code_has_a_translation_with_the_same_fields(language):
    ids = extract()
    catalogue = _catalogue(language)
    assert len(ids) > 100
    assert [i for i in ids if not catalogue.get(i)] == []
    for message_id in ids:
        assert sorted(fields(catalogue[message_id])) == sorted(fields(message_id)), message_id


def test_every_reason_code_has_a_meaning_in_every_language():
    codes = {*FILE_REASONS, *REJECTIONS, *WARNINGS}
    assert set(REASON_MEANINGS) == codes
    for language in TRANSLATED:
        catalogue = _catalogue(language)
        assert all(catalogue.get(REASON_MEANINGS[code]) for code in codes), language


def test_cyrillic_messages_are_written_in_cyrillic():
    latin, cyrillic = _catalogue("sr-Latn"), _catalogue("sr-Cyrl")
    prose = 0
    for message_id, text in cyrillic.items():
        letters = prose_letters(text)
        assert all(ord(ch) in CYRILLIC for ch in letters), (message_id, text)
        # Column names are codes: never transliterated ('service' is no "сервице").
        for column in ("service", "institution", "value", "comment", "meaning"):
            assert to_cyrillic(column) not in text, (column, text)
        prose += len(letters)
        # The same words as the Latin translation, letter for letter (Serbian is one
        # language in two scripts), not the English left untranslated.
        assert text == to_cyrillic(latin[message_id])
        if prose_letters(message_id):
            assert text != message_id
    assert prose > 4000  # about 4,600 letters of prose


def test_a_message_keeps_codes_fields_and_quoted_names_in_latin():
    assert to_cyrillic("vrednost '{value}' za CSO05 u 2013Q1 nije broj (CSV UTF-8, Excel)") == (
        "вредност '{value}' за CSO05 у 2013Q1 није број (CSV UTF-8, Excel)"
    )
    assert to_cyrillic("Ljubljana, Njegoš, džep") == "Љубљана, Његош, џеп"


def test_a_stored_message_renders_in_any_language_and_old_rows_stay_english():
    message = Msg(
        "{column} '{value}' is negative; a count is 0 or more.", {"column": "value", "value": -3}
    )
    stored = dumps([message])
    assert str(message) == "value '-3' is negative; a count is 0 or more."
    assert render_stored(stored, str(message), "sr-Latn") == (
        "value '-3' je negativno; broj je 0 ili više."
    )
    assert render_stored(stored, str(message), "sr-Cyrl") == (
        "value '-3' је негативно; број је 0 или више."
    )
    assert render_stored(None, "as stored before", "sr-Cyrl") == "as stored before"


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    """CSO12 writes Cyrillic (the registry), CSO05 Latin, CSO08 is set to English here."""
    root = tmp_path_factory.mktemp("languages")
    header = "org_code,period,data_element,sex,age_group,value"
    rows = {
        "cso12": ["CSO12,2013Q1,VOT_ASSISTED,F,ADULT,-2", "CSO12,2013Q1,VOT_ASSISTED,M,ADULT,1"],
        "cso05": ["CSO05,2013Q1,VOT_ASSISTED,F,ELDER,2", "CSO05,2013Q1,NETWORK_MEETINGS,,,1"],
        "cso08": ["CSO08,2013Q1,NETWORK_MEETINGS,,,x"],
    }
    for name, lines in rows.items():
        _write(root / f"inbox/2013Q1/{name}.csv", "\n".join([header, *lines]) + "\n",
               "2013-04-10T08:00:00")  # fmt: skip
    engine = get_engine(f"sqlite:///{root / 'warehouse.sqlite'}")
    ensure_schema(engine)
    ingest_inbox(root / "inbox", root / "archive", engine, date(2014, 3, 1))
    reference = load_reference(REFERENCE_DIR)
    validate_quarter(engine, reference, "2013Q1", "2014Q1")
    organisations = dict(reference.organisations)
    organisations["CSO08"] = replace(organisations["CSO08"], language="en")
    written = write_feedback(engine, "2013Q1", root / "extracts", organisations)
    engine.dispose()
    return {f.org: f for f in written}


def _sheets(path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_feedback_speaks_the_language_of_the_registry(feedback):
    assert {org: f.language for org, f in feedback.items()} == {
        "CSO12": "sr-Cyrl", "CSO05": "sr-Latn", "CSO08": "en",
    }  # fmt: skip
    cyrillic = _sheets(feedback["CSO12"].xlsx)
    assert list(cyrillic) == ["преглед", "одбијени редови", "упозорења"]
    assert cyrillic["преглед"][0][0] == (
        "1 од 2 редова фајла 2013Q1/cso12.csv одбијено је и није учитано: исправите их како"
        " пише на листу 'одбијени редови' и поново пошаљите исправљен фајл."
    )
    slice_rows = [row for row in cyrillic["преглед"] if row[0] == "CSO12"]
    assert [row[:4] for row in slice_rows] == [
        ("CSO12", "2013Q1", "values", "делимично прихваћено")
    ]
    assert cyrillic["одбијени редови"] == [
        ("лист", "ред", "колона", "вредност у фајлу", "разлог", "шта треба урадити"),
        (None, 2, "value", "-2", "NEGATIVE_VALUE", "value '-2' је негативно; број је 0 или више."),
    ]
    latin = _sheets(feedback["CSO05"].xlsx)
    assert latin["odbijeni redovi"][1][4:] == (
        "BAD_DIMENSION",
        "age_group 'ELDER' nije nijedna od vrednosti CHILD, ADULT, U.",
    )
    reasons = [row for row in latin["pregled"] if row and row[0] == "odbijeno"]
    assert reasons == [
        ("odbijeno", "BAD_DIMENSION", 1,
         "nepoznata vrednost ili razvrstavanje koje element podataka nema", None, None, None,
         None),
    ]  # fmt: skip
    english = _sheets(feedback["CSO08"].xlsx)
    assert english["rejections"][1][4:] == (
        "NOT_A_NUMBER",
        "value 'x' is not a number; write the count in digits, e.g. 12.",
    )
    csv_text = feedback["CSO12"].csv.read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0] == (
        "врста,лист,ред,колона,вредност у фајлу,разлог,шта треба урадити"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_templates_prompts_fit_excel_in_every_language(language):
    """Excel drops a data validation whose title is over 32 characters or whose message is
    over 255; the longest arguments a template gives them are filled in."""
    args = {"max": 5000, "column": "vulnerable_group", "element": "PROFESSIONALS_TRAINED",
            "period": "2013Q4"}  # fmt: skip
    for key, text in templates.TEXT.items():
        rendered = Msg(text, args).render(language)
        limit = 32 if key.endswith("_title") else 255
        if key.endswith(("_title", "_input", "_error")):
            assert len(rendered) <= limit, (language, key, rendered)


def test_a_template_is_written_in_the_language_of_its_cso(reference):
    book = openpyxl.load_workbook(
        io.BytesIO(templates.build_template(reference, "CSO12", "2014Q1"))
    )
    title = book["instructions"]["A1"].value
    assert title == "LCT тромесечни извештај о праћењу: CSO12 Lokalna mreža Niš, 2014Q1"
    assert [c.value for c in book["values"][1]][:3] == ["org_code", "period", "data_element"]
