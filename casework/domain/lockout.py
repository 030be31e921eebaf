"""Throttling and lockout of sign-in attempts: the pure rules.

Failures are counted per account (the username typed, whether it exists or not, so that
locking reveals nothing) and per address. A count starts with its first failure and lasts
for the lock duration (the window); when it reaches the limit the account or address is
locked for that duration. Before that, every failure after the first slows the answer a
little more (SLOWDOWN_STEP_SECONDS each, at most SLOWDOWN_MAX_SECONDS), so that guessing
is slow even below the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_MAX_FAILURES = 5
DEFAULT_LOCK_MINUTES = 15
MAX_FAILURES_RANGE = (3, 50)
LOCK_MINUTES_RANGE = (1, 24 * 60)
SLOWDOWN_STEP_SECONDS = 0.5
SLOWDOWN_MAX_SECONDS = 2.0


@dataclass(frozen=True)
class Policy:
    max_failures: int = DEFAULT_MAX_FAILURES
    lock_minutes: int = DEFAULT_LOCK_MINUTES

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.lock_minutes)


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


def window_expired(window_started_at: datetime, now: datetime, policy: Policy) -> bool:
    return now - window_started_at >= policy.window


def reaches_limit(failures: int, policy: Policy) -> bool:
    return failures >= policy.max_failures


def slowdown_seconds(failures: int, step: float = SLOWDOWN_STEP_SECONDS) -> float:
    """How long to hold the answer to the `failures`-th failure: none for the first."""
    return min(max(failures - 1, 0) * step, SLOWDOWN_MAX_SECONDS)
