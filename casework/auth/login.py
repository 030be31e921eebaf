"""Sessions for pages, bearer tokens for the API, and deny-by-default.

Every endpoint needs a signed-in user except those in PUBLIC_ENDPOINTS. The API never
looks at the session cookie: it authenticates by `Authorization: Bearer TOKEN` only, so a
page's cookie cannot be used to call it (and it needs no CSRF token).

Sessions (pages): the signed cookie holds the time of sign-in and of the last page request;
each page request checks them against the idle and absolute timeouts (admin settings,
casework.domain.sessions) without writing to the database. A session that timed out is
ended and the person is sent to sign in again, then back to the page they asked for.
Signing in starts a new session: nothing put in the cookie before it survives but the
chosen language (no session fixation, no stale CSRF token). The remember-me cookie is
never issued: closing the browser or a timeout always means signing in again.

API: each request is handled in three steps, registered in this order: identify the token,
count the call against the rate limits (casework.auth.rate_limits, by Flask-Limiter),
then refuse the call if the token was not valid. Counting before refusing is what lets
the limit slow down anyone trying tokens.
"""

from __future__ import annotations

import hashlib
import time
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user, user_logged_in

from casework.domain import sessions
from casework.extensions import db, limiter, login_manager
from casework.models import User, get_by_id

PUBLIC_ENDPOINTS = {"auth.login", "main.healthz", "static", "bootstrap.static"}
# What a new session keeps of the one before sign-in: Flask-Login's own keys (set by
# login_user just before it signals) and the interface language the person chose.
_KEPT_AT_SIGN_IN = ("_user_id", "_fresh", "_id", "lang")
SIGNED_IN_AT, SEEN_AT = "signed_in_at", "seen_at"
# Set when a session ends: its language stays, so the sign-in page that follows speaks it,
# but it was not chosen there, so the next sign-in starts from the profile's language. A
# switch (?lang=) on the sign-in page clears the mark: that choice then lasts the session.
LANGUAGE_CARRIED_OVER = "lang_carried_over"


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.session_protection = "strong"
    user_logged_in.connect(_start_session, app)
    app.before_request(_identify_api_caller)
    limiter.init_app(app)  # its check runs between the two hooks (see the docstring)
    app.before_request(_authenticate)
    app.before_request(_note_language_switch)


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The session's user, unless their sessions were ended since (see User.get_id)."""
    user_id, _, epoch = session_id.partition(".")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None
    user = get_by_id(User, int(user_id))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    return user


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _start_session(sender, user, **extra) -> None:
    """Rotate the session at sign-in and start its clocks."""
    kept = {key: session[key] for key in _KEPT_AT_SIGN_IN if key in session}
    if session.get(LANGUAGE_CARRIED_OVER):
        kept.pop("lang", None)  # not chosen on the sign-in page: the profile's applies
    session.clear()
    session.update(kept)
    session[SIGNED_IN_AT] = session[SEEN_AT] = int(time.time())


def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if is_api_request():
        return _refuse_unknown_caller()
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return _check_session_clocks()


def _check_session_clocks():
    """End a session past its idle or absolute timeout; otherwise note this activity."""
    from casework.services.settings import session_timeouts

    now = int(time.time())
    timeouts = session_timeouts()
    ended = sessions.timed_out(now, session.get(SIGNED_IN_AT), session.get(SEEN_AT), timeouts)
    if ended is None:
        session[SEEN_AT] = now
        return None
    if ended == sessions.IDLE:
        message = _(
            "You were signed out after %(n)d minutes without activity. Sign in again to "
            "continue where you were.",
            n=timeouts.idle_minutes,
        )
    else:
        message = _(
            "Sessions last at most %(n)d hours. Sign in again to continue where you were.",
            n=timeouts.absolute_hours,
        )
    return _end_session(message)


def shown_language() -> str:
    return str(get_locale() or "en")


def carry_language_over(language: str) -> None:
    """At the end of a session (after logout_user): the sign-in page that follows speaks
    the language the person was using (see LANGUAGE_CARRIED_OVER)."""
    session["lang"] = language
    session[LANGUAGE_CARRIED_OVER] = True


def _note_language_switch() -> None:
    if request.args.get("lang") in current_app.config["LANGUAGES"]:
        session.pop(LANGUAGE_CARRIED_OVER, None)


def _end_session(message: str):
    language = shown_language()
    logout_user()
    session.clear()
    carry_language_over(language)
    flash(message, "warning")
    return redirect(url_for("auth.login", next=_where_they_were()))


def _where_they_were() -> str | None:
    """The page to come back to: this one, or for a form sent, the page it was on."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/"):
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def _identify_api_caller() -> None:
    """Find the bearer token's user, for the rate limits and for _refuse_unknown_caller."""
    if not is_api_request() or request.endpoint in PUBLIC_ENDPOINTS:
        return
    from casework.services.accounts import user_for_token

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    user = user_for_token(token) if scheme.lower() == "bearer" else None
    if user is None:
        db.session.rollback()
        return
    # Recording the token's last use is bookkeeping of the sign-in, not of the request's
    # work: it is committed here so a failing request does not lose it. It changes at most
    # once a minute; the other calls have nothing to commit (a commit would also expire the
    # user, loaded again at the first look).
    if db.session.dirty:
        db.session.commit()
    # Flask-Login reads the request's user from g._login_user; setting it here makes
    # current_user the token's owner for this request without touching the session.
    g._login_user = user
    g.api_token_key = hashlib.sha256(token.encode()).hexdigest()[:32]


def _refuse_unknown_caller():
    from casework.errors import error_response

    if g.get("api_token_key"):
        return None
    return error_response(
        401,
        "unauthorized",
        str(_l("A valid API token is required (Authorization: Bearer …).")),
        headers={"WWW-Authenticate": 'Bearer realm="casework"'},
    )
