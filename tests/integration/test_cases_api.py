"""/api/v1/cases, its transitions and history, and /api/v1/approvals, as a client sees them.

DESIGN.md (Access, Contracts) and issue 3: a caseworker sees the cases assigned to them, a
supervisor the office's, an admin all of them, a partner none; out of scope is 404, a role
that may not act is 403; the transition table answers 409 naming the allowed statuses;
leaving a *_pending status is a supervisor's decision, four eyes, with a comment.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models import Approval, AuditEvent, Case, CaseEvent, User
from casework.services import reintegration
from tests.factories import BeneficiaryFactory

TODAY = date.today()
CONTRACT_FIELDS = {
    "id",
    "case_number",
    "kind",
    "status",
    "beneficiary_id",
    "office",
    "assigned_to",
    "version",
    "opened_at",
    "host_country",
    "return_date",
    "return_reason",
}

TABLE = {
    "registered": ["assessment", "closure_pending"],
    "assessment": ["plan_pending", "closure_pending"],
    "plan_pending": ["assistance", "assessment"],
    "assistance": ["monitoring", "closure_pending"],
    "monitoring": ["assistance", "closure_pending"],
    "closure_pending": ["closed", "registered", "assessment", "assistance", "monitoring"],
    "closed": [],
}
STATUSES = list(TABLE)
MAIN_PATH = ["registered", "assessment", "plan_pending", "assistance", "monitoring"]
PLAN_BUDGET = 50_000


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture
def team(api_as):
    """A caseworker and a supervisor of Kathmandu, and a beneficiary of their office."""
    worker = api_as("caseworker", office="KTM")
    boss = api_as("supervisor", office="KTM")
    person = BeneficiaryFactory(office_code="KTM")
    db.session.commit()
    return SimpleNamespace(worker=worker, boss=boss, person=person, person_id=person.id)


def body(person_id: int, **overrides) -> dict:
    data = {
        "kind": "return_reintegration",
        "beneficiary_id": person_id,
        "host_country": "QA",
        "return_date": (TODAY - timedelta(days=20)).isoformat(),
        "return_reason": "abuse_exploitation",
        "arrival_help": ["reception", "medical"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def error(response, status: int) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


def open_case(client, person_id: int, **overrides) -> dict:
    return ok(client.post("/api/v1/cases", json=body(person_id, **overrides)), 201)


def move(client, case: dict, to: str, **extra):
    return client.post(
        f"/api/v1/cases/{case['id']}/transitions",
        json={"to": to, "version": case["version"], **extra},
    )


def fetch(client, case: dict) -> dict:
    return ok(client.get(f"/api/v1/cases/{case['id']}"))


def write_plan(case: dict, user) -> None:
    reintegration.save_plan(
        db.session.get(User, user.id),
        db.session.get(Case, case["id"]),
        "Start a poultry business",
        [{"assistance_type": "business_grant", "budget_npr": PLAN_BUDGET}],
    )
    db.session.commit()


def deliver(case: dict, user, amount: int = 10_000) -> None:
    reintegration.record_delivery(
        db.session.get(User, user.id),
        db.session.get(Case, case["id"]),
        {
            "assistance_type": "business_grant",
            "amount_npr": amount,
            "delivered_on": TODAY,
            "delivered_by": "IOM Kathmandu",
        },
    )
    db.session.commit()


def step(team, case: dict, to: str) -> dict:
    """One step along the main path, doing what the step needs first."""
    if to == "plan_pending":
        write_plan(case, team.worker.user)
    if to == "monitoring":
        deliver(case, team.worker.user)
    case = fetch(team.worker, case) if to in ("plan_pending", "monitoring") else case
    if to == "assistance":  # the supervisor approves the plan
        return ok(move(team.boss, case, to, comment="good plan"))
    return ok(move(team.worker, case, to, comment=f"to {to}"))


def case_in(team, status: str, *, before_closure: str = "assessment") -> dict:
    """A new case of the team's caseworker brought to `status` the ordinary way."""
    case = open_case(team.worker, team.person_id)
    closing = status in ("closure_pending", "closed")
    last = before_closure if closing else status
    for to in MAIN_PATH[1 : MAIN_PATH.index(last) + 1]:
        case = step(team, case, to)
    if closing:
        case = ok(move(team.worker, case, "closure_pending", closure_reason="completed"))
    if status == "closed":
        case = ok(move(team.boss, case, "closed", comment="agreed"))
    assert case["status"] == status
    return case


def pending_approvals(case_id: int) -> list[Approval]:
    stmt = select(Approval).where(Approval.case_id == case_id, Approval.status == "pending")
    return list(db.session.scalars(stmt))


