"""Retention: finding the people kept past the retention period, and anonymising them.

Who is due (the setting `retention_years`, default 7):

- a person with cases (as principal or as a family member on a resettlement case) whose
  cases are all closed, the last closure longer ago than the period;
- a person with no case at all, registered longer ago than the period.

Anonymising keeps what aggregate reports count (office, district, sex, nationality, the
year of birth, vulnerabilities and consent codes, cases with their kinds, statuses and
dates, referrals' services and statuses) and removes what names or describes the person:
names, phone, address below the district, identity documents, the day and month of birth,
every free-text column of their cases (notes, comments, plan and assistance texts,
referral reasons and answers, follow-up titles, stage notes, conflict documents), the
search keys, and the diffs of the audit events about them (replaced by {"redacted": true};
the chain hashes a digest of each diff, so `flask audit verify` still passes), as are
the search words of exports older than the period. The run is one transaction and one
audit event with counts, never names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import String, and_, case, func, literal, or_, select, update

from casework import audit
from casework.auth.permissions import Permission, require
from casework.domain import privacy
from casework.extensions import db
from casework.models import (
    Approval,
    AssistanceDelivery,
    AuditEvent,
    Beneficiary,
    Case,
    CaseEvent,
    CaseMember,
    CaseNote,
    ConflictDetails,
    FollowUp,
    IdentityDocument,
    MonitoringVisit,
    PlanItem,
    Referral,
    ResettlementDetails,
    ReturnDetails,
    StageRecord,
    User,
    utcnow,
)
from casework.services import settings

CHUNK = 500  # ids per IN (…) list: well under every database's parameter limit
# Case-history keys that say what happened, not who or why (the rest is erased).
KEPT_HISTORY_KEYS = ("status", "referral_id", "service", "kind")
# Stage details that are free text or a booking reference; the outcomes are codes and stay.
ERASED_STAGE_DETAILS = ("notes", "booking_reference")
ERASED_TEXT = {
    CaseNote: ("body",),
    FollowUp: ("title",),
    Approval: ("request_comment", "decision_comment"),
    ReturnDetails: ("plan_goals",),
    PlanItem: ("description",),
    AssistanceDelivery: ("notes", "delivered_by"),
    MonitoringVisit: ("notes",),
    ConflictDetails: ("documents_seen", "relief_received", "taskforce_reference"),
    Referral: ("reason", "decision_reason", "response_note", "outcome"),
    CaseEvent: ("comment",),
}


@dataclass(frozen=True)
class Due:
    """One person past the retention period, as the list shows them (no names)."""

    beneficiary_id: int
    registration_number: str
    office_code: str
    registered_on: date
    last_closed_on: date | None  # None: the person has no case

    @property
    def reason(self) -> str:
        return "no_case" if self.last_closed_on is None else "cases_closed"


@dataclass
class Outcome:
    beneficiaries: int = 0
    cases: int = 0
    documents: int = 0
    audit_events: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def cutoff(today: date | None = None, years: int | None = None) -> datetime:
    """The moment before which a closure or registration is past the retention period."""
    today = today or date.today()
    years = settings.retention_years() if years is None else years
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February in a year that has none
        day = today.replace(year=today.year - years, day=28)
    return datetime.combine(day, time(), UTC)


def _involvement():
    """Each person's cases, as principal or as a family member: (person, case)."""
    principal = select(Case.beneficiary_id.label("person_id"), Case.id.label("case_id"))
    member = select(CaseMember.beneficiary_id, CaseMember.case_id)
    return principal.union(member).subquery()


def due(actor: User | None, today: date | None = None) -> list[Due]:
    """Everyone past the retention period and not yet anonymised, oldest first."""
    if actor is not None:
        require(actor, Permission.RETENTION_MANAGE)
    before = cutoff(today)
    inv = _involvement()
    per_person = (
        select(
            inv.c.person_id,
            func.count(Case.id).label("cases"),
            func.sum(case((Case.closed_at.is_(None), 1), else_=0)).label("open"),
            func.max(Case.closed_at).label("last_closed"),
        )
        .join(Case, Case.id == inv.c.case_id)
        .group_by(inv.c.person_id)
        .subquery()
    )
    stmt = (
        select(Beneficiary, per_person.c.last_closed)
        .outerjoin(per_person, per_person.c.person_id == Beneficiary.id)
        .where(
            Beneficiary.anonymised_at.is_(None),
            or_(
                and_(per_person.c.person_id.is_(None), Beneficiary.created_at < before),
                and_(per_person.c.open == 0, per_person.c.last_closed < before),
            ),
        )
        .order_by(Beneficiary.id)
    )
    return [_due(person, last_closed) for person, last_closed in db.session.execute(stmt)]


def _due(person: Beneficiary, last_closed) -> Due:
    if last_closed is not None and last_closed.tzinfo is None:  # SQLite's MAX() is plain text
        last_closed = datetime.fromisoformat(str(last_closed)).replace(tzinfo=UTC)
    return Due(
        beneficiary_id=person.id,
        registration_number=person.registration_number,
        office_code=person.office_code,
        registered_on=person.created_at.date(),
        last_closed_on=last_closed.date() if last_closed else None,
    )


