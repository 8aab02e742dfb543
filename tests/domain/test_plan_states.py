"""A plan's life: which moves are allowed, and what each state lets people do."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.plan_states import (
    PlanState,
    PlanStateProblem,
    figures_day,
    move_problems,
)
from tracker.domain.policy import Action, Actor, MilestoneTarget, Role, can

DRAFT, ACTIVE, CLOSED, ARCHIVED = PlanState
ADMIN = Actor(role=Role.ADMIN)
LEAD = Actor(role=Role.DEPT_LEAD, department_id=1)
VIEWER = Actor(role=Role.VIEWER)
OWN = MilestoneTarget(department_id=1, item_lead_department_id=1)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [(DRAFT, ACTIVE), (ACTIVE, CLOSED), (CLOSED, ACTIVE), (CLOSED, ARCHIVED), (ARCHIVED, CLOSED)],
)
def test_allowed_moves(current: PlanState, wanted: PlanState) -> None:
    assert move_problems(current, wanted) == []


@pytest.mark.parametrize(
    ("current", "wanted"),
    [(DRAFT, CLOSED), (ACTIVE, ARCHIVED), (ACTIVE, DRAFT), (ARCHIVED, ACTIVE), (ACTIVE, ACTIVE)],
)
def test_other_moves_are_refused(current: PlanState, wanted: PlanState) -> None:
    assert move_problems(current, wanted) == [PlanStateProblem.NOT_ALLOWED]


def test_a_plan_with_work_waiting_does_not_close() -> None:
    assert move_problems(ACTIVE, CLOSED, pending_work=1) == [PlanStateProblem.WORK_PENDING]
    assert move_problems(CLOSED, ARCHIVED, pending_work=1) == []


def test_only_an_active_plan_takes_reports() -> None:
    assert can(LEAD, Action.UPDATE_MILESTONE, OWN, ACTIVE)
    for state in (DRAFT, CLOSED, ARCHIVED):
        assert not can(LEAD, Action.UPDATE_MILESTONE, OWN, state)
        assert not can(ADMIN, Action.REVIEW_UPDATES, None, state)


def test_a_drafts_content_may_change_a_closed_plans_not() -> None:
    assert can(ADMIN, Action.MANAGE_PLAN, None, DRAFT)
    assert can(ADMIN, Action.MANAGE_PLAN, None, ACTIVE)
    assert not can(ADMIN, Action.MANAGE_PLAN, None, CLOSED)
    assert not can(ADMIN, Action.MANAGE_PLAN, None, ARCHIVED)


def test_a_draft_is_for_admins_eyes_and_the_rest_for_everyone() -> None:
    assert can(ADMIN, Action.VIEW_BOARD, None, DRAFT)
    assert not can(VIEWER, Action.VIEW_BOARD, None, DRAFT)
    for state in (ACTIVE, CLOSED, ARCHIVED):
        assert can(VIEWER, Action.VIEW_BOARD, None, state)
    assert can(ADMIN, Action.MANAGE_PLANS, None, CLOSED)


def test_a_closed_plans_figures_stay_at_the_day_it_closed() -> None:
    today, closed = date(2023, 3, 1), date(2022, 12, 31)
    assert figures_day(CLOSED, today, closed) == closed
    assert figures_day(ARCHIVED, today, closed) == closed
    assert figures_day(ACTIVE, today, None) == today
