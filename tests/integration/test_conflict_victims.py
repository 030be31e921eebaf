"""Conflict-victim cases: the rules of their fields (API and form), their workflow, the
verification rule, and the extra sensitivity of torture and sexual violence.

A torture or sexual-violence case is seen in full by the assigned caseworker and the
office's supervisors only; an admin sees the case but not why; another caseworker of the
office does not see the case, nor the beneficiary's vulnerabilities that tell the same
story, and cannot lose them by editing the person.
"""

from __future__ import annotations

import json
import re
from datetime import date
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models import Approval, AuditEvent, Beneficiary, Case, CaseEvent
from casework.services import accounts, approvals, cases
from tests.conftest import ApiClient
from tests.factories import BeneficiaryFactory
from tests.pages import field_errors, filled, form_at, form_with

PERIOD = "The incident must fall inside the conflict period, 13 Feb 1996 to 21 Nov 2006."
NO_CATEGORY = "Choose at least one category."
PERCENT = "A percentage from 0 to 100."
PERCENT_CATEGORY = "A disability percentage applies to the injured or disabled category."
UNKNOWN_DISTRICT = "Choose a district from the list."
NO_DISTRICT = "Choose the district of the incident."
NO_DATE = "Give the date of the incident."
VERIFY = "Verification needs the taskforce list reference or the ward's recommendation."
LABELS = {"torture": "Torture", "sexual_violence": "Conflict-related sexual violence"}
HIDDEN_VULNERABILITIES = {"torture_survivor", "gbv_survivor"}
HIDDEN_LABELS = ("Survivor of torture", "Survivor of gender-based violence")


# --- helpers -----------------------------------------------------------------------------


BLOCK_TAGS = r"</?(?:div|p|li|ul|ol|dl|dt|dd|tr|td|th|table|h\d|br|section|form|option)\b[^>]*>"


def text(html: str) -> str:
    """What a reader sees: block elements apart, inline ones run on, spaces collapsed."""
    html = re.sub(r"<[^>]+>", "", re.sub(BLOCK_TAGS, " ", html))
    return " ".join(unescape(html).split())


def element(html: str, ident: str) -> str:
    """The HTML of the element with this id, up to its matching end tag."""
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(ident)}"', html)
    assert match, f"no element with id {ident!r}"
    tag = match.group(1)
    depth = 0
    for found in re.finditer(rf"<(/?){tag}\b[^>]*>", html[match.start() :]):
        depth += -1 if found.group(1) else 1
        if depth == 0:
            return html[match.start() : match.start() + found.end()]
    raise AssertionError(f"element {ident!r} is not closed")


def shown_vulnerabilities(html: str) -> str:
    """The text of the profile's vulnerabilities."""
    match = re.search(r"Vulnerabilities</dt>\s*<dd[^>]*>(.*?)</dd>", html, re.S)
    assert match, "no vulnerabilities on the profile"
    return text(match.group(1))


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def reload(case_id: int) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case_id)


def stored_vulnerabilities(person_id: int) -> set[str]:
    db.session.expire_all()
    return set(db.session.get(Beneficiary, person_id).vulnerabilities)


def person(**kwargs) -> Beneficiary:
    kwargs.setdefault("office_code", "KTM")
    b = BeneficiaryFactory(**kwargs)
    db.session.commit()
    return b


def new_case(worker, person_id: int | None = None, **fields) -> int:
    """A conflict-victim case opened through the service (for tests of later steps)."""
    if person_id is None:
        person_id = person(office_code=worker.office_code).id
    data = {
        "victim_categories": ["displaced"],
        "incident_date": date(2001, 6, 15),
        "incident_district_id": 27,
        "taskforce_reference": "TF/KTM/2008/0042",
        **fields,
    }
    case = cases.open_case(worker, "conflict_victim", person_id, data)
    db.session.commit()
    return case.id


def move(actor, case_id: int, to: str) -> None:
    case = reload(case_id)
    reason = "completed" if to == "closure_pending" else None
    cases.transition(actor, case, to, case.version, "", reason)
    db.session.commit()


def pending_item(case_id: int) -> Approval:
    db.session.expire_all()
    stmt = select(Approval).where(Approval.case_id == case_id, Approval.status == "pending")
    return db.session.scalars(stmt).one()


PATHS = {
    "registered": (),
    "verification": ("verification",),
    "active": ("verification", "active"),
    "closed": ("verification", "active", "closure_pending", "closed"),
}


def case_at(worker, boss, status: str, **fields) -> int:
    case_id = new_case(worker, **fields)
    for step in PATHS[status]:
        if step == "closed":
            approvals.decide(boss, pending_item(case_id), approve=True, comment="Agreed.")
            db.session.commit()
        else:
            move(worker, case_id, step)
    return case_id


