"""The board in a real browser: Deputy District Head Zhang before the monthly meeting (story 3).

He signs in, sees the three groups and the 13 items with the indicator charts and the Gantt
drawn, switches to English and opens an item. The board's screenshots land in
``tests/artifacts/``; the README's picture, of the lived-through demo, is taken in
``test_readme_board.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.board_charts import assert_charts_drawn, wait_for_charts
from tests.browser.conftest import GROUPS_ZH, SHINAN_CODES, Console, sign_in
from tracker.extensions import db
from tracker.models import Indicator

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shinan")]

PAST_DAY = "2021-06-30"


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

    # A past day, rebuilt from the history, draws its charts too.
    page.goto(f"/plans/shinan-2020/?as_of={PAST_DAY}")
    expect(page.get_by_test_id("item-row")).to_have_count(13)
    as_of = wait_for_charts(page)

    indicators = db.session.scalar(sa.select(sa.func.count()).select_from(Indicator))
    assert indicators == 5  # four in 2020, and the report's 50+ solution suppliers
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
