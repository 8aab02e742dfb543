"""Instructions (批示) read back for the item page and the department's page."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.instructions import PENDING_STATES, InstructionState
from tracker.extensions import db
from tracker.models import (
    Instruction,
    InstructionReply,
    Item,
    User,
)
from tracker.services.queries.charts import district_day

INSTRUCTIONS_SHOWN = 20  # on the item page; older ones stay in the item's timeline


def count_instructions(item_id: int) -> int:
    """How many instructions the item has had."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Instruction)
            .where(Instruction.item_id == item_id)
        )
        or 0
    )


def instructions_for_item(item_id: int, *, limit: int | None = None) -> list[Instruction]:
    """The item's instructions, newest first (the first ``limit``), with authors and replies
    loaded.

    Two queries whatever the number of instructions and replies.
    """
    return list(
        db.session.scalars(
            sa.select(Instruction)
            .where(Instruction.item_id == item_id)
            .options(
                so.joinedload(Instruction.author).joinedload(User.department),
                so.joinedload(Instruction.handled_by),
                so.joinedload(Instruction.closed_by),
                so.selectinload(Instruction.replies)
                .joinedload(InstructionReply.author)
                .joinedload(User.department),
            )
            .order_by(Instruction.created_at.desc(), Instruction.id.desc())
            .limit(limit)
        )
    )


def open_instructions_for_department(department_id: int) -> list[Instruction]:
    """Open and handled instructions on the items the department leads, with their item.

    Open ones first (they wait for the department), then by due date (undated last), then
    newest first. Authors and replies are loaded too, so a list of them costs two queries.
    """
    return list(
        db.session.scalars(
            sa.select(Instruction)
            .join(Instruction.item)
            .where(
                Item.lead_department_id == department_id,
                Instruction.state.in_([s.value for s in PENDING_STATES]),
            )
            .options(
                so.contains_eager(Instruction.item),
                so.joinedload(Instruction.author),
                so.selectinload(Instruction.replies),
            )
            .order_by(
                sa.case((Instruction.state == InstructionState.OPEN.value, 0), else_=1),
                Instruction.due_on.is_(None),
                Instruction.due_on,
                Instruction.created_at.desc(),
                Instruction.id.desc(),
            )
        )
    )


def plan_instructions(plan_id: int) -> list[Instruction]:
    """Every instruction on the plan's items, oldest first, with authors and replies loaded.

    For the ledger's 批示 sheet: two queries, whatever the number of instructions and replies.
    The caller maps ``item_id`` to the items it already holds.
    """
    return list(
        db.session.scalars(
            sa.select(Instruction)
            .join(Item, Item.id == Instruction.item_id)
            .where(Item.plan_id == plan_id)
            .options(
                so.joinedload(Instruction.author),
                so.selectinload(Instruction.replies).joinedload(InstructionReply.author),
            )
            .order_by(Instruction.created_at, Instruction.id)
        ).unique()
    )


def state_on(instruction: Instruction, as_of: date, zone: ZoneInfo) -> InstructionState:
    """Where the instruction stood at the end of ``as_of`` (a district day): for the ledger
    and the monthly bulletin, which show a past day."""
    if instruction.closed_at and district_day(instruction.closed_at, zone) <= as_of:
        return InstructionState.CLOSED
    if instruction.handled_at and district_day(instruction.handled_at, zone) <= as_of:
        return InstructionState.HANDLED
    return InstructionState.OPEN
