"""Postponement requests read back: a milestone's, and the admin's decision queue."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.postponements import State
from tracker.extensions import db
from tracker.models import (
    Item,
    Milestone,
    Postponement,
)

RECENT_DECISIONS = 50


def pending_request(milestone: Milestone) -> Postponement | None:
    """The milestone's request waiting for a decision, if there is one."""
    return db.session.scalar(
        sa.select(Postponement)
        .where(Postponement.milestone_id == milestone.id, Postponement.state == State.PENDING)
        .order_by(Postponement.requested_at, Postponement.id)
        .limit(1)
    )


def requests_for(milestone: Milestone) -> list[Postponement]:
    """Every request made for the milestone, newest first."""
    return list(
        db.session.scalars(
            sa.select(Postponement)
            .where(Postponement.milestone_id == milestone.id)
            .options(
                so.joinedload(Postponement.requested_by), so.joinedload(Postponement.decided_by)
            )
            .order_by(Postponement.requested_at.desc(), Postponement.id.desc())
        )
    )


def _with_milestone() -> list[so.interfaces.LoaderOption]:
    return [
        so.joinedload(Postponement.milestone).joinedload(Milestone.department),
        so.joinedload(Postponement.milestone).joinedload(Milestone.item).joinedload(Item.plan),
        so.joinedload(Postponement.requested_by),
        so.joinedload(Postponement.decided_by),
    ]


def decision_queue(limit: int = RECENT_DECISIONS) -> tuple[list[Postponement], list[Postponement]]:
    """Pending requests, oldest first, and the ``limit`` latest decisions, newest first."""
    pending = db.session.scalars(
        sa.select(Postponement)
        .where(Postponement.state == State.PENDING)
        .options(*_with_milestone())
        .order_by(Postponement.requested_at, Postponement.id)
    ).all()
    decided = db.session.scalars(
        sa.select(Postponement)
        .where(Postponement.state != State.PENDING)
        .options(*_with_milestone())
        .order_by(Postponement.decided_at.desc(), Postponement.id.desc())
        .limit(limit)
    ).all()
    return list(pending), list(decided)
