"""Assignment pages (admins): item departments, milestones added, edited, reassigned, reordered."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import table_snapshot
from tests.factories import create_department, create_user, csrf_token, department, login
from tracker.extensions import db
from tracker.models import Item, Milestone, Update, User


@pytest.fixture
def world(seeded: Flask) -> None:
    create_user("admin", "admin")
    create_user("admin2", "admin")
    create_user("lead-gxj", "dept_lead", department=department("gxj"))
    create_user("lead-swj", "dept_lead", department=department("swj"))
    create_user("lead-fgj", "dept_lead", department=department("fgj"))
    create_user("leader", "leader")
    create_user("viewer", "viewer")


def signed_in(app: Flask, username: str) -> FlaskClient:
    """A client signed in as ``username``, with the pages in English."""
    client = app.test_client()
    login(client, username)
    client.get("/plans/shinan-2020/?lang=en")
    return client


@pytest.fixture
def admin(app: Flask, world: None) -> FlaskClient:
    return signed_in(app, "admin")


def page(response: object) -> str:
    return html_lib.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def item(code: str) -> Item:
    db.session.expire_all()
    found = db.session.scalar(sa.select(Item).where(Item.code == code))
    assert found is not None, code
    return found


def milestone(code: str) -> Milestone:
    db.session.expire_all()
    found = db.session.scalar(sa.select(Milestone).where(Milestone.code == code))
    assert found is not None, code
    return found


def user_id(username: str) -> int:
    found = db.session.scalar(sa.select(User.id).where(User.username == username))
    assert found is not None
    return found


def admin_history(**where: object) -> list[tuple[str, str | None, str | None]]:
    db.session.expire_all()
    query = sa.select(Update).where(Update.origin == "admin").filter_by(**where)
    return [
        (u.field, u.old_value, u.new_value) for u in db.session.scalars(query.order_by(Update.id))
    ]


def form_fields(html: str) -> dict[str, object]:
    """What a browser would send from the page's main form, as it stands."""
    data: dict[str, object] = {}
    form = re.search(r'<form method="post" novalidate.*?</form>', html, flags=re.DOTALL)
    assert form, html[:3000]
    body = form.group(0)
    for tag in re.findall(r"<input [^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name:
            continue
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                data.setdefault(name.group(1), []).append(value.group(1) if value else "y")  # type: ignore[union-attr]
            continue
        if 'type="submit"' in tag:
            continue
        data[name.group(1)] = value.group(1) if value else ""
    for select in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.DOTALL):
        chosen = re.search(r'<option selected value="([^"]*)"', select[1]) or re.search(
            r'<option value="([^"]*)" selected', select[1]
        )
        data[select[0]] = chosen.group(1) if chosen else ""
    return data


def submit(client: FlaskClient, path: str, html: str, **changes: object) -> object:
    """Send the form on ``html`` (read from ``path``) with some fields changed."""
    data = form_fields(html) | changes
    return client.post(path, data={k: v for k, v in data.items() if v is not None})


def edit_path(code: str) -> str:
    return f"/admin/milestones/{milestone(code).id}"


# Who may


@pytest.mark.parametrize("username", ["lead-gxj", "lead-swj", "leader", "viewer"])
def test_non_admins_get_403_and_write_nothing(app: Flask, world: None, username: str) -> None:
    client = signed_in(app, username)
    t13 = milestone("T1-3").id
    pages = [
        "/admin/plans/shinan-2020/items/T1",
        "/admin/plans/shinan-2020/items/T1/milestones/new",
        f"/admin/milestones/{t13}",
    ]
    for path in pages:
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/profile")
    before = table_snapshot()
    posts = {
        "/admin/plans/shinan-2020/items/T1": {"lead": department("swj").id},
        "/admin/plans/shinan-2020/items/T1/milestones/new": {
            "code": "T1-9",
            "title_zh": "x",
            "due": "2021-01-01",
        },
        f"/admin/milestones/{t13}": {"title_zh": "x"},
        f"/admin/milestones/{t13}/move": {"direction": "up"},
    }
    for path, data in posts.items():
        assert client.post(path, data=data | {"csrf_token": token}).status_code == 403, path
    assert table_snapshot() == before


