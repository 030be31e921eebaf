"""A refugee family from UNHCR referral to arrival, with a flight batch, through the API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework.extensions import db
from casework.models import Case
from casework.services import resettlement
from tests.factories import BeneficiaryFactory, HouseholdFactory

STAGE_DATA = {
    "referred": {},
    "prescreening": {},
    "interview": {"result": "completed"},
    "decision": {"outcome": "accepted"},
    "exit_permit": {"permit_number": "EP-2026-0042", "permit_date": date.today()},
    "travel_booked": {"booking_reference": "IOM-MOV-7781"},
}


@pytest.fixture
def family(api_as):
    officer = api_as("caseworker", office="DMK")
    household = HouseholdFactory(office_code="DMK")
    head = BeneficiaryFactory(
        office_code="DMK",
        household=household,
        registration_number="DMK-2026-000101",
        given_name="Dil",
        family_name="Gurung",
        sex="male",
        date_of_birth=date(1970, 1, 1),
        nationality="BT",
    )
    wife = BeneficiaryFactory(
        office_code="DMK",
        household=household,
        registration_number="DMK-2026-000102",
        given_name="Maya",
        family_name="Gurung",
        relationship_to_head="spouse",
        date_of_birth=date(1975, 1, 1),
        nationality="BT",
    )
    child = BeneficiaryFactory(
        office_code="DMK",
        household=household,
        registration_number="DMK-2026-000103",
        given_name="Pema",
        family_name="Gurung",
        relationship_to_head="child",
        date_of_birth=date.today() - timedelta(days=365 * 8),
        nationality="BT",
    )
    db.session.commit()
    return officer, head, wife, child


def _open(officer, head, members, number="BHU-100200"):
    return officer.post(
        "/api/v1/cases",
        json={
            "kind": "resettlement",
            "beneficiary_id": head.id,
            "unhcr_case_number": number,
            "camp": "beldangi",
            "hut_address": "Sector C-2, hut 14",
            "destination_country": "US",
            "programme": "usrap",
            "member_ids": [m.id for m in members],
        },
    )


def _advance(officer, case_id, family_ids, adult_ids):
    case = db.session.get(Case, case_id)
    user = officer.user
    for stage in resettlement_stages():
        data = dict(STAGE_DATA.get(stage, {}))
        if stage == "health_assessment":
            data["members"] = {str(i): "fit" for i in family_ids}
        if stage == "cultural_orientation":
            data["attended"] = [str(i) for i in adult_ids]
        resettlement.record_stage(user, case, {"recorded_on": date.today(), **data})
        db.session.commit()
        body = officer.get(f"/api/v1/cases/{case_id}").get_json()
        moved = officer.post(
            f"/api/v1/cases/{case_id}/transitions",
            json={"to": _next(stage), "version": body["version"]},
        )
        assert moved.status_code == 200, (stage, moved.get_json())
        db.session.expire_all()
        case = db.session.get(Case, case_id)
    resettlement.record_stage(
        officer.user, case, {"recorded_on": date.today(), **STAGE_DATA["travel_booked"]}
    )
    db.session.commit()


def resettlement_stages():
    return [
        "referred",
        "prescreening",
        "interview",
        "decision",
        "health_assessment",
        "cultural_orientation",
        "exit_permit",
    ]


def _next(stage):
    from casework.domain.resettlement import next_stage

    return next_stage(stage)


def test_family_to_arrival(family):
    officer, head, wife, child = family
    response = _open(officer, head, [wife, child])
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["member_ids"] == [wife.id, child.id]
    assert case["case_number"].startswith("DMK-RS-")
    duplicate = _open(officer, head, [], number="BHU-100200")
    assert duplicate.status_code == 422
    assert case["case_number"] in duplicate.get_json()["error"]["fields"]["unhcr_case_number"][0]
    skip = officer.post(
        f"/api/v1/cases/{case['id']}/transitions",
        json={"to": "interview", "version": case["version"]},
    )
    assert skip.status_code == 409
    _advance(officer, case["id"], [head.id, wife.id, child.id], [head.id, wife.id])
    case = officer.get(f"/api/v1/cases/{case['id']}").get_json()
    assert case["status"] == "travel_booked"
    alone = officer.post(
        f"/api/v1/cases/{case['id']}/transitions",
        json={"to": "departed", "version": case["version"]},
    )
    assert alone.status_code == 422
    flight = officer.post(
        "/api/v1/resettlement/departures",
        json={
            "case_ids": [case["id"]],
            "departure_date": date.today().isoformat(),
            "flight": "QR 647",
        },
    )
    assert flight.status_code == 201, flight.get_json()
    assert flight.get_json()["cases"][0]["status"] == "departed"
    case = officer.get(f"/api/v1/cases/{case['id']}").get_json()
    arrived = officer.post(
        f"/api/v1/cases/{case['id']}/transitions",
        json={"to": "arrived", "version": case["version"]},
    )
    assert arrived.get_json()["status"] == "arrived"


def test_batch_is_all_or_nothing(family):
    officer, head, wife, child = family
    booked = _open(officer, head, [wife], number="BHU-1").get_json()
    _advance(officer, booked["id"], [head.id, wife.id], [head.id, wife.id])
    other_head = BeneficiaryFactory(office_code="DMK", registration_number="DMK-2026-000200")
    db.session.commit()
    early = _open(officer, other_head, [], number="BHU-2").get_json()
    response = officer.post(
        "/api/v1/resettlement/departures",
        json={
            "case_ids": [booked["id"], early["id"]],
            "departure_date": date.today().isoformat(),
            "flight": "QR 647",
        },
    )
    assert response.status_code == 422
    message = " ".join(response.get_json()["error"]["fields"]["case_ids"])
    assert early["case_number"] in message
    assert officer.get(f"/api/v1/cases/{booked['id']}").get_json()["status"] == "travel_booked"


def test_hold_resumes_where_it_was(family):
    officer, head, wife, child = family
    case = _open(officer, head, []).get_json()
    case = officer.post(
        f"/api/v1/cases/{case['id']}/transitions",
        json={"to": "on_hold", "version": case["version"]},
    ).get_json()
    wrong = officer.post(
        f"/api/v1/cases/{case['id']}/transitions",
        json={"to": "interview", "version": case["version"]},
    )
    assert wrong.status_code == 409
    assert wrong.get_json()["error"]["allowed"] == ["referred", "withdrawn"]
    back = officer.post(
        f"/api/v1/cases/{case['id']}/transitions",
        json={"to": "referred", "version": case["version"]},
    )
    assert back.get_json()["status"] == "referred"


def test_pipeline_medians(family):
    officer, head, wife, child = family
    case = _open(officer, head, []).get_json()
    board = resettlement.pipeline(officer.user)
    assert board.counts == {"referred": {"US": 1}}
    assert board.longest["referred"][0][0].id == case["id"]


def test_resettlement_pages_render(family, login_as, app):
    officer, head, wife, child = family
    case = _open(officer, head, [wife, child]).get_json()
    client = app.test_client()
    client.post(
        "/auth/login", data={"username": officer.user.username, "password": "correct-horse-battery"}
    )
    urls = [
        f"/beneficiaries/{head.id}/cases/new?kind=resettlement",
        f"/cases/{case['id']}",
        f"/cases/{case['id']}/edit",
        "/resettlement/pipeline",
        "/resettlement/pipeline?camp=beldangi&destination=US&from=2026-01-01&to=2026-12-31",
        "/resettlement/batches",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:2000])
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Maya Gurung" in page
    recorded = client.post(
        f"/resettlement/cases/{case['id']}/stage", data={"recorded_on": date.today().isoformat()}
    )
    assert recorded.status_code == 302
    _advance(officer, case["id"], [head.id, wife.id, child.id], [head.id, wife.id])
    planned = client.post(
        "/resettlement/batches",
        data={
            "departure_date": date.today().isoformat(),
            "flight": "QR 647",
            "origin": "Kathmandu",
            "destination": "New York",
            "case_ids": [str(case["id"])],
        },
    )
    assert planned.status_code == 302, planned.get_data(as_text=True)[:3000]
    batch_url = planned.headers["Location"]
    manifest = client.get(batch_url).get_data(as_text=True)
    assert "Pema Gurung" in manifest
    assert client.post(batch_url + "/confirm").status_code == 302
    assert "Departure confirmed" in client.get(batch_url).get_data(as_text=True)


def test_a_flight_of_another_office_is_not_there(family, login_as):
    officer, head, wife, child = family
    case = _open(officer, head, [wife]).get_json()
    _advance(officer, case["id"], [head.id, wife.id], [head.id, wife.id])
    batch = resettlement.create_batch(
        officer.user,
        {"departure_date": date.today(), "flight": "QR 647", "case_ids": [case["id"]]},
    )
    db.session.commit()
    kathmandu = login_as("supervisor", office="KTM")
    assert kathmandu.get(f"/resettlement/batches/{batch.id}").status_code == 404
    assert "QR 647" not in kathmandu.get("/resettlement/batches").get_data(as_text=True)
    damak = login_as("supervisor", office="DMK")
    assert damak.get(f"/resettlement/batches/{batch.id}").status_code == 200
    assert "QR 647" in damak.get("/resettlement/batches").get_data(as_text=True)
