"""Return and reintegration: the plan, assistance delivered, monitoring visits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from casework.auth.permissions import Permission, require
from casework.domain import follow_ups, reintegration
from casework.errors import PermissionDenied, ValidationError
from casework.extensions import db
from casework.models import (
    AssistanceDelivery,
    Case,
    FollowUp,
    MonitoringVisit,
    PlanItem,
    User,
    utcnow,
)
from casework.services import cases, settings

PLAN_EDITABLE = ("registered", "assessment")
DELIVERY_ALLOWED = ("assistance", "monitoring")
MAX_AMOUNT = 100_000_000  # NPR; larger is a typing error
MONITORING_TITLE = follow_ups.MONITORING_VISIT  # stored in English: see domain/follow_ups


def _require_return_case(actor: User, case: Case) -> None:
    require(actor, Permission.CASE_WORK, case)
    if case.kind != "return_reintegration":
        raise PermissionDenied(_("This case has no reintegration plan."))


def _check_amount(value, field: str, errors: dict) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_AMOUNT:
        errors[field] = [_("An amount in rupees, from 1 to %(max)s.", max=f"{MAX_AMOUNT:,}")]


def save_plan(actor: User, case: Case, goals: str, items: list[dict]) -> None:
    """Replace the plan's goals and items while the case is being assessed."""
    _require_return_case(actor, case)
    if case.status not in PLAN_EDITABLE:
        raise PermissionDenied(
            _("The plan can only be changed before it is submitted for approval.")
        )
    goals = (goals or "").strip()
    errors: dict[str, list[str]] = {}
    if len(goals) > cases.MAX_NOTE:
        errors["plan_goals"] = [_("At most %(n)d characters.", n=cases.MAX_NOTE)]
    for index, item in enumerate(items):
        if item.get("assistance_type") not in reintegration.ASSISTANCE_TYPES:
            errors[f"items.{index}.assistance_type"] = [_("Choose a type of assistance.")]
        if len(item.get("description") or "") > 300:
            errors[f"items.{index}.description"] = [_("At most %(n)d characters.", n=300)]
        _check_amount(item.get("budget_npr"), f"items.{index}.budget_npr", errors)
    if errors:
        raise ValidationError(fields=errors)
    details = case.return_details
    before = {"goals": details.plan_goals, "items": _items(details.plan_items)}
    details.plan_goals = goals
    details.plan_items = [
        PlanItem(
            assistance_type=item["assistance_type"],
            description=(item.get("description") or "").strip(),
            budget_npr=item["budget_npr"],
        )
        for item in items
    ]
    db.session.flush()
    after = {"goals": goals, "items": _items(details.plan_items)}
    if before != after:
        cases.record_event(case, actor, "plan", changes={"plan": [before, after]})


def _items(items: list[PlanItem]) -> list[dict]:
    return [
        {"type": i.assistance_type, "description": i.description, "budget_npr": i.budget_npr}
        for i in items
    ]


@dataclass
class Budget:
    planned: int
    approved: int
    delivered: int
    pending: int

    @property
    def remaining(self) -> int:
        return self.approved - self.delivered


def budget(case: Case) -> Budget:
    details = case.return_details
    return Budget(
        planned=sum(i.budget_npr for i in details.plan_items),
        approved=details.approved_budget_npr,
        delivered=sum(d.amount_npr for d in details.deliveries if d.status == "recorded"),
        pending=sum(d.amount_npr for d in details.deliveries if d.status == "pending"),
    )


