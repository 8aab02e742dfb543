"""Reads of directory sign-in: the mapping, the site's sign-in setting, where accounts come from."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models import DirectoryMapping, SiteSetting, User

DIRECTORY_ONLY = "directory_only"


def directory_only() -> bool:
    """Whether everyone but local admins must sign in through the directory or provider."""
    setting = db.session.get(SiteSetting, DIRECTORY_ONLY)
    return setting is not None and setting.value == "1"


def directory_mappings() -> list[DirectoryMapping]:
    """Every mapped group with its department, by group."""
    return list(
        db.session.scalars(
            sa.select(DirectoryMapping)
            .options(so.joinedload(DirectoryMapping.department))
            .order_by(DirectoryMapping.group)
        )
    )


def accounts_by_source() -> list[User]:
    """Every account with its department, for the provisioning page: local ones first."""
    order = sa.case({"local": 0, "ldap": 1, "oidc": 2}, value=User.source, else_=3)
    return list(
        db.session.scalars(
            sa.select(User)
            .options(so.joinedload(User.department))
            .order_by(order, sa.func.lower(User.username))
        )
    )
