"""Access follows DESIGN.md's table: anonymous users get nothing, each role its own."""

from __future__ import annotations

import re

import pytest

from casework.extensions import db
from tests.factories import BeneficiaryFactory

PUBLIC = {"auth.login", "main.healthz", "static", "bootstrap.static"}


def _sample_url(rule) -> str:
    """The rule's URL with every variable filled with 1."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "1", rule.rule)


def test_every_endpoint_but_login_static_and_health_refuses_anonymous(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        url = _sample_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if url.startswith("/api/"):
                assert response.status_code == 401, (method, url, response.status_code)
            else:
                assert response.status_code == 302, (method, url, response.status_code)
                assert response.headers["Location"].startswith("/auth/login")
            checked += 1
    assert checked > 20  # the walk really covered the application


def test_public_endpoints_answer_anonymous(client):
    assert client.get("/auth/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/js/app.js").status_code == 200


@pytest.fixture
def records():
    """One beneficiary in each office."""
    ktm = BeneficiaryFactory(office_code="KTM")
    dmk = BeneficiaryFactory(office_code="DMK", registration_number="DMK-2026-000001")
    db.session.commit()
    return {"own": ktm.id, "other": dmk.id}


# (method, url template, {role: expected status}); {own}/{other} are a KTM / DMK record
# and every signed-in user below belongs to KTM.
HTML_MATRIX = [
    ("GET", "/", {"caseworker": 200, "supervisor": 200, "admin": 200, "partner": 200}),
    (
        "GET",
        "/beneficiaries/",
        {"caseworker": 200, "supervisor": 200, "admin": 200, "partner": 403},
    ),
    (
        "GET",
        "/beneficiaries/new",
        {"caseworker": 200, "supervisor": 200, "admin": 200, "partner": 403},
    ),
    (
        "GET",
        "/beneficiaries/{own}",
        {"caseworker": 200, "supervisor": 200, "admin": 200, "partner": 403},
    ),
    (
        "GET",
        "/beneficiaries/{other}",
        {"caseworker": 404, "supervisor": 404, "admin": 200, "partner": 403},
    ),
    (
        "GET",
        "/beneficiaries/{own}/edit",
        {"caseworker": 200, "supervisor": 200, "admin": 200, "partner": 403},
    ),
    (
        "GET",
        "/beneficiaries/{other}/edit",
        {"caseworker": 404, "supervisor": 404, "admin": 200, "partner": 403},
    ),
    ("GET", "/admin/users", {"caseworker": 403, "supervisor": 403, "admin": 200, "partner": 403}),
    (
        "GET",
        "/admin/users/new",
        {"caseworker": 403, "supervisor": 403, "admin": 200, "partner": 403},
    ),
    ("GET", "/admin/audit", {"caseworker": 403, "supervisor": 403, "admin": 200, "partner": 403}),
    ("GET", "/auth/account", {"caseworker": 200, "supervisor": 200, "admin": 200, "partner": 200}),
    (
        "GET",
        "/reference/local-levels?district_id=4",
        {"caseworker": 200, "supervisor": 200, "admin": 200, "partner": 200},
    ),
]

API_MATRIX = [
    (
        "GET",
        "/api/v1/districts",
        {"caseworker": 200, "supervisor": 200, "admin": 200, "partner": 200},
    ),
    (
        "GET",
        "/api/v1/openapi.json",
        {"caseworker": 200, "supervisor": 200, "admin": 200, "partner": 200},
    ),
    (
        "GET",
        "/api/v1/beneficiaries",
        {"caseworker": 200, "supervisor": 200, "admin": 200, "partner": 403},
    ),
    (
        "GET",
        "/api/v1/beneficiaries/{own}",
        {"caseworker": 200, "supervisor": 200, "admin": 200, "partner": 403},
    ),
    (
        "GET",
        "/api/v1/beneficiaries/{other}",
        {"caseworker": 404, "supervisor": 404, "admin": 200, "partner": 403},
    ),
    (
        "GET",
        "/api/v1/beneficiaries/matches?given_name=Sita",
        {"caseworker": 200, "supervisor": 200, "admin": 200, "partner": 403},
    ),
    (
        "PATCH",
        "/api/v1/beneficiaries/{other}",
        {"caseworker": 404, "supervisor": 404, "admin": 200, "partner": 403},
    ),
]
ROLES = ["caseworker", "supervisor", "admin", "partner"]


@pytest.mark.parametrize("role", ROLES)
def test_html_role_matrix(role, login_as, records):
    client = login_as(role, office="KTM")
    for method, template, expected in HTML_MATRIX:
        url = template.format(**records)
        response = client.open(url, method=method)
        assert response.status_code == expected[role], (role, method, url)


@pytest.mark.parametrize("role", ROLES)
def test_api_role_matrix(role, api_as, records):
    api = api_as(role, office="KTM")
    for method, template, expected in API_MATRIX:
        url = template.format(**records)
        body = {"version": 1} if method == "PATCH" else None
        response = api.client.open(
            url, method=method, json=body, headers={"Authorization": f"Bearer {api.token}"}
        )
        assert response.status_code == expected[role], (role, method, url, response.get_json())


def test_deactivated_user_is_signed_out_on_next_request(login_as):
    client = login_as("caseworker")
    client.user.active = False
    db.session.commit()
    response = client.get("/beneficiaries/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