def history(client, case: dict) -> list[dict]:
    return ok(client.get(f"/api/v1/cases/{case['id']}/history"))["items"]


def case_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Case))


# --- opening a case -----------------------------------------------------------------------


def test_open_a_case_returns_the_contract_fields(team):
    response = team.worker.post("/api/v1/cases", json=body(team.person_id))
    case = ok(response, 201)
    assert set(case) >= CONTRACT_FIELDS
    assert re.fullmatch(r"KTM-RR-\d{4}-\d{5}", case["case_number"])
    assert case["case_number"].startswith(f"KTM-RR-{TODAY.year}-")
    assert case["kind"] == "return_reintegration"
    assert case["status"] == "registered"
    assert case["beneficiary_id"] == team.person_id
    assert case["office"] == "KTM"
    assert case["assigned_to"] == team.worker.user.username
    assert case["host_country"] == "QA"
    assert case["return_date"] == (TODAY - timedelta(days=20)).isoformat()
    assert case["return_reason"] == "abuse_exploitation"
    assert case["arrival_help"] == ["reception", "medical"]
    # what GET answers is what POST answered
    assert {k: v for k, v in fetch(team.worker, case).items() if k in CONTRACT_FIELDS} == {
        k: v for k, v in case.items() if k in CONTRACT_FIELDS
    }
    stored = db.session.get(Case, case["id"])
    assert stored.return_details.host_country == "QA"
    assert stored.assigned_to_id == team.worker.user.id
    opened = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.open").order_by(AuditEvent.id)
    ).all()
    assert [e.object_id for e in opened] == [str(case["id"])]


def test_country_code_is_accepted_in_lower_case(team):
    case = open_case(team.worker, team.person_id, host_country="sa")
    assert case["host_country"] == "SA"


def test_case_numbers_count_per_office(team, api_as):
    first = open_case(team.worker, team.person_id)
    second = open_case(team.worker, team.person_id)
    assert first["case_number"] == f"KTM-RR-{TODAY.year}-00001"
    assert second["case_number"] == f"KTM-RR-{TODAY.year}-00002"
    damak = api_as("caseworker", office="DMK")
    dmk_person = BeneficiaryFactory(office_code="DMK")
    db.session.commit()
    other = open_case(damak, dmk_person.id)
    assert other["case_number"] == f"DMK-RR-{TODAY.year}-00001"
    assert other["office"] == "DMK"


def test_supervisor_opens_a_case_for_a_caseworker(team):
    case = open_case(team.boss, team.person_id, assigned_to=team.worker.user.username)
    assert case["assigned_to"] == team.worker.user.username
    assert fetch(team.worker, case)["id"] == case["id"]


def test_caseworker_cannot_open_a_case_for_someone_else(team, make_user):
    colleague = make_user("caseworker", "KTM")
    response = team.worker.post(
        "/api/v1/cases", json=body(team.person_id, assigned_to=colleague.username)
    )
    assert error(response, 403)["code"] == "forbidden"
    assert case_count() == 0


BAD_OPENINGS = [
    ("return_date", {"return_date": (TODAY + timedelta(days=1)).isoformat()}),
    ("return_date", {"return_date": "2026-02-30"}),
    ("host_country", {"host_country": "NP"}),
    ("host_country", {"host_country": "np"}),
    ("host_country", {"host_country": "XX"}),
    ("host_country", {"host_country": "QAT"}),
    ("host_country", {"host_country": ""}),
    ("return_reason", {"return_reason": "bored"}),
    ("arrival_help", {"arrival_help": ["reception", "teleport"]}),
    ("kind", {"kind": "space_travel"}),
    ("beneficiary_id", {"beneficiary_id": 987_654}),
]


@pytest.mark.parametrize(
    ("field", "overrides"), BAD_OPENINGS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_OPENINGS)]
)
def test_bad_opening_is_422_naming_the_field(team, field, overrides):
    response = team.worker.post("/api/v1/cases", json=body(team.person_id, **overrides))
    err = error(response, 422)
    assert err["code"] == "invalid"
    assert field in err["fields"], err
    assert case_count() == 0


def test_beneficiary_of_another_office_is_422(team):
    elsewhere = BeneficiaryFactory(office_code="DMK")
    db.session.commit()
    response = team.worker.post("/api/v1/cases", json=body(elsewhere.id))
    err = error(response, 422)
    assert list(err["fields"]) == ["beneficiary_id"]
    assert case_count() == 0


