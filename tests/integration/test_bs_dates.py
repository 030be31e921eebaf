"""Dates in Bikram Sambat on the pages: BS input on forms (stored in AD), dates shown in
each user's calendar and digits, times in Nepal time, and the date picker's month table.

Users' calendar and digits are set on their User row (the profile page is tested with it).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import request
from flask_login import login_user
from sqlalchemy import select

from casework.blueprints.cases.forms import PipelineFilterForm, StageForm
from casework.blueprints.reports.forms import builder_args
from casework.domain.calendar import bs_iso, latin_digits, month_length
from casework.domain.periods import nepal_today
from casework.extensions import db
from casework.models import Beneficiary, FollowUp
from tests import factories
from tests.integration.test_beneficiary_pages import registration_form, thapa
from tests.integration.test_case_pages import make_case
from tests.pages import field_errors, filled, form_with

# Yesterday in Nepal is in the past for every clock (the server's UTC day is behind
# Nepal's from 18:15 to 24:00 UTC, and the services' "not in the future" rules use it).
YESTERDAY = nepal_today() - timedelta(days=1)
TODAY = nepal_today()
DOB_AD, DOB_BS = date(1996, 2, 13), "2052-11-01"


def register(client, **changes):
    """Post the registration form, with the consent date given in the user's calendar."""
    consent = {"consent_date": bs_iso(TODAY - timedelta(days=1))}
    return client.post(
        "/beneficiaries/new", data=registration_form(client, **{**consent, **changes})
    )


def stored_people() -> list[Beneficiary]:
    db.session.expire_all()
    return list(db.session.scalars(select(Beneficiary)))


def date_input(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert match, f"no input {name}"
    return match.group(0)


# --- typing BS dates into forms ------------------------------------------------------------


def test_a_bs_caseworker_registers_a_date_of_birth_in_bs_and_ad_is_stored(login_as):
    client = login_as("caseworker", calendar="bs")

    response = register(client, date_of_birth=DOB_BS)

    assert response.status_code == 302
    [person] = stored_people()
    assert person.date_of_birth == DOB_AD
    assert person.consent_date == TODAY - timedelta(days=1)


def test_a_bs_date_in_devanagari_digits_is_read(login_as):
    client = login_as("caseworker", calendar="bs")

    response = register(client, date_of_birth="२०५२-११-०१")

    assert response.status_code == 302
    assert [p.date_of_birth for p in stored_people()] == [DOB_AD]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        pytest.param("2081-01-32", "Baishakh 2081 has 31 days.", id="day-the-month-lacks"),
        pytest.param("2081-13-01", "A BS month is from 1 to 12.", id="no-such-month"),
        pytest.param(
            "13/02/1996", "Give a BS date as YYYY-MM-DD, such as 2081-01-15.", id="not-bs-format"
        ),
        pytest.param(
            "2101-01-01",
            "Bikram Sambat dates from 1975-01-01 to 2100-12-30 only (1918-04-13 to 2044-04-12 AD).",
            id="outside-the-range",
        ),
    ],
)
def test_an_impossible_bs_date_is_shown_on_its_field_and_nothing_is_stored(
    login_as, typed, message
):
    assert month_length(2100, 12) == 30  # the range in the message
    client = login_as("caseworker", calendar="bs")

    response = register(client, date_of_birth=typed)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "date_of_birth") == [message]
    assert f'value="{typed}"' in date_input(html, "date_of_birth")  # kept to be corrected
    assert stored_people() == []


def test_an_ad_caseworker_keeps_the_browsers_date_input_and_ad_dates(login_as):
    client = login_as("caseworker")  # calendar "ad", the default
    html = client.get("/beneficiaries/new").get_data(as_text=True)
    assert 'type="date"' in date_input(html, "date_of_birth")
    assert "date_of_birth-calendar" not in html

    response = register(client, date_of_birth="1996-02-13", consent_date=YESTERDAY.isoformat())

    assert response.status_code == 302
    assert [p.date_of_birth for p in stored_people()] == [DOB_AD]


