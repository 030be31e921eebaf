"""/api/v1/referrals as a client sees it, and what it stores.

DESIGN.md (Referral, Approvals, Access, Contracts) and issue 4: a referral goes from a case
to a provider for a service; draft → pending_approval → approved | rejected → sent →
accepted | declined → completed, cancelled before sent. An action the status does not
allow is a 409 naming the allowed ones; submission needs the person's consent to referral;
the supervisor who decides is not the one who submitted (four eyes); other offices get 404;
sending records the transfer of personal data and expects the provider's answer in time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from casework.errors import PermissionDenied, ValidationError
from casework.extensions import db
from casework.models import (
    Approval,
    AuditEvent,
    Beneficiary,
    CaseEvent,
    DataTransfer,
    FollowUp,
    Referral,
    User,
)
from casework.services import providers, referrals, settings
from casework.services.settings import referral_response_days, update_referral_response_days
from tests.factories import BeneficiaryFactory

TODAY = date.today()
CONSENTED = ["registration", "referral"]
# What the slip carries (data minimisation): the transfer record names exactly these.
SLIP_FIELDS = [
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
]

# The referral table as DESIGN.md gives it: (status, action) -> new status.
TABLE = {
    ("draft", "submit"): "pending_approval",
    ("draft", "cancel"): "cancelled",
    ("pending_approval", "approve"): "approved",
    ("pending_approval", "reject"): "rejected",
    ("pending_approval", "cancel"): "cancelled",
    ("approved", "send"): "sent",
    ("approved", "cancel"): "cancelled",
    ("sent", "accept"): "accepted",
    ("sent", "decline"): "declined",
    ("accepted", "complete"): "completed",
}
STATUSES = [
    "draft",
    "pending_approval",
    "approved",
    "rejected",
    "sent",
    "accepted",
    "declined",
    "completed",
    "cancelled",
]
# Each action of the table as the API takes it: (endpoint, body, who calls it).
CALLS = {
    "submit": ("submit", {}, "worker"),
    "approve": ("approve", {}, "boss"),
    "reject": ("reject", {"reason": "Another provider is closer"}, "boss"),
    "send": ("send", {}, "worker"),
    "accept": ("respond", {"accepted": True}, "worker"),
    "decline": ("respond", {"accepted": False}, "worker"),
    "complete": ("complete", {"outcome": "Eight counselling sessions"}, "worker"),
    "cancel": ("cancel", {}, "worker"),
}
# How to reach each status from a new draft.
PATHS = {
    "draft": [],
    "pending_approval": ["submit"],
    "approved": ["submit", "approve"],
    "rejected": ["submit", "reject"],
    "sent": ["submit", "approve", "send"],
    "accepted": ["submit", "approve", "send", "accept"],
    "declined": ["submit", "approve", "send", "decline"],
    "completed": ["submit", "approve", "send", "accept", "complete"],
    "cancelled": ["cancel"],
}
ENDPOINTS = ["submit", "approve", "reject", "send", "respond", "complete", "cancel"]


# --- helpers ------------------------------------------------------------------------------


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def error(response, status: int) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


def make_provider(name="TPO Nepal", services=("psychosocial", "medical"), districts=(27,), **kw):
    provider = providers.create(
        None,
        {
            "name": name,
            "kind": kw.pop("kind", "ngo"),
            "services": list(services),
            "district_ids": list(districts),
            "contact": "01-4431717",
            **kw,
        },
    )
    db.session.commit()
    return provider.id


def open_case(client, person_id: int) -> int:
    body = {
        "kind": "return_reintegration",
        "beneficiary_id": person_id,
        "host_country": "QA",
        "return_date": (TODAY - timedelta(days=20)).isoformat(),
        "return_reason": "abuse_exploitation",
    }
    return ok(client.post("/api/v1/cases", json=body), 201)["id"]


def person(office="KTM", purposes=CONSENTED, **kw) -> int:
    row = BeneficiaryFactory(
        office_code=office, consent_purposes=list(purposes), phone="+9779812345678", **kw
    )
    db.session.commit()
    return row.id


@pytest.fixture
def t(api_as):
    """A Kathmandu caseworker with a case, two supervisors of the office and a provider."""
    worker = api_as("caseworker", office="KTM")
    boss = api_as("supervisor", office="KTM")
    other_boss = api_as("supervisor", office="KTM")
    person_id = person()
    provider_id = make_provider()
    case_id = open_case(worker, person_id)
    return SimpleNamespace(
        worker=worker,
        boss=boss,
        other_boss=other_boss,
        person_id=person_id,
        provider_id=provider_id,
        case_id=case_id,
    )


def body(t, **overrides) -> dict:
    data = {
        "case_id": t.case_id,
        "provider_id": t.provider_id,
        "service": "psychosocial",
        "urgency": "normal",
        "reason": "Sleeps badly since the return; asks for counselling",
        "consent_obtained": True,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def create(t, client=None, **overrides) -> dict:
    return ok((client or t.worker).post("/api/v1/referrals", json=body(t, **overrides)), 201)


def act(client, referral_id: int, endpoint: str, **payload):
    return client.post(f"/api/v1/referrals/{referral_id}/{endpoint}", json=payload)


def do(t, referral_id: int, action: str, client=None) -> dict:
    endpoint, payload, who = CALLS[action]
    return ok(act(client or getattr(t, who), referral_id, endpoint, **payload))


def referral_in(t, status: str, **overrides) -> int:
    referral_id = create(t, **overrides)["id"]
    for action in PATHS[status]:
        do(t, referral_id, action)
    assert fetch(t, referral_id)["status"] == status
    return referral_id


def fetch(t, referral_id: int, client=None) -> dict:
    return ok((client or t.worker).get(f"/api/v1/referrals/{referral_id}"))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def queue(client) -> list[dict]:
    return ok(client.get("/api/v1/approvals"))["items"]


def history(t) -> list[dict]:
    return ok(t.worker.get(f"/api/v1/cases/{t.case_id}/history"))["items"]


def api_names(allowed: list[str]) -> list[str]:
    """The API takes the provider's answer (accept, decline) as one `respond` action."""
    names = ["respond" if a in ("accept", "decline") else a for a in allowed]
    return list(dict.fromkeys(names))


