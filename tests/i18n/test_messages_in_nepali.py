"""Messages a user gets back are in their language: WTForms' own field messages, a
service's field errors, flash messages, error pages and the API's error envelope.

The Nepali expected is read from the catalog, so a message that is not translated yet
fails here with its English id.
"""

from __future__ import annotations

import inspect
import re

import pytest
import wtforms
from sqlalchemy import select

from casework import blueprints
from casework.blueprints import form_base
from casework.extensions import db
from casework.models import Approval
from tests.i18n.catalog import nepali_catalog
from tests.integration.test_case_pages import make_case
from tests.pages import filled, form_with

DEVANAGARI = re.compile(r"[\u0900-\u097F]")
SETTINGS = {
    "weight_economic": "0.4",
    "weight_social": "0.3",
    "weight_psychosocial": "0.3",
    "threshold": "0.6",
}


def nepali(msgid: str) -> str:
    message = nepali_catalog().get(msgid)
    assert message is not None, f"{msgid!r} is not in the catalog: run make translations"
    assert message.string and DEVANAGARI.search(message.string), f"untranslated: {msgid!r}"
    return message.string


def settings_error(client, **changes) -> list[str]:
    form = form_with(client.get("/admin/settings").get_data(as_text=True), "threshold")
    response = client.post("/admin/settings", data=filled(form, **{**SETTINGS, **changes}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    return re.findall(r'<div class="invalid-feedback d-block">([^<]*)</div>', html)


# --- WTForms' built-in messages ---------------------------------------------------------------


def test_a_required_field_left_empty_is_explained_in_nepali(login_as):
    admin = login_as("admin", language="ne")
    assert settings_error(admin, threshold="") == [nepali("This field is required.")]


def test_a_number_that_is_not_one_is_explained_in_nepali(login_as):
    admin = login_as("admin", language="ne")
    shown = settings_error(admin, weight_social="much")
    assert shown == [nepali("Not a valid decimal value.")]


def test_the_same_messages_stay_english_in_english(login_as):
    admin = login_as("admin", language="en")
    assert settings_error(admin, threshold="") == ["This field is required."]


def _form_classes():
    for module in _blueprint_modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, wtforms.Form) and cls.__module__ == module.__name__:
                yield cls


def _blueprint_modules():
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages(blueprints.__path__, "casework.blueprints."):
        yield importlib.import_module(info.name)


def test_every_form_takes_wtforms_messages_from_the_catalog():
    """A form built on flask_wtf.FlaskForm or wtforms.Form directly would answer
    "This field is required." in English on a Nepali page."""
    forms = list(_form_classes())
    assert len(forms) > 30
    bases = (form_base.FlaskForm, form_base.Form)
    untranslated = [f"{c.__module__}.{c.__name__}" for c in forms if not issubclass(c, bases)]
    assert untranslated == [], "import FlaskForm and Form from casework.blueprints.form_base"


# --- services' errors and flash messages ------------------------------------------------------


def test_a_services_field_error_is_shown_in_nepali(login_as):
    worker, boss = login_as("caseworker", language="ne"), login_as("supervisor")
    case_id = make_case(worker.user, boss.user)

    response = worker.post(f"/cases/{case_id}/notes", data={"body": "   "})

    assert response.status_code == 422
    assert nepali("Write the note.") in response.get_data(as_text=True)


def test_a_flash_message_is_in_nepali(login_as):
    admin = login_as("admin", language="ne")  # admins are enrolled in two-factor

    response = admin.get("/auth/two-factor/enrol", follow_redirects=True)

    assert nepali("Two-factor sign-in is already set up.") in response.get_data(as_text=True)


# --- error pages and the API's errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "title", "message"),
    [
        (
            "/no-such-page",
            404,
            "Not found",
            "There is nothing at this address, or nothing you may see.",
        ),
        ("/admin/users", 403, "Not allowed", "You are not allowed to do this."),
        (
            "/auth/two-factor/recovery-codes",
            405,
            "Not possible here",
            "This address does not take this kind of request.",
        ),
    ],
)
def test_error_pages_are_in_nepali(login_as, url, status, title, message):
    worker = login_as("caseworker", language="ne")

    response = worker.get(url)

    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert nepali(title) in html and nepali(message) in html
    assert title not in html and message not in html


def test_the_page_of_an_unexpected_error_is_in_nepali(app, login_as, monkeypatch):
    worker = login_as("caseworker", language="ne")
    monkeypatch.setitem(app.config, "RAISE_UNEXPECTED", False)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("casework.blueprints.cases.views.render_template", broken)
    response = worker.get("/cases/")

    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert nepali("Something went wrong; it has been logged.") in html
    assert "Something went wrong" not in html


def test_the_api_answers_errors_in_the_users_language(api_as):
    api = api_as("caseworker", language="ne")

    body = api.get("/api/v1/beneficiaries/999999").get_json()

    assert body["error"]["code"] == "not_found"  # codes stay English: programs read them
    assert body["error"]["message"] == nepali("Not found.")


def test_the_api_answers_errors_in_the_language_asked_for(api_as):
    api = api_as("caseworker", language="en")

    assert api.get("/api/v1/beneficiaries/999999?lang=ne").get_json()["error"]["message"] == (
        nepali("Not found.")
    )
    assert api.get("/api/v1/beneficiaries/999999").get_json()["error"]["message"] == "Not found."


def test_the_apis_field_errors_from_its_schemas_are_in_nepali(api_as):
    api = api_as("caseworker", language="ne")

    response = api.post("/api/v1/beneficiaries", json={})

    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert nepali("Missing data for required field.") in [m for ms in fields.values() for m in ms]


def test_the_apis_field_errors_stay_english_in_english(api_as):
    api = api_as("caseworker", language="en")

    response = api.post("/api/v1/beneficiaries", json={})

    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "Missing data for required field." in [m for ms in fields.values() for m in ms]


def test_an_unknown_api_address_says_not_found_in_words_of_its_own(api_as):
    """Werkzeug's English description ("The requested URL was not found on the server…")
    is replaced by a message of the catalog."""
    body = api_as("caseworker").get("/api/v1/no-such-thing").get_json()

    assert body["error"]["code"] == "not_found"
    assert body["error"]["message"] == "There is nothing at this address, or nothing you may see."


def test_an_error_raised_with_its_own_message_keeps_it(login_as):
    worker, boss = login_as("caseworker"), login_as("supervisor", language="ne")
    make_case(worker.user, boss.user, status="plan_pending")
    [approval] = db.session.scalars(select(Approval)).all()

    response = boss.post(f"/approvals/{approval.id}/decide", data={"decision": "maybe"})

    assert response.status_code == 400
    assert nepali("Choose approve or reject.") in response.get_data(as_text=True)
