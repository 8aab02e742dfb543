"""Sub-tasks (多级分解): the rules and roll-up as plain functions, then the commands on the
Shinan plan (T1-3, due 2020-12-31, assigned to gxj), the race of two reports at once on both
engines, and the milestone report taking its progress from the roll-up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import load_plan, table_snapshot
from tests.factories import create_user, department
from tests.races import at_once
from tracker.domain.policy import Action, Actor, MilestoneTarget, Role, SubtaskTarget, can
from tracker.domain.refusal import Refused, Who
from tracker.domain.reporting import MilestoneReport
from tracker.domain.status import Status
from tracker.domain.subtasks import (
    Assignee,
    Part,
    ProgressMode,
    SubtaskDraft,
    SubtaskProblem,
    SubtaskReport,
    report_problems,
    rollup,
    subtask_problems,
)
from tracker.extensions import db
from tracker.models import Milestone, Report, Subtask, SubtaskUpdate, Update, User
from tracker.services.commands.reports import submit_milestone_report
from tracker.services.commands.subtasks import (
    SubtaskInput,
    create_subtask,
    delete_subtask,
    edit_subtask,
    report_subtask,
    set_progress_mode,
)
from tracker.services.queries.subtasks import milestone_rollup, my_subtasks
from tracker.unit_of_work import unit_of_work

NOW = datetime(2020, 12, 20, 2, 0, tzinfo=UTC)
TODAY = date(2020, 12, 20)
MILESTONE_DUE = date(2020, 12, 31)
PLAN_START = date(2020, 1, 1)
OWN = 7
STAFF = Assignee(department_id=OWN, role="staff", active=True)

# Rules


def draft(**overrides: object) -> SubtaskDraft:
    values: dict[str, object] = {
        "title": "核查铁塔月报",
        "due": date(2020, 12, 15),
        "weight": 1.0,
        "assignee": STAFF,
    }
    values.update(overrides)
    return SubtaskDraft(**values)  # type: ignore[arg-type]


def problems(**overrides: object) -> list[SubtaskProblem]:
    return subtask_problems(
        draft(**overrides), department_id=OWN, milestone_due=MILESTONE_DUE, plan_start=PLAN_START
    )


def test_a_good_subtask_has_no_problems() -> None:
    assert problems() == []
    assert problems(due=MILESTONE_DUE) == []  # on the milestone's own day is fine
    assert problems(assignee=Assignee(OWN, "dept_lead", True)) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"title": "  "}, [SubtaskProblem.TITLE_REQUIRED]),
        ({"title": "长" * 201}, [SubtaskProblem.TITLE_TOO_LONG]),
        ({"due": None}, [SubtaskProblem.DUE_REQUIRED]),
        ({"due": date(2021, 1, 1)}, [SubtaskProblem.DUE_AFTER_MILESTONE]),
        ({"due": date(2019, 12, 31)}, [SubtaskProblem.DUE_BEFORE_PLAN]),
        ({"weight": 0.0}, [SubtaskProblem.WEIGHT]),
        ({"weight": -1.0}, [SubtaskProblem.WEIGHT]),
        ({"weight": None}, [SubtaskProblem.WEIGHT]),
        ({"assignee": None}, [SubtaskProblem.ASSIGNEE_REQUIRED]),
        (
            {"assignee": Assignee(OWN + 1, "staff", True)},
            [SubtaskProblem.ASSIGNEE_OTHER_DEPARTMENT],
        ),
        ({"assignee": Assignee(None, "viewer", True)}, [SubtaskProblem.ASSIGNEE_OTHER_DEPARTMENT]),
        ({"assignee": Assignee(OWN, "staff", False)}, [SubtaskProblem.ASSIGNEE_INACTIVE]),
    ],
)
def test_subtask_problems(overrides: dict[str, object], expected: list[SubtaskProblem]) -> None:
    assert problems(**overrides) == expected


def test_every_problem_is_reported_at_once() -> None:
    assert problems(title="", due=None, weight=0.0, assignee=None) == [
        SubtaskProblem.TITLE_REQUIRED,
        SubtaskProblem.DUE_REQUIRED,
        SubtaskProblem.WEIGHT,
        SubtaskProblem.ASSIGNEE_REQUIRED,
    ]


def test_report_problems() -> None:
    assert report_problems(SubtaskReport(Status.ON_TRACK, 50, "")) == []
    assert report_problems(SubtaskReport(Status.ON_TRACK, 101, "")) == [
        SubtaskProblem.PROGRESS_RANGE
    ]
    assert report_problems(SubtaskReport(Status.AT_RISK, 50, " ")) == [SubtaskProblem.NOTE_REQUIRED]
    assert report_problems(SubtaskReport(Status.DELAYED, 50, "x" * 4001)) == [
        SubtaskProblem.NOTE_TOO_LONG
    ]


def test_rollup_is_the_weighted_mean_and_a_done_part_counts_100() -> None:
    assert rollup([]) is None
    # (1 × 40 + 3 × 70) / 4 = 62.5 → 63 (half up)
    rolled = rollup([Part(1, 40, Status.ON_TRACK), Part(3, 70, Status.AT_RISK)])
    assert rolled is not None
    assert (rolled.progress, rolled.count, rolled.done, rolled.all_done) == (63, 2, 0, False)
    # A done part counts 100 whatever its progress says: (2 × 100 + 2 × 24) / 4 = 62
    rolled = rollup([Part(2, 30, Status.DONE), Part(2, 24, Status.ON_TRACK)])
    assert rolled is not None
    assert (rolled.progress, rolled.done, rolled.all_done) == (62, 1, False)


def test_rollup_says_100_and_all_done_only_when_every_part_is_done() -> None:
    almost = rollup([Part(999, 100, Status.ON_TRACK), Part(1, 0, Status.NOT_STARTED)])
    assert almost is not None
    assert (almost.progress, almost.all_done) == (99, False)
    done = rollup([Part(1, 100, Status.DONE), Part(1, 0, Status.DONE)])
    assert done is not None
    assert (done.progress, done.all_done) == (100, True)


def test_policy_sub_tasks_are_the_departments_business() -> None:
    target = MilestoneTarget(department_id=OWN, item_lead_department_id=OWN + 5)
    lead = Actor(Role.DEPT_LEAD, department_id=OWN, user_id=1)
    staff = Actor(Role.STAFF, department_id=OWN, user_id=2)
    other_staff = Actor(Role.STAFF, department_id=OWN, user_id=3)
    item_lead = Actor(Role.DEPT_LEAD, department_id=OWN + 5, user_id=4)
    coordinating = Actor(Role.DEPT_LEAD, department_id=99, department_coordinating=True)
    leader = Actor(Role.LEADER, user_id=5)
    viewer = Actor(Role.VIEWER, user_id=6)
    admin = Actor(Role.ADMIN, user_id=8)
    view = (lead, staff, item_lead, coordinating, leader, viewer, admin)
    assert [can(a, Action.VIEW_SUBTASKS, target) for a in view] == [
        True,
        True,
        False,
        False,
        True,
        False,
        True,
    ]
    manage = [can(a, Action.MANAGE_SUBTASKS, target) for a in (lead, staff, leader, admin)]
    assert manage == [True, False, False, True]
    mine = SubtaskTarget(department_id=OWN, assignee_id=2)
    reporters = (lead, staff, other_staff, item_lead, leader, admin)
    assert [can(a, Action.REPORT_SUBTASK, mine) for a in reporters] == [
        True,
        True,
        False,
        False,
        False,
        True,
    ]
    # Staff change nothing else: no milestone report, no review, no instruction.
    for action in (Action.UPDATE_MILESTONE, Action.REVIEW_UPDATES, Action.INSTRUCT):
        assert not can(staff, action, target)
    assert can(staff, Action.VIEW_BOARD)
    assert can(staff, Action.VIEW_ITEM)


# Commands on the Shinan plan


@pytest.fixture
def people(app: Flask) -> None:
    load_plan()
    create_user("wang", "dept_lead", department=department("gxj"))
    create_user("zhao", "staff", department=department("gxj"))
    create_user("qian", "staff", department=department("gxj"))
    create_user("sun", "staff", department=department("swj"))
    create_user("gone", "staff", department=department("gxj"), active=False)


def user(name: str) -> User:
    found = db.session.scalar(sa.select(User).where(User.username == name))
    assert found is not None
    return found


def milestone(code: str = "T1-3") -> Milestone:
    db.session.expire_all()
    found = db.session.scalar(sa.select(Milestone).where(Milestone.code == code))
    assert found is not None
    return found


def given(**overrides: object) -> SubtaskInput:
    values: dict[str, object] = {
        "title": "核查铁塔月报",
        "due": date(2020, 12, 15),
        "weight": 1.0,
        "assignee": user("zhao"),
    }
    values.update(overrides)
    return SubtaskInput(**values)  # type: ignore[arg-type]


def add(title: str, person: str, weight: float = 1.0) -> Subtask:
    with unit_of_work():
        return create_subtask(
            Who(NOW, user("wang")),
            milestone(),
            given(title=title, assignee=user(person), weight=weight),
        )


def test_create_keeps_the_subtask_in_order(people: None) -> None:
    first = add("核查铁塔月报", "zhao")
    second = add("走访重点楼宇", "qian", weight=3)
    rows = db.session.scalars(sa.select(Subtask).order_by(Subtask.position)).all()
    assert [(s.title, s.assignee.username, s.weight, s.status, s.progress) for s in rows] == [
        ("核查铁塔月报", "zhao", 1.0, "not_started", 0),
        ("走访重点楼宇", "qian", 3.0, "not_started", 0),
    ]
    assert first.position < second.position
    assert {s.department_id for s in rows} == {department("gxj").id}
    assert my_subtasks(user("qian").id) == [second]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"due": date(2021, 1, 1)}, SubtaskProblem.DUE_AFTER_MILESTONE),
        ({"title": ""}, SubtaskProblem.TITLE_REQUIRED),
        ({"weight": 0.0}, SubtaskProblem.WEIGHT),
        ({"assignee": "sun"}, SubtaskProblem.ASSIGNEE_OTHER_DEPARTMENT),
        ({"assignee": "gone"}, SubtaskProblem.ASSIGNEE_INACTIVE),
    ],
)
def test_bad_subtasks_are_refused_and_write_nothing(
    people: None, overrides: dict[str, object], expected: SubtaskProblem
) -> None:
    if "assignee" in overrides:
        overrides["assignee"] = user(str(overrides["assignee"]))
    before = table_snapshot()
    with pytest.raises(Refused) as refused, unit_of_work():
        create_subtask(Who(NOW, user("wang")), milestone(), given(**overrides))
    assert refused.value.problems == [expected]
    assert refused.value.context["milestone_due"] == "2020-12-31"
    assert table_snapshot() == before


def test_edit_changes_the_fields_and_refuses_a_stale_form(people: None) -> None:
    subtask = add("核查铁塔月报", "zhao")
    version = subtask.version
    with unit_of_work():
        edit_subtask(
            Who(NOW, user("wang")),
            subtask,
            given(title="核查铁塔12月报", assignee=user("qian"), weight=2.0),
            version=version,
        )
    db.session.expire_all()
    edited = db.session.get(Subtask, subtask.id)
    assert edited is not None
    assert (edited.title, edited.assignee.username, edited.weight) == ("核查铁塔12月报", "qian", 2)
    with pytest.raises(Refused) as refused, unit_of_work():
        edit_subtask(Who(NOW, user("wang")), edited, given(), version=version)
    assert refused.value.problems == [SubtaskProblem.REPORTED_MEANWHILE]


def test_staff_report_is_kept_with_who_when_what_and_why(people: None) -> None:
    subtask = add("核查铁塔月报", "zhao")
    with unit_of_work():
        report_subtask(
            Who(NOW, user("zhao")),
            subtask,
            SubtaskReport(Status.AT_RISK, 30, " 铁塔数据延迟 "),
            version=subtask.version,
            today=TODAY,
        )
    db.session.expire_all()
    saved = db.session.get(Subtask, subtask.id)
    assert saved is not None
    assert (saved.status, saved.progress, saved.version) == ("at_risk", 30, 2)
    kept = db.session.scalars(sa.select(SubtaskUpdate)).all()
    assert [(u.user.username, u.created_at, u.status, u.progress, u.note) for u in kept] == [
        ("zhao", NOW, "at_risk", 30, "铁塔数据延迟")
    ]
    # Append-only: the kept report can be neither changed nor deleted.
    kept[0].note = "改写"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    # Done counts 100 and keeps the day.
    with unit_of_work():
        report_subtask(
            Who(NOW, user("zhao")),
            saved,
            SubtaskReport(Status.DONE, 80, ""),
            version=2,
            today=TODAY,
        )
    db.session.expire_all()
    done = db.session.get(Subtask, subtask.id)
    assert done is not None
    assert (done.status, done.progress, done.completed_on) == ("done", 100, TODAY)


def test_a_bad_report_is_refused_and_writes_nothing(people: None) -> None:
    subtask = add("核查铁塔月报", "zhao")
    before = table_snapshot()
    with pytest.raises(Refused) as refused, unit_of_work():
        report_subtask(
            Who(NOW, user("zhao")),
            subtask,
            SubtaskReport(Status.DELAYED, 30, ""),
            version=subtask.version,
            today=TODAY,
        )
    assert refused.value.problems == [SubtaskProblem.NOTE_REQUIRED]
    assert table_snapshot() == before


def test_a_subtask_reported_on_is_not_deleted(people: None) -> None:
    keep = add("核查铁塔月报", "zhao")
    drop = add("误建", "qian")
    with unit_of_work():
        report_subtask(
            Who(NOW, user("zhao")),
            keep,
            SubtaskReport(Status.ON_TRACK, 10, ""),
            version=keep.version,
            today=TODAY,
        )
    with pytest.raises(Refused) as refused, unit_of_work():
        delete_subtask(Who(NOW, user("wang")), db.session.get(Subtask, keep.id))
    assert refused.value.problems == [SubtaskProblem.HAS_REPORTS]
    with unit_of_work():
        delete_subtask(Who(NOW, user("wang")), db.session.get(Subtask, drop.id))
    assert [s.title for s in db.session.scalars(sa.select(Subtask))] == ["核查铁塔月报"]


@pytest.mark.parametrize("trial", range(3))
def test_two_reports_at_once_have_exactly_one_winner(app: Flask, people: None, trial: int) -> None:
    subtask = add(f"核查铁塔月报 {trial}", "zhao")
    subtask_id, version = subtask.id, subtask.version
    db.session.remove()

    def reporting(name: str, progress: int) -> Callable[[], None]:
        def act() -> None:
            report_subtask(
                Who(NOW, user(name)),
                db.session.get(Subtask, subtask_id),
                SubtaskReport(Status.ON_TRACK, progress, name),
                version=version,
                today=TODAY,
            )

        return act

    outcomes = at_once(app, reporting("zhao", 40), reporting("wang", 60))
    winners = [o is None for o in outcomes]
    assert winners.count(True) == 1, outcomes
    loser = outcomes[winners.index(False)]
    assert isinstance(loser, Refused)
    assert loser.problems == [SubtaskProblem.REPORTED_MEANWHILE]
    saved = db.session.get(Subtask, subtask_id)
    kept = db.session.scalars(
        sa.select(SubtaskUpdate).where(SubtaskUpdate.subtask_id == subtask_id)
    ).all()
    assert saved is not None
    assert saved.progress == (40 if winners[0] else 60)
    assert saved.version == version + 1
    assert [(u.progress, u.note) for u in kept] == [(saved.progress, u.note) for u in kept]
    assert len(kept) == 1


def test_mode_switch_and_the_milestone_report_takes_the_rollup(people: None) -> None:
    wang = user("wang")
    target = milestone()
    # Nothing to roll up yet: refused.
    with pytest.raises(Refused) as refused, unit_of_work():
        set_progress_mode(
            Who(NOW, wang), target, ProgressMode.SUBTASKS, today=TODAY, version=target.version
        )
    assert refused.value.problems == [SubtaskProblem.NO_SUBTASKS]
    first = add("核查铁塔月报", "zhao", weight=1)
    second = add("走访重点楼宇", "qian", weight=3)
    for part, progress in ((first, 40), (second, 70)):
        with unit_of_work():
            report_subtask(
                Who(NOW, wang),
                part,
                SubtaskReport(Status.ON_TRACK, progress, ""),
                version=part.version,
                today=TODAY,
            )
    target = milestone()
    with unit_of_work():
        changed = set_progress_mode(
            Who(NOW, wang), target, ProgressMode.SUBTASKS, today=TODAY, version=target.version
        )
    assert changed
    target = milestone()
    assert target.progress_mode == "subtasks"
    rolled = milestone_rollup(target.id)
    assert rolled is not None
    assert rolled.progress == 63  # (40 + 3 × 70) / 4 = 62.5
    history = db.session.scalars(
        sa.select(Update).where(Update.field == "progress_mode", Update.milestone_id == target.id)
    ).all()
    assert [(h.old_value, h.new_value, h.user_id) for h in history] == [
        ("direct", "subtasks", wang.id)
    ]
    # The lead's report says 90; the roll-up (63) is what goes to review.
    with unit_of_work():
        report = submit_milestone_report(
            Who(NOW, wang),
            target,
            MilestoneReport(Status.ON_TRACK, 90, None, "按子任务汇总"),
            version=target.version,
            today=TODAY,
        )
    saved = db.session.get(Report, report.id)
    assert saved is not None
    assert (saved.state, saved.progress) == ("submitted", 63)
    assert milestone().progress == 64  # the approved figure stays until the office approves


def test_direct_mode_report_is_unchanged(people: None) -> None:
    add("核查铁塔月报", "zhao")
    target = milestone()
    with unit_of_work():
        report = submit_milestone_report(
            Who(NOW, user("wang")),
            target,
            MilestoneReport(Status.ON_TRACK, 90, None, "直接填报"),
            version=target.version,
            today=TODAY,
        )
    saved = db.session.get(Report, report.id)
    assert saved is not None
    assert saved.progress == 90


@pytest.mark.parametrize("trial", range(3))
def test_a_removal_and_a_report_at_once_leave_no_report_without_its_sub_task(
    app: Flask, people: None, trial: int
) -> None:
    """The lead removes a sub-task as its assignee reports on it: one of them wins; the other
    is refused (nothing written), never a report of a sub-task that is gone."""
    subtask = add(f"误建 {trial}", "zhao")
    subtask_id, version = subtask.id, subtask.version
    db.session.remove()

    def removing() -> None:
        delete_subtask(Who(NOW, user("wang")), db.session.get(Subtask, subtask_id))

    def reporting() -> None:
        report_subtask(
            Who(NOW, user("zhao")),
            db.session.get(Subtask, subtask_id),
            SubtaskReport(Status.ON_TRACK, 30, "已开始"),
            version=version,
            today=TODAY,
        )

    outcomes = at_once(app, removing, reporting)
    assert [o is None for o in outcomes].count(True) == 1, outcomes
    assert all(isinstance(o, Refused) for o in outcomes if o is not None), outcomes
    saved = db.session.get(Subtask, subtask_id)
    kept = db.session.scalars(
        sa.select(SubtaskUpdate).where(SubtaskUpdate.subtask_id == subtask_id)
    ).all()
    if outcomes[0] is None:  # removed: no report was kept
        assert (saved, kept) == (None, [])
    else:  # reported: the sub-task stays with its one report
        assert saved is not None
        assert [u.note for u in kept] == ["已开始"]
