"""What assignment reads: milestones in the admin's order, codes in use, and who can be chosen.

The commands check codes and order with these; the assignment pages list the choices and the
recent changes from them, so no view builds a query of its own.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models import Department, Item, Milestone, Update, User

RECENT_CHANGES = 20


def milestone_code_taken(plan_id: int, code: str) -> bool:
    """Whether the plan has a milestone with this code, ignoring case (no look-alike codes)."""
    found = db.session.scalar(
        sa.select(Milestone.id).where(
            Milestone.plan_id == plan_id, sa.func.lower(Milestone.code) == code.strip().lower()
        )
    )
    return found is not None


def ordered_milestones(item: Item) -> list[Milestone]:
    """An item's milestones in the admin's order (position, then id)."""
    return list(
        db.session.scalars(
            sa.select(Milestone)
            .where(Milestone.item_id == item.id)
            .order_by(Milestone.position, Milestone.id)
        )
    )


def selectable_departments(*current: Department) -> list[Department]:
    """Active departments, and those already named here even if deactivated, by code.

    A deactivated department keeps a role it has, so the form must still be able to show it.
    """
    named = Department.id.in_([d.id for d in current])
    condition = sa.or_(Department.active, named) if current else Department.active
    return list(
        db.session.scalars(sa.select(Department).where(condition).order_by(Department.code))
    )


def selectable_assignees(current: User | None) -> list[User]:
    """Active users who belong to a department (and the current assignee), by user name."""
    condition = sa.and_(User.active, User.department_id.is_not(None))
    if current is not None:
        condition = sa.or_(condition, User.id == current.id)
    return list(
        db.session.scalars(
            sa.select(User)
            .where(condition)
            .options(so.joinedload(User.department))
            .order_by(sa.func.lower(User.username))
        )
    )


def assignment_changes(item: Item, milestone: Milestone | None = None) -> list[Update]:
    """The latest history rows of an item and all its milestones (or of one), newest first."""
    query = sa.select(Update).where(Update.item_id == item.id)
    if milestone is not None:
        query = query.where(Update.milestone_id == milestone.id)
    return list(
        db.session.scalars(
            query.options(so.joinedload(Update.user))
            .order_by(Update.created_at.desc(), Update.id.desc())
            .limit(RECENT_CHANGES)
        )
    )
