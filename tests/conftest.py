"""Test set-up: one schema per run (built by the migrations), a clean database per test.

Set TEST_DATABASE_URL to a PostgreSQL URL to run the same suite on PostgreSQL; otherwise
it runs on a SQLite file under instance/. The schema is built with `flask db upgrade`
(test_migrations proves it equals the models). After each test every table but the
reference data is emptied, so tests are independent of each other and of their order.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import g, request_started
from flask_migrate import upgrade
from sqlalchemy import URL, MetaData, create_engine, make_url, text

from casework import create_app
from casework.auth import permissions
from casework.extensions import db
from casework.services import accounts
from casework.services.reference import load_reference_data
from config import normalise_database_url
from tests import factories, sign_in

SQLITE_FILE = Path(__file__).resolve().parents[1] / "instance" / "test.db"

REFERENCE_TABLES = {
    "provinces",
    "districts",
    "local_levels",
    "countries",
    "offices",
    "alembic_version",
}


def _drop_everything() -> None:
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    metadata.drop_all(bind=db.engine)


def _database_url() -> str:
    """The test database: TEST_DATABASE_URL, or a SQLite file under instance/.

    Under pytest-xdist (`make test` runs one worker per core) each worker has its own:
    `test-gw0.db`, or the PostgreSQL database `<name>_gw0`, created when missing, so that
    workers never see each other's rows.
    """
    given = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{SQLITE_FILE}"
    url = make_url(normalise_database_url(given))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and url.get_backend_name() == "sqlite":
        path = Path(url.database)
        url = url.set(database=str(path.with_name(f"{path.stem}-{worker}{path.suffix}")))
    elif worker:
        url = _create_database(url, f"{url.database}_{worker}")
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
    return url.render_as_string(hide_password=False)


def _create_database(url: URL, name: str) -> URL:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name)


@pytest.fixture(scope="session")
def app():
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=_database_url())
    # Argon2 with its production cost makes each login ~50 ms; tests only need it correct.
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    app.config["SIGN_IN_SLOWDOWN_STEP"] = 0  # tests of the slowdown set it themselves
    with app.app_context():
        _drop_everything()
        upgrade()
        load_reference_data()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _forget_request_globals(sender, **extra) -> None:
    """Give every request an empty `flask.g`, as a real server does.

    The test's app context stays pushed for factories and assertions, and Flask reuses it
    for each test-client request, so `g` would outlive a request (Flask-Login caches the
    signed-in user there, Flask-WTF the CSRF token): a second client would act as the first.
    """
    g._get_current_object().__dict__.clear()


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Each test starts in an app context on a database holding only reference data."""
    ctx = app.app_context()
    ctx.push()
    app.config["WTF_CSRF_ENABLED"] = False
    request_started.connect(_forget_request_globals, app)
    yield
    request_started.disconnect(_forget_request_globals, app)
    db.session.rollback()
    db.session.remove()
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    # DELETE, not TRUNCATE: on PostgreSQL a TRUNCATE of every table costs ~0.3 s per test
    # whatever they hold, while deleting the few rows a test made is almost free.
    with db.engine.begin() as connection:
        for table in tables:
            connection.execute(table.delete())
    ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user():
    def make(role: str = "caseworker", office: str = "KTM", **kwargs):
        user = factories.UserFactory(role=role, office_code=office, **kwargs)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login_as(app, make_user):
    """login_as("supervisor", office="DMK") -> a test client fully signed in as a new user.

    Admins and supervisors must sign in with two-factor: they are enrolled through the
    service and post a code, as a user would after the password. The client has the user
    at `client.user`.
    """

    def login(role: str = "caseworker", office: str = "KTM", **kwargs):
        user = make_user(role, office, **kwargs)
        if permissions.two_factor_required(user):
            sign_in.enrol(user)
        client = app.test_client()
        response = sign_in.sign_in(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        assert "/auth/" not in response.headers["Location"], response.headers["Location"]
        client.user = user
        return client

    return login


class ApiClient:
    """A test client that sends `Authorization: Bearer TOKEN` with every request."""

    def __init__(self, client, token: str, user):
        self.client, self.token, self.user = client, token, user

    def _headers(self, headers=None):
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, url, **kwargs):
        return self.client.get(url, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, url, **kwargs):
        return self.client.post(url, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def patch(self, url, **kwargs):
        return self.client.patch(url, headers=self._headers(kwargs.pop("headers", None)), **kwargs)


@pytest.fixture
def api_as(app, make_user):
    """api_as("caseworker", office="KTM") -> an ApiClient with a fresh token."""

    def make(role: str = "caseworker", office: str = "KTM", **kwargs):
        user = make_user(role, office, **kwargs)
        token = accounts.create_token(None, user, "tests")
        db.session.commit()
        return ApiClient(app.test_client(), token, user)

    return make


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)
