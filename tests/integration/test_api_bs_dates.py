"""Bikram Sambat dates in the JSON API (issue 9): a `<name>_bs` companion beside every date
it returns, and `<name>_bs` accepted instead of every date it takes.

Known conversions (the issue's): 13 Apr 2024 = 2081-01-01, 13 Feb 1996 = 2052-11-01,
25 Apr 2015 = 2072-01-12, 21 Nov 2006 = 2063-08-05; 12 Apr 2024 = 2080-12-30.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models import Beneficiary, Case
from tests.factories import BeneficiaryFactory, conflict_case, return_case

URL = "/api/v1/beneficiaries"
OUTSIDE_BS = date(1900, 1, 1)  # before BS 1975 (AD 1918-04-13)
SCHEMAS = "#/components/schemas/"


def stored_person(**fields) -> Beneficiary:
    record = BeneficiaryFactory(office_code="KTM", **fields)
    db.session.commit()
    return record


def reloaded(model, record_id: int):
    db.session.expire_all()
    return db.session.get(model, record_id)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def invalid(response, field: str) -> list[str]:
    """The messages of `field` in a 422 answer (the answer must be 422 and name it)."""
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    return error["fields"][field]


def registration(**overrides) -> dict:
    body = {
        "given_name": "Bishnu",
        "family_name": "Adhikari",
        "sex": "male",
        "consent": {"given": True, "date": "2024-04-13", "purposes": ["registration"]},
    }
    body.update(overrides)
    return body


def people_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Beneficiary))


# --- The OpenAPI document -----------------------------------------------------------------


@pytest.fixture
def document(api_as) -> dict:
    return ok(api_as("caseworker").get("/api/v1/openapi.json"))


def _refs(node) -> set[str]:
    """Names of the component schemas referred to anywhere under `node`."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        found = {ref.removeprefix(SCHEMAS)} if ref.startswith(SCHEMAS) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def _closure(names: set[str], schemas: dict) -> set[str]:
    """The schemas and every schema they nest, however deep."""
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_refs(schemas[name]))
    return seen


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield f"{method.upper()} {path}", operation


def _used_schemas(document: dict) -> tuple[set[str], set[str]]:
    """(component schemas sent in requests, component schemas returned in answers)."""
    schemas = document["components"]["schemas"]
    sent, returned = set(), set()
    for _label, operation in _operations(document):
        sent |= _refs(operation.get("requestBody", {}))
        returned |= _refs(operation["responses"])
    return _closure(sent, schemas), _closure(returned, schemas)


def _dates(properties: dict) -> dict[str, str]:
    """The date and date-time properties, each with its format."""
    return {
        name: prop["format"]
        for name, prop in properties.items()
        if prop.get("format") in ("date", "date-time")
    }


def test_every_date_the_api_returns_has_its_bs_companion_documented(document):
    schemas = document["components"]["schemas"]
    _sent, returned = _used_schemas(document)
    seen = set()
    for name in returned:
        properties = schemas[name].get("properties", {})
        for field, fmt in _dates(properties).items():
            companion = properties.get(f"{field}_bs")
            assert companion is not None, f"{name}.{field} has no {field}_bs"
            assert companion["type"] == "string" and companion["nullable"] is True
            assert companion["readOnly"] is True, f"{name}.{field}_bs"
            description = companion["description"]
            assert f"`{field}` " in description and "Bikram Sambat" in description
            assert "null when" in description and "1975-2100" in description
            if fmt == "date-time":
                assert "Nepal time" in description, f"{name}.{field}_bs"
            seen.add(field)
    # The walk found the dates the issue names (so it cannot pass on an empty document).
    assert {"date_of_birth", "date", "opened_at", "return_date", "incident_date"} <= seen
    assert {"from", "to", "departure_date", "created_at", "requested_at"} <= seen


