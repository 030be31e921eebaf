"""Subject access: everything Casework holds about one person, for an admin to hand over.

The report holds the profile and identity documents, consent with its history, every case
the person is on (as principal or family member) with its kind's details, history, notes,
follow-ups, approvals and referrals, the transfers of their data to providers, and the
audit trail of who viewed and changed the record. It is produced as a printable page and
as JSON from the same dictionary, and producing it is audited.

What the access model keeps from admins stays kept here too: torture and sexual violence
read "restricted" and confidential notes are withheld (counted, not shown). The report
says so, so the person can ask their caseworker or the office's supervisor for them.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from casework import audit
from casework.auth.permissions import Permission, require
from casework.domain import privacy
from casework.errors import NotFound, ValidationError
from casework.extensions import db
from casework.models import (
    Approval,
    AuditEvent,
    Beneficiary,
    Case,
    CaseEvent,
    CaseMember,
    CaseNote,
    DataTransfer,
    FollowUp,
    Referral,
    User,
    get_by_id,
    utcnow,
)
from casework.services import cases

# Columns the system keeps for itself, not data about the person.
SYSTEM_COLUMNS = {"given_key", "family_key", "search_text", "number_key", "version"}
KIND_DETAILS = ("return_details", "conflict_details", "resettlement_details")
KIND_CHILDREN = {
    "return_details": ("plan_items", "deliveries", "visits"),
    "resettlement_details": ("members", "stages"),
    "conflict_details": (),
}


def row(obj) -> dict[str, Any]:
    """A row's columns as JSON-ready values (system columns left out)."""
    return {
        c.key: audit.jsonable(getattr(obj, c.key))
        for c in obj.__table__.columns
        if c.key not in SYSTEM_COLUMNS
    }


def produce(actor: User, beneficiary_id: int, fmt: str) -> dict[str, Any]:
    """The report as a dictionary (audited as `subject_access.produce` with its format)."""
    require(actor, Permission.SUBJECT_ACCESS)
    person = get_by_id(Beneficiary, beneficiary_id)
    if person is None:
        raise NotFound()
    require(actor, Permission.SUBJECT_ACCESS, person)
    people_cases = _cases_of(person.id)
    report = {
        "generated_at": audit.jsonable(utcnow()),
        "generated_by": actor.username,
        "profile": _profile(person),
        "consent": _consent(person),
        "cases": [_case(actor, case) for case in people_cases],
        "data_transfers": _transfers(person.id),
        "audit_trail": _trail(person.id, [c.id for c in people_cases]),
        "withheld": {"confidential_notes": 0},
    }
    report["withheld"]["confidential_notes"] = sum(c["withheld_notes"] for c in report["cases"])
    report = privacy.mask_sensitive(report)
    audit.record(
        "subject_access.produce",
        object_type="beneficiary",
        object_id=person.id,
        changes={"format": fmt},
        actor=actor,
    )
    return report


def _profile(person: Beneficiary) -> dict:
    profile = row(person)
    profile["district"] = person.district.name_en if person.district else None
    profile["local_level"] = person.local_level.name_en if person.local_level else None
    profile["documents"] = [row(d) for d in person.documents]
    return profile


def _consent(person: Beneficiary) -> dict:
    stmt = select(AuditEvent).where(
        AuditEvent.action.in_(["beneficiary.consent"]),
        AuditEvent.object_type == "beneficiary",
        AuditEvent.object_id == str(person.id),
    )
    history = [
        {"at": audit.jsonable(e.occurred_at), "by": e.username, **(e.changes or {})}
        for e in db.session.scalars(stmt.order_by(AuditEvent.id))
    ]
    return {
        "given": person.consent_given,
        "date": audit.jsonable(person.consent_date),
        "purposes": list(person.consent_purposes or []),
        "history": history,
    }


def _cases_of(person_id: int) -> list[Case]:
    member_of = select(CaseMember.case_id).where(CaseMember.beneficiary_id == person_id)
    stmt = select(Case).where(or_(Case.beneficiary_id == person_id, Case.id.in_(member_of)))
    return list(db.session.scalars(stmt.order_by(Case.id)))


def _case(actor: User, case: Case) -> dict:
    data = row(case)
    data["assigned_to"] = case.assigned_to.username
    for name in KIND_DETAILS:
        details = getattr(case, name)
        if details is not None:
            data[name] = row(details)
            for child in KIND_CHILDREN[name]:
                data[name][child] = [row(item) for item in getattr(details, child)]
    held = db.session.scalar(
        select(func.count()).select_from(CaseNote).where(CaseNote.case_id == case.id)
    )
    # The notes the actor may read (none of a torture or sexual-violence case, no
    # confidential ones, for an admin): cases.notes decides, as on the case page.
    shown = cases.notes(actor, case)
    data["notes"] = [row(n) for n in shown]
    data["withheld_notes"] = (held or 0) - len(shown)
    data["history"] = _rows(CaseEvent, case.id, CaseEvent.id)
    data["follow_ups"] = _rows(FollowUp, case.id, FollowUp.id)
    data["approvals"] = _rows(Approval, case.id, Approval.id)
    data["referrals"] = [
        {**row(r), "provider": r.provider.name}
        for r in db.session.scalars(select(Referral).where(Referral.case_id == case.id))
    ]
    return data


def _rows(model, case_id: int, order) -> list[dict]:
    stmt = select(model).where(model.case_id == case_id).order_by(order)
    return [row(item) for item in db.session.scalars(stmt)]


def _transfers(person_id: int) -> list[dict]:
    stmt = select(DataTransfer).where(DataTransfer.beneficiary_id == person_id)
    return [
        {**row(t), "provider": t.provider.name, "sent_by": t.sent_by.username}
        for t in db.session.scalars(stmt.order_by(DataTransfer.id))
    ]


def _trail(person_id: int, case_ids: list[int]) -> list[dict]:
    """Who viewed, changed, exported or reported on the record and its cases, oldest first."""
    about = or_(
        (AuditEvent.object_type == "beneficiary") & (AuditEvent.object_id == str(person_id)),
        (AuditEvent.object_type == "case") & AuditEvent.object_id.in_([str(i) for i in case_ids]),
    )
    stmt = select(AuditEvent).where(about).order_by(AuditEvent.id)
    return [
        {
            "at": audit.jsonable(e.occurred_at),
            "who": e.username,
            "from": e.ip_address,
            "action": e.action,
            "record": f"{e.object_type} {e.object_id}",
            "changes": e.changes,
        }
        for e in db.session.scalars(stmt)
    ]


def find(actor: User, registration_number: str) -> int:
    """The id of the person with this registration number, or a message naming the field."""
    require(actor, Permission.SUBJECT_ACCESS)
    number = (registration_number or "").strip().upper()
    found = db.session.scalar(
        select(Beneficiary.id).where(Beneficiary.registration_number == number)
    )
    if found is None:
        raise ValidationError(
            fields={"registration_number": [_("No beneficiary with this registration number.")]}
        )
    return found
