"""A plan whose period has ended: the board's closing view, and open milestones read as "not
done by the plan's end" rather than overdue by thousands of days (issue 15, item 2)."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import create_user, csrf_token, department, signed_in
from tracker.extensions import db
from tracker.models import Item, Milestone, Plan, Report

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # years after the plan's end, 2022-12-31
BOARD = "/plans/shinan-2020/"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)


@pytest.fixture
def leader(seeded: Flask) -> FlaskClient:
    create_user("zhang", "leader")
    return signed_in(seeded, "zhang")


def page(client: FlaskClient, path: str = BOARD) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def outcome_row(html: str, testid: str) -> dict[str, int]:
    row = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, testid
    cells = re.findall(r'data-testid="([a-z-]+)">(\d+)<', row.group(1))
    return {name: int(value) for name, value in cells}


def department_rows(html: str) -> dict[str, dict[str, int]]:
    rows = re.findall(r'data-testid="closing-department" data-code="(\w+)">(.*?)</tr>', html, re.S)
    return {
        code: {name: int(v) for name, v in re.findall(r'data-testid="([a-z-]+)">(\d+)<', cells)}
        for code, cells in rows
    }


def test_an_ended_plan_opens_with_its_closing_view(leader: FlaskClient) -> None:
    html = page(leader)
    assert 'data-testid="closing"' in html
    assert "计划期已于 2022-12-31 结束" in html
    summary = re.search(r'data-testid="closing-summary">(.*?)</p>', html, re.S).group(1)
    assert re.fullmatch(r"最终进度 \d+%。\d+ 项任务中，\d+ 项按期完成，.*", summary), summary
    assert 'data-testid="days-left">计划期已结束<' in html
    items = outcome_row(html, "closing-items")
    milestones = outcome_row(html, "closing-milestones")
    assert sum(items.values()) == 13
    assert sum(milestones.values()) == db.session.scalar(
        sa.select(sa.func.count()).select_from(Milestone)
    )
    # The report gives no day for some completions: they are counted apart, never on time.
    assert milestones["date-unknown"] >= 1
    # Each department's milestones add up to the plan's.
    departments = department_rows(html)
    assert departments
    for outcome, total in milestones.items():
        assert sum(row[outcome] for row in departments.values()) == total
    # Links back in time: the last day, and half-year ends through the period.
    assert f'href="{BOARD}?as_of=2022-12-31" data-testid="closing-last-day"' in html
    travel = re.findall(r'as_of=([\d-]+)" data-testid="closing-travel"', html)
    assert travel[0] == "2020-06-30"
    assert travel[-1] == "2022-12-31"
    # Open milestones are not "overdue by 1,400 days" but not done by the plan's end.
    assert re.search(r"已逾期 \d+ 天", html) is None
    assert "计划期内未完成" in html


def test_a_day_within_the_period_has_no_closing_view(leader: FlaskClient) -> None:
    html = page(leader, f"{BOARD}?as_of=2022-06-30")
    assert 'data-testid="closing"' not in html
    assert "计划期内未完成" not in html
    assert re.search(r"已逾期 \d+ 天", html)
    assert 'data-testid="days-left">剩余 184 天<' in html


def test_a_milestone_done_after_its_due_date_counts_as_done_late(seeded: Flask) -> None:
    open_one = db.session.scalars(
        sa.select(Milestone)
        .join(Item)
        .where(Milestone.reported_status != "done", Milestone.due < date(2022, 6, 30))
        .order_by(Milestone.due)
    ).first()
    assert open_one is not None
    code, owner = open_one.code, open_one.department.code
    create_user("owner", "dept_lead", department=department(owner))
    create_user("office", "dept_lead", department=department("kjj"))
    create_user("zhang", "leader")
    before = outcome_row(page(signed_in(seeded, "zhang")), "closing-milestones")

    lead = signed_in(seeded, "owner")
    url = f"/milestones/{open_one.id}/report"
    form = lead.get(url).get_data(as_text=True)
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', form).group(1)
    response = lead.post(
        url,
        data={
            "csrf_token": csrf_token(lead, url),
            "version": version,
            "status": "done",
            "progress": "100",
            "completed_on": "2023-03-01",
            "note": "验收完成",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    report = db.session.scalar(sa.select(Report).where(Report.milestone_id == open_one.id))
    office = signed_in(seeded, "office")
    approved = office.post(
        f"/reports/{report.id}/approve", data={"csrf_token": csrf_token(office, "/reviews")}
    )
    assert approved.status_code == 302

    after = outcome_row(page(signed_in(seeded, "zhang")), "closing-milestones")
    assert after["late"] == before["late"] + 1, code
    assert after["not-done"] == before["not-done"] - 1
    assert after["on-time"] == before["on-time"]


def test_my_department_reads_open_milestones_as_not_done_by_the_end(seeded: Flask) -> None:
    plan = db.session.scalar(sa.select(Plan))
    assert plan is not None
    create_user("wang", "dept_lead", department=department("gxj"))
    html = page(signed_in(seeded, "wang"), "/my")
    assert "计划期内未完成" in html
    assert re.search(r"已逾期 \d+ 天", html) is None


def test_the_closing_view_reads_in_english(seeded: Flask) -> None:
    create_user("zhang", "leader")
    html = page(signed_in(seeded, "zhang", lang="en"))
    summary = re.search(r'data-testid="closing-summary">(.*?)</p>', html, re.S).group(1)
    assert re.fullmatch(r"Final progress \d+%\. Of 13 items, \d+ were done on time, .*", summary)
    assert "The plan period ended on 2022-12-31" in html
    assert "not done by the plan’s end (due " in html
