"""Each user's language, calendar and digits; the sign-in switch; place names in the
interface's script; counts in the reader's digits."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string
from flask_login import login_user

from casework.extensions import db
from casework.models import AuditEvent, User
from tests import factories, sign_in
from tests.factories import BeneficiaryFactory
from tests.pages import field_errors

KATHMANDU = 27  # casework/data/nepal/districts.csv: Kathmandu, काठमाडौँ


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    assert match, "no <html lang> on the page"
    return match.group(1)


def save(client, **choice):
    data = {"language": "en", "calendar": "ad", "digits": "latin", **choice}
    return client.post("/auth/preferences", data=data)


def stored(user) -> tuple[str, str, str]:
    db.session.expire_all()
    fresh = db.session.get(User, user.id)
    return fresh.language, fresh.calendar, fresh.digits


def preference_events(user) -> list[AuditEvent]:
    db.session.expire_all()
    return [
        e
        for e in db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.action == "user.preferences")
            .order_by(AuditEvent.id)
        )
        if e.object_id == str(user.id)
    ]


def test_a_new_account_reads_english_ad_dates_and_latin_digits(login_as):
    client = login_as("caseworker")
    assert stored(client.user) == ("en", "ad", "latin")
    page = client.get("/auth/account")
    assert html_lang(page) == "en"
    html = page.get_data(as_text=True)
    assert re.search(r'<option selected value="en">English</option>', html)
    assert re.search(r'<option selected value="latin">', html)


def test_saving_the_preferences_stores_them_audits_them_and_applies_the_language_at_once(
    login_as,
):
    client = login_as("caseworker")

    response = save(client, language="ne", calendar="bs", digits="devanagari")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/account")
    assert stored(client.user) == ("ne", "bs", "devanagari")
    [event] = preference_events(client.user)
    assert event.changes == {
        "calendar": ["ad", "bs"],
        "digits": ["latin", "devanagari"],
        "language": ["en", "ne"],
    }
    assert html_lang(client.get("/auth/account")) == "ne"
    assert html_lang(client.get("/")) == "ne"


def test_saving_the_same_preferences_again_records_nothing(login_as):
    client = login_as("caseworker")
    assert save(client).status_code == 302
    assert preference_events(client.user) == []


def test_the_saved_language_wins_over_a_switch_made_earlier_in_the_session(login_as):
    client = login_as("caseworker")
    client.get("/?lang=ne")  # the navbar switch, remembered in the session
    assert html_lang(client.get("/")) == "ne"

    save(client, language="en")

    assert html_lang(client.get("/")) == "en"


def test_saving_preferences_does_not_make_an_admins_open_edit_form_stale(login_as):
    client = login_as("caseworker")
    version = client.user.version
    save(client, language="ne")
    db.session.expire_all()
    assert db.session.get(User, client.user.id).version == version


@pytest.mark.parametrize(
    ("field", "value"),
    [("language", "fr"), ("calendar", "julian"), ("digits", "roman"), ("language", "")],
)
def test_a_choice_not_offered_is_refused_next_to_its_field_and_nothing_is_stored(
    login_as, field, value
):
    client = login_as("caseworker")

    response = save(client, **{"calendar": "bs", field: value})  # the valid one is not kept either

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, field) == ["Choose one of the options offered."]
    assert stored(client.user) == ("en", "ad", "latin")
    assert preference_events(client.user) == []


def test_the_sign_in_page_offers_both_languages_each_in_its_own_script(client):
    html = client.get("/auth/login").get_data(as_text=True)
    switch = re.search(r'<nav[^>]*id="language-switch".*?</nav>', html, re.S).group(0)
    assert '<strong lang="en" aria-current="true">English</strong>' in switch
    assert re.search(r'<a href="/auth/login\?lang=ne" lang="ne"[^>]*>नेपाली</a>', switch)

    page = client.get("/auth/login?lang=ne")
    assert html_lang(page) == "ne"
    assert '<strong lang="ne" aria-current="true">नेपाली</strong>' in page.get_data(as_text=True)


def test_a_switch_on_the_sign_in_page_lasts_the_session_it_signs_in(client, make_user):
    user = make_user("caseworker")  # profile: English
    client.get("/auth/login?lang=ne")

    assert sign_in.sign_in(client, user).status_code == 302

    assert html_lang(client.get("/")) == "ne"
    assert stored(user)[0] == "en"  # a switch is for the session, not the profile


def test_without_a_switch_the_profile_language_applies_at_sign_in(client, make_user):
    user = make_user("caseworker", language="ne")
    assert html_lang(client.get("/auth/login")) == "en"  # nobody is known yet

    sign_in.sign_in(client, user)

    assert html_lang(client.get("/")) == "ne"


def test_a_switch_made_in_the_last_session_gives_way_to_the_profile_at_the_next_sign_in(
    client, make_user
):
    user = make_user("caseworker", language="ne")
    sign_in.sign_in(client, user)
    client.get("/?lang=en")  # read in English for a while
    client.post("/auth/logout")
    # The sign-in page after signing out speaks the language the person was using...
    assert html_lang(client.get("/auth/login")) == "en"

    sign_in.sign_in(client, user)

    # ...but the new session starts from the profile.
    assert html_lang(client.get("/")) == "ne"


def test_after_signing_out_a_switch_on_the_sign_in_page_counts_again(client, make_user):
    user = make_user("caseworker", language="ne")
    sign_in.sign_in(client, user)
    client.post("/auth/logout")
    assert html_lang(client.get("/auth/login")) == "ne"
    client.get("/auth/login?lang=en")

    sign_in.sign_in(client, user)

    assert html_lang(client.get("/")) == "en"


def test_an_admin_chooses_the_language_of_a_new_account(login_as):
    admin = login_as("admin")
    response = admin.post(
        "/admin/users/new",
        data={
            "username": "sita.k",
            "full_name": "Sita K",
            "role": "caseworker",
            "office_code": "KTM",
            "language": "ne",
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    created = db.session.scalar(db.select(User).where(User.username == "sita.k"))
    assert (created.language, created.calendar, created.digits) == ("ne", "ad", "latin")


def test_an_admin_cannot_give_a_new_account_a_language_not_offered(login_as):
    admin = login_as("admin")
    response = admin.post(
        "/admin/users/new",
        data={
            "username": "sita.k",
            "role": "caseworker",
            "office_code": "KTM",
            "language": "hi",
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
        },
    )
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "language") == [
        "Choose one of the options offered."
    ]
    assert db.session.scalar(db.select(User).where(User.username == "sita.k")) is None


# --- place names in the interface's script ---------------------------------------------------


def option_text(html: str, select_id: str, value: str) -> str:
    select = re.search(rf'<select[^>]*id="{select_id}".*?</select>', html, re.S)
    assert select, f"no select {select_id}"
    option = re.search(rf'<option[^>]*value="{value}"[^>]*>([^<]*)</option>', select.group(0))
    assert option, f"no option {value} in {select_id}"
    return option.group(1)


def option_texts(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}".*?</select>', html, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_the_registration_form_names_districts_and_countries_in_the_interface_language(
    login_as,
):
    client = login_as("caseworker")
    english = client.get("/beneficiaries/new").get_data(as_text=True)
    assert option_text(english, "district_id", str(KATHMANDU)) == "Kathmandu"
    assert option_text(english, "nationality", "NP") == "Nepal"

    nepali = client.get("/beneficiaries/new?lang=ne").get_data(as_text=True)
    assert option_text(nepali, "district_id", str(KATHMANDU)) == "काठमाडौँ"
    assert option_text(nepali, "nationality", "NP") == "नेपाल"
    districts = option_texts(nepali, "district_id")[1:]  # after the empty choice
    assert districts == sorted(districts)  # in the order of the names shown


def test_the_local_levels_of_a_district_come_in_the_interface_script(login_as):
    client = login_as("caseworker")
    url = f"/reference/local-levels?district_id={KATHMANDU}"

    english = client.get(url).get_json()["items"]
    nepali = client.get(url + "&lang=ne").get_json()["items"]

    assert "Kathmandu" in [item["name"] for item in english]
    assert "काठमाण्डौं" in [item["name"] for item in nepali]
    names = [item["name"] for item in nepali]
    assert names == sorted(names)
    assert all(item["name_en"] and item["name_ne"] for item in nepali)  # both kept


def test_a_persons_profile_names_their_district_and_local_level_in_nepali(login_as):
    client = login_as("caseworker")
    person = BeneficiaryFactory(district_id=KATHMANDU, local_level_id=307, ward=4, nationality="NP")
    db.session.commit()

    english = client.get(f"/beneficiaries/{person.id}").get_data(as_text=True)
    nepali = client.get(f"/beneficiaries/{person.id}?lang=ne").get_data(as_text=True)

    assert "Kathmandu" in english and "काठमाडौँ" not in english
    assert '<dd class="col-sm-7">Nepal</dd>' in english
    assert "काठमाडौँ" in nepali and "काठमाण्डौं" in nepali
    assert ">Kathmandu<" not in nepali
    assert '<dd class="col-sm-7">नेपाल</dd>' in nepali


# --- counts in the reader's digits ----------------------------------------------------------


def tile_values(html: str) -> list[str]:
    return re.findall(r'<div class="display-6[^"]*">([^<]+)</div>', html)


def test_dashboard_counts_are_in_devanagari_digits_for_a_user_who_reads_them(login_as):
    latin = login_as("caseworker")
    devanagari = login_as("caseworker", digits="devanagari")
    for owner in (latin.user, devanagari.user):
        for _ in range(3):
            case = factories.return_case(factories.person())
            case.assigned_to_id = owner.id
    db.session.commit()

    assert "3" in tile_values(latin.get("/").get_data(as_text=True))
    shown = tile_values(devanagari.get("/").get_data(as_text=True))
    assert "३" in shown
    assert not any(ch in "0123456789" for value in shown for ch in value)


def test_list_totals_and_registration_numbers_in_devanagari_digits(login_as):
    client = login_as("caseworker", digits="devanagari")
    people = [BeneficiaryFactory() for _ in range(3)]
    db.session.commit()

    html = client.get("/beneficiaries/").get_data(as_text=True)

    assert re.search(r'<p class="text-muted">३ people</p>', html)
    # Registration numbers are identifiers, not counts: they stay as written.
    assert people[0].registration_number in html


@pytest.mark.parametrize(
    ("language", "digits", "shown"),
    [
        ("en", "latin", "1,234,567"),
        ("ne", "latin", "12,34,567"),  # lakh and crore grouping
        ("ne", "devanagari", "१२,३४,५६७"),
        ("en", "devanagari", "१,२३४,५६७"),
    ],
)
def test_the_number_filter_groups_as_the_language_does_in_the_readers_digits(
    app, make_user, language, digits, shown
):
    user = make_user("caseworker", digits=digits)
    with app.test_request_context(f"/?lang={language}"):
        login_user(user)
        assert render_template_string("{{ 1234567|number }}") == shown
        assert render_template_string("{{ none|number }}") == "—"


def test_the_digits_filter_keeps_a_translated_sentence_escaped_once(app, make_user):
    user = make_user("caseworker", digits="devanagari")
    with app.test_request_context("/"):
        login_user(user)
        text = render_template_string("{{ _('%(name)s: %(n)d', name='<b>', n=5)|digits }}")
    assert text == "&lt;b&gt;: ५"


def test_a_partners_dashboard_in_nepali_names_countries_in_nepali_with_devanagari_counts(
    login_as,
):
    for _ in range(6):
        factories.return_case(factories.person(), host="QA")
    db.session.commit()
    partner = login_as("partner", language="ne", digits="devanagari")

    html = partner.get("/").get_data(as_text=True)

    figure = re.search(r'<figure[^>]*id="chart-returns-by-host-country".*?</figure>', html, re.S)
    assert figure, "no chart of returns by host country"
    assert "कतार" in figure.group(0) and "Qatar" not in figure.group(0)
    assert re.search(r'<td class="text-end">६</td>', figure.group(0))
