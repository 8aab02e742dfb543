"""Rules of leaders' instructions (批示): text, due dates and the open → handled → closed states."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

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
