"""Leadership instructions on items (批示), the department's replies, and the focus flag.

An instruction moves open → handled (the lead department says it is dealt with) → closed (a
leader or admin closes it); it may also be closed while still open. Replies can be added until
it is closed. Flagging an item as focus (重点关注) changes the item, so it is written to the
item's history.

The rules are the pure ``*_problems`` functions below (plain values in, problem codes out, no
Flask). The writing functions check them, raise :class:`InstructionError` carrying the problem
codes the caller words in the user's language, then write and flush; the caller commits.
Permissions are the caller's to check, with :func:`tracker.auth.access.require`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm.exc import StaleDataError

from tracker.clock import district_day
from tracker.extensions import db
from tracker.models import Instruction, InstructionReply, Item, User
from tracker.services.accounts import Who
from tracker.services.history import record_change

TEXT_MAX = 2000


class InstructionState(StrEnum):
    """Where an instruction stands; stored as these strings in ``Instruction.state``."""

    OPEN = "open"
    HANDLED = "handled"
    CLOSED = "closed"


# States whose instructions still ask something of the department.
PENDING_STATES = (InstructionState.OPEN, InstructionState.HANDLED)


class InstructionProblem(StrEnum):
    """Why a change was refused."""

    TEXT_REQUIRED = "text_required"
    TEXT_TOO_LONG = "text_too_long"
    DUE_IN_PAST = "due_in_past"
    CLOSED = "closed"  # replying to, or marking handled, a closed instruction
    ALREADY_HANDLED = "already_handled"
    ALREADY_CLOSED = "already_closed"
    STALE_ITEM = "stale_item"  # the item changed since the form was shown


class InstructionError(Exception):
    """A refused change, with every reason found."""

    def __init__(self, problems: list[InstructionProblem]) -> None:
        self.problems = problems
        super().__init__(", ".join(problems))


# The rules, as pure functions


def text_problems(text: str, *, required: bool = True) -> list[InstructionProblem]:
    """An instruction or reply has 1 to ``TEXT_MAX`` characters once trimmed."""
    text = text.strip()
    if not text:
        return [InstructionProblem.TEXT_REQUIRED] if required else []
    if len(text) > TEXT_MAX:
        return [InstructionProblem.TEXT_TOO_LONG]
    return []


def due_problems(due_on: date | None, today: date) -> list[InstructionProblem]:
    """A due date is optional, and may not lie before the district day it is written on."""
    if due_on is not None and due_on < today:
        return [InstructionProblem.DUE_IN_PAST]
    return []


def reply_problems(state: str) -> list[InstructionProblem]:
    """Replies are taken while the instruction is open or handled."""
    return [InstructionProblem.CLOSED] if state == InstructionState.CLOSED else []


def handled_problems(state: str) -> list[InstructionProblem]:
    """Only an open instruction can be marked handled."""
    if state == InstructionState.CLOSED:
        return [InstructionProblem.CLOSED]
    if state == InstructionState.HANDLED:
        return [InstructionProblem.ALREADY_HANDLED]
    return []


def close_problems(state: str) -> list[InstructionProblem]:
    """An open or handled instruction can be closed, once."""
    return [InstructionProblem.ALREADY_CLOSED] if state == InstructionState.CLOSED else []


def is_overdue(due_on: date | None, state: str, today: date) -> bool:
    """Still open after its due date (a handled one waits for the leader, not the department)."""
    return state == InstructionState.OPEN and due_on is not None and due_on < today


def _refuse_if(problems: list[InstructionProblem]) -> None:
    if problems:
        raise InstructionError(problems)


# Writing


def create_instruction(who: Who, item: Item, text: str, due_on: date | None) -> Instruction:
    """A leader's instruction on ``item``, optionally due by ``due_on``; it starts open."""
    _refuse_if([*text_problems(text), *due_problems(due_on, district_day(who.now))])
    assert who.actor is not None, "an instruction has an author"
    instruction = Instruction(
        item=item,
        author=who.actor,
        created_at=who.now,
        text=text.strip(),
        due_on=due_on,
        state=InstructionState.OPEN.value,
    )
    db.session.add(instruction)
    db.session.flush()
    return instruction


def _add_reply(who: Who, instruction: Instruction, text: str) -> InstructionReply:
    assert who.actor is not None, "a reply has an author"
    reply_row = InstructionReply(
        instruction=instruction, author=who.actor, created_at=who.now, text=text.strip()
    )
    db.session.add(reply_row)
    return reply_row


def reply(who: Who, instruction: Instruction, text: str) -> InstructionReply:
    """Answer an instruction (the department says what was done, or the leader follows up)."""
    _refuse_if([*reply_problems(instruction.state), *text_problems(text)])
    reply_row = _add_reply(who, instruction, text)
    db.session.flush()
    return reply_row


def mark_handled(who: Who, instruction: Instruction, text: str = "") -> InstructionReply | None:
    """The lead department reports the instruction dealt with; ``text``, if any, is a reply.

    Returns the reply written, or None when no text was given.
    """
    _refuse_if([*handled_problems(instruction.state), *text_problems(text, required=False)])
    reply_row = _add_reply(who, instruction, text) if text.strip() else None
    instruction.state = InstructionState.HANDLED.value
    instruction.handled_at = who.now
    instruction.handled_by = who.actor
    db.session.flush()
    return reply_row


def close(who: Who, instruction: Instruction) -> None:
    """A leader or admin closes the instruction; nothing more can be added to it."""
    _refuse_if(close_problems(instruction.state))
    instruction.state = InstructionState.CLOSED.value
    instruction.closed_at = who.now
    instruction.closed_by = who.actor
    db.session.flush()


def set_focus(who: Who, item: Item, focus: bool, *, expected_version: int | None = None) -> bool:
    """Flag the item as focus (重点关注) or clear the flag; False when it already was so.

    ``expected_version`` is the item version the user's form was made from: if the item
    changed since, the change is refused, so nobody overrides what they have not seen. The
    change is written to the item's history, and the item's version goes up.
    """
    if item.focus == focus:
        return False
    if expected_version is not None and expected_version != item.version:
        raise InstructionError([InstructionProblem.STALE_ITEM])
    old = item.focus
    try:
        with db.session.no_autoflush:
            item.focus = focus
            record_change(
                item,
                "focus",
                old,
                focus,
                now=who.now,
                effective_on=district_day(who.now),
                user=who.actor,
            )
        db.session.flush()
    except StaleDataError as error:  # changed by another request since it was read
        raise InstructionError([InstructionProblem.STALE_ITEM]) from error
    return True


# Reading


def instructions_for_item(item_id: int) -> list[Instruction]:
    """Every instruction on the item, newest first, with authors and replies loaded.

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
