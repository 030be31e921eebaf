"""A returnee from registration to closure through the API, with a supervisor's approvals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.models import AuditEvent, Case, FollowUp
from casework.services import reintegration
from tests.factories import BeneficiaryFactory


@pytest.fixture
def team(api_as):
    worker = api_as("caseworker", office="KTM")
    boss = api_as("supervisor", office="KTM")
    person = BeneficiaryFactory(office_code="KTM")
    db.session.commit()
    return worker, boss, person


def _open(worker, person, **overrides):
    body = {
        "kind": "return_reintegration",
        "beneficiary_id": person.id,
        "host_country": "QA",
        "return_date": (date.today() - timedelta(days=20)).isoformat(),
        "return_reason": "abuse_exploitation",
        "arrival_help": ["reception", "medical"],
        **overrides,
    }
    return worker.post("/api/v1/cases", json=body)


def _move(client, case, to, **extra):
    return client.post(
        f"/api/v1/cases/{case['id']}/transitions",
        json={"to": to, "version": case["version"], **extra},
    )


def test_open_a_case(team):
    worker, _, person = team
    response = _open(worker, person)
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["case_number"].startswith(f"KTM-RR-{date.today().year}-")
    assert case["status"] == "registered"
    assert case["assigned_to"] == worker.user.username
    assert case["host_country"] == "QA"
    assert case["return_reason"] == "abuse_exploitation"


def test_whole_journey_with_approvals(team):
    worker, boss, person = team
    case = _open(worker, person).get_json()
    case = _move(worker, case, "assessment", comment="first interview").get_json()
    assert case["status"] == "assessment"
    # the plan is written on the case page; here through the service
    record = db.session.get(Case, case["id"])
    from casework.models import User

    actor = db.session.get(User, worker.user.id)
    reintegration.save_plan(
        actor,
        record,
        "Start a poultry business",
        [{"assistance_type": "business_grant", "budget_npr": 50_000}],
    )
    db.session.commit()
    case = worker.get(f"/api/v1/cases/{case['id']}").get_json()
    response = _move(worker, case, "plan_pending", comment="plan ready")
    assert response.status_code == 200, response.get_json()
    case = response.get_json()
    # the caseworker cannot leave the pending status
    assert _move(worker, case, "assistance").status_code == 403
    queue = boss.get("/api/v1/approvals").get_json()
    assert [item["type"] for item in queue["items"]] == ["reintegration_plan"]
    item = queue["items"][0]
    assert item["requested_by"] == worker.user.username
    response = boss.post(f"/api/v1/approvals/{item['id']}/approve", json={"comment": "good plan"})
    assert response.status_code == 200, response.get_json()
    case = worker.get(f"/api/v1/cases/{case['id']}").get_json()
    assert case["status"] == "assistance"
    record = db.session.get(Case, case["id"])
    actor = db.session.get(User, worker.user.id)
    reintegration.record_delivery(
        actor,
        record,
        {
            "assistance_type": "business_grant",
            "amount_npr": 50_000,
            "delivered_on": date.today(),
            "delivered_by": "IOM Kathmandu",
        },
    )
    db.session.commit()
    follow_up = db.session.scalar(select(FollowUp).where(FollowUp.case_id == case["id"]))
    assert follow_up.due_date == date.today() + timedelta(days=90)
    case = _move(worker, case, "monitoring").get_json()
    case = _move(
        worker, case, "closure_pending", closure_reason="completed", comment="done"
    ).get_json()
    assert case["status"] == "closure_pending"
    case = _move(boss, case, "closed", comment="agreed").get_json()
    assert case["status"] == "closed"
    assert case["closure_reason"] == "completed"
    history = worker.get(f"/api/v1/cases/{case['id']}/history").get_json()["items"]
    steps = [(e["from_status"], e["to_status"]) for e in history if e["to_status"]]
    assert steps == [
        (None, "registered"),
        ("registered", "assessment"),
        ("assessment", "plan_pending"),
        ("plan_pending", "assistance"),
        ("assistance", "monitoring"),
        ("monitoring", "closure_pending"),
        ("closure_pending", "closed"),
    ]
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {
        "case.open",
        "case.transition",
        "case.approve",
        "case.plan",
        "case.assistance",
    } <= actions


def test_transition_not_in_the_table_is_409_naming_allowed(team):
    worker, _, person = team
    case = _open(worker, person).get_json()
    response = _move(worker, case, "closed")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "transition_not_allowed"
    assert error["allowed"] == ["assessment", "closure_pending"]


def test_stale_version_is_409(team):
    worker, _, person = team
    case = _open(worker, person).get_json()
    _move(worker, case, "assessment")
    response = _move(worker, case, "closure_pending", closure_reason="withdrew")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "stale_version"
