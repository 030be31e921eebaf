"""Referrals from a case to a service provider, through supervisor approval to the outcome.

Each action (submit, approve, reject, send, accept, decline, complete, cancel) is checked
against the referral table in casework.domain.workflow; an action the current status does
not allow is a 409 naming the allowed ones. Sending a referral records the transfer of
personal data to the provider (what was on the slip, on which consent) and raises a
follow-up in case the provider does not answer in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from casework.auth.permissions import Permission, require, scope_cases
from casework.domain import codes, follow_ups, workflow
from casework.errors import ActionConflict, NotFound, StaleVersion, ValidationError
from casework.extensions import db
from casework.models import (
    Approval,
    Case,
    DataTransfer,
    FollowUp,
    Provider,
    Referral,
    User,
    get_by_id,
    utcnow,
)
from casework.services import cases, settings
from casework.services.reference import shown_name

MAX_TEXT = 2000
# The table's accept and decline are one API action: respond {"accepted": bool}.
API_NAMES = {"accept": "respond", "decline": "respond"}


def api_actions(actions) -> list[str]:
    """Table actions as the API names them (POST /referrals/<id>/ACTION)."""
    return list(dict.fromkeys(API_NAMES.get(a, a) for a in actions))


# What the provider sees on the slip: enough to receive the person, nothing more.
SLIP_FIELDS = (
    "name",
    "name_ne",
    "sex",
    "age",
    "phone",
    "district",
    "local_level",
    "service",
    "urgency",
    "reason",
    "referred_by",
)


def _event(referral: Referral, actor: User | None, action: str, from_status: str, **changes):
    cases.record_event(
        referral.case,
        actor,
        f"referral_{action}",
        comment=changes.pop("comment", ""),
        changes={"referral_id": referral.id, "status": [from_status, referral.status], **changes},
    )


def _check_text(value, field: str, errors: dict, *, required: bool, message: str = "") -> str:
    text = (value or "").strip()
    if required and not text:
        errors[field] = [message or _("This is required.")]
    elif len(text) > MAX_TEXT:
        errors[field] = [_("At most %(n)d characters.", n=MAX_TEXT)]
    return text


def create(actor: User, case: Case, data: dict) -> Referral:
    """A draft referral from a case the actor works on."""
    require(actor, Permission.CASE_WORK, case)
    if not workflow.is_open(case.kind, case.status):
        raise ValidationError(fields={"case_id": [_("This case is closed.")]})
    errors: dict[str, list[str]] = {}
    service = data.get("service")
    if service not in codes.SERVICES:
        errors["service"] = [_("Choose a service from the list.")]
    provider = get_by_id(Provider, data.get("provider_id"))
    if provider is None or not provider.active:
        errors["provider_id"] = [_("Choose an active provider from the directory.")]
    elif service in codes.SERVICES and service not in provider.service_codes:
        errors["provider_id"] = [_("This provider does not offer that service.")]
    urgency = data.get("urgency") or "normal"
    if urgency not in codes.URGENCY:
        errors["urgency"] = [_("Choose normal or urgent.")]
    reason = _check_text(
        data.get("reason"),
        "reason",
        errors,
        required=True,
        message=_("Say why the person is referred."),
    )
    if errors:
        raise ValidationError(fields=errors)
    referral = Referral(
        case=case,
        office_code=case.office_code,
        provider=provider,
        service=service,
        urgency=urgency,
        reason=reason,
        consent_obtained=bool(data.get("consent_obtained")),
        created_by_id=actor.id,
    )
    db.session.add(referral)
    db.session.flush()
    _event(referral, actor, "create", "", provider=provider.name, service=service)
    return referral


def get(actor: User, referral_id: int) -> Referral:
    """A referral of a case the actor may see (supervisors: their office's), else NotFound."""
    require(actor, Permission.CASE_VIEW)
    referral = get_by_id(Referral, referral_id)
    if referral is None:
        raise NotFound()
    cases.get(actor, referral.case_id)  # NotFound outside the actor's cases
    return referral


def for_case(actor: User, case: Case) -> list[Referral]:
    require(actor, Permission.CASE_VIEW, case)
    stmt = (
        select(Referral).where(Referral.case_id == case.id).options(selectinload(Referral.provider))
    )
    return list(db.session.scalars(stmt.order_by(Referral.id.desc())))


@dataclass
class ReferralFilters:
    status: str | None = None
    case_id: int | None = None
    page: int = 1
    per_page: int = 25


def search(actor: User, filters: ReferralFilters) -> tuple[list[Referral], int]:
    """Referrals of the cases the actor may see; urgent ones first, then newest."""
    visible = scope_cases(actor, select(Case.id))
    stmt = select(Referral).where(Referral.case_id.in_(visible))
    if filters.status:
        stmt = stmt.where(Referral.status == filters.status)
    if filters.case_id:
        stmt = stmt.where(Referral.case_id == filters.case_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    urgent_first = sql_case((Referral.urgency == "urgent", 0), else_=1)
    page = (
        stmt.options(selectinload(Referral.provider), selectinload(Referral.case))
        .order_by(urgent_first, Referral.id.desc())
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
    )
    return list(db.session.scalars(page)), total


def _move(referral: Referral, action: str) -> str:
    """Apply the table: the new status, or ActionConflict naming what is allowed."""
    try:
        target = workflow.check_referral_action(referral.status, action)
    except workflow.ActionNotAllowed as refused:
        raise ActionConflict(
            API_NAMES.get(refused.action, refused.action),
            refused.status,
            api_actions(refused.allowed),
        ) from None
    from_status = referral.status
    referral.status = target
    return from_status


def check_version(referral: Referral, version: int | None) -> None:
    if version is not None and version != referral.version:
        raise StaleVersion()


def consent_on_record(referral: Referral) -> bool:
    person = referral.case.beneficiary
    return bool(person.consent_given and "referral" in (person.consent_purposes or []))


def submit(actor: User, referral: Referral, version: int | None = None) -> Referral:
    """Ask a supervisor to approve; refused without consent to referral on record."""
    require(actor, Permission.CASE_WORK, referral.case)
    check_version(referral, version)
    if referral.status == "draft":
        errors = {}
        if not referral.consent_obtained:
            errors["consent_obtained"] = [
                _("Record that the person agreed to this referral before submitting it.")
            ]
        if not consent_on_record(referral):
            errors["consent"] = [
                _(
                    "The person's record has no consent to referral to third parties. "
                    "Record their consent on their profile first."
                )
            ]
        if errors:
            raise ValidationError(fields=errors)
    from_status = _move(referral, "submit")
    referral.submitted_by_id, referral.submitted_at = actor.id, utcnow()
    db.session.add(
        Approval(
            approval_type="referral",
            office_code=referral.office_code,
            case_id=referral.case_id,
            subject_id=referral.id,
            requested_by_id=actor.id,
            request_comment=referral.reason[:500],
        )
    )
    db.session.flush()
    _event(referral, actor, "submit", from_status)
    return referral


def decide(actor: User, referral: Referral, approve: bool, reason: str) -> None:
    """The supervisor's decision, called by casework.services.approvals.decide."""
    from_status = _move(referral, "approve" if approve else "reject")
    referral.decided_by_id, referral.decided_at = actor.id, utcnow()
    referral.decision_reason = reason
    db.session.flush()
    _event(referral, actor, "approve" if approve else "reject", from_status, comment=reason)


def pending_approval(referral: Referral, action: str = "approve") -> Approval:
    item = db.session.scalar(
        select(Approval).where(
            Approval.approval_type == "referral",
            Approval.subject_id == referral.id,
            Approval.status == "pending",
        )
    )
    if item is None:
        raise ActionConflict(
            action, referral.status, api_actions(workflow.referral_actions(referral.status))
        )
    return item


def slip(actor: User, referral: Referral) -> dict:
    """What the provider receives: only the fields in SLIP_FIELDS."""
    require(actor, Permission.CASE_WORK, referral.case)
    person = referral.case.beneficiary
    return {
        "name": person.full_name,
        "name_ne": person.name_ne,
        "sex": str(codes.SEX.get(person.sex, person.sex)),
        "age": _age(person.date_of_birth),
        "phone": person.phone,
        "district": shown_name(person.district) if person.district else "",
        "local_level": shown_name(person.local_level) if person.local_level else "",
        "service": str(codes.SERVICES[referral.service]),
        "urgency": str(codes.URGENCY[referral.urgency]),
        "reason": referral.reason,
        "referred_by": f"{referral.created_by.full_name or referral.created_by.username}, "
        f"{referral.office_code}",
    }


def _age(born: date | None) -> str:
    if born is None:
        return ""
    today = date.today()
    return str(today.year - born.year - ((today.month, today.day) < (born.month, born.day)))


def send(actor: User, referral: Referral, version: int | None = None) -> Referral:
    """Mark as sent: records the transfer of personal data and expects an answer in time."""
    require(actor, Permission.CASE_WORK, referral.case)
    check_version(referral, version)
    from_status = _move(referral, "send")
    if not consent_on_record(referral):
        raise ValidationError(
            fields={"consent": [_("The consent to referral was withdrawn; it cannot be sent.")]}
        )
    referral.sent_at = utcnow()
    person = referral.case.beneficiary
    db.session.add(
        DataTransfer(
            referral_id=referral.id,
            beneficiary_id=person.id,
            provider_id=referral.provider_id,
            sent_by_id=actor.id,
            fields=list(SLIP_FIELDS),
            consent={
                "given": person.consent_given,
                "date": person.consent_date.isoformat() if person.consent_date else None,
                "purposes": list(person.consent_purposes or []),
                "confirmed_for_referral": referral.consent_obtained,
            },
        )
    )
    days = settings.referral_response_days()
    cases.add_follow_up(
        None,
        referral.case,
        follow_ups.not_answered_title(referral.id, referral.provider.name),
        date.today() + timedelta(days=days),
        automatic=True,
    )
    db.session.flush()
    _event(referral, actor, "send", from_status, provider=referral.provider.name)
    return referral


def respond(actor: User, referral: Referral, accepted: bool, note: str = "", version=None):
    """Record the provider's answer; the "not answered" follow-up is done."""
    require(actor, Permission.CASE_WORK, referral.case)
    check_version(referral, version)
    errors: dict = {}
    note = _check_text(note, "note", errors, required=False)
    if errors:
        raise ValidationError(fields=errors)
    from_status = _move(referral, "accept" if accepted else "decline")
    referral.responded_at, referral.response_note = utcnow(), note
    _close_not_answered(actor, referral)
    db.session.flush()
    _event(referral, actor, "accept" if accepted else "decline", from_status, comment=note)
    return referral


def _close_not_answered(actor: User, referral: Referral) -> None:
    title = follow_ups.not_answered_title(referral.id, referral.provider.name)
    stmt = select(FollowUp).where(
        FollowUp.case_id == referral.case_id,
        FollowUp.automatic.is_(True),
        FollowUp.title == title,
        FollowUp.done_at.is_(None),
    )
    for follow_up in db.session.scalars(stmt):
        follow_up.done_at, follow_up.done_by_id = utcnow(), actor.id


def complete(actor: User, referral: Referral, outcome: str, version=None) -> Referral:
    require(actor, Permission.CASE_WORK, referral.case)
    check_version(referral, version)
    errors: dict = {}
    outcome = _check_text(
        outcome, "outcome", errors, required=True, message=_("Say what came of the referral.")
    )
    if errors:
        raise ValidationError(fields=errors)
    from_status = _move(referral, "complete")
    referral.completed_at, referral.outcome = utcnow(), outcome
    db.session.flush()
    _event(referral, actor, "complete", from_status, comment=outcome)
    return referral


def cancel(actor: User, referral: Referral, reason: str = "", version=None) -> Referral:
    require(actor, Permission.CASE_WORK, referral.case)
    check_version(referral, version)
    from_status = _move(referral, "cancel")
    if from_status == "pending_approval":
        item = pending_approval(referral)
        item.status, item.decided_at = "cancelled", utcnow()
    db.session.flush()
    _event(referral, actor, "cancel", from_status, comment=(reason or "").strip()[:MAX_TEXT])
    return referral


def transfers(actor: User, beneficiary_id: int) -> list[DataTransfer]:
    """Every transfer of this person's data to a third party (for their profile)."""
    require(actor, Permission.BENEFICIARY_VIEW)
    stmt = select(DataTransfer).where(DataTransfer.beneficiary_id == beneficiary_id)
    stmt = stmt.options(selectinload(DataTransfer.provider), selectinload(DataTransfer.sent_by))
    return list(db.session.scalars(stmt.order_by(DataTransfer.id.desc())))
