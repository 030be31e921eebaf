"""The benchmark signs supervisors and admins in as a person with an authenticator app.

They must sign in with a second factor: each run enrols them afresh (`flask users
two-factor NAME`, or the service in process) and computes the codes with pyotp. A code
is accepted once, so a second sign-in within the same 30 seconds takes the next step's
code (accepted one step early), waiting if that is still too far ahead.
"""

from __future__ import annotations

import time

import pyotp

STEP_SECONDS = 30
_last_step: dict[str, int] = {}


def code(username: str, secret: str) -> str:
    step = max(int(time.time()) // STEP_SECONDS, _last_step.get(username, -1) + 1)
    while step > int(time.time()) // STEP_SECONDS + 1:
        time.sleep(1)
    _last_step[username] = step
    return pyotp.TOTP(secret).generate_otp(step)
