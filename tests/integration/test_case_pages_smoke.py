"""Every case page renders for the roles that reach it, at each stage of a case."""

from datetime import date, timedelta

from casework.extensions import db
from casework.services import cases, reintegration
from tests.factories import BeneficiaryFactory


def _case_for(user):
    person = BeneficiaryFactory(office_code=user.office_code)
    db.session.flush()
    case = cases.open_case(
        user,
        "return_reintegration",
        person.id,
        {
            "host_country": "MY",
            "return_date": date.today() - timedelta(days=30),
            "return_reason": "stranded",
            "arrival_help": ["reception"],
        },
    )
    db.session.commit()
    return case


def test_case_pages_render(login_as):
    worker = login_as("caseworker")
    boss = login_as("supervisor")
    case = _case_for(worker.user)
    cases.add_note(worker.user, case, "Met at the airport", confidential=True)
    reintegration.save_plan(
        worker.user,
        case,
        "Tailoring shop",
        [{"assistance_type": "business_grant", "budget_npr": 40000}],
    )
    db.session.commit()
    for client in (worker, boss):
        for url in [
            "/cases/",
            f"/cases/{case.id}",
            f"/cases/{case.id}/edit",
            "/work/",
            f"/beneficiaries/{case.beneficiary_id}",
            f"/beneficiaries/{case.beneficiary_id}/cases/new",
        ]:
            response = client.get(url)
            assert response.status_code == 200, (url, response.get_data(as_text=True)[:3000])
    for url in ["/approvals/", "/cases/reassign", f"/work/?user={worker.user.id}"]:
        assert boss.get(url).status_code == 200, url
    assert worker.get("/approvals/").status_code == 403
    assert "Met at the airport" in worker.get(f"/cases/{case.id}").get_data(as_text=True)


def test_settings_page(login_as):
    admin = login_as("admin")
    assert admin.get("/admin/settings").status_code == 200
    response = admin.post(
        "/admin/settings",
        data={
            "weight_economic": "1",
            "weight_social": "1",
            "weight_psychosocial": "2",
            "threshold": "0.6",
            "referral_response_days": "10",
            "suppression_threshold": "5",
        },
    )
    assert response.status_code == 302
    assert admin.post("/admin/settings", data={}).status_code == 422


def test_conflict_and_referral_pages_render(login_as):
    from casework.services import providers, referrals

    worker = login_as("caseworker")
    boss = login_as("supervisor")
    admin = login_as("admin")
    person = BeneficiaryFactory(office_code="KTM", consent_purposes=["registration", "referral"])
    db.session.flush()
    provider = providers.create(
        None,
        {"name": "TPO Nepal", "kind": "ngo", "services": ["psychosocial"], "district_ids": [27]},
    )
    case = cases.open_case(
        worker.user,
        "conflict_victim",
        person.id,
        {
            "victim_categories": ["sexual_violence"],
            "incident_date": date(2003, 1, 5),
            "incident_district_id": 27,
        },
    )
    referral = referrals.create(
        worker.user,
        case,
        {
            "provider_id": provider.id,
            "service": "psychosocial",
            "reason": "Support",
            "consent_obtained": True,
        },
    )
    referrals.submit(worker.user, referral)
    db.session.commit()
    urls = [
        f"/cases/{case.id}",
        f"/cases/{case.id}/edit",
        f"/cases/{case.id}/referrals/new?service=psychosocial",
        f"/referrals/{referral.id}",
        "/providers/",
        f"/beneficiaries/{person.id}/cases/new?kind=conflict_victim",
    ]
    for url in urls:
        response = worker.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:2000])
    assert "Conflict-related sexual violence" in worker.get(f"/cases/{case.id}").get_data(
        as_text=True
    )
    assert boss.get("/approvals/").status_code == 200
    assert "TPO Nepal" in boss.get("/approvals/").get_data(as_text=True)
    page = admin.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "sexual violence" not in page
    assert "Restricted" in page
    for url in ["/admin/providers/new", f"/admin/providers/{provider.id}", "/providers/"]:
        assert admin.get(url).status_code == 200, url
