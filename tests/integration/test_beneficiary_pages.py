"""The beneficiary pages: register (with duplicate check and households), search, profile,
edit; who may see what.

Forms are filled the way a browser fills them: the page is fetched, its form read (every
field with the value the page gives it), some fields changed, and the whole form posted.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from casework.extensions import db
from casework.models import AuditEvent, Beneficiary, Household, IdentityDocument
from casework.services.beneficiaries import snapshot
from tests import factories
from tests.pages import field_errors, filled, form_with

TODAY = date.today()
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()
STALE_MESSAGE = "This record was changed by someone else since you opened it."


# --- reading pages like a browser --------------------------------------------------------


def listed_ids(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/beneficiaries/(\d+)"', html)}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(stmt))


def reload(beneficiary_id: int) -> Beneficiary:
    db.session.expire_all()
    return db.session.get(Beneficiary, beneficiary_id)


def registration_form(client, **changes) -> MultiDict:
    """The registration page's form, filled in completely and validly, then `changes`."""
    page = client.get("/beneficiaries/new")
    assert page.status_code == 200
    form = form_with(page.get_data(as_text=True), "given_name")
    complete = {
        "given_name": "Maya",
        "family_name": "Gurung",
        "name_ne": "माया गुरुङ",
        "sex": "female",
        "date_of_birth": "1992-04-11",
        "dob_estimated": "y",
        "nationality": "NP",
        "phone": "981-234 5678",
        "district_id": "27",  # Kathmandu
        "local_level_id": "309",  # Kirtipur, 10 wards
        "ward": "5",
        "address_line": "Naya Bazar, house 12",
        "vulnerabilities": ["single_parent", "psychosocial"],
        "consent_given": "y",
        "consent_date": YESTERDAY,
        "consent_purposes": ["registration", "assistance"],
        "documents__0__doc_type": "citizenship",
        "documents__0__number": "27-01-70-12345",
        "documents__0__issuing_country": "NP",
    }
    return filled(form, **{**complete, **changes})


def thapa(**kwargs) -> Beneficiary:
    person = factories.BeneficiaryFactory(
        given_name="Ram Bahadur",
        family_name="Thapa",
        sex="male",
        date_of_birth=date(1985, 3, 2),
        **kwargs,
    )
    db.session.commit()
    return person


# --- registration ----------------------------------------------------------------------


def test_the_registration_form_starts_empty_with_nepal_preselected(login_as):
    client = login_as("caseworker")

    form = form_with(client.get("/beneficiaries/new").get_data(as_text=True), "given_name")

    assert form["given_name"] == ""
    assert form["nationality"] == "NP"
    assert form.getlist("vulnerabilities") == []
    assert "documents-0-number" in form and "documents-1-number" in form


def test_a_complete_registration_is_stored_in_the_users_office(login_as):
    client = login_as("caseworker", office="DMK")

    response = client.post("/beneficiaries/new", data=registration_form(client))

    assert response.status_code == 302
    [stored] = db.session.scalars(select(Beneficiary)).all()
    assert response.headers["Location"] == f"/beneficiaries/{stored.id}"
    assert stored.office_code == "DMK"
    assert re.fullmatch(rf"DMK-{TODAY.year}-\d{{6}}", stored.registration_number)
    assert stored.created_by_id == client.user.id
    assert (stored.given_name, stored.family_name, stored.name_ne) == (
        "Maya",
        "Gurung",
        "माया गुरुङ",
    )
    assert stored.sex == "female"
    assert stored.date_of_birth == date(1992, 4, 11)
    assert stored.dob_estimated is True
    assert stored.nationality == "NP"
    assert stored.phone == "+9779812345678"
    assert (stored.district_id, stored.local_level_id, stored.ward) == (27, 309, 5)
    assert stored.address_line == "Naya Bazar, house 12"
    assert sorted(stored.vulnerabilities) == ["psychosocial", "single_parent"]
    assert stored.consent_given is True
    assert stored.consent_date.isoformat() == YESTERDAY
    assert sorted(stored.consent_purposes) == ["assistance", "registration"]
    assert [(d.doc_type, d.number, d.issuing_country) for d in stored.documents] == [
        ("citizenship", "27-01-70-12345", "NP")
    ]
    assert stored.household_id is not None
    assert stored.relationship_to_head == "head"
    [created] = audit("beneficiary.create")
    assert created.object_id == str(stored.id)
    assert created.user_id == client.user.id
    assert created.changes["given_name"] == [None, "Maya"]


