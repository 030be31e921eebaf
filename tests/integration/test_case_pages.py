"""The case pages: the returnee's journey from registration to closure, each action's bad
input, stale forms, who may see and do what, the approvals queue, confidential notes,
my work, bulk reassignment, the score chart and budget, and the programme settings.

Forms are filled the way a browser fills them: the page is fetched, its form read (every
field with the value the page gives it), some fields changed, and the whole form posted.
Cases are set up through the services only where the test is about a later step.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from casework import audit as audit_chain
from casework.domain.periods import nepal_today
from casework.extensions import db
from casework.models import (
    Approval,
    AssistanceDelivery,
    AuditEvent,
    Case,
    CaseEvent,
    CaseNote,
    FollowUp,
    MonitoringVisit,
    PlanItem,
    Setting,
    User,
)
from casework.services import approvals, cases, reintegration
from tests import factories
from tests.pages import filled, form_at, form_with, forms_of
from tests.queries import queries_of

TODAY = date.today()
KIND = "return_reintegration"
STALE_MESSAGE = "This record was changed by someone else since you opened it."
AMOUNT_MESSAGE = "An amount in rupees, from 1 to 100,000,000."


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


# --- reading pages like a browser --------------------------------------------------------


def actions(html: str) -> set[str]:
    return {target for target, _ in forms_of(html)}


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
    depth, position = 0, match.start()
    for found in re.finditer(rf"<(/?){tag}\b[^>]*>", html[match.start() :]):
        depth += -1 if found.group(1) else 1
        if depth == 0:
            position = match.start() + found.end()
            break
    return html[match.start() : position]


def form_html(html: str, action: str | None) -> str:
    """The HTML of the form posting to `action` (None: the page's form without an action)."""
    pattern = (
        r"<form(?![^>]*action=)[^>]*>"
        if action is None
        else rf'<form[^>]*action="{re.escape(action)}"'
    )
    found = list(re.finditer(pattern, html))
    if action is None:  # the sign-out form of the menu has an action, the page's own not
        assert len(found) == 1, f"{len(found)} forms without an action"
    assert found, f"no form posting to {action!r}"
    start = found[0].start()
    return html[start : html.index("</form>", start)]


def field_errors(html: str, action: str | None, name: str) -> list[str]:
    """The messages shown right under the field `name` of the form posting to `action`."""
    form = form_html(html, action)
    match = re.search(rf'<(?:input|select|textarea)[^>]*\bname="{re.escape(name)}"', form)
    assert match, f"no field {name} in the form posting to {action}"
    group = form[match.end() :].split('<div class="mb-3">', 1)[0]
    return [unescape(m) for m in re.findall(r'invalid-feedback d-block">([^<]*)</div>', group)]


def alert_before(html: str, action: str) -> str:
    """The text of the error box shown just above the form posting to `action`."""
    before = html[: html.index(form_html(html, action))]
    at = before.rfind('<div class="alert alert-danger" role="alert">')
    if at < 0 or "</form>" in before[at:]:
        return ""
    return text(before[at:])


def shown_status(html: str) -> str:
    match = re.search(r'<h1 class="h3 mb-1">.*?<span class="badge[^"]*">([^<]+)</span>', html, re.S)
    assert match, "no status badge on the page"
    return match.group(1).strip()


def history(html: str) -> list[str]:
    """The lines of the case history, without their time stamps."""
    items = re.findall(r"<li[^>]*>(.*?)</li>", element(html, "history"), re.S)
    return [re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d NPT · ", "", text(item)) for item in items]


def flashes(html: str) -> list[str]:
    return [text(m) for m in re.findall(r'<div class="alert alert-success"[^>]*>(.*?)</div>', html)]


# --- the database ------------------------------------------------------------------------


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def reload(case_id: int) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case_id)


def case_audit(case_id: int) -> list[AuditEvent]:
    db.session.expire_all()
    stmt = select(AuditEvent).where(
        AuditEvent.object_type == "case", AuditEvent.object_id == str(case_id)
    )
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def state(case_id: int) -> dict:
    """Everything an action could have stored, to prove that a refused one stored nothing."""
    case = reload(case_id)
    details = case.return_details
    return {
        "version": case.version,
        "status": case.status,
        "assigned_to": case.assigned_to_id,
        "closure_reason": case.closure_reason,
        "details": cases.kind_fields(case),
        "plan_goals": details.plan_goals,
        "approved_budget": details.approved_budget_npr,
        "plan_items": count(PlanItem),
        "deliveries": count(AssistanceDelivery),
        "visits": count(MonitoringVisit),
        "notes": count(CaseNote),
        "follow_ups": count(FollowUp),
        "approvals": [
            (a.id, a.status) for a in db.session.scalars(select(Approval).order_by(Approval.id))
        ],
        "history": count(CaseEvent),
        "audit": count(AuditEvent),
    }


# --- setting up cases through the services ------------------------------------------------

RETURN = {
    "host_country": "MY",
    "return_date": TODAY - timedelta(days=60),
    "return_reason": "stranded",
    "arrival_help": ["reception"],
}
PLAN = [
    {"assistance_type": "business_grant", "description": "Sewing machines", "budget_npr": 40000},
    {"assistance_type": "vocational_training", "description": "Tailoring", "budget_npr": 10000},
]
STEPS = ("assessment", "plan_pending", "assistance", "monitoring", "closure_pending", "closed")


def pending_approval(case_id: int) -> Approval:
    db.session.expire_all()
    stmt = select(Approval).where(Approval.case_id == case_id, Approval.status == "pending")
    return db.session.scalars(stmt).one()


def make_case(worker, approver=None, status: str = "registered") -> int:
    """A return case of the worker's office, assigned to them, moved on to `status`."""
    person = factories.BeneficiaryFactory(office_code=worker.office_code)
    db.session.flush()
    case = cases.open_case(worker, KIND, person.id, dict(RETURN))
    db.session.commit()
    case_id = case.id
    steps = STEPS[: STEPS.index(status) + 1] if status in STEPS else ()
    for step in steps:
        case = reload(case_id)
        if step in ("assistance", "closed"):
            approvals.decide(approver, pending_approval(case_id), approve=True, comment="Agreed.")
        else:
            if step == "plan_pending":
                reintegration.save_plan(worker, case, "Open a tailoring shop", PLAN)
            if step == "monitoring":
                reintegration.record_delivery(
                    worker,
                    case,
                    {
                        "assistance_type": "business_grant",
                        "amount_npr": 15000,
                        "delivered_on": TODAY - timedelta(days=10),
                        "delivered_by": "Ward office",
                    },
                )
            reason = "completed" if step == "closure_pending" else None
            cases.transition(worker, case, step, case.version, "", reason)
        db.session.commit()
    return case_id


def move(actor, case_id: int, to: str, closure_reason: str | None = None) -> None:
    case = reload(case_id)
    cases.transition(actor, case, to, case.version, "", closure_reason)
    db.session.commit()


@pytest.fixture
def team(login_as):
    """A caseworker and a supervisor of KTM, signed in."""
    return SimpleNamespace(worker=login_as("caseworker"), boss=login_as("supervisor"))


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def act(client, case_id: int, action: str, **changes):
    """Fetch the case page, fill in the form of one action and send it."""
    url = f"/cases/{case_id}/{action}"
    form = filled(form_at(page(client, f"/cases/{case_id}"), url), **changes)
    return client.post(url, data=form)


def decide_on_queue(client, case_id: int, decision: str, comment: str):
    """On the approvals page, decide the item of this case (found by its link)."""
    html = page(client, "/approvals/")
    cards = [
        ident
        for ident in re.findall(r'id="(approval-\d+)"', html)
        if f'href="/cases/{case_id}"' in element(html, ident)
    ]
    assert len(cards) == 1, f"{len(cards)} items of case {case_id} in the queue"
    url = f"/approvals/{cards[0].split('-')[1]}/decide"
    form = filled(form_at(html, url), comment=comment, decision=decision)
    return client.post(url, data=form)


# --- the whole journey ---------------------------------------------------------------------

REGISTRATION = {
    "given_name": "Maya",
    "family_name": "Gurung",
    "sex": "female",
    "date_of_birth": "1992-04-11",
    "nationality": "NP",
    "district_id": "27",  # Kathmandu
    "local_level_id": "309",  # Kirtipur
    "ward": "5",
    "consent_given": "y",
    "consent_date": day(-1),
    "consent_purposes": ["registration", "assistance"],
}


def test_a_returnee_goes_from_registration_to_closure_through_the_pages_alone(login_as):
    worker = login_as("caseworker")
    boss = login_as("supervisor")
    w, b = worker.user.username, boss.user.username

    # The caseworker registers the person...
    form = filled(form_with(page(worker, "/beneficiaries/new"), "given_name"), **REGISTRATION)
    response = worker.post("/beneficiaries/new", data=form)
    assert response.status_code == 302
    person_id = int(re.fullmatch(r"/beneficiaries/(\d+)", response.headers["Location"])[1])

    # ...and opens a case from the profile.
    profile = page(worker, f"/beneficiaries/{person_id}")
    assert f'href="/beneficiaries/{person_id}/cases/new"' in profile
    opening = form_with(page(worker, f"/beneficiaries/{person_id}/cases/new"), "host_country")
    assert opening["assigned_to"] == str(worker.user.id)
    response = worker.post(
        f"/beneficiaries/{person_id}/cases/new",
        data=filled(
            opening,
            host_country="QA",
            return_date=day(-20),
            return_reason="abuse_exploitation",
            arrival_help=["reception", "medical"],
        ),
    )
    assert response.status_code == 302
    case_id = int(re.fullmatch(r"/cases/(\d+)", response.headers["Location"])[1])
    case_url = f"/cases/{case_id}"
    opened = page(worker, case_url)
    number = reload(case_id).case_number
    assert re.fullmatch(rf"KTM-RR-{TODAY.year}-\d{{5}}", number)
    assert f"Opened case {number}." in flashes(opened)
    assert shown_status(opened) == "Registered"

    def step(client, action, **changes):
        response = act(client, case_id, action, **changes)
        assert response.status_code == 302, (action, response.get_data(as_text=True)[-3000:])
        assert response.headers["Location"] == case_url

    step(worker, "transition", to="assessment", comment="First interview done")
    step(
        worker,
        "plan",
        plan_goals="Open a tailoring shop in Kirtipur",
        items__0__assistance_type="business_grant",
        items__0__description="Two sewing machines",
        items__0__budget_npr="40000",
    )
    step(worker, "transition", to="plan_pending", comment="Plan ready for approval")
    assert shown_status(page(worker, case_url)) == "Plan awaiting approval"

    response = decide_on_queue(boss, case_id, "approve", "Budget is reasonable")
    assert response.status_code == 302
    assert response.headers["Location"] == "/approvals/"
    assert "Approved." in flashes(page(boss, "/approvals/"))
    assert shown_status(page(worker, case_url)) == "Assistance"

    step(
        worker,
        "assistance",
        assistance_type="business_grant",
        amount_npr="40000",
        delivered_on=day(-5),
        delivered_by="Kirtipur ward office",
    )
    step(worker, "transition", to="monitoring", comment="Grant paid")
    step(worker, "visits", visit_date=day(0), economic="0.8", social="0.7", psychosocial="0.9")
    step(
        worker,
        "transition",
        to="closure_pending",
        closure_reason="completed",
        comment="Shop is running",
    )
    assert shown_status(page(worker, case_url)) == "Closure awaiting approval"

    response = decide_on_queue(boss, case_id, "approve", "Well done")
    assert response.status_code == 302

    final = page(worker, case_url)
    assert shown_status(final) == "Closed"
    # A moment (closed_at) is shown as its day in Nepal, which is not always the server's.
    assert f"Closed on {nepal_today().isoformat()}: Reintegration completed." in text(final)
    assert history(final) == [
        f"{w} Case opened: → Registered",
        f"{w} Moved: Registered → Assessment “First interview done”",
        f"{w} Plan saved",
        f"{w} Moved: Assessment → Plan awaiting approval “Plan ready for approval”",
        f"{b} Approved: Plan awaiting approval → Assistance “Budget is reasonable”",
        "system Follow-up added",
        f"{w} Assistance recorded",
        f"{w} Moved: Assistance → Monitoring “Grant paid”",
        f"{w} Monitoring visit",
        f"{w} Moved: Monitoring → Closure awaiting approval “Shop is running”",
        f"{b} Approved: Closure awaiting approval → Closed “Well done”",
    ]
    profile = page(worker, f"/beneficiaries/{person_id}")
    assert f"{number} · Return and reintegration · Closed" in text(element(profile, "cases"))

    # What was stored, and the audit log with every step.
    case = reload(case_id)
    assert (case.status, case.closure_reason, case.closed_at is not None) == (
        "closed",
        "completed",
        True,
    )
    details = case.return_details
    assert (details.host_country, details.return_reason) == ("QA", "abuse_exploitation")
    assert [(i.assistance_type, i.budget_npr) for i in details.plan_items] == [
        ("business_grant", 40000)
    ]
    assert details.approved_budget_npr == 40000
    assert [(d.amount_npr, d.status) for d in details.deliveries] == [(40000, "recorded")]
    assert [(v.composite, v.sustainable) for v in details.visits] == [(0.8, True)]
    decided = db.session.scalars(select(Approval).order_by(Approval.id)).all()
    assert [(a.approval_type, a.status, a.decided_by_id, a.decision_comment) for a in decided] == [
        ("reintegration_plan", "approved", boss.user.id, "Budget is reasonable"),
        ("case_closure", "approved", boss.user.id, "Well done"),
    ]
    events = case_audit(case_id)
    assert [(e.action, e.user_id) for e in events] == [
        ("case.open", worker.user.id),
        ("case.transition", worker.user.id),
        ("case.plan", worker.user.id),
        ("case.transition", worker.user.id),
        ("case.approve", boss.user.id),
        ("case.follow_up", worker.user.id),  # made by the workflow during their request
        ("case.assistance", worker.user.id),
        ("case.transition", worker.user.id),
        ("case.monitoring", worker.user.id),
        ("case.transition", worker.user.id),
        ("case.approve", boss.user.id),
    ]
    moves = [
        e.changes["status"] for e in events if "status" in e.changes and "comment" in e.changes
    ]
    assert moves == [
        ["registered", "assessment"],
        ["assessment", "plan_pending"],
        ["plan_pending", "assistance"],
        ["assistance", "monitoring"],
        ["monitoring", "closure_pending"],
        ["closure_pending", "closed"],
    ]
    registered = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "beneficiary.create")
    ).one()
    assert (registered.object_id, registered.user_id) == (str(person_id), worker.user.id)
    assert audit_chain.verify().ok


