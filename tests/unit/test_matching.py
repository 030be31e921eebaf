"""Unit tests for casework.domain.matching: tokens, phonetic keys and duplicate scores."""

from __future__ import annotations

from datetime import date

import pytest
from flask import current_app

from casework.domain.matching import (
    Person,
    dob_similarity,
    document_key,
    fold,
    has_devanagari,
    match_score,
    name_key,
    search_terms,
    search_text,
    tokens,
)

DOB = date(1990, 5, 12)


@pytest.fixture
def threshold() -> float:
    return current_app.config["DUPLICATE_SCORE_THRESHOLD"]


def test_threshold_is_the_documented_value(threshold):
    assert threshold == 0.75


# --- tokens -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ram Bdr. Thapa", ["ram", "bahadur", "thapa"]),
        ("Ram Bd Thapa", ["ram", "bahadur", "thapa"]),
        ("RAM BAHDUR THAPA", ["ram", "bahadur", "thapa"]),
        ("Shyam Kr. Shrestha", ["shyam", "kumar", "shrestha"]),
        ("Shyam Kmr Shrestha", ["shyam", "kumar", "shrestha"]),
        ("Hari Pd. Sharma", ["hari", "prasad", "sharma"]),
        ("Hari Prd Sharma", ["hari", "prasad", "sharma"]),
        ("Hari Psd. Sharma", ["hari", "prasad", "sharma"]),
        ("Md. Alam", ["mohammad", "alam"]),
        ("Mohd Alam", ["mohammad", "alam"]),
        ("Muhammad Alam", ["mohammad", "alam"]),
        ("Ram_Bahadur", ["ram", "bahadur"]),
        ("  Sita,   Gurung!  ", ["sita", "gurung"]),
        ("José", ["jose"]),
    ],
)
def test_tokens_lower_case_strip_punctuation_and_expand_abbreviations(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize("text", ["", None, "   ", ".,-"])
def test_tokens_of_nothing_is_empty(text):
    assert tokens(text) == []


def test_abbreviation_is_only_expanded_as_a_whole_word():
    # "Prakash" contains neither "pd" nor "kr" as a word; "Bdri" is not "Bdr".
    assert tokens("Prakash Bdri") == ["prakash", "bdri"]


@pytest.mark.parametrize(
    ("text", "expected"), [("राम", True), ("Ram राम", True), ("Ram", False), ("", False)]
)
def test_has_devanagari(text, expected):
    assert has_devanagari(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("राम बहादुर थापा", ["राम", "बहादुर", "थापा"]),
        ("सीता श्रेष्ठ", ["सीता", "श्रेष्ठ"]),
        ("लक्ष्मी", ["लक्ष्मी"]),
    ],
    ids=["ram-bahadur-thapa", "sita-shrestha", "lakshmi"],
)
def test_tokens_keep_devanagari_words_whole(text, expected):
    assert tokens(text) == expected


# --- fold / name_key ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Laxmi", "Lakshmi"),
        ("Bishnu", "Vishnu"),
        ("Shrestha", "Shreshtha"),
        ("Seeta", "Sita"),
        ("Bishwo", "Bishwa"),
        ("Krishna", "Krisna"),
        ("Chhetri", "Chetri"),
        ("Bhattarai", "Batarai"),
        ("Raam", "Ram"),
        ("Phulmaya", "Fulmaya"),
        ("Ram Bdr.", "Ram Bahadur"),
        ("Shyam Kr.", "Shyam Kumar"),
        ("Hari Pd.", "Hari Prasad"),
        ("LAXMI", "lakshmi"),
    ],
)
def test_spelling_variants_share_a_name_key(left, right):
    assert name_key(left) == name_key(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Ram", "Shyam"),
        ("Gita", "Sita"),
        ("Thapa", "Tamang"),
        ("Raju", "Raja"),
        ("Laxmi", "Lalita"),
        ("Bishnu", "Krishna"),
        ("Shrestha", "Sharma"),
        ("Ram Bahadur", "Ram Prasad"),
    ],
)
def test_different_names_have_different_keys(left, right):
    assert name_key(left) != name_key(right)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("lakshmi", "laksmi"),
        ("laxmi", "laksmi"),
        ("shrestha", "sresta"),
        ("bishwo", "bisba"),
        ("vishnu", "bisnu"),
        ("seeta", "sita"),
        ("bhattarai", "batarai"),
        ("rao", "rao"),  # a short name keeps its final "o"
    ],
)
def test_fold(token, expected):
    assert fold(token) == expected


def test_name_key_joins_the_folded_words():
    assert name_key("Ram Bdr. Thapa") == "rambahadurtapa"
    assert name_key("") == ""


@pytest.mark.parametrize("word", ["राम", "श्रेष्ठ", "लक्ष्मी"])
def test_fold_keeps_devanagari_unchanged(word):
    assert fold(word) == word


def test_name_key_keeps_devanagari_letters():
    key = name_key("राम थापा")
    assert has_devanagari(key)
    assert key != name_key("सीता गुरुङ")