def test_after_registering_the_profile_shows_the_new_person(login_as):
    client = login_as("caseworker")

    response = client.post(
        "/beneficiaries/new", data=registration_form(client), follow_redirects=True
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    number = db.session.scalars(select(Beneficiary.registration_number)).one()
    assert f"Registered Maya Gurung as {number}." in html
    assert "27-01-70-12345" in html
    assert "Kirtipur" in html


INVALID_INPUT = [
    pytest.param(
        {"date_of_birth": (TODAY + timedelta(days=1)).isoformat()},
        "date_of_birth",
        "The date of birth cannot be in the future.",
        id="future-date-of-birth",
    ),
    pytest.param(
        {"date_of_birth": "2001-02-30"},
        "date_of_birth",
        "Not a valid date value.",
        id="impossible-date",
    ),
    pytest.param(
        {"given_name": "माया"},
        "given_name",
        "Write the name in Latin letters; the Devanagari name has its own field.",
        id="devanagari-given-name",
    ),
    pytest.param(
        {"given_name": ""},
        "given_name",
        "The given name is required.",
        id="no-given-name",
    ),
    pytest.param(
        {"district_id": "999", "local_level_id": "", "ward": ""},
        "district_id",
        "Unknown district.",
        id="unknown-district",
    ),
    pytest.param(
        {"local_level_id": "28"},  # Mechinagar is in Jhapa, not Kathmandu
        "local_level_id",
        "This local level is not in the chosen district.",
        id="local-level-of-another-district",
    ),
    pytest.param({"ward": "11"}, "ward", "Kirtipur has 10 wards.", id="ward-too-high"),
    pytest.param(
        {"ward": "100"}, "ward", "Number must be between 1 and 99.", id="ward-out-of-range"
    ),
    pytest.param(
        {"consent_date": ""},
        "consent_date",
        "Give the date consent was given.",
        id="consent-without-date",
    ),
    pytest.param(
        {"consent_date": (TODAY + timedelta(days=1)).isoformat()},
        "consent_date",
        "The consent date cannot be in the future.",
        id="consent-in-the-future",
    ),
    pytest.param(
        {"consent_purposes": None},
        "consent_purposes-0",
        "Choose at least one purpose the person agreed to.",
        id="consent-without-purpose",
    ),
    pytest.param(
        {"phone": "12ab"},
        "phone",
        "Not a phone number; give 10 digits (98…) or +country code and number.",
        id="bad-phone",
    ),
    pytest.param(
        {"documents__0__doc_type": ""},
        "documents-0-doc_type",
        "Choose a document type from the list.",
        id="document-without-type",
    ),
]


@pytest.mark.parametrize(("changes", "field", "message"), INVALID_INPUT)
def test_invalid_registration_is_shown_next_to_the_field_and_nothing_is_stored(
    login_as, changes, field, message
):
    client = login_as("caseworker")
    posted = registration_form(client, **changes)

    response = client.post("/beneficiaries/new", data=posted)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, field) == [message]
    assert "Please correct the fields marked below." in html
    # What the user typed is still there, the wrong value included.
    shown = form_with(html, "given_name")
    for name in posted:
        if name == field and field in ("district_id", "local_level_id"):
            continue  # the wrong value is not one of the options, so none can show it
        assert shown.getlist(name) == posted.getlist(name), name
    # Nothing was stored.
    assert count(Beneficiary) == 0
    assert count(Household) == 0
    assert count(IdentityDocument) == 0
    assert audit("beneficiary.create") == []


