"""The README's picture: the board of the lived-through demo, as a leader sees it.

The demo history (``seed --demo``) is played through the product's own commands, then the
first screen of the Chinese board as of 2021-06-30 is photographed. The day is fixed so the
picture comes out the same on every run; it is rewritten only when the board looks different.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, current_app
from playwright.sync_api import Page, expect

from tests.browser.board_charts import wait_for_charts
from tests.browser.conftest import Console, sign_in
from tests.conftest import load_plan
from tests.factories import demo_accounts
from tracker.extensions import db
from tracker.models import Plan
from tracker.services.commands.demo_history import play_demo_history
from tracker.services.exports.attachment_storage import attachment_storage

pytestmark = pytest.mark.browser

README_IMAGE = Path(__file__).resolve().parents[2] / "static" / "img" / "readme-board.png"
README_AS_OF = "2021-06-30"
README_MAX_BYTES = 400_000


@pytest.fixture
def lived_through(app: Flask) -> None:
    """The Shinan plan, the demo accounts and the demo's history to the plan's end."""
    load_plan()
    demo_accounts()
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == "shinan-2020"))
    assert plan is not None
    play_demo_history(plan, until=date(2022, 12, 31), storage=attachment_storage(current_app))
    db.session.commit()


@pytest.mark.usefixtures("lived_through")
def test_the_readme_shows_the_lived_through_board(
    page: Page, console: Console, artifacts: Path
) -> None:
    sign_in(page, "leader")
    page.goto(f"/plans/shinan-2020/?as_of={README_AS_OF}")
    rows = page.get_by_test_id("item-row")
    expect(rows).to_have_count(13)
    # Lived through: the day's items are not all one colour, and work was reported.
    statuses = {row.get_attribute("data-status") for row in rows.all()}
    assert len(statuses) >= 3, statuses
    expect(page.get_by_test_id("overall-progress")).not_to_have_text(re.compile(r"^0%$"))
    wait_for_charts(page)
    shot = page.screenshot()
    (artifacts / "readme-board.png").write_bytes(shot)
    assert len(shot) <= README_MAX_BYTES, f"the README image is {len(shot)} bytes"
    if not README_IMAGE.exists() or README_IMAGE.read_bytes() != shot:
        README_IMAGE.write_bytes(shot)
    console.assert_clean()