def allowed_endpoints(status: str) -> list[str]:
    return api_names([a for (s, a) in TABLE if s == status])


def follow_ups(case_id: int) -> list[FollowUp]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(FollowUp)
            .where(FollowUp.case_id == case_id, FollowUp.automatic.is_(True))
            .order_by(FollowUp.id)
        )
    )


# --- creating a referral ------------------------------------------------------------------


def test_create_a_draft(t):
    response = t.worker.post("/api/v1/referrals", json=body(t, urgency="urgent"))
    created = ok(response, 201)
    assert created["status"] == "draft"
    assert created["case_id"] == t.case_id
    assert created["provider_id"] == t.provider_id
    assert created["provider"] == "TPO Nepal"
    assert created["service"] == "psychosocial"
    assert created["urgency"] == "urgent"
    assert created["reason"] == "Sleeps badly since the return; asks for counselling"
    assert created["consent_obtained"] is True
    assert created["office"] == "KTM"
    assert created["version"] == 1
    assert created["actions"] == ["submit", "cancel"]
    assert fetch(t, created["id"]) == created
    stored = db.session.get(Referral, created["id"])
    assert stored.created_by_id == t.worker.user.id
    assert [e["event"] for e in history(t)][-1] == "referral_create"


def test_urgency_defaults_to_normal(t):
    data = body(t)
    del data["urgency"]
    assert ok(t.worker.post("/api/v1/referrals", json=data), 201)["urgency"] == "normal"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"service": "dentistry"}, "service"),
        ({"service": None}, "service"),
        ({"service": "legal_aid"}, "provider_id"),  # the provider does not offer it
        ({"provider_id": 987654}, "provider_id"),
        ({"provider_id": None}, "provider_id"),
        ({"reason": None}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 2001}, "reason"),
        ({"urgency": "asap"}, "urgency"),
        ({"consent_obtained": None}, "consent_obtained"),
        ({"case_id": str(0)}, "case_id"),
        ({"case_id": None}, "case_id"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(t, overrides, field):
    response = t.worker.post("/api/v1/referrals", json=body(t, **overrides))
    refused = error(response, 422)
    assert refused["code"] == "invalid"
    assert field in refused["fields"], refused
    assert all(m.strip() for m in refused["fields"][field])
    assert count(Referral) == 0


def test_create_refuses_an_inactive_provider(t):
    closed = make_provider("Closed clinic", services=["psychosocial"], active=False)
    refused = error(t.worker.post("/api/v1/referrals", json=body(t, provider_id=closed)), 422)
    assert "provider_id" in refused["fields"]
    assert "active" in refused["fields"]["provider_id"][0]
    assert count(Referral) == 0


def test_provider_not_offering_the_service_is_said_clearly(t):
    refused = error(t.worker.post("/api/v1/referrals", json=body(t, service="shelter")), 422)
    assert refused["fields"]["provider_id"] == ["This provider does not offer that service."]


def test_case_of_another_office_is_404(t, api_as):
    damak = api_as("caseworker", office="DMK")
    dmk_case = open_case(damak, person(office="DMK"))
    response = t.worker.post("/api/v1/referrals", json=body(t, case_id=dmk_case))
    assert error(response, 404)["code"] == "not_found"
    # A supervisor of Kathmandu does not see it either.
    assert error(t.boss.post("/api/v1/referrals", json=body(t, case_id=dmk_case)), 404)
    assert count(Referral) == 0


def test_case_that_does_not_exist_is_404(t):
    assert error(t.worker.post("/api/v1/referrals", json=body(t, case_id=987654)), 404)


def test_caseworker_not_assigned_to_the_case_gets_404(t, api_as):
    colleague = api_as("caseworker", office="KTM")
    assert error(colleague.post("/api/v1/referrals", json=body(t)), 404)
    assert count(Referral) == 0


def test_supervisor_of_the_office_may_refer(t):
    assert create(t, client=t.boss)["status"] == "draft"


def test_admin_may_not_refer(t, api_as):
    admin = api_as("admin", office="KTM")
    assert error(admin.post("/api/v1/referrals", json=body(t)), 403)["code"] == "forbidden"
    assert count(Referral) == 0


def close_case(t) -> None:
    case = ok(t.worker.get(f"/api/v1/cases/{t.case_id}"))
    moved = t.worker.post(
        f"/api/v1/cases/{t.case_id}/transitions",
        json={"to": "closure_pending", "version": case["version"], "closure_reason": "withdrew"},
    )
    ok(moved)
    item = next(i for i in queue(t.boss) if i["type"] == "case_closure")
    ok(t.boss.post(f"/api/v1/approvals/{item['id']}/approve", json={"comment": "Agreed"}))
    assert ok(t.worker.get(f"/api/v1/cases/{t.case_id}"))["status"] == "closed"


def test_closed_case_cannot_be_referred(t):
    close_case(t)
    refused = error(t.worker.post("/api/v1/referrals", json=body(t)), 422)
    assert "case_id" in refused["fields"]
    assert "closed" in refused["fields"]["case_id"][0]
    assert count(Referral) == 0


# --- the state machine over the API --------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", list(CALLS))
def test_state_machine(t, status, action):
    referral_id = referral_in(t, status)
    before = fetch(t, referral_id)
    endpoint, payload, who = CALLS[action]
    response = act(getattr(t, who), referral_id, endpoint, **payload)
    if (status, action) in TABLE:
        moved = ok(response)
        assert moved["status"] == TABLE[(status, action)]
        assert moved["version"] > before["version"]
        assert fetch(t, referral_id)["status"] == TABLE[(status, action)]
    else:
        refused = error(response, 409)
        assert refused["code"] == "action_not_allowed"
        assert api_names(refused["allowed"]) == allowed_endpoints(status)
        assert status in refused["message"]
        after = fetch(t, referral_id)
        assert (after["status"], after["version"]) == (status, before["version"])


@pytest.mark.parametrize("status", STATUSES)
def test_actions_field_lists_what_is_possible(t, status):
    referral_id = referral_in(t, status)
    assert api_names(fetch(t, referral_id)["actions"]) == allowed_endpoints(status)


def test_allowed_actions_are_endpoints_a_client_can_call(t):
    referral_id = referral_in(t, "sent")
    refused = error(act(t.worker, referral_id, "complete", outcome="Done"), 409)
    assert refused["allowed"] == ["respond"]
    for name in refused["allowed"]:
        response = act(t.worker, referral_id, name, accepted=True)
        assert response.status_code not in (404, 405)


def test_whole_journey_records_who_and_when(t):
    referral_id = create(t)["id"]
    submitted = do(t, referral_id, "submit")
    assert submitted["submitted_at"] is not None
    approved = ok(act(t.boss, referral_id, "approve", comment="Fine"))
    assert approved["decided_at"] is not None
    sent = do(t, referral_id, "send")
    assert sent["sent_at"] is not None
    answered = ok(act(t.worker, referral_id, "respond", accepted=True, note="First visit Monday"))
    assert answered["response_note"] == "First visit Monday"
    assert answered["responded_at"] is not None
    done = ok(act(t.worker, referral_id, "complete", outcome="Eight sessions"))
    assert done["outcome"] == "Eight sessions"
    assert done["completed_at"] is not None
    stored = db.session.get(Referral, referral_id)
    assert stored.submitted_by_id == t.worker.user.id
    assert stored.decided_by_id == t.boss.user.id
    events = [e for e in history(t) if e["event"].startswith("referral_")]
    assert [(e["event"], e["changes"]["status"]) for e in events] == [
        ("referral_create", ["", "draft"]),
        ("referral_submit", ["draft", "pending_approval"]),
        ("referral_approve", ["pending_approval", "approved"]),
        ("referral_send", ["approved", "sent"]),
        ("referral_accept", ["sent", "accepted"]),
        ("referral_complete", ["accepted", "completed"]),
    ]
    assert all(e["changes"]["referral_id"] == referral_id for e in events)
    assert [e["user"] for e in events] == [t.worker.user.username] * 2 + [t.boss.user.username] + [
        t.worker.user.username
    ] * 3


def test_reject_needs_a_reason(t):
    referral_id = referral_in(t, "pending_approval")
    refused = error(act(t.boss, referral_id, "reject"), 422)
    assert "reason" in refused["fields"]
    refused = error(act(t.boss, referral_id, "reject", reason=""), 422)
    assert "reason" in refused["fields"]
    assert fetch(t, referral_id)["status"] == "pending_approval"
    rejected = ok(act(t.boss, referral_id, "reject", reason="Not the right provider"))
    assert rejected["status"] == "rejected"
    assert rejected["decision_reason"] == "Not the right provider"


def test_blank_reject_reason_names_the_reason_field(t):
    referral_id = referral_in(t, "pending_approval")
    refused = error(act(t.boss, referral_id, "reject", reason="   "), 422)
    assert "reason" in refused["fields"]


def test_refused_reject_names_reject(t):
    referral_id = referral_in(t, "draft")
    refused = error(act(t.boss, referral_id, "reject", reason="No"), 409)
    assert refused["message"].startswith("reject")


def test_respond_needs_accepted(t):
    referral_id = referral_in(t, "sent")
    assert "accepted" in error(act(t.worker, referral_id, "respond"), 422)["fields"]
    refused = error(act(t.worker, referral_id, "respond", accepted="perhaps"), 422)
    assert "accepted" in refused["fields"]
    assert fetch(t, referral_id)["status"] == "sent"


@pytest.mark.parametrize("outcome", [None, "", "   "])
def test_complete_needs_an_outcome(t, outcome):
    referral_id = referral_in(t, "accepted")
    payload = {} if outcome is None else {"outcome": outcome}
    refused = error(act(t.worker, referral_id, "complete", **payload), 422)
    assert "outcome" in refused["fields"]
    assert fetch(t, referral_id)["status"] == "accepted"


def test_declined_referral_can_not_be_completed(t):
    referral_id = referral_in(t, "declined")
    refused = error(act(t.worker, referral_id, "complete", outcome="x"), 409)
    assert refused["allowed"] == []


def test_cancelling_a_pending_referral_takes_it_out_of_the_queue(t):
    referral_id = referral_in(t, "pending_approval")
    assert [i["subject_id"] for i in queue(t.boss)] == [referral_id]
    ok(act(t.worker, referral_id, "cancel", reason="The person moved abroad"))
    assert queue(t.boss) == []
    item = db.session.scalar(select(Approval).where(Approval.subject_id == referral_id))
    assert item.status == "cancelled"
    refused = error(act(t.other_boss, referral_id, "approve"), 409)
    assert refused["code"] == "action_not_allowed"


@pytest.mark.parametrize("action", ["submit", "approve", "send", "accept", "complete", "cancel"])
def test_stale_version_is_409(t, action):
    status = {
        "submit": "draft",
        "approve": "pending_approval",
        "send": "approved",
        "accept": "sent",
        "complete": "accepted",
        "cancel": "approved",
    }[action]
    referral_id = referral_in(t, status)
    current = fetch(t, referral_id)["version"]
    endpoint, payload, who = CALLS[action]
    client = getattr(t, who)
    stale = current - 1 if current > 1 else current + 1  # a draft has no older version
    refused = error(act(client, referral_id, endpoint, **payload, version=stale), 409)
    assert refused["code"] == "stale_version"
    after = fetch(t, referral_id)
    assert (after["status"], after["version"]) == (status, current)
    moved = ok(act(client, referral_id, endpoint, **payload, version=current))
    assert moved["status"] == TABLE[(status, action)]


def test_stale_send_records_no_transfer(t):
    referral_id = referral_in(t, "approved")
    current = fetch(t, referral_id)["version"]
    assert error(act(t.worker, referral_id, "send", version=current - 1), 409)
    assert count(DataTransfer) == 0
    assert follow_ups(t.case_id) == []


# --- consent -----------------------------------------------------------------------------


def assert_unchanged_draft(t, referral_id: int, version: int) -> None:
    after = fetch(t, referral_id)
    assert (after["status"], after["version"], after["submitted_at"]) == ("draft", version, None)
    assert count(Approval) == 0
    assert queue(t.boss) == []
    assert "referral_submit" not in [e["event"] for e in history(t)]


def test_submission_without_consent_obtained_is_refused(t):
    referral = create(t, consent_obtained=False)
    refused = error(act(t.worker, referral["id"], "submit"), 422)
    assert list(refused["fields"]) == ["consent_obtained"]
    assert "agreed" in refused["fields"]["consent_obtained"][0]
    assert_unchanged_draft(t, referral["id"], referral["version"])


def test_submission_without_referral_consent_on_record_is_refused(t):
    t.person_id = person(purposes=["registration", "assistance"])
    t.case_id = open_case(t.worker, t.person_id)
    referral = create(t)
    refused = error(act(t.worker, referral["id"], "submit"), 422)
    assert list(refused["fields"]) == ["consent"]
    assert "consent to referral" in refused["fields"]["consent"][0]
    assert "profile" in refused["fields"]["consent"][0]
    assert_unchanged_draft(t, referral["id"], referral["version"])


def test_consent_withdrawn_altogether_is_refused_even_with_referral_listed(t):
    t.person_id = person(consent_given=False)
    t.case_id = open_case(t.worker, t.person_id)
    referral = create(t)
    refused = error(act(t.worker, referral["id"], "submit"), 422)
    assert "consent" in refused["fields"]
    assert_unchanged_draft(t, referral["id"], referral["version"])


def test_both_missing_consents_are_named_at_once(t):
    t.person_id = person(purposes=["registration"])
    t.case_id = open_case(t.worker, t.person_id)
    referral = create(t, consent_obtained=False)
    refused = error(act(t.worker, referral["id"], "submit"), 422)
    assert set(refused["fields"]) == {"consent", "consent_obtained"}


def test_consent_recorded_on_the_profile_then_submission_works(t):
    t.person_id = person(purposes=["registration"])
    t.case_id = open_case(t.worker, t.person_id)
    referral = create(t)
    assert error(act(t.worker, referral["id"], "submit"), 422)
    profile = ok(t.worker.get(f"/api/v1/beneficiaries/{t.person_id}"))
    ok(
        t.worker.patch(
            f"/api/v1/beneficiaries/{t.person_id}",
            json={
                "version": profile["version"],
                "consent": {"given": True, "date": TODAY.isoformat(), "purposes": CONSENTED},
            },
        )
    )
    assert do(t, referral["id"], "submit")["status"] == "pending_approval"


def test_consent_withdrawn_before_sending_stops_the_transfer(t):
    referral_id = referral_in(t, "approved")
    profile = ok(t.worker.get(f"/api/v1/beneficiaries/{t.person_id}"))
    ok(
        t.worker.patch(
            f"/api/v1/beneficiaries/{t.person_id}",
            json={
                "version": profile["version"],
                "consent": {"given": True, "date": TODAY.isoformat(), "purposes": ["assistance"]},
            },
        )
    )
    refused = error(act(t.worker, referral_id, "send"), 422)
    assert "consent" in refused["fields"]
    after = fetch(t, referral_id)
    assert (after["status"], after["sent_at"]) == ("approved", None)
    assert count(DataTransfer) == 0
    assert follow_ups(t.case_id) == []


# --- four eyes, roles and offices ---------------------------------------------------------


def test_supervisor_who_submitted_cannot_decide(t):
    referral_id = create(t, client=t.boss)["id"]
    do(t, referral_id, "submit", client=t.boss)
    for endpoint, payload in (("approve", {}), ("reject", {"reason": "No"})):
        refused = error(act(t.boss, referral_id, endpoint, **payload), 403)
        assert "another supervisor" in refused["message"]
    item = next(i for i in queue(t.boss) if i["subject_id"] == referral_id)
    approve_in_queue = t.boss.post(
        f"/api/v1/approvals/{item['id']}/approve", json={"comment": "Mine"}
    )
    assert error(approve_in_queue, 403)
    assert fetch(t, referral_id, client=t.boss)["status"] == "pending_approval"
    assert ok(act(t.other_boss, referral_id, "approve"))["status"] == "approved"
    assert db.session.get(Referral, referral_id).decided_by_id == t.other_boss.user.id


def test_caseworker_cannot_decide(t):
    referral_id = referral_in(t, "pending_approval")
    assert error(act(t.worker, referral_id, "approve"), 403)["code"] == "forbidden"
    assert error(act(t.worker, referral_id, "reject", reason="No"), 403)["code"] == "forbidden"
    assert error(t.worker.get("/api/v1/approvals"), 403)
    assert fetch(t, referral_id)["status"] == "pending_approval"


@pytest.mark.parametrize("status", ["draft", "approved"])
def test_caseworker_approving_in_any_status_is_403(t, status):
    referral_id = referral_in(t, status)
    assert error(act(t.worker, referral_id, "approve"), 403)


def test_admin_sees_referrals_but_does_not_act(t, api_as):
    admin = api_as("admin", office="KTM")
    referral_id = referral_in(t, "pending_approval")
    assert fetch(t, referral_id, client=admin)["id"] == referral_id
    for endpoint in ENDPOINTS:
        _, payload, _ = next(c for c in CALLS.values() if c[0] == endpoint)
        assert error(act(admin, referral_id, endpoint, **payload), 403)["code"] == "forbidden"
    assert fetch(t, referral_id)["status"] == "pending_approval"


def test_other_office_cannot_see_or_decide(t, api_as):
    referral_id = referral_in(t, "pending_approval")
    damak_boss = api_as("supervisor", office="DMK")
    damak_worker = api_as("caseworker", office="DMK")
    for client in (damak_boss, damak_worker):
        assert error(client.get(f"/api/v1/referrals/{referral_id}"), 404)["code"] == "not_found"
        for endpoint in ENDPOINTS:
            _, payload, _ = next(c for c in CALLS.values() if c[0] == endpoint)
            # A role that may never decide is refused as such (403, revealing nothing);
            # for every other action the referral is simply not there (404).
            deciding = endpoint in ("approve", "reject") and client is damak_worker
            assert error(act(client, referral_id, endpoint, **payload), 403 if deciding else 404)
        assert ok(client.get("/api/v1/referrals"))["total"] == 0
    assert queue(damak_boss) == []
    item = queue(t.boss)[0]
    refused = damak_boss.post(f"/api/v1/approvals/{item['id']}/approve", json={"comment": "x"})
    assert error(refused, 404)
    assert fetch(t, referral_id)["status"] == "pending_approval"


def test_other_caseworker_of_the_office_gets_404(t, api_as):
    referral_id = referral_in(t, "draft")
    colleague = api_as("caseworker", office="KTM")
    assert error(colleague.get(f"/api/v1/referrals/{referral_id}"), 404)
    assert error(act(colleague, referral_id, "submit"), 404)
    assert fetch(t, referral_id)["status"] == "draft"


def test_unknown_referral_is_404(t):
    assert error(t.worker.get("/api/v1/referrals/987654"), 404)
    assert error(act(t.worker, 987654, "submit"), 404)


def test_partner_is_refused_everywhere(t, api_as):
    partner = api_as("partner", office="KTM")
    referral_id = referral_in(t, "pending_approval")
    calls = [
        partner.get("/api/v1/referrals"),
        partner.get(f"/api/v1/referrals/{referral_id}"),
        partner.post("/api/v1/referrals", json=body(t)),
        partner.get("/api/v1/providers"),
        partner.get(f"/api/v1/providers/{t.provider_id}"),
        partner.post(
            "/api/v1/providers",
            json={"name": "X", "kind": "ngo", "services": ["cash"], "district_ids": [27]},
        ),
        partner.patch(f"/api/v1/providers/{t.provider_id}", json={"version": 1, "name": "X"}),
        partner.get("/api/v1/approvals"),
    ]
    calls += [act(partner, referral_id, endpoint) for endpoint in ENDPOINTS]
    for response in calls:
        assert error(response, 403)["code"] == "forbidden"
    assert count(Referral) == 1
    assert fetch(t, referral_id)["status"] == "pending_approval"


def test_unauthenticated_is_401(t, client):
    assert client.get("/api/v1/referrals").status_code == 401
    assert client.post("/api/v1/referrals", json=body(t)).status_code == 401


# --- the approvals queue -------------------------------------------------------------------


def test_pending_referral_in_the_queue(t):
    referral_id = referral_in(t, "pending_approval")
    items = queue(t.boss)
    assert len(items) == 1
    item = items[0]
    assert item["type"] == "referral"
    assert item["subject_id"] == referral_id
    assert item["case_id"] == t.case_id
    assert item["requested_by"] == t.worker.user.username
    assert item["requested_at"]
    assert queue(t.other_boss) == items


def age(referral_id: int, days: float) -> None:
    item = db.session.scalar(select(Approval).where(Approval.subject_id == referral_id))
    item.requested_at = datetime.now(UTC) - timedelta(days=days)
    db.session.commit()


def test_urgent_referrals_come_first_regardless_of_age(t):
    old_normal = referral_in(t, "pending_approval")
    new_normal = referral_in(t, "pending_approval")
    urgent = referral_in(t, "pending_approval", urgency="urgent")
    age(old_normal, 10)
    age(new_normal, 5)
    age(urgent, 0.01)
    assert [i["subject_id"] for i in queue(t.boss)] == [urgent, old_normal, new_normal]
    # Whatever order they were asked in.
    age(urgent, 20)
    age(old_normal, 1)
    assert [i["subject_id"] for i in queue(t.boss)] == [urgent, new_normal, old_normal]


def test_decided_referral_leaves_the_queue(t):
    approved = referral_in(t, "pending_approval")
    rejected = referral_in(t, "pending_approval")
    ok(act(t.boss, approved, "approve"))
    ok(act(t.boss, rejected, "reject", reason="Duplicate"))
    assert queue(t.boss) == []
    items = {a.subject_id: a for a in db.session.scalars(select(Approval))}
    assert (items[approved].status, items[approved].decided_by_id) == ("approved", t.boss.user.id)
    assert (items[rejected].status, items[rejected].decision_comment) == ("rejected", "Duplicate")


def test_deciding_from_the_queue_moves_the_referral(t):
    approved = referral_in(t, "pending_approval")
    rejected = referral_in(t, "pending_approval")
    by_subject = {i["subject_id"]: i["id"] for i in queue(t.boss)}
    ok(t.boss.post(f"/api/v1/approvals/{by_subject[approved]}/approve", json={"comment": "Go"}))
    ok(t.boss.post(f"/api/v1/approvals/{by_subject[rejected]}/reject", json={"comment": "No"}))
    assert fetch(t, approved)["status"] == "approved"
    assert fetch(t, rejected)["status"] == "rejected"
    assert fetch(t, rejected)["decision_reason"] == "No"


# --- sending: the transfer record, history, audit, follow-up --------------------------------


def test_sending_records_the_transfer_of_personal_data(t):
    referral_id = referral_in(t, "approved")
    sent = do(t, referral_id, "send")
    transfers = list(db.session.scalars(select(DataTransfer)))
    assert len(transfers) == 1
    transfer = transfers[0]
    assert transfer.referral_id == referral_id
    assert transfer.beneficiary_id == t.person_id
    assert transfer.provider_id == t.provider_id
    assert transfer.sent_by_id == t.worker.user.id
    assert transfer.sent_at is not None
    assert transfer.fields == SLIP_FIELDS
    # Data minimisation: no identity number, registration number or full date of birth.
    assert not {"date_of_birth", "registration_number", "documents"} & set(transfer.fields)
    beneficiary = db.session.get(Beneficiary, t.person_id)
    assert transfer.consent == {
        "given": True,
        "date": beneficiary.consent_date.isoformat(),
        "purposes": CONSENTED,
        "confirmed_for_referral": True,
    }
    assert sent["sent_at"] is not None
    # The record names exactly what the printed slip shows.
    worker = db.session.get(User, t.worker.user.id)
    slip = referrals.slip(worker, db.session.get(Referral, referral_id))
    assert list(slip) == transfer.fields
    assert slip["phone"] == "+9779812345678"
    assert slip["service"] == "Psychosocial"


def test_no_transfer_before_sending(t):
    referral_in(t, "approved")
    referral_in(t, "cancelled")
    assert count(DataTransfer) == 0


def test_sending_writes_history_and_audit(t):
    referral_id = referral_in(t, "approved")
    do(t, referral_id, "send")
    sends = [e for e in history(t) if e["event"] == "referral_send"]
    assert len(sends) == 1
    assert sends[0]["user"] == t.worker.user.username
    assert sends[0]["changes"]["referral_id"] == referral_id
    assert sends[0]["changes"]["status"] == ["approved", "sent"]
    assert sends[0]["changes"]["provider"] == "TPO Nepal"
    audit = list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.referral_send"))
    )
    assert len(audit) == 1
    assert (audit[0].object_type, audit[0].object_id) == ("case", str(t.case_id))
    assert audit[0].user_id == t.worker.user.id
    assert audit[0].changes["referral_id"] == referral_id
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    for step in ("create", "submit", "approve", "send"):
        assert f"case.referral_{step}" in actions
    stored = db.session.scalar(select(CaseEvent).where(CaseEvent.event == "referral_approve"))
    assert stored.user_id == t.boss.user.id


