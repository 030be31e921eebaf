"""Staff accounts: sign-in (password, lockout, second factor), user management by admins,
own password changes, API tokens."""

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
from sqlalchemy.orm import joinedload

from casework import audit
from casework.auth.permissions import Permission, Role, require, two_factor_required
from casework.domain import lockout, passwords
from casework.domain.calendar import CALENDARS, DIGITS
from casework.errors import NotFound, StaleVersion, ValidationError
from casework.extensions import db
from casework.i18n import LANGUAGES
from casework.models import ApiToken, Office, User, get_by_id, utcnow
from casework.services import sign_in_throttle, two_factor

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{2,63}$")
_hasher = PasswordHasher()  # Argon2id with the library's (OWASP-aligned) parameters
# Verified against when the username does not exist, so a wrong username takes as long
# as a wrong password and timing does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_errors(password: str, username: str = "") -> list[str]:
    messages = {
        passwords.TOO_SHORT: _("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
        passwords.TOO_LONG: _("At most %(n)d characters.", n=passwords.MAX_LENGTH),
        passwords.TOO_COMMON: _("This is one of the most common passwords; choose another."),
        passwords.SAME_AS_USERNAME: _("The password must not be the username."),
    }
    return [messages[problem] for problem in passwords.problems(password, username)]


@dataclass
class SignIn:
    """The outcome of the password step: the user (None if refused), what the session
    still needs before the user is fully signed in, and how long to hold a refusal."""

    user: User | None
    delay: float = 0.0


def _password_matches(user: User | None, password: str) -> bool:
    """Always computes one hash, against a dummy for an unknown username (no timing oracle)."""
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return False
    return user is not None


def authenticate(username: str, password: str, address: str = "") -> SignIn:
    """The password step. Refused alike for an unknown username, a wrong password, an
    inactive account and a locked account or address; every refusal is audited (with its
    reason, never the password) and, unless already locked, counted toward the lockout."""
    username = (username or "").strip().lower()[:64]
    user = db.session.scalar(select(User).where(User.username == username))
    matches = _password_matches(user, password)
    locked = sign_in_throttle.is_locked(username, address)
    if matches and user.active and not locked:
        return SignIn(_password_accepted(user, password))
    reason = "locked" if locked else "inactive" if matches else "bad_credentials"
    failure = None if locked else sign_in_throttle.record_failure(username, address, user)
    audit.record(
        "auth.login_failed", object_type="user", changes={"reason": reason}, username=username
    )
    if failure is None or failure.locked:
        return SignIn(None)
    return SignIn(None, lockout.slowdown_seconds(failure.failures, _slowdown_step()))


def _slowdown_step() -> float:
    return current_app.config.get("SIGN_IN_SLOWDOWN_STEP", lockout.SLOWDOWN_STEP_SECONDS)


def _password_accepted(user: User, password: str) -> User:
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    sign_in_throttle.clear_account(user.username)
    if needs_second_factor(user):
        audit.record("auth.password_ok", object_type="user", object_id=user.id, actor=user)
    else:
        record_sign_in(user, "password")
    return user


def needs_second_factor(user: User) -> bool:
    """After the password: a code (enrolled users), or enrolment (roles that require it)."""
    return user.has_two_factor or two_factor_required(user)


def record_sign_in(user: User, method: str) -> None:
    """The user is fully signed in (password, and second factor where there is one)."""
    user.last_login_at = utcnow()
    changes = {} if method == "password" else {"second_factor": method}
    audit.record("auth.login", object_type="user", object_id=user.id, changes=changes, actor=user)


@dataclass
class SecondStep:
    ok: bool
    locked: bool = False


def second_step(user: User, code: str, address: str = "") -> SecondStep:
    """Check the code of a half-signed-in user. A wrong code counts toward the lockout as
    a wrong password does; a locked account or address is refused whatever the code."""
    if sign_in_throttle.is_locked(user.username, address):
        audit.record(
            "auth.two_factor_failed",
            object_type="user",
            object_id=user.id,
            changes={"reason": "locked"},
            actor=user,
        )
        return SecondStep(ok=False, locked=True)
    verified = two_factor.verify(user, code)
    if verified is not None:
        sign_in_throttle.clear_account(user.username)
        record_sign_in(user, verified.method)
        return SecondStep(ok=True)
    failure = sign_in_throttle.record_failure(user.username, address, user)
    audit.record(
        "auth.two_factor_failed",
        object_type="user",
        object_id=user.id,
        changes={"reason": "bad_code"},
        actor=user,
    )
    return SecondStep(ok=False, locked=failure.locked)


def change_own_password(user: User, current: str, new: str) -> None:
    """The user sets a new password (needs the current one). Their other sessions end:
    the caller signs this session in again under the new epoch."""
    errors: dict[str, list[str]] = {}
    if not _password_matches(user, current):
        errors["current_password"] = [_("This is not your current password.")]
    problems = _password_errors(new, user.username)
    if not problems and new == current:
        problems = [_("Choose a password different from the current one.")]
    if problems:
        errors["password"] = problems
    if errors:
        raise ValidationError(fields=errors)
    forced = user.must_change_password
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.end_sessions()
    db.session.flush()
    audit.record(
        "auth.password_change",
        object_type="user",
        object_id=user.id,
        changes={"required": forced},
        actor=user,
    )


@dataclass(frozen=True)
class PreferencesInput:
    language: str
    calendar: str
    digits: str


def _preference_errors(choice: PreferencesInput) -> dict[str, list[str]]:
    allowed = {"language": LANGUAGES, "calendar": CALENDARS, "digits": DIGITS}
    return {
        name: [_("Choose one of the options offered.")]
        for name, options in allowed.items()
        if getattr(choice, name) not in options
    }


def save_own_preferences(user: User, choice: PreferencesInput) -> None:
    """The user chooses the language, calendar and digits the interface uses for them.
    Like a password change, it is the user's own edit: the version (which counts an admin's
    edits) does not move, so an admin's open form on the account does not go stale."""
    if errors := _preference_errors(choice):
        raise ValidationError(fields=errors)
    before = {"language": user.language, "calendar": user.calendar, "digits": user.digits}
    after = {"language": choice.language, "calendar": choice.calendar, "digits": choice.digits}
    if before == after:
        return
    for key, value in after.items():
        setattr(user, key, value)
    db.session.flush()
    audit.record(
        "user.preferences",
        object_type="user",
        object_id=user.id,
        changes=audit.diff(before, after),
        actor=user,
    )


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
    language: str = "en"  # the interface language of the new account (it may change it)


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
    if problems := _password_errors(data.password, username):
        errors["password"] = problems
    if data.language not in LANGUAGES:
        errors["language"] = [_("Choose one of the options offered.")]
    if errors:
        raise ValidationError(fields=errors)
    user = User(
        username=username,
        full_name=(data.full_name or "").strip(),
        role=data.role,
        office_code=data.office_code,
        password_hash=hash_password(data.password),
        language=data.language,
        active=True,
        # An account an admin made must choose its own password at first sign-in; the
        # operator's command line sets a password the user chose (or a service account's).
        must_change_password=actor is not None,
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
    if problems := _password_errors(new_password, user.username):
        raise ValidationError(fields={"password": problems})
    user.password_hash = hash_password(new_password)
    user.must_change_password = True  # the admin knows it: the user must choose another
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
    # The owner comes with the token: every API call asks, so one query rather than two.
    stmt = select(ApiToken).options(joinedload(ApiToken.user))
    record = db.session.scalar(stmt.where(ApiToken.token_hash == _token_digest(token)))
    now = utcnow()
    if record is None or not record.is_usable(now) or not record.user.active:
        return None
    if record.last_used_at is None or now - record.last_used_at > _TOKEN_TOUCH_INTERVAL:
        record.last_used_at = now  # committed with the request; at most once a minute
    return record.user


def token_lifetime_days() -> int:
    return current_app.config["API_TOKEN_LIFETIME"].days


def reset_two_factor(actor: User, user: User) -> None:
    """An admin clears a user's two-factor (a lost phone); they enrol again at sign-in."""
    require(actor, Permission.USER_MANAGE)
    two_factor.reset(actor, user)


def disable_own_two_factor(user: User, password: str) -> None:
    """A user for whom two-factor is optional turns it off (needs the password)."""
    if two_factor_required(user):
        raise ValidationError(
            _("Two-factor sign-in is required for your role."),
            fields={"password": [_("Two-factor sign-in is required for your role.")]},
        )
    if not _password_matches(user, password):
        raise ValidationError(fields={"password": [_("This is not your current password.")]})
    two_factor.disable(user)