def api_payload(person_id: int, **changes) -> dict:
    data = {
        "kind": "conflict_victim",
        "beneficiary_id": person_id,
        "victim_categories": ["displaced"],
        "incident_date": "2001-06-15",
        "incident_district_id": 27,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not MISSING}


MISSING = object()


# --- the rules of the fields, in the API -------------------------------------------------

REFUSED = [
    pytest.param({"incident_date": "1996-02-12"}, "incident_date", PERIOD, id="day-before-start"),
    pytest.param({"incident_date": "2006-11-22"}, "incident_date", PERIOD, id="day-after-end"),
    pytest.param({"incident_date": "1990-03-01"}, "incident_date", PERIOD, id="long-before"),
    pytest.param({"incident_date": "2015-04-25"}, "incident_date", PERIOD, id="long-after"),
    pytest.param({"incident_date": MISSING}, "incident_date", NO_DATE, id="no-date"),
    pytest.param({"victim_categories": []}, "victim_categories", NO_CATEGORY, id="no-category"),
    pytest.param(
        {"victim_categories": MISSING}, "victim_categories", NO_CATEGORY, id="category-left-out"
    ),
    pytest.param(
        {"victim_categories": ["injured_disabled"], "disability_percent": 101},
        "disability_percent",
        PERCENT,
        id="percent-above-100",
    ),
    pytest.param(
        {"victim_categories": ["injured_disabled"], "disability_percent": -1},
        "disability_percent",
        PERCENT,
        id="percent-below-0",
    ),
    pytest.param(
        {"victim_categories": ["displaced"], "disability_percent": 40},
        "disability_percent",
        PERCENT_CATEGORY,
        id="percent-without-injured",
    ),
    pytest.param(
        {"incident_district_id": 9999}, "incident_district_id", UNKNOWN_DISTRICT, id="district"
    ),
    pytest.param(
        {"incident_district_id": MISSING}, "incident_district_id", NO_DISTRICT, id="no-district"
    ),
]


@pytest.mark.parametrize(("changes", "field", "message"), REFUSED)
def test_api_refuses_a_bad_field_naming_it_and_stores_nothing(api_as, changes, field, message):
    worker = api_as("caseworker")
    b = person()
    response = worker.post("/api/v1/cases", json=api_payload(b.id, **changes))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["fields"] == {field: [message]}
    assert count(Case) == 0
    assert count(CaseEvent) == 0


def test_api_refuses_an_unknown_category_naming_the_field(api_as):
    worker = api_as("caseworker")
    b = person()
    response = worker.post(
        "/api/v1/cases", json=api_payload(b.id, victim_categories=["displaced", "witchcraft"])
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"victim_categories"}
    assert count(Case) == 0


ACCEPTED = [
    pytest.param({"incident_date": "1996-02-13"}, id="first-day"),
    pytest.param({"incident_date": "2006-11-21"}, id="last-day"),
    pytest.param(
        {"victim_categories": ["injured_disabled"], "disability_percent": 0}, id="percent-0"
    ),
    pytest.param(
        {"victim_categories": ["injured_disabled", "displaced"], "disability_percent": 100},
        id="percent-100",
    ),
    pytest.param({"victim_categories": ["displaced"], "disability_percent": None}, id="no-pct"),
]


@pytest.mark.parametrize("changes", ACCEPTED)
def test_api_accepts_the_limits(api_as, changes):
    worker = api_as("caseworker")
    b = person()
    response = worker.post("/api/v1/cases", json=api_payload(b.id, **changes))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    for name, value in changes.items():
        expected = sorted(value) if name == "victim_categories" else value
        assert body[name] == expected
    assert body["status"] == "registered"
    assert re.fullmatch(rf"KTM-CV-{date.today().year}-\d{{5}}", body["case_number"])
    stored = reload(body["id"]).conflict_details
    assert stored.incident_date.isoformat() == body["incident_date"]