# --- document_key -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("27-01-72-05432", "27017205432"),
        ("pa 123 456", "PA123456"),
        ("PA123456", "PA123456"),
        ("ab/12.34", "AB1234"),
        ("é12", "E12"),
        ("", ""),
        (None, ""),
        ("--/--", ""),
    ],
)
def test_document_key(number, expected):
    assert document_key(number) == expected


def test_document_keys_of_the_same_number_written_differently_are_equal():
    assert document_key("27-01-72-05432") == document_key("27 01 72 05432")
    assert document_key("27-01-72-05432") != document_key("27-01-72-05433")


# --- search_text / search_terms -----------------------------------------------------------


def test_search_text_is_the_folded_words():
    assert search_text("Ram Bdr.", "Thapa") == "ram bahadur tapa"
    assert search_text("Bishnu", "Shrestha") == "bisnu sresta"


def test_search_text_appends_the_devanagari_name():
    text = search_text("Sita", "Shrestha", "सीता")
    assert text.startswith("sita sresta ")
    assert has_devanagari(text)


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("Vishnu Shreshtha", ("Bishnu", "Shrestha")),
        ("shrestha bishnu", ("Bishnu", "Shrestha")),
        ("Lakshmi", ("Laxmi", "Gurung")),
        ("Ram Bdr", ("Ram Bahadur", "Thapa")),
        ("seeta", ("Sita", "Karki")),
    ],
)
def test_every_search_term_is_found_in_the_search_text(query, stored):
    text = search_text(*stored)
    terms = search_terms(query)
    assert terms
    assert all(term in text for term in terms)


def test_search_term_for_another_name_is_not_found():
    text = search_text("Bishnu", "Shrestha")
    assert not all(term in text for term in search_terms("Krishna Sharma"))


def test_search_terms_of_empty_query():
    assert search_terms("") == []


def test_devanagari_search_does_not_match_another_name():
    text = search_text("Ramesh", "Thapa", "रमेश थापा")
    terms = search_terms("राम")
    assert not all(term in text for term in terms)


# --- match_score --------------------------------------------------------------------------


def _person(name: str, family: str, born=DOB, **kwargs) -> Person:
    return Person(given_name=name, family_name=family, date_of_birth=born, **kwargs)


SAME_PERSON = [
    pytest.param(
        _person("Laxmi", "Shrestha", sex="female"),
        _person("Lakshmi", "Shreshtha", sex="female"),
        id="laxmi-lakshmi",
    ),
    pytest.param(_person("Bishnu", "Thapa"), _person("Vishnu", "Thapa"), id="bishnu-vishnu"),
    pytest.param(_person("Seeta", "Gurung"), _person("Sita", "Gurung"), id="seeta-sita"),
    pytest.param(_person("Bishwo", "Karki"), _person("Bishwa", "Karki"), id="bishwo-bishwa"),
    pytest.param(_person("Ram Bdr.", "Thapa"), _person("Ram Bahadur", "Thapa"), id="bdr-bahadur"),
    pytest.param(
        _person("Shyam Kr.", "Shrestha"), _person("Shyam Kumar", "Shrestha"), id="kr-kumar"
    ),
    pytest.param(_person("Hari Pd.", "Sharma"), _person("Hari Prasad", "Sharma"), id="pd"),
    pytest.param(
        _person("Ram Bahadur", "Thapa"), _person("Thapa", "Ram Bahadur"), id="swapped-order"
    ),
    pytest.param(_person("Ram Bahadur", "Thapa"), _person("Ram Bahadur", "Thapa"), id="identical"),
]


@pytest.mark.parametrize(("a", "b"), SAME_PERSON)
def test_variants_of_one_person_with_the_same_dob_score_1(a, b):
    assert match_score(a, b) == 1.0
    assert match_score(b, a) == 1.0


def test_missing_middle_name_costs_little(threshold):
    score = match_score(_person("Ram Bahadur", "Thapa"), _person("Ram", "Thapa"))
    assert threshold <= score < 1.0


def test_score_is_symmetric_and_rounded():
    a, b = _person("Ram", "Thapa"), _person("Shyam", "Thapa", born=date(1991, 1, 1))
    assert match_score(a, b) == match_score(b, a)
    assert match_score(a, b) == round(match_score(a, b), 2)


@pytest.mark.parametrize(
    ("other_dob", "estimated", "expected"),
    [
        pytest.param(DOB, False, 1.0, id="same"),
        pytest.param(date(1990, 12, 5), False, 0.8, id="day-month-swapped"),
        pytest.param(date(1991, 1, 1), True, 0.7, id="estimated-within-2-years"),
        pytest.param(date(1990, 9, 30), False, 0.5, id="same-year"),
        pytest.param(date(1991, 3, 1), False, 0.3, id="within-a-year"),
        pytest.param(date(1970, 1, 1), False, 0.0, id="far-apart"),
        pytest.param(date(1985, 1, 1), True, 0.0, id="estimated-far-apart"),
        pytest.param(None, False, None, id="unknown"),
    ],
)
def test_dob_similarity(other_dob, estimated, expected):
    a = _person("Ram", "Thapa")
    b = _person("Ram", "Thapa", born=other_dob, dob_estimated=estimated)
    assert dob_similarity(a, b) == expected
    assert dob_similarity(b, a) == expected