# --- bad input on the case page -------------------------------------------------------------

BAD_INPUT = [
    pytest.param(
        "registered",
        "notes",
        {"body": "  ", "confidential": "y"},
        "body",
        "Write the note.",
        id="note-without-body",
    ),
    pytest.param(
        "registered",
        "notes",
        {"body": "x" * 10_001},
        "body",
        "At most 10000 characters.",
        id="note-too-long",
    ),
    pytest.param(
        "registered",
        "follow-ups",
        {"title": "Call the family", "due_date": ""},
        "due_date",
        "Give the date it is due.",
        id="follow-up-without-date",
    ),
    pytest.param(
        "registered",
        "follow-ups",
        {"title": "Call the family", "due_date": "2026-02-30"},
        "due_date",
        "Not a valid date value.",
        id="follow-up-impossible-date",
    ),
    pytest.param(
        "registered",
        "follow-ups",
        {"title": "", "due_date": day(3)},
        "title",
        "Say what needs doing.",
        id="follow-up-without-title",
    ),
    pytest.param(
        "registered",
        "follow-ups",
        {"title": "Call", "due_date": day(-400)},
        "due_date",
        "The due date is more than a year ago.",
        id="follow-up-long-ago",
    ),
    pytest.param(
        "assessment",
        "plan",
        {
            "plan_goals": "Shop",
            "items__0__assistance_type": "cash",
            "items__0__description": "Seed money",
            "items__0__budget_npr": "",
        },
        "items-0-budget_npr",
        AMOUNT_MESSAGE,
        id="plan-item-without-budget",
    ),
    pytest.param(
        "assessment",
        "plan",
        {"plan_goals": "Shop", "items__0__assistance_type": "", "items__0__budget_npr": "5000"},
        "items-0-assistance_type",
        "Choose a type of assistance.",
        id="plan-item-without-type",
    ),
    pytest.param(
        "assessment",
        "plan",
        {"plan_goals": "Shop", "items__0__assistance_type": "cash", "items__0__budget_npr": "-5"},
        "items-0-budget_npr",
        AMOUNT_MESSAGE,
        id="plan-item-negative-budget",
    ),
    pytest.param(
        "assessment",
        "plan",
        {"plan_goals": "Shop", "items__0__assistance_type": "cash", "items__0__budget_npr": "12.5"},
        "items-0-budget_npr",
        "Not a valid integer value.",
        id="plan-item-fractional-budget",
    ),
    pytest.param(
        "assistance",
        "assistance",
        {
            "assistance_type": "cash",
            "amount_npr": "",
            "delivered_on": day(-1),
            "delivered_by": "Ward office",
        },
        "amount_npr",
        AMOUNT_MESSAGE,
        id="delivery-without-amount",
    ),
    pytest.param(
        "assistance",
        "assistance",
        {
            "assistance_type": "cash",
            "amount_npr": "5000",
            "delivered_on": day(1),
            "delivered_by": "Ward office",
        },
        "delivered_on",
        "The delivery date cannot be in the future.",
        id="delivery-in-future",
    ),
    pytest.param(
        "assistance",
        "assistance",
        {
            "assistance_type": "cash",
            "amount_npr": "5000",
            "delivered_on": day(-61),
            "delivered_by": "Ward office",
        },
        "delivered_on",
        "The delivery date cannot be before the return.",
        id="delivery-before-return",
    ),
    pytest.param(
        "assistance",
        "assistance",
        {
            "assistance_type": "cash",
            "amount_npr": "5000",
            "delivered_on": day(-1),
            "delivered_by": " ",
        },
        "delivered_by",
        "Say who delivered it (a person or an organisation).",
        id="delivery-without-deliverer",
    ),
    pytest.param(
        "assistance",
        "visits",
        {"visit_date": day(0), "economic": "1.5", "social": "0.5", "psychosocial": "0.5"},
        "economic",
        "Number must be between 0 and 1.",
        id="visit-score-above-1",
    ),
    pytest.param(
        "assistance",
        "visits",
        {"visit_date": day(0), "economic": "0.5", "social": "", "psychosocial": "0.5"},
        "social",
        "A score is a number from 0 to 1.",
        id="visit-score-missing",
    ),
    pytest.param(
        "assistance",
        "visits",
        {"visit_date": day(0), "economic": "0.5", "social": "NaN", "psychosocial": "0.5"},
        "social",
        "Not a valid decimal value.",
        id="visit-score-nan",
    ),
    pytest.param(
        "assistance",
        "visits",
        {"visit_date": day(1), "economic": "0.5", "social": "0.5", "psychosocial": "0.5"},
        "visit_date",
        "The visit date cannot be in the future.",
        id="visit-in-future",
    ),
    pytest.param(
        "registered",
        "transition",
        {"to": "closure_pending", "closure_reason": "", "comment": "Moved to Pokhara"},
        "closure_reason",
        "Closing a case needs a reason from the list.",
        id="closure-without-reason",
    ),
    pytest.param(
        "assistance",
        "transition",
        {"to": "monitoring", "comment": "Start monitoring"},
        "to",
        "Record the assistance delivered before monitoring starts.",
        id="monitoring-before-any-delivery",
    ),
]


