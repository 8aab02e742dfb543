"""The plan as stored: plan → groups → items → milestones, and indicators with targets."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import Model, db
from tracker.models.people import Department, User
from tracker.models.types import UTCDateTime

if TYPE_CHECKING:
    from tracker.models.receipts import Receipt

item_supporting_department = sa.Table(
    "item_supporting_department",
    db.metadata,
    sa.Column("item_id", sa.ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("department_id", sa.ForeignKey("department.id"), primary_key=True),
)


def new_data_version() -> int:
    """A plan's next data version: random, not counted, so a version once seen is never seen
    again for other data, even after the tables are emptied or a backup is restored (a key of
    a shared cache outlives both).
    """
    return secrets.randbits(62)


class Plan(Model):
    """A policy plan, loaded from a plan file."""

    __tablename__ = "plan"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    name_zh: so.Mapped[str] = so.mapped_column(sa.String(200))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(300))
    source_zh: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    source_en: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    start: so.Mapped[date] = so.mapped_column("start_date")
    end: so.Mapped[date] = so.mapped_column("end_date")
    report_date: so.Mapped[date]
    # draft, active, closed or archived (tracker.domain.plan_states); the day it closed keeps
    # its figures final.
    state: so.Mapped[str] = so.mapped_column(
        sa.String(16), default="active", server_default="active", index=True
    )
    closed_on: so.Mapped[date | None]
    # A new random value with every committed write that can change the plan's pages
    # (tracker.data_version); cached snapshots and ETags are keyed by it.
    data_version: so.Mapped[int] = so.mapped_column(
        sa.BigInteger, default=new_data_version, server_default="1"
    )

    groups: so.Mapped[list[Group]] = so.relationship(
        back_populates="plan", order_by="Group.position"
    )
    items: so.Mapped[list[Item]] = so.relationship(back_populates="plan", viewonly=True)

    def __repr__(self) -> str:
        return f"<Plan {self.code}>"


@dataclass(frozen=True)
class PlanHeader:
    """The few fields of a plan a kept page needs before it knows whether it must render
    (read with :data:`PLAN_HEADER_COLUMNS`, in the same round trip as something else).
    """

    id: int
    code: str
    state: str
    closed_on: date | None
    data_version: int

    @classmethod
    def of(cls, plan: Plan | PlanHeader) -> PlanHeader:
        return cls(plan.id, plan.code, plan.state, plan.closed_on, plan.data_version)


PLAN_HEADER_COLUMNS = (Plan.id, Plan.code, Plan.state, Plan.closed_on, Plan.data_version)


class Group(Model):
    """A section of the plan: key tasks, key projects or special actions, in file order."""

    __tablename__ = "plan_group"
    __table_args__ = (sa.UniqueConstraint("plan_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32))
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    position: so.Mapped[int] = so.mapped_column(default=0)
    name_zh: so.Mapped[str] = so.mapped_column(sa.String(200))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(300))

    plan: so.Mapped[Plan] = so.relationship(back_populates="groups")
    items: so.Mapped[list[Item]] = so.relationship(back_populates="group", order_by="Item.position")


class Item(Model):
    """A task, project or action of the plan, led by one department."""

    __tablename__ = "item"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "code"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
        sa.CheckConstraint("start_date <= due_date", name="start_before_due"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan.id"), index=True)
    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan_group.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32))
    position: so.Mapped[int] = so.mapped_column(default=0)
    title_zh: so.Mapped[str] = so.mapped_column(sa.String(300))
    title_en: so.Mapped[str] = so.mapped_column(sa.String(400))
    description_zh: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    description_en: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    lead_department_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("department.id"), index=True
    )
    start: so.Mapped[date] = so.mapped_column("start_date")
    due: so.Mapped[date] = so.mapped_column("due_date")
    weight: so.Mapped[float] = so.mapped_column(default=1.0)
    is_sample: so.Mapped[bool] = so.mapped_column(default=False)
    focus: so.Mapped[bool] = so.mapped_column(default=False)
    last_reported_on: so.Mapped[date | None]
    version: so.Mapped[int] = so.mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    plan: so.Mapped[Plan] = so.relationship(back_populates="items")
    group: so.Mapped[Group] = so.relationship(back_populates="items")
    lead_department: so.Mapped[Department] = so.relationship()
    supporting_departments: so.Mapped[list[Department]] = so.relationship(
        secondary=item_supporting_department, order_by="Department.code"
    )
    milestones: so.Mapped[list[Milestone]] = so.relationship(
        back_populates="item", order_by="(Milestone.due, Milestone.position)"
    )
    facts: so.Mapped[list[Fact]] = so.relationship(
        back_populates="item", order_by="(Fact.happened_on, Fact.position)"
    )

    def __repr__(self) -> str:
        return f"<Item {self.code}>"


def _current_receipt_join() -> sa.ColumnElement[bool]:
    """A milestone's newest receipt: the older ones are its history. Written on the table
    (tracker.models.receipts imports this module)."""
    receipt = Model.metadata.tables["receipt"]
    older = receipt.alias()
    newest = (
        sa.select(sa.func.max(older.c.id))
        .where(older.c.milestone_id == Milestone.id)
        .correlate(Milestone)
        .scalar_subquery()
    )
    return sa.and_(receipt.c.milestone_id == Milestone.id, receipt.c.id == newest)


class Milestone(Model):
    """A dated step of an item; its reported status is what the department last said."""

    __tablename__ = "milestone"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "code"),
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan.id"), index=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32))
    position: so.Mapped[int] = so.mapped_column(default=0)
    title_zh: so.Mapped[str] = so.mapped_column(sa.String(300))
    title_en: so.Mapped[str] = so.mapped_column(sa.String(400))
    due: so.Mapped[date] = so.mapped_column("due_date")
    baseline_due: so.Mapped[date] = so.mapped_column("baseline_due_date")
    department_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("department.id"), index=True)
    assignee_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    weight: so.Mapped[float] = so.mapped_column(default=1.0)
    reported_status: so.Mapped[str] = so.mapped_column(sa.String(16), default="not_started")
    progress: so.Mapped[int] = so.mapped_column(default=0)
    completed_on: so.Mapped[date | None]
    # False when only "done by completed_on" is known: the source gives no exact day, so the
    # milestone counts as done from that day but stays out of on-time statistics.
    completed_on_exact: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    source: so.Mapped[str] = so.mapped_column(sa.String(16), default="sample")
    postponement_count: so.Mapped[int] = so.mapped_column(default=0)
    # Close-out (销号, tracker.domain.close_out): None (open, or done before close-out was
    # kept), "awaiting", "closed" or "reopened".
    close_out: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    # The day its department last reported on it; a report bumps the version too, so a form
    # opened before someone else's report is recognised as stale.
    last_reported_on: so.Mapped[date | None]
    # "direct": the lead reports progress; "subtasks": it is rolled up from the sub-tasks.
    progress_mode: so.Mapped[str] = so.mapped_column(
        sa.String(16), default="direct", server_default="direct"
    )
    version: so.Mapped[int] = so.mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    item: so.Mapped[Item] = so.relationship(back_populates="milestones")
    department: so.Mapped[Department] = so.relationship()
    assignee: so.Mapped[User | None] = so.relationship()
    # Its newest receipt (签收), for badges and the API: read only with the milestone it belongs
    # to (``so.joinedload``, in the same statement), never one query per milestone.
    current_receipt: so.Mapped[Receipt | None] = so.relationship(
        "Receipt",
        primaryjoin=_current_receipt_join,
        viewonly=True,
        uselist=False,
        lazy="raise",
    )

    def __repr__(self) -> str:
        return f"<Milestone {self.code}>"


class Fact(Model):
    """A dated fact from the plan's source, shown as an item's background."""

    __tablename__ = "fact"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    happened_on: so.Mapped[date]
    # How much of ``happened_on`` the source gives: "day", "month" or "year" (then the date is
    # the period's first day, kept for ordering only).
    date_precision: so.Mapped[str] = so.mapped_column(
        sa.String(8), default="day", server_default="day"
    )
    text_zh: so.Mapped[str] = so.mapped_column(sa.Text)
    text_en: so.Mapped[str] = so.mapped_column(sa.Text)
    source: so.Mapped[str] = so.mapped_column(sa.String(16), default="report")

    item: so.Mapped[Item] = so.relationship(back_populates="facts")


class Indicator(Model):
    """A measured quantity with targets, such as the number of 5G base stations."""

    __tablename__ = "indicator"
    __table_args__ = (sa.UniqueConstraint("plan_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan.id"), index=True)
    item_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("item.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(64))
    position: so.Mapped[int] = so.mapped_column(default=0)
    name_zh: so.Mapped[str] = so.mapped_column(sa.String(200))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(300))
    unit_zh: so.Mapped[str] = so.mapped_column(sa.String(32), default="")
    unit_en: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    baseline_value: so.Mapped[float]
    baseline_date: so.Mapped[date]

    item: so.Mapped[Item | None] = so.relationship()
    targets: so.Mapped[list[IndicatorTarget]] = so.relationship(
        back_populates="indicator", order_by="IndicatorTarget.due"
    )
    measurements: so.Mapped[list[Measurement]] = so.relationship(
        back_populates="indicator", order_by="(Measurement.measured_on, Measurement.id)"
    )


class IndicatorTarget(Model):
    """The value an indicator should reach by a date."""

    __tablename__ = "indicator_target"
    __table_args__ = (sa.UniqueConstraint("indicator_id", "due_date"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    indicator_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("indicator.id"), index=True)
    due: so.Mapped[date] = so.mapped_column("due_date")
    value: so.Mapped[float]
    source: so.Mapped[str] = so.mapped_column(sa.String(16), default="sample")

    indicator: so.Mapped[Indicator] = so.relationship(back_populates="targets")


class Measurement(Model):
    """An observed value of an indicator; appended, never edited."""

    __tablename__ = "measurement"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    indicator_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("indicator.id"), index=True)
    measured_on: so.Mapped[date]
    value: so.Mapped[float]
    source: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    note_zh: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    note_en: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    from_plan_file: so.Mapped[bool] = so.mapped_column(default=False)
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("app_user.id"))
    recorded_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())

    indicator: so.Mapped[Indicator] = so.relationship(back_populates="measurements")
    recorded_by: so.Mapped[User | None] = so.relationship()
