"""Resettlement: stage records, departure batches (all or nothing) and the pipeline board."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload, with_expression

from casework import audit
from casework.auth.permissions import Permission, require, scope_cases, scope_office
from casework.domain import resettlement
from casework.errors import NotFound, PermissionDenied, ValidationError
from casework.extensions import db
from casework.models import (
    BatchCase,
    Case,
    CaseEvent,
    DepartureBatch,
    ResettlementDetails,
    StageRecord,
    User,
    get_by_id,
)
from casework.services import cases, kinds

MAX_TEXT = 200


def _require_resettlement(actor: User, case: Case) -> None:
    require(actor, Permission.CASE_WORK, case)
    if case.kind != "resettlement":
        raise PermissionDenied(_("This is not a resettlement case."))


def _family_ids(case: Case) -> list[str]:
    return [str(p.id) for p in kinds.handler("resettlement").family(case)]


def clean_stage(case: Case, stage: str, data: dict, today: date) -> dict:
    """The record of `stage` from form or API input; ValidationError names the fields."""
    errors: dict[str, list[str]] = {}
    details: dict = {}
    if stage == "interview":
        if data.get("result") not in resettlement.INTERVIEW_RESULTS:
            errors["result"] = [_("Choose the interview result.")]
        details["result"] = data.get("result")
    elif stage == "decision":
        if data.get("outcome") not in resettlement.DECISIONS:
            errors["outcome"] = [_("Choose accepted or refused.")]
        details["outcome"] = data.get("outcome")
    elif stage == "health_assessment":
        results = {str(k): v for k, v in (data.get("members") or {}).items()}
        family = _family_ids(case)
        if set(results) - set(family) or set(results.values()) - set(resettlement.HEALTH_RESULTS):
            errors["members"] = [_("Give each member's result from the list.")]
        details["members"] = {k: v for k, v in results.items() if v}
    elif stage == "cultural_orientation":
        attended = sorted({str(m) for m in data.get("attended") or []})
        if set(attended) - set(_family_ids(case)):
            errors["attended"] = [_("Choose members of this family.")]
        details["attended"] = attended
    elif stage == "exit_permit":
        number = (data.get("permit_number") or "").strip()
        if not number or len(number) > 40:
            errors["permit_number"] = [_("Give the exit permit number.")]
        permit_date = data.get("permit_date")
        if not isinstance(permit_date, date) or permit_date > today:
            errors["permit_date"] = [_("Give the date the permit was issued (not in the future).")]
        details.update(
            permit_number=number,
            permit_date=permit_date.isoformat() if isinstance(permit_date, date) else None,
        )
    elif stage == "travel_booked":
        reference = (data.get("booking_reference") or "").strip()
        if not reference or len(reference) > 40:
            errors["booking_reference"] = [_("Give the booking reference.")]
        details["booking_reference"] = reference
    notes = (data.get("notes") or "").strip()
    if len(notes) > 2000:
        errors["notes"] = [_("At most %(n)d characters.", n=2000)]
    details["notes"] = notes
    recorded_on = data.get("recorded_on")
    if not isinstance(recorded_on, date):
        errors["recorded_on"] = [_("Give the date.")]
    elif recorded_on > today and stage != "travel_booked":
        errors["recorded_on"] = [_("The date cannot be in the future.")]
    if errors:
        raise ValidationError(fields=errors)
    return details


def record_stage(actor: User, case: Case, data: dict) -> StageRecord:
    """Record (or correct) what the current stage produced."""
    _require_resettlement(actor, case)
    stage = case.status
    if stage not in resettlement.OPEN_STAGES:
        raise PermissionDenied(_("Nothing more is recorded at this stage."))
    details = clean_stage(case, stage, data, date.today())
    resettlement_details = case.resettlement_details
    record = resettlement_details.record(stage)
    if record is None:
        record = StageRecord(stage=stage, recorded_by_id=actor.id, recorded_on=data["recorded_on"])
        resettlement_details.stages.append(record)
    record.recorded_on, record.details, record.recorded_by_id = (
        data["recorded_on"],
        details,
        actor.id,
    )
    db.session.flush()
    cases.record_event(
        case,
        actor,
        "stage",
        changes={"stage": stage, "recorded_on": data["recorded_on"], **details},
    )
    return record


# --- departure batches ----------------------------------------------------------------------


def _clean_batch(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    departure = data.get("departure_date")
    if not isinstance(departure, date):
        errors["departure_date"] = [_("Give the departure date.")]
    flight = (data.get("flight") or "").strip().upper()
    if not flight or len(flight) > 32:
        errors["flight"] = [_("Give the flight number, such as QR 647.")]
    for name in ("origin", "destination"):
        if len(data.get(name) or "") > 60:
            errors[name] = [_("At most %(n)d characters.", n=60)]
    if errors:
        raise ValidationError(fields=errors)
    return {
        "departure_date": departure,
        "flight": flight,
        "origin": (data.get("origin") or "Kathmandu (KTM)").strip(),
        "destination": (data.get("destination") or "").strip(),
    }


def _batch_cases(actor: User, case_ids) -> list[Case]:
    ids = list(dict.fromkeys(case_ids or []))
    if not ids:
        raise ValidationError(fields={"case_ids": [_("Put at least one case on the flight.")]})
    found, unseen = [], []
    for case_id in ids:
        try:
            found.append(cases.get(actor, case_id))
        except NotFound:
            unseen.append(_("No case %(id)s that you can see.", id=case_id))
    if unseen:  # name every problem at once, not only the first
        raise ValidationError(fields={"case_ids": unseen + ineligible(found)})
    return found


def ineligible(batch_cases: list[Case], batch_id: int | None = None) -> list[str]:
    """Why each case cannot depart on this flight (empty: all can)."""
    problems = []
    for case in batch_cases:
        if case.kind != "resettlement":
            problems.append(_("%(number)s is not a resettlement case.", number=case.case_number))
        elif case.status != "travel_booked":
            problems.append(
                _(
                    "%(number)s is at %(status)s, not travel booked.",
                    number=case.case_number,
                    status=case.status,
                )
            )
        elif not (case.resettlement_details.record("travel_booked") or StageRecord()).details:
            problems.append(
                _("%(number)s has no travel booking recorded.", number=case.case_number)
            )
        else:
            other = db.session.scalar(
                select(DepartureBatch.flight)
                .join(BatchCase, BatchCase.batch_id == DepartureBatch.id)
                .where(BatchCase.case_id == case.id, DepartureBatch.confirmed_at.is_(None))
                .where(DepartureBatch.id != (batch_id or -1))
            )
            if other:
                problems.append(
                    _(
                        "%(number)s is already on flight %(flight)s.",
                        number=case.case_number,
                        flight=other,
                    )
                )
    return problems


def create_batch(actor: User, data: dict) -> DepartureBatch:
    """A flight manifest of travel-booked cases, not yet confirmed."""
    require(actor, Permission.CASE_WORK)
    values = _clean_batch(data)
    batch_cases = _batch_cases(actor, data.get("case_ids"))
    problems = ineligible(batch_cases)
    if problems:
        raise ValidationError(fields={"case_ids": problems})
    batch = DepartureBatch(**values, office_code=actor.office_code, created_by_id=actor.id)
    batch.cases = batch_cases
    db.session.add(batch)
    db.session.flush()
    audit.record(
        "departure_batch.create",
        object_type="departure_batch",
        object_id=batch.id,
        changes={**values, "case_ids": [c.id for c in batch_cases]},
        actor=actor,
    )
    return batch


def confirm(actor: User, batch: DepartureBatch) -> DepartureBatch:
    """Every case of the batch departs, or none does (the message names each problem)."""
    require(actor, Permission.CASE_WORK)
    if batch.confirmed_at is not None:
        raise ValidationError(fields={"batch": [_("This flight was already confirmed.")]})
    problems = ineligible(batch.cases, batch.id)
    for case in batch.cases:
        try:
            require(actor, Permission.CASE_WORK, case)
        except (NotFound, PermissionDenied):
            problems.append(_("You cannot move %(number)s.", number=case.case_number))
    if problems:
        raise ValidationError(fields={"case_ids": problems})
    comment = _("Departed on %(flight)s, %(day)s", flight=batch.flight, day=batch.departure_date)
    for case in batch.cases:
        cases.transition(actor, case, "departed", case.version, comment, via="batch")
    batch.confirmed_at = datetime.now(UTC)
    batch.confirmed_by_id = actor.id
    db.session.flush()
    audit.record(
        "departure_batch.confirm",
        object_type="departure_batch",
        object_id=batch.id,
        changes={"case_ids": [c.id for c in batch.cases], "flight": batch.flight},
        actor=actor,
    )
    return batch


def get_batch(actor: User, batch_id: int) -> DepartureBatch:
    require(actor, Permission.CASE_VIEW)
    batch = get_by_id(DepartureBatch, batch_id, options=[selectinload(DepartureBatch.cases)])
    if batch is None:
        raise NotFound()
    require(actor, Permission.CASE_VIEW, batch)  # another office's flight: 404
    return batch


def batches(actor: User) -> list[DepartureBatch]:
    require(actor, Permission.CASE_VIEW)
    stmt = scope_office(actor, select(DepartureBatch), DepartureBatch)
    stmt = stmt.order_by(DepartureBatch.departure_date.desc(), DepartureBatch.id.desc())
    cases_on_board = (
        select(func.count())
        .where(BatchCase.batch_id == DepartureBatch.id)
        .correlate(DepartureBatch)
        .scalar_subquery()
    )
    stmt = stmt.options(with_expression(DepartureBatch.case_count, cases_on_board))
    return list(db.session.scalars(stmt.limit(100)))


def bookable_cases(actor: User) -> list[Case]:
    """Travel-booked cases the actor may put on a flight."""
    stmt = scope_cases(actor, select(Case)).where(
        Case.kind == "resettlement", Case.status == "travel_booked"
    )
    return list(db.session.scalars(stmt.options(selectinload(Case.beneficiary)).order_by(Case.id)))


# --- the pipeline board ---------------------------------------------------------------------


@dataclass
class Pipeline:
    destinations: list[str]
    counts: dict[str, dict[str, int]]  # stage -> destination -> cases
    longest: dict[str, list[tuple[Case, int]]]  # stage -> (case, days waiting)
    median_days: dict[str, float | None]
    filters: dict = field(default_factory=dict)


def pipeline(
    actor: User, camp=None, destination=None, start=None, end=None, today=None
) -> Pipeline:
    """Counts per stage and destination, who waits longest, and median days per stage.

    The period (start, end) limits the median figures to stays that ended in it."""
    today = today or date.today()
    stmt = scope_cases(actor, select(Case)).where(Case.kind == "resettlement")
    stmt = stmt.join(ResettlementDetails, ResettlementDetails.case_id == Case.id)
    if camp:
        stmt = stmt.where(ResettlementDetails.camp == camp)
    if destination:
        stmt = stmt.where(ResettlementDetails.destination_country == destination)
    rows = list(db.session.scalars(stmt.options(selectinload(Case.resettlement_details))))
    entered = _stage_entries([c.id for c in rows])
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    waiting: dict[str, list[tuple[Case, int]]] = defaultdict(list)
    durations: dict[str, list[int]] = defaultdict(list)
    for case in rows:
        counts[case.status][case.resettlement_details.destination_country] += 1
        history = entered.get(case.id, [])
        if history and case.status in resettlement.OPEN_STAGES:
            waiting[case.status].append((case, (today - history[-1][1]).days))
        for (stage, since), (_next, until) in zip(history, history[1:], strict=False):
            if _in_period(until, start, end):
                durations[stage].append((until - since).days)
    longest = {s: sorted(w, key=lambda item: -item[1])[:5] for s, w in waiting.items()}
    return Pipeline(
        destinations=sorted({c.resettlement_details.destination_country for c in rows}),
        counts={s: dict(d) for s, d in counts.items()},
        longest=longest,
        median_days=resettlement.median_days(durations),
        filters={"camp": camp, "destination": destination, "start": start, "end": end},
    )


def _in_period(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def _stage_entries(case_ids: list[int]) -> dict[int, list[tuple[str, date]]]:
    """For each case, the statuses it entered, with the day, in order."""
    entries: dict[int, list[tuple[str, date]]] = defaultdict(list)
    if not case_ids:
        return entries
    stmt = (
        select(CaseEvent.case_id, CaseEvent.to_status, CaseEvent.occurred_at)
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.to_status.is_not(None))
        .order_by(CaseEvent.case_id, CaseEvent.id)
    )
    for case_id, status, when in db.session.execute(stmt):
        entries[case_id].append((status, when.date()))
    return entries
