"""Loading a plan file: what it writes the first time, and what a revised file changes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import Flask

from tests.conftest import FIXTURES
from tests.factories import create_user, department
from tracker.cli import DEFAULT_PLAN
from tracker.domain.planfile import PlanSpec, parse_plan_file
from tracker.domain.refusal import Who
from tracker.domain.reporting import MilestoneReport
from tracker.domain.status import Status, Timeliness, timeliness
from tracker.extensions import db
from tracker.models import Item, Measurement, Milestone, Plan, Update
from tracker.services.commands.plan_sync import sync_plan
from tracker.services.commands.reports import approve_report, submit_milestone_report
from tracker.services.queries.progress import replayed_states

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


def _with_completion(spec: PlanSpec, code: str, exact: bool) -> PlanSpec:
    """The plan file with one milestone's completed_on/completed_by switched."""
    groups = tuple(
        dataclasses.replace(
            group,
            items=tuple(
                dataclasses.replace(
                    item,
                    milestones=tuple(
                        dataclasses.replace(m, completed_on_exact=exact) if m.code == code else m
                        for m in item.milestones
                    ),
                )
                for item in group.items
            ),
        )
        for group in spec.groups
    )
    return dataclasses.replace(spec, groups=groups)


def test_done_by_a_day_loads_once_and_a_corrected_file_follows(app: Flask) -> None:
    """completed_by is stored as a bound; loading the same file again changes nothing; a file
    that now gives the day (same date) corrects it, with a line in the history."""
    spec = parse_plan_file(DEFAULT_PLAN)
    sync_plan(spec, now=NOW, note="shinan")
    db.session.commit()
    assert (milestone("T1-1").completed_on, milestone("T1-1").completed_on_exact) == (
        date(2020, 9, 25),
        False,
    )
    assert sync_plan(spec, now=NOW, note="shinan").unchanged

    sync_plan(_with_completion(spec, "T1-1", True), now=NOW, note="fixed")
    db.session.commit()
    assert milestone("T1-1").completed_on_exact
    rows = db.session.execute(
        sa.select(Update.old_value, Update.new_value, Update.effective_on).where(
            Update.milestone_id == milestone("T1-1").id,
            Update.field == "completed_on_exact",
            Update.note == "fixed",
        )
    ).all()
    assert [tuple(r) for r in rows] == [("False", "True", date(2020, 9, 25))]


def test_a_completion_the_departments_reported_is_not_touched_by_the_file(app: Flask) -> None:
    spec = parse_plan_file(DEFAULT_PLAN)
    sync_plan(spec, now=NOW, note="shinan")
    db.session.commit()
    wang = create_user("wang", "dept_lead", department=department("gxj"))
    li = create_user("li", "dept_lead", department=department("kjj"))
    t1_1 = milestone("T1-1")
    report = submit_milestone_report(
        Who(now=datetime(2020, 10, 8, 2, tzinfo=UTC), actor=wang),
        t1_1,
        MilestoneReport(Status.DONE, 100, date(2020, 9, 18), "四个率先 confirmed on 18 September"),
        version=t1_1.version,
        today=date(2020, 10, 8),
    )
    approve_report(
        Who(now=datetime(2020, 10, 9, 2, tzinfo=UTC), actor=li), report, today=date(2020, 10, 9)
    )
    db.session.commit()
    # The department gave the day: it is known now, and counts as on time.
    assert (milestone("T1-1").completed_on, milestone("T1-1").completed_on_exact) == (
        date(2020, 9, 18),
        True,
    )
    plan = db.session.scalar(sa.select(Plan))
    assert plan is not None
    before = replayed_states(plan, date(2020, 10, 8))[t1_1.id]  # the day before approval
    assert before is not None
    assert (before.completed_on, before.completed_on_exact) == (date(2020, 9, 25), False)
    after = replayed_states(plan, date(2020, 10, 9))[t1_1.id]
    assert after is not None
    assert (after.completed_on, after.completed_on_exact) == (date(2020, 9, 18), True)
    assert timeliness(after, date(2020, 10, 9)) is Timeliness.ON_TIME

    sync_plan(spec, now=NOW, note="shinan again")  # still says completed_by: 2020-09-25
    db.session.commit()
    assert (milestone("T1-1").completed_on, milestone("T1-1").completed_on_exact) == (
        date(2020, 9, 18),
        True,
    )
