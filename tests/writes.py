"""Every kind of write that can change a plan's pages, done as the users do it (forms, API,
plan-file loads), for the tests of data versions, snapshots and ETags.

Each :class:`Write` runs against an app instance it is given (often a second instance on the
same database), so a test can read a page on one instance and write through another.
``prepare`` sets up what the write acts on (a report to approve, an instruction to close) and
runs before the page is first read; ``row`` names the board's item row the write shows in, if
it shows on the board at all.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import load_plan, parsed_plan
from tests.factories import create_user, csrf_token, department, signed_in
from tracker.cli import DEFAULT_PLAN
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import Indicator, Instruction, Milestone, Plan, Postponement, Report, User
from tracker.services.commands.plan_sync import sync_plan
from tracker.services.commands.tokens import create_token

PLAN = "shinan-2020"
OTHER_PLAN = "digital-2021"
SECOND = Path(__file__).resolve().parent / "fixtures" / "second-plan.yaml"
# 2020-12-20 in Qingdao: Shinan's plan is running, T1-3 is due in 11 days.
NOW = datetime(2020, 12, 20, 2, 0, tzinfo=UTC)
BOARD = f"/plans/{PLAN}/"


def world() -> None:
    """Both plans (sharing departments gxj, swj and kjj) and one user per part in the story."""
    load_plan()
    load_plan(SECOND)
    create_user("wang", "dept_lead", department=department("gxj"))  # leads T1
    create_user("wang2", "dept_lead", department=department("gxj"))
    create_user("li", "dept_lead", department=department("kjj"))  # the coordinating office
    create_user("liu", "dept_lead", department=department("wlj"))  # leads P3
    create_user("zhang", "leader")
    create_user("admin", "admin")


def plan_version(code: str) -> int:
    with db.engine.connect() as connection:
        version = connection.execute(
            sa.select(Plan.data_version).where(Plan.code == code)
        ).scalar_one()
    return int(version)


def _one(model: type, **where: object) -> object:
    db.session.expire_all()
    query = sa.select(model).filter_by(**where)
    if hasattr(model, "plan_id") and "plan_id" not in where:
        shinan = sa.select(Plan.id).where(Plan.code == PLAN).scalar_subquery()
        query = query.where(model.plan_id == shinan)
    found = db.session.scalars(query.order_by(model.id.desc())).first()
    assert found is not None, (model, where)
    return found


def milestone_id(code: str) -> int:
    return _one(Milestone, code=code).id  # type: ignore[attr-defined]


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
    assert match, html[:3000]
    return match.group(1)


def _ok(response: object) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    problems = re.findall(r'class="[^"]*(?:alert|invalid-feedback)[^"]*"[^>]*>(.*?)<', html, re.S)
    assert status in {201, 302}, (status, problems or html[:3000])


def submit_report(app: Flask, username: str = "wang", code: str = "T1-3") -> None:
    client = signed_in(app, username)
    url = f"/milestones/{milestone_id(code)}/report"
    html = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": _hidden(html, "csrf_token"),
        "version": _hidden(html, "version"),
        "status": "on_track",
        "progress": "80",
        "note": f"{username}: 站址协调完成",
    }
    _ok(client.post(url, data=data))


def _review(app: Flask, action: str, **data: str) -> None:
    report = _one(Report, state="submitted")
    li = signed_in(app, "li")
    token = csrf_token(li, "/reviews")
    _ok(li.post(f"/reports/{report.id}/{action}", data={"csrf_token": token, **data}))  # type: ignore[attr-defined]


def approve_report(app: Flask) -> None:
    _review(app, "approve")


def return_report(app: Flask) -> None:
    _review(app, "return", reason="请补充已开通站点清单")


def replace_report(app: Flask) -> None:
    """A colleague's new report on the same milestone withdraws the pending one."""
    submit_report(app, "wang2")


def submit_item_report(app: Flask) -> None:
    client = signed_in(app, "wang")
    url = f"/plans/{PLAN}/items/T1/report"
    html = client.get(url).get_data(as_text=True)
    indicator = re.search(r'<option value="(\d+)">5G基站', html)
    assert indicator, html[:3000]
    data = {
        "csrf_token": _hidden(html, "csrf_token"),
        "version": _hidden(html, "version"),
        "note": "年内开通970处",
        "indicator": indicator.group(1),
        "value": "970",
        "measured_on": "2020-12-18",
        "source": "铁塔公司月报",
    }
    _ok(client.post(url, data=data))


def _token(app: Flask, username: str) -> str:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        assert user is not None
        _row, text = create_token(Who(now=NOW, actor=user), user, label="script")
        db.session.commit()
    return text