def test_api_patch_applies_the_same_rules_and_keeps_the_stored_values(api_as):
    worker = api_as("caseworker")
    case_id = new_case(worker.user)
    version = reload(case_id).version
    refused = worker.patch(
        f"/api/v1/cases/{case_id}", json={"version": version, "incident_date": "2007-01-01"}
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {"incident_date": [PERIOD]}
    details = reload(case_id).conflict_details
    assert (details.incident_date, reload(case_id).version) == (date(2001, 6, 15), version)
    accepted = worker.patch(
        f"/api/v1/cases/{case_id}", json={"version": version, "incident_date": "2006-11-21"}
    )
    assert accepted.status_code == 200, accepted.get_json()
    assert reload(case_id).conflict_details.incident_date == date(2006, 11, 21)


# --- the same rules on the form ----------------------------------------------------------


def open_form(client, person_id: int) -> tuple[str, str]:
    url = f"/beneficiaries/{person_id}/cases/new?kind=conflict_victim"
    response = client.get(url)
    assert response.status_code == 200
    return url, response.get_data(as_text=True)


GOOD_FORM = {
    "victim_categories": ["displaced"],
    "incident_date": "2001-06-15",
    "incident_district_id": "27",
}

FORM_REFUSED = [
    pytest.param({"incident_date": "1996-02-12"}, "incident_date", PERIOD, id="day-before"),
    pytest.param({"incident_date": "2006-11-22"}, "incident_date", PERIOD, id="day-after"),
    pytest.param({"victim_categories": None}, "victim_categories-0", NO_CATEGORY, id="none"),
    pytest.param(
        {"victim_categories": ["displaced", "witchcraft"]},
        "victim_categories-0",
        "Unknown: witchcraft.",
        id="unknown-category",
    ),
    pytest.param(
        {"victim_categories": ["injured_disabled"], "disability_percent": "101"},
        "disability_percent",
        PERCENT,
        id="percent-101",
    ),
    pytest.param(
        {"victim_categories": ["injured_disabled"], "disability_percent": "-5"},
        "disability_percent",
        PERCENT,
        id="percent-negative",
    ),
    pytest.param(
        {"victim_categories": ["abducted"], "disability_percent": "30"},
        "disability_percent",
        PERCENT_CATEGORY,
        id="percent-not-injured",
    ),
    pytest.param(
        {"incident_district_id": "9999"}, "incident_district_id", UNKNOWN_DISTRICT, id="district"
    ),
    pytest.param({"incident_district_id": ""}, "incident_district_id", NO_DISTRICT, id="none-d"),
]


@pytest.mark.parametrize(("changes", "field_id", "message"), FORM_REFUSED)
def test_form_shows_the_message_under_the_field_keeps_the_input_and_stores_nothing(
    login_as, changes, field_id, message
):
    worker = login_as("caseworker")
    b = person()
    url, html = open_form(worker, b.id)
    sent = filled(form_with(html, "incident_date"), **{**GOOD_FORM, **changes})
    response = worker.post(url, data=sent)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page, field_id) == [message]
    kept = form_with(page, "incident_date")
    assert kept["incident_date"] == sent["incident_date"]
    assert sorted(kept.getlist("victim_categories")) == sorted(
        c for c in sent.getlist("victim_categories") if c != "witchcraft"
    )
    assert count(Case) == 0


@pytest.mark.parametrize("incident_date", ["1996-02-13", "2006-11-21"])
def test_form_opens_a_case_on_either_end_of_the_conflict_period(login_as, incident_date):
    worker = login_as("caseworker")
    b = person()
    url, html = open_form(worker, b.id)
    sent = filled(
        form_with(html, "incident_date"),
        **{
            **GOOD_FORM,
            "incident_date": incident_date,
            "victim_categories": ["injured_disabled", "property_damaged"],
            "disability_percent": "60",
            "taskforce_reference": "TF/KTM/2008/0042",
            "ward_recommendation": "y",
            "documents_seen": "Hospital discharge note",
            "relief_received": "NPR 100,000 interim relief",
        },
    )
    response = worker.post(url, data=sent)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    case_id = int(re.fullmatch(r"/cases/(\d+)", response.headers["Location"])[1])
    case = reload(case_id)
    details = case.conflict_details
    assert (case.kind, case.status, case.assigned_to_id) == (
        "conflict_victim",
        "registered",
        worker.user.id,
    )
    assert details.victim_categories == ["injured_disabled", "property_damaged"]
    assert details.incident_date == date.fromisoformat(incident_date)
    assert (details.incident_district_id, details.disability_percent) == (27, 60)
    assert (details.taskforce_reference, details.ward_recommendation) == ("TF/KTM/2008/0042", True)
    assert details.sensitive is False
    shown = text(element(worker.get(f"/cases/{case_id}").get_data(as_text=True), "conflict"))
    assert "Injured or disabled" in shown and "Property damaged" in shown
    assert "60%" in shown


# --- the workflow --------------------------------------------------------------------------

STATUSES = ("registered", "verification", "active", "closure_pending", "closed")
TABLE = {
    "registered": ("verification", "closure_pending"),
    "verification": ("active", "closure_pending"),
    "active": ("closure_pending",),
}


@pytest.fixture
def staff(api_as):
    return SimpleNamespace(worker=api_as("caseworker"), boss=api_as("supervisor"))


