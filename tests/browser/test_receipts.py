"""Director Wang signs for a milestone on her phone (签收): the 待签收 card at the top of
"my department" holds the form, the buttons are large enough for a thumb, nothing scrolls
sideways, and once signed the milestone leaves the card and shows 已签收.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import Console
from tests.factories import PASSWORD, create_user, department
from tracker.extensions import db
from tracker.models import Milestone
from tracker.services.commands.receipts import current_receipt

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shinan")]

NOW = datetime(2020, 9, 30, 2, 0, tzinfo=UTC)  # five days after the plan was assigned
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
TOUCH_TARGET = 44  # CSS pixels


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)


def sign_on_my(page: Page, code: str, responsible: str) -> None:
    """On /my: open the 待签收 row of ``code``, name the person responsible and sign."""
    row = page.locator(f"[data-testid=pending-receipt][data-code='{code}']")
    row.get_by_test_id("open-receipt").click()
    row.get_by_label("责任人").fill(responsible)
    row.get_by_test_id("sign").click()
    expect(page).to_have_url(re.compile(r"/my$"))
    expect(page.get_by_text(f"已签收 {code}。")).to_be_visible()


def test_a_lead_signs_for_a_milestone_on_a_phone(
    app: Flask, new_context: Callable[..., BrowserContext], console: Console
) -> None:
    create_user("wang", "dept_lead", department=department("gxj"))
    page = new_context(**PHONE).new_page()
    page.goto("/login")
    page.fill("#username", "wang")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    expect(page).to_have_url(re.compile(r"/my$"))

    card = page.get_by_test_id("my-receipts")
    expect(card).to_be_visible()
    row = card.locator("[data-testid=pending-receipt][data-code='T1-3']")
    expect(row.get_by_test_id("receipt-age")).to_have_text("已交办 5 天")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert_accessible(page)
    opener = row.get_by_test_id("open-receipt")
    opener.click()
    sign = row.get_by_test_id("sign")
    for button in (opener, sign):
        box = button.bounding_box()
        assert box is not None
        assert box["height"] >= TOUCH_TARGET
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390
    box = sign.bounding_box()
    assert box is not None
    assert box["height"] >= TOUCH_TARGET
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390

    row.get_by_label("责任人").fill("张三")
    sign.click()
    expect(page).to_have_url(re.compile(r"/my$"))
    expect(page.get_by_text("已签收 T1-3。")).to_be_visible()
    expect(page.locator("[data-testid=pending-receipt][data-code='T1-3']")).to_have_count(0)
    badge = page.locator("[data-testid=my-milestone][data-code='T1-3'] [data-testid=receipt-badge]")
    expect(badge).to_have_attribute("data-state", "signed")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    db.session.expire_all()
    t13 = db.session.query(Milestone).filter_by(code="T1-3").one()
    receipt = current_receipt(t13.id)
    assert receipt is not None
    assert (receipt.state, receipt.responsible) == ("signed", "张三")
    console.assert_clean()
