"""The admin page of directory sign-in (/admin/directory), the users page's "signs in with",
and local sign-in once directory sign-in is required."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import table_snapshot
from tests.factories import PASSWORD, create_user, csrf_token, department, login, signed_in
from tests.races import at_once
from tracker.clock import utcnow
from tracker.domain.directory import Identity, Source
from tracker.domain.refusal import Refused, Who
from tracker.extensions import db
from tracker.models import DirectoryMapping, User
from tracker.services.commands.directory import add_mapping
from tracker.services.commands.signin import sign_in_identity
from tracker.unit_of_work import unit_of_work

LEADS = "cn=gxj-leads,ou=groups,dc=shinan,dc=gov,dc=cn"


@pytest.fixture
def admin_client(seeded: Flask) -> FlaskClient:
    create_user("boss", "admin")
    return signed_in(seeded, "boss")


def text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def add(client: FlaskClient, group: str, role: str, department_id: int | str = 0) -> object:
    token = csrf_token(client, "/admin/directory")
    return client.post(
        "/admin/directory/mappings",
        data={
            "map-csrf_token": token,
            "map-group": group,
            "map-role": role,
            "map-department": str(department_id),
        },
    )


def mappings() -> list[tuple[str, str, int | None]]:
    rows = db.session.execute(
        sa.select(DirectoryMapping.group, DirectoryMapping.role, DirectoryMapping.department_id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_an_admin_maps_a_group_and_sees_it_listed(admin_client: FlaskClient) -> None:
    gxj = department("gxj")
    response = add(
        admin_client, " CN=gxj-leads, ou=groups,dc=shinan,dc=gov,dc=cn", "dept_lead", gxj.id
    )
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert mappings() == [(LEADS, "dept_lead", gxj.id)]
    page = text(admin_client.get("/admin/directory"))
    assert f'data-group="{LEADS}"' in page
    assert "部门负责人" in page


@pytest.mark.parametrize(
    ("group", "role", "department_code", "words"),
    [
        ("", "viewer", None, "该字段是必填字段"),
        (LEADS, "dept_lead", None, "部门负责人和工作人员必须属于一个部门"),
        (LEADS, "chief", None, "未知角色"),
        ("x" * 501, "viewer", None, "不能超过 500 个字符"),
    ],
)
def test_bad_mappings_are_refused_with_a_message_and_write_nothing(
    admin_client: FlaskClient, group: str, role: str, department_code: str | None, words: str
) -> None:
    before = table_snapshot()
    dep = department(department_code).id if department_code else 0
    response = add(admin_client, group, role, dep)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert words in text(response)
    assert table_snapshot() == before


def test_a_group_mapped_twice_is_refused_not_silently_changed(admin_client: FlaskClient) -> None:
    add(admin_client, LEADS, "dept_lead", department("gxj").id)
    response = add(admin_client, LEADS.upper(), "viewer")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "该用户组已配置映射" in text(response)
    assert [role for _, role, _ in mappings()] == ["dept_lead"]


def test_removing_a_mapping_twice_tells_the_second_it_is_gone(admin_client: FlaskClient) -> None:
    add(admin_client, LEADS, "dept_lead", department("gxj").id)
    mapping_id = db.session.scalar(sa.select(DirectoryMapping.id))
    token = csrf_token(admin_client, "/admin/directory")
    url = f"/admin/directory/mappings/{mapping_id}/delete"
    assert admin_client.post(url, data={"csrf_token": token}).status_code == 302
    assert mappings() == []
    assert admin_client.post(url, data={"csrf_token": token}).status_code == 404


def test_requiring_the_directory_is_refused_while_none_is_configured(
    admin_client: FlaskClient,
) -> None:
    token = csrf_token(admin_client, "/admin/directory")
    response = admin_client.post(
        "/admin/directory/sign-in", data={"only-csrf_token": token, "only-required": "y"}
    )
    assert response.status_code == 422
    assert "TRACKER_LDAP_URL" in text(response)


def require_directory(app: Flask, client: FlaskClient) -> None:
    app.config["TRACKER_OIDC_ISSUER"] = "http://127.0.0.1:9/oidc"
    token = csrf_token(client, "/admin/directory")
    response = client.post(
        "/admin/directory/sign-in", data={"only-csrf_token": token, "only-required": "y"}
    )
    assert response.status_code == 302


def test_once_required_only_local_admins_sign_in_with_a_password(
    seeded: Flask, admin_client: FlaskClient
) -> None:
    create_user("wang", "viewer")
    require_directory(seeded, admin_client)
    client = seeded.test_client()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"username": "wang", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 403
    assert "请使用单位统一身份认证登录" in text(response)
    assert client.get("/").status_code == 302  # still signed out
    other = seeded.test_client()
    login(other, "boss")  # the break-glass admin still comes in


def test_the_users_page_says_where_each_account_comes_from(
    seeded: Flask, admin_client: FlaskClient
) -> None:
    token = csrf_token(admin_client, "/admin/directory")
    add(admin_client, LEADS, "dept_lead", department("gxj").id)
    with unit_of_work():
        sign_in_identity(
            Who(now=utcnow(), address="127.0.0.1"),
            Identity(Source.LDAP, "uid=lisi,ou=people", "lisi", "李四", groups=(LEADS,)),
        )
    page = text(admin_client.get("/admin/users"))
    row = page[page.index('data-username="lisi"') :].split("</tr>")[0]
    assert "统一身份目录（LDAP）" in row
    assert LEADS in row
    boss = page[page.index('data-username="boss"') :].split("</tr>")[0]
    assert "本地密码" in boss
    lisi = db.session.scalar(sa.select(User).where(User.username == "lisi"))
    assert lisi is not None
    edit = text(admin_client.get(f"/admin/users/{lisi.id}"))
    assert 'data-testid="directory-account"' in edit
    assert "reset-password-form" not in edit
    response = admin_client.post(
        f"/admin/users/{lisi.id}/reset-password", data={"csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, lisi.id).password_hash == ""  # type: ignore[union-attr]


def test_two_admins_mapping_one_group_at_once_leave_one_mapping(seeded: Flask) -> None:
    who = Who(now=utcnow(), address="127.0.0.1")

    def as_leads() -> None:
        add_mapping(who, LEADS, "dept_lead", "gxj")

    def as_viewers() -> None:
        add_mapping(who, LEADS, "viewer")

    outcomes = at_once(seeded, as_leads, as_viewers)
    assert sorted(outcome is None for outcome in outcomes) == [False, True]
    loser = next(outcome for outcome in outcomes if outcome is not None)
    assert isinstance(loser, Refused)  # worded on the page, never a 500
    assert len(mappings()) == 1
