"""Sign-in, sign-out, the account page with its API tokens, and CSRF on every form.

Everything here goes through the HTML pages as a browser would: status codes, what the
page shows, and what ends up stored.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models import ApiToken, AuditEvent, Beneficiary, User
from casework.services import accounts
from tests import factories
from tests.conftest import REFERENCE_TABLES, csrf_token_from

WRONG_CREDENTIALS = "Wrong username or password, or the account is locked for a while."
# What a browser sends for the empty fields of the beneficiary form.
EMPTY_BENEFICIARY_FIELDS = {
    "name_ne": "",
    "phone": "",
    "local_level_id": "",
    "ward": "",
    "address_line": "",
    **{
        f"documents-{i}-{name}": ""
        for i in (0, 1)
        for name in ("doc_type", "number", "issuing_country")
    },
}


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def alerts(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", text).strip()
        for text in re.findall(r'<div class="alert[^"]*" role="alert">(.*?)</div>', html, re.S)
    ]


def stored_rows() -> dict[str, list[tuple]]:
    """Every row of every table but the reference data, read on a connection of its own."""
    rows = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name in REFERENCE_TABLES:
                continue
            stmt = table.select().order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in connection.execute(stmt)]
    return rows


def is_signed_in(client) -> bool:
    response = client.get("/auth/account")
    if response.status_code == 302:
        assert "/auth/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


# --- signing in ------------------------------------------------------------------------


def test_sign_in_redirects_and_then_pages_work(client, make_user):
    user = make_user("caseworker", "KTM")

    before = client.get("/beneficiaries/")
    assert before.status_code == 302
    assert "/auth/login" in before.headers["Location"]

    response = client.post(
        "/auth/login", data={"username": user.username, "password": factories.PASSWORD}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/beneficiaries/")
    assert page.status_code == 200
    assert user.username in page.get_data(as_text=True)
    start = client.get("/")
    assert start.status_code == 200


def test_a_successful_sign_in_is_audited(client, make_user):
    user = make_user()

    client.post("/auth/login", data={"username": user.username, "password": factories.PASSWORD})

    logins = events("auth.login")
    assert len(logins) == 1
    assert logins[0].user_id == user.id
    assert logins[0].username == user.username
    assert logins[0].object_id == str(user.id)
    assert events("auth.login_failed") == []
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is not None


def test_wrong_password_and_unknown_username_look_the_same(client, make_user):
    user = make_user()

    wrong_password = client.post(
        "/auth/login", data={"username": user.username, "password": "not-the-password"}
    )
    unknown_user = client.post(
        "/auth/login", data={"username": "nobody.here", "password": factories.PASSWORD}
    )

    assert wrong_password.status_code == 401
    assert unknown_user.status_code == 401
    wrong_alerts = alerts(wrong_password.get_data(as_text=True))
    assert wrong_alerts == [WRONG_CREDENTIALS]
    assert alerts(unknown_user.get_data(as_text=True)) == wrong_alerts
    # Apart from the echoed username the two pages are identical.
    assert wrong_password.get_data(as_text=True).replace(
        user.username, "X"
    ) == unknown_user.get_data(as_text=True).replace("nobody.here", "X")
    assert not is_signed_in(client)


def test_each_failed_sign_in_is_audited_and_none_counts_as_a_sign_in(client, make_user):
    user = make_user()

    client.post("/auth/login", data={"username": user.username, "password": "not-the-password"})
    client.post("/auth/login", data={"username": "nobody.here", "password": factories.PASSWORD})

    failed = events("auth.login_failed")
    assert [e.username for e in failed] == [user.username, "nobody.here"]
    assert all(e.user_id is None for e in failed)
    assert events("auth.login") == []
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is None


def test_a_deactivated_user_cannot_sign_in(client, make_user):
    user = make_user(active=False)

    response = client.post(
        "/auth/login", data={"username": user.username, "password": factories.PASSWORD}
    )

    assert response.status_code == 401
    assert alerts(response.get_data(as_text=True)) == [WRONG_CREDENTIALS]
    assert not is_signed_in(client)
    assert [e.username for e in events("auth.login_failed")] == [user.username]
    assert events("auth.login") == []


def test_an_empty_form_does_not_sign_anyone_in(client, make_user):
    make_user()

    response = client.post("/auth/login", data={"username": "", "password": ""})

    assert "This field is required." in response.get_data(as_text=True)
    assert not is_signed_in(client)
    assert events("auth.login") == []


# --- where sign-in leads ---------------------------------------------------------------


def test_after_sign_in_the_user_lands_on_the_page_they_asked_for(client, make_user):
    user = make_user()

    asked = client.get("/beneficiaries/?q=sita&page=2")
    login_url = asked.headers["Location"]
    assert login_url.startswith("/auth/login?next=")
    # The sign-in form has no action: a browser posts it to the page's URL, `next` included.
    form_tags = re.findall(r"<form\b[^>]*>", client.get(login_url).get_data(as_text=True))
    assert len(form_tags) == 1 and "action=" not in form_tags[0]
    response = client.post(
        login_url, data={"username": user.username, "password": factories.PASSWORD}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/beneficiaries/?q=sita&page=2"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://evil.example/beneficiaries/",
        "//evil.example/",
        "///evil.example/",
        "/\t/evil.example/",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_sign_in_never_redirects_off_the_site(client, make_user, target):
    user = make_user()

    response = client.post(
        "/auth/login",
        query_string={"next": target},
        data={"username": user.username, "password": factories.PASSWORD},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def where_a_browser_goes(location: str) -> str:
    """The host a browser reaches from a Location header sent by http://localhost/.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash.
    """
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urlsplit(urljoin("http://localhost/auth/login", cleaned)).netloc


@pytest.mark.parametrize(
    "target", ["/\\evil.example/", "/\\/evil.example/", "/%5C%5Cevil.example/"]
)
def test_sign_in_does_not_redirect_off_the_site_through_a_backslash(client, make_user, target):
    user = make_user()

    response = client.post(
        "/auth/login",
        query_string={"next": target},
        data={"username": user.username, "password": factories.PASSWORD},
    )

    assert response.status_code == 302
    assert where_a_browser_goes(response.headers["Location"]) == "localhost"


def test_where_a_browser_goes_sees_through_backslashes():
    """The check above would catch an unencoded backslash."""
    assert where_a_browser_goes("/\\evil.example/") == "evil.example"
    assert where_a_browser_goes("/%5Cevil.example/") == "localhost"


# --- signing out -----------------------------------------------------------------------


def test_sign_out_by_post_ends_the_session(login_as):
    client = login_as("caseworker")
    assert is_signed_in(client)

    response = client.post("/auth/logout")

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert not is_signed_in(client)
    after = client.get("/beneficiaries/")
    assert after.status_code == 302
    assert "/auth/login" in after.headers["Location"]
    assert [e.user_id for e in events("auth.logout")] == [client.user.id]


def test_sign_out_is_not_possible_by_get(login_as):
    client = login_as("caseworker")

    response = client.get("/auth/logout")

    assert response.status_code == 405
    assert is_signed_in(client)
    assert events("auth.logout") == []


def test_an_unknown_address_shows_not_found_to_a_signed_in_user(login_as):
    client = login_as("caseworker")

    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_a_session_cookie_copied_before_sign_out_no_longer_works(app, login_as):
    client = login_as("caseworker")
    stolen = client.get_cookie("session").value

    client.post("/auth/logout")

    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert not is_signed_in(replay)


# --- the account page and API tokens ---------------------------------------------------


def _create_token(client, name: str = "laptop") -> str:
    response = client.post("/auth/account", data={"name": name})
    assert response.status_code == 200
    match = re.search(r'id="new-token">([^<]+)</code>', response.get_data(as_text=True))
    assert match, "the new token is not shown"
    return match.group(1)


def test_the_account_page_creates_a_token_that_is_shown_once(login_as):
    client = login_as("caseworker")

    token = _create_token(client, "reporting script")

    assert token.startswith("cw_") and len(token) > 30
    stored = db.session.scalars(select(ApiToken)).all()
    assert len(stored) == 1
    record = stored[0]
    assert record.user_id == client.user.id
    assert record.name == "reporting script"
    assert record.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert record.prefix == token[:10]
    # The token itself is nowhere in the database, audit log included.
    everything = json.dumps(stored_rows(), default=str)
    assert token not in everything
    assert token[10:] not in everything
    [created] = events("token.create")
    assert created.object_id == str(record.id)
    # Shown once: the page lists the token afterwards by its prefix only.
    again = client.get("/auth/account").get_data(as_text=True)
    assert token not in again
    assert record.prefix in again
    assert "reporting script" in again


def test_a_new_token_authenticates_the_api(login_as):
    client = login_as("caseworker")
    token = _create_token(client)

    response = client.get("/api/v1/districts", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    wrong = client.get("/api/v1/districts", headers={"Authorization": f"Bearer {token}x"})
    assert wrong.status_code == 401


def test_the_account_page_revokes_a_token(login_as):
    client = login_as("caseworker")
    token = _create_token(client)
    record = db.session.scalars(select(ApiToken)).one()

    response = client.post(f"/auth/tokens/{record.id}/revoke")

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/account"
    db.session.expire_all()
    assert db.session.get(ApiToken, record.id).revoked_at is not None
    api = client.get("/api/v1/districts", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
    page = client.get("/auth/account").get_data(as_text=True)
    assert "revoked" in page
    assert "The token was revoked" in page
    assert [e.object_id for e in events("token.revoke")] == [str(record.id)]


def test_nobody_else_can_revoke_a_users_token(app, login_as):
    owner = login_as("caseworker")
    token = _create_token(owner)
    record = db.session.scalars(select(ApiToken)).one()
    other = login_as("supervisor")

    response = other.post(f"/auth/tokens/{record.id}/revoke")

    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, record.id).revoked_at is None
    api = owner.get("/api/v1/districts", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    assert events("token.revoke") == []


def test_the_account_page_needs_a_signed_in_user(client):
    response = client.post("/auth/account", data={"name": "x"})

    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


# --- CSRF ------------------------------------------------------------------------------


def _csrf_setup(admin) -> dict:
    """Records for every POST endpoint to act on, and a payload that would change them."""
    other = factories.UserFactory(role="caseworker", office_code="KTM")
    beneficiary = factories.BeneficiaryFactory(office_code="KTM")
    db.session.commit()
    accounts.create_token(None, admin.user, "the admin's")
    accounts.create_token(None, other, "someone else's")
    db.session.commit()
    own_token, others_token = db.session.scalars(select(ApiToken.id).order_by(ApiToken.id))
    ids = {"user_id": other.id, "beneficiary_id": beneficiary.id, "token_id": own_token}
    # Where one argument name needs another record for one endpoint.
    endpoint_ids = {"admin.revoke_token": {"token_id": others_token}}
    yesterday = (date.today() - timedelta(days=1)).isoformat()

    def version_of(model, pk):
        db.session.expire_all()
        return str(db.session.get(model, pk).version)

    payloads = {
        "auth.login": lambda: {"username": other.username, "password": factories.PASSWORD},
        "auth.account": lambda: {"name": "made without a token"},
        "auth.revoke_token": dict,
        "admin.revoke_token": dict,
        "beneficiaries.new": lambda: {
            "given_name": "Maya",
            "family_name": "Gurung",
            "sex": "female",
            "date_of_birth": "1992-04-11",
            "nationality": "NP",
            "district_id": "27",
            "consent_given": "y",
            "consent_date": yesterday,
            "consent_purposes": ["registration"],
            "relationship_to_head": "head",
            **EMPTY_BENEFICIARY_FIELDS,
        },
        "beneficiaries.edit": lambda: {
            "given_name": "Changed",
            "family_name": "Shrestha",
            "sex": "female",
            "date_of_birth": "1990-05-17",
            "nationality": "NP",
            "district_id": "27",
            "consent_given": "y",
            "consent_date": yesterday,
            "consent_purposes": ["registration"],
            "relationship_to_head": "head",
            **EMPTY_BENEFICIARY_FIELDS,
            "version": version_of(Beneficiary, beneficiary.id),
        },
        "admin.new_user": lambda: {
            "username": "made.without.token",
            "full_name": "Nobody",
            "role": "admin",
            "office_code": "KTM",
            "password": "a-long-enough-password",
            "confirm": "a-long-enough-password",
        },
        "admin.edit_user": lambda: {
            "full_name": "Changed",
            "role": "admin",
            "office_code": "DMK",
            "active": "y",
            "version": version_of(User, other.id),
        },
        "admin.reset_password": lambda: {
            "password": "a-new-long-password",
            "confirm": "a-new-long-password",
        },
        "auth.logout": dict,  # last: it ends the session
    }
    return {"ids": ids, "endpoint_ids": endpoint_ids, "payloads": payloads}


def _post_rules(app) -> list:
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/")
        ),
        key=lambda rule: rule.endpoint == "auth.logout",
    )


def _url(rule, setup: dict) -> str:
    """The rule's URL for the test records; other ids are 1 (CSRF is checked before the view
    looks anything up, so a route added later is covered without a record of its own)."""
    ids = {**setup["ids"], **setup["endpoint_ids"].get(rule.endpoint, {})}
    values = {name: ids.get(name, 1) for name in rule.arguments}
    return rule.map.bind("localhost").build(rule.endpoint, values)


def test_every_form_post_without_a_csrf_token_is_refused(app, login_as):
    admin = login_as("admin")
    setup = _csrf_setup(admin)
    rules = _post_rules(app)
    assert set(setup["payloads"]) <= {rule.endpoint for rule in rules}
    app.config["WTF_CSRF_ENABLED"] = True

    for rule in rules:
        payload = setup["payloads"].get(rule.endpoint, dict)()
        before = stored_rows()
        response = admin.post(_url(rule, setup), data=payload)
        assert response.status_code == 400, (rule.rule, response.status_code)
        assert stored_rows() == before, f"{rule.rule} changed data without a CSRF token"
        assert is_signed_in(admin), f"{rule.rule} without a CSRF token signed the admin out"


def test_the_same_posts_with_the_pages_csrf_token_do_take_effect(app, login_as):
    """The control for the test above: its payloads are ones that change something."""
    admin = login_as("admin")
    setup = _csrf_setup(admin)
    app.config["WTF_CSRF_ENABLED"] = True
    token = csrf_token_from(admin.get("/auth/account").get_data(as_text=True))

    for rule in _post_rules(app):
        if rule.endpoint not in setup["payloads"] or rule.endpoint == "auth.login":
            continue  # signing in while signed in changes nothing; see the next test
        before = stored_rows()
        payload = {**setup["payloads"][rule.endpoint](), "csrf_token": token}
        response = admin.post(_url(rule, setup), data=payload)
        assert response.status_code in (200, 302), (rule.rule, response.status_code)
        assert stored_rows() != before, f"{rule.rule} with a valid token changed nothing"
    assert not is_signed_in(admin)  # auth.logout came last and worked


def test_sign_in_works_with_the_token_from_the_sign_in_page(app, client, make_user):
    user = make_user()
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/auth/login")
    token = csrf_token_from(page.get_data(as_text=True))

    response = client.post(
        "/auth/login",
        data={"username": user.username, "password": factories.PASSWORD, "csrf_token": token},
    )

    assert response.status_code == 302
    assert is_signed_in(client)
    assert len(events("auth.login")) == 1


def test_sign_in_is_refused_without_a_token_or_with_another_sessions_token(app, client, make_user):
    user = make_user()
    app.config["WTF_CSRF_ENABLED"] = True
    client.get("/auth/login")
    stranger = app.test_client()
    foreign_token = csrf_token_from(stranger.get("/auth/login").get_data(as_text=True))
    credentials = {"username": user.username, "password": factories.PASSWORD}

    missing = client.post("/auth/login", data=credentials)
    foreign = client.post("/auth/login", data={**credentials, "csrf_token": foreign_token})

    assert missing.status_code == 400
    assert foreign.status_code == 400
    assert not is_signed_in(client)
    assert events("auth.login") == []