def api_update(app: Flask) -> None:
    token = _token(app, "wang")
    milestone = _one(Milestone, code="T1-3")
    body = {
        "status": "on_track",
        "progress": 85,
        "note": "Sites opened in Zhanqiao.",
        "version": milestone.version,  # type: ignore[attr-defined]
    }
    _ok(
        app.test_client().post(
            f"/api/v1/milestones/{milestone.id}/updates",  # type: ignore[attr-defined]
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
    )


def api_measurement(app: Flask) -> None:
    token = _token(app, "wang")
    indicator = _one(Indicator, code="5g-base-stations")
    _ok(
        app.test_client().post(
            f"/api/v1/indicators/{indicator.id}/measurements",  # type: ignore[attr-defined]
            json={"value": 812, "date": "2020-11-30", "source": "Unicom monthly report"},
            headers={"Authorization": f"Bearer {token}"},
        )
    )


def _form_fields(html: str) -> dict[str, object]:
    """What a browser sends from the page's main form, as it stands."""
    data: dict[str, object] = {}
    form = re.search(r'<form method="post" novalidate.*?</form>', html, flags=re.DOTALL)
    assert form, html[:3000]
    for tag in re.findall(r"<input [^>]*>", form.group(0)):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or 'type="submit"' in tag:
            continue
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                data.setdefault(name.group(1), []).append(value.group(1) if value else "y")  # type: ignore[union-attr]
            continue
        data[name.group(1)] = value.group(1) if value else ""
    for name, options in re.findall(
        r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', form.group(0), re.DOTALL
    ):
        chosen = re.search(r'<option selected value="([^"]*)"', options) or re.search(
            r'<option value="([^"]*)" selected', options
        )
        data[name] = chosen.group(1) if chosen else ""
    return data


def _submit_form(client: FlaskClient, path: str, **changes: object) -> None:
    data = _form_fields(client.get(path).get_data(as_text=True)) | changes
    _ok(client.post(path, data={k: v for k, v in data.items() if v is not None}))


def item_departments(app: Flask) -> None:
    admin = signed_in(app, "admin")
    _submit_form(admin, f"/admin/plans/{PLAN}/items/T1", lead=str(department("czj").id))


def edit_milestone(app: Flask) -> None:
    """Re-plan T1-3 a year later: the item's next due date moves."""
    admin = signed_in(app, "admin")
    _submit_form(admin, f"/admin/milestones/{milestone_id('T1-3')}", due="2021-12-31")


def add_milestone(app: Flask) -> None:
    admin = signed_in(app, "admin")
    _submit_form(
        admin,
        f"/admin/plans/{PLAN}/items/T1/milestones/new",
        title_zh="5G+工业互联网应用场景10个",
        title_en="Ten 5G industrial-internet use cases",
        due="2020-12-25",
        weight="2",
    )


def move_milestone(app: Flask) -> None:
    admin = signed_in(app, "admin")
    path = f"/admin/milestones/{milestone_id('T1-3')}/move"
    token = csrf_token(admin, f"/admin/plans/{PLAN}/items/T1")
    _ok(admin.post(path, data={"csrf_token": token, "direction": "up"}))


def request_postponement(app: Flask) -> None:
    liu = signed_in(app, "liu")
    path = f"/milestones/{milestone_id('P3-2')}/postpone"
    html = liu.get(path).get_data(as_text=True)
    data = {
        "csrf_token": _hidden(html, "csrf_token"),
        "version": _hidden(html, "version"),
        "requested_due": "2021-09-30",
        "reason": "工信部工业文化发展中心要求在6月理事会后签约，落地时间需顺延三个月。",
    }
    _ok(liu.post(path, data=data))


def _decide(app: Flask, action: str) -> None:
    postponement = _one(Postponement, state="pending")
    admin = signed_in(app, "admin")
    token = csrf_token(admin, "/postponements")
    _ok(
        admin.post(
            f"/postponements/{postponement.id}/{action}",  # type: ignore[attr-defined]
            data={"csrf_token": token, "note": "同意" if action == "approve" else "不同意"},
        )
    )


def approve_postponement(app: Flask) -> None:
    _decide(app, "approve")


def reject_postponement(app: Flask) -> None:
    _decide(app, "reject")


ITEM_PAGE = f"/plans/{PLAN}/items/P3"


def _post_on_item(client: FlaskClient, path: str, **data: object) -> None:
    _ok(client.post(path, data={**data, "csrf_token": csrf_token(client, ITEM_PAGE)}))


def write_instruction(app: Flask) -> None:
    zhang = signed_in(app, "zhang")
    _post_on_item(
        zhang, f"/plans/{PLAN}/items/P3/instructions", text="协调工信部工业文化发展中心", due_on=""
    )


def reply_instruction(app: Flask) -> None:
    instruction = _one(Instruction)
    liu = signed_in(app, "liu")
    _post_on_item(liu, f"/instructions/{instruction.id}/reply", text="已对接，拟于10月签约。")  # type: ignore[attr-defined]


def handle_instruction(app: Flask) -> None:
    instruction = _one(Instruction)
    liu = signed_in(app, "liu")
    _post_on_item(liu, f"/instructions/{instruction.id}/handled", text="合作协议已签署。")  # type: ignore[attr-defined]


def close_instruction(app: Flask) -> None:
    instruction = _one(Instruction)
    zhang = signed_in(app, "zhang")
    _post_on_item(zhang, f"/instructions/{instruction.id}/close")  # type: ignore[attr-defined]


def flag_focus(app: Flask) -> None:
    zhang = signed_in(app, "zhang")
    html = zhang.get(ITEM_PAGE).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', html)
    assert version, html[:3000]
    _post_on_item(zhang, f"/plans/{PLAN}/items/P3/focus", focus="1", version=version.group(1))


def rename_department(app: Flask) -> None:
    admin = signed_in(app, "admin")
    gxj = department("gxj")
    data: dict[str, object] = {
        "name_zh": "区工业和数字经济局",
        "name_en": gxj.name_en,
        "active": "y",
    }
    if gxj.is_coordinating:
        data["coordinating"] = "y"
    path = f"/admin/departments/{gxj.id}"
    _ok(admin.post(path, data={**data, "csrf_token": csrf_token(admin, path)}))


def edit_user(app: Flask) -> None:
    admin = signed_in(app, "admin")
    wang = _one(User, username="wang")
    path = f"/admin/users/{wang.id}"  # type: ignore[attr-defined]
    data = {
        "display_name": "王主任",
        "role": "dept_lead",
        "department": str(wang.department_id),  # type: ignore[attr-defined]
        "active": "y",
    }
    _ok(admin.post(path, data={**data, "csrf_token": csrf_token(admin, path)}))


def load_revised_plan(app: Flask) -> None:
    """A revised plan file (as ``flask seed`` or the import page loads it): T1 led by swj."""
    spec = parsed_plan(DEFAULT_PLAN)
    groups = tuple(
        dataclasses.replace(
            group,
            items=tuple(
                dataclasses.replace(item, lead="swj", supporting=()) if item.code == "T1" else item
                for item in group.items
            ),
        )
        for group in spec.groups
    )
    with app.app_context():
        sync_plan(dataclasses.replace(spec, groups=groups), now=NOW, note="revised.yaml")
        db.session.commit()


def close_plan(app: Flask) -> None:
    admin = signed_in(app, "admin")
    token = csrf_token(admin, "/plans")
    _ok(
        admin.post(
            f"/plans/{PLAN}/state",
            data={"csrf_token": token, "seen": "active", "wanted": "closed"},
        )
    )


@dataclass(frozen=True)
class Write:
    name: str
    write: Callable[[Flask], None]
    prepare: Callable[[Flask], None] | None = None
    row: str | None = None  # the board's item row that shows the change
    every_plan: bool = False  # a shared row: every plan's pages may show it


WRITES = (
    Write("report submitted", submit_report, row="T1"),
    Write("report approved", approve_report, prepare=submit_report, row="T1"),
    Write("report returned", return_report, prepare=submit_report, row="T1"),
    Write("report withdrawn by a newer one", replace_report, prepare=submit_report),
    Write("item report with a figure", submit_item_report, row="T1"),
    Write("API report", api_update, row="T1"),
    Write("API measurement", api_measurement, row="T1"),
    Write("item departments", item_departments, row="T1"),
    Write("milestone edited", edit_milestone, row="T1"),
    Write("milestone added", add_milestone, row="T1"),
    Write("milestones reordered", move_milestone),
    Write("postponement requested", request_postponement),
    Write("postponement approved", approve_postponement, prepare=request_postponement),
    Write("postponement rejected", reject_postponement, prepare=request_postponement),
    Write("instruction written", write_instruction, row="P3"),
    Write("instruction replied", reply_instruction, prepare=write_instruction),
    Write("instruction handled", handle_instruction, prepare=write_instruction),
    Write("instruction closed", close_instruction, prepare=write_instruction, row="P3"),
    Write("focus flagged", flag_focus, row="P3"),
    Write("department renamed", rename_department, row="T1", every_plan=True),
    Write("user edited", edit_user, every_plan=True),
    Write("plan file loaded", load_revised_plan, row="T1"),
    Write("plan closed", close_plan),
)


def item_row(html: str, code: str) -> str:
    """The board's row of item ``code``."""
    match = re.search(rf'<tr data-testid="item-row" data-code="{code}".*?</tr>', html, re.DOTALL)
    assert match, html[:3000]
    return match.group(0)
