"""Sub-task pages as people use them: the lead splits T1-3 (gxj, due 2020-12-31) on its page,
staff report from /my, the milestone report takes the roll-up, and who sees what.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import load_plan, table_snapshot
from tests.factories import create_user, csrf_token, department, signed_in
from tests.querycount import count_queries
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import AuditEvent, Milestone, Report, Subtask, SubtaskUpdate, User
from tracker.services.commands.assignment import update_milestone
from tracker.services.commands.subtasks import SubtaskInput, create_subtask

PAGE = "/plans/shinan-2020/milestones/T1-3/subtasks"
ITEM = "/plans/shinan-2020/items/T1"
NOW = datetime(2020, 12, 1, 2, tzinfo=UTC)


@pytest.fixture
def people(app: Flask) -> None:
    load_plan()
    create_user("wang", "dept_lead", department=department("gxj"))
    create_user("zhao", "staff", department=department("gxj"))
    create_user("qian", "staff", department=department("gxj"))
    create_user("sun", "staff", department=department("swj"))
    create_user("li", "dept_lead", department=department("kjj"))  # the coordinating office
    create_user("leader", "leader")
    create_user("viewer", "viewer")
    create_user("admin", "admin")


def user(name: str) -> User:
    found = db.session.scalar(sa.select(User).where(User.username == name))
    assert found is not None
    return found


def milestone() -> Milestone:
    db.session.expire_all()
    found = db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-3"))
    assert found is not None
    return found


def add_form(client: FlaskClient, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": csrf_token(client, PAGE),
        "title": "核查铁塔月报",
        "assignee": str(user("zhao").id),
        "due": "2020-12-15",
        "weight": "1",
    }
    data.update(overrides)
    return data


def seed_subtasks(count: int, person: str = "zhao") -> list[Subtask]:
    made = [
        create_subtask(
            Who(NOW, user("wang")),
            milestone(),
            SubtaskInput(f"子任务 {n}", date(2020, 12, 15), 1.0, user(person)),
        )
        for n in range(count)
    ]
    db.session.commit()
    return made


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_lead_adds_subtasks_and_sees_the_rollup(app: Flask, people: None) -> None:
    client = signed_in(app, "wang")
    response = client.post(PAGE, data=add_form(client))
    assert response.status_code == 302
    response = client.post(
        PAGE,
        data=add_form(client, title="走访重点楼宇", assignee=str(user("qian").id), weight="3"),
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "核查铁塔月报" in html
    assert "走访重点楼宇" in html
    assert "由子任务汇总：0%" in text(html)
    assert "直接填报" in text(html)
    # One element per id: the phone test clicks #submit and fills #title on this page.
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    rows = db.session.scalars(sa.select(Subtask).order_by(Subtask.position)).all()
    assert [(s.title, s.assignee.username, s.weight) for s in rows] == [
        ("核查铁塔月报", "zhao", 1.0),
        ("走访重点楼宇", "qian", 3.0),
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"due": "2021-01-01"}, "子任务的完成时限不能晚于其节点（2020-12-31）。"),
        ({"title": ""}, "请填写子任务名称。"),
        ({"weight": "0"}, "权重须为大于0"),
        ({"assignee": "0"}, "请选择责任人。"),
        ({"assignee": "sun"}, "子任务只能交给本节点所属部门的人员。"),
        ({"due": "15/12/2020"}, "日期"),
    ],
)
def test_bad_input_answers_a_clear_message_and_writes_nothing(
    app: Flask, people: None, overrides: dict[str, object], message: str
) -> None:
    client = signed_in(app, "wang")
    if overrides.get("assignee") == "sun":
        overrides["assignee"] = str(user("sun").id)
    data = add_form(client, **overrides)
    before = table_snapshot()
    response = client.post(PAGE, data=data)
    html = text(response.get_data(as_text=True))
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.get_data(as_text=True)
    assert message in html
    assert table_snapshot() == before


def test_staff_report_from_my_page(app: Flask, people: None) -> None:
    (subtask,) = seed_subtasks(1)
    client = signed_in(app, "zhao")
    mine = client.get("/my").get_data(as_text=True)
    assert "我的子任务" in mine
    assert 'data-testid="subtask-report-form"' in mine
    ids = re.findall(r'\bid="([^"]+)"', mine)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    action = re.search(r'data-testid="subtask-report-form" action="([^"]+)"', mine)
    assert action is not None
    url = action.group(1).replace("&amp;", "&")
    token = csrf_token(client, "/my")
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "status": "at_risk",
            "progress": "30",
            "note": "铁塔数据延迟",
            "version": str(subtask.version),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/my#subtask-")
    db.session.expire_all()
    saved = db.session.get(Subtask, subtask.id)
    assert saved is not None
    assert (saved.status, saved.progress) == ("at_risk", 30)
    kept = db.session.scalars(sa.select(SubtaskUpdate)).all()
    assert [(u.user_id, u.note) for u in kept] == [(user("zhao").id, "铁塔数据延迟")]
    page = client.get("/my").get_data(as_text=True)
    assert "您对子任务的报告已保存。" in page


def test_a_stale_report_form_is_refused_with_a_message(app: Flask, people: None) -> None:
    (subtask,) = seed_subtasks(1)
    client = signed_in(app, "zhao")
    token = csrf_token(client, "/my")
    url = f"{PAGE}/{subtask.id}/report?back=my"
    data = {"csrf_token": token, "status": "on_track", "progress": "40", "version": "1"}
    assert client.post(url, data=data).status_code == 302
    before = table_snapshot()
    response = client.post(url, data={**data, "progress": "50"}, follow_redirects=True)
    assert "刚刚有人修改或报告了这项内容" in text(response.get_data(as_text=True))
    assert table_snapshot() == before


def test_staff_cannot_report_on_someone_elses_subtask_nor_manage(app: Flask, people: None) -> None:
    (subtask,) = seed_subtasks(1, person="qian")
    client = signed_in(app, "zhao")
    token = csrf_token(client, "/my")
    response = client.post(
        f"{PAGE}/{subtask.id}/report",
        data={"csrf_token": token, "status": "on_track", "progress": "40", "version": "1"},
    )
    assert response.status_code == 403
    assert client.post(PAGE, data={"csrf_token": token, "title": "x"}).status_code == 403
    assert client.get(f"/milestones/{milestone().id}/report").status_code == 403


@pytest.mark.parametrize(
    ("name", "sees"),
    [
        ("wang", True),
        ("zhao", True),
        ("leader", True),
        ("admin", True),
        ("li", False),  # the coordinating office does not own T1-3
        ("sun", False),
        ("viewer", False),
    ],
)
def test_who_sees_the_subtasks(app: Flask, people: None, name: str, sees: bool) -> None:
    seed_subtasks(2)
    client = signed_in(app, name)
    item = client.get(ITEM).get_data(as_text=True)
    assert ('data-testid="item-subtasks"' in item) is sees
    assert ("子任务 1" in item) is sees
    assert client.get(PAGE).status_code == (200 if sees else 403)


def test_mode_switch_and_the_milestone_report_uses_the_rollup(app: Flask, people: None) -> None:
    first, second = seed_subtasks(2)
    first.progress, second.progress, second.weight = 40, 70, 3.0
    db.session.commit()
    client = signed_in(app, "wang")
    page = client.get(PAGE).get_data(as_text=True)
    version = re.search(
        r'data-testid="mode-form">.*?name="version" type="hidden" value="(\d+)"', page, re.S
    )
    assert version is not None
    response = client.post(
        "/plans/shinan-2020/milestones/T1-3/progress-mode",
        data={
            "csrf_token": csrf_token(client, PAGE),
            "mode": "subtasks",
            "version": version.group(1),
        },
        follow_redirects=True,
    )
    html = text(response.get_data(as_text=True))
    assert "进度由子任务汇总" in html
    assert "由子任务汇总：63%" in html
    report_url = f"/milestones/{milestone().id}/report"
    form = client.get(report_url).get_data(as_text=True)
    assert "由子任务汇总：63%" in text(form)
    assert re.search(r'id="progress"[^>]*readonly', form) or re.search(
        r'readonly[^>]*id="progress"', form
    )
    row_version = re.search(r'name="version" type="hidden" value="(\d+)"', form)
    assert row_version is not None
    response = client.post(
        report_url,
        data={
            "csrf_token": csrf_token(client, report_url),
            "status": "on_track",
            "progress": "95",  # typed over the read-only field: the roll-up wins
            "note": "按子任务汇总",
            "version": row_version.group(1),
        },
    )
    assert response.status_code == 302
    report = db.session.scalars(sa.select(Report).order_by(Report.id.desc())).first()
    assert report is not None
    assert (report.state, report.progress) == ("submitted", 63)
    item = text(client.get(ITEM).get_data(as_text=True))
    assert "进度由子任务汇总" in item
    # The switch is on the item's timeline, for everyone: 进度方式: 直接填报 → 进度由子任务汇总
    assert "进度方式: 直接填报 → 进度由子任务汇总" in item


def test_query_count_is_constant_as_subtasks_grow(app: Flask, people: None) -> None:
    lead = signed_in(app, "wang")
    staff = signed_in(app, "zhao")
    seed_subtasks(2)
    with count_queries() as page_before:
        assert lead.get(PAGE).status_code == 200
    with count_queries() as mine_before:
        assert staff.get("/my").status_code == 200
    with count_queries() as item_before:
        assert lead.get(ITEM).status_code == 200
    seed_subtasks(20)
    with count_queries() as page_after:
        assert lead.get(PAGE).status_code == 200
    with count_queries() as mine_after:
        assert staff.get("/my").status_code == 200
    with count_queries() as item_after:
        assert lead.get(ITEM).status_code == 200
    assert len(page_after) == len(page_before), page_after
    assert len(mine_after) == len(mine_before), mine_after
    assert len(item_after) == len(item_before), item_after


def test_admin_user_form_requires_a_department_for_staff(app: Flask, people: None) -> None:
    client = signed_in(app, "admin")
    token = csrf_token(client, "/admin/users/new")
    data = {"csrf_token": token, "username": "zhou", "role": "staff", "department": "0"}
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 200
    assert db.session.scalar(sa.select(User).where(User.username == "zhou")) is None
    data["department"] = str(department("gxj").id)
    response = client.post("/admin/users/new", data=data)
    assert response.status_code in {200, 302}
    created = db.session.scalar(sa.select(User).where(User.username == "zhou"))
    assert created is not None
    assert (created.role, created.department_id) == ("staff", department("gxj").id)


def test_the_lead_reports_on_a_staff_subtask_from_its_page_and_readers_get_no_forms(
    app: Flask, people: None
) -> None:
    (subtask,) = seed_subtasks(1)
    lead = signed_in(app, "wang")
    page = lead.get(PAGE).get_data(as_text=True)
    assert page.count('data-testid="subtask-report-form"') == 1
    assert 'data-testid="milestone-report"' in page
    response = lead.post(
        f"{PAGE}/{subtask.id}/report",
        data={
            "csrf_token": csrf_token(lead, PAGE),
            "status": "done",
            "progress": "80",
            "version": str(subtask.version),
        },
        follow_redirects=True,
    )
    html = text(response.get_data(as_text=True))
    assert response.request.path == PAGE
    assert "由子任务汇总：100%" in html
    assert "子任务已全部完成，可以报告节点完成。" in html
    for reader in ("leader", "zhao"):
        seen = signed_in(app, reader).get(PAGE).get_data(as_text=True)
        assert 'data-testid="subtask-form"' not in seen
        assert 'data-testid="mode-form"' not in seen
    leader_page = signed_in(app, "leader").get(PAGE).get_data(as_text=True)
    assert 'data-testid="subtask-report-form"' not in leader_page
    # zhao is its assignee: the form is there for him too.
    assert 'data-testid="subtask-report-form"' in signed_in(app, "zhao").get(PAGE).get_data(
        as_text=True
    )


def test_sub_tasks_go_with_a_reassigned_milestone(app: Flask, people: None) -> None:
    """T1-3 moves from gxj to swj: swj's lead now manages its sub-task and gives it to one of
    swj's people; gxj's staff can no longer report on it."""
    (subtask,) = seed_subtasks(1)
    create_user("zhou", "dept_lead", department=department("swj"))
    target = milestone()
    update_milestone(
        Who(NOW, user("admin")),
        target,
        title_zh=target.title_zh,
        title_en=target.title_en,
        due=target.due,
        weight=target.weight,
        department=department("swj"),
        assignee=None,
        version=target.version,
    )
    db.session.commit()

    zhao = signed_in(app, "zhao")
    token = csrf_token(zhao, "/my")
    report = {"csrf_token": token, "status": "on_track", "progress": "40", "version": "2"}
    assert zhao.post(f"{PAGE}/{subtask.id}/report", data=report).status_code == 403

    zhou = signed_in(app, "zhou")
    assert zhou.get(PAGE).status_code == 200
    edit_url = f"{PAGE}/{subtask.id}"

    def edit_form(version: int) -> dict[str, str]:
        return {
            "csrf_token": csrf_token(zhou, edit_url),
            "title": "核查铁塔月报",
            "assignee": str(user("sun").id),
            "due": "2020-12-15",
            "weight": "1",
            "version": str(version),
        }

    response = zhou.post(edit_url, data=edit_form(1))  # the form from before the move
    assert response.status_code == 200
    assert "刚刚有人修改或报告了这项内容" in text(response.get_data(as_text=True))
    response = zhou.post(edit_url, data=edit_form(2))
    assert response.status_code == 302
    sun = signed_in(app, "sun")
    report = {**report, "csrf_token": csrf_token(sun, "/my"), "version": "3"}
    assert sun.post(f"{PAGE}/{subtask.id}/report", data=report).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Subtask, subtask.id)
    assert saved is not None
    assert (saved.department_id, saved.assignee_id, saved.progress) == (
        department("swj").id,
        user("sun").id,
        40,
    )


def test_adding_changing_and_removing_a_sub_task_is_in_the_audit_log(
    app: Flask, people: None
) -> None:
    client = signed_in(app, "wang")
    assert client.post(PAGE, data=add_form(client)).status_code == 302
    subtask = db.session.scalar(sa.select(Subtask))
    assert subtask is not None
    edit_url = f"{PAGE}/{subtask.id}"
    edited = {
        "csrf_token": csrf_token(client, edit_url),
        "title": "核查铁塔月报",
        "assignee": str(user("qian").id),
        "due": "2020-12-20",
        "weight": "1",
        "version": str(subtask.version),
    }
    assert client.post(edit_url, data=edited).status_code == 302
    token = csrf_token(client, PAGE)
    assert client.post(f"{edit_url}/delete", data={"csrf_token": token}).status_code == 302
    rows = db.session.execute(
        sa.select(
            AuditEvent.action, AuditEvent.username, AuditEvent.target_label, AuditEvent.detail
        )
        .where(AuditEvent.action.like("subtask_%"))
        .order_by(AuditEvent.id)
    ).all()
    assert [tuple(row) for row in rows] == [
        ("subtask_created", "wang", "T1-3", "核查铁塔月报 → zhao, 2020-12-15"),
        (
            "subtask_edited",
            "wang",
            "T1-3",
            "核查铁塔月报: assignee: zhao → qian; due: 2020-12-15 → 2020-12-20",
        ),
        ("subtask_deleted", "wang", "T1-3", "核查铁塔月报"),
    ]
    audit_page = signed_in(app, "admin").get("/admin/audit").get_data(as_text=True)
    assert "子任务已修改" in audit_page
