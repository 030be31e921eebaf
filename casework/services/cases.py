"""Cases: open, read, edit, move through the workflow, assign, notes and follow-ups.

Every status change goes through `transition` (or an approval decision in
casework.services.approvals), which checks the kind's transition table. Each change adds a
line to the case's history (CaseEvent) and an event to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from casework import audit
from casework.auth.permissions import (
    Permission,
    can,
    may_be_assigned,
    require,
    scope_cases,
    sees_confidential,
    sees_sensitive,
)
from casework.domain import reintegration, workflow
from casework.errors import (
    NotFound,
    PermissionDenied,
    StaleVersion,
    TransitionConflict,
    ValidationError,
)
from casework.extensions import db
from casework.models import (
    Approval,
    Case,
    CaseCounter,
    CaseEvent,
    CaseNote,
    FollowUp,
    ResettlementDetails,
    User,
    get_by_id,
    utcnow,
)
from casework.services import beneficiaries, kinds
from casework.services.numbering import take_numbers

MAX_NOTE = 10_000
MAX_TITLE = 200


def record_event(
    case: Case,
    actor: User | None,
    event: str,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    comment: str = "",
    changes: dict | None = None,
) -> None:
    """Add a line to the case history and the matching event to the audit log."""
    changes = audit.jsonable(changes or {})
    db.session.add(
        CaseEvent(
            case_id=case.id,
            user_id=actor.id if actor else None,
            event=event,
            from_status=from_status,
            to_status=to_status,
            comment=comment,
            changes=changes,
        )
    )
    audit.record(
        f"case.{event}",
        object_type="case",
        object_id=case.id,
        changes=history_audit_changes(changes, from_status, to_status, comment),
        actor=actor,
    )


def history_audit_changes(changes: dict, from_status, to_status, comment: str) -> dict:
    """What the audit event of a history line records: its changes, the move, the comment."""
    audit_changes = dict(changes)
    if from_status or to_status:
        audit_changes["status"] = [from_status, to_status]
    if comment:
        audit_changes["comment"] = comment
    return audit_changes


def _check_version(case: Case, version) -> None:
    if version != case.version:
        raise StaleVersion()


# --- kind fields ---------------------------------------------------------------------


def kind_fields(case: Case) -> dict:
    return kinds.handler(case.kind).current(case)


# --- opening and reading ---------------------------------------------------------------


def _assignee(actor: User, user_id: int | None, office: str) -> User:
    if user_id is None or user_id == actor.id:
        if not may_be_assigned(actor, office):
            raise ValidationError(fields={"assigned_to": [_("Choose who works this case.")]})
        return actor
    require(actor, Permission.CASE_ASSIGN)
    user = get_by_id(User, user_id)
    if user is None or not may_be_assigned(user, office):
        raise ValidationError(
            fields={"assigned_to": [_("Choose a caseworker or supervisor of this office.")]}
        )
    return user


def open_case(
    actor: User, kind: str, beneficiary_id: int, data: dict, assigned_to_id: int | None = None
) -> Case:
    """Open a case for a beneficiary of the actor's office, assigned to them by default."""
    require(actor, Permission.CASE_CREATE)
    if kind not in workflow.WORKFLOWS:
        raise ValidationError(fields={"kind": [_("Choose a kind of case from the list.")]})
    try:
        person = beneficiaries.get(actor, beneficiary_id)
    except NotFound:
        raise ValidationError(fields={"beneficiary_id": [_("No such beneficiary.")]}) from None
    kind_handler = kinds.handler(kind)
    kind_handler.check_known(data)
    errors: dict[str, list[str]] = {}
    fields = kind_handler.clean(data, errors, principal=person)
    if errors:
        raise ValidationError(fields=errors)
    assignee = _assignee(actor, assigned_to_id, person.office_code)
    flow = workflow.workflow(kind)
    year = date.today().year
    number = take_numbers(
        CaseCounter, office_code=person.office_code, kind_code=flow.code, year=year
    )
    case = Case(
        case_number=f"{person.office_code}-{flow.code}-{year}-{number:05d}",
        kind=kind,
        status=flow.initial,
        beneficiary_id=person.id,
        office_code=person.office_code,
        assigned_to_id=assignee.id,
        created_by_id=actor.id,
        **kind_handler.build(fields, principal=person),
    )
    db.session.add(case)
    db.session.flush()
    record_event(
        case,
        actor,
        "open",
        to_status=case.status,
        changes={
            **kind_handler.loggable(fields),
            "assigned_to": assignee.username,
            "beneficiary_id": person.id,
        },
    )
    return case