def test_different_dob_lowers_the_score_below_same_dob():
    a = _person("Ram Bahadur", "Thapa")
    same = match_score(a, _person("Ram Bahadur", "Thapa"))
    year_later = match_score(a, _person("Ram Bahadur", "Thapa", born=date(1991, 5, 12)))
    far = match_score(a, _person("Ram Bahadur", "Thapa", born=date(1970, 1, 1)))
    assert same == 1.0
    assert far < year_later < same
    assert far == 0.7


def test_estimated_dob_matches_loosely(threshold):
    a = _person("Ram Bahadur", "Thapa")
    b_exact = _person("Ram Bahadur", "Thapa", born=date(1991, 1, 1))
    b_estimated = _person("Ram Bahadur", "Thapa", born=date(1991, 1, 1), dob_estimated=True)
    assert match_score(a, b_estimated) > match_score(a, b_exact)
    assert match_score(a, b_estimated) >= threshold


def test_day_month_swapped_dob_still_a_likely_duplicate(threshold):
    a = _person("Ram Bahadur", "Thapa", born=date(1990, 3, 4))
    swapped = _person("Ram Bahadur", "Thapa", born=date(1990, 4, 3))
    other_day = _person("Ram Bahadur", "Thapa", born=date(1990, 8, 20))
    assert match_score(a, swapped) == 0.94
    assert match_score(a, swapped) > match_score(a, other_day)
    assert match_score(a, swapped) >= threshold


def test_unknown_dob_scores_on_name_alone():
    a = _person("Ram Bahadur", "Thapa")
    b = _person("Ram Bahadur", "Thapa", born=None)
    assert match_score(a, b) == 0.9


def test_sex_mismatch_lowers_the_score():
    a = _person("Sita", "Thapa", sex="female")
    b = _person("Sita", "Thapa", sex="male")
    assert match_score(a, b) == 0.8
    assert match_score(a, b) < match_score(a, _person("Sita", "Thapa", sex="female"))


@pytest.mark.parametrize("other_sex", ["unknown", "other"])
def test_unknown_or_other_sex_is_not_a_mismatch(other_sex):
    a = _person("Sita", "Thapa", sex="female")
    assert match_score(a, _person("Sita", "Thapa", sex=other_sex)) == 1.0


DIFFERENT_PEOPLE = [
    pytest.param(
        _person("Ram", "Thapa"), _person("Sunita", "Gurung", born=date(1975, 1, 1)), id="all"
    ),
    pytest.param(_person("Ram", "Thapa"), _person("Sunita", "Gurung"), id="same-dob"),
    pytest.param(
        _person("Ram Bahadur", "Thapa"), _person("Krishna Prasad", "Sharma"), id="same-dob-2"
    ),
    pytest.param(
        _person("Ram", "Thapa", born=None), _person("Sunita", "Gurung", born=None), id="no-dob"
    ),
    pytest.param(
        _person("Laxmi", "Shrestha", sex="female"),
        _person("Bishnu", "Tamang", born=date(1982, 7, 1), sex="male"),
        id="sex-too",
    ),
    pytest.param(
        _person("Ram Bahadur", "Thapa", sex="male"),
        _person("Ram Bahadur", "Thapa", born=date(1960, 1, 1), sex="female"),
        id="same-name-other-sex-and-generation",
    ),
]


@pytest.mark.parametrize(("a", "b"), DIFFERENT_PEOPLE)
def test_clearly_different_people_score_below_the_threshold(a, b, threshold):
    assert match_score(a, b) < threshold


@pytest.mark.parametrize(("a", "b"), DIFFERENT_PEOPLE)
def test_same_document_forces_at_least_095(a, b):
    assert match_score(a, b) < 0.95
    assert match_score(a, b, same_document=True) == 0.95


def test_same_document_does_not_lower_a_higher_score():
    a = _person("Ram Bdr.", "Thapa")
    assert match_score(a, _person("Ram Bahadur", "Thapa"), same_document=True) == 1.0


def test_empty_name_scores_nothing_for_the_name():
    # 0.7 * 0 (no name) + 0.3 * 1 (same DOB)
    assert match_score(_person("", ""), _person("Ram", "Thapa")) == 0.3


def test_devanagari_name_can_lift_the_name_score():
    latin_only = match_score(_person("Ram", "Thapa"), _person("Rama", "Thapaliya"))
    with_ne = match_score(
        _person("Ram", "Thapa", name_ne="राम थापा"),
        _person("Rama", "Thapaliya", name_ne="राम थापा"),
    )
    assert with_ne == 1.0
    assert latin_only < with_ne


def test_kc_with_dots_is_the_same_family_name_as_kc(threshold):
    a = _person("Ram", "K.C.", born=None)
    b = _person("Ram", "KC", born=None)
    assert tokens("K.C.") == ["kc"]
    assert match_score(a, b) >= threshold
