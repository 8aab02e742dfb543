"""Departments and the people who sign in."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.extensions import Model
from tracker.models.types import UTCDateTime


class Department(Model):
    """An office of the district that leads or supports plan items (牵头单位 / 配合单位)."""

    __tablename__ = "department"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name_zh: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(200))
    is_coordinating: so.Mapped[bool] = so.mapped_column(default=False)
    is_sample: so.Mapped[bool] = so.mapped_column(default=False)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    # Where reminders (催办) are mailed: the office's mailbox.
    email: so.Mapped[str] = so.mapped_column(sa.String(200), default="")

    users: so.Mapped[list[User]] = so.relationship(back_populates="department")

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class User(UserMixin, Model):
    """Someone who signs in, with one role and, for a department lead, one department."""

    __tablename__ = "app_user"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    role: so.Mapped[str] = so.mapped_column(sa.String(16), default="viewer")
    department_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("department.id"))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256), default="")
    must_change_password: so.Mapped[bool] = so.mapped_column(default=False)
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    # Bumped to end every session of the user (password change, deactivation).
    session_version: so.Mapped[int] = so.mapped_column(default=1)
    created_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # Who checks the password: ``local`` (the hash above), ``ldap`` or ``oidc`` (the
    # organisation's directory or provider; no password is kept here).
    source: so.Mapped[str] = so.mapped_column(sa.String(8), default="local", server_default="local")
    # What stays when names change: the LDAP entry's DN or the provider's ``sub``.
    external_id: so.Mapped[str | None] = so.mapped_column(sa.String(500), index=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(200), default="", server_default="")
    # The mapped groups that gave the role and department at the last sign-in, one a line.
    directory_groups: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")

    department: so.Mapped[Department | None] = so.relationship(back_populates="users")

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses inactive users; deactivation must end their sessions."""
        return self.active

    def get_id(self) -> str:
        """The session remembers the id with the session version, so bumping it signs out."""
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        """Store a salted hash (werkzeug's current default, scrypt), never the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def label(self) -> str:
        """How the user is shown: the display name, else the user name."""
        return self.display_name or self.username
