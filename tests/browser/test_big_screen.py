"""The big screen (大屏) in the meeting room: an admin makes a link, the display opens it.

The display never signs in: the link's token is its only credential.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import GROUPS_ZH, SHINAN_CODES, Console, settle, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shinan")]

# The relative luminance (0 black … 1 white) of the page's background: the body's colour, else
# the root element's, else the browser's white canvas.
BACKGROUND_LUMINANCE = """() => {
  const colours = [document.body, document.documentElement]
    .map((element) => getComputedStyle(element).backgroundColor.match(/[\\d.]+/g).map(Number))
    .filter(([, , , alpha = 1]) => alpha > 0);
  const [r, g, b] = colours[0] || [255, 255, 255];
  const linear = (c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}"""


def test_admin_makes_a_screen_link_and_the_display_shows_the_dark_board(
    page: Page,
    new_context: Callable[..., BrowserContext],
    live_server: str,
    console: Console,
    artifacts: Path,
) -> None:
    sign_in(page, "admin")
    page.goto("/admin/screens")
    form = page.locator("form").filter(has=page.locator("#label"))
    form.locator("#label").fill("第三会议室大屏")
    form.locator("[type=submit]").click()

    shown = page.get_by_test_id("screen-url")
    expect(shown).to_be_visible()
    url = shown.inner_text().strip()
    assert re.fullmatch(re.escape(live_server) + r"/screen/[\w\-]{20,}", url), url

    display = new_context(viewport={"width": 1920, "height": 1080}).new_page()
    response = display.goto(url)
    assert response is not None
    assert response.status == 200
    assert "/login" not in display.url

    expect(display.locator("html")).to_have_attribute("data-bs-theme", "dark")
    assert display.evaluate(BACKGROUND_LUMINANCE) < 0.1
    for name in GROUPS_ZH:
        expect(display.get_by_text(name, exact=True)).to_be_visible()
    items = display.get_by_test_id("screen-item")
    expect(items).to_have_count(13)
    assert [item.get_attribute("data-code") for item in items.all()] == SHINAN_CODES
    # Read only: nothing to click, type or navigate to.
    expect(display.locator("nav, form, button, input, a[href]")).to_have_count(0)

    settle(display)
    display.screenshot(path=artifacts / "big-screen.png")
    console.assert_clean()
