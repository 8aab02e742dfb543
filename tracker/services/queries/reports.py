"""Reports read back: the one pending on a milestone, the review queue, recent changes."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.reporting import ReportState
from tracker.extensions import db
from tracker.models import (
    Item,
    Milestone,
    Report,
    Update,
)


def recent_changes(*, item: Item, milestone: Milestone | None, limit: int = 5) -> list[Update]:
    """The latest history rows of a milestone (or of an item itself), newest first."""
    query = sa.select(Update).where(Update.item_id == item.id)
    if milestone is not None:
        query = query.where(Update.milestone_id == milestone.id)
    else:
        query = query.where(Update.milestone_id.is_(None))
    query = query.options(so.joinedload(Update.user)).order_by(Update.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def pending_report(*, item: Item, milestone: Milestone | None) -> Report | None:
    """The report waiting for review on this milestone (or on the item itself), if any."""
    query = sa.select(Report).where(
        Report.item_id == item.id, Report.state == ReportState.SUBMITTED
    )
    if milestone is not None:
        query = query.where(Report.milestone_id == milestone.id)
    else:
        query = query.where(Report.milestone_id.is_(None))
    return db.session.scalar(query.order_by(Report.id.desc()).limit(1))


def pending_reports() -> list[Report]:
    """The review queue: every report waiting, oldest first, with what the page shows."""
    return list(
        db.session.scalars(
            sa.select(Report)
            .where(Report.state == ReportState.SUBMITTED)
            .options(
                so.joinedload(Report.item),
                so.joinedload(Report.milestone),
                so.joinedload(Report.author),
                so.joinedload(Report.department),
                so.joinedload(Report.indicator),
                so.selectinload(Report.attachments),
            )
            .order_by(Report.submitted_at, Report.id)
        ).unique()
    )
