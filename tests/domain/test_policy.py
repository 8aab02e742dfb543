"""The permission rules, role by role."""

import pytest

from tracker.domain.plan_states import PlanState
from tracker.domain.policy import (
    ANONYMOUS,
    Action,
    Actor,
    ItemTarget,
    MilestoneTarget,
    ReportTarget,
    Role,
    can,
)

OWN, OTHER = 1, 2
ITEM = ItemTarget(lead_department_id=OWN, supporting_department_ids=frozenset({OTHER}))
OWN_MILESTONE = MilestoneTarget(department_id=OWN, item_lead_department_id=OWN)
ASSIGNED_MILESTONE = MilestoneTarget(department_id=OTHER, item_lead_department_id=OWN)

admin = Actor(Role.ADMIN)
leader = Actor(Role.LEADER)
viewer = Actor(Role.VIEWER)
lead_own = Actor(Role.DEPT_LEAD, department_id=OWN)
lead_other = Actor(Role.DEPT_LEAD, department_id=OTHER)
coordinator = Actor(Role.DEPT_LEAD, department_id=3, department_coordinating=True)
EVERYONE = [admin, leader, viewer, lead_own, lead_other, coordinator]


@pytest.mark.parametrize("action", [Action.VIEW_BOARD, Action.VIEW_ITEM, Action.EDIT_OWN_PROFILE])
def test_every_signed_in_role_reads(action: Action) -> None:
    assert all(can(actor, action, ITEM) for actor in EVERYONE)
    assert not can(ANONYMOUS, action, ITEM)


def test_inactive_user_can_do_nothing() -> None:
    inactive = Actor(Role.ADMIN, active=False)
    assert not any(can(inactive, action) for action in Action)


@pytest.mark.parametrize(
    "action",
    [
        Action.MANAGE_USERS,
        Action.MANAGE_DEPARTMENTS,
        Action.MANAGE_PLAN,
        Action.VIEW_AUDIT,
        Action.DECIDE_POSTPONEMENT,
        Action.MANAGE_WEBHOOKS,
    ],
)
def test_administration_is_for_admins_only(action: Action) -> None:
    assert can(admin, action)
    assert [a for a in EVERYONE if can(a, action)] == [admin]


def test_dept_lead_updates_what_their_department_owns() -> None:
    assert can(lead_own, Action.UPDATE_ITEM, ITEM)
    assert can(lead_own, Action.UPDATE_MILESTONE, OWN_MILESTONE)
    # The lead department answers for every milestone of its item, even one assigned elsewhere.
    assert can(lead_own, Action.UPDATE_MILESTONE, ASSIGNED_MILESTONE)


def test_supporting_department_updates_only_milestones_assigned_to_it() -> None:
    assert not can(lead_other, Action.UPDATE_ITEM, ITEM)
    assert not can(lead_other, Action.UPDATE_MILESTONE, OWN_MILESTONE)
    assert can(lead_other, Action.UPDATE_MILESTONE, ASSIGNED_MILESTONE)


@pytest.mark.parametrize("actor", [leader, viewer, coordinator])
def test_other_roles_change_no_status(actor: Actor) -> None:
    assert not can(actor, Action.UPDATE_ITEM, ITEM)
    assert not can(actor, Action.UPDATE_MILESTONE, OWN_MILESTONE)


def test_dept_lead_without_target_or_department_updates_nothing() -> None:
    assert not can(lead_own, Action.UPDATE_ITEM)
    assert not can(Actor(Role.DEPT_LEAD), Action.UPDATE_ITEM, ITEM)


def test_leaders_instruct_and_flag_focus() -> None:
    for action in (Action.INSTRUCT, Action.FLAG_FOCUS):
        assert can(leader, action, ITEM)
        assert can(admin, action, ITEM)
        assert not can(viewer, action, ITEM)
        assert not can(lead_own, action, ITEM)


def test_coordinating_office_and_admins_review() -> None:
    assert can(coordinator, Action.REVIEW_UPDATES)
    assert can(admin, Action.REVIEW_UPDATES)
    assert not can(lead_own, Action.REVIEW_UPDATES)
    assert not can(leader, Action.REVIEW_UPDATES)


def test_the_coordinating_office_leaders_and_admins_issue_bulletins() -> None:
    """The monthly bulletin is written by the 督查室 for leadership; not by viewers or other
    departments, and a closed plan's months can still be reported on."""
    assert [a for a in EVERYONE if can(a, Action.ISSUE_BULLETIN)] == [admin, leader, coordinator]
    assert can(coordinator, Action.ISSUE_BULLETIN, plan=PlanState.CLOSED)
    assert not can(leader, Action.ISSUE_BULLETIN, plan=PlanState.DRAFT)
    assert can(admin, Action.ISSUE_BULLETIN, plan=PlanState.DRAFT)


def test_pending_report_is_seen_by_its_department_reviewers_and_leadership() -> None:
    pending = ReportTarget(department_id=OWN, approved=False)
    assert can(lead_own, Action.VIEW_REPORT, pending)
    assert can(coordinator, Action.VIEW_REPORT, pending)
    assert can(leader, Action.VIEW_REPORT, pending)
    assert can(admin, Action.VIEW_REPORT, pending)
    assert not can(lead_other, Action.VIEW_REPORT, pending)
    assert not can(viewer, Action.VIEW_REPORT, pending)


def test_approved_report_is_seen_by_everyone_signed_in() -> None:
    approved = ReportTarget(department_id=OWN, approved=True)
    assert all(can(actor, Action.VIEW_REPORT, approved) for actor in EVERYONE)
    assert not can(ANONYMOUS, Action.VIEW_REPORT, approved)
    assert not can(viewer, Action.VIEW_REPORT, ITEM)  # wrong kind of target
