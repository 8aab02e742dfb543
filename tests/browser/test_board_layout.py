"""The board on a leader's phone, on a wide screen and on paper (issue 14, items 7 and 9).

Deputy District Head Zhang opens the board on his phone before a meeting: no sideways
scrolling, the filters folded behind a button, the first item within the first two screens,
each item a card. On his desk the filters are open. Printed, the board fits a few A4 pages and
no chart lies over another block.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import Console, settle, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shinan")]

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1400, "height": 900}
# A4 landscape less print.css's 12 mm margins, in CSS pixels (96 per inch): the width the
# printed board is laid out at.
A4_LANDSCAPE_CONTENT = {"width": round((297 - 24) / 25.4 * 96), "height": 900}
BOARD = "/plans/shinan-2020/?as_of=2021-06-30"
# The Shinan board holds a headline, 13 items in three groups, four indicator charts, the
# timeline with its 13 rows and the department and watch tables: three pages of A4 landscape
# when nothing is wasted. Five leaves room for fonts and page breaks before a section, but
# catches the seven pages (one blank) the issue found.
MAX_PRINTED_PAGES = 5

HORIZONTAL_OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"

# Pairs (chart, block) whose boxes intersect, where neither contains the other in the DOM.
OVERLAPS = """() => {
  const charts = [...document.querySelectorAll('.board-chart')];
  const blocks = [...document.querySelectorAll(
    'header, section, .card, h1, h2, h3, p, ul, table, details, .board-chart')];
  const found = [];
  for (const chart of charts) {
    const a = chart.getBoundingClientRect();
    if (a.width === 0 || a.height === 0) continue;
    for (const block of blocks) {
      if (block === chart || block.contains(chart) || chart.contains(block)) continue;
      const b = block.getBoundingClientRect();
      if (b.width === 0 || b.height === 0) continue;
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (x > 1 && y > 1) {
        const what = block.textContent.trim().slice(0, 30);
        found.push(`${chart.dataset.testid}[${chart.dataset.index ?? ''}] over ` +
          `${block.tagName.toLowerCase()}.${block.className} "${what}"`);
      }
    }
  }
  return found;
}"""


def pdf_page_count(pdf: bytes) -> int:
    """Pages of a PDF Chromium wrote: its page objects (``/Type /Page``, not ``/Pages``)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def open_board(new_context: Callable[..., BrowserContext], viewport: dict[str, int]) -> Page:
    page = new_context().new_page()
    sign_in(page, "zhang")  # at the default width, where the signed-in name shows in the navbar
    page.set_viewport_size(viewport)
    page.goto(BOARD)
    expect(page.get_by_test_id("item-row")).to_have_count(13)
    return page


def test_on_a_phone_the_board_has_no_sideways_scroll_and_folds_its_filters(
    new_context: Callable[..., BrowserContext], console: Console, artifacts: Path
) -> None:
    page = open_board(new_context, PHONE)

    assert page.evaluate(HORIZONTAL_OVERFLOW) <= 0
    filters = page.get_by_test_id("filters")
    expect(filters).to_be_hidden()
    first = page.get_by_test_id("item-row").first
    box = first.bounding_box()
    assert box is not None
    assert box["y"] + 40 < 2 * PHONE["height"], f"the first item starts at {box['y']:.0f} px"
    # A card, not a squeezed row: the title runs across the card, not one character a line.
    expect(first).to_contain_text("网络设施筑基")
    title_box = first.locator("td").nth(1).bounding_box()
    assert title_box is not None
    assert title_box["width"] > 200, title_box
    assert title_box["height"] < 60, title_box
    assert box["height"] < 260, f"the first item's card is {box['height']:.0f} px tall"
    # Each field of the card is named, as the table's head (hidden on a phone) named it.
    before = first.locator(".item-department").evaluate(
        "(cell) => getComputedStyle(cell, '::before').content"
    )
    assert "牵头单位" in before
    expect(page.locator(".board-table thead").first).to_be_hidden()
    # Below the items: the first three of each watch list, "show all" for the rest, and no
    # second list of the items under the timeline (the cards above open them).
    for listed in page.locator(".short-list").all():
        assert listed.locator("li:visible").count() <= 3
    overdue = page.get_by_test_id("watch-overdue").locator("li")
    assert overdue.count() > 3, "the fixture should put more than three milestones overdue"
    expect(
        page.locator('[data-testid^="watch-overdue-"]').filter(has_text="查看全部")
    ).to_be_visible()
    expect(page.get_by_test_id("item-milestones-list")).to_be_hidden()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 7000, f"the board is {height} px tall on a phone"
    page.screenshot(path=artifacts / "board-phone.png", full_page=True)

    page.get_by_test_id("filters-toggle").click()
    expect(filters).to_be_visible()
    expect(page.get_by_test_id("filters-toggle")).to_have_attribute("aria-expanded", "true")
    page.get_by_label("状态").select_option("delayed")
    page.get_by_test_id("filters").get_by_role("button", name="查看").click()

    expect(page).to_have_url(re.compile(r"status=delayed"))
    # With a filter applied the filters stay open, so the leader sees what narrowed the list.
    expect(page.get_by_test_id("filters")).to_be_visible()
    for row in page.get_by_test_id("item-row").all():
        assert row.get_attribute("data-status") == "delayed"
    assert page.evaluate(HORIZONTAL_OVERFLOW) <= 0
    console.assert_clean()


def test_on_a_wide_screen_the_filters_are_open_and_items_a_table(
    new_context: Callable[..., BrowserContext], console: Console
) -> None:
    page = open_board(new_context, WIDE)

    assert page.evaluate(HORIZONTAL_OVERFLOW) <= 0
    expect(page.get_by_test_id("filters")).to_be_visible()
    expect(page.get_by_test_id("filters-toggle")).to_be_hidden()
    expect(page.locator(".board-table thead").first).to_be_visible()
    # The expected-progress legend sits by the headline bar, above the first group.
    legend = page.get_by_test_id("expected-legend").bounding_box()
    first = page.get_by_test_id("item-row").first.bounding_box()
    assert legend is not None
    assert first is not None
    assert legend["y"] < first["y"]
    console.assert_clean()


def test_printed_board_fits_a_few_pages_and_no_chart_overlaps_another_block(
    new_context: Callable[..., BrowserContext], console: Console, artifacts: Path
) -> None:
    # Drawn for a wide screen, printed on A4: the browser does not redraw the charts for paper.
    page = open_board(new_context, WIDE)
    settle(page)
    page.emulate_media(media="print")
    assert page.evaluate(OVERLAPS) == []
    page.set_viewport_size(A4_LANDSCAPE_CONTENT)
    assert page.evaluate(OVERLAPS) == []
    # The timeline is drawn to the plan's end (2022-12-31), not cut at the page's edge.
    gantt = page.get_by_test_id("gantt-chart")
    gantt_box, canvas_box = gantt.bounding_box(), gantt.locator("canvas").first.bounding_box()
    assert gantt_box is not None
    assert canvas_box is not None
    assert canvas_box["x"] + canvas_box["width"] <= gantt_box["x"] + gantt_box["width"] + 1

    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (artifacts / "board-print.pdf").write_bytes(pdf)
    pages = pdf_page_count(pdf)
    assert 1 <= pages <= MAX_PRINTED_PAGES, f"the printed board has {pages} pages"
    console.assert_clean()