def test_a_corrected_registration_then_goes_through(login_as):
    client = login_as("caseworker")
    rejected = client.post("/beneficiaries/new", data=registration_form(client, ward="11"))
    assert rejected.status_code == 422

    corrected = filled(form_with(rejected.get_data(as_text=True), "given_name"), ward="10")
    response = client.post("/beneficiaries/new", data=corrected)

    assert response.status_code == 302
    assert db.session.scalars(select(Beneficiary.ward)).one() == 10


# --- possible duplicates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("Ram Bdr.", "Thapa"),  # abbreviation
        ("Thapa", "Ram Bahadur"),  # names swapped
        ("ram bahadur", "THAPA"),  # case
    ],
)
def test_a_similar_person_is_shown_and_nothing_stored_until_confirmed(login_as, given, family):
    existing = thapa()
    client = login_as("caseworker")
    posted = registration_form(
        client,
        given_name=given,
        family_name=family,
        sex="male",
        date_of_birth="1985-03-02",
        name_ne="",
    )

    response = client.post("/beneficiaries/new", data=posted)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="possible-duplicates"' in html
    warning = html.split('id="possible-duplicates"', 1)[1].split("</table>", 1)[0]
    assert existing.registration_number in warning
    assert "Ram Bahadur Thapa" in warning
    assert f'href="/beneficiaries/{existing.id}"' in warning
    assert count(Beneficiary) == 1
    assert audit("beneficiary.create") == []
    shown = form_with(html, "given_name")
    assert shown["given_name"] == given
    assert "confirm_not_duplicate" not in shown  # the box is there, not yet ticked
    assert 'name="confirm_not_duplicate"' in html

    confirmed = client.post("/beneficiaries/new", data=filled(shown, confirm_not_duplicate="y"))

    assert confirmed.status_code == 302
    assert count(Beneficiary) == 2
    assert len(audit("beneficiary.create")) == 1


def test_posting_the_same_person_again_without_confirming_still_stores_nothing(login_as):
    thapa()
    client = login_as("caseworker")
    posted = registration_form(
        client, given_name="Ram Bdr.", family_name="Thapa", sex="male", date_of_birth="1985-03-02"
    )

    client.post("/beneficiaries/new", data=posted)
    again = client.post("/beneficiaries/new", data=posted)

    assert 'id="possible-duplicates"' in again.get_data(as_text=True)
    assert count(Beneficiary) == 1


def test_the_same_identity_document_is_a_possible_duplicate(login_as):
    existing = thapa()
    factories.IdentityDocumentFactory(beneficiary=existing, number="27-01-70-12345")
    db.session.commit()
    client = login_as("caseworker")

    response = client.post(
        "/beneficiaries/new", data=registration_form(client, documents__0__number="2701 7012345")
    )

    assert response.status_code == 200
    assert existing.registration_number in response.get_data(as_text=True)
    assert count(Beneficiary) == 1


def test_a_different_person_is_registered_without_a_question(login_as):
    thapa()
    client = login_as("caseworker")

    response = client.post("/beneficiaries/new", data=registration_form(client))

    assert response.status_code == 302
    assert count(Beneficiary) == 2


def test_possible_duplicates_in_another_office_are_not_revealed(login_as):
    hidden = thapa(office_code="DMK", registration_number="DMK-2026-000777")
    client = login_as("caseworker", office="KTM")
    posted = registration_form(
        client, given_name="Ram Bdr.", family_name="Thapa", sex="male", date_of_birth="1985-03-02"
    )

    response = client.post("/beneficiaries/new", data=posted)

    assert response.status_code == 302
    assert hidden.registration_number not in response.get_data(as_text=True)


# --- households ------------------------------------------------------------------------


