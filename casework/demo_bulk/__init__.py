"""Demo data at scale: `flask casework demo --beneficiaries N` above BULK_THRESHOLD people.

Small demos (`make run`: 2,000 people) open a few hundred cases through the real services
(casework.demo_cases). That path cannot make a national caseload in minutes, so above the
threshold every case is written in bulk instead (casework.bulk: COPY on PostgreSQL,
executemany on SQLite) by stories that take the steps the services take, with the same
rules: the kind's transition table and entry rules, the domain checks of each field,
approvals for pending statuses, follow-ups, referrals with consent, history lines and
audit events in time order (the audit chain stays valid).

Over two years, the households of casework.demo are registered window by window, oldest
first; some of their heads get a case soon after (return and reintegration for Nepali
households, conflict victims among the older heads, resettlement for Bhutanese families of
the Damak office), worked by the caseworker who registered them. Each case goes as far as
the time since its opening allows, so old cases are closed, recent ones at their first
steps, and some wait at a step with their follow-ups overdue. Demo staff (up to 40
caseworkers and 4 supervisors per office, `caseworker.ktm.07`, password DEMO_PASSWORD)
are added as the count grows, so that a caseworker holds hundreds of cases.
"""

from __future__ import annotations

import random
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from casework import audit, bulk, demo
from casework.demo_bulk.conflict import ConflictStory
from casework.demo_bulk.resettlement import ResettlementStory
from casework.demo_bulk.returns import ReturnStory
from casework.demo_bulk.story import Context
from casework.domain import codes, workflow
from casework.extensions import db
from casework.models import (
    Approval,
    AssistanceDelivery,
    AuditEvent,
    BatchCase,
    Beneficiary,
    Case,
    CaseCounter,
    CaseEvent,
    CaseMember,
    ConflictCategory,
    ConflictDetails,
    DataTransfer,
    DepartureBatch,
    FollowUp,
    Household,
    MonitoringVisit,
    PlanItem,
    Provider,
    Referral,
    ResettlementDetails,
    ReturnDetails,
    StageRecord,
    User,
)
from casework.services import accounts, settings

BULK_THRESHOLD = 20_000  # more people than this: cases in bulk, not through the services
PEOPLE_PER_CASEWORKER = 25_000  # registered people per demo caseworker of an office
MAX_CASEWORKERS = 40  # per office
CASEWORKERS_PER_SUPERVISOR = 10
# Of the households registered, how many get a case of each kind.
RETURN_RATE = 0.17  # Nepali households: a returned migrant worker
CONFLICT_RATE = 0.06  # Nepali heads old enough to have lived through the conflict
CONFLICT_BORN_BEFORE = 1990
RESETTLEMENT_RATE = 0.35  # Bhutanese refugee families of the Damak office
# Every table the load fills: PostgreSQL indexes and constrains them after the load.
SET_ASIDE = (
    Household,
    Beneficiary,
    Case,
    CaseEvent,
    AuditEvent,
    FollowUp,
    Approval,
    ReturnDetails,
    PlanItem,
    AssistanceDelivery,
    MonitoringVisit,
    ConflictDetails,
    ConflictCategory,
    ResettlementDetails,
    CaseMember,
    StageRecord,
    DepartureBatch,
    BatchCase,
    Referral,
    DataTransfer,
)
STORIES = {
    "return_reintegration": ReturnStory,
    "conflict_victim": ConflictStory,
    "resettlement": ResettlementStory,
}


@dataclass
class Made:
    beneficiaries: int
    cases: Counter


def generate(
    count: int,
    seed: int | None = None,
    progress=None,
    *,
    now: datetime | None = None,
    window: int = demo.WINDOW,
) -> Made:
    """Add `count` beneficiaries in households, with their cases, over the past two years."""
    now = now or datetime.now(UTC)
    ensure_staff(count)
    db.session.commit()
    seed_of_cases = f"{seed}-cases" if seed is not None else None
    opener = _CaseOpener(random.Random(seed_of_cases), now)  # nosec B311  # synthetic demo data
    added = demo.generate(
        count, seed, progress, now=now, window=window, on_window=opener.open, set_aside=SET_ASIDE
    )
    return Made(added, opener.opened)


# --- staff -------------------------------------------------------------------------------


