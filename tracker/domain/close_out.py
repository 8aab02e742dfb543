"""Close-out (销号): the coordinating office's last word on a milestone reported done.

A department's done report, once approved, leaves the milestone *awaiting* close-out: the work
is reported done and counts 100 % of its progress, but the board counts it apart from the
closed-out ones until the coordinating office has checked the evidence. The office then
*closes* it out, or *reopens* it with a reason (the milestone is open again and its
department reports anew; an approved done report makes it await close-out again). A plan file
that says a milestone is done is the source's own word: it is closed out at once. Milestones
done before close-out was kept carry no state (None) and count as closed out.
"""

from __future__ import annotations

from enum import StrEnum

from tracker.domain.status import Status

REASON_MAX = 2000


class CloseOut(StrEnum):
    """Where a milestone stands in close-out; None on the milestone means not applicable."""

    AWAITING = "awaiting"
    CLOSED = "closed"
    REOPENED = "reopened"


CLOSE_OUT_STATES: tuple[str, ...] = tuple(c.value for c in CloseOut)


class CloseOutDecision(StrEnum):
    """What the coordinating office decides on a milestone awaiting close-out."""

    CLOSE = "close"
    REOPEN = "reopen"


class CloseOutProblem(StrEnum):
    """Why a close-out decision is refused."""

    NOT_AWAITING = "not_awaiting"
    ALREADY_CLOSED = "already_closed"
    ALREADY_REOPENED = "already_reopened"
    CHANGED_SINCE = "changed_since"
    REASON_REQUIRED = "reason_required"
    REASON_TOO_LONG = "reason_too_long"


def after_approval(
    close_out: str | None, old_status: Status, new_status: Status
) -> CloseOut | None:
    """The close-out state once a report is approved; None when it does not change.

    A report that makes the milestone done leaves it awaiting close-out. One that takes a
    done milestone's "done" back, once approved, opens it again as a reopening would: it
    leaves the close-out queue, and its next done report awaits close-out anew. Any other
    report leaves the state alone (a reopened milestone stays reopened until it is done).
    """
    if new_status is Status.DONE and old_status is not Status.DONE:
        return CloseOut.AWAITING
    if new_status is Status.DONE and close_out == CloseOut.REOPENED:
        return CloseOut.AWAITING
    if old_status is Status.DONE and new_status is not Status.DONE:
        return None if close_out == CloseOut.REOPENED else CloseOut.REOPENED
    return None


def decision_problems(
    close_out: str | None, decision: CloseOutDecision, reason: str
) -> list[CloseOutProblem]:
    """What is wrong with deciding ``decision`` on a milestone in state ``close_out``.

    Only a milestone awaiting close-out can be decided; a reopening needs its reason, which
    the department reads as what to do next.
    """
    problems: list[CloseOutProblem] = []
    if close_out != CloseOut.AWAITING:
        problems.append(CloseOutProblem.NOT_AWAITING)
    if decision is CloseOutDecision.REOPEN:
        if not reason.strip():
            problems.append(CloseOutProblem.REASON_REQUIRED)
        elif len(reason.strip()) > REASON_MAX:
            problems.append(CloseOutProblem.REASON_TOO_LONG)
    return problems


def outcome(decision: CloseOutDecision) -> CloseOut:
    """The state a decision leaves the milestone in."""
    return CloseOut.CLOSED if decision is CloseOutDecision.CLOSE else CloseOut.REOPENED


def reopened_status(before_done: Status | None) -> Status:
    """The status a reopened milestone takes: what it was before it was done, or on track."""
    if before_done is None or before_done in {Status.DONE, Status.NOT_STARTED, Status.DELAYED}:
        return Status.ON_TRACK
    return before_done
