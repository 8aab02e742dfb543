"""Read models of the administration pages and the command line: departments and accounts."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models import Department, User


def user_named(name: str) -> User | None:
    """The account of a user name as people type it: case and surrounding spaces aside."""
    key = name.strip().lower()
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == key))


def departments_with_user_counts() -> list[tuple[Department, int]]:
    """Every department by code with how many accounts belong to it, in one query."""
    user_count = (
        sa.select(sa.func.count(User.id))
        .where(User.department_id == Department.id)
        .scalar_subquery()
    )
    rows = db.session.execute(sa.select(Department, user_count).order_by(Department.code))
    return [(department, count) for department, count in rows]


def choosable_departments(current: Department | None = None) -> list[Department]:
    """Active departments by code, and ``current`` even if deactivated (a user may keep it)."""
    condition = sa.or_(Department.active, Department.id == (current.id if current else None))
    return list(
        db.session.scalars(sa.select(Department).where(condition).order_by(Department.code))
    )


def all_users(*, case_sensitive: bool = False) -> list[User]:
    """Every account with its department, by user name (the command line sorts case-sensitively)."""
    order = User.username if case_sensitive else sa.func.lower(User.username)
    return list(
        db.session.scalars(sa.select(User).options(so.joinedload(User.department)).order_by(order))
    )