@pytest.mark.parametrize(
    "missing", ["kind", "beneficiary_id", "host_country", "return_date", "return_reason"]
)
def test_missing_field_is_422_naming_it(team, missing):
    data = body(team.person_id)
    del data[missing]
    err = error(team.worker.post("/api/v1/cases", json=data), 422)
    assert missing in err["fields"], err
    assert case_count() == 0


def test_admin_and_partner_cannot_open_cases(team, api_as):
    for role in ("admin", "partner"):
        client = api_as(role, office="KTM")
        response = client.post("/api/v1/cases", json=body(team.person_id))
        assert error(response, 403)["code"] == "forbidden"
    assert case_count() == 0


# --- lists and reading ------------------------------------------------------------------


def test_list_is_scoped_to_the_caller(team, api_as):
    colleague = api_as("caseworker", office="KTM")
    mine = open_case(team.worker, team.person_id)
    theirs = open_case(colleague, team.person_id)
    damak = api_as("caseworker", office="DMK")
    dmk_person = BeneficiaryFactory(office_code="DMK")
    db.session.commit()
    far = open_case(damak, dmk_person.id)

    def ids(client):
        listing = ok(client.get("/api/v1/cases"))
        assert listing["total"] == len(listing["items"])
        assert listing["page"] == 1
        return {item["id"] for item in listing["items"]}

    assert ids(team.worker) == {mine["id"]}
    assert ids(colleague) == {theirs["id"]}
    assert ids(team.boss) == {mine["id"], theirs["id"]}
    assert ids(api_as("supervisor", office="DMK")) == {far["id"]}
    assert ids(api_as("admin", office="KTM")) == {mine["id"], theirs["id"], far["id"]}
    partner = api_as("partner", office="KTM")
    assert error(partner.get("/api/v1/cases"), 403)["code"] == "forbidden"
    assert error(partner.get(f"/api/v1/cases/{mine['id']}"), 403)["code"] == "forbidden"


def test_list_filters_by_status(team):
    registered = open_case(team.worker, team.person_id)
    assessed = ok(move(team.worker, open_case(team.worker, team.person_id), "assessment"))
    listing = ok(team.boss.get("/api/v1/cases?status=assessment"))
    assert [c["id"] for c in listing["items"]] == [assessed["id"]]
    listing = ok(team.boss.get("/api/v1/cases?status=registered&kind=return_reintegration"))
    assert [c["id"] for c in listing["items"]] == [registered["id"]]
    err = error(team.boss.get("/api/v1/cases?status=lost"), 422)
    assert "status" in err["fields"]


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
def test_case_of_another_office_is_404(team, api_as, role):
    case = open_case(team.worker, team.person_id)
    stranger = api_as(role, office="DMK")
    assert error(stranger.get(f"/api/v1/cases/{case['id']}"), 404)["code"] == "not_found"
    assert stranger.get(f"/api/v1/cases/{case['id']}/history").status_code == 404
    assert move(stranger, case, "assessment").status_code == 404
    patch = stranger.patch(
        f"/api/v1/cases/{case['id']}", json={"version": case["version"], "host_country": "SA"}
    )
    assert patch.status_code == 404
    assert fetch(team.worker, case)["version"] == case["version"]


def test_caseworker_cannot_read_a_colleagues_case(team, api_as):
    colleague = api_as("caseworker", office="KTM")
    case = open_case(team.worker, team.person_id)
    assert error(colleague.get(f"/api/v1/cases/{case['id']}"), 404)["code"] == "not_found"
    assert colleague.get(f"/api/v1/cases/{case['id']}/history").status_code == 404
    assert move(colleague, case, "assessment").status_code == 404
    assert fetch(team.worker, case)["status"] == "registered"


def test_unknown_case_is_404(team):
    assert team.boss.get("/api/v1/cases/999999").status_code == 404


def test_admin_reads_but_cannot_transition_or_approve(team, api_as):
    admin = api_as("admin", office="KTM")
    case = case_in(team, "assessment")
    assert fetch(admin, case)["id"] == case["id"]
    assert len(history(admin, case)) == 2
    refused = move(admin, case, "closure_pending", closure_reason="withdrew")
    assert error(refused, 403)["code"] == "forbidden"
    write_plan(case, team.worker.user)
    case = ok(move(team.worker, case, "plan_pending"))
    assert error(move(admin, case, "assistance", comment="fine"), 403)["code"] == "forbidden"
    approval = pending_approvals(case["id"])[0]
    response = admin.post(f"/api/v1/approvals/{approval.id}/approve", json={"comment": "ok"})
    assert error(response, 403)["code"] == "forbidden"
    assert error(admin.get("/api/v1/approvals"), 403)["code"] == "forbidden"
    assert fetch(admin, case)["status"] == "plan_pending"
    assert len(pending_approvals(case["id"])) == 1


