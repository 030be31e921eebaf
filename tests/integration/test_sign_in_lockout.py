"""Throttling and lockout of sign-in: counted per account and per address, in the database.

Every refusal looks the same (unknown username, wrong password, locked account), every
failure, lock and unlock is audited without the password, and the settings are the
admin's.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from casework.domain import lockout
from casework.extensions import db
from casework.models import AuditEvent, SignInThrottle, utcnow
from casework.services import accounts, settings, sign_in_throttle
from tests import factories
from tests.pages import field_errors, form_with

REFUSED = "Wrong username or password, or the account is locked for a while."
WRONG = "not-the-right-password"


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def attempt(app, username: str, password: str, address: str = "10.0.0.1"):
    client = app.test_client()
    return client.post(
        "/auth/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def alert_text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def fail(app, username: str, times: int, address: str = "10.0.0.1") -> None:
    for _ in range(times):
        assert attempt(app, username, WRONG, address).status_code == 401


def expire_locks() -> None:
    """The lock duration passing, without waiting for it."""
    past = utcnow() - timedelta(seconds=1)
    db.session.execute(
        update(SignInThrottle).values(
            locked_until=past, window_started_at=past - timedelta(hours=1)
        )
    )
    db.session.commit()


def test_five_failures_lock_the_account_even_for_the_right_password(app, make_user):
    user = make_user()
    fail(app, user.username, 4, address="10.0.0.1")
    assert attempt(app, user.username, factories.PASSWORD, "10.0.0.2").status_code == 302
    fail(app, user.username, 5, address="10.0.0.3")  # the success cleared the count

    refused = attempt(app, user.username, factories.PASSWORD, address="10.9.9.9")

    assert refused.status_code == 401
    assert REFUSED in alert_text(refused)
    [locked] = [e for e in events("auth.locked") if e.changes["scope"] == "account"]
    assert locked.object_id == str(user.id)
    assert locked.changes["scope"] == "account" and locked.changes["failures"] == 5
    assert events("auth.login_failed")[-1].changes == {"reason": "locked"}


def test_four_failures_do_not_lock(app, make_user):
    user = make_user()
    fail(app, user.username, 4)

    assert attempt(app, user.username, factories.PASSWORD, "10.9.9.9").status_code == 302
    assert events("auth.locked") == []


def test_after_the_lock_expires_the_right_password_works(app, make_user):
    user = make_user()
    fail(app, user.username, 5)
    assert attempt(app, user.username, factories.PASSWORD, "10.9.9.9").status_code == 401

    expire_locks()

    assert attempt(app, user.username, factories.PASSWORD, "10.9.9.9").status_code == 302


def test_failures_older_than_the_window_are_forgotten(app, make_user):
    user = make_user()
    fail(app, user.username, 4)
    expire_locks()  # the window has passed
    fail(app, user.username, 1)

    assert attempt(app, user.username, factories.PASSWORD, "10.9.9.9").status_code == 302
    assert events("auth.locked") == []


def test_a_successful_sign_in_clears_the_account_count(app, make_user):
    user = make_user()
    fail(app, user.username, 3)

    attempt(app, user.username, factories.PASSWORD)

    row = db.session.scalar(select(SignInThrottle).where(SignInThrottle.scope == "account"))
    assert row is None


def test_one_address_trying_many_accounts_is_locked(app, make_user):
    victims = [make_user() for _ in range(5)]
    for victim in victims:
        fail(app, victim.username, 1, address="10.6.6.6")
    someone = make_user()

    from_there = attempt(app, someone.username, factories.PASSWORD, address="10.6.6.6")
    from_elsewhere = attempt(app, someone.username, factories.PASSWORD, address="10.7.7.7")

    assert from_there.status_code == 401 and REFUSED in alert_text(from_there)
    assert from_elsewhere.status_code == 302
    [locked] = events("auth.locked")
    assert locked.changes["scope"] == "address" and locked.changes["key"] == "10.6.6.6"


def test_unknown_username_wrong_password_and_locked_account_look_the_same(app, make_user):
    user, locked = make_user(), make_user()
    fail(app, locked.username, 5, address="10.1.1.1")

    pages = [
        attempt(app, "nobody.at.all", factories.PASSWORD, "10.2.2.2"),
        attempt(app, user.username, WRONG, "10.3.3.3"),
        attempt(app, locked.username, factories.PASSWORD, "10.4.4.4"),
    ]

    assert {page.status_code for page in pages} == {401}
    bodies = {
        alert_text(page).replace("nobody.at.all", "X").replace(user.username, "X")
        for page in pages[:2]
    }
    bodies.add(alert_text(pages[2]).replace(locked.username, "X"))
    assert len(bodies) == 1  # the same page, but for the username typed back
    assert REFUSED in bodies.pop()


class CountingHasher:
    """The test suite's hasher, noting each hash it is asked to verify against."""

    def __init__(self, hasher):
        self.hasher, self.checked = hasher, []

    def verify(self, hash_, password):
        self.checked.append(hash_)
        return self.hasher.verify(hash_, password)

    def __getattr__(self, name):
        return getattr(self.hasher, name)


def test_an_unknown_username_still_costs_a_password_hash(app, monkeypatch):
    hasher = CountingHasher(accounts._hasher)
    monkeypatch.setattr(accounts, "_hasher", hasher)

    attempt(app, "nobody.at.all", "some-password-here")

    assert hasher.checked == [accounts._DUMMY_HASH]


