"""Subject access: an admin produces everything held about one person, as a page and JSON."""

from __future__ import annotations

import json
from datetime import date
from html import unescape

import pytest
from sqlalchemy import select

from casework import audit
from casework.extensions import db
from casework.models import AuditEvent, CaseNote, FollowUp, Referral
from casework.services import cases, providers
from tests.factories import (
    BeneficiaryFactory,
    IdentityDocumentFactory,
    UserFactory,
    conflict_case,
    return_case,
)


@pytest.fixture
def person():
    """A person with a case, notes (one confidential), a follow-up, a referral, a view."""
    someone = BeneficiaryFactory(
        given_name="Parbati",
        family_name="Rai",
        phone="+9779845550000",
        consent_purposes=["registration", "referral"],
    )
    IdentityDocumentFactory(beneficiary=someone, number="55-66-77")
    case = return_case(someone)
    author = UserFactory()
    db.session.add(CaseNote(case_id=case.id, author_id=author.id, body="Found work in Dharan"))
    db.session.add(
        CaseNote(case_id=case.id, author_id=author.id, body="Secret detail", confidential=True)
    )
    db.session.add(FollowUp(case_id=case.id, title="Visit in March", due_date=date.today()))
    clinic = providers.create(
        None,
        {"name": "Dharan Clinic", "kind": "ngo", "services": ["medical"], "district_ids": [27]},
    )
    db.session.add(
        Referral(
            case=case,
            office_code="KTM",
            provider=clinic,
            service="medical",
            reason="Back pain from the work abroad",
            created_by_id=author.id,
        )
    )
    cases.record_event(case, author, "update", changes={"host_country": ["SA", "QA"]})
    audit.record("beneficiary.view", object_type="beneficiary", object_id=someone.id, actor=author)
    db.session.commit()
    someone.viewer = author.username
    return someone


def test_the_page_shows_everything_held(login_as, person):
    admin = login_as("admin")
    response = admin.get(f"/admin/subject-access/{person.id}")
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    for held in (
        "Parbati",
        "Rai",
        "+9779845550000",
        "55-66-77",
        "referral",
        "Found work in Dharan",
        "Visit in March",
        "Back pain from the work abroad",
        "Dharan Clinic",
        "beneficiary.view",
        person.viewer,
    ):
        assert held in html, held
    assert "Secret detail" not in html
    assert "1 note is withheld." in html


def test_the_json_download_holds_the_same_report(login_as, person):
    admin = login_as("admin")
    response = admin.get(f"/admin/subject-access/{person.id}.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert f"subject-access-{person.registration_number}.json" in disposition
    report = json.loads(response.get_data(as_text=True))
    assert report["profile"]["given_name"] == "Parbati"
    assert report["profile"]["documents"][0]["number"] == "55-66-77"
    assert report["consent"]["purposes"] == ["registration", "referral"]
    (case,) = report["cases"]
    assert [n["body"] for n in case["notes"]] == ["Found work in Dharan"]
    assert case["withheld_notes"] == 1
    assert case["referrals"][0]["provider"] == "Dharan Clinic"
    assert case["return_details"]["host_country"] == "QA"
    assert any(e["action"] == "beneficiary.view" for e in report["audit_trail"])
    assert "search_text" not in report["profile"]


def test_producing_it_is_audited_with_the_format(login_as, person):
    admin = login_as("admin")
    admin.get(f"/admin/subject-access/{person.id}")
    admin.get(f"/admin/subject-access/{person.id}.json")
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "subject_access.produce")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.username, e.object_id, e.changes) for e in events] == [
        (admin.user.username, str(person.id), {"format": "html"}),
        (admin.user.username, str(person.id), {"format": "json"}),
    ]


def test_torture_and_sexual_violence_read_restricted(login_as):
    admin = login_as("admin")
    survivor = BeneficiaryFactory(vulnerabilities=["torture_survivor", "disability"])
    conflict_case(survivor, ["torture", "displaced"])
    db.session.commit()
    body = admin.get(f"/admin/subject-access/{survivor.id}.json").get_data(as_text=True)
    assert "torture" not in body and "restricted" in body
    assert "disability" in body and "displaced" in body


def test_a_person_found_by_registration_number(login_as, person):
    admin = login_as("admin")
    response = admin.get(
        f"/admin/subject-access?registration_number={person.registration_number.lower()}"
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/subject-access/{person.id}")


def test_an_unknown_registration_number_is_named_on_the_form(login_as):
    admin = login_as("admin")
    response = admin.get("/admin/subject-access?registration_number=KTM-1999-000001")
    assert response.status_code == 422
    assert "No beneficiary with this registration number." in response.get_data(as_text=True)


def test_an_unknown_person_is_404(login_as):
    admin = login_as("admin")
    assert admin.get("/admin/subject-access/999999").status_code == 404
    assert admin.get("/admin/subject-access/999999.json").status_code == 404


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "partner"])
def test_others_are_refused_and_nothing_is_recorded(login_as, person, role):
    client = login_as(role)
    assert client.get(f"/admin/subject-access/{person.id}").status_code == 403
    assert client.get(f"/admin/subject-access/{person.id}.json").status_code == 403
    assert client.get("/admin/subject-access").status_code == 403
    produced = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "subject_access.produce")
    )
    assert produced is None


def test_the_profile_page_links_to_it_for_admins_only(login_as, person):
    admin, worker = login_as("admin"), login_as("caseworker")
    link = f"/admin/subject-access/{person.id}"
    assert link in admin.get(f"/beneficiaries/{person.id}").get_data(as_text=True)
    assert link not in worker.get(f"/beneficiaries/{person.id}").get_data(as_text=True)
