"""Every registered route, walked by every role: the answer each one gets is pinned here.

A new route without an entry in ``EXPECTED`` (here, or in a module of ``access_rules/``)
fails ``test_every_route_has_an_expectation``, so nobody can add a page without deciding who
may reach it. Each ``access_rules`` module holds ``EXPECTED`` for its area and a
``placeholders(world)`` function that creates what its URLs point at and returns the values.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import load_plan
from tests.factories import create_user, csrf_token, department, login
from tests.web import access_rules
from tests.web.access_rules.common import (
    LOGIN,
    OK,
    ROLES,
    World,
    admin_only,
    answers,
    signed_in_only,
)
from tracker.extensions import db
from tracker.models import Milestone, User

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
    ("GET", "/"): signed_in_only(),
    ("GET", "/plans/<plan>/"): signed_in_only(200),
    ("GET", "/plans/<plan>/items/<code>"): signed_in_only(200),
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

AREAS = [
    importlib.import_module(f"{access_rules.__name__}.{module.name}")
    for module in pkgutil.iter_modules(access_rules.__path__)
    if module.name != "common"
]
for area in AREAS:
    overlap = set(area.EXPECTED) & set(EXPECTED)
    assert not overlap, f"{area.__name__} repeats {overlap}"
    EXPECTED.update(area.EXPECTED)

# Routes that end the session (or delete what the others point at) walk last, so they do
# not hide the others' answers.
LAST = {("POST", "/logout")}.union(*(getattr(area, "LAST", set()) for area in AREAS))


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


def url_values(world: World) -> dict[str, str]:
    values = {
        "<path:filename>": "vendor/README.md",
        "<code>": "T1",
        "<plan>": "shinan-2020",
        "<int:user_id>": str(world.target.id),
        "<int:department_id>": str(department("gxj").id),
        "<int:milestone_id>": str(world.milestone.id),
    }
    for area in AREAS:
        values.update(area.placeholders(world))
    return values


def build(rule: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        rule = rule.replace(placeholder, value)
    assert "<" not in rule, f"no placeholder value for {rule}"
    return rule


def sign_in_as(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    if role == "anonymous":
        return client
    username = {
        "dept_lead_own": "lead-gxj",
        "staff_own": "staff-gxj",
        "dept_lead_other": "lead-swj",
    }.get(role, role)
    login(client, username)
    return client


@pytest.fixture
def world(app: Flask) -> World:
    """The Shinan plan with one account per role, and a user for admin routes to act on."""
    load_plan()
    viewer = create_user("viewer", "viewer")
    leader = create_user("leader", "leader")
    admin = create_user("admin", "admin")
    own = create_user("lead-gxj", "dept_lead", department=department("gxj"))  # leads T1
    other = create_user("lead-swj", "dept_lead", department=department("swj"))
    target = create_user("target", "viewer")
    staff = create_user("staff-gxj", "staff", department=department("gxj"))
    milestone = db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-3"))
    return World(
        viewer=viewer,
        leader=leader,
        admin=admin,
        lead_own=own,
        lead_other=other,
        target=target,
        milestone=milestone,
        staff_own=staff,
    )


def outcome(response_status: int, location: str | None) -> object:
    if response_status in {301, 302, 303, 307, 308}:
        return LOGIN if location and location.startswith("/login?next=") else OK
    if response_status == 200:
        return 200
    return response_status


@pytest.mark.parametrize("role", ROLES)
def test_route_answers_by_role(app: Flask, world: World, role: str) -> None:
    values = url_values(world)
    client = sign_in_as(app, role)
    token = csrf_token(client, "/login") if role == "anonymous" else csrf_token(client, "/profile")
    routes = sorted(EXPECTED, key=lambda route: (route in LAST, route))
    mismatches = []
    for method, rule in routes:
        url = build(rule, values)
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


@pytest.mark.parametrize("role", ["admin", "leader", "dept_lead_own"])
def test_no_page_shows_a_time_in_utc(app: Flask, world: World, role: str) -> None:
    """One local time everywhere: every page a signed-in person can open speaks the plan's
    time zone, so the word "UTC" appears on none of them."""
    values = url_values(world)
    client = sign_in_as(app, role)
    opened, in_utc = [], []
    for method, rule in sorted(EXPECTED):
        if method != "GET" or rule.startswith(("/static/", "/api/")):
            continue
        response = client.get(build(rule, values))
        if response.status_code == 200 and response.mimetype == "text/html":
            opened.append(rule)
            if "UTC" in response.get_data(as_text=True):
                in_utc.append(rule)
        response.close()
    assert "/reviews" in opened or role != "admin"
    assert len(opened) > 10
    assert in_utc == []