def test_a_bs_users_date_input_is_text_with_the_picker(login_as):
    client = login_as("caseworker", calendar="bs")

    html = client.get("/beneficiaries/new").get_data(as_text=True)

    field = date_input(html, "date_of_birth")
    assert 'type="text"' in field
    assert 'placeholder="YYYY-MM-DD (BS)"' in field
    assert 'data-bikram-sambat="/calendar/bs-months.json"' in field
    assert 'data-for="date_of_birth"' in html  # the picker's button
    assert "date_of_birth-calendar" not in html  # BS only: nothing to choose
    assert "/static/js/bs-date-picker.js" in html


def test_the_edit_form_shows_the_stored_date_in_bs(login_as):
    client = login_as("caseworker", calendar="bs")
    person = thapa()  # born 2 March 1985 = 2041-11-19 BS

    html = client.get(f"/beneficiaries/{person.id}/edit").get_data(as_text=True)

    assert 'value="2041-11-19"' in date_input(html, "date_of_birth")


def test_the_edit_form_shows_bs_in_devanagari_digits_for_a_devanagari_reader(login_as):
    client = login_as("caseworker", calendar="bs", digits="devanagari")
    person = thapa()

    html = client.get(f"/beneficiaries/{person.id}/edit").get_data(as_text=True)

    assert 'value="२०४१-११-१९"' in date_input(html, "date_of_birth")


def test_a_date_bs_cannot_show_is_edited_in_ad_and_kept_as_it_was(login_as):
    client = login_as("caseworker", calendar="bs")
    person = factories.BeneficiaryFactory(date_of_birth=date(1910, 5, 1))
    db.session.commit()
    consent_given_on = person.consent_date
    url = f"/beneficiaries/{person.id}/edit"
    html = client.get(url).get_data(as_text=True)
    assert 'value="1910-05-01"' in date_input(html, "date_of_birth")
    form = form_with(html, "given_name")
    assert form.get("date_of_birth-calendar") == "ad"

    response = client.post(url, data=filled(form, given_name="Hari"))

    assert response.status_code == 302

    [kept] = stored_people()
    assert (kept.given_name, kept.date_of_birth) == ("Hari", date(1910, 5, 1))
    assert kept.consent_date == consent_given_on  # shown in BS, read back from BS


# --- users who read both calendars -----------------------------------------------------------


def test_a_both_user_chooses_the_calendar_next_to_the_field_bs_first(login_as):
    client = login_as("caseworker", calendar="both")

    html = client.get("/beneficiaries/new").get_data(as_text=True)

    form = form_with(html, "given_name")
    assert form.get("date_of_birth-calendar") == "bs"
    assert 'aria-label="Calendar of Date of birth"' in html


@pytest.mark.parametrize(("calendar", "typed"), [("bs", DOB_BS), ("ad", "1996-02-13")])
def test_a_both_user_types_in_the_calendar_chosen(login_as, calendar, typed):
    client = login_as("caseworker", calendar="both")

    response = register(client, date_of_birth=typed, **{"date_of_birth-calendar": calendar})

    assert response.status_code == 302
    assert [p.date_of_birth for p in stored_people()] == [DOB_AD]


