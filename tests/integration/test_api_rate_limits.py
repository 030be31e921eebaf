"""API rate limits (per token, and per address without a valid token), and token upkeep.

The suite runs with limits no test reaches (config.TestingConfig); the tests here lower
them for themselves (they are read on each request) and start from empty counts.
"""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from casework.extensions import db, limiter
from casework.models import ApiToken, utcnow
from casework.services import accounts
from config import Config

DISTRICTS = "/api/v1/districts"
UNREACHED = "100000/minute"
REDIS = "redis://127.0.0.1:6379/15"  # a database of its own, emptied by the test


@pytest.fixture
def limits(app):
    """set_limits(per_token, anonymous) for this test, with the counts emptied."""
    saved = {
        k: app.config[k] for k in ("CASEWORK_API_RATE_LIMIT", "CASEWORK_API_ANONYMOUS_RATE_LIMIT")
    }

    def set_limits(per_token: str = UNREACHED, anonymous: str = UNREACHED):
        app.config["CASEWORK_API_RATE_LIMIT"] = per_token
        app.config["CASEWORK_API_ANONYMOUS_RATE_LIMIT"] = anonymous
        limiter.reset()

    yield set_limits
    app.config.update(saved)
    limiter.reset()


def assert_rate_limited(response) -> None:
    assert response.status_code == 429
    body = response.get_json()
    assert body["error"]["code"] == "rate_limited"
    assert body["error"]["message"]
    assert body["error"]["fields"] == {}
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_the_default_limits():
    assert Config.CASEWORK_API_RATE_LIMIT == "300/minute"
    assert Config.CASEWORK_API_ANONYMOUS_RATE_LIMIT == "60/minute"
    assert Config.RATELIMIT_STORAGE_URI == "memory://"


def test_a_token_over_its_limit_gets_429_with_retry_after(limits, api_as):
    limits(per_token="3/minute")
    api = api_as("caseworker")
    for _ in range(3):
        assert api.get(DISTRICTS).status_code == 200
    assert_rate_limited(api.get(DISTRICTS))
    assert_rate_limited(api.post("/api/v1/beneficiaries", json={"given_name": "Maya"}))


def test_every_endpoint_counts_against_the_same_token_limit(limits, api_as):
    limits(per_token="2/minute")
    api = api_as("caseworker")
    assert api.get(DISTRICTS).status_code == 200
    assert api.get("/api/v1/beneficiaries").status_code == 200
    assert_rate_limited(api.get("/api/v1/cases"))


def test_each_token_has_its_own_count(limits, api_as):
    limits(per_token="2/minute")
    first, second = api_as("caseworker"), api_as("caseworker")
    other_token = accounts.create_token(None, first.user, "second laptop")
    db.session.commit()
    for _ in range(2):
        first.get(DISTRICTS)
    assert_rate_limited(first.get(DISTRICTS))
    assert second.get(DISTRICTS).status_code == 200
    response = first.client.get(DISTRICTS, headers={"Authorization": f"Bearer {other_token}"})
    assert response.status_code == 200


