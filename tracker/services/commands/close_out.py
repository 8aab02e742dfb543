"""Close-out (销号): the coordinating office closes out a milestone reported done, or reopens it.

Both decisions take the milestone out of ``awaiting`` in one conditional UPDATE (on the state
and the milestone's version), so of two people deciding on one milestone at once exactly one
does; the other is told who decided first. Every change is a history row, so the timeline and
a past day's board show it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.close_out import (
    CloseOut,
    CloseOutDecision,
    CloseOutProblem,
    decision_problems,
    outcome,
    reopened_status,
)
from tracker.domain.refusal import Refused, Who
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import Milestone, Update, User
from tracker.services.commands.history import record_change

FIELD = "close_out"


def close_out(who: Who, milestone: Milestone, *, version: int, today: date) -> None:
    """Close out a milestone awaiting close-out: the evidence was checked, it counts as done."""
    _decide(who, milestone, CloseOutDecision.CLOSE, "", version=version, today=today)


def reopen(who: Who, milestone: Milestone, reason: str, *, version: int, today: date) -> None:
    """Send a milestone awaiting close-out back to its department (退回重办) with the reason.

    The milestone is open again: its status goes back to what it was before it was done (on
    track if nothing else was reported), its completion date is cleared, and the department
    reports anew.
    """
    _decide(who, milestone, CloseOutDecision.REOPEN, reason, version=version, today=today)
    before = _status_before_done(milestone)
    item = milestone.item
    status = reopened_status(before)
    for name, old, new in (
        ("status", milestone.reported_status, status),
        ("completed_on", milestone.completed_on, None),
        ("completed_on_exact", milestone.completed_on_exact, True),
    ):
        if old != new:
            record_change(
                item,
                name,
                old,
                new,
                now=who.now,
                effective_on=today,
                user=who.actor,
                milestone=milestone,
                note=reason.strip(),
            )
    milestone.reported_status = status.value
    milestone.completed_on = None
    milestone.completed_on_exact = True
    db.session.flush()


def _decide(
    who: Who,
    milestone: Milestone,
    decision: CloseOutDecision,
    reason: str,
    *,
    version: int,
    today: date,
) -> None:
    """Check the decision, then move the milestone out of ``awaiting`` if it still waits there
    at ``version``; refused (nothing written) when it does not.
    """
    if milestone.close_out in {CloseOut.CLOSED, CloseOut.REOPENED}:
        raise _lost(milestone)  # someone decided before this page was sent: say who
    Refused.unless_clean(decision_problems(milestone.close_out, decision, reason))
    state = outcome(decision)
    moved: sa.CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        sa.update(Milestone)
        .where(
            Milestone.id == milestone.id,
            Milestone.close_out == CloseOut.AWAITING.value,
            Milestone.version == version,
        )
        .values(close_out=state.value, version=Milestone.version + 1)
        .execution_options(synchronize_session=False, changes_plan=milestone.plan_id)
    )
    if moved.rowcount != 1:
        db.session.refresh(milestone)
        raise _lost(milestone)
    so.attributes.set_committed_value(milestone, "close_out", state.value)
    so.attributes.set_committed_value(milestone, "version", version + 1)
    record_change(
        milestone.item,
        FIELD,
        CloseOut.AWAITING,
        state,
        now=who.now,
        effective_on=today,
        user=who.actor,
        milestone=milestone,
        note=reason.strip(),
    )
    db.session.flush()


def _lost(milestone: Milestone) -> Refused:
    """The refusal for the one who was second: who decided first, and what."""
    row = db.session.execute(
        sa.select(Update.new_value, User.display_name)
        .outerjoin(User, User.id == Update.user_id)
        .where(Update.milestone_id == milestone.id, Update.field == FIELD)
        .order_by(Update.id.desc())
        .limit(1)
    ).first()
    if milestone.close_out == CloseOut.AWAITING:
        # Still awaiting at another version: someone changed the milestone meanwhile.
        return Refused([CloseOutProblem.CHANGED_SINCE])
    if row is None or milestone.close_out not in {CloseOut.CLOSED, CloseOut.REOPENED}:
        return Refused([CloseOutProblem.NOT_AWAITING])
    problem = (
        CloseOutProblem.ALREADY_CLOSED
        if milestone.close_out == CloseOut.CLOSED
        else CloseOutProblem.ALREADY_REOPENED
    )
    return Refused([problem], by=row.display_name or "")


def _status_before_done(milestone: Milestone) -> Status | None:
    """The status the milestone had before it was last reported done, from its history."""
    old = db.session.scalar(
        sa.select(Update.old_value)
        .where(
            Update.milestone_id == milestone.id,
            Update.field == "status",
            Update.new_value == Status.DONE.value,
        )
        .order_by(Update.id.desc())
        .limit(1)
    )
    return Status(old) if old in {s.value for s in Status} else None


def after_approval(who: Who, milestone: Milestone, new_state: CloseOut, *, today: date) -> None:
    """Record that an approved report left the milestone in ``new_state``: awaiting when it
    made it done, reopened when it took a done milestone's "done" back.
    """
    old = milestone.close_out
    milestone.close_out = new_state.value
    record_change(
        milestone.item,
        FIELD,
        old,
        new_state,
        now=who.now,
        effective_on=today,
        user=who.actor,
        milestone=milestone,
    )
