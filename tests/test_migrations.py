"""The schema is built only by migrations, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from tracker.extensions import db


def test_migrations_build_exactly_the_models_schema(app: Flask) -> None:
    """A model change without a migration shows up here as a difference."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
