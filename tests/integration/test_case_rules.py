"""Case rules at service level: assistance and budget, monitoring, reassignment, notes, work.

Issue 3: assistance is not recorded before the plan is approved; the delivered total cannot
silently exceed the approved budget; a monitoring visit is due three months after delivery;
the composite uses the settings in force on the day of the visit; supervisors reassign all
open cases of one person in one audited action; confidential notes are for the assigned
caseworker and the office's supervisors.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from casework.auth.permissions import sees_confidential
from casework.errors import NotFound, PermissionDenied, ValidationError
from casework.extensions import db
from casework.models import (
    Approval,
    AssistanceDelivery,
    AuditEvent,
    Case,
    CaseEvent,
    FollowUp,
    MonitoringVisit,
)
from casework.services import approvals, cases, reintegration, settings, work
from tests.factories import BeneficiaryFactory

TODAY = date.today()
RETURNED = TODAY - timedelta(days=60)
BUDGET = 50_000


@pytest.fixture
def team(make_user):
    person = BeneficiaryFactory(office_code="KTM")
    db.session.commit()
    return SimpleNamespace(
        worker=make_user("caseworker", "KTM"),
        boss=make_user("supervisor", "KTM"),
        person=person,
    )


def open_case(team, actor=None) -> Case:
    actor = actor or team.worker
    case = cases.open_case(
        actor,
        "return_reintegration",
        team.person.id,
        {"host_country": "QA", "return_date": RETURNED, "return_reason": "stranded"},
    )
    db.session.commit()
    return case


def move(actor, case: Case, to: str, **kwargs) -> Case:
    cases.transition(actor, case, to, case.version, **kwargs)
    db.session.commit()
    return case


def pending_approval(case: Case, approval_type: str) -> Approval:
    return db.session.scalar(
        select(Approval).where(
            Approval.case_id == case.id,
            Approval.approval_type == approval_type,
            Approval.status == "pending",
        )
    )


def decide(actor, item: Approval, approve: bool = True, comment: str = "seen") -> None:
    approvals.decide(actor, item, approve=approve, comment=comment)
    db.session.commit()


def plan(team, case: Case, budget: int = BUDGET) -> None:
    reintegration.save_plan(
        team.worker,
        case,
        "Open a tailoring shop",
        [
            {"assistance_type": "business_grant", "budget_npr": budget - 10_000},
            {"assistance_type": "vocational_training", "budget_npr": 10_000},
        ],
    )
    db.session.commit()


def case_in_assistance(team, budget: int = BUDGET) -> Case:
    case = open_case(team)
    move(team.worker, case, "assessment")
    plan(team, case, budget)
    move(team.worker, case, "plan_pending")
    decide(team.boss, pending_approval(case, "reintegration_plan"))
    assert case.status == "assistance"
    assert case.return_details.approved_budget_npr == budget
    return case


def deliver(team, case: Case, amount: int, delivered_on: date = TODAY, **overrides):
    data = {
        "assistance_type": "business_grant",
        "amount_npr": amount,
        "delivered_on": delivered_on,
        "delivered_by": "IOM Kathmandu",
        **overrides,
    }
    delivery = reintegration.record_delivery(team.worker, case, data)
    db.session.commit()
    return delivery


def monitoring_follow_ups(case: Case, *, open_only: bool = True) -> list[FollowUp]:
    stmt = select(FollowUp).where(FollowUp.case_id == case.id, FollowUp.title == "Monitoring visit")
    if open_only:
        stmt = stmt.where(FollowUp.done_at.is_(None))
    return list(db.session.scalars(stmt.order_by(FollowUp.id)))


def visit(team, case: Case, economic, social, psychosocial, visit_date: date = TODAY):
    result = reintegration.record_visit(
        team.worker,
        case,
        {
            "economic": economic,
            "social": social,
            "psychosocial": psychosocial,
            "visit_date": visit_date,
        },
    )
    db.session.commit()
    return result


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- assistance and the approved budget ---------------------------------------------------


@pytest.mark.parametrize("status", ["registered", "assessment", "plan_pending"])
def test_no_assistance_before_the_plan_is_approved(team, status):
    case = open_case(team)
    if status != "registered":
        move(team.worker, case, "assessment")
    if status == "plan_pending":
        plan(team, case)
        move(team.worker, case, "plan_pending")
    with pytest.raises(PermissionDenied, match="after a supervisor approves the plan"):
        deliver(team, case, 1_000)
    db.session.rollback()
    assert count(AssistanceDelivery) == 0


def test_no_assistance_after_a_rejected_plan(team):
    case = open_case(team)
    move(team.worker, case, "assessment")
    plan(team, case)
    move(team.worker, case, "plan_pending")
    decide(team.boss, pending_approval(case, "reintegration_plan"), approve=False)
    assert case.status == "assessment"
    with pytest.raises(PermissionDenied):
        deliver(team, case, 1_000)
    db.session.rollback()
    assert count(AssistanceDelivery) == 0


def test_delivery_within_budget_is_recorded_and_schedules_monitoring(team):
    case = case_in_assistance(team)
    delivered_on = TODAY - timedelta(days=10)
    delivery = deliver(team, case, 20_000, delivered_on)
    assert delivery.status == "recorded"
    current = reintegration.budget(case)
    assert (current.approved, current.delivered, current.pending) == (BUDGET, 20_000, 0)
    assert current.remaining == 30_000
    [follow_up] = monitoring_follow_ups(case)
    assert follow_up.due_date == delivered_on + timedelta(days=90)
    assert follow_up.automatic is True
    assert pending_approval(case, "budget_overrun") is None
    # a second delivery does not add a second open monitoring visit
    deliver(team, case, 5_000)
    assert len(monitoring_follow_ups(case)) == 1
    events = db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.event == "assistance")
        .order_by(CaseEvent.id)
    ).all()
    assert [e.changes["status"] for e in events] == ["recorded", "recorded"]
    assert [e.changes["amount_npr"] for e in events] == [20_000, 5_000]


def test_delivery_up_to_exactly_the_budget_is_no_overrun(team):
    case = case_in_assistance(team)
    assert deliver(team, case, BUDGET - 1).status == "recorded"
    assert deliver(team, case, 1).status == "recorded"
    assert reintegration.budget(case).remaining == 0
    assert deliver(team, case, 1).status == "pending"


def test_overrun_waits_for_a_supervisor_and_then_raises_the_budget(team):
    case = case_in_assistance(team)
    deliver(team, case, 30_000)
    over = deliver(team, case, 30_000)
    assert over.status == "pending"
    current = reintegration.budget(case)
    assert (current.approved, current.delivered, current.pending) == (BUDGET, 30_000, 30_000)
    item = pending_approval(case, "budget_overrun")
    assert item.subject_id == over.id
    assert item.requested_by_id == team.worker.id
    assert item.office_code == "KTM"
    assert item in approvals.queue(team.boss)[0]
    decide(team.boss, item, comment="the shop needed a second machine")
    assert db.session.get(AssistanceDelivery, over.id).status == "recorded"
    current = reintegration.budget(case)
    assert (current.approved, current.delivered, current.pending) == (60_000, 60_000, 0)
    assert case.return_details.approved_budget_npr == 60_000
    last = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())
    ).first()
    assert (last.event, last.user_id) == ("approve", team.boss.id)
    assert last.changes["approved_budget_npr"] == 60_000


def test_a_pending_overrun_does_not_count_as_delivered(team):
    case = case_in_assistance(team)
    delivered_on = TODAY - timedelta(days=5)
    over = deliver(team, case, BUDGET + 1, delivered_on)
    assert over.status == "pending"
    assert reintegration.budget(case).delivered == 0
    assert monitoring_follow_ups(case) == []
    with pytest.raises(ValidationError) as refused:
        move(team.worker, case, "monitoring")
    assert "to" in refused.value.fields
    db.session.rollback()
    assert case.status == "assistance"
    decide(team.boss, pending_approval(case, "budget_overrun"))
    assert reintegration.budget(case).delivered == BUDGET + 1
    [follow_up] = monitoring_follow_ups(case)
    assert follow_up.due_date == delivered_on + timedelta(days=90)
    assert move(team.worker, case, "monitoring").status == "monitoring"


def test_rejected_overrun_is_marked_rejected(team):
    case = case_in_assistance(team)
    deliver(team, case, 40_000)
    over = deliver(team, case, 20_000)
    decide(team.boss, pending_approval(case, "budget_overrun"), approve=False, comment="no")
    assert db.session.get(AssistanceDelivery, over.id).status == "rejected"
    current = reintegration.budget(case)
    assert (current.approved, current.delivered, current.pending) == (BUDGET, 40_000, 0)
    assert pending_approval(case, "budget_overrun") is None
    # what remains of the budget can still be delivered without approval
    assert deliver(team, case, 10_000).status == "recorded"


def test_caseworker_cannot_approve_an_overrun(team):
    case = case_in_assistance(team)
    deliver(team, case, BUDGET + 5_000)
    item = pending_approval(case, "budget_overrun")
    with pytest.raises(PermissionDenied):
        approvals.decide(team.worker, item, approve=True, comment="mine")
    db.session.rollback()
    assert pending_approval(case, "budget_overrun") is not None
    assert reintegration.budget(case).delivered == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"delivered_on": RETURNED - timedelta(days=1)}, "delivered_on"),
        ({"delivered_on": TODAY + timedelta(days=1)}, "delivered_on"),
        ({"delivered_on": None}, "delivered_on"),
        ({"amount_npr": 0}, "amount_npr"),
        ({"amount_npr": 100_000_001}, "amount_npr"),
        ({"amount_npr": "5000"}, "amount_npr"),
        ({"assistance_type": "lottery"}, "assistance_type"),
        ({"delivered_by": "  "}, "delivered_by"),
    ],
)
def test_bad_delivery_is_refused_naming_the_field(team, overrides, field):
    case = case_in_assistance(team)
    data = {"amount": 1_000, **overrides}
    if "amount_npr" in data:
        data["amount"] = data.pop("amount_npr")
    with pytest.raises(ValidationError) as refused:
        deliver(team, case, **data)
    assert list(refused.value.fields) == [field]
    db.session.rollback()
    assert count(AssistanceDelivery) == 0
    assert monitoring_follow_ups(case) == []


def test_an_old_delivery_can_be_recorded(team):
    """Paper files are entered late: a delivery of 500 days ago is valid after the return."""
    case = open_case(team)
    case.return_details.return_date = TODAY - timedelta(days=800)
    db.session.commit()
    move(team.worker, case, "assessment")
    plan(team, case)
    move(team.worker, case, "plan_pending")
    decide(team.boss, pending_approval(case, "reintegration_plan"))
    delivery = deliver(team, case, 1_000, TODAY - timedelta(days=500))
    assert delivery.status == "recorded"


def test_delivery_on_the_return_date_is_fine(team):
    case = case_in_assistance(team)
    assert deliver(team, case, 1_000, RETURNED).status == "recorded"


# --- monitoring visits and the score settings ---------------------------------------------


def test_visit_stores_the_composite_of_the_settings_in_force(team, make_user):
    admin = make_user("admin", "KTM")
    case = case_in_assistance(team)
    deliver(team, case, 10_000)
    # defaults: 0.3*0.9 + 0.35*0.1 + 0.35*0.1 = 0.34, below 0.5
    first = visit(team, case, 0.9, 0.1, 0.1, TODAY - timedelta(days=2))
    assert (first.composite, first.sustainable) == (0.34, False)

    settings.update_reintegration_settings(
        admin, {"economic": 1, "social": 0, "psychosocial": 0}, 0.8
    )
    db.session.commit()
    # economic only: 0.9, at or above 0.8
    second = visit(team, case, 0.9, 0.1, 0.1, TODAY - timedelta(days=1))
    assert (second.composite, second.sustainable) == (0.9, True)

    settings.update_reintegration_settings(
        admin, {"economic": 1, "social": 1, "psychosocial": 2}, 0.3
    )
    db.session.commit()
    # (0.9 + 0.1 + 2*0.1) / 4 = 0.3, exactly at the threshold
    third = visit(team, case, 0.9, 0.1, 0.1)
    assert (third.composite, third.sustainable) == (0.3, True)

    db.session.expire_all()
    stored = db.session.scalars(select(MonitoringVisit).order_by(MonitoringVisit.id)).all()
    assert [(v.composite, v.sustainable) for v in stored] == [
        (0.34, False),
        (0.9, True),
        (0.3, True),
    ]
    assert [(v.economic, v.social, v.psychosocial) for v in stored] == [(0.9, 0.1, 0.1)] * 3
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "settings.update"))
    assert len(audit.all()) == 2


def test_only_an_admin_changes_the_score_settings(team):
    for user in (team.worker, team.boss):
        with pytest.raises(PermissionDenied):
            settings.update_reintegration_settings(
                user, {"economic": 1, "social": 0, "psychosocial": 0}, 0.9
            )
        db.session.rollback()
    current = settings.reintegration_settings()
    assert current.weights == {"economic": 0.3, "social": 0.35, "psychosocial": 0.35}
    assert current.threshold == 0.5


def test_bad_settings_are_refused_and_not_saved(make_user):
    admin = make_user("admin", "KTM")
    with pytest.raises(ValidationError) as refused:
        settings.update_reintegration_settings(
            admin, {"economic": -1, "social": 0.5, "psychosocial": 0.5}, 1.5
        )
    assert set(refused.value.fields) == {"weight_economic", "threshold"}
    db.session.rollback()
    assert settings.reintegration_settings().threshold == 0.5


def test_a_nan_weight_is_refused(make_user):
    admin = make_user("admin", "KTM")
    with pytest.raises(ValidationError):
        settings.update_reintegration_settings(
            admin, {"economic": math.nan, "social": 0.35, "psychosocial": 0.35}, 0.5
        )


def test_a_visit_that_is_not_sustainable_schedules_another(team):
    case = case_in_assistance(team)
    deliver(team, case, 10_000, TODAY - timedelta(days=50))
    visit_date = TODAY - timedelta(days=3)
    result = visit(team, case, 0.2, 0.3, 0.4, visit_date)
    assert result.sustainable is False
    follow_ups = monitoring_follow_ups(case, open_only=False)
    # the first (due after the delivery) is done; a new one is due after this visit
    assert [(f.due_date, f.done_at is None) for f in follow_ups] == [
        (TODAY + timedelta(days=40), False),
        (visit_date + timedelta(days=90), True),
    ]
    assert follow_ups[1].automatic is True


def test_a_sustainable_visit_completes_the_follow_ups_and_schedules_none(team):
    case = case_in_assistance(team)
    deliver(team, case, 10_000, TODAY - timedelta(days=50))
    manual = cases.add_follow_up(team.worker, case, "Call the employer", TODAY)
    db.session.commit()
    result = visit(team, case, 0.8, 0.7, 0.9)
    assert result.sustainable is True
    assert monitoring_follow_ups(case) == []
    [done] = monitoring_follow_ups(case, open_only=False)
    assert done.done_by_id == team.worker.id
    assert db.session.get(FollowUp, manual.id).done_at is None


def test_visit_before_assistance_is_refused(team):
    case = open_case(team)
    move(team.worker, case, "assessment")
    with pytest.raises(PermissionDenied):
        visit(team, case, 0.5, 0.5, 0.5)
    db.session.rollback()
    assert count(MonitoringVisit) == 0


def test_visit_before_the_return_is_refused(team):
    case = case_in_assistance(team)
    deliver(team, case, 1_000)
    with pytest.raises(ValidationError) as refused:
        visit(team, case, 0.9, 0.9, 0.9, RETURNED - timedelta(days=1))
    assert "visit_date" in refused.value.fields


@pytest.mark.parametrize(
    ("scores", "visit_date", "fields"),
    [
        ((1.2, 0.5, 0.5), TODAY, {"economic"}),
        ((0.5, -0.1, "x"), TODAY, {"social", "psychosocial"}),
        ((0.5, 0.5, 0.5), TODAY + timedelta(days=1), {"visit_date"}),
        ((0.5, 0.5, 0.5), None, {"visit_date"}),
    ],
)
def test_bad_visit_is_refused_naming_the_fields(team, scores, visit_date, fields):
    case = case_in_assistance(team)
    deliver(team, case, 1_000)
    with pytest.raises(ValidationError) as refused:
        visit(team, case, *scores, visit_date=visit_date)
    assert set(refused.value.fields) == fields
    db.session.rollback()
    assert count(MonitoringVisit) == 0
    assert len(monitoring_follow_ups(case)) == 1


# --- bulk reassignment ----------------------------------------------------------------------


def close(team, case: Case) -> None:
    move(team.worker, case, "closure_pending", closure_reason="re_migrated")
    decide(team.boss, pending_approval(case, "case_closure"))
    assert case.status == "closed"


def test_reassign_all_moves_only_the_open_cases_of_that_person(team, make_user):
    leaving, taking, other = team.worker, make_user("caseworker", "KTM"), make_user()
    first = open_case(team)
    second = move(leaving, open_case(team), "assessment")
    closed = open_case(team)
    close(team, closed)
    untouched = open_case(team, other)
    versions = {c.id: c.version for c in (first, second)}

    moved = cases.reassign_all(team.boss, leaving.id, taking.id, comment="left the office")
    db.session.commit()

    assert moved == 2
    db.session.expire_all()
    assert db.session.get(Case, first.id).assigned_to_id == taking.id
    assert db.session.get(Case, second.id).assigned_to_id == taking.id
    assert db.session.get(Case, closed.id).assigned_to_id == leaving.id
    assert db.session.get(Case, untouched.id).assigned_to_id == other.id
    assert all(db.session.get(Case, i).version > v for i, v in versions.items())

    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.reassign_all")
    ).all()
    assert event.changes["count"] == 2
    assert sorted(event.changes["case_ids"]) == sorted([first.id, second.id])
    assert event.changes["assigned_to"] == [leaving.username, taking.username]
    assert event.user_id == team.boss.id

    lines = db.session.scalars(
        select(CaseEvent).where(CaseEvent.event == "assign").order_by(CaseEvent.id)
    ).all()
    assert sorted(line.case_id for line in lines) == sorted([first.id, second.id])
    for line in lines:
        assert line.user_id == team.boss.id
        assert line.comment == "left the office"
        assert line.changes == {"assigned_to": [leaving.username, taking.username]}
    # the person who took over now works the cases
    assert cases.get(taking, first.id).id == first.id
    with pytest.raises(NotFound):
        cases.get(leaving, first.id)


def test_reassign_all_from_a_deactivated_caseworker(team, make_user):
    """Staff who left are deactivated first; their cases must still be handed over."""
    taking = make_user("caseworker", "KTM")
    case = open_case(team)
    team.worker.active = False
    db.session.commit()
    assert cases.reassign_all(team.boss, team.worker.id, taking.id) == 1
    db.session.commit()
    assert db.session.get(Case, case.id).assigned_to_id == taking.id


def test_reassign_all_with_nothing_open_moves_nothing(team, make_user):
    taking = make_user("caseworker", "KTM")
    assert cases.reassign_all(team.boss, team.worker.id, taking.id) == 0
    db.session.commit()
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.reassign_all")
    ).all()
    assert event.changes["count"] == 0


@pytest.mark.parametrize(
    ("target", "field"),
    [
        ({"role": "caseworker", "office": "DMK"}, "to_user"),
        ({"role": "caseworker", "office": "KTM", "active": False}, "to_user"),
        ({"role": "admin", "office": "KTM"}, "to_user"),
        ({"role": "partner", "office": "KTM"}, "to_user"),
        (None, "to_user"),  # the same person
    ],
)
def test_reassign_all_refuses_a_target_who_cannot_hold_cases(team, make_user, target, field):
    case = open_case(team)
    target_user = make_user(**target) if target else team.worker
    with pytest.raises(ValidationError) as refused:
        cases.reassign_all(team.boss, team.worker.id, target_user.id)
    assert list(refused.value.fields) == [field]
    db.session.rollback()
    assert db.session.get(Case, case.id).assigned_to_id == team.worker.id
    assert count(AuditEvent) == db.session.scalar(
        select(func.count()).where(AuditEvent.action != "case.reassign_all")
    )


def test_reassign_all_of_another_offices_person_is_refused(team, make_user):
    stranger = make_user("caseworker", "DMK")
    taking = make_user("caseworker", "KTM")
    with pytest.raises(ValidationError) as refused:
        cases.reassign_all(team.boss, stranger.id, taking.id)
    assert "from_user" in refused.value.fields
    dmk_boss = make_user("supervisor", "DMK")
    case = open_case(team)
    with pytest.raises(ValidationError) as refused:
        cases.reassign_all(dmk_boss, team.worker.id, stranger.id)
    assert "from_user" in refused.value.fields
    db.session.rollback()
    assert db.session.get(Case, case.id).assigned_to_id == team.worker.id


@pytest.mark.parametrize("role", ["caseworker", "admin", "partner"])
def test_only_supervisors_reassign_all(team, make_user, role):
    taking = make_user("caseworker", "KTM")
    actor = team.worker if role == "caseworker" else make_user(role, "KTM")
    case = open_case(team)
    with pytest.raises(PermissionDenied):
        cases.reassign_all(actor, team.worker.id, taking.id)
    db.session.rollback()
    assert db.session.get(Case, case.id).assigned_to_id == team.worker.id
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "case.reassign_all")) == 0
    )


# --- confidential notes ----------------------------------------------------------------------


@pytest.fixture
def noted(team):
    case = open_case(team)
    cases.add_note(team.worker, case, "Met the family; all well.")
    cases.add_note(team.worker, case, "Disclosed abuse by the recruiter.", confidential=True)
    db.session.commit()
    return case


def bodies(actor, case) -> list[str]:
    return sorted(n.body for n in cases.notes(actor, case))


BOTH = ["Disclosed abuse by the recruiter.", "Met the family; all well."]
OPEN_ONLY = ["Met the family; all well."]


def test_assigned_caseworker_and_supervisor_see_confidential_notes(team, noted, make_user):
    assert bodies(team.worker, noted) == BOTH
    assert bodies(team.boss, noted) == BOTH
    assert bodies(make_user("supervisor", "KTM"), noted) == BOTH
    assert sees_confidential(team.worker, noted)
    assert sees_confidential(team.boss, noted)


def test_admin_does_not_see_confidential_notes(noted, make_user):
    admin = make_user("admin", "KTM")
    assert bodies(admin, noted) == OPEN_ONLY
    assert not sees_confidential(admin, noted)


def test_other_staff_do_not_see_the_notes(noted, make_user):
    colleague = make_user("caseworker", "KTM")
    assert not sees_confidential(colleague, noted)
    with pytest.raises(NotFound):
        cases.notes(colleague, noted)
    for role in ("caseworker", "supervisor"):
        stranger = make_user(role, "DMK")
        assert not sees_confidential(stranger, noted)
        with pytest.raises(NotFound):
            cases.notes(stranger, noted)
    partner = make_user("partner", "KTM")
    assert not sees_confidential(partner, noted)
    with pytest.raises(PermissionDenied):
        cases.notes(partner, noted)


def test_confidential_notes_follow_the_assignment(team, noted, make_user):
    """The caseworker who takes the case over is its assigned caseworker; the former is not."""
    successor = make_user("caseworker", "KTM")
    assert not sees_confidential(successor, noted)
    cases.assign(team.boss, noted, successor.id, noted.version)
    db.session.commit()
    assert sees_confidential(successor, noted)
    assert bodies(successor, noted) == BOTH
    assert not sees_confidential(team.worker, noted)
    with pytest.raises(NotFound):
        cases.notes(team.worker, noted)


def test_a_deactivated_assignee_loses_sight_of_confidential_notes(team, noted):
    team.worker.active = False
    db.session.commit()
    assert not sees_confidential(team.worker, noted)


def test_history_and_audit_never_hold_a_confidential_note(noted):
    secret = "Disclosed abuse"
    for event in db.session.scalars(select(CaseEvent).where(CaseEvent.event == "note")):
        assert secret not in str(event.changes)
    notes_audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.note"))
    rows = notes_audit.all()
    assert len(rows) == 2
    assert all(secret not in str(row.changes) for row in rows)
    assert sorted(row.changes["confidential"] for row in rows) == [False, True]


# --- my work ----------------------------------------------------------------------------


def test_work_lists_overdue_and_due_soon_follow_ups_and_waiting_items(team, make_user):
    case = open_case(team)

    def follow_up(title, due, on=case, actor=None):
        item = cases.add_follow_up(actor or team.worker, on, title, due)
        db.session.commit()
        return item

    overdue = follow_up("Call back", TODAY - timedelta(days=3))
    today = follow_up("Visit today", TODAY)
    soon = follow_up("Collect papers", TODAY + timedelta(days=7))
    follow_up("Later", TODAY + timedelta(days=8))
    done = follow_up("Done already", TODAY - timedelta(days=1))
    cases.complete_follow_up(team.worker, done.id)
    db.session.commit()
    colleague = make_user("caseworker", "KTM")
    follow_up("Not mine", TODAY, on=open_case(team, colleague), actor=colleague)
    closed = open_case(team)
    follow_up("On a closed case", TODAY - timedelta(days=2), on=closed)
    close(team, closed)
    planned = open_case(team)
    move(team.worker, planned, "assessment")
    plan(team, planned)
    move(team.worker, planned, "plan_pending")

    mine = work.work(team.worker)
    assert [f.id for f in mine.overdue] == [overdue.id]
    assert [f.id for f in mine.due_soon] == [today.id, soon.id]
    assert [(a.approval_type, a.case_id) for a in mine.waiting_on_others] == [
        ("reintegration_plan", planned.id)
    ]
    assert {s: [c.id for c in cs] for s, cs in mine.cases_by_status.items()} == {
        "registered": [case.id],
        "plan_pending": [planned.id],
    }

    office = work.work(team.boss)
    assert [f.id for f in office.overdue] == [overdue.id]
    assert {f.title for f in office.due_soon} == {"Visit today", "Collect papers", "Not mine"}
    assert office.approvals_to_decide == 1
    load = {s.user.id: s.open_cases for s in office.staff}
    assert load[team.worker.id] == 2
    assert load[colleague.id] == 1

    decide(team.boss, pending_approval(planned, "reintegration_plan"))
    assert work.work(team.worker).waiting_on_others == []
    assert work.work(team.boss).approvals_to_decide == 0


def test_work_of_one_caseworker_for_their_supervisor(team, make_user):
    case = open_case(team)
    cases.add_follow_up(team.worker, case, "Call back", TODAY - timedelta(days=1))
    colleague = make_user("caseworker", "KTM")
    other = open_case(team, colleague)
    cases.add_follow_up(colleague, other, "Not theirs", TODAY - timedelta(days=1))
    db.session.commit()
    theirs = work.work(team.boss, team.worker.id)
    assert theirs.subject.id == team.worker.id
    assert [f.title for f in theirs.overdue] == ["Call back"]
    with pytest.raises(NotFound):
        work.work(team.boss, make_user("caseworker", "DMK").id)
    # a caseworker asking for someone else's work gets their own
    assert [f.title for f in work.work(team.worker, colleague.id).overdue] == ["Call back"]
