"""Resettlement through the API, the services and the pages.

Refugee family cases: opening (contract fields, UNHCR number uniqueness, bad input), stage
ordering, hold and resume, rejection and withdrawal, member changes before and after the
travel booking, departure batches (all or nothing), arrival, role and office checks, and
the pages a processing officer in Damak uses: the case page, the batches page, the flight
manifest and the pipeline board.

Cases are moved forward through the services where a test is about a later step; what a
test is about goes through the API or the pages, as a client or a person would do it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from casework.domain.calendar import bs_iso
from casework.domain.resettlement import next_stage
from casework.errors import PermissionDenied
from casework.extensions import db
from casework.models import (
    AuditEvent,
    BatchCase,
    Case,
    CaseEvent,
    CaseMember,
    DepartureBatch,
    StageRecord,
)
from casework.services import cases
from casework.services import resettlement as service
from tests.factories import BeneficiaryFactory, HouseholdFactory
from tests.pages import filled, form_at, form_with, table_rows
from tests.queries import queries_of

TODAY = date.today()
KIND = "resettlement"
CASE_NUMBER = re.compile(r"^DMK-RS-\d{4}-\d{5}$")
ORDER = [
    "referred",
    "prescreening",
    "interview",
    "decision",
    "health_assessment",
    "cultural_orientation",
    "exit_permit",
    "travel_booked",
    "departed",
    "arrived",
]
SIDE = ["on_hold", "rejected", "withdrawn"]
MISSING = {
    "interview": "Record the interview as completed.",
    "decision": "Only an accepted case goes on; a refused one is rejected.",
    "health_assessment": "Every member must be assessed fit to travel.",
    "cultural_orientation": "Every adult member must attend cultural orientation.",
    "exit_permit": "Record the exit permit number and date.",
}
BATCH_ONLY = "Departures are confirmed for a whole flight, on its batch."
FROZEN = "Members cannot change once travel is booked."


# --- people and cases -----------------------------------------------------------------------


def make_family(office: str = "DMK", family_name: str = "Gurung", child_born: date | None = None):
    """A refugee household: a father (principal), a mother and a child of eight."""
    household = HouseholdFactory(office_code=office)
    common = {"office_code": office, "household": household, "family_name": family_name}
    head = BeneficiaryFactory(
        **common, given_name="Dil", sex="male", date_of_birth=date(1970, 1, 1), nationality="BT"
    )
    wife = BeneficiaryFactory(
        **common,
        given_name="Maya",
        sex="female",
        relationship_to_head="spouse",
        date_of_birth=date(1975, 1, 1),
        nationality="BT",
    )
    child = BeneficiaryFactory(
        **common,
        given_name="Pema",
        sex="female",
        relationship_to_head="child",
        date_of_birth=child_born or TODAY - timedelta(days=365 * 8 + 10),
        nationality="BT",
    )
    db.session.commit()
    return SimpleNamespace(head=head, wife=wife, child=child, members=[wife, child])


@pytest.fixture
def family():
    return make_family()


@pytest.fixture
def officer(api_as):
    """A processing officer (caseworker) of the Damak office, on the API."""
    return api_as("caseworker", office="DMK")


def payload(head, members=(), number="BHU-100200", **changes) -> dict:
    data = {
        "kind": KIND,
        "beneficiary_id": head.id,
        "unhcr_case_number": number,
        "camp": "beldangi",
        "hut_address": "Sector C-2, hut 14",
        "destination_country": "US",
        "programme": "usrap",
        "member_ids": [m.id for m in members],
    }
    data.update(changes)
    return data


def open_api(api, head, members=(), number="BHU-100200", **changes):
    return api.post("/api/v1/cases", json=payload(head, members, number, **changes))


def open_case(user, fam, number="BHU-100200", **changes) -> Case:
    """Open a family's case through the service (set-up for later steps)."""
    data = payload(fam.head, fam.members, number, **changes)
    data.pop("kind")
    data.pop("beneficiary_id")
    case = cases.open_case(user, KIND, fam.head.id, data)
    db.session.commit()
    return case


def stage_record(case: Case, stage: str) -> dict | None:
    """What a processing officer records at `stage` for the case to move on."""
    family = [case.beneficiary_id] + [m.beneficiary_id for m in case.resettlement_details.members]
    return {
        "interview": {"result": "completed"},
        "decision": {"outcome": "accepted"},
        "health_assessment": {"members": {str(i): "fit" for i in family}},
        "cultural_orientation": {"attended": [str(i) for i in family]},
        "exit_permit": {"permit_number": "EP-2026-0042", "permit_date": TODAY},
        "travel_booked": {"booking_reference": "IOM-MOV-7781"},
    }.get(stage)


def record(user, case: Case, **data) -> None:
    service.record_stage(user, case, {"recorded_on": TODAY, **data})
    db.session.commit()


def advance(user, case_id: int, to: str, *, book: bool = True) -> Case:
    """Record each stage and move on through the services until the case is at `to`
    (at travel_booked the booking is recorded too, unless book=False)."""
    case = db.session.get(Case, case_id)
    while case.status != to:
        data = stage_record(case, case.status)
        if data:
            record(user, case, **data)
        cases.transition(user, case, next_stage(case.status), case.version)
        db.session.commit()
    if to == "travel_booked" and book:
        record(user, case, **stage_record(case, "travel_booked"))
    return case


def booked(user, number: str, office: str = "DMK", **changes) -> Case:
    """A new family's case at travel_booked, with its booking recorded."""
    case = open_case(user, make_family(office), number=number, **changes)
    return advance(user, case.id, "travel_booked")


# --- the API, read the way a client does ------------------------------------------------------