def apply(actor: User | None, today: date | None = None, *, command: str = "") -> Outcome:
    """Anonymise everyone due, in the caller's transaction; audited with the counts."""
    if actor is not None:
        require(actor, Permission.RETENTION_MANAGE)
    people = [d.beneficiary_id for d in due(actor, today)]
    outcome = Outcome()
    for chunk in _chunks(people):
        _anonymise(chunk, outcome)
    outcome.audit_events += _redact_old_searches(cutoff(today))
    audit.record(
        "retention.apply",
        object_type="retention",
        changes={
            **outcome.as_dict(),
            "retention_years": settings.retention_years(),
            "cutoff": cutoff(today).date(),
            "by": command or "admin page",
        },
        actor=actor,
        username=None if actor else "flask casework retention",
    )
    db.session.expire_all()  # the rows were changed by UPDATE statements, not the ORM
    return outcome


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _anonymise(people: list[int], outcome: Outcome) -> None:
    case_ids = list(db.session.scalars(select(Case.id).where(Case.beneficiary_id.in_(people))))
    outcome.beneficiaries += len(people)
    outcome.cases += len(case_ids)
    outcome.documents += _delete_documents(people)
    _anonymise_people(people)
    for chunk in _chunks(case_ids):
        _erase_case_text(chunk)
    outcome.audit_events += _redact_audit(people, case_ids)


def _delete_documents(people: list[int]) -> int:
    result = db.session.execute(
        IdentityDocument.__table__.delete().where(IdentityDocument.beneficiary_id.in_(people))
    )
    return result.rowcount or 0


def _anonymise_people(people: list[int]) -> None:
    """Names, contacts below the district and the day of birth go; the codes stay."""
    year_start = _year_start_expression()
    db.session.execute(
        update(Beneficiary)
        .where(Beneficiary.id.in_(people))
        .values(
            given_name=privacy.ANONYMISED_NAME,
            family_name="",
            name_ne="",
            phone="",
            local_level_id=None,
            ward=None,
            address_line="",
            date_of_birth=year_start,
            dob_estimated=True,
            given_key="",
            family_key="",
            search_text="",
            anonymised_at=utcnow(),
            updated_at=utcnow(),
            version=Beneficiary.version + 1,
        )
        .execution_options(synchronize_session=False)
    )


def _year_start_expression():
    """1 January of the person's year of birth (privacy.year_only), computed by the database."""
    born = Beneficiary.date_of_birth
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("year", born).cast(born.type)
    return func.date(born, "start of year")


def _erase_case_text(case_ids: list[int]) -> None:
    for model, columns in ERASED_TEXT.items():
        db.session.execute(
            update(model)
            .where(model.case_id.in_(case_ids))
            .values(dict.fromkeys(columns, ""))
            .execution_options(synchronize_session=False)
        )
    # The UNHCR number identifies the family; it must stay unique, so it becomes the case id.
    number = literal("anonymised-") + ResettlementDetails.case_id.cast(String)
    db.session.execute(
        update(ResettlementDetails)
        .where(ResettlementDetails.case_id.in_(case_ids))
        .values(unhcr_case_number=number, hut_address="")
        .execution_options(synchronize_session=False)
    )
    _trim_json(CaseEvent, "changes", case_ids, keep=KEPT_HISTORY_KEYS)
    _trim_json(StageRecord, "details", case_ids, drop=ERASED_STAGE_DETAILS)


def _trim_json(model, column: str, case_ids: list[int], *, keep=None, drop=()) -> None:
    """JSON columns differ by database; rewriting them row by row in Python is portable."""
    rows = db.session.execute(
        select(model.id, getattr(model, column)).where(model.case_id.in_(case_ids))
    )
    for row_id, value in rows.all():
        value = value or {}
        trimmed = {k: v for k, v in value.items() if (keep is None or k in keep) and k not in drop}
        if trimmed != value:
            db.session.execute(
                update(model)
                .where(model.id == row_id)
                .values({column: trimmed})
                .execution_options(synchronize_session=False)
            )


def _redact_old_searches(before: datetime) -> int:
    """Exports older than the period whose filters held a search (a name, a phone).

    Who exported what and when stays; the words they searched for go. The JSON is read
    in Python, as JSON has no portable operators."""
    rows = db.session.execute(
        select(AuditEvent.id, AuditEvent.changes).where(
            AuditEvent.object_type == "export", AuditEvent.occurred_at < before
        )
    )
    searched = [
        i
        for i, changes in rows
        if isinstance(changes, dict) and (changes.get("filters") or {}).get("q")
    ]
    _set_redacted(searched)
    return len(searched)


def _set_redacted(event_ids: list[int]) -> None:
    for chunk in _chunks(event_ids):
        db.session.execute(
            update(AuditEvent)
            .where(AuditEvent.id.in_(chunk))
            .values(changes=audit.REDACTED)
            .execution_options(synchronize_session=False)
        )


def _redact_audit(people: list[int], case_ids: list[int]) -> int:
    """The diffs of every event about these people and their cases become {"redacted": true}.

    Only `changes` is touched: the chain hashes its digest (casework.audit), so the chain
    still verifies, and who did what when stays on record.
    """
    about = [("beneficiary", people), ("case", case_ids)]
    redacted = []
    for object_type, ids in about:
        for chunk in _chunks([str(i) for i in ids]):
            rows = db.session.execute(
                select(AuditEvent.id, AuditEvent.changes).where(
                    AuditEvent.object_type == object_type, AuditEvent.object_id.in_(chunk)
                )
            )
            # (JSON has no equality on PostgreSQL: empty and redacted diffs are found here.)
            redacted += [i for i, changes in rows if changes not in ({}, None, audit.REDACTED)]
    _set_redacted(redacted)
    return len(redacted)
