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

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, false, not_, or_, select

from casework.errors import NotFound, PermissionDenied
from casework.extensions import db
from casework.models import Approval, Beneficiary, Case, ConflictDetails, FollowUp, User


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
    CASE_VIEW = "case.view"
    CASE_CREATE = "case.create"
    CASE_WORK = "case.work"  # notes, follow-ups, plan, assistance, transitions, edits
    CASE_ASSIGN = "case.assign"
    APPROVE = "approval.decide"
    SETTINGS_MANAGE = "settings.manage"
    PROVIDER_VIEW = "provider.view"
    PROVIDER_MANAGE = "provider.manage"
    # Individual-level downloads (names, contacts): supervisors of the office and admins.
    EXPORT_INDIVIDUAL = "export.individual"
    # Bulk import of beneficiaries from a file (issue 10), into the user's own office.
    BENEFICIARY_IMPORT = "beneficiary.import"
    # Data protection: anonymising what is past its retention period, and producing
    # everything held about one person (subject access). Admins only.
    RETENTION_MANAGE = "retention.manage"
    SUBJECT_ACCESS = "subject_access.produce"


_STAFF = {
    Permission.BENEFICIARY_VIEW,
    Permission.BENEFICIARY_CREATE,
    Permission.BENEFICIARY_EDIT,
    Permission.REFERENCE_VIEW,
    Permission.AGGREGATE_VIEW,
    Permission.OWN_TOKENS,
    Permission.CASE_VIEW,
    Permission.CASE_CREATE,
    Permission.CASE_WORK,
    Permission.PROVIDER_VIEW,
    Permission.BENEFICIARY_IMPORT,
}

# Admins see everything and keep the data correct, but casework decisions (approving,
# assigning, working a case) belong to the office's supervisors and caseworkers, and so
# do registration drives imported from a file (an admin's import would be nobody's).
_NOT_FOR_ADMINS = {
    Permission.BENEFICIARY_IMPORT,
    Permission.CASE_CREATE,
    Permission.CASE_WORK,
    Permission.CASE_ASSIGN,
    Permission.APPROVE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASEWORKER: frozenset(_STAFF),
    Role.SUPERVISOR: frozenset(
        _STAFF | {Permission.CASE_ASSIGN, Permission.APPROVE, Permission.EXPORT_INDIVIDUAL}
    ),
    Role.ADMIN: frozenset(set(Permission) - _NOT_FOR_ADMINS),
    Role.PARTNER: frozenset(
        {Permission.REFERENCE_VIEW, Permission.AGGREGATE_VIEW, Permission.OWN_TOKENS}
    ),
}

# Roles that see every office's records; the others see their own office's only.
_ALL_OFFICES = {Role.ADMIN}

# Roles whose accounts reach every office's records or decide approvals: they must sign in
# with a second factor (TOTP). For the others it is optional.
TWO_FACTOR_REQUIRED_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})


def two_factor_required(user: User) -> bool:
    return user.role in TWO_FACTOR_REQUIRED_ROLES


def has_permission(user: User | None, permission: Permission) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    # An unknown role (a bad row) has no permission at all rather than raising.
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def in_scope(user: User, obj: object) -> bool:
    """Is this record inside what the user may see at all?

    Office-owned records (beneficiaries, households, approvals) are seen by the office's
    staff. Cases are seen by the office's supervisors and by their assigned caseworker.
    """
    if user.role in _ALL_OFFICES:
        return True
    office = getattr(obj, "office_code", None)
    if office is None or office != user.office_code:
        return False
    if isinstance(obj, Case) and user.role == Role.CASEWORKER:
        return obj.assigned_to_id == user.id
    return True


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


def scope_office(user: User, stmt: Select, model) -> Select:
    """Limit a query of office-owned records (`model.office_code`) to the user's office."""
    if user.role in _ALL_OFFICES:
        return stmt
    return stmt.where(model.office_code == user.office_code)


def scope_cases(user: User, stmt: Select) -> Select:
    """Limit a case query to the cases the user may see."""
    require(user, Permission.CASE_VIEW)
    if user.role in _ALL_OFFICES:
        return stmt
    stmt = stmt.where(Case.office_code == user.office_code)
    if user.role == Role.CASEWORKER:
        stmt = stmt.where(Case.assigned_to_id == user.id)
    return stmt