def test_joining_a_household_by_registration_number(login_as):
    head = thapa()
    client = login_as("caseworker")
    posted = registration_form(
        client,
        given_name="Gita",
        family_name="Thapa",
        date_of_birth="1988-07-19",
        household_of=head.registration_number.lower(),
        relationship_to_head="spouse",
    )

    response = client.post("/beneficiaries/new", data=posted)

    assert response.status_code == 302
    member = db.session.scalars(select(Beneficiary).where(Beneficiary.given_name == "Gita")).one()
    assert member.household_id == reload(head.id).household_id
    assert member.relationship_to_head == "spouse"
    assert count(Household) == 1
    profile = client.get(f"/beneficiaries/{head.id}").get_data(as_text=True)
    assert f'<a href="/beneficiaries/{member.id}">Gita Thapa</a> — Spouse' in profile


def test_without_household_of_a_new_household_is_started(login_as):
    head = thapa()
    client = login_as("caseworker")

    client.post("/beneficiaries/new", data=registration_form(client, relationship_to_head="spouse"))

    maya = db.session.scalars(select(Beneficiary).where(Beneficiary.given_name == "Maya")).one()
    assert maya.household_id != reload(head.id).household_id
    assert maya.relationship_to_head == "head"
    assert count(Household) == 2


@pytest.mark.parametrize("office", ["KTM", "DMK"])
def test_an_unknown_or_hidden_household_is_refused_by_the_field(login_as, office):
    other = thapa(office_code=office, registration_number=f"{office}-2026-000555")
    client = login_as("caseworker", office="KTM")
    number = "KTM-2026-999999" if office == "KTM" else other.registration_number
    posted = registration_form(client, household_of=number, relationship_to_head="child")

    response = client.post("/beneficiaries/new", data=posted)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "household_of") == ["No beneficiary with this registration number."]
    assert form_with(html, "given_name")["household_of"] == number
    assert count(Beneficiary) == 1
    assert count(Household) == 1


# --- search ----------------------------------------------------------------------------


@pytest.fixture
def people():
    sita = factories.BeneficiaryFactory(
        given_name="Sita", family_name="Shrestha", sex="female", district_id=27
    )
    bishnu = factories.BeneficiaryFactory(
        given_name="Bishnu",
        family_name="Adhikari",
        sex="male",
        district_id=4,
        phone="+9779801234567",
    )
    laxmi = factories.BeneficiaryFactory(
        given_name="Laxmi", family_name="Rai", sex="female", district_id=4
    )
    elsewhere = factories.BeneficiaryFactory(
        given_name="Sita",
        family_name="Limbu",
        sex="female",
        district_id=4,
        office_code="DMK",
        registration_number="DMK-2026-000001",
    )
    db.session.commit()
    return {"sita": sita, "bishnu": bishnu, "laxmi": laxmi, "elsewhere": elsewhere}


def _search(client, **args) -> tuple[set[int], str]:
    response = client.get("/beneficiaries/", query_string=args)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return listed_ids(html), html


def test_search_lists_the_offices_people(login_as, people):
    client = login_as("caseworker", office="KTM")

    ids, html = _search(client)

    assert ids == {people[k].id for k in ("sita", "bishnu", "laxmi")}
    assert "3 people" in html
    assert people["sita"].registration_number in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Sita", {"sita"}),
        ("shrestha sita", {"sita"}),  # any order
        ("Vishnu", {"bishnu"}),  # spelling variant
        ("Lakshmi Rai", {"laxmi"}),
        ("9801234567", {"bishnu"}),  # phone as typed locally
        ("+977 980-123-4567", {"bishnu"}),
        ("Nobody", set()),
    ],
)
def test_search_by_name_or_phone(login_as, people, query, expected):
    client = login_as("caseworker", office="KTM")

    ids, html = _search(client, q=query)

    assert ids == {people[k].id for k in expected}
    if not expected:
        assert "Nobody matches." in html
    assert form_with(html, "q")["q"] == query  # the search box keeps the query


def test_search_by_registration_number(login_as, people):
    client = login_as("caseworker", office="KTM")
    number = people["laxmi"].registration_number

    assert _search(client, q=number)[0] == {people["laxmi"].id}
    assert _search(client, q=number.lower())[0] == {people["laxmi"].id}


