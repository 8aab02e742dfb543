"""Appending to the update history. Nothing here, or anywhere, edits or deletes a history row."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Item, Milestone, Report, Update, User


def as_text(value: object) -> str | None:
    """History keeps values as text: dates in ISO form, whole floats without ``.0``."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def record_change(
    item: Item,
    field: str,
    old: object,
    new: object,
    *,
    now: datetime,
    effective_on: date,
    user: User | None,
    milestone: Milestone | None = None,
    note: str = "",
    origin: str = "web",
    report: Report | None = None,
) -> Update:
    """Append one history row: who changed which field of what, from what to what, and why.

    ``effective_on`` is the district day the change counts from on the board; a change proposed
    in a report counts from the report's approval instead.
    """
    update = Update(
        plan_id=item.plan_id,
        item_id=item.id,
        milestone_id=milestone.id if milestone is not None else None,
        user_id=user.id if user is not None else None,
        created_at=now,
        effective_on=effective_on,
        field=field,
        old_value=as_text(old),
        new_value=as_text(new),
        note=note,
        origin=origin,
        report_id=report.id if report is not None else None,
    )
    db.session.add(update)
    return update


def last_update_by_milestone(
    plan_id: int, as_of: date, milestone_ids: list[int] | None = None
) -> dict[int, date]:
    """Per milestone, the latest day anything was recorded on it, up to ``as_of``.

    Reports, reviews, plan-file and admin changes all count: this is the "no update for N
    days" of the department page, the reminders and the board.
    """
    query = (
        sa.select(Update.milestone_id, sa.func.max(Update.effective_on))
        .where(
            Update.plan_id == plan_id,
            Update.milestone_id.is_not(None),
            Update.effective_on <= as_of,
        )
        .group_by(Update.milestone_id)
    )
    if milestone_ids is not None:
        query = query.where(Update.milestone_id.in_(milestone_ids))
    return {
        milestone_id: day
        for milestone_id, day in db.session.execute(query)
        if milestone_id is not None  # (the query already skips them; this tells the type checker)
    }
