"""Sign-in through a real OpenID Connect provider (oidc-provider, started by the tests).

The app is Flask's test client; the browser's part at the provider (its sign-in form, its
consent page, its end-session page) is done with ``requests``, and the provider's redirect
back to the app is handed to the test client as a browser would follow it. Nothing of the
protocol is mocked: the app fetches the provider's metadata and keys and redeems the code
at the provider's token endpoint over HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import create_department, create_user, csrf_token, login
from tests.live_server import free_port
from tests.oidc_server import (
    AFTER_LOGOUT,
    APP,
    CALLBACK,
    CLIENT_ID,
    LEADERS,
    LEADS,
    VIEWERS,
    OidcProvider,
    account,
    oidc_provider,
    provider_server,  # noqa: F401  (the session fixture)
)
from tracker.auth.oidc import ID_TOKEN_KEY
from tracker.domain.directory import Source
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import AuditEvent, User
from tracker.services.commands import audit
from tracker.services.commands.directory import map_group


@pytest.fixture
def provider(provider_server: OidcProvider) -> Iterator[OidcProvider]:  # noqa: F811
    """The run's provider with Wang Li (a lead of gxj) and an outsider in no mapped group."""
    provider_server.configure(
        {
            "wangli": account([LEADS, "cn=everyone,ou=groups,dc=shinan,dc=gov"]),
            "outsider": account(
                ["cn=everyone,ou=groups"], sub="0-outsider", preferred_username="zhao"
            ),
        }
    )
    yield provider_server
    provider_server.configure()


@pytest.fixture
def oidc_app(make_app: Callable[..., Flask], provider: OidcProvider) -> Flask:
    """The app signing in through the provider, with the groups of Shinan mapped."""
    create_department("gxj")
    create_department("swj")
    who = Who(now=datetime(2020, 9, 1, tzinfo=UTC))
    map_group(who, LEADS, "dept_lead", "gxj")
    map_group(who, VIEWERS, "viewer")
    map_group(who, LEADERS, "leader")
    db.session.commit()
    return make_app(**provider.app_settings())


def at_provider(
    client: FlaskClient, login_name: str, start: str = "/login/oidc"
) -> tuple[str, requests.Session]:
    """Start at the app, sign in at the provider's own form as ``login_name`` (consenting when
    asked) and return where the provider sends the browser back (the app's callback URL with
    the code and state), and the browser's session at the provider. The app's pages are
    asked for in English."""
    client.get("/login?lang=en")
    started = client.get(start)
    assert started.status_code == 302, started.get_data(as_text=True)
    browser = requests.Session()
    response = browser.get(started.headers["Location"], allow_redirects=False, timeout=10)
    for _step in range(12):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(CALLBACK):
                return location, browser
            response = browser.get(location, allow_redirects=False, timeout=10)
            continue
        assert response.status_code == 200, response.text
        action = re.search(r'<form[^>]*action="([^"]+)"', response.text)
        prompt = re.search(r'name="prompt" value="(\w+)"', response.text)
        assert action, response.text
        assert prompt, response.text
        form = {"prompt": prompt.group(1)}
        if prompt.group(1) == "login":
            form |= {"login": login_name, "password": "whatever the provider checks"}
        response = browser.post(
            urljoin(response.url, action.group(1)), data=form, allow_redirects=False, timeout=10
        )
    raise AssertionError("the provider never sent the browser back to the app")


def back_at_app(client: FlaskClient, callback: str):
    """Follow the provider's redirect to the app's callback, as the browser would."""
    assert callback.startswith(APP)
    return client.get(callback.removeprefix(APP))


def sign_in(client: FlaskClient, login_name: str, start: str = "/login/oidc"):
    callback, _browser = at_provider(client, login_name, start)
    return back_at_app(client, callback)


def user_named(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.username == username))


def actions() -> list[tuple[str, str, str]]:
    """The audit log of sign-ins and sign-outs (the set-up's mappings left out)."""
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.username, AuditEvent.detail)
        .where(AuditEvent.action != "directory_mapped")
        .order_by(AuditEvent.id)
    )
    return [tuple(row) for row in rows]


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()} | changes
    return parts._replace(query=urlencode(query)).geturl()


