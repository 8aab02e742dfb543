"""The mapping of directory groups to roles here, and the site's sign-in settings."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import Model
from tracker.models.people import Department
from tracker.models.types import UTCDateTime


class DirectoryMapping(Model):
    """Members of ``group`` (an LDAP group DN, or a name in the provider's groups claim) get
    ``role`` and, for department roles, ``department``. Groups are kept normalized
    (lower case, no spaces around commas), so one group is never mapped twice."""

    __tablename__ = "directory_mapping"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group: so.Mapped[str] = so.mapped_column(sa.String(500), unique=True)
    role: so.Mapped[str] = so.mapped_column(sa.String(16))
    department_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("department.id"))
    created_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    department: so.Mapped[Department | None] = so.relationship()


class SiteSetting(Model):
    """A setting an admin changes on a page rather than in the environment (one row each)."""

    __tablename__ = "site_setting"

    key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    value: so.Mapped[str] = so.mapped_column(sa.Text, default="")
