"""The API's platform: reference data, the OpenAPI document, authentication, errors."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

import casework
from casework.extensions import db
from casework.models import ApiToken, Beneficiary, utcnow
from casework.services import accounts

DATA = Path(casework.__file__).parent / "data" / "nepal"
BENEFICIARIES = "/api/v1/beneficiaries"


def _csv(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


DISTRICTS = {int(row["id"]): row for row in _csv("districts.csv")}
LOCAL_LEVELS = _csv("local_levels.csv")


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.content_type
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error


def assert_unauthorized(response) -> None:
    assert_envelope(response, 401, "unauthorized")
    assert response.headers.get("WWW-Authenticate", "").lower().startswith("bearer")


def token_record(user) -> ApiToken:
    return db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))


def beneficiary_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Beneficiary))


# --- Reference data -----------------------------------------------------------------------


def test_districts_lists_all_77_as_in_the_reference_files(api_as):
    response = api_as("caseworker", "KTM").get("/api/v1/districts")

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert body["total"] == len(body["items"]) == 77 == len(DISTRICTS)
    got = {item["id"]: item for item in body["items"]}
    assert set(got) == set(DISTRICTS)
    for district_id, row in DISTRICTS.items():
        item = got[district_id]
        assert (item["name_en"], item["name_ne"], item["province_id"]) == (
            row["name_en"],
            row["name_ne"],
            int(row["province_id"]),
        ), district_id
    assert (got[4]["name_en"], got[4]["name_ne"]) == ("Jhapa", "झापा")
    assert got[27]["name_en"] == "Kathmandu"


def test_districts_filter_by_province(api_as):
    api = api_as("caseworker", "KTM")
    for province_id in (1, 3, 7):
        expected = {i for i, row in DISTRICTS.items() if int(row["province_id"]) == province_id}
        body = api.get("/api/v1/districts", query_string={"province_id": province_id}).get_json()
        assert {item["id"] for item in body["items"]} == expected
        assert body["total"] == len(expected)
    assert 4 in {i["id"] for i in api.get("/api/v1/districts?province_id=1").get_json()["items"]}
    assert 4 not in {
        i["id"] for i in api.get("/api/v1/districts?province_id=3").get_json()["items"]
    }


def test_districts_refuse_an_invalid_province_filter(api_as):
    api = api_as("caseworker", "KTM")
    error = assert_envelope(api.get("/api/v1/districts?province_id=abc"), 422, "invalid")
    assert "province_id" in error["fields"]


def test_reference_data_is_open_to_partners(api_as):
    assert api_as("partner", "KTM").get("/api/v1/districts").status_code == 200


def test_local_levels_of_a_district(api_as):
    response = api_as("caseworker", "KTM").get("/api/v1/districts/4/local-levels")

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    expected = {int(r["id"]): r for r in LOCAL_LEVELS if r["district_id"] == "4"}
    assert body["total"] == len(body["items"]) == len(expected) == 15
    for item in body["items"]:
        row = expected[item["id"]]
        assert item["district_id"] == 4
        assert (item["name_en"], item["name_ne"], item["wards"], item["category"]) == (
            row["name_en"],
            row["name_ne"],
            int(row["wards"]),
            row["category"],
        )
    assert {i["name_en"] for i in body["items"]} >= {"Damak", "Mechinagar", "Birtamod"}


def test_local_levels_of_an_unknown_district_is_404(api_as):
    assert_envelope(
        api_as("caseworker", "KTM").get("/api/v1/districts/999/local-levels"), 404, "not_found"
    )


# --- OpenAPI ------------------------------------------------------------------------------


def test_openapi_document_describes_the_beneficiary_api(api_as):
    response = api_as("caseworker", "KTM").get("/api/v1/openapi.json")

    assert response.status_code == 200, response.get_data(as_text=True)
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/beneficiaries"])
    assert {"get", "patch"} <= set(paths["/api/v1/beneficiaries/{beneficiary_id}"])
    assert "get" in paths["/api/v1/beneficiaries/matches"]
    assert "get" in paths["/api/v1/districts"]
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_openapi_document_needs_a_token(client):
    assert_unauthorized(client.get("/api/v1/openapi.json"))


# --- Authentication -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/api/v1/districts", BENEFICIARIES, f"{BENEFICIARIES}/1", "/api/v1/districts/4/local-levels"],
)
def test_no_token_is_401_with_the_error_envelope(client, url):
    assert_unauthorized(client.get(url))


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer cw_not-a-real-token",
        "Basic dXNlcjpwYXNz",
        "cw_token-without-scheme",
    ],
)
def test_a_bad_authorization_header_is_401(client, header):
    assert_unauthorized(client.get(BENEFICIARIES, headers={"Authorization": header}))


def test_a_post_without_a_token_is_401_and_stores_nothing(client):
    response = client.post(BENEFICIARIES, json={"given_name": "Maya", "sex": "female"})
    assert_unauthorized(response)
    assert beneficiary_count() == 0


def test_a_revoked_token_is_401(api_as):
    api = api_as("caseworker", "KTM")
    assert api.get(BENEFICIARIES).status_code == 200

    accounts.revoke_token(api.user, token_record(api.user).id)
    db.session.commit()

    assert_unauthorized(api.get(BENEFICIARIES))
    assert_unauthorized(api.post(BENEFICIARIES, json={"given_name": "Maya", "sex": "female"}))
    assert beneficiary_count() == 0


def test_an_expired_token_is_401(api_as):
    api = api_as("caseworker", "KTM")
    record = token_record(api.user)
    record.expires_at = utcnow() + timedelta(minutes=5)
    db.session.commit()
    assert api.get(BENEFICIARIES).status_code == 200

    record = token_record(api.user)
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert_unauthorized(api.get(BENEFICIARIES))


def test_a_token_of_a_deactivated_user_is_401(api_as):
    api = api_as("caseworker", "KTM")
    assert api.get(BENEFICIARIES).status_code == 200

    api.user.active = False
    db.session.commit()

    assert_unauthorized(api.get(BENEFICIARIES))
    assert_unauthorized(api.get("/api/v1/districts"))


def test_a_token_is_only_its_owners(api_as):
    """Revoking one user's token leaves another user's token working."""
    first = api_as("caseworker", "KTM")
    second = api_as("caseworker", "KTM")
    accounts.revoke_token(first.user, token_record(first.user).id)
    db.session.commit()

    assert_unauthorized(first.get(BENEFICIARIES))
    assert second.get(BENEFICIARIES).status_code == 200


def test_a_session_cookie_alone_does_not_authenticate_the_api(login_as):
    browser = login_as("caseworker", "KTM")
    assert browser.get("/beneficiaries/").status_code == 200  # the session itself works

    assert_unauthorized(browser.get(BENEFICIARIES))
    assert_unauthorized(browser.get("/api/v1/districts"))
    assert_unauthorized(browser.post(BENEFICIARIES, json={"given_name": "Maya", "sex": "female"}))
    assert beneficiary_count() == 0


# --- Routing errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/nothing-here", "/api/v2/beneficiaries", f"{BENEFICIARIES}/abc"]
)
def test_an_unknown_api_path_is_a_json_404(api_as, url):
    assert_envelope(api_as("caseworker", "KTM").get(url), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("delete", BENEFICIARIES, {"GET", "POST"}),
        ("put", f"{BENEFICIARIES}/1", {"GET", "PATCH"}),
        ("post", "/api/v1/districts", {"GET"}),
    ],
)
def test_a_wrong_method_is_a_json_405(api_as, method, url, allowed):
    api = api_as("caseworker", "KTM")
    response = getattr(api.client, method)(url, headers=api._headers())

    assert_envelope(response, 405, "method_not_allowed")
    allow = {m.strip() for m in response.headers.get("Allow", "").split(",")}
    assert allowed <= allow
    assert "DELETE" not in allow
