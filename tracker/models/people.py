"""Departments and the people who sign in."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db


class Department(db.Model):
    """An office of the district that leads or supports plan items (牵头单位 / 配合单位)."""

    __tablename__ = "department"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name_zh: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(200))
    is_coordinating: so.Mapped[bool] = so.mapped_column(default=False)
    is_sample: so.Mapped[bool] = so.mapped_column(default=False)
    active: so.Mapped[bool] = so.mapped_column(default=True)

    users: so.Mapped[list[User]] = so.relationship(back_populates="department")

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class User(db.Model):
    """Someone who signs in. Roles and passwords arrive with accounts (issue #3)."""

    __tablename__ = "app_user"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    role: so.Mapped[str] = so.mapped_column(sa.String(16), default="viewer")
    department_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("department.id"))
    active: so.Mapped[bool] = so.mapped_column(default=True)

    department: so.Mapped[Department | None] = so.relationship(back_populates="users")

    def __repr__(self) -> str:
        return f"<User {self.username}>"
