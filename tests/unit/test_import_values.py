"""Normalising imported cells (casework.domain.import_values) and recognising headers."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from casework.domain import import_values as values
from casework.imports import columns

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("F", "female"),
        ("female", "female"),
        ("महिला", "female"),
        ("m", "male"),
        ("पुरुष", "male"),
        ("Male ", "male"),
        ("अन्य", "other"),
        ("", ""),
    ],
)
def test_sex_in_english_and_nepali(cell, code):
    assert values.sex(cell) == code


def test_an_unknown_sex_is_a_problem_naming_the_value():
    with pytest.raises(values.ValueProblem, match="xyz"):
        values.sex("xyz")


@pytest.mark.parametrize(
    ("cell", "calendar", "expected"),
    [
        ("1990-08-28", "auto", date(1990, 8, 28)),
        ("28/08/1990", "auto", date(1990, 8, 28)),
        ("2047-05-12", "auto", date(1990, 8, 28)),  # a year after this one can only be BS
        ("२०४७-०५-१२", "auto", date(1990, 8, 28)),  # Devanagari digits
        ("2047-05-12", "bs", date(1990, 8, 28)),
        ("2040-01-01", "bs", date(1983, 4, 14)),
        (datetime(1990, 8, 28, 0, 0), "auto", date(1990, 8, 28)),  # an Excel date cell
        ("2026-11-16T03:24:28+00:00", "ad", date(2026, 11, 16)),  # KoBo's submission time
        ("", "auto", None),
    ],
)
def test_dates_in_ad_or_bs(cell, calendar, expected):
    assert values.a_date(cell, TODAY, calendar) == expected


@pytest.mark.parametrize("cell", ["yesterday", "1990-13-45", "2047-13-01"])
def test_a_cell_that_is_not_a_date(cell):
    with pytest.raises(values.ValueProblem):
        values.a_date(cell, TODAY, "bs" if cell.startswith("2047") else "auto")


def test_an_age_gives_an_estimated_birth_year():
    assert values.birth_from_age("36", TODAY) == date(1990, 7, 1)
    with pytest.raises(values.ValueProblem):
        values.birth_from_age("old", TODAY)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (9812345678.0, "9812345678"),
        ("977-9812345678", "+9779812345678"),
        ("९८१२३४५६७८", "9812345678"),
    ],
)
def test_phone_cells_become_text_the_rules_can_read(cell, expected):
    assert values.phone(cell) == expected


def test_yes_no_in_both_languages():
    assert values.yes_no("हो") is True
    assert values.yes_no("No") is False
    assert values.yes_no("") is None
    with pytest.raises(values.ValueProblem):
        values.yes_no("maybe")


def test_nationality_from_names_and_demonyms():
    assert values.nationality("Nepali", {}) == "NP"
    assert values.nationality("भुटानी", {}) == "BT"
    assert values.nationality("qa", {}) == "QA"
    assert values.nationality("Qatar", {"qatar": "QA"}) == "QA"


DISTRICTS = [
    (27, "Kathmandu", "काठमाडौँ"),
    (28, "Kavrepalanchok", "काभ्रेपलान्चोक"),
    (35, "Sindhupalchok", "सिन्धुपाल्चोक"),
    (4, "Jhapa", "झापा"),
]


@pytest.mark.parametrize(
    ("cell", "district_id"),
    [
        ("Kathmandu", 27),
        ("KATHMANDU district", 27),
        ("काठमाडौँ", 27),
        ("Kathmadu", 27),
        ("Kavre", 28),
        ("Sindhupalchowk", 35),
        ("Jhappa", 4),
        ("झापा जिल्ला", 4),
        ("Atlantis", None),
    ],
)
def test_districts_in_either_script_and_misspelt(cell, district_id):
    assert values.PlaceMatcher(DISTRICTS, values.DISTRICT_ALIASES).find(cell) == district_id


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Given name", "given_name"),
        ("First Name*", "given_name"),
        ("respondent/surname", "family_name"),
        ("Sex / लिङ्ग", "sex"),
        ("लिङ्ग", "sex"),
        ("जन्म मिति (वि.सं.)", "date_of_birth_bs"),
        ("Date of birth (BS)", "date_of_birth_bs"),
        ("DOB", "date_of_birth"),
        ("मोबाइल नम्बर", "phone"),
        ("District / जिल्ला", "district"),
        ("वडा नं.", "ward"),
        ("नागरिकता नं", "citizenship_number"),
        ("Favourite colour", None),
    ],
)
def test_common_headers_are_recognised(header, field):
    assert columns.recognise(header) == field


def test_kobo_metadata_is_ignored_and_choices_win():
    resolved = columns.resolve(
        ["_uuid", "start", "Naam", "Sex"], remembered={"Naam": "given_name"}, chosen={"Sex": ""}
    )
    assert [(c["field"], c["how"]) for c in resolved] == [
        ("", "metadata"),
        ("", "metadata"),
        ("given_name", "remembered"),
        ("", "chosen"),
    ]


def test_mapping_problems_name_the_missing_field_and_the_doubled_one():
    resolved = columns.resolve(["Name", "Full name"], {}, {})
    messages = " ".join(columns.problems(resolved))
    assert "Name, Full name" in messages
    assert "Sex" in messages


def test_the_source_key_is_the_name_given_or_the_headers():
    assert columns.source_key(" KoBo  Camp ", ["a"]) == "source:kobo camp"
    assert columns.source_key("", ["A", "B"]) == columns.source_key("", ["a", "b"])
    assert columns.source_key("", ["A", "B"]) != columns.source_key("", ["A", "C"])
