"""Rules of signed-in sessions: when one has lasted too long or been idle too long.

A session carries the time of its sign-in and of its last page request (seconds since
the epoch, in the signed cookie). It ends when it has been idle longer than the idle
timeout or has existed longer than the absolute timeout, whichever comes first. Both are
admin settings (casework.services.settings). The bounds follow OWASP ASVS level 2: at most
30 minutes idle by default, and a new sign-in at least every 12 hours; the absolute
timeout can never exceed PERMANENT_SESSION_LIFETIME, the age after which Flask refuses
the cookie's signature anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

DEFAULT_IDLE_MINUTES = 30
DEFAULT_ABSOLUTE_HOURS = 12
IDLE_MINUTES_RANGE = (5, 120)
ABSOLUTE_HOURS_RANGE = (1, 12)

IDLE = "idle"
ABSOLUTE = "absolute"


@dataclass(frozen=True)
class SessionTimeouts:
    idle_minutes: int = DEFAULT_IDLE_MINUTES
    absolute_hours: int = DEFAULT_ABSOLUTE_HOURS


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_timeouts(idle_minutes, absolute_hours) -> dict[str, list[str]]:
    """Field errors of a pair of timeouts (named as the settings form names them)."""
    errors: dict[str, list[str]] = {}
    low, high = IDLE_MINUTES_RANGE
    if not _whole(idle_minutes) or not low <= idle_minutes <= high:
        errors["session_idle_minutes"] = [
            str(_l("A whole number of minutes from %(low)d to %(high)d.", low=low, high=high))
        ]
    low, high = ABSOLUTE_HOURS_RANGE
    if not _whole(absolute_hours) or not low <= absolute_hours <= high:
        errors["session_absolute_hours"] = [
            str(_l("A whole number of hours from %(low)d to %(high)d.", low=low, high=high))
        ]
    if not errors and idle_minutes > absolute_hours * 60:
        errors["session_idle_minutes"] = [
            str(_l("The idle timeout cannot be longer than the absolute timeout."))
        ]
    return errors


def timed_out(now: float, signed_in_at, seen_at, timeouts: SessionTimeouts) -> str | None:
    """IDLE or ABSOLUTE if the session must end now, else None.

    A session without both times (made before they were recorded, or tampered with,
    though the cookie is signed) counts as past its absolute timeout.
    """
    if not (isinstance(signed_in_at, int | float) and isinstance(seen_at, int | float)):
        return ABSOLUTE
    if now - signed_in_at > timeouts.absolute_hours * 3600:
        return ABSOLUTE
    if now - seen_at > timeouts.idle_minutes * 60:
        return IDLE
    return None
