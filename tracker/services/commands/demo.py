"""Demo accounts, so a new installation can be tried in every role at once."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from tracker.domain.policy import Role
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import Department, User
from tracker.services.commands.accounts import create_user, one_time_password


@dataclass(frozen=True)
class DemoAccount:
    """An account just made, with its password to print once."""

    username: str
    password: str
    description: str


_FIXED = (
    ("admin", Role.ADMIN, "系统管理员", "administrator"),
    ("leader", Role.LEADER, "张副区长", "district leader (read all, instruct)"),
    ("viewer", Role.VIEWER, "观察员", "viewer (reads the board)"),
)


def create_demo_accounts(who: Who) -> list[DemoAccount]:
    """Create the demo accounts that are missing: one per role, one lead per department.

    Passwords are random and returned once; nothing is printed or stored in clear here.
    """
    existing = set(db.session.scalars(sa.select(User.username)))
    created: list[DemoAccount] = []

    def add(
        username: str, role: Role, name: str, description: str, dept: Department | None
    ) -> None:
        if username in existing:
            return
        password = one_time_password()
        create_user(
            who,
            username=username,
            role=role,
            department=dept,
            display_name=name,
            password=password,
        )
        created.append(DemoAccount(username, password, description))

    for username, role, name, description in _FIXED:
        add(username, role, name, description, None)
    departments = db.session.scalars(
        sa.select(Department).where(Department.active).order_by(Department.code)
    )
    for department in departments:
        add(
            f"lead-{department.code}",
            Role.DEPT_LEAD,
            f"{department.name_zh}负责人",
            f"department lead, {department.name_en}",
            department,
        )
    return created