def fetch(api, case_id: int) -> dict:
    response = api.get(f"/api/v1/cases/{case_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def move(api, case_id: int, to: str, **extra):
    version = fetch(api, case_id)["version"]
    return api.post(
        f"/api/v1/cases/{case_id}/transitions", json={"to": to, "version": version, **extra}
    )


def patch(api, case_id: int, **changes):
    version = fetch(api, case_id)["version"]
    return api.patch(f"/api/v1/cases/{case_id}", json={"version": version, **changes})


def depart(api, case_ids, flight="QR 647", day=None):
    return api.post(
        "/api/v1/resettlement/departures",
        json={
            "case_ids": list(case_ids),
            "departure_date": (day or TODAY + timedelta(days=7)).isoformat(),
            "flight": flight,
        },
    )


def error_fields(response) -> dict:
    return response.get_json()["error"]["fields"]


def status_of(case_id: int) -> tuple[str, int]:
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    return case.status, case.version


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def events(case_id: int, event: str | None = None) -> list[CaseEvent]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    if event:
        stmt = stmt.where(CaseEvent.event == event)
    return list(db.session.scalars(stmt))


# --- opening a case ---------------------------------------------------------------------------


def test_open_answers_the_contract_fields(officer, family):
    response = open_api(officer, family.head, family.members)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert CASE_NUMBER.match(body["case_number"]), body["case_number"]
    assert body["case_number"].split("-")[2] == str(TODAY.year)
    assert body["kind"] == KIND
    assert body["status"] == "referred"
    assert body["office"] == "DMK"
    assert body["assigned_to"] == officer.user.username
    assert body["beneficiary_id"] == family.head.id
    assert body["unhcr_case_number"] == "BHU-100200"
    assert body["destination_country"] == "US"
    assert body["camp"] == "beldangi"
    assert body["member_ids"] == [family.wife.id, family.child.id]
    assert fetch(officer, body["id"]) == body  # GET answers the same fields as POST

    case = db.session.get(Case, body["id"])
    details = case.resettlement_details
    assert (details.hut_address, details.programme) == ("Sector C-2, hut 14", "usrap")
    relations = {m.beneficiary_id: m.relationship_to_principal for m in details.members}
    assert relations == {family.wife.id: "spouse", family.child.id: "child"}
    [opened] = events(case.id)
    assert (opened.event, opened.to_status) == ("open", "referred")


def test_case_numbers_count_up_per_office(officer, family):
    first = open_api(officer, family.head, number="BHU-1001").get_json()
    other = make_family()
    second = open_api(officer, other.head, number="BHU-1002").get_json()
    assert CASE_NUMBER.match(second["case_number"])
    assert int(second["case_number"][-5:]) == int(first["case_number"][-5:]) + 1


def test_unhcr_number_is_normalised(officer, family):
    response = open_api(officer, family.head, number="  bhu-100200 ")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["unhcr_case_number"] == "BHU-100200"


@pytest.mark.parametrize("again", ["BHU-100200", " bhu-100200"])
def test_unhcr_number_taken_is_refused_naming_the_case(officer, family, again):
    holder = open_api(officer, family.head, family.members).get_json()
    other = make_family(family_name="Rai")
    response = open_api(officer, other.head, number=again)
    assert response.status_code == 422
    assert error_fields(response)["unhcr_case_number"] == [
        f"This UNHCR case number is already on case {holder['case_number']}."
    ]
    assert count(Case) == 1


def test_unhcr_number_taken_is_refused_on_patch(officer, family):
    holder = open_api(officer, family.head, number="BHU-111111").get_json()
    other = make_family(family_name="Rai")
    case = open_api(officer, other.head, number="BHU-222222").get_json()

    response = patch(officer, case["id"], unhcr_case_number="bhu-111111")
    assert response.status_code == 422
    assert error_fields(response)["unhcr_case_number"] == [
        f"This UNHCR case number is already on case {holder['case_number']}."
    ]
    assert fetch(officer, case["id"])["unhcr_case_number"] == "BHU-222222"
    assert fetch(officer, case["id"])["version"] == case["version"]
    # Its own number is not a duplicate of itself; a new free number is taken.
    assert patch(officer, case["id"], unhcr_case_number="BHU-222222").status_code == 200
    changed = patch(officer, case["id"], unhcr_case_number="BHU-333333")
    assert changed.status_code == 200
    assert changed.get_json()["unhcr_case_number"] == "BHU-333333"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"camp": None}, "camp"),
        ({"camp": "timai"}, "camp"),
        ({"destination_country": "NP"}, "destination_country"),
        ({"destination_country": "BT"}, "destination_country"),
        ({"destination_country": "XX"}, "destination_country"),
        ({"destination_country": "USA"}, "destination_country"),
        ({"destination_country": ""}, "destination_country"),
        ({"programme": "fast_track"}, "programme"),
        ({"special_needs": ["jetpack"]}, "special_needs"),
        ({"special_needs": ["wheelchair", "jetpack"]}, "special_needs"),
        ({"unhcr_case_number": ""}, "unhcr_case_number"),
        ({"unhcr_case_number": "B"}, "unhcr_case_number"),
        ({"unhcr_case_number": "BHU 12 34"}, "unhcr_case_number"),
        ({"hut_address": "x" * 61}, "hut_address"),
    ],
)
def test_bad_input_is_refused_naming_the_field(officer, family, changes, field):
    data = payload(family.head, family.members, **changes)
    data = {k: v for k, v in data.items() if v is not None}
    response = officer.post("/api/v1/cases", json=data)
    assert response.status_code == 422, response.get_json()
    assert field in error_fields(response), error_fields(response)
    assert count(Case) == 0