# --- the transition table over the API --------------------------------------------------

ALLOWED = [(f, t) for f, targets in TABLE.items() for t in targets]


@pytest.mark.parametrize(
    ("from_status", "to_status"), ALLOWED, ids=[f"{f}->{t}" for f, t in ALLOWED]
)
def test_every_allowed_transition_works(team, from_status, to_status):
    if from_status == "closure_pending":
        # approval closes; rejection goes back to where the case was
        origin = "assessment" if to_status == "closed" else to_status
        case = case_in(team, "closure_pending", before_closure=origin)
    else:
        case = case_in(team, from_status)
    extra = {"comment": "because"}
    if (from_status, to_status) == ("assessment", "plan_pending"):
        write_plan(case, team.worker.user)
    if (from_status, to_status) == ("assistance", "monitoring"):
        deliver(case, team.worker.user)
    if to_status == "closure_pending":
        extra["closure_reason"] = "withdrew"
    case = fetch(team.worker, case)
    mover = team.boss if from_status in ("plan_pending", "closure_pending") else team.worker
    moved = ok(move(mover, case, to_status, **extra))
    assert moved["status"] == to_status
    assert moved["version"] > case["version"]
    assert fetch(team.boss, case)["status"] == to_status
    last = history(team.boss, case)[-1]
    assert (last["from_status"], last["to_status"]) == (from_status, to_status)
    assert last["user"] == mover.user.username
    assert last["comment"] == "because"


# Forbidden moves from statuses a caseworker moves out of (the pending ones are below).
FORBIDDEN = [
    (f, t)
    for f in STATUSES
    if f not in ("plan_pending", "closure_pending")
    for t in [*STATUSES, "bogus"]
    if t not in TABLE[f]
]


@pytest.mark.parametrize(
    ("from_status", "to_status"), FORBIDDEN, ids=[f"{f}->{t}" for f, t in FORBIDDEN]
)
def test_every_forbidden_transition_is_409_naming_the_allowed(team, from_status, to_status):
    case = case_in(team, from_status)
    events_before = len(history(team.worker, case))
    err = error(move(team.worker, case, to_status, closure_reason="withdrew"), 409)
    assert err["code"] == "transition_not_allowed"
    assert err["allowed"] == TABLE[from_status]
    assert to_status in err["message"]
    after = fetch(team.boss, case)
    assert (after["status"], after["version"]) == (from_status, case["version"])
    assert len(history(team.boss, case)) == events_before


PENDING_FORBIDDEN = [
    ("plan_pending", "assessment", t) for t in STATUSES if t not in ("assistance", "assessment")
] + [("closure_pending", "assistance", t) for t in STATUSES if t not in ("closed", "assistance")]


@pytest.mark.parametrize(
    ("pending", "origin", "to_status"),
    PENDING_FORBIDDEN,
    ids=[f"{p}->{t}" for p, _, t in PENDING_FORBIDDEN],
)
def test_supervisor_leaving_pending_elsewhere_is_409(team, pending, origin, to_status):
    case = case_in(team, pending, before_closure=origin)
    on_approve = "assistance" if pending == "plan_pending" else "closed"
    err = error(move(team.boss, case, to_status, comment="no"), 409)
    assert err["code"] == "transition_not_allowed"
    assert err["allowed"] == [on_approve, origin]
    assert fetch(team.boss, case)["status"] == pending
    assert len(pending_approvals(case["id"])) == 1


@pytest.mark.parametrize("pending", ["plan_pending", "closure_pending"])
def test_caseworker_cannot_leave_a_pending_status(team, pending):
    case = case_in(team, pending)
    for to in ["assistance", "assessment", "closed", "monitoring"]:
        err = error(move(team.worker, case, to, comment="please"), 403)
        assert err["code"] == "forbidden"
    after = fetch(team.worker, case)
    assert (after["status"], after["version"]) == (pending, case["version"])
    assert len(pending_approvals(case["id"])) == 1


@pytest.mark.parametrize(
    ("pending", "to_status", "decision", "expected_status"),
    [
        ("plan_pending", "assistance", "approved", "assistance"),
        ("plan_pending", "assessment", "rejected", "assessment"),
        ("closure_pending", "closed", "approved", "closed"),
        ("closure_pending", "assessment", "rejected", "assessment"),
    ],
)
def test_supervisor_transition_out_of_pending_decides_the_approval(
    team, pending, to_status, decision, expected_status
):
    case = case_in(team, pending)
    approval = pending_approvals(case["id"])[0]
    moved = ok(move(team.boss, case, to_status, comment="decided"))
    assert moved["status"] == expected_status
    db.session.expire_all()
    approval = db.session.get(Approval, approval.id)
    assert approval.status == decision
    assert approval.decided_by_id == team.boss.user.id
    assert approval.decision_comment == "decided"
    assert approval.decided_at is not None
    assert pending_approvals(case["id"]) == []
    assert ok(team.boss.get("/api/v1/approvals"))["items"] == []


