"""Admins see and revoke any user's API tokens; users manage their own."""

from sqlalchemy import select

from casework.extensions import db
from casework.models import ApiToken
from casework.services import accounts


def _token_for(user):
    token = accounts.create_token(None, user, "script")
    db.session.commit()
    return token


def test_admin_sees_and_revokes_another_users_token(login_as, make_user, client):
    admin = login_as("admin")
    worker = make_user("caseworker")
    token = _token_for(worker)
    record = db.session.scalars(select(ApiToken)).one()
    page = admin.get(f"/admin/users/{worker.id}")
    assert page.status_code == 200
    assert record.prefix in page.get_data(as_text=True)
    response = admin.post(f"/admin/users/{worker.id}/tokens/{record.id}/revoke")
    assert response.status_code == 302
    api = client.get("/api/v1/districts", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_token_must_belong_to_the_user_in_the_url(login_as, make_user):
    admin = login_as("admin")
    worker, other = make_user("caseworker"), make_user("caseworker")
    _token_for(other)
    record = db.session.scalars(select(ApiToken)).one()
    response = admin.post(f"/admin/users/{worker.id}/tokens/{record.id}/revoke")
    assert response.status_code == 404
    db.session.refresh(record)
    assert record.revoked_at is None


def test_a_user_cannot_revoke_someone_elses_token(login_as, make_user):
    worker = login_as("caseworker")
    other = make_user("caseworker")
    _token_for(other)
    record = db.session.scalars(select(ApiToken)).one()
    assert worker.post(f"/auth/tokens/{record.id}/revoke").status_code == 404
    db.session.refresh(record)
    assert record.revoked_at is None
