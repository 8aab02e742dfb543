"""Group robots (群机器人) that receive reminders, and what became of each post to them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import Model
from tracker.models.people import Department, User
from tracker.models.plan import Plan
from tracker.models.types import UTCDateTime


class Webhook(Model):
    """A chat group's robot, for one department (its reminders of every plan) or one plan
    (every department's reminders of it).

    ``url`` is the robot's key and ``secret`` its sign secret: both are credentials, shown
    masked (:func:`tracker.domain.webhooks.mask_url`) and never written to a log.
    """

    __tablename__ = "webhook"
    __table_args__ = (
        sa.CheckConstraint(
            "(department_id IS NULL) <> (plan_id IS NULL)", name="department_or_plan"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    label: so.Mapped[str] = so.mapped_column(sa.String(100))
    url: so.Mapped[str] = so.mapped_column(sa.String(500))
    secret: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    department_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("department.id"), index=True
    )
    plan_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("plan.id"), index=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    # Two admins changing (or one deleting) the same robot at once: the second is refused.
    version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    department: so.Mapped[Department | None] = so.relationship()
    plan: so.Mapped[Plan | None] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship()
    deliveries: so.Mapped[list[WebhookDelivery]] = so.relationship(
        back_populates="webhook", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Webhook {self.id} {self.kind} {self.label!r}>"


class WebhookDelivery(Model):
    """One post to a robot: when, what for (a department's reminder or a test), whether the
    robot took it, after how many attempts, and why not (with the key taken out).
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_webhook_id_at", "webhook_id", "at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    webhook_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("webhook.id", ondelete="CASCADE"))
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    purpose: so.Mapped[str] = so.mapped_column(sa.String(16))  # "reminder" or "test"
    department_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("department.id"))
    plan_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("plan.id"))
    ok: so.Mapped[bool]
    attempts: so.Mapped[int]
    detail: so.Mapped[str] = so.mapped_column(sa.String(300), default="")

    webhook: so.Mapped[Webhook] = so.relationship(back_populates="deliveries")
    department: so.Mapped[Department | None] = so.relationship()
