"""Browser tests: Playwright for Python driving Debian's Chromium against a live test server.

The server is the test ``app`` (bound to the test database, emptied after each test) served by
werkzeug in a daemon thread. One Chromium runs for the whole session; every test gets fresh
browser contexts, so no cookie or session leaks from one test to the next. Chromium is Debian's
``/usr/bin/chromium`` (``make test`` installs it with fonts-noto-cjk); Playwright never
downloads a browser here.

Every page opened in a test's contexts is watched: console messages of type "error" and
uncaught page errors are collected, and each test ends with ``console.assert_clean()``.
Screenshots and downloads go to ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import load_plan
from tests.factories import PASSWORD, create_user

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium tries to reach Google's servers, which a closed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
TIMEOUT_MS = 10_000

# The Shinan plan as the board shows it, in plan order.
SHINAN_CODES = ["T1", "T2", "T3", "P1", "P2", "P3", "P4", "A1", "A2", "A3", "A4", "A5", "A6"]
GROUPS_ZH = ["三大攻坚任务", "四项重点工程", "六大专项行动"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, once per test session."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium and fonts-noto-cjk"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


class QuietRequestHandler(WSGIRequestHandler):
    """Log errors only, not a line per request (pytest would print them all on a failure)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test app on a free port of 127.0.0.1; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def shinan(app: Flask) -> None:
    """The Shinan plan, a leader (Deputy District Head Zhang) and an admin."""
    load_plan()
    create_user("zhang", "leader")
    create_user("admin", "admin")


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class Console:
    """Console errors and uncaught exceptions of every page it watches."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch_context(self, context: BrowserContext) -> None:
        context.on("page", self.watch)

    def watch(self, page: Page) -> None:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))

    def _console(self, page: Page, message: Any) -> None:
        if message.type == "error":
            where = message.location.get("url") or page.url
            self.errors.append(f"{where}: {message.text}")

    def assert_clean(self) -> None:
        assert self.errors == [], "console errors:\n" + "\n".join(self.errors)


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def new_context(
    browser: Browser, live_server: str, console: Console
) -> Iterator[Callable[..., BrowserContext]]:
    """Make fresh browser contexts on the live server, watched by ``console``.

    They are closed before the server stops and before the database is emptied.
    """
    made: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        settings = {
            "base_url": live_server,
            "locale": "zh-CN",
            "timezone_id": "Asia/Shanghai",
            "viewport": {"width": 1400, "height": 900},
            **options,
        }
        context = browser.new_context(**settings)
        context.set_default_timeout(TIMEOUT_MS)
        console.watch_context(context)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    """A page in a fresh context."""
    return new_context().new_page()


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real form and wait for the board."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#submit")
    expect(page.get_by_test_id("current-user")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/login"))


SETTLED = """() => {
  const signature = [...document.querySelectorAll('canvas')].map((c) => c.toDataURL()).join('|');
  const settled = window.__canvasSignature === signature;
  window.__canvasSignature = signature;
  return settled;
}"""


def settle(page: Page) -> None:
    """Wait until every canvas stopped changing (chart animations ended), for steady screenshots.

    A page whose canvases keep moving is photographed as it is after the wait.
    """
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(SETTLED, polling=250, timeout=5_000)
