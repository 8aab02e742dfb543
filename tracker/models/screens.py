"""Read-only links for the meeting-room display (大屏): the token is the credential."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import Model
from tracker.models.people import User
from tracker.models.plan import Plan
from tracker.models.types import UTCDateTime


class ScreenLink(Model):
    """A link an admin made for a display; it works until it is revoked.

    Only the SHA-256 hash of the token is kept: the token itself is shown once, when the link is
    made, so a copy of the database does not open any screen. Revoked links stay listed.
    """

    __tablename__ = "screen_link"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    label: so.Mapped[str] = so.mapped_column(sa.String(100))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    revoked_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # The plan the display shows; None (links made before there were several plans) shows
    # the default plan.
    plan_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("plan.id"))

    plan: so.Mapped[Plan | None] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship(foreign_keys=[created_by_id])
    revoked_by: so.Mapped[User | None] = so.relationship(foreign_keys=[revoked_by_id])

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<ScreenLink {self.id} {self.label!r}>"
