"""Sessions end on the server: sign-out, idle time, and password or account changes.

The session cookie is signed, not stored, so a copy of it would outlive a sign-out unless
the server refuses it; API tokens are standing access and end with the password.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import create_user, csrf_token, login
from tracker import create_app
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import ApiToken, User
from tracker.services.commands.accounts import change_own_password, deactivate_user, reset_password
from tracker.services.commands.tokens import create_token

NOW = datetime(2020, 12, 20, 9, 30, tzinfo=UTC)


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_a_copied_session_cookie_is_dead_after_sign_out(app: Flask) -> None:
    create_user("wang", "viewer")
    browser = app.test_client()
    login(browser, "wang")
    copied = _session_cookie(browser)
    assert browser.get("/profile").status_code == 200
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/profile")})

    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/profile")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_session_ends_after_the_idle_time(
    make_app: Callable[..., Flask], app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_user("wang", "viewer")
    short = make_app(PERMANENT_SESSION_LIFETIME=timedelta(seconds=1))
    client = short.test_client()
    login(client, "wang")
    assert client.get("/profile").status_code == 200
    later = datetime.now(UTC) + timedelta(seconds=5)
    monkeypatch.setattr("itsdangerous.timed.time.time", later.timestamp)
    response = client.get("/profile")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_idle_time_is_configured_in_hours(monkeypatch: pytest.MonkeyPatch, app: Flask) -> None:
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
    monkeypatch.setenv("TRACKER_SESSION_HOURS", "2")
    other = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert other.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=2)


def _token_works(app: Flask, secret: str) -> bool:
    response = app.test_client().get("/api/v1/plan", headers={"Authorization": f"Bearer {secret}"})
    return response.status_code != 401


@pytest.mark.parametrize("change", ["reset", "own", "deactivate"])
def test_password_changes_and_deactivation_revoke_api_tokens(seeded: Flask, change: str) -> None:
    create_user("admin", "admin")
    wang = create_user("wang", "viewer")
    _, secret = create_token(Who(NOW, wang), wang, label="报表程序")
    db.session.commit()
    assert _token_works(seeded, secret)
    admin = db.session.query(User).filter_by(username="admin").one()
    if change == "reset":
        reset_password(Who(NOW, admin), wang)
    elif change == "own":
        change_own_password(
            Who(NOW, wang), wang, current="correct horse battery", new="another long secret 42"
        )
    else:
        deactivate_user(Who(NOW, admin), wang)
    db.session.commit()
    assert not _token_works(seeded, secret)
    assert db.session.query(ApiToken).one().revoked_at is not None


def test_the_profile_says_what_revokes_tokens(app: Flask) -> None:
    create_user("wang", "viewer")
    client = app.test_client()
    login(client, "wang")
    html = client.get("/profile?lang=en").get_data(as_text=True)
    assert "all its tokens are revoked" in html


# Each process keeps decoded session cookies and recently signed CSRF tokens
# (tracker.session_cookies): what it keeps must never let a request through that the
# cookie alone would not.


def test_a_kept_session_cookie_changed_by_one_character_is_refused(app: Flask) -> None:
    create_user("wang", "viewer")
    browser = app.test_client()
    login(browser, "wang")
    cookie = _session_cookie(browser)
    assert browser.get("/profile").status_code == 200  # now kept
    payload, _, signature = cookie.rpartition(".")
    # (the first character of the signature: the last one may carry only padding bits)
    forged = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    stranger = app.test_client()
    stranger.set_cookie("session", forged)
    assert stranger.get("/profile").status_code == 302


def test_a_kept_session_is_refused_under_another_secret_key(
    make_app: Callable[..., Flask], app: Flask
) -> None:
    create_user("wang", "viewer")
    browser = app.test_client()
    login(browser, "wang")
    cookie = _session_cookie(browser)
    assert browser.get("/profile").status_code == 200
    other = make_app(SECRET_KEY="another-" + "k" * 40).test_client()
    other.set_cookie("session", cookie)
    assert other.get("/profile").status_code == 302


def test_a_flashed_message_is_shown_once_though_sessions_are_kept(app: Flask) -> None:
    create_user("wang", "viewer")
    browser = app.test_client()
    login(browser, "wang")
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/profile")})
    first = browser.get("/login").get_data(as_text=True)
    second = browser.get("/login").get_data(as_text=True)
    assert first.count('class="alert') == 1
    assert 'class="alert' not in second


def test_the_csrf_token_is_signed_once_a_minute_and_each_one_is_accepted(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_user("wang", "viewer")
    create_user("li", "viewer")
    wang = app.test_client()
    login(wang, "wang")
    first = csrf_token(wang, "/profile")
    assert csrf_token(wang, "/profile") == first
    li = app.test_client()
    login(li, "li")
    assert csrf_token(li, "/profile") != first
    later = datetime.now(UTC) + timedelta(seconds=61)
    monkeypatch.setattr("itsdangerous.timed.time.time", later.timestamp)
    newer = csrf_token(wang, "/profile")
    assert newer != first
    assert wang.post("/logout", data={"csrf_token": first}).status_code == 302
    assert wang.get("/profile").status_code == 302  # signed out: the older token counted
    assert li.post("/logout", data={"csrf_token": first}).status_code == 400