def test_every_date_the_api_takes_may_be_given_in_bs(document):
    schemas = document["components"]["schemas"]
    sent, _returned = _used_schemas(document)
    seen = set()
    for name in sent:
        properties = schemas[name].get("properties", {})
        for field, fmt in _dates(properties).items():
            assert fmt == "date", f"{name}.{field}: a date-time input has no BS alternative"
            companion = properties.get(f"{field}_bs")
            assert companion is not None, f"{name}.{field} has no {field}_bs"
            assert companion["writeOnly"] is True
            assert companion["description"].startswith(
                f"BS date YYYY-MM-DD; alternative to `{field}`"
            ), companion
            seen.add(f"{name}.{field}")
    for label, operation in _operations(document):
        parameters = {p["name"]: p for p in operation.get("parameters", [])}
        for field, parameter in parameters.items():
            if parameter["schema"].get("format") == "date":
                companion = parameters.get(f"{field}_bs")
                assert companion is not None, f"{label}: {field} has no {field}_bs"
                assert companion["in"] == parameter["in"]
                assert companion["description"].startswith(
                    f"BS date YYYY-MM-DD; alternative to `{field}`"
                )
                seen.add(f"{label} {field}")
    assert {"BeneficiaryCreate.date_of_birth", "Consent.date", "CaseCreate.return_date"} <= seen
    assert {
        "GET /api/v1/reports/summary from",
        "GET /api/v1/beneficiaries/matches date_of_birth",
    } <= seen


