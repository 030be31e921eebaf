"""Unit tests for casework.auth.permissions, with stand-in users and records."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from casework.auth.permissions import (
    ROLE_PERMISSIONS,
    Permission,
    Role,
    can,
    has_permission,
    in_scope,
    require,
    scope_beneficiaries,
    visible_offices,
)
from casework.errors import NotFound, PermissionDenied
from casework.models import Beneficiary

P = Permission


def user(role: str = "caseworker", office: str = "KTM", **kwargs) -> SimpleNamespace:
    values = {
        "id": 1,
        "role": role,
        "office_code": office,
        "active": True,
        "is_authenticated": True,
    }
    values.update(kwargs)
    return SimpleNamespace(**values)


def record(office: str | None = "KTM") -> SimpleNamespace:
    return SimpleNamespace(id=10, office_code=office)


# The access table of DESIGN.md, written out in full (not derived from the code under test).
STAFF = {
    P.BENEFICIARY_VIEW,
    P.BENEFICIARY_CREATE,
    P.BENEFICIARY_EDIT,
    P.REFERENCE_VIEW,
    P.AGGREGATE_VIEW,
    P.OWN_TOKENS,
    P.CASE_VIEW,
    P.CASE_CREATE,
    P.CASE_WORK,
    P.PROVIDER_VIEW,
    P.BENEFICIARY_IMPORT,  # issue 10: bulk import into the own office
}
EXPECTED = {
    "caseworker": STAFF,
    "supervisor": STAFF | {P.CASE_ASSIGN, P.APPROVE, P.EXPORT_INDIVIDUAL},
    # Admins see everything but do not work cases, assign them, decide approvals or import
    # an office's registration drive.
    "admin": set(Permission)
    - {P.CASE_CREATE, P.CASE_WORK, P.CASE_ASSIGN, P.APPROVE, P.BENEFICIARY_IMPORT},
    "partner": {P.REFERENCE_VIEW, P.AGGREGATE_VIEW, P.OWN_TOKENS},
}
ROLES = list(EXPECTED)
BENEFICIARY_PERMISSIONS = [P.BENEFICIARY_VIEW, P.BENEFICIARY_CREATE, P.BENEFICIARY_EDIT]


def test_every_role_is_in_the_table():
    assert {str(role) for role in Role} == set(ROLES)
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize(("role", "permission"), list(itertools.product(ROLES, Permission)))
def test_role_permission_table(role, permission):
    expected = permission in EXPECTED[role]
    assert has_permission(user(role), permission) is expected
    assert can(user(role), permission) is expected


@pytest.mark.parametrize("permission", BENEFICIARY_PERMISSIONS)
def test_partner_has_no_beneficiary_permission(permission):
    partner = user("partner")
    assert not can(partner, permission)
    assert not can(partner, permission, record("KTM"))
    with pytest.raises(PermissionDenied):
        require(partner, permission, record("KTM"))


@pytest.mark.parametrize("permission", [P.USER_MANAGE, P.AUDIT_VIEW])
@pytest.mark.parametrize("role", ROLES)
def test_only_admin_manages_users_and_views_the_audit_log(role, permission):
    assert can(user(role), permission) is (role == "admin")


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
@pytest.mark.parametrize("permission", BENEFICIARY_PERMISSIONS)
def test_staff_act_on_records_of_their_own_office(role, permission):
    assert can(user(role, "KTM"), permission, record("KTM"))
    require(user(role, "KTM"), permission, record("KTM"))  # does not raise


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
@pytest.mark.parametrize("permission", BENEFICIARY_PERMISSIONS)
def test_another_offices_record_is_not_found(role, permission):
    assert not can(user(role, "KTM"), permission, record("DMK"))
    with pytest.raises(NotFound) as raised:
        require(user(role, "KTM"), permission, record("DMK"))
    assert raised.value.status == 404


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
def test_record_without_an_office_is_out_of_scope_for_staff(role):
    assert not in_scope(user(role), record(None))
    assert not in_scope(user(role), object())
    with pytest.raises(NotFound):
        require(user(role), P.BENEFICIARY_VIEW, record(None))


@pytest.mark.parametrize("office", ["KTM", "DMK", None])
@pytest.mark.parametrize("permission", sorted(EXPECTED["admin"]))
def test_admin_is_in_scope_everywhere(office, permission):
    admin = user("admin", "KTM")
    assert in_scope(admin, record(office))
    assert can(admin, permission, record(office))
    require(admin, permission, record(office))  # does not raise


def test_missing_permission_is_forbidden():
    with pytest.raises(PermissionDenied) as raised:
        require(user("caseworker"), P.USER_MANAGE)
    assert raised.value.status == 403


def test_missing_permission_is_forbidden_even_for_an_out_of_scope_record():
    # 403 says nothing about the record, so it wins over 404.
    with pytest.raises(PermissionDenied):
        require(user("caseworker", "KTM"), P.AUDIT_VIEW, record("DMK"))
    with pytest.raises(PermissionDenied):
        require(user("partner", "KTM"), P.BENEFICIARY_VIEW, record("DMK"))


def test_require_without_a_record_checks_only_the_role():
    require(user("caseworker", "KTM"), P.BENEFICIARY_CREATE)  # does not raise


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("permission", list(Permission))
def test_inactive_user_has_no_permission(role, permission):
    inactive = user(role, active=False)
    assert not has_permission(inactive, permission)
    assert not can(inactive, permission)
    with pytest.raises(PermissionDenied):
        require(inactive, permission)


@pytest.mark.parametrize("role", ROLES)
def test_unauthenticated_user_has_no_permission(role):
    anonymous = user(role, is_authenticated=False)
    assert not can(anonymous, P.REFERENCE_VIEW)
    with pytest.raises(PermissionDenied):
        require(anonymous, P.REFERENCE_VIEW)


def test_object_without_is_authenticated_has_no_permission():
    stand_in = SimpleNamespace(role="admin", office_code="KTM", active=True)
    assert not can(stand_in, P.REFERENCE_VIEW)


@pytest.mark.parametrize("permission", list(Permission))
def test_anonymous_none_has_no_permission(permission):
    assert not has_permission(None, permission)
    assert not can(None, permission)
    assert not can(None, permission, record("KTM"))
    with pytest.raises(PermissionDenied):
        require(None, permission)
    with pytest.raises(PermissionDenied):
        require(None, permission, record("KTM"))


def test_unknown_role_has_no_permission():
    assert not has_permission(user("guest"), P.REFERENCE_VIEW)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("admin", None), ("supervisor", ["DMK"]), ("caseworker", ["DMK"]), ("partner", ["DMK"])],
)
def test_visible_offices(role, expected):
    assert visible_offices(user(role, "DMK")) == expected


def test_scope_beneficiaries_filters_staff_by_office():
    stmt = select(Beneficiary)
    scoped = scope_beneficiaries(user("caseworker", "DMK"), stmt)
    assert scoped.whereclause is not None
    compiled = scoped.compile(compile_kwargs={"literal_binds": True})
    assert "office_code = 'DMK'" in str(compiled)


def test_scope_beneficiaries_leaves_admin_unfiltered():
    stmt = select(Beneficiary)
    assert scope_beneficiaries(user("admin", "KTM"), stmt).whereclause is None


@pytest.mark.parametrize("who", [user("partner"), user("caseworker", active=False), None])
def test_scope_beneficiaries_refuses_who_may_not_view(who):
    with pytest.raises(PermissionDenied):
        scope_beneficiaries(who, select(Beneficiary))
