"""A plan's life: prepared as a draft, carried out while active, closed when its period ends
(read-only, its figures final), archived when no one needs it on the portfolio any more.

Only admins see a draft; only an active plan takes work (reports, reviews, instructions,
postponements); a draft and an active plan take changes of content (plan files, imports,
assignment), a closed or archived one none. Every move is an admin's recorded action.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class PlanState(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"
    ARCHIVED = "archived"


PLAN_STATES: tuple[str, ...] = tuple(s.value for s in PlanState)


class PlanStateProblem(StrEnum):
    """Why a plan cannot move to the state asked for."""

    NOT_ALLOWED = "plan_state_not_allowed"
    WORK_PENDING = "plan_work_pending"
    READ_ONLY = "plan_read_only"


# The moves an admin may make; anything else is refused.
MOVES: dict[PlanState, frozenset[PlanState]] = {
    PlanState.DRAFT: frozenset({PlanState.ACTIVE}),
    PlanState.ACTIVE: frozenset({PlanState.CLOSED}),
    PlanState.CLOSED: frozenset({PlanState.ACTIVE, PlanState.ARCHIVED}),
    PlanState.ARCHIVED: frozenset({PlanState.CLOSED}),
}


def move_problems(
    current: PlanState, wanted: PlanState, *, pending_work: int = 0
) -> list[PlanStateProblem]:
    """Every reason ``current`` may not become ``wanted`` (empty when it may).

    A plan closes with nothing waiting for review or decision: its final figures would
    otherwise leave out what a department already reported.
    """
    if wanted not in MOVES[current]:
        return [PlanStateProblem.NOT_ALLOWED]
    if wanted is PlanState.CLOSED and current is PlanState.ACTIVE and pending_work:
        return [PlanStateProblem.WORK_PENDING]
    return []


def takes_work(state: PlanState) -> bool:
    """Whether reports, reviews, instructions and plan edits are accepted."""
    return state is PlanState.ACTIVE


def takes_changes(state: PlanState) -> bool:
    """Whether the plan's content may change (a plan file, an import, assignment edits): while
    it is prepared or carried out, not once it is closed.
    """
    return state in {PlanState.DRAFT, PlanState.ACTIVE}


def visible_to_all(state: PlanState) -> bool:
    """Whether every signed-in user sees the plan (a draft is for admins only)."""
    return state is not PlanState.DRAFT


def figures_day(state: PlanState, today: date, closed_on: date | None) -> date:
    """The day a plan's figures are rolled up at: today, or the day it closed (kept final)."""
    if state in {PlanState.CLOSED, PlanState.ARCHIVED} and closed_on is not None:
        return min(today, closed_on)
    return today
