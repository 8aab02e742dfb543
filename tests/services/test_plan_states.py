"""Two admins moving one plan at once, in two threads with their own sessions: one move."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import Flask

from tests.conftest import load_plan
from tests.factories import create_user
from tracker.domain.plan_states import PlanState
from tracker.domain.refusal import StaleVersion, Who
from tracker.extensions import db
from tracker.models import AuditEvent, Plan, User
from tracker.services.commands.plan_states import move_plan
from tracker.unit_of_work import unit_of_work

NOW = datetime(2022, 12, 31, 9, tzinfo=UTC)


def test_two_admins_closing_at_once_close_it_once(app: Flask) -> None:
    load_plan()
    for name in ("admin1", "admin2"):
        create_user(name, "admin")
    start = threading.Barrier(2)
    outcomes: list[BaseException | None] = [None, None]

    def close(index: int, name: str) -> None:
        with app.app_context():
            plan = db.session.scalar(sa.select(Plan))
            admin = db.session.scalar(sa.select(User).where(User.username == name))
            start.wait()
            try:
                with unit_of_work():
                    move_plan(
                        Who(NOW, admin),
                        plan,
                        seen=PlanState.ACTIVE,
                        wanted=PlanState.CLOSED,
                        today=date(2022, 12, 31),
                    )
            except Exception as error:
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=close, args=(i, n)) for i, n in enumerate(("admin1", "admin2"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count(None) == 1, outcomes
    assert any(isinstance(o, StaleVersion) for o in outcomes), outcomes
    db.session.expire_all()
    assert db.session.scalar(sa.select(Plan.state)) == "closed"
    moves = db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "plan_state")
    )
    assert moves == 1