def test_sending_raises_a_follow_up_after_the_default_days(t):
    assert referral_response_days() == 14
    referral_id = referral_in(t, "approved")
    assert follow_ups(t.case_id) == []
    do(t, referral_id, "send")
    [follow_up] = follow_ups(t.case_id)
    assert follow_up.due_date == TODAY + timedelta(days=14)
    assert follow_up.done_at is None
    assert "TPO Nepal" in follow_up.title


def test_the_number_of_days_is_a_setting(t, make_user):
    admin = make_user("admin", office="KTM")
    assert update_referral_response_days(admin, 5) == 5
    db.session.commit()
    assert referral_response_days() == 5
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.update"))
    assert event.changes == {"days": [14, 5]}
    referral_id = referral_in(t, "approved")
    do(t, referral_id, "send")
    [follow_up] = follow_ups(t.case_id)
    assert follow_up.due_date == TODAY + timedelta(days=5)


@pytest.mark.parametrize("days", [0, 366, -1, "7", 7.0, True, None])
def test_the_setting_refuses_bad_values(make_user, days):
    admin = make_user("admin", office="KTM")
    with pytest.raises(ValidationError) as refused:
        update_referral_response_days(admin, days)
    assert "referral_response_days" in refused.value.fields
    db.session.rollback()
    assert referral_response_days() == settings.DEFAULT_REFERRAL_DAYS


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "partner"])
def test_only_admins_change_the_setting(make_user, role):
    user = make_user(role, office="KTM")
    with pytest.raises(PermissionDenied):
        update_referral_response_days(user, 3)
    db.session.rollback()
    assert referral_response_days() == 14


