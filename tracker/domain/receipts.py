"""Rules of receipts (签收): a department signs for a milestone assigned to it, or declines it.

An assignment is not work under way until the department has acknowledged it: the lead names
who answers for it (and may give a first plan of work), or declines it with a reason so the
coordinating office can assign it where it belongs. The rules here are pure; the commands in
:mod:`tracker.services.commands.receipts` check them before they write.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

RESPONSIBLE_MAX = 120
WORK_PLAN_MAX = 2000
REASON_MAX = 2000


class ReceiptState(StrEnum):
    """Where an assignment stands with its department."""

    PENDING = "pending"
    SIGNED = "signed"
    DECLINED = "declined"
    # A pending receipt that a reassignment replaced: nobody answered it, nobody can.
    SUPERSEDED = "superseded"


# The states an API reader or a page sees for a milestone's current receipt.
SHOWN_STATES = (ReceiptState.PENDING, ReceiptState.SIGNED, ReceiptState.DECLINED)


class ReceiptProblem(StrEnum):
    """Why an answer to a receipt, or a reassignment, was refused."""

    ALREADY_ANSWERED = "already_answered"
    RESPONSIBLE_REQUIRED = "responsible_required"
    RESPONSIBLE_TOO_LONG = "responsible_too_long"
    WORK_PLAN_TOO_LONG = "work_plan_too_long"
    REASON_REQUIRED = "reason_required"
    REASON_TOO_LONG = "reason_too_long"
    NOT_DECLINED = "not_declined"


def sign_problems(*, state: str, responsible: str, work_plan: str) -> list[ReceiptProblem]:
    """A signature names who answers for the milestone; the plan of work is optional."""
    if state != ReceiptState.PENDING:
        return [ReceiptProblem.ALREADY_ANSWERED]
    problems = []
    responsible = responsible.strip()
    if not responsible:
        problems.append(ReceiptProblem.RESPONSIBLE_REQUIRED)
    elif len(responsible) > RESPONSIBLE_MAX:
        problems.append(ReceiptProblem.RESPONSIBLE_TOO_LONG)
    if len(work_plan.strip()) > WORK_PLAN_MAX:
        problems.append(ReceiptProblem.WORK_PLAN_TOO_LONG)
    return problems


def decline_problems(*, state: str, reason: str) -> list[ReceiptProblem]:
    """A decline must say why: the coordinating office reads it to reassign the milestone."""
    if state != ReceiptState.PENDING:
        return [ReceiptProblem.ALREADY_ANSWERED]
    reason = reason.strip()
    if not reason:
        return [ReceiptProblem.REASON_REQUIRED]
    if len(reason) > REASON_MAX:
        return [ReceiptProblem.REASON_TOO_LONG]
    return []


def reassign_problems(*, state: str | None) -> list[ReceiptProblem]:
    """Assigning again to the same department is the answer to a decline, nothing else
    (a pending receipt already waits; a signed one needs no new receipt).
    """
    if state != ReceiptState.DECLINED:
        return [ReceiptProblem.NOT_DECLINED]
    return []


def age_days(assigned_on: date, today: date) -> int:
    """How many days a receipt has waited: 0 on the day of the assignment."""
    return max((today - assigned_on).days, 0)


def oldest_age(assigned_days: list[date], today: date) -> int | None:
    """The age of the longest-waiting receipt among ``assigned_days`` (None when none waits)."""
    if not assigned_days:
        return None
    return age_days(min(assigned_days), today)
