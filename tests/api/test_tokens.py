"""API tokens: made on the profile page or the command line, hashed, revocable, noted when used."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.api.conftest import Api
from tests.factories import create_user, csrf_token, login
from tracker.extensions import db
from tracker.models import ApiToken, AuditEvent, User
from tracker.services.commands.tokens import hash_token


def test_revoked_token_is_refused_afterwards(api: Api) -> None:
    assert api.get("/api/v1/plan", "viewer").status_code == 200
    page = api.client.application.test_client()
    login(page, "viewer")
    token_id = db.session.scalar(sa.select(ApiToken.id).join(User).where(User.username == "viewer"))
    response = page.post(
        f"/profile/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(page, "/profile")}
    )
    assert response.status_code == 302
    assert api.get("/api/v1/plan", "viewer").status_code == 401
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).revoked_at is not None


def test_deactivated_users_tokens_stop_working(api: Api) -> None:
    user = db.session.scalar(sa.select(User).where(User.username == "lead-gxj"))
    user.active = False
    db.session.commit()
    assert api.get("/api/v1/plan", "gxj").status_code == 401


def test_profile_creates_a_token_shown_once_and_stored_hashed(api: Api) -> None:
    page = api.client.application.test_client()
    login(page, "leader")
    response = page.post(
        "/profile/tokens",
        data={"csrf_token": csrf_token(page, "/profile"), "label": "Dashboard sync"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    match = re.search(r'data-testid="api-token">(pt_[^<]+)<', html)
    assert match
    token = match.group(1)
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.label == "Dashboard sync"))
    assert row.token_hash == hash_token(token)
    assert token not in row.token_hash
    assert row.prefix == token[:8]
    assert token not in page.get("/profile").get_data(as_text=True)  # never shown again
    assert row.last_used_at is None
    client = api.client.application.test_client()
    reply = client.get("/api/v1/plan", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at is not None
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "api_token_created" in actions


def test_profile_refuses_an_empty_label_and_writes_nothing(api: Api) -> None:
    page = api.client.application.test_client()
    login(page, "leader")
    count = db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken))
    response = page.post(
        "/profile/tokens", data={"csrf_token": csrf_token(page, "/profile"), "label": "  "}
    )
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == count


def test_nobody_revokes_another_users_token(api: Api) -> None:
    page = api.client.application.test_client()
    login(page, "admin")
    token_id = db.session.scalar(sa.select(ApiToken.id).join(User).where(User.username == "viewer"))
    response = page.post(
        f"/profile/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(page, "/profile")}
    )
    assert response.status_code == 404
    assert api.get("/api/v1/plan", "viewer").status_code == 200


def test_cli_creates_lists_and_revokes(app, runner) -> None:
    create_user("robot", "viewer")
    result = runner.invoke(args=["tokens", "create", "robot", "--label", "nightly export"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("pt_")
    listed = runner.invoke(args=["tokens", "list"])
    assert "robot" in listed.output
    assert "nightly export" in listed.output
    assert token not in listed.output
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/departments", headers=headers).status_code == 200
    token_id = db.session.scalar(sa.select(ApiToken.id))
    assert runner.invoke(args=["tokens", "revoke", str(token_id)]).exit_code == 0
    assert client.get("/api/v1/departments", headers=headers).status_code == 401
    assert runner.invoke(args=["tokens", "create", "nobody"]).exit_code == 1
    assert runner.invoke(args=["tokens", "revoke", "999"]).exit_code == 1