@pytest.mark.parametrize("accepted", [True, False])
def test_the_answer_marks_the_follow_up_done(t, accepted):
    referral_id = referral_in(t, "sent")
    [follow_up] = follow_ups(t.case_id)
    assert follow_up.done_at is None
    ok(act(t.worker, referral_id, "respond", accepted=accepted))
    [follow_up] = follow_ups(t.case_id)
    assert follow_up.done_at is not None
    assert follow_up.done_by_id == t.worker.user.id


def test_a_refused_answer_leaves_the_follow_up_open(t):
    referral_id = referral_in(t, "sent")
    assert error(act(t.worker, referral_id, "respond", accepted=True, note="x" * 2001), 422)
    [follow_up] = follow_ups(t.case_id)
    assert follow_up.done_at is None
    assert fetch(t, referral_id)["status"] == "sent"


def test_the_answer_closes_only_its_own_follow_up(t):
    medical = referral_in(t, "sent", service="medical")
    referral_in(t, "sent", service="psychosocial")
    assert len(follow_ups(t.case_id)) == 2
    ok(act(t.worker, medical, "respond", accepted=True))
    assert [f.done_at is None for f in follow_ups(t.case_id)] == [False, True]


# --- the list ----------------------------------------------------------------------------


def test_list_is_scoped_like_cases(t, api_as):
    mine = referral_in(t, "draft")
    colleague = api_as("caseworker", office="KTM")
    t2 = SimpleNamespace(**{**vars(t), "worker": colleague})
    t2.case_id = open_case(colleague, person())
    theirs = referral_in(t2, "draft")
    damak = api_as("caseworker", office="DMK")
    t3 = SimpleNamespace(**{**vars(t), "worker": damak})
    t3.provider_id = make_provider("Damak Hospital", services=["psychosocial"], districts=[4])
    t3.case_id = open_case(damak, person(office="DMK"))
    far = referral_in(t3, "draft")
    admin = api_as("admin", office="KTM")
    damak_boss = api_as("supervisor", office="DMK")

    def ids(client):
        listed = ok(client.get("/api/v1/referrals"))
        assert listed["total"] == len(listed["items"])
        return {r["id"] for r in listed["items"]}

    assert ids(t.worker) == {mine}
    assert ids(colleague) == {theirs}
    assert ids(damak) == {far}
    assert ids(t.boss) == {mine, theirs}
    assert ids(damak_boss) == {far}
    assert ids(admin) == {mine, theirs, far}


