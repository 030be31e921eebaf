"""Two-factor sign-in (TOTP) with recovery codes: enrolment, the second step, the guard.

Admins and supervisors must enrol before reaching any page; caseworkers and partners may.
A half-signed-in session (password given, code not yet) reaches nothing but its step.
"""

from __future__ import annotations

import re

import pyotp
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from casework.extensions import db
from casework.models import AuditEvent, RecoveryCode, User
from casework.services import two_factor
from tests import factories
from tests.sign_in import enrol, sign_in, totp_code

REFUSED = "Wrong username or password, or the account is locked for a while."
# Pages a half-signed-in session must not reach (and the API, which wants a token).
GUARDED = ["/", "/beneficiaries/", "/auth/account", "/admin/users", "/approvals/", "/reports/"]


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def password_step(app, user, password: str = factories.PASSWORD):
    client = app.test_client()
    response = client.post("/auth/login", data={"username": user.username, "password": password})
    return client, response


def enrolment_secret(client) -> str:
    page = client.get("/auth/two-factor/enrol").get_data(as_text=True)
    return re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)


def recovery_codes(html: str) -> list[str]:
    return re.findall(r'<code class="user-select-all">([0-9a-f-]{23})</code>', html)


def enrolled_client(app, make_user, role: str = "caseworker"):
    user = make_user(role)
    enrol(user)
    client, _ = password_step(app, user)
    return client, user


# --- required enrolment ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_admins_and_supervisors_must_enrol_before_any_page(app, make_user, role):
    user = make_user(role)

    client, response = password_step(app, user)

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/two-factor/enrol"
    for url in GUARDED:
        page = client.get(url)
        assert page.status_code == 302, url
        assert page.headers["Location"] == "/auth/two-factor/enrol", url
    assert client.post("/beneficiaries/new", data={}).headers["Location"].endswith("/enrol")
    assert events("auth.login") == [] and len(events("auth.password_ok")) == 1