def test_a_locked_account_still_costs_a_password_hash(app, make_user, monkeypatch):
    user = make_user()
    fail(app, user.username, 5)
    hasher = CountingHasher(accounts._hasher)
    monkeypatch.setattr(accounts, "_hasher", hasher)

    attempt(app, user.username, factories.PASSWORD, "10.8.8.8")

    assert hasher.checked == [user.password_hash]


def test_repeated_failures_answer_more_slowly(app, make_user, monkeypatch):
    from casework.blueprints.auth import views

    held = []
    monkeypatch.setattr(views.time, "sleep", held.append)
    app.config["SIGN_IN_SLOWDOWN_STEP"] = lockout.SLOWDOWN_STEP_SECONDS
    try:
        fail(app, make_user().username, 4)
    finally:
        app.config["SIGN_IN_SLOWDOWN_STEP"] = 0

    assert held == [0.0, 0.5, 1.0, 1.5]


def test_failures_are_audited_without_the_password(app, make_user):
    user = make_user()
    fail(app, user.username, 5)

    failed = events("auth.login_failed")
    assert [e.username for e in failed] == [user.username] * 5
    assert {e.changes["reason"] for e in failed} == {"bad_credentials"}
    logged = " ".join(str(e.changes) for e in db.session.scalars(select(AuditEvent)))
    assert WRONG not in logged


def test_counters_are_in_the_database(app, make_user):
    """Several workers or servers count the same failures: nothing is kept in memory."""
    user = make_user()
    fail(app, user.username, 2, address="10.5.5.5")

    rows = {(r.scope, r.key): r.failures for r in db.session.scalars(select(SignInThrottle))}
    assert rows == {("account", user.username): 2, ("address", "10.5.5.5"): 2}


def test_an_inactive_account_is_refused_like_a_wrong_password(app, make_user):
    user = make_user(active=False)

    refused = attempt(app, user.username, factories.PASSWORD)

    assert refused.status_code == 401 and REFUSED in alert_text(refused)
    assert events("auth.login_failed")[-1].changes == {"reason": "inactive"}


# --- an admin unlocks ------------------------------------------------------------------


def test_an_admin_sees_the_lock_and_unlocks_the_account(app, login_as, make_user):
    user = make_user()
    fail(app, user.username, 5)
    admin = login_as("admin")
    page = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Locked after 5 failed sign-ins" in page

    response = admin.post(f"/admin/users/{user.id}/unlock")

    assert response.status_code == 302
    assert "Not locked." in admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert attempt(app, user.username, factories.PASSWORD, "10.9.9.9").status_code == 302
    [unlock] = events("auth.unlock")
    assert unlock.object_id == str(user.id) and unlock.user_id == admin.user.id
    assert unlock.changes == {"was_locked": True, "failures": 5}


def test_unlocking_an_account_that_is_not_locked_changes_nothing(login_as, make_user):
    user = make_user()
    admin = login_as("admin")

    assert admin.post(f"/admin/users/{user.id}/unlock").status_code == 302
    assert events("auth.unlock") == []


@pytest.mark.parametrize("role", ["supervisor", "caseworker", "partner"])
def test_only_admins_unlock(login_as, make_user, role, app):
    user = make_user()
    fail(app, user.username, 5)
    other = login_as(role)

    assert other.post(f"/admin/users/{user.id}/unlock").status_code == 403
    assert sign_in_throttle.account_lock(user) is not None


# --- the settings ----------------------------------------------------------------------


def _settings_form(admin, **changes):
    form = form_with(admin.get("/admin/settings").get_data(as_text=True), "sign_in_max_failures")
    for name, value in changes.items():
        form[name] = value
    return form


def test_the_admin_changes_the_limit_and_the_duration(app, login_as, make_user):
    admin = login_as("admin")

    response = admin.post(
        "/admin/settings",
        data=_settings_form(admin, sign_in_max_failures="3", sign_in_lock_minutes="60"),
    )

    assert response.status_code == 302
    assert settings.lockout_policy() == lockout.Policy(max_failures=3, lock_minutes=60)
    changes = {e.object_id: e.changes for e in events("settings.update")}
    assert changes["sign_in_max_failures"] == {"failures": [5, 3]}
    assert changes["sign_in_lock_minutes"] == {"minutes": [15, 60]}
    user = make_user()
    fail(app, user.username, 3)
    [locked] = [e for e in events("auth.locked") if e.changes["scope"] == "account"]
    assert locked.changes["failures"] == 3
    until = locked.changes["until"]
    assert until > (utcnow() + timedelta(minutes=59)).isoformat()[:16]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sign_in_max_failures", "2", "A whole number from 3 to 50."),
        ("sign_in_max_failures", "51", "A whole number from 3 to 50."),
        ("sign_in_lock_minutes", "0", "A number of minutes from 1 to 1440."),
        ("sign_in_lock_minutes", "1441", "A number of minutes from 1 to 1440."),
    ],
)
def test_settings_out_of_range_are_refused(login_as, field, value, message):
    admin = login_as("admin")

    response = admin.post("/admin/settings", data=_settings_form(admin, **{field: value}))

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), field) == [message]
    assert settings.lockout_policy() == lockout.Policy()


def test_only_admins_change_the_lockout_settings(make_user):
    from casework.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        settings.update_lockout_policy(make_user("supervisor"), 3, 60)


def test_counters_past_their_window_are_deleted_at_the_next_failure(app, make_user):
    fail(app, "guessed.name.1", 1, address="10.5.5.1")
    expire_locks()

    fail(app, "guessed.name.2", 1, address="10.5.5.2")

    keys = {r.key for r in db.session.scalars(select(SignInThrottle))}
    assert keys == {"guessed.name.2", "10.5.5.2"}
