"""Signed-in sessions: rotation at sign-in, idle and absolute timeouts, cookie flags.

Time passing is simulated by moving the clocks the signed session carries (what a browser
would send back after that long), never by waiting.
"""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, select

from casework.domain import sessions as rules
from casework.errors import PermissionDenied, ValidationError
from casework.extensions import db
from casework.models import AuditEvent
from casework.services import settings
from config import Config, ProductionConfig
from tests import factories

IDLE_MESSAGE = "You were signed out after 30 minutes without activity."
ABSOLUTE_MESSAGE = "Sessions last at most 12 hours."


def sign_in(client, user, next_url: str | None = None):
    url = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": user.username, "password": factories.PASSWORD})


def move_clocks(client, *, signed_in_ago: float = 0, seen_ago: float = 0) -> None:
    """Make the session look as if it signed in and was last used that many seconds ago."""
    now = int(time.time())
    with client.session_transaction() as session:
        session["signed_in_at"] = now - int(signed_in_ago)
        session["seen_at"] = now - int(seen_ago)


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


# --- sign-in starts a new session ---------------------------------------------------------


def test_sign_in_clears_what_the_session_held_before(client, make_user):
    user = make_user("caseworker")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["csrf_token"] = "fixed-in-advance"
        session["lang"] = "ne"
    assert sign_in(client, user).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != "fixed-in-advance"
        assert session["lang"] == "ne"  # the language chosen before signing in is kept
        assert session["_user_id"] == user.get_id()
        assert session["signed_in_at"] == session["seen_at"]
        assert abs(session["signed_in_at"] - time.time()) < 3600


def test_sign_in_sets_no_remember_me_cookie_and_a_strict_session_cookie(client, make_user):
    response = sign_in(client, make_user("caseworker"))
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(c.startswith("remember_token") for c in cookies)
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie  # plain HTTP outside production


def test_the_session_cookie_is_secure_in_production(app, client, make_user):
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        response = sign_in(client, make_user("caseworker"))
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if "session=" in c)
    assert "Secure" in session_cookie


def test_the_cookie_lifetime_is_the_default_absolute_timeout():
    lifetime = Config.PERMANENT_SESSION_LIFETIME
    assert lifetime == timedelta(hours=rules.DEFAULT_ABSOLUTE_HOURS)
    assert lifetime >= timedelta(hours=rules.ABSOLUTE_HOURS_RANGE[1])  # no setting outlives it


# --- idle and absolute timeouts -------------------------------------------------------


def test_a_session_idle_for_more_than_30_minutes_ends(login_as):
    worker = login_as("caseworker")
    move_clocks(worker, signed_in_ago=3600, seen_ago=31 * 60)
    response = worker.get("/cases/?status=assessment")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/auth/login"
    assert parse_qs(target.query)["next"] == ["/cases/?status=assessment"]
    page = worker.get(response.headers["Location"]).get_data(as_text=True)
    assert IDLE_MESSAGE in page
    assert not signed_in(worker)


def test_signing_in_again_returns_to_the_page_asked_for(login_as):
    worker = login_as("caseworker")
    move_clocks(worker, seen_ago=31 * 60)
    location = worker.get("/cases/?status=assessment").headers["Location"]
    next_url = parse_qs(urlsplit(location).query)["next"][0]
    response = sign_in(worker, worker.user, next_url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/cases/?status=assessment")
    assert worker.get("/cases/?status=assessment").status_code == 200


def test_a_session_used_within_30_minutes_stays_and_its_idle_clock_restarts(login_as):
    worker = login_as("caseworker")
    move_clocks(worker, signed_in_ago=3600, seen_ago=29 * 60)
    assert worker.get("/cases/").status_code == 200
    with worker.session_transaction() as session:
        assert time.time() - session["seen_at"] < 60
        assert time.time() - session["signed_in_at"] >= 3600  # sign-in time unchanged


def test_a_session_ends_12_hours_after_sign_in_even_when_active(login_as):
    worker = login_as("caseworker")
    move_clocks(worker, signed_in_ago=12 * 3600 + 5, seen_ago=10)
    response = worker.get("/work/")
    assert response.status_code == 302
    assert ABSOLUTE_MESSAGE in worker.get(response.headers["Location"]).get_data(as_text=True)
    assert not signed_in(worker)


def test_a_session_just_under_12_hours_old_stays(login_as):
    worker = login_as("caseworker")
    move_clocks(worker, signed_in_ago=12 * 3600 - 60, seen_ago=10)
    assert worker.get("/work/").status_code == 200


def test_a_session_without_its_clocks_counts_as_expired(login_as):
    worker = login_as("caseworker")
    with worker.session_transaction() as session:
        del session["signed_in_at"]
    assert worker.get("/work/").status_code == 302
    assert not signed_in(worker)


def test_a_form_sent_after_the_timeout_returns_to_the_page_it_came_from(login_as):
    worker = login_as("caseworker")
    move_clocks(worker, seen_ago=31 * 60)
    response = worker.post(
        "/auth/account",
        data={"name": "laptop"},
        headers={"Referer": "http://localhost/auth/account"},
    )
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == ["/auth/account"]


def test_a_foreign_referrer_is_not_where_a_timed_out_form_returns(login_as):
    worker = login_as("caseworker")
    move_clocks(worker, seen_ago=31 * 60)
    response = worker.post(
        "/auth/account", data={"name": "x"}, headers={"Referer": "https://evil.example/phish"}
    )
    assert "next" not in parse_qs(urlsplit(response.headers["Location"]).query)


def test_a_page_request_writes_nothing_to_the_database(app, login_as):
    worker = login_as("caseworker")
    writes: list[str] = []

    def note(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert worker.get("/work/").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert writes == []


# --- the timeouts are admin settings ----------------------------------------------------


def settings_form(**changes) -> dict:
    form = {
        "weight_economic": "1",
        "weight_social": "1",
        "weight_psychosocial": "1",
        "threshold": "0.6",
        "referral_response_days": "14",
        "suppression_threshold": "5",
        "session_idle_minutes": "30",
        "session_absolute_hours": "12",
    }
    form.update(changes)
    return form


def test_an_admin_shortens_the_idle_timeout_and_open_sessions_follow(login_as):
    admin, worker = login_as("admin"), login_as("caseworker")
    page = admin.get("/admin/settings").get_data(as_text=True)
    assert 'name="session_idle_minutes"' in page and 'value="30"' in page
    response = admin.post("/admin/settings", data=settings_form(session_idle_minutes="10"))
    assert response.status_code == 302
    assert settings.session_timeouts() == rules.SessionTimeouts(10, 12)
    event_ = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_id == settings.SESSION_TIMEOUTS_KEY)
    ).one()
    assert event_.action == "settings.update"
    assert event_.changes == {"idle_minutes": [30, 10]}
    move_clocks(worker, seen_ago=11 * 60)
    assert worker.get("/work/").status_code == 302