@pytest.mark.parametrize(("stage", "action", "changes", "field", "message"), BAD_INPUT)
def test_bad_input_is_shown_next_to_the_field_kept_and_nothing_is_stored(
    team, stage, action, changes, field, message
):
    case_id = make_case(team.worker.user, team.boss.user, stage)
    url = f"/cases/{case_id}/{action}"
    posted = filled(form_at(page(team.worker, f"/cases/{case_id}"), url), **changes)
    before = state(case_id)

    response = team.worker.post(url, data=posted)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, url, field) == [message]
    assert "Please correct the fields marked below." in alert_before(html, url)
    shown = form_at(html, url)
    for name in posted:
        assert shown.getlist(name) == posted.getlist(name), name
    assert state(case_id) == before


def test_a_plan_submitted_without_goals_or_items_is_refused_with_both_reasons(team):
    case_id = make_case(team.worker.user, status="assessment")
    before = state(case_id)

    response = act(team.worker, case_id, "transition", to="plan_pending", comment="Done")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    box = alert_before(html, f"/cases/{case_id}/transition")
    assert "Write the goals of the reintegration plan first." in box
    assert "Plan at least one assistance item first." in box
    assert state(case_id) == before


def test_a_move_the_workflow_does_not_allow_names_the_allowed_ones(team):
    case_id = make_case(team.worker.user)
    url = f"/cases/{case_id}/transition"
    posted = filled(form_at(page(team.worker, f"/cases/{case_id}"), url), to="closed")
    before = state(case_id)

    response = team.worker.post(url, data=posted)

    assert response.status_code == 409
    assert (
        "A case cannot go from registered to closed. Allowed: assessment, closure_pending."
        in alert_before(response.get_data(as_text=True), url)
    )
    assert state(case_id) == before


