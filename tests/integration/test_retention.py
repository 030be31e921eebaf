"""Retention: who is past the period, and anonymising them by command or on the admin page.

The anonymised people keep what aggregate reports count (the same summary before and
after), lose what names or describes them, and the audit chain still verifies.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from casework import audit
from casework.cli import retention_command, verify_command
from casework.extensions import db
from casework.models import (
    AuditEvent,
    Beneficiary,
    Case,
    CaseEvent,
    CaseMember,
    CaseNote,
    FollowUp,
    IdentityDocument,
    Referral,
    ResettlementDetails,
    ReturnDetails,
    utcnow,
)
from casework.services import cases, providers, retention, settings
from tests.factories import BeneficiaryFactory, IdentityDocumentFactory, UserFactory, return_case
from tests.pages import form_at

NAME, FAMILY, PHONE = "Sunmaya", "Limbuwan", "+9779812222333"
YEARS = timedelta(days=365)


def years_ago(n: float) -> datetime:
    return utcnow() - n * YEARS


def closed_case(person, closed_years_ago: float):
    case = return_case(person, status="closed")
    case.closed_at = years_ago(closed_years_ago)
    db.session.flush()
    return case


def storied_person(**kwargs) -> Beneficiary:
    """A person with a case closed 8 years ago holding every kind of free text."""
    person = BeneficiaryFactory(
        given_name=NAME,
        family_name=FAMILY,
        name_ne="सुनमाया",
        phone=PHONE,
        address_line="Dharan-4, Bhanu Chowk",
        ward=4,
        date_of_birth=date(1990, 6, 15),
        **kwargs,
    )
    IdentityDocumentFactory(beneficiary=person, number="11-22-33-44")
    case = return_case(person, status="assistance")
    case.return_details.plan_goals = f"{NAME} opens a tailoring shop"
    author = UserFactory()
    db.session.add(CaseNote(case_id=case.id, author_id=author.id, body=f"{NAME} cried"))
    db.session.add(
        FollowUp(case_id=case.id, title=f"Call {NAME} on {PHONE}", due_date=date.today())
    )
    provider = providers.create(
        None, {"name": "Clinic", "kind": "ngo", "services": ["medical"], "district_ids": [27]}
    )
    db.session.add(
        Referral(
            case=case,
            office_code="KTM",
            provider=provider,
            service="medical",
            reason=f"{NAME} needs a doctor",
            created_by_id=author.id,
            status="completed",
            outcome=f"{NAME} was treated",
        )
    )
    cases.record_event(case, author, "note", comment=f"Spoke with {NAME}")
    audit.record(
        "beneficiary.update",
        object_type="beneficiary",
        object_id=person.id,
        changes={"phone": ["", PHONE]},
    )
    case.status, case.closed_at = "closed", years_ago(8)
    db.session.commit()
    return person


def due_ids() -> list[int]:
    return [d.beneficiary_id for d in retention.due(None)]


# --- who is due -----------------------------------------------------------------------------


def test_people_whose_cases_all_closed_before_the_period_are_due():
    old = BeneficiaryFactory()
    closed_case(old, 8)
    closed_case(old, 9)
    recent = BeneficiaryFactory()
    closed_case(recent, 6)
    still_open = BeneficiaryFactory()
    closed_case(still_open, 9)
    return_case(still_open, status="assistance")
    db.session.commit()
    assert due_ids() == [old.id]


def resettlement_case(principal, member, status: str):
    worker = UserFactory()
    case = Case(
        case_number=f"KTM-RS-2018-{principal.id:05d}",
        kind="resettlement",
        status=status,
        beneficiary=principal,
        office_code="KTM",
        assigned_to_id=worker.id,
        opened_at=years_ago(9),
        resettlement_details=ResettlementDetails(
            unhcr_case_number=f"UNHCR-{principal.id}",
            camp="beldangi",
            destination_country="US",
            hut_address="Sector B-3, hut 14",
            members=[CaseMember(beneficiary=member, relationship_to_principal="spouse")],
        ),
    )
    db.session.add(case)
    db.session.flush()
    return case


def test_a_family_member_on_an_open_resettlement_case_is_not_due():
    principal = BeneficiaryFactory(created_at=years_ago(9))
    member = BeneficiaryFactory(created_at=years_ago(9))
    resettlement_case(principal, member, "interview")
    db.session.commit()
    assert due_ids() == []


def test_a_family_that_left_long_ago_is_anonymised_with_its_unhcr_number(app):
    principal = BeneficiaryFactory(created_at=years_ago(9))
    member = BeneficiaryFactory(created_at=years_ago(9))
    case = resettlement_case(principal, member, "arrived")
    case.closed_at = years_ago(8)
    db.session.commit()
    assert due_ids() == [principal.id, member.id]
    app.test_cli_runner().invoke(retention_command, ["--apply"])
    db.session.expire_all()
    details = db.session.get(ResettlementDetails, case.id)
    assert details.unhcr_case_number == f"anonymised-{case.id}"
    assert details.hut_address == ""
    assert db.session.get(Beneficiary, member.id).anonymised_at is not None


def test_people_without_a_case_are_due_from_their_registration():
    long_ago = BeneficiaryFactory(created_at=years_ago(7.1))
    BeneficiaryFactory(created_at=years_ago(6.9))
    db.session.commit()
    assert due_ids() == [long_ago.id]


def test_the_setting_changes_the_period(login_as):
    person = BeneficiaryFactory()
    closed_case(person, 4)
    db.session.commit()
    assert due_ids() == []
    settings.update_retention_years(UserFactory(role="admin"), 3)
    db.session.commit()
    assert due_ids() == [person.id]


@pytest.mark.parametrize("years", [0, 101, "seven"])
def test_a_period_out_of_range_is_refused_naming_the_field(login_as, years):
    admin = login_as("admin")
    response = admin.post("/admin/retention/period", data={"retention_years": years})
    assert response.status_code == 422
    assert "retention_years" in response.get_data(as_text=True)
    assert settings.retention_years() == 7


def test_an_admin_sets_the_period_on_the_page(login_as):
    admin = login_as("admin")
    response = admin.post("/admin/retention/period", data={"retention_years": 10})
    assert response.status_code == 302
    assert settings.retention_years() == 10
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_id == "retention_years"))
    assert event.changes == {"years": [7, 10]}


# --- the command ----------------------------------------------------------------------------


def test_the_command_lists_registration_numbers_and_never_names(app):
    person = storied_person()
    result = app.test_cli_runner().invoke(retention_command, [])
    assert result.exit_code == 0, result.output
    assert "1 past the retention period (7 years)" in result.output
    assert person.registration_number in result.output
    assert NAME not in result.output and PHONE not in result.output
    db.session.expire_all()
    assert db.session.get(Beneficiary, person.id).given_name == NAME  # nothing changed


def test_apply_anonymises_everything_that_names_or_describes_the_person(app):
    person = storied_person()
    person_id, number = person.id, person.registration_number
    result = app.test_cli_runner().invoke(retention_command, ["--apply"])
    assert result.exit_code == 0, result.output
    assert "Anonymised 1 people and 1 cases" in result.output
    db.session.expire_all()
    row = db.session.get(Beneficiary, person_id)
    assert row.registration_number == number and row.anonymised_at is not None
    assert (row.given_name, row.family_name, row.name_ne) == ("Anonymised", "", "")
    assert (row.phone, row.address_line, row.ward, row.local_level_id) == ("", "", None, None)
    assert row.date_of_birth == date(1990, 1, 1) and row.dob_estimated
    assert (row.given_key, row.family_key, row.search_text) == ("", "", "")
    assert (row.sex, row.district_id, row.office_code) == ("female", 27, "KTM")
    assert db.session.scalar(select(func.count()).select_from(IdentityDocument)) == 0
    texts = [
        *db.session.scalars(select(CaseNote.body)),
        *db.session.scalars(select(FollowUp.title)),
        *db.session.scalars(select(Referral.reason)),
        *db.session.scalars(select(Referral.outcome)),
        *db.session.scalars(select(CaseEvent.comment)),
        *db.session.scalars(select(ReturnDetails.plan_goals)),
    ]
    assert texts and set(texts) == {""}
    assert all(NAME not in str(c) for c in db.session.scalars(select(AuditEvent.changes)))


def test_apply_keeps_the_audit_chain_verifying_and_is_audited_without_names(app):
    storied_person()
    app.test_cli_runner().invoke(retention_command, ["--apply"])
    verified = app.test_cli_runner().invoke(verify_command)
    assert verified.exit_code == 0 and verified.output.startswith("ok:")
    run = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.apply"))
    assert run.username == "flask casework retention"
    assert run.changes["beneficiaries"] == 1 and run.changes["cases"] == 1
    assert run.changes["documents"] == 1 and run.changes["audit_events"] >= 2
    assert run.changes["by"] == "flask casework retention --apply"
    assert NAME not in str(run.changes)
    redacted = db.session.scalars(
        select(AuditEvent.changes).where(AuditEvent.object_type.in_(["beneficiary", "case"]))
    )
    assert {str(c) for c in redacted if c} == {str(audit.REDACTED)}


def test_search_words_of_old_exports_are_erased_and_recent_ones_kept(app):
    old = audit.record(
        "export.beneficiaries",
        object_type="export",
        object_id="beneficiaries",
        changes={"filters": {"q": NAME}, "format": "csv"},
    )
    old.occurred_at = years_ago(8)  # (the chain is not checked in this test)
    recent = audit.record(
        "export.beneficiaries",
        object_type="export",
        object_id="beneficiaries",
        changes={"filters": {"q": "Gita"}, "format": "csv"},
    )
    db.session.commit()
    old_id, recent_id = old.id, recent.id
    retention.apply(None)
    db.session.commit()
    assert db.session.get(AuditEvent, old_id).changes == audit.REDACTED
    assert db.session.get(AuditEvent, recent_id).changes["filters"] == {"q": "Gita"}


def test_a_second_run_finds_nobody(app):
    storied_person()
    runner = app.test_cli_runner()
    runner.invoke(retention_command, ["--apply"])
    again = runner.invoke(retention_command, ["--apply"])
    assert "0 past the retention period" in again.output
    runs = db.session.scalar(select(func.count()).where(AuditEvent.action == "retention.apply"))
    assert runs == 1


def test_search_no_longer_finds_the_anonymised_person(app, api_as):
    storied_person()
    worker = api_as("caseworker")
    assert worker.get(f"/api/v1/beneficiaries?q={NAME}").get_json()["total"] == 1
    app.test_cli_runner().invoke(retention_command, ["--apply"])
    assert worker.get(f"/api/v1/beneficiaries?q={NAME}").get_json()["total"] == 0
    assert worker.get("/api/v1/beneficiaries?q=9812222333").get_json()["total"] == 0


def test_an_anonymised_record_cannot_be_edited(app, api_as):
    person = storied_person()
    app.test_cli_runner().invoke(retention_command, ["--apply"])
    worker = api_as("caseworker")
    current = worker.get(f"/api/v1/beneficiaries/{person.id}").get_json()
    refused = worker.patch(
        f"/api/v1/beneficiaries/{person.id}",
        json={"given_name": NAME, "version": current["version"]},
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "conflict"


def test_aggregate_reports_are_the_same_before_and_after(app, api_as):
    partner = api_as("partner")
    # Ages well inside their bands (8, 35, 70), so the year alone keeps each person's band.
    today = date.today()
    for age, sex in ((8, "male"), (35, "female"), (70, "female")):
        for _ in range(6):
            born = date(today.year - age, 7, 1)
            closed_case(BeneficiaryFactory(sex=sex, date_of_birth=born, district_id=27), 8)
            return_case(BeneficiaryFactory(sex=sex, date_of_birth=born, district_id=4))
    db.session.commit()
    url = "/api/v1/reports/summary?group_by=district,sex,age_band"
    before = partner.get(url).get_json()["rows"]
    cases_before = partner.get(url + "&subject=cases").get_json()
    result = app.test_cli_runner().invoke(retention_command, ["--apply"])
    assert "Anonymised 18 people" in result.output
    assert partner.get(url).get_json()["rows"] == before
    assert partner.get(url + "&subject=cases").get_json() == cases_before
    assert any(row["count"] == 6 for row in before)


# --- the admin page ---------------------------------------------------------------------------


def test_the_page_lists_who_is_due_and_applies_only_when_confirmed(login_as):
    admin = login_as("admin")
    person = storied_person()
    html = admin.get("/admin/retention").get_data(as_text=True)
    assert person.registration_number in html and NAME not in html
    form = form_at(html, "/admin/retention/apply")
    unconfirmed = admin.post("/admin/retention/apply", data=form)
    assert unconfirmed.status_code == 422
    assert "cannot be undone" in unconfirmed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Beneficiary, person.id).anonymised_at is None
    form["confirm"] = "y"
    done = admin.post("/admin/retention/apply", data=form)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Beneficiary, person.id).given_name == "Anonymised"
    run = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.apply"))
    assert run.username == admin.user.username
    assert "Nobody is past the retention period." in admin.get("/admin/retention").get_data(
        as_text=True
    )


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "partner"])
def test_only_admins_reach_the_retention_page(login_as, role):
    client = login_as(role)
    assert client.get("/admin/retention").status_code == 403
    assert client.post("/admin/retention/apply", data={"confirm": "y"}).status_code == 403


def test_the_service_refuses_non_admins():
    from casework.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        retention.apply(UserFactory(role="supervisor"))


def test_the_cutoff_handles_29_february():
    assert retention.cutoff(date(2028, 2, 29), 7) == datetime(2021, 2, 28, tzinfo=UTC)


def test_people_not_due_are_left_as_they_are(app):
    storied_person()
    kept = BeneficiaryFactory(given_name="Kept", phone="+9779800000001")
    IdentityDocumentFactory(beneficiary=kept)
    db.session.commit()
    app.test_cli_runner().invoke(retention_command, ["--apply"])
    db.session.expire_all()
    row = db.session.get(Beneficiary, kept.id)
    assert (row.given_name, row.phone, len(row.documents)) == ("Kept", "+9779800000001", 1)
    assert row.anonymised_at is None
