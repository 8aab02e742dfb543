"""Assemble a plan's progress for pages and the API in a fixed number of queries.

The plan is loaded once (groups, items, departments, milestones), turned into plain domain
inputs, and rolled up in one pass; pages then only read the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.replay import REPLAYED_FIELDS, Change, state_at
from tracker.domain.reporting import ReportState
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
from tracker.models import Group, Item, Milestone, Plan, Report, Update


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


def milestone_state(milestone: Milestone) -> MilestoneState:
    """The domain's view of a stored milestone."""
    return MilestoneState(
        due=milestone.due,
        weight=milestone.weight,
        reported_status=Status(milestone.reported_status),
        progress=milestone.progress,
        completed_on=milestone.completed_on,
        completed_on_exact=milestone.completed_on_exact,
        close_out=milestone.close_out,
    )


def item_input(item: Item, past: dict[int, MilestoneState | None] | None = None) -> ItemInput:
    """The domain's view of a stored item and its milestones (which must be loaded).

    With ``past`` (rebuilt states), each milestone is taken as it stood then, and milestones
    that did not exist yet are left out.
    """
    if past is None:
        milestones = [MilestoneInput(key=m.id, state=milestone_state(m)) for m in item.milestones]
    else:
        milestones = [
            MilestoneInput(key=m.id, state=state)
            for m in item.milestones
            if (state := past.get(m.id)) is not None
        ]
    return ItemInput(
        key=item.id, start=item.start, due=item.due, weight=item.weight, milestones=milestones
    )


def replayed_states(plan: Plan, as_of: date) -> dict[int, MilestoneState | None]:
    """Every milestone's state at the end of a past day, rebuilt from the history.

    Only what the replay needs leaves the database: per milestone and field, the last change
    that counted by ``as_of`` (and the first change of the due date, whose old value is the
    original due date). The database picks those with a window over the rows up to that day
    (index ``plan_id, effective_on``), so a past day costs about what today costs, however
    long the history.

    ``None`` marks a milestone that an admin created after that day.
    """
    approvals = (
        # (not narrowed by plan: the report decides that, and its index finds the row at once)
        sa.select(Update.report_id, Update.effective_on.label("approved_on"))
        .where(
            Update.field == "review",
            Update.new_value == ReportState.APPROVED.value,
            Update.report_id.is_not(None),
        )
        .subquery("approvals")
    )
    counts_from = sa.case(
        (Update.report_id.is_(None), Update.effective_on), else_=approvals.c.approved_on
    ).label("counts_from")
    # A change proposed in a report counts from its approval, which comes after it was
    # proposed: no row that counts by ``as_of`` was written with a later effective day.
    counted = (
        sa.select(
            Update.id,
            Update.milestone_id,
            Update.field,
            Update.old_value,
            Update.new_value,
            counts_from,
        )
        .outerjoin(approvals, approvals.c.report_id == Update.report_id)
        .where(
            Update.plan_id == plan.id,
            Update.milestone_id.is_not(None),
            Update.field.in_([*REPLAYED_FIELDS, "created"]),
            Update.effective_on <= as_of,
        )
        .subquery("counted")
    )
    ranked = sa.select(
        counted,
        sa.func.row_number()
        .over(
            partition_by=(counted.c.milestone_id, counted.c.field),
            order_by=(counted.c.counts_from.desc(), counted.c.id.desc()),
        )
        .label("latest"),
    ).where(counted.c.counts_from.is_not(None), counted.c.counts_from <= as_of)
    latest = ranked.subquery("ranked")
    rows = db.session.execute(
        sa.select(
            latest.c.milestone_id,
            latest.c.id,
            latest.c.field,
            latest.c.old_value,
            latest.c.new_value,
            latest.c.counts_from,
        ).where(latest.c.latest == 1)
    ).all()
    first_due = db.session.execute(
        sa.select(Update.milestone_id, Update.id, Update.old_value).where(
            Update.id.in_(
                sa.select(sa.func.min(Update.id))
                .where(
                    Update.plan_id == plan.id,
                    Update.milestone_id.is_not(None),
                    Update.field == "due",
                )
                .group_by(Update.milestone_id)
            )
        )
    ).all()
    created_late = set(
        db.session.scalars(
            sa.select(Update.milestone_id)
            .where(
                Update.plan_id == plan.id, Update.field == "created", Update.effective_on > as_of
            )
            .group_by(Update.milestone_id)
        )
    )
    changes: dict[int, list[Change]] = {}
    created_by_then: set[int] = set()
    for milestone_id, order, field_name, old, new, counted_from in rows:
        if field_name == "created":
            created_by_then.add(milestone_id)
            continue
        changes.setdefault(milestone_id, []).append(
            Change(counted_from, order, field_name, old, new)
        )
    for milestone_id, order, old in first_due:
        if milestone_id is None:
            continue  # (the query keeps milestone rows only; this tells the type checker)
        # Only its old value is read (the original due date); it never counts as a change.
        changes.setdefault(milestone_id, []).append(Change(date.max, order, "due", old, None))
    states: dict[int, MilestoneState | None] = {}
    milestones = db.session.execute(
        sa.select(Milestone.id, Milestone.due, Milestone.weight).where(Milestone.plan_id == plan.id)
    ).all()
    for milestone_id, due, weight in milestones:
        if milestone_id in created_late and milestone_id not in created_by_then:
            states[milestone_id] = None
            continue
        states[milestone_id] = state_at(
            changes.get(milestone_id, []), current_due=due, weight=weight, as_of=as_of
        )
    return states


def load_progress(
    plan: Plan, as_of: date, margin: float, *, today: date | None = None
) -> PlanProgress:
    """Load ``plan`` with its items and milestones and roll it up at ``as_of``.

    For a day before ``today`` the milestones' states are rebuilt from the history, so the
    board shows what it showed then; otherwise the current approved state is used.
    """
    groups = db.session.scalars(
        sa.select(Group).where(Group.plan_id == plan.id).order_by(Group.position)
    ).all()
    items = db.session.scalars(
        sa.select(Item)
        .where(Item.plan_id == plan.id)
        .options(
            so.joinedload(Item.lead_department),
            so.selectinload(Item.supporting_departments),
            so.selectinload(Item.milestones).selectinload(Milestone.department),
        )
        .order_by(Item.position)
    ).all()
    items_by_group: dict[int, list[Item]] = {group.id: [] for group in groups}
    for item in items:
        items_by_group[item.group_id].append(item)

    past = replayed_states(plan, as_of) if today is not None and as_of < today else None
    inputs = [
        GroupInput(
            key=group.id,
            items=[item_input(item, past) for item in items_by_group[group.id]],
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
        .where(Report.plan_id == plan.id, Report.state == ReportState.SUBMITTED)
        .group_by(Report.item_id)
    )
    return PlanProgress(
        plan=plan,
        result=result,
        sections=sections,
        pending_by_item={item_id: n for item_id, n in pending},  # noqa: C416  (Row to tuple)
    )
