"""Several plans side by side: pages and paths scoped by plan, the plan list, the portfolio
board, plan states and what each state allows.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import load_plan, table_snapshot
from tests.factories import create_user, csrf_token, department, signed_in
from tracker.domain.plan_states import PlanState
from tracker.extensions import db
from tracker.models import AuditEvent, Milestone, Plan, Report, Update
from tracker.services.queries.board import Filters, build_board

SECOND = Path(__file__).resolve().parents[1] / "fixtures" / "second-plan.yaml"
NOW = datetime(2021, 9, 30, 4, tzinfo=UTC)  # noon in Qingdao
TODAY = date(2021, 9, 30)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)


@pytest.fixture
def two_plans(app: Flask) -> Flask:
    """Shinan's plan and a second one sharing departments gxj, swj and kjj; one user a role."""
    load_plan()
    load_plan(SECOND)
    create_user("wang", "dept_lead", department=department("gxj"))
    create_user("li", "dept_lead", department=department("kjj"))
    create_user("zhang", "leader")
    create_user("viewer", "viewer")
    create_user("admin", "admin")
    return app


def plan(code: str) -> Plan:
    db.session.expire_all()
    found = db.session.scalar(sa.select(Plan).where(Plan.code == code))
    assert found is not None
    return found


def milestone(plan_code: str, code: str) -> Milestone:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Milestone).join(Plan).where(Plan.code == plan_code, Milestone.code == code)
    )


def shinan_milestones() -> list[tuple[object, ...]]:
    """Every column of every milestone of Shinan's plan."""
    table = Milestone.__table__
    query = sa.select(table).where(table.c.plan_id == plan("shinan-2020").id).order_by(table.c.id)
    return [tuple(row) for row in db.session.execute(query)]


def test_the_same_item_code_in_two_plans_is_two_pages(two_plans: Flask) -> None:
    client = signed_in(two_plans, "viewer")
    shinan = client.get("/plans/shinan-2020/items/T1").get_data(as_text=True)
    digital = client.get("/plans/digital-2021/items/T1").get_data(as_text=True)
    assert "网络设施筑基" in shinan
    assert "数据中心升级" not in shinan
    assert "数据中心升级" in digital
    assert "网络设施筑基" not in digital
    assert client.get("/plans/digital-2021/items/P1").status_code == 404
    assert client.get("/plans/nowhere/items/T1").status_code == 404


def test_old_addresses_are_the_default_plans(two_plans: Flask) -> None:
    client = signed_in(two_plans, "viewer")
    home = client.get("/")
    assert home.status_code == 302
    assert home.headers["Location"] == "/plans/shinan-2020/"
    item = client.get("/items/T1?lang=en")
    assert item.status_code == 308
    assert item.headers["Location"] == "/plans/shinan-2020/items/T1?lang=en"


def test_links_on_a_plans_pages_stay_in_that_plan(two_plans: Flask) -> None:
    client = signed_in(two_plans, "viewer")
    board = client.get("/plans/digital-2021/").get_data(as_text=True)
    assert 'href="/plans/digital-2021/items/T1"' in board
    assert 'href="/plans/digital-2021/items/D2"' in board
    assert "/plans/shinan-2020/items/" not in board


def test_a_department_lead_sees_its_milestones_of_every_plan(two_plans: Flask) -> None:
    html = signed_in(two_plans, "wang").get("/my").get_data(as_text=True)
    sections = re.findall(r'data-testid="plan-work" data-plan="([^"]+)"', html)
    assert sections == ["digital-2021", "shinan-2020"]
    digital = html[html.index('data-plan="digital-2021"') : html.index('data-plan="shinan-2020"')]
    assert 'data-code="T1-2"' in digital
    assert 'href="/plans/digital-2021/items/T1"' in digital
    assert 'data-code="T1-3"' not in digital


def test_a_report_on_one_plan_never_touches_the_other(two_plans: Flask) -> None:
    shinan_before = shinan_milestones()
    shinan_updates = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Update)
        .where(Update.plan_id == plan("shinan-2020").id)
    )
    client = signed_in(two_plans, "wang")
    target = milestone("digital-2021", "T1-2")
    url = f"/milestones/{target.id}/report"
    html = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "version": version,
            "status": "on_track",
            "progress": "60",
            "note": "政务云测试完成",
        },
    )
    assert response.status_code == 302
    report = db.session.scalar(sa.select(Report).order_by(Report.id.desc()))
    assert (report.plan_id, report.milestone_id) == (plan("digital-2021").id, target.id)
    assert response.headers["Location"] == "/my"
    assert shinan_milestones() == shinan_before
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Update)
            .where(Update.plan_id == plan("shinan-2020").id)
        )
        == shinan_updates
    )


def test_the_portfolio_shows_each_plans_board_figures(two_plans: Flask) -> None:
    html = signed_in(two_plans, "zhang").get("/portfolio").get_data(as_text=True)
    for code in ("shinan-2020", "digital-2021"):
        found = plan(code)
        with two_plans.test_request_context():
            board = build_board(
                found,
                as_of=TODAY,
                today=TODAY,
                margin=two_plans.config["TRACKER_BEHIND_MARGIN"],
                filters=Filters(),
            )
        summary = board.progress.result.summary
        row = html[html.index(f'data-testid="plan-{code}"') :]
        row = row[: row.index("</tr>")]
        assert f'data-progress="{round(summary.progress, 1)}"' in row
        assert f'data-expected="{round(summary.expected, 1)}"' in row
        assert f'data-testid="days-left">{board.days_left}<' in row
        overdue = board.watch_totals.get("overdue", 0)
        assert f'data-testid="overdue">{overdue}<' in row
    assert 'data-testid="departments-behind"' in html


