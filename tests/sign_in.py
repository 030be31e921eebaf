"""Signing a test client in as a user would: password, then the second step if any."""

from __future__ import annotations

import pyotp

from casework.extensions import db
from casework.services import two_factor
from tests import factories


def totp_code(user, secret: str | None = None) -> str:
    """A code the server will take now: the current step's, or the next one's if the
    current step was used already (a second sign-in within the same 30 seconds)."""
    db.session.refresh(user)
    secret = secret or two_factor.unseal(user.totp_secret)
    step = two_factor.current_step()
    if user.totp_last_step is not None and user.totp_last_step >= step:
        step = user.totp_last_step + 1
    return pyotp.TOTP(secret).generate_otp(step)


def enrol(user) -> str:
    """Enrol the user in two-factor through the service (as the operator command does)."""
    secret = two_factor.enrol_now(user)
    db.session.commit()
    return secret


def sign_in(client, user, password: str = factories.PASSWORD):
    """Post the password and, for an enrolled user, a code: the last response."""
    response = client.post("/auth/login", data={"username": user.username, "password": password})
    if response.status_code == 302 and response.headers["Location"].endswith("/auth/two-factor"):
        response = client.post("/auth/two-factor", data={"code": totp_code(user)})
    return response