def get(actor: User, case_id: int) -> Case:
    """A case the actor may see, or NotFound."""
    require(actor, Permission.CASE_VIEW)
    case = get_by_id(Case, case_id)
    if case is None:
        raise NotFound()
    require(actor, Permission.CASE_VIEW, case)
    return case


@dataclass
class CaseFilters:
    kind: str | None = None
    status: str | None = None
    assigned_to_id: int | None = None
    beneficiary_id: int | None = None
    open_only: bool = False
    page: int = 1
    per_page: int = 25


def search(actor: User, filters: CaseFilters) -> tuple[list[Case], int]:
    stmt = scope_cases(actor, select(Case))
    if filters.kind:
        stmt = stmt.where(Case.kind == filters.kind)
    if filters.status:
        stmt = stmt.where(Case.status == filters.status)
    if filters.assigned_to_id:
        stmt = stmt.where(Case.assigned_to_id == filters.assigned_to_id)
    if filters.beneficiary_id:
        stmt = stmt.where(Case.beneficiary_id == filters.beneficiary_id)
    if filters.open_only:
        stmt = stmt.where(Case.closed_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = (
        stmt.options(*LIST_LOADS)
        .order_by(Case.id.desc())
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
    )
    return list(db.session.scalars(page)), total or 0


# What a page of cases shows (the person, the caseworker, the kind's details): loaded in
# one query each for the page, not one per case.
LIST_LOADS = (
    selectinload(Case.beneficiary),
    selectinload(Case.assigned_to),
    selectinload(Case.return_details),
    selectinload(Case.conflict_details),
    selectinload(Case.resettlement_details).selectinload(ResettlementDetails.members),
)


def cases_of_beneficiary(actor: User, beneficiary_id: int) -> list[Case]:
    stmt = scope_cases(actor, select(Case)).where(Case.beneficiary_id == beneficiary_id)
    return list(db.session.scalars(stmt.order_by(Case.id.desc())))


# --- editing, assigning ----------------------------------------------------------------


def update(actor: User, case: Case, changes: dict, version: int) -> Case:
    """Edit the kind's fields of an open case made on `version`."""
    require(actor, Permission.CASE_WORK, case)
    _check_version(case, version)
    if not workflow.is_open(case.kind, case.status):
        raise PermissionDenied(_("A closed case cannot be changed."))
    kind_handler = kinds.handler(case.kind)
    kind_handler.check_known(changes)
    before = kind_handler.current(case)
    errors: dict[str, list[str]] = {}
    fields = kind_handler.clean(
        {**before, **changes}, errors, case=case, principal=case.beneficiary
    )
    if errors:
        raise ValidationError(fields=errors)
    kind_handler.apply(case, fields)
    diff = audit.diff(before, fields)
    if diff:
        case.updated_at = utcnow()  # bumps the version: the case itself changed
        db.session.flush()
        record_event(case, actor, "update", changes=kind_handler.loggable_diff(diff))
    return case


def assign(actor: User, case: Case, user_id: int, version: int, comment: str = "") -> Case:
    require(actor, Permission.CASE_ASSIGN, case)
    _check_version(case, version)
    if not workflow.is_open(case.kind, case.status):
        raise PermissionDenied(_("A closed case cannot be reassigned."))
    user = get_by_id(User, user_id)
    if user is None or not may_be_assigned(user, case.office_code):
        raise ValidationError(
            fields={"assigned_to": [_("Choose a caseworker or supervisor of this office.")]}
        )
    if user.id == case.assigned_to_id:
        return case
    before = case.assigned_to.username
    case.assigned_to_id = user.id
    db.session.flush()
    db.session.refresh(case, ["assigned_to"])
    record_event(
        case, actor, "assign", comment=comment, changes={"assigned_to": [before, user.username]}
    )
    return case


def reassign_all(actor: User, from_user_id: int, to_user_id: int, comment: str = "") -> int:
    """Move every open case of one person to another (staff leaving); returns how many."""
    require(actor, Permission.CASE_ASSIGN)
    office = actor.office_code
    source = get_by_id(User, from_user_id)
    target = get_by_id(User, to_user_id)
    errors: dict[str, list[str]] = {}
    if source is None or source.office_code != office:
        errors["from_user"] = [_("Choose a member of your office.")]
    if target is None or not may_be_assigned(target, office):
        errors["to_user"] = [_("Choose an active caseworker or supervisor of your office.")]
    elif source is not None and source.id == target.id:
        errors["to_user"] = [_("Choose someone else.")]
    if errors:
        raise ValidationError(fields=errors)
    stmt = scope_cases(actor, select(Case)).where(
        Case.assigned_to_id == source.id, Case.closed_at.is_(None)
    )
    moved = list(db.session.scalars(stmt))
    for case in moved:
        case.assigned_to_id = target.id
        db.session.add(
            CaseEvent(
                case_id=case.id,
                user_id=actor.id,
                event="assign",
                comment=comment,
                changes={"assigned_to": [source.username, target.username]},
            )
        )
    db.session.flush()
    audit.record(
        "case.reassign_all",
        object_type="user",
        object_id=source.id,
        changes={
            "assigned_to": [source.username, target.username],
            "case_ids": [c.id for c in moved],
            "count": len(moved),
            "comment": comment,
        },
        actor=actor,
    )
    return len(moved)


# --- the workflow -----------------------------------------------------------------------


def allowed_moves(case: Case) -> tuple[str, ...]:
    """The table's targets from the current status; a held case resumes only where it was."""
    flow = workflow.workflow(case.kind)
    allowed = flow.allowed(case.status)
    if flow.hold and case.status == flow.hold:
        allowed = tuple(s for s in allowed if s == case.pending_from or s in flow.final)
    return allowed


def allowed_transitions(actor: User, case: Case) -> tuple[str, ...]:
    """What the actor can move this case to now (pending statuses: the approval decides)."""
    if workflow.is_pending(case.kind, case.status) or not can(actor, Permission.CASE_WORK, case):
        return ()
    return allowed_moves(case)


def transition(
    actor: User,
    case: Case,
    to_status: str,
    version: int,
    comment: str = "",
    closure_reason: str | None = None,
    *,
    via: str = "case",
) -> Case:
    """Move the case to `to_status` if the kind's table allows it and its rules hold.

    `via` names where the move comes from ("case", or "batch" for a flight's departure),
    for kinds whose rules depend on it.
    """
    require(actor, Permission.CASE_VIEW, case)
    if workflow.is_pending(case.kind, case.status):
        return _decide_by_transition(actor, case, to_status, version, comment)
    require(actor, Permission.CASE_WORK, case)
    _check_version(case, version)
    flow = workflow.workflow(case.kind)
    allowed = allowed_moves(case)
    if to_status not in allowed:
        raise TransitionConflict(case.status, to_status, allowed)
    if len(comment or "") > MAX_NOTE:
        raise ValidationError(fields={"comment": [_("At most %(n)d characters.", n=MAX_NOTE)]})
    _check_entry_rules(case, to_status, closure_reason, via)
    from_status = case.status
    if to_status == flow.hold:
        case.pending_from = from_status
    elif from_status == flow.hold:
        case.pending_from = None
    if to_status in flow.final:
        case.closed_at = utcnow()
    if to_status in flow.pending:
        case.pending_from = from_status
        if to_status == "closure_pending":
            case.closure_reason = closure_reason
        _request_approval(actor, case, flow.pending[to_status].approval_type, case.id, comment)
    case.status = to_status
    db.session.flush()
    changes = {"closure_reason": closure_reason} if to_status == "closure_pending" else None
    record_event(
        case,
        actor,
        "transition",
        from_status=from_status,
        to_status=to_status,
        comment=comment or "",
        changes=changes,
    )
    return case


def _decide_by_transition(actor: User, case: Case, to_status: str, version: int, comment: str):
    """Leaving a pending status through the transitions endpoint is the approval decision."""
    from casework.services import approvals

    require(actor, Permission.APPROVE)
    _check_version(case, version)
    pending = workflow.workflow(case.kind).pending[case.status]
    item = approvals.pending_for_case(case, pending.approval_type)
    if to_status not in (pending.on_approve, case.pending_from) or item is None:
        allowed = tuple(s for s in (pending.on_approve, case.pending_from) if s)
        raise TransitionConflict(case.status, to_status, allowed)
    approvals.decide(actor, item, approve=to_status == pending.on_approve, comment=comment)
    return case


def _check_entry_rules(case: Case, to_status: str, closure_reason: str | None, via: str) -> None:
    if to_status == "closure_pending" and closure_reason not in reintegration.CLOSURE_REASONS:
        raise ValidationError(
            fields={"closure_reason": [_("Closing a case needs a reason from the list.")]}
        )
    kinds.handler(case.kind).check_entry(case, to_status, via)


def _request_approval(actor: User, case: Case, approval_type: str, subject_id: int, comment: str):
    db.session.add(
        Approval(
            approval_type=approval_type,
            office_code=case.office_code,
            case_id=case.id,
            subject_id=subject_id,
            requested_by_id=actor.id,
            request_comment=comment or "",
        )
    )


def history(actor: User, case: Case) -> list[CaseEvent]:
    require(actor, Permission.CASE_VIEW, case)
    stmt = (
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id)
        .options(selectinload(CaseEvent.user))
        .order_by(CaseEvent.id)
    )
    return list(db.session.scalars(stmt))


