"""Append-only history: every change to the plan's state, with who, when, what and why."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import Model
from tracker.models.people import User
from tracker.models.types import UTCDateTime

if TYPE_CHECKING:
    from tracker.models.work import Report


class Update(Model):
    """One changed field of an item or milestone.

    Rows are only ever inserted. ``effective_on`` is the day the change counts from (the
    completion date of a milestone the plan file says is done, or the day a user reported
    it), so the board can be rebuilt as of any date; ``created_at`` is when it was written.
    """

    __tablename__ = "plan_update"
    __table_args__ = (
        # A past day's board reads a plan's rows up to that day (services.queries.progress).
        sa.Index("ix_plan_update_plan_id_effective_on", "plan_id", "effective_on"),
        # Each milestone's last activity up to a day, read from the index alone
        # (services.commands.history.last_update_by_milestone).
        # One field's rows of a plan, by milestone: the first due date, the "created" rows.
        sa.Index("ix_plan_update_plan_id_field_milestone_id", "plan_id", "field", "milestone_id"),
        sa.Index(
            "ix_plan_update_plan_id_milestone_id_effective_on",
            "plan_id",
            "milestone_id",
            "effective_on",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan.id"), index=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"), index=True)
    milestone_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("milestone.id"), index=True
    )
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), index=True)
    effective_on: so.Mapped[date] = so.mapped_column(index=True)
    field: so.Mapped[str] = so.mapped_column(sa.String(32))
    old_value: so.Mapped[str | None] = so.mapped_column(sa.Text)
    new_value: so.Mapped[str | None] = so.mapped_column(sa.Text)
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    origin: so.Mapped[str] = so.mapped_column(sa.String(16), default="web")
    # The report this change was proposed in; it counts once the report is approved.
    report_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("report.id"), index=True)

    user: so.Mapped[User | None] = so.relationship()
    report: so.Mapped[Report | None] = so.relationship()


@sa.event.listens_for(Update, "before_update")
def _refuse_update(_mapper: object, _connection: object, target: Update) -> None:
    """History is append-only: a code path that tries to edit a row fails loudly."""
    raise PermissionError(f"history row {target.id} cannot be changed")


@sa.event.listens_for(Update, "before_delete")
def _refuse_delete(_mapper: object, _connection: object, target: Update) -> None:
    """History is append-only: a code path that tries to delete a row fails loudly."""
    raise PermissionError(f"history row {target.id} cannot be deleted")