def test_a_delivery_beyond_the_approved_budget_waits_for_a_supervisor(team):
    case_id = make_case(team.worker.user, team.boss.user, "assistance")  # 50,000 approved

    response = act(
        team.worker,
        case_id,
        "assistance",
        assistance_type="cash",
        amount_npr="60000",
        delivered_on=day(-1),
        delivered_by="Ward office",
    )

    assert response.status_code == 302
    html = page(team.worker, f"/cases/{case_id}")
    assert "overrun: awaiting approval" in text(element(html, "assistance"))
    assert "NPR 60,000 above the approved budget waits for a supervisor." in text(html)
    assert reintegration.budget(reload(case_id)).delivered == 0
    assert pending_approval(case_id).approval_type == "budget_overrun"


# --- stale forms ----------------------------------------------------------------------------


def test_the_second_of_two_open_edit_forms_is_refused_and_keeps_its_input(team):
    case_id = make_case(team.worker.user)
    url = f"/cases/{case_id}/edit"
    worker_form = form_with(page(team.worker, url), "host_country")
    boss_form = form_with(page(team.boss, url), "host_country")

    first = team.boss.post(url, data=filled(boss_form, host_country="QA"))
    assert first.status_code == 302
    second_form = filled(worker_form, return_reason="deported", return_date=day(-45))
    second = team.worker.post(url, data=second_form)

    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert STALE_MESSAGE in text(html)
    shown = form_with(html, "host_country")
    for name in second_form:
        assert shown.getlist(name) == second_form.getlist(name), name
    details = reload(case_id).return_details
    assert (details.host_country, details.return_reason, details.return_date) == (
        "QA",
        "stranded",
        TODAY - timedelta(days=60),
    )
    # After reloading the page the change goes through on top of the other one.
    fresh = filled(form_with(page(team.worker, url), "host_country"), return_reason="deported")
    assert team.worker.post(url, data=fresh).status_code == 302
    details = reload(case_id).return_details
    assert (details.host_country, details.return_reason) == ("QA", "deported")


def test_the_second_of_two_open_transition_forms_is_refused_and_keeps_its_input(team):
    case_id = make_case(team.worker.user)
    url = f"/cases/{case_id}/transition"
    worker_form = form_at(page(team.worker, f"/cases/{case_id}"), url)
    boss_form = form_at(page(team.boss, f"/cases/{case_id}"), url)

    first = team.worker.post(url, data=filled(worker_form, to="assessment"))
    assert first.status_code == 302
    typed = filled(boss_form, to="closure_pending", closure_reason="withdrew", comment="Moved away")
    second = team.boss.post(url, data=typed)

    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert STALE_MESSAGE in alert_before(html, url)
    shown = form_at(html, url)
    for name in ("to", "closure_reason", "comment"):
        assert shown.getlist(name) == typed.getlist(name), name
    assert shown_status(html) == "Assessment"  # the page now shows what the other did
    case = reload(case_id)
    assert (case.status, case.closure_reason) == ("assessment", None)
    assert count(Approval) == 0
    # Sending the re-shown form again, now on the current version, goes through.
    assert team.boss.post(url, data=shown).status_code == 302
    assert reload(case_id).status == "closure_pending"


# --- who may see and do what ----------------------------------------------------------------


def test_a_caseworker_gets_404_on_cases_not_assigned_to_them(login_as):
    worker = login_as("caseworker")
    colleague = login_as("caseworker")
    dmk = login_as("caseworker", office="DMK")
    colleagues_case = make_case(colleague.user)
    dmk_case = make_case(dmk.user)

    for case_id in (colleagues_case, dmk_case):
        before = state(case_id)
        assert worker.get(f"/cases/{case_id}").status_code == 404
        assert worker.get(f"/cases/{case_id}/edit").status_code == 404
        for action, data in [
            ("transition", {"to": "assessment", "version": "1"}),
            ("notes", {"body": "Hello"}),
            ("follow-ups", {"title": "Call", "due_date": day(3)}),
        ]:
            response = worker.post(f"/cases/{case_id}/{action}", data=data)
            assert response.status_code == 404, action
        assert state(case_id) == before
    listed = page(worker, "/cases/")
    assert reload(colleagues_case).case_number not in listed
    # Their own caseworkers reach them.
    assert colleague.get(f"/cases/{colleagues_case}").status_code == 200
    assert dmk.get(f"/cases/{dmk_case}").status_code == 200


def test_a_supervisor_of_another_office_gets_404_on_the_case_and_its_approval(login_as):
    worker = login_as("caseworker")
    dmk_boss = login_as("supervisor", office="DMK")
    ktm_boss = login_as("supervisor")
    case_id = make_case(worker.user, status="plan_pending")
    approval_id = pending_approval(case_id).id
    before = state(case_id)

    assert dmk_boss.get(f"/cases/{case_id}").status_code == 404
    assert dmk_boss.get(f"/cases/{case_id}/edit").status_code == 404
    assert dmk_boss.post(f"/cases/{case_id}/notes", data={"body": "x"}).status_code == 404
    decision = {"comment": "Fine", "decision": "approve"}
    assert dmk_boss.post(f"/approvals/{approval_id}/decide", data=decision).status_code == 404
    assert f"/approvals/{approval_id}/decide" not in actions(page(dmk_boss, "/approvals/"))
    assert state(case_id) == before
    # The case's own office decides it.
    assert f"/approvals/{approval_id}/decide" in actions(page(ktm_boss, "/approvals/"))


def test_a_caseworker_may_not_open_the_queue_decide_or_reassign(team):
    case_id = make_case(team.worker.user, status="plan_pending")
    approval_id = pending_approval(case_id).id
    other = factories.UserFactory(role="caseworker")
    db.session.commit()
    before = state(case_id)

    assert team.worker.get("/approvals/").status_code == 403
    decision = {"comment": "Self-approved", "decision": "approve"}
    assert team.worker.post(f"/approvals/{approval_id}/decide", data=decision).status_code == 403
    assert team.worker.get("/cases/reassign").status_code == 403
    moving = {"from_user": team.worker.user.id, "to_user": other.id, "comment": "x"}
    assert team.worker.post("/cases/reassign", data=moving).status_code == 403
    assert state(case_id) == before
    html = page(team.worker, f"/cases/{case_id}")
    assert "/approvals/" not in html  # neither the menu nor the case page offers the queue
    assert team.boss.get("/approvals/").status_code == 200


@pytest.mark.parametrize("url", ["/cases/", "/work/", "/cases/{case_id}", "/approvals/"])
def test_a_partner_sees_no_case_records(team, login_as, url):
    partner = login_as("partner")
    url = url.format(case_id=make_case(team.worker.user))

    assert partner.get(url).status_code == 403
    assert team.boss.get(url).status_code == 200