def test_good_special_needs_and_programme_are_kept(officer, family):
    response = open_api(
        officer,
        family.head,
        special_needs=["wheelchair", "medical_escort"],
        programme="canada_gar",
        destination_country="ca",
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["destination_country"] == "CA"
    assert db.session.get(Case, body["id"]).resettlement_details.special_needs == [
        "medical_escort",
        "wheelchair",
    ]


def test_member_of_another_office_is_refused(officer, family):
    stranger = BeneficiaryFactory(office_code="KTM")
    db.session.commit()
    response = open_api(officer, family.head, [family.wife, stranger])
    assert response.status_code == 422
    assert error_fields(response)["member_ids"] == [f"No beneficiary {stranger.id} in this office."]
    assert count(Case) == 0


def test_unknown_member_is_refused(officer, family):
    response = officer.post(
        "/api/v1/cases", json={**payload(family.head), "member_ids": [family.wife.id, 999_999]}
    )
    assert response.status_code == 422
    assert error_fields(response)["member_ids"] == ["No beneficiary 999999 in this office."]


def test_principal_as_member_is_refused(officer, family):
    response = open_api(officer, family.head, [family.wife, family.head])
    assert response.status_code == 422
    assert error_fields(response)["member_ids"] == ["The principal applicant is not also a member."]
    assert count(Case) == 0


def test_member_twice_is_refused(officer, family):
    response = open_api(officer, family.head, [family.wife, family.wife])
    assert response.status_code == 422
    assert error_fields(response)["member_ids"] == ["Each member once, by beneficiary id."]


def test_member_on_another_open_case_is_refused_until_it_ends(officer, family):
    first = open_api(officer, family.head, [family.wife], number="BHU-1").get_json()
    response = open_api(officer, family.child, [family.wife], number="BHU-2")
    assert response.status_code == 422
    assert error_fields(response)["member_ids"] == [
        f"A member is already on open case {first['case_number']}."
    ]
    # Adding her to an existing case by PATCH is refused the same way.
    second = open_api(officer, family.child, [], number="BHU-3").get_json()
    refused = patch(officer, second["id"], member_ids=[family.wife.id])
    assert refused.status_code == 422
    assert first["case_number"] in error_fields(refused)["member_ids"][0]
    assert fetch(officer, second["id"])["member_ids"] == []
    # Once the first case has ended, she may join another family's case.
    assert move(officer, first["id"], "withdrawn").status_code == 200
    joined = patch(officer, second["id"], member_ids=[family.wife.id])
    assert joined.status_code == 200, joined.get_json()
    assert joined.get_json()["member_ids"] == [family.wife.id]


def test_principal_of_another_open_case_is_refused_as_member(officer, family):
    first = open_api(officer, family.head, [], number="BHU-1").get_json()
    response = open_api(officer, family.wife, [family.head], number="BHU-2")
    assert response.status_code == 422
    assert first["case_number"] in " ".join(error_fields(response).get("member_ids", []))


# --- stage ordering -----------------------------------------------------------------------------


def test_every_skip_is_refused_naming_what_is_allowed(officer, family):
    case = open_api(officer, family.head, family.members).get_json()
    for stage in ORDER[:8]:
        assert fetch(officer, case["id"])["status"] == stage
        before = status_of(case["id"])
        following = next_stage(stage)
        for target in [s for s in ORDER if s != following]:
            response = move(officer, case["id"], target)
            assert response.status_code == 409, (stage, target, response.get_json())
            error = response.get_json()["error"]
            assert error["code"] == "transition_not_allowed"
            assert error["allowed"] == [following, "on_hold", "rejected", "withdrawn"]
        assert status_of(case["id"]) == before  # nothing moved, nothing was written
        if stage != "travel_booked":
            advance(officer.user, case["id"], following)
    # After departure only arrival; after arrival nothing.
    advance(officer.user, case["id"], "travel_booked")
    assert depart(officer, [case["id"]]).status_code == 201
    for target in [s for s in ORDER + SIDE if s != "arrived"]:
        response = move(officer, case["id"], target)
        assert response.status_code == 409, target
        assert response.get_json()["error"]["allowed"] == ["arrived"]
    assert move(officer, case["id"], "arrived").status_code == 200
    for target in ORDER + SIDE:
        response = move(officer, case["id"], target)
        assert response.status_code == 409, target
        assert response.get_json()["error"]["allowed"] == []


def test_unknown_status_is_refused(officer, family):
    case = open_api(officer, family.head).get_json()
    response = move(officer, case["id"], "flying")
    assert response.status_code == 409
    assert fetch(officer, case["id"])["status"] == "referred"


def test_stale_version_is_refused(officer, family):
    case = open_api(officer, family.head).get_json()
    assert move(officer, case["id"], "prescreening").status_code == 200
    stale = officer.post(
        f"/api/v1/cases/{case['id']}/transitions",
        json={"to": "interview", "version": case["version"]},
    )
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "stale_version"
    assert fetch(officer, case["id"])["status"] == "prescreening"


@pytest.mark.parametrize("stage", list(MISSING))
def test_moving_on_without_the_stage_record_names_what_is_missing(officer, family, stage):
    case = open_api(officer, family.head, family.members).get_json()
    advance(officer.user, case["id"], stage)
    before = status_of(case["id"])
    response = move(officer, case["id"], next_stage(stage))
    assert response.status_code == 422
    assert error_fields(response)["to"] == [MISSING[stage]]
    assert status_of(case["id"]) == before
    # Recorded as needed, the same move goes through.
    record(officer.user, db.session.get(Case, case["id"]), **stage_record(case_of(case), stage))
    assert move(officer, case["id"], next_stage(stage)).status_code == 200


def case_of(body: dict) -> Case:
    return db.session.get(Case, body["id"])


@pytest.mark.parametrize(
    ("stage", "data"),
    [
        ("interview", "to be rescheduled"),
        ("decision", "refused"),
        ("health_assessment", "child deferred"),
        ("health_assessment", "child needs treatment"),
        ("health_assessment", "child not assessed"),
        ("cultural_orientation", "mother absent"),
    ],
)
def test_an_incomplete_record_does_not_let_the_case_on(officer, family, stage, data):
    case = open_api(officer, family.head, family.members).get_json()
    advance(officer.user, case["id"], stage)
    head, wife, child = (str(p.id) for p in (family.head, family.wife, family.child))
    data = {
        "to be rescheduled": {"result": "reschedule"},
        "refused": {"outcome": "refused"},
        "child deferred": {"members": {head: "fit", wife: "fit", child: "deferred"}},
        "child needs treatment": {"members": {head: "fit", wife: "fit", child: "needs_treatment"}},
        "child not assessed": {"members": {head: "fit", wife: "fit"}},
        "mother absent": {"attended": [head]},
    }[data]
    record(officer.user, case_of(case), **data)
    response = move(officer, case["id"], next_stage(stage))
    assert response.status_code == 422
    assert error_fields(response)["to"] == [MISSING[stage]]
    assert fetch(officer, case["id"])["status"] == stage


def test_a_refused_decision_is_rejected(officer, family):
    case = open_api(officer, family.head).get_json()
    advance(officer.user, case["id"], "decision")
    record(officer.user, case_of(case), outcome="refused")
    assert move(officer, case["id"], "health_assessment").status_code == 422
    rejected = move(officer, case["id"], "rejected", comment="Refused by the destination")
    assert rejected.status_code == 200
    assert rejected.get_json()["status"] == "rejected"


def test_children_need_no_orientation(officer, family):
    case = open_api(officer, family.head, family.members).get_json()
    advance(officer.user, case["id"], "cultural_orientation")
    record(officer.user, case_of(case), attended=[str(family.head.id), str(family.wife.id)])
    assert move(officer, case["id"], "exit_permit").status_code == 200


def test_a_child_turning_eighteen_today_needs_orientation(officer):
    day = 28 if (TODAY.month, TODAY.day) == (2, 29) else TODAY.day
    fam = make_family(child_born=date(TODAY.year - 18, TODAY.month, day))
    case = open_api(officer, fam.head, fam.members).get_json()
    advance(officer.user, case["id"], "cultural_orientation")
    record(officer.user, case_of(case), attended=[str(fam.head.id), str(fam.wife.id)])
    response = move(officer, case["id"], "exit_permit")
    assert response.status_code == 422
    assert error_fields(response)["to"] == [MISSING["cultural_orientation"]]


def test_departed_only_through_a_batch(officer, family):
    case = open_api(officer, family.head).get_json()
    advance(officer.user, case["id"], "travel_booked")
    before = status_of(case["id"])
    response = move(officer, case["id"], "departed")
    assert response.status_code == 422
    assert error_fields(response)["to"] == [BATCH_ONLY]
    assert status_of(case["id"]) == before


# --- hold and resume, rejection and withdrawal ----------------------------------------------


@pytest.mark.parametrize(
    "held_at", ["referred", "interview", "cultural_orientation", "travel_booked"]
)
def test_hold_resumes_only_where_it_was(officer, family, held_at):
    case = open_api(officer, family.head, family.members).get_json()
    advance(officer.user, case["id"], held_at)
    held = move(officer, case["id"], "on_hold", comment="Medical review")
    assert held.status_code == 200
    assert held.get_json()["status"] == "on_hold"
    assert case_of(case).pending_from == held_at
    for target in [s for s in ORDER + SIDE if s not in (held_at, "withdrawn")]:
        response = move(officer, case["id"], target)
        assert response.status_code == 409, target
        assert response.get_json()["error"]["allowed"] == [held_at, "withdrawn"]
    resumed = move(officer, case["id"], held_at)
    assert resumed.status_code == 200
    assert resumed.get_json()["status"] == held_at
    db.session.expire_all()
    assert case_of(case).pending_from is None
    moves = [(e.from_status, e.to_status) for e in events(case["id"], "transition")][-2:]
    assert moves == [(held_at, "on_hold"), ("on_hold", held_at)]


def test_a_resumed_case_keeps_its_stage_record_and_its_rules(officer, family):
    case = open_api(officer, family.head, family.members).get_json()
    advance(officer.user, case["id"], "interview")
    record(officer.user, case_of(case), result="completed")
    assert move(officer, case["id"], "on_hold").status_code == 200
    with pytest.raises(PermissionDenied):
        service.record_stage(officer.user, case_of(case), {"recorded_on": TODAY})
    db.session.rollback()
    assert move(officer, case["id"], "interview").status_code == 200
    assert move(officer, case["id"], "decision").status_code == 200  # the record was kept
    # Held again at decision without a record: resuming does not let it skip the rule.
    assert move(officer, case["id"], "on_hold").status_code == 200
    assert move(officer, case["id"], "decision").status_code == 200
    response = move(officer, case["id"], "health_assessment")
    assert response.status_code == 422
    assert error_fields(response)["to"] == [MISSING["decision"]]


@pytest.mark.parametrize(("held_at", "editable"), [("exit_permit", True), ("travel_booked", False)])
def test_members_while_held(officer, family, held_at, editable):
    case = open_api(officer, family.head, [family.wife]).get_json()
    advance(officer.user, case["id"], held_at)
    assert move(officer, case["id"], "on_hold").status_code == 200
    response = patch(officer, case["id"], member_ids=[family.wife.id, family.child.id])
    if editable:
        assert response.status_code == 200, response.get_json()
        assert fetch(officer, case["id"])["member_ids"] == [family.wife.id, family.child.id]
    else:
        assert response.status_code == 422
        assert error_fields(response)["member_ids"] == [FROZEN]
        assert fetch(officer, case["id"])["member_ids"] == [family.wife.id]


@pytest.mark.parametrize(
    ("stage", "hold", "end"),
    [
        ("decision", False, "rejected"),
        ("travel_booked", False, "rejected"),
        ("exit_permit", False, "withdrawn"),
        ("health_assessment", True, "withdrawn"),
    ],
)
def test_rejected_and_withdrawn_end_the_case(officer, family, stage, hold, end):
    case = open_api(officer, family.head, family.members).get_json()
    advance(officer.user, case["id"], stage)
    if hold:
        assert move(officer, case["id"], "on_hold").status_code == 200
    ended = move(officer, case["id"], end)
    assert ended.status_code == 200
    body = ended.get_json()
    assert body["status"] == end
    assert body["closed_at"] is not None
    for target in ORDER + SIDE:
        response = move(officer, case["id"], target)
        assert response.status_code == 409, target
        assert response.get_json()["error"]["allowed"] == []
    edit = patch(officer, case["id"], hut_address="Sector A, hut 1")
    assert edit.status_code == 403
    assert fetch(officer, case["id"])["hut_address"] == "Sector C-2, hut 14"
    # Its members are free to be on another family's case.
    other = make_family(family_name="Rai")
    joined = open_api(officer, other.head, [family.wife], number="BHU-999")
    assert joined.status_code == 201, joined.get_json()


# --- member changes -----------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["referred", "exit_permit"])
def test_members_added_and_removed_before_booking_are_audited(officer, family, stage):
    case = open_api(officer, family.head, [family.wife]).get_json()
    advance(officer.user, case["id"], stage)
    version = fetch(officer, case["id"])["version"]

    added = patch(officer, case["id"], member_ids=[family.wife.id, family.child.id])
    assert added.status_code == 200, added.get_json()
    assert added.get_json()["member_ids"] == [family.wife.id, family.child.id]
    assert added.get_json()["version"] == version + 1
    removed = patch(officer, case["id"], member_ids=[family.child.id])
    assert removed.status_code == 200, removed.get_json()
    assert fetch(officer, case["id"])["member_ids"] == [family.child.id]
    stored = db.session.scalars(
        select(CaseMember)
        .where(CaseMember.case_id == case["id"])
        .order_by(CaseMember.beneficiary_id)
    ).all()
    assert [(m.beneficiary_id, m.relationship_to_principal) for m in stored] == [
        (family.child.id, "child")
    ]

    history = officer.get(f"/api/v1/cases/{case['id']}/history").get_json()["items"]
    updates = [e for e in history if e["event"] == "update"]
    assert [e["changes"] for e in updates] == [
        {"member_ids": [[family.wife.id], [family.wife.id, family.child.id]]},
        {"member_ids": [[family.wife.id, family.child.id], [family.child.id]]},
    ]
    assert {e["user"] for e in updates} == {officer.user.username}
    audited = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "case.update", AuditEvent.object_id == str(case["id"]))
        .order_by(AuditEvent.id)
    ).all()
    assert [a.changes["member_ids"] for a in audited] == [
        u["changes"]["member_ids"] for u in updates
    ]
    assert {a.user_id for a in audited} == {officer.user.id}


