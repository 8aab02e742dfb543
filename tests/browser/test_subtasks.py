"""Director Wang signs for a milestone and splits it into sub-tasks on her phone (issue 17):
on /my she signs for T1-3 (签收), opens its sub-tasks, adds one for each of two staff, and sees
both listed with the roll-up; nothing scrolls sideways.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import Console
from tests.browser.test_receipts import sign_on_my
from tests.factories import PASSWORD, create_user, department
from tracker.extensions import db
from tracker.models import Milestone, Receipt, Subtask, User

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shinan")]

NOW = datetime(2020, 12, 20, 2, 0, tzinfo=UTC)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)


@pytest.fixture
def people(app: Flask) -> None:
    create_user("wang", "dept_lead", department=department("gxj"))  # T1-3 is gxj's
    create_user("zhao", "staff", department=department("gxj"))
    create_user("qian", "staff", department=department("gxj"))


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


def split_into_subtasks(page: Page, parts: list[tuple[str, int, str]]) -> None:
    """From /my: open T1-3's sub-tasks and add each (title, person's id, due date)."""
    page.locator("[data-testid=my-milestone][data-code='T1-3'] [data-testid=subtasks-link]").click()
    expect(page).to_have_url(re.compile(r"/milestones/T1-3/subtasks$"))
    expect(page.get_by_test_id("no-subtasks")).to_be_visible()
    assert_no_sideways_scroll(page)
    for title, person, due in parts:
        page.fill("#title", title)
        page.select_option("#assignee", str(person))
        page.fill("#due", due)
        page.fill("#weight", "1")
        page.click("#submit")
        expect(page.get_by_test_id("subtask-title").filter(has_text=title)).to_be_visible()


def test_department_lead_signs_and_splits_a_milestone_on_a_phone(
    app: Flask,
    people: None,
    new_context: Callable[..., BrowserContext],
    console: Console,
    artifacts: Path,
) -> None:
    page = new_context(**PHONE).new_page()
    ids = {
        u.username: u.id
        for u in db.session.scalars(sa.select(User).where(User.username.in_(["zhao", "qian"])))
    }
    open_my(page)
    sign_on_my(page, "T1-3", "王主任")
    expect(
        page.locator("[data-testid=my-milestone][data-code='T1-3'] [data-testid=receipt-badge]")
    ).to_have_attribute("data-state", "signed")
    split_into_subtasks(
        page,
        [
            ("核查铁塔月报", ids["zhao"], "2020-12-15"),
            ("走访重点楼宇", ids["qian"], "2020-12-28"),
        ],
    )
    subtasks = page.get_by_test_id("subtask")
    expect(subtasks).to_have_count(2)
    expect(subtasks.nth(0).get_by_test_id("subtask-assignee")).to_have_text("Zhao")
    expect(subtasks.nth(1).get_by_test_id("subtask-assignee")).to_have_text("Qian")
    expect(page.get_by_test_id("rollup")).to_have_text("由子任务汇总：0%")
    expect(page.get_by_test_id("progress-mode")).to_have_text("直接填报")
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    page.screenshot(path=str(artifacts / "subtasks-phone.png"), full_page=True)
    db.session.expire_all()
    titles = db.session.scalars(sa.select(Subtask.title).order_by(Subtask.position)).all()
    assert titles == ["核查铁塔月报", "走访重点楼宇"]
    receipt = db.session.scalar(
        sa.select(Receipt).join(Receipt.milestone).where(Milestone.code == "T1-3")
    )
    assert (receipt.state, receipt.responsible) == ("signed", "王主任")
    console.assert_clean()
