"""Who may do what: the only place in Casework that decides access.

Views, API endpoints, services and templates all ask `can(user, permission, obj)`, or
use the scoped queries below for lists. The rules follow DESIGN.md's access table:

- A role without a permission gets 403 (PermissionDenied), whichever record it names:
  that reveals nothing about the record.
- A record outside the user's scope (another office's beneficiary, for a caseworker or a
  supervisor) gets 404 (NotFound), so its existence is not revealed.
- Partners see aggregate figures only: no permission here lets them read a record.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Select

from casework.errors import NotFound, PermissionDenied
from casework.models import Beneficiary, User


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    CASEWORKER = "caseworker"
    PARTNER = "partner"


class Permission(StrEnum):
    BENEFICIARY_VIEW = "beneficiary.view"
    BENEFICIARY_CREATE = "beneficiary.create"
    BENEFICIARY_EDIT = "beneficiary.edit"
    REFERENCE_VIEW = "reference.view"
    AGGREGATE_VIEW = "aggregate.view"
    USER_MANAGE = "user.manage"
    AUDIT_VIEW = "audit.view"
    OWN_TOKENS = "token.own"


_STAFF = {
    Permission.BENEFICIARY_VIEW,
    Permission.BENEFICIARY_CREATE,
    Permission.BENEFICIARY_EDIT,
    Permission.REFERENCE_VIEW,
    Permission.AGGREGATE_VIEW,
    Permission.OWN_TOKENS,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASEWORKER: frozenset(_STAFF),
    Role.SUPERVISOR: frozenset(_STAFF),
    Role.ADMIN: frozenset(Permission),
    Role.PARTNER: frozenset(
        {Permission.REFERENCE_VIEW, Permission.AGGREGATE_VIEW, Permission.OWN_TOKENS}
    ),
}

# Roles that see every office's records; the others see their own office's only.
_ALL_OFFICES = {Role.ADMIN}


def has_permission(user: User | None, permission: Permission) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    # An unknown role (a bad row) has no permission at all rather than raising.
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def in_scope(user: User, obj: object) -> bool:
    """Is this record inside what the user may see at all?"""
    if user.role in _ALL_OFFICES:
        return True
    office = getattr(obj, "office_code", None)
    return office is not None and office == user.office_code


def can(user: User | None, permission: Permission, obj: object | None = None) -> bool:
    if not has_permission(user, permission):
        return False
    return obj is None or in_scope(user, obj)


def require(user: User | None, permission: Permission, obj: object | None = None) -> None:
    """Raise 403 when the role may not do this, 404 when the record is out of scope."""
    if not has_permission(user, permission):
        raise PermissionDenied()
    if obj is not None and not in_scope(user, obj):
        raise NotFound()


def scope_beneficiaries(user: User, stmt: Select) -> Select:
    """Limit a beneficiary query to what the user may see."""
    require(user, Permission.BENEFICIARY_VIEW)
    if user.role in _ALL_OFFICES:
        return stmt
    return stmt.where(Beneficiary.office_code == user.office_code)


def visible_offices(user: User) -> list[str] | None:
    """The office codes a user may filter by; None means all of them."""
    return None if user.role in _ALL_OFFICES else [user.office_code]