def test_no_date_hides_in_an_untyped_field(document):
    """A date given by a Function field is documented as anything and gets no companion:
    every property named like a date must be typed as one (or be a companion)."""
    for name, schema in document["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            if field.endswith("_bs"):
                continue
            if field.endswith(("_at", "_date")) or field in ("date", "date_of_birth"):
                assert prop.get("format") in ("date", "date-time"), f"{name}.{field}: {prop}"


# --- Dates returned -----------------------------------------------------------------------


def test_a_beneficiary_carries_bs_dates_of_birth_consent_and_registration(api_as):
    api = api_as("caseworker", "KTM")
    person = stored_person(
        date_of_birth=date(2024, 4, 13),
        consent_date=date(2015, 4, 25),
        # 18:20 UTC is 00:05 on 13 April in Nepal; 18:10 UTC is still 12 April there.
        created_at=datetime(2024, 4, 12, 18, 20, tzinfo=UTC),
        updated_at=datetime(2024, 4, 12, 18, 10, tzinfo=UTC),
    )

    data = ok(api.get(f"{URL}/{person.id}"))

    assert (data["date_of_birth"], data["date_of_birth_bs"]) == ("2024-04-13", "2081-01-01")
    assert (data["consent"]["date"], data["consent"]["date_bs"]) == ("2015-04-25", "2072-01-12")
    assert data["created_at_bs"] == "2081-01-01"
    assert data["updated_at_bs"] == "2080-12-30"
    [item] = ok(api.get(URL))["items"]
    assert (item["date_of_birth_bs"], item["consent"]["date_bs"]) == ("2081-01-01", "2072-01-12")


def test_a_missing_or_out_of_range_date_has_a_null_companion(api_as):
    api = api_as("caseworker", "KTM")
    unknown = stored_person(date_of_birth=None, consent_date=None)
    old = stored_person(date_of_birth=OUTSIDE_BS)

    data = ok(api.get(f"{URL}/{unknown.id}"))
    assert (data["date_of_birth"], data["date_of_birth_bs"]) == (None, None)
    assert (data["consent"]["date"], data["consent"]["date_bs"]) == (None, None)
    data = ok(api.get(f"{URL}/{old.id}"))
    assert (data["date_of_birth"], data["date_of_birth_bs"]) == ("1900-01-01", None)


def test_duplicate_matches_carry_the_bs_date_of_birth(api_as):
    api = api_as("caseworker", "KTM")
    stored_person(given_name="Sita", family_name="Shrestha", date_of_birth=date(1996, 2, 13))

    response = api.get(
        f"{URL}/matches", query_string={"given_name": "Sita", "family_name": "Shrestha"}
    )

    [match] = ok(response)["items"]
    assert (match["date_of_birth"], match["date_of_birth_bs"]) == ("1996-02-13", "2052-11-01")


def test_cases_carry_bs_dates_of_their_days_in_nepal(api_as):
    api = api_as("supervisor", "KTM")
    returned = return_case(
        stored_person(), opened_at=datetime(2024, 4, 12, 18, 20, tzinfo=UTC), office="KTM"
    )
    victim = conflict_case(stored_person(), ["displaced"])
    db.session.commit()

    data = ok(api.get(f"/api/v1/cases/{returned.id}"))
    assert (data["opened_at_bs"], data["closed_at_bs"]) == ("2081-01-01", None)
    # The row's return day is the UTC day it was opened, 12 April: Chaitra 30, 2080.
    assert (data["return_date"], data["return_date_bs"]) == ("2024-04-12", "2080-12-30")
    assert (data["incident_date"], data["incident_date_bs"]) == (None, None)
    data = ok(api.get(f"/api/v1/cases/{victim.id}"))
    assert (data["incident_date"], data["incident_date_bs"]) == ("2002-05-01", "2059-01-18")
    assert (data["return_date"], data["return_date_bs"]) == (None, None)


# --- Dates given in BS --------------------------------------------------------------------


def test_registering_with_a_bs_date_of_birth_stores_its_ad_date(api_as):
    api = api_as("caseworker", "KTM")

    body = ok(api.post(URL, json=registration(date_of_birth_bs="2052-11-01")), 201)

    assert (body["date_of_birth"], body["date_of_birth_bs"]) == ("1996-02-13", "2052-11-01")
    assert reloaded(Beneficiary, body["id"]).date_of_birth == date(1996, 2, 13)


def test_a_bs_date_may_be_written_in_devanagari_digits(api_as):
    api = api_as("caseworker", "KTM")

    body = ok(api.post(URL, json=registration(date_of_birth_bs="२०६३-०८-०५")), 201)

    assert reloaded(Beneficiary, body["id"]).date_of_birth == date(2006, 11, 21)


def test_the_consent_date_may_be_given_in_bs(api_as):
    api = api_as("caseworker", "KTM")
    consent = {"given": True, "date_bs": "2072-01-12", "purposes": ["registration"]}

    body = ok(api.post(URL, json=registration(consent=consent)), 201)

    assert body["consent"]["date"] == "2015-04-25"
    assert reloaded(Beneficiary, body["id"]).consent_date == date(2015, 4, 25)


def test_patching_with_a_bs_date_of_birth_stores_its_ad_date(api_as):
    api = api_as("caseworker", "KTM")
    person = stored_person(date_of_birth=date(1990, 1, 1))

    body = ok(
        api.patch(f"{URL}/{person.id}", json={"version": 1, "date_of_birth_bs": "2081-01-01"})
    )

    assert body["date_of_birth"] == "2024-04-13"
    assert reloaded(Beneficiary, person.id).date_of_birth == date(2024, 4, 13)


def test_the_same_day_in_ad_and_bs_is_accepted(api_as):
    api = api_as("caseworker", "KTM")
    body = registration(date_of_birth="1996-02-13", date_of_birth_bs="2052-11-01")

    assert ok(api.post(URL, json=body), 201)["date_of_birth"] == "1996-02-13"


def test_different_days_in_ad_and_bs_are_422_naming_the_bs_field(api_as):
    api = api_as("caseworker", "KTM")
    body = registration(date_of_birth="1996-02-14", date_of_birth_bs="2052-11-01")

    [message] = invalid(api.post(URL, json=body), "date_of_birth_bs")

    assert "1996-02-13" in message and "1996-02-14" in message
    assert people_count() == 0


def test_a_conflicting_consent_date_is_422_naming_it(api_as):
    api = api_as("caseworker", "KTM")
    consent = {"given": True, "date": "2015-04-26", "date_bs": "2072-01-12"}

    [message] = invalid(api.post(URL, json=registration(consent=consent)), "consent")

    assert message.startswith("date_bs: ")
    assert people_count() == 0


def test_patching_with_conflicting_dates_changes_nothing(api_as):
    api = api_as("caseworker", "KTM")
    person = stored_person(date_of_birth=date(1990, 1, 1))
    body = {"version": 1, "date_of_birth": "2024-04-14", "date_of_birth_bs": "2081-01-01"}

    invalid(api.patch(f"{URL}/{person.id}", json=body), "date_of_birth_bs")

    row = reloaded(Beneficiary, person.id)
    assert (row.date_of_birth, row.version) == (date(1990, 1, 1), 1)


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("2081-01-32", "31 days"),  # Baishakh 2081 has 31 days
        ("2081-13-01", "1 to 12"),
        ("2081-02", "YYYY-MM-DD"),
        ("13/04/2024", "YYYY-MM-DD"),
        ("1970-01-01", "1975"),  # before the BS calendar data
        ("2101-01-01", "2100"),
        ("2081-01-01" * 10, "YYYY-MM-DD"),
    ],
)
def test_an_invalid_or_out_of_range_bs_date_is_422_naming_the_field(api_as, written, says):
    api = api_as("caseworker", "KTM")

    [message] = invalid(
        api.post(URL, json=registration(date_of_birth_bs=written)), "date_of_birth_bs"
    )

    assert says in message
    assert people_count() == 0