def test_enrolment_shows_the_qr_code_and_secret_and_a_code_finishes_it(app, make_user):
    user = make_user("supervisor")
    client, _ = password_step(app, user)

    page = client.get("/auth/two-factor/enrol").get_data(as_text=True)
    secret = enrolment_secret(client)
    qr = client.get("/auth/two-factor/qr.svg")

    assert 'src="/auth/two-factor/qr.svg"' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # no inline script
    assert "data:" not in page
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.data.lstrip().startswith(b"<?xml") or b"<svg" in qr.data[:200]
    assert b"<script" not in qr.data
    assert enrolment_secret(client) == secret  # the same secret on every visit
    confirmed = client.post("/auth/two-factor/enrol", data={"code": pyotp.TOTP(secret).now()})

    assert confirmed.status_code == 200
    codes = recovery_codes(confirmed.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/").status_code == 200
    stored = reload(user)
    assert stored.has_two_factor and secret not in stored.totp_secret
    [enrolled] = events("auth.two_factor_enrol")
    assert enrolled.object_id == str(user.id)
    assert len(events("auth.login")) == 1
    # once enrolled, the secret is not shown again
    assert client.get("/auth/two-factor/qr.svg").status_code == 404


def test_a_wrong_enrolment_code_is_refused(app, make_user):
    user = make_user("admin")
    client, _ = password_step(app, user)
    enrolment_secret(client)

    response = client.post("/auth/two-factor/enrol", data={"code": "000000"})

    assert response.status_code == 422
    assert "This code is not valid" in response.get_data(as_text=True)
    assert not reload(user).has_two_factor
    assert client.get("/").headers["Location"] == "/auth/two-factor/enrol"


def test_recovery_codes_are_stored_hashed(app, make_user):
    user = make_user("supervisor")
    client, _ = password_step(app, user)
    secret = enrolment_secret(client)
    html = client.post("/auth/two-factor/enrol", data={"code": pyotp.TOTP(secret).now()})

    codes = recovery_codes(html.get_data(as_text=True))
    stored = list(db.session.scalars(select(RecoveryCode.code_hash)))

    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & set(stored)


def test_the_qr_code_needs_a_signed_in_user(client):
    response = client.get("/auth/two-factor/qr.svg")

    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# --- the second step -------------------------------------------------------------------


def test_an_enrolled_user_is_asked_for_a_code_and_nothing_else_is_reachable(app, make_user):
    user = make_user("supervisor")
    enrol(user)

    client, response = password_step(app, user)

    assert response.headers["Location"] == "/auth/two-factor"
    for url in GUARDED + ["/auth/two-factor/enrol", "/auth/password"]:
        page = client.get(url)
        assert page.status_code == 302 and page.headers["Location"] == "/auth/two-factor", url
    assert client.get("/auth/two-factor/qr.svg").status_code == 302
    assert client.get("/api/v1/beneficiaries").status_code == 401  # the cookie is no token
    done = client.post("/auth/two-factor", data={"code": totp_code(user)})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert client.get("/beneficiaries/").status_code == 200
    assert events("auth.login")[-1].changes == {"second_factor": "totp"}


def test_the_second_step_goes_on_to_the_page_asked_for(app, make_user):
    user = make_user("supervisor")
    enrol(user)
    client = app.test_client()

    client.post(
        "/auth/login?next=/beneficiaries/",
        data={"username": user.username, "password": factories.PASSWORD},
    )
    done = client.post("/auth/two-factor", data={"code": totp_code(user)})

    assert done.headers["Location"] == "/beneficiaries/"


def test_a_code_of_the_step_before_or_after_is_accepted(app, make_user):
    user = make_user()
    secret = enrol(user)
    for offset in (-1, 1):
        client, _ = password_step(app, user)
        step = two_factor.current_step() + offset  # -1 first: +1 is later still, not a replay
        response = client.post(
            "/auth/two-factor", data={"code": pyotp.TOTP(secret).generate_otp(step)}
        )
        assert response.headers["Location"] == "/", offset


def test_a_code_two_steps_away_is_refused(app, make_user):
    user = make_user()
    secret = enrol(user)
    client, _ = password_step(app, user)

    code = pyotp.TOTP(secret).generate_otp(two_factor.current_step() + 2)
    response = client.post("/auth/two-factor", data={"code": code})

    assert response.status_code == 422
    assert "This code is not valid" in response.get_data(as_text=True)
    assert client.get("/").headers["Location"] == "/auth/two-factor"


def test_a_code_already_used_is_refused(app, make_user):
    user = make_user()
    secret = enrol(user)
    code = pyotp.TOTP(secret).generate_otp(two_factor.current_step())
    first, _ = password_step(app, user)
    assert first.post("/auth/two-factor", data={"code": code}).status_code == 302

    second, _ = password_step(app, user)
    replay = second.post("/auth/two-factor", data={"code": code})

    assert replay.status_code == 422
    assert second.get("/").headers["Location"] == "/auth/two-factor"
    assert reload(user).totp_last_step == two_factor.current_step()
    assert events("auth.two_factor_failed")[-1].changes == {"reason": "bad_code"}


def test_a_recovery_code_works_once(app, make_user):
    user = make_user("supervisor")
    client, _ = password_step(app, user)
    secret = enrolment_secret(client)
    page = client.post("/auth/two-factor/enrol", data={"code": pyotp.TOTP(secret).now()})
    code = recovery_codes(page.get_data(as_text=True))[3]

    again, _ = password_step(app, user)
    used = again.post("/auth/two-factor", data={"code": code.upper()})
    third, _ = password_step(app, user)
    reused = third.post("/auth/two-factor", data={"code": code})

    assert used.status_code == 302 and again.get("/").status_code == 200
    assert reused.status_code == 422
    [event] = events("auth.recovery_code_used")
    assert event.changes == {"left": 9}
    assert events("auth.login")[-1].changes == {"second_factor": "recovery_code"}


def test_wrong_codes_count_toward_the_lockout(app, make_user):
    user = make_user()
    enrol(user)
    client, _ = password_step(app, user)
    for _ in range(4):
        assert client.post("/auth/two-factor", data={"code": "000000"}).status_code == 422

    fifth = client.post("/auth/two-factor", data={"code": "000000"})

    assert fifth.status_code == 302 and fifth.headers["Location"] == "/auth/login"
    assert client.get("/").headers["Location"].startswith("/auth/login")
    _, again = password_step(app, user)
    assert again.status_code == 401 and REFUSED in again.get_data(as_text=True)
    assert len(events("auth.two_factor_failed")) == 5
    assert len(events("auth.locked")) == 2  # the account and the address


# --- optional for caseworkers and partners ---------------------------------------------


@pytest.mark.parametrize("role", ["caseworker", "partner"])
def test_caseworkers_and_partners_sign_in_without_a_second_factor(app, make_user, role):
    user = make_user(role)

    client, response = password_step(app, user)

    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_caseworker_enrols_from_the_account_page_and_then_needs_a_code(login_as, app):
    worker = login_as("caseworker")
    account = worker.get("/auth/account").get_data(as_text=True)
    assert "Set up two-factor sign-in" in account
    secret = enrolment_secret(worker)

    page = worker.post("/auth/two-factor/enrol", data={"code": pyotp.TOTP(secret).now()})

    assert len(recovery_codes(page.get_data(as_text=True))) == 10
    assert worker.get("/auth/account").status_code == 200  # this session goes on
    assert events("auth.login") and len(events("auth.login")) == 1  # no second sign-in
    _, response = password_step(app, worker.user)
    assert response.headers["Location"] == "/auth/two-factor"


def test_a_caseworker_turns_two_factor_off_with_the_password(app, make_user):
    user = make_user("caseworker")
    enrol(user)
    client = app.test_client()
    sign_in(client, user)

    wrong = client.post("/auth/two-factor/disable", data={"password": "not-the-password"})
    assert reload(user).has_two_factor
    right = client.post("/auth/two-factor/disable", data={"password": factories.PASSWORD})

    assert wrong.status_code == right.status_code == 302
    assert not reload(user).has_two_factor
    assert db.session.scalars(select(RecoveryCode)).all() == []
    assert len(events("auth.two_factor_disable")) == 1
    assert "Off." in client.get("/auth/account").get_data(as_text=True)


def test_a_supervisor_cannot_turn_two_factor_off(login_as):
    supervisor = login_as("supervisor")

    page = supervisor.get("/auth/account").get_data(as_text=True)
    response = supervisor.post("/auth/two-factor/disable", data={"password": factories.PASSWORD})

    assert "Turn two-factor off" not in page
    assert response.status_code == 302
    assert reload(supervisor.user).has_two_factor
    assert events("auth.two_factor_disable") == []


def test_new_recovery_codes_replace_the_old_ones(login_as, app):
    supervisor = login_as("supervisor")
    old_hashes = set(db.session.scalars(select(RecoveryCode.code_hash)))

    page = supervisor.post("/auth/two-factor/recovery-codes")

    codes = recovery_codes(page.get_data(as_text=True))
    assert page.status_code == 200 and len(codes) == 10
    assert page.headers["Cache-Control"] == "no-store"
    new_hashes = set(db.session.scalars(select(RecoveryCode.code_hash)))
    assert len(new_hashes) == 10 and not new_hashes & old_hashes
    assert len(events("auth.recovery_codes_regenerate")) == 1


# --- an admin resets someone's two-factor ----------------------------------------------


def test_an_admin_resets_two_factor_and_the_user_enrols_again(app, login_as, make_user):
    user = make_user("supervisor")
    enrol(user)
    signed_in = app.test_client()
    sign_in(signed_in, user)
    admin = login_as("admin")
    assert "Two-factor sign-in: on." in admin.get(f"/admin/users/{user.id}").get_data(as_text=True)

    response = admin.post(f"/admin/users/{user.id}/two-factor/reset")

    assert response.status_code == 302
    assert not reload(user).has_two_factor
    assert signed_in.get("/").status_code == 302  # the reset ended the user's sessions
    _, again = password_step(app, user)
    assert again.headers["Location"] == "/auth/two-factor/enrol"
    [reset] = events("user.two_factor_reset")
    assert reset.object_id == str(user.id) and reset.user_id == admin.user.id


@pytest.mark.parametrize("role", ["supervisor", "caseworker"])
def test_only_admins_reset_two_factor(login_as, make_user, role):
    user = make_user("supervisor")
    enrol(user)
    other = login_as(role)

    assert other.post(f"/admin/users/{user.id}/two-factor/reset").status_code == 403
    assert reload(user).has_two_factor


# --- the stored secret -----------------------------------------------------------------


def test_the_secret_is_stored_encrypted_and_an_edited_value_is_refused(make_user):
    user = make_user()
    secret = enrol(user)
    stored = reload(user).totp_secret

    assert secret not in stored and two_factor.unseal(stored) == secret
    tampered = stored[:-3] + ("A" if stored[-3] != "A" else "B") + stored[-2:]
    assert two_factor.unseal(tampered) is None
    assert two_factor.unseal("v1.garbage") is None
    assert two_factor.unseal(None) is None


def test_a_secret_sealed_under_another_key_is_unreadable(app, make_user):
    user = make_user()
    enrol(user)
    stored = reload(user).totp_secret
    key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-key"
    try:
        assert two_factor.unseal(stored) is None
    finally:
        app.config["SECRET_KEY"] = key


# --- the operator command --------------------------------------------------------------


def test_the_command_enrols_a_user_and_prints_the_secret_last(app, make_user):
    user = make_user("supervisor")

    result = CliRunner().invoke(app.cli, ["users", "two-factor", user.username.upper()])

    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    secret = lines[-1]
    assert lines[-2].startswith("otpauth://totp/Casework:") and f"secret={secret}" in lines[-2]
    assert two_factor.unseal(reload(user).totp_secret) == secret
    [event] = events("auth.two_factor_enrol")
    assert event.username == "cli" and event.object_id == str(user.id)
    client, _ = password_step(app, user)
    assert (
        client.post("/auth/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    )
    assert client.get("/").status_code == 200


def test_the_command_again_replaces_the_secret(app, make_user):
    user = make_user("supervisor")
    runner = CliRunner()
    first = runner.invoke(app.cli, ["users", "two-factor", user.username]).output.split()[-1]

    second = runner.invoke(app.cli, ["users", "two-factor", user.username]).output.split()[-1]

    assert first != second and two_factor.unseal(reload(user).totp_secret) == second


def test_the_command_refuses_an_unknown_user(app):
    result = CliRunner().invoke(app.cli, ["users", "two-factor", "nobody"])

    assert result.exit_code == 1 and "No active user" in result.output


def test_demo_admins_and_supervisors_enrol_at_their_first_sign_in(app):
    from casework import demo
    from casework.cli import demo_command

    result = app.test_cli_runner().invoke(demo_command, [])
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor.ktm"))
    client = app.test_client()
    response = client.post(
        "/auth/login", data={"username": "supervisor.ktm", "password": demo.DEMO_PASSWORD}
    )

    assert "two-factor" in result.output
    assert not supervisor.has_two_factor and not supervisor.must_change_password
    assert response.headers["Location"] == "/auth/two-factor/enrol"


def test_a_half_signed_in_session_can_sign_out(app, make_user):
    user = make_user("supervisor")
    enrol(user)
    client, _ = password_step(app, user)

    response = client.post("/auth/logout")

    assert response.headers["Location"] == "/auth/login"
    assert client.get("/auth/two-factor").headers["Location"].startswith("/auth/login")