def test_an_admin_reads_a_case_but_has_no_action_on_it(login_as):
    worker = login_as("caseworker")
    admin = login_as("admin")
    case_id = make_case(worker.user)
    cases.add_follow_up(worker.user, reload(case_id), "Call the family", TODAY)
    db.session.commit()

    html = page(admin, f"/cases/{case_id}")

    assert reload(case_id).case_number in html
    assert "Call the family" in html
    assert actions(html) == {"/auth/logout"}
    assert f'href="/cases/{case_id}/edit"' not in html
    assert "Only the assigned caseworker and supervisors move this case." in text(html)
    worker_html = page(worker, f"/cases/{case_id}")
    assert f"/cases/{case_id}/transition" in actions(worker_html)

    before = state(case_id)
    data = {"to": "assessment", "version": str(before["version"]), "comment": "x"}
    assert admin.post(f"/cases/{case_id}/transition", data=data).status_code == 403
    assert admin.post(f"/cases/{case_id}/notes", data={"body": "x"}).status_code == 403
    assert admin.get(f"/cases/{case_id}/edit").status_code == 403
    assert state(case_id) == before


# --- the approvals page ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "pending", "reason"),
    [
        ("assessment", "plan_pending", None),
        ("registered", "closure_pending", "withdrew"),
        ("monitoring", "closure_pending", "lost_contact"),
    ],
)
def test_rejecting_with_a_comment_returns_the_case_to_where_it_was(team, start, pending, reason):
    case_id = make_case(team.worker.user, team.boss.user, start)
    if pending == "plan_pending":
        reintegration.save_plan(team.worker.user, reload(case_id), "Shop", PLAN)
        db.session.commit()
    move(team.worker.user, case_id, pending, reason)
    approval_id = pending_approval(case_id).id

    response = decide_on_queue(team.boss, case_id, "reject", "Talk to the family first")

    assert response.status_code == 302
    queue = page(team.boss, "/approvals/")
    assert "Rejected: the case went back." in flashes(queue)
    assert f"/approvals/{approval_id}/decide" not in actions(queue)
    case = reload(case_id)
    assert (case.status, case.closure_reason, case.pending_from) == (start, None, None)
    decided = db.session.get(Approval, approval_id)
    assert (decided.status, decided.decided_by_id, decided.decision_comment) == (
        "rejected",
        team.boss.user.id,
        "Talk to the family first",
    )
    html = page(team.worker, f"/cases/{case_id}")
    labels = {"assessment": "Assessment", "registered": "Registered", "monitoring": "Monitoring"}
    assert shown_status(html) == labels[start]
    assert history(html)[-1] == (
        f"{team.boss.user.username} Rejected: {'Plan' if pending == 'plan_pending' else 'Closure'}"
        f" awaiting approval → {labels[start]} “Talk to the family first”"
    )
    assert f"/cases/{case_id}/transition" in actions(html)  # the worker can go on
    assert case_audit(case_id)[-1].action == "case.reject"


@pytest.mark.parametrize("decision", ["approve", "reject"])
@pytest.mark.parametrize("comment", ["", "   "])
def test_a_decision_without_a_comment_is_refused(team, decision, comment):
    case_id = make_case(team.worker.user, status="plan_pending")
    approval_id = pending_approval(case_id).id
    url = f"/approvals/{approval_id}/decide"
    before = state(case_id)

    response = decide_on_queue(team.boss, case_id, decision, comment)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, url, "comment") == ["Give a comment with your decision."]
    assert state(case_id) == before
    assert reload(case_id).status == "plan_pending"


def test_the_supervisor_who_asked_sees_the_item_but_another_decides_it(login_as):
    worker = login_as("caseworker")
    asker = login_as("supervisor")
    other_boss = login_as("supervisor")
    case_id = make_case(worker.user, status="assessment")
    reintegration.save_plan(worker.user, reload(case_id), "Shop", PLAN)
    db.session.commit()
    # The supervisor submits the plan on the caseworker's behalf.
    assert act(asker, case_id, "transition", to="plan_pending").status_code == 302
    approval_id = pending_approval(case_id).id
    url = f"/approvals/{approval_id}/decide"

    queue = page(asker, "/approvals/")
    card = text(element(queue, f"approval-{approval_id}"))
    assert reload(case_id).case_number in card
    assert "You asked for this: another supervisor decides it." in card
    assert url not in actions(queue)
    before = state(case_id)
    response = asker.post(url, data={"comment": "Looks fine", "decision": "approve"})
    assert response.status_code == 403
    assert state(case_id) == before

    assert decide_on_queue(other_boss, case_id, "approve", "Looks fine").status_code == 302
    assert reload(case_id).status == "assistance"


# --- confidential notes ---------------------------------------------------------------------


def test_confidential_notes_are_for_the_caseworker_and_the_office_supervisors(login_as):
    worker = login_as("caseworker")
    boss = login_as("supervisor")
    admin = login_as("admin")
    case_id = make_case(worker.user)
    secret, plain = "Survived abuse by the employer", "Prefers calls after 5 pm"
    assert act(worker, case_id, "notes", body=secret, confidential="y").status_code == 302
    assert act(worker, case_id, "notes", body=plain).status_code == 302
    assert [n.confidential for n in db.session.scalars(select(CaseNote).order_by(CaseNote.id))] == [
        True,
        False,
    ]

    for client in (worker, boss):
        notes = text(element(page(client, f"/cases/{case_id}"), "notes"))
        assert secret in notes and plain in notes
        assert "confidential" in notes
    admin_html = page(admin, f"/cases/{case_id}")
    assert plain in text(element(admin_html, "notes"))
    assert secret not in admin_html
    for html in (admin_html, page(worker, f"/cases/{case_id}")):
        lines = history(html)
        assert lines[-2:] == [f"{worker.user.username} Note added"] * 2
        assert secret not in " ".join(lines)
    assert all(secret not in str(e.changes) for e in case_audit(case_id))


# --- my work --------------------------------------------------------------------------------


def open_cases_by_status(html: str) -> dict[str, str]:
    groups = re.findall(r'<h3 class="h6 mt-3">(.*?)</h3>\s*<ul[^>]*>(.*?)</ul>', html, re.S)
    return {text(heading): text(listing) for heading, listing in groups}


@pytest.fixture
def office(login_as):
    """A KTM office with work in it: two caseworkers and a supervisor."""
    worker = login_as("caseworker")
    other = login_as("caseworker")
    boss = login_as("supervisor")
    registered = make_case(worker.user)
    waiting = make_case(worker.user, status="plan_pending")
    others = make_case(other.user)
    case = reload(registered)
    cases.add_follow_up(worker.user, case, "Call the family", TODAY - timedelta(days=2))
    cases.add_follow_up(worker.user, case, "Visit the shop", TODAY + timedelta(days=3))
    cases.add_follow_up(worker.user, case, "Check school fees", TODAY + timedelta(days=30))
    done = cases.add_follow_up(worker.user, case, "Old task", TODAY - timedelta(days=5))
    cases.add_follow_up(other.user, reload(others), "Other's task", TODAY - timedelta(days=1))
    db.session.commit()
    cases.complete_follow_up(worker.user, done.id)
    db.session.commit()
    number = {c.id: c.case_number for c in db.session.scalars(select(Case))}
    return SimpleNamespace(
        worker=worker,
        other=other,
        boss=boss,
        registered=number[registered],
        waiting=number[waiting],
        others=number[others],
    )