def test_pages_are_in_chinese_first(app: Flask, world: None) -> None:
    client = app.test_client()
    login(client, "admin")
    for path in (
        "/admin/plans/shinan-2020/items/P2",
        "/admin/plans/shinan-2020/items/P2/milestones/new",
        edit_path("P2-2"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="zh-CN">' in page(response)
    assert "牵头单位" in page(client.get("/admin/plans/shinan-2020/items/P2"))


def test_unknown_items_and_milestones_are_not_found(admin: FlaskClient) -> None:
    for path in (
        "/admin/plans/shinan-2020/items/T9",
        "/admin/plans/shinan-2020/items/T9/milestones/new",
        "/admin/milestones/999999",
        "/admin/milestones/99999999999999999999",
    ):
        assert admin.get(path).status_code == 404, path
    token = csrf_token(admin, "/admin/plans/shinan-2020/items/T1")
    for path in ("/admin/milestones/999999/move", "/admin/milestones/99999999999999999999/move"):
        response = admin.post(path, data={"csrf_token": token, "direction": "up"})
        assert response.status_code == 404


# Item departments


def test_change_an_items_lead_and_supporting_departments(admin: FlaskClient) -> None:
    html = page(admin.get("/admin/plans/shinan-2020/items/P2"))
    assert "Shinan District Commerce Bureau" in html
    for code in ("P2-1", "P2-2", "P2-3", "P2-4"):
        assert f'data-code="{code}"' in html
    fgj, kjj, czj = department("fgj").id, department("kjj").id, department("czj").id
    version = item("P2").version
    response = submit(
        admin, "/admin/plans/shinan-2020/items/P2", html, lead=str(fgj), supporting=[kjj, czj]
    )
    assert response.status_code == 302  # type: ignore[attr-defined]
    after = item("P2")
    assert after.lead_department.code == "fgj"
    assert [d.code for d in after.supporting_departments] == ["czj", "kjj"]
    assert after.version == version + 1
    assert admin_history(item_id=after.id) == [
        ("lead_department", "swj", "fgj"),
        ("supporting_departments", "kjj,wlj", "czj,kjj"),
    ]
    shown = page(admin.get("/admin/plans/shinan-2020/items/P2"))
    assert "The departments of P2 are saved." in shown
    assert 'data-field="lead_department"' in shown
    board = page(admin.get("/plans/shinan-2020/items/P2"))
    assert "Shinan District Development and Reform Bureau" in board


def test_saving_unchanged_departments_says_so(admin: FlaskClient) -> None:
    html = page(admin.get("/admin/plans/shinan-2020/items/P2"))
    before = table_snapshot()
    response = submit(admin, "/admin/plans/shinan-2020/items/P2", html)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert "Nothing was changed." in page(admin.get("/admin/plans/shinan-2020/items/P2"))
    assert table_snapshot() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"supporting": ["SWJ"]}, "The lead department cannot also be a supporting department."),
        ({"lead": "closed"}, "This department is deactivated."),
        ({"supporting": ["closed"]}, "This department is deactivated."),
        ({"lead": "999999"}, "Unknown department."),
        ({"lead": "99999999999999999999"}, "Unknown department."),
        ({"lead": "abc"}, "Unknown department."),
        ({"lead": ""}, "Unknown department."),
        ({"supporting": ["abc"]}, "Unknown department."),
        ({"supporting": ["999999"]}, "Unknown department."),
    ],
)
def test_bad_item_departments_are_refused(
    admin: FlaskClient, changes: dict[str, object], message: str
) -> None:
    closed = create_department("closed")
    closed.active = False
    db.session.commit()
    ids = {"SWJ": str(department("swj").id), "closed": str(closed.id)}

    def real(value: object) -> object:
        if isinstance(value, list):
            return [ids.get(v, v) for v in value]
        return ids.get(value, value)  # type: ignore[arg-type]

    html = page(admin.get("/admin/plans/shinan-2020/items/P2"))
    assert f'value="{closed.id}"' not in html  # not offered
    before = table_snapshot()
    response = submit(
        admin, "/admin/plans/shinan-2020/items/P2", html, **{k: real(v) for k, v in changes.items()}
    )
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert message in page(response)
    assert table_snapshot() == before


