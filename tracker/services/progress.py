"""Assemble a plan's progress for pages and the API in a fixed number of queries.

The plan is loaded once (groups, items, departments, milestones), turned into plain domain
inputs, and rolled up in one pass; pages then only read the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.rollup import (
    GroupInput,
    ItemInput,
    ItemResult,
    MilestoneInput,
    PlanResult,
    roll_up,
)
from tracker.domain.status import MilestoneState, Status
from tracker.extensions import db
from tracker.models import Group, Item, Milestone, Plan, Report


@dataclass(frozen=True)
class ItemRow:
    """An item with its computed result, as a board row needs it."""

    item: Item
    result: ItemResult


@dataclass(frozen=True)
class GroupSection:
    """A group with its rows, in plan order."""

    group: Group
    rows: tuple[ItemRow, ...]


@dataclass(frozen=True)
class PlanProgress:
    """A plan with every figure computed at ``result.as_of``.

    ``pending_by_item`` counts reports waiting for review: shown as pending, never counted.
    """

    plan: Plan
    result: PlanResult
    sections: tuple[GroupSection, ...]
    pending_by_item: dict[int, int] = field(default_factory=dict)

    @property
    def pending_total(self) -> int:
        return sum(self.pending_by_item.values())

    @property
    def as_of(self) -> date:
        return self.result.as_of

    @property
    def item_count(self) -> int:
        return sum(len(section.rows) for section in self.sections)


def current_plan(code: str | None = None) -> Plan | None:
    """The plan to show: the one named in configuration, else the first one loaded."""
    query = sa.select(Plan).order_by(Plan.id).limit(1)
    if code:
        query = sa.select(Plan).where(Plan.code == code)
    return db.session.scalar(query)


def milestone_state(milestone: Milestone) -> MilestoneState:
    """The domain's view of a stored milestone."""
    return MilestoneState(
        due=milestone.due,
        weight=milestone.weight,
        reported_status=Status(milestone.reported_status),
        progress=milestone.progress,
        completed_on=milestone.completed_on,
    )


def item_input(item: Item) -> ItemInput:
    """The domain's view of a stored item and its milestones (which must be loaded)."""
    return ItemInput(
        key=item.id,
        start=item.start,
        due=item.due,
        weight=item.weight,
        milestones=[MilestoneInput(key=m.id, state=milestone_state(m)) for m in item.milestones],
    )


def load_progress(plan: Plan, as_of: date, margin: float) -> PlanProgress:
    """Load ``plan`` with its items and milestones and roll it up at ``as_of``."""
    groups = db.session.scalars(
        sa.select(Group).where(Group.plan_id == plan.id).order_by(Group.position)
    ).all()
    items = db.session.scalars(
        sa.select(Item)
        .where(Item.plan_id == plan.id)
        .options(
            so.joinedload(Item.lead_department),
            so.selectinload(Item.supporting_departments),
            so.selectinload(Item.milestones).joinedload(Milestone.department),
        )
        .order_by(Item.position)
    ).all()
    items_by_group: dict[int, list[Item]] = {group.id: [] for group in groups}
    for item in items:
        items_by_group[item.group_id].append(item)

    inputs = [
        GroupInput(
            key=group.id,
            items=[item_input(item) for item in items_by_group[group.id]],
        )
        for group in groups
    ]
    result = roll_up(inputs, as_of, margin)
    sections = tuple(
        GroupSection(
            group=group,
            rows=tuple(
                ItemRow(item=item, result=item_result)
                for item, item_result in zip(
                    items_by_group[group.id], group_result.items, strict=True
                )
            ),
        )
        for group, group_result in zip(groups, result.groups, strict=True)
    )
    pending = db.session.execute(
        sa.select(Report.item_id, sa.func.count())
        .where(Report.plan_id == plan.id, Report.state == "submitted")
        .group_by(Report.item_id)
    )
    return PlanProgress(
        plan=plan,
        result=result,
        sections=sections,
        pending_by_item={item_id: n for item_id, n in pending},  # noqa: C416  (Row to tuple)
    )
