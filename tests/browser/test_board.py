"""The board in a real browser: Deputy District Head Zhang before the monthly meeting (story 3).

He signs in, sees the three groups and the 13 items with the indicator charts and the Gantt
drawn, switches to English and opens an item. The board's screenshots land in
``tests/artifacts/``, and the README's picture (``static/img/readme-board.png``) is taken here,
of the Chinese board as of 2021-06-30 so that it comes out the same on every run.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.conftest import GROUPS_ZH, SHINAN_CODES, Console, settle, sign_in
from tracker.extensions import db
from tracker.models import Indicator

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shinan")]

README_IMAGE = Path(__file__).resolve().parents[2] / "static" / "img" / "readme-board.png"
README_AS_OF = "2021-06-30"
README_MAX_BYTES = 400_000

CHARTS = "[data-testid=indicator-chart], [data-testid=gantt-chart]"

# For each chart container: its test id and, per canvas inside it, the number of painted
# (not fully transparent) pixels.
PAINTED = """(containers) => containers.map((container) => ({
  chart: container.dataset.testid,
  canvases: [...container.querySelectorAll('canvas')].map((canvas) => {
    const context = canvas.getContext('2d');
    if (!context || canvas.width === 0 || canvas.height === 0) return 0;
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let alpha = 3; alpha < pixels.length; alpha += 4) if (pixels[alpha] !== 0) painted += 1;
    return painted;
  }),
}))"""

ALL_DRAWN = """(selector) => {
  const containers = [...document.querySelectorAll(selector)];
  return containers.length > 0 && containers.every((container) => {
    const canvases = [...container.querySelectorAll('canvas')];
    return canvases.length > 0 && canvases.every((canvas) => {
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let alpha = 3; alpha < pixels.length; alpha += 4) if (pixels[alpha] !== 0) return true;
      return false;
    });
  });
}"""


def wait_for_charts(page: Page) -> list[dict[str, Any]]:
    """Give the charts a moment to draw, then report what each canvas holds."""
    # If they never do, the assertions on the report say what is missing.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(ALL_DRAWN, arg=CHARTS, polling=100, timeout=3_000)
    settle(page)
    return page.locator(CHARTS).evaluate_all(PAINTED)


def assert_charts_drawn(report: list[dict[str, Any]], indicators: int) -> None:
    charts = [entry["chart"] for entry in report]
    assert charts.count("gantt-chart") == 1, report
    assert charts.count("indicator-chart") == indicators, report
    for entry in report:
        assert entry["canvases"], f"{entry['chart']} has no canvas"
        assert all(painted > 0 for painted in entry["canvases"]), f"blank canvas: {entry}"


def test_leader_sees_the_board_with_three_groups_thirteen_items_and_drawn_charts(
    page: Page, console: Console, artifacts: Path
) -> None:
    sign_in(page, "zhang")
    page.goto("/")

    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    for name in GROUPS_ZH:
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    rows = page.get_by_test_id("item-row")
    expect(rows).to_have_count(13)
    assert [row.get_attribute("data-code") for row in rows.all()] == SHINAN_CODES
    expect(rows.filter(has_text="网络设施筑基")).to_have_count(1)

    today = wait_for_charts(page)
    page.screenshot(path=artifacts / "board.png", full_page=True)

    # The README's picture: the first screen of the Chinese board on a fixed date.
    page.goto(f"/plans/shinan-2020/?as_of={README_AS_OF}")
    expect(page.get_by_test_id("item-row")).to_have_count(13)
    as_of = wait_for_charts(page)
    shot = page.screenshot()
    (artifacts / "readme-board.png").write_bytes(shot)
    assert len(shot) <= README_MAX_BYTES, f"the README image is {len(shot)} bytes"
    if not README_IMAGE.exists() or README_IMAGE.read_bytes() != shot:
        README_IMAGE.write_bytes(shot)

    indicators = db.session.scalar(sa.select(sa.func.count()).select_from(Indicator))
    assert indicators == 4
    assert_charts_drawn(today, indicators)
    assert_charts_drawn(as_of, indicators)
    console.assert_clean()


def test_leader_switches_to_english_and_opens_an_item(page: Page, console: Console) -> None:
    sign_in(page, "zhang")
    page.goto("/")
    expect(page.get_by_role("heading", name="三大攻坚任务")).to_be_visible()

    page.get_by_role("link", name="English", exact=True).click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Key tasks", exact=True)).to_be_visible()
    expect(page.get_by_text("Overall progress").first).to_be_visible()
    expect(page.get_by_text("三大攻坚任务")).to_have_count(0)

    t1 = page.get_by_test_id("item-row").and_(page.locator("[data-code=T1]"))
    t1.locator('a[href$="/plans/shinan-2020/items/T1"]').first.click()

    expect(page).to_have_url(re.compile(r"/plans/shinan-2020/items/T1$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("5G network foundation")
    expect(page.get_by_role("heading", name="Milestones", exact=True)).to_be_visible()
    milestones = page.get_by_test_id("milestone-row")
    expect(milestones).to_have_count(5)
    assert [row.get_attribute("data-code") for row in milestones.all()] == [
        f"T1-{n}" for n in range(1, 6)
    ]
    five_g = page.get_by_test_id("indicator").filter(has_text="5G base stations")
    expect(five_g).to_have_count(1)
    expect(five_g).to_contain_text("970")
    expect(five_g).to_contain_text("1300")
    # The language sticks: the item page is in English too.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    console.assert_clean()


def test_opening_an_item_on_the_timeline_loads_its_milestones(page: Page, console: Console) -> None:
    sign_in(page, "zhang")
    page.goto("/plans/shinan-2020/")
    t1 = page.get_by_test_id("item-milestones").and_(page.locator("[data-code=T1]"))
    body = t1.get_by_test_id("item-milestones-body")
    # Closed, the item holds only the way to its page; its milestones are not on the board.
    expect(body.get_by_test_id("fragment-milestone")).to_have_count(0)

    t1.locator("summary").click()

    rows = body.get_by_test_id("fragment-milestone")
    expect(rows).to_have_count(5)
    assert [row.get_attribute("data-code") for row in rows.all()] == [
        f"T1-{n}" for n in range(1, 6)
    ]
    expect(t1).to_have_attribute("data-loaded", "yes")
    console.assert_clean()
