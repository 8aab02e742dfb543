"""The department evaluation (考评): the working-day calendar and each plan's scoring schemes."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import Model
from tracker.models.plan import Plan
from tracker.models.types import UTCDateTime


class CalendarDay(Model):
    """A day that differs from the plain week (tracker.domain.workdays): a public holiday
    (``holiday``, off) or a worked weekend day (``workday``, 调休上班). Loaded by an admin
    from a calendar file; one row per day.
    """

    __tablename__ = "calendar_day"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    day: so.Mapped[date] = so.mapped_column(unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    name: so.Mapped[str] = so.mapped_column(sa.String(60), default="")


class EvaluationScheme(Model):
    """A plan's scoring scheme from ``valid_from`` on: the points of each criterion and the
    deduction rule (tracker.domain.evaluation.Scheme). The scheme of a period is the newest
    one valid on its first day; a plan without one is scored by the default scheme.
    """

    __tablename__ = "evaluation_scheme"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "valid_from"),
        sa.CheckConstraint(
            "on_time_points >= 0 AND reporting_points >= 0 AND receipt_points >= 0 "
            "AND quality_points >= 0 AND instruction_points >= 0 AND overdue_deduction >= 0 "
            "AND deduction_cap >= 0 AND receipt_days >= 0",
            name="not_negative",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan.id"), index=True)
    valid_from: so.Mapped[date]
    on_time_points: so.Mapped[int]
    reporting_points: so.Mapped[int]
    receipt_points: so.Mapped[int]
    quality_points: so.Mapped[int]
    instruction_points: so.Mapped[int]
    receipt_days: so.Mapped[int]
    overdue_deduction: so.Mapped[int]
    deduction_cap: so.Mapped[int]
    saved_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    saved_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    # Of two admins saving the scheme of one day at once, the second is told (tracker.unit_of_work).
    version: so.Mapped[int] = so.mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    plan: so.Mapped[Plan] = so.relationship()