def test_a_bs_date_that_is_not_a_string_is_422(api_as):
    api = api_as("caseworker", "KTM")
    invalid(api.post(URL, json=registration(date_of_birth_bs=20810101)), "date_of_birth_bs")


def test_an_invalid_bs_date_message_is_in_the_callers_language(api_as):
    api = api_as("caseworker", "KTM")

    response = api.post(f"{URL}?lang=ne", json=registration(date_of_birth_bs="2081-13-01"))

    [message] = invalid(response, "date_of_birth_bs")
    assert message != "A BS month is from 1 to 12."


def test_a_case_may_be_opened_with_a_bs_return_date(api_as):
    api = api_as("caseworker", "KTM")
    person = stored_person()
    body = {
        "kind": "return_reintegration",
        "beneficiary_id": person.id,
        "host_country": "QA",
        "return_date_bs": "2081-01-01",
        "return_reason": "end_of_contract",
    }

    case = ok(api.post("/api/v1/cases", json=body), 201)

    assert (case["return_date"], case["return_date_bs"]) == ("2024-04-13", "2081-01-01")
    assert reloaded(Case, case["id"]).return_details.return_date == date(2024, 4, 13)


def test_matches_take_a_bs_date_of_birth(api_as):
    api = api_as("caseworker", "KTM")
    stored_person(given_name="Sita", family_name="Shrestha", date_of_birth=date(1996, 2, 13))
    query = {"given_name": "Sita", "family_name": "Thapa"}

    same_day = ok(
        api.get(f"{URL}/matches", query_string={**query, "date_of_birth_bs": "2052-11-01"})
    )
    other_day = ok(
        api.get(f"{URL}/matches", query_string={**query, "date_of_birth_bs": "2060-01-01"})
    )

    # One name and the date of birth in common make a candidate; one name alone does not.
    assert [m["date_of_birth"] for m in same_day["items"]] == ["1996-02-13"]
    assert other_day["items"] == []
    invalid(
        api.get(f"{URL}/matches", query_string={**query, "date_of_birth_bs": "x"}),
        "date_of_birth_bs",
    )


def test_a_report_period_may_be_given_in_bs(api_as):
    api = api_as("partner")

    body = ok(
        api.get(
            "/api/v1/reports/summary", query_string={"from_bs": "2082-04-01", "to_bs": "२०८३-०३-३२"}
        )
    )

    assert body["period"] == {
        "from": "2025-07-17",
        "from_bs": "2082-04-01",
        "to": "2026-07-16",
        "to_bs": "2083-03-32",
        "fiscal_year": None,
    }
    conflicting = {"from": "2025-07-18", "from_bs": "2082-04-01"}
    invalid(api.get("/api/v1/reports/summary", query_string=conflicting), "from_bs")
    invalid(api.get("/api/v1/reports/summary", query_string={"to_bs": "2083-03-33"}), "to_bs")


def test_an_export_period_may_be_given_in_bs(api_as):
    api = api_as("supervisor", "KTM")
    stored_person(created_at=datetime(2024, 4, 13, 6, 0, tzinfo=UTC))
    stored_person(created_at=datetime(2024, 4, 20, 6, 0, tzinfo=UTC))

    response = api.get(
        "/api/v1/exports/beneficiaries",
        query_string={"from_bs": "2081-01-01", "to_bs": "2081-01-01"},
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["X-Export-Rows"] == "1"
    bad = api.get("/api/v1/exports/beneficiaries", query_string={"from_bs": "2081-02-33"})
    invalid(bad, "from_bs")
