"""The duplicate match scores its candidates from plain columns and loads only the best:
what a caseworker sees must be what scoring whole records gave."""

from __future__ import annotations

from datetime import date

from tests.factories import BeneficiaryFactory, IdentityDocumentFactory

MATCHES = "/api/v1/beneficiaries/matches"


def test_a_person_holding_the_document_is_found_under_another_name(api_as):
    api = api_as("caseworker", "KTM")
    holder = BeneficiaryFactory(given_name="Maya", family_name="Gurung", office_code="KTM")
    IdentityDocumentFactory(beneficiary=holder, number="27-01-12345")
    namesake = BeneficiaryFactory(given_name="Sita", family_name="Thapa", office_code="KTM")

    response = api.get(
        MATCHES,
        query_string={
            "given_name": "Sita",
            "family_name": "Thapa",
            "document_number": "27 01 12345",
        },
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    scores = {i["id"]: i["score"] for i in response.get_json()["items"]}
    assert scores[holder.id] == 0.95  # the same document, whatever the name
    assert scores[namesake.id] == 0.9  # the same names, no date of birth given


def test_only_the_best_are_returned_best_first_then_oldest(api_as):
    api = api_as("caseworker", "KTM")
    born = date(1985, 3, 12)
    exact = [
        BeneficiaryFactory(given_name="Ram", family_name="Thapa", date_of_birth=born)
        for _ in range(3)
    ]
    older = [
        BeneficiaryFactory(given_name="Ram", family_name="Thapa", date_of_birth=date(1950, 1, 1))
        for _ in range(3)
    ]

    response = api.get(
        MATCHES,
        query_string={
            "given_name": "Ram",
            "family_name": "Thapa",
            "date_of_birth": born.isoformat(),
            "limit": 4,
        },
    )

    items = response.get_json()["items"]
    assert [i["id"] for i in items] == [p.id for p in exact] + [older[0].id]
    assert items[0]["given_name"] == "Ram"  # whole records, as before
    assert items[0]["score"] > items[3]["score"]