def test_stale_item_form_is_refused_showing_what_is_saved_now(app: Flask, world: None) -> None:
    first, second = signed_in(app, "admin"), signed_in(app, "admin2")
    html_first = page(first.get("/admin/plans/shinan-2020/items/P2"))
    html_second = page(second.get("/admin/plans/shinan-2020/items/P2"))
    fgj, czj = department("fgj").id, department("czj").id
    assert (
        submit(first, "/admin/plans/shinan-2020/items/P2", html_first, lead=str(fgj)).status_code
        == 302
    )  # type: ignore[attr-defined]
    before = table_snapshot()
    response = submit(second, "/admin/plans/shinan-2020/items/P2", html_second, supporting=[czj])
    assert response.status_code == 200  # type: ignore[attr-defined]
    html = page(response)
    assert "Someone else saved a change after you opened this form." in html
    conflicts = re.search(r'data-testid="conflicts".*?</table>', html, flags=re.DOTALL)
    assert conflicts, html[:3000]
    assert "fgj · Shinan District Development and Reform Bureau" in conflicts.group(0)
    assert "swj · Shinan District Commerce Bureau" in conflicts.group(0)
    assert "czj · Shinan District Finance Bureau" in conflicts.group(0)
    # The second admin's input is kept: czj ticked, kjj and wlj not.
    assert re.search(rf'<input checked[^>]*value="{czj}"', html)
    assert not re.search(rf'<input checked[^>]*value="{department("kjj").id}"', html)
    assert table_snapshot() == before
    # Saving again, having seen it, replaces the lead back to swj (what the form says).
    response = submit(second, "/admin/plans/shinan-2020/items/P2", html)
    assert response.status_code == 302  # type: ignore[attr-defined]
    after = item("P2")
    assert after.lead_department.code == "swj"
    assert [d.code for d in after.supporting_departments] == ["czj"]


# Story 6: a milestone moves from 区商务局 to 区发展和改革局


def test_admin_moves_a_milestone_from_swj_to_fgj(admin: FlaskClient) -> None:
    item_page = page(admin.get("/admin/plans/shinan-2020/items/P2"))
    assert f'href="/admin/milestones/{milestone("P2-2").id}"' in item_page
    html = page(admin.get(edit_path("P2-2")))
    assert "First International Fashion Industry Alliance members" in html
    response = submit(admin, edit_path("P2-2"), html, department=str(department("fgj").id))
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response.headers["Location"].endswith("/admin/plans/shinan-2020/items/P2")  # type: ignore[attr-defined]
    after = milestone("P2-2")
    assert after.department.code == "fgj"
    assert admin_history(milestone_id=after.id) == [("department", "swj", "fgj")]
    row = db.session.scalar(
        sa.select(Update).where(Update.milestone_id == after.id, Update.origin == "admin")
    )
    assert row is not None
    assert row.user_id == user_id("admin")
    assert "Milestone P2-2 is saved." in page(admin.get("/admin/plans/shinan-2020/items/P2"))
    board = page(admin.get("/plans/shinan-2020/items/P2"))
    board_row = re.search(r'data-code="P2-2".*?</tr>', board, flags=re.DOTALL)
    assert board_row
    assert "Shinan District Development and Reform Bureau" in board_row.group(0)
    # fgj's lead now owns it and may ask to postpone it; swj's lead still may, as item lead.
    for lead in ("lead-fgj", "lead-swj"):
        client = signed_in(admin.application, lead)
        assert client.get(f"/milestones/{after.id}/postpone").status_code == 200, lead
    assert (
        signed_in(admin.application, "lead-gxj").get(f"/milestones/{after.id}/postpone").status_code
        == 403
    )


