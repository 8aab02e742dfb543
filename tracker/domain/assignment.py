"""Rules of assignment: codes, titles, due dates, weights, departments and order of milestones."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date
from enum import StrEnum

# The same pattern as codes in a plan file.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


TITLE_ZH_MAX = 300


TITLE_EN_MAX = 400


MAX_WEIGHT = 1000.0


UP = "up"


DOWN = "down"


DIRECTIONS = (UP, DOWN)


class AssignmentProblem(StrEnum):
    """Why an assignment change was refused."""

    STALE = "stale"
    LEAD_IS_SUPPORTING = "lead_is_supporting"
    DEPARTMENT_INACTIVE = "department_inactive"
    CODE_INVALID = "code_invalid"
    CODE_TAKEN = "code_taken"
    TITLE_REQUIRED = "title_required"
    TITLE_TOO_LONG = "title_too_long"
    DUE_OUTSIDE_PLAN = "due_outside_plan"
    WEIGHT_INVALID = "weight_invalid"
    ASSIGNEE_NOT_IN_DEPARTMENT = "assignee_not_in_department"
    ASSIGNEE_INACTIVE = "assignee_inactive"
    UNKNOWN_DIRECTION = "unknown_direction"


def code_problems(code: str, *, taken: bool) -> list[AssignmentProblem]:
    if not CODE_PATTERN.match(code):
        return [AssignmentProblem.CODE_INVALID]
    return [AssignmentProblem.CODE_TAKEN] if taken else []


def title_problems(title_zh: str, title_en: str) -> list[AssignmentProblem]:
    """The Chinese title is required; the English one may be left for later."""
    if not title_zh.strip():
        return [AssignmentProblem.TITLE_REQUIRED]
    if len(title_zh.strip()) > TITLE_ZH_MAX or len(title_en.strip()) > TITLE_EN_MAX:
        return [AssignmentProblem.TITLE_TOO_LONG]
    return []


def due_problems(due: date, *, plan_start: date, plan_end: date) -> list[AssignmentProblem]:
    """A planned due date lies within the plan's period."""
    return [] if plan_start <= due <= plan_end else [AssignmentProblem.DUE_OUTSIDE_PLAN]


def weight_problems(weight: float) -> list[AssignmentProblem]:
    """A weight is a finite number above 0 and at most :data:`MAX_WEIGHT`."""
    if not math.isfinite(weight) or not 0 < weight <= MAX_WEIGHT:
        return [AssignmentProblem.WEIGHT_INVALID]
    return []


def supporting_problems(lead_id: int, supporting_ids: Sequence[int]) -> list[AssignmentProblem]:
    """The lead department does not also support its own item."""
    return [AssignmentProblem.LEAD_IS_SUPPORTING] if lead_id in supporting_ids else []


def assignee_problems(
    *,
    department_id: int,
    assignee_department_id: int | None,
    assignee_active: bool,
    assignee_changed: bool,
) -> list[AssignmentProblem]:
    """The person a milestone is assigned to works in its department, and (if newly chosen)
    still has an active account.
    """
    if assignee_department_id != department_id:
        return [AssignmentProblem.ASSIGNEE_NOT_IN_DEPARTMENT]
    if assignee_changed and not assignee_active:
        return [AssignmentProblem.ASSIGNEE_INACTIVE]
    return []


def moved_positions(
    order: Sequence[tuple[int, int]], moving: int, direction: str
) -> dict[int, int] | None:
    """The new positions after moving one milestone up or down by one place.

    ``order`` is ``(id, position)`` of the item's milestones in display order. The moving
    milestone swaps positions with its neighbour; when positions repeat, they are first
    numbered 0, 1, 2... in display order so a swap really changes the order. Returns only the
    positions that change, or None when the milestone is already first (up) or last (down).
    """
    if direction not in DIRECTIONS:
        raise ValueError(direction)
    ids = [milestone_id for milestone_id, _ in order]
    index = ids.index(moving)
    neighbour = index - 1 if direction == UP else index + 1
    if not 0 <= neighbour < len(ids):
        return None
    positions = [position for _, position in order]
    if len(set(positions)) != len(positions):
        positions = list(range(len(positions)))
    positions[index], positions[neighbour] = positions[neighbour], positions[index]
    return {
        milestone_id: new
        for (milestone_id, old), new in zip(order, positions, strict=True)
        if old != new
    }
