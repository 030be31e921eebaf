"""Staff accounts and their API tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models._types import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Part of the session's user id: bumping it (sign-out, password reset, deactivation)
    # ends every session of the user, even a copied cookie (cookies are signed, not stored).
    session_epoch: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Set when an admin created the account or reset its password: the sign-in guard sends
    # the user to change it before anything else.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Two-factor (TOTP): the secret encrypted (casework.services.two_factor explains how),
    # when the user confirmed it with a first code (None: enrolment not finished), and the
    # last time step a code was accepted for, so that no code is accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # How the interface speaks to this user (casework.i18n): language, calendar for dates
    # (`ad`, `bs` or `both`) and digits (`latin` or `devanagari`).
    language: Mapped[str] = mapped_column(String(2), default="en", server_default="en")
    calendar: Mapped[str] = mapped_column(String(4), default="ad", server_default="ad")
    digits: Mapped[str] = mapped_column(String(10), default="latin", server_default="latin")

    # The version counts an admin's edits (role, office, name, active) only: a sign-in or
    # sign-out must not make an admin's open edit form stale. Services bump it themselves.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        CheckConstraint("language IN ('en', 'ne')", name="language"),
        CheckConstraint("calendar IN ('ad', 'bs', 'both')", name="calendar"),
        CheckConstraint("digits IN ('latin', 'devanagari')", name="digits"),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_epoch}"

    def end_sessions(self) -> None:
        self.session_epoch = (self.session_epoch or 0) + 1

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None and self.totp_enabled_at is not None

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}@{self.office_code}>"


class ApiToken(db.Model):
    """A bearer token. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # lets a user recognise a token
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class RecoveryCode(db.Model):
    """A one-time two-factor recovery code. Only its SHA-256 is stored (the code carries 80
    random bits, so a hash without salt or stretching is enough); shown once."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInThrottle(db.Model):
    """Failed sign-ins counted for one account (by username, existing or not) or one
    address, in the database so that every worker and server counts the same."""

    __tablename__ = "sign_in_throttles"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))  # "account" or "address"
    key: Mapped[str] = mapped_column(String(128))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
