"""The administration pages: user accounts (create, change, deactivate, reset a password)
and the audit log, and that nobody but an admin reaches them.

Forms are posted the way a browser posts them: the page is fetched, its form read, some
fields changed, and the whole form sent back.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from casework import audit
from casework.extensions import db
from casework.models import AuditEvent, User
from tests import factories
from tests import sign_in as signing
from tests.pages import field_errors, filled, form_with, table_rows

NEW_PASSWORD = "a-brand-new-passphrase"
WRONG_CREDENTIALS = "Wrong username or password, or the account is locked for a while."
STALE_MESSAGE = "This record was changed by someone else since you opened it."
SELF_MESSAGE = "You cannot deactivate yourself or change your own role."


# --- reading pages like a browser --------------------------------------------------------


def audit_rows(html: str) -> list[dict]:
    rows = [r for r in table_rows(html) if len(r) == 7 and r[0].isdigit()]
    return [
        {
            "id": int(r[0]),
            "when": r[1],
            "who": r[2],
            "action": r[4],
            "record": r[5],
            "changes": r[6],
        }
        for r in rows
    ]


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(stmt))


def reload(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def user_count(username: str | None = None) -> int:
    stmt = select(func.count()).select_from(User)
    if username:
        stmt = stmt.where(User.username == username)
    return db.session.scalar(stmt)


def sign_in(app, username: str, password: str):
    """A fresh browser's sign-in attempt: (response, client)."""
    client = app.test_client()
    response = client.post("/auth/login", data={"username": username, "password": password})
    return response, client


def new_user_form(admin, **changes) -> MultiDict:
    page = admin.get("/admin/users/new")
    assert page.status_code == 200
    complete = {
        "username": "anita.karki",
        "full_name": "Anita Karki",
        "role": "caseworker",
        "office_code": "DMK",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    return filled(form_with(page.get_data(as_text=True), "username"), **{**complete, **changes})


def edit_form(admin, user_id: int) -> MultiDict:
    page = admin.get(f"/admin/users/{user_id}")
    assert page.status_code == 200
    return form_with(page.get_data(as_text=True), "version")


# --- creating users --------------------------------------------------------------------


def test_an_admin_creates_a_user_who_can_then_sign_in(app, login_as):
    admin = login_as("admin")

    response = admin.post("/admin/users/new", data=new_user_form(admin))

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"
    user = db.session.scalars(select(User).where(User.username == "anita.karki")).one()
    assert (user.full_name, user.role, user.office_code, user.active) == (
        "Anita Karki",
        "caseworker",
        "DMK",
        True,
    )
    assert NEW_PASSWORD not in user.password_hash
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert "Created the account anita.karki." in listing
    assert f'href="/admin/users/{user.id}">anita.karki</a>' in listing
    signed_in, _ = sign_in(app, "anita.karki", NEW_PASSWORD)
    assert signed_in.status_code == 302
    [created] = events("user.create")
    assert created.object_id == str(user.id)
    assert created.user_id == admin.user.id
    assert created.changes == {"username": "anita.karki", "role": "caseworker", "office": "DMK"}


@pytest.mark.parametrize("password", ["", "short", "eleven-char"])
def test_a_password_under_twelve_characters_is_refused(login_as, password):
    admin = login_as("admin")

    response = admin.post(
        "/admin/users/new", data=new_user_form(admin, password=password, confirm=password)
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "password") == ["At least 12 characters."]
    shown = form_with(html, "username")
    assert (shown["username"], shown["full_name"], shown["office_code"]) == (
        "anita.karki",
        "Anita Karki",
        "DMK",
    )
    assert user_count("anita.karki") == 0
    assert events("user.create") == []


def test_a_password_of_exactly_twelve_characters_is_accepted(login_as):
    admin = login_as("admin")

    response = admin.post(
        "/admin/users/new",
        data=new_user_form(admin, password="twelve-chars", confirm="twelve-chars"),
    )

    assert response.status_code == 302
    assert user_count("anita.karki") == 1


def test_passwords_that_differ_are_refused(login_as):
    admin = login_as("admin")

    response = admin.post("/admin/users/new", data=new_user_form(admin, confirm=NEW_PASSWORD + "x"))

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "confirm") == ["The passwords differ."]
    assert user_count("anita.karki") == 0


