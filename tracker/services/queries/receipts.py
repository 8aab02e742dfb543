"""Receipts read back: a department's waiting ones, the coordinating office's watch list, and
each milestone's current receipt for badges, the ledger and the API (one query for many).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.clock import district_day
from tracker.domain.plan_states import PlanState
from tracker.domain.receipts import ReceiptState, age_days
from tracker.extensions import db
from tracker.models import Item, Milestone, Plan
from tracker.models.receipts import Receipt


@dataclass(frozen=True)
class WaitingReceipt:
    """A receipt with how many days it has waited (or waited until it was declined)."""

    receipt: Receipt
    age: int


def _loaded() -> list[so.interfaces.LoaderOption]:
    return [
        so.joinedload(Receipt.milestone).joinedload(Milestone.item).joinedload(Item.plan),
        so.joinedload(Receipt.department),
        so.joinedload(Receipt.answered_by),
    ]


def _current() -> sa.ColumnElement[bool]:
    """The newest receipt of its milestone (older rows are history)."""
    newest = sa.select(sa.func.max(Receipt.id)).group_by(Receipt.milestone_id)
    return Receipt.id.in_(newest)


def _active_plans() -> sa.ColumnElement[bool]:
    return Receipt.plan_id.in_(sa.select(Plan.id).where(Plan.state == PlanState.ACTIVE))


def pending_for_department(department_id: int, today: date) -> list[WaitingReceipt]:
    """What the department has yet to sign for, in active plans, oldest first."""
    rows = db.session.scalars(
        sa.select(Receipt)
        .where(
            Receipt.department_id == department_id,
            Receipt.state == ReceiptState.PENDING,
            _active_plans(),
        )
        .options(*_loaded())
        .order_by(Receipt.assigned_at, Receipt.id)
    ).all()
    return [WaitingReceipt(r, age_days(district_day(r.assigned_at), today)) for r in rows]


def asked_first(waiting: list[WaitingReceipt], receipt_id: int | None) -> list[WaitingReceipt]:
    """The receipt the lead chose to answer (``/my?answer=``) first, the others as they were:
    only the first few rows of the card carry forms. An id not among them changes nothing.
    """
    chosen = [w for w in waiting if w.receipt.id == receipt_id]
    return chosen + [w for w in waiting if w.receipt.id != receipt_id]


def watch_list(today: date) -> tuple[list[WaitingReceipt], list[WaitingReceipt]]:
    """For the coordinating office: unsigned assignments oldest first, and declined ones that
    nobody has assigned again yet (oldest answer first), in active plans.
    """
    pending = db.session.scalars(
        sa.select(Receipt)
        .where(Receipt.state == ReceiptState.PENDING, _active_plans())
        .options(*_loaded())
        .order_by(Receipt.assigned_at, Receipt.id)
    ).all()
    declined = db.session.scalars(
        sa.select(Receipt)
        .where(Receipt.state == ReceiptState.DECLINED, _current(), _active_plans())
        .options(*_loaded())
        .order_by(Receipt.answered_at, Receipt.id)
    ).all()
    return (
        [WaitingReceipt(r, age_days(district_day(r.assigned_at), today)) for r in pending],
        [
            WaitingReceipt(r, age_days(district_day(r.assigned_at), district_day(r.answered_at)))
            for r in declined
            if r.answered_at is not None
        ],
    )


def current_receipts(milestone_ids: Iterable[int]) -> dict[int, Receipt]:
    """Each milestone's current receipt, in one query; a milestone without one is left out."""
    ids = list(milestone_ids)
    if not ids:
        return {}
    newest = (
        sa.select(sa.func.max(Receipt.id))
        .where(Receipt.milestone_id.in_(ids))
        .group_by(Receipt.milestone_id)
    )
    rows = db.session.scalars(
        sa.select(Receipt)
        .where(Receipt.id.in_(newest))
        .options(so.joinedload(Receipt.department), so.joinedload(Receipt.answered_by))
    )
    return {r.milestone_id: r for r in rows}


def plan_receipts(plan_id: int) -> dict[int, Receipt]:
    """Every milestone's current receipt in a plan, in one query (for the API and the ledger)."""
    newest = (
        sa.select(sa.func.max(Receipt.id))
        .where(Receipt.plan_id == plan_id)
        .group_by(Receipt.milestone_id)
    )
    rows = db.session.scalars(
        sa.select(Receipt)
        .where(Receipt.id.in_(newest))
        .options(so.joinedload(Receipt.department), so.joinedload(Receipt.answered_by))
    )
    return {r.milestone_id: r for r in rows}


def pending_counts(plan_id: int, today: date) -> dict[int, tuple[int, int]]:
    """Per department: how many receipts wait in the plan, and the oldest one's age in days."""
    rows = db.session.execute(
        sa.select(Receipt.department_id, sa.func.count(), sa.func.min(Receipt.assigned_at))
        .where(Receipt.plan_id == plan_id, Receipt.state == ReceiptState.PENDING)
        .group_by(Receipt.department_id)
    )
    return {
        department_id: (count, age_days(district_day(oldest), today))
        for department_id, count, oldest in rows
    }
