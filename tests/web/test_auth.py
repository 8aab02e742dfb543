"""Signing in and out: passwords, throttling, safe redirects, CSRF, ending sessions."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, create_user, csrf_token, login
from tracker import create_app
from tracker.clock import utcnow
from tracker.domain.refusal import Who
from tracker.domain.throttle import MAX_ADDRESS_FAILURES, MAX_FAILURES
from tracker.extensions import db
from tracker.models import AuditEvent, User
from tracker.services.commands import accounts
from tracker.services.commands.accounts import deactivate_user, reset_password

T0 = datetime(2020, 10, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """A settable clock for the sign-in views: ``clock[0] += timedelta(...)`` moves time."""
    now = [T0]
    monkeypatch.setattr("tracker.auth.routes.utcnow", lambda: now[0])
    return now


def post_login(
    client: FlaskClient, username: str, password: str, next_: str | None = None
) -> tuple[int, str | None, str]:
    token = csrf_token(client, "/login")
    url = "/login" if next_ is None else f"/login?next={next_}"
    response = client.post(
        url, data={"username": username, "password": password, "csrf_token": token}
    )
    return response.status_code, response.headers.get("Location"), response.get_data(as_text=True)


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_sign_in_and_out(app: Flask, client: FlaskClient, clock: list[datetime]) -> None:
    user = create_user("wang", "dept_lead")
    status, location, _ = post_login(client, "wang", PASSWORD)
    assert (status, location) == (302, "/my")  # a department lead starts on their page
    assert client.get("/profile").status_code == 200
    assert [(e.username, e.actor_id, e.address) for e in events("login")] == [
        ("wang", user.id, "127.0.0.1")
    ]
    assert db.session.get(User, user.id).last_login_at is not None

    token = csrf_token(client, "/profile")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 302
    assert len(events("logout")) == 1


@pytest.mark.parametrize(
    ("role", "next_", "landing"),
    [
        ("dept_lead", None, "/my"),
        ("dept_lead", "/plans/shinan-2020/items/T1", "/plans/shinan-2020/items/T1"),
        ("dept_lead", "//evil.example/", "/my"),
        ("staff", None, "/my"),
        ("leader", None, "/"),
        ("admin", None, "/"),
        ("viewer", None, "/"),
        ("viewer", "/my", "/my"),
    ],
)
def test_landing_after_sign_in(
    app: Flask, client: FlaskClient, role: str, next_: str | None, landing: str
) -> None:
    """A department lead lands on /my; a safe ``next`` still wins; others keep the board."""
    create_user("someone", role)
    status, location, _ = post_login(client, "someone", PASSWORD, next_)
    assert (status, location) == (302, landing)
    # Already signed in, /login sends the user to the same place.
    assert (
        client.get("/login" if next_ is None else f"/login?next={next_}").headers["Location"]
        == landing
    )


def test_passwords_are_stored_as_scrypt_hashes(app: Flask) -> None:
    user, _ = accounts.create_user(
        Who(now=utcnow()), username="wang", role="viewer", password=PASSWORD
    )
    db.session.commit()
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("username", "password"), [("wang", "wrong password!"), ("nobody", PASSWORD)]
)
def test_wrong_name_or_password_says_the_same(
    app: Flask, client: FlaskClient, clock: list[datetime], username: str, password: str
) -> None:
    create_user("wang")
    status, _, html = post_login(client, username, password)
    assert status == 200
    assert "用户名或密码错误" in html
    assert [(e.username, e.detail) for e in events("login_failed")] == [
        (username, "wrong password" if username == "wang" else "unknown user")
    ]
    assert client.get("/profile").status_code == 302


def test_sixth_attempt_is_refused_until_the_window_passes(
    app: Flask, client: FlaskClient, clock: list[datetime]
) -> None:
    create_user("wang")
    for _ in range(5):
        assert post_login(client, "wang", "wrong password!")[0] == 200
        clock[0] += timedelta(seconds=30)
    status, _, html = post_login(client, "wang", "wrong password!")
    assert status == 429
    assert "尝试次数过多" in html
    # Even the right password is refused while the window lasts.
    assert post_login(client, "wang", PASSWORD)[0] == 429
    assert client.get("/profile").status_code == 302
    assert len(events("login_throttled")) == 2

    clock[0] = T0 + timedelta(minutes=15, seconds=1)  # the first failure has aged out
    status, location, _ = post_login(client, "wang", PASSWORD)
    assert (status, location) == (302, "/")


def test_throttle_message_follows_the_language(
    app: Flask, client: FlaskClient, clock: list[datetime]
) -> None:
    create_user("wang")
    client.get("/login?lang=en")
    for _ in range(5):
        post_login(client, "wang", "wrong password!")
    status, _, html = post_login(client, "wang", PASSWORD)
    assert status == 429
    assert "Too many failed sign-in attempts" in html


def test_one_address_guessing_many_accounts_is_throttled(
    app: Flask, client: FlaskClient, clock: list[datetime]
) -> None:
    create_user("wang")
    for n in range(MAX_ADDRESS_FAILURES):
        post_login(client, f"guess{n}", "wrong password!")
    assert post_login(client, "wang", PASSWORD)[0] == 429


def test_one_persons_typos_do_not_lock_out_the_office(
    app: Flask, client: FlaskClient, clock: list[datetime]
) -> None:
    """Everyone in an office signs in from one address (NAT): only the account closes."""
    create_user("wang")
    create_user("li")
    for _ in range(MAX_FAILURES):
        post_login(client, "wang", "wrong password!")
    assert post_login(client, "wang", PASSWORD)[0] == 429
    colleague = app.test_client()
    assert post_login(colleague, "li", PASSWORD)[0] == 302


def test_success_resets_the_account_counter(
    app: Flask, client: FlaskClient, clock: list[datetime]
) -> None:
    create_user("wang")
    other = app.test_client()
    for _ in range(4):
        post_login(client, "wang", "wrong password!")
    clock[0] += timedelta(seconds=1)
    assert post_login(other, "wang", PASSWORD)[0] == 302
    clock[0] += timedelta(seconds=1)
    # The account counts afresh from the success: five failures, then the door closes.
    for _ in range(MAX_FAILURES):
        assert post_login(client, "wang", "wrong password!")[0] == 200
    assert post_login(client, "wang", PASSWORD)[0] == 429


def test_throttle_is_shared_between_app_instances(
    app: Flask, client: FlaskClient, clock: list[datetime], make_app: Callable[..., Flask]
) -> None:
    """Two app instances stand for two gunicorn workers: the count lives in the database."""
    create_user("wang")
    second_worker = make_app().test_client()
    for _ in range(5):
        post_login(client, "wang", "wrong password!")
    status, _, _ = post_login(second_worker, "wang", PASSWORD)
    assert status == 429


@pytest.mark.parametrize(
    "target", ["//evil.example", "https://evil.example", "/\\evil.example", "http:evil.example"]
)
def test_next_never_leaves_the_site(
    app: Flask, client: FlaskClient, clock: list[datetime], target: str
) -> None:
    create_user("wang")
    status, location, _ = post_login(client, "wang", PASSWORD, next_=target)
    assert (status, location) == (302, "/")


def test_next_inside_the_site_is_followed(
    app: Flask, client: FlaskClient, clock: list[datetime]
) -> None:
    create_user("wang")
    response = client.get("/plans/shinan-2020/items/T1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fplans%2Fshinan-2020%2Fitems%2FT1"
    status, location, _ = post_login(client, "wang", PASSWORD, next_="%2Fitems%2FT1")
    assert (status, location) == (302, "/items/T1")


def test_post_without_csrf_token_is_refused_and_writes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    create_user("wang")
    response = client.post("/login", data={"username": "wang", "password": PASSWORD})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0
    assert client.get("/profile").status_code == 302

    login(client, "wang")
    assert client.post("/logout").status_code == 400
    assert client.get("/profile").status_code == 200  # still signed in
    assert events("logout") == []


def test_deactivated_users_session_is_refused(app: Flask, client: FlaskClient) -> None:
    admin = create_user("admin", "admin")
    wang = create_user("wang")
    login(client, "wang")
    assert client.get("/profile").status_code == 200
    deactivate_user(Who(now=utcnow(), actor=admin), db.session.get(User, wang.id))
    db.session.commit()
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    status, _, _ = post_login(client, "wang", PASSWORD)
    assert status == 200  # refused like a wrong password
    assert events("login_failed")[0].detail == "inactive account"


def test_reset_password_ends_sessions_and_forces_a_new_password(
    app: Flask, client: FlaskClient
) -> None:
    admin = create_user("admin", "admin")
    wang = create_user("wang")
    login(client, "wang")
    one_time = reset_password(Who(now=utcnow(), actor=admin), db.session.get(User, wang.id))
    db.session.commit()
    assert client.get("/profile").status_code == 302  # the old session is over

    status, location, _ = post_login(client, "wang", one_time)
    assert (status, location) == (302, "/profile/password")
    assert (
        client.get("/plans/shinan-2020/").headers["Location"] == "/profile/password"
    )  # nothing else until changed

    token = csrf_token(client, "/profile/password")
    weak = client.post(
        "/profile/password",
        data={
            "current": one_time,
            "new": "wang123456",
            "confirm": "wang123456",
            "csrf_token": token,
        },
    )
    assert weak.status_code == 200
    assert "密码不能包含用户名" in weak.get_data(as_text=True)
    wrong = client.post(
        "/profile/password",
        data={
            "current": "nope",
            "new": "a new passphrase",
            "confirm": "a new passphrase",
            "csrf_token": token,
        },
    )
    assert "当前密码不正确" in wrong.get_data(as_text=True)
    assert db.session.get(User, wang.id).must_change_password

    done = client.post(
        "/profile/password",
        data={
            "current": one_time,
            "new": "a new passphrase",
            "confirm": "a new passphrase",
            "csrf_token": token,
        },
    )
    assert done.status_code == 302
    assert client.get("/").status_code == 200  # still signed in, in this session
    db.session.expire_all()
    user = db.session.get(User, wang.id)
    assert not user.must_change_password
    assert user.check_password("a new passphrase")


def test_password_change_ends_other_sessions(app: Flask) -> None:
    create_user("wang")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "wang")
    login(phone, "wang")
    token = csrf_token(laptop, "/profile/password")
    laptop.post(
        "/profile/password",
        data={
            "current": PASSWORD,
            "new": "a new passphrase",
            "confirm": "a new passphrase",
            "csrf_token": token,
        },
    )
    assert laptop.get("/profile").status_code == 200
    assert phone.get("/profile").status_code == 302


def test_preferred_language_applies_at_next_sign_in(app: Flask, client: FlaskClient) -> None:
    create_user("wang")
    login(client, "wang")
    token = csrf_token(client, "/profile")
    assert client.post("/profile", data={"locale": "en", "csrf_token": token}).status_code == 302
    assert client.post("/profile", data={"locale": "xx", "csrf_token": token}).status_code == 200
    other = app.test_client()
    login(other, "wang")
    assert "My profile" in other.get("/profile").get_data(as_text=True)


def test_anonymous_sees_only_sign_in_and_health(app: Flask, client: FlaskClient) -> None:
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    for path in ("/", "/plans/shinan-2020/items/T1", "/profile", "/admin/users"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_session_cookie_flags(app: Flask, client: FlaskClient) -> None:
    create_user("wang")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"username": "wang", "password": PASSWORD, "csrf_token": token}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_secure_cookies_by_environment(monkeypatch: pytest.MonkeyPatch, app: Flask) -> None:
    monkeypatch.setenv("TRACKER_SECURE_COOKIES", "1")
    secure = create_app(
        {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "x"}
    )
    assert secure.config["SESSION_COOKIE_SECURE"] is True
    assert secure.config["REMEMBER_COOKIE_SECURE"] is True
    with secure.app_context():
        db.engine.dispose()


def test_thirty_parallel_wrong_passwords_process_no_more_than_the_limit(app: Flask) -> None:
    """Counting is atomic: attempts sent at once are counted one at a time, on both engines."""
    create_user("wang")
    clients = [app.test_client() for _ in range(30)]
    tokens = [csrf_token(c, "/login") for c in clients]
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def attempt(client: FlaskClient, token: str) -> None:
        start.wait()
        response = client.post(
            "/login", data={"username": "wang", "password": "wrong password!", "csrf_token": token}
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [200, 429]
    assert statuses.count(200) == MAX_FAILURES
    failed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "login_failed", AuditEvent.username == "wang")
    )
    assert failed == MAX_FAILURES


def test_english_chosen_on_the_sign_in_page_is_kept(app: Flask, client: FlaskClient) -> None:
    create_user("wang")
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in" in page
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"username": "wang", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert "My profile" in client.get("/profile").get_data(as_text=True)


def test_without_a_choice_the_profile_language_applies(app: Flask, client: FlaskClient) -> None:
    user = create_user("wang")
    user.locale = "en"
    db.session.commit()
    login(client, "wang")
    assert "My profile" in client.get("/profile").get_data(as_text=True)
    chinese = app.test_client()
    create_user("li")
    login(chinese, "li")
    assert "My profile" not in chinese.get("/profile").get_data(as_text=True)


def test_sign_in_fields_tell_password_managers_what_they_are(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'autocomplete="username"' in page
    assert 'autocomplete="current-password"' in page