# --- notes and follow-ups ---------------------------------------------------------------


def add_note(actor: User, case: Case, body: str, confidential: bool = False) -> CaseNote:
    require(actor, Permission.CASE_WORK, case)
    body = (body or "").strip()
    if not body:
        raise ValidationError(fields={"body": [_("Write the note.")]})
    if len(body) > MAX_NOTE:
        raise ValidationError(fields={"body": [_("At most %(n)d characters.", n=MAX_NOTE)]})
    note = CaseNote(case_id=case.id, author_id=actor.id, body=body, confidential=bool(confidential))
    db.session.add(note)
    db.session.flush()
    # The history says a note was added, never what a confidential note says.
    record_event(
        case, actor, "note", changes={"note_id": note.id, "confidential": note.confidential}
    )
    return note


def notes(actor: User, case: Case) -> list[CaseNote]:
    require(actor, Permission.CASE_VIEW, case)
    if kinds.is_sensitive(case) and not sees_sensitive(actor, case):
        return []  # torture and sexual-violence cases: no notes for whom may not know
    stmt = select(CaseNote).where(CaseNote.case_id == case.id)
    if not sees_confidential(actor, case):
        stmt = stmt.where(CaseNote.confidential.is_(False))
    return list(
        db.session.scalars(stmt.options(selectinload(CaseNote.author)).order_by(CaseNote.id.desc()))
    )


