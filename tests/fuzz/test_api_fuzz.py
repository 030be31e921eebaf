"""Property-based fuzzing of the JSON API from its own OpenAPI document (Schemathesis).

For every operation in /api/v1/openapi.json, Schemathesis generates requests from the
documented parameters and bodies (valid ones, and for the negative run, invalid ones) and
each request is sent as a caseworker, a supervisor and a partner (bearer tokens) against
the application in process. Every answer must:

- not be a 5xx (in testing an unexpected exception propagates, so a bug fails with its
  traceback rather than a bare 500);
- be an error in the contract's envelope `{"error": {"code", "message", "fields"}}` when
  it is 4xx;
- have a status code and, where documented, a body that conform to the document.

Bounded in time: FUZZ_MAX_EXAMPLES examples per operation and mode (default 20: about
4,200 requests; 25 took 5 minutes on a 2-core machine running five other jobs, so 20 is
well under 3 minutes on an idle one). Set FUZZ_MAX_EXAMPLES higher for a longer search. Hypothesis keeps no example database (CI machines start clean).

The run is opt-in like the browser tests (`make fuzz`, or `pytest tests/fuzz`; see
conftest.py), so the plain suite stays quick on both databases.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from casework.extensions import db
from casework.services import accounts
from tests import factories

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "20"))
ROLES = ("caseworker", "supervisor", "partner")


@pytest.fixture
def role_tokens(make_user) -> dict[str, str]:
    """A bearer token for each role (KTM office); the database is emptied after each test."""
    tokens = {}
    for role in ROLES:
        user = make_user(role, "KTM")
        tokens[role] = accounts.create_token(None, user, "fuzz")
    db.session.commit()
    return tokens


@pytest.fixture
def api_schema(app, role_tokens):
    """The document as a client fetches it, with a token (no endpoint but health is open)."""
    response = app.test_client().get(
        "/api/v1/openapi.json", headers={"Authorization": f"Bearer {role_tokens['caseworker']}"}
    )
    assert response.status_code == 200
    return schemathesis.openapi.from_dict(response.get_json())


@pytest.fixture
def some_records(role_tokens):
    """A person in KTM, so that generated ids and searches sometimes find a record."""
    person = factories.BeneficiaryFactory(office_code="KTM")
    db.session.commit()
    return person


def error_envelope(ctx, response, case) -> bool | None:
    """Every 4xx answer is the contract's error object, with a message and field map."""
    if response.status_code < 400:
        return None
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, f"not an error envelope: {body}"
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"], f"no error.code: {body}"
    assert isinstance(error.get("message"), str) and error["message"], f"no message: {body}"
    fields = error.get("fields")
    assert isinstance(fields, dict), f"error.fields is not an object: {body}"
    assert all(
        isinstance(messages, list) and all(isinstance(m, str) for m in messages)
        for messages in fields.values()
    ), f"error.fields must map names to lists of messages: {body}"
    return True


CHECKS = [
    not_a_server_error,
    error_envelope,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def fuzz_operation(app, operation, mode: GenerationMode, tokens: dict[str, str]) -> None:
    """Up to MAX_EXAMPLES generated requests to one operation, each sent as every role."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        for role in ROLES:
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            response = case.call(app=app, headers=headers)
            db.session.rollback()  # forget what the request's session read
            case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_answers_every_generated_request_within_its_contract(
    app, api_schema, role_tokens, some_records, mode
):
    """Each operation in turn; every operation's failures are reported, not just the first."""
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        try:
            fuzz_operation(app, operation, mode, role_tokens)
        except Exception as error:  # noqa: BLE001 (collected and reported below)
            failures.append(f"{operation.label}: {_first_lines(error)}")
    assert not failures, "\n\n".join(failures)


def _first_lines(error: Exception, lines: int = 40) -> str:
    """Schemathesis explains a failure at length; the start names it and how to reproduce."""
    text = "\n".join(str(e) for e in getattr(error, "exceptions", None) or [error])
    return "\n".join(text.splitlines()[:lines])
