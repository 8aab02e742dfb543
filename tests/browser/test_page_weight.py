"""Page weight in a real browser: Deputy District Head Zhang opens the board over a slow link.

A cold board (empty browser cache) moves at most 500 KB, counted as Chromium counts what came
over the wire (headers and compressed bodies); opening it again asks the server for none of the
fingerprinted scripts and styles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import Console, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shinan")]

BOARD = "/plans/shinan-2020/"
COLD_BOARD_LIMIT = 500_000
FINGERPRINTED = re.compile(r"/static/.+\.[0-9a-f]{12}(\.[a-z0-9]+)?$")


class StaticRequests:
    """WSGI middleware counting the requests for /static/ that reach the server."""

    def __init__(self, application: Callable[..., Iterable[bytes]]) -> None:
        self.application = application
        self.paths: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/static/"):
            self.paths.append(path)
        return self.application(environ, start_response)


def test_cold_board_moves_at_most_500_kb_and_a_repeat_visit_asks_for_no_asset_again(
    app: Flask, page: Page, console: Console
) -> None:
    sign_in(page, "zhang")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.clearBrowserCache")

    finished: list[Request] = []
    # A lambda: Playwright cannot wrap a built-in method such as list.append.
    page.on("requestfinished", lambda request: finished.append(request))  # noqa: PLW0108
    page.goto(BOARD)
    expect(page.get_by_test_id("item-row")).to_have_count(13)
    page.wait_for_load_state("networkidle")
    sizes = {}
    for request in finished:
        transferred = request.sizes()
        sizes[request.url] = transferred["responseHeadersSize"] + transferred["responseBodySize"]
    assets = [url for url in sizes if "/static/" in url]
    assert any("echarts" in url for url in assets), sizes
    assert all(FINGERPRINTED.search(url) for url in assets), assets
    assert sum(sizes.values()) <= COLD_BOARD_LIMIT, sizes

    counter = StaticRequests(app.wsgi_app)
    app.wsgi_app = counter  # type: ignore[method-assign]
    page.goto(BOARD)
    expect(page.get_by_test_id("item-row")).to_have_count(13)
    page.wait_for_load_state("networkidle")
    assert counter.paths == [], "asked again: " + ", ".join(counter.paths)
    # The charts were drawn by the cached scripts.
    expect(page.get_by_test_id("gantt-chart").locator("canvas").first).to_be_visible()
    console.assert_clean()
