"""The follow-ups Casework adds itself are stored in English (the services find them again
by title) and shown in the reader's language."""

from __future__ import annotations

from flask_babel import refresh

from casework.domain import follow_ups
from casework.extensions import db
from casework.models import Case, FollowUp, Referral
from casework.services import providers, referrals
from tests.i18n.test_messages_in_nepali import nepali
from tests.integration.test_case_pages import make_case
from tests.integration.test_referral_pages import advance


def test_casework_s_own_titles_are_shown_in_the_readers_language(app):
    title = follow_ups.not_answered_title(7, "TPO Nepal")
    assert title == "Referral 7 not answered: TPO Nepal"
    with app.test_request_context("/?lang=ne"):
        refresh()  # the test's app context outlives requests: forget its translations
        assert follow_ups.shown_title("Monitoring visit") == nepali("Monitoring visit")
        expected = nepali("Referral %(id)s not answered: %(provider)s") % {
            "id": "7",
            "provider": "TPO Nepal",
        }
        assert follow_ups.shown_title(title) == expected
        assert follow_ups.shown_title("Call about the sewing machine") == (
            "Call about the sewing machine"  # typed by a person: as typed
        )
    with app.test_request_context("/?lang=en"):
        refresh()
        assert follow_ups.shown_title(title) == title


def test_the_reminder_sent_in_nepali_is_closed_by_an_answer_in_english(app, login_as):
    worker, boss = login_as("caseworker", language="ne"), login_as("supervisor")
    case_id = make_case(worker.user, boss.user)
    case = db.session.get(Case, case_id)
    case.beneficiary.consent_purposes = ["registration", "referral"]
    provider = providers.create(
        None, {"name": "TPO Nepal", "kind": "ngo", "services": ["medical"], "district_ids": [27]}
    )
    referral = referrals.create(
        worker.user,
        case,
        {"provider_id": provider.id, "service": "medical", "reason": "x", "consent_obtained": True},
    )
    db.session.commit()
    with app.test_request_context("/?lang=ne"):
        advance(referral.id, "sent", worker.user, boss.user)
    [reminder] = db.session.scalars(db.select(FollowUp).where(FollowUp.automatic)).all()
    assert reminder.title == f"Referral {referral.id} not answered: TPO Nepal"

    with app.test_request_context("/?lang=en"):
        referrals.respond(worker.user, db.session.get(Referral, referral.id), True)
        db.session.commit()

    db.session.refresh(reminder)
    assert reminder.done_at is not None


def test_the_case_page_shows_the_monitoring_follow_up_in_nepali(login_as):
    worker, boss = login_as("caseworker", language="ne"), login_as("supervisor")
    case_id = make_case(worker.user, boss.user, status="monitoring")  # a delivery: a visit due

    html = worker.get(f"/cases/{case_id}").get_data(as_text=True)

    assert nepali("Monitoring visit") in html
    assert "Monitoring visit" not in html