def test_a_both_user_with_an_impossible_ad_date_is_told_on_the_field(login_as):
    client = login_as("caseworker", calendar="both")

    response = register(client, date_of_birth="1996-02-30", **{"date_of_birth-calendar": "ad"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "date_of_birth") == ["Not a valid date value."]
    assert form_with(html, "given_name").get("date_of_birth-calendar") == "ad"


# --- dates on cases ----------------------------------------------------------------------------


def test_a_follow_up_due_date_given_in_bs_is_stored_in_ad(login_as):
    worker = login_as("caseworker", calendar="bs")
    case_id = make_case(worker.user)
    due = TODAY + timedelta(days=3)
    url = f"/cases/{case_id}/follow-ups"

    response = worker.post(url, data={"title": "Call the family", "due_date": bs_iso(due)})

    assert response.status_code == 302
    db.session.expire_all()
    [follow_up] = db.session.scalars(select(FollowUp)).all()
    assert follow_up.due_date == due
    page = worker.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f"{bs_iso(due)} BS" in page


def test_a_follow_up_due_on_a_bs_day_that_does_not_exist_is_refused(login_as):
    worker = login_as("caseworker", calendar="bs")
    case_id = make_case(worker.user)

    response = worker.post(
        f"/cases/{case_id}/follow-ups", data={"title": "Call", "due_date": "2082-02-33"}
    )

    assert response.status_code == 422
    assert "Jestha 2082 has" in response.get_data(as_text=True)
    assert db.session.scalars(select(FollowUp)).all() == []


# --- dates shown --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "digits", "shown"),
    [
        ("ad", "latin", "1996-02-13"),
        ("bs", "latin", "2052-11-01 BS"),
        ("both", "latin", "1996-02-13 (2052-11-01 BS)"),
        ("bs", "devanagari", "२०५२-११-०१ BS"),
    ],
)
def test_the_profile_shows_the_date_of_birth_in_the_readers_calendar(
    login_as, calendar, digits, shown
):
    client = login_as("caseworker", calendar=calendar, digits=digits)
    person = factories.BeneficiaryFactory(date_of_birth=DOB_AD)
    db.session.commit()

    html = client.get(f"/beneficiaries/{person.id}").get_data(as_text=True)

    assert re.search(r"Date of birth</dt><dd[^>]*>" + re.escape(shown) + r"(?:<| \()", html)


@pytest.mark.parametrize(
    ("calendar", "digits", "shown"),
    [
        ("ad", "latin", "2024-04-14 00:15 NPT"),  # 18:30 UTC is a quarter past midnight in Nepal
        ("bs", "latin", "2081-01-02 BS 00:15 NPT"),
        ("bs", "devanagari", "२०८१-०१-०२ BS ००:१५ NPT"),
    ],
)
def test_times_are_shown_in_nepal_time_with_the_date_in_the_readers_calendar(
    app, make_user, calendar, digits, shown
):
    user = make_user(calendar=calendar, digits=digits)
    moment = datetime(2024, 4, 13, 18, 30, tzinfo=UTC)
    with app.test_request_context("/"):
        login_user(user)
        assert app.jinja_env.filters["datetime"](moment) == shown
        # A date taken from that moment is Nepal's day too.
        assert app.jinja_env.filters["date"](moment) == shown.rsplit(" ", 2)[0]


def test_dates_and_times_kept_as_iso_text_are_shown_the_same_way(app, make_user):
    user = make_user(calendar="bs")
    with app.test_request_context("/"):
        login_user(user)
        filters = app.jinja_env.filters
        assert filters["date"]("1996-02-13") == "2052-11-01 BS"  # an import's match
        assert filters["datetime"]("2024-04-13T18:30:00+00:00") == "2081-01-02 BS 00:15 NPT"
        assert filters["date"]("unknown") == "unknown"  # text that is no date stays as is


# --- the picker's month table -----------------------------------------------------------------


def test_the_picker_table_gives_the_month_lengths_of_2081(login_as):
    client = login_as("caseworker", calendar="bs")

    response = client.get("/calendar/bs-months.json")

    assert response.status_code == 200
    data = response.get_json()
    [year] = [y for y in data["years"] if y["year"] == 2081]
    assert year["start"] == "2024-04-13"
    assert [days for days, _ in year["months"]] == [
        31, 32, 31, 32, 31, 30, 30, 30, 29, 30, 29, 31,
    ]  # fmt: skip
    assert data["months"]["ne"][0] == "बैशाख"
    assert "max-age" in response.headers["Cache-Control"]


