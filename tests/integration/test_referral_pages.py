"""The referral pages: a conflict victim referred to a psychosocial provider through the
pages alone, and the rules of the referral pages (consent, actions out of turn, the
"not answered" follow-up, four eyes, office isolation, partners).

Forms are filled the way a browser fills them: the page is fetched, its form read, some
fields changed, and the whole form posted back. Referrals are set up through the services
only where the test is about a later step.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from casework.domain.periods import nepal_today
from casework.extensions import db
from casework.models import (
    Approval,
    AuditEvent,
    Case,
    CaseEvent,
    DataTransfer,
    FollowUp,
    Referral,
)
from casework.services import approvals, cases, providers, referrals
from tests.factories import BeneficiaryFactory
from tests.pages import filled, form_at, form_with

TODAY = date.today()
NO_CONSENT_ON_RECORD = (
    "The person's record has no consent to referral to third parties. "
    "Record their consent on their profile first."
)
NOT_CONFIRMED = "Record that the person agreed to this referral before submitting it."
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


# --- reading pages -------------------------------------------------------------------------


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


def options(html: str, name: str) -> list[tuple[str, str]]:
    """The (value, text) options of the one select named `name`."""
    found = re.findall(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert len(found) == 1, f"{len(found)} selects named {name!r}"
    return [
        (unescape(value), unescape(label).strip())
        for value, label in re.findall(
            r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', found[0]
        )
    ]


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def history(html: str) -> list[str]:
    """The lines of the case history, without their time stamps."""
    items = re.findall(r"<li[^>]*>(.*?)</li>", element(html, "history"), re.S)
    return [re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d NPT · ", "", text(item)) for item in items]


def action_urls(html: str) -> list[str]:
    return re.findall(r'<form[^>]*action="(/referrals/\d+/\w+)"', html)


def approval_card(html: str, referral_id: int) -> tuple[int, str]:
    """The approvals-page card that links to this referral: (approval id, its HTML)."""
    found = [
        (int(ident.split("-")[1]), element(html, ident))
        for ident in re.findall(r'id="(approval-\d+)"', html)
        if f'href="/referrals/{referral_id}"' in element(html, ident)
    ]
    assert len(found) == 1, f"{len(found)} cards for referral {referral_id}"
    return found[0]


# --- the database --------------------------------------------------------------------------


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def reload(referral_id: int) -> Referral:
    db.session.expire_all()
    return db.session.get(Referral, referral_id)


def snapshot(referral_id: int) -> dict:
    """What a refused action must leave as it was."""
    referral = reload(referral_id)
    return {
        "status": referral.status,
        "version": referral.version,
        "sent_at": referral.sent_at,
        "approvals": [
            (a.id, a.status) for a in db.session.scalars(select(Approval).order_by(Approval.id))
        ],
        "transfers": count(DataTransfer),
        "follow_ups": count(FollowUp),
        "history": count(CaseEvent),
        "audit": count(AuditEvent),
    }


# --- setting up ----------------------------------------------------------------------------


def provider(name: str, services, district_ids=(27,), active=True, contact="") -> int:
    created = providers.create(
        None,
        {
            "name": name,
            "kind": "ngo",
            "services": list(services),
            "district_ids": list(district_ids),
            "contact": contact,
            "active": active,
        },
    )
    db.session.commit()
    return created.id


def conflict_case(worker, *, purposes=("registration", "referral"), office="KTM") -> int:
    person = BeneficiaryFactory(office_code=office, consent_purposes=list(purposes))
    db.session.flush()
    case = cases.open_case(
        worker,
        "conflict_victim",
        person.id,
        {
            "victim_categories": ["displaced"],
            "incident_date": date(2002, 5, 10),
            "incident_district_id": 27,
        },
    )
    db.session.commit()
    return case.id


def draft(worker, case_id: int, provider_id: int, **data) -> int:
    values = {
        "provider_id": provider_id,
        "service": "psychosocial",
        "urgency": "normal",
        "reason": "Sleep problems; asks for counselling",
        "consent_obtained": True,
        **data,
    }
    referral = referrals.create(worker, db.session.get(Case, case_id), values)
    db.session.commit()
    return referral.id


def advance(referral_id: int, to: str, worker, boss) -> None:
    """Move a referral on through the services to `to`."""
    steps = ["pending_approval", "approved", "sent", "accepted", "completed"]
    for step in steps[: steps.index(to) + 1]:
        referral = reload(referral_id)
        if step == "pending_approval":
            referrals.submit(worker, referral)
        elif step == "approved":
            approvals.decide(boss, referrals.pending_approval(referral), approve=True, comment="ok")
        elif step == "sent":
            referrals.send(worker, referral)
        elif step == "accepted":
            referrals.respond(worker, referral, True)
        else:
            referrals.complete(worker, referral, "Done")
        db.session.commit()


def act(client, referral_id: int, action: str, **changes):
    """On the referral page, fill in the form of one action and send it."""
    url = f"/referrals/{referral_id}/{action}"
    form = filled(form_at(page(client, f"/referrals/{referral_id}"), url), **changes)
    return client.post(url, data=form)


@pytest.fixture
def team(login_as):
    worker, boss = login_as("caseworker"), login_as("supervisor")
    tpo = provider("TPO Nepal", ["psychosocial", "medical"], contact="Baluwatar, 01-4431717")
    return SimpleNamespace(worker=worker, boss=boss, tpo=tpo)


# --- the whole journey ------------------------------------------------------------------------

REGISTRATION = {
    "given_name": "Kamala",
    "family_name": "Tamang",
    "sex": "female",
    "date_of_birth": "1984-04-11",
    "nationality": "NP",
    "phone": "9841234567",
    "district_id": "27",  # Kathmandu
    "local_level_id": "309",  # Kirtipur
    "ward": "5",
    "vulnerabilities": ["torture_survivor", "psychosocial"],
    "documents-0-doc_type": "citizenship",
    "documents-0-number": "27-01-70-04567",
    "documents-0-issuing_country": "NP",
    "consent_given": "y",
    "consent_date": (TODAY - timedelta(days=1)).isoformat(),
    "consent_purposes": ["registration", "assistance", "referral"],
}
REASON = "Sleep problems and flashbacks; asks for counselling near Kirtipur."


def age_of(born: date) -> int:
    return TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))


def test_a_conflict_victim_is_referred_to_a_psychosocial_provider_through_the_pages(login_as):
    worker, boss = login_as("caseworker"), login_as("supervisor")
    w, b = worker.user.username, boss.user.username
    tpo = provider("TPO Nepal", ["psychosocial", "medical"], contact="Baluwatar, 01-4431717")
    provider("Kathmandu Legal Aid Forum", ["legal_aid"])
    provider("Damak Counselling Centre", ["psychosocial"], district_ids=[4])
    provider("Closed Clinic", ["psychosocial"], active=False)

    # The caseworker registers the person, with consent to referral...
    form = filled(form_with(page(worker, "/beneficiaries/new"), "given_name"), **REGISTRATION)
    response = worker.post("/beneficiaries/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    person_id = int(re.fullmatch(r"/beneficiaries/(\d+)", response.headers["Location"])[1])

    # ...opens a conflict-victim case from the profile...
    assert f'href="/beneficiaries/{person_id}/cases/new"' in page(
        worker, f"/beneficiaries/{person_id}"
    )
    opening = f"/beneficiaries/{person_id}/cases/new?kind=conflict_victim"
    assert f'href="{opening}"' in page(worker, f"/beneficiaries/{person_id}/cases/new")
    form = filled(
        form_with(page(worker, opening), "incident_date"),
        victim_categories=["displaced", "torture"],
        incident_date="2002-05-10",
        incident_district_id="27",
        taskforce_reference="TF/KTM/2008/0042",
    )
    response = worker.post(opening, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    case_id = int(re.fullmatch(r"/cases/(\d+)", response.headers["Location"])[1])
    case_url = f"/cases/{case_id}"
    number = db.session.get(Case, case_id).case_number

    # ...and refers them: the providers are found by service in the person's district.
    new_url = f"/cases/{case_id}/referrals/new"
    assert f'href="{new_url}"' in page(worker, case_url)
    html = page(worker, new_url)
    assert [t for _, t in options(html, "provider_id")] == [
        "—",
        "Kathmandu Legal Aid Forum",
        "TPO Nepal",
    ]
    finder = form_with(html, "district_id")
    assert finder["district_id"] == "27"
    search = filled(finder, service="psychosocial")  # the browser sends the GET form
    found_url = f"{new_url}?{urlencode(list(search.items(multi=True)))}"
    html = page(worker, found_url)
    choices = options(html, "provider_id")
    assert [t for _, t in choices] == ["—", "TPO Nepal"]
    chosen = {t: v for v, t in choices}["TPO Nepal"]
    form = form_with(html, "reason")
    assert form["service"] == "psychosocial"
    response = worker.post(
        found_url,
        data=filled(
            form, provider_id=chosen, urgency="normal", reason=REASON, consent_obtained="y"
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    referral_id = int(re.fullmatch(r"/referrals/(\d+)", response.headers["Location"])[1])
    referral_url = f"/referrals/{referral_id}"
    html = page(worker, referral_url)
    assert "Draft" in text(html)
    assert action_urls(html) == [f"{referral_url}/submit", f"{referral_url}/cancel"]

    # The caseworker submits it.
    response = act(worker, referral_id, "submit")
    assert response.status_code == 302
    assert response.headers["Location"] == referral_url
    assert reload(referral_id).status == "pending_approval"

    # A supervisor approves it on the approvals page, which shows the provider and service.
    queue = page(boss, "/approvals/")
    approval_id, card = approval_card(queue, referral_id)
    assert "To TPO Nepal for Psychosocial" in text(card)
    assert "Kamala Tamang" in text(card)
    url = f"/approvals/{approval_id}/decide"
    response = boss.post(
        url,
        data=filled(form_at(queue, url), comment="Counselling is appropriate", decision="approve"),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/approvals/"
    assert reload(referral_id).status == "approved"

    # The caseworker sends it and gets the slip to print.
    response = act(worker, referral_id, "send")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{referral_url}/slip"
    slip_html = page(worker, f"{referral_url}/slip")
    slip = text(element(slip_html, "slip"))
    for shown in (
        "To: TPO Nepal",
        "Kamala Tamang",
        "Sex Female",
        f"Age {age_of(date(1984, 4, 11))}",
        "Phone +9779841234567",
        "Kirtipur, Kathmandu",
        "Service Psychosocial · Normal",
        REASON,
        f"Sent on {nepal_today().isoformat()}",  # the day in Nepal of the moment it was sent
    ):
        assert shown in slip, shown
    for withheld in (
        "1984",  # the date of birth
        "Date of birth",
        "Nationality",
        "Citizenship",
        "27-01-70-04567",
        "torture",
        "Psychosocial distress",
        "Vulnerab",
        "Displaced",
        "Categor",
    ):
        assert withheld.lower() not in slip.lower(), withheld
    assert not re.search(r"\bNP\b", slip)
    assert "Print the slip" in page(worker, referral_url)

    # The provider's answer, then the outcome.
    response = act(worker, referral_id, "accept", note="First session on Sunday")
    assert response.status_code == 302
    assert reload(referral_id).status == "accepted"
    response = act(worker, referral_id, "complete", outcome="Eight counselling sessions attended")
    assert response.status_code == 302
    referral = reload(referral_id)
    assert (referral.status, referral.outcome, referral.response_note) == (
        "completed",
        "Eight counselling sessions attended",
        "First session on Sunday",
    )
    assert (referral.created_by_id, referral.submitted_by_id, referral.decided_by_id) == (
        worker.user.id,
        worker.user.id,
        boss.user.id,
    )
    assert action_urls(page(worker, referral_url)) == []

    # The case page lists the referral and its history shows each step.
    case_html = page(worker, case_url)
    assert "TPO Nepal Psychosocial Completed" in text(element(case_html, "referrals"))
    assert history(case_html) == [
        f"{w} Case opened: → Registered",
        f"{w} Referral drafted",
        f"{w} Referral submitted",
        f"{b} Referral approved “Counselling is appropriate”",
        "system Follow-up added",
        f"{w} Referral sent",
        f"{w} Referral accepted “First session on Sunday”",
        f"{w} Referral completed “Eight counselling sessions attended”",
    ]
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    ).all()
    moves = [e.changes["status"] for e in events if e.event.startswith("referral_")]
    assert moves == [
        ["", "draft"],
        ["draft", "pending_approval"],
        ["pending_approval", "approved"],
        ["approved", "sent"],
        ["sent", "accepted"],
        ["accepted", "completed"],
    ]
    audit = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case_id))
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.user_id) for e in audit] == [
        ("case.open", worker.user.id),
        ("case.referral_create", worker.user.id),
        ("case.referral_submit", worker.user.id),
        ("case.referral_approve", boss.user.id),
        ("case.follow_up", worker.user.id),  # raised by the sending, in the worker's request
        ("case.referral_send", worker.user.id),
        ("case.referral_accept", worker.user.id),
        ("case.referral_complete", worker.user.id),
    ]
    assert all(e.changes["referral_id"] == referral_id for e in audit[1:4] + audit[5:])
    assert audit[5].changes["provider"] == "TPO Nepal"
    approval = db.session.get(Approval, approval_id)
    assert (approval.approval_type, approval.status, approval.decided_by_id) == (
        "referral",
        "approved",
        boss.user.id,
    )
    assert approval.decision_comment == "Counselling is appropriate"

    # The sending is recorded as a transfer of personal data, on the consent of the day.
    transfer = db.session.scalars(select(DataTransfer)).one()
    assert (transfer.referral_id, transfer.beneficiary_id, transfer.provider_id) == (
        referral_id,
        person_id,
        tpo,
    )
    assert (transfer.sent_by_id, transfer.fields) == (worker.user.id, SLIP_FIELDS)
    assert transfer.consent == {
        "given": True,
        "date": REGISTRATION["consent_date"],
        "purposes": ["registration", "assistance", "referral"],
        "confirmed_for_referral": True,
    }
    # The "not answered" follow-up was raised at sending and closed by the answer.
    follow_up = db.session.scalars(select(FollowUp)).one()
    assert re.fullmatch(not_answered(referral_id), follow_up.title), follow_up.title
    assert follow_up.automatic is True
    assert follow_up.due_date == TODAY + timedelta(days=14)
    assert follow_up.done_at is not None and follow_up.done_by_id == worker.user.id

    # The profile lists what was shared with the provider.
    profile = page(worker, f"/beneficiaries/{person_id}")
    shared = text(element(profile, "transfers"))
    assert "TPO Nepal" in shared and f"by {w}" in shared
    shown_fields = "Name, Name in Devanagari, Sex, Age, Phone, District, Local level, Service"
    assert f"fields: {shown_fields}, Urgency, Reason, Referred by" in shared
    assert f"{number} · Conflict victim · Registered" in text(element(profile, "cases"))


def test_the_profile_says_nothing_was_shared_before_a_referral_is_sent(team):
    case_id = conflict_case(team.worker.user)
    referral_id = draft(team.worker.user, case_id, team.tpo)
    advance(referral_id, "approved", team.worker.user, team.boss.user)
    person_id = db.session.get(Case, case_id).beneficiary_id
    profile = page(team.worker, f"/beneficiaries/{person_id}")
    assert text(element(profile, "transfers")) == "Nothing shared."
    assert team.worker.get(f"/referrals/{referral_id}/slip").status_code == 404


# --- the provider search on the referral page -----------------------------------------------


def test_the_provider_choice_follows_service_and_district(team):
    provider("Jhapa Legal Aid", ["legal_aid"], district_ids=[4])
    provider("Nationwide Legal Aid", ["legal_aid"], district_ids=[4, 27])
    case_id = conflict_case(team.worker.user)
    url = f"/cases/{case_id}/referrals/new"
    names = [t for _, t in options(page(team.worker, f"{url}?service=legal_aid"), "provider_id")]
    assert names == ["—", "Nationwide Legal Aid"]
    names = [
        t
        for _, t in options(
            page(team.worker, f"{url}?service=legal_aid&district_id=4"), "provider_id"
        )
    ]
    assert names == ["—", "Jhapa Legal Aid", "Nationwide Legal Aid"]
    names = [
        t
        for _, t in options(
            page(team.worker, f"{url}?service=medical&all_districts=1"), "provider_id"
        )
    ]
    assert names == ["—", "TPO Nepal"]


def test_a_provider_without_the_service_is_refused_on_the_form(team):
    legal = provider("Kathmandu Legal Aid Forum", ["legal_aid"])
    case_id = conflict_case(team.worker.user)
    url = f"/cases/{case_id}/referrals/new"
    form = form_with(page(team.worker, url), "reason")
    response = team.worker.post(
        url,
        data=filled(form, service="psychosocial", provider_id=str(legal), reason="Counselling"),
    )
    assert response.status_code == 422
    assert "This provider does not offer that service." in unescape(response.get_data(as_text=True))
    assert count(Referral) == 0


# --- consent -------------------------------------------------------------------------------


def test_submitting_without_consent_on_record_is_refused_on_the_page(team):
    case_id = conflict_case(team.worker.user, purposes=("registration", "assistance"))
    referral_id = draft(team.worker.user, case_id, team.tpo)
    html = page(team.worker, f"/referrals/{referral_id}")
    assert "The person's record has no consent to referral to third parties." in unescape(html)
    before = snapshot(referral_id)
    response = act(team.worker, referral_id, "submit")
    assert response.status_code == 422
    shown = unescape(response.get_data(as_text=True))
    assert NO_CONSENT_ON_RECORD in shown
    assert NOT_CONFIRMED not in shown
    assert snapshot(referral_id) == before
    assert count(Approval) == 0


def test_submitting_without_the_persons_agreement_to_this_referral_is_refused(team):
    case_id = conflict_case(team.worker.user)
    referral_id = draft(team.worker.user, case_id, team.tpo, consent_obtained=False)
    before = snapshot(referral_id)
    response = act(team.worker, referral_id, "submit")
    assert response.status_code == 422
    shown = unescape(response.get_data(as_text=True))
    assert NOT_CONFIRMED in shown
    assert NO_CONSENT_ON_RECORD not in shown
    assert snapshot(referral_id) == before


def test_with_consent_on_record_and_agreement_the_submission_goes_through(team):
    case_id = conflict_case(team.worker.user)
    referral_id = draft(team.worker.user, case_id, team.tpo)
    response = act(team.worker, referral_id, "submit")
    assert response.status_code == 302
    assert reload(referral_id).status == "pending_approval"
    item = db.session.scalars(select(Approval)).one()
    assert (item.approval_type, item.subject_id, item.requested_by_id) == (
        "referral",
        referral_id,
        team.worker.user.id,
    )


def test_consent_withdrawn_after_approval_stops_the_sending(team):
    case_id = conflict_case(team.worker.user)
    referral_id = draft(team.worker.user, case_id, team.tpo)
    advance(referral_id, "approved", team.worker.user, team.boss.user)
    person = db.session.get(Case, case_id).beneficiary
    person.consent_purposes = ["registration"]
    db.session.commit()
    before = snapshot(referral_id)
    response = act(team.worker, referral_id, "send")
    assert response.status_code == 422
    assert "The consent to referral was withdrawn; it cannot be sent." in unescape(
        response.get_data(as_text=True)
    )
    assert snapshot(referral_id) == before


# --- actions the status does not allow ---------------------------------------------------------

# (status, action, the message's list of what is possible; None where the wording of the
# provider's answer (accept/decline, or "respond" as the API calls it) is involved)
OUT_OF_TURN = [
    ("draft", "send", "submit, cancel"),
    ("draft", "accept", None),
    ("draft", "complete", "submit, cancel"),
    ("pending_approval", "submit", "approve, reject, cancel"),
    ("pending_approval", "send", "approve, reject, cancel"),
    ("approved", "accept", None),
    ("approved", "complete", "send, cancel"),
    ("sent", "cancel", None),
    ("sent", "complete", None),
    ("completed", "cancel", "nothing more"),
]


@pytest.mark.parametrize(("status", "action", "possible"), OUT_OF_TURN)
def test_an_action_the_status_does_not_allow_is_refused_with_409(team, status, action, possible):
    case_id = conflict_case(team.worker.user)
    referral_id = draft(team.worker.user, case_id, team.tpo)
    if status != "draft":
        advance(referral_id, status, team.worker.user, team.boss.user)
    html = page(team.worker, f"/referrals/{referral_id}")
    url = f"/referrals/{referral_id}/{action}"
    assert url not in action_urls(html)  # the page does not offer it...
    before = snapshot(referral_id)
    form = {"version": str(before["version"]), "outcome": "Done", "reason": "Changed plans"}
    response = team.worker.post(url, data=form)  # ...and refuses it when sent anyway
    assert response.status_code == 409
    shown = unescape(response.get_data(as_text=True))
    assert f"is not possible while the referral is {status}. Possible: " in shown
    if possible is not None:
        message = f"{action} is not possible while the referral is {status}. Possible: {possible}."
        assert message in shown
    assert snapshot(referral_id) == before


def test_cancelling_a_pending_referral_takes_it_off_the_queue(team):
    case_id = conflict_case(team.worker.user)
    referral_id = draft(team.worker.user, case_id, team.tpo)
    advance(referral_id, "pending_approval", team.worker.user, team.boss.user)
    assert f'href="/referrals/{referral_id}"' in page(team.boss, "/approvals/")
    response = act(team.worker, referral_id, "cancel", reason="The person moved to Pokhara")
    assert response.status_code == 302
    assert reload(referral_id).status == "cancelled"
    assert db.session.scalars(select(Approval)).one().status == "cancelled"
    assert f'href="/referrals/{referral_id}"' not in page(team.boss, "/approvals/")


def test_a_stale_referral_page_is_refused(team):
    case_id = conflict_case(team.worker.user)
    referral_id = draft(team.worker.user, case_id, team.tpo)
    html = page(team.worker, f"/referrals/{referral_id}")
    referrals.cancel(team.worker.user, reload(referral_id), "duplicate")
    db.session.commit()
    url = f"/referrals/{referral_id}/submit"
    response = team.worker.post(url, data=form_at(html, url))
    assert response.status_code == 409
    assert reload(referral_id).status == "cancelled"


# --- the "not answered" follow-up ------------------------------------------------------------


def not_answered(referral_id: int) -> str:
    """The title of the automatic follow-up (a pattern: it may name the referral)."""
    return rf"Referral (?:{referral_id} )?not answered: TPO Nepal"


def overdue(client) -> str:
    return text(element(page(client, "/work/"), "overdue"))


def sent_referral(team) -> tuple[int, int]:
    case_id = conflict_case(team.worker.user)
    referral_id = draft(team.worker.user, case_id, team.tpo)
    advance(referral_id, "sent", team.worker.user, team.boss.user)
    return case_id, referral_id


def make_overdue(case_id: int) -> FollowUp:
    follow_up = db.session.scalars(select(FollowUp).where(FollowUp.case_id == case_id)).one()
    follow_up.due_date = TODAY - timedelta(days=1)
    db.session.commit()
    return follow_up


def test_an_unanswered_referral_shows_as_overdue_after_the_due_date(team):
    case_id, referral_id = sent_referral(team)
    number = db.session.get(Case, case_id).case_number
    follow_up = db.session.scalars(select(FollowUp)).one()
    assert follow_up.due_date == TODAY + timedelta(days=14)
    assert "not answered" not in overdue(team.worker)
    make_overdue(case_id)
    line = rf"{TODAY - timedelta(days=1)} · {number} · {not_answered(referral_id)}"
    assert re.fullmatch(line, overdue(team.worker))
    assert re.fullmatch(line, overdue(team.boss))  # the office's too


def test_the_providers_answer_clears_the_not_answered_follow_up(team):
    case_id, referral_id = sent_referral(team)
    make_overdue(case_id)
    assert re.search(not_answered(referral_id), overdue(team.worker))
    response = act(team.worker, referral_id, "decline", note="No capacity this month")
    assert response.status_code == 302
    assert reload(referral_id).status == "declined"
    assert "not answered" not in overdue(team.worker)
    follow_up = db.session.scalars(select(FollowUp)).one()
    assert follow_up.done_at is not None and follow_up.done_by_id == team.worker.user.id


def test_the_follow_up_uses_the_days_of_the_setting(team, login_as):
    admin = login_as("admin")
    form = form_with(page(admin, "/admin/settings"), "referral_response_days")
    response = admin.post("/admin/settings", data=filled(form, referral_response_days="5"))
    assert response.status_code == 302
    case_id, _ = sent_referral(team)
    follow_up = db.session.scalars(select(FollowUp).where(FollowUp.case_id == case_id)).one()
    assert follow_up.due_date == TODAY + timedelta(days=5)


def test_answering_one_referral_leaves_the_follow_up_of_another_open(team):
    case_id = conflict_case(team.worker.user)
    first = draft(team.worker.user, case_id, team.tpo, service="psychosocial")
    second = draft(team.worker.user, case_id, team.tpo, service="medical")
    for referral_id in (first, second):
        advance(referral_id, "sent", team.worker.user, team.boss.user)
    assert count(FollowUp, FollowUp.done_at.is_(None)) == 2
    assert act(team.worker, first, "accept").status_code == 302
    assert count(FollowUp, FollowUp.done_at.is_(None)) == 1


# --- the approvals queue: urgent first, four eyes ------------------------------------------------


def test_urgent_referrals_come_before_older_normal_ones(team):
    first_case = conflict_case(team.worker.user)
    second_case = conflict_case(team.worker.user)
    normal = draft(team.worker.user, first_case, team.tpo, reason="Routine counselling")
    urgent = draft(team.worker.user, second_case, team.tpo, urgency="urgent", reason="Crisis")
    advance(normal, "pending_approval", team.worker.user, team.boss.user)
    advance(urgent, "pending_approval", team.worker.user, team.boss.user)
    older = db.session.scalars(select(Approval).where(Approval.subject_id == normal)).one()
    older.requested_at = datetime.now(UTC) - timedelta(hours=3)
    db.session.commit()
    html = page(team.boss, "/approvals/")
    # Both are listed, each with its provider and service; the urgent one is marked.
    cards = [approval_card(html, rid)[1] for rid in (normal, urgent)]
    assert all("To TPO Nepal for Psychosocial" in text(card) for card in cards)
    assert "urgent" in text(cards[1]) and "urgent" not in text(cards[0])
    assert html.index(f'href="/referrals/{urgent}"') < html.index(f'href="/referrals/{normal}"')
    # Two normal ones: the older first.
    third_case = conflict_case(team.worker.user)
    later = draft(team.worker.user, third_case, team.tpo, reason="Later")
    advance(later, "pending_approval", team.worker.user, team.boss.user)
    html = page(team.boss, "/approvals/")
    order = [html.index(f'href="/referrals/{rid}"') for rid in (urgent, normal, later)]
    assert order == sorted(order)


def test_the_supervisor_who_submitted_a_referral_cannot_decide_it(team, login_as):
    case_id = conflict_case(team.worker.user)
    referral_id = draft(team.boss.user, case_id, team.tpo)
    response = act(team.boss, referral_id, "submit")
    assert response.status_code == 302
    html = page(team.boss, "/approvals/")
    approval_id, card = approval_card(html, referral_id)
    assert "You asked for this: another supervisor decides it." in text(card)
    assert "/decide" not in card
    before = snapshot(referral_id)
    response = team.boss.post(
        f"/approvals/{approval_id}/decide", data={"comment": "Fine", "decision": "approve"}
    )
    assert response.status_code == 403
    assert snapshot(referral_id) == before
    # Another supervisor of the office decides it.
    other = login_as("supervisor")
    html = page(other, "/approvals/")
    url = f"/approvals/{approval_id}/decide"
    response = other.post(url, data=filled(form_at(html, url), comment="Fine", decision="approve"))
    assert response.status_code == 302
    assert reload(referral_id).status == "approved"
    assert reload(referral_id).decided_by_id == other.user.id


def test_a_rejected_referral_is_not_sent(team):
    case_id = conflict_case(team.worker.user)
    referral_id = draft(team.worker.user, case_id, team.tpo)
    advance(referral_id, "pending_approval", team.worker.user, team.boss.user)
    html = page(team.boss, "/approvals/")
    approval_id, _ = approval_card(html, referral_id)
    url = f"/approvals/{approval_id}/decide"
    without = team.boss.post(url, data=filled(form_at(html, url), decision="reject"))
    assert without.status_code == 422
    assert reload(referral_id).status == "pending_approval"
    response = team.boss.post(
        url, data=filled(form_at(html, url), comment="Use the local clinic", decision="reject")
    )
    assert response.status_code == 302
    referral = reload(referral_id)
    assert (referral.status, referral.decision_reason) == ("rejected", "Use the local clinic")
    assert action_urls(page(team.worker, f"/referrals/{referral_id}")) == []
    assert team.worker.post(f"/referrals/{referral_id}/send", data={}).status_code == 409
    assert count(DataTransfer) == 0


# --- who reaches the referral pages --------------------------------------------------------------


def test_a_supervisor_of_another_office_gets_404(team, login_as):
    dmk = login_as("supervisor", "DMK")
    case_id = conflict_case(team.worker.user)
    referral_id = draft(team.worker.user, case_id, team.tpo)
    advance(referral_id, "sent", team.worker.user, team.boss.user)
    pending = draft(team.worker.user, case_id, team.tpo, service="medical")
    advance(pending, "pending_approval", team.worker.user, team.boss.user)
    approval_id = db.session.scalars(select(Approval).where(Approval.status == "pending")).one().id
    for url in (
        f"/referrals/{referral_id}",
        f"/referrals/{referral_id}/slip",
        f"/referrals/{pending}",
        f"/cases/{case_id}/referrals/new",
    ):
        assert team.boss.get(url).status_code == 200, url
        assert dmk.get(url).status_code == 404, url
    before = snapshot(referral_id)
    assert dmk.post(f"/referrals/{referral_id}/accept", data={}).status_code == 404
    assert dmk.post(f"/referrals/{pending}/cancel", data={}).status_code == 404
    assert f'href="/referrals/{pending}"' not in page(dmk, "/approvals/")
    response = dmk.post(
        f"/approvals/{approval_id}/decide", data={"comment": "Fine", "decision": "approve"}
    )
    assert response.status_code == 404
    assert snapshot(referral_id) == before
    assert reload(pending).status == "pending_approval"


def test_another_caseworker_of_the_office_gets_404(team, login_as):
    other = login_as("caseworker")
    case_id = conflict_case(team.worker.user)
    referral_id = draft(team.worker.user, case_id, team.tpo)
    assert other.get(f"/referrals/{referral_id}").status_code == 404
    assert other.post(f"/referrals/{referral_id}/submit", data={}).status_code == 404
    assert reload(referral_id).status == "draft"


def test_partners_are_refused_the_directory_and_the_referral_pages(team, login_as):
    partner = login_as("partner")
    case_id = conflict_case(team.worker.user)
    referral_id = draft(team.worker.user, case_id, team.tpo)
    advance(referral_id, "sent", team.worker.user, team.boss.user)
    assert team.worker.get("/providers/").status_code == 200
    for url in (
        "/providers/",
        f"/referrals/{referral_id}",
        f"/referrals/{referral_id}/slip",
        f"/cases/{case_id}/referrals/new",
        "/approvals/",
    ):
        response = partner.get(url)
        assert response.status_code == 403, url
        assert "TPO Nepal" not in response.get_data(as_text=True)
    before = snapshot(referral_id)
    for action in ("accept", "cancel"):
        assert partner.post(f"/referrals/{referral_id}/{action}", data={}).status_code == 403
    assert partner.post(f"/cases/{case_id}/referrals/new", data={}).status_code == 403
    assert snapshot(referral_id) == before


def test_the_directory_lists_active_providers_for_staff(team):
    provider("Closed Clinic", ["psychosocial"], active=False)
    html = page(team.worker, "/providers/?service=psychosocial")
    assert "TPO Nepal" in html and "Closed Clinic" not in html


def test_the_new_referral_is_stored_as_a_draft_with_what_was_typed(team):
    case_id = conflict_case(team.worker.user)
    url = f"/cases/{case_id}/referrals/new?service=psychosocial"
    html = page(team.worker, url)
    chosen = {t: v for v, t in options(html, "provider_id")}["TPO Nepal"]
    form = filled(
        form_with(html, "reason"),
        provider_id=chosen,
        urgency="urgent",
        reason="",
        consent_obtained=None,
    )
    response = team.worker.post(url, data=form)
    assert response.status_code == 422
    shown = unescape(response.get_data(as_text=True))
    assert "Say why the person is referred." in shown
    kept = form_with(shown, "reason")
    assert (kept["provider_id"], kept["urgency"]) == (chosen, "urgent")
    assert count(Referral) == 0
    response = team.worker.post(url, data=filled(kept, reason="Crisis support"))
    assert response.status_code == 302
    referral = db.session.scalars(select(Referral)).one()
    assert (referral.status, referral.urgency, referral.consent_obtained, referral.reason) == (
        "draft",
        "urgent",
        False,
        "Crisis support",
    )
    assert referral.provider_id == team.tpo
