"""The schema is built only by migrations, and the migrations match the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from tracker.extensions import db
from tracker.models import User


def test_migrations_build_exactly_the_models_schema(app: Flask) -> None:
    """A model change without a migration shows up here as a difference."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_accounts_migration_upgrades_a_database_with_users(app: Flask) -> None:
    """Users created before accounts existed survive the upgrade and cannot sign in yet."""
    downgrade(revision="6e38e968a05d")
    with db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO department"
                " (code, name_zh, name_en, is_coordinating, is_sample, active)"
                " VALUES ('d1', '部门', 'Dept', false, false, true)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO app_user (username, display_name, role, active)"
                " VALUES ('old', 'Old user', 'viewer', true)"
            )
        )
    upgrade()
    user = db.session.scalar(sa.select(User).where(User.username == "old"))
    assert user is not None
    assert (user.password_hash, user.session_version, user.must_change_password) == ("", 1, False)
    assert not user.check_password("")
