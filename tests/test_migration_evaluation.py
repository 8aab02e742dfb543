"""Migration 0017 (the evaluation's calendar and schemes) upgrades a database holding a plan,
and goes down and up again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from tracker.extensions import db


def _count(table: str) -> int:
    with db.engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_the_evaluation_migration_upgrades_a_database_with_a_plan(seeded: Flask) -> None:
    milestones = _count("milestone")
    db.session.remove()
    downgrade(revision="0af2ab9129cf")
    with db.engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
    assert not {"calendar_day", "evaluation_scheme"} & tables
    upgrade()
    assert _count("milestone") == milestones
    assert _count("calendar_day") == _count("evaluation_scheme") == 0
    insert = sa.text(
        "INSERT INTO evaluation_scheme (plan_id, valid_from, on_time_points, reporting_points,"
        " receipt_points, quality_points, instruction_points, receipt_days, overdue_deduction,"
        " deduction_cap, saved_at, version) VALUES ((SELECT min(id) FROM plan), :day,"
        " :points, 20, 10, 20, 10, 3, 2, 10, '2021-01-01 09:00:00', 1)"
    )
    with db.engine.begin() as connection:
        connection.execute(insert, {"points": 40, "day": "2021-01-01"})
    # Negative points are refused by the database too, and one scheme a day per plan.
    for points, day in ((-1, "2021-02-01"), (40, "2021-01-01")):
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(insert, {"points": points, "day": day})
