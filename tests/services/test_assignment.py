"""Assignment: the rules as plain functions, then the service on the Shinan plan."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.factories import create_department, create_user, department
from tracker.domain.assignment import (
    MAX_WEIGHT,
    AssignmentProblem,
    assignee_problems,
    code_problems,
    due_problems,
    moved_positions,
    supporting_problems,
    title_problems,
    weight_problems,
)
from tracker.domain.refusal import Refused, Who
from tracker.extensions import db
from tracker.models import Item, Milestone, Update, User
from tracker.services.commands.assignment import (
    create_milestone,
    move_milestone,
    set_item_departments,
    update_milestone,
)
from tracker.services.queries.assignment import ordered_milestones

NOW = datetime(2021, 3, 1, 2, 0, tzinfo=UTC)
TODAY = date(2021, 3, 1)

# Rules


def test_code_problems() -> None:
    assert code_problems("T1-6", taken=False) == []
    assert code_problems("a.b_c-9", taken=False) == []
    assert code_problems("x" * 32, taken=False) == []
    for bad in ("", "-T1", "T1 6", "x" * 33, "节点1", "T1/6"):
        assert code_problems(bad, taken=False) == [AssignmentProblem.CODE_INVALID], bad
    assert code_problems("T1-3", taken=True) == [AssignmentProblem.CODE_TAKEN]


def test_title_problems() -> None:
    assert title_problems("新节点", "") == []
    assert title_problems("  ", "New") == [AssignmentProblem.TITLE_REQUIRED]
    assert title_problems("长" * 301, "") == [AssignmentProblem.TITLE_TOO_LONG]
    assert title_problems("新节点", "x" * 401) == [AssignmentProblem.TITLE_TOO_LONG]


def test_due_problems() -> None:
    period = {"plan_start": date(2020, 1, 1), "plan_end": date(2022, 12, 31)}
    assert due_problems(date(2020, 1, 1), **period) == []
    assert due_problems(date(2022, 12, 31), **period) == []
    assert due_problems(date(2019, 12, 31), **period) == [AssignmentProblem.DUE_OUTSIDE_PLAN]
    assert due_problems(date(2023, 1, 1), **period) == [AssignmentProblem.DUE_OUTSIDE_PLAN]


@pytest.mark.parametrize("weight", [0.01, 1.0, 2.5, MAX_WEIGHT])
def test_good_weights(weight: float) -> None:
    assert weight_problems(weight) == []


@pytest.mark.parametrize(
    "weight", [0.0, -1.0, MAX_WEIGHT + 0.1, 1e300, float("inf"), float("-inf"), float("nan")]
)
def test_bad_weights(weight: float) -> None:
    assert weight_problems(weight) == [AssignmentProblem.WEIGHT_INVALID]


def test_supporting_problems() -> None:
    assert supporting_problems(1, [2, 3]) == []
    assert supporting_problems(1, []) == []
    assert supporting_problems(1, [2, 1]) == [AssignmentProblem.LEAD_IS_SUPPORTING]


def test_assignee_problems() -> None:
    same = {"department_id": 5, "assignee_department_id": 5}
    assert assignee_problems(**same, assignee_active=True, assignee_changed=True) == []
    assert assignee_problems(**same, assignee_active=False, assignee_changed=True) == [
        AssignmentProblem.ASSIGNEE_INACTIVE
    ]
    # Someone who left stays on record until the milestone is reassigned.
    assert assignee_problems(**same, assignee_active=False, assignee_changed=False) == []
    for other in (6, None):
        assert assignee_problems(
            department_id=5,
            assignee_department_id=other,
            assignee_active=True,
            assignee_changed=True,
        ) == [AssignmentProblem.ASSIGNEE_NOT_IN_DEPARTMENT]


def test_moved_positions_swap_with_the_neighbour() -> None:
    order = [(10, 0), (11, 1), (12, 2)]
    assert moved_positions(order, 11, "up") == {10: 1, 11: 0}
    assert moved_positions(order, 11, "down") == {11: 2, 12: 1}
    assert moved_positions(order, 10, "up") is None
    assert moved_positions(order, 12, "down") is None
    assert moved_positions([(10, 0)], 10, "down") is None


def test_moved_positions_with_gaps_and_repeats() -> None:
    assert moved_positions([(10, 0), (11, 5), (12, 9)], 12, "up") == {11: 9, 12: 5}
    # Repeated positions are numbered first, so the swap really changes the order.
    assert moved_positions([(10, 0), (11, 0), (12, 0)], 12, "up") == {11: 2, 12: 1}
    assert moved_positions([(10, 3), (11, 3)], 10, "down") == {10: 1, 11: 0}


def test_moved_positions_needs_a_direction() -> None:
    with pytest.raises(ValueError, match="sideways"):
        moved_positions([(10, 0), (11, 1)], 10, "sideways")


# The service, on the Shinan plan


@pytest.fixture
def admin(seeded: Flask) -> User:
    return create_user("admin", "admin")


def item(code: str) -> Item:
    db.session.expire_all()
    found = db.session.scalar(sa.select(Item).where(Item.code == code))
    assert found is not None, code
    return found


def milestone(code: str) -> Milestone:
    db.session.expire_all()
    found = db.session.scalar(sa.select(Milestone).where(Milestone.code == code))
    assert found is not None, code
    return found


def admin_history(**where: object) -> list[tuple[str, str | None, str | None]]:
    query = sa.select(Update).where(Update.origin == "admin").filter_by(**where)
    return [
        (u.field, u.old_value, u.new_value) for u in db.session.scalars(query.order_by(Update.id))
    ]


def who(user: User) -> Who:
    return Who(now=NOW, actor=user)


def test_change_lead_and_supporting_departments(admin: User) -> None:
    p2 = item("P2")
    version = p2.version
    changes = set_item_departments(
        who(admin),
        p2,
        lead=department("fgj"),
        supporting=[department("swj"), department("kjj")],
        version=version,
    )
    db.session.commit()
    assert changes == ["lead_department", "supporting_departments"]
    after = item("P2")
    assert after.lead_department.code == "fgj"
    assert [d.code for d in after.supporting_departments] == ["kjj", "swj"]
    assert after.version == version + 1
    assert admin_history(item_id=after.id) == [
        ("lead_department", "swj", "fgj"),
        ("supporting_departments", "kjj,wlj", "kjj,swj"),
    ]
    row = db.session.scalar(sa.select(Update).where(Update.origin == "admin").limit(1))
    assert row is not None
    assert (row.user_id, row.effective_on, row.created_at, row.milestone_id) == (
        admin.id,
        TODAY,
        NOW,
        None,
    )


def test_changing_only_supporting_departments_moves_the_version(admin: User) -> None:
    p2 = item("P2")
    version = p2.version
    set_item_departments(
        who(admin), p2, lead=department("swj"), supporting=[department("kjj")], version=version
    )
    db.session.commit()
    after = item("P2")
    assert [d.code for d in after.supporting_departments] == ["kjj"]
    assert after.version == version + 1
    assert admin_history(item_id=after.id) == [("supporting_departments", "kjj,wlj", "kjj")]


def test_unchanged_departments_write_nothing(admin: User) -> None:
    p2 = item("P2")
    version = p2.version
    changes = set_item_departments(
        who(admin),
        p2,
        lead=department("swj"),
        supporting=[department("wlj"), department("kjj")],
        version=version,
    )
    db.session.commit()
    assert changes == []
    assert item("P2").version == version
    assert admin_history() == []


def test_lead_cannot_also_support_and_stale_versions_are_refused(admin: User) -> None:
    p2 = item("P2")
    with pytest.raises(Refused) as refused:
        set_item_departments(
            who(admin),
            p2,
            lead=department("swj"),
            supporting=[department("swj")],
            version=p2.version - 1,
        )
    assert refused.value.problems == [
        AssignmentProblem.STALE,
        AssignmentProblem.LEAD_IS_SUPPORTING,
    ]


def test_only_active_departments_can_be_newly_named(admin: User) -> None:
    closed = create_department("closed")
    closed.active = False
    wlj = department("wlj")
    wlj.active = False
    db.session.commit()
    p2 = item("P2")
    for lead, supporting in ((closed, []), (department("swj"), [closed])):
        with pytest.raises(Refused) as refused:
            set_item_departments(
                who(admin), p2, lead=lead, supporting=supporting, version=p2.version
            )
        assert refused.value.problems == [AssignmentProblem.DEPARTMENT_INACTIVE]
    # wlj already supports P2: deactivated since, it may stay while kjj is dropped.
    set_item_departments(
        who(admin), p2, lead=department("swj"), supporting=[department("wlj")], version=p2.version
    )
    db.session.commit()
    assert [d.code for d in item("P2").supporting_departments] == ["wlj"]


def new_milestone(admin: User, **overrides: object) -> Milestone:
    values: dict[str, object] = {
        "code": "T1-6",
        "title_zh": "新增5G应用场景",
        "title_en": "New 5G use cases",
        "due": date(2022, 6, 30),
        "weight": 2.0,
        "department": department("gxj"),
        "assignee": None,
    }
    created = create_milestone(who(admin), item("T1"), **(values | overrides))  # type: ignore[arg-type]
    db.session.commit()
    return created


def test_create_a_milestone_at_the_end_with_its_baseline(admin: User) -> None:
    lead = create_user("lead-gxj", "dept_lead", department=department("gxj"))
    created = new_milestone(admin, code=" T1-6 ", assignee=lead)
    after = milestone("T1-6")
    assert after.id == created.id
    assert (after.due, after.baseline_due, after.weight) == (date(2022, 6, 30),) * 2 + (2.0,)
    assert (after.department.code, after.assignee_id) == ("gxj", lead.id)
    assert (after.reported_status, after.progress, after.postponement_count) == (
        "not_started",
        0,
        0,
    )
    assert after.source == "admin"
    assert [m.code for m in ordered_milestones(item("T1"))][-1] == "T1-6"
    assert after.position > max(m.position for m in item("T1").milestones if m.code != "T1-6")
    assert admin_history(milestone_id=after.id) == [("created", None, "T1-6")]


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"code": "T1-3"}, AssignmentProblem.CODE_TAKEN),
        ({"code": "t1-3"}, AssignmentProblem.CODE_TAKEN),
        ({"code": "P2-1"}, AssignmentProblem.CODE_TAKEN),
        ({"code": "T1 6"}, AssignmentProblem.CODE_INVALID),
        ({"code": ""}, AssignmentProblem.CODE_INVALID),
        ({"title_zh": " "}, AssignmentProblem.TITLE_REQUIRED),
        ({"due": date(2023, 1, 1)}, AssignmentProblem.DUE_OUTSIDE_PLAN),
        ({"due": date(2019, 12, 31)}, AssignmentProblem.DUE_OUTSIDE_PLAN),
        ({"weight": 0.0}, AssignmentProblem.WEIGHT_INVALID),
        ({"weight": float("nan")}, AssignmentProblem.WEIGHT_INVALID),
    ],
)
def test_create_refuses_bad_values(
    admin: User, overrides: dict[str, object], problem: AssignmentProblem
) -> None:
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Milestone))
    with pytest.raises(Refused) as refused:
        new_milestone(admin, **overrides)
    assert refused.value.problems == [problem]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Milestone)) == count
    assert admin_history() == []


def test_create_refuses_an_assignee_of_another_department_or_a_closed_one(admin: User) -> None:
    swj_lead = create_user("lead-swj", "dept_lead", department=department("swj"))
    gone = create_user("gone", "dept_lead", department=department("gxj"), active=False)
    for assignee, problem in (
        (swj_lead, AssignmentProblem.ASSIGNEE_NOT_IN_DEPARTMENT),
        (gone, AssignmentProblem.ASSIGNEE_INACTIVE),
    ):
        with pytest.raises(Refused) as refused:
            new_milestone(admin, assignee=assignee)
        assert refused.value.problems == [problem]
        db.session.rollback()
    closed = create_department("closed")
    closed.active = False
    db.session.commit()
    with pytest.raises(Refused) as refused:
        new_milestone(admin, department=closed)
    assert refused.value.problems == [AssignmentProblem.DEPARTMENT_INACTIVE]


def edit(admin: User, code: str, **overrides: object) -> list[str]:
    target = milestone(code)
    values: dict[str, object] = {
        "title_zh": target.title_zh,
        "title_en": target.title_en,
        "due": target.due,
        "weight": target.weight,
        "department": target.department,
        "assignee": target.assignee,
        "version": target.version,
    }
    changes = update_milestone(who(admin), target, **(values | overrides))  # type: ignore[arg-type]
    db.session.commit()
    return changes


def test_reassign_a_milestone_to_another_department(admin: User) -> None:
    version = milestone("P2-2").version
    assert edit(admin, "P2-2", department=department("fgj")) == ["department"]
    after = milestone("P2-2")
    assert after.department.code == "fgj"
    assert after.version == version + 1
    assert admin_history(milestone_id=after.id) == [("department", "swj", "fgj")]


def test_assign_and_unassign_a_person(admin: User) -> None:
    swj_lead = create_user("lead-swj", "dept_lead", department=department("swj"))
    assert edit(admin, "P2-2", assignee=swj_lead) == ["assignee"]
    assert milestone("P2-2").assignee_id == swj_lead.id
    assert edit(admin, "P2-2", assignee=None) == ["assignee"]
    assert milestone("P2-2").assignee_id is None
    assert admin_history(milestone_id=milestone("P2-2").id) == [
        ("assignee", None, "lead-swj"),
        ("assignee", "lead-swj", None),
    ]


def test_moving_to_another_department_needs_an_assignee_of_it(admin: User) -> None:
    swj_lead = create_user("lead-swj", "dept_lead", department=department("swj"))
    edit(admin, "P2-2", assignee=swj_lead)
    with pytest.raises(Refused) as refused:
        edit(admin, "P2-2", department=department("fgj"))
    assert refused.value.problems == [AssignmentProblem.ASSIGNEE_NOT_IN_DEPARTMENT]


def test_changing_the_due_date_re_plans_the_milestone(admin: User) -> None:
    changes = edit(admin, "P3-2", due=date(2021, 8, 31), weight=3.0, title_en="Centre landed")
    assert changes == ["title_en", "due", "baseline_due", "weight"]
    after = milestone("P3-2")
    assert (after.due, after.baseline_due, after.weight, after.title_en) == (
        date(2021, 8, 31),
        date(2021, 8, 31),
        3.0,
        "Centre landed",
    )
    assert admin_history(milestone_id=after.id) == [
        (
            "title_en",
            "MIIT Industrial Culture Industry-Finance Innovation Center landed in Shinan",
            "Centre landed",
        ),
        ("due", "2021-06-30", "2021-08-31"),
        ("baseline_due", "2021-06-30", "2021-08-31"),
        ("weight", "1", "3"),
    ]


def test_a_postponed_milestone_outside_the_plan_can_still_be_renamed(admin: User) -> None:
    target = milestone("P3-3")
    target.due = date(2023, 6, 30)  # approved postponement past the plan's end
    db.session.commit()
    assert edit(admin, "P3-3", title_zh="平台上线") == ["title_zh"]
    with pytest.raises(Refused) as refused:
        edit(admin, "P3-3", due=date(2023, 7, 31))
    assert refused.value.problems == [AssignmentProblem.DUE_OUTSIDE_PLAN]


def test_edit_with_a_stale_version_is_refused(admin: User) -> None:
    version = milestone("P2-2").version
    edit(admin, "P2-2", title_zh="第一次修改")
    with pytest.raises(Refused) as refused:
        edit(admin, "P2-2", title_zh="第二次修改", version=version)
    assert refused.value.problems == [AssignmentProblem.STALE]
    db.session.rollback()
    assert milestone("P2-2").title_zh == "第一次修改"


def test_unchanged_edit_writes_nothing(admin: User) -> None:
    version = milestone("P2-2").version
    assert edit(admin, "P2-2") == []
    assert milestone("P2-2").version == version
    assert admin_history() == []


def codes_in_order(code: str) -> list[str]:
    return [m.code for m in ordered_milestones(item(code))]


def test_move_milestones_up_and_down(admin: User) -> None:
    assert codes_in_order("T1") == ["T1-1", "T1-2", "T1-3", "T1-4", "T1-5"]
    assert move_milestone(who(admin), milestone("T1-3"), "up") is True
    db.session.commit()
    assert codes_in_order("T1") == ["T1-1", "T1-3", "T1-2", "T1-4", "T1-5"]
    assert move_milestone(who(admin), milestone("T1-1"), "down") is True
    db.session.commit()
    assert codes_in_order("T1") == ["T1-3", "T1-1", "T1-2", "T1-4", "T1-5"]
    assert admin_history(milestone_id=milestone("T1-3").id) == [
        ("position", "2", "1"),
        ("position", "1", "0"),
    ]


def test_move_at_the_edge_changes_nothing(admin: User) -> None:
    version = milestone("T1-1").version
    assert move_milestone(who(admin), milestone("T1-1"), "up") is False
    assert move_milestone(who(admin), milestone("T1-5"), "down") is False
    db.session.commit()
    assert codes_in_order("T1") == ["T1-1", "T1-2", "T1-3", "T1-4", "T1-5"]
    assert milestone("T1-1").version == version
    assert admin_history() == []
    with pytest.raises(Refused) as refused:
        move_milestone(who(admin), milestone("T1-1"), "left")
    assert refused.value.problems == [AssignmentProblem.UNKNOWN_DIRECTION]