def record_delivery(actor: User, case: Case, data: dict) -> AssistanceDelivery:
    """Record assistance delivered; beyond the approved budget it waits for a supervisor."""
    _require_return_case(actor, case)
    if case.status not in DELIVERY_ALLOWED:
        raise PermissionDenied(
            _("Assistance can be recorded only after a supervisor approves the plan.")
        )
    errors: dict[str, list[str]] = {}
    if data.get("assistance_type") not in reintegration.ASSISTANCE_TYPES:
        errors["assistance_type"] = [_("Choose a type of assistance.")]
    _check_amount(data.get("amount_npr"), "amount_npr", errors)
    delivered_on = data.get("delivered_on")
    if not isinstance(delivered_on, date):
        errors["delivered_on"] = [_("Give the date it was delivered.")]
    elif delivered_on > date.today():
        errors["delivered_on"] = [_("The delivery date cannot be in the future.")]
    elif delivered_on < case.return_details.return_date:
        errors["delivered_on"] = [_("The delivery date cannot be before the return.")]
    delivered_by = (data.get("delivered_by") or "").strip()
    if not delivered_by:
        errors["delivered_by"] = [_("Say who delivered it (a person or an organisation).")]
    elif len(delivered_by) > 120:
        errors["delivered_by"] = [_("At most %(n)d characters.", n=120)]
    if len(data.get("notes") or "") > cases.MAX_NOTE:
        errors["notes"] = [_("At most %(n)d characters.", n=cases.MAX_NOTE)]
    if errors:
        raise ValidationError(fields=errors)
    current = budget(case)
    overrun = current.delivered + current.pending + data["amount_npr"] > current.approved
    delivery = AssistanceDelivery(
        case_id=case.id,
        assistance_type=data["assistance_type"],
        amount_npr=data["amount_npr"],
        delivered_on=delivered_on,
        delivered_by=delivered_by,
        notes=(data.get("notes") or "").strip(),
        status="pending" if overrun else "recorded",
        recorded_by_id=actor.id,
    )
    case.return_details.deliveries.append(delivery)
    db.session.flush()
    if overrun:
        comment = _(
            "Delivered total would exceed the approved budget of NPR %(approved)s.",
            approved=f"{current.approved:,}",
        )
        cases._request_approval(actor, case, "budget_overrun", delivery.id, comment)
    else:
        schedule_monitoring(case, delivered_on)
    cases.record_event(
        case,
        actor,
        "assistance",
        changes={
            "type": delivery.assistance_type,
            "amount_npr": delivery.amount_npr,
            "delivered_on": delivered_on,
            "status": delivery.status,
        },
    )
    return delivery


def schedule_monitoring(case: Case, delivered_on: date) -> None:
    """A monitoring visit is due three months after assistance is delivered."""
    open_visit = db.session.scalar(
        select(FollowUp.id).where(
            FollowUp.case_id == case.id,
            FollowUp.automatic.is_(True),
            FollowUp.title == MONITORING_TITLE,
            FollowUp.done_at.is_(None),
        )
    )
    if open_visit is None:
        cases.add_follow_up(
            None, case, MONITORING_TITLE, reintegration.monitoring_due(delivered_on), automatic=True
        )


def record_visit(actor: User, case: Case, data: dict) -> MonitoringVisit:
    """Score a monitoring visit; the composite uses the weights in force today."""
    _require_return_case(actor, case)
    if case.status not in DELIVERY_ALLOWED:
        raise PermissionDenied(_("Monitoring visits are recorded once assistance has started."))
    errors = reintegration.check_scores(data)
    visit_date = data.get("visit_date")
    if not isinstance(visit_date, date):
        errors["visit_date"] = [_("Give the date of the visit.")]
    elif visit_date > date.today():
        errors["visit_date"] = [_("The visit date cannot be in the future.")]
    elif visit_date < case.return_details.return_date:
        errors["visit_date"] = [_("The visit date cannot be before the return.")]
    if len(data.get("notes") or "") > cases.MAX_NOTE:
        errors["notes"] = [_("At most %(n)d characters.", n=cases.MAX_NOTE)]
    if errors:
        raise ValidationError(fields=errors)
    score_settings = settings.reintegration_settings()
    scores = {d: float(data[d]) for d in reintegration.DIMENSIONS}
    score = reintegration.composite(scores, score_settings)
    visit = MonitoringVisit(
        case_id=case.id,
        visit_date=visit_date,
        composite=score,
        sustainable=reintegration.is_sustainable(score, score_settings),
        notes=(data.get("notes") or "").strip(),
        recorded_by_id=actor.id,
        **scores,
    )
    case.return_details.visits.append(visit)
    _complete_monitoring_follow_ups(actor, case)
    if not visit.sustainable:
        cases.add_follow_up(
            None, case, MONITORING_TITLE, reintegration.monitoring_due(visit_date), automatic=True
        )
    db.session.flush()
    cases.record_event(
        case,
        actor,
        "monitoring",
        changes={
            **scores,
            "visit_date": visit_date,
            "composite": score,
            "sustainable": visit.sustainable,
        },
    )
    return visit


def _complete_monitoring_follow_ups(actor: User, case: Case) -> None:
    due = db.session.scalars(
        select(FollowUp).where(
            FollowUp.case_id == case.id,
            FollowUp.title == MONITORING_TITLE,
            FollowUp.done_at.is_(None),
        )
    )
    for follow_up in due:
        follow_up.done_at, follow_up.done_by_id = utcnow(), actor.id