def test_calls_without_a_valid_token_are_limited_per_address(limits, client):
    limits(anonymous="3/minute")
    assert client.get(DISTRICTS).status_code == 401
    wrong = {"Authorization": "Bearer cw_guessed-token"}
    assert client.get(DISTRICTS, headers=wrong).status_code == 401
    assert client.get("/api/v1/cases", headers={"Authorization": "Basic eDp5"}).status_code == 401
    assert_rate_limited(client.get(DISTRICTS, headers=wrong))
    elsewhere = client.get(DISTRICTS, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert elsewhere.status_code == 401


def test_a_valid_token_is_not_held_back_by_its_address(limits, api_as, client):
    limits(anonymous="1/minute")
    assert client.get(DISTRICTS).status_code == 401
    assert_rate_limited(client.get(DISTRICTS))
    api = api_as("caseworker")
    for _ in range(3):
        assert api.get(DISTRICTS).status_code == 200


def test_a_lower_limit_applies_from_the_next_call(limits, app, api_as):
    limits()
    api = api_as("caseworker")
    for _ in range(5):
        assert api.get(DISTRICTS).status_code == 200
    app.config["CASEWORK_API_RATE_LIMIT"] = "5/minute"
    assert api.get(DISTRICTS).status_code == 200  # a new limit starts its own count
    for _ in range(4):
        api.get(DISTRICTS)
    assert_rate_limited(api.get(DISTRICTS))


def test_pages_and_health_are_not_limited_by_the_api_limits(limits, login_as, client):
    limits(per_token="1/minute", anonymous="1/minute")
    worker = login_as("caseworker")
    for _ in range(4):
        assert worker.get("/beneficiaries/").status_code == 200
        assert client.get("/healthz").status_code == 200


def test_the_openapi_document_lists_429_on_every_operation(api_as):
    document = api_as("caseworker").get("/api/v1/openapi.json").get_json()
    operations = [
        operation
        for path in document["paths"].values()
        for method, operation in path.items()
        if method in {"get", "post", "patch", "put", "delete"}
    ]
    assert operations
    assert all("429" in op["responses"] for op in operations)
    response = document["components"]["responses"]["RATE_LIMITED"]
    assert "Retry-After" in response["headers"]


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_counts_kept_in_redis_are_shared_by_every_process(app, limits, api_as):
    """With RATELIMIT_STORAGE_URI=redis://…, the count lives in Redis, not in the process."""
    import redis

    saved = app.config["RATELIMIT_STORAGE_URI"]
    app.config["RATELIMIT_STORAGE_URI"] = REDIS
    limiter.init_app(app)  # as a process started with this setting would be
    try:
        limits(per_token="2/minute")
        api = api_as("caseworker")
        assert api.get(DISTRICTS).status_code == 200
        keys = redis.Redis.from_url(REDIS).keys("*api-caller*")
        assert keys, "no count stored in Redis"
        assert api.get(DISTRICTS).status_code == 200
        assert_rate_limited(api.get(DISTRICTS))
    finally:
        limiter.reset()
        app.config["RATELIMIT_STORAGE_URI"] = saved
        limiter.init_app(app)


# --- tokens: expiry, last use -------------------------------------------------------------


def token_of(user) -> ApiToken:
    db.session.expire_all()
    return db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()


def test_a_new_token_expires_after_the_configured_lifetime(api_as, app):
    record = token_of(api_as("caseworker").user)
    lifetime = record.expires_at - record.created_at
    assert abs(lifetime - app.config["API_TOKEN_LIFETIME"]) < timedelta(minutes=1)
    assert app.config["API_TOKEN_LIFETIME"] == timedelta(days=90)


def test_a_call_records_when_the_token_was_last_used(api_as):
    api = api_as("caseworker")
    assert token_of(api.user).last_used_at is None
    assert api.get(DISTRICTS).status_code == 200
    used = token_of(api.user).last_used_at
    assert used is not None and utcnow() - used < timedelta(minutes=1)


def test_last_use_is_written_at_most_once_a_minute(api_as):
    api = api_as("caseworker")
    api.get(DISTRICTS)
    first = token_of(api.user).last_used_at
    writes: list[str] = []

    def note(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE") and "api_tokens" in statement:
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        for _ in range(3):
            assert api.get(DISTRICTS).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert writes == []
    assert token_of(api.user).last_used_at == first


def test_last_use_is_written_again_after_a_minute(api_as):
    api = api_as("caseworker")
    record = token_of(api.user)
    record.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    api.get(DISTRICTS)
    assert utcnow() - token_of(api.user).last_used_at < timedelta(minutes=1)


def test_a_refused_token_records_no_use(api_as):
    api = api_as("caseworker")
    record = token_of(api.user)
    record.revoked_at = utcnow()
    db.session.commit()
    response = api.get(DISTRICTS)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert token_of(api.user).last_used_at is None


def test_an_expired_token_is_refused_in_the_error_shape(api_as):
    api = api_as("caseworker")
    record = token_of(api.user)
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = api.get(DISTRICTS)
    assert response.status_code == 401
    assert set(response.get_json()["error"]) >= {"code", "message", "fields"}
    assert token_of(api.user).last_used_at is None


def test_the_account_page_shows_when_a_token_was_last_used(login_as):
    client = login_as("caseworker")
    token = accounts.create_token(None, client.user, "field laptop")
    db.session.commit()
    client.get(DISTRICTS, headers={"Authorization": f"Bearer {token}"})
    page = client.get("/auth/account").get_data(as_text=True)
    assert "field laptop" in page
    assert "never" not in page.lower().split("field laptop", 1)[1][:300]