def test_portfolio_filters_by_year_and_department(two_plans: Flask) -> None:
    client = signed_in(two_plans, "zhang")
    only_2023 = client.get("/portfolio?year=2023").get_data(as_text=True)
    assert 'data-testid="plan-digital-2021"' in only_2023
    assert 'data-testid="plan-shinan-2020"' not in only_2023
    commerce = client.get("/portfolio?department=swj").get_data(as_text=True)
    assert 'data-testid="department-swj"' in commerce
    assert 'data-testid="department-gxj"' not in commerce
    nonsense = client.get("/portfolio?year=abcd&status=soon&department=%00")
    assert nonsense.status_code in {200, 404}


def move(client: object, code: str, seen: str, wanted: str) -> object:
    token = csrf_token(client, "/plans")  # type: ignore[arg-type]
    return client.post(  # type: ignore[attr-defined]
        f"/plans/{code}/state", data={"csrf_token": token, "seen": seen, "wanted": wanted}
    )


def test_closing_a_plan_makes_it_read_only_and_is_recorded(two_plans: Flask) -> None:
    admin = signed_in(two_plans, "admin")
    response = move(admin, "digital-2021", "active", "closed")
    assert response.status_code == 302
    closed = plan("digital-2021")
    assert (closed.state, closed.closed_on) == ("closed", TODAY)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "plan_state"))
    assert (event.target_label, event.detail) == ("digital-2021", "active → closed")

    wang = signed_in(two_plans, "wang")
    target = milestone("digital-2021", "T1-2")
    assert wang.get(f"/milestones/{target.id}/report").status_code == 403
    assert wang.get("/plans/digital-2021/items/T1/report").status_code == 403
    board = wang.get("/plans/digital-2021/items/T1").get_data(as_text=True)
    assert f"/milestones/{target.id}/report" not in board
    # The other plan still takes work.
    assert wang.get(f"/milestones/{milestone('shinan-2020', 'T1-3').id}/report").status_code == 200

    assert move(admin, "digital-2021", "closed", "active").status_code == 302
    assert (plan("digital-2021").state, plan("digital-2021").closed_on) == ("active", None)
    assert wang.get(f"/milestones/{target.id}/report").status_code == 200


def test_a_plan_with_work_waiting_cannot_close(two_plans: Flask) -> None:
    wang = signed_in(two_plans, "wang")
    target = milestone("digital-2021", "T1-2")
    url = f"/milestones/{target.id}/report"
    html = wang.get(url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    data = {"csrf_token": csrf_token(wang, url), "version": version, "status": "on_track"}
    wang.post(url, data={**data, "progress": "50", "note": "x"})
    admin = signed_in(two_plans, "admin")
    page = admin.get("/plans")  # noqa: F841  (the list is where the admin presses Close)
    response = move(admin, "digital-2021", "active", "closed")
    assert response.status_code == 302
    assert plan("digital-2021").state == "active"
    flashed = admin.get("/plans").get_data(as_text=True)
    assert "还有待审核的报送" in flashed or "仍有待审核的报送" in flashed


def test_two_admins_closing_at_once_close_it_once(two_plans: Flask, make_app) -> None:
    create_user("admin2", "admin")
    first = signed_in(two_plans, "admin")
    second = signed_in(make_app(), "admin2")
    token_first = csrf_token(first, "/plans")
    token_second = csrf_token(second, "/plans")
    data = {"seen": "active", "wanted": "closed"}
    assert second.post("/plans/digital-2021/state", data={**data, "csrf_token": token_second})
    answer = first.post("/plans/digital-2021/state", data={**data, "csrf_token": token_first})
    assert answer.status_code == 302
    assert plan("digital-2021").state == "closed"
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "plan_state"))
    assert [e.username for e in events] == ["admin2"]
    assert "其他人刚刚变更了该规划的状态" in first.get("/plans").get_data(as_text=True)


def test_a_draft_is_for_admins_only(two_plans: Flask) -> None:
    admin = signed_in(two_plans, "admin")
    move(admin, "digital-2021", "active", "closed")
    move(admin, "digital-2021", "closed", "archived")
    assert plan("digital-2021").state == PlanState.ARCHIVED
    db.session.execute(sa.update(Plan).where(Plan.code == "digital-2021").values(state="draft"))
    db.session.commit()
    viewer = signed_in(two_plans, "viewer")
    assert 'data-testid="plan-digital-2021"' not in viewer.get("/plans").get_data(as_text=True)
    assert viewer.get("/plans/digital-2021/").status_code == 403
    assert admin.get("/plans/digital-2021/").status_code == 200
    assert 'data-testid="plan-digital-2021"' in admin.get("/plans").get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [
        {"seen": "active", "wanted": "bogus"},
        {"seen": "bogus", "wanted": "closed"},
        {"seen": "", "wanted": "closed"},
        {"wanted": "closed"},
    ],
)
def test_bad_state_moves_answer_400_and_change_nothing(two_plans: Flask, data: dict) -> None:
    admin = signed_in(two_plans, "admin")
    before = table_snapshot()
    token = csrf_token(admin, "/plans")
    response = admin.post("/plans/digital-2021/state", data={**data, "csrf_token": token})
    assert response.status_code == 400
    assert table_snapshot() == before


def test_a_move_the_rules_refuse_changes_nothing(two_plans: Flask) -> None:
    admin = signed_in(two_plans, "admin")
    response = move(admin, "digital-2021", "active", "archived")
    assert response.status_code == 302
    assert plan("digital-2021").state == "active"
    assert "规划无法从当前状态变更为所选状态" in admin.get("/plans").get_data(as_text=True)
