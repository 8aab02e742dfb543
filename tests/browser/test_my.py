"""Director Wang on a phone and at her desk (story 1, issue 14 items 2-4): she signs in and
lands on her department's page, reports a milestone and a 5G figure in a few taps each, and
sees both reports when the coordinating office returns them; nothing scrolls sideways.

Taps are counted from /my: a tap on a link, button or field is one; choosing from a select
would be two (open, choose). Typing is not a tap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.conftest import Console
from tests.factories import PASSWORD, create_user, csrf_token, department, signed_in
from tracker.extensions import db
from tracker.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shinan")]

NOW = datetime(2020, 12, 20, 2, 0, tzinfo=UTC)
MAX_TAPS = 6
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1400, "height": 900}}
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)


@pytest.fixture
def people(app: Flask) -> None:
    create_user("wang", "dept_lead", department=department("gxj"))  # leads T1 (5G)
    create_user("li", "dept_lead", department=department("kjj"))  # the coordinating office


class Taps:
    """Counts what a person does with a finger or a mouse."""

    def __init__(self) -> None:
        self.count = 0

    def tap(self, target: Locator) -> None:
        target.click()
        self.count += 1

    def type(self, field: Locator, text: str) -> None:
        field.click()
        self.count += 1
        field.fill(text)


def assert_no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{page.url}: scrollWidth, innerWidth = {width}"


def open_my(page: Page) -> None:
    """Sign in through the form: a department lead lands on /my."""
    page.goto("/login")
    page.fill("#username", "wang")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    expect(page).to_have_url(re.compile(r"/my$"))
    expect(page.get_by_test_id("counts")).to_be_visible()


def milestone_button(page: Page, code: str) -> Locator:
    """The milestone's report button: one row serves phone and desk (a card below md)."""
    return page.locator(
        f"[data-testid=my-milestone][data-code='{code}'] [data-testid=milestone-report]"
    )


def return_all(app: Flask) -> None:
    """Mr. Li returns every report waiting for review, asking for the tower company's figure."""
    li = signed_in(app, "li")
    token = csrf_token(li, "/reviews")
    for report_id in db.session.scalars(sa.select(Report.id).where(Report.state == "submitted")):
        response = li.post(
            f"/reports/{report_id}/return", data={"csrf_token": token, "reason": "请附铁塔公司月报"}
        )
        assert response.status_code == 302


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_department_lead_reports_both_kinds_in_few_taps(
    app: Flask,
    people: None,
    new_context: Callable[..., BrowserContext],
    console: Console,
    artifacts: Path,
    device: str,
) -> None:
    phone = device == "phone"
    page = new_context(**(PHONE if phone else DESKTOP)).new_page()
    open_my(page)
    assert_no_sideways_scroll(page)
    rows = page.locator("[data-testid=my-milestone]")
    expect(rows.first).to_be_visible()
    # A phone reads each row as a card (no column headers); a desk reads the table.
    header = page.locator(".milestone-table thead").first
    if phone:
        expect(header).to_be_hidden()
    else:
        expect(header).to_be_visible()

    # Every report button is on screen, not in a box that scrolls sideways.
    buttons = page.locator("a[href$='/report']:visible")
    assert buttons.count() > 0
    for box in (buttons.nth(i).bounding_box() for i in range(buttons.count())):
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= page.viewport_size["width"]
    page.screenshot(path=str(artifacts / f"my-{device}.png"), full_page=True)

    # A milestone: T1-3, due on 2020-12-31.
    taps = Taps()
    taps.tap(milestone_button(page, "T1-3"))
    expect(page).to_have_url(re.compile(r"/milestones/\d+/report$"))
    assert_no_sideways_scroll(page)
    progress = page.locator("#progress")
    current = int(progress.input_value() or 0)
    taps.type(progress, str(min(100, current + 10)))
    taps.type(page.locator("#note"), "已开通基站970处")
    taps.tap(page.locator("#submit"))
    expect(page).to_have_url(re.compile(r"/my$"))
    assert taps.count <= MAX_TAPS, taps.count

    # An indicator: the 5G figure, from its own button on /my.
    taps = Taps()
    taps.tap(page.get_by_test_id("report-indicator").filter(has_text="5G").first)
    expect(page).to_have_url(re.compile(r"/items/T1/report\?indicator=\d+$"))
    assert_no_sideways_scroll(page)
    expect(page.locator("#indicator option:checked")).to_contain_text("5G")
    taps.type(page.locator("#note"), "年内开通970处")
    taps.type(page.locator("#value"), "970")
    taps.type(page.locator("#measured_on"), "2020-12-18")
    taps.tap(page.locator("#submit"))
    expect(page).to_have_url(re.compile(r"/my$"))
    assert taps.count <= MAX_TAPS, taps.count

    expect(page.get_by_test_id("count-pending")).to_have_text("2")
    pending = page.get_by_test_id("pending-report")
    expect(pending).to_have_count(2)
    expect(pending.and_(page.locator("[data-kind=item]"))).to_be_visible()
    assert_no_sideways_scroll(page)

    return_all(app)
    page.reload()
    expect(page.get_by_test_id("count-returned")).to_have_text("2")
    expect(page.get_by_test_id("count-pending")).to_have_text("0")
    returned = page.get_by_test_id("returned-report")
    for kind, code in (("milestone", "T1-3"), ("item", "T1")):
        entry = returned.and_(page.locator(f"[data-kind={kind}][data-code='{code}']"))
        expect(entry).to_be_visible()
        expect(entry).to_contain_text("请附铁塔公司月报")
    # The tile leads to the list.
    page.get_by_test_id("tile-returned").click()
    expect(page).to_have_url(re.compile(r"/my#returned-"))
    expect(returned.first).to_be_in_viewport()
    assert_no_sideways_scroll(page)
    console.assert_clean()