def post_move(client, case_id: int, to: str, **extra):
    body = {"to": to, "version": reload(case_id).version, "comment": "next step", **extra}
    return client.post(f"/api/v1/cases/{case_id}/transitions", json=body)


@pytest.mark.parametrize(
    ("from_status", "to_status"), [(f, t) for f in TABLE for t in STATUSES], ids=str
)
def test_each_move_from_an_open_status_is_allowed_only_if_the_table_says_so(
    staff, from_status, to_status
):
    case_id = case_at(staff.worker.user, staff.boss.user, from_status)
    before = reload(case_id)
    version, events = before.version, count(CaseEvent)
    reason = {"closure_reason": "completed"} if to_status == "closure_pending" else {}
    response = post_move(staff.worker, case_id, to_status, **reason)
    if to_status in TABLE[from_status]:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == to_status
        assert reload(case_id).status == to_status
        last = db.session.scalars(select(CaseEvent).order_by(CaseEvent.id.desc())).first()
        assert (last.event, last.from_status, last.to_status) == (
            "transition",
            from_status,
            to_status,
        )
        if to_status == "closure_pending":
            item = pending_item(case_id)
            assert (item.approval_type, item.requested_by_id) == (
                "case_closure",
                staff.worker.user.id,
            )
    else:
        assert response.status_code == 409, response.get_json()
        error = response.get_json()["error"]
        assert error["code"] == "transition_not_allowed"
        assert error["allowed"] == list(TABLE[from_status])
        assert f"Allowed: {', '.join(TABLE[from_status])}." in error["message"]
        assert (reload(case_id).status, reload(case_id).version) == (from_status, version)
        assert count(CaseEvent) == events


@pytest.mark.parametrize("to_status", STATUSES)
def test_nothing_leaves_a_closed_case(staff, to_status):
    case_id = case_at(staff.worker.user, staff.boss.user, "closed")
    assert reload(case_id).closed_at is not None
    for client in (staff.worker, staff.boss):
        response = post_move(client, case_id, to_status, closure_reason="completed")
        assert response.status_code == 409
        assert response.get_json()["error"]["allowed"] == []
        assert "Allowed: none." in response.get_json()["error"]["message"]
    assert reload(case_id).status == "closed"


@pytest.mark.parametrize("pending_from", ["registered", "verification", "active"])
def test_closure_approved_closes_the_case(staff, pending_from):
    case_id = case_at(staff.worker.user, staff.boss.user, pending_from)
    move(staff.worker.user, case_id, "closure_pending")
    queue = staff.boss.get("/api/v1/approvals").get_json()["items"]
    assert [(i["type"], i["case_id"]) for i in queue] == [("case_closure", case_id)]
    # The caseworker who asked may not decide.
    assert post_move(staff.worker, case_id, "closed").status_code == 403
    assert reload(case_id).status == "closure_pending"
    response = staff.boss.post(
        f"/api/v1/approvals/{queue[0]['id']}/approve", json={"comment": "Relief paid in full"}
    )
    assert response.status_code == 200, response.get_json()
    case = reload(case_id)
    assert (case.status, case.closure_reason, case.closed_at is not None) == (
        "closed",
        "completed",
        True,
    )
    history = staff.worker.get(f"/api/v1/cases/{case_id}/history").get_json()["items"]
    assert (history[-1]["event"], history[-1]["user"], history[-1]["to_status"]) == (
        "approve",
        staff.boss.user.username,
        "closed",
    )
    assert staff.boss.get("/api/v1/approvals").get_json()["items"] == []


@pytest.mark.parametrize("pending_from", ["registered", "verification", "active"])
def test_closure_rejected_sends_the_case_back_where_it_was(staff, pending_from):
    case_id = case_at(staff.worker.user, staff.boss.user, pending_from)
    move(staff.worker.user, case_id, "closure_pending")
    item = pending_item(case_id)
    missing = staff.boss.post(f"/api/v1/approvals/{item.id}/reject", json={"comment": ""})
    assert missing.status_code == 422
    assert "comment" in missing.get_json()["error"]["fields"]
    assert reload(case_id).status == "closure_pending"
    response = staff.boss.post(
        f"/api/v1/approvals/{item.id}/reject", json={"comment": "Verify the relief first"}
    )
    assert response.status_code == 200, response.get_json()
    case = reload(case_id)
    assert (case.status, case.closure_reason, case.closed_at) == (pending_from, None, None)
    assert count(Approval, Approval.status == "pending") == 0