def test_assign_a_person_of_the_milestones_department(admin: FlaskClient) -> None:
    html = page(admin.get(edit_path("P2-2")))
    swj_lead, gxj_lead = user_id("lead-swj"), user_id("lead-gxj")
    before = table_snapshot()
    response = submit(admin, edit_path("P2-2"), html, assignee=str(gxj_lead))
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "The assignee must be a user of the milestone's department." in page(response)
    assert table_snapshot() == before
    response = submit(admin, edit_path("P2-2"), html, assignee=str(swj_lead))
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert milestone("P2-2").assignee_id == swj_lead
    assert admin_history(milestone_id=milestone("P2-2").id) == [("assignee", None, "lead-swj")]
    assert "Lead-Swj" in page(admin.get("/admin/plans/shinan-2020/items/P2"))


def test_changing_the_due_date_in_the_edit_form_re_plans(admin: FlaskClient) -> None:
    html = page(admin.get(edit_path("P3-2")))
    response = submit(admin, edit_path("P3-2"), html, due="2021-08-31", weight="2.5")
    assert response.status_code == 302  # type: ignore[attr-defined]
    after = milestone("P3-2")
    assert (after.due, after.baseline_due, after.weight) == (
        date(2021, 8, 31),
        date(2021, 8, 31),
        2.5,
    )
    assert admin_history(milestone_id=after.id) == [
        ("due", "2021-06-30", "2021-08-31"),
        ("baseline_due", "2021-06-30", "2021-08-31"),
        ("weight", "1", "2.5"),
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title_zh": "  "}, "Enter the Chinese title."),
        ({"title_zh": "长" * 301}, "Field cannot be longer than 300 characters."),
        ({"due": ""}, "Enter a date as YYYY-MM-DD."),
        ({"due": "2021-13-01"}, "Enter a date as YYYY-MM-DD."),
        ({"due": "2023-01-01"}, "within the plan's period, 2020-01-01 to 2022-12-31"),
        ({"weight": ""}, "Enter a weight."),
        ({"weight": "abc"}, "The weight must be a number."),
        ({"weight": "0"}, "The weight must be above 0 and at most 1000."),
        ({"weight": "-2"}, "The weight must be above 0 and at most 1000."),
        ({"weight": "nan"}, "The weight must be above 0 and at most 1000."),
        ({"weight": "inf"}, "The weight must be above 0 and at most 1000."),
        ({"weight": "1e400"}, "The weight must be above 0 and at most 1000."),
        ({"weight": "9" * 400}, "The weight must be above 0 and at most 1000."),
        ({"department": "999999"}, "Unknown department."),
        ({"department": "99999999999999999999"}, "Unknown department."),
        ({"department": "x"}, "Unknown department."),
        ({"assignee": "999999"}, "Unknown user."),
        ({"assignee": "99999999999999999999"}, "Unknown user."),
        ({"assignee": "x"}, "Unknown user."),
    ],
)
def test_bad_milestone_edits_are_refused(
    admin: FlaskClient, changes: dict[str, object], message: str
) -> None:
    html = page(admin.get(edit_path("P2-2")))
    before = table_snapshot()
    response = submit(admin, edit_path("P2-2"), html, **changes)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert message in page(response)
    assert table_snapshot() == before