def test_the_sign_in_page_offers_the_provider_by_its_name(
    oidc_app: Flask, make_app: Callable[..., Flask], provider: OidcProvider
) -> None:
    page = oidc_app.test_client().get("/login?next=/profile").get_data(as_text=True)
    assert "使用 Shinan ID 登录" in page
    assert 'href="/login/oidc?next=/profile"' in page
    unnamed = make_app(**{**provider.app_settings(), "TRACKER_OIDC_NAME": ""})
    assert "统一身份认证登录" in unnamed.test_client().get("/login").get_data(as_text=True)


def test_without_a_provider_there_is_no_button_and_no_route(app: Flask) -> None:
    client = app.test_client()
    assert 'data-testid="oidc-sign-in"' not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404


def test_first_sign_in_makes_the_account_from_the_mapped_groups(oidc_app: Flask) -> None:
    client = oidc_app.test_client()
    answer = sign_in(client, "wangli", start="/login/oidc?next=/profile")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/profile"  # the safe `next` survived the trip
    user = user_named("wangli")
    assert user is not None
    assert (user.source, user.external_id, user.role, user.department.code) == (
        Source.OIDC,
        "7f3e9c1a-wang",
        "dept_lead",
        "gxj",
    )
    assert (user.display_name, user.email, user.password_hash) == (
        "王丽",
        "wangli@shinan.gov.cn",
        "",
    )
    assert user.directory_groups == LEADS
    assert client.get("/profile").status_code == 200  # signed in
    assert [a for a, _u, _d in actions()] == ["account_provisioned", "login"]
    with client.session_transaction() as kept:
        assert kept[ID_TOKEN_KEY].count(".") == 2  # the ID token, for signing out
        assert not any(key.startswith("_state_") for key in kept)  # nothing left of the flow


def test_a_next_to_another_site_is_not_followed(oidc_app: Flask) -> None:
    client = oidc_app.test_client()
    answer = sign_in(client, "wangli", start="/login/oidc?next=https://evil.example/")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/my"  # a department lead's own page


def test_changed_groups_change_the_role_at_the_next_sign_in(
    oidc_app: Flask, provider: OidcProvider
) -> None:
    sign_in(oidc_app.test_client(), "wangli")
    provider.configure({"wangli": account([LEADERS], name="王丽（副市长）")})
    answer = sign_in(oidc_app.test_client(), "wangli")
    assert answer.status_code == 302
    user = user_named("wangli")
    assert (user.role, user.department, user.display_name) == ("leader", None, "王丽（副市长）")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    changed = [d for a, _u, d in actions() if a == "account_mapping_changed"]
    assert changed == ["dept_lead → leader"]


def test_someone_in_no_mapped_group_is_refused_with_words(oidc_app: Flask) -> None:
    client = oidc_app.test_client()
    answer = sign_in(client, "outsider")
    assert answer.status_code == 403
    assert "none of your groups gives access" in answer.get_data(as_text=True)
    assert user_named("zhao") is None
    assert actions()[-1][:2] == ("login_failed", "zhao")
    assert client.get("/profile").status_code == 302  # not signed in


def test_a_group_unmapped_since_ends_the_access(oidc_app: Flask, provider: OidcProvider) -> None:
    sign_in(oidc_app.test_client(), "wangli")
    provider.configure({"wangli": account(["cn=everyone,ou=groups,dc=shinan,dc=gov"])})
    answer = sign_in(oidc_app.test_client(), "wangli")
    assert answer.status_code == 403
    assert user_named("wangli").session_version == 2  # sessions it still had are over


def test_a_deactivated_account_stays_out(oidc_app: Flask) -> None:
    sign_in(oidc_app.test_client(), "wangli")
    user_named("wangli").active = False
    db.session.commit()
    answer = sign_in(oidc_app.test_client(), "wangli")
    assert answer.status_code == 403
    assert "deactivated" in answer.get_data(as_text=True)


def test_a_local_account_of_the_same_name_is_not_taken_over(oidc_app: Flask) -> None:
    create_user("wangli", "admin")
    answer = sign_in(oidc_app.test_client(), "wangli")
    assert answer.status_code == 403
    assert "A local account already has your user name" in answer.get_data(as_text=True)
    assert (user_named("wangli").source, user_named("wangli").role) == (Source.LOCAL, "admin")


def refused_answer(answer, status: int = 400) -> str:
    page = answer.get_data(as_text=True)
    assert answer.status_code == status, page
    assert 'data-testid="login-error"' in page
    return page