def test_supervisor_decision_by_transition_needs_a_comment(team):
    case = case_in(team, "plan_pending")
    err = error(move(team.boss, case, "assistance"), 422)
    assert "comment" in err["fields"]
    assert fetch(team.boss, case)["status"] == "plan_pending"
    assert len(pending_approvals(case["id"])) == 1


# --- stale versions -----------------------------------------------------------------------


def test_stale_version_on_a_transition_is_409(team):
    case = open_case(team.worker, team.person_id)
    ok(move(team.worker, case, "assessment"))
    err = error(move(team.worker, case, "closure_pending", closure_reason="withdrew"), 409)
    assert err["code"] == "stale_version"
    assert fetch(team.worker, case)["status"] == "assessment"


def test_stale_version_on_a_pending_decision_is_409(team):
    case = case_in(team, "plan_pending")
    ok(
        team.boss.patch(
            f"/api/v1/cases/{case['id']}",
            json={"version": case["version"], "return_reason": "stranded"},
        )
    )
    err = error(move(team.boss, case, "assistance", comment="fine"), 409)
    assert err["code"] == "stale_version"
    assert fetch(team.boss, case)["status"] == "plan_pending"
    assert len(pending_approvals(case["id"])) == 1


def test_stale_version_on_patch_is_409_and_keeps_the_first_edit(team):
    case = open_case(team.worker, team.person_id)
    url = f"/api/v1/cases/{case['id']}"
    ok(team.worker.patch(url, json={"version": case["version"], "host_country": "SA"}))
    err = error(team.boss.patch(url, json={"version": case["version"], "host_country": "MY"}), 409)
    assert err["code"] == "stale_version"
    assert fetch(team.worker, case)["host_country"] == "SA"


def test_stale_version_on_reassignment_is_409(team, make_user):
    colleague = make_user("caseworker", "KTM")
    case = open_case(team.worker, team.person_id)
    ok(move(team.worker, case, "assessment"))
    url = f"/api/v1/cases/{case['id']}"
    response = team.boss.patch(
        url, json={"version": case["version"], "assigned_to": colleague.username}
    )
    assert error(response, 409)["code"] == "stale_version"
    assert fetch(team.worker, case)["assigned_to"] == team.worker.user.username


# --- the approvals queue ------------------------------------------------------------------


def test_approvals_list_shows_own_office_items(team, api_as):
    case = case_in(team, "plan_pending")
    damak = api_as("caseworker", office="DMK")
    damak_boss = api_as("supervisor", office="DMK")
    dmk_person = BeneficiaryFactory(office_code="DMK")
    db.session.commit()
    far = ok(
        move(
            damak,
            open_case(damak, dmk_person.id),
            "closure_pending",
            closure_reason="lost_contact",
            comment="gone",
        )
    )

    listing = ok(team.boss.get("/api/v1/approvals"))
    assert listing["total"] == 1
    [item] = listing["items"]
    assert item["type"] == "reintegration_plan"
    assert item["subject_id"] == case["id"]
    assert item["requested_by"] == team.worker.user.username
    requested = datetime.fromisoformat(item["requested_at"])
    assert abs(datetime.now(UTC) - requested) < timedelta(minutes=5)

    [other] = ok(damak_boss.get("/api/v1/approvals"))["items"]
    assert other["type"] == "case_closure"
    assert other["subject_id"] == far["id"]
    assert other["requested_by"] == damak.user.username
    assert other["comment"] == "gone"


def test_caseworker_cannot_see_or_decide_approvals(team):
    case = case_in(team, "plan_pending")
    approval = pending_approvals(case["id"])[0]
    assert error(team.worker.get("/api/v1/approvals"), 403)["code"] == "forbidden"
    for action in ("approve", "reject"):
        response = team.worker.post(
            f"/api/v1/approvals/{approval.id}/{action}", json={"comment": "mine"}
        )
        assert error(response, 403)["code"] == "forbidden"
    assert fetch(team.worker, case)["status"] == "plan_pending"
    assert len(pending_approvals(case["id"])) == 1