@pytest.mark.parametrize("username", ["taken.name", "Taken.Name", " taken.name "])
def test_a_username_that_is_taken_is_refused(login_as, make_user, username):
    make_user(username="taken.name")
    admin = login_as("admin")

    response = admin.post("/admin/users/new", data=new_user_form(admin, username=username))

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "username") == ["This username is taken."]
    assert user_count("taken.name") == 1
    assert events("user.create") == []


@pytest.mark.parametrize("username", ["ab", "anita karki", "anita@karki", "-anita"])
def test_a_malformed_username_is_refused(login_as, username):
    admin = login_as("admin")
    before = user_count()

    response = admin.post("/admin/users/new", data=new_user_form(admin, username=username))

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "username") == [
        "3 to 64 characters: lower-case letters, digits, dot, dash or underscore."
    ]
    assert user_count() == before


def test_an_unknown_role_or_office_is_refused(login_as):
    admin = login_as("admin")
    before = user_count()

    response = admin.post(
        "/admin/users/new", data=new_user_form(admin, role="superuser", office_code="XXX")
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "role") == ["Choose a role from the list."]
    assert "Choose an office from the list." in html
    assert user_count() == before


# --- changing users --------------------------------------------------------------------


def test_the_edit_form_shows_the_account(login_as, make_user):
    target = make_user("supervisor", "DMK", full_name="Hari Prasad")
    admin = login_as("admin")

    form = edit_form(admin, target.id)

    assert (form["full_name"], form["role"], form["office_code"]) == (
        "Hari Prasad",
        "supervisor",
        "DMK",
    )
    assert form["active"] == "y"
    assert form["version"] == str(target.version)


