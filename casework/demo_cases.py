"""Demo cases for `flask casework demo`: a lively office to try Casework in.

Cases go through the real services (so numbers, history, approvals, follow-ups and the
audit chain are exactly what users would make), which is why their count is capped: above
`demo_bulk.BULK_THRESHOLD` people, cases are written in bulk instead (casework.demo_bulk).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from casework.extensions import db
from casework.models import Beneficiary, Provider, User
from casework.services import approvals, cases, referrals, reintegration

MAX_DEMO_CASES = 300
HOST_COUNTRIES = ["QA", "SA", "MY", "AE", "KW", "BH", "OM", "JP", "KR", "IL"]


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _heads(
    office: str, nationality: str | None, limit: int, rng: random.Random
) -> list[Beneficiary]:
    stmt = select(Beneficiary).where(
        Beneficiary.office_code == office,
        Beneficiary.relationship_to_head == "head",
        Beneficiary.consent_given.is_(True),
    )
    if nationality:
        stmt = stmt.where(Beneficiary.nationality == nationality)
    people = list(db.session.scalars(stmt.order_by(Beneficiary.id.desc()).limit(limit * 3)))
    rng.shuffle(people)
    return people[:limit]


def generate_cases(count: int, seed: int | None = None) -> int:
    """Open up to `count` (at most MAX_DEMO_CASES) cases at different stages."""
    rng = random.Random(seed)  # nosec B311  # synthetic demo data, not secrets
    worker, boss = _user("caseworker.ktm"), _user("supervisor.ktm")
    if worker is None or boss is None:
        return 0
    count = min(count, MAX_DEMO_CASES)
    opened = 0
    for person in _heads("KTM", "NP", count, rng):
        case = _return_case(worker, person, rng)
        _advance_return_case(worker, boss, case, rng)
        opened += 1
    for person in _heads("KTM", "NP", max(count // 5, 1), rng):
        if _conflict_case(worker, person, rng):
            opened += 1
    return opened


def _return_case(worker: User, person: Beneficiary, rng: random.Random):
    returned = date.today() - timedelta(days=rng.randint(20, 400))
    case = cases.open_case(
        worker,
        "return_reintegration",
        person.id,
        {
            "host_country": rng.choice(HOST_COUNTRIES),
            "return_date": returned,
            "return_reason": rng.choice(
                ["end_of_contract", "stranded", "deported", "abuse_exploitation", "medical"]
            ),
            "arrival_help": rng.sample(
                ["reception", "medical", "psychosocial", "onward_transport"], 2
            ),
        },
    )
    # Demo only: the case was opened days after the return, so that the dashboards and
    # monthly reports show a year of returns rather than one busy afternoon.
    opened = returned + timedelta(days=rng.randint(1, 14))
    # Never before the person was registered (demo registrations span two years).
    case.opened_at = max(datetime.combine(opened, time(4, 30), tzinfo=UTC), person.created_at)
    return case


def _advance_return_case(worker: User, boss: User, case, rng: random.Random) -> None:
    """Move a share of the cases on: assessment, a plan waiting for approval, assistance."""
    roll = rng.random()
    if roll < 0.3:
        return
    cases.transition(worker, case, "assessment", case.version, "First interview done")
    cases.add_follow_up(
        worker, case, "Home visit", date.today() + timedelta(days=rng.randint(-10, 20))
    )
    if roll < 0.55:
        return
    budget = rng.choice([30_000, 50_000, 75_000, 100_000])
    reintegration.save_plan(
        worker,
        case,
        "Start a small business and rebuild family income",
        [
            {
                "assistance_type": "business_grant",
                "description": "Start-up grant",
                "budget_npr": budget,
            }
        ],
    )
    cases.transition(worker, case, "plan_pending", case.version, "Plan ready for approval")
    if roll < 0.75:
        return  # waits in the supervisor's queue
    item = approvals.pending_for_case(case, "reintegration_plan")
    approvals.decide(boss, item, approve=True, comment="Budget is reasonable")
    delivered = max(
        case.return_details.return_date, date.today() - timedelta(days=rng.randint(1, 120))
    )
    reintegration.record_delivery(
        worker,
        case,
        {
            "assistance_type": "business_grant",
            "amount_npr": budget,
            "delivered_on": delivered,
            "delivered_by": "IOM Kathmandu",
        },
    )


def _conflict_case(worker: User, person: Beneficiary, rng: random.Random) -> bool:
    case = cases.open_case(
        worker,
        "conflict_victim",
        person.id,
        {
            "victim_categories": rng.sample(
                ["killed_family", "displaced", "property_damaged", "abducted"], 2
            ),
            "incident_date": date(1996, 2, 13) + timedelta(days=rng.randint(0, 3900)),
            "incident_district_id": person.district_id or 27,
            "taskforce_reference": f"TF-{rng.randint(1000, 9999)}",
        },
    )
    provider = db.session.scalar(select(Provider).where(Provider.name == "TPO Nepal"))
    if provider is not None and "referral" in (person.consent_purposes or []):
        referral = referrals.create(
            worker,
            case,
            {
                "provider_id": provider.id,
                "service": "psychosocial",
                "urgency": rng.choice(["normal", "urgent"]),
                "reason": "Persistent distress since the conflict",
                "consent_obtained": True,
            },
        )
        referrals.submit(worker, referral)
    return True