def test_the_picker_table_needs_a_signed_in_user(client):
    assert client.get("/calendar/bs-months.json").status_code == 302


# --- a saved report's own dates -----------------------------------------------------------------


def test_a_saved_reports_dates_are_marked_ad_for_the_builder():
    definition = {
        "subject": "beneficiaries",
        "group_by": ["sex"],
        "period": {"from": "2024-04-13", "to": "2024-05-01", "fiscal_year": None},
    }

    args = builder_args(definition, {"fiscal_year": "", "start": "", "end": ""})

    assert args["start"] == "2024-04-13" and args["start-calendar"] == "ad"
    assert args["end"] == "2024-05-01" and args["end-calendar"] == "ad"


def test_a_bs_user_following_a_saved_reports_link_gets_its_ad_period(login_as):
    client = login_as("supervisor", calendar="bs")

    html = client.get(
        "/reports/?subject=beneficiaries&dim1=sex&start=2024-04-13&start-calendar=ad"
    ).get_data(as_text=True)

    assert "2024-04-13" in date_input(html, "start")
    # The marker is kept on the page (AD chosen next to the field), so a resent form
    # still reads 2024-04-13 as AD, not as BS (which would be 1967).
    assert form_with(html, "subject").get("start-calendar") == "ad"


# --- the resettlement pipeline's period ---------------------------------------------------------


def test_the_pipeline_period_is_read_in_the_users_calendar(app, make_user):
    user = make_user(office="DMK", calendar="bs")
    with app.test_request_context("/resettlement/pipeline?from=2081-01-01&to=२०८१-१२-३१"):
        login_user(user)
        period = PipelineFilterForm(request.args)
        period.validate()
        assert (period.day("start"), period.day("end")) == (date(2024, 4, 13), date(2025, 4, 13))


def test_an_impossible_pipeline_date_is_told_and_left_out(login_as):
    desk = login_as("caseworker", office="DMK", calendar="bs")

    response = desk.get("/resettlement/pipeline?from=2081-01-32")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="2081-01-32"' in date_input(html, "from")
    assert "Baishakh 2081 has 31 days." in html


def test_an_ad_users_pipeline_period_stays_a_browser_date(login_as):
    desk = login_as("caseworker", office="DMK")

    html = desk.get("/resettlement/pipeline?from=2024-04-13").get_data(as_text=True)

    field = date_input(html, "from")
    assert 'type="date"' in field and 'value="2024-04-13"' in field


# --- the conflict period beside the incident date -----------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "shown"),
    [
        ("ad", "Between 1996-02-13 and 2006-11-21 (the conflict period)."),
        ("bs", "Between 2052-11-01 BS and 2063-08-05 BS (the conflict period)."),
    ],
)
def test_the_conflict_period_is_given_in_the_readers_calendar(login_as, calendar, shown):
    client = login_as("caseworker", calendar=calendar)
    person = factories.BeneficiaryFactory()
    db.session.commit()

    html = client.get(f"/beneficiaries/{person.id}/cases/new?kind=conflict_victim")

    assert shown in html.get_data(as_text=True)


@pytest.mark.parametrize("digits", ["latin", "devanagari"])
def test_a_date_put_on_a_form_after_it_is_made_falls_back_to_ad_outside_bs(app, make_user, digits):
    # The resettlement stage form is filled this way (cases.views._stage_form); a stored
    # date BS cannot show (a mistyped year 1910) must read in AD, not "None" or a 500.
    user = make_user(calendar="bs", digits=digits)
    with app.test_request_context("/"):
        login_user(user)
        form = StageForm(formdata=None)
        form.permit_date.data = date(1910, 5, 1)
        html = str(form.permit_date())
    assert 'value="1910-05-01"' in latin_digits(html)  # in the user's digits
    assert '<option selected value="ad">' in html
