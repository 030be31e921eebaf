"""Sessions for pages, bearer tokens for the API, and deny-by-default.

Every endpoint needs a signed-in user except those in PUBLIC_ENDPOINTS. The API never
looks at the session cookie: it authenticates by `Authorization: Bearer TOKEN` only, so a
page's cookie cannot be used to call it (and it needs no CSRF token).
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from casework.extensions import db, login_manager
from casework.models import User, get_by_id

PUBLIC_ENDPOINTS = {"auth.login", "main.healthz", "static", "bootstrap.static"}


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.session_protection = "strong"
    app.before_request(_authenticate)


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


def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if is_api_request():
        return _authenticate_bearer()
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _authenticate_bearer():
    from casework.errors import error_response
    from casework.services.accounts import user_for_token

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        db.session.rollback()
        return error_response(
            401,
            "unauthorized",
            str(_l("A valid API token is required (Authorization: Bearer …).")),
            headers={"WWW-Authenticate": 'Bearer realm="casework"'},
        )
    # Recording the token's last use is bookkeeping of the sign-in, not of the request's
    # work: it is committed here so a failing request does not lose it.
    db.session.commit()
    # Flask-Login reads the request's user from g._login_user; setting it here makes
    # current_user the token's owner for this request without touching the session.
    g._login_user = user
    return None
