"""Sub-tasks (多级分解): a department splits a milestone it owns among its own staff."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import Model
from tracker.models.people import Department, User
from tracker.models.plan import Milestone
from tracker.models.types import UTCDateTime


class Subtask(Model):
    """One part of a milestone, assigned to a person of the milestone's department.

    ``status`` and ``progress`` are what its assignee last reported (each report also appends
    a :class:`SubtaskUpdate`); ``version`` makes two reports sent at once end with one winner.
    """

    __tablename__ = "subtask"
    __table_args__ = (
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
        sa.Index("ix_subtask_milestone_id_position", "milestone_id", "position"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    milestone_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("milestone.id"))
    department_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("department.id"))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    assignee_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("app_user.id"), index=True)
    due: so.Mapped[date] = so.mapped_column("due_date")
    weight: so.Mapped[float] = so.mapped_column(default=1.0)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="not_started")
    progress: so.Mapped[int] = so.mapped_column(default=0)
    completed_on: so.Mapped[date | None]
    position: so.Mapped[int] = so.mapped_column(default=0)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    version: so.Mapped[int] = so.mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    milestone: so.Mapped[Milestone] = so.relationship()
    department: so.Mapped[Department] = so.relationship()
    assignee: so.Mapped[User] = so.relationship(foreign_keys=[assignee_id])
    created_by: so.Mapped[User | None] = so.relationship(foreign_keys=[created_by_id])

    def __repr__(self) -> str:
        return f"<Subtask {self.id} of milestone {self.milestone_id}>"


class SubtaskUpdate(Model):
    """One report on a sub-task: who, when, what (status, progress) and why (the note).

    Rows are only ever inserted, like the plan's history.
    """

    __tablename__ = "subtask_update"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    subtask_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("subtask.id"), index=True)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    status: so.Mapped[str] = so.mapped_column(sa.String(16))
    progress: so.Mapped[int]
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    user: so.Mapped[User | None] = so.relationship()


@sa.event.listens_for(SubtaskUpdate, "before_update")
def _refuse_update(_mapper: object, _connection: object, target: SubtaskUpdate) -> None:
    """A sub-task's reports are append-only: a code path that edits one fails loudly."""
    raise PermissionError(f"sub-task report {target.id} cannot be changed")


@sa.event.listens_for(SubtaskUpdate, "before_delete")
def _refuse_delete(_mapper: object, _connection: object, target: SubtaskUpdate) -> None:
    """A sub-task's reports are append-only: a code path that deletes one fails loudly."""
    raise PermissionError(f"sub-task report {target.id} cannot be deleted")
