"""Reading sub-tasks: a milestone's parts and their roll-up, a person's own, who may take one.

Each read is a fixed number of queries whatever the number of sub-tasks (the pages that list
them are checked for it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.plan_states import PlanState
from tracker.domain.policy import DEPARTMENT_ROLES
from tracker.domain.reporting import MilestoneReport
from tracker.domain.status import Status
from tracker.domain.subtasks import Part, ProgressMode, Rollup, rollup
from tracker.extensions import db
from tracker.models import Item, Milestone, Plan, Subtask, SubtaskUpdate, User


def milestone_subtasks(milestone_id: int) -> list[Subtask]:
    """The milestone's sub-tasks in their order, with their assignees."""
    return list(
        db.session.scalars(
            sa.select(Subtask)
            .where(Subtask.milestone_id == milestone_id)
            .options(so.joinedload(Subtask.assignee))
            .order_by(Subtask.position, Subtask.id)
        )
    )


def subtasks_by_milestone(milestone_ids: Iterable[int]) -> dict[int, list[Subtask]]:
    """Several milestones' sub-tasks at once (an item's page), by milestone id."""
    ids = list(milestone_ids)
    found: dict[int, list[Subtask]] = {}
    if not ids:
        return found
    for subtask in db.session.scalars(
        sa.select(Subtask)
        .where(Subtask.milestone_id.in_(ids))
        .options(so.joinedload(Subtask.assignee))
        .order_by(Subtask.milestone_id, Subtask.position, Subtask.id)
    ):
        found.setdefault(subtask.milestone_id, []).append(subtask)
    return found


def rollup_of(subtasks: Iterable[Subtask]) -> Rollup | None:
    """The roll-up of sub-tasks already read."""
    return rollup(Part(s.weight, s.progress, Status(s.status)) for s in subtasks)


def milestone_rollup(milestone_id: int) -> Rollup | None:
    """The milestone's progress rolled up from its sub-tasks, read afresh (one query)."""
    rows = db.session.execute(
        sa.select(Subtask.weight, Subtask.progress, Subtask.status).where(
            Subtask.milestone_id == milestone_id
        )
    )
    return rollup(Part(weight, progress, Status(status)) for weight, progress, status in rows)


def with_rolled_up_progress(milestone: Milestone, proposed: MilestoneReport) -> MilestoneReport:
    """In 'subtasks' mode a milestone report's progress is the roll-up, whatever was sent
    (the page shows it and does not let it be typed); in 'direct' mode the report is as sent.
    """
    if milestone.progress_mode != ProgressMode.SUBTASKS:
        return proposed
    rolled = milestone_rollup(milestone.id)
    if rolled is None:
        return proposed
    return replace(proposed, progress=rolled.progress)


def latest_notes(subtask_ids: Iterable[int]) -> dict[int, SubtaskUpdate]:
    """Each sub-task's last report (who, when, what and why), by sub-task id."""
    ids = list(subtask_ids)
    if not ids:
        return {}
    latest = (
        sa.select(sa.func.max(SubtaskUpdate.id))
        .where(SubtaskUpdate.subtask_id.in_(ids))
        .group_by(SubtaskUpdate.subtask_id)
    )
    updates = db.session.scalars(
        sa.select(SubtaskUpdate)
        .where(SubtaskUpdate.id.in_(latest))
        .options(so.joinedload(SubtaskUpdate.user))
    )
    return {update.subtask_id: update for update in updates}


def my_subtasks(user_id: int) -> list[Subtask]:
    """The sub-tasks assigned to a person in active plans: open ones first, by due date."""
    subtasks = list(
        db.session.scalars(
            sa.select(Subtask)
            .join(Milestone, Milestone.id == Subtask.milestone_id)
            .join(Plan, Plan.id == Milestone.plan_id)
            .where(Subtask.assignee_id == user_id, Plan.state == PlanState.ACTIVE)
            .options(
                so.joinedload(Subtask.milestone).joinedload(Milestone.item).joinedload(Item.plan)
            )
            .order_by(Subtask.due, Subtask.id)
        )
    )
    subtasks.sort(key=lambda s: s.status == Status.DONE)
    return subtasks


def assignable_people(department_id: int) -> list[User]:
    """Who a sub-task of the department can be for: its active staff and leads."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.department_id == department_id,
                User.active,
                User.role.in_([role.value for role in DEPARTMENT_ROLES]),
            )
            .order_by(User.role.desc(), User.username)
        )
    )