def test_search_filters_by_district_and_sex(login_as, people):
    client = login_as("caseworker", office="KTM")

    assert _search(client, district_id=4)[0] == {people["bishnu"].id, people["laxmi"].id}
    assert _search(client, sex="male")[0] == {people["bishnu"].id}
    assert _search(client, district_id=4, sex="female")[0] == {people["laxmi"].id}
    assert _search(client, district_id=27, sex="male")[0] == set()
    form = form_with(_search(client, district_id=4, sex="female")[1], "q")
    assert (form["district_id"], form["sex"]) == ("4", "female")


def test_search_never_shows_another_offices_people(login_as, people):
    client = login_as("supervisor", office="KTM")

    assert people["elsewhere"].id not in _search(client, q="Sita")[0]
    assert _search(client, office="DMK")[0] == set()
    assert _search(client, q=people["elsewhere"].registration_number)[0] == set()


def test_an_admin_searches_every_office(login_as, people):
    client = login_as("admin", office="KTM")

    assert _search(client, q="Sita")[0] == {people["sita"].id, people["elsewhere"].id}
    assert _search(client, office="DMK")[0] == {people["elsewhere"].id}


def test_search_results_are_paged(app, login_as):
    per_page = app.config["PER_PAGE"]
    everyone = factories.BeneficiaryFactory.create_batch(per_page + 5)
    db.session.commit()
    client = login_as("caseworker")

    first, first_html = _search(client)
    second, second_html = _search(client, page=2)
    beyond, _ = _search(client, page=3)

    assert len(first) == per_page
    assert len(second) == 5
    assert first | second == {b.id for b in everyone}
    assert beyond == set()
    assert f"{per_page + 5} people" in first_html
    assert "Page 1 of 2" in first_html
    assert "Page 2 of 2" in second_html
    # The newest come first.
    assert min(first) > max(second)


def test_paging_keeps_the_filters(login_as):
    factories.BeneficiaryFactory.create_batch(30, sex="male")
    factories.BeneficiaryFactory.create_batch(3, sex="female")
    db.session.commit()
    client = login_as("caseworker")

    _, html = _search(client, sex="male")
    next_link = re.search(r'<a class="page-link" href="([^"]+)">Next</a>', html).group(1)
    page_two = client.get(next_link.replace("&amp;", "&"))

    assert "page=2" in next_link and "sex=male" in next_link
    assert len(listed_ids(page_two.get_data(as_text=True))) == 5


# --- the profile and who may see it ------------------------------------------------------


