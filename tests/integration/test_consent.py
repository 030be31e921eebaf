"""Consent per purpose: recorded, audited when it changes, enforced at once where it matters.

Submitting a referral and sending it to a provider (the third-party transfer) need the
'referral' purpose on record; a withdrawal stops a referral that waits to be sent. The
audit log and its page never name torture or sexual violence.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from casework import audit
from casework.extensions import db
from casework.models import AuditEvent, Beneficiary, DataTransfer, Referral
from casework.services import providers
from tests.factories import BeneficiaryFactory, conflict_case
from tests.pages import filled, form_with

TODAY = date.today()
WITHDRAWN = "The consent to referral was withdrawn; it cannot be sent."
ALL_PURPOSES = ["registration", "assistance", "referral", "data_sharing"]


def ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


@pytest.fixture
def t(api_as):
    worker, boss = api_as("caseworker"), api_as("supervisor")
    person = BeneficiaryFactory(consent_purposes=["registration", "assistance", "referral"])
    provider = providers.create(
        None,
        {"name": "TPO Nepal", "kind": "ngo", "services": ["psychosocial"], "district_ids": [27]},
    )
    db.session.commit()
    case = ok(
        worker.post(
            "/api/v1/cases",
            json={
                "kind": "return_reintegration",
                "beneficiary_id": person.id,
                "host_country": "QA",
                "return_date": (TODAY - timedelta(days=10)).isoformat(),
                "return_reason": "abuse_exploitation",
            },
        ),
        201,
    )
    return SimpleNamespace(
        worker=worker, boss=boss, person_id=person.id, provider_id=provider.id, case=case
    )


def draft(t) -> int:
    body = {
        "case_id": t.case["id"],
        "provider_id": t.provider_id,
        "service": "psychosocial",
        "reason": "Asks for counselling",
        "consent_obtained": True,
    }
    return ok(t.worker.post("/api/v1/referrals", json=body), 201)["id"]


def approved(t) -> int:
    referral_id = draft(t)
    ok(t.worker.post(f"/api/v1/referrals/{referral_id}/submit", json={}))
    ok(t.boss.post(f"/api/v1/referrals/{referral_id}/approve", json={}))
    return referral_id


def set_consent(t, given: bool, purposes: list[str]):
    current = ok(t.worker.get(f"/api/v1/beneficiaries/{t.person_id}"))
    consent = {"given": given, "date": (TODAY - timedelta(days=1)).isoformat() if given else None}
    consent["purposes"] = purposes
    return t.worker.patch(
        f"/api/v1/beneficiaries/{t.person_id}",
        json={"consent": consent, "version": current["version"]},
    )


def consent_events(person_id: int) -> list[dict]:
    stmt = select(AuditEvent.changes).where(
        AuditEvent.action == "beneficiary.consent", AuditEvent.object_id == str(person_id)
    )
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def transfers() -> int:
    return db.session.scalar(select(func.count()).select_from(DataTransfer))


# --- enforcement ---------------------------------------------------------------------------


def test_withdrawing_referral_consent_through_the_api_stops_the_sending_at_once(t):
    referral_id = approved(t)
    ok(set_consent(t, True, ["registration", "assistance"]))
    refused = t.worker.post(f"/api/v1/referrals/{referral_id}/send", json={})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {"consent": [WITHDRAWN]}
    db.session.expire_all()
    assert db.session.get(Referral, referral_id).status == "approved"
    assert transfers() == 0


def test_withdrawing_all_consent_stops_the_submission(t):
    referral_id = draft(t)
    ok(set_consent(t, False, []))
    refused = t.worker.post(f"/api/v1/referrals/{referral_id}/submit", json={})
    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["consent"]


def test_with_referral_consent_the_referral_is_sent_and_the_transfer_recorded(t):
    referral_id = approved(t)
    assert ok(t.worker.post(f"/api/v1/referrals/{referral_id}/send", json={}))["status"] == "sent"
    transfer = db.session.scalar(select(DataTransfer))
    assert "referral" in transfer.consent["purposes"]


def test_withdrawal_on_the_profile_page_stops_a_referral_waiting_to_be_sent(t, login_as):
    referral_id = approved(t)
    page = login_as("caseworker")
    edit_url = f"/beneficiaries/{t.person_id}/edit"
    form = form_with(page.get(edit_url).get_data(as_text=True), "consent_purposes")
    saved = page.post(edit_url, data=filled(form, consent_purposes=["registration"]))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert db.session.get(Beneficiary, t.person_id).consent_purposes == ["registration"]
    refused = t.worker.post(f"/api/v1/referrals/{referral_id}/send", json={})
    assert refused.status_code == 422
    assert WITHDRAWN in refused.get_json()["error"]["fields"]["consent"]
    assert transfers() == 0


# --- the audit of consent ------------------------------------------------------------------


def test_each_change_of_consent_is_audited_per_purpose_with_the_date(t):
    ok(set_consent(t, True, ["registration", "assistance", "data_sharing"]))
    assert consent_events(t.person_id) == [
        {
            "given": ["data_sharing"],
            "withdrawn": ["referral"],
            "date": TODAY.isoformat(),
            "consent_date": (TODAY - timedelta(days=1)).isoformat(),
        }
    ]


def test_unticking_consent_withdraws_every_purpose(t):
    ok(set_consent(t, False, []))
    (event,) = consent_events(t.person_id)
    assert event["given"] == []
    assert event["withdrawn"] == ["assistance", "referral", "registration"]
    assert event["date"] == TODAY.isoformat()


def test_an_edit_that_leaves_consent_alone_writes_no_consent_event(t):
    current = ok(t.worker.get(f"/api/v1/beneficiaries/{t.person_id}"))
    patch = {"phone": "9841000111", "version": current["version"]}
    ok(t.worker.patch(f"/api/v1/beneficiaries/{t.person_id}", json=patch))
    assert consent_events(t.person_id) == []


def test_registration_records_the_purposes_consented_to(api_as):
    worker = api_as("caseworker")
    body = {
        "given_name": "Maya",
        "family_name": "Gurung",
        "sex": "female",
        "date_of_birth": "1992-03-04",
        "nationality": "NP",
        "consent": {"given": True, "date": TODAY.isoformat(), "purposes": ["registration"]},
    }
    created = ok(worker.post("/api/v1/beneficiaries", json=body), 201)
    (event,) = consent_events(created["id"])
    assert event["given"] == ["registration"] and event["withdrawn"] == []


def test_an_invalid_consent_is_refused_naming_the_field(t):
    refused = set_consent(t, True, ["marketing"])
    assert refused.status_code == 422
    assert "consent" in refused.get_json()["error"]["fields"]
    assert consent_events(t.person_id) == []


# --- data sharing: aggregate reports are anonymous statistics -----------------------------


def test_aggregate_reports_count_people_whatever_their_data_sharing_consent(api_as):
    """The decision (README, Data protection): suppressed counts are not personal data, so
    the 'data_sharing' purpose does not remove anyone from them."""
    partner = api_as("partner")
    for purposes in (ALL_PURPOSES, ["registration"]):
        for _ in range(5):
            conflict_case(BeneficiaryFactory(consent_purposes=purposes), ["displaced"])
    db.session.commit()
    report = ok(partner.get("/api/v1/reports/summary?group_by=sex"))
    female = [row for row in report["rows"] if row.get("sex") == "female"]
    assert female[0]["count"] == 10


# --- sensitive categories never named in the audit log -----------------------------------


def test_the_audit_log_never_names_torture_or_gbv(api_as, login_as):
    worker, admin = api_as("caseworker"), login_as("admin")
    body = {
        "given_name": "Kamala",
        "family_name": "Tamang",
        "sex": "female",
        "date_of_birth": "1984-04-11",
        "nationality": "NP",
        "vulnerabilities": ["torture_survivor", "gbv_survivor", "psychosocial"],
    }
    created = ok(worker.post("/api/v1/beneficiaries", json=body), 201)
    stored = db.session.scalar(
        select(AuditEvent.changes).where(AuditEvent.action == "beneficiary.create")
    )
    assert stored["vulnerabilities"] == [None, ["psychosocial", "restricted"]]
    html = unescape(admin.get(f"/admin/audit?object_id={created['id']}").get_data(as_text=True))
    assert "psychosocial" in html and "restricted" in html
    assert "torture" not in html and "gbv" not in html


def test_events_written_before_the_masking_are_masked_on_the_page(login_as):
    admin = login_as("admin")
    audit.record(
        "beneficiary.update",
        object_type="beneficiary",
        object_id=1,
        changes={"vulnerabilities": [[], ["torture_survivor"]]},
    )
    db.session.commit()
    html = admin.get("/admin/audit?object_type=beneficiary").get_data(as_text=True)
    assert "restricted" in html
    assert "torture_survivor" not in html
