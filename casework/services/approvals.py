"""The supervisors' approvals queue: plans, closures and budget overruns (referrals later).

A decision goes through `decide`, whether it comes from the queue page, the approvals API
or the case transitions API, so the rules are the same everywhere: a supervisor of the
item's office, not the person who asked (four eyes), with a comment.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from casework.auth.permissions import Permission, may_decide, require, scope_approvals
from casework.domain import workflow
from casework.errors import Conflict, NotFound, ValidationError
from casework.extensions import db
from casework.models import (
    Approval,
    AssistanceDelivery,
    Case,
    Referral,
    User,
    get_by_id,
    utcnow,
)
from casework.services import cases, referrals
from casework.services.reintegration import budget, schedule_monitoring

MAX_COMMENT = 2000
TYPES = ("reintegration_plan", "case_closure", "budget_overrun", "referral")


def queue(actor: User, page: int = 1, per_page: int = 50) -> tuple[list[Approval], int]:
    """One page of the pending items of the actor's office, and how many there are:
    urgent referrals first, then oldest first."""
    pending = scope_approvals(actor, select(Approval)).where(Approval.status == "pending")
    total = db.session.scalar(pending.with_only_columns(func.count())) or 0
    stmt = pending.outerjoin(
        Referral, (Approval.approval_type == "referral") & (Referral.id == Approval.subject_id)
    ).options(
        selectinload(Approval.case).selectinload(Case.beneficiary),
        selectinload(Approval.requested_by),
    )
    urgent_first = sql_case((Referral.urgency == "urgent", 0), else_=1)
    ordered = stmt.order_by(urgent_first, Approval.requested_at, Approval.id)
    items = list(db.session.scalars(ordered.limit(per_page).offset((page - 1) * per_page)))
    _attach_referrals(items)
    return items, total


def _attach_referrals(items: list[Approval]) -> None:
    """Give each referral item its referral (`item.referral`, not a column) for display."""
    ids = [i.subject_id for i in items if i.approval_type == "referral"]
    found = (
        {
            r.id: r
            for r in db.session.scalars(
                select(Referral)
                .where(Referral.id.in_(ids))
                .options(selectinload(Referral.provider))
            )
        }
        if ids
        else {}
    )
    for item in items:
        item.referral = found.get(item.subject_id) if item.approval_type == "referral" else None


def pending_count(actor: User) -> int:
    stmt = scope_approvals(actor, select(func.count()).select_from(Approval))
    return db.session.scalar(stmt.where(Approval.status == "pending")) or 0


def waiting_on(actor: User) -> list[Approval]:
    """Items the actor asked for that no supervisor has decided yet."""
    stmt = select(Approval).where(
        Approval.requested_by_id == actor.id, Approval.status == "pending"
    )
    return list(db.session.scalars(stmt.options(selectinload(Approval.case)).order_by(Approval.id)))


def get(actor: User, approval_id: int) -> Approval:
    """An item of the actor's office queue (403 for who may not decide, 404 elsewhere)."""
    require(actor, Permission.APPROVE)
    approval = get_by_id(Approval, approval_id)
    if approval is None:
        raise NotFound()
    require(actor, Permission.APPROVE, approval)
    return approval


def pending_for_case(case: Case, approval_type: str) -> Approval | None:
    """The undecided item of this type for a case, if any."""
    return db.session.scalar(
        select(Approval).where(
            Approval.case_id == case.id,
            Approval.approval_type == approval_type,
            Approval.status == "pending",
        )
    )


def decide(
    actor: User, approval: Approval, *, approve: bool, comment: str, require_comment: bool = True
) -> Approval:
    """Approve or reject an item. The referral API's `approve` needs no comment (its contract
    has no body); everywhere else a decision carries one."""
    may_decide(actor, approval)
    comment = (comment or "").strip()
    if not comment and (require_comment or not approve):
        raise ValidationError(fields={"comment": [_("Give a comment with your decision.")]})
    if len(comment) > MAX_COMMENT:
        raise ValidationError(fields={"comment": [_("At most %(n)d characters.", n=MAX_COMMENT)]})
    if approval.status != "pending":
        raise Conflict(_("This item was already decided."))
    case = approval.case
    if approval.approval_type == "budget_overrun":
        _decide_overrun(actor, case, approval, approve, comment)
    elif approval.approval_type == "referral":
        referrals.decide(actor, get_by_id(Referral, approval.subject_id), approve, comment)
    else:
        _decide_status(actor, case, approval, approve, comment)
    approval.status = "approved" if approve else "rejected"
    approval.decided_by_id, approval.decided_at = actor.id, utcnow()
    approval.decision_comment = comment
    db.session.flush()
    return approval


def _decide_status(actor: User, case: Case, approval: Approval, approve: bool, comment: str):
    pending = workflow.workflow(case.kind).pending.get(case.status)
    if pending is None or pending.approval_type != approval.approval_type:
        raise Conflict(_("The case is no longer waiting for this decision."))
    from_status = case.status
    if approve:
        case.status = pending.on_approve
        if pending.approval_type == "reintegration_plan":
            case.return_details.approved_budget_npr = budget(case).planned
        if case.status in workflow.workflow(case.kind).final:
            case.closed_at = utcnow()
    else:
        case.status = case.pending_from
        if pending.approval_type == "case_closure":
            case.closure_reason = None
    case.pending_from = None
    db.session.flush()
    cases.record_event(
        case,
        actor,
        "approve" if approve else "reject",
        from_status=from_status,
        to_status=case.status,
        comment=comment,
        changes={"approval": pending.approval_type},
    )


def _decide_overrun(actor: User, case: Case, approval: Approval, approve: bool, comment: str):
    if not workflow.is_open(case.kind, case.status):
        raise Conflict(_("The case is closed; this overrun can no longer be decided."))
    delivery = get_by_id(AssistanceDelivery, approval.subject_id)
    details = case.return_details
    if approve:
        delivery.status = "recorded"
        current = budget(case)
        details.approved_budget_npr = max(details.approved_budget_npr, current.delivered)
        schedule_monitoring(case, delivery.delivered_on)
    else:
        delivery.status = "rejected"
    db.session.flush()
    cases.record_event(
        case,
        actor,
        "approve" if approve else "reject",
        comment=comment,
        changes={
            "approval": "budget_overrun",
            "amount_npr": delivery.amount_npr,
            "approved_budget_npr": details.approved_budget_npr,
        },
    )
