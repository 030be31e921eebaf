"""The home page's picture of the work, one per role, counted by the database.

Staff see figures of the records they may see (their cases, their office), which are not
suppressed: they could list those records anyway. Partners see aggregate reports only,
suppressed like every report (casework.services.reports). Each chart is one GROUP BY.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from casework.auth.permissions import (
    Permission,
    Role,
    can,
    require,
    scope_beneficiaries,
    scope_cases,
    scope_follow_ups,
)
from casework.domain import resettlement, workflow
from casework.domain.periods import make_period, nepal_today
from casework.extensions import db
from casework.models import Beneficiary, Case, FollowUp, User
from casework.reports.aggregate import ReportSpec
from casework.reports.suppression import TOTAL
from casework.services import approvals, reports
from casework.services import cases as cases_service

DUE_SOON = timedelta(days=7)


@dataclass
class Bar:
    label: str
    value: int | None  # None: suppressed
    shown: str
    link: dict | None = None  # arguments of the case list that shows these records


@dataclass
class Chart:
    key: str  # names the chart on the page (id="chart-KEY")
    title: str
    bars: list[Bar]
    note: str = ""

    @property
    def peak(self) -> int:
        return max((b.value or 0 for b in self.bars), default=0) or 1


@dataclass
class Tile:
    label: str
    value: int
    href: str | None = None
    alert: bool = False


@dataclass
class Dashboard:
    role: str
    tiles: list[Tile] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    due: list[FollowUp] = field(default_factory=list)


def for_user(user: User, today: date | None = None) -> Dashboard:
    today = today or nepal_today()
    if can(user, Permission.CASE_VIEW):
        return _staff(user, today)
    require(user, Permission.AGGREGATE_VIEW)
    return _partner(user, today)


# --- staff ----------------------------------------------------------------------------------


def _open_cases(user: User):
    return scope_cases(user, select(Case)).where(Case.closed_at.is_(None))


def _open_follow_ups(user: User, stmt):
    return scope_follow_ups(user, stmt).where(FollowUp.done_at.is_(None), Case.closed_at.is_(None))


def _staff(user: User, today: date) -> Dashboard:
    board = Dashboard(role=user.role)
    by_kind_status = db.session.execute(
        _open_cases(user)
        .with_only_columns(Case.kind, Case.status, func.count())
        .group_by(Case.kind, Case.status)
    ).all()
    overdue, due_soon = db.session.execute(
        _open_follow_ups(
            user,
            select(
                func.count().filter(FollowUp.due_date < today),
                func.count().filter(FollowUp.due_date.between(today, today + DUE_SOON)),
            ),
        )
    ).one()
    open_total = sum(n for _, _, n in by_kind_status)
    board.tiles = [
        Tile(_("Open cases"), open_total, "cases.index"),
        Tile(_("Overdue follow-ups"), overdue, "cases.my_work", alert=overdue > 0),
        Tile(_("Follow-ups due in 7 days"), due_soon, "cases.my_work"),
    ]
    if can(user, Permission.APPROVE):
        waiting = approvals.pending_count(user)
        board.tiles.append(
            Tile(_("Approvals waiting"), waiting, "cases.approvals_queue", alert=waiting > 0)
        )
    else:
        mine = len(approvals.waiting_on(user))
        board.tiles.append(Tile(_("Waiting on a supervisor"), mine, "cases.my_work"))
    if user.role == Role.ADMIN:
        people = db.session.scalar(
            scope_beneficiaries(user, select(func.count()).select_from(Beneficiary))
        )
        board.tiles.insert(0, Tile(_("People registered"), people or 0, "beneficiaries.index"))
    board.charts = _caseload_charts(by_kind_status)
    if can(user, Permission.CASE_ASSIGN):
        board.charts.append(_overdue_per_person(user, today))
    board.due = list(
        db.session.scalars(
            _open_follow_ups(user, select(FollowUp))
            .where(FollowUp.due_date <= today + DUE_SOON)
            .order_by(FollowUp.due_date, FollowUp.id)
            .limit(8)
            .options(contains_eager(FollowUp.case))  # the page shows each one's case number
        )
    )
    return board


def _caseload_charts(rows) -> list[Chart]:
    """Open cases of each kind by status, in the order of the kind's workflow."""
    counts: dict[str, dict[str, int]] = {}
    for kind, status, n in rows:
        counts.setdefault(kind, {})[status] = n
    charts = []
    for kind, label in workflow.KINDS.items():
        if kind not in counts:
            continue
        by_status = counts[kind]
        bars = [
            Bar(
                str(workflow.STATUSES[s]),
                by_status[s],
                str(by_status[s]),
                {"kind": kind, "status": s},
            )
            for s in workflow.workflow(kind).statuses
            if s in by_status
        ]
        charts.append(Chart(f"open-{kind}", _("Open cases: %(kind)s", kind=label), bars))
    return charts


