"""Two admins at once on one plan, in two threads with their own sessions: one move, one
first load; the other is told someone was first (StaleVersion), never an error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from tests.conftest import load_plan
from tests.factories import create_user
from tracker.domain.plan_states import PlanState
from tracker.domain.planfile import parse_plan_file
from tracker.domain.refusal import StaleVersion, Who
from tracker.extensions import db
from tracker.models import AuditEvent, Plan, User
from tracker.services.commands.plan_states import move_plan
from tracker.services.commands.plan_sync import sync_plan
from tracker.unit_of_work import unit_of_work

NOW = datetime(2022, 12, 31, 9, tzinfo=UTC)
SECOND = Path(__file__).resolve().parents[1] / "fixtures" / "second-plan.yaml"


def at_once(app: Flask, action: Callable[[int], None]) -> list[BaseException | None]:
    """``action(0)`` and ``action(1)``, each in its own thread, app context and unit of work,
    released together; what each raised.
    """
    start = threading.Barrier(2)
    outcomes: list[BaseException | None] = [None, None]

    def run(index: int) -> None:
        with app.app_context():
            start.wait()
            try:
                with unit_of_work():
                    action(index)
            except Exception as error:
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_admins_closing_at_once_close_it_once(app: Flask) -> None:
    load_plan()
    for name in ("admin1", "admin2"):
        create_user(name, "admin")

    def close(index: int) -> None:
        plan = db.session.scalar(sa.select(Plan))
        admin = db.session.scalar(sa.select(User).where(User.username == f"admin{index + 1}"))
        move_plan(
            Who(NOW, admin),
            plan,
            seen=PlanState.ACTIVE,
            wanted=PlanState.CLOSED,
            today=date(2022, 12, 31),
        )

    outcomes = at_once(app, close)
    assert outcomes.count(None) == 1, outcomes
    assert any(isinstance(o, StaleVersion) for o in outcomes), outcomes
    db.session.expire_all()
    assert db.session.scalar(sa.select(Plan.state)) == "closed"
    moves = db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "plan_state")
    )
    assert moves == 1


def test_two_first_loads_of_one_plan_at_once_load_it_once(app: Flask) -> None:
    spec = parse_plan_file(SECOND)
    outcomes = at_once(app, lambda _index: sync_plan(spec, now=NOW, note="import"))
    assert outcomes.count(None) == 1, outcomes
    assert any(isinstance(o, StaleVersion) for o in outcomes), outcomes
    db.session.expire_all()
    assert db.session.scalars(sa.select(Plan.code)).all() == ["digital-2021"]