def test_leaving_closure_pending_through_transitions_is_the_supervisors_decision(staff):
    case_id = case_at(staff.worker.user, staff.boss.user, "active")
    move(staff.worker.user, case_id, "closure_pending")
    other = post_move(staff.boss, case_id, "verification")
    assert other.status_code == 409
    assert other.get_json()["error"]["allowed"] == ["closed", "active"]
    assert post_move(staff.worker, case_id, "active").status_code == 403
    assert reload(case_id).status == "closure_pending"
    back = post_move(staff.boss, case_id, "active")
    assert back.status_code == 200, back.get_json()
    assert reload(case_id).status == "active"
    assert db.session.scalars(select(Approval)).one().status == "rejected"


def test_closure_approved_on_the_approvals_page(login_as):
    worker, boss = login_as("caseworker"), login_as("supervisor")
    case_id = case_at(worker.user, boss.user, "active")
    move(worker.user, case_id, "closure_pending")
    item = pending_item(case_id)
    html = boss.get("/approvals/").get_data(as_text=True)
    assert f'href="/cases/{case_id}"' in element(html, f"approval-{item.id}")
    url = f"/approvals/{item.id}/decide"
    response = boss.post(url, data=filled(form_at(html, url), comment="Done", decision="approve"))
    assert response.status_code == 302
    assert reload(case_id).status == "closed"


# --- verification -> active ------------------------------------------------------------------


def test_verification_to_active_needs_a_taskforce_reference_or_ward_recommendation(staff):
    case_id = case_at(staff.worker.user, staff.boss.user, "verification", taskforce_reference="")
    version, events = reload(case_id).version, count(CaseEvent)
    refused = post_move(staff.worker, case_id, "active")
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {"taskforce_reference": [VERIFY]}
    assert (reload(case_id).status, reload(case_id).version) == ("verification", version)
    assert count(CaseEvent) == events
    # The ward's recommendation is enough on its own.
    patched = staff.worker.patch(
        f"/api/v1/cases/{case_id}", json={"version": version, "ward_recommendation": True}
    )
    assert patched.status_code == 200, patched.get_json()
    assert post_move(staff.worker, case_id, "active").status_code == 200
    assert reload(case_id).status == "active"


def test_verification_to_active_with_a_taskforce_reference(staff):
    case_id = case_at(staff.worker.user, staff.boss.user, "verification", taskforce_reference="")
    version = reload(case_id).version
    patched = staff.worker.patch(
        f"/api/v1/cases/{case_id}", json={"version": version, "taskforce_reference": "TF-42"}
    )
    assert patched.status_code == 200
    assert post_move(staff.worker, case_id, "active").status_code == 200


def test_verification_rule_is_shown_on_the_case_page(login_as):
    worker, boss = login_as("caseworker"), login_as("supervisor")
    case_id = case_at(worker.user, boss.user, "verification", taskforce_reference="")
    url = f"/cases/{case_id}/transition"
    html = worker.get(f"/cases/{case_id}").get_data(as_text=True)
    response = worker.post(url, data=filled(form_at(html, url), to="active"))
    assert response.status_code == 422
    assert VERIFY in unescape(response.get_data(as_text=True))
    assert reload(case_id).status == "verification"


# --- extra sensitivity: torture and sexual violence -----------------------------------------

NOTE = "Held for nine days at the barracks; describes the interrogations."
SECRET_NOTE = "Named the officer in charge."


@pytest.fixture
def people(app, login_as):
    """Each person signed in on the pages (`.page`) and holding an API token (`.api`)."""

    def both(role: str, office: str = "KTM"):
        page = login_as(role, office)
        token = accounts.create_token(None, page.user, "tests")
        db.session.commit()
        return SimpleNamespace(
            page=page, api=ApiClient(app.test_client(), token, page.user), user=page.user
        )

    return SimpleNamespace(
        assigned=both("caseworker"),
        other=both("caseworker"),
        boss=both("supervisor"),
        admin=both("admin"),
        dmk_boss=both("supervisor", "DMK"),
    )


def open_story(people, categories: list[str], vulnerabilities=None) -> SimpleNamespace:
    """A person with sensitive vulnerabilities and a conflict case opened through the API."""
    b = person(
        vulnerabilities=vulnerabilities or ["disability", "torture_survivor", "gbv_survivor"]
    )
    response = people.assigned.api.post(
        "/api/v1/cases", json=api_payload(b.id, victim_categories=categories)
    )
    assert response.status_code == 201, response.get_json()
    case_id = response.get_json()["id"]
    case = reload(case_id)
    cases.add_note(people.assigned.user, case, NOTE)
    cases.add_note(people.assigned.user, case, SECRET_NOTE, confidential=True)
    db.session.commit()
    return SimpleNamespace(person_id=b.id, case_id=case_id)


@pytest.fixture(params=["torture", "sexual_violence"])
def story(request, people):
    opened = open_story(people, ["displaced", request.param])
    return SimpleNamespace(**vars(opened), category=request.param, label=LABELS[request.param])


