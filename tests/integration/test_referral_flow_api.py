"""A conflict victim referred to a psychosocial provider, through the API."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.models import DataTransfer, FollowUp
from casework.services import providers
from tests.factories import BeneficiaryFactory


@pytest.fixture
def setting(api_as):
    worker = api_as("caseworker", office="KTM")
    boss = api_as("supervisor", office="KTM")
    person = BeneficiaryFactory(
        office_code="KTM", consent_purposes=["registration", "referral"], phone="+9779812345678"
    )
    provider = providers.create(
        None,
        {
            "name": "TPO Nepal",
            "kind": "ngo",
            "services": ["psychosocial"],
            "district_ids": [27],
            "contact": "01-4431717",
        },
    )
    db.session.commit()
    case = worker.post(
        "/api/v1/cases",
        json={
            "kind": "conflict_victim",
            "beneficiary_id": person.id,
            "victim_categories": ["torture"],
            "incident_date": "2002-05-10",
            "incident_district_id": 27,
        },
    )
    assert case.status_code == 201, case.get_json()
    return worker, boss, case.get_json(), provider


def test_conflict_victim_case_and_referral(setting):
    worker, boss, case, provider = setting
    assert case["victim_categories"] == ["torture"]
    assert case["case_number"].startswith("KTM-CV-")
    response = worker.post(
        "/api/v1/referrals",
        json={
            "case_id": case["id"],
            "provider_id": provider.id,
            "service": "psychosocial",
            "urgency": "urgent",
            "reason": "Nightmares since detention",
            "consent_obtained": True,
        },
    )
    assert response.status_code == 201, response.get_json()
    referral = response.get_json()
    assert referral["status"] == "draft"
    rid = referral["id"]
    assert (
        worker.post(f"/api/v1/referrals/{rid}/submit", json={}).get_json()["status"]
        == "pending_approval"
    )
    assert worker.post(f"/api/v1/referrals/{rid}/approve", json={}).status_code == 403
    queue = boss.get("/api/v1/approvals").get_json()["items"]
    assert [i["type"] for i in queue] == ["referral"]
    approved = boss.post(f"/api/v1/referrals/{rid}/approve", json={})
    assert approved.status_code == 200, approved.get_json()
    sent = worker.post(f"/api/v1/referrals/{rid}/send", json={})
    assert sent.get_json()["status"] == "sent"
    transfer = db.session.scalar(select(DataTransfer))
    assert transfer.provider_id == provider.id
    assert "referral" in transfer.consent["purposes"]
    follow_up = db.session.scalar(select(FollowUp).where(FollowUp.case_id == case["id"]))
    assert (follow_up.due_date - date.today()).days == 14
    answered = worker.post(f"/api/v1/referrals/{rid}/respond", json={"accepted": True})
    assert answered.get_json()["status"] == "accepted"
    db.session.refresh(follow_up)
    assert follow_up.done_at is not None
    done = worker.post(f"/api/v1/referrals/{rid}/complete", json={"outcome": "Eight sessions"})
    assert done.get_json()["status"] == "completed"
    conflict = worker.post(f"/api/v1/referrals/{rid}/cancel", json={})
    assert conflict.status_code == 409
    assert conflict.get_json()["error"]["allowed"] == []


def test_submission_without_consent_is_refused(setting, api_as):
    worker, _, case, provider = setting
    referral = worker.post(
        "/api/v1/referrals",
        json={
            "case_id": case["id"],
            "provider_id": provider.id,
            "service": "psychosocial",
            "reason": "Support",
            "consent_obtained": False,
        },
    ).get_json()
    response = worker.post(f"/api/v1/referrals/{referral['id']}/submit", json={})
    assert response.status_code == 422
    assert "consent_obtained" in response.get_json()["error"]["fields"]


def test_sensitive_categories_hidden_from_admin(setting, api_as):
    _, _, case, _ = setting
    admin = api_as("admin")
    seen = admin.get(f"/api/v1/cases/{case['id']}").get_json()
    assert seen["victim_categories"] is None
    assert seen["restricted"] is True
