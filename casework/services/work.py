"""The "My work" view: open cases, follow-ups due and overdue, items waiting on others."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select, union_all

from casework.auth.permissions import (
    Permission,
    can,
    in_scope,
    require,
    scope_cases,
    scope_follow_ups,
)
from casework.domain import follow_ups
from casework.errors import NotFound
from casework.extensions import db
from casework.models import Approval, Beneficiary, Case, FollowUp, User, get_by_id
from casework.services import approvals
from casework.services import cases as cases_service

DUE_SOON = timedelta(days=7)
# Cases listed under each status; the rest are a link away (the case list, by status).
# A national caseload gives one caseworker hundreds of open cases: the page stays short.
CASES_PER_STATUS = 25
FOLLOW_UPS_LISTED = 25  # of the overdue, and of those due soon


@dataclass
class StaffLoad:
    user: User
    open_cases: int
    overdue: int


@dataclass(frozen=True)
class CaseLine:
    """A case as the page lists it (plain values: a page lists up to a hundred or so,
    and whole cases with their beneficiaries cost more to load than the page to draw)."""

    id: int
    case_number: str
    full_name: str


@dataclass(frozen=True)
class FollowUpLine:
    id: int
    case_id: int
    case_number: str
    title: str
    due_date: date

    @property
    def shown_title(self) -> str:
        return follow_ups.shown_title(self.title)


@dataclass
class Work:
    subject: User | None  # whose work; None means the whole office
    cases_by_status: dict[str, list[CaseLine]]  # the first CASES_PER_STATUS of each status
    status_counts: dict[str, int]
    overdue: list[FollowUpLine]  # the oldest FOLLOW_UPS_LISTED of them
    due_soon: list[FollowUpLine]  # the next FOLLOW_UPS_LISTED of them
    overdue_count: int
    due_soon_count: int
    waiting_on_others: list[Approval]
    approvals_to_decide: int = 0
    staff: list[StaffLoad] = field(default_factory=list)


def _open_cases(actor: User, subject: User | None):
    stmt = scope_cases(actor, select(Case)).where(Case.closed_at.is_(None))
    if subject is not None:
        stmt = stmt.where(Case.assigned_to_id == subject.id)
    return stmt


def work(actor: User, user_id: int | None = None) -> Work:
    """A caseworker's own work; a supervisor's office, or one person of it.

    A page of many short lists: each kind of list is one query (UNION ALL of the lists'
    LIMITs), so the page costs a fixed handful of round trips, not one per status."""
    require(actor, Permission.CASE_VIEW)
    subject = _subject(actor, user_id)
    today = date.today()
    status_counts = dict(
        db.session.execute(
            _open_cases(actor, subject)
            .with_only_columns(Case.status, func.count())
            .group_by(Case.status)
            .order_by(Case.status)
        ).all()
    )
    follow_ups = scope_follow_ups(actor, select(FollowUp)).where(
        FollowUp.done_at.is_(None), FollowUp.due_date <= today + DUE_SOON, Case.closed_at.is_(None)
    )
    if subject is not None:
        follow_ups = follow_ups.where(Case.assigned_to_id == subject.id)
    overdue_count, due_soon_count = db.session.execute(
        follow_ups.with_only_columns(
            func.count().filter(FollowUp.due_date < today),
            func.count().filter(FollowUp.due_date >= today),
        )
    ).one()
    overdue, due_soon = _first_follow_ups(follow_ups, today)
    result = Work(
        subject=subject,
        cases_by_status=_first_cases(actor, subject, list(status_counts)),
        status_counts=status_counts,
        overdue=overdue,
        due_soon=due_soon,
        overdue_count=overdue_count or 0,
        due_soon_count=due_soon_count or 0,
        waiting_on_others=approvals.waiting_on(subject or actor),
    )
    if can(actor, Permission.APPROVE):
        result.approvals_to_decide = approvals.pending_count(actor)
    if subject is None:
        result.staff = _staff_load(actor, today)
    return result


def _first_of_each(lists: list) -> list:
    """The rows of several ordered, limited SELECTs in one round trip (each wrapped as a
    subquery: SQLite allows no ORDER BY or LIMIT on the members of a UNION)."""
    if not lists:
        return []
    return db.session.execute(union_all(*(select(s.subquery()) for s in lists))).all()


def _first_follow_ups(stmt, today: date) -> tuple[list[FollowUpLine], list[FollowUpLine]]:
    """The oldest FOLLOW_UPS_LISTED overdue, and the next FOLLOW_UPS_LISTED due soon."""
    columns = (FollowUp.id, FollowUp.case_id, Case.case_number, FollowUp.title, FollowUp.due_date)
    ordered = stmt.with_only_columns(*columns).order_by(FollowUp.due_date, FollowUp.id)
    rows = _first_of_each(
        [
            ordered.where(FollowUp.due_date < today).limit(FOLLOW_UPS_LISTED),
            ordered.where(FollowUp.due_date >= today).limit(FOLLOW_UPS_LISTED),
        ]
    )
    lines = sorted((FollowUpLine(*row) for row in rows), key=lambda f: (f.due_date, f.id))
    return [f for f in lines if f.due_date < today], [f for f in lines if f.due_date >= today]


def _first_cases(
    actor: User, subject: User | None, statuses: list[str]
) -> dict[str, list[CaseLine]]:
    """The first CASES_PER_STATUS open cases of each status, in case order."""
    listed = (
        _open_cases(actor, subject)
        .with_only_columns(
            Case.status, Case.id, Case.case_number, Beneficiary.given_name, Beneficiary.family_name
        )
        .join(Beneficiary, Beneficiary.id == Case.beneficiary_id)
        .order_by(Case.id)
        .limit(CASES_PER_STATUS)
    )
    rows = _first_of_each([listed.where(Case.status == status) for status in statuses])
    by_status: dict[str, list[CaseLine]] = {status: [] for status in statuses}
    for status, case_id, number, given, family in sorted(rows, key=lambda row: row[1]):
        by_status[status].append(CaseLine(case_id, number, f"{given} {family}".strip()))
    return by_status


def _subject(actor: User, user_id: int | None) -> User | None:
    """Whose work to show: those who assign cases see their office (None) or one person
    of it; everyone else sees their own."""
    if not can(actor, Permission.CASE_ASSIGN):
        return actor
    if user_id is None:
        return None
    user = get_by_id(User, user_id)
    if user is None or not in_scope(actor, user):
        raise NotFound()
    return user


def _staff_load(actor: User, today: date) -> list[StaffLoad]:
    open_counts = Counter(
        dict(
            db.session.execute(
                _open_cases(actor, None)
                .with_only_columns(Case.assigned_to_id, func.count())
                .group_by(Case.assigned_to_id)
            ).all()
        )
    )
    overdue_counts = Counter(
        dict(
            db.session.execute(
                scope_follow_ups(actor, select(Case.assigned_to_id, func.count()))
                .where(FollowUp.done_at.is_(None), FollowUp.due_date < today)
                .where(Case.closed_at.is_(None))
                .group_by(Case.assigned_to_id)
            ).all()
        )
    )
    staff = cases_service.assignable_users(actor, actor.office_code)
    return [StaffLoad(u, open_counts[u.id], overdue_counts[u.id]) for u in staff]