def words_of(category: str) -> tuple[str, ...]:
    return ("torture",) if category == "torture" else ("sexual_violence", "sexual")


def test_assigned_caseworker_and_supervisor_see_categories_and_notes(people, story):
    for who in (people.assigned, people.boss):
        html = who.page.get(f"/cases/{story.case_id}").get_data(as_text=True)
        conflict = text(element(html, "conflict"))
        assert story.label in conflict and "Displaced" in conflict
        assert "Restricted" not in conflict
        assert NOTE in unescape(html) and SECRET_NOTE in unescape(html)
        body = who.api.get(f"/api/v1/cases/{story.case_id}").get_json()
        assert body["victim_categories"] == sorted(["displaced", story.category])
        assert body["restricted"] is False
        listed = who.api.get("/api/v1/cases").get_json()["items"]
        assert [c["victim_categories"] for c in listed] == [body["victim_categories"]]
        edit = who.page.get(f"/cases/{story.case_id}/edit").get_data(as_text=True)
        assert story.category in form_with(edit, "incident_date").getlist("victim_categories")


def test_admin_sees_the_case_but_not_why(people, story):
    html = people.admin.page.get(f"/cases/{story.case_id}").get_data(as_text=True)
    assert "Restricted" in text(element(html, "conflict"))
    for word in (story.label, "Displaced", NOTE, SECRET_NOTE, *words_of(story.category)):
        assert word.lower() not in unescape(html).lower(), word
    assert "The notes of this case are restricted." in unescape(html)
    assert "2001-06-15" in text(element(html, "conflict"))  # the rest of the case is shown
    body = people.admin.api.get(f"/api/v1/cases/{story.case_id}").get_json()
    assert (body["victim_categories"], body["restricted"]) == (None, True)
    assert body["incident_date"] == "2001-06-15"
    listed = people.admin.api.get("/api/v1/cases").get_json()["items"]
    assert [(c["id"], c["victim_categories"], c["restricted"]) for c in listed] == [
        (story.case_id, None, True)
    ]
    history = people.admin.api.get(f"/api/v1/cases/{story.case_id}/history")
    assert history.status_code == 200
    for word in words_of(story.category):
        assert word not in history.get_data(as_text=True).lower()


def test_history_and_audit_never_name_the_sensitive_category(people, story):
    worker = people.assigned
    # An edit on the page, a change of categories through the API, a move.
    edit_url = f"/cases/{story.case_id}/edit"
    form = form_with(worker.page.get(edit_url).get_data(as_text=True), "incident_date")
    response = worker.page.post(edit_url, data=filled(form, incident_date="2002-02-02"))
    assert response.status_code == 302
    version = reload(story.case_id).version
    patched = worker.api.patch(
        f"/api/v1/cases/{story.case_id}",
        json={"version": version, "victim_categories": [story.category, "abducted"]},
    )
    assert patched.status_code == 200, patched.get_json()
    assert post_move(worker.api, story.case_id, "verification").status_code == 200
    details = reload(story.case_id).conflict_details
    assert details.victim_categories == sorted([story.category, "abducted"])
    assert details.incident_date == date(2002, 2, 2)

    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == story.case_id).order_by(CaseEvent.id)
    ).all()
    assert [e.event for e in events] == [
        "open",
        "note",
        "note",
        "update",
        "update",
        "transition",
    ]
    assert events[0].changes["victim_categories"] == "restricted"
    assert events[4].changes["victim_categories"] == ["restricted", "restricted"]
    assert events[3].changes == {"incident_date": ["2001-06-15", "2002-02-02"]}
    audit = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "case", AuditEvent.object_id == str(story.case_id)
        )
    ).all()
    assert len(audit) == len(events)
    logged = json.dumps(
        [[e.changes, e.comment] for e in events] + [a.changes for a in audit]
    ).lower()
    for word in words_of(story.category):
        assert word not in logged
    assert "2002-02-02" in logged  # the rest of the change is logged


def test_another_caseworker_of_the_office_cannot_reach_the_case(people, story):
    other = people.other
    for url in (
        f"/cases/{story.case_id}",
        f"/cases/{story.case_id}/edit",
        f"/cases/{story.case_id}/referrals/new",
    ):
        assert other.page.get(url).status_code == 404, url
    for url in (f"/api/v1/cases/{story.case_id}", f"/api/v1/cases/{story.case_id}/history"):
        assert other.api.get(url).status_code == 404, url
    assert other.api.get("/api/v1/cases").get_json()["items"] == []
    number = reload(story.case_id).case_number
    assert number not in other.page.get("/cases/").get_data(as_text=True)
    # A supervisor of another office does not reach it either.
    assert people.dmk_boss.page.get(f"/cases/{story.case_id}").status_code == 404
    assert people.dmk_boss.api.get(f"/api/v1/cases/{story.case_id}").status_code == 404


