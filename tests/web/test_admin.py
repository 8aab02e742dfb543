"""Administration pages: departments, users, password resets and the audit log (admins only)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import table_snapshot
from tests.factories import PASSWORD, create_department, create_user, csrf_token, login
from tracker.extensions import db
from tracker.models import AuditEvent, Department, User
from tracker.services.commands import audit


@pytest.fixture
def admin(app: Flask) -> User:
    return create_user("boss", "admin")


@pytest.fixture
def client(app: Flask, admin: User) -> FlaskClient:
    """A client signed in as an admin, with the pages in English."""
    client = app.test_client()
    login(client, "boss")
    client.get("/admin/users?lang=en")
    return client


def post(client: FlaskClient, path: str, data: dict[str, object], *, form_path: str = "") -> object:
    """POST like a browser: with the CSRF token read from the form page."""
    token = csrf_token(client, form_path or path)
    return client.post(path, data={**data, "csrf_token": token})


def text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def one_time_password(html: str) -> str:
    match = re.search(r'data-testid="one-time-password">([^<]+)<', html)
    assert match, html[:3000]
    return match.group(1)


def user_named(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.username == username))


def department_coded(code: str) -> Department | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Department).where(Department.code == code))


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def new_user_data(**overrides: object) -> dict[str, object]:
    data = {"username": "newbie", "display_name": "New Bie", "role": "viewer", "department": "0"}
    return data | overrides


def edit_user_data(user: User, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "display_name": user.display_name,
        "role": user.role,
        "department": str(user.department_id or 0),
    }
    if user.active:
        data["active"] = "y"
    return data | overrides


def edit_department_data(department: Department, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"name_zh": department.name_zh, "name_en": department.name_en}
    if department.is_coordinating:
        data["coordinating"] = "y"
    if department.active:
        data["active"] = "y"
    return data | overrides


# Departments and users, end to end


def test_admin_creates_a_department_and_a_dept_lead_who_then_signs_in(
    app: Flask, client: FlaskClient, admin: User
) -> None:
    response = post(
        client,
        "/admin/departments/new",
        {"code": "dfzb", "name_zh": "督查室", "name_en": "Inspection Office", "coordinating": "y"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/departments")
    department = department_coded("dfzb")
    assert department is not None
    assert (department.name_zh, department.name_en) == ("督查室", "Inspection Office")
    assert department.is_coordinating
    assert department.active
    [created] = events("department_created")
    assert created.actor_id == admin.id
    assert created.target_id == department.id
    listing = text(client.get("/admin/departments"))
    assert 'data-code="dfzb"' in listing
    assert "Inspection Office" in listing

    form = text(client.get("/admin/users/new"))
    assert f'<option value="{department.id}">' in form
    response = post(
        client,
        "/admin/users/new",
        new_user_data(
            username="lead1", display_name="Lead One", role="dept_lead", department=department.id
        ),
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = one_time_password(text(response))
    user = user_named("lead1")
    assert user is not None
    assert user.role == "dept_lead"
    assert user.department_id == department.id
    assert user.display_name == "Lead One"
    assert user.must_change_password
    assert user.check_password(password)
    [made] = events("user_created")
    assert made.actor_id == admin.id
    assert made.target_id == user.id
    assert "department=dfzb" in made.detail

    # Shown once: not flashed, not on the list or the user's page afterwards.
    for path in ("/admin/users", f"/admin/users/{user.id}", "/admin/users"):
        page = text(client.get(path))
        assert password not in page
        assert 'data-testid="one-time-password"' not in page
    assert 'data-username="lead1"' in text(client.get("/admin/users"))

    newcomer = app.test_client()
    token = csrf_token(newcomer, "/login")
    response = newcomer.post(
        "/login", data={"username": "lead1", "password": password, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/profile/password")
    assert newcomer.get("/plans/shinan-2020/").headers["Location"].endswith("/profile/password")


def test_department_list_counts_users(client: FlaskClient) -> None:
    bureau = create_department("b1")
    create_department("b2")
    create_user("u1", "dept_lead", department=bureau)
    create_user("u2", "dept_lead", department=bureau)
    html = text(client.get("/admin/departments"))
    counts = re.findall(
        r'data-code="(b\d)".*?data-testid="user-count">(\d+)<', html, flags=re.DOTALL
    )
    assert counts == [("b1", "2"), ("b2", "0")]


def test_rename_and_deactivate_a_department(client: FlaskClient, admin: User) -> None:
    bureau = create_department("b1")
    page = text(client.get(f"/admin/departments/{bureau.id}"))
    assert 'value="b1局"' in page
    response = post(
        client,
        f"/admin/departments/{bureau.id}",
        edit_department_data(bureau, name_zh="新局", name_en="New Bureau", active=None),
    )
    # A checkbox left unticked is simply absent from the form.
    assert response.status_code == 302
    department = department_coded("b1")
    assert department is not None
    assert (department.name_zh, department.name_en, department.active) == (
        "新局",
        "New Bureau",
        False,
    )
    [event] = events("department_updated")
    assert event.actor_id == admin.id
    assert "renamed" in event.detail
    assert "deactivated" in event.detail
    assert 'data-code="b1" data-active="no"' in text(client.get("/admin/departments"))

    response = post(client, f"/admin/departments/{bureau.id}", edit_department_data(department))
    # ``active`` is absent again, so saving unchanged is a no-op; now reactivate.
    assert response.status_code == 302
    assert len(events("department_updated")) == 1
    post(client, f"/admin/departments/{bureau.id}", edit_department_data(department, active="y"))
    reactivated = department_coded("b1")
    assert reactivated is not None
    assert reactivated.active
    assert "activated" in events("department_updated")[-1].detail


def test_inactive_departments_are_not_offered_for_new_users(client: FlaskClient) -> None:
    open_bureau = create_department("open")
    closed = create_department("closed")
    closed.active = False
    db.session.commit()
    form = text(client.get("/admin/users/new"))
    assert f'<option value="{open_bureau.id}">' in form
    assert f'value="{closed.id}"' not in form
    assert "closed" not in form

    token = csrf_token(client, "/admin/users/new")
    before = table_snapshot()
    response = client.post(
        "/admin/users/new",
        data=new_user_data(role="dept_lead", department=closed.id) | {"csrf_token": token},
    )
    assert response.status_code == 200
    assert "This department is deactivated." in text(response)
    assert table_snapshot() == before


def test_dept_lead_without_department_is_refused(client: FlaskClient) -> None:
    token = csrf_token(client, "/admin/users/new")
    before = table_snapshot()
    response = client.post(
        "/admin/users/new",
        data=new_user_data(role="dept_lead", department="0") | {"csrf_token": token},
    )
    assert response.status_code == 200
    assert "A department lead needs a department." in text(response)
    assert 'data-testid="one-time-password"' not in text(response)
    assert table_snapshot() == before


def test_duplicate_user_name_is_refused(client: FlaskClient) -> None:
    create_user("taken")
    token = csrf_token(client, "/admin/users/new")
    before = table_snapshot()
    response = client.post(
        "/admin/users/new", data=new_user_data(username="TAKEN") | {"csrf_token": token}
    )
    assert response.status_code == 200
    assert "This user name is already taken." in text(response)
    assert table_snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": ""}, "This field is required."),
        ({"username": "two words"}, "A user name has 1 to 64 characters and no spaces."),
        ({"username": "x" * 65}, "Field cannot be longer than 64 characters."),
        ({"display_name": "x" * 121}, "Field cannot be longer than 120 characters."),
        ({"role": "emperor"}, "Unknown role."),
        ({"role": ""}, "Unknown role."),
        ({"department": "999999"}, "Unknown department."),
        ({"department": "99999999999999999999999"}, "Unknown department."),
        ({"department": "abc"}, "Unknown department."),
    ],
)
def test_bad_user_input_is_refused_with_a_message(
    client: FlaskClient, overrides: dict[str, object], message: str
) -> None:
    token = csrf_token(client, "/admin/users/new")
    before = table_snapshot()
    response = client.post(
        "/admin/users/new", data=new_user_data(**overrides) | {"csrf_token": token}
    )
    assert response.status_code == 200
    assert message in text(response)
    assert table_snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"code": ""}, "This field is required."),
        ({"code": "has space"}, "A code has 1 to 32 letters"),
        ({"code": "-lead"}, "A code has 1 to 32 letters"),
        ({"code": "x" * 33}, "A code has 1 to 32 letters"),
        ({"code": "TAKEN"}, "This department code is already taken."),
        ({"name_zh": ""}, "This field is required."),
        ({"name_zh": "局" * 121}, "Field cannot be longer than 120 characters."),
        ({"name_en": "x" * 201}, "Field cannot be longer than 200 characters."),
    ],
)
def test_bad_department_input_is_refused_with_a_message(
    client: FlaskClient, overrides: dict[str, object], message: str
) -> None:
    create_department("taken")
    token = csrf_token(client, "/admin/departments/new")
    before = table_snapshot()
    data = {"code": "new", "name_zh": "新局", "name_en": "New Bureau"} | overrides
    response = client.post("/admin/departments/new", data=data | {"csrf_token": token})
    assert response.status_code == 200
    assert message in text(response)
    assert table_snapshot() == before


def test_edit_a_user_role_and_department(client: FlaskClient, admin: User) -> None:
    bureau = create_department("b1")
    user = create_user("someone")
    page = text(client.get(f"/admin/users/{user.id}"))
    assert 'value="Someone"' in page
    response = post(
        client,
        f"/admin/users/{user.id}",
        edit_user_data(user, role="dept_lead", department=bureau.id, display_name="Some One"),
    )
    assert response.status_code == 302
    changed = user_named("someone")
    assert changed is not None
    assert (changed.role, changed.department_id, changed.display_name) == (
        "dept_lead",
        bureau.id,
        "Some One",
    )
    [event] = events("user_updated")
    assert event.actor_id == admin.id
    assert "role viewer→dept_lead" in event.detail

    # Made a viewer again, the user leaves the department.
    post(client, f"/admin/users/{user.id}", edit_user_data(changed, role="viewer"))
    again = user_named("someone")
    assert again is not None
    assert (again.role, again.department_id) == ("viewer", None)


def test_a_deactivated_department_stays_selectable_for_its_current_lead(
    client: FlaskClient,
) -> None:
    bureau = create_department("b1")
    lead = create_user("lead", "dept_lead", department=bureau)
    bureau.active = False
    db.session.commit()
    page = text(client.get(f"/admin/users/{lead.id}"))
    assert f'<option selected value="{bureau.id}">' in page
    response = post(client, f"/admin/users/{lead.id}", edit_user_data(lead, display_name="L"))
    assert response.status_code == 302
    saved = user_named("lead")
    assert saved is not None
    assert (saved.display_name, saved.department_id) == ("L", bureau.id)


def test_deactivated_user_is_signed_out_and_cannot_sign_in(app: Flask, client: FlaskClient) -> None:
    victim = create_user("victim")
    other = app.test_client()
    login(other, "victim")
    assert other.get("/").status_code == 200

    response = post(client, f"/admin/users/{victim.id}", edit_user_data(victim, active=None))
    assert response.status_code == 302
    user = user_named("victim")
    assert user is not None
    assert not user.active
    assert len(events("user_deactivated")) == 1

    refused = other.get("/plans/shinan-2020/")
    assert refused.status_code == 302
    assert "/login" in refused.headers["Location"]
    token = csrf_token(other, "/login")
    response = other.post(
        "/login", data={"username": "victim", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 200
    assert 'data-testid="login-error"' in text(response)


def test_reset_password_gives_a_new_one_time_password(app: Flask, client: FlaskClient) -> None:
    user = create_user("forgetful")
    other = app.test_client()
    login(other, "forgetful")
    response = post(
        client,
        f"/admin/users/{user.id}/reset-password",
        {},
        form_path=f"/admin/users/{user.id}",
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = one_time_password(text(response))
    assert password not in text(client.get(f"/admin/users/{user.id}"))
    reset = user_named("forgetful")
    assert reset is not None
    assert reset.must_change_password
    [event] = events("password_reset")
    assert event.target_id == user.id

    # The old session has ended; the old password no longer works; the new one does.
    assert "/login" in other.get("/plans/shinan-2020/").headers["Location"]
    token = csrf_token(other, "/login")
    response = other.post(
        "/login", data={"username": "forgetful", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 200
    login(other, "forgetful", password)
    assert other.get("/plans/shinan-2020/").headers["Location"].endswith("/profile/password")


def test_admin_may_reset_their_own_password_and_must_then_change_it(
    client: FlaskClient, admin: User
) -> None:
    response = post(
        client, f"/admin/users/{admin.id}/reset-password", {}, form_path=f"/admin/users/{admin.id}"
    )
    assert response.status_code == 200
    password = one_time_password(text(response))
    assert client.get("/admin/users").headers["Location"].endswith("/profile/password")
    boss = user_named("boss")
    assert boss is not None
    assert boss.check_password(password)


def test_last_active_admin_cannot_be_deactivated_or_demoted(
    client: FlaskClient, admin: User
) -> None:
    token = csrf_token(client, f"/admin/users/{admin.id}")
    before = table_snapshot()
    for change in ({"active": None}, {"role": "viewer"}):
        response = client.post(
            f"/admin/users/{admin.id}",
            data=edit_user_data(admin, **change) | {"csrf_token": token},
        )
        assert response.status_code == 200
        assert "The last active administrator cannot be removed." in text(response)
    assert table_snapshot() == before

    # With a second admin, the first may step down (and then loses the admin pages).
    create_user("deputy", "admin")
    response = client.post(
        f"/admin/users/{admin.id}",
        data=edit_user_data(admin, role="viewer") | {"csrf_token": token},
    )
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 403


def test_unknown_ids_are_not_found(client: FlaskClient) -> None:
    token = csrf_token(client, "/admin/users/new")
    for path in (
        "/admin/users/999",
        "/admin/users/0",
        "/admin/users/99999999999999999999999",
        "/admin/departments/999",
        "/admin/departments/99999999999999999999999",
    ):
        assert client.get(path).status_code == 404, path
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path
    response = client.post("/admin/users/999/reset-password", data={"csrf_token": token})
    assert response.status_code == 404


ADMIN_PAGES = [
    "/admin/users",
    "/admin/users/new",
    "/admin/users/{user}",
    "/admin/departments",
    "/admin/departments/new",
    "/admin/departments/{department}",
    "/admin/audit",
]
ADMIN_POSTS = [
    ("/admin/users/new", {"username": "intruder", "role": "admin", "department": "0"}),
    ("/admin/users/{user}", {"role": "admin", "department": "0", "active": "y"}),
    ("/admin/users/{user}/reset-password", {}),
    ("/admin/departments/new", {"code": "evil", "name_zh": "坏", "name_en": "Evil"}),
    ("/admin/departments/{department}", {"name_zh": "坏", "name_en": "Evil"}),
]


@pytest.mark.parametrize("role", ["viewer", "leader", "dept_lead"])
def test_non_admins_are_refused_everywhere(app: Flask, admin: User, role: str) -> None:
    bureau = create_department("b1", coordinating=True)
    create_user("someone", role, department=bureau if role == "dept_lead" else None)
    target = create_user("target")
    ids = {"user": target.id, "department": bureau.id}
    client = app.test_client()
    login(client, "someone")
    token = csrf_token(client, "/profile")
    before = table_snapshot()
    for page in ADMIN_PAGES:
        assert client.get(page.format(**ids)).status_code == 403, page
    for path, data in ADMIN_POSTS:
        response = client.post(path.format(**ids), data=data | {"csrf_token": token})
        assert response.status_code == 403, path
    assert table_snapshot() == before
    nav = text(client.get("/plans/shinan-2020/"))
    assert "/admin/" not in nav


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask) -> None:
    anonymous = app.test_client()
    for page in ("/admin/users", "/admin/departments", "/admin/audit"):
        response = anonymous.get(page)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_posts_without_csrf_token_are_refused(client: FlaskClient, admin: User) -> None:
    bureau = create_department("b1")
    user = create_user("someone")
    before = table_snapshot()
    for path, data in [
        ("/admin/users/new", new_user_data()),
        (f"/admin/users/{user.id}", edit_user_data(user, role="admin")),
        (f"/admin/users/{user.id}/reset-password", {}),
        ("/admin/departments/new", {"code": "new", "name_zh": "新", "name_en": "New"}),
        (f"/admin/departments/{bureau.id}", edit_department_data(bureau, name_zh="改")),
    ]:
        assert client.post(path, data=data).status_code == 400, path
        bad = data | {"csrf_token": "not-a-token"}
        assert client.post(path, data=bad).status_code == 400, path
    assert table_snapshot() == before


# Audit log


def add_events(count: int, action: str, start: datetime) -> None:
    for n in range(count):
        audit.record(
            action,
            now=start + timedelta(minutes=n),
            username=f"{action}-{n}",
            address="192.0.2.7",
            detail=f"#{n}",
        )
    db.session.commit()


def audit_rows(html: str) -> list[str]:
    return re.findall(r'data-testid="audit-row" data-action="([^"]+)"', html)


def test_audit_log_lists_newest_first_with_labels(client: FlaskClient, admin: User) -> None:
    post(client, "/admin/departments/new", {"code": "b9", "name_zh": "九局", "name_en": "Nine"})
    html = text(client.get("/admin/audit"))
    rows = audit_rows(html)
    assert rows[0] == "department_created"
    assert "login" in rows
    assert "Department created" in html
    assert "Signed in" in html
    assert "<code>boss</code>" in html
    assert "127.0.0.1" in html
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">', html)


def test_audit_log_pages_and_filters(client: FlaskClient) -> None:
    start = datetime(2021, 1, 1, tzinfo=UTC)
    add_events(60, "login_failed", start)
    add_events(3, "logout", start + timedelta(days=1))

    first = text(client.get("/admin/audit"))
    assert len(audit_rows(first)) == 50
    # The admin's own sign-in (today) is the newest event.
    assert audit_rows(first)[:4] == ["login", "logout", "logout", "logout"]
    assert "2021-01-02T00:02:00Z" in first
    assert "Page 1 of 2" in first
    second = text(client.get("/admin/audit?page=2"))
    # 63 events plus the admin's sign-in: 64 in all.
    assert len(audit_rows(second)) == 14
    assert "login_failed-0" in second
    assert "login_failed-0<" not in first

    only = text(client.get("/admin/audit?action=logout"))
    assert audit_rows(only) == ["logout"] * 3
    assert '<option value="logout" selected>' in only
    failed = text(client.get("/admin/audit?action=login_failed&page=2"))
    assert audit_rows(failed) == ["login_failed"] * 10
    assert "action=login_failed" in failed

    unknown = text(client.get("/admin/audit?action=nonsense"))
    assert len(audit_rows(unknown)) == 50


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999", "99999999999999999999999999", ""])
def test_bad_audit_page_numbers_show_the_first_page(client: FlaskClient, page: str) -> None:
    add_events(60, "login_failed", datetime(2021, 1, 1, tzinfo=UTC))
    response = client.get(f"/admin/audit?page={page}")
    assert response.status_code == 200
    html = text(response)
    assert "Page 1 of 2" in html
    assert audit_rows(html)[:2] == ["login", "login_failed"]
    assert "login_failed-59" in html


def test_admin_pages_render_in_chinese(client: FlaskClient) -> None:
    bureau = create_department("b1")
    user = create_user("someone")
    client.get("/plans/shinan-2020/?lang=zh")
    for page in (
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{user.id}",
        "/admin/departments",
        "/admin/departments/new",
        f"/admin/departments/{bureau.id}",
        "/admin/audit",
    ):
        response = client.get(page)
        assert response.status_code == 200, page
        assert '<html lang="zh-CN">' in text(response)
