"""Failed sign-ins counted in the database, per account and per address.

The counters live in the `sign_in_throttles` table, not in a worker's memory, so every
gunicorn worker and every server behind the proxy counts the same failures. Each change is
made with the audit chain held (`audit.lock_chain`: an advisory lock on PostgreSQL, the
write lock on SQLite), which serialises concurrent failures: none is lost and a counter
row is never inserted twice. The rules themselves are in casework.domain.lockout.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, or_, select

from casework import audit
from casework.auth.permissions import Permission, require
from casework.domain import lockout
from casework.extensions import db
from casework.models import SignInThrottle, User, utcnow
from casework.services import settings

ACCOUNT = "account"
ADDRESS = "address"
_KEY_LENGTH = 128


@dataclass
class Failure:
    """What one failure did: the highest count it reached, and whether it locked."""

    failures: int
    locked: bool


def _keys(username: str, address: str) -> list[tuple[str, str]]:
    keys = [(ACCOUNT, (username or "").strip().lower()[:_KEY_LENGTH])]
    if address:
        keys.append((ADDRESS, address[:_KEY_LENGTH]))
    return keys


def _row(scope: str, key: str) -> SignInThrottle | None:
    return db.session.scalar(
        select(SignInThrottle).where(SignInThrottle.scope == scope, SignInThrottle.key == key)
    )


def is_locked(username: str, address: str) -> bool:
    """Whether the account or the address is locked now."""
    now = utcnow()
    return any(
        (row := _row(scope, key)) is not None and lockout.is_locked(row.locked_until, now)
        for scope, key in _keys(username, address)
    )


def record_failure(username: str, address: str, user: User | None) -> Failure:
    """Count a failed password or code for the account and the address; lock at the limit.

    Each lock is audited (the failure itself is audited by the caller, with its reason).
    """
    audit.lock_chain()
    policy = settings.lockout_policy()
    now = utcnow()
    _forget_stale(now, policy)
    highest, locked = 0, False
    for scope, key in _keys(username, address):
        row = _row(scope, key) or _new_row(scope, key)
        expired_lock = row.locked_until is not None and not lockout.is_locked(row.locked_until, now)
        if expired_lock or lockout.window_expired(row.window_started_at, now, policy):
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        highest = max(highest, row.failures)
        if row.locked_until is None and lockout.reaches_limit(row.failures, policy):
            row.locked_until = now + policy.window
            locked = True
            _audit_lock(scope, key, user, row)
    db.session.flush()
    return Failure(failures=highest, locked=locked)


def _forget_stale(now, policy: lockout.Policy) -> None:
    """Delete counters whose window and lock are over, so that guessed usernames do not
    pile up in the table (it holds only the last window's failures)."""
    cutoff = now - policy.window
    db.session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.window_started_at < cutoff,
            or_(SignInThrottle.locked_until.is_(None), SignInThrottle.locked_until <= now),
        )
    )


def _new_row(scope: str, key: str) -> SignInThrottle:
    row = SignInThrottle(scope=scope, key=key, failures=0, window_started_at=utcnow())
    db.session.add(row)
    return row


def _audit_lock(scope: str, key: str, user: User | None, row: SignInThrottle) -> None:
    target = {"object_type": "user", "object_id": user.id} if user and scope == ACCOUNT else {}
    audit.record(
        "auth.locked",
        changes={"scope": scope, "key": key, "failures": row.failures, "until": row.locked_until},
        username=key[:64] if scope == ACCOUNT else "",
        **target,
    )


def clear_account(username: str) -> None:
    """A successful sign-in forgets the account's failures (not the address's: one good
    password from an address must not reset the count of guesses made from it)."""
    db.session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.scope == ACCOUNT, SignInThrottle.key == username.strip().lower()
        )
    )


def account_lock(user: User) -> SignInThrottle | None:
    """The account's counter row while it is locked, for its admin page."""
    row = _row(ACCOUNT, user.username)
    return row if row is not None and lockout.is_locked(row.locked_until, utcnow()) else None


def unlock_account(actor: User, user: User) -> bool:
    """An admin lifts the account's lock (and forgets its failures); audited."""
    require(actor, Permission.USER_MANAGE)
    row = _row(ACCOUNT, user.username)
    if row is None:
        return False
    was_locked = lockout.is_locked(row.locked_until, utcnow())
    db.session.delete(row)
    db.session.flush()
    audit.record(
        "auth.unlock",
        object_type="user",
        object_id=user.id,
        changes={"was_locked": was_locked, "failures": row.failures},
        actor=actor,
    )
    return True
