"""Sign-in and sign-out through the OpenID Connect provider in Chromium, as a person does it.

The app is served on a local port and the real provider (oidc-provider) on another; Chromium
clicks the sign-in page's button, fills the provider's own form, consents, comes back signed
in, and signs out at both. What a browser alone enforces is checked here: the session cookie
survives the round trip, and the sign-out form may end at the provider under the page's
Content-Security-Policy (``form-action``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, expect
from werkzeug.serving import make_server

from tests.browser.conftest import TIMEOUT_MS, Console, QuietRequestHandler
from tests.factories import create_department
from tests.live_server import free_port
from tests.oidc_server import LEADS, OidcProvider, account, oidc_provider
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import User
from tracker.services.commands.directory import map_group

pytestmark = pytest.mark.browser


@pytest.fixture
def site(make_app: Callable[..., Flask], tmp_path: Path) -> Iterator[tuple[str, OidcProvider]]:
    """The app on a free port signing in through a provider of its own; Wang Li leads gxj."""
    create_department("gxj")
    map_group(Who(now=datetime(2020, 9, 1, tzinfo=UTC)), LEADS, "dept_lead", "gxj")
    db.session.commit()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with oidc_provider(tmp_path, app=base) as provider:
        provider.configure({"wangli": account([LEADS])})
        app = make_app(**provider.app_settings())
        server = make_server(
            "127.0.0.1", port, app, threaded=True, request_handler=QuietRequestHandler
        )
        thread = threading.Thread(target=server.serve_forever, name="oidc-site", daemon=True)
        thread.start()
        try:
            yield base, provider
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


def test_sign_in_and_out_through_the_provider(
    browser: Browser, site: tuple[str, OidcProvider], console: Console
) -> None:
    base, provider = site
    context = browser.new_context(base_url=base, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    console.watch_context(context)
    page = context.new_page()
    page.goto("/login?next=/profile")
    page.get_by_test_id("oidc-sign-in").click()
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/interaction/"))
    page.fill('input[name="login"]', "wangli")
    page.fill('input[name="password"]', "any password: the provider checks it")
    page.click('button[type="submit"]')
    page.click('button[type="submit"]')  # the provider's consent: Continue
    expect(page).to_have_url(f"{base}/profile")
    expect(page.get_by_test_id("current-user")).to_contain_text("王丽")
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.role).where(User.username == "wangli")) == "dept_lead"

    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/session/end"))
    page.click('button[name="logout"]')  # the provider asks: sign out there too? Yes
    expect(page).to_have_url(re.compile(re.escape(f"{base}/login")))
    page.goto("/profile")
    expect(page).to_have_url(re.compile(re.escape(f"{base}/login?next=")))
    # The provider's own pages load a web font from the internet; only the app's count.
    assert [error for error in console.errors if error.startswith(base)] == []