def scope_follow_ups(user: User, stmt: Select) -> Select:
    """Follow-ups of the cases the user may see (the statement must join Case)."""
    return scope_cases(user, stmt.select_from(FollowUp).join(Case, FollowUp.case_id == Case.id))


def scope_approvals(user: User, stmt: Select) -> Select:
    """The approvals queue: the items of the decider's own office."""
    require(user, Permission.APPROVE)
    return stmt.where(Approval.office_code == user.office_code)


def may_decide(user: User, approval: Approval) -> None:
    """A supervisor of the item's office who did not ask for it (four eyes)."""
    require(user, Permission.APPROVE)
    if approval.office_code != user.office_code:
        raise NotFound()
    if approval.requested_by_id == user.id:
        raise PermissionDenied(
            _("You asked for this approval; another supervisor of your office must decide it.")
        )


def may_use_saved_report(user: User, report) -> bool:
    """A saved report definition is its owner's alone (others get 404)."""
    return has_permission(user, Permission.AGGREGATE_VIEW) and report.owner_id == user.id


def sees_confidential(user: User, case: Case) -> bool:
    """Confidential notes: the assigned caseworker and the office's supervisors only."""
    if not has_permission(user, Permission.CASE_VIEW):
        return False
    if case.assigned_to_id == user.id:
        return True
    return user.role == Role.SUPERVISOR and case.office_code == user.office_code


def may_be_assigned(user: User, case_office: str) -> bool:
    """Who can be given a case: active caseworkers and supervisors of its office."""
    return (
        user.active
        and user.office_code == case_office
        and user.role in (Role.CASEWORKER, Role.SUPERVISOR)
    )


def sees_sensitive(user: User, case: Case) -> bool:
    """Torture and sexual violence: only the assigned caseworker and the office's supervisors
    may know these categories apply (not admins, not other caseworkers)."""
    return sees_confidential(user, case)


def beneficiaries_with_hidden_story(user: User, beneficiary_ids) -> set[int]:
    """Of these beneficiaries, those with a torture or sexual-violence case that the user
    may not know about: their matching vulnerabilities are hidden from the user too."""
    ids = set(beneficiary_ids)
    if not ids:
        return set()
    rows = db.session.execute(
        select(Case.beneficiary_id, Case.assigned_to_id, Case.office_code)
        .join(ConflictDetails, ConflictDetails.case_id == Case.id)
        .where(ConflictDetails.sensitive.is_(True), Case.beneficiary_id.in_(ids))
    )
    sensitive, told = set(), set()
    for beneficiary_id, assigned_to_id, office in rows:
        sensitive.add(beneficiary_id)
        if assigned_to_id == user.id or (
            user.role == Role.SUPERVISOR and office == user.office_code
        ):
            told.add(beneficiary_id)
    return sensitive - told


# --- the same rules as SQL, for exports that decide for a million rows in one query ------


def _knows_sensitive(user: User) -> ColumnElement[bool]:
    """SQL on a query with Case: may the user know a case's sensitive categories?
    (sees_sensitive, row by row: the assigned caseworker and the office's supervisors.)"""
    if not has_permission(user, Permission.CASE_VIEW):
        return false()
    knows = Case.assigned_to_id == user.id
    if user.role == Role.SUPERVISOR:
        knows = or_(knows, Case.office_code == user.office_code)
    return knows


def sensitive_hidden(user: User) -> ColumnElement[bool]:
    """SQL on a query with Case outer-joined to ConflictDetails: true where the case's
    torture or sexual-violence categories must be shown to the user as restricted."""
    return and_(ConflictDetails.sensitive.is_(True), not_(_knows_sensitive(user)))


def story_hidden(user: User) -> ColumnElement[bool]:
    """SQL on a query of Beneficiary: true where the person's sensitive vulnerabilities are
    hidden from the user (beneficiaries_with_hidden_story, as a correlated condition)."""
    sensitive = (
        select(Case.id)
        .join(ConflictDetails, ConflictDetails.case_id == Case.id)
        .where(ConflictDetails.sensitive.is_(True), Case.beneficiary_id == Beneficiary.id)
        .correlate(Beneficiary)
    )
    return and_(sensitive.exists(), not_(sensitive.where(_knows_sensitive(user)).exists()))