def _overdue_per_person(user: User, today: date) -> Chart:
    rows = dict(
        db.session.execute(
            _open_follow_ups(user, select(Case.assigned_to_id, func.count()))
            .where(FollowUp.due_date < today)
            .group_by(Case.assigned_to_id)
        ).all()
    )
    staff = cases_service.assignable_users(user, user.office_code)
    bars = [Bar(u.username, rows.get(u.id, 0), str(rows.get(u.id, 0))) for u in staff]
    bars.sort(key=lambda b: -(b.value or 0))
    return Chart("overdue-per-person", _("Overdue follow-ups per caseworker"), bars)


# --- partners: aggregate and suppressed -------------------------------------------------------


def _last_twelve_months(today: date):
    """From the first day of the month eleven months ago to today."""
    months = today.year * 12 + today.month - 1 - 11
    return make_period(date(months // 12, months % 12 + 1, 1), today)


def _margin_bars(report: reports.Report, axis: int, order=None) -> list[Bar]:
    """The totals of one dimension of a report (the others summed), as bars."""
    figures = [
        f
        for f in report.cells + report.totals
        if f.key[axis] is not TOTAL and all(v is TOTAL for i, v in enumerate(f.key) if i != axis)
    ]
    if order is not None:
        figures.sort(key=lambda f: order.index(f.key[axis]) if f.key[axis] in order else 99)
    dimension = report.spec.group_by[axis]
    return [Bar(report.label(dimension, f.key[axis]), f.count, report.shown(f)) for f in figures]


def _partner(user: User, today: date) -> Dashboard:
    year = _last_twelve_months(today)
    returns = reports.run(
        user,
        ReportSpec(
            subject="cases",
            group_by=("month", "host_country"),
            kind="return_reintegration",
            period=year,
        ),
    )
    referrals = reports.run(user, ReportSpec(subject="referrals", group_by=("service", "status")))
    pipeline = reports.run(
        user, ReportSpec(subject="cases", group_by=("status",), kind="resettlement")
    )
    order = [*resettlement.STAGES, "on_hold", "rejected", "withdrawn"]
    victims = reports.run(
        user,
        ReportSpec(
            subject="cases",
            group_by=("victim_category", "incident_district"),
            kind="conflict_victim",
        ),
    )
    board = Dashboard(role=user.role)
    board.charts = [
        Chart(
            "returns-by-month",
            _("Returns per month (cases opened, last 12 months)"),
            _margin_bars(returns, 0),
        ),
        Chart(
            "returns-by-host-country",
            _("Returns by host country (last 12 months)"),
            _margin_bars(returns, 1),
        ),
        Chart("referrals-by-service", _("Referrals by service"), _margin_bars(referrals, 0)),
        Chart(
            "referrals-by-outcome",
            _("Referrals by outcome"),
            _margin_bars(referrals, 1, list(workflow.REFERRAL_STATUSES)),
        ),
        Chart(
            "resettlement-stages",
            _("Resettlement: cases at each stage"),
            _margin_bars(pipeline, 0, order),
        ),
        Chart("victims-by-category", _("Conflict victims by category"), _margin_bars(victims, 0)),
        Chart(
            "victims-by-district",
            _("Conflict victims by district of the incident"),
            _margin_bars(victims, 1),
        ),
    ]
    return board