def test_a_new_spouse_from_another_household_is_another_relative(officer, family):
    case = open_api(officer, family.head, [family.child]).get_json()
    bride = BeneficiaryFactory(office_code="DMK", given_name="Sunita", relationship_to_head="head")
    db.session.commit()
    response = patch(officer, case["id"], member_ids=[family.child.id, bride.id])
    assert response.status_code == 200, response.get_json()
    relation = db.session.get(CaseMember, (case["id"], bride.id)).relationship_to_principal
    assert relation == "other_relative"


@pytest.mark.parametrize("stage", ["travel_booked", "departed"])
def test_members_cannot_change_from_travel_booked(officer, family, stage):
    case = open_api(officer, family.head, [family.wife]).get_json()
    advance(officer.user, case["id"], "travel_booked")
    if stage == "departed":
        assert depart(officer, [case["id"]]).status_code == 201
    before = fetch(officer, case["id"])
    for member_ids in ([family.wife.id, family.child.id], [], [family.child.id]):
        response = patch(officer, case["id"], member_ids=member_ids)
        assert response.status_code == 422, member_ids
        assert error_fields(response)["member_ids"] == [FROZEN]
    assert fetch(officer, case["id"]) == before
    assert events(case["id"], "update") == []
    # Other details can still be corrected: the refusal is about the members.
    moved_hut = patch(officer, case["id"], hut_address="Sector D, hut 3")
    assert moved_hut.status_code == 200
    assert moved_hut.get_json()["member_ids"] == [family.wife.id]


# --- departure batches ------------------------------------------------------------------------