def test_approve_a_plan_with_a_comment(team):
    case = case_in(team, "plan_pending")
    [item] = ok(team.boss.get("/api/v1/approvals"))["items"]
    decided = ok(
        team.boss.post(f"/api/v1/approvals/{item['id']}/approve", json={"comment": "good plan"})
    )
    assert decided["id"] == item["id"]
    after = fetch(team.worker, case)
    assert after["status"] == "assistance"
    assert db.session.get(Case, case["id"]).return_details.approved_budget_npr == PLAN_BUDGET
    last = history(team.worker, case)[-1]
    assert (last["event"], last["from_status"], last["to_status"]) == (
        "approve",
        "plan_pending",
        "assistance",
    )
    assert (last["user"], last["comment"]) == (team.boss.user.username, "good plan")
    assert ok(team.boss.get("/api/v1/approvals"))["items"] == []


def test_reject_a_plan_returns_to_assessment(team):
    case = case_in(team, "plan_pending")
    [item] = ok(team.boss.get("/api/v1/approvals"))["items"]
    ok(team.boss.post(f"/api/v1/approvals/{item['id']}/reject", json={"comment": "too vague"}))
    after = fetch(team.worker, case)
    assert after["status"] == "assessment"
    stored = db.session.get(Case, case["id"])
    assert stored.return_details.approved_budget_npr == 0
    assert stored.pending_from is None
    last = history(team.worker, case)[-1]
    assert (last["event"], last["to_status"], last["comment"]) == (
        "reject",
        "assessment",
        "too vague",
    )
    # the plan can be changed and sent again
    write_plan(case, team.worker.user)
    assert ok(move(team.worker, after, "plan_pending"))["status"] == "plan_pending"


@pytest.mark.parametrize("origin", ["registered", "assessment", "assistance", "monitoring"])
def test_rejected_closure_returns_where_the_case_was(team, origin):
    case = case_in(team, "closure_pending", before_closure=origin)
    assert case["closure_reason"] == "completed"
    [item] = ok(team.boss.get("/api/v1/approvals"))["items"]
    assert item["type"] == "case_closure"
    ok(team.boss.post(f"/api/v1/approvals/{item['id']}/reject", json={"comment": "not yet"}))
    after = fetch(team.worker, case)
    assert after["status"] == origin
    assert after["closure_reason"] is None
    assert after["closed_at"] is None
    assert db.session.get(Case, case["id"]).closure_reason is None


def test_approved_closure_closes_the_case(team):
    case = case_in(team, "closure_pending")
    [item] = ok(team.boss.get("/api/v1/approvals"))["items"]
    ok(team.boss.post(f"/api/v1/approvals/{item['id']}/approve", json={"comment": "done"}))
    after = fetch(team.worker, case)
    assert after["status"] == "closed"
    assert after["closure_reason"] == "completed"
    assert after["closed_at"] is not None
    # a closed case is no longer edited
    url = f"/api/v1/cases/{case['id']}"
    response = team.worker.patch(url, json={"version": after["version"], "host_country": "SA"})
    assert error(response, 403)["code"] == "forbidden"
    assert fetch(team.worker, case)["host_country"] == "QA"


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize("payload", [{}, {"comment": ""}, {"comment": "   "}])
def test_decision_without_comment_is_422(team, action, payload):
    case = case_in(team, "plan_pending")
    approval = pending_approvals(case["id"])[0]
    response = team.boss.post(f"/api/v1/approvals/{approval.id}/{action}", json=payload)
    err = error(response, 422)
    assert "comment" in err["fields"]
    assert fetch(team.boss, case)["status"] == "plan_pending"
    assert len(pending_approvals(case["id"])) == 1


def test_already_decided_is_409(team):
    case = case_in(team, "plan_pending")
    approval_id = pending_approvals(case["id"])[0].id
    ok(team.boss.post(f"/api/v1/approvals/{approval_id}/approve", json={"comment": "yes"}))
    for action in ("approve", "reject"):
        response = team.boss.post(
            f"/api/v1/approvals/{approval_id}/{action}", json={"comment": "again"}
        )
        assert error(response, 409)["code"] == "conflict"
    assert fetch(team.boss, case)["status"] == "assistance"
    assert db.session.get(Approval, approval_id).decision_comment == "yes"


def test_supervisor_of_the_other_office_gets_404(team, api_as):
    case = case_in(team, "plan_pending")
    approval_id = pending_approvals(case["id"])[0].id
    stranger = api_as("supervisor", office="DMK")
    for action in ("approve", "reject"):
        response = stranger.post(f"/api/v1/approvals/{approval_id}/{action}", json={"comment": "x"})
        assert error(response, 404)["code"] == "not_found"
    assert ok(stranger.get("/api/v1/approvals"))["items"] == []
    assert fetch(team.boss, case)["status"] == "plan_pending"


