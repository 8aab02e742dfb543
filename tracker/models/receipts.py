"""Receipts (签收): a department signs for each milestone assigned to it, or declines it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import Model
from tracker.models.people import Department, User
from tracker.models.plan import Milestone
from tracker.models.types import UTCDateTime


class Receipt(Model):
    """One assignment of a milestone to a department, and the department's answer to it.

    Every assignment (the plan's first, and each reassignment) is a new row, never an edit of
    an answered one: the newest row of a milestone is its current receipt, the older ones are
    its history. ``state`` is ``pending`` until the department's lead signs (``signed``,
    optionally naming the person responsible and a first plan of work) or declines with a
    reason (``declined``, back to the coordinating office); a pending row that a reassignment
    replaced becomes ``superseded``. The time from ``assigned_at`` to ``answered_at`` is what
    the department evaluation counts. A milestone with no row was assigned before receipts
    were kept.
    """

    __tablename__ = "receipt"
    __table_args__ = (
        # At most one receipt waits per milestone, even if two reassignments land at once.
        sa.Index(
            "uq_receipt_pending_milestone",
            "milestone_id",
            unique=True,
            postgresql_where=sa.text("state = 'pending'"),
            sqlite_where=sa.text("state = 'pending'"),
        ),
        sa.Index("ix_receipt_department_id_state", "department_id", "state"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan.id"), index=True)
    milestone_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("milestone.id"), index=True)
    department_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("department.id"))
    assigned_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    assigned_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default="pending")
    answered_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    answered_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    # Named by the lead when signing: who in the department answers for it, and how.
    responsible: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    work_plan: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    decline_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    milestone: so.Mapped[Milestone] = so.relationship()
    department: so.Mapped[Department] = so.relationship()
    assigned_by: so.Mapped[User | None] = so.relationship(foreign_keys=[assigned_by_id])
    answered_by: so.Mapped[User | None] = so.relationship(foreign_keys=[answered_by_id])