def test_an_admin_changes_role_and_office_and_the_user_gets_the_new_access(app, login_as):
    elsewhere = factories.BeneficiaryFactory(
        office_code="DMK", registration_number="DMK-2026-000100"
    )
    db.session.commit()
    target = login_as("caseworker", office="KTM")
    assert target.get(f"/beneficiaries/{elsewhere.id}").status_code == 404
    admin = login_as("admin")

    response = admin.post(
        f"/admin/users/{target.user.id}",
        data=filled(edit_form(admin, target.user.id), role="supervisor", office_code="DMK"),
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"
    stored = reload(target.user.id)
    assert (stored.role, stored.office_code, stored.active) == ("supervisor", "DMK", True)
    [updated] = events("user.update")
    assert updated.object_id == str(stored.id)
    assert updated.changes == {"office_code": ["KTM", "DMK"], "role": ["caseworker", "supervisor"]}
    # A new role or office ends the user's sessions; signed in again, the new access applies.
    assert target.get(f"/beneficiaries/{elsewhere.id}").status_code == 302
    # A supervisor must sign in with two-factor: the password alone leads to enrolment.
    target.post("/auth/login", data={"username": stored.username, "password": factories.PASSWORD})
    redirected = target.get(f"/beneficiaries/{elsewhere.id}")
    assert redirected.headers["Location"] == "/auth/two-factor/enrol"
    signing.enrol(stored)
    signing.sign_in(target, stored)
    assert target.get(f"/beneficiaries/{elsewhere.id}").status_code == 200


def test_a_user_made_partner_loses_the_beneficiary_pages(login_as):
    target = login_as("caseworker")
    assert target.get("/beneficiaries/").status_code == 200
    admin = login_as("admin")

    admin.post(
        f"/admin/users/{target.user.id}",
        data=filled(edit_form(admin, target.user.id), role="partner"),
    )

    # The change signs the user out at once; signed in again, the partner is refused.
    assert target.get("/beneficiaries/").status_code == 302
    target.post(
        "/auth/login", data={"username": target.user.username, "password": factories.PASSWORD}
    )
    assert target.get("/beneficiaries/").status_code == 403


def test_an_unknown_role_or_office_on_edit_changes_nothing(login_as, make_user):
    target = make_user("caseworker", "KTM")
    admin = login_as("admin")

    response = admin.post(
        f"/admin/users/{target.id}",
        data=filled(edit_form(admin, target.id), role="root", office_code="XXX"),
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "role") == ["Choose a role from the list."]
    assert "Choose an office from the list." in html
    stored = reload(target.id)
    assert (stored.role, stored.office_code, stored.version) == ("caseworker", "KTM", 1)
    assert events("user.update") == []


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in(app, login_as):
    target = login_as("caseworker")
    admin = login_as("admin")

    response = admin.post(
        f"/admin/users/{target.user.id}", data=filled(edit_form(admin, target.user.id), active=None)
    )

    assert response.status_code == 302
    assert reload(target.user.id).active is False
    # The open session ends...
    page = target.get("/beneficiaries/")
    assert page.status_code == 302
    assert "/auth/login" in page.headers["Location"]
    # ...and signing in again is refused like any wrong password.
    attempt, _ = sign_in(app, target.user.username, factories.PASSWORD)
    assert attempt.status_code == 401
    assert WRONG_CREDENTIALS in attempt.get_data(as_text=True)
    listing = admin.get("/admin/users").get_data(as_text=True)
    row = next(r for r in table_rows(listing) if r and r[0] == target.user.username)
    assert row[-1] == "deactivated"
    assert events("user.update")[0].changes == {"active": [True, False]}


def test_a_reactivated_user_can_sign_in_again(app, login_as, make_user):
    target = make_user(active=False)
    admin = login_as("admin")

    response = admin.post(
        f"/admin/users/{target.id}", data=filled(edit_form(admin, target.id), active="y")
    )

    assert response.status_code == 302
    attempt, _ = sign_in(app, target.username, factories.PASSWORD)
    assert attempt.status_code == 302


def test_an_admin_cannot_deactivate_themselves(login_as):
    admin = login_as("admin")

    response = admin.post(
        f"/admin/users/{admin.user.id}", data=filled(edit_form(admin, admin.user.id), active=None)
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "active") == [SELF_MESSAGE]
    assert reload(admin.user.id).active is True
    assert admin.get("/admin/users").status_code == 200
    assert events("user.update") == []


def test_an_admin_cannot_change_their_own_role(login_as):
    admin = login_as("admin")

    response = admin.post(
        f"/admin/users/{admin.user.id}",
        data=filled(edit_form(admin, admin.user.id), role="caseworker"),
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "active") == [SELF_MESSAGE]
    assert reload(admin.user.id).role == "admin"


def test_another_admin_may_deactivate_an_admin(login_as):
    first = login_as("admin")
    second = login_as("admin")

    response = second.post(
        f"/admin/users/{first.user.id}", data=filled(edit_form(second, first.user.id), active=None)
    )

    assert response.status_code == 302
    assert reload(first.user.id).active is False


def test_a_change_made_on_an_old_version_is_refused(login_as, make_user):
    target = make_user("caseworker", "KTM", full_name="Old Name")
    first = login_as("admin")
    second = login_as("admin")
    mine = edit_form(first, target.id)
    theirs = edit_form(second, target.id)
    saved = second.post(f"/admin/users/{target.id}", data=filled(theirs, full_name="Their Name"))
    assert saved.status_code == 302

    response = first.post(
        f"/admin/users/{target.id}", data=filled(mine, role="supervisor", office_code="DMK")
    )

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert STALE_MESSAGE in html
    assert form_with(html, "version")["role"] == "supervisor"  # what the admin chose is kept
    stored = reload(target.id)
    assert (stored.full_name, stored.role, stored.office_code) == (
        "Their Name",
        "caseworker",
        "KTM",
    )
    assert len(events("user.update")) == 1


# --- passwords -------------------------------------------------------------------------


def _reset_form(admin, user_id: int, password: str, confirm: str | None = None) -> MultiDict:
    page = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    form = form_with(page, "confirm")
    return filled(form, password=password, confirm=password if confirm is None else confirm)


def test_an_admin_resets_a_password(app, login_as, make_user):
    target = make_user()
    admin = login_as("admin")

    response = admin.post(
        f"/admin/users/{target.id}/password", data=_reset_form(admin, target.id, NEW_PASSWORD)
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/{target.id}"
    assert sign_in(app, target.username, NEW_PASSWORD)[0].status_code == 302
    assert sign_in(app, target.username, factories.PASSWORD)[0].status_code == 401
    [reset] = events("user.password_reset")
    assert reset.object_id == str(target.id)
    assert reset.user_id == admin.user.id
    db.session.expire_all()
    logged = json.dumps([e.changes for e in db.session.scalars(select(AuditEvent))])
    assert NEW_PASSWORD not in logged
    assert factories.PASSWORD not in logged


@pytest.mark.parametrize(
    ("password", "confirm", "field", "message"),
    [
        ("eleven-char", None, "password", "At least 12 characters."),
        (NEW_PASSWORD, "something-else-entirely", "confirm", "The passwords differ."),
    ],
)
def test_a_bad_new_password_is_refused_and_the_old_one_still_works(
    app, login_as, make_user, password, confirm, field, message
):
    target = make_user()
    admin = login_as("admin")

    response = admin.post(
        f"/admin/users/{target.id}/password",
        data=_reset_form(admin, target.id, password, confirm),
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), field) == [message]
    assert sign_in(app, target.username, factories.PASSWORD)[0].status_code == 302
    assert sign_in(app, target.username, password)[0].status_code == 401
    assert events("user.password_reset") == []


# --- only admins -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "partner"])
def test_non_admins_are_refused_every_admin_page(app, login_as, make_user, role):
    target = make_user("caseworker", "KTM", full_name="Target")
    client = login_as(role, office="KTM")

    for url in (
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{target.id}",
        "/admin/audit",
        "/admin/audit?username=" + target.username,
    ):
        assert client.get(url).status_code == 403, url

    created = client.post(
        "/admin/users/new",
        data={
            "username": "sneaky",
            "role": "admin",
            "office_code": "KTM",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    changed = client.post(
        f"/admin/users/{target.id}",
        data={"full_name": "Changed", "role": "admin", "office_code": "DMK", "version": "1"},
    )
    reset = client.post(
        f"/admin/users/{target.id}/password",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    own = client.post(
        f"/admin/users/{client.user.id}",
        data={"role": "admin", "office_code": "KTM", "active": "y", "version": "1"},
    )

    assert [r.status_code for r in (created, changed, reset, own)] == [403] * 4
    assert user_count("sneaky") == 0
    stored = reload(target.id)
    assert (stored.full_name, stored.role, stored.office_code, stored.active) == (
        "Target",
        "caseworker",
        "KTM",
        True,
    )
    assert reload(client.user.id).role == role
    assert sign_in(app, target.username, factories.PASSWORD)[0].status_code == 302
    nav = client.get("/").get_data(as_text=True)
    assert 'href="/admin/users"' not in nav
    assert 'href="/admin/audit"' not in nav


def test_admin_pages_send_a_signed_out_visitor_to_sign_in(client, make_user):
    target = make_user()

    for url in ("/admin/users", "/admin/users/new", f"/admin/users/{target.id}", "/admin/audit"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/auth/login" in response.headers["Location"]
    assert client.post(f"/admin/users/{target.id}/password", data={}).status_code == 302
    assert user_count() == 1


def test_an_admin_reaches_every_admin_page(login_as, make_user):
    target = make_user()
    admin = login_as("admin")

    for url in ("/admin/users", "/admin/users/new", f"/admin/users/{target.id}", "/admin/audit"):
        assert admin.get(url).status_code == 200, url


def test_an_unknown_user_is_not_found(login_as):
    admin = login_as("admin")

    assert admin.get("/admin/users/424242").status_code == 404


# --- the audit log ---------------------------------------------------------------------


def _audit(admin, **filters) -> list[dict]:
    response = admin.get("/admin/audit", query_string=filters)
    assert response.status_code == 200
    return audit_rows(response.get_data(as_text=True))


@pytest.fixture
def history(app, login_as):
    """Sign-ins, a failed sign-in, profile views and an account change, by two people."""
    person = factories.BeneficiaryFactory()
    other = factories.BeneficiaryFactory(given_name="Gita")
    db.session.commit()
    worker = login_as("caseworker")
    worker.get(f"/beneficiaries/{person.id}")
    worker.get(f"/beneficiaries/{other.id}")
    app.test_client().post("/auth/login", data={"username": "ghost", "password": "x" * 12})
    admin = login_as("admin")
    admin.post(
        f"/admin/users/{worker.user.id}",
        data=filled(edit_form(admin, worker.user.id), role="supervisor"),
    )
    return {"admin": admin, "worker": worker.user, "person": person, "other": other}


def test_the_audit_log_shows_events_newest_first(history):
    rows = _audit(history["admin"])

    assert len(rows) == db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)
    update = next(r for r in rows if r["action"] == "user.update")
    assert update["who"] == history["admin"].user.username
    assert update["record"] == f"user {history['worker'].id}"
    assert update["changes"] == "role: caseworker → supervisor"
    failed = next(r for r in rows if r["action"] == "auth.login_failed")
    assert failed["who"] == "ghost"


def test_the_audit_log_filters_by_username(history):
    worker = history["worker"].username

    rows = _audit(history["admin"], username=worker.upper())

    assert {r["who"] for r in rows} == {worker}
    assert sorted(r["action"] for r in rows) == [
        "auth.login",
        "beneficiary.view",
        "beneficiary.view",
    ]
    assert _audit(history["admin"], username="nobody") == []


def test_the_audit_log_filters_by_action(history):
    views = _audit(history["admin"], action="beneficiary.view")
    auth = _audit(history["admin"], action="auth.")

    assert len(views) == 2 and {r["action"] for r in views} == {"beneficiary.view"}
    assert {r["action"] for r in auth} == {
        "auth.login",
        "auth.login_failed",
        "auth.password_ok",
        "auth.two_factor_enrol",
    }
    # two sign-ins, the failed one, and the admin's enrolment and password step
    assert len(auth) == 5


def test_the_audit_log_filters_by_record(history):
    admin, worker = history["admin"], history["worker"]

    for person in (history["person"], history["other"]):
        rows = _audit(admin, object_type="beneficiary", object_id=str(person.id))
        assert [(r["action"], r["record"]) for r in rows] == [
            ("beneficiary.view", f"beneficiary {person.id}")
        ]
    account = _audit(admin, object_type="user", object_id=str(worker.id))
    assert sorted(r["action"] for r in account) == ["auth.login", "user.update"]
    assert {r["record"] for r in account} == {f"user {worker.id}"}
    assert _audit(admin, object_type="beneficiary", object_id="999999") == []


def test_a_profiles_history_link_leads_to_its_events(history):
    admin, person = history["admin"], history["person"]
    profile = admin.get(f"/beneficiaries/{person.id}").get_data(as_text=True)

    link = re.search(r'<a href="([^"]+)">History</a>', profile).group(1).replace("&amp;", "&")
    rows = audit_rows(admin.get(link).get_data(as_text=True))

    assert {r["record"] for r in rows} == {f"beneficiary {person.id}"}
    assert len(rows) == 2  # the caseworker's view and the admin's own


@pytest.fixture
def dated_events(monkeypatch):
    """Events on three known days (recorded as if the clock said so)."""
    moments = [
        datetime(2025, 1, 10, 9, 0, tzinfo=UTC),
        datetime(2025, 3, 5, 0, 0, tzinfo=UTC),
        datetime(2025, 3, 5, 23, 59, tzinfo=UTC),
        datetime(2025, 3, 6, 0, 0, tzinfo=UTC),
    ]
    for index, moment in enumerate(moments):
        monkeypatch.setattr(audit, "utcnow", lambda moment=moment: moment)
        audit.record("test.event", object_type="thing", object_id=index, username="clock")
    monkeypatch.undo()
    db.session.commit()
    return moments


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [0, 1, 2, 3]),
        ({"date_from": "2025-03-05"}, [1, 2, 3]),
        ({"date_to": "2025-03-05"}, [0, 1, 2]),
        ({"date_from": "2025-03-05", "date_to": "2025-03-05"}, [1, 2]),
        ({"date_from": "2025-02-01", "date_to": "2025-02-28"}, []),
        ({"date_from": "2025-03-07"}, []),
    ],
)
def test_the_audit_log_filters_by_date(login_as, dated_events, filters, expected):
    admin = login_as("admin")

    rows = _audit(admin, username="clock", **filters)

    assert sorted(int(r["record"].split()[1]) for r in rows) == expected


def test_a_malformed_date_is_marked_and_not_applied(login_as, dated_events):
    admin = login_as("admin")

    response = admin.get(
        "/admin/audit", query_string={"username": "clock", "date_from": "2025-13-45"}
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    field = re.search(r'<input[^>]*\bname="date_from"[^>]*>', html).group(0)
    assert "is-invalid" in field
    assert 'value="2025-13-45"' in field  # what the admin typed stays
    assert len(audit_rows(html)) == 4


def test_a_long_audit_log_is_paged(login_as):
    admin = login_as("admin")
    for index in range(55):
        audit.record("test.event", object_type="thing", object_id=index, username="bulk")
    db.session.commit()

    first = _audit(admin, username="bulk")
    second = _audit(admin, username="bulk", page=2)

    assert len(first) == 50
    assert len(second) == 5
    assert {r["record"] for r in first}.isdisjoint({r["record"] for r in second})
