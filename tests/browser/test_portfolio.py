"""The portfolio in a real browser: Deputy District Head Zhang compares the district's plans.

Two plans are loaded (Shinan's and a second one sharing its departments); he opens the
portfolio in Chinese, then in English, and follows a plan to its board. No console errors;
the screenshots land in ``tests/artifacts/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, sign_in
from tests.conftest import load_plan

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shinan")]

SECOND = Path(__file__).resolve().parents[1] / "fixtures" / "second-plan.yaml"


def test_leader_compares_the_plans_in_chinese_and_english(
    page: Page, console: Console, artifacts: Path
) -> None:
    load_plan(SECOND)
    sign_in(page, "zhang")
    page.get_by_role("link", name="规划总览", exact=True).first.click()

    expect(page).to_have_url(re.compile(r"/portfolio$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="规划总览", exact=True)).to_be_visible()
    expect(page.get_by_test_id("plan-shinan-2020")).to_contain_text("《工业互联网·市南在行动》")
    expect(page.get_by_test_id("plan-digital-2021")).to_contain_text("《数字市南三年行动》")
    expect(page.get_by_test_id("departments-behind")).to_contain_text("区工业和信息化局")
    page.screenshot(path=artifacts / "portfolio-zh.png", full_page=True)

    page.get_by_role("link", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()
    expect(page.get_by_test_id("plan-digital-2021")).to_contain_text("Digital Shinan")
    expect(page.get_by_text("规划总览")).to_have_count(0)
    page.screenshot(path=artifacts / "portfolio-en.png", full_page=True)

    page.get_by_label("Year").select_option("2023")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("plan-shinan-2020")).to_have_count(0)
    page.get_by_test_id("plan-digital-2021").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/plans/digital-2021/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Digital Shinan")
    console.assert_clean()
