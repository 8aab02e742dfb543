"""Factories for test data: departments and users in each role, signed in through the form."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from tracker.extensions import db
from tracker.models import Department, Item, Milestone, Report, User
from tracker.services.commands.history import record_change

PASSWORD = "correct horse battery"


def create_department(code: str = "d1", *, coordinating: bool = False) -> Department:
    department = Department(
        code=code,
        name_zh=f"{code}局",
        name_en=f"Bureau {code}",
        is_coordinating=coordinating,
        is_sample=False,
        active=True,
    )
    db.session.add(department)
    db.session.commit()
    return department


def department(code: str) -> Department:
    found = db.session.scalar(sa.select(Department).where(Department.code == code))
    assert found is not None, code
    return found


def create_user(
    username: str,
    role: str = "viewer",
    *,
    department: Department | None = None,
    password: str = PASSWORD,
    active: bool = True,
    must_change_password: bool = False,
) -> User:
    user = User(
        username=username,
        display_name=username.title(),
        role=role,
        department=department,
        active=active,
        must_change_password=must_change_password,
        session_version=1,
        created_at=datetime(2020, 9, 1, tzinfo=UTC),
    )
    user.password_hash = password_hash(password)
    db.session.add(user)
    db.session.commit()
    return user


@cache
def password_hash(password: str) -> str:
    """A cheap hash for test accounts: scrypt is slow on purpose, and tests sign in a lot.

    Accounts made through the services (tracker.services.commands.accounts) still get scrypt, and
    tests/web/test_auth.py checks that.
    """
    return generate_password_hash(password, method="pbkdf2:sha256:1000")


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real form, CSRF token included."""
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on ``path``, as a browser would read it."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def signed_in(app: Flask, username: str, *, lang: str | None = None) -> FlaskClient:
    """A new client signed in as ``username``, optionally with the pages in ``lang``."""
    client = app.test_client()
    login(client, username)
    if lang:
        client.get(f"/plans/shinan-2020/?lang={lang}")
    return client


def grow_plan(factor: int = 10, *, history: bool = True, reports_by: User | None = None) -> None:
    """Give every item ``factor`` times its milestones, for query-count tests (no N+1).

    Each new milestone gets two history rows when ``history``, and a pending report by
    ``reports_by`` when given, so pages that read history and reports grow too.
    """
    now = datetime(2020, 10, 1, 2, tzinfo=UTC)
    for item in db.session.scalars(sa.select(Item)).all():
        template = item.milestones[0]
        for n in range((factor - 1) * len(item.milestones)):
            extra = Milestone(
                plan_id=item.plan_id,
                item_id=item.id,
                code=f"{item.code}-x{n}",
                title_zh="加",
                title_en="extra",
                due=template.due + timedelta(days=n),
                baseline_due=template.due,
                department_id=template.department_id,
            )
            db.session.add(extra)
            db.session.flush()
            if history:
                for field, old, new in (("status", None, "on_track"), ("progress", 0, 10)):
                    record_change(
                        item,
                        field,
                        old,
                        new,
                        now=now,
                        effective_on=now.date(),
                        user=None,
                        milestone=extra,
                        origin="admin",
                    )
            if reports_by is not None:
                db.session.add(
                    Report(
                        plan_id=item.plan_id,
                        item_id=item.id,
                        milestone_id=extra.id,
                        author_id=reports_by.id,
                        submitted_at=now,
                        base_version=1,
                        state="submitted",
                        status="on_track",
                        progress=60,
                    )
                )
    db.session.commit()


def demo_accounts() -> None:
    """The accounts `seed --demo` makes (by name, role and department), with the tests' cheap
    password hash: the demo history needs who they are, not their scrypt."""
    create_user("admin", "admin")
    create_user("leader", "leader")
    create_user("viewer", "viewer")
    for found in db.session.scalars(sa.select(Department).order_by(Department.code)).all():
        create_user(f"lead-{found.code}", "dept_lead", department=found)
