"""Loading a plan file: what it writes the first time, and what a revised file changes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import Flask

from tests.conftest import FIXTURES
from tracker.domain.planfile import parse_plan_file
from tracker.extensions import db
from tracker.models import Item, Measurement, Milestone, Update
from tracker.services.commands.plan_sync import sync_plan

NOW = datetime(2021, 1, 5, 9, 0, tzinfo=UTC)


def milestone(code: str) -> Milestone:
    return db.session.scalar(sa.select(Milestone).where(Milestone.code == code))


def test_first_load_records_initial_state_dated_when_it_became_true(app: Flask) -> None:
    report = sync_plan(parse_plan_file(FIXTURES / "small-plan.yaml"), now=NOW, note="small")
    db.session.commit()
    assert report.created["items"] == 3
    assert report.created["milestones"] == 4

    done = milestone("X1-a")
    assert (done.reported_status, done.progress, done.completed_on) == (
        "done",
        100,
        date(2021, 1, 20),
    )
    rows = db.session.scalars(
        sa.select(Update).where(Update.milestone_id == done.id).order_by(Update.field)
    ).all()
    assert [(r.field, r.old_value, r.new_value, r.effective_on) for r in rows] == [
        ("completed_on", None, "2021-01-20", date(2021, 1, 20)),
        ("progress", None, "100", date(2021, 1, 20)),
        ("status", None, "done", date(2021, 1, 20)),
    ]
    assert {r.origin for r in rows} == {"plan_file"}
    assert all(r.user_id is None for r in rows)

    # Progress on an open milestone counts from the plan's report date.
    open_rows = db.session.scalars(
        sa.select(Update).where(Update.milestone_id == milestone("X1-b").id)
    ).all()
    assert {r.effective_on for r in open_rows} == {date(2021, 1, 1)}
    # A milestone with nothing to report has no history yet.
    untouched = milestone("X2-a")
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Update)
            .where(Update.milestone_id == untouched.id)
        )
        == 0
    )
    assert milestone("X1-b").department.code == "it"
    assert milestone("X2-a").department.code == "it"  # defaults to the item's lead


def test_reload_does_not_override_reported_status(app: Flask) -> None:
    spec = parse_plan_file(FIXTURES / "small-plan.yaml")
    sync_plan(spec, now=NOW, note="small")
    db.session.commit()
    reported = milestone("X1-b")
    reported.reported_status = "at_risk"
    reported.progress = 55
    db.session.commit()

    report = sync_plan(spec, now=NOW, note="small")
    db.session.commit()
    assert report.unchanged
    assert (milestone("X1-b").reported_status, milestone("X1-b").progress) == ("at_risk", 55)


def test_unchanged_baseline_leaves_a_postponed_due_date_alone(app: Flask) -> None:
    spec = parse_plan_file(FIXTURES / "small-plan.yaml")
    sync_plan(spec, now=NOW, note="small")
    db.session.commit()
    postponed = milestone("X2-a")
    postponed.due = date(2022, 3, 31)  # what an approved postponement does
    db.session.commit()

    sync_plan(spec, now=NOW, note="small")
    db.session.commit()
    assert milestone("X2-a").due == date(2022, 3, 31)
    assert milestone("X2-a").baseline_due == date(2021, 12, 31)


def test_revised_file_moves_item_and_keeps_history(app: Flask) -> None:
    spec = parse_plan_file(FIXTURES / "small-plan.yaml")
    sync_plan(spec, now=NOW, note="small")
    db.session.commit()
    history_before = db.session.scalar(sa.select(sa.func.count()).select_from(Update))

    first, second = spec.groups
    moved = dataclasses.replace(first.items[1], lead="ops", supporting=("it",))
    revised = dataclasses.replace(
        spec,
        groups=(
            dataclasses.replace(first, items=(first.items[0],)),
            dataclasses.replace(second, items=(*second.items, moved)),
        ),
    )
    sync_plan(revised, now=NOW, note="small v2")
    db.session.commit()

    item = db.session.scalar(sa.select(Item).where(Item.code == "X2"))
    assert item.group.code == "second"
    assert item.lead_department.code == "ops"
    assert [d.code for d in item.supporting_departments] == ["it"]
    changes = db.session.scalars(
        sa.select(Update).where(Update.item_id == item.id, Update.note == "small v2")
    ).all()
    assert {(c.field, c.old_value, c.new_value) for c in changes} == {
        ("lead_department", "it", "ops"),
        ("supporting_departments", "", "it"),
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Update)) == history_before + 2


def test_measurements_from_file_are_loaded_once(app: Flask) -> None:
    spec = parse_plan_file(FIXTURES / "small-plan.yaml")
    sync_plan(spec, now=NOW, note="small")
    sync_plan(spec, now=NOW, note="small")
    db.session.commit()
    rows = db.session.scalars(sa.select(Measurement)).all()
    assert [(m.measured_on, m.value, m.from_plan_file) for m in rows] == [
        (date(2021, 1, 1), 10, True)
    ]
