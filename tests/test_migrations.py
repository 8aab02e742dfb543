"""The schema is built only by migrations, and the migrations match the models."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from tests.conftest import load_plan
from tests.factories import create_user, department
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import Fact, Milestone, Update, User
from tracker.services.commands.screens import create_link


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


FIRST_REVISION = "6e38e968a05d"


def _rows_of(tables: dict[str, list[str]]) -> dict[str, list[tuple[object, ...]]]:
    """The rows of these tables, on these columns only, in a stable order."""
    found = {}
    with db.engine.connect() as connection:
        for name, columns in tables.items():
            query = sa.text(f"SELECT {', '.join(columns)} FROM {name}")
            found[name] = sorted(tuple(row) for row in connection.execute(query))
    return found


def test_a_database_at_the_first_migration_with_data_upgrades_with_nothing_lost(
    seeded: Flask,
) -> None:
    """Every row and value of the first schema survives every later migration."""
    create_user("old-lead", "dept_lead", department=department("gxj"))
    db.session.commit()
    db.session.remove()
    downgrade(revision=FIRST_REVISION)
    first = sa.MetaData()
    first.reflect(bind=db.engine)
    tables = {
        t.name: [c.name for c in t.columns]
        for t in first.sorted_tables
        if t.name != "alembic_version"
    }
    assert {"plan", "milestone", "plan_update", "app_user"} <= tables.keys()
    before = _rows_of(tables)
    assert all(before[name] for name in ("plan", "milestone", "plan_update", "app_user"))
    upgrade()
    assert _rows_of(tables) == before


def test_plans_loaded_before_plan_states_are_active(seeded: Flask) -> None:
    """The plan-states migration keeps every existing plan taking work, as it did."""
    db.session.remove()
    downgrade(revision="19faa6fddad7")
    with db.engine.connect() as connection:
        assert "state" not in {c["name"] for c in sa.inspect(connection).get_columns("plan")}
    upgrade()
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT code, state, closed_on FROM plan")).all()
    assert [tuple(row) for row in rows] == [("shinan-2020", "active", None)]


def test_screen_links_made_before_plans_were_named_show_the_default_plan(seeded: Flask) -> None:
    create_link(Who(datetime(2020, 12, 1, tzinfo=UTC)), label="Room 3")
    db.session.commit()
    db.session.remove()
    downgrade(revision="3c1f0a7d2b6e")
    upgrade()
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT label, plan_id FROM screen_link")).all()
    assert [tuple(row) for row in rows] == [("Room 3", None)]


def test_evidence_rows_from_before_the_content_table_survive_its_migration(
    seeded: Flask,
) -> None:
    """Evidence rows stay as they were; their files are moved later (`flask attachments move`)."""
    wang = create_user("wang", "dept_lead", department=department("gxj"))
    db.session.commit()
    wang_id = wang.id
    db.session.remove()
    downgrade(revision="9c3d7a1e5b42")
    with db.engine.begin() as connection:
        assert "attachment_content" not in sa.inspect(connection).get_table_names()
        item_id = connection.execute(sa.text("SELECT id FROM item WHERE code = 'T1'")).scalar_one()
        connection.execute(
            sa.text(
                "INSERT INTO attachment (item_id, uploaded_by_id, uploaded_at, original_name,"
                " stored_name, content_type, size, sha256) VALUES (:item, :user,"
                " '2020-12-20 09:30:00', '月报.pdf', :name, 'application/pdf', 3, :sha)"
            ),
            {"item": item_id, "user": wang_id, "name": "a" * 32, "sha": "b" * 64},
        )
    upgrade()
    with db.engine.begin() as connection:
        rows = connection.execute(sa.text("SELECT stored_name, size FROM attachment")).all()
        assert [tuple(row) for row in rows] == [("a" * 32, 3)]
        connection.execute(
            sa.text("INSERT INTO attachment_content (stored_name, data) VALUES (:name, :data)"),
            {"name": "a" * 32, "data": b"%PD"},
        )
        stored = connection.execute(sa.text("SELECT data FROM attachment_content")).scalar_one()
    assert bytes(stored) == b"%PD"


def test_milestones_and_facts_from_before_date_precision_keep_exact_days(seeded: Flask) -> None:
    """Rows from before 0011 meant exact days and still do; loading the plan file again then
    marks what it says is known only as "done by" a day, and facts dated by month or year.
    """
    db.session.remove()
    downgrade(revision="3a271aded53b")
    with db.engine.begin() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("milestone")}
        assert "completed_on_exact" not in columns
        # As the plan file of that time left it: no such history, facts on made-up days.
        connection.execute(sa.text("DELETE FROM plan_update WHERE field = 'completed_on_exact'"))
        connection.execute(sa.text("UPDATE fact SET happened_on = '2019-01-01'"))
    upgrade()
    with db.engine.connect() as connection:
        exact = connection.execute(
            sa.text("SELECT DISTINCT completed_on_exact FROM milestone")
        ).scalars()
        precisions = connection.execute(sa.text("SELECT DISTINCT date_precision FROM fact"))
        assert [bool(value) for value in exact] == [True]
        assert [row[0] for row in precisions] == ["day"]
    load_plan()
    milestones = {m.code: m for m in db.session.scalars(sa.select(Milestone))}
    assert not milestones["T1-1"].completed_on_exact
    assert milestones["T2-1"].completed_on_exact  # 2020-08-28: a day the report gives
    exactness = db.session.scalars(
        sa.select(Update.new_value).where(
            Update.milestone_id == milestones["T1-1"].id, Update.field == "completed_on_exact"
        )
    ).all()
    assert exactness == ["False"]
    alliance = db.session.scalar(sa.select(Fact).where(Fact.text_zh.contains("6位院士")))
    assert alliance is not None
    assert (alliance.happened_on, alliance.date_precision) == (date(2019, 1, 1), "year")


def test_group_robots_migration_goes_down_and_up_and_holds_one_scope(seeded: Flask) -> None:
    """0013 adds the robots and their posts; a robot is for a department or a plan, never
    both and never neither, whatever writes the row."""
    db.session.remove()
    downgrade(revision="3a271aded53b")
    with db.engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
    assert not {"webhook", "webhook_delivery"} & tables
    upgrade()
    gxj = department("gxj").id
    insert = sa.text(
        "INSERT INTO webhook (kind, label, url, secret, department_id, plan_id, active,"
        " created_at) VALUES ('wecom', 'g', 'https://r.example/s', '', :department, :plan,"
        " true, '2020-12-01 09:00:00')"
    )
    with db.engine.begin() as connection:
        plan_id = connection.execute(sa.text("SELECT id FROM plan")).scalar_one()
        connection.execute(insert, {"department": gxj, "plan": None})
        connection.execute(insert, {"department": None, "plan": plan_id})
    for department_id, plan_id_or_none in ((gxj, plan_id), (None, None)):
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(insert, {"department": department_id, "plan": plan_id_or_none})


def test_close_out_migration_closes_out_what_was_done_before_it(seeded: Flask) -> None:
    """0018 adds close-out (销号): milestones already done were accepted before close-out was
    kept, so they come out closed; open ones have nothing to close out."""
    db.session.remove()
    downgrade(revision="3a90c504e274")
    with db.engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("milestone")}
        before = dict(
            connection.execute(sa.text("SELECT code, reported_status FROM milestone")).all()
        )
    assert "close_out" not in columns
    assert "done" in before.values()
    assert set(before.values()) - {"done"}
    upgrade()
    with db.engine.connect() as connection:
        after = {
            code: (status, close)
            for code, status, close in connection.execute(
                sa.text("SELECT code, reported_status, close_out FROM milestone")
            )
        }
    assert after == {
        code: (status, "closed" if status == "done" else None) for code, status in before.items()
    }
