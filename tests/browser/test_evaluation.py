"""The department evaluation in a real browser: on a phone the ranking is stacked as cards and
a department's events open under it; on a desk it is a table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import Console, sign_in
from tests.evaluation_history import NOW, PLAN_CODE, script_history
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

OCTOBER = f"/plans/{PLAN_CODE}/evaluation?period=custom&from=2020-10-01&to=2020-10-31"


@pytest.fixture
def history(app: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)
    script_history()


@pytest.mark.usefixtures("history")
def test_a_department_lead_reads_the_ranking_on_a_phone(
    new_context: Callable[..., BrowserContext], console: Console, artifacts: Path
) -> None:
    page = new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    page.goto("/login?next=" + quote(OCTOBER))
    page.fill("#username", "eval-leader")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    expect(page.get_by_role("heading", name="部门考评 · 考评测试计划")).to_be_visible()
    expect(page.get_by_test_id("evaluation-table")).to_be_hidden()
    cards = page.get_by_test_id("evaluation-cards")
    expect(cards).to_be_visible()
    expect(cards.locator(".card").first).to_contain_text("1. dc局")
    events = page.get_by_test_id("evaluation-events-db-card")
    expect(events.get_by_text("B2 于 2020-10-20 交办，未签收：已超时 5 个工作日")).to_be_hidden()
    events.locator("summary").click()
    expect(events.get_by_text("B2 于 2020-10-20 交办，未签收：已超时 5 个工作日")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    page.screenshot(path=str(artifacts / "evaluation-phone.png"), full_page=True)

    desk = new_context().new_page()
    sign_in(desk, "eval-leader")
    desk.goto(OCTOBER)
    expect(desk.get_by_test_id("evaluation-table")).to_be_visible()
    expect(desk.get_by_test_id("evaluation-cards")).to_be_hidden()
    assert_accessible(desk)
    desk.screenshot(path=str(artifacts / "evaluation-desk.png"), full_page=True)
    console.assert_clean()
