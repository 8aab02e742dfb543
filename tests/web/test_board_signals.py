"""What the board says at a glance (issue 14, item 8): late counts instead of an average badge,
the legend by the bars, 今天/昨天, the department ranking's own heading, and focus items."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import load_plan
from tests.factories import create_user, csrf_token, department, login
from tracker.extensions import db
from tracker.models import Item, Milestone, Report

NOW = datetime(2020, 12, 20, 2, 0, tzinfo=UTC)  # 2020-12-20 in Qingdao
BOARD = "/plans/shinan-2020/"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)


@pytest.fixture
def leader(app: Flask) -> FlaskClient:
    load_plan()
    create_user("zhang", "leader")
    client = app.test_client()
    login(client, "zhang")
    return client


def html_of(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def group_heading(html: str, code: str) -> str:
    """The line under a group's heading: item count, progress and its signal."""
    start = html.index(f'id="group-{code}"')
    return html[start : html.index("</div>", start)]


def statuses(html: str) -> list[str]:
    return re.findall(r'data-testid="item-row" data-code="[^"]+" data-status="([a-z_]+)"', html)


def test_a_group_with_late_items_says_how_many_instead_of_an_average_badge(
    leader: FlaskClient,
) -> None:
    html = html_of(leader, BOARD + "?as_of=2021-06-30")
    rows = re.findall(
        r'<section class="mb-4 board-section" id="group-([^"]+)".*?</section>', html, re.DOTALL
    )
    assert rows, "no group on the board"
    for code in rows:
        heading = group_heading(html, code)
        section = html[html.index(f'id="group-{code}"') :].split("</section>")[0]
        late, total = statuses(section).count("delayed"), len(statuses(section))
        if late:
            assert f"{total} 项中 {late} 项滞后" in heading, heading
            assert 'data-testid="late-count"' in heading
            assert "按期推进" not in heading
    assert "3 项中 " in group_heading(html, "tasks")  # 三大攻坚任务 has late items then
    every = statuses(html)
    headline = html[html.index('data-testid="headline-signal"') :].split("</div>")[0]
    assert every.count("delayed") > 0
    assert f"{len(every)} 项中 {every.count('delayed')} 项滞后" in headline
    assert "有风险" not in headline
    assert "按期推进" not in headline


def test_without_late_items_the_group_keeps_its_status_badge(leader: FlaskClient) -> None:
    html = html_of(leader, BOARD + "?as_of=2020-01-02")
    assert "delayed" not in statuses(html)
    assert 'data-testid="late-count"' not in html
    assert 'data-testid="group-signal"><span class="badge' in html


def test_the_expected_progress_legend_is_by_the_headline_bar(leader: FlaskClient) -> None:
    html = html_of(leader, BOARD)
    legend = html.index('data-testid="expected-legend"')
    assert "黑色刻度" in html[legend : legend + 400]
    assert legend < html.index('data-testid="group"')
    assert html.count("黑色刻度") == 1


def test_the_department_ranking_is_not_headed_like_the_admin_menu(app: Flask) -> None:
    load_plan()
    create_user("admin", "admin")
    client = app.test_client()
    login(client, "admin")
    html = html_of(client, BOARD)
    ranking = html[html.index('data-testid="department-table"') :]
    assert re.search(r'<h2 class="h5">部门排名</h2>', ranking)
    # The admin menu keeps its own words.
    assert re.search(r'<a class="nav-link" href="/admin/departments">部门管理</a>', html)
    english = html_of(client, BOARD + "?lang=en")
    assert '<h2 class="h5">Departments</h2>' in english


def approve_t1_3(app: Flask) -> None:
    """Wang reports T1-3 done and Li (the coordinating office) approves it, on NOW's day."""
    create_user("wang", "dept_lead", department=department("gxj"))
    create_user("li", "dept_lead", department=department("kjj"))
    wang, li = app.test_client(), app.test_client()
    login(wang, "wang")
    login(li, "li")
    t1_3 = db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-3"))
    url = f"/milestones/{t1_3.id}/report"
    page = wang.get(url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    answer = wang.post(
        url,
        data={
            "csrf_token": csrf_token(wang, url),
            "version": version,
            "status": "done",
            "progress": "100",
            "completed_on": "2020-12-18",
        },
    )
    assert answer.status_code == 302
    report = db.session.scalar(sa.select(Report))
    token = csrf_token(li, "/reviews")
    answer = li.post(f"/reports/{report.id}/approve", data={"csrf_token": token})
    assert answer.status_code == 302


def update_age(html: str, code: str) -> str:
    row = html[html.index(f'data-testid="item-row" data-code="{code}"') :].split(
        "</tr>", maxsplit=1
    )[0]
    return re.search(r'data-testid="update-age">(.*?)</td>', row, re.DOTALL).group(1).strip()


def test_an_update_of_today_reads_today_and_of_yesterday_reads_yesterday(
    app: Flask, leader: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    approve_t1_3(app)
    assert update_age(html_of(leader, BOARD), "T1") == "今天"

    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW + timedelta(days=1))
    assert update_age(html_of(leader, BOARD), "T1") == "昨天"
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW + timedelta(days=3))
    assert update_age(html_of(leader, BOARD), "T1") == "3 天前"
    assert update_age(html_of(leader, BOARD + "?lang=en"), "T1") == "3 days ago"
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW + timedelta(days=1))
    assert update_age(html_of(leader, BOARD), "T1") == "yesterday"


def focus_list(html: str) -> str:
    start = html.index('data-testid="watch-focus-count"')
    return html[start : html.index("<h3", start)]


def test_focus_items_lead_the_watch_lists(app: Flask, leader: FlaskClient) -> None:
    before = html_of(leader, BOARD)
    assert 'data-testid="watch-focus-count">0<' in before
    assert "P3" not in focus_list(before)

    p3 = db.session.scalar(sa.select(Item).where(Item.code == "P3"))
    token = csrf_token(leader, "/plans/shinan-2020/items/P3")
    answer = leader.post(
        "/plans/shinan-2020/items/P3/focus",
        data={"focus": "1", "version": str(p3.version), "csrf_token": token},
    )
    assert answer.status_code == 302

    after = html_of(leader, BOARD)
    assert 'data-testid="watch-focus-count">1<' in after
    listed = focus_list(after)
    assert re.search(r'<li data-code="P3">', listed)
    assert "文化旅游+工业互联网平台" in listed
    # The focus list comes before the other watch lists.
    assert after.index('data-testid="watch-focus-count"') < after.index(
        'data-testid="watch-overdue-count"'
    )
    # A filter that leaves P3 out leaves it off the focus list too.
    narrowed = html_of(leader, BOARD + "?group=tasks")
    assert "P3" not in focus_list(narrowed)
