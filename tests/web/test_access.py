"""Every registered route, walked by every role: the answer each one gets is pinned here.

A new route without an entry in ``EXPECTED`` fails ``test_every_route_has_an_expectation``,
so nobody can add a page without deciding who may reach it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import load_plan
from tests.factories import create_user, csrf_token, department, login
from tracker.extensions import db
from tracker.models import User

ROLES = ("anonymous", "viewer", "dept_lead_own", "dept_lead_other", "leader", "admin")
SIGNED_IN = ROLES[1:]
OK = "ok"  # 200, or a redirect that is not to the sign-in page
LOGIN = "login"  # sent to the sign-in page to come back afterwards (?next=...)


def answers(default: object, **by_role: object) -> dict[str, object]:
    return {role: by_role.get(role, default) for role in ROLES}


def signed_in_only(ok: object = OK) -> dict[str, object]:
    return answers(ok, anonymous=LOGIN)


def admin_only() -> dict[str, object]:
    return answers(403, anonymous=LOGIN, admin=OK)


EXPECTED: dict[tuple[str, str], dict[str, object]] = {
    ("GET", "/healthz"): answers(200),
    ("GET", "/static/<path:filename>"): answers(200),
    ("GET", "/login"): answers(OK, anonymous=200),
    ("POST", "/login"): answers(OK, anonymous=200),
    ("POST", "/logout"): signed_in_only(),
    ("GET", "/profile"): signed_in_only(200),
    ("POST", "/profile"): signed_in_only(),
    ("GET", "/profile/password"): signed_in_only(200),
    ("POST", "/profile/password"): signed_in_only(200),
    ("GET", "/"): signed_in_only(200),
    ("GET", "/items/<code>"): signed_in_only(200),
    ("GET", "/admin/users"): admin_only(),
    ("GET", "/admin/users/new"): admin_only(),
    ("POST", "/admin/users/new"): admin_only(),
    ("GET", "/admin/users/<int:user_id>"): admin_only(),
    ("POST", "/admin/users/<int:user_id>"): admin_only(),
    ("POST", "/admin/users/<int:user_id>/reset-password"): admin_only(),
    ("GET", "/admin/departments"): admin_only(),
    ("GET", "/admin/departments/new"): admin_only(),
    ("POST", "/admin/departments/new"): admin_only(),
    ("GET", "/admin/departments/<int:department_id>"): admin_only(),
    ("POST", "/admin/departments/<int:department_id>"): admin_only(),
    ("GET", "/admin/audit"): admin_only(),
}

# Routes that end the session walk last, so they do not hide the others' answers.
LAST = {("POST", "/logout")}


def registered_routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }


def test_every_route_has_an_expectation(app: Flask) -> None:
    routes = registered_routes(app)
    assert sorted(routes - set(EXPECTED)) == [], "add these routes to EXPECTED"
    assert sorted(set(EXPECTED) - routes) == [], "these expected routes no longer exist"


def url_values(target: User) -> dict[str, Callable[[], str]]:
    return {
        "<path:filename>": lambda: "vendor/README.md",
        "<code>": lambda: "T1",
        "<int:user_id>": lambda: str(target.id),
        "<int:department_id>": lambda: str(department("gxj").id),
    }


def build(rule: str, target: User) -> str:
    for placeholder, value in url_values(target).items():
        rule = rule.replace(placeholder, value())
    return rule


def sign_in_as(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    if role == "anonymous":
        return client
    username = {"dept_lead_own": "lead-gxj", "dept_lead_other": "lead-swj"}.get(role, role)
    login(client, username)
    return client


@pytest.fixture
def people(app: Flask) -> User:
    """The Shinan plan with one account per role, and a user for admin routes to act on."""
    load_plan()
    create_user("viewer", "viewer")
    create_user("leader", "leader")
    create_user("admin", "admin")
    create_user("lead-gxj", "dept_lead", department=department("gxj"))  # leads T1
    create_user("lead-swj", "dept_lead", department=department("swj"))
    return create_user("target", "viewer")


def outcome(response_status: int, location: str | None) -> object:
    if response_status in {301, 302, 303, 307, 308}:
        return LOGIN if location and location.startswith("/login?next=") else OK
    if response_status == 200:
        return 200
    return response_status


@pytest.mark.parametrize("role", ROLES)
def test_route_answers_by_role(app: Flask, people: User, role: str) -> None:
    client = sign_in_as(app, role)
    token = csrf_token(client, "/login") if role == "anonymous" else csrf_token(client, "/profile")
    routes = sorted(EXPECTED, key=lambda route: (route in LAST, route))
    mismatches = []
    for method, rule in routes:
        url = build(rule, people)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        got = outcome(response.status_code, response.headers.get("Location"))
        response.close()
        expected = EXPECTED[(method, rule)][role]
        if expected == OK and got == 200:
            got = OK
        if got != expected:
            mismatches.append(f"{method} {rule}: expected {expected}, got {got}")
    assert mismatches == []
    # Nothing a refused request touched was written: the target account is unchanged.
    if role != "admin":
        target = db.session.scalar(sa.select(User).where(User.username == "target"))
        assert (target.session_version, target.must_change_password) == (1, False)