def test_a_tampered_state_is_refused(oidc_app: Flask) -> None:
    client = oidc_app.test_client()
    callback, _browser = at_provider(client, "wangli")
    state = parse_qs(urlsplit(callback).query)["state"][0]
    page = refused_answer(back_at_app(client, with_query(callback, state=state[:-2] + "xx")))
    assert "could not be checked" in page
    assert user_named("wangli") is None
    assert client.get("/profile").status_code == 302
    assert actions()[-1][0] == "login_failed"
    assert "MismatchingStateError" in actions()[-1][2]


def test_a_callback_from_another_browser_is_refused(oidc_app: Flask) -> None:
    """A code and state the provider gave one browser, replayed in another's session."""
    victim, attacker = oidc_app.test_client(), oidc_app.test_client()
    callback, _browser = at_provider(attacker, "wangli")
    victim.get("/login/oidc")  # the victim's own flow, with its own state and nonce
    refused_answer(back_at_app(victim, callback))
    assert user_named("wangli") is None


def test_a_callback_hit_directly_is_refused_with_words(oidc_app: Flask) -> None:
    client = oidc_app.test_client()
    client.get("/login?lang=en")
    refused_answer(client.get("/login/oidc/callback"))
    refused_answer(client.get("/login/oidc/callback?code=abc&state=def"))
    assert [a for a, _u, _d in actions()] == ["login_failed", "login_failed"]


def test_a_nonce_other_than_the_sessions_is_refused(oidc_app: Flask) -> None:
    client = oidc_app.test_client()
    callback, _browser = at_provider(client, "wangli")
    with client.session_transaction() as kept:
        (key,) = [key for key in kept if key.startswith("_state_")]
        flow = kept[key]
        flow["data"]["nonce"] = "a-nonce-from-another-sign-in"
        kept[key] = flow
    page = refused_answer(back_at_app(client, callback))
    assert "could not be checked" in page
    assert user_named("wangli") is None
    assert "nonce" in actions()[-1][2]


def test_an_expired_id_token_is_refused(oidc_app: Flask, provider: OidcProvider) -> None:
    provider.configure({"wangli": account([LEADS])}, id_token_ttl=-600)
    client = oidc_app.test_client()
    refused_answer(sign_in(client, "wangli"))
    assert user_named("wangli") is None
    assert "ExpiredTokenError" in actions()[-1][2]


def test_an_error_from_the_provider_is_refused_with_words(oidc_app: Flask) -> None:
    client = oidc_app.test_client()
    client.get("/login?lang=en")
    started = client.get("/login/oidc")
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    page = refused_answer(client.get(f"/login/oidc/callback?error=access_denied&state={state}"))
    assert "did not sign you in" in page
    assert actions()[-1][0] == "login_failed"


def test_a_provider_that_does_not_answer_gets_a_503_and_words(
    make_app: Callable[..., Flask], provider: OidcProvider
) -> None:
    down = make_app(
        **{**provider.app_settings(), "TRACKER_OIDC_ISSUER": f"http://127.0.0.1:{free_port()}"}
    )
    client = down.test_client()
    client.get("/login?lang=en")
    page = refused_answer(client.get("/login/oidc"), 503)
    assert "does not answer" in page
    assert actions()[-1][0] == "login_unavailable"
    assert client.get("/login").status_code == 200  # the page itself still works


