"""Postponement requests (延期申请): a department asks for a later due date, an admin decides.

The rules are plain functions of plain values (:func:`request_problems`,
:func:`approval_problems`, :func:`rejection_problems`), so they are tested without a database.
The service functions check them, raise :class:`PostponementError` with problem codes the
caller words in the user's language, write, flush, and leave the commit to the caller.

An approved request moves the milestone's due date and counts it; the baseline (the date the
plan set) never moves here, so the board can show both. The change is written to the history
through :func:`~tracker.services.history.record_change`, with the reason as its note.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import Item, Milestone, Postponement, User
from tracker.services.history import record_change

REASON_MIN = 5
REASON_MAX = 2000
NOTE_MAX = 2000
# A milestone may be postponed to at most this many years after the plan's end.
YEARS_AFTER_PLAN = 2
RECENT_DECISIONS = 50
ORIGIN = "postponement"


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
    BEYOND_LIMIT = "beyond_limit"
    REASON_TOO_SHORT = "reason_too_short"
    REASON_TOO_LONG = "reason_too_long"
    ALREADY_DECIDED = "already_decided"
    DUE_CHANGED = "due_changed"
    NOTE_REQUIRED = "note_required"
    NOTE_TOO_LONG = "note_too_long"


class PostponementError(Exception):
    """A refused request or decision, with every reason found."""

    def __init__(self, problems: list[PostponementProblem]) -> None:
        self.problems = problems
        super().__init__(", ".join(problems))


# Rules: plain values in, problem codes out.


def latest_due(plan_end: date) -> date:
    """The latest due date a postponement may ask for: two years after the plan's end."""
    year = plan_end.year + YEARS_AFTER_PLAN
    try:
        return plan_end.replace(year=year)
    except ValueError:  # 29 February, and the target year is not a leap year
        return plan_end.replace(year=year, day=28)


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
) -> list[PostponementProblem]:
    """Everything wrong with a request, in the order a user should read it."""
    problems = []
    if stale:
        problems.append(PostponementProblem.STALE)
    if done:
        problems.append(PostponementProblem.MILESTONE_DONE)
    if pending:
        problems.append(PostponementProblem.ALREADY_PENDING)
    if requested_due <= current_due:
        problems.append(PostponementProblem.NOT_LATER)
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


# Reading


def pending_request(milestone: Milestone) -> Postponement | None:
    """The milestone's request waiting for a decision, if there is one."""
    return db.session.scalar(
        sa.select(Postponement)
        .where(Postponement.milestone_id == milestone.id, Postponement.state == State.PENDING)
        .order_by(Postponement.requested_at, Postponement.id)
        .limit(1)
    )


def requests_for(milestone: Milestone) -> list[Postponement]:
    """Every request made for the milestone, newest first."""
    return list(
        db.session.scalars(
            sa.select(Postponement)
            .where(Postponement.milestone_id == milestone.id)
            .options(
                so.joinedload(Postponement.requested_by), so.joinedload(Postponement.decided_by)
            )
            .order_by(Postponement.requested_at.desc(), Postponement.id.desc())
        )
    )


def _with_milestone() -> list[so.interfaces.LoaderOption]:
    return [
        so.joinedload(Postponement.milestone).joinedload(Milestone.department),
        so.joinedload(Postponement.milestone).joinedload(Milestone.item).joinedload(Item.plan),
        so.joinedload(Postponement.requested_by),
        so.joinedload(Postponement.decided_by),
    ]


def decision_queue(limit: int = RECENT_DECISIONS) -> tuple[list[Postponement], list[Postponement]]:
    """Pending requests, oldest first, and the ``limit`` latest decisions, newest first."""
    pending = db.session.scalars(
        sa.select(Postponement)
        .where(Postponement.state == State.PENDING)
        .options(*_with_milestone())
        .order_by(Postponement.requested_at, Postponement.id)
    ).all()
    decided = db.session.scalars(
        sa.select(Postponement)
        .where(Postponement.state != State.PENDING)
        .options(*_with_milestone())
        .order_by(Postponement.decided_at.desc(), Postponement.id.desc())
        .limit(limit)
    ).all()
    return list(pending), list(decided)


# Writing


def _is_done(milestone: Milestone) -> bool:
    return milestone.reported_status == Status.DONE


def request_postponement(
    milestone: Milestone,
    *,
    user: User,
    requested_due: date,
    reason: str,
    version: int | None,
    now: datetime,
) -> Postponement:
    """Ask for a later due date. ``version`` is the milestone version the requester saw.

    The milestone itself does not change until an admin approves.
    """
    problems = request_problems(
        current_due=milestone.due,
        requested_due=requested_due,
        plan_end=milestone.item.plan.end,
        reason=reason,
        done=_is_done(milestone),
        pending=pending_request(milestone) is not None,
        stale=version != milestone.version,
    )
    if problems:
        raise PostponementError(problems)
    postponement = Postponement(
        milestone_id=milestone.id,
        requested_by_id=user.id,
        requested_at=now,
        due_before=milestone.due,
        requested_due=requested_due,
        reason=reason.strip(),
        state=State.PENDING,
        decision_note="",
    )
    db.session.add(postponement)
    db.session.flush()
    return postponement


def approve_postponement(
    postponement: Postponement, *, user: User, now: datetime, today: date, note: str = ""
) -> None:
    """Move the milestone's due date to the requested one and count the postponement.

    Refused when the request was already decided, or when the milestone's due date changed
    since the request (the request was made against a date that no longer holds).
    """
    milestone = postponement.milestone
    problems = approval_problems(
        state=postponement.state,
        due_before=postponement.due_before,
        current_due=milestone.due,
        done=_is_done(milestone),
        note=note,
    )
    if problems:
        raise PostponementError(problems)
    _decide(postponement, State.APPROVED, user=user, now=now, note=note)
    old_due = milestone.due
    milestone.due = postponement.requested_due
    milestone.postponement_count = (milestone.postponement_count or 0) + 1
    record_change(
        milestone.item,
        "due",
        old_due,
        milestone.due,
        now=now,
        effective_on=today,
        user=user,
        milestone=milestone,
        note=postponement.reason,
        origin=ORIGIN,
    )
    try:
        db.session.flush()
    except StaleDataError:
        # Someone changed the milestone between reading it and writing it.
        raise PostponementError([PostponementProblem.DUE_CHANGED]) from None


def reject_postponement(
    postponement: Postponement, *, user: User, now: datetime, note: str
) -> None:
    """Refuse the request with a note saying why; the milestone is left as it is."""
    problems = rejection_problems(state=postponement.state, note=note)
    if problems:
        raise PostponementError(problems)
    _decide(postponement, State.REJECTED, user=user, now=now, note=note)
    db.session.flush()


def _decide(
    postponement: Postponement, state: State, *, user: User, now: datetime, note: str
) -> None:
    """Record the decision, only if the request is still pending in the database.

    Two admins deciding the same request at once: the second finds it decided and is refused,
    instead of silently overwriting the first decision.
    """
    result = db.session.execute(
        sa.update(Postponement)
        .where(Postponement.id == postponement.id, Postponement.state == State.PENDING)
        .values(state=state, decided_by_id=user.id, decided_at=now, decision_note=note.strip())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise PostponementError([PostponementProblem.ALREADY_DECIDED])
    db.session.expire(postponement)
