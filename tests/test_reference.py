import shutil

import pytest

from lct_pipeline.reference import ReferenceError, load_reference
from tests.conftest import REFERENCE_DIR


def test_the_demo_network_and_catalogue_of_the_spec_load(reference):
    assert sorted(reference.organisations) == [f"CSO{i:02d}" for i in range(1, 15)]
    assert reference.organisations["CSO14"].active_from == "2013Q2"
    assert [a.code for a in reference.area_chain("CSO08")] == ["M-CAC", "R-SZS", "RS"]
    assert reference.areas["R-JIS"].name == "Južna i Istočna Srbija"
    assert len(reference.data_elements) == 11
    assert reference.data_elements["VOT_ASSISTED"].dimensions == ("sex", "age_group")
    assert reference.data_elements["PROFESSIONALS_TRAINED"].max == 2000
    assert sorted(reference.indicators) == [f"IND{i:02d}" for i in range(1, 13)]
    assert reference.indicators["IND05"].numerator.where == (("age_group", "CHILD"),)
    assert reference.indicators["IND09"].time == "last"
    assert reference.indicators["IND03"].targets == {2013: 40.0}
    assert reference.active_orgs("2013Q1") == [f"CSO{i:02d}" for i in range(1, 14)]


@pytest.mark.parametrize(
    ("raw", "code"), [("Ž", "F"), ("žensko", "F"), ("ZENSKO", "F"), ("Muško", "M"), (" m ", "M")]
)
def test_dimension_aliases_match_case_insensitively(reference, raw, code):
    assert reference.dimensions["sex"].member(raw) == code


def test_an_unknown_member_is_not_matched(reference):
    assert reference.dimensions["age_group"].member("ELDERLY") is None


def _edited(tmp_path, name, old, new):
    folder = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, folder)
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("organisations.csv", "CSO02,", "CSO01,", "duplicate organisation code 'CSO01'"),
        ("organisations.csv", "CSO03,Lokalna mreža Subotica,M-SUB", "CSO03,X,M-XXX", "M-XXX"),
        ("catalogue.yaml", "numerator: {element: VOT_ASSISTED}", "numerator: {element: VOT_X}",
         "unknown element VOT_X"),
        ("catalogue.yaml", "dimensions: [sex, institution]", "dimensions: [sex, colour]",
         "unknown dimension colour"),
        ("areas.csv", "M-NIS,Niš,MUNICIPALITY,R-JIS", "M-NIS,Niš,MUNICIPALITY,R-XXX", "M-NIS"),
        ("catalogue.yaml", "time: last", "time: average", "time must be sum or last"),
        ("organisations.csv", "M-NIS,2012Q4,,sr-Cyrl", "M-NIS,2012Q4,,sr-Cyrillic",
         "CSO12: language 'sr-Cyrillic' is not one of sr-Latn, sr-Cyrl, en"),
    ],
)  # fmt: skip
def test_a_broken_reference_file_fails_at_load_naming_file_and_problem(
    tmp_path, name, old, new, message
):
    folder = _edited(tmp_path, name, old, new)
    with pytest.raises(ReferenceError) as error:
        load_reference(folder)
    assert message in str(error.value)
    assert name in str(error.value)