@pytest.fixture
def flight(officer):
    """Two Damak families at travel_booked, ready to fly."""
    first = booked(officer.user, "BHU-500001")
    second = booked(officer.user, "BHU-500002")
    return SimpleNamespace(
        ids=[first.id, second.id],
        numbers=[first.case_number, second.case_number],
    )


def _ineligible(kind: str, officer, make_user, number="BHU-600001") -> tuple[int, str]:
    """A case that cannot fly, and the message that must name it."""
    user = officer.user
    if kind == "wrong stage":
        case = open_case(user, make_family(), number=number)
        advance(user, case.id, "exit_permit")
        return case.id, f"{case.case_number} is at exit_permit, not travel booked."
    if kind == "held":
        case = booked(user, number)
        cases.transition(user, case, "on_hold", case.version)
        db.session.commit()
        return case.id, f"{case.case_number} is at on_hold, not travel booked."
    if kind == "no booking":
        case = open_case(user, make_family(), number=number)
        advance(user, case.id, "travel_booked", book=False)
        return case.id, f"{case.case_number} has no travel booking recorded."
    if kind == "other flight":
        case = booked(user, number)
        service.create_batch(
            user,
            {"departure_date": TODAY, "flight": "tk 727", "case_ids": [case.id]},
        )
        db.session.commit()
        return case.id, f"{case.case_number} is already on flight TK 727."
    if kind == "other office":
        ktm = make_user("caseworker", "KTM")
        case = booked(ktm, number, office="KTM")
        return case.id, f"No case {case.id} that you can see."
    if kind == "not resettlement":
        head = BeneficiaryFactory(office_code="DMK")
        db.session.flush()
        case = cases.open_case(
            user,
            "return_reintegration",
            head.id,
            {
                "host_country": "QA",
                "return_date": TODAY - timedelta(days=30),
                "return_reason": "end_of_contract",
            },
        )
        db.session.commit()
        return case.id, f"{case.case_number} is not a resettlement case."
    raise AssertionError(kind)


INELIGIBLE = [
    "wrong stage",
    "held",
    "no booking",
    "other flight",
    "other office",
    "not resettlement",
]


@pytest.mark.parametrize("kind", INELIGIBLE)
def test_one_ineligible_case_leaves_every_case_unchanged(officer, flight, make_user, kind):
    bad_id, message = _ineligible(kind, officer, make_user)
    ids = [flight.ids[0], bad_id, flight.ids[1]]
    before = {i: status_of(i) for i in ids}
    batches_before = db.session.scalars(select(DepartureBatch.id).order_by(DepartureBatch.id)).all()

    response = depart(officer, ids)
    assert response.status_code == 422, response.get_json()
    assert error_fields(response)["case_ids"] == [message]
    assert {i: status_of(i) for i in ids} == before
    assert (
        db.session.scalars(select(DepartureBatch.id).order_by(DepartureBatch.id)).all()
        == batches_before
    )
    assert (
        db.session.scalars(select(CaseEvent).where(CaseEvent.to_status == "departed")).all() == []
    )
    assert db.session.scalar(
        select(func.count()).where(AuditEvent.action.like("departure_batch.%"))
    ) == len(batches_before)
    # Without the ineligible case the same two families fly.
    assert depart(officer, flight.ids).status_code == 201


def test_every_ineligible_case_is_named(officer, flight, make_user):
    problems = [
        _ineligible(kind, officer, make_user, number=f"BHU-70000{n}")
        for n, kind in enumerate(["wrong stage", "no booking", "other flight", "held"])
    ]
    fresh = open_case(officer.user, make_family(), number="BHU-700009")
    problems.append((fresh.id, f"{fresh.case_number} is at referred, not travel booked."))

    ids = [flight.ids[0]] + [i for i, _ in problems] + [flight.ids[1]]
    response = depart(officer, ids)
    assert response.status_code == 422
    assert sorted(error_fields(response)["case_ids"]) == sorted(m for _, m in problems)
    assert len(problems) == 5
    assert all(status_of(i)[0] == "travel_booked" for i in flight.ids)


def test_a_case_out_of_sight_and_a_wrong_stage_are_both_named(officer, flight, make_user):
    hidden_id, hidden = _ineligible("other office", officer, make_user)
    early = open_case(officer.user, make_family(), number="BHU-700003")
    response = depart(officer, [flight.ids[0], early.id, hidden_id])
    assert response.status_code == 422
    assert sorted(error_fields(response)["case_ids"]) == sorted(
        [hidden, f"{early.case_number} is at referred, not travel booked."]
    )


def test_a_confirmed_batch_moves_every_case_then_arrival_is_per_case(officer, flight):
    versions = {i: status_of(i)[1] for i in flight.ids}
    day = TODAY + timedelta(days=3)
    response = depart(officer, flight.ids, flight="qr 647", day=day)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["flight"] == "QR 647"
    assert body["departure_date"] == day.isoformat()
    assert body["confirmed_at"] is not None
    assert body["office"] == "DMK"
    assert [c["id"] for c in body["cases"]] == flight.ids
    assert {c["status"] for c in body["cases"]} == {"departed"}

    [batch] = db.session.scalars(select(DepartureBatch)).all()
    assert batch.confirmed_at is not None and batch.confirmed_by_id == officer.user.id
    assert sorted(db.session.scalars(select(BatchCase.case_id)).all()) == flight.ids
    for case_id in flight.ids:
        assert status_of(case_id) == ("departed", versions[case_id] + 1)
        last = events(case_id, "transition")[-1]
        assert (last.from_status, last.to_status) == ("travel_booked", "departed")
        assert "QR 647" in last.comment
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "departure_batch")
    ).all()
    assert actions == ["departure_batch.create", "departure_batch.confirm"]

    # A departed case cannot fly again, nor be held or withdrawn; it arrives on its own.
    again = depart(officer, [flight.ids[0]])
    assert again.status_code == 422
    assert error_fields(again)["case_ids"] == [
        f"{flight.numbers[0]} is at departed, not travel booked."
    ]
    for target in ["on_hold", "withdrawn", "rejected"]:
        assert move(officer, flight.ids[0], target).status_code == 409
    arrived = move(officer, flight.ids[0], "arrived", comment="Met at JFK")
    assert arrived.status_code == 200
    assert arrived.get_json()["status"] == "arrived"
    assert arrived.get_json()["closed_at"] is not None
    assert fetch(officer, flight.ids[1])["status"] == "departed"


@pytest.mark.parametrize(
    ("json", "field"),
    [
        ({"case_ids": []}, "case_ids"),
        ({"case_ids": [999_999]}, "case_ids"),
        ({"flight": ""}, "flight"),
        ({"flight": "Q" * 33}, "flight"),
        ({"departure_date": "next tuesday"}, "departure_date"),
        ({"departure_date": None}, "departure_date"),
        ({"origin": "x" * 61}, "origin"),
    ],
)
def test_departure_bad_input_names_the_field(officer, flight, json, field):
    data = {
        "case_ids": flight.ids,
        "departure_date": TODAY.isoformat(),
        "flight": "QR 647",
        **json,
    }
    response = officer.post("/api/v1/resettlement/departures", json=data)
    assert response.status_code == 422, response.get_json()
    assert field in error_fields(response)
    assert all(status_of(i)[0] == "travel_booked" for i in flight.ids)
    assert count(DepartureBatch) == 0