def test_my_work_lists_the_first_cases_of_a_status_and_links_to_the_rest(login_as):
    from casework.services.work import CASES_PER_STATUS

    worker = login_as("caseworker")
    numbers = [make_case(worker.user) for _ in range(CASES_PER_STATUS + 2)]
    html = page(worker, "/work/")
    groups = open_cases_by_status(html)
    listed = groups[f"Registered {CASES_PER_STATUS + 2}"]
    shown = [n for n in (reload(i).case_number for i in numbers) if n in listed]
    assert shown == [reload(i).case_number for i in numbers[:CASES_PER_STATUS]]  # the first
    assert f"All {CASES_PER_STATUS + 2} cases" in listed
    assert 'href="/cases/?status=registered&amp;open=1"' in html


def test_my_work_lists_the_oldest_overdue_follow_ups_and_counts_them_all(login_as):
    from casework.services.work import FOLLOW_UPS_LISTED

    worker = login_as("caseworker")
    case = reload(make_case(worker.user))
    overdue = FOLLOW_UPS_LISTED + 2
    for n in range(overdue):  # the oldest last, so that the list's order is the page's work
        cases.add_follow_up(worker.user, case, f"Overdue {n}", TODAY - timedelta(days=n + 1))
    cases.add_follow_up(worker.user, case, "Soon", TODAY + timedelta(days=2))
    cases.add_follow_up(worker.user, case, "Today", TODAY)
    db.session.commit()

    html = page(worker, "/work/")

    listed = re.findall(r"· (Overdue \d+)</li>", element(html, "overdue"))
    oldest_first = [f"Overdue {n}" for n in range(overdue - 1, -1, -1)]
    assert listed == oldest_first[:FOLLOW_UPS_LISTED]
    assert f'Overdue follow-ups <span class="text-muted">{overdue}</span>' in html
    assert f"The oldest {FOLLOW_UPS_LISTED} are listed." in html
    assert re.findall(r"· (Today|Soon)</li>", element(html, "due-soon")) == ["Today", "Soon"]


def test_my_work_costs_the_same_queries_for_one_status_or_several(login_as):
    """Each kind of list is one query, not one per status."""
    worker = login_as("caseworker")
    user_id = worker.user.id
    make_case(worker.user, status="plan_pending")  # waiting on a supervisor, in both states
    worker.get("/work/")
    with_one, _ = queries_of(worker, "/work/")
    user = db.session.get(User, user_id)  # the test's session forgot it
    for status in ("registered", "registered", "plan_pending"):
        make_case(user, status=status)

    with_two, response = queries_of(worker, "/work/")

    assert set(open_cases_by_status(response.get_data(as_text=True))) == {
        "Registered 2",
        "Plan awaiting approval 2",
    }
    assert len(with_two) == len(with_one), sorted(set(with_two) - set(with_one))


def test_my_work_shows_a_caseworkers_cases_follow_ups_and_waiting_items(office):
    html = page(office.worker, "/work/")

    assert '<h1 class="h3 mb-1">My work</h1>' in html
    groups = open_cases_by_status(html)
    assert set(groups) == {"Registered 1", "Plan awaiting approval 1"}
    assert office.registered in groups["Registered 1"]
    assert office.waiting in groups["Plan awaiting approval 1"]
    assert office.others not in html
    overdue = text(element(html, "overdue"))
    assert f"{day(-2)} · {office.registered} · Call the family" in overdue
    for absent in ("Old task", "Other's task", "Visit the shop"):
        assert absent not in overdue
    soon = text(element(html, "due-soon"))
    assert f"{day(3)} · {office.registered} · Visit the shop" in soon
    assert "Check school fees" not in soon and "Call the family" not in soon
    waiting = text(element(html, "waiting"))
    assert f"{office.waiting} · Reintegration plan · {nepal_today().isoformat()}" in waiting
    assert office.registered not in waiting
    # A caseworker asking for someone else's work gets their own.
    theirs = page(office.worker, f"/work/?user={office.other.user.id}")
    assert '<h1 class="h3 mb-1">My work</h1>' in theirs
    assert office.registered in theirs and office.others not in theirs


def staff_rows(html: str) -> dict[str, list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", element(html, "staff"), re.S)
    cells = [[text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]
    return {row[0]: row[1:] for row in cells if row}


def test_a_supervisor_sees_the_office_per_person_and_one_persons_work(office):
    html = page(office.boss, "/work/")

    assert "Work of the KTM office" in html
    assert "1 item waits for your decision" in text(html)
    assert staff_rows(html) == {
        office.worker.user.username: ["Caseworker", "2", "1"],
        office.other.user.username: ["Caseworker", "1", "1"],
        office.boss.user.username: ["Supervisor", "0", "0"],
    }
    link = f'href="/work/?user={office.worker.user.id}"'
    assert link in html

    one = page(office.boss, f"/work/?user={office.worker.user.id}")
    assert f"Work of {office.worker.user.username}" in one
    assert office.registered in one and office.waiting in one
    assert office.others not in one
    assert "Other's task" not in text(element(one, "overdue"))
    assert 'id="staff"' not in one


def test_a_supervisor_of_another_office_cannot_open_ktm_staffs_work(office, login_as):
    dmk_boss = login_as("supervisor", office="DMK")

    assert dmk_boss.get(f"/work/?user={office.worker.user.id}").status_code == 404
    assert dmk_boss.get(f"/work/?user={office.boss.user.id}").status_code == 404
    dmk_work = page(dmk_boss, "/work/")
    assert office.registered not in dmk_work
    assert office.worker.user.username not in text(element(dmk_work, "staff"))


def test_the_per_person_overdue_count_matches_that_persons_overdue_list(office):
    case_id = db.session.scalar(select(Case.id).where(Case.case_number == office.registered))
    move(office.worker.user, case_id, "closure_pending", "withdrew")
    approvals.decide(office.boss.user, pending_approval(case_id), approve=True, comment="Ok")
    db.session.commit()

    person = page(office.boss, f"/work/?user={office.worker.user.id}")
    assert "Call the family" not in person  # the closed case's follow-up is not work
    row = staff_rows(page(office.boss, "/work/"))[office.worker.user.username]
    assert row == ["Caseworker", "1", "0"]


# --- bulk reassignment ----------------------------------------------------------------------


def test_bulk_reassignment_moves_every_open_case_of_one_person(login_as, make_user):
    boss = login_as("supervisor")
    approver = make_user("supervisor")
    leaver = make_user("caseworker")
    taker = login_as("caseworker")
    moving = [make_case(leaver), make_case(leaver, approver, "assessment")]
    closed = make_case(leaver, approver, "closed")
    takers_own = make_case(taker.user)

    form = form_with(page(boss, "/cases/reassign"), "from_user")
    posted = filled(form, from_user=str(leaver.id), to_user=str(taker.user.id), comment="Left")
    response = boss.post("/cases/reassign", data=posted, follow_redirects=True)

    assert response.status_code == 200
    assert "2 open cases were reassigned." in flashes(response.get_data(as_text=True))
    for case_id in moving:
        html = page(boss, f"/cases/{case_id}")
        assert f"assigned to {taker.user.username} ·" in text(html)
        assert history(html)[-1] == f"{boss.user.username} Assigned “Left”"
        assert taker.get(f"/cases/{case_id}").status_code == 200
    assert f"assigned to {leaver.username} ·" in text(page(boss, f"/cases/{closed}"))
    assert reload(closed).assigned_to_id == leaver.id
    assert reload(takers_own).assigned_to_id == taker.user.id
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.reassign_all")
    ).all()
    assert (event.user_id, event.changes["count"], sorted(event.changes["case_ids"])) == (
        boss.user.id,
        2,
        sorted(moving),
    )


@pytest.mark.parametrize(
    ("who", "field", "message"),
    [
        ("same", "to_user", "Choose someone else."),
        ("other_office", "to_user", "Choose an active caseworker or supervisor of your office."),
        ("deactivated", "to_user", "Choose an active caseworker or supervisor of your office."),
        ("nobody", "to_user", "Choose an active caseworker or supervisor of your office."),
    ],
)
def test_bulk_reassignment_to_someone_who_cannot_take_the_cases_is_refused(
    login_as, make_user, who, field, message
):
    boss = login_as("supervisor")
    leaver = make_user("caseworker")
    case_id = make_case(leaver)
    target = {
        "same": str(leaver.id),
        "other_office": str(make_user("caseworker", office="DMK").id),
        "deactivated": str(make_user("caseworker", active=False).id),
        "nobody": "",
    }[who]
    form = form_with(page(boss, "/cases/reassign"), "from_user")
    posted = filled(form, from_user=str(leaver.id), to_user=target, comment="Left")
    before = state(case_id)

    response = boss.post("/cases/reassign", data=posted)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, None, field) == [message]
    assert form_with(html, "from_user")["comment"] == "Left"
    assert state(case_id) == before


