"""Shared fixtures: an app on a migrated test database, emptied after every test.

The suite runs on a throw-away SQLite file by default, and on PostgreSQL when
``TRACKER_TEST_DATABASE_URL`` is set. The schema is built once per run through the Alembic
migrations, exactly as in production, so a migration that drifts from the models fails here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from werkzeug.test import TestResponse

from tests.databases import scratch_postgres
from tracker import create_app
from tracker.cli import DEFAULT_PLAN
from tracker.domain.planfile import PlanSpec, parse_plan_file
from tracker.extensions import db
from tracker.services.commands.plan_sync import sync_plan
from tracker.services.exports.attachment_storage import AttachmentStorage, attachment_storage

FIXTURES = Path(__file__).parent / "fixtures"


class FreshContextClient(FlaskClient):
    """A test client that gives every request its own app context, as in production.

    The fixtures keep an app context open for the test body; without this, requests would
    share its ``g`` (where Flask-Babel and Flask-Login cache the locale and the user) and
    its database session.
    """

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:  # type: ignore[override]
        with self.application.app_context():
            return super().open(*args, **kwargs)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _no_fsync_for_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """The throw-away test database need not survive a power cut: skip SQLite's fsyncs."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()


@contextmanager
def _scratch_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database for this run only: a SQLite file, or a new PostgreSQL database.

    On PostgreSQL a fresh database is created next to the one ``TRACKER_TEST_DATABASE_URL``
    names and dropped afterwards, so two runs on one server (two developers, CI) never meet.
    """
    url = os.environ.get("TRACKER_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    if not sa.engine.make_url(url).get_backend_name().startswith("postgresql"):
        yield url
        return
    with scratch_postgres(url, "tracker_test") as scratch:
        yield scratch


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated from nothing to the newest revision, once per test run."""
    with _scratch_database(tmp_path_factory) as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test"})
        with app.app_context():
            _drop_everything()
            upgrade()
            db.engine.dispose()
        yield url


def _drop_everything() -> None:
    """Leave the database empty, whatever an earlier run left in it."""
    metadata = sa.MetaData()
    metadata.reflect(bind=db.engine)
    metadata.drop_all(bind=db.engine)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app bound to the test database; every table is emptied afterwards."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": True,
            # Evidence files in the database unless a test asks for a directory (`storage`).
            "TRACKER_ATTACHMENTS_DIR": "",
        }
    )
    app.instance_path = str(tmp_path / "instance")
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def make_app(app: Flask) -> Iterator[Callable[..., Flask]]:
    """Build more app instances on the test database (a second worker, other settings).

    Their connection pools are closed afterwards, so no connection outlives the test.
    """
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        other = create_app({**app.config, **overrides})
        other.test_client_class = FreshContextClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture(params=["database", "directory"])
def storage(request: pytest.FixtureRequest, app: Flask, tmp_path: Path) -> AttachmentStorage:
    """The test runs once for each place evidence files can be kept: the database (the
    default), and a directory every machine shares (``TRACKER_ATTACHMENTS_DIR``)."""
    if request.param == "directory":
        app.config["TRACKER_ATTACHMENTS_DIR"] = str(tmp_path / "shared" / "attachments")
    return attachment_storage(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@cache
def parsed_plan(path: Path) -> PlanSpec:
    """Each plan file is parsed once per run; the specs are immutable."""
    return parse_plan_file(path)


def load_plan(path: Path = DEFAULT_PLAN) -> None:
    """Load a plan file as ``flask seed`` does, and commit."""
    sync_plan(parsed_plan(path), now=datetime(2020, 9, 25, 12, tzinfo=UTC), note=path.name)
    db.session.commit()


@pytest.fixture
def seeded(app: Flask) -> Flask:
    """The app with the Shinan plan loaded."""
    load_plan()
    return app


def table_snapshot(*, leave_out: tuple[str, ...] = ()) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in a stable order, to compare the database before and after.

    The ``snapshot`` table is a cache that reads fill (tracker.snapshots), not data a write
    keeps: it is left out, and so are the columns named in ``leave_out``.
    """
    snapshot = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name == "snapshot":
                continue
            columns = [c for c in table.columns if c.name not in leave_out]
            rows = connection.execute(sa.select(*columns)).all()
            snapshot[table.name] = sorted(tuple(row) for row in rows)
    return snapshot


def pytest_report_header() -> str:
    """Say which engine this run tests, so a CI log shows both runs really happened."""
    url = os.environ.get("TRACKER_TEST_DATABASE_URL")
    if not url:
        return "database: SQLite (temporary file)"
    return f"database: {sa.engine.make_url(url).render_as_string(hide_password=True)}"