def test_the_other_caseworker_sees_the_person_registered_but_not_the_story(people, story):
    url = f"/beneficiaries/{story.person_id}"
    name = db.session.get(Beneficiary, story.person_id).family_name
    # The other caseworker (and an admin) see the person, without the two vulnerabilities.
    for who in (people.other, people.admin):
        html = who.page.get(url).get_data(as_text=True)
        shown = shown_vulnerabilities(html)
        assert "Disability" in shown
        for label in HIDDEN_LABELS:
            assert label not in shown, (who.user.role, label)
        body = who.api.get(f"/api/v1/beneficiaries/{story.person_id}").get_json()
        assert body["vulnerabilities"] == ["disability"]
        for query in ({}, {"q": name}):  # a list, and a name search (another query)
            listed = who.api.get("/api/v1/beneficiaries", query_string=query).get_json()["items"]
            assert [(i["id"], i["vulnerabilities"]) for i in listed] == [
                (story.person_id, ["disability"])
            ]
    other_profile = people.other.page.get(url).get_data(as_text=True)
    assert "No cases you can see." in text(element(other_profile, "cases"))
    assert reload(story.case_id).case_number not in other_profile
    # Whom it concerns see everything.
    for who in (people.assigned, people.boss):
        shown = shown_vulnerabilities(who.page.get(url).get_data(as_text=True))
        for label in HIDDEN_LABELS:
            assert label in shown
        body = who.api.get(f"/api/v1/beneficiaries/{story.person_id}").get_json()
        assert set(body["vulnerabilities"]) == {"disability", *HIDDEN_VULNERABILITIES}
        for query in ({}, {"q": name}):
            listed = who.api.get("/api/v1/beneficiaries", query_string=query).get_json()["items"]
            assert set(listed[0]["vulnerabilities"]) == {"disability", *HIDDEN_VULNERABILITIES}


