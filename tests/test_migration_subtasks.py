"""Migration 0016 (sub-tasks) upgrades a database holding data: every milestone keeps being
reported directly, and sub-tasks can be added at once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from tests.factories import create_user, department
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import Milestone
from tracker.services.commands.subtasks import SubtaskInput, create_subtask

BEFORE_SUBTASKS = "8a3f5c2e71b9"


def test_subtasks_migration_upgrades_a_database_with_milestones(seeded: Flask) -> None:
    lead = create_user("wang", "dept_lead", department=department("gxj"))
    lead_id = lead.id
    db.session.commit()
    db.session.remove()
    downgrade(revision=BEFORE_SUBTASKS)
    with db.engine.connect() as connection:
        inspector = sa.inspect(connection)
        assert "subtask" not in inspector.get_table_names()
        assert "progress_mode" not in {c["name"] for c in inspector.get_columns("milestone")}
        before = connection.execute(
            sa.text("SELECT code, progress, version FROM milestone ORDER BY code")
        ).all()
    assert before
    upgrade()
    with db.engine.connect() as connection:
        after = connection.execute(
            sa.text("SELECT code, progress, version FROM milestone ORDER BY code")
        ).all()
        modes = connection.execute(sa.text("SELECT DISTINCT progress_mode FROM milestone"))
        assert [row[0] for row in modes] == ["direct"]
    assert after == before
    milestone = db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-3"))
    assert milestone is not None
    staff = create_user("zhao", "staff", department=department("gxj"))
    create_subtask(
        Who(datetime(2020, 12, 1, tzinfo=UTC), db.session.get(type(staff), lead_id)),
        milestone,
        SubtaskInput("核查铁塔月报", date(2020, 12, 15), 1.0, staff),
    )
    db.session.commit()
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM subtask")).scalar_one() == 1