def add_follow_up(
    actor: User | None, case: Case, title: str, due_date: date | None, *, automatic: bool = False
) -> FollowUp:
    if actor is not None and not automatic:
        require(actor, Permission.CASE_WORK, case)
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("Say what needs doing.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("At most %(n)d characters.", n=MAX_TITLE)]
    if due_date is None:
        errors["due_date"] = [_("Give the date it is due.")]
    elif not automatic and due_date < date.today() - timedelta(days=365):
        errors["due_date"] = [_("The due date is more than a year ago.")]
    if errors:
        raise ValidationError(fields=errors)
    follow_up = FollowUp(
        case_id=case.id,
        title=title,
        due_date=due_date,
        created_by_id=actor.id if actor else None,
        automatic=automatic,
    )
    db.session.add(follow_up)
    db.session.flush()
    record_event(case, actor, "follow_up", changes={"title": title, "due_date": due_date})
    return follow_up


def complete_follow_up(actor: User, follow_up_id: int) -> FollowUp:
    follow_up = get_by_id(FollowUp, follow_up_id)
    if follow_up is None:
        raise NotFound()
    case = get(actor, follow_up.case_id)
    require(actor, Permission.CASE_WORK, case)
    if follow_up.done_at is None:
        follow_up.done_at = utcnow()
        follow_up.done_by_id = actor.id
        db.session.flush()
        record_event(case, actor, "follow_up_done", changes={"title": follow_up.title})
    return follow_up


def follow_ups(actor: User, case: Case) -> list[FollowUp]:
    require(actor, Permission.CASE_VIEW, case)
    stmt = select(FollowUp).where(FollowUp.case_id == case.id)
    return list(db.session.scalars(stmt.order_by(FollowUp.done_at.is_not(None), FollowUp.due_date)))


def assignable_users(actor: User, office_code: str) -> list[User]:
    """Who may be given a case of this office (for the assignment forms)."""
    require(actor, Permission.CASE_VIEW)
    stmt = select(User).where(User.office_code == office_code, User.active.is_(True))
    return [
        u
        for u in db.session.scalars(stmt.order_by(User.username))
        if may_be_assigned(u, office_code)
    ]


def office_staff(actor: User) -> list[User]:
    """Everyone of the actor's office who may hold cases, active or not (for reassignment)."""
    require(actor, Permission.CASE_ASSIGN)
    stmt = select(User).where(User.office_code == actor.office_code)
    return list(db.session.scalars(stmt.order_by(User.active.desc(), User.username)))


def user_id_by_username(username: str) -> int | None:
    return db.session.scalar(select(User.id).where(User.username == (username or "").lower()))