def test_the_departure_date_may_be_given_in_bs_alone(officer, flight):
    # departure_date is required; its BS companion must be enough on its own.
    day = TODAY + timedelta(days=7)
    data = {"case_ids": flight.ids, "departure_date_bs": bs_iso(day), "flight": "QR 647"}
    response = officer.post("/api/v1/resettlement/departures", json=data)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["departure_date"] == day.isoformat()


def test_a_departure_without_any_date_is_422_naming_the_date(officer, flight):
    data = {"case_ids": flight.ids, "flight": "QR 647"}
    response = officer.post("/api/v1/resettlement/departures", json=data)
    assert response.status_code == 422
    assert "departure_date" in error_fields(response)
    assert count(DepartureBatch) == 0


def test_the_same_case_twice_flies_once(officer, flight):
    response = depart(officer, [flight.ids[0], flight.ids[0], flight.ids[1]])
    assert response.status_code == 201
    assert [c["id"] for c in response.get_json()["cases"]] == flight.ids


# --- roles and offices ------------------------------------------------------------------------


@pytest.fixture
def ktm_case(make_user):
    """A Kathmandu family's case at travel_booked, worked by a Kathmandu caseworker."""
    ktm = make_user("caseworker", "KTM")
    return booked(ktm, "BHU-800001", office="KTM")


def test_a_damak_caseworker_cannot_see_a_kathmandu_case(officer, ktm_case):
    url = f"/api/v1/cases/{ktm_case.id}"
    assert officer.get(url).status_code == 404
    assert officer.get(f"{url}/history").status_code == 404
    version = ktm_case.version
    assert (
        officer.post(f"{url}/transitions", json={"to": "on_hold", "version": version}).status_code
        == 404
    )
    assert officer.patch(url, json={"version": version, "hut_address": "x"}).status_code == 404
    listed = officer.get("/api/v1/cases?kind=resettlement").get_json()
    assert listed["total"] == 0
    assert status_of(ktm_case.id) == ("travel_booked", version)


def test_a_caseworker_sees_only_the_cases_assigned_to_them(api_as, officer, family):
    case = open_api(officer, family.head).get_json()
    colleague = api_as("caseworker", office="DMK")
    assert colleague.get(f"/api/v1/cases/{case['id']}").status_code == 404
    assert depart(colleague, [case["id"]]).status_code == 422
    supervisor = api_as("supervisor", office="DMK")
    assert supervisor.get(f"/api/v1/cases/{case['id']}").status_code == 200
    assert move(supervisor, case["id"], "prescreening").status_code == 200


def test_a_kathmandu_supervisor_cannot_see_or_fly_a_damak_case(api_as, officer, flight):
    ktm = api_as("supervisor", office="KTM")
    assert ktm.get(f"/api/v1/cases/{flight.ids[0]}").status_code == 404
    response = depart(ktm, flight.ids)
    assert response.status_code == 422
    assert error_fields(response)["case_ids"] == [
        f"No case {i} that you can see." for i in flight.ids
    ]
    assert all(status_of(i)[0] == "travel_booked" for i in flight.ids)


def test_a_partner_gets_403(api_as, officer, flight, family):
    partner = api_as("partner", office="DMK")
    assert partner.get(f"/api/v1/cases/{flight.ids[0]}").status_code == 403
    assert partner.get("/api/v1/cases?kind=resettlement").status_code == 403
    assert partner.post("/api/v1/cases", json=payload(family.head)).status_code == 403
    assert depart(partner, flight.ids).status_code == 403
    assert count(DepartureBatch) == 0
    assert all(status_of(i)[0] == "travel_booked" for i in flight.ids)


def test_an_admin_reads_but_does_not_move(api_as, officer, flight, family):
    admin = api_as("admin", office="KTM")
    body = fetch(admin, flight.ids[0])
    assert body["unhcr_case_number"] == "BHU-500001"
    assert body["office"] == "DMK"
    version = body["version"]
    url = f"/api/v1/cases/{flight.ids[0]}"
    assert (
        admin.post(f"{url}/transitions", json={"to": "on_hold", "version": version}).status_code
        == 403
    )
    assert admin.patch(url, json={"version": version, "member_ids": []}).status_code == 403
    assert depart(admin, flight.ids).status_code == 403
    assert admin.post("/api/v1/cases", json=payload(family.head)).status_code == 403
    assert all(status_of(i)[0] == "travel_booked" for i in flight.ids)
    assert count(DepartureBatch) == 0


# --- the pages ----------------------------------------------------------------------------------


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:2000])
    return response.get_data(as_text=True)


def offered(html: str, name: str) -> list[int]:
    """The values of the checkboxes called `name` (ticked or not)."""
    boxes = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return [int(re.search(r'value="(\d+)"', box).group(1)) for box in boxes]


