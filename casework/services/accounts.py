"""Staff accounts: sign-in, user management by admins, API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from casework import audit
from casework.auth.permissions import Permission, Role, require
from casework.errors import NotFound, StaleVersion, ValidationError
from casework.extensions import db
from casework.models import ApiToken, Office, User, get_by_id, utcnow

MIN_PASSWORD_LENGTH = 12
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{2,63}$")
_hasher = PasswordHasher()  # Argon2id with the library's (OWASP-aligned) parameters
# Verified against when the username does not exist, so a wrong username takes as long
# as a wrong password and timing does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_errors(password: str) -> list[str]:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return [_("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]
    if len(password) > 256:
        return [_("At most 256 characters.")]
    return []


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Both outcomes are audited."""
    username = (username or "").strip().lower()
    user = db.session.scalar(select(User).where(User.username == username))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
        valid = user is not None and user.active
    except (VerificationError, InvalidHashError):
        valid = False
    if not valid:
        audit.record("auth.login_failed", object_type="user", username=username[:64])
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    audit.record("auth.login", object_type="user", object_id=user.id, actor=user)
    return user


def record_logout(user: User) -> None:
    """Sign-out ends every session of the user, including any copy of the cookie."""
    user.end_sessions()
    audit.record("auth.logout", object_type="user", object_id=user.id, actor=user)


@dataclass
class UserInput:
    username: str
    role: str
    office_code: str
    full_name: str = ""
    password: str = ""


def _check_role_and_office(role: str, office_code: str, errors: dict) -> None:
    if role not in set(Role):
        errors.setdefault("role", []).append(_("Choose a role from the list."))
    if not db.session.get(Office, office_code or ""):
        errors.setdefault("office_code", []).append(_("Choose an office from the list."))


def create_user(actor: User | None, data: UserInput) -> User:
    """Create an account. `actor` None means the command line (trusted operator)."""
    if actor is not None:
        require(actor, Permission.USER_MANAGE)
    username = (data.username or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if not _USERNAME.match(username):
        errors["username"] = [
            _("3 to 64 characters: lower-case letters, digits, dot, dash or underscore.")
        ]
    elif db.session.scalar(select(func.count()).where(User.username == username)):
        errors["username"] = [_("This username is taken.")]
    _check_role_and_office(data.role, data.office_code, errors)
    if len(data.full_name or "") > 120:
        errors["full_name"] = [_("At most %(n)d characters.", n=120)]
    if problems := _password_errors(data.password):
        errors["password"] = problems
    if errors:
        raise ValidationError(fields=errors)
    user = User(
        username=username,
        full_name=(data.full_name or "").strip(),
        role=data.role,
        office_code=data.office_code,
        password_hash=hash_password(data.password),
        active=True,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        object_type="user",
        object_id=user.id,
        changes={"username": username, "role": user.role, "office": user.office_code},
        actor=actor,
        username=None if actor else "cli",
    )
    return user


def list_users(actor: User) -> list[User]:
    require(actor, Permission.USER_MANAGE)
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.username)))


def get_user(actor: User, user_id: int) -> User:
    require(actor, Permission.USER_MANAGE)
    user = get_by_id(User, user_id)
    if user is None:
        raise NotFound()
    return user


def update_user(actor: User, user: User, changes: dict, version: int) -> User:
    """Change role, office, name or active flag of an account."""
    require(actor, Permission.USER_MANAGE)
    if version != user.version:
        raise StaleVersion()
    errors: dict[str, list[str]] = {}
    merged = {
        "full_name": user.full_name,
        "role": user.role,
        "office_code": user.office_code,
        "active": user.active,
    }
    merged.update({k: v for k, v in changes.items() if k in merged})
    _check_role_and_office(merged["role"], merged["office_code"], errors)
    if len(merged["full_name"] or "") > 120:
        errors["full_name"] = [_("At most %(n)d characters.", n=120)]
    if user.id == actor.id and (not merged["active"] or merged["role"] != user.role):
        errors["active"] = [_("You cannot deactivate yourself or change your own role.")]
    if errors:
        raise ValidationError(fields=errors)
    before = {k: getattr(user, k) for k in merged}
    for key, value in merged.items():
        setattr(user, key, value)
    if before != merged:
        user.version += 1
    if any(before[k] != merged[k] for k in ("role", "office_code", "active")):
        user.end_sessions()  # new access takes effect at once: sign in again
    db.session.flush()
    audit.record(
        "user.update",
        object_type="user",
        object_id=user.id,
        changes=audit.diff(before, merged),
        actor=actor,
    )
    return user


def reset_password(actor: User, user: User, new_password: str) -> None:
    require(actor, Permission.USER_MANAGE)
    if problems := _password_errors(new_password):
        raise ValidationError(fields={"password": problems})
    user.password_hash = hash_password(new_password)
    user.end_sessions()
    db.session.flush()
    # The password itself is never written to the log.
    audit.record("user.password_reset", object_type="user", object_id=user.id, actor=actor)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(actor: User | None, user: User, name: str = "") -> str:
    """A new bearer token for `user`; only its hash is kept, so it is shown once."""
    if actor is not None:
        require(actor, Permission.OWN_TOKENS)
        if actor.id != user.id:
            require(actor, Permission.USER_MANAGE)
    if len(name or "") > 80:
        raise ValidationError(fields={"name": [_("At most %(n)d characters.", n=80)]})
    token = "cw_" + secrets.token_urlsafe(32)
    record = ApiToken(
        user_id=user.id,
        name=(name or "").strip(),
        token_hash=_token_digest(token),
        prefix=token[:10],
        expires_at=utcnow() + current_app.config["API_TOKEN_LIFETIME"],
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        "token.create",
        object_type="api_token",
        object_id=record.id,
        changes={"user": user.username, "name": record.name},
        actor=actor or user,
        username=None if actor else "cli",
    )
    return token


def tokens_of(actor: User, user: User) -> list[ApiToken]:
    """A user's tokens, newest first: their own, or anyone's for an admin."""
    if actor.id != user.id:
        require(actor, Permission.USER_MANAGE)
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(actor: User, token_id: int, owner: User | None = None) -> ApiToken:
    """Revoke one of the actor's tokens (or, for admins, `owner`'s); at once and for good."""
    owner = owner or actor
    if owner.id != actor.id:
        require(actor, Permission.USER_MANAGE)
    token = get_by_id(ApiToken, token_id)
    if token is None or token.user_id != owner.id:
        raise NotFound()
    if token.revoked_at is not None:
        return token
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record("token.revoke", object_type="api_token", object_id=token.id, actor=actor)
    return token


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, if it is valid; records its use."""
    if not token:
        return None
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    now = utcnow()
    if record is None or not record.is_usable(now) or not record.user.active:
        return None
    if record.last_used_at is None or now - record.last_used_at > _TOKEN_TOUCH_INTERVAL:
        record.last_used_at = now  # committed with the request; at most once a minute
    return record.user


def token_lifetime_days() -> int:
    return current_app.config["API_TOKEN_LIFETIME"].days
