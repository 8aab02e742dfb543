"""Rules of postponements: how far a due date may move and who may decide."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

REASON_MIN = 5


REASON_MAX = 2000


NOTE_MAX = 2000


# A milestone may be postponed to at most this many years after the plan's end.
YEARS_AFTER_PLAN = 2


class State(StrEnum):
    """Where a request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class PostponementProblem(StrEnum):
    """Why a request or a decision was refused."""

    STALE = "stale"
    MILESTONE_DONE = "milestone_done"
    ALREADY_PENDING = "already_pending"
    NOT_LATER = "not_later"
    IN_THE_PAST = "in_the_past"
    BEYOND_LIMIT = "beyond_limit"
    REASON_TOO_SHORT = "reason_too_short"
    REASON_TOO_LONG = "reason_too_long"
    ALREADY_DECIDED = "already_decided"
    DUE_CHANGED = "due_changed"
    NOTE_REQUIRED = "note_required"
    NOTE_TOO_LONG = "note_too_long"


def latest_due(plan_end: date) -> date:
    """The latest due date a postponement may ask for: two years after the plan's end."""
    year = plan_end.year + YEARS_AFTER_PLAN
    try:
        return plan_end.replace(year=year)
    except ValueError:  # 29 February, and the target year is not a leap year
        return plan_end.replace(year=year, day=28)


def earliest_due(today: date) -> date:
    """The earliest new due date a request may ask for: tomorrow."""
    return date.fromordinal(today.toordinal() + 1)


def delay_days(due_before: date, requested_due: date) -> int:
    """How many days later the requested date is than the date it replaces."""
    return (requested_due - due_before).days


def request_problems(
    *,
    current_due: date,
    requested_due: date,
    plan_end: date,
    reason: str,
    done: bool,
    pending: bool,
    stale: bool,
    today: date | None = None,
) -> list[PostponementProblem]:
    """Everything wrong with a request, in the order a user should read it.

    With ``today`` (the district's day of the request) a new due date must lie in the future:
    a day already past cannot be met, so asking for it only hides a delay.
    """
    problems = []
    if stale:
        problems.append(PostponementProblem.STALE)
    if done:
        problems.append(PostponementProblem.MILESTONE_DONE)
    if pending:
        problems.append(PostponementProblem.ALREADY_PENDING)
    if requested_due <= current_due:
        problems.append(PostponementProblem.NOT_LATER)
    elif today is not None and requested_due <= today:
        problems.append(PostponementProblem.IN_THE_PAST)
    elif requested_due > latest_due(plan_end):
        problems.append(PostponementProblem.BEYOND_LIMIT)
    reason = reason.strip()
    if len(reason) < REASON_MIN:
        problems.append(PostponementProblem.REASON_TOO_SHORT)
    elif len(reason) > REASON_MAX:
        problems.append(PostponementProblem.REASON_TOO_LONG)
    return problems


def approval_problems(
    *, state: str, due_before: date, current_due: date, done: bool, note: str
) -> list[PostponementProblem]:
    """Whether a request can still be approved: pending, and its milestone as it was."""
    if state != State.PENDING:
        return [PostponementProblem.ALREADY_DECIDED]
    problems = []
    if current_due != due_before:
        problems.append(PostponementProblem.DUE_CHANGED)
    if done:
        problems.append(PostponementProblem.MILESTONE_DONE)
    if len(note.strip()) > NOTE_MAX:
        problems.append(PostponementProblem.NOTE_TOO_LONG)
    return problems


def rejection_problems(*, state: str, note: str) -> list[PostponementProblem]:
    """A rejection must say why: the department reads the note."""
    if state != State.PENDING:
        return [PostponementProblem.ALREADY_DECIDED]
    note = note.strip()
    if not note:
        return [PostponementProblem.NOTE_REQUIRED]
    if len(note) > NOTE_MAX:
        return [PostponementProblem.NOTE_TOO_LONG]
    return []
