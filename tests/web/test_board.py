"""The board at /: the plan's progress by group, in Chinese first and English on request."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import FIXTURES, load_plan
from tests.factories import create_user, grow_plan, login
from tests.querycount import count_queries
from tracker.extensions import db
from tracker.models import Item, Milestone


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client signed in as a viewer: the board is for signed-in users only."""
    client = app.test_client()
    create_user("viewer", "viewer")
    login(client, "viewer")
    return client


SHINAN_CODES = ["T1", "T2", "T3", "P1", "P2", "P3", "P4", "A1", "A2", "A3", "A4", "A5", "A6"]


def item_codes(html: str) -> list[str]:
    return re.findall(r'data-testid="item-row" data-code="([^"]+)"', html)


def test_board_lists_the_thirteen_items_in_three_groups_in_chinese(
    seeded: Flask, client: FlaskClient
) -> None:
    response = client.get("/plans/shinan-2020/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert item_codes(html) == SHINAN_CODES
    assert html.count('data-testid="group"') == 3
    for heading in ("三大攻坚任务", "四项重点工程", "六大专项行动"):
        assert heading in html
    assert "网络设施筑基" in html
    assert "总体进度" in html
    assert "牵头单位" in html
    assert '<html lang="zh-CN">' in html


def test_board_in_english_with_lang_parameter_and_it_sticks(
    seeded: Flask, client: FlaskClient
) -> None:
    html = client.get("/plans/shinan-2020/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Key tasks" in html
    assert "Overall progress" in html
    assert "总体进度" not in html
    # The choice is remembered for the next page without the parameter.
    again = client.get("/plans/shinan-2020/").get_data(as_text=True)
    assert "Overall progress" in again
    back = client.get("/plans/shinan-2020/?lang=zh").get_data(as_text=True)
    assert "总体进度" in back


def test_unknown_language_falls_back_to_chinese(seeded: Flask, client: FlaskClient) -> None:
    html = client.get("/plans/shinan-2020/?lang=xx").get_data(as_text=True)
    assert "总体进度" in html


def test_board_shows_computed_status_not_reported(seeded: Flask, client: FlaskClient) -> None:
    """Milestones reported on track but past due make their item delayed on today's board."""
    html = client.get("/plans/shinan-2020/").get_data(as_text=True)
    statuses = dict(re.findall(r'data-code="([^"]+)" data-status="([^"]+)"', html))
    # Today is long past 2022-12-31 and the seeded plan is unfinished.
    assert set(statuses) == set(SHINAN_CODES)
    assert statuses["T1"] == "delayed"


def test_item_page_shows_milestones_indicators_and_facts(
    seeded: Flask, client: FlaskClient
) -> None:
    html = client.get("/plans/shinan-2020/items/T1").get_data(as_text=True)
    assert "5G基站" in html
    assert "618" in html
    assert "970" in html
    assert "1300" in html
    assert html.count('data-testid="milestone-row"') == db.session.scalar(
        sa.select(sa.func.count()).select_from(Milestone).join(Item).where(Item.code == "T1")
    )
    assert "来源：报道" in html


def test_item_page_unknown_code_is_404(seeded: Flask, client: FlaskClient) -> None:
    response = client.get("/plans/shinan-2020/items/NOPE")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_board_without_plan_says_how_to_load_one(app: Flask, client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "flask --app tracker seed" in response.get_data(as_text=True)


def test_another_plan_file_with_other_groups_renders(app: Flask, client: FlaskClient) -> None:
    load_plan(FIXTURES / "small-plan.yaml")
    assert client.get("/").headers["Location"] == "/plans/small/"
    html = client.get("/plans/small/?lang=en").get_data(as_text=True)
    assert item_codes(html) == ["X1", "X2", "Y1"]
    assert "Two actions" in html
    assert "One project" in html


def test_healthz(app: Flask, client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.data == b"ok"


def test_errors_answer_json_to_json_clients(app: Flask, client: FlaskClient) -> None:
    response = client.get("/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json is not None
    assert response.json["status"] == 404


@pytest.mark.parametrize("path", ["/plans/shinan-2020/", "/plans/shinan-2020/items/T1"])
def test_query_count_does_not_grow_with_data(seeded: Flask, client: FlaskClient, path: str) -> None:
    """Ten times the milestones and their history must not mean more queries (no N+1)."""
    with count_queries() as before:
        assert client.get(path).status_code == 200
    grow_plan()
    with count_queries() as after:
        assert client.get(path).status_code == 200
    assert len(after) == len(before), after


def milestone_cells(html: str, code: str) -> str:
    row = re.search(rf'data-code="{code}".*?</tr>', html, re.S)
    assert row is not None, code
    return row.group(0)


def test_a_completion_the_report_dates_only_by_itself_reads_done_by(
    seeded: Flask, client: FlaskClient
) -> None:
    """Item page and timeline: "done by 2020-09-25 (date not given in the report)", never
    "done on 2020-09-25"; a day the report gives stays a day."""
    html = client.get("/plans/shinan-2020/items/T1").get_data(as_text=True)
    done_by = "于 2020-09-25 前完成（报道未给出具体日期）"
    assert done_by in milestone_cells(html, "T1-1")
    assert done_by in milestone_cells(html, "T1-2")
    timeline = html[html.index('id="timeline"') :]
    assert timeline.count(done_by) == 2  # the plan file's line of each, in words
    assert "给出具体完成日期" not in timeline  # folded into that line, not an entry of its own
    t2 = client.get("/plans/shinan-2020/items/T2").get_data(as_text=True)
    launch = milestone_cells(t2, "T2-1")
    assert "2020-08-28" in launch
    assert "前完成" not in launch
    english = client.get("/plans/shinan-2020/items/T1?lang=en").get_data(as_text=True)
    assert "done by 2020-09-25 (date not given in the report)" in milestone_cells(english, "T1-1")


def test_facts_are_dated_as_the_report_dates_them_and_the_reading_is_said(
    seeded: Flask, client: FlaskClient
) -> None:
    html = client.get("/plans/shinan-2020/items/T3").get_data(as_text=True)
    facts = re.findall(r'data-testid="fact"><span class="text-body-secondary">([^<]+)</span>', html)
    assert "2019" in facts  # 2019年初: a year, not 2019-01-01
    assert "2019-01-01" not in facts
    assert "2019-12-31" not in facts
    p1 = client.get("/plans/shinan-2020/items/P1").get_data(as_text=True)
    assert '<span class="text-body-secondary">2019-06</span>' in p1  # 自2019年6月起
    source = re.search(r'data-testid="item-source">([^<]+)<', html)
    assert source is not None
    assert "将计划拆分为13项及各项的标题，是本系统对报道的解读" in source.group(1)
    english = client.get("/plans/shinan-2020/items/T3?lang=en").get_data(as_text=True)
    assert "the split into 13 items and their titles is our reading of it" in english
