"""The Excel ledger (台账), downloaded from the board in a real browser and read back (story 5)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from playwright.sync_api import Page, expect

from tests.browser.conftest import GROUPS_ZH, Console, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shinan")]

ITEM_CODE = re.compile(r"^[A-Z]\d+$")
MILESTONE_CODE = re.compile(r"^[A-Z]\d+-\d+$")


def cell_texts(sheet: Worksheet) -> list[list[str]]:
    """Every row of a sheet as text, empty cells as ''."""
    return [
        ["" if value is None else str(value).strip() for value in row]
        for row in sheet.iter_rows(values_only=True)
    ]


def codes(sheet: Worksheet, pattern: re.Pattern[str]) -> list[str]:
    return [text for row in cell_texts(sheet) for text in row if pattern.match(text)]


def test_leader_downloads_the_ledger_and_excel_reads_it(
    page: Page, console: Console, artifacts: Path
) -> None:
    sign_in(page, "zhang")
    page.goto("/")
    link = page.locator('a[href*="/plans/shinan-2020/ledger.xlsx"]').first
    expect(link).to_be_visible()

    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.startswith("台账")
    assert download.suggested_filename.endswith(".xlsx")
    saved = artifacts / "ledger.xlsx"
    download.save_as(saved)

    workbook = openpyxl.load_workbook(saved)
    # An "about" sheet, one sheet per group, the instructions (批示) and the indicators.
    assert len(workbook.sheetnames) == 6, workbook.sheetnames
    assert "批示" in workbook.sheetnames
    for name in GROUPS_ZH:
        assert name in workbook.sheetnames, workbook.sheetnames

    tasks = workbook["三大攻坚任务"]
    assert codes(tasks, ITEM_CODE) == ["T1", "T2", "T3"]
    assert codes(workbook["四项重点工程"], ITEM_CODE) == ["P1", "P2", "P3", "P4"]
    assert codes(workbook["六大专项行动"], ITEM_CODE) == ["A1", "A2", "A3", "A4", "A5", "A6"]
    t1_milestones = [code for code in codes(tasks, MILESTONE_CODE) if code.startswith("T1-")]
    assert t1_milestones == [f"T1-{n}" for n in range(1, 6)]

    [t1] = [row for row in cell_texts(tasks) if "T1" in row]
    assert "网络设施筑基" in t1
    assert "区工业和信息化局" in t1

    # The 5G indicator with its targets is on a sheet of its own.
    others = [workbook[name] for name in workbook.sheetnames if name not in GROUPS_ZH]
    [indicators] = [
        sheet
        for sheet in others
        if any("5G基站" in text for row in cell_texts(sheet) for text in row)
    ]
    numbers = {
        value
        for row in indicators.iter_rows(values_only=True)
        for value in row
        if isinstance(value, int | float)
    }
    assert {618, 970, 1300} <= numbers
    console.assert_clean()