def test_unknown_approval_is_404(team):
    response = team.boss.post("/api/v1/approvals/999999/approve", json={"comment": "x"})
    assert error(response, 404)["code"] == "not_found"


def test_four_eyes_the_requester_cannot_decide(team, api_as):
    """A supervisor who sent the plan for approval needs another supervisor to decide it."""
    case = open_case(team.boss, team.person_id)
    case = ok(move(team.boss, case, "assessment"))
    write_plan(case, team.boss.user)
    case = ok(move(team.boss, case, "plan_pending", comment="my plan"))
    approval_id = pending_approvals(case["id"])[0].id
    for action in ("approve", "reject"):
        response = team.boss.post(
            f"/api/v1/approvals/{approval_id}/{action}", json={"comment": "ok"}
        )
        assert error(response, 403)["code"] == "forbidden"
    assert error(move(team.boss, case, "assistance", comment="ok"), 403)["code"] == "forbidden"
    assert fetch(team.boss, case)["status"] == "plan_pending"
    other = api_as("supervisor", office="KTM")
    ok(other.post(f"/api/v1/approvals/{approval_id}/approve", json={"comment": "checked"}))
    assert fetch(team.boss, case)["status"] == "assistance"


# --- entry rules ----------------------------------------------------------------------------


def test_plan_pending_without_a_plan_is_422(team):
    case = case_in(team, "assessment")
    err = error(move(team.worker, case, "plan_pending"), 422)
    assert set(err["fields"]) == {"plan_goals", "plan_items"}
    reintegration.save_plan(
        db.session.get(User, team.worker.user.id), db.session.get(Case, case["id"]), "Goals", []
    )
    db.session.commit()
    err = error(move(team.worker, case, "plan_pending"), 422)
    assert set(err["fields"]) == {"plan_items"}
    assert fetch(team.worker, case)["status"] == "assessment"
    assert pending_approvals(case["id"]) == []


@pytest.mark.parametrize("reason", [None, "bored"])
def test_closure_without_a_reason_is_422(team, reason):
    case = open_case(team.worker, team.person_id)
    extra = {"closure_reason": reason} if reason else {}
    err = error(move(team.worker, case, "closure_pending", **extra), 422)
    assert "closure_reason" in err["fields"]
    after = fetch(team.worker, case)
    assert (after["status"], after["closure_reason"]) == ("registered", None)
    assert pending_approvals(case["id"]) == []


def test_monitoring_before_any_assistance_is_422(team):
    case = case_in(team, "assistance")
    err = error(move(team.worker, case, "monitoring"), 422)
    assert "to" in err["fields"]
    assert fetch(team.worker, case)["status"] == "assistance"


# --- history and audit --------------------------------------------------------------------


def test_history_lists_every_transition(team):
    case = case_in(team, "closed", before_closure="monitoring")
    items = history(team.worker, case)
    moves = [
        (e["from_status"], e["to_status"], e["user"], e["comment"]) for e in items if e["to_status"]
    ]
    worker, boss = team.worker.user.username, team.boss.user.username
    assert moves == [
        (None, "registered", worker, ""),
        ("registered", "assessment", worker, "to assessment"),
        ("assessment", "plan_pending", worker, "to plan_pending"),
        ("plan_pending", "assistance", boss, "good plan"),
        ("assistance", "monitoring", worker, "to monitoring"),
        ("monitoring", "closure_pending", worker, ""),
        ("closure_pending", "closed", boss, "agreed"),
    ]
    now = datetime.now(UTC)
    for event in items:
        assert abs(now - datetime.fromisoformat(event["occurred_at"])) < timedelta(minutes=5)
    closing = next(e for e in items if e["to_status"] == "closure_pending")
    assert closing["changes"] == {"closure_reason": "completed"}


def test_every_transition_writes_an_audit_event(team):
    case = open_case(team.worker, team.person_id)
    case = ok(move(team.worker, case, "assessment", comment="first interview"))
    case = ok(move(team.worker, case, "closure_pending", closure_reason="withdrew"))
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.transition").order_by(AuditEvent.id)
    ).all()
    assert [(e.object_type, e.object_id) for e in events] == [("case", str(case["id"]))] * 2
    assert [e.changes["status"] for e in events] == [
        ["registered", "assessment"],
        ["assessment", "closure_pending"],
    ]
    assert [e.username for e in events] == [team.worker.user.username] * 2
    assert events[0].changes["comment"] == "first interview"
    assert events[1].changes["closure_reason"] == "withdrew"
    # the decision is audited too
    ok(move(team.boss, case, "assessment", comment="keep going"))
    decision = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.reject"))
    assert decision.changes["status"] == ["closure_pending", "assessment"]
    assert decision.username == team.boss.user.username