def test_an_admin_shortens_the_absolute_timeout(login_as):
    admin, worker = login_as("admin"), login_as("caseworker")
    response = admin.post("/admin/settings", data=settings_form(session_absolute_hours="2"))
    assert response.status_code == 302
    move_clocks(worker, signed_in_ago=2 * 3600 + 10, seen_ago=5)
    response = worker.get("/work/")
    assert "Sessions last at most 2 hours." in worker.get(response.headers["Location"]).get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"session_idle_minutes": "4"}, "session_idle_minutes", "from 5 to 120"),
        ({"session_idle_minutes": "121"}, "session_idle_minutes", "from 5 to 120"),
        ({"session_absolute_hours": "13"}, "session_absolute_hours", "from 1 to 12"),
        ({"session_absolute_hours": "0"}, "session_absolute_hours", "from 1 to 12"),
        (
            {"session_idle_minutes": "120", "session_absolute_hours": "1"},
            "session_idle_minutes",
            "cannot be longer than the absolute timeout",
        ),
        ({"session_idle_minutes": "soon"}, "session_idle_minutes", "integer"),
    ],
)
def test_timeouts_out_of_bounds_are_refused_on_the_form(login_as, changes, field, message):
    admin = login_as("admin")
    response = admin.post("/admin/settings", data=settings_form(**changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}"' in page and message in page
    assert settings.session_timeouts() == rules.SessionTimeouts()


def test_timeouts_left_empty_on_the_form_keep_their_values(login_as):
    admin = login_as("admin")
    settings.update_session_timeouts(admin.user, 20, 8)
    db.session.commit()
    data = settings_form(session_idle_minutes="", session_absolute_hours="")
    assert admin.post("/admin/settings", data=data).status_code == 302
    assert settings.session_timeouts() == rules.SessionTimeouts(20, 8)


def test_only_admins_change_the_timeouts(make_user):
    with pytest.raises(PermissionDenied):
        settings.update_session_timeouts(make_user("supervisor"), 10, 8)


def test_the_service_refuses_what_is_not_a_whole_number(make_user):
    admin = make_user("admin")
    for idle, absolute in [(10.5, 8), ("10", 8), (True, 8), (10, None)]:
        with pytest.raises(ValidationError):
            settings.update_session_timeouts(admin, idle, absolute)


def test_saving_the_same_timeouts_writes_no_audit_event(make_user):
    admin = make_user("admin")
    settings.update_session_timeouts(admin, 30, 12)
    db.session.commit()
    stmt = select(AuditEvent).where(AuditEvent.object_id == settings.SESSION_TIMEOUTS_KEY)
    assert db.session.scalars(stmt).all() == []


# --- the rule itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signed_in_ago", "seen_ago", "expected"),
    [
        (0, 0, None),
        (3600, 30 * 60, None),
        (3600, 30 * 60 + 1, rules.IDLE),
        (12 * 3600, 0, None),
        (12 * 3600 + 1, 0, rules.ABSOLUTE),
        (12 * 3600 + 1, 31 * 60, rules.ABSOLUTE),
    ],
)
def test_timed_out(signed_in_ago, seen_ago, expected):
    now = 2_000_000_000
    timeouts = rules.SessionTimeouts()
    assert rules.timed_out(now, now - signed_in_ago, now - seen_ago, timeouts) == expected


@pytest.mark.parametrize("missing", [(None, 1), (1, None), ("1", 1)])
def test_a_session_missing_a_clock_is_timed_out(missing):
    assert rules.timed_out(10, *missing, rules.SessionTimeouts()) == rules.ABSOLUTE


def test_check_timeouts_accepts_the_bounds():
    assert rules.check_timeouts(5, 1) == {}
    assert rules.check_timeouts(60, 1) == {}
    assert rules.check_timeouts(120, 12) == {}
    assert set(rules.check_timeouts(61, 1)) == {"session_idle_minutes"}
