"""What every request pays before its own work: an API call finds its token and the
token's owner in one query, and writes nothing unless the token's last use is due."""

from __future__ import annotations

from sqlalchemy import select

from casework.extensions import db
from casework.models import ApiToken, utcnow
from tests.queries import statements

DISTRICTS = "/api/v1/districts"


def test_an_api_call_finds_its_token_and_owner_in_one_query(api_as):
    api = api_as("caseworker")
    api.get(DISTRICTS)  # the token's last use is recorded by the first call
    with statements() as seen:
        assert api.get(DISTRICTS).status_code == 200
    about_the_caller = [s for s in seen if "FROM api_tokens" in s or "FROM users" in s]
    assert len(about_the_caller) == 1, about_the_caller
    assert not [s for s in seen if s.upper().startswith(("UPDATE", "INSERT", "COMMIT"))]


def test_a_revoked_token_or_deactivated_owner_is_refused_at_the_next_call(api_as):
    api = api_as("caseworker")
    assert api.get(DISTRICTS).status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == api.user.id))
    token.revoked_at = utcnow()
    db.session.commit()
    assert api.get(DISTRICTS).status_code == 401

    other = api_as("caseworker")
    assert other.get(DISTRICTS).status_code == 200
    other.user.active = False
    db.session.commit()
    assert other.get(DISTRICTS).status_code == 401