def test_a_provider_gone_between_its_form_and_the_callback_gets_a_503(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    create_department("gxj")
    map_group(Who(now=datetime(2020, 9, 1, tzinfo=UTC)), LEADS, "dept_lead", "gxj")
    db.session.commit()
    with oidc_provider(tmp_path) as short_lived:
        short_lived.configure({"wangli": account([LEADS])})
        app = make_app(**short_lived.app_settings())
        client = app.test_client()
        callback, _browser = at_provider(client, "wangli")
    page = refused_answer(back_at_app(client, callback), 503)  # the token endpoint is gone
    assert "does not answer" in page
    assert user_named("wangli") is None


def test_sign_out_ends_the_session_here_and_at_the_provider(oidc_app: Flask) -> None:
    client = oidc_app.test_client()
    callback, browser = at_provider(client, "wangli")
    back_at_app(client, callback)
    version = user_named("wangli").session_version
    answer = client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    assert answer.status_code == 302
    end_session = answer.headers["Location"]
    assert end_session.startswith(f"{oidc_app.config['TRACKER_OIDC_ISSUER']}/session/end?")
    asked = parse_qs(urlsplit(end_session).query)
    assert asked["post_logout_redirect_uri"] == [AFTER_LOGOUT]
    assert asked["client_id"] == [CLIENT_ID]
    assert asked["id_token_hint"][0].count(".") == 2
    # The local session is over, and every copy of its cookie with it.
    assert client.get("/profile").headers["Location"].startswith("/login")
    assert user_named("wangli").session_version == version + 1
    assert actions()[-1][0] == "logout"
    # The provider accepts the request, asks to confirm, then sends the browser back.
    page = browser.get(end_session, allow_redirects=False, timeout=10)
    assert page.status_code == 200, page.text
    action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    assert action, page.text
    assert fields, page.text
    done = browser.post(
        urljoin(page.url, action.group(1)),
        data={**fields, "logout": "yes"},
        allow_redirects=False,
        timeout=10,
    )
    assert done.is_redirect
    assert done.headers["Location"].startswith(AFTER_LOGOUT)
    # Signed out at the provider too: the next sign-in asks for the password again.
    again = oidc_app.test_client().get("/login/oidc")
    at_login = browser.get(again.headers["Location"], timeout=10)
    assert 'name="prompt" value="login"' in at_login.text


def test_a_local_account_signs_out_without_the_provider(oidc_app: Flask) -> None:
    create_user("admin", "admin")
    client = oidc_app.test_client()
    login(client, "admin")
    answer = client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    assert answer.headers["Location"] == "/login"


def test_a_throttled_account_is_refused_even_when_the_provider_vouches(oidc_app: Flask) -> None:
    for _ in range(5):
        audit.record("login_failed", now=datetime.now(UTC), username="wangli", address="10.0.0.9")
    db.session.commit()
    answer = sign_in(oidc_app.test_client(), "wangli")
    assert answer.status_code == 429
    assert "Too many failed sign-in attempts" in answer.get_data(as_text=True)
    assert actions()[-1][:2] == ("login_throttled", "wangli")
    assert user_named("wangli") is None


def test_an_address_replaying_callbacks_is_throttled(oidc_app: Flask) -> None:
    client = oidc_app.test_client()
    for _ in range(50):
        assert client.get("/login/oidc/callback?code=guess&state=guess").status_code == 400
    assert client.get("/login/oidc/callback?code=guess&state=guess").status_code == 429
    assert client.get("/login/oidc").status_code == 429
    assert actions()[-1][0] == "login_throttled"


def test_someone_in_many_groups_keeps_a_session_and_still_signs_out_at_the_provider(
    oidc_app: Flask, provider: OidcProvider
) -> None:
    """An ID token too long for the session cookie is not kept: sign-out names the client."""
    many = [f"cn=project-{n:03},ou=projects,ou=groups,dc=shinan,dc=gov" for n in range(60)]
    provider.configure({"wangli": account([*many, LEADS])})
    client = oidc_app.test_client()
    callback, browser = at_provider(client, "wangli")
    assert back_at_app(client, callback).status_code == 302
    assert client.get("/profile").status_code == 200  # the cookie holds (werkzeug warns >4 KB)
    answer = client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    asked = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert "id_token_hint" not in asked
    assert asked["client_id"] == [CLIENT_ID]
    assert browser.get(answer.headers["Location"], timeout=10).status_code == 200


def test_claims_without_groups_are_asked_of_the_userinfo_endpoint(
    oidc_app: Flask, provider: OidcProvider
) -> None:
    claims = account([])
    del claims["groups"]
    provider.configure({"wangli": claims})
    answer = sign_in(oidc_app.test_client(), "wangli")
    assert answer.status_code == 403
    assert "none of your groups gives access" in answer.get_data(as_text=True)
    assert user_named("wangli") is None


def test_the_sign_out_form_may_end_at_the_provider(oidc_app: Flask, app: Flask) -> None:
    """Browsers hold a form's redirects to ``form-action``: the provider's origin is allowed
    there (and only where a provider is configured)."""
    policy = oidc_app.test_client().get("/login").headers["Content-Security-Policy"]
    issuer = oidc_app.config["TRACKER_OIDC_ISSUER"]
    assert f"form-action 'self' {issuer};" in policy
    assert (
        "form-action 'self';" in app.test_client().get("/login").headers["Content-Security-Policy"]
    )
