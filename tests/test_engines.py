"""Quick reads (the sign-in check, a plan's header, a screen link) give what SQLAlchemy gives.

They skip SQLAlchemy's execution layer for speed, so each statement they run is compared
with SQLAlchemy's own answer, column by column, types included, on each engine.
"""

from __future__ import annotations

import gc
import threading
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask, current_app

from tests.factories import create_user
from tests.querycount import count_queries
from tracker.access import _SIGNED_IN, _SIGNED_IN_WITH_PLAN
from tracker.conditional import _VERSIONS
from tracker.domain.refusal import Who
from tracker.engines import quick_row, quick_rows
from tracker.extensions import db
from tracker.loaders import _PLAN_HEADER
from tracker.models import Department, Plan
from tracker.services.commands.screens import create_link
from tracker.services.queries.screens import _OPENING, hash_token


def _by_sqlalchemy(statement: sa.Select, parameters: dict) -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(statement, parameters)]


def test_each_quick_read_equals_sqlalchemys_answer(seeded: Flask) -> None:
    department = db.session.scalar(sa.select(Department).limit(1))
    user = create_user("wang", "dept_lead", department=department)
    plan = db.session.scalar(sa.select(Plan))
    assert plan is not None
    link, token = create_link(Who(datetime.now(UTC)), label="meeting room", plan=plan)
    # Dates and moments too: SQLite hands them over as text, to be converted.
    link.last_used_at = datetime(2021, 6, 30, 9, 0, tzinfo=UTC)
    plan.closed_on = date(2022, 12, 31)
    db.session.commit()
    reads = [
        (_SIGNED_IN, {"user_id": user.id}),
        (_SIGNED_IN_WITH_PLAN, {"user_id": user.id, "code": plan.code}),
        (_SIGNED_IN_WITH_PLAN, {"user_id": user.id, "code": "no-such-plan"}),
        (_PLAN_HEADER, {"code": plan.code}),
        (_OPENING, {"digest": hash_token(token)}),
    ]
    for statement, parameters in reads:
        expected = _by_sqlalchemy(statement, parameters)
        assert expected, statement
        found = quick_row(statement, parameters)
        assert found == expected[0]
        assert [type(value) for value in found] == [type(value) for value in expected[0]]
    assert quick_rows(_VERSIONS, {}) == _by_sqlalchemy(_VERSIONS, {})
    assert quick_row(_SIGNED_IN, {"user_id": 10**9}) is None


def test_a_read_that_fails_raises_sqlalchemys_error_and_the_next_one_works(seeded: Flask) -> None:
    broken = sa.select(sa.column("nothing")).select_from(sa.table("no_such_table"))
    with pytest.raises(sa.exc.DBAPIError):
        quick_row(broken, {})
    assert quick_rows(_VERSIONS, {}) == _by_sqlalchemy(_VERSIONS, {})


def test_quick_reads_are_counted_with_the_requests_statements(seeded: Flask) -> None:
    with count_queries() as statements:
        quick_rows(_VERSIONS, {})
    assert len(statements) == 1


def test_a_thread_that_reads_and_ends_leaves_no_connection_open(seeded: Flask) -> None:
    """The development server and the browser tests' server start a thread per request: the
    thread's own connection must close with it (an open one is a warning, here an error).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found: list[object] = []

    def read() -> None:
        with app.app_context():
            found.append(quick_rows(_VERSIONS, {}))

    for _ in range(3):
        thread = threading.Thread(target=read)
        thread.start()
        thread.join()
    gc.collect()
    assert len(found) == 3
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            others = connection.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    " AND application_name = '' AND state = 'idle'"
                )
            ).scalar_one()
        assert others <= 2  # the test thread's own, and the ORM pool's
