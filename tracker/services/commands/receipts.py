"""Receipts (签收): opening a receipt when a milestone is assigned, and the department's answer.

Every assignment opens a pending receipt for the milestone's department (a plan file's new
milestone, an admin's new milestone, a change of department, and the coordinating office's
"assign again" after a decline). A reassignment supersedes the pending receipt it replaces, so
the old department no longer sees it and the new one does. The lead of the assigned department
signs (naming who answers for it) or declines with a reason. Either answer moves the state in
one conditional UPDATE: of two people answering at once exactly one wins, and the other is told
who answered first. Each answer is appended to the item's history (field ``receipt``) so the
timeline shows it. Commands flush; the request boundary commits.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from tracker.clock import district_day
from tracker.domain.receipts import (
    ReceiptProblem,
    ReceiptState,
    decline_problems,
    reassign_problems,
    sign_problems,
)
from tracker.domain.refusal import Refused, Who
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import Milestone, User
from tracker.models.receipts import Receipt
from tracker.services.commands.history import record_change

ORIGIN = "receipt"
FIELD = "receipt"


def current_receipt(milestone_id: int) -> Receipt | None:
    """The milestone's newest receipt (its current one), or None if it has none."""
    return db.session.scalar(
        sa.select(Receipt)
        .where(Receipt.milestone_id == milestone_id)
        .order_by(Receipt.id.desc())
        .limit(1)
    )


def open_receipt(milestone: Milestone, *, now: datetime, by: User | None = None) -> Receipt | None:
    """Ask the milestone's department to sign for it; supersede a receipt still pending.

    A milestone already done needs no receipt (a plan file may hold finished work): None.
    """
    if milestone.reported_status == Status.DONE:
        return None
    db.session.execute(
        sa.update(Receipt)
        .where(Receipt.milestone_id == milestone.id, Receipt.state == ReceiptState.PENDING)
        .values(state=ReceiptState.SUPERSEDED)
        .execution_options(synchronize_session="fetch", changes_plan=milestone.plan_id)
    )
    receipt = Receipt(
        plan_id=milestone.plan_id,
        milestone_id=milestone.id,
        department_id=milestone.department_id,
        assigned_at=now,
        assigned_by_id=by.id if by is not None else None,
        state=ReceiptState.PENDING,
        responsible="",
        work_plan="",
        decline_reason="",
    )
    db.session.add(receipt)
    db.session.flush()
    return receipt


def sign(who: Who, receipt: Receipt, *, responsible: str, work_plan: str = "") -> None:
    """The department takes the milestone on, naming who answers for it."""
    Refused.unless_clean(
        sign_problems(state=receipt.state, responsible=responsible, work_plan=work_plan),
        **_answered_by(receipt),
    )
    _answer(
        who,
        receipt,
        ReceiptState.SIGNED,
        responsible=responsible.strip(),
        work_plan=work_plan.strip(),
    )
    _history(who, receipt, ReceiptState.SIGNED, note=responsible.strip())


def decline(who: Who, receipt: Receipt, *, reason: str) -> None:
    """The department says the milestone is not its to do; the coordinating office reassigns."""
    Refused.unless_clean(
        decline_problems(state=receipt.state, reason=reason), **_answered_by(receipt)
    )
    _answer(who, receipt, ReceiptState.DECLINED, decline_reason=reason.strip())
    _history(who, receipt, ReceiptState.DECLINED, note=reason.strip())


def assign_again(who: Who, milestone: Milestone) -> Receipt:
    """After a decline, ask the same department again (the admin judged it theirs after all).

    Reassigning to another department goes through the milestone's form instead.
    """
    current = current_receipt(milestone.id)
    Refused.unless_clean(reassign_problems(state=current.state if current else None))
    receipt = open_receipt(milestone, now=who.now, by=who.actor)
    if receipt is None or current is None:
        raise Refused([ReceiptProblem.NOT_DECLINED])
    # Read again now that this transaction writes: another admin's 重新交办 committed since
    # the first read makes the declined one no longer current, and this one the loser.
    meanwhile = db.session.scalar(
        sa.select(Receipt.id).where(
            Receipt.milestone_id == milestone.id,
            Receipt.id > current.id,
            Receipt.id != receipt.id,
        )
    )
    if meanwhile is not None:
        raise Refused([ReceiptProblem.NOT_DECLINED])
    _history(who, receipt, ReceiptState.PENDING, old=ReceiptState.DECLINED)
    db.session.flush()
    return receipt


def _answer(who: Who, receipt: Receipt, state: ReceiptState, **values: str) -> None:
    """Move a pending receipt to ``state``, only if it is still pending in the database.

    The losing one of two concurrent answers finds it answered and is refused, naming who
    answered, instead of overwriting the first answer.
    """
    assert who.actor is not None, "an answer has someone answering"
    result = db.session.execute(
        sa.update(Receipt)
        .where(Receipt.id == receipt.id, Receipt.state == ReceiptState.PENDING)
        .values(state=state, answered_at=who.now, answered_by_id=who.actor.id, **values)
        .execution_options(synchronize_session=False, changes_plan=receipt.plan_id)
    )
    db.session.expire(receipt)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Refused([ReceiptProblem.ALREADY_ANSWERED], **_answered_by(receipt))


def _answered_by(receipt: Receipt) -> dict[str, object]:
    """Who answered a receipt already, for "already answered by …"."""
    user = receipt.answered_by
    return {"by": user.display_name or user.username} if user is not None else {"by": "—"}


def _history(
    who: Who, receipt: Receipt, state: ReceiptState, *, note: str = "", old: str | None = None
) -> None:
    """The answer on the item's timeline: old → new state, the responsible person or reason."""
    milestone = receipt.milestone
    record_change(
        milestone.item,
        FIELD,
        old or ReceiptState.PENDING.value,
        state.value,
        now=who.now,
        effective_on=district_day(who.now),
        user=who.actor,
        milestone=milestone,
        note=note,
        origin=ORIGIN,
    )