def test_the_other_caseworker_editing_the_profile_page_keeps_the_hidden_vulnerabilities(
    people, story
):
    other = people.other.page
    url = f"/beneficiaries/{story.person_id}/edit"
    html = other.get(url).get_data(as_text=True)
    form = form_with(html, "given_name")
    assert form.getlist("vulnerabilities") == ["disability"]  # the hidden ones are not ticked
    assert "torture_survivor" not in form.getlist("vulnerabilities")
    # They untick disability, tick psychosocial distress and correct the phone.
    response = other.post(
        url, data=filled(form, vulnerabilities=["psychosocial"], phone="9841000111")
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert stored_vulnerabilities(story.person_id) == {"psychosocial", *HIDDEN_VULNERABILITIES}
    assert db.session.get(Beneficiary, story.person_id).phone == "+9779841000111"
    shown = shown_vulnerabilities(
        other.get(f"/beneficiaries/{story.person_id}").get_data(as_text=True)
    )
    assert "Psychosocial distress" in shown
    assert not any(label in shown for label in HIDDEN_LABELS)
    assigned = people.assigned.page.get(f"/beneficiaries/{story.person_id}").get_data(as_text=True)
    assert all(label in shown_vulnerabilities(assigned) for label in HIDDEN_LABELS)


@pytest.mark.parametrize("sent", [["psychosocial"], []])
def test_the_other_caseworker_patching_vulnerabilities_keeps_the_hidden_ones(people, story, sent):
    api = people.other.api
    url = f"/api/v1/beneficiaries/{story.person_id}"
    version = api.get(url).get_json()["version"]
    response = api.patch(url, json={"version": version, "vulnerabilities": sent})
    assert response.status_code == 200, response.get_json()
    assert stored_vulnerabilities(story.person_id) == {*sent, *HIDDEN_VULNERABILITIES}
    assert api.get(url).get_json()["vulnerabilities"] == sent
    seen = people.assigned.api.get(url).get_json()["vulnerabilities"]
    assert set(seen) == {*sent, *HIDDEN_VULNERABILITIES}


def test_a_hidden_vulnerability_sent_again_by_the_other_caseworker_is_stored_once(people, story):
    api = people.other.api
    url = f"/api/v1/beneficiaries/{story.person_id}"
    version = api.get(url).get_json()["version"]
    sent = ["disability", "torture_survivor"]  # the person told them too
    assert api.patch(url, json={"version": version, "vulnerabilities": sent}).status_code == 200
    db.session.expire_all()
    stored = db.session.get(Beneficiary, story.person_id).vulnerabilities
    assert sorted(stored) == sorted({"disability", *HIDDEN_VULNERABILITIES})


def test_the_other_caseworker_saving_the_profile_unchanged_changes_nothing(people):
    # Stored in the order of the form's boxes, as a registration on the page stores them.
    story = open_story(
        people, ["torture"], vulnerabilities=["gbv_survivor", "torture_survivor", "psychosocial"]
    )
    url = f"/beneficiaries/{story.person_id}/edit"
    html = people.other.page.get(url).get_data(as_text=True)
    version, audited = db.session.get(Beneficiary, story.person_id).version, count(AuditEvent)
    response = people.other.page.post(url, data=form_with(html, "given_name"))
    assert response.status_code == 302
    assert stored_vulnerabilities(story.person_id) == {"psychosocial", *HIDDEN_VULNERABILITIES}
    assert db.session.get(Beneficiary, story.person_id).version == version
    assert count(AuditEvent) == audited


def test_the_assigned_caseworker_may_remove_a_sensitive_vulnerability(people, story):
    api = people.assigned.api
    url = f"/api/v1/beneficiaries/{story.person_id}"
    version = api.get(url).get_json()["version"]
    response = api.patch(url, json={"version": version, "vulnerabilities": ["gbv_survivor"]})
    assert response.status_code == 200
    assert stored_vulnerabilities(story.person_id) == {"gbv_survivor"}


def test_the_patch_answer_shows_the_new_vulnerabilities(people, story):
    api = people.other.api
    url = f"/api/v1/beneficiaries/{story.person_id}"
    version = api.get(url).get_json()["version"]
    response = api.patch(url, json={"version": version, "vulnerabilities": ["psychosocial"]})
    assert response.status_code == 200
    assert response.get_json()["vulnerabilities"] == ["psychosocial"]


# --- categories that are not extra-sensitive ------------------------------------------------


def test_other_categories_are_not_restricted(people):
    opened = open_story(people, ["displaced", "injured_disabled"])
    html = people.admin.page.get(f"/cases/{opened.case_id}").get_data(as_text=True)
    conflict = text(element(html, "conflict"))
    assert "Displaced" in conflict and "Injured or disabled" in conflict
    assert "Restricted" not in conflict
    assert NOTE in unescape(html)  # an admin reads the ordinary notes...
    assert SECRET_NOTE not in unescape(html)  # ...not the confidential ones
    body = people.admin.api.get(f"/api/v1/cases/{opened.case_id}").get_json()
    assert (body["victim_categories"], body["restricted"]) == (
        ["displaced", "injured_disabled"],
        False,
    )
    opened_event = db.session.scalars(select(CaseEvent).where(CaseEvent.event == "open")).one()
    assert opened_event.changes["victim_categories"] == ["displaced", "injured_disabled"]
    # Nothing tells the story, so the vulnerabilities are not hidden from the other caseworker.
    seen = people.other.api.get(f"/api/v1/beneficiaries/{opened.person_id}").get_json()
    assert set(seen["vulnerabilities"]) == {"disability", *HIDDEN_VULNERABILITIES}
    # The case is still the assigned caseworker's: the other one does not see it.
    assert people.other.api.get(f"/api/v1/cases/{opened.case_id}").status_code == 404


def test_adding_and_removing_torture_turns_the_restriction_on_and_off(people):
    opened = open_story(people, ["displaced"])
    url = f"/api/v1/cases/{opened.case_id}"
    person_url = f"/api/v1/beneficiaries/{opened.person_id}"

    def patch(categories):
        version = reload(opened.case_id).version
        response = people.assigned.api.patch(
            url, json={"version": version, "victim_categories": categories}
        )
        assert response.status_code == 200, response.get_json()

    assert people.admin.api.get(url).get_json()["restricted"] is False
    patch(["displaced", "torture"])
    assert reload(opened.case_id).conflict_details.sensitive is True
    assert people.admin.api.get(url).get_json()["restricted"] is True
    assert people.other.api.get(person_url).get_json()["vulnerabilities"] == ["disability"]
    patch(["displaced"])
    assert reload(opened.case_id).conflict_details.sensitive is False
    assert people.admin.api.get(url).get_json()["victim_categories"] == ["displaced"]
    seen = people.other.api.get(person_url).get_json()["vulnerabilities"]
    assert set(seen) == {"disability", *HIDDEN_VULNERABILITIES}
    changes = [
        e.changes["victim_categories"]
        for e in db.session.scalars(
            select(CaseEvent).where(CaseEvent.event == "update").order_by(CaseEvent.id)
        )
    ]
    assert changes == [["restricted", "restricted"], ["restricted", "restricted"]]