def test_bulk_reassignment_from_another_offices_user_is_refused(login_as, make_user):
    boss = login_as("supervisor")
    dmk_worker = make_user("caseworker", office="DMK")
    dmk_case = make_case(dmk_worker)
    taker = make_user("caseworker")
    before = state(dmk_case)

    data = {"from_user": dmk_worker.id, "to_user": taker.id, "comment": "x"}
    response = boss.post("/cases/reassign", data=data)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, None, "from_user") == ["Choose a member of your office."]
    assert state(dmk_case) == before


# --- the score chart and the budget -----------------------------------------------------------


def budget_shown(html: str) -> dict[str, str]:
    block = text(element(html, "budget"))
    return dict(re.findall(r"(Planned|Approved|Delivered|Remaining) (-?[\d,]+)", block))


def test_the_budget_block_shows_planned_approved_and_delivered(team):
    case_id = make_case(team.worker.user, status="assessment")
    reintegration.save_plan(team.worker.user, reload(case_id), "Shop", PLAN)
    db.session.commit()
    url = f"/cases/{case_id}"

    assert budget_shown(page(team.worker, url)) == {
        "Planned": "50,000",
        "Approved": "0",
        "Delivered": "0",
        "Remaining": "0",
    }
    move(team.worker.user, case_id, "plan_pending")
    approvals.decide(team.boss.user, pending_approval(case_id), approve=True, comment="Ok")
    db.session.commit()
    assert budget_shown(page(team.worker, url))["Approved"] == "50,000"

    response = act(
        team.worker,
        case_id,
        "assistance",
        assistance_type="business_grant",
        amount_npr="15000",
        delivered_on=day(-3),
        delivered_by="Ward office",
    )
    assert response.status_code == 302
    html = page(team.worker, url)
    assert budget_shown(html) == {
        "Planned": "50,000",
        "Approved": "50,000",
        "Delivered": "15,000",
        "Remaining": "35,000",
    }
    assert 'aria-valuenow="15000"' in html and "progress-bar bar-30" in html  # 30 %, a class (CSP)


def test_the_score_chart_appears_once_visits_exist(team):
    case_id = make_case(team.worker.user, team.boss.user, "monitoring")
    url = f"/cases/{case_id}"
    before = element(page(team.worker, url), "monitoring")
    assert "<svg" not in before
    assert "No visits yet." in text(before)

    # Default weights 0.3 / 0.35 / 0.35, threshold 0.5:
    # 0.3*0.8 + 0.35*0.6 + 0.35*0.4 = 0.59 (sustainable); 0.06 + 0.105 + 0.14 = 0.305 (not).
    first = act(
        team.worker,
        case_id,
        "visits",
        visit_date=day(-5),
        economic="0.8",
        social="0.6",
        psychosocial="0.4",
    )
    assert first.status_code == 302
    one = element(page(team.worker, url), "monitoring")
    assert one.count("<svg") == 1 and one.count("<circle") == 1
    assert f"<title>{day(-5)}: 0.59</title>" in one
    assert "sustainable 0.5" in text(one)

    second = act(
        team.worker,
        case_id,
        "visits",
        visit_date=day(0),
        economic="0.2",
        social="0.3",
        psychosocial="0.4",
    )
    assert second.status_code == 302
    two = element(page(team.worker, url), "monitoring")
    assert 'aria-label="Composite score over 2 visits"' in two
    assert two.count("<circle") == 2
    assert f"<title>{day(0)}: 0.305</title>" in two
    [points] = re.findall(r'<polyline points="([^"]+)"', two)
    assert len(points.split()) == 2
    assert 'fill="#198754"' in two and 'fill="#dc3545"' in two  # one sustainable, one not
    rows = text(two)
    assert "0.59 sustainable" in rows and "0.305 not yet sustainable" in rows


@pytest.mark.parametrize(
    ("scores", "composite", "verdict"),
    [
        (("1", "1", "1"), "1.0", "sustainable"),
        (("0.5", "0.5", "0.5"), "0.5", "sustainable"),  # exactly at the threshold
        (("1", "0.4", "0.4"), "0.58", "sustainable"),  # 0.3 + 0.14 + 0.14
        (("0", "0.7", "0.7"), "0.49", "not yet sustainable"),  # 0.245 + 0.245
        (("0", "0", "0"), "0.0", "not yet sustainable"),
    ],
)
def test_a_visit_shows_its_composite_score_and_verdict(team, scores, composite, verdict):
    case_id = make_case(team.worker.user, team.boss.user, "monitoring")
    economic, social, psychosocial = scores

    response = act(
        team.worker,
        case_id,
        "visits",
        visit_date=day(0),
        economic=economic,
        social=social,
        psychosocial=psychosocial,
    )

    assert response.status_code == 302
    assert visit_rows(page(team.worker, f"/cases/{case_id}")) == [
        f"{day(0)} {float(economic)} {float(social)} {float(psychosocial)} {composite} {verdict}"
    ]


def visit_rows(html: str) -> list[str]:
    rows = re.findall(r"<tr>(.*?)</tr>", element(html, "monitoring"), re.S)
    return [text(row) for row in rows if "<td>" in row]


# --- programme settings ---------------------------------------------------------------------

SETTINGS = {"weight_economic": "1", "weight_social": "1", "weight_psychosocial": "2"}


