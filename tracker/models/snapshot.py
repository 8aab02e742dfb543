"""Computed pages kept for every worker and machine (see :mod:`tracker.snapshots`)."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import Model


class Snapshot(Model):
    """One computed value, stored under a key that names the plan's data version.

    A row is never updated: a new data version makes a new key, and rows of other versions of
    the plan are deleted when one is stored.
    """

    __tablename__ = "snapshot"
    __table_args__ = (sa.Index("ix_snapshot_plan_id_data_version", "plan_id", "data_version"),)

    key: so.Mapped[str] = so.mapped_column(sa.String(200), primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"))
    data_version: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    value: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