def test_stale_milestone_edit_is_refused_and_keeps_the_input(app: Flask, world: None) -> None:
    first, second = signed_in(app, "admin"), signed_in(app, "admin2")
    path = edit_path("P2-2")
    html_first, html_second = page(first.get(path)), page(second.get(path))
    response = submit(first, path, html_first, department=str(department("fgj").id))
    assert response.status_code == 302  # type: ignore[attr-defined]

    before = table_snapshot()
    response = submit(second, path, html_second, title_zh="联盟成员首批上线（第二人修改）")
    assert response.status_code == 200  # type: ignore[attr-defined]
    html = page(response)
    assert "Someone else saved a change after you opened this form." in html
    conflicts = re.search(r'data-testid="conflicts".*?</table>', html, flags=re.DOTALL)
    assert conflicts, html[:3000]
    rows = re.findall(
        r'<th scope="row">([^<]+)</th><td data-testid="saved">([^<]*)</td>'
        r'<td data-testid="sent">([^<]*)</td>',
        conflicts.group(0),
    )
    assert rows == [
        (
            "Chinese title",
            "国际时尚产业联盟首批成员上线时尚工业互联网平台",
            "联盟成员首批上线（第二人修改）",
        ),
        (
            "Department",
            "fgj · Shinan District Development and Reform Bureau",
            "swj · Shinan District Commerce Bureau",
        ),
    ]
    # The second admin's input is still in the form.
    assert 'value="联盟成员首批上线（第二人修改）"' in html
    assert re.search(rf'<option selected value="{department("swj").id}"', html)
    assert table_snapshot() == before
    after = milestone("P2-2")
    assert after.department.code == "fgj"
    assert after.title_zh == "国际时尚产业联盟首批成员上线时尚工业互联网平台"

    # Having seen what changed, the second admin keeps fgj and saves the title.
    response = submit(second, path, html, department=str(department("fgj").id))
    assert response.status_code == 302  # type: ignore[attr-defined]
    after = milestone("P2-2")
    assert (after.title_zh, after.department.code) == ("联盟成员首批上线（第二人修改）", "fgj")


def test_missing_or_malformed_version_is_refused_as_stale(admin: FlaskClient) -> None:
    html = page(admin.get(edit_path("P2-2")))
    before = table_snapshot()
    for version in ("", "x", "99999999999999999999"):
        response = submit(admin, edit_path("P2-2"), html, title_zh="改名", version=version)
        assert response.status_code == 200  # type: ignore[attr-defined]
        assert "Someone else saved a change" in page(response)
    assert table_snapshot() == before


# New milestones


def test_add_a_milestone(admin: FlaskClient) -> None:
    html = page(admin.get("/admin/plans/shinan-2020/items/T1/milestones/new"))
    assert 'value="T1-6"' in html  # the next free code is suggested
    assert f'<option selected value="{department("gxj").id}"' in html  # the item's lead
    response = submit(
        admin,
        "/admin/plans/shinan-2020/items/T1/milestones/new",
        html,
        title_zh="5G+工业互联网应用场景10个",
        title_en="Ten 5G industrial-internet use cases",
        due="2022-06-30",
        weight="2",
        assignee=str(user_id("lead-gxj")),
    )
    assert response.status_code == 302  # type: ignore[attr-defined]
    created = milestone("T1-6")
    assert (created.due, created.baseline_due, created.weight) == (
        date(2022, 6, 30),
        date(2022, 6, 30),
        2.0,
    )
    assert (created.department.code, created.assignee_id) == ("gxj", user_id("lead-gxj"))
    assert admin_history(milestone_id=created.id) == [("created", None, "T1-6")]
    listing = page(admin.get("/admin/plans/shinan-2020/items/T1"))
    assert "Milestone T1-6 is added." in listing
    assert re.findall(r'data-testid="milestone-row" data-code="([^"]+)"', listing)[-1] == "T1-6"
    board = page(admin.get("/plans/shinan-2020/items/T1"))
    assert 'data-code="T1-6"' in board
    assert "Ten 5G industrial-internet use cases" in board


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "T1-3"}, "This code is already used in the plan."),
        ({"code": "p2-1"}, "This code is already used in the plan."),
        ({"code": "T1 6"}, "A code has 1 to 32 letters"),
        ({"code": "x" * 33}, "A code has 1 to 32 letters"),
        ({"code": ""}, "Enter a code."),
        ({"title_zh": ""}, "Enter the Chinese title."),
        ({"due": "2019-12-31"}, "within the plan's period, 2020-01-01 to 2022-12-31"),
        ({"due": "2023-01-01"}, "within the plan's period, 2020-01-01 to 2022-12-31"),
        ({"due": "10000-01-01"}, "Enter a date as YYYY-MM-DD."),
        ({"weight": "0"}, "The weight must be above 0 and at most 1000."),
        ({"weight": "1001"}, "The weight must be above 0 and at most 1000."),
        ({"department": "closed"}, "This department is deactivated."),
        ({"assignee": "lead-swj"}, "The assignee must be a user of the milestone's department."),
    ],
)
def test_bad_new_milestones_are_refused(
    admin: FlaskClient, changes: dict[str, str], message: str
) -> None:
    closed = create_department("closed")
    closed.active = False
    db.session.commit()
    ids = {"closed": str(closed.id), "lead-swj": str(user_id("lead-swj"))}
    html = page(admin.get("/admin/plans/shinan-2020/items/T1/milestones/new"))
    base = {"title_zh": "新节点", "due": "2022-06-30"}
    data = base | {k: ids.get(v, v) for k, v in changes.items()}
    before = table_snapshot()
    response = submit(admin, "/admin/plans/shinan-2020/items/T1/milestones/new", html, **data)
    assert response.status_code == 200  # type: ignore[attr-defined]
    result = page(response)
    assert message in result
    for value in data.values():
        if value and value not in ids.values():
            assert f'value="{value}"' in result  # the input is kept
    assert table_snapshot() == before


