"""Postponement requests (延期申请): a department asks for a later due date, an admin decides.

The rules are the pure functions of :mod:`tracker.domain.postponements`, tested without a
database. The commands check them, raise :class:`Refused` with the problem codes, write,
flush, and leave the commit to the request boundary.

An approved request moves the milestone's due date and counts it; the baseline (the date the
plan set) never moves here, so the board can show both. The change is written to the history
through :func:`~tracker.services.commands.history.record_change`, with the reason as its note.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from tracker.clock import district_day
from tracker.domain.postponements import (
    PostponementProblem,
    State,
    approval_problems,
    rejection_problems,
    request_problems,
)
from tracker.domain.refusal import Refused, Who
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import Milestone, Postponement
from tracker.services.commands.history import record_change
from tracker.services.queries.postponements import pending_request

ORIGIN = "postponement"


def _is_done(milestone: Milestone) -> bool:
    return milestone.reported_status == Status.DONE


def request_postponement(
    who: Who,
    milestone: Milestone,
    *,
    requested_due: date,
    reason: str,
    version: int | None,
) -> Postponement:
    """Ask for a later due date. ``version`` is the milestone version the requester saw.

    The milestone itself does not change until an admin approves.
    """
    Refused.unless_clean(
        request_problems(
            current_due=milestone.due,
            requested_due=requested_due,
            plan_end=milestone.item.plan.end,
            reason=reason,
            done=_is_done(milestone),
            pending=pending_request(milestone) is not None,
            stale=version != milestone.version,
            today=district_day(who.now),
        )
    )
    assert who.actor is not None, "a request has someone asking"
    postponement = Postponement(
        milestone_id=milestone.id,
        requested_by_id=who.actor.id,
        requested_at=who.now,
        due_before=milestone.due,
        requested_due=requested_due,
        reason=reason.strip(),
        state=State.PENDING,
        decision_note="",
    )
    db.session.add(postponement)
    db.session.flush()
    return postponement


def approve_postponement(who: Who, postponement: Postponement, *, note: str = "") -> None:
    """Move the milestone's due date to the requested one and count the postponement.

    Refused when the request was already decided, or when the milestone's due date changed
    since the request (the request was made against a date that no longer holds). The
    history dates the change on the district day of ``who.now``.
    """
    milestone = postponement.milestone
    Refused.unless_clean(
        approval_problems(
            state=postponement.state,
            due_before=postponement.due_before,
            current_due=milestone.due,
            done=_is_done(milestone),
            note=note,
        )
    )
    _decide(who, postponement, State.APPROVED, note=note)
    old_due = milestone.due
    milestone.due = postponement.requested_due
    milestone.postponement_count = (milestone.postponement_count or 0) + 1
    record_change(
        milestone.item,
        "due",
        old_due,
        milestone.due,
        now=who.now,
        effective_on=district_day(who.now),
        user=who.actor,
        milestone=milestone,
        note=postponement.reason,
        origin=ORIGIN,
    )
    try:
        db.session.flush()
    except StaleDataError:
        # Someone changed the milestone between reading it and writing it.
        raise Refused([PostponementProblem.DUE_CHANGED]) from None


def reject_postponement(who: Who, postponement: Postponement, *, note: str) -> None:
    """Refuse the request with a note saying why; the milestone is left as it is."""
    Refused.unless_clean(rejection_problems(state=postponement.state, note=note))
    _decide(who, postponement, State.REJECTED, note=note)
    db.session.flush()


def _decide(who: Who, postponement: Postponement, state: State, *, note: str) -> None:
    """Record the decision, only if the request is still pending in the database.

    Two admins deciding the same request at once: the second finds it decided and is refused,
    instead of silently overwriting the first decision.
    """
    assert who.actor is not None, "a decision has someone deciding"
    result = db.session.execute(
        sa.update(Postponement)
        .where(Postponement.id == postponement.id, Postponement.state == State.PENDING)
        .values(
            state=state, decided_by_id=who.actor.id, decided_at=who.now, decision_note=note.strip()
        )
        .execution_options(synchronize_session=False, changes_plan=postponement.milestone.plan_id)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Refused([PostponementProblem.ALREADY_DECIDED])
    db.session.expire(postponement)
