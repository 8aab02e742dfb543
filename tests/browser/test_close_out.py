"""The coordinating office closes out (销号) on a phone: the queue of milestones awaiting
close-out fits a 390 px screen, one is sent back with a reason, another closed out, and the
item page then shows both."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import BrowserContext, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import Console
from tests.factories import PASSWORD, create_user, department
from tracker.domain.refusal import Who
from tracker.domain.reporting import MilestoneReport
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import Milestone, User
from tracker.services.commands.reports import approve_report, submit_milestone_report
from tracker.unit_of_work import unit_of_work

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shinan")]

NOW = datetime(2020, 12, 20, 2, 0, tzinfo=UTC)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)


@pytest.fixture
def awaiting(app: Flask) -> None:
    """T1-3 and T1-4 reported done by gxj and approved by the office (区科技局)."""
    wang = create_user("wang", "dept_lead", department=department("gxj"))
    create_user("li", "dept_lead", department=department("kjj"))
    li = db.session.scalar(sa.select(User).where(User.username == "li"))
    for code in ("T1-3", "T1-4"):
        milestone = db.session.scalar(sa.select(Milestone).where(Milestone.code == code))
        with unit_of_work():
            report = submit_milestone_report(
                Who(NOW, wang),
                milestone,
                MilestoneReport(Status.DONE, 100, date(2020, 12, 18), f"{code} 已完成"),
                version=milestone.version,
                today=date(2020, 12, 20),
            )
        with unit_of_work():
            approve_report(Who(NOW, li), report, today=date(2020, 12, 20))


def test_the_office_reopens_and_closes_out_on_a_phone(
    awaiting: None, new_context: Callable[..., BrowserContext], console: Console
) -> None:
    page = new_context(**PHONE).new_page()
    page.goto("/login")  # (the phone's menu is folded: the user's name is not on screen)
    page.fill("#username", "li")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto("/reviews#close-out")
    cards = page.get_by_test_id("awaiting-close-out")
    expect(cards).to_have_count(2)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert_accessible(page)
    for button in (
        cards.first.get_by_role("button", name="销号"),
        cards.first.locator("input[name=reason]"),
    ):
        box = button.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390

    t1_3 = page.locator("[data-testid=awaiting-close-out]", has_text="T1-3")
    t1_3.locator("input[name=reason]").fill("佐证材料不足")
    t1_3.get_by_role("button", name="退回重办").click()
    expect(page.get_by_text("里程碑 T1-3 已退回重办。")).to_be_visible()
    expect(cards).to_have_count(1)
    page.locator("[data-testid=awaiting-close-out]", has_text="T1-4").get_by_role(
        "button", name="销号"
    ).click()
    expect(page.get_by_text("里程碑 T1-4 已销号。")).to_be_visible()
    expect(page.get_by_test_id("empty-close-out")).to_be_visible()

    page.goto("/plans/shinan-2020/items/T1")
    expect(page.locator("[data-code='T1-3'] [data-close-out=reopened]")).to_have_text("已重新打开")
    expect(page.locator("[data-code='T1-4'] [data-close-out=closed]")).to_have_text("已销号")
    expect(page.get_by_text("退回重办：佐证材料不足")).to_be_visible()
    expect(page.get_by_text("区科技局 销号")).to_be_visible()
    assert_accessible(page)
    console.assert_clean()