def alerts(html: str, kind: str) -> str:
    found = re.findall(rf'<div class="alert alert-{kind}"[^>]*>(.*?)</div>', html, re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", f)) for f in found)


def plan(client, case_ids, day=None, flight="qr 647"):
    html = page(client, "/resettlement/batches")
    form = filled(
        form_with(html, "flight"),
        departure_date=(day or TODAY + timedelta(days=7)).isoformat(),
        flight=flight,
        destination="New York (JFK)",
        case_ids=[str(i) for i in case_ids],
    )
    return client.post("/resettlement/batches", data=form)


@pytest.fixture
def desk(login_as):
    """A Damak processing officer signed in to the pages."""
    return login_as("caseworker", office="DMK")


def test_a_family_from_referral_to_arrival_through_the_pages(desk):
    fam = make_family()
    html = page(desk, f"/beneficiaries/{fam.head.id}/cases/new?kind=resettlement")
    form = filled(
        form_with(html, "unhcr_case_number"),
        unhcr_case_number="BHU-424242",
        camp="sanischare",
        hut_address="Sector F, hut 9",
        destination_country="CA",
        programme="canada_gar",
        special_needs=["wheelchair"],
        member_ids=[str(fam.wife.id), str(fam.child.id)],
    )
    opened = desk.post(f"/beneficiaries/{fam.head.id}/cases/new?kind=resettlement", data=form)
    assert opened.status_code == 302, opened.get_data(as_text=True)[:3000]
    case = db.session.scalar(select(Case).where(Case.beneficiary_id == fam.head.id))
    assert CASE_NUMBER.match(case.case_number)
    url = f"/cases/{case.id}"
    ids = [str(fam.head.id), str(fam.wife.id), str(fam.child.id)]
    per_stage = {
        "interview": {"result": "completed"},
        "decision": {"outcome": "accepted"},
        "health_assessment": {f"health-{i}": "fit" for i in ids},
        "cultural_orientation": {"attended": ids[:2]},
        "exit_permit": {"permit_number": "EP-77", "permit_date": TODAY.isoformat()},
    }
    for stage in ORDER[:7]:
        html = page(desk, url)
        stage_form = filled(
            form_at(html, f"/resettlement/cases/{case.id}/stage"),
            recorded_on=TODAY.isoformat(),
            stage_notes=f"{stage} done",
            **per_stage.get(stage, {}),
        )
        saved = desk.post(f"/resettlement/cases/{case.id}/stage", data=stage_form)
        assert saved.status_code == 302, (stage, saved.get_data(as_text=True)[:3000])
        html = page(desk, url)
        moved = desk.post(
            f"/cases/{case.id}/transition",
            data=filled(form_at(html, f"/cases/{case.id}/transition"), to=next_stage(stage)),
        )
        assert moved.status_code == 302, (stage, moved.get_data(as_text=True)[:3000])
        assert status_of(case.id)[0] == next_stage(stage)
    html = page(desk, url)
    booking = filled(
        form_at(html, f"/resettlement/cases/{case.id}/stage"),
        recorded_on=(TODAY + timedelta(days=1)).isoformat(),
        booking_reference="IOM-MOV-1",
    )
    assert desk.post(f"/resettlement/cases/{case.id}/stage", data=booking).status_code == 302
    records = db.session.scalars(
        select(StageRecord).where(StageRecord.case_id == case.id).order_by(StageRecord.id)
    ).all()
    assert [r.stage for r in records] == ORDER[:8]

    planned = plan(desk, [case.id])
    assert planned.status_code == 302, planned.get_data(as_text=True)[:3000]
    batch_url = planned.headers["Location"]
    html = page(desk, batch_url)
    confirmed = desk.post(batch_url + "/confirm", data=form_at(html, batch_url + "/confirm"))
    assert confirmed.status_code == 302
    assert "Departure confirmed" in page(desk, batch_url)
    assert status_of(case.id)[0] == "departed"
    html = page(desk, url)
    arrived = desk.post(
        f"/cases/{case.id}/transition",
        data=filled(form_at(html, f"/cases/{case.id}/transition"), to="arrived"),
    )
    assert arrived.status_code == 302
    assert status_of(case.id)[0] == "arrived"
    assert f"/cases/{case.id}/transition" not in page(desk, url)  # nothing more to move


def test_a_skip_on_the_case_page_is_refused(desk):
    case = open_case(desk.user, make_family())
    html = page(desk, f"/cases/{case.id}")
    form = filled(form_at(html, f"/cases/{case.id}/transition"), to="interview")
    response = desk.post(f"/cases/{case.id}/transition", data=form)
    assert response.status_code == 409
    assert "A case cannot go from referred to interview" in unescape(
        response.get_data(as_text=True)
    )
    assert status_of(case.id)[0] == "referred"
    advance(desk.user, case.id, "interview")
    html = page(desk, f"/cases/{case.id}")
    form = filled(form_at(html, f"/cases/{case.id}/transition"), to="decision")
    response = desk.post(f"/cases/{case.id}/transition", data=form)
    assert response.status_code == 422
    assert MISSING["interview"] in unescape(response.get_data(as_text=True))
    assert status_of(case.id)[0] == "interview"


def test_the_batches_page_counts_each_flights_cases_with_the_list(desk):
    """One query for the flights and their case counts, however many flights there are."""

    def page_queries() -> tuple[int, list[list[str]]]:
        seen, response = queries_of(desk, "/resettlement/batches")
        assert response.status_code == 200
        return len(seen), table_rows(response.get_data(as_text=True))

    ready = [booked(desk.user, f"BHU-50000{i}").id for i in range(6)]
    assert plan(desk, ready[:1]).status_code == 302
    with_one, _ = page_queries()
    assert plan(desk, ready[1:3]).status_code == 302
    assert plan(desk, ready[3:]).status_code == 302
    queries, rows = page_queries()

    assert queries == with_one
    assert sorted(row[3] for row in rows[1:]) == ["1", "2", "3"]


def test_the_batches_page_plans_a_flight_from_travel_booked_cases(desk):
    first = booked(desk.user, "BHU-500001")
    second = booked(desk.user, "BHU-500002")
    early = open_case(desk.user, make_family(), number="BHU-500003")
    advance(desk.user, early.id, "exit_permit")

    html = page(desk, "/resettlement/batches")
    assert offered(html, "case_ids") == [first.id, second.id]
    assert "No flights yet." in html

    response = plan(desk, [first.id, second.id])
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    [batch] = db.session.scalars(select(DepartureBatch)).all()
    assert response.headers["Location"].endswith(f"/resettlement/batches/{batch.id}")
    assert (batch.flight, batch.destination, batch.office_code) == (
        "QR 647",
        "New York (JFK)",
        "DMK",
    )
    assert batch.confirmed_at is None
    assert [c.id for c in batch.cases] == [first.id, second.id]
    assert status_of(first.id)[0] == status_of(second.id)[0] == "travel_booked"  # planned only
    rows = table_rows(page(desk, "/resettlement/batches"))
    assert rows[1] == [
        "QR 647",
        (TODAY + timedelta(days=7)).isoformat(),
        "Kathmandu (KTM) → New York (JFK)",
        "2",
        "planned",
    ]


def test_the_batches_page_refuses_a_case_that_is_not_booked(desk):
    first = booked(desk.user, "BHU-500001")
    early = open_case(desk.user, make_family(), number="BHU-500003")
    advance(desk.user, early.id, "exit_permit")
    response = plan(desk, [first.id, early.id])
    assert response.status_code == 422
    text = unescape(response.get_data(as_text=True))
    assert f"{early.case_number} is at exit_permit, not travel booked." in text
    assert count(DepartureBatch) == 0
    missing_flight = plan(desk, [first.id], flight="")
    assert missing_flight.status_code == 422
    assert "Give the flight number" in unescape(missing_flight.get_data(as_text=True))
    assert count(DepartureBatch) == 0


def _departure_day() -> date:
    day = TODAY + timedelta(days=14)
    return day + timedelta(days=1) if (day.month, day.day) == (2, 29) else day


def test_the_manifest_lists_every_member_with_age_sex_and_special_needs(desk):
    day = _departure_day()
    # The child's ninth birthday is the day after the flight: she flies aged 8.
    child_born = date(day.year - 9, day.month, day.day) + timedelta(days=1)
    needy = open_case(
        desk.user,
        make_family(child_born=child_born),
        number="BHU-510001",
        special_needs=["wheelchair", "medical_escort"],
    )
    advance(desk.user, needy.id, "travel_booked")
    plain = booked(desk.user, "BHU-510002")
    response = plan(desk, [needy.id, plain.id], day=day)
    assert response.status_code == 302
    html = page(desk, response.headers["Location"])
    rows = [r for r in table_rows(html) if len(r) == 5 and r[0] != "Case"]
    # The first cell holds the case number and, below it, the UNHCR number.
    people = {(r[0], r[1]): r[2:] for r in rows}
    first, second = f"{needy.case_number}BHU-510001", f"{plain.case_number}BHU-510002"
    needs = "Medical escort, Wheelchair"
    assert people == {
        (first, "Dil Gurung"): ["Male", str(day.year - 1970), needs],
        (first, "Maya Gurung"): ["Female", str(day.year - 1975), needs],
        (first, "Pema Gurung"): ["Female", "8", needs],
        (second, "Dil Gurung"): ["Male", str(day.year - 1970), ""],
        (second, "Maya Gurung"): ["Female", str(day.year - 1975), ""],
        (second, "Pema Gurung"): ["Female", "8", ""],
    }
    assert len(rows) == 6
    assert "BHU-510001" in html and "BHU-510002" in html
    assert "6 people" in html and "2 cases" in html


def test_confirming_a_batch_with_an_ineligible_case_shows_why_and_changes_nothing(desk):
    first = booked(desk.user, "BHU-520001")
    second = booked(desk.user, "BHU-520002")
    batch_url = plan(desk, [first.id, second.id]).headers["Location"]
    cases.transition(desk.user, second, "on_hold", second.version, "Medical review")
    db.session.commit()
    reason = f"{second.case_number} is at on_hold, not travel booked."

    html = page(desk, batch_url)
    assert reason in alerts(html, "warning")  # the manifest warns before anyone confirms
    versions = {i: status_of(i) for i in (first.id, second.id)}
    response = desk.post(batch_url + "/confirm", data=form_at(html, batch_url + "/confirm"))
    assert response.status_code == 303
    shown = page(desk, response.headers["Location"])
    assert reason in alerts(shown, "danger")
    assert "Departure confirmed" not in shown
    assert {i: status_of(i) for i in (first.id, second.id)} == versions
    db.session.expire_all()
    assert db.session.scalar(select(DepartureBatch.confirmed_at)) is None
    assert (
        db.session.scalars(select(CaseEvent).where(CaseEvent.to_status == "departed")).all() == []
    )

    # Resumed, the same batch confirms: both families depart together.
    cases.transition(
        desk.user, db.session.get(Case, second.id), "travel_booked", versions[second.id][1]
    )
    db.session.commit()
    html = page(desk, batch_url)
    assert alerts(html, "warning") == ""
    assert (
        desk.post(batch_url + "/confirm", data=form_at(html, batch_url + "/confirm")).status_code
        == 302
    )
    assert status_of(first.id)[0] == status_of(second.id)[0] == "departed"


def _board(html: str) -> dict[str, list[str]]:
    rows = table_rows(html)
    header = rows[0]
    return {r[0]: dict(zip(header[1:], r[1:], strict=True)) for r in rows[1:]}


def test_the_pipeline_board_changes_after_the_departure(desk):
    first = booked(desk.user, "BHU-530001")
    second = booked(desk.user, "BHU-530002")
    other = open_case(desk.user, make_family(), number="BHU-530003", destination_country="CA")
    advance(desk.user, other.id, "interview")

    before = _board(page(desk, "/resettlement/pipeline"))
    assert before["Travel booked"]["US"] == "2"
    assert before["Travel booked"]["Total"] == "2"
    assert before["Interview"]["CA"] == "1"
    assert before["Departed"]["Total"] == "0"
    assert before["Referred by UNHCR"]["Median days"] == "0"  # everything happened today
    assert before["Departed"]["Median days"] == "—"

    batch_url = plan(desk, [first.id, second.id]).headers["Location"]
    html = page(desk, batch_url)
    assert (
        desk.post(batch_url + "/confirm", data=form_at(html, batch_url + "/confirm")).status_code
        == 302
    )

    after = _board(page(desk, "/resettlement/pipeline"))
    assert after["Travel booked"]["Total"] == "0"
    assert after["Travel booked"]["US"] == ""
    assert after["Departed"]["US"] == "2"
    assert after["Departed"]["Total"] == "2"
    assert float(after["Travel booked"]["Median days"]) == 0  # stays at travel booked have ended
    assert after["Interview"]["CA"] == "1"

    only_canada = _board(page(desk, "/resettlement/pipeline?destination=ca"))
    assert "US" not in only_canada["Departed"]
    assert only_canada["Departed"]["Total"] == "0"
    assert only_canada["Interview"]["Total"] == "1"
    other_camp = _board(page(desk, "/resettlement/pipeline?camp=sanischare"))
    assert all(row["Total"] == "0" for row in other_camp.values())


def test_who_may_use_the_resettlement_pages(desk, login_as, make_user):
    first = booked(desk.user, "BHU-540001")
    batch_url = plan(desk, [first.id]).headers["Location"]

    admin = login_as("admin", office="KTM")
    assert "QR 647" in page(admin, "/resettlement/batches")
    assert "Plan a flight" not in page(admin, "/resettlement/batches")
    html = page(admin, batch_url)
    assert "Dil Gurung" in html
    assert f"{batch_url}/confirm" not in html
    assert admin.post(batch_url + "/confirm").status_code == 403
    assert page(admin, "/resettlement/pipeline")

    ktm = login_as("supervisor", office="KTM")
    page(ktm, batch_url, status=404)
    assert ktm.post(batch_url + "/confirm").status_code == 404
    assert first.case_number in page(desk, "/resettlement/pipeline")
    assert first.case_number not in page(ktm, "/resettlement/pipeline")
    page(ktm, f"/cases/{first.id}", status=404)

    partner = login_as("partner", office="DMK")
    page(partner, "/resettlement/pipeline", status=403)
    page(partner, "/resettlement/batches", status=403)
    page(partner, batch_url, status=403)

    assert status_of(first.id)[0] == "travel_booked"
    assert db.session.scalar(select(DepartureBatch.confirmed_at)) is None


def test_editing_a_travel_booked_family_with_a_member_from_another_household(desk):
    # A marriage: the bride was registered (lower id) before the groom's household.
    bride = BeneficiaryFactory(office_code="DMK", given_name="Sunita", family_name="Rai")
    db.session.commit()
    fam = make_family()
    fam.members = [fam.wife, bride]
    case = open_case(desk.user, fam)
    advance(desk.user, case.id, "travel_booked")
    html = page(desk, f"/cases/{case.id}/edit")
    form = filled(form_with(html, "hut_address"), hut_address="Sector G, hut 2")
    response = desk.post(f"/cases/{case.id}/edit", data=form)
    assert response.status_code == 302, re.findall(
        r"invalid-feedback d-block\">([^<]*)", response.get_data(as_text=True)
    )
    db.session.expire_all()
    assert db.session.get(Case, case.id).resettlement_details.hut_address == "Sector G, hut 2"
