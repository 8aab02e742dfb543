"""The department's work on the plan: reports and their review, instructions, postponements,
and evidence files. History of changed values lives in :class:`~tracker.models.history.Update`.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.reporting import ReportState
from tracker.extensions import Model
from tracker.models.people import Department, User
from tracker.models.plan import Indicator, Item, Milestone
from tracker.models.types import UTCDateTime


class Report(Model):
    """A department's report on a milestone (status, progress) or an item (summary, figure).

    It waits for review (督办): the coordinating office approves it, and only then do its
    values count, or returns it with a reason. ``base_version`` is the version of the milestone
    or item the reporter saw, so a report written against stale data can be recognised.
    """

    __tablename__ = "report"
    __table_args__ = (
        sa.CheckConstraint(
            "progress IS NULL OR (progress >= 0 AND progress <= 100)", name="progress_range"
        ),
        sa.Index("ix_report_state_submitted_at", "state", "submitted_at"),
        # The board's "recently approved", newest first (services.queries.board).
        sa.Index("ix_report_plan_id_state_reviewed_at", "plan_id", "state", "reviewed_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan.id"), index=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"), index=True)
    milestone_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("milestone.id"), index=True
    )
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("app_user.id"), index=True)
    department_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("department.id"), index=True
    )
    submitted_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    base_version: so.Mapped[int]
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default=ReportState.SUBMITTED.value)
    status: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    progress: so.Mapped[int | None]
    completed_on: so.Mapped[date | None]
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    indicator_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("indicator.id"))
    measurement_value: so.Mapped[float | None]
    measured_on: so.Mapped[date | None]
    measurement_source: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    reviewed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    reviewed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    review_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    item: so.Mapped[Item] = so.relationship()
    milestone: so.Mapped[Milestone | None] = so.relationship()
    author: so.Mapped[User] = so.relationship(foreign_keys=[author_id])
    department: so.Mapped[Department | None] = so.relationship()
    indicator: so.Mapped[Indicator | None] = so.relationship()
    reviewed_by: so.Mapped[User | None] = so.relationship(foreign_keys=[reviewed_by_id])
    attachments: so.Mapped[list[Attachment]] = so.relationship(
        back_populates="report", order_by="Attachment.id"
    )


class Attachment(Model):
    """An evidence file (佐证材料), served only to its readers.

    Its bytes are kept apart (:mod:`tracker.services.exports.attachment_storage`): in
    :class:`AttachmentContent` by default, or in a directory every app machine shares.
    """

    __tablename__ = "attachment"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"), index=True)
    milestone_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("milestone.id"))
    report_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("report.id"), index=True)
    uploaded_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("app_user.id"))
    uploaded_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    original_name: so.Mapped[str] = so.mapped_column(sa.String(255))
    stored_name: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    content_type: so.Mapped[str] = so.mapped_column(sa.String(100))
    size: so.Mapped[int]
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))

    item: so.Mapped[Item] = so.relationship()
    report: so.Mapped[Report | None] = so.relationship(back_populates="attachments")
    uploaded_by: so.Mapped[User] = so.relationship()


class AttachmentContent(Model):
    """The bytes of an evidence file, kept in the database so every app machine reads them.

    Written in the same transaction as its :class:`Attachment` row, so a rolled-back form
    leaves no bytes behind; a file is never changed once stored.
    """

    __tablename__ = "attachment_content"

    stored_name: so.Mapped[str] = so.mapped_column(
        sa.String(64),
        sa.ForeignKey("attachment.stored_name", ondelete="CASCADE"),
        primary_key=True,
    )
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)


class Instruction(Model):
    """A leader's instruction on an item (批示): open → handled by the department → closed."""

    __tablename__ = "instruction"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"), index=True)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("app_user.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    due_on: so.Mapped[date | None]
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default="open", index=True)
    handled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    handled_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    closed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))

    item: so.Mapped[Item] = so.relationship()
    author: so.Mapped[User] = so.relationship(foreign_keys=[author_id])
    handled_by: so.Mapped[User | None] = so.relationship(foreign_keys=[handled_by_id])
    closed_by: so.Mapped[User | None] = so.relationship(foreign_keys=[closed_by_id])
    replies: so.Mapped[list[InstructionReply]] = so.relationship(
        back_populates="instruction", order_by="InstructionReply.created_at"
    )


class InstructionReply(Model):
    """A reply to an instruction, from the department or the leader."""

    __tablename__ = "instruction_reply"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    instruction_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("instruction.id"), index=True)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("app_user.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    text: so.Mapped[str] = so.mapped_column(sa.Text)

    instruction: so.Mapped[Instruction] = so.relationship(back_populates="replies")
    author: so.Mapped[User] = so.relationship()


class Postponement(Model):
    """A request to move a milestone's due date (延期申请), decided by an admin."""

    __tablename__ = "postponement"
    # At most one request waits per milestone, even if two are sent at the same instant.
    __table_args__ = (
        sa.Index(
            "uq_postponement_pending_milestone",
            "milestone_id",
            unique=True,
            postgresql_where=sa.text("state = 'pending'"),
            sqlite_where=sa.text("state = 'pending'"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    milestone_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("milestone.id"), index=True)
    requested_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("app_user.id"))
    requested_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    due_before: so.Mapped[date]
    requested_due: so.Mapped[date]
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default="pending", index=True)
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    decided_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    decision_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    milestone: so.Mapped[Milestone] = so.relationship()
    requested_by: so.Mapped[User] = so.relationship(foreign_keys=[requested_by_id])
    decided_by: so.Mapped[User | None] = so.relationship(foreign_keys=[decided_by_id])
