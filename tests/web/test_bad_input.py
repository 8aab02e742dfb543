"""Bad input answered with a clear message, never a 500, and nothing written.

NUL and other control characters in any text field, in a path or in a query, and ids no
integer column can hold: PostgreSQL refused them with a raw ``DataError`` (a 500) before.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import load_plan, table_snapshot
from tests.factories import create_user, csrf_token, department, signed_in
from tracker.extensions import db
from tracker.models import Instruction, Item, Milestone

NUL = "\x00"
MESSAGE = "Remove the control characters (such as NUL) from this text."

PLAN = "/plans/shinan-2020"


@pytest.fixture
def people(app: Flask) -> None:
    load_plan()
    create_user("admin", "admin")
    create_user("wang", "dept_lead", department=department("gxj"))  # leads T1
    create_user("zhang", "leader")


def _ids() -> tuple[int, int]:
    milestone = db.session.query(Milestone).filter_by(code="T1-3").one()
    return milestone.id, db.session.query(Item).filter_by(code="T1").one().id


def _post(client: FlaskClient, form_page: str, target: str, data: dict[str, str]) -> str:
    token = csrf_token(client, form_page)
    before = table_snapshot()
    response = client.post(target, data={"csrf_token": token, **data})
    assert response.status_code < 500
    assert table_snapshot() == before, "a refused form wrote something"
    return response.get_data(as_text=True)


def test_sign_in_with_a_nul_in_the_user_name(app: Flask, people: None) -> None:
    client = app.test_client()
    client.get("/login?lang=en")
    html = _post(client, "/login", "/login", {"username": "admin" + NUL, "password": "x"})
    assert MESSAGE in html


@pytest.mark.parametrize(
    ("user", "form_page", "target", "field", "other"),
    [
        ("wang", "/milestones/{m}/report", "/milestones/{m}/report", "note",
         {"status": "on_track", "progress": "30", "version": "1"}),
        ("wang", f"{PLAN}/items/T1/report", f"{PLAN}/items/T1/report", "note",
         {"version": "1"}),
        ("wang", "/milestones/{m}/postpone", "/milestones/{m}/postpone", "reason",
         {"requested_due": "2022-12-30"}),
        ("admin", "/admin/departments/new", "/admin/departments/new", "name_zh",
         {"code": "new", "name_en": "New"}),
        ("admin", "/admin/users/new", "/admin/users/new", "username", {"role": "viewer"}),
        ("admin", "/admin/users/new", "/admin/users/new", "display_name",
         {"username": "new-user", "role": "viewer"}),
        ("admin", "/admin/screens", "/admin/screens", "label", {}),
        ("wang", "/profile", "/profile/tokens", "label", {}),
    ],
)  # fmt: skip
def test_a_nul_in_a_text_field_is_a_form_error(
    app: Flask,
    people: None,
    user: str,
    form_page: str,
    target: str,
    field: str,
    other: dict[str, str],
) -> None:
    milestone_id, _ = _ids()
    client = signed_in(app, user, lang="en")
    page, url = (p.format(m=milestone_id) for p in (form_page, target))
    html = _post(client, page, url, {**other, field: "正常文字" + NUL + "x"})
    assert MESSAGE in html or "control characters" in html


def test_instructions_and_replies_refuse_control_characters(app: Flask, people: None) -> None:
    leader = signed_in(app, "zhang", lang="en")
    html = _post(
        leader,
        "/plans/shinan-2020/items/T1",
        "/plans/shinan-2020/items/T1/instructions",
        {"text": "请加快" + NUL},
    )
    assert MESSAGE in html
    token = csrf_token(leader, "/plans/shinan-2020/items/T1")
    leader.post(
        "/plans/shinan-2020/items/T1/instructions", data={"csrf_token": token, "text": "请加快进度"}
    )
    instruction = db.session.query(Instruction).one()
    lead = signed_in(app, "wang", lang="en")
    html = _post(
        lead,
        "/plans/shinan-2020/items/T1",
        f"/instructions/{instruction.id}/reply",
        {"text": "已办\x1b[31m"},
    )
    assert MESSAGE in html


def test_line_breaks_and_tabs_stay_allowed_in_long_text(app: Flask, people: None) -> None:
    milestone_id, _ = _ids()
    client = signed_in(app, "wang", lang="en")
    url = f"/milestones/{milestone_id}/report"
    token = csrf_token(client, url)
    version = str(db.session.get(Milestone, milestone_id).version)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "status": "on_track",
            "progress": "35",
            "note": "第一行\r\n第二行\t完",
            "version": version,
        },
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "path",
    [f"{PLAN}/items/%00", f"{PLAN}/items/T1%00", f"{PLAN}/?department=%00",
     f"{PLAN}/?as_of=2021-06-30%00", "/plans/%00/", "/plans/%00/items/T1",
     "/milestones/2147483648/report", "/milestones/99999999999/postpone",
     "/attachments/99999999999", "/admin/users/2147483648"],
)  # fmt: skip
def test_paths_and_queries_that_name_nothing_are_404(app: Flask, people: None, path: str) -> None:
    client = signed_in(app, "admin", lang="en")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path", ["/reports/99999999999/approve", "/reports/2147483648/return",
             "/postponements/99999999999/approve", "/instructions/99999999999/close"],
)  # fmt: skip
def test_posts_to_ids_out_of_range_are_404(app: Flask, people: None, path: str) -> None:
    client = signed_in(app, "admin", lang="en")
    token = csrf_token(client, "/profile")
    assert client.post(path, data={"csrf_token": token, "reason": "x"}).status_code == 404


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "2101-01-01"])
def test_report_dates_outside_the_api_bounds_are_refused(
    app: Flask, people: None, day: str
) -> None:
    milestone_id, _ = _ids()
    client = signed_in(app, "wang", lang="en")
    url = f"/milestones/{milestone_id}/report"
    version = str(db.session.get(Milestone, milestone_id).version)
    html = _post(
        client,
        url,
        url,
        {"status": "done", "progress": "100", "completed_on": day, "version": version,
         "note": "完成"},
    )  # fmt: skip
    assert "The date must lie between 2000-01-01 and 2100-12-31." in html


def test_a_postponement_to_a_far_year_is_refused(app: Flask, people: None) -> None:
    milestone_id, _ = _ids()
    client = signed_in(app, "wang", lang="en")
    url = f"/milestones/{milestone_id}/postpone"
    html = _post(client, url, url, {"requested_due": "0001-01-01", "reason": "需要更多时间"})
    assert "The date must lie between 2000-01-01 and 2100-12-31." in html