def test_viewing_a_profile_is_audited(login_as):
    person = thapa()
    client = login_as("caseworker")

    response = client.get(f"/beneficiaries/{person.id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Ram Bahadur Thapa" in html
    assert person.registration_number in html
    [viewed] = audit("beneficiary.view")
    assert viewed.object_type == "beneficiary"
    assert viewed.object_id == str(person.id)
    assert viewed.user_id == client.user.id
    client.get(f"/beneficiaries/{person.id}")
    assert len(audit("beneficiary.view")) == 2


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
def test_another_offices_profile_is_not_found(login_as, role):
    person = thapa(office_code="DMK", registration_number="DMK-2026-000042")
    client = login_as(role, office="KTM")

    for url in (f"/beneficiaries/{person.id}", f"/beneficiaries/{person.id}/edit"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Thapa" not in response.get_data(as_text=True)
    assert audit("beneficiary.view") == []


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
def test_the_own_offices_profile_is_shown(login_as, role):
    person = thapa(office_code="DMK", registration_number="DMK-2026-000042")
    client = login_as(role, office="DMK")

    assert client.get(f"/beneficiaries/{person.id}").status_code == 200
    assert client.get(f"/beneficiaries/{person.id}/edit").status_code == 200


def test_an_admin_sees_every_offices_profile(login_as):
    person = thapa(office_code="DMK", registration_number="DMK-2026-000042")
    client = login_as("admin", office="KTM")

    response = client.get(f"/beneficiaries/{person.id}")

    assert response.status_code == 200
    assert "Ram Bahadur Thapa" in response.get_data(as_text=True)
    assert len(audit("beneficiary.view")) == 1


def test_a_profile_that_does_not_exist_is_not_found(login_as):
    client = login_as("admin")

    assert client.get("/beneficiaries/424242").status_code == 404


def test_a_partner_may_not_open_beneficiary_pages(login_as):
    person = thapa()
    client = login_as("partner", office="KTM")
    form = {"given_name": "Maya", "family_name": "Gurung", "sex": "female", "nationality": "NP"}

    for url in (
        "/beneficiaries/",
        "/beneficiaries/?q=Thapa",
        "/beneficiaries/new",
        f"/beneficiaries/{person.id}",
        f"/beneficiaries/{person.id}/edit",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Ram Bahadur" not in response.get_data(as_text=True), url
    assert client.post("/beneficiaries/new", data=form).status_code == 403
    assert client.post(f"/beneficiaries/{person.id}/edit", data=form).status_code == 403
    assert count(Beneficiary) == 1
    assert reload(person.id).given_name == "Ram Bahadur"
    assert audit("beneficiary.view") == []


def test_a_partner_sees_no_beneficiary_links(login_as):
    client = login_as("partner")

    html = client.get("/").get_data(as_text=True)

    assert 'href="/beneficiaries/"' not in html
    assert 'href="/beneficiaries/new"' not in html


# --- editing ---------------------------------------------------------------------------


@pytest.fixture
def registered(login_as):
    """A person registered through the page, and the caseworker who did it."""
    client = login_as("caseworker")
    response = client.post("/beneficiaries/new", data=registration_form(client))
    assert response.status_code == 302
    person = db.session.scalars(select(Beneficiary)).one()
    return client, person.id


def _edit_form(client, beneficiary_id: int) -> MultiDict:
    page = client.get(f"/beneficiaries/{beneficiary_id}/edit")
    assert page.status_code == 200
    return form_with(page.get_data(as_text=True), "given_name")


def _stored(beneficiary_id: int) -> dict:
    person = reload(beneficiary_id)
    return {**snapshot(person), "version": person.version}


def test_the_edit_form_shows_what_is_stored(registered):
    client, person_id = registered

    form = _edit_form(client, person_id)

    assert form["given_name"] == "Maya"
    assert form["name_ne"] == "माया गुरुङ"
    assert form["date_of_birth"] == "1992-04-11"
    assert form["dob_estimated"] == "y"
    assert form["phone"] == "+9779812345678"
    assert (form["district_id"], form["local_level_id"], form["ward"]) == ("27", "309", "5")
    assert sorted(form.getlist("vulnerabilities")) == ["psychosocial", "single_parent"]
    assert form["consent_date"] == YESTERDAY
    assert sorted(form.getlist("consent_purposes")) == ["assistance", "registration"]
    assert (form["documents-0-doc_type"], form["documents-0-number"]) == (
        "citizenship",
        "27-01-70-12345",
    )
    assert form["documents-1-number"] == ""  # room for one more
    assert form["version"] == "1"


def test_saving_the_edit_form_unchanged_changes_nothing(registered):
    client, person_id = registered
    before = _stored(person_id)

    response = client.post(f"/beneficiaries/{person_id}/edit", data=_edit_form(client, person_id))

    assert response.status_code == 302
    assert _stored(person_id) == before
    assert audit("beneficiary.update") == []


def test_an_edit_is_saved_and_audited(registered):
    client, person_id = registered
    before = _stored(person_id)
    form = filled(
        _edit_form(client, person_id),
        given_name="Maya Kumari",
        phone="9801112222",
        ward="7",
        documents__1__doc_type="passport",
        documents__1__number="PA1234567",
        documents__1__issuing_country="NP",
    )

    response = client.post(f"/beneficiaries/{person_id}/edit", data=form)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/beneficiaries/{person_id}"
    after = _stored(person_id)
    assert after["given_name"] == "Maya Kumari"
    assert after["phone"] == "+9779801112222"
    assert after["ward"] == 7
    assert [d["number"] for d in after["documents"]] == ["27-01-70-12345", "PA1234567"]
    assert after["version"] == before["version"] + 1
    unchanged = {"given_name", "phone", "ward", "documents", "version"}
    assert {k: v for k, v in after.items() if k not in unchanged} == {
        k: v for k, v in before.items() if k not in unchanged
    }
    [updated] = audit("beneficiary.update")
    assert updated.object_id == str(person_id)
    assert updated.changes["given_name"] == ["Maya", "Maya Kumari"]
    assert "Changes saved." in client.get(f"/beneficiaries/{person_id}").get_data(as_text=True)


def test_an_edit_made_on_an_old_version_is_refused(registered, login_as):
    client, person_id = registered
    colleague = login_as("supervisor")
    mine = _edit_form(client, person_id)
    theirs = _edit_form(colleague, person_id)
    saved = colleague.post(
        f"/beneficiaries/{person_id}/edit", data=filled(theirs, family_name="Gurung-Rai")
    )
    assert saved.status_code == 302
    after_theirs = _stored(person_id)

    response = client.post(
        f"/beneficiaries/{person_id}/edit", data=filled(mine, given_name="Overwritten")
    )

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert STALE_MESSAGE in html
    assert (
        form_with(html, "given_name")["given_name"] == "Overwritten"
    )  # the user's work is not lost
    assert _stored(person_id) == after_theirs
    assert after_theirs["family_name"] == "Gurung-Rai"
    assert after_theirs["given_name"] == "Maya"
    assert len(audit("beneficiary.update")) == 1


def test_an_edit_without_a_version_is_refused(registered):
    client, person_id = registered
    before = _stored(person_id)

    response = client.post(
        f"/beneficiaries/{person_id}/edit",
        data=filled(_edit_form(client, person_id), given_name="Changed", version=None),
    )

    assert response.status_code == 409
    assert _stored(person_id) == before


def test_an_invalid_edit_is_shown_and_nothing_changes(registered):
    client, person_id = registered
    before = _stored(person_id)

    response = client.post(
        f"/beneficiaries/{person_id}/edit",
        data=filled(_edit_form(client, person_id), given_name="माया", ward="11"),
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "given_name") == [
        "Write the name in Latin letters; the Devanagari name has its own field."
    ]
    assert field_errors(html, "ward") == ["Kirtipur has 10 wards."]
    assert form_with(html, "given_name")["given_name"] == "माया"
    assert _stored(person_id) == before
    assert audit("beneficiary.update") == []


def test_another_offices_caseworker_cannot_edit(registered, login_as):
    _, person_id = registered
    outsider = login_as("caseworker", office="DMK")
    before = _stored(person_id)

    response = outsider.post(f"/beneficiaries/{person_id}/edit", data={"given_name": "X"})

    assert response.status_code == 404
    assert _stored(person_id) == before


def test_an_edit_without_the_optional_text_fields_is_not_a_server_error(registered):
    client, person_id = registered
    form = _edit_form(client, person_id)
    for name in ("name_ne", "address_line"):
        form.poplist(name)

    response = client.post(f"/beneficiaries/{person_id}/edit", data=form)

    assert response.status_code in (302, 422)


def test_the_edit_page_works_for_someone_with_six_documents(login_as):
    person = thapa()
    factories.IdentityDocumentFactory.create_batch(6, beneficiary=person)
    db.session.commit()
    client = login_as("caseworker")

    response = client.get(f"/beneficiaries/{person.id}/edit")

    assert response.status_code == 200
    form = form_with(response.get_data(as_text=True), "given_name")
    assert len([k for k in form if k.endswith("-number") and form[k]]) == 6