def test_list_has_the_contract_envelope_and_filters(t):
    draft = referral_in(t, "draft")
    pending = referral_in(t, "pending_approval")
    listed = ok(t.worker.get("/api/v1/referrals?per_page=1"))
    assert (listed["total"], listed["page"], listed["per_page"]) == (2, 1, 1)
    assert len(listed["items"]) == 1
    by_status = ok(t.worker.get("/api/v1/referrals?status=pending_approval"))["items"]
    assert [r["id"] for r in by_status] == [pending]
    assert {r["id"] for r in ok(t.worker.get("/api/v1/referrals"))["items"]} == {draft, pending}
    assert "status" in error(t.worker.get("/api/v1/referrals?status=lost"), 422)["fields"]


def test_list_filters_by_case(t):
    first = referral_in(t, "draft")
    t.case_id = open_case(t.worker, t.person_id)
    second = referral_in(t, "draft")
    by_case = ok(t.worker.get(f"/api/v1/referrals?case_id={t.case_id}"))["items"]
    assert [r["id"] for r in by_case] == [second]
    assert first != second
    assert ok(t.worker.get("/api/v1/referrals?case_id=987654"))["total"] == 0


def test_list_puts_urgent_first(t):
    first = referral_in(t, "draft")
    urgent = referral_in(t, "draft", urgency="urgent")
    last = referral_in(t, "draft")
    items = ok(t.boss.get("/api/v1/referrals"))["items"]
    assert [r["id"] for r in items] == [urgent, last, first]


def test_inactive_user_token_is_refused(t):
    referral_id = referral_in(t, "draft")
    user = db.session.get(User, t.worker.user.id)
    user.active = False
    db.session.commit()
    assert t.worker.get(f"/api/v1/referrals/{referral_id}").status_code in (401, 403)
