"""Password rules (12 characters, not a common password, not the username) wherever a
password is set, the change forced after an admin set one, and changing one's own."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from casework.domain import passwords
from casework.extensions import db
from casework.models import AuditEvent, User
from casework.services import accounts
from tests import factories
from tests.pages import field_errors, form_with
from tests.sign_in import sign_in

TOO_COMMON = "This is one of the most common passwords; choose another."
SAME_AS_USERNAME = "The password must not be the username."
NEW_PASSWORD = "river-lantern-quietly-9"


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def reload(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


# --- the rules -------------------------------------------------------------------------


def test_the_shipped_list_holds_the_commonest_passwords():
    common = passwords.common_passwords()

    assert len(common) > 19_000
    assert {"password", "123456", "qwertyuiop", "iloveyou"} <= common


@pytest.mark.parametrize(
    ("password", "username", "found"),
    [
        ("short", "", [passwords.TOO_SHORT]),
        ("x" * 257, "", [passwords.TOO_LONG]),
        ("qwertyqwerty", "", [passwords.TOO_COMMON]),
        ("QwertyQWERTY", "", [passwords.TOO_COMMON]),  # case does not help
        ("maya.gurung.ktm", "maya.gurung.ktm", [passwords.SAME_AS_USERNAME]),
        ("Maya.Gurung.KTM", "maya.gurung.ktm", [passwords.SAME_AS_USERNAME]),
        ("river-lantern-quietly-9", "maya", []),
        ("twelve-chars", "", []),
    ],
)
def test_password_rules(password, username, found):
    assert passwords.problems(password, username) == found


def test_the_demo_and_test_passwords_meet_the_rules():
    from casework import demo

    assert passwords.problems(factories.PASSWORD, "user1") == []
    assert passwords.problems(demo.DEMO_PASSWORD, "supervisor.ktm") == []


# --- everywhere a password is set ------------------------------------------------------


def _new_user_form(admin, **fields):
    form = form_with(admin.get("/admin/users/new").get_data(as_text=True), "username")
    values = {
        "username": "anita.karki",
        "full_name": "Anita Karki",
        "role": "caseworker",
        "office_code": "KTM",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    values.update(fields)
    for name, value in values.items():
        form[name] = value
    return form


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("anita.karki", "qwertyqwerty", TOO_COMMON),
        ("anita.karki.2026", "Anita.Karki.2026", SAME_AS_USERNAME),
        ("anita.karki", "anita.karki", "At least 12 characters."),
    ],
)
def test_an_admin_cannot_create_an_account_with_a_weak_password(
    login_as, username, password, message
):
    admin = login_as("admin")

    response = admin.post(
        "/admin/users/new",
        data=_new_user_form(admin, username=username, password=password, confirm=password),
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "password") == [message]
    assert db.session.scalar(select(User).where(User.username == username)) is None


def test_an_admin_cannot_reset_to_a_common_password(login_as, make_user):
    target = make_user()
    admin = login_as("admin")
    page = admin.get(f"/admin/users/{target.id}").get_data(as_text=True)
    form = form_with(page, "confirm")
    form["password"] = form["confirm"] = "QwertyQwerty"

    response = admin.post(f"/admin/users/{target.id}/password", data=form)

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "password") == [TOO_COMMON]
    assert events("user.password_reset") == []


def test_the_command_line_refuses_a_common_password(app):
    result = CliRunner().invoke(
        app.cli,
        ["users", "create", "maya", "--role", "caseworker", "--office", "KTM", "--password-stdin"],
        input="1234567890123\n",
    )

    assert result.exit_code == 1 and TOO_COMMON in result.output
    assert db.session.scalar(select(User).where(User.username == "maya")) is None


def test_the_command_line_refuses_the_username_as_password(app):
    result = CliRunner().invoke(
        app.cli,
        [
            "users",
            "create",
            "maya.gurung.ktm",
            "--role",
            "caseworker",
            "--office",
            "KTM",
            "--password-stdin",
        ],
        input="maya.gurung.ktm\n",
    )

    assert result.exit_code == 1 and SAME_AS_USERNAME in result.output


def test_an_account_made_on_the_command_line_is_not_forced_to_change(app):
    CliRunner().invoke(
        app.cli,
        ["users", "create", "maya", "--role", "caseworker", "--office", "KTM", "--password-stdin"],
        input=NEW_PASSWORD + "\n",
    )

    assert (
        db.session.scalar(select(User).where(User.username == "maya")).must_change_password is False
    )


# --- the change forced after an admin set the password --------------------------------


def _change(client, current: str, new: str, confirm: str | None = None):
    return client.post(
        "/auth/password",
        data={"current_password": current, "password": new, "confirm": confirm or new},
    )


def test_an_account_an_admin_created_must_change_its_password_first(app, login_as):
    admin = login_as("admin")
    admin.post("/admin/users/new", data=_new_user_form(admin))
    user = db.session.scalar(select(User).where(User.username == "anita.karki"))
    assert user.must_change_password
    client = app.test_client()

    response = client.post(
        "/auth/login", data={"username": "anita.karki", "password": NEW_PASSWORD}
    )

    assert response.headers["Location"] == "/auth/password"
    for url in ("/", "/beneficiaries/", "/auth/account"):
        assert client.get(url).headers["Location"] == "/auth/password", url
    page = client.get("/auth/password").get_data(as_text=True)
    assert "An administrator set your password" in page
    done = _change(client, NEW_PASSWORD, "harbour-violet-morning")
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert client.get("/beneficiaries/").status_code == 200
    assert reload(user.id).must_change_password is False
    [changed] = events("auth.password_change")
    assert changed.changes == {"required": True} and changed.user_id == user.id


def test_an_admin_reset_forces_a_change_too(app, login_as, make_user):
    target = make_user()
    admin = login_as("admin")
    page = admin.get(f"/admin/users/{target.id}").get_data(as_text=True)
    form = form_with(page, "confirm")
    form["password"] = form["confirm"] = NEW_PASSWORD
    admin.post(f"/admin/users/{target.id}/password", data=form)

    client = app.test_client()
    response = sign_in(client, target, NEW_PASSWORD)

    assert response.headers["Location"] == "/auth/password"
    assert "Must choose a new password" in admin.get(f"/admin/users/{target.id}").get_data(
        as_text=True
    )


def test_the_forced_change_comes_after_two_factor(app, make_user):
    from tests.sign_in import enrol

    user = make_user("supervisor", must_change_password=True)
    enrol(user)
    client = app.test_client()

    response = sign_in(client, user)

    assert response.headers["Location"] == "/auth/password"


def test_users_made_by_factories_are_not_forced_to_change(login_as):
    worker = login_as("caseworker")

    assert worker.get("/").status_code == 200


# --- changing one's own password -------------------------------------------------------


def test_a_user_changes_their_password_and_their_other_sessions_end(app, login_as):
    worker = login_as("caseworker")
    elsewhere = app.test_client()
    sign_in(elsewhere, worker.user)
    assert elsewhere.get("/").status_code == 200
    assert "Change your password" in worker.get("/auth/account").get_data(as_text=True)

    response = _change(worker, factories.PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    assert worker.get("/beneficiaries/").status_code == 200  # this session goes on
    assert elsewhere.get("/").status_code == 302  # the other one ended
    assert accounts.authenticate(worker.user.username, NEW_PASSWORD).user is not None
    assert accounts.authenticate(worker.user.username, factories.PASSWORD).user is None
    [changed] = events("auth.password_change")
    assert changed.changes == {"required": False}
    logged = " ".join(str(e.changes) for e in db.session.scalars(select(AuditEvent)))
    assert NEW_PASSWORD not in logged and factories.PASSWORD not in logged


def test_a_supervisor_keeps_the_second_step_done_after_a_change(login_as):
    supervisor = login_as("supervisor")

    _change(supervisor, factories.PASSWORD, NEW_PASSWORD)

    assert supervisor.get("/approvals/").status_code == 200


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "message"),
    [
        (
            "not-my-password",
            NEW_PASSWORD,
            None,
            "current_password",
            "This is not your current password.",
        ),
        (factories.PASSWORD, "short", None, "password", "At least 12 characters."),
        (factories.PASSWORD, "qwertyqwerty", None, "password", TOO_COMMON),
        (
            factories.PASSWORD,
            factories.PASSWORD,
            None,
            "password",
            "Choose a password different from the current one.",
        ),
        (
            factories.PASSWORD,
            NEW_PASSWORD,
            "something-else-here",
            "confirm",
            "The passwords differ.",
        ),
    ],
)
def test_a_bad_change_is_refused_and_the_old_password_still_works(
    login_as, current, new, confirm, field, message
):
    worker = login_as("caseworker")

    response = _change(worker, current, new, confirm)

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), field) == [message]
    assert accounts.authenticate(worker.user.username, factories.PASSWORD).user is not None
    assert events("auth.password_change") == []


def test_a_username_as_new_password_is_refused(login_as, make_user):
    worker = login_as("caseworker", username="kamala.thapa.ktm")

    response = _change(worker, factories.PASSWORD, "kamala.thapa.ktm")

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "password") == [SAME_AS_USERNAME]
