"""Unit tests for casework.domain.beneficiary_rules: validate() and normalise_phone()."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework.domain.beneficiary_rules import MAX_LENGTHS, normalise_phone, validate

TODAY = date(2026, 3, 15)


def valid_record(**changes) -> dict:
    """A complete record that passes every rule; `changes` override or add fields."""
    record = {
        "given_name": "Ram Bahadur",
        "family_name": "Thapa",
        "name_ne": "राम बहादुर थापा",
        "sex": "male",
        "date_of_birth": date(1985, 4, 2),
        "dob_estimated": False,
        "nationality": "NP",
        "phone": "+977 981-234 5678",
        "district_id": 27,
        "local_level_id": 2701,
        "ward": 4,
        "address_line": "Tole 3, near the school",
        "relationship_to_head": "head",
        "vulnerabilities": ["disability", "older_person"],
        "consent_given": True,
        "consent_date": date(2026, 3, 1),
        "consent_purposes": ["registration", "assistance"],
        "documents": [
            {"doc_type": "citizenship", "number": "27-01-72-05432", "issuing_country": "NP"},
            {"doc_type": "passport", "number": "PA1234567", "issuing_country": "NP"},
        ],
    }
    record.update(changes)
    return record


def test_valid_record_has_no_errors():
    assert validate(valid_record(), TODAY) == {}


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"name_ne": "", "family_name": ""}, id="optional-names-empty"),
        pytest.param({"phone": ""}, id="no-phone"),
        pytest.param({"phone": "01-4412345"}, id="landline"),
        pytest.param({"district_id": None, "local_level_id": None, "ward": None}, id="no-address"),
        pytest.param({"district_id": 27, "local_level_id": None, "ward": None}, id="district"),
        pytest.param({"date_of_birth": None, "dob_estimated": False}, id="no-dob"),
        pytest.param({"date_of_birth": TODAY}, id="born-today"),
        pytest.param({"date_of_birth": date(1900, 1, 1)}, id="born-1900-01-01"),
        pytest.param({"dob_estimated": True}, id="estimated-dob"),
        pytest.param(
            {"consent_given": False, "consent_date": None, "consent_purposes": []},
            id="no-consent",
        ),
        pytest.param({"consent_date": TODAY}, id="consent-today"),
        pytest.param({"vulnerabilities": []}, id="no-vulnerabilities"),
        pytest.param({"documents": []}, id="no-documents"),
        pytest.param(
            {"documents": [{"doc_type": "other", "number": "X-1", "issuing_country": None}]},
            id="document-without-country",
        ),
        pytest.param({"given_name": "Mary-Jane O'Neil", "family_name": "K.C."}, id="punct"),
        pytest.param({"relationship_to_head": "spouse"}, id="spouse"),
        pytest.param({"sex": "unknown"}, id="sex-unknown"),
        pytest.param(
            {field: "a" * n for field, n in MAX_LENGTHS.items()} | {"name_ne": ""},
            id="latin-fields-at-limit",
        ),
        pytest.param({"name_ne": "र" * MAX_LENGTHS["name_ne"]}, id="name_ne-at-limit"),
    ],
)
def test_valid_variants_have_no_errors(changes):
    assert validate(valid_record(**changes), TODAY) == {}


def test_relationship_defaults_to_head_when_absent():
    record = valid_record()
    del record["relationship_to_head"]
    assert validate(record, TODAY) == {}


FAILING = [
    # names
    pytest.param({"given_name": ""}, "given_name", id="given-name-empty"),
    pytest.param({"given_name": None}, "given_name", id="given-name-none"),
    pytest.param({"given_name": "   "}, "given_name", id="given-name-blank"),
    pytest.param({"given_name": "राम"}, "given_name", id="given-name-devanagari"),
    pytest.param({"given_name": "Ram राम"}, "given_name", id="given-name-mixed-scripts"),
    pytest.param({"family_name": "थापा"}, "family_name", id="family-name-devanagari"),
    pytest.param({"given_name": "Ram2"}, "given_name", id="given-name-digit"),
    pytest.param({"family_name": "Thapa 3"}, "family_name", id="family-name-digit"),
    pytest.param({"given_name": "Ram_Bahadur"}, "given_name", id="given-name-underscore"),
    pytest.param({"given_name": "-Ram"}, "given_name", id="given-name-starts-with-dash"),
    pytest.param({"name_ne": "Ram Thapa"}, "name_ne", id="name-ne-latin"),
    pytest.param({"given_name": "a" * 101}, "given_name", id="given-name-too-long"),
    pytest.param({"family_name": "a" * 101}, "family_name", id="family-name-too-long"),
    pytest.param({"name_ne": "र" * 201}, "name_ne", id="name-ne-too-long"),
    pytest.param({"address_line": "a" * 201}, "address_line", id="address-too-long"),
    # sex
    pytest.param({"sex": "f"}, "sex", id="sex-unknown-code"),
    pytest.param({"sex": None}, "sex", id="sex-missing"),
    pytest.param({"sex": "Female"}, "sex", id="sex-wrong-case"),
    # date of birth
    pytest.param({"date_of_birth": TODAY + timedelta(days=1)}, "date_of_birth", id="dob-future"),
    pytest.param({"date_of_birth": date(1899, 12, 31)}, "date_of_birth", id="dob-before-1900"),
    pytest.param(
        {"date_of_birth": None, "dob_estimated": True}, "date_of_birth", id="estimated-no-dob"
    ),
    pytest.param({"date_of_birth": "1985-04-02"}, "date_of_birth", id="dob-not-a-date"),
    # nationality
    pytest.param({"nationality": "np"}, "nationality", id="nationality-lower-case"),
    pytest.param({"nationality": "NPL"}, "nationality", id="nationality-alpha-3"),
    pytest.param({"nationality": ""}, "nationality", id="nationality-empty"),
    pytest.param({"nationality": None}, "nationality", id="nationality-missing"),
    pytest.param({"nationality": "N1"}, "nationality", id="nationality-digit"),
    # phone
    pytest.param({"phone": "abc"}, "phone", id="phone-letters"),
    pytest.param({"phone": "12345"}, "phone", id="phone-too-short"),
    pytest.param({"phone": "981234567"}, "phone", id="phone-9-digit-mobile"),
    pytest.param({"phone": "+97"}, "phone", id="phone-plus-too-short"),
    # address
    pytest.param({"district_id": None}, "district_id", id="local-level-without-district"),
    pytest.param({"local_level_id": None}, "local_level_id", id="ward-without-local-level"),
    pytest.param({"ward": 0}, "ward", id="ward-zero"),
    pytest.param({"ward": -2}, "ward", id="ward-negative"),
    pytest.param({"ward": "4"}, "ward", id="ward-string"),
    pytest.param({"ward": True}, "ward", id="ward-bool"),
    # vulnerabilities and household
    pytest.param({"vulnerabilities": ["disability", "poor"]}, "vulnerabilities", id="vuln"),
    pytest.param({"relationship_to_head": "cousin"}, "relationship_to_head", id="relation"),
    pytest.param({"relationship_to_head": None}, "relationship_to_head", id="relation-none"),
    # consent
    pytest.param({"consent_date": None}, "consent_date", id="consent-without-date"),
    pytest.param({"consent_purposes": []}, "consent_purposes", id="consent-without-purpose"),
    pytest.param(
        {"consent_date": TODAY + timedelta(days=1)}, "consent_date", id="consent-date-future"
    ),
    pytest.param(
        {"consent_given": False, "consent_date": None, "consent_purposes": ["registration"]},
        "consent_purposes",
        id="purposes-without-consent",
    ),
    pytest.param(
        {"consent_purposes": ["registration", "marketing"]},
        "consent_purposes",
        id="unknown-purpose",
    ),
    # documents
    pytest.param(
        {"documents": [{"doc_type": "driving", "number": "1", "issuing_country": "NP"}]},
        "documents.0.doc_type",
        id="document-type",
    ),
    pytest.param(
        {"documents": [{"doc_type": None, "number": "1"}]},
        "documents.0.doc_type",
        id="document-type-missing",
    ),
    pytest.param(
        {"documents": [{"doc_type": "passport", "number": "  ", "issuing_country": "NP"}]},
        "documents.0.number",
        id="document-number-blank",
    ),
    pytest.param(
        {"documents": [{"doc_type": "passport", "issuing_country": "NP"}]},
        "documents.0.number",
        id="document-number-missing",
    ),
    pytest.param(
        {"documents": [{"doc_type": "passport", "number": "1" * 41}]},
        "documents.0.number",
        id="document-number-too-long",
    ),
    pytest.param(
        {"documents": [{"doc_type": "passport", "number": "--/--"}]},
        "documents.0.number",
        id="document-number-no-alphanumeric",
    ),
    pytest.param(
        {"documents": [{"doc_type": "passport", "number": "PA1", "issuing_country": "np"}]},
        "documents.0.issuing_country",
        id="document-country-lower-case",
    ),
    pytest.param(
        {"documents": [{"doc_type": "passport", "number": "PA1", "issuing_country": "NPL"}]},
        "documents.0.issuing_country",
        id="document-country-alpha-3",
    ),
    pytest.param(
        {
            "documents": [
                {"doc_type": "passport", "number": "PA1", "issuing_country": "NP"},
                {"doc_type": "citizenship", "number": "", "issuing_country": "NP"},
            ]
        },
        "documents.1.number",
        id="second-document-keyed-by-its-index",
    ),
]


@pytest.mark.parametrize(("changes", "field"), FAILING)
def test_each_rule_reports_its_field(changes, field):
    errors = validate(valid_record(**changes), TODAY)
    assert list(errors) == [field]
    assert errors[field]
    assert all(isinstance(message, str) and message for message in errors[field])


@pytest.mark.parametrize(("field", "limit"), list(MAX_LENGTHS.items()))
def test_max_lengths_apply_one_character_over(field, limit):
    letter = "र" if field == "name_ne" else "a"
    assert validate(valid_record(**{field: letter * limit}), TODAY) == {}
    errors = validate(valid_record(**{field: letter * (limit + 1)}), TODAY)
    assert list(errors) == [field]


def test_document_number_of_40_characters_is_allowed():
    documents = [{"doc_type": "passport", "number": "1" * 40, "issuing_country": "NP"}]
    assert validate(valid_record(documents=documents), TODAY) == {}


def test_several_errors_are_all_reported():
    record = valid_record(
        given_name="",
        sex="x",
        nationality="nepal",
        phone="abc",
        consent_date=None,
        documents=[{"doc_type": "x", "number": ""}],
    )
    errors = validate(record, TODAY)
    assert set(errors) == {
        "given_name",
        "sex",
        "nationality",
        "phone",
        "consent_date",
        "documents.0.doc_type",
        "documents.0.number",
    }


def test_consent_given_with_nothing_else_reports_date_and_purposes():
    errors = validate(valid_record(consent_date=None, consent_purposes=[]), TODAY)
    assert set(errors) == {"consent_date", "consent_purposes"}


def test_ward_without_local_level_or_district_reports_local_level():
    errors = validate(valid_record(district_id=None, local_level_id=None, ward=3), TODAY)
    assert set(errors) == {"local_level_id"}


def test_unknown_codes_are_named_in_the_message():
    errors = validate(valid_record(vulnerabilities=["poor", "disability", "alone"]), TODAY)
    assert "alone, poor" in errors["vulnerabilities"][0]


def test_today_is_the_reference_for_future_dates():
    born = date(2026, 3, 20)
    assert "date_of_birth" in validate(valid_record(date_of_birth=born), TODAY)
    assert validate(valid_record(date_of_birth=born), date(2026, 3, 20)) == {}


# --- normalise_phone ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+977 981-234 5678", "+9779812345678"),
        ("9812345678", "+9779812345678"),
        ("009779812345678", "+9779812345678"),
        ("+9779812345678", "+9779812345678"),
        ("(981) 234.5678", "+9779812345678"),
        ("01-4412345", "014412345"),
        ("(01) 441 2345", "014412345"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_normalise_phone(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "98123abc45",
        "+977-98x",
        "+97",
        "+1234567890123456",
        "12345",
        "981234567",
        "98123456789",
        "8812345678",
        "01234567890123",
    ],
)
def test_normalise_phone_refuses_what_cannot_be_a_phone(raw):
    assert normalise_phone(raw) is None