def test_an_admin_saves_new_weights_and_new_visits_use_them(login_as, team):
    admin = login_as("admin")
    form = form_with(page(admin, "/admin/settings"), "threshold")
    assert [form[k] for k in (*SETTINGS, "threshold")] == ["0.30", "0.35", "0.35", "0.50"]

    response = admin.post("/admin/settings", data=filled(form, **SETTINGS, threshold="0.6"))

    assert response.status_code == 302
    shown = page(admin, "/admin/settings")
    assert "Settings saved. New monitoring visits use them." in flashes(shown)
    form = form_with(shown, "threshold")
    assert [form[k] for k in (*SETTINGS, "threshold")] == ["1.00", "1.00", "2.00", "0.60"]
    stored = db.session.get(Setting, "reintegration_score").value
    assert stored == {
        "weights": {"economic": 1.0, "social": 1.0, "psychosocial": 2.0},
        "threshold": 0.6,
    }
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "settings.update")
    ).all()
    assert event.user_id == admin.user.id
    # (0.8 + 0.6 + 2 * 0.4) / 4 = 0.55: below the new threshold of 0.6.
    case_id = make_case(team.worker.user, team.boss.user, "monitoring")
    visit = act(
        team.worker,
        case_id,
        "visits",
        visit_date=day(0),
        economic="0.8",
        social="0.6",
        psychosocial="0.4",
    )
    assert visit.status_code == 302
    [recorded] = reload(case_id).return_details.visits
    assert (recorded.composite, recorded.sustainable) == (0.55, False)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"weight_social": "-1"}, "weight_social", "A weight is a number of 0 or more."),
        ({"threshold": "2"}, "threshold", "The threshold is a number from 0 to 1."),
        ({"threshold": "-0.1"}, "threshold", "The threshold is a number from 0 to 1."),
        (
            {"weight_economic": "0", "weight_social": "0", "weight_psychosocial": "0"},
            "weight_economic",
            "At least one weight must be above 0.",
        ),
        ({"weight_social": "much"}, "weight_social", "Not a valid decimal value."),
        ({"threshold": ""}, "threshold", "This field is required."),
    ],
)
def test_bad_settings_are_refused_with_a_message(login_as, changes, field, message):
    admin = login_as("admin")
    form = form_with(page(admin, "/admin/settings"), "threshold")
    posted = filled(form, **{**SETTINGS, "threshold": "0.6", **changes})

    response = admin.post("/admin/settings", data=posted)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, None, field) == [message]
    shown = form_with(html, "threshold")
    for name in posted:
        assert shown.getlist(name) == posted.getlist(name), name
    assert count(Setting) == 0
    assert count(AuditEvent, AuditEvent.action == "settings.update") == 0


def test_a_weight_that_is_not_a_number_is_refused(login_as):
    admin = login_as("admin")
    form = form_with(page(admin, "/admin/settings"), "threshold")

    response = admin.post("/admin/settings", data=filled(form, weight_social="NaN"))

    assert response.status_code == 422
    assert count(Setting) == 0


@pytest.mark.parametrize("role", ["supervisor", "caseworker", "partner"])
def test_only_an_admin_reaches_the_settings(login_as, role):
    client = login_as(role)

    assert client.get("/admin/settings").status_code == 403
    data = {**SETTINGS, "threshold": "0.6"}
    assert client.post("/admin/settings", data=data).status_code == 403
    assert count(Setting) == 0
    assert login_as("admin").get("/admin/settings").status_code == 200


# --- found bugs ---------------------------------------------------------------------------


def test_a_signalling_nan_visit_score_is_a_field_error_not_a_crash(team):
    case_id = make_case(team.worker.user, team.boss.user, "assistance")
    before = state(case_id)

    response = act(
        team.worker,
        case_id,
        "visits",
        visit_date=day(0),
        economic="sNaN",
        social="0.5",
        psychosocial="0.5",
    )

    assert response.status_code == 422
    assert state(case_id) == before


def test_a_signalling_nan_weight_is_a_field_error_not_a_crash(login_as):
    admin = login_as("admin")
    form = form_with(page(admin, "/admin/settings"), "threshold")

    response = admin.post("/admin/settings", data=filled(form, weight_social="sNaN"))

    assert response.status_code == 422
    assert count(Setting) == 0


def test_a_plan_saved_after_the_case_was_submitted_says_why_it_was_refused(team):
    case_id = make_case(team.worker.user, status="assessment")
    url = f"/cases/{case_id}/plan"
    opened = form_at(page(team.worker, f"/cases/{case_id}"), url)
    reintegration.save_plan(team.worker.user, reload(case_id), "Shop", PLAN)
    db.session.commit()
    move(team.boss.user, case_id, "plan_pending")
    before = state(case_id)

    response = team.worker.post(
        url,
        data=filled(
            opened,
            plan_goals="Bigger shop",
            items__0__assistance_type="cash",
            items__0__budget_npr="90000",
        ),
    )

    assert response.status_code == 403
    assert state(case_id) == before
    assert "The plan can only be changed before it is submitted for approval." in text(
        response.get_data(as_text=True)
    )


def test_deciding_an_item_another_supervisor_just_decided_says_so(login_as):
    worker = login_as("caseworker")
    first, second = login_as("supervisor"), login_as("supervisor")
    case_id = make_case(worker.user, status="plan_pending")
    approval_id = pending_approval(case_id).id
    url = f"/approvals/{approval_id}/decide"
    seconds_form = form_at(page(second, "/approvals/"), url)
    assert decide_on_queue(first, case_id, "approve", "Fine").status_code == 302
    before = state(case_id)

    response = second.post(url, data=filled(seconds_form, comment="No", decision="reject"))

    assert response.status_code == 409
    assert state(case_id) == before
    assert "This item was already decided." in text(response.get_data(as_text=True))


def test_a_decision_that_is_neither_approve_nor_reject_is_refused(team):
    case_id = make_case(team.worker.user, status="plan_pending")
    approval_id = pending_approval(case_id).id
    before = state(case_id)

    response = team.boss.post(f"/approvals/{approval_id}/decide", data={"comment": "Hmm"})

    assert response.status_code in (400, 422)
    assert state(case_id) == before


def test_the_ids_on_a_case_page_are_unique(team):
    case_id = make_case(team.worker.user, team.boss.user, "monitoring")

    html = page(team.boss, f"/cases/{case_id}")

    ids = re.findall(r'\bid="([^"]+)"', html)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_the_approvals_queue_pages_through_a_long_queue(login_as, monkeypatch):
    from casework.blueprints.cases import views

    monkeypatch.setattr(views, "QUEUE_PAGE", 2)
    worker = login_as("caseworker")
    boss = login_as("supervisor")
    numbers = [reload(make_case(worker.user, status="plan_pending")).case_number for _ in range(3)]
    first = page(boss, "/approvals/")
    assert "3 items wait for a decision" in first
    assert [n for n in numbers if n in first] == numbers[:2]
    second = page(boss, "/approvals/?page=2")
    assert [n for n in numbers if n in second] == numbers[2:]
    api = boss.get("/approvals/?page=9")
    assert api.status_code == 200 and "Nothing waits for a decision." in api.get_data(as_text=True)


def test_my_work_lists_the_oldest_overdue_follow_ups_with_their_count(office, monkeypatch):
    from casework.services import work

    monkeypatch.setattr(work, "FOLLOW_UPS_LISTED", 1)
    case = db.session.scalar(select(Case).where(Case.case_number == office.registered))
    cases.add_follow_up(office.worker.user, case, "Older call", TODAY - timedelta(days=9))
    db.session.commit()
    html = page(office.worker, "/work/")
    overdue = text(element(html, "overdue"))
    assert "Older call" in overdue and "Call the family" not in overdue
    assert "Overdue follow-ups 2" in text(html)
    assert "The oldest 1 are listed." in html
