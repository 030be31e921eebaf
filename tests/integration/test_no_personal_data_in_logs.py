"""No personal data in the application logs: the main journeys with every logger at DEBUG.

A caseworker signs in, registers a person with a distinctive name and phone, searches for
them (the page, the API, the duplicate check), edits them, opens a case, writes a note,
drafts and submits a referral; a supervisor exports the office's beneficiaries; the
development server logs a search request. None of the person's values may be in the log.
"""

from __future__ import annotations

import logging
import threading
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from casework import log_privacy
from casework.extensions import db
from casework.models import Beneficiary
from casework.services import accounts, providers
from tests.conftest import ApiClient
from tests.pages import filled, form_with

GIVEN, FAMILY, NAME_NE = "Chhiringdolma", "Yakthumbaxi", "छिरिङडोल्मा"
PHONE = "9847712345"
ADDRESS = "Ilam-7, Chautara tole"
DOCUMENT = "41-02-75-99881"
NOTE = "Dolma spoke of the camp at Zarqa"
REASON = "Nightmares about the Qatar labour camp"
SECRETS = (GIVEN, FAMILY, NAME_NE, PHONE, ADDRESS, DOCUMENT, NOTE, REASON, "Chhiring")
TODAY = date.today()


@pytest.fixture
def every_logger_at_debug(caplog):
    """Root and every logger known so far at DEBUG, all records captured (caplog)."""
    caplog.set_level(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    before = [(lg, lg.level, lg.disabled) for lg in loggers]
    for lg in loggers:
        # (Alembic's fileConfig, run by the migrations, disables the loggers it finds.)
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
    yield caplog
    for lg, level, disabled in before:
        lg.setLevel(level)
        lg.disabled = disabled


def logged(caplog) -> str:
    """Everything the handlers received: messages, arguments and tracebacks."""
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_text or record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


def assert_nothing_personal(caplog) -> None:
    text = logged(caplog)
    assert caplog.records, "nothing was logged: the capture is not working"
    leaked = [s for s in SECRETS if s.lower() in text.lower()]
    assert leaked == [], f"personal data in the log: {leaked}"


REGISTRATION = {
    "given_name": GIVEN,
    "family_name": FAMILY,
    "name_ne": NAME_NE,
    "sex": "female",
    "date_of_birth": "1988-02-03",
    "nationality": "NP",
    "phone": PHONE,
    "district_id": "27",
    "address_line": ADDRESS,
    "documents-0-doc_type": "citizenship",
    "documents-0-number": DOCUMENT,
    "documents-0-issuing_country": "NP",
    "consent_given": "y",
    "consent_date": (TODAY - timedelta(days=1)).isoformat(),
    "consent_purposes": ["registration", "assistance", "referral"],
    "confirm_not_duplicate": "y",
}


def test_the_main_journeys_log_no_personal_data(every_logger_at_debug, app, login_as, api_as):
    caplog = every_logger_at_debug
    worker = login_as("caseworker")  # signing in is part of the journey
    api = ApiClient(app.test_client(), accounts.create_token(None, worker.user, "t"), worker.user)
    boss = api_as("supervisor")
    provider = providers.create(
        None,
        {"name": "TPO Nepal", "kind": "ngo", "services": ["psychosocial"], "district_ids": [27]},
    )
    db.session.commit()

    form = form_with(worker.get("/beneficiaries/new").get_data(as_text=True), "given_name")
    changes = {k.replace("-", "__"): v for k, v in REGISTRATION.items()}
    registered = worker.post("/beneficiaries/new", data=filled(form, **changes))
    assert registered.status_code == 302, registered.get_data(as_text=True)
    person = db.session.query(Beneficiary).filter_by(given_name=GIVEN).one()
    assert worker.get(f"/beneficiaries/?q={GIVEN}").status_code == 200
    assert worker.get(f"/beneficiaries/?q={PHONE}").status_code == 200
    found = api.get(f"/api/v1/beneficiaries?q={GIVEN}+{FAMILY}").get_json()
    assert found["total"] == 1
    matches = api.get(
        f"/api/v1/beneficiaries/matches?given_name={GIVEN}&family_name={FAMILY}"
        "&date_of_birth=1988-02-03"
    )
    assert matches.status_code == 200
    edit = api.patch(
        f"/api/v1/beneficiaries/{person.id}",
        json={"phone": "9847712399", "address_line": ADDRESS + " 2", "version": person.version},
    )
    assert edit.status_code == 200, edit.get_json()
    assert worker.get(f"/beneficiaries/{person.id}").status_code == 200

    case = api.post(
        "/api/v1/cases",
        json={
            "kind": "return_reintegration",
            "beneficiary_id": person.id,
            "host_country": "QA",
            "return_date": (TODAY - timedelta(days=5)).isoformat(),
            "return_reason": "abuse_exploitation",
        },
    ).get_json()
    noted = worker.post(f"/cases/{case['id']}/notes", data={"body": NOTE, "confidential": "y"})
    assert noted.status_code == 302, noted.get_data(as_text=True)
    referral = api.post(
        "/api/v1/referrals",
        json={
            "case_id": case["id"],
            "provider_id": provider.id,
            "service": "psychosocial",
            "reason": REASON,
            "consent_obtained": True,
        },
    ).get_json()
    submitted = api.post(f"/api/v1/referrals/{referral['id']}/submit", json={})
    assert submitted.status_code == 200, submitted.get_json()
    refused = api.patch(f"/api/v1/beneficiaries/{person.id}", json={"given_name": GIVEN * 20})
    assert refused.status_code in (400, 422)  # bad input is answered, and not logged

    exported = boss.get(f"/api/v1/exports/beneficiaries?format=csv&q={GIVEN}")
    assert exported.status_code == 200
    assert GIVEN in exported.get_data(as_text=True)  # the export itself holds the name

    _search_through_the_development_server(worker.application)
    assert_nothing_personal(caplog)


def _search_through_the_development_server(app) -> None:
    """werkzeug's own server, which logs each request line (`flask run`)."""
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/healthz?q={GIVEN}&phone={PHONE}"
        with urllib.request.urlopen(url) as response:  # noqa: S310 (a local test server)
            assert response.status == 200
    finally:
        server.shutdown()
        thread.join()


def test_the_development_server_log_keeps_the_path_without_the_query(every_logger_at_debug):
    caplog = every_logger_at_debug
    logging.getLogger("werkzeug").info(
        '%s - - [%s] "%s" %s %s',
        "127.0.0.1",
        "now",
        f"GET /beneficiaries/?q={GIVEN} HTTP/1.1",
        200,
        "-",
    )
    (record,) = [r for r in caplog.records if r.name == "werkzeug"]
    assert "GET /beneficiaries/ HTTP/1.1" in record.getMessage()
    assert GIVEN not in record.getMessage()


def test_sql_echo_is_dropped_but_database_warnings_are_kept(every_logger_at_debug):
    caplog = every_logger_at_debug
    engine_log = logging.getLogger("sqlalchemy.engine.Engine")
    engine_log.info("SELECT … WHERE given_name = ?")
    engine_log.debug("Row (%r,)", GIVEN)
    engine_log.warning("a warning the operator must see")
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("sqlalchemy")]
    assert messages == ["a warning the operator must see"]


def test_database_errors_do_not_quote_the_statements_values(app):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
    assert db.engine.hide_parameters


def test_strip_query_leaves_lines_without_a_query_alone():
    assert log_privacy.strip_query('"GET /cases/12 HTTP/1.1" 200') == '"GET /cases/12 HTTP/1.1" 200'
    assert log_privacy.strip_query("POST /api/v1/x?a=1&b=2 HTTP/1.1") == "POST /api/v1/x HTTP/1.1"


def test_gunicorn_logs_the_path_and_never_the_query_or_the_referrer():
    """The production server's access log format (gunicorn.conf.py), when one is written."""
    config = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
    settings: dict = {}
    exec(compile(config.read_text(), str(config), "exec"), settings)  # noqa: S102
    access_format = settings.get("access_log_format")
    assert access_format, "gunicorn.conf.py sets no access_log_format (the default logs queries)"
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%(u)s"):
        assert atom not in access_format
    assert "%(U)s" in access_format