def staff_size(count: int) -> tuple[int, int]:
    """Caseworkers and supervisors per office for a load of `count` people."""
    caseworkers = min(MAX_CASEWORKERS, max(1, count // PEOPLE_PER_CASEWORKER))
    return caseworkers, max(1, caseworkers // CASEWORKERS_PER_SUPERVISOR)


def ensure_staff(count: int) -> int:
    """Numbered demo caseworkers and supervisors of each office (those missing); how many.

    The demo password is hashed once for all of them: Argon2 takes a fifth of a second per
    hash here, and they share the one published password anyway.
    """
    caseworkers, supervisors = staff_size(count)
    wanted = [
        (f"{role}.{office.lower()}.{n:02d}", role, office)
        for office in codes.OFFICES
        for role, size in (("caseworker", caseworkers), ("supervisor", supervisors))
        for n in range(1, size + 1)
    ]
    have = set(db.session.scalars(select(User.username)))
    missing = [user for user in wanted if user[0] not in have]
    password_hash = accounts.hash_password(demo.DEMO_PASSWORD) if missing else ""
    for username, role, office in missing:
        user = User(
            username=username,
            full_name=_staff_name(username),
            role=role,
            office_code=office,
            password_hash=password_hash,
            active=True,
        )
        db.session.add(user)
        db.session.flush()
        # What `accounts.create_user` records for an account made on the command line.
        changes = {"username": username, "role": role, "office": office}
        audit.record(
            "user.create", object_type="user", object_id=user.id, changes=changes, username="cli"
        )
    return len(missing)


def _staff_name(username: str) -> str:
    """A name for a numbered account, the same on every run (not drawn from the seed)."""
    pick, given = zlib.crc32(username.encode()), demo.MALE_GIVEN + demo.FEMALE_GIVEN
    family = demo.FAMILY_NAMES[(pick // len(given)) % len(demo.FAMILY_NAMES)]
    return f"{given[pick % len(given)]} {family}"


def _actors(role: str) -> dict[str, list[bulk.Actor]]:
    rows = db.session.execute(
        select(User.office_code, User.id, User.username)
        .where(User.role == role, User.active.is_(True))
        .order_by(User.username)
    )
    staff: dict[str, list[bulk.Actor]] = {}
    for office, user_id, username in rows:
        staff.setdefault(office, []).append(bulk.Actor(user_id, username))
    return staff


def _providers() -> list[dict]:
    stmt = select(Provider).where(Provider.active.is_(True)).order_by(Provider.id)
    return [
        {"id": p.id, "name": p.name, "services": p.service_codes, "districts": set(p.district_ids)}
        for p in db.session.scalars(stmt)
    ]


# --- cases -------------------------------------------------------------------------------


class _CaseOpener:
    """Opens the cases of each window's households (the `on_window` of demo.generate)."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng, self.now = rng, now
        self.opened: Counter = Counter()
        self.ctx: Context | None = None

    def _context(self, loader: bulk.Loader) -> Context:
        if self.ctx is None:
            self.ctx = Context(
                loader=loader,
                rng=self.rng,
                now=self.now,
                supervisors=_actors("supervisor"),
                providers=_providers(),
                score_settings=settings.reintegration_settings(),
                response_days=settings.referral_response_days(),
            )
        return self.ctx

    def open(self, loader: bulk.Loader, households: list, until: datetime) -> None:
        ctx = self._context(loader)
        chosen = sorted(
            (
                (self._opened_at(household), kind, household)
                for household in households
                if household.registrar.id is not None and (kind := self._kind(household))
            ),
            key=lambda item: item[0],
        )
        numbers = self._numbers(chosen)
        for (opened, kind, household), case_id, number in zip(
            chosen, loader.ids(Case, len(chosen)), numbers, strict=True
        ):
            story = self._story(ctx, kind, household, case_id, number, opened)
            story.live()
            story.finish()
            self.opened[kind] += 1

    def _kind(self, household) -> str | None:
        head, roll = household.head, self.rng.random()
        if head["nationality"] == "BT":
            return (
                "resettlement" if household.office == "DMK" and roll < RESETTLEMENT_RATE else None
            )
        if roll < RETURN_RATE:
            return "return_reintegration"
        old_enough = head["date_of_birth"].year < CONFLICT_BORN_BEFORE
        return "conflict_victim" if old_enough and roll < RETURN_RATE + CONFLICT_RATE else None

    def _opened_at(self, household) -> datetime:
        """The same sitting as the registration, or a visit some days later."""
        registered = household.registered_at
        days = self.rng.choice([0, 0, 0, 1, 2, 5, 10])
        if days == 0:
            opened = registered + timedelta(minutes=self.rng.randint(5, 90))
        else:
            day = registered.date() + timedelta(days=days)
            opened = datetime.combine(day, demo.OFFICE_OPENS, UTC) + timedelta(
                seconds=self.rng.randrange(demo.OFFICE_SECONDS)
            )
        return opened if opened <= self.now else registered + (self.now - registered) / 2

    def _numbers(self, chosen: list) -> list[str]:
        """Case numbers from each office's, kind's and year's counter, in opening order."""
        keys = [
            (household.office, workflow.workflow(kind).code, opened.year)
            for opened, kind, household in chosen
        ]
        sizes = Counter(keys)
        following = {
            key: self.ctx.loader.keys.numbers(
                CaseCounter, n, office_code=key[0], kind_code=key[1], year=key[2]
            )
            for key, n in sorted(sizes.items())
        }
        numbers = []
        for office, code, year in keys:
            numbers.append(f"{office}-{code}-{year}-{following[(office, code, year)]:05d}")
            following[(office, code, year)] += 1
        return numbers

    def _story(self, ctx: Context, kind: str, household, case_id: int, number: str, opened):
        flow = workflow.workflow(kind)
        worker = household.registrar
        case = {
            "id": case_id,
            "case_number": number,
            "kind": kind,
            "status": flow.initial,
            "pending_from": None,
            "beneficiary_id": household.head["id"],
            "office_code": household.office,
            "assigned_to_id": worker.id,
            "closure_reason": None,
            "opened_at": opened,
            "closed_at": None,
            "created_by_id": worker.id,
            "updated_at": opened,
            "version": 1,
        }
        args = (ctx, kind, case, household.head, worker)
        if kind == "resettlement":
            return ResettlementStory(args, household)
        return STORIES[kind](*args)
