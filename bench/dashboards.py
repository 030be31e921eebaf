"""Benchmark: dashboards and the partner summary report on a large database.

    DATABASE_URL=sqlite:////tmp/bench.db .venv/bin/python bench/dashboards.py --people 1000000

Fills the database if it holds fewer people than asked (the demo's bulk beneficiaries,
then synthetic cases, referrals and follow-ups inserted in bulk, bypassing the services:
this measures reading, not writing), then times each page in-process through the test
client (no HTTP server: issue 7's `make bench` measures over HTTP) and prints p50/p95.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from bench.inprocess import signed_in  # noqa: E402
from casework import create_app, demo  # noqa: E402
from casework.cli import refresh_statistics  # noqa: E402
from casework.domain import resettlement, workflow  # noqa: E402
from casework.extensions import db  # noqa: E402
from casework.models import (  # noqa: E402
    Beneficiary,
    Case,
    ConflictCategory,
    ConflictDetails,
    FollowUp,
    Provider,
    Referral,
    ResettlementDetails,
    ReturnDetails,
    User,
)

HOSTS = ["QA", "SA", "MY", "AE", "KW", "BH", "OM", "JP", "KR", "IL"]
DESTINATIONS = ["US", "CA", "AU", "NZ", "NO", "DK", "NL", "GB"]
CHUNK = 20_000


def fill(people: int, seed: int) -> None:
    have = db.session.scalar(select(func.count()).select_from(Beneficiary)) or 0
    demo.ensure_demo_users()
    demo.ensure_demo_providers()
    db.session.commit()
    if have < people:
        print(f"adding {people - have} people…", flush=True)
        demo.generate(people - have, seed=seed)
        db.session.commit()
    if not db.session.scalar(select(func.count()).select_from(Case)):
        print("adding cases, referrals and follow-ups…", flush=True)
        _cases(random.Random(seed))
        db.session.commit()
    refresh_statistics()


def _staff() -> dict[str, list[int]]:
    rows = db.session.execute(
        select(User.office_code, User.id).where(User.role.in_(["caseworker", "supervisor"]))
    )
    staff: dict[str, list[int]] = {}
    for office, user_id in rows:
        staff.setdefault(office, []).append(user_id)
    return staff


def _cases(rng: random.Random) -> None:
    staff = _staff()
    providers = list(db.session.scalars(select(Provider.id)))
    now = datetime.now(UTC)
    rows = db.session.execute(select(Beneficiary.id, Beneficiary.office_code)).all()
    batch: dict[str, list[dict]] = {}
    for number, (person_id, office) in enumerate(rows, start=1):
        roll = rng.random()
        kind = (
            "return_reintegration"
            if roll < 0.20
            else "conflict_victim"
            if roll < 0.25
            else "resettlement"
            if roll < 0.28
            else None
        )
        if kind is None:
            continue
        _add_case(batch, rng, number, person_id, office, kind, staff, providers, now)
        if len(batch["cases"]) >= CHUNK:
            _flush(batch)
    _flush(batch)


def _add_case(batch, rng, number, person_id, office, kind, staff, providers, now) -> None:
    flow = workflow.workflow(kind)
    status = rng.choice(flow.statuses)
    opened = now - timedelta(days=rng.randint(0, 730), minutes=rng.randint(0, 1440))
    closed = opened + timedelta(days=30) if status in flow.final else None
    assigned = rng.choice(staff[office])
    batch.setdefault("cases", []).append(
        {
            "id": number,
            "case_number": f"{office}-{flow.code}-B-{number:08d}",
            "kind": kind,
            "status": status,
            "beneficiary_id": person_id,
            "office_code": office,
            "assigned_to_id": assigned,
            "opened_at": opened,
            "closed_at": closed,
            "updated_at": opened,
            "version": 1,
        }
    )
    if kind == "return_reintegration":
        batch.setdefault("return", []).append(
            {
                "case_id": number,
                "host_country": rng.choice(HOSTS),
                "return_date": opened.date() - timedelta(days=rng.randint(1, 20)),
                "return_reason": rng.choice(["end_of_contract", "stranded", "deported"]),
                "arrival_help": [],
                "plan_goals": "",
                "approved_budget_npr": 0,
            }
        )
    elif kind == "conflict_victim":
        categories = sorted(rng.sample(["killed_family", "displaced", "abducted", "torture"], 2))
        batch.setdefault("conflict", []).append(
            {
                "case_id": number,
                "victim_categories": categories,
                "sensitive": "torture" in categories,
                "incident_date": date(1996, 2, 13) + timedelta(days=rng.randint(0, 3900)),
                "incident_district_id": rng.randint(1, 77),
                "taskforce_reference": "",
                "ward_recommendation": False,
                "documents_seen": "",
                "relief_received": "",
            }
        )
        batch.setdefault("categories", []).extend(
            {"case_id": number, "category": c} for c in categories
        )
    else:
        batch.setdefault("resettlement", []).append(
            {
                "case_id": number,
                "unhcr_case_number": f"BHU-B{number:08d}",
                "camp": rng.choice(list(resettlement.CAMPS)),
                "hut_address": "",
                "destination_country": rng.choice(DESTINATIONS),
                "programme": "",
                "special_needs": [],
            }
        )
    if rng.random() < 0.3:
        batch.setdefault("referrals", []).append(
            {
                "case_id": number,
                "office_code": office,
                "provider_id": rng.choice(providers),
                "service": rng.choice(["medical", "psychosocial", "legal_aid", "livelihood"]),
                "urgency": "normal",
                "reason": "bench",
                "consent_obtained": True,
                "status": rng.choice(list(workflow.REFERRAL_STATUSES)),
                "created_by_id": assigned,
                "created_at": opened + timedelta(days=2),
                "decision_reason": "",
                "response_note": "",
                "outcome": "",
                "updated_at": opened,
                "version": 1,
            }
        )
    if closed is None and rng.random() < 0.5:
        batch.setdefault("follow_ups", []).append(
            {
                "case_id": number,
                "title": "Visit",
                "due_date": now.date() + timedelta(days=rng.randint(-60, 60)),
                "automatic": False,
                "created_at": opened,
            }
        )


def _flush(batch: dict[str, list[dict]]) -> None:
    for name, model in (
        ("cases", Case),
        ("return", ReturnDetails),
        ("conflict", ConflictDetails),
        ("categories", ConflictCategory),
        ("resettlement", ResettlementDetails),
        ("referrals", Referral),
        ("follow_ups", FollowUp),
    ):
        if batch.get(name):
            db.session.execute(insert(model), batch[name])
    db.session.commit()
    batch.clear()


PAGES = {
    "partner dashboard": ("partner", "/"),
    "supervisor dashboard": ("supervisor.ktm", "/"),
    "caseworker dashboard": ("caseworker.ktm", "/"),
    "admin dashboard": ("admin", "/"),
    "summary report district×sex×age (page)": (
        "partner",
        "/reports/?dim1=district&dim2=sex&dim3=age_band&kind=return_reintegration"
        "&fiscal_year=2082/83",
    ),
}


def measure(app, runs: int) -> list[tuple[str, float, float]]:
    results = []
    for name, (username, url) in PAGES.items():
        client = signed_in(app, username)  # with the second step for supervisors, admins
        client.get(url)  # warm the caches of the database and the templates
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        results.append((name, statistics.median(times), p95))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    app = create_app("development", WTF_CSRF_ENABLED=False)
    with app.app_context():
        fill(args.people, args.seed)
        people = db.session.scalar(select(func.count()).select_from(Beneficiary))
        cases = db.session.scalar(select(func.count()).select_from(Case))
        engine = db.engine.dialect.name
    print(f"{engine}: {people} people, {cases} cases; {args.runs} runs per page")
    print(f"{'page':<42} {'p50 ms':>8} {'p95 ms':>8}")
    for name, p50, p95 in measure(app, args.runs):
        print(f"{name:<42} {p50:8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
