"""The steps between the password and a fully signed-in session, enforced for every page.

After the password, Flask-Login holds the user, but the session is only half signed in
until each step below is done, in this order:

1. the code from the authenticator app (or a recovery code), if the user has enrolled;
2. enrolment in two-factor, if the user's role requires it (permissions.two_factor_required);
3. a new password, if an admin set the current one (`must_change_password`).

`guard` runs before every request (registered by the auth blueprint for the whole app): a
half-signed-in session reaches only the page of its next step, sign-out and static files;
anything else is redirected there. The API is not concerned: it authenticates by token.
"""

from __future__ import annotations

from flask import redirect, request, session, url_for
from flask_login import current_user

from casework.auth.login import is_api_request
from casework.auth.permissions import two_factor_required
from casework.models import User

SECOND_FACTOR_DONE = "second_factor_done"  # the session key: the id of the user who passed

TWO_FACTOR = "auth.two_factor"
ENROL = "auth.enrol_two_factor"
CHANGE_PASSWORD = "auth.change_password"  # noqa: S105  # nosec B105  # an endpoint name
# What each step's page needs to work, besides the page itself.
STEP_ENDPOINTS = {
    TWO_FACTOR: {TWO_FACTOR},
    ENROL: {ENROL, "auth.two_factor_qr"},
    CHANGE_PASSWORD: {CHANGE_PASSWORD},
}
ALWAYS_OPEN = {"auth.login", "auth.logout", "static", "bootstrap.static", "main.healthz"}


def mark_second_factor_done(user: User) -> None:
    session[SECOND_FACTOR_DONE] = user.id


def forget(user_session=session) -> None:
    """Called at sign-in and sign-out: a new session starts with no step done."""
    user_session.pop(SECOND_FACTOR_DONE, None)


def continue_under_new_epoch(user: User) -> None:
    """After the user's own password change: their other sessions ended with the old epoch
    (User.get_id), this one goes on under the new one. Not login_user: that would start a
    new session, with the steps done and the session's clocks forgotten."""
    session["_user_id"] = user.get_id()  # where Flask-Login keeps the session's user


def next_step(user: User) -> str | None:
    """The endpoint of the user's next sign-in step, or None when fully signed in."""
    if user.has_two_factor and session.get(SECOND_FACTOR_DONE) != user.id:
        return TWO_FACTOR
    if two_factor_required(user) and not user.has_two_factor:
        return ENROL
    if user.must_change_password:
        return CHANGE_PASSWORD
    return None


def is_fully_signed_in(user) -> bool:
    return bool(user and user.is_authenticated) and next_step(user) is None


def guard():
    if is_api_request() or request.endpoint in ALWAYS_OPEN:
        return None
    if not current_user.is_authenticated:
        return None  # casework.auth.login sends anonymous users to the sign-in page
    step = next_step(current_user)
    if step is None or request.endpoint in STEP_ENDPOINTS[step]:
        return None
    return redirect(url_for(step))
