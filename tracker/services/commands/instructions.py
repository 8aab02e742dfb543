"""Leadership instructions on items (批示), the department's replies, and the focus flag.

An instruction moves open → handled (the lead department says it is dealt with) → closed (a
leader or admin closes it); it may also be closed while still open. Replies can be added until
it is closed. Flagging an item as focus (重点关注) changes the item, so it is written to the
item's history.

The rules are the pure ``*_problems`` functions of :mod:`tracker.domain.instructions` (plain
values in, problem codes out, no Flask). The commands check them, raise :class:`Refused`
carrying the problem codes, then write and flush; the request boundary commits.
Permissions are the caller's to check, with :func:`tracker.access.require`.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm.exc import StaleDataError

from tracker.clock import district_day
from tracker.domain.instructions import (
    InstructionProblem,
    InstructionState,
    close_problems,
    due_problems,
    handled_problems,
    reply_problems,
    text_problems,
)
from tracker.domain.refusal import Refused, Who
from tracker.extensions import db
from tracker.models import Instruction, InstructionReply, Item
from tracker.services.commands.history import record_change


def create_instruction(who: Who, item: Item, text: str, due_on: date | None) -> Instruction:
    """A leader's instruction on ``item``, optionally due by ``due_on``; it starts open."""
    Refused.unless_clean([*text_problems(text), *due_problems(due_on, district_day(who.now))])
    assert who.actor is not None, "an instruction has an author"
    instruction = Instruction(
        item=item,
        author=who.actor,
        created_at=who.now,
        text=text.strip(),
        due_on=due_on,
        state=InstructionState.OPEN,
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
    Refused.unless_clean([*reply_problems(instruction.state), *text_problems(text)])
    reply_row = _add_reply(who, instruction, text)
    db.session.flush()
    return reply_row


def mark_handled(who: Who, instruction: Instruction, text: str = "") -> InstructionReply | None:
    """The lead department reports the instruction dealt with; ``text``, if any, is a reply.

    Returns the reply written, or None when no text was given.
    """
    Refused.unless_clean(
        [*handled_problems(instruction.state), *text_problems(text, required=False)]
    )
    reply_row = _add_reply(who, instruction, text) if text.strip() else None
    instruction.state = InstructionState.HANDLED
    instruction.handled_at = who.now
    instruction.handled_by = who.actor
    db.session.flush()
    return reply_row


def close(who: Who, instruction: Instruction) -> None:
    """A leader or admin closes the instruction; nothing more can be added to it."""
    Refused.unless_clean(close_problems(instruction.state))
    instruction.state = InstructionState.CLOSED
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
        raise Refused([InstructionProblem.STALE_ITEM])
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
        raise Refused([InstructionProblem.STALE_ITEM]) from error
    return True