# Order


def order(html: str) -> list[str]:
    return re.findall(r'data-testid="milestone-row" data-code="([^"]+)"', html)


def move(client: FlaskClient, code: str, direction: str) -> object:
    token = csrf_token(client, "/admin/plans/shinan-2020/items/T1")
    return client.post(
        f"/admin/milestones/{milestone(code).id}/move",
        data={"csrf_token": token, "direction": direction},
    )


def test_reorder_milestones(admin: FlaskClient) -> None:
    assert order(page(admin.get("/admin/plans/shinan-2020/items/T1"))) == [
        "T1-1",
        "T1-2",
        "T1-3",
        "T1-4",
        "T1-5",
    ]
    response = move(admin, "T1-3", "up")
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response.headers["Location"].endswith("/admin/plans/shinan-2020/items/T1#milestones")  # type: ignore[attr-defined]
    html = page(admin.get("/admin/plans/shinan-2020/items/T1"))
    assert "T1-3 is moved up." in html
    assert order(html) == ["T1-1", "T1-3", "T1-2", "T1-4", "T1-5"]
    move(admin, "T1-1", "down")
    assert order(page(admin.get("/admin/plans/shinan-2020/items/T1"))) == [
        "T1-3",
        "T1-1",
        "T1-2",
        "T1-4",
        "T1-5",
    ]
    assert admin_history(milestone_id=milestone("T1-3").id) == [
        ("position", "2", "1"),
        ("position", "1", "0"),
    ]


def test_moving_past_the_edge_changes_nothing(admin: FlaskClient) -> None:
    before = table_snapshot()
    assert move(admin, "T1-1", "up").status_code == 302  # type: ignore[attr-defined]
    assert "T1-1 is already the first milestone." in page(
        admin.get("/admin/plans/shinan-2020/items/T1")
    )
    assert move(admin, "T1-5", "down").status_code == 302  # type: ignore[attr-defined]
    assert "T1-5 is already the last milestone." in page(
        admin.get("/admin/plans/shinan-2020/items/T1")
    )
    for direction in ("", "left", "x" * 5000):
        assert move(admin, "T1-3", direction).status_code == 302  # type: ignore[attr-defined]
        assert "Choose up or down." in page(admin.get("/admin/plans/shinan-2020/items/T1"))
    assert table_snapshot() == before
