"""The monthly bulletin in a real browser: a leader picks the month, previews it, issues it and
downloads the .docx, which Word (here python-docx) opens with its sections."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shinan")]

HEADINGS = ["一、总体进展", "二、分类推进情况", "三、滞后事项", "四、领导批示办理情况",
            "五、部门推进情况", "六、下月重点"]  # fmt: skip


def test_leader_previews_issues_and_downloads_a_bulletin(
    page: Page, console: Console, artifacts: Path
) -> None:
    sign_in(page, "zhang")
    page.get_by_role("link", name="督办通报").click()
    expect(page.get_by_role("heading", name="月度督办通报")).to_be_visible()
    expect(page.get_by_test_id("bulletin-history-empty")).to_be_visible()

    page.select_option("#bulletin-plan", "shinan-2020")
    page.fill("#bulletin-month", "2021-06")
    page.select_option("#bulletin-lang", "zh")
    page.get_by_test_id("bulletin-preview-button").click()
    preview = page.get_by_test_id("bulletin-preview")
    expect(page.get_by_test_id("bulletin-title")).to_have_text(
        "《工业互联网·市南在行动》推进情况通报（2021年第6期）"
    )
    for heading in HEADINGS:
        expect(preview.get_by_text(heading, exact=True)).to_be_visible()
    expect(page.get_by_test_id("bulletin-table-departments")).to_be_visible()
    page.screenshot(path=str(artifacts / "bulletin-preview.png"), full_page=True)

    page.get_by_test_id("bulletin-issue-button").click()
    expect(page.get_by_role("heading", name="2021-06 通报（第1版）")).to_be_visible()
    expect(page.get_by_test_id("bulletin-changes-first")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_test_id("bulletin-download").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == "通报-shinan-2020-2021-06-1.docx"
    saved = artifacts / "bulletin-2021-06.docx"
    download.save_as(saved)

    document = docx.Document(str(saved))
    assert document.paragraphs[0].text == "《工业互联网·市南在行动》推进情况通报（2021年第6期）"
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == HEADINGS
    assert len(document.tables) >= 6

    # The history on the page lists it.
    page.get_by_role("link", name="月度督办通报").click()
    expect(page.get_by_test_id("bulletin-history")).to_contain_text("2021-06")
    console.assert_clean()
