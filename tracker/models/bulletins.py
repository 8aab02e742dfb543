"""Monthly bulletins (督办通报) as they were issued: who made which month's, when, and the file."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import Model
from tracker.models.people import User
from tracker.models.plan import Plan
from tracker.models.types import UTCDateTime


class Bulletin(Model):
    """One generated bulletin, kept as issued: a month may be generated again (after late
    approvals), and each generation is a new row, never an edit.

    Rows of one plan and month are numbered by id (第1版, 第2版…) when read, so two people
    generating the same month at once both get a row and a number, with no unique key to
    collide on. ``figures`` (JSON) are the figures the document states, kept to tell what a
    later generation changed; ``changes`` (JSON) is that list against the previous one, worked
    out when this one was made. The .docx bytes are kept in the row, loaded only to download.
    """

    __tablename__ = "bulletin"
    __table_args__ = (sa.Index("ix_bulletin_plan_id_month", "plan_id", "month"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan.id"))
    month: so.Mapped[str] = so.mapped_column(sa.String(7))  # 2021-06
    as_of: so.Mapped[date]
    language: so.Mapped[str] = so.mapped_column(sa.String(8))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    size: so.Mapped[int]
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    figures: so.Mapped[str] = so.mapped_column(sa.Text)
    changes: so.Mapped[str] = so.mapped_column(sa.Text)
    content: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)

    plan: so.Mapped[Plan] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship()
