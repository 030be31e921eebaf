"""Two-factor sign-in with TOTP (RFC 6238: authenticator apps) and one-time recovery codes.

How the secret is stored: encrypted, with keys derived from SECRET_KEY. A TOTP secret must
be readable by the server (it computes the expected code), so it cannot be hashed like a
password; stored in clear, a copy of the database (a backup, a replica) would let anyone
make codes. It is sealed with AES-256-GCM (pycryptodomex: a random 12-byte nonce per seal,
a 16-byte tag) under a key derived from SECRET_KEY with HKDF-SHA256. A database alone
therefore yields no secret, and an edited value is refused. Changing SECRET_KEY makes the stored secrets unreadable: every
enrolled user must then enrol again (an admin resets their two-factor).

A code is accepted for the current 30-second step and one step either side (clocks drift),
and only for a step later than the last one accepted (`users.totp_last_step`), so a code
seen over a shoulder or replayed cannot be used again. Recovery codes carry 80 random bits
and are stored as SHA-256 digests; each works once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp
from Cryptodome.Cipher import AES
from Cryptodome.Hash import SHA256
from Cryptodome.Protocol.KDF import HKDF
from flask import current_app
from sqlalchemy import delete, select

from casework import audit
from casework.extensions import db
from casework.models import RecoveryCode, User, utcnow

ISSUER = "Casework"
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
_SEAL_VERSION = "v1"
_NONCE_BYTES = 12  # GCM's standard nonce
_TAG_BYTES = 16


# --- the sealed secret ---------------------------------------------------------------


def _key() -> bytes:
    """The AES-256 key, derived from SECRET_KEY for this one purpose (HKDF-SHA256)."""
    secret_key = str(current_app.config["SECRET_KEY"]).encode()
    return HKDF(secret_key, 32, b"", SHA256, context=b"casework totp secret v1")


def seal(secret: str) -> str:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    cipher = AES.new(_key(), AES.MODE_GCM, nonce=nonce, mac_len=_TAG_BYTES)
    ciphertext, tag = cipher.encrypt_and_digest(secret.encode())
    sealed = base64.urlsafe_b64encode(nonce + ciphertext + tag).decode()
    return f"{_SEAL_VERSION}.{sealed}"


def unseal(stored: str | None) -> str | None:
    """The secret, or None if it is missing, edited, or sealed under another SECRET_KEY."""
    version, _, body = (stored or "").partition(".")
    if version != _SEAL_VERSION:
        return None
    try:
        raw = base64.urlsafe_b64decode(body.encode())
    except ValueError:
        return None
    if len(raw) <= _NONCE_BYTES + _TAG_BYTES:
        return None
    nonce, ciphertext, tag = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:-_TAG_BYTES], raw[-_TAG_BYTES:]
    cipher = AES.new(_key(), AES.MODE_GCM, nonce=nonce, mac_len=_TAG_BYTES)
    try:
        return cipher.decrypt_and_verify(ciphertext, tag).decode()
    except ValueError:  # the tag does not match: edited, or another SECRET_KEY
        return None


# --- codes ---------------------------------------------------------------------------


def current_step() -> int:
    return int(utcnow().timestamp()) // STEP_SECONDS


def _normalise_code(code: str) -> str:
    return "".join((code or "").split())


def _accepted_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The step (now, or one either side) whose code this is, if it was not used yet."""
    code = _normalise_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = current_step()
    for step in (now - 1, now, now + 1):
        if last_step is not None and step <= last_step:
            continue  # this step's code (or an earlier one) was used already: a replay
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


# --- enrolment -----------------------------------------------------------------------


def pending_secret(user: User) -> str | None:
    """The secret of the user's unfinished enrolment, made now if there is none.

    None when the user has finished enrolling (the secret is never shown again).
    """
    if user.has_two_factor:
        return None
    secret = unseal(user.totp_secret)
    if secret is None:
        secret = pyotp.random_base32()
        user.totp_secret, user.totp_enabled_at, user.totp_last_step = seal(secret), None, None
        db.session.flush()
    return secret


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Finish enrolling with a first code from the app: the new recovery codes, or None if
    the code is wrong (nothing changes)."""
    secret = None if user.has_two_factor else unseal(user.totp_secret)
    step = _accepted_step(secret, code, None) if secret else None
    if step is None:
        return None
    user.totp_enabled_at, user.totp_last_step = utcnow(), step
    codes = _new_recovery_codes(user)
    audit.record("auth.two_factor_enrol", object_type="user", object_id=user.id, actor=user)
    return codes


def enrol_now(user: User) -> str:
    """Enrol (or enrol again) without a confirming code: the operator command. Returns the
    secret; earlier recovery codes no longer work. Audited as done from the command line."""
    secret = pyotp.random_base32()
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = seal(secret), utcnow(), None
    _delete_recovery_codes(user)
    db.session.flush()
    audit.record(
        "auth.two_factor_enrol",
        object_type="user",
        object_id=user.id,
        changes={"by": "command line"},
        username="cli",
    )
    return secret


def disable(user: User) -> None:
    """The user turns their own two-factor off (only where it is optional: the caller checks)."""
    _clear(user)
    audit.record("auth.two_factor_disable", object_type="user", object_id=user.id, actor=user)


def reset(actor: User, user: User) -> None:
    """An admin clears someone's two-factor (a lost phone): they enrol again at sign-in."""
    _clear(user)
    user.end_sessions()
    audit.record("user.two_factor_reset", object_type="user", object_id=user.id, actor=actor)


def _clear(user: User) -> None:
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = None, None, None
    _delete_recovery_codes(user)
    db.session.flush()


# --- the second step of signing in ---------------------------------------------------


@dataclass
class Verified:
    method: str  # "totp" or "recovery_code"


def verify(user: User, code: str) -> Verified | None:
    """Check a code from the app, or else a recovery code (used up by this)."""
    secret = unseal(user.totp_secret) if user.has_two_factor else None
    if secret is None:
        return None
    step = _accepted_step(secret, code, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        db.session.flush()
        return Verified("totp")
    if _use_recovery_code(user, code):
        return Verified("recovery_code")
    return None


# --- recovery codes ------------------------------------------------------------------


def _recovery_digest(code: str) -> str:
    normalised = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def _format_recovery_code(raw: str) -> str:
    return "-".join(raw[i : i + 5] for i in range(0, len(raw), 5))


def _delete_recovery_codes(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def _new_recovery_codes(user: User) -> list[str]:
    _delete_recovery_codes(user)
    codes = [_format_recovery_code(secrets.token_hex(10)) for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_digest(c)) for c in codes)
    db.session.flush()
    return codes


def regenerate_recovery_codes(user: User) -> list[str]:
    """New codes for an enrolled user; the old ones stop working. Shown once."""
    codes = _new_recovery_codes(user)
    audit.record(
        "auth.recovery_codes_regenerate", object_type="user", object_id=user.id, actor=user
    )
    return codes


def _use_recovery_code(user: User, code: str) -> bool:
    if not _normalise_code(code):
        return False
    record = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_digest(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if record is None:
        return False
    record.used_at = utcnow()
    db.session.flush()
    left = unused_recovery_codes(user)
    audit.record(
        "auth.recovery_code_used",
        object_type="user",
        object_id=user.id,
        changes={"left": left},
        actor=user,
    )
    return True


def unused_recovery_codes(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )
