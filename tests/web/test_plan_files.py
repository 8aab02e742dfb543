"""The plan-file pages: upload → preview (writes nothing) → confirm (writes), bad uploads,
the template and the exports.
"""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from werkzeug.test import TestResponse

from tests.conftest import table_snapshot
from tests.factories import create_user, csrf_token, signed_in
from tests.workbooks import broken_workbook, build, messy_workbook
from tracker.domain.planfile import parse_plan_text
from tracker.extensions import db
from tracker.models import Milestone, Plan, Update
from tracker.services.queries.plan_spec import find_plan_by_code, plan_spec

IMPORT = "/admin/plans/import"


@pytest.fixture
def admin(seeded: Flask) -> FlaskClient:
    create_user("admin", "admin")
    return signed_in(seeded, "admin")


def closed(response: TestResponse) -> TestResponse:
    """The answer read and closed, with the request body: the test client spools a large body
    to a temporary file and, without following redirects, leaves it open.
    """
    response.get_data()
    response.close()
    response.request.input_stream.close()
    return response


def upload(
    client: FlaskClient, data: bytes, name: str = "分解表.xlsx", **fields: str
) -> TestResponse:
    return closed(
        client.post(
            IMPORT,
            data={
                "csrf_token": csrf_token(client, IMPORT),
                "plan_file": (io.BytesIO(data), name),
                **fields,
            },
            content_type="multipart/form-data",
        )
    )


def confirm(client: FlaskClient, data: dict[str, str]) -> TestResponse:
    return closed(client.post(f"{IMPORT}/confirm", data=data))


def payload(html: str) -> str:
    match = re.search(r'name="payload" type="hidden" value="([^"]+)"', html)
    assert match, "no signed upload on the preview"
    return match.group(1)


def plan_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) or 0


def test_preview_writes_nothing_and_confirm_loads_the_plan(admin: FlaskClient) -> None:
    before = table_snapshot()
    response = upload(admin, messy_workbook())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "office-2021" in html
    created = dict(re.findall(r'data-kind="(\w+)">(\d+)<', html))
    assert created == {"plans": "1", "groups": "2", "items": "3", "milestones": "6"}
    assert table_snapshot() == before

    response = confirm(admin, {"csrf_token": csrf_token(admin, IMPORT), "payload": payload(html)})
    assert response.status_code == 302
    assert plan_count() == 2
    milestones = db.session.scalars(
        sa.select(Milestone).join(Plan).where(Plan.code == "office-2021").order_by(Milestone.code)
    ).all()
    assert [(m.code, m.due.isoformat()) for m in milestones] == [
        ("A1-1", "2021-06-30"),
        ("A1-2", "2021-12-31"),
        ("A1-3", "2022-12-31"),
        ("A2-1", "2022-06-30"),
        ("B1-1", "2021-09-30"),
        ("B1-2", "2021-11-30"),
    ]
    page = admin.get(IMPORT).get_data(as_text=True)
    assert "计划 office-2021 已导入" in page
    # A new plan waits as a draft until an admin activates it on the plan list.
    state = db.session.scalar(sa.select(Plan.state).where(Plan.code == "office-2021"))
    assert state == "draft"


def test_an_uploaded_revision_names_the_uploader_and_the_file(admin: FlaskClient) -> None:
    """The history keeps the file's name (pages word it) and who uploaded it."""
    text = admin.get("/admin/plans/shinan-2020/export.yaml").get_data(as_text=True)
    revised = text.replace(
        "970 5G base stations opened by the end of 2020", "970 stations, revised"
    )
    assert revised != text
    html = upload(admin, revised.encode(), name="修订.yaml").get_data(as_text=True)
    confirm(admin, {"csrf_token": csrf_token(admin, IMPORT), "payload": payload(html)})
    latest = db.session.scalars(sa.select(Update).order_by(Update.id.desc()).limit(1)).one()
    assert (latest.origin, latest.field, latest.note) == ("plan_file", "title_en", "修订.yaml")
    assert latest.user.username == "admin"
    item_page = admin.get("/plans/shinan-2020/items/T1").get_data(as_text=True)
    assert "来自计划文件 修订.yaml" in item_page


def test_the_plan_code_field_loads_the_file_as_another_plan(admin: FlaskClient) -> None:
    html = upload(admin, messy_workbook(), code="renamed").get_data(as_text=True)
    confirm(admin, {"csrf_token": csrf_token(admin, IMPORT), "payload": payload(html)})
    assert find_plan_by_code("renamed") is not None
    assert find_plan_by_code("office-2021") is None


def test_every_problem_is_listed_and_nothing_is_written(admin: FlaskClient) -> None:
    before = table_snapshot()
    response = upload(admin, broken_workbook())
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    problems = re.findall(r"<li>(任务分解表 · [^<]+)</li>", html)
    assert len(problems) == 6
    assert "任务分解表 · 第3行 · 牵头单位*: 未知部门“区大数据局”" in problems[0]
    assert "第5行 · 完成时限（必填）: 2023-12-31 不在计划期限" in problems[5]
    assert table_snapshot() == before


def test_problems_are_worded_in_english_too(seeded: Flask) -> None:
    create_user("admin", "admin")
    client = signed_in(seeded, "admin", lang="en")
    html = upload(client, broken_workbook()).get_data(as_text=True)
    assert "任务分解表 · row 3 · 牵头单位*: Unknown department 区大数据局" in html


def _no_main_sheet() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Sheet1"
    sheet.append(["hello"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "status", "words"),
    [
        (b"just text", "plan.xlsx", 400, "不是 Excel 工作簿"),
        (b"", "plan.xlsx", 400, "不是 Excel 工作簿"),
        (b"%PDF-1.4 fake", "plan.pdf", 400, "不是 Excel 工作簿"),
        (_no_main_sheet(), "plan.xlsx", 400, "任务分解表: 工作簿中没有此名称的工作表"),
        (build([], plan=False), "plan.xlsx", 400, "计划: 工作簿中没有此名称的工作表"),
        (b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024), "big.xlsx", 413, "文件过大"),
        (b"plan: [", "plan.yaml", 400, "not valid YAML"),
    ],
    ids=["not-a-zip", "empty", "pdf", "no-main-sheet", "no-plan-sheet", "too-large", "bad-yaml"],
)
def test_bad_uploads_answer_with_a_message(
    admin: FlaskClient, data: bytes, name: str, status: int, words: str
) -> None:
    before = table_snapshot()
    response = upload(admin, data, name)
    assert response.status_code == status
    assert words in response.get_data(as_text=True)
    assert table_snapshot() == before


def test_no_file_is_a_form_error(admin: FlaskClient) -> None:
    response = admin.post(IMPORT, data={"csrf_token": csrf_token(admin, IMPORT)})
    assert response.status_code == 400
    assert "请选择文件" in response.get_data(as_text=True)


def test_a_changed_or_missing_upload_is_refused(admin: FlaskClient) -> None:
    html = upload(admin, messy_workbook()).get_data(as_text=True)
    token = csrf_token(admin, IMPORT)
    signed = payload(html)
    for bad in (signed[:-2] + "xx", "", "x" * 5_000_000):
        response = confirm(admin, {"csrf_token": token, "payload": bad})
        assert response.status_code == 400
        assert "已过期或被改动" in response.get_data(as_text=True)
    response = confirm(admin, {"payload": signed})
    assert response.status_code == 400  # no CSRF token
    assert plan_count() == 1


def test_the_template_downloads(admin: FlaskClient) -> None:
    response = admin.get("/admin/plans/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.data))
    assert "说明" in workbook.sheetnames
    assert workbook["任务分解表"]["C2"].value == "网络设施筑基"


def test_exports_read_back_as_the_stored_plan(admin: FlaskClient) -> None:
    stored = plan_spec(find_plan_by_code("shinan-2020"))  # type: ignore[arg-type]
    response = admin.get("/admin/plans/shinan-2020/export.yaml")
    assert response.status_code == 200
    assert parse_plan_text(response.get_data(as_text=True), "x.yaml") == stored
    response = admin.get("/admin/plans/shinan-2020/export.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert admin.get("/admin/plans/shinan-2020/export.csv").status_code == 404
    assert admin.get("/admin/plans/nope/export.yaml").status_code == 404


def test_admins_see_the_page_in_the_menu(admin: FlaskClient) -> None:
    assert 'href="/admin/plans/import"' in admin.get("/plans").get_data(as_text=True)
