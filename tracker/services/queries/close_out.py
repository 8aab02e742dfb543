"""Close-out (销号) read back: the milestones awaiting the coordinating office's check."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.close_out import CloseOut
from tracker.domain.reporting import ReportState
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import Item, Milestone, Report


@dataclass(frozen=True)
class AwaitingCloseOut:
    """A milestone awaiting close-out, with the approved done report whose evidence is
    checked (None for a milestone made done some other way)."""

    milestone: Milestone
    report: Report | None


def awaiting_close_out() -> list[AwaitingCloseOut]:
    """Every milestone awaiting close-out, the longest waiting first, in a fixed number of
    queries (the report's evidence files come with it)."""
    latest = (
        sa.select(Report.milestone_id, sa.func.max(Report.id).label("report_id"))
        .where(Report.state == ReportState.APPROVED, Report.status == Status.DONE.value)
        .group_by(Report.milestone_id)
        .subquery("latest_done")
    )
    rows = db.session.execute(
        sa.select(Milestone, Report)
        .outerjoin(latest, latest.c.milestone_id == Milestone.id)
        .outerjoin(Report, Report.id == latest.c.report_id)
        .where(Milestone.close_out == CloseOut.AWAITING.value)
        .options(
            so.joinedload(Milestone.item).joinedload(Item.plan),
            so.joinedload(Milestone.department),
        )
        .options(so.selectinload(Report.attachments), so.joinedload(Report.author))
        .order_by(Report.reviewed_at, Milestone.id)
    ).unique()
    return [AwaitingCloseOut(milestone, report) for milestone, report in rows]