def test_refused_transition_writes_nothing(team):
    case = open_case(team.worker, team.person_id)
    move(team.worker, case, "closed")
    move(team.worker, case, "closure_pending")  # no reason
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "case.transition" not in actions
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == 1  # the opening


# --- editing and assignment -------------------------------------------------------------


def test_patch_return_fields(team):
    case = open_case(team.worker, team.person_id)
    returned = (TODAY - timedelta(days=40)).isoformat()
    changed = ok(
        team.worker.patch(
            f"/api/v1/cases/{case['id']}",
            json={
                "version": case["version"],
                "host_country": "MY",
                "return_date": returned,
                "return_reason": "stranded",
            },
        )
    )
    assert (changed["host_country"], changed["return_date"], changed["return_reason"]) == (
        "MY",
        returned,
        "stranded",
    )
    assert changed["version"] == case["version"] + 1
    assert changed["arrival_help"] == ["reception", "medical"]  # untouched
    last = history(team.worker, case)[-1]
    assert last["event"] == "update"
    assert last["changes"]["host_country"] == ["QA", "MY"]
    assert last["changes"]["return_reason"] == ["abuse_exploitation", "stranded"]
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "case.update")) == 1


def test_return_date_cannot_move_after_delivered_assistance(team):
    case = case_in(team, "assistance")
    reintegration.record_delivery(
        db.session.get(User, team.worker.user.id),
        db.session.get(Case, case["id"]),
        {
            "assistance_type": "cash",
            "amount_npr": 1_000,
            "delivered_on": TODAY - timedelta(days=10),
            "delivered_by": "IOM Kathmandu",
        },
    )
    db.session.commit()
    case = fetch(team.worker, case)
    later = (TODAY - timedelta(days=5)).isoformat()
    response = team.worker.patch(
        f"/api/v1/cases/{case['id']}", json={"version": case["version"], "return_date": later}
    )
    assert "return_date" in error(response, 422)["fields"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"host_country": "NP"}, "host_country"),
        ({"return_date": (TODAY + timedelta(days=3)).isoformat()}, "return_date"),
        ({"return_reason": "holiday"}, "return_reason"),
        ({}, "version"),
    ],
)
def test_bad_patch_is_422_and_changes_nothing(team, changes, field):
    case = open_case(team.worker, team.person_id)
    payload = (
        {"version": case["version"], **changes} if field != "version" else {"host_country": "SA"}
    )
    err = error(team.worker.patch(f"/api/v1/cases/{case['id']}", json=payload), 422)
    assert field in err["fields"]
    after = fetch(team.worker, case)
    assert after == case


def test_supervisor_reassigns_a_case(team, make_user):
    colleague = make_user("caseworker", "KTM")
    case = open_case(team.worker, team.person_id)
    changed = ok(
        team.boss.patch(
            f"/api/v1/cases/{case['id']}",
            json={"version": case["version"], "assigned_to": colleague.username},
        )
    )
    assert changed["assigned_to"] == colleague.username
    assert changed["version"] == case["version"] + 1
    assert team.worker.get(f"/api/v1/cases/{case['id']}").status_code == 404
    assert db.session.get(Case, case["id"]).assigned_to_id == colleague.id
    last = history(team.boss, case)[-1]
    assert last["event"] == "assign"
    assert last["changes"] == {"assigned_to": [team.worker.user.username, colleague.username]}


def test_caseworker_cannot_reassign(team, make_user):
    colleague = make_user("caseworker", "KTM")
    case = open_case(team.worker, team.person_id)
    response = team.worker.patch(
        f"/api/v1/cases/{case['id']}",
        json={"version": case["version"], "assigned_to": colleague.username},
    )
    assert error(response, 403)["code"] == "forbidden"
    assert fetch(team.worker, case)["assigned_to"] == team.worker.user.username


@pytest.mark.parametrize("who", ["other_office", "deactivated", "partner", "unknown"])
def test_reassign_to_someone_who_cannot_hold_it_is_422(team, make_user, who):
    target = {
        "other_office": lambda: make_user("caseworker", "DMK").username,
        "deactivated": lambda: make_user("caseworker", "KTM", active=False).username,
        "partner": lambda: make_user("partner", "KTM").username,
        "unknown": lambda: "nobody-here",
    }[who]()
    case = open_case(team.worker, team.person_id)
    response = team.boss.patch(
        f"/api/v1/cases/{case['id']}", json={"version": case["version"], "assigned_to": target}
    )
    err = error(response, 422)
    assert "assigned_to" in err["fields"]
    assert fetch(team.worker, case)["assigned_to"] == team.worker.user.username
