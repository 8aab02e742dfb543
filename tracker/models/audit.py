"""The audit log: sign-ins, sign-outs and every administrative action. Rows are only added."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import Model
from tracker.models.people import User
from tracker.models.types import UTCDateTime


class AuditEvent(Model):
    """One thing that happened: who (or which user name was tried), what, to whom, from where.

    Sign-in throttling counts failures here, so the limit holds across every worker process.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_action_username_at", "action", "username", "at"),
        sa.Index("ix_audit_event_action_address_at", "action", "address", "at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(40))
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    username: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    address: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    target_type: so.Mapped[str] = so.mapped_column(sa.String(32), default="")
    target_id: so.Mapped[int | None]
    target_label: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    detail: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    actor: so.Mapped[User | None] = so.relationship()
